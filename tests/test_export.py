"""RDF files out of the store and back in: named graphs kept where the format can hold them, nothing lost."""

from __future__ import annotations

import io
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import isomorphic

from alliances.graph.export import ExportError, format_for_path, read_file
from alliances.graph.store import StoreError, open_store

SUFFIX = {"turtle": "ttl", "ntriples": "nt", "trig": "trig", "nquads": "nq", "json-ld": "jsonld"}
RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "trig": "trig", "nquads": "nquads", "json-ld": "json-ld"}


def union(quads) -> set[ox.Triple]:
    return {q.triple for q in quads}


def export_bytes(store, fmt: str) -> tuple[bytes, int]:
    out = io.BytesIO()
    count = store.export(fmt, out)
    return out.getvalue(), count


@pytest.mark.parametrize("fmt", ["trig", "nquads", "json-ld"])
def test_export_round_trip_keeps_named_graphs(toy_store, tmp_path, fmt):
    data, count = export_bytes(toy_store, fmt)
    assert count == len(toy_store) == 192
    path = tmp_path / f"toy.{SUFFIX[fmt]}"
    path.write_bytes(data)
    with open_store(tmp_path / "copy") as copy:
        assert copy.import_file(path) == 192
        assert set(copy._db) == set(toy_store._db)
        assert copy.document_ids() == {"d1", "d2"}
        assert copy.check_entities() == []


@pytest.mark.parametrize("fmt", ["turtle", "ntriples"])
def test_export_round_trip_of_the_union(toy_store, tmp_path, fmt):
    data, count = export_bytes(toy_store, fmt)
    distinct = union(toy_store._db)
    assert count == len(distinct) == 171  # BL is typed org:Organization in d1, d2 and the entities graph: once here
    path = tmp_path / f"toy.{SUFFIX[fmt]}"
    path.write_bytes(data)
    with open_store(tmp_path / "copy") as copy:
        assert copy.import_file(path) == 171
        assert union(copy._db) == distinct
        again, _ = export_bytes(copy, fmt)
    assert again == data  # sorted output: the same store always gives the same file


@pytest.mark.parametrize("fmt", ["turtle", "trig", "nquads", "json-ld"])
def test_export_is_isomorphic_for_rdflib(toy_store, tmp_path, fmt):
    """Read by rdflib (what researchers use), the export is the store: per named graph, or as the union."""
    data, _ = export_bytes(toy_store, fmt)
    reference = rdflib.Dataset()
    reference.parse(data=export_bytes(toy_store, "nquads")[0], format="nquads")
    if fmt == "turtle":
        graph = rdflib.Graph().parse(data=data, format="turtle")
        expected = rdflib.Graph()
        for s, p, o, _ in reference.quads((None, None, None, None)):
            expected.add((s, p, o))
        assert isomorphic(graph, expected)
        return
    dataset = rdflib.Dataset()
    dataset.parse(data=data, format=RDFLIB_FORMAT[fmt])
    names = {g.identifier for g in reference.graphs() if len(g)}
    assert {g.identifier for g in dataset.graphs() if len(g)} == names
    for name in names:
        assert isomorphic(dataset.graph(name), reference.graph(name)), name


def test_export_turtle_uses_the_project_prefixes(toy_store):
    data, _ = export_bytes(toy_store, "turtle")
    text = data.decode("utf-8")
    assert "@prefix al: <https://w3id.org/alliances/ontology#> ." in text
    assert 'skos:prefLabel "BL – Danmarks Almene Boliger"' in text


def test_export_unknown_format(toy_store):
    with pytest.raises(StoreError, match="unknown RDF format 'gexf'; use one of turtle"):
        toy_store.export("gexf", io.BytesIO())


@pytest.mark.parametrize(
    "name, fmt",
    [
        ("a.ttl", "turtle"),
        ("a.TRIG", "trig"),
        ("a.nq", "nquads"),
        ("a.nt", "ntriples"),
        ("a.jsonld", "json-ld"),
        ("a.rdf", "rdf-xml"),
    ],
)
def test_export_format_for_path(name, fmt):
    assert format_for_path(Path(name)) == fmt


@pytest.mark.parametrize("name", ["a.txt", "a", "a.csv"])
def test_export_format_for_path_refuses_to_guess(name):
    with pytest.raises(ExportError, match="cannot tell the RDF format"):
        format_for_path(Path(name))


def test_export_import_of_a_malformed_file_changes_nothing(toy_store, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('<urn:a> <urn:b> "ok" .\n<urn:a> <urn:b> "unterminated .\n', encoding="utf-8")
    before = set(toy_store._db)
    with pytest.raises(StoreError) as info:
        toy_store.import_file(bad)
    assert str(bad) in str(info.value) and "line 2" in str(info.value)
    assert set(toy_store._db) == before


@pytest.mark.parametrize("fmt, message", [(None, "no such file"), ("gexf", "unknown RDF format")])
def test_export_read_file_errors(tmp_path, fmt, message):
    with pytest.raises(ExportError, match=message):
        read_file(tmp_path / "missing.ttl", fmt)


def test_export_import_replaces_document_graphs_and_recomputes_entities(toy_store, tmp_path, toy_trig):
    """A file's document graph replaces the store's graph of that name; its entities graph is recomputed."""
    edited = tmp_path / "edited.trig"
    text = toy_trig.read_text(encoding="utf-8")
    edited.write_text(
        text.replace('skos:altLabel "Velux Fonden"', 'skos:altLabel "Velux Fonden" , "VELUX FONDEN A/S"').replace(
            'skos:prefLabel "Velux Fonden"', 'skos:prefLabel "Wrong"'
        ),
        encoding="utf-8",
    )
    toy_store.import_file(edited)
    assert [(h.label, h.kind) for h in toy_store.lookup("velux fonden a/s")] == [("VELUX FONDEN A/S", "Organisation")]
    assert toy_store.lookup("wrong") == []
    assert toy_store.check_entities() == []
