"""The SHACL contract: toy.trig conforms, and each way of breaking it is reported in words."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
import rdflib

from alliances.graph.validate import ValidationReport, load_shapes, validate, validate_graph
from alliances.graph.vocab import BASE, ENTITIES_GRAPH


def union_of(trig: str) -> rdflib.Graph:
    dataset = rdflib.Dataset()
    dataset.parse(data=trig, format="trig")
    graph = rdflib.Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, o))
    return graph


@pytest.fixture(scope="module")
def shapes() -> rdflib.Graph:
    return load_shapes()


def test_validate_toy_conforms(toy_store):
    assert validate(toy_store) == ValidationReport(True, [])


def test_validate_toy_file_conforms(toy_trig, shapes):
    assert validate_graph(union_of(toy_trig.read_text(encoding="utf-8")), shapes) == ValidationReport(True, [])


# (what to replace in toy.trig, with what, a phrase the report must contain)
BROKEN = [
    (
        'al:rule "member-verb" ; al:confidence 0.9 .\n  a:d1\\/m2',
        "al:confidence 0.9 .\n  a:d1\\/m2",
        "assertion/d1/m1> al:rule: an assertion names exactly one rule",
    ),
    (
        "al:confidence 0.8 ;\n      al:amount",
        "al:confidence 1.5 ;\n      al:amount",
        "al:confidence: an assertion has exactly one confidence in [0, 1] (value '1.5')",
    ),
    (
        "al:evidenceStart 161 ; al:evidenceEnd 206",
        "al:evidenceStart 300 ; al:evidenceEnd 206",
        "not after al:evidenceEnd",
    ),
    ("al:evidenceStart 109", 'al:evidenceStart "109"', "exactly one integer al:evidenceStart"),
    (
        "a:d2\\/s1 a al:Assertion ; prov:wasDerivedFrom doc:d2 ;",
        "a:d2\\/s1 a al:Assertion ;",
        "assertion/d2/s1> prov:wasDerivedFrom: an assertion is derived from exactly one al:Document",
    ),
    (
        "a:d2\\/s2 a al:Assertion ; prov:wasDerivedFrom doc:d2 ;",
        "a:d2\\/s2 a al:Assertion ; prov:wasDerivedFrom doc:d3 ;",
        "an assertion is derived from exactly one al:Document",
    ),
    (
        "rdf:subject id:org\\/kirkens-korshaer ; rdf:predicate org:memberOf",
        "rdf:subject id:org\\/kirkens-korshaer , id:org\\/bl ; rdf:predicate org:memberOf",
        "assertion/d1/m2> rdf:subject: an assertion names exactly one subject",
    ),
    ("rdf:predicate al:funds", "rdf:predicate al:rule", "one of the six relations"),
    (
        "  id:org\\/velux-fonden al:funds id:alliance\\/alliancen-mod-hjemloeshed .\n",
        "",
        "the edge this assertion supports",
    ),
    ("org:heldBy id:person\\/rikke-hansen ; ", "", "a post is held by exactly one foaf:Person"),
    ("org:heldBy id:person\\/rikke-hansen", "org:heldBy id:org\\/bl", "a post is held by exactly one foaf:Person"),
    ('al:roleName "formand" ;', 'al:roleName "formand" , "næstformand" ;', "a post has at most one role name"),
    (
        "org:postIn id:org\\/kirkens-korshaer",
        "org:postIn id:person\\/rikke-hansen",
        "a post is in exactly one org:Organization",
    ),
    ('al:contentHash "d2" ;', "", "doc:d2 al:contentHash: a document has exactly one content hash"),
    ('dcterms:source "corpus/da/ensomhed.txt" ;', "", "a document has exactly one dcterms:source"),
    (
        'skos:prefLabel "Velux Fonden"',
        'skos:prefLabel "Velux Fonden" , "Velux"',
        "id:org/velux-fonden skos:prefLabel: an entity has exactly one skos:prefLabel",
    ),
    (
        'skos:prefLabel "Ældre Sagen" ;',
        "",
        "id:org/aeldre-sagen skos:prefLabel: an entity has exactly one skos:prefLabel",
    ),
]


@pytest.mark.parametrize("old, new, phrase", BROKEN, ids=[b[2][:40] for b in BROKEN])
def test_validate_broken_variant_is_reported(toy_trig, shapes, old, new, phrase):
    text = toy_trig.read_text(encoding="utf-8")
    assert old in text
    report = validate_graph(union_of(text.replace(old, new, 1)), shapes)
    assert not report.conforms
    assert any(phrase in problem for problem in report.problems), report.problems


def test_validate_broken_store(tmp_path, toy_trig):
    """The same check through the store: a document whose assertion lost its rule."""
    from alliances.graph.store import open_store

    broken = tmp_path / "broken.trig"
    broken.write_text(toy_trig.read_text(encoding="utf-8").replace('al:rule "founded-by" ; ', "", 1), encoding="utf-8")
    with open_store(tmp_path / "s") as store:
        store.import_file(broken)
        report = validate(store)
    assert not report.conforms
    assert report.problems == [f"<{BASE}assertion/d2/s1> al:rule: an assertion names exactly one rule"]


def test_validate_reports_an_entities_graph_out_of_step(toy_store):
    """The one graph-level rule: the entities graph is what the document graphs define."""
    entities = ox.NamedNode(str(ENTITIES_GRAPH))
    bl = ox.NamedNode(BASE + "id/org/bl")
    key = ox.NamedNode("https://w3id.org/alliances/ontology#entityKey")
    toy_store._db.remove(ox.Quad(bl, key, ox.Literal("bl"), entities))
    toy_store._db.add(ox.Quad(bl, key, ox.Literal("bee ell"), entities))
    report = validate(toy_store)
    assert not report.conforms
    assert report.problems == [
        f'entities graph lacks <{BASE}id/org/bl> <https://w3id.org/alliances/ontology#entityKey> "bl"',
        f'entities graph has stale <{BASE}id/org/bl> <https://w3id.org/alliances/ontology#entityKey> "bee ell"',
    ]
    toy_store.rebuild_entities()
    assert validate(toy_store) == ValidationReport(True, [])
