"""The `alliances` command: thin click commands over the library, one formatter for everything they list.

Each command parses its arguments, calls one library function that returns plain data, and hands the data to
`alliances.output.render`. Library errors are typed; `_errors` below is the one place that turns them into a
one-line message and an exit code:

    0  success
    1  failure: the store cannot be opened or is locked, a file cannot be read, the graph does not validate
    2  usage: a bad option or argument, a malformed SPARQL query, an update where only queries are allowed
    3  partial: `ingest` stored what it could but skipped some files
    4  not found: a name that matches no entity, or several
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

import click

from alliances import __version__
from alliances.commands import analytics as analytics_commands
from alliances.commands import ask as ask_commands
from alliances.commands import maps as maps_commands
from alliances.commands import review as review_commands
from alliances.commands import sparql as sparql_commands
from alliances.commands.common import (
    EXIT_PARTIAL,
    EXIT_USAGE,
    App,
    CliError,
    Group,
    emit,
    output_format,
    pass_app,
)

RDF_EXPORT_FORMATS = ("turtle", "trig", "nquads", "json-ld")
NETWORK_EXPORT_FORMATS = ("graphml", "gexf", "kumu", "nodelink")
EXPORT_FORMATS = RDF_EXPORT_FORMATS + NETWORK_EXPORT_FORMATS

@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--store",
    "store_path",
    metavar="FOLDER|URL",
    envvar="ALLIANCES_STORE",
    show_envvar=True,
    help="Folder of the graph store, or the URL of a SPARQL 1.1 server (http://host:7878/). "
    "Default: $XDG_DATA_HOME/alliances/store (~/.local/share/alliances/store).",
)
@click.version_option(__version__, prog_name="alliances")
@click.pass_context
def cli(ctx: click.Context, store_path: str | None) -> None:
    """A knowledge graph of Nordic social-sector alliances, read from Danish, Norwegian and Swedish texts.

    Ingest texts, then ask who is in which alliance, with the sentence and document behind every edge.

    \b
    Example:
        alliances --store ./kg ingest corpus/
        alliances --store ./kg member-of BL
        alliances --store ./kg members "Alliancen mod Hjemløshed" --format csv
        alliances --store ./kg sparql 'SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s org:memberOf ?o } }'

    Exit codes: 0 ok, 1 failure, 2 usage or malformed query, 3 ingest skipped some files, 4 unknown or ambiguous name.
    """
    ctx.obj = App(ctx, store_path)


# ---------------------------------------------------------------- ingest

_PLUGIN_OPTIONS = (
    click.option("--ner-model", metavar="PATH_OR_NAME",
                 help="Also find organisations with this trained spaCy pipeline (a folder or an installed package, "
                 "e.g. a DaCy model); never downloaded. Off by default."),
    click.option("--llm-endpoint", metavar="URL", envvar="ALLIANCES_LLM_ENDPOINT",
                 help="Also ask a chat model behind this OpenAI-compatible API (e.g. http://localhost:8000/v1) for "
                 "relations; only those whose quote is in the text and whose kinds fit are kept, at confidence "
                 "0.6 at most, rule llm:MODEL. API key from ALLIANCES_LLM_API_KEY [env: ALLIANCES_LLM_ENDPOINT]."),
    click.option("--llm-model", metavar="NAME", envvar="ALLIANCES_LLM_MODEL",
                 help="The model name the --llm-endpoint serves [env: ALLIANCES_LLM_MODEL]."),
    click.option("--llm-timeout", type=click.FloatRange(min=0, min_open=True), metavar="SECONDS",
                 help="Give up on one LLM request after this long (default 120); the rules' result stands."),
)


def build_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """--min-confidence, --curation and the plug-in options, shared by every command that builds the graph.

    The plug-in options reach the command as one `plugins` argument (`loaders.plugins.Plugins`), already checked.
    """

    inner = command

    @functools.wraps(inner)
    def with_plugins(*args: Any, ner_model: str | None, llm_endpoint: str | None, llm_model: str | None,
                     llm_timeout: float | None, **kwargs: Any) -> Any:
        from alliances.loaders.plugins import PluginError, make_plugins

        try:
            kwargs["plugins"] = make_plugins(ner_model=ner_model, llm_endpoint=llm_endpoint, llm_model=llm_model,
                                             llm_api_key=os.environ.get("ALLIANCES_LLM_API_KEY"),
                                             llm_timeout=llm_timeout)
        except PluginError as e:
            raise CliError(f"{str(e).rstrip('.')}. Nothing was written.", EXIT_USAGE) from e
        return inner(*args, **kwargs)

    command = with_plugins
    for option in reversed(_PLUGIN_OPTIONS):
        command = option(command)
    command = click.option(
        "--curation",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        envvar="ALLIANCES_CURATION",
        help="A curation file of corrections (merges, removed edges, added edges) applied after extraction "
        "[env: ALLIANCES_CURATION].",
    )(command)
    return click.option(
        "--min-confidence",
        type=click.FloatRange(0.0, 1.0),
        default=0.0,
        show_default=True,
        help="Keep only assertions at least this confident.",
    )(command)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--strict", is_flag=True, help="Stop at the first file that cannot be read, and store nothing.")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes that read and extract (0: one per core); one writer keeps the order, so the "
              "graph is the same for any number.")
@click.option("--to-nquads", "to_nquads", type=click.Path(file_okay=False, path_type=Path),
              help="Write N-Quads files into this new folder for a SPARQL server's bulk loader, instead of the store.")
@build_options
@pass_app
def ingest(app: App, paths: tuple[Path, ...], strict: bool, jobs: int, to_nquads: Path | None,
           min_confidence: float, curation: Path | None, plugins: Any) -> None:
    """Read texts (files or folders) into the store; a text already ingested is skipped.

    Files that cannot be read are skipped and listed (exit code 3); with --strict the first one stops the run
    and nothing is written (exit code 1).

    \b
    Example:
        alliances ingest corpus/
        alliances ingest --jobs 4 --strict --min-confidence 0.7 news/2024/*.txt members.csv
        alliances ingest --jobs 0 --to-nquads load/ news/     # then bulk-load load/*.nq into a server
    """
    from alliances.graph.ingest import ingest as run_ingest
    from alliances.loaders.registry import SUFFIXES, LoaderError, iter_sources

    sources = list(iter_sources(paths))
    if not sources:
        raise CliError(f"No files to ingest in {', '.join(map(str, paths))} (read: {' '.join(sorted(SUFFIXES))}).")
    if to_nquads is not None:
        from alliances.graph.nquads import NQuadsWriter

        target: Any = app.ctx.with_resource(NQuadsWriter(to_nquads))
    else:
        target = app.store(read_only=False)
    with click.progressbar(length=len(sources), label="Ingesting", file=sys.stderr, show_pos=True) as bar:
        try:
            report = run_ingest(
                sources,
                target,
                strict=strict,
                min_confidence=min_confidence,
                curation=curation,
                on_document=lambda _source: bar.update(1),
                jobs=jobs,
                plugins=plugins,
            )
        except LoaderError as e:
            if strict:
                raise CliError(f"{e} Nothing was written (--strict).") from e
            raise
    click.echo(
        f"Read {len(sources)} files: {len(report.added)} documents added, {len(report.replaced)} replaced, "
        f"{len(report.unchanged)} unchanged, {len(report.skipped)} files skipped; {report.assertions} assertions, "
        f"{report.positions} positions, {report.entities} entities."
    )
    if to_nquads is not None:
        target.close()
        click.echo(f"Wrote {target.quads} quads to {len(target.parts)} N-Quads files in {to_nquads}.")
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    if report.skipped:
        for source, reason in report.skipped:
            click.echo(f"skipped {source}: {reason}", err=True)
        click.echo(f"{len(report.skipped)} files were skipped; everything else is in the store.", err=True)
        app.ctx.exit(EXIT_PARTIAL)


@cli.command()
@build_options
@pass_app
def rebuild(app: App, min_confidence: float, curation: Path | None, plugins: Any) -> None:
    """Extract every stored document again with today's rules, lexicons and curation file.

    Run it after editing the curation file or the lexicons: the documents' texts are kept in the store, so no
    source file is needed. All documents are rewritten in one transaction.

    \b
    Example:
        alliances rebuild --curation curation.yaml
    """
    from alliances.graph.ingest import rebuild as run_rebuild

    store = app.store(read_only=False)
    total = len(store.document_ids())
    with click.progressbar(length=total, label="Rebuilding", file=sys.stderr, show_pos=True) as bar:
        report = run_rebuild(store, min_confidence=min_confidence, curation=curation,
                             on_document=lambda _source: bar.update(1), plugins=plugins)
    click.echo(
        f"Rebuilt {len(report.replaced)} documents: {report.assertions} assertions, {report.positions} positions, "
        f"{report.entities} entities."
    )
    for note in report.notes:
        click.echo(f"note: {note}", err=True)


# ---------------------------------------------------------------- questions


@cli.command("member-of")
@click.argument("organisation")
@output_format
@pass_app
def member_of(app: App, organisation: str, fmt: str) -> None:
    """The alliances ORGANISATION is a member of, each with its source documents and evidence.

    ORGANISATION is any of its names (case, dashes and quotes do not matter) or its IRI.

    \b
    Example:
        alliances member-of BL
        alliances member-of "Kirkens Korshær" --format json
    """
    from alliances.graph import queries

    emit(
        queries.member_of(app.store(), organisation),
        fmt,
        columns=("alliance", "iri", "unnamed"),
        table_columns=("alliance", "source", "evidence", "confidence"),
    )


@cli.command()
@click.argument("alliance")
@output_format
@pass_app
def members(app: App, alliance: str, fmt: str) -> None:
    """The members of ALLIANCE, and its facilitators, founders and funders, each with its sources.

    \b
    Example:
        alliances members "Alliancen mod Hjemløshed"
        alliances members "Folkebevægelsen mod Ensomhed" --format csv > members.csv
    """
    from alliances.graph import queries

    emit(
        queries.members(app.store(), alliance),
        fmt,
        columns=("role", "name", "iri", "unnamed"),
        table_columns=("role", "name", "source", "evidence", "confidence"),
    )


@cli.command()
@click.argument("name")
@output_format
@pass_app
def show(app: App, name: str, fmt: str) -> None:
    """Everything known about one organisation, alliance or person.

    Its labels and types, every relation in and out with the evidence sentence and source, and the posts
    people hold.

    \b
    Example:
        alliances show "Velux Fonden"
        alliances show https://w3id.org/alliances/id/org/bl --format json
    """
    from alliances.graph import queries

    emit(
        queries.show(app.store(), name),
        fmt,
        table_columns=("direction", "relation", "other", "person", "organisation", "role", "source", "evidence"),
    )


@cli.command()
@output_format
@pass_app
def stats(app: App, fmt: str) -> None:
    """How much the store holds: documents, entities, relations, assertions.

    \b
    Example:
        alliances stats --format json
    """
    from alliances.graph import queries

    emit(queries.stats(app.store()), fmt, columns=("what", "count"))


@cli.command()
@output_format
@pass_app
def validate(app: App, fmt: str) -> None:
    """Check the graph against the SHACL shapes of the vocabulary; exit code 1 when it does not conform.

    \b
    Example:
        alliances validate
    """
    from alliances.graph.validate import validate as run_validate

    report = run_validate(app.store())
    if report.conforms:
        click.echo("The graph conforms to the SHACL shapes.", err=True)
        return
    emit([_plain_problem(p) for p in report.problems], fmt)
    raise CliError(f"The graph does not conform: {len(report.problems)} problems (listed above).")


def _plain_problem(problem: Any) -> dict[str, Any]:
    if is_dataclass(problem) and not isinstance(problem, type):
        return asdict(problem)
    if isinstance(problem, dict):
        return problem
    return {"problem": str(problem)}


# ---------------------------------------------------------------- export, evaluate (sparql, query, serve: commands/sparql.py)


@cli.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="trig",
    show_default=True,
    help="trig and nquads keep the named graph of each document (the provenance); turtle merges them. "
    "graphml and gexf (Gephi) write the network, one edge per relation with its evidence; kumu a Kumu JSON "
    "blueprint; nodelink networkx/d3 JSON with one link per statement.",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, allow_dash=True),
    help="File to write, or - for standard output. A file is replaced only when the export succeeds.",
)
@pass_app
def export(app: App, fmt: str, output: str) -> None:
    """Write the whole graph to a file, for other RDF tools, Gephi, Kumu or pandas.

    \b
    Example:
        alliances export --format trig -o alliances.trig
        alliances export --format nquads -o - | gzip > alliances.nq.gz
        alliances export --format gexf -o alliances.gexf
    """
    store = app.store()
    write: Callable[[Any], str]
    if fmt in NETWORK_EXPORT_FORMATS:
        from alliances.graph.netexport import write_network
        from alliances.graph.network import build_graph

        graph = build_graph(store, posts=True)

        def write(handle: Any) -> str:
            nodes, edges = write_network(graph, fmt, handle)
            return f"{nodes} nodes and {edges} edges"
    else:

        def write(handle: Any) -> str:
            return f"{store.export(fmt, handle)} statements"

    if output == "-":
        out = sys.stdout.buffer
        what = write(out)
        out.flush()
        click.echo(f"Exported {what}.", err=True)
        return
    target = Path(output)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent.resolve())
    except OSError as e:
        raise CliError(
            f"Cannot write {target}: {e.strerror or e}. Check that its folder exists and is writable."
        ) from e
    try:
        with os.fdopen(fd, "wb") as handle:
            what = write(handle)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    click.echo(f"Exported {what} to {target}.", err=True)


@cli.command()
@click.argument("gold_dirs", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--graph",
    "graph_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Score this RDF file (.ttl, .trig, .nt, .nq, .jsonld) instead of the store.",
)
@click.option(
    "--errors",
    "show_errors",
    is_flag=True,
    help="With --format table, also list the wrong and the missed relations, entities and positions.",
)
@output_format
@pass_app
def evaluate(app: App, gold_dirs: tuple[Path, ...], graph_file: Path | None, show_errors: bool, fmt: str) -> None:
    """Precision, recall and F1 against gold annotations (*.gold.json, see the gold FORMAT.md).

    Per relation, for all relations together, for organisations and alliances found, and for people's posts.
    --format json gives the full report with every wrong (fp) and missed (fn) item.

    \b
    Example:
        alliances evaluate ../shared/gold/seeds
        alliances evaluate gold/ --graph other-tool.ttl --format json
    """
    from alliances.graph.evaluate import evaluate_file, evaluate_store

    report = evaluate_file(graph_file, gold_dirs) if graph_file else evaluate_store(app.store(), gold_dirs)
    if fmt == "json":
        emit(report.as_dict(), fmt)
        return
    emit(report.rows(), fmt)
    if show_errors and fmt == "table":
        for name, score in report.per_relation.items():
            _echo_list(f"{name}: wrong", score.fp)
            _echo_list(f"{name}: missed", score.fn)
        _echo_list("entities: junk", report.entities.junk)
        _echo_list("entities: missed", report.entities.missed)
        _echo_list("entities: overmerged", report.entities.overmerged)
        _echo_list("positions: wrong", report.positions.fp)
        _echo_list("positions: missed", report.positions.fn)


def _echo_list(title: str, items: Sequence[str]) -> None:
    if items:
        click.echo(f"\n{title} ({len(items)}):")
        for item in items:
            click.echo(f"  {item}")


# Commands from commands/*.py: one line per module.
for _module in (analytics_commands, ask_commands, maps_commands, review_commands, sparql_commands):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    """Console script entry point."""
    cli(prog_name="alliances")


if __name__ == "__main__":
    main()
