"""Network commands: centrality, overlap, brokers, communities, path.

Each builds the network from the store (`graph.network`), resolves the names it is given (`graph.queries.resolve`),
calls one function of `graph.analytics` and prints its rows with the shared formatter.
"""

from __future__ import annotations

from typing import Any

import click

from alliances.commands.common import EXIT_NOT_FOUND, EXIT_USAGE, App, CliError, emit, output_format, pass_app

_TOP = click.option("--top", type=click.IntRange(min=1), default=20, show_default=True, help="Show this many rows.")
_MIN_CONFIDENCE = click.option(
    "--min-confidence",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Leave out statements less confident than this.",
)


def _rounded(rows: list[dict[str, Any]], fmt: str, *keys: str) -> list[dict[str, Any]]:
    """Round scores for reading; JSON and CSV keep full precision."""
    if fmt != "table":
        return rows
    return [{**r, **{k: round(r[k], 4) for k in keys if isinstance(r.get(k), float)}} for r in rows]


def _bipartite(app: App, min_confidence: float) -> Any:
    from alliances.graph import network

    graph = network.build_graph(app.store(), relations=("memberOf",), min_confidence=min_confidence)
    return network.bipartite_graph(graph)


def _network_errors(call: Any) -> Any:
    from alliances.graph.analytics import NoPath
    from alliances.graph.network import NetworkError, ProjectionTooLarge

    try:
        return call()
    except NoPath as e:
        raise CliError(str(e)[:1].upper() + str(e)[1:] + ".", EXIT_NOT_FOUND) from e
    except ProjectionTooLarge as e:
        raise CliError(f"{str(e)[:1].upper()}{str(e)[1:]}. Use --on bipartite.", EXIT_USAGE) from e
    except NetworkError as e:
        raise CliError(str(e), EXIT_USAGE) from e


@click.command()
@click.option(
    "--measure",
    type=click.Choice(("degree", "betweenness", "eigenvector", "pagerank")),
    default="degree",
    show_default=True,
    help="Which centrality.",
)
@click.option(
    "--on",
    "on",
    type=click.Choice(("bipartite", "projection")),
    default="bipartite",
    show_default=True,
    help="The organisation–alliance graph (any size), or organisations linked by shared alliances (small graphs).",
)
@click.option("--k", "k", type=click.IntRange(min=1), help="Sample betweenness from K sources (automatic on large graphs).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for sampled betweenness.")
@_TOP
@_MIN_CONFIDENCE
@output_format
@pass_app
def centrality(
    app: App, measure: str, on: str, k: int | None, seed: int, top: int, min_confidence: float, fmt: str
) -> None:
    """Organisations ranked by how central they are in the network of alliances.

    The method column says how the score was computed; on large graphs betweenness is sampled from k sources
    (and says so).

    \b
    Example:
        alliances centrality --measure betweenness --top 20
        alliances centrality --measure pagerank --format csv > pagerank.csv
    """
    from alliances.graph import analytics

    B = _bipartite(app, min_confidence)
    rows = _network_errors(lambda: analytics.centrality(B, measure, on=on, top=top, k=k, seed=seed))
    if rows and fmt == "table":
        click.echo(f"note: {rows[0]['method']}", err=True)
    emit(
        _rounded(rows, fmt, "score"),
        fmt,
        columns=("rank", "label", "kind", "score", "alliances", "iri", "method"),
        table_columns=("rank", "label", "kind", "score", "alliances"),
    )


