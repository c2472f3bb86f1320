"""SPARQL commands: `sparql` (any query), `query` (the named queries in queries/), `serve` (the HTTP endpoint).

All three share one way of printing a SPARQL answer: SELECT as table/CSV (through the shared formatter) or in the
SPARQL results formats (JSON, TSV, XML); ASK as true/false; CONSTRUCT and DESCRIBE as Turtle (or rows).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import click

from alliances.commands.common import EXIT_NOT_FOUND, EXIT_USAGE, App, CliError, emit, pass_app

SPARQL_FORMATS = ("table", "json", "csv", "tsv", "xml", "turtle")

_format_option = click.option(
    "--format",
    "fmt",
    type=click.Choice(SPARQL_FORMATS),
    default="table",
    show_default=True,
    help="table, csv (quoted against spreadsheet formulas), the SPARQL results formats json, tsv, xml, "
    "or turtle for CONSTRUCT and DESCRIBE.",
)


# ---------------------------------------------------------------- sparql


def _query_text(query_or_file: str) -> str:
    """The query itself, or the text of the file it names ('-' reads standard input)."""
    if query_or_file == "-":
        return sys.stdin.read()
    path = Path(query_or_file)
    looks_like_file = "\n" not in query_or_file and len(query_or_file) < 4096
    if looks_like_file and path.suffix in (".rq", ".sparql") and not path.is_file():
        raise CliError(f"No such query file: {query_or_file}", EXIT_USAGE)
    if looks_like_file and path.is_file():
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise CliError(f"Cannot read {path}: {e}", EXIT_USAGE) from e
    return query_or_file


@click.command()
@click.argument("query_or_file")
@_format_option
@pass_app
def sparql(app: App, query_or_file: str, fmt: str) -> None:
    """Run a SPARQL query (text, a .rq file, or - for standard input) on the store, read-only.

    Common prefixes (al: org: skos: prov: schema: foaf: dcterms: rdf: rdfs: xsd: id: doc:) are known. Every
    document is a named graph: match edges with GRAPH ?g { … }. Named, documented queries are in the package's
    queries/ folder (`alliances query --list`).

    \b
    Example:
        alliances sparql 'SELECT ?org ?alliance WHERE { GRAPH ?g { ?org org:memberOf ?alliance } }'
        alliances sparql my-question.rq --format csv > answer.csv
    """
    print_result(app.store().sparql(_query_text(query_or_file)), fmt)


def print_result(result: Any, fmt: str) -> None:
    """Print a SparqlResult in `fmt`; a format that does not fit the query form is a usage error."""
    kind = result.kind
    if kind == "ask":
        if fmt in ("table", "csv"):
            click.echo("true" if result.boolean else "false")
        elif fmt == "turtle":
            raise CliError("An ASK query answers true or false; use --format table, json or xml.", EXIT_USAGE)
        else:
            _write_bytes(result.serialize(fmt))
        return
    if kind == "construct":
        if fmt == "turtle":
            _write_bytes(result.serialize(fmt))
        elif fmt in ("table", "csv", "json"):
            emit(_triple_rows(result.rows), fmt, columns=("subject", "predicate", "object"))
        else:
            raise CliError(
                f"A CONSTRUCT or DESCRIBE query gives a graph; use --format turtle, table, csv or json, not {fmt}.",
                EXIT_USAGE,
            )
        return
    if fmt == "turtle":
        raise CliError("A SELECT query gives a table; use --format table, csv, json, tsv or xml.", EXIT_USAGE)
    if fmt in ("table", "csv"):
        variables = list(result.variables)
        emit([_binding_row(variables, row) for row in result.rows], fmt, columns=variables)
    else:
        _write_bytes(result.serialize(fmt))


def _binding_row(variables: Sequence[str], row: Any) -> dict[str, Any]:
    if isinstance(row, dict):
        return {v: row.get(v) for v in variables}
    return dict(zip(variables, row))


def _triple_rows(rows: Sequence[Any]) -> list[dict[str, Any]]:
    return [_binding_row(("subject", "predicate", "object"), r) for r in rows]


def _write_bytes(data: bytes) -> None:
    out = sys.stdout.buffer
    out.write(data)
    if data and not data.endswith(b"\n"):
        out.write(b"\n")
    out.flush()


# ---------------------------------------------------------------- query


@contextlib.contextmanager
def _library_errors() -> Iterator[None]:
    """The query library's errors as one-line messages: an unknown query name is 'not found', the rest usage."""
    from alliances.graph.querylib import QueryLibraryError, UnknownQuery

    try:
        yield
    except UnknownQuery as e:
        raise CliError(str(e)[:1].upper() + str(e)[1:] + ".", EXIT_NOT_FOUND) from e
    except QueryLibraryError as e:
        raise CliError(str(e)[:1].upper() + str(e)[1:] + ".", EXIT_USAGE) from e


