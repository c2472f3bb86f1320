"""The on-disk store: documents in, entities graph kept right, queries bound safely, one writer, crash-safe."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import URIRef

import alliances.graph.store as store_module
from alliances.graph.store import (
    DocumentWrite,
    EntityHit,
    QuerySyntaxError,
    ReadOnlyQuery,
    Store,
    StoreError,
    StoreLocked,
    UnknownDocument,
    default_store_path,
    open_store,
)
from alliances.graph.vocab import BASE, ENTITIES_GRAPH, document_iri

AL = "https://w3id.org/alliances/ontology#"
ORG = "http://www.w3.org/ns/org#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
PREF = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
KEY = ox.NamedNode(AL + "entityKey")
SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
ENTITIES = ox.NamedNode(str(ENTITIES_GRAPH))
BL = BASE + "id/org/bl"
HJEM = BASE + "id/alliance/alliancen-mod-hjemloeshed"


def quad_set(store: Store) -> set[ox.Quad]:
    return set(store._db)


def toy_quads(toy_trig: Path) -> set[ox.Quad]:
    """toy.trig as Oxigraph stores it (it writes numbers in canonical form: 2000000.0 -> 2000000)."""
    reference = ox.Store()
    reference.load(path=str(toy_trig))
    return set(reference)


def entity_triples(store: Store, iri: str) -> set[tuple[str, str]]:
    return {
        (q.predicate.value.rsplit("#", 1)[-1], q.object.value)
        for q in store._db.quads_for_pattern(ox.NamedNode(iri), None, None, ENTITIES)
    }


def doc(doc_id: str, source: str, entities: dict[str, tuple[str, list[str]]], edges=(), extra=0) -> DocumentWrite:
    """A small document graph: entities {iri: (type, [labels])}, edges [(s, p, o)], `extra` filler statements."""
    g = ox.NamedNode(str(document_iri(doc_id)))
    quads = [
        ox.Quad(g, RDF_TYPE, ox.NamedNode(AL + "Document"), g),
        ox.Quad(g, SOURCE, ox.Literal(source), g),
        ox.Quad(g, ox.NamedNode(AL + "contentHash"), ox.Literal(doc_id), g),
    ]
    for iri, (kind, labels) in entities.items():
        quads.append(ox.Quad(ox.NamedNode(iri), RDF_TYPE, ox.NamedNode(kind), g))
        quads.extend(ox.Quad(ox.NamedNode(iri), ALT, ox.Literal(label), g) for label in labels)
    quads.extend(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.NamedNode(o), g) for s, p, o in edges)
    quads.extend(ox.Quad(g, ox.NamedNode(f"urn:test:filler{i}"), ox.Literal(i), g) for i in range(extra))
    return DocumentWrite(doc_id, quads)


# ---------------------------------------------------------------- locations


@pytest.mark.parametrize(
    "env, expected",
    [
        ({"ALLIANCES_STORE": "/data/my-store"}, Path("/data/my-store")),
        ({"XDG_DATA_HOME": "/xdg"}, Path("/xdg/alliances/store")),
        ({"HOME": "/home/anna"}, Path("/home/anna/.local/share/alliances/store")),
    ],
)
def test_store_default_path(monkeypatch, env, expected):
    for name in ("ALLIANCES_STORE", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert default_store_path() == expected


def test_store_open_default_location_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("ALLIANCES_STORE", str(tmp_path / "from-env"))
    with open_store() as store:
        assert Path(store.location) == tmp_path / "from-env"
    assert (tmp_path / "from-env" / "CURRENT").is_file()


@pytest.mark.parametrize(
    "location, read_only, message",
    [
        ("missing", True, "no store at {path}; run `alliances ingest` first"),
        ("a-file.txt", False, "is a file, not a store folder"),
        ("other-folder", False, "not an alliances store"),
    ],
)
def test_store_open_refuses(tmp_path, location, read_only, message):
    (tmp_path / "a-file.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "other-folder").mkdir()
    (tmp_path / "other-folder" / "notes.txt").write_text("mine", encoding="utf-8")
    target = location if location.startswith("http") else tmp_path / location
    with pytest.raises(StoreError) as info:
        open_store(target, read_only=read_only)
    assert message.format(path=target) in str(info.value)
    assert (tmp_path / "other-folder" / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in (tmp_path / "other-folder").iterdir()) == ["notes.txt"]


def test_store_close_releases_lock_and_refuses_use(tmp_path):
    store = open_store(tmp_path / "s")
    store.close()
    store.close()  # twice is fine
    with pytest.raises(StoreError, match="closed"):
        store.document_ids()
    with open_store(tmp_path / "s") as again:
        assert again.document_ids() == set()


def test_store_second_writer_in_same_process_is_locked(tmp_path):
    with open_store(tmp_path / "s"), pytest.raises(StoreLocked) as info:
        open_store(tmp_path / "s")
    message = str(info.value)
    assert str(tmp_path / "s") in message
    assert "another alliances process is writing to it; wait" in message
    assert "another --store" in message


# ---------------------------------------------------------------- the toy graph


def test_store_import_toy_is_exactly_the_contract(toy_store, toy_trig):
    assert quad_set(toy_store) == toy_quads(toy_trig)
    assert toy_store.check_entities() == []


def test_store_documents(toy_store):
    d1, d2 = (str(document_iri(d)) for d in ("d1", "d2"))
    assert toy_store.document_ids() == {"d1", "d2"}
    assert toy_store.has_document("d1") and not toy_store.has_document("d3")
    assert toy_store.document_by_source("corpus/da/ensomhed.txt") == "d2"
    assert toy_store.document_by_source("corpus/da/boligalliance.txt") == "d1"
    assert toy_store.document_by_source("corpus/da/nowhere.txt") is None
    assert d1 != d2


def test_store_stats(toy_store):
    assert toy_store.stats() == {
        "documents": 2,
        "quads": 192,
        "organisations": 7,
        "alliances": 2,
        "persons": 1,
        "assertions": 8,
        "memberOf": 4,
        "funds": 1,
        "facilitatedBy": 1,
        "foundedBy": 2,
        "partnerOf": 0,
        "partOf": 0,
    }


@pytest.mark.parametrize(
    "name, expected",
    [
        ("BL", [EntityHit(BL, "BL – Danmarks Almene Boliger", "Organisation")]),
        ("bl", [EntityHit(BL, "BL – Danmarks Almene Boliger", "Organisation")]),
        ("BL - Danmarks Almene Boliger", [EntityHit(BL, "BL – Danmarks Almene Boliger", "Organisation")]),
        ("  danmarks   ALMENE boliger ", [EntityHit(BL, "BL – Danmarks Almene Boliger", "Organisation")]),
        ("Alliancen mod hjemløshed", [EntityHit(HJEM, "Alliancen mod Hjemløshed", "Alliance")]),
        ("Rikke Hansen", [EntityHit(BASE + "id/person/rikke-hansen", "Rikke Hansen", "Person")]),
        ("Blå Kors", []),
        ("", []),
        ('BL" } <script>', []),
    ],
)
def test_store_lookup(toy_store, name, expected):
    assert toy_store.lookup(name) == expected


def test_store_entity_labels(toy_store):
    labels = toy_store.entity_labels()
    assert len(labels) == 10
    assert labels[BL] == ("BL – Danmarks Almene Boliger", "Organisation")
    assert labels[HJEM] == ("Alliancen mod Hjemløshed", "Alliance")
    assert labels[BASE + "id/person/rikke-hansen"] == ("Rikke Hansen", "Person")
    assert sorted(kind for _, kind in labels.values()).count("Organisation") == 7


# ---------------------------------------------------------------- writing documents and the entities graph


def test_store_write_new_document_refreshes_entities(toy_store):
    toy_store.write_documents(
        [
            doc(
                "d3",
                "corpus/d3.txt",
                {
                    BL: (ORG + "Organization", ["BL – Danmarks Almene Boliger (landsorganisation)"]),
                    BASE + "id/org/lev": (AL + "NGO", ["LEV"]),
                },
            )
        ]
    )
    assert toy_store.document_ids() == {"d1", "d2", "d3"}
    assert ("prefLabel", "BL – Danmarks Almene Boliger (landsorganisation)") in entity_triples(toy_store, BL)
    assert ("prefLabel", "BL – Danmarks Almene Boliger") not in entity_triples(toy_store, BL)
    assert ("entityKey", "bl danmarks almene boliger landsorganisation") in entity_triples(toy_store, BL)
    assert entity_triples(toy_store, BASE + "id/org/lev") == {
        ("type", AL + "NGO"),
        ("prefLabel", "LEV"),
        ("entityKey", "lev"),
    }
    assert toy_store.check_entities() == []


def test_store_replacing_a_document_drops_its_old_graph(toy_store):
    """d2 is re-read from the same source: the new version no longer mentions BL or Ældre Sagen."""
    new = doc("d2b", "corpus/da/ensomhed.txt", {BASE + "id/org/aeldre-sagen-2": (AL + "NGO", ["Ældre Sagen"])})
    toy_store.write_documents([DocumentWrite(new.doc_id, new.quads, replaces="d2")])
    assert toy_store.document_ids() == {"d1", "d2b"}
    assert toy_store.document_by_source("corpus/da/ensomhed.txt") == "d2b"
    assert entity_triples(toy_store, BASE + "id/org/aeldre-sagen") == set()
    assert entity_triples(toy_store, BASE + "id/alliance/folkebevaegelsen-mod-ensomhed") == set()
    # BL is still typed in d1: its entry stays, with d1's names
    assert ("prefLabel", "BL – Danmarks Almene Boliger") in entity_triples(toy_store, BL)
    assert [h.iri for h in toy_store.lookup("Ældre Sagen")] == [BASE + "id/org/aeldre-sagen-2"]
    assert toy_store.check_entities() == []


def test_store_rewriting_a_document_replaces_its_graph(toy_store):
    """Writing an id that is already there (a rebuild) replaces that graph instead of adding to it."""
    toy_store.write_documents([doc("d1", "corpus/da/boligalliance.txt", {BL: (ORG + "Organization", ["BL"])})])
    d1 = ox.NamedNode(str(document_iri("d1")))
    assert len(list(toy_store._db.quads_for_pattern(None, None, None, d1))) == 5
    assert entity_triples(toy_store, HJEM) == set()  # only d1 mentioned this alliance
    assert ("prefLabel", "BL") in entity_triples(toy_store, BL)
    assert toy_store.check_entities() == []


@pytest.mark.parametrize(
    "removed, bl_expected",
    [
        (
            ["d2"],
            {
                ("type", ORG + "Organization"),
                ("type", AL + "HousingAssociation"),
                ("prefLabel", "BL – Danmarks Almene Boliger"),
                ("entityKey", "bl danmarks almene boliger"),
                ("entityKey", "bl"),
                ("entityKey", "danmarks almene boliger"),
            },
        ),
        (["d1"], {("type", ORG + "Organization"), ("prefLabel", "BL"), ("entityKey", "bl")}),
        (["d1", "d2"], set()),
    ],
)
def test_store_remove_documents(toy_store, removed, bl_expected):
    toy_store.remove_documents(removed)
    assert toy_store.document_ids() == {"d1", "d2"} - set(removed)
    assert entity_triples(toy_store, BL) == bl_expected
    assert toy_store.check_entities() == []
    if removed == ["d1", "d2"]:
        assert quad_set(toy_store) == set()


def test_store_remove_unknown_document_changes_nothing(toy_store):
    before = quad_set(toy_store)
    with pytest.raises(UnknownDocument, match="no document nope"):
        toy_store.remove_documents(["d1", "nope"])
    assert quad_set(toy_store) == before


@pytest.mark.parametrize(
    "labels, expected",
    [
        (["Kirkens Korshær", "KK"], "Kirkens Korshær"),
        (["Abc", "Abd", "Ab"], "Abc"),  # tie on length: alphabetically first
        (["Zeta Fonden", "Alfa Fonden"], "Alfa Fonden"),
    ],
)
def test_store_preflabel_is_longest_then_alphabetical(tmp_path, labels, expected):
    iri = BASE + "id/org/x"
    with open_store(tmp_path / "s") as store:
        # spread the names over two documents, so the choice is across document graphs
        store.write_documents([doc("a1", "a1.txt", {iri: (ORG + "Organization", labels[:1])})])
        store.write_documents([doc("a2", "a2.txt", {iri: (ORG + "Organization", labels[1:])})])
        prefs = {v for p, v in entity_triples(store, iri) if p == "prefLabel"}
        assert prefs == {expected}
        store.remove_documents(["a2"])
        assert {v for p, v in entity_triples(store, iri) if p == "prefLabel"} == {labels[0]}
        assert store.check_entities() == []


def test_store_generated_name_is_only_a_fallback(tmp_path):
    iri = BASE + "id/alliance/samarbejde-x"
    gen = ox.NamedNode(AL + "generatedName")
    with open_store(tmp_path / "s") as store:
        first = doc("g1", "g1.txt", {iri: (AL + "Alliance", [])})
        g1 = ox.NamedNode(str(document_iri("g1")))
        store.write_documents(
            [DocumentWrite("g1", [*first.quads, ox.Quad(ox.NamedNode(iri), gen, ox.Literal("Samarbejde: A + B"), g1)])]
        )
        assert entity_triples(store, iri) == {("type", AL + "Alliance"), ("prefLabel", "Samarbejde: A + B")}
        store.write_documents([doc("g2", "g2.txt", {iri: (AL + "Alliance", ["AB-pagten"])})])
        assert entity_triples(store, iri) == {
            ("type", AL + "Alliance"),
            ("prefLabel", "AB-pagten"),
            ("entityKey", "ab pagten"),
        }
        assert store.check_entities() == []


def test_store_many_documents_in_one_batch(tmp_path):
    orgs = [BASE + f"id/org/o{i}" for i in range(40)]
    batch = [
        doc(
            f"{i:04x}",
            f"src/{i}.txt",
            {
                orgs[i % 40]: (ORG + "Organization", [f"Org {i % 40}", f"Organisation nummer {i % 40}"]),
                orgs[(i * 7) % 40]: (AL + "NGO", [f"Org {(i * 7) % 40}"]),
            },
            edges=[(orgs[i % 40], ORG + "memberOf", orgs[(i * 7) % 40])],
            extra=i % 9,
        )
        for i in range(300)
    ]
    with open_store(tmp_path / "s") as store:
        store.write_documents(batch)
        assert len(store.document_ids()) == 300
        assert len(store.entity_labels()) == 40
        assert store.lookup("organisation nummer 7")[0].label == "Organisation nummer 7"
        assert store.check_entities() == []
        assert len(store) == sum(len(w.quads) for w in batch) + sum(len(t) for t in store.expected_entities().values())


@pytest.mark.parametrize(
    "bad, message",
    [
        ("other-graph", "not in the document's graph"),
        ("duplicate", "appears twice in one batch"),
        ("bad-id", "invalid document id"),
    ],
)
def test_store_write_refuses_bad_batches_and_changes_nothing(toy_store, bad, message):
    before = quad_set(toy_store)
    good = doc("d3", "d3.txt", {BASE + "id/org/lev": (AL + "NGO", ["LEV"])})
    if bad == "other-graph":
        stray = ox.Quad(ox.NamedNode(BL), ALT, ox.Literal("x"), ox.NamedNode(str(document_iri("d1"))))
        batch = [good, DocumentWrite("d4", [stray])]
    elif bad == "duplicate":
        batch = [good, good]
    else:
        batch = [good, DocumentWrite("has space", [])]
    with pytest.raises(StoreError, match=message):
        toy_store.write_documents(batch)
    assert quad_set(toy_store) == before


def test_store_batch_is_one_transaction_when_the_update_fails_midway(toy_store, monkeypatch):
    """Oxigraph runs the whole request in one transaction: a failing last operation undoes the drops and inserts."""
    before = quad_set(toy_store)
    real = store_module._render_update

    def failing(*args):
        # CREATE GRAPH on an existing graph fails at evaluation time, after everything else has run
        return real(*args) + f" ;\nCREATE GRAPH <{ENTITIES_GRAPH}>"

    monkeypatch.setattr(store_module, "_render_update", failing)
    new = doc("d2b", "corpus/da/ensomhed.txt", {BASE + "id/org/lev": (AL + "NGO", ["LEV"])}, extra=50)
    with pytest.raises(StoreError, match="nothing was written"):
        toy_store.write_documents(
            [
                DocumentWrite(new.doc_id, new.quads, replaces="d2"),
                doc("d5", "d5.txt", {BL: (ORG + "Organization", ["BL!"])}),
            ]
        )
    assert quad_set(toy_store) == before
    with pytest.raises(StoreError, match="nothing was written"):
        toy_store.remove_documents(["d1"])
    assert quad_set(toy_store) == before


def test_store_batch_changes_nothing_when_planning_fails_midway(toy_store, monkeypatch):
    before = quad_set(toy_store)
    real = store_module._entity_triples
    calls = []

    def failing(iri, *rest):
        calls.append(iri)
        if len(calls) == 3:
            raise OSError("disk on fire")
        return real(iri, *rest)

    monkeypatch.setattr(store_module, "_entity_triples", failing)
    batch = [doc(f"n{i}", f"n{i}.txt", {BASE + f"id/org/n{i}": (AL + "NGO", [f"N{i}"])}) for i in range(5)]
    with pytest.raises(OSError):
        toy_store.write_documents(batch)
    assert quad_set(toy_store) == before


NASTY = ['Foo "Bar" } <script>alert(1)</script>', "a\\u0022b \\ c", "line\nbreak\ttab", "æøå ÆØÅ 😀", "' OR 1=1 --"]


@pytest.mark.parametrize("label", NASTY)
def test_store_nasty_names_round_trip_and_bind_literally(tmp_path, label):
    iri = BASE + "id/org/nasty"
    with open_store(tmp_path / "s") as store:
        store.write_documents([doc("x1", "x1.txt", {iri: (ORG + "Organization", [label])})])
        stored = [q.object.value for q in store._db.quads_for_pattern(ox.NamedNode(iri), ALT, None, None)]
        assert stored == [label]
        assert [h.label for h in store.lookup(label)] == [label]
        rows = store.select("SELECT ?e WHERE { ?e skos:altLabel ?name }", {"name": label})
        assert rows == [{"e": iri}]
        rows = store.select("SELECT ?e ?name WHERE { ?e skos:altLabel ?name }", {"name": label})
        assert rows == [{"e": iri, "name": label}]
        assert store.select("SELECT ?e WHERE { ?e skos:altLabel ?name }", {"name": label + " "}) == []


# ---------------------------------------------------------------- select


@pytest.mark.parametrize(
    "bindings",
    [
        {"org": URIRef(BL)},
        {"?org": ox.NamedNode(BL)},
        {"org": [URIRef(BL)]},
        {"org": (URIRef(BL), URIRef(BASE + "id/org/nobody"))},
    ],
)
def test_store_select_binds_iris(toy_store, bindings):
    query = "SELECT ?alliance ?label WHERE { ?org org:memberOf ?alliance . ?alliance skos:prefLabel ?label } ORDER BY ?label"
    assert toy_store.select(query, bindings) == [
        {"alliance": HJEM, "label": "Alliancen mod Hjemløshed"},
        {"alliance": BASE + "id/alliance/folkebevaegelsen-mod-ensomhed", "label": "Folkebevægelsen mod Ensomhed"},
    ]


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?org ?alliance WHERE { ?org org:memberOf ?alliance } ORDER BY ?alliance",  # substituted
        "SELECT * WHERE { ?org org:memberOf ?alliance } ORDER BY ?alliance",  # substituted
        "SELECT ?alliance WHERE { ?org org:memberOf ?alliance } ORDER BY ?alliance",  # VALUES in the WHERE group
        "SELECT (?alliance AS ?a) WHERE { ?org org:memberOf ?alliance } ORDER BY ?alliance",  # VALUES
    ],
)
def test_store_select_binding_paths_agree(toy_store, query):
    rows = toy_store.select(query, {"org": URIRef(BL)})
    assert [next(v for k, v in row.items() if k != "org") for row in rows] == [
        HJEM,
        BASE + "id/alliance/folkebevaegelsen-mod-ensomhed",
    ]
    assert all(row.get("org", BL) == BL for row in rows)


def test_store_select_python_values(toy_store):
    rows = toy_store.select(
        """SELECT ?start ?confidence ?amount ?currency ?missing WHERE {
             ?a al:evidenceStart ?start ; al:confidence ?confidence ; rdf:predicate ?p .
             OPTIONAL { ?a al:amount ?amount } OPTIONAL { ?a al:currency ?currency } OPTIONAL { ?a al:nothing ?missing }
           }""",
        {"p": URIRef(AL + "funds")},
    )
    assert rows == [{"start": 161, "confidence": 0.8, "amount": 2000000.0, "currency": "DKK", "missing": None}]
    assert isinstance(rows[0]["start"], int) and isinstance(rows[0]["confidence"], float)


def test_store_select_binds_inside_aggregates(toy_store):
    """?org is not projected: bound with VALUES inside the WHERE group, before the GROUP BY."""
    rows = toy_store.select(
        "SELECT (COUNT(DISTINCT ?alliance) AS ?n) WHERE { ?org org:memberOf ?alliance }", {"org": URIRef(BL)}
    )
    assert rows == [{"n": 2}]


def test_store_select_query_prefixes_win(toy_store):
    query = "PREFIX skos: <urn:not-skos#> SELECT ?l WHERE { ?e skos:prefLabel ?l }"
    assert toy_store.select(query) == []


@pytest.mark.parametrize(
    "query, bindings, error, message",
    [
        ("SELECT ?s WHERE { ?s ?p }", None, QuerySyntaxError, "line 1, column 26"),
        ("SELECT ?s\nWHERE {\n  ?s ?p ?o ..\n}", None, QuerySyntaxError, "line 4, column 2"),
        ("ASK { ?s ?p ?o }", None, StoreError, "select() runs SELECT queries"),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", None, ReadOnlyQuery, "updates"),
        ("SELECT ?s WHERE { ?s ?p ?o }", {"nope": "x"}, StoreError, "no variable ?nope"),
        ("SELECT ?s WHERE { ?s ?p ?o }", {"s p": "x"}, StoreError, "variable name"),
        ("SELECT ?s WHERE { ?s ?p ?o }", {"s": object()}, StoreError, "cannot bind"),
    ],
)
def test_store_select_errors(toy_store, query, bindings, error, message):
    with pytest.raises(error) as info:
        toy_store.select(query, bindings)
    assert message in str(info.value)


def test_store_syntax_error_points_at_the_column(toy_store):
    with pytest.raises(QuerySyntaxError) as info:
        toy_store.sparql("SELECT ?s WHERE { ?s ?p }")
    assert str(info.value).splitlines()[1:] == ["  SELECT ?s WHERE { ?s ?p }", "  " + " " * 25 + "^"]


def test_store_ask(toy_store):
    query = "ASK { ?o org:memberOf ?a }"
    assert toy_store.ask(query, {"o": URIRef(BL)}) is True
    assert toy_store.ask(query, {"o": URIRef(BASE + "id/org/velux-fonden")}) is False


# ---------------------------------------------------------------- sparql (raw user queries)


def test_store_sparql_select_over_union_of_graphs(toy_store):
    result = toy_store.sparql("SELECT ?label WHERE { id:org\\/bl skos:prefLabel ?label }")
    assert (result.kind, result.variables, result.rows) == (
        "select",
        ["label"],
        [{"label": "BL – Danmarks Almene Boliger"}],
    )


@pytest.mark.parametrize(
    "fmt, expected",
    [
        ("csv", b"n\r\n4\r\n"),
        ("tsv", b"?n\n4\n"),
        (
            "json",
            (
                b'{"head":{"vars":["n"]},"results":{"bindings":[{"n":{"type":"literal","value":"4",'
                b'"datatype":"http://www.w3.org/2001/XMLSchema#integer"}}]}}'
            ),
        ),
    ],
)
def test_store_sparql_select_serializations(toy_store, fmt, expected):
    result = toy_store.sparql("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s org:memberOf ?o } }")
    assert result.rows == [{"n": 4}]
    assert result.serialize(fmt) == expected


def test_store_sparql_xml(toy_store):
    xml = toy_store.sparql("SELECT ?s WHERE { ?s al:amount ?a }").serialize("xml")
    assert b"<uri>https://w3id.org/alliances/assertion/d1/g1</uri>" in xml


def test_store_sparql_ask_and_construct(toy_store):
    ask = toy_store.sparql("ASK { ?s al:funds ?o }")
    assert (ask.kind, ask.boolean) == ("ask", True)
    assert ask.serialize("json") == b'{"head":{},"boolean":true}'
    construct = toy_store.sparql("CONSTRUCT { ?s al:funds ?o } WHERE { ?s al:funds ?o }")
    assert construct.kind == "construct"
    assert construct.rows == [{"subject": BASE + "id/org/velux-fonden", "predicate": AL + "funds", "object": HJEM}]
    assert construct.serialize("ntriples") == (f"<{BASE}id/org/velux-fonden> <{AL}funds> <{HJEM}> .\n".encode())
    assert b"al:funds" in construct.serialize("turtle")
    with pytest.raises(StoreError, match="use turtle or ntriples"):
        construct.serialize("csv")
    with pytest.raises(StoreError, match="use json, csv, tsv or xml"):
        ask.serialize("turtle")


def test_store_sparql_describe(toy_store):
    result = toy_store.sparql(f"DESCRIBE <{BASE}id/person/rikke-hansen>")
    assert result.kind == "construct"
    assert {
        "subject": BASE + "id/person/rikke-hansen",
        "predicate": str(PREF.value),
        "object": "Rikke Hansen",
    } in result.rows


@pytest.mark.parametrize(
    "update",
    [
        "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        "DELETE WHERE { ?s ?p ?o }",
        "PREFIX al: <https://w3id.org/alliances/ontology#>\n# tidy up\nDELETE { ?s al:rule ?r } WHERE { ?s al:rule ?r }",
        "LOAD <http://example.org/data.ttl>",
        "CLEAR ALL",
        "drop graph <https://w3id.org/alliances/doc/d1>",
        "WITH <urn:g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
    ],
)
def test_store_sparql_refuses_updates(toy_store, update):
    before = quad_set(toy_store)
    with pytest.raises(ReadOnlyQuery, match="queries only"):
        toy_store.sparql(update)
    assert quad_set(toy_store) == before


@pytest.mark.parametrize("query", ["SELEC ?s WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ", "", "hello"])
def test_store_sparql_malformed(toy_store, query):
    with pytest.raises(QuerySyntaxError, match="malformed SPARQL"):
        toy_store.sparql(query)


# ---------------------------------------------------------------- read-only stores and the write lock


def test_store_read_only_refuses_writes(toy_store):
    path = toy_store.location
    toy_store.close()
    with open_store(path, read_only=True) as reader:
        assert reader.document_ids() == {"d1", "d2"}
        for write in (
            lambda: reader.write_documents([]),
            lambda: reader.remove_documents(["d1"]),
            lambda: reader.import_file(Path("x.ttl")),
            lambda: reader.rebuild_entities(),
        ):
            with pytest.raises(StoreError, match="opened read-only"):
                write()


HOLDER = textwrap.dedent(
    """
    import sys
    import pyoxigraph as ox
    from alliances.graph.store import DocumentWrite, open_store
    from alliances.graph.vocab import document_iri

    store = open_store(sys.argv[1])
    print("ready", flush=True)
    for line in sys.stdin:
        if line.strip() == "write":
            g = ox.NamedNode(str(document_iri("d9")))
            store.write_documents([DocumentWrite("d9", [ox.Quad(g, ox.NamedNode("urn:p"), ox.Literal("v"), g)])])
            print("written", flush=True)
        else:
            break
    store.close()
    print("closed", flush=True)
    """
)


def test_store_two_processes_one_writer_readers_allowed(toy_store):
    path = toy_store.location
    toy_store.close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StoreLocked) as info:
            open_store(path)
        assert f"the store at {path} is locked: another alliances process is writing to it" in str(info.value)

        # a reader opens while the writer holds the lock, and sees the store as it was when it opened
        with open_store(path, read_only=True) as early_reader:
            holder.stdin.write("write\n")
            holder.stdin.flush()
            assert holder.stdout.readline().strip() == "written"
            assert early_reader.document_ids() == {"d1", "d2"}
        with open_store(path, read_only=True) as late_reader:
            assert late_reader.document_ids() == {"d1", "d2", "d9"}

        holder.stdin.write("quit\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "closed"
        assert holder.wait(timeout=20) == 0
        with open_store(path) as writer:  # the lock is free again
            assert writer.document_ids() == {"d1", "d2", "d9"}
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


# ---------------------------------------------------------------- crash safety

WRITER = textwrap.dedent(
    """
    import hashlib, random, sys
    import pyoxigraph as ox
    from alliances.graph.store import DocumentWrite, open_store
    from alliances.graph.vocab import BASE, document_iri

    AL = "https://w3id.org/alliances/ontology#"
    RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
    SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
    COUNT = ox.NamedNode("urn:test:quadCount")

    store = open_store(sys.argv[1])
    rnd = random.Random(int(sys.argv[2]))
    print("ready", flush=True)
    round_ = 0
    while True:
        batch, sources = [], set()
        for k in range(15):
            source = f"src/{rnd.randrange(40)}.txt"
            if source in sources:  # one version of a source per batch
                continue
            sources.add(source)
            doc_id = hashlib.sha256(f"{source} {round_} {k}".encode()).hexdigest()
            g = ox.NamedNode(str(document_iri(doc_id)))
            quads = [ox.Quad(g, SOURCE, ox.Literal(source), g), ox.Quad(g, RDF_TYPE, ox.NamedNode(AL + "Document"), g)]
            for e in rnd.sample(range(40), 4):
                iri = ox.NamedNode(f"{BASE}id/org/o{e}")
                quads.append(ox.Quad(iri, RDF_TYPE, ox.NamedNode("http://www.w3.org/ns/org#Organization"), g))
                quads.append(ox.Quad(iri, ALT, ox.Literal(f"Org {e}" + " Fonden" * rnd.randrange(3)), g))
            filler = rnd.randrange(10, 300)
            quads.extend(ox.Quad(g, ox.NamedNode(f"urn:test:f{i}"), ox.Literal("x" * 200), g) for i in range(filler))
            quads.append(ox.Quad(g, COUNT, ox.Literal(len(quads) + 1), g))
            batch.append(DocumentWrite(doc_id, quads, replaces=store.document_by_source(source)))
        store.write_documents(batch)
        round_ += 1
        print(round_, flush=True)
    """
)


def _crash_once(path: Path, seed: int) -> int:
    """Start a writer, SIGKILL it at a random moment, then check the store; returns how many sources it holds."""
    rnd = random.Random(seed)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(seed)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout.readline().strip() == "ready"
        for _ in range(rnd.randrange(0, 2)):
            writer.stdout.readline()
        # time one write cycle, then kill at a random moment of the next one
        writer.stdout.readline()
        started = time.monotonic()
        writer.stdout.readline()
        time.sleep(rnd.uniform(0.0, time.monotonic() - started))
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=20)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    with open_store(path) as store:
        count = ox.NamedNode("urn:test:quadCount")
        sources: dict[str, str] = {}
        for doc_id in store.document_ids():
            g = ox.NamedNode(str(document_iri(doc_id)))
            quads = list(store._db.quads_for_pattern(None, None, None, g))
            declared = [int(q.object.value) for q in quads if q.predicate == count]
            assert declared == [len(quads)], f"document {doc_id} is not whole"
            source = next(q.object.value for q in quads if q.predicate == SOURCE)
            assert source not in sources, f"two versions of {source}: a replacement was half done"
            sources[source] = doc_id
        assert store.check_entities() == []
        return len(sources)


def test_store_survives_sigkill(tmp_path):
    _crash_once(tmp_path / "crash", seed=1)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [2, 3, 4])
def test_store_survives_repeated_sigkills(tmp_path, seed):
    path = tmp_path / "crash"
    for run in range(3):  # the same store, killed again and again
        _crash_once(path, seed=seed * 10 + run)
