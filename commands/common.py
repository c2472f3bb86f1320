"""What every `alliances` command shares: exit codes, the store handle, the error mapping and the output option.

Command modules (cli.py and commands/*.py) import from here, never from each other, so adding a command touches
one module and one line of cli.py.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from alliances.output import FORMATS, compact_iris, render

if TYPE_CHECKING:
    from alliances.graph.store import Store

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_PARTIAL, EXIT_NOT_FOUND = 0, 1, 2, 3, 4

F = TypeVar("F", bound=Callable[..., Any])


class CliError(click.ClickException):
    """A one-line message for the user, with the exit code of the scheme in the module docstring."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILURE) -> None:
        super().__init__(" ".join(message.split()))
        self.exit_code = exit_code  # type: ignore[misc]  # click exits with the instance's exit_code


@contextlib.contextmanager
def _errors() -> Iterator[None]:
    """Turn the library's typed errors into CliError; anything else is a bug and keeps its traceback."""
    from alliances.graph.curation import CurationError
    from alliances.graph.evaluate import EvaluationError
    from alliances.graph.queries import AmbiguousName, UnknownName
    from alliances.graph.store import QuerySyntaxError, ReadOnlyQuery, StoreError
    from alliances.loaders.plugins import PluginError
    from alliances.loaders.registry import LoaderError

    try:
        yield
    except UnknownName as e:
        hint = f" Did you mean: {', '.join(e.suggestions)}?" if e.suggestions else ""
        raise CliError(f"No organisation, alliance or person is called {e.name!r}.{hint}", EXIT_NOT_FOUND) from e
    except AmbiguousName as e:
        listed = "; ".join(f"{c.label} ({c.kind.lower() or 'entity'}, {compact_iris(c.iri)})" for c in e.candidates)
        raise CliError(
            f"{e.name!r} could mean {len(e.candidates)} entities: {listed}. Give the full name or the IRI.",
            EXIT_NOT_FOUND,
        ) from e
    except QuerySyntaxError as e:
        first = str(e).splitlines()[0] if str(e) else "malformed SPARQL"
        raise CliError(first[:1].upper() + first[1:], EXIT_USAGE) from e
    except (ReadOnlyQuery, PluginError) as e:
        raise CliError(str(e), EXIT_USAGE) from e
    except (StoreError, LoaderError, CurationError, EvaluationError) as e:  # StoreLocked is a StoreError
        raise CliError(str(e), EXIT_FAILURE) from e


class App:
    """What every command shares: where the store is, opened once per command and closed when it ends."""

    def __init__(self, ctx: click.Context, store_path: str | None) -> None:
        self.ctx = ctx
        self.store_path = store_path

    def store(self, *, read_only: bool = True) -> Store:
        from alliances.graph.store import open_store

        return self.ctx.with_resource(open_store(self.store_path, read_only=read_only))


pass_app = click.make_pass_decorator(App)


def output_format(f: F) -> F:
    """The one --format option every listing takes."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table for reading, json (a list of objects with stable keys) or csv for other tools.",
    )(f)


def emit(data: Any, fmt: str, *, columns: Sequence[str] = (), table_columns: Sequence[str] = ()) -> None:
    """Print `data` in the chosen format (the table shows only `table_columns` when given)."""
    click.echo(render(data, fmt, columns=columns, table_columns=table_columns))


class Group(click.Group):
    """Runs every command inside `_errors`, so a library error becomes one line and an exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        with _errors():
            return super().invoke(ctx)