def _parse_params(values: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value in values:
        name, sep, text = value.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not name:
            raise CliError(f"--param takes NAME=VALUE, e.g. --param organisation=BL; got {value!r}.", EXIT_USAGE)
        if name in out:
            raise CliError(f"--param {name} is given twice; give each parameter once.", EXIT_USAGE)
        out[name] = text
    return out


@click.command()
@click.argument("name", required=False)
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="A parameter of the query (repeatable). Names (organisations, alliances) resolve as in other commands.",
)
@click.option("--list", "list_only", is_flag=True, help="List the named queries with their parameters and stop.")
@click.option(
    "--text",
    "text_only",
    is_flag=True,
    help="Print the query with its parameters bound and prefixes declared, to run in another SPARQL tool.",
)
@_format_option
@pass_app
def query(app: App, name: str | None, params: tuple[str, ...], list_only: bool, text_only: bool, fmt: str) -> None:
    """Run a named, documented query from the library (queries/*.rq), or any .rq file with the same header.

    Each query file starts with a comment saying what it answers and which parameters it takes; --list shows
    them all. Parameters are bound as RDF values, never pasted into the query.

    \b
    Example:
        alliances query --list
        alliances query funders-of --param organisation="Hjem til Alle"
        alliances query organisations-in-alliances -p min=3 --format csv > bridges.csv
        alliances query membership-matrix --format csv > m.csv
        alliances query edge-evidence -p subject=BL -p object="Alliancen mod Hjemløshed" -p relation=memberOf
    """
    from alliances.graph import querylib

    with _library_errors():
        if list_only:
            rows = [_listing(q) for q in querylib.list_queries()]
            emit(rows, "json" if fmt == "json" else "csv" if fmt == "csv" else "table",
                 columns=("name", "parameters", "title"))
            return
        if not name:
            raise CliError("Name a query (alliances query --list shows them), e.g. alliances query founders.",
                           EXIT_USAGE)
        named = querylib.load(name)
        values = _parse_params(params)
        needs_store = any(named.parameter(k).type in ("entity", "organisation", "alliance", "person") for k in values)
        if text_only:
            click.echo(querylib.bound_text(app.store() if needs_store else None, named, values).rstrip("\n"))
            return
        print_result(querylib.run(app.store(), named, values), fmt)


def _listing(q: Any) -> dict[str, Any]:
    params = " ".join(f"{p.name}{'' if p.required else '?'}={p.type}" for p in q.parameters)
    return {"name": q.name, "parameters": params, "title": q.title}


# ---------------------------------------------------------------- serve


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but 127.0.0.1/localhost exposes the store to your network.")
@click.option("--port", default=7878, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on; 0 picks a free one (printed on start).")
@click.option("--timeout", default=10.0, show_default=True, type=click.FloatRange(0.1, 3600),
              help="Seconds a query may run before it is stopped (the answer is 503 with a message).")
@click.option("--max-rows", default=10_000, show_default=True, type=click.IntRange(1),
              help="Rows (or triples) an answer holds at most; longer answers are cut and marked with the "
                   "X-Alliances-Truncated header.")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Query processes running at once [default: the number of CPUs, at least 2].")
@click.option("--memory-limit", default=2048, show_default=True, type=click.IntRange(64),
              help="MB of memory one query process may use before its query is stopped (Linux).")
@click.option("--cors-origin", default="*", show_default=True,
              help="Access-Control-Allow-Origin for the endpoint (notebooks in a browser); '' sends none.")
@pass_app
def serve(app: App, host: str, port: int, timeout: float, max_rows: int, workers: int | None, memory_limit: int,
          cors_origin: str) -> None:
    """Serve the store as a read-only SPARQL 1.1 endpoint with a query page, until Ctrl-C.

    The endpoint is /sparql (GET or POST, SPARQL 1.1 Protocol; JSON, XML, CSV, TSV results, Turtle,
    N-Triples or RDF/XML graphs, by the Accept header or ?format=). Updates, LOAD and SERVICE are refused
    (403). The query page at / works offline. Queries run in worker processes that are stopped at --timeout.

    \b
    Example:
        alliances serve
        alliances serve --port 8080 --timeout 30 --max-rows 100000
        curl -H 'Accept: text/csv' --data-urlencode 'query=SELECT * WHERE { ?s ?p ?o } LIMIT 5' \\
             http://127.0.0.1:7878/sparql
    """
    import logging
    import os
    import signal

    from alliances.graph.server import ServerConfig, make_server

    store_path = app.store_path
    if store_path is None:
        from alliances.graph.store import default_store_path

        store_path = default_store_path()
    config = ServerConfig(
        store_path=Path(store_path),
        host=host,
        port=port,
        timeout=timeout,
        max_rows=max_rows,
        workers=workers or max(2, os.cpu_count() or 2),
        memory_limit_mb=memory_limit,
        cors_origin=cors_origin or None,
    )
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    server = make_server(config)
    url = server.url

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt  # SIGTERM ends the server like Ctrl-C: workers stopped, socket closed

    signal.signal(signal.SIGTERM, stop)
    click.echo(f"Serving {config.store_path} read-only at {url} (endpoint {url}sparql). Ctrl-C stops.")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("Stopped.", err=True)
    finally:
        server.close()


COMMANDS = [sparql, query, serve]
