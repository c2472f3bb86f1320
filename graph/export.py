"""RDF files in and out of the store: which formats, how named graphs are kept, how files are read.

Why: researchers take the graph to Gephi, pandas, rdflib or another triple store. TriG, N-Quads and JSON-LD keep
one named graph per document (provenance survives the trip); Turtle and N-Triples cannot hold named graphs, so
they get the union of all graphs as one graph, each distinct triple once. Formats are named explicitly or taken
from a file's extension; an unknown extension is an error, never a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from alliances.graph.vocab import PREFIXES

__all__ = ["EXPORT_FORMATS", "IMPORT_FORMATS", "ExportError", "export_store", "format_for_path", "read_file"]


class ExportError(Exception):
    """An unknown format, an unreadable or malformed file; the message says which and what to do."""


# name -> (pyoxigraph format, keeps named graphs)
EXPORT_FORMATS: dict[str, tuple[ox.RdfFormat, bool]] = {
    "turtle": (ox.RdfFormat.TURTLE, False),
    "ntriples": (ox.RdfFormat.N_TRIPLES, False),
    "trig": (ox.RdfFormat.TRIG, True),
    "nquads": (ox.RdfFormat.N_QUADS, True),
    "json-ld": (ox.RdfFormat.JSON_LD, True),
}
IMPORT_FORMATS: dict[str, ox.RdfFormat] = {
    **{name: fmt for name, (fmt, _) in EXPORT_FORMATS.items()},
    "rdf-xml": ox.RdfFormat.RDF_XML,
}
_EXTENSIONS = {
    ".ttl": "turtle",
    ".turtle": "turtle",
    ".nt": "ntriples",
    ".trig": "trig",
    ".nq": "nquads",
    ".nquads": "nquads",
    ".jsonld": "json-ld",
    ".json": "json-ld",
    ".rdf": "rdf-xml",
    ".owl": "rdf-xml",
    ".xml": "rdf-xml",
}


def format_for_path(path: Path) -> str:
    """The format name for a file extension (.ttl, .trig, .nq, .nt, .jsonld, .rdf); ExportError when unknown."""
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        known = ", ".join(sorted(_EXTENSIONS))
        raise ExportError(
            f"cannot tell the RDF format of {path} from its extension; use one of {known} or name the format"
        )
    return _EXTENSIONS[suffix]


def _check(fmt: str, table: dict[str, object]) -> None:
    if fmt not in table:
        raise ExportError(f"unknown RDF format {fmt!r}; use one of {', '.join(table)}")


def union_triples(store: ox.Store) -> Iterator[ox.Triple]:
    """Each distinct triple of every graph once, sorted, so the same store always gives the same file."""
    solutions = store.query(
        "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o", use_default_graph_as_union=True
    )
    assert isinstance(solutions, ox.QuerySolutions)
    for row in solutions:
        yield ox.Triple(row["s"], row["p"], row["o"])  # type: ignore[arg-type]


def export_store(store: ox.Store, fmt: str, out: BinaryIO) -> int:
    """Write `store` to `out` as `fmt`; returns the number of statements written."""
    _check(fmt, EXPORT_FORMATS)  # type: ignore[arg-type]
    rdf_format, keeps_graphs = EXPORT_FORMATS[fmt]
    prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
    if keeps_graphs:
        store.dump(out, rdf_format, prefixes=prefixes)
        return len(store)
    count = 0

    def counted() -> Iterator[ox.Triple]:
        nonlocal count
        for triple in union_triples(store):
            count += 1
            yield triple

    ox.serialize(counted(), out, rdf_format, prefixes=prefixes)
    return count


def read_file(path: Path, fmt: str | None = None) -> list[ox.Quad]:
    """All statements of an RDF file as quads (triples formats give default-graph quads)."""
    path = Path(path)
    name = fmt or format_for_path(path)
    _check(name, IMPORT_FORMATS)  # type: ignore[arg-type]
    if not path.is_file():
        raise ExportError(f"no such file: {path}")
    try:
        return list(ox.parse(path=str(path), format=IMPORT_FORMATS[name]))
    except SyntaxError as e:
        raise ExportError(f"{path}: not valid {name}: {e}") from e
    except (OSError, ValueError) as e:
        raise ExportError(f"could not read {path}: {e}") from e