@click.command()
@click.argument("alliance_names", metavar="[ALLIANCE ALLIANCE]", nargs=-1)
@_TOP
@_MIN_CONFIDENCE
@output_format
@pass_app
def overlap(app: App, alliance_names: tuple[str, ...], top: int, min_confidence: float, fmt: str) -> None:
    """Pairs of alliances ranked by the members they share (count and Jaccard index); or, given two alliances,
    the members they share, with the sentences that say so.

    \b
    Example:
        alliances overlap --top 10
        alliances overlap "Hjem til Alle" "Folkebevægelsen mod Ensomhed"
    """
    from alliances.graph import analytics, network, queries

    if len(alliance_names) not in (0, 2):
        raise CliError("Give no alliance (all pairs) or exactly two (the members they share).", EXIT_USAGE)
    store = app.store()
    if alliance_names:
        a, b = (queries.resolve(store, name, kind="Alliance") for name in alliance_names)
        for hit, name in ((a, alliance_names[0]), (b, alliance_names[1])):
            if hit.kind != "Alliance":
                raise CliError(f"{name!r} is {hit.label}, an organisation, not an alliance.", EXIT_USAGE)
        graph = network.build_graph(store, relations=("memberOf",), min_confidence=min_confidence)
        rows = _network_errors(lambda: analytics.shared_members(graph, a.iri, b.iri))
        emit(
            rows,
            fmt,
            columns=("label", "kind", "iri"),
            table_columns=("label", "alliance", "source", "evidence"),
        )
        return
    B = _bipartite(app, min_confidence)
    emit(
        _rounded(analytics.overlap(B, top=top), fmt, "jaccard"),
        fmt,
        columns=("rank", "alliance_a", "alliance_b", "shared", "jaccard", "iri_a", "iri_b"),
        table_columns=("rank", "alliance_a", "alliance_b", "shared", "jaccard"),
    )


@click.command()
@_TOP
@_MIN_CONFIDENCE
@output_format
@pass_app
def brokers(app: App, top: int, min_confidence: float, fmt: str) -> None:
    """Organisations that bridge the most alliances, and the alliance pairs only they link (sole bridges).

    \b
    Example:
        alliances brokers --top 10
        alliances brokers --format json
    """
    from alliances.graph import analytics

    emit(
        analytics.brokers(_bipartite(app, min_confidence), top=top),
        fmt,
        columns=("rank", "label", "kind", "alliances", "pairs", "sole_bridges", "alliance_names", "iri"),
        table_columns=("rank", "label", "alliances", "sole_bridges", "alliance_names"),
    )


@click.command()
@click.option("--resolution", type=click.FloatRange(min=0.0, min_open=True), default=1.0, show_default=True,
              help="Louvain resolution: above 1 gives more, smaller communities.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed, so the same graph gives the same clusters.")
@_MIN_CONFIDENCE
@output_format
@pass_app
def communities(app: App, resolution: float, seed: int, min_confidence: float, fmt: str) -> None:
    """Clusters of organisations that work together, with the alliances that hold them together (Louvain).

    \b
    Example:
        alliances communities
        alliances communities --resolution 1.5 --format json
    """
    from alliances.graph import analytics

    B = _bipartite(app, min_confidence)
    emit(
        _network_errors(lambda: analytics.communities(B, resolution=resolution, seed=seed)),
        fmt,
        columns=("community", "size", "organisations", "alliances", "alliance_names", "organisation_names"),
    )


@click.command()
@click.argument("source")
@click.argument("target")
@_MIN_CONFIDENCE
@output_format
@pass_app
def path(app: App, source: str, target: str, min_confidence: float, fmt: str) -> None:
    """How two organisations (or alliances, or people) are connected: a shortest chain of statements, each
    with its evidence sentence and source.

    \b
    Example:
        alliances path "Hus Forbi" "Realdania"
        alliances path BL "Velux Fonden" --format json
    """
    from alliances.graph import analytics, network, queries

    store = app.store()
    a = queries.resolve(store, source, kind="Organisation")
    b = queries.resolve(store, target, kind="Organisation")
    graph = network.build_graph(store, min_confidence=min_confidence, posts=True)
    emit(
        _network_errors(lambda: analytics.path(graph, a.iri, b.iri)),
        fmt,
        columns=("step", "from", "relation", "direction", "to", "from_iri", "to_iri"),
        table_columns=("step", "from", "direction", "relation", "to", "source", "evidence"),
    )


COMMANDS = [centrality, overlap, brokers, communities, path]
