"""The `map` command: an interactive HTML map of the field, one organisation's neighbourhood, or one alliance.

Builds the network from the store (`graph.network.build_graph`), resolves the names it is given
(`graph.queries.resolve`), hands both to `graph.maps.build_map` and writes the page atomically.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any

import click

from alliances.commands.common import EXIT_FAILURE, EXIT_NOT_FOUND, EXIT_USAGE, App, CliError, pass_app

MAP_RELATIONS = ("memberOf", "funds", "facilitatedBy", "foundedBy", "partnerOf", "subOrganizationOf", "postIn")


def write_atomically(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader sees the old file or the new one, never half of one."""
    path = path.resolve()
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@click.command("map")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    default=Path("field.html"),
    show_default=True,
    help="The HTML file to write (replaced atomically).",
)
@click.option("--focus", metavar="NAME", help="Show only the neighbourhood of this organisation, alliance or person.")
@click.option(
    "--depth",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="With --focus: how many steps out from it.",
)
@click.option("--alliance", metavar="NAME", help="Show this alliance, everyone linked to it and their other alliances.")
@click.option(
    "--relation",
    "relations",
    multiple=True,
    type=click.Choice(MAP_RELATIONS),
    help="Draw only these relations (repeat the option for several). Default: all.",
)
@click.option("--people/--no-people", default=True, show_default=True, help="Draw people and their posts.")
@click.option(
    "--max-nodes",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Larger maps keep only the most central nodes (PageRank), and say so on the map.",
)
@click.option(
    "--min-confidence",
    type=click.FloatRange(0.0, 1.0),
    default=0.0,
    show_default=True,
    help="Leave out statements less confident than this.",
)
@click.option("--title", help="Heading of the map (default: says what the map shows).")
@pass_app
def map_command(
    app: App,
    output: Path,
    focus: str | None,
    depth: int,
    alliance: str | None,
    relations: tuple[str, ...],
    people: bool,
    max_nodes: int,
    min_confidence: float,
    title: str | None,
) -> None:
    """Write an interactive map (one HTML file that opens offline, by double-click).

    Colour and shape show the kind of each node, size its centrality, line style the relation; hover a node or
    an edge for the sentences and sources behind it; search, and filter by alliance or relation, in the page.

    \b
    Example:
        alliances map -o field.html
        alliances map --focus BL --depth 2 -o bl.html
        alliances map --alliance "Hjem til Alle" -o hta.html
        alliances map --relation funds --relation memberOf -o money.html
    """
    from alliances.graph import maps, network
    from alliances.graph.queries import resolve

    if not output.parent.resolve().is_dir():
        raise CliError(f"Cannot write {output}: the folder {output.parent} does not exist.", EXIT_USAGE)
    store = app.store()
    focus_iri = resolve(store, focus).iri if focus else None
    alliance_iri = None
    if alliance:
        hit = resolve(store, alliance, kind="Alliance")
        if hit.kind != "Alliance":
            raise CliError(
                f"{hit.label!r} is {hit.kind.lower() or 'an entity'}, not an alliance; use --focus.", EXIT_NOT_FOUND
            )
        alliance_iri = hit.iri
    wanted = relations or None
    graph = network.build_graph(
        store,
        relations=tuple(r for r in (relations or network.RELATIONS) if r != "postIn"),
        min_confidence=min_confidence,
        posts=people and (not relations or "postIn" in relations),
    )
    try:
        result = maps.build_map(
            graph,
            focus=focus_iri,
            depth=depth,
            alliance=alliance_iri,
            relations=wanted,
            max_nodes=max_nodes,
            title=title,
        )
    except maps.MapError as e:
        raise CliError(f"Cannot draw the map: {e}.", EXIT_USAGE) from e
    try:
        write_atomically(output, result.html)
    except OSError as e:
        raise CliError(f"Cannot write {output}: {e.strerror or e}.", EXIT_FAILURE) from e
    click.echo(_report(output, result.summary()))


def _report(output: Path, summary: dict[str, Any]) -> str:
    lines = [
        f"Wrote {output}: {summary['nodes']:,} nodes, {summary['edges']:,} edges ({summary['statements']:,} statements)."
    ]
    if summary["note"]:
        lines.append(f"{summary['note']} Use --max-nodes to draw more, or --focus/--alliance to draw a part.")
    return "\n".join(lines)


COMMANDS = [map_command]
