"""Round trips: export -> import into a fresh store -> export gives an isomorphic graph, for every RDF format.

Issue 6, part 6. Property-based: hypothesis generates small datasets — document graphs (with the entity facts
that make the store derive an entities graph), other named graphs, the default graph; IRIs, blank nodes, plain,
language-tagged and typed literals with any Unicode text, quotes, backslashes, newlines and Turtle/SPARQL syntax
in them. Formats that keep named graphs (TriG, N-Quads, JSON-LD) must give back the same dataset; Turtle and
N-Triples the same union graph. Blank nodes are compared up to renaming (rdflib's isomorphism).
"""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.compare import isomorphic

from alliances.graph.export import EXPORT_FORMATS
from alliances.graph.store import Store, open_store

SUFFIX = {"turtle": "ttl", "ntriples": "nt", "trig": "trig", "nquads": "nq", "json-ld": "jsonld"}
RDFLIB = {"turtle": "turtle", "ntriples": "nt", "trig": "trig", "nquads": "nquads", "json-ld": "json-ld"}
KEEPS_GRAPHS = {name for name, (_, keeps) in EXPORT_FORMATS.items() if keeps}

BASE = "https://w3id.org/alliances/"
AL = BASE + "ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")

TEXT = st.one_of(
    st.text(max_size=30),
    st.sampled_from(['"""', "'''", "\\", "\\u0022", "\n", "\r\n", "\t", "<a>", "} ; DROP ALL", "@en", "^^xsd:int",
                     "# not a comment", "_:b0", "\u202e", "æøå", "😀", " ", ""]),
)
LOCAL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.~%", min_size=1, max_size=8).filter(
    lambda s: not s.endswith(".") and "%" not in s
)
IRIS = st.one_of(
    LOCAL.map(lambda s: ox.NamedNode(f"{BASE}id/org/{s}")),
    LOCAL.map(lambda s: ox.NamedNode(f"urn:x:{s}")),
    st.sampled_from([ox.NamedNode("http://example.org/a?b=c&d=<e>".replace("<", "%3C").replace(">", "%3E")),
                     ox.NamedNode("http://example.org/æøå#frag")]),
)
BLANKS = st.integers(0, 3).map(lambda n: ox.BlankNode(f"b{n}"))
LITERALS = st.one_of(
    TEXT.map(ox.Literal),
    st.tuples(TEXT, st.sampled_from(["da", "nb", "sv", "en-GB"])).map(lambda t: ox.Literal(t[0], language=t[1])),
    st.integers(-10**20, 10**20).map(lambda n: ox.Literal(str(n), datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))),
    st.sampled_from([ox.Literal("2024-01-01T00:00:00Z", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#dateTime")), ox.Literal("0.85", datatype=ox.NamedNode(
            "http://www.w3.org/2001/XMLSchema#decimal"))]),
)
PREDICATES = st.one_of(st.sampled_from([RDF_TYPE, ALT, ox.NamedNode(AL + "evidence")]),
                       LOCAL.map(lambda s: ox.NamedNode(f"urn:p:{s}")))
GRAPHS = st.one_of(
    st.just(ox.DefaultGraph()),
    st.sampled_from(["d1", "d2", "0a1b"]).map(lambda d: ox.NamedNode(f"{BASE}doc/{d}")),
    st.just(ox.NamedNode("urn:graph:other")),
)


def _object(subject: object, predicate: ox.NamedNode) -> st.SearchStrategy[object]:
    if predicate == RDF_TYPE:
        return st.sampled_from([ox.NamedNode("http://www.w3.org/ns/org#Organization"), ox.NamedNode(AL + "Alliance")])
    return st.one_of(IRIS, BLANKS, LITERALS)


QUADS = st.lists(
    st.tuples(st.one_of(IRIS, BLANKS), PREDICATES, GRAPHS).flatmap(
        lambda t: _object(t[0], t[1]).map(lambda o: ox.Quad(t[0], t[1], o, t[2]))  # type: ignore[arg-type]
    ),
    min_size=1,
    max_size=25,
)


def export(store, fmt: str) -> bytes:  # type: ignore[no-untyped-def]
    out = io.BytesIO()
    store.export(fmt, out)
    return out.getvalue()


def as_rdflib(data: bytes, fmt: str) -> rdflib.Dataset:
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format=RDFLIB[fmt])
    return dataset


def same_dataset(a: rdflib.Dataset, b: rdflib.Dataset) -> bool:
    names_a = {g.identifier for g in a.graphs() if len(g)}
    names_b = {g.identifier for g in b.graphs() if len(g)}
    return names_a == names_b and all(isomorphic(a.graph(n), b.graph(n)) for n in names_a)


def union(dataset: rdflib.Dataset) -> rdflib.Graph:
    graph = rdflib.Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


def fresh_store() -> Store:
    """The project's Store over an in-memory Oxigraph: the same import and export code as on disk, without the
    quarter second RocksDB takes to create a store, so hypothesis can try many graphs. (The on-disk round trip is
    `test_reliability_round_trip_of_the_toy_store_keeps_every_quad` below and tests/test_export.py.)"""
    return Store(ox.Store(), "memory")


@pytest.mark.parametrize("fmt", list(EXPORT_FORMATS))
@settings(derandomize=True, database=None, deadline=None, max_examples=100,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(quads=QUADS)
def test_reliability_round_trip_is_isomorphic(fmt: str, quads: list[ox.Quad]) -> None:
    with tempfile.TemporaryDirectory(prefix="alliances-roundtrip-") as tmp:
        root = Path(tmp)
        source = root / "generated.nq"
        source.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
        with fresh_store() as first:
            first.import_file(source)
            exported = export(first, fmt)
        path = root / f"export.{SUFFIX[fmt]}"
        path.write_bytes(exported)
        with fresh_store() as second:
            second.import_file(path)
            again = export(second, fmt)
            assert second.check_entities() == []
    a, b = as_rdflib(exported, fmt), as_rdflib(again, fmt)
    if fmt in KEEPS_GRAPHS:
        assert same_dataset(a, b), (exported.decode()[:2000], again.decode()[:2000])
    else:
        assert isomorphic(union(a), union(b)), (exported.decode()[:2000], again.decode()[:2000])


@pytest.mark.parametrize("fmt", sorted(KEEPS_GRAPHS))
def test_reliability_round_trip_of_the_toy_store_keeps_every_quad(toy_store, tmp_path: Path, fmt: str) -> None:  # type: ignore[no-untyped-def]
    """No blank nodes in the contract's shape: the round trip gives back exactly the same quads."""
    path = tmp_path / f"toy.{SUFFIX[fmt]}"
    path.write_bytes(export(toy_store, fmt))
    with open_store(tmp_path / "copy") as copy:
        copy.import_file(path)
        assert set(copy._db) == set(toy_store._db)
        assert export(copy, fmt) == path.read_bytes() or fmt == "json-ld"
