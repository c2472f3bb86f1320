"""graph/network.py: the store as networkx graphs, on the toy contract and a small network known by hand."""

from __future__ import annotations

import doctest
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

from alliances.graph import network
from alliances.graph.store import Store, open_store

DATA = Path(__file__).parent / "data"
ID = "https://w3id.org/alliances/id/"


@pytest.fixture
def net_store(tmp_path: Path) -> Iterator[Store]:
    """tests/data/network.trig in a store: three alliances, seven organisations, answers in the file's header."""
    store = open_store(tmp_path / "net-store")
    store.import_file(DATA / "network.trig")
    try:
        yield store
    finally:
        store.close()


def test_network_doctests() -> None:
    result = doctest.testmod(network)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    ("iri", "label", "kind"),
    [
        ("org/bl", "BL – Danmarks Almene Boliger", "housing"),
        ("org/velux-fonden", "Velux Fonden", "foundation"),
        ("org/raadet-for-socialt-udsatte", "Rådet for Socialt Udsatte", "public"),
        ("org/kirkens-korshaer", "Kirkens Korshær", "ngo"),
        ("alliance/alliancen-mod-hjemloeshed", "Alliancen mod Hjemløshed", "alliance"),
    ],
)
def test_network_build_node_label_and_kind(toy_store: Store, iri: str, label: str, kind: str) -> None:
    G = network.build_graph(toy_store)
    assert G.nodes[ID + iri]["label"] == label
    assert G.nodes[ID + iri]["kind"] == kind
    assert set(nx.get_node_attributes(G, "kind").values()) <= set(network.KINDS)


@pytest.mark.parametrize(
    ("types", "kind"),
    [
        ([], "organisation"),
        (["https://w3id.org/alliances/ontology#Union"], "organisation"),
        (["https://w3id.org/alliances/ontology#Region"], "public"),
        (["https://w3id.org/alliances/ontology#Company"], "company"),
        (["http://xmlns.com/foaf/0.1/Person"], "person"),
        (["http://www.w3.org/ns/org#OrganizationalCollaboration", "http://www.w3.org/ns/org#Organization"], "alliance"),
    ],
)
def test_network_kind_of(types: list[str], kind: str) -> None:
    assert network.kind_of(types) == kind


def test_network_build_edges_per_relation(toy_store: Store) -> None:
    G = network.build_graph(toy_store)
    assert Counter(r for _, _, r in G.edges(data="relation")) == {
        "memberOf": 4, "foundedBy": 2, "facilitatedBy": 1, "funds": 1
    }
    assert not any(kind == "person" for _, kind in G.nodes(data="kind"))


def test_network_build_edge_evidence_and_amount(toy_store: Store) -> None:
    G = network.build_graph(toy_store)
    (edge,) = G.get_edge_data(ID + "org/velux-fonden", ID + "alliance/alliancen-mod-hjemloeshed").values()
    assert edge["relation"] == "funds"
    assert edge["evidence"] == "Velux Fonden støtter alliancen med 2 mio. kr."
    assert edge["source"] == "corpus/da/boligalliance.txt"
    assert edge["document"] == "https://w3id.org/alliances/doc/d1"
    assert (edge["confidence"], edge["amount"], edge["currency"]) == (0.8, 2_000_000.0, "DKK")


@pytest.mark.parametrize(("threshold", "edges"), [(0.0, 8), (0.85, 5), (0.9, 2), (0.95, 0)])
def test_network_build_min_confidence(toy_store: Store, threshold: float, edges: int) -> None:
    assert network.build_graph(toy_store, min_confidence=threshold).number_of_edges() == edges


@pytest.mark.parametrize("relations", [("memberOf",), ("funds", "foundedBy")])
def test_network_build_relations(toy_store: Store, relations: tuple[str, ...]) -> None:
    G = network.build_graph(toy_store, relations=relations)
    assert {r for _, _, r in G.edges(data="relation")} == set(relations)


def test_network_build_unknown_relation(toy_store: Store) -> None:
    with pytest.raises(network.NetworkError, match="unknown relation 'memberof'"):
        network.build_graph(toy_store, relations=("memberof",))


def test_network_build_posts(toy_store: Store) -> None:
    G = network.build_graph(toy_store, posts=True)
    person = ID + "person/rikke-hansen"
    assert G.nodes[person]["kind"] == "person"
    (edge,) = G.get_edge_data(person, ID + "org/kirkens-korshaer").values()
    assert (edge["relation"], edge["role"]) == ("postIn", "formand")


def test_network_build_parallel_statements(net_store: Store) -> None:
    G = network.build_graph(net_store)
    edges = G.get_edge_data(ID + "org/tre", ID + "alliance/nord")
    assert sorted(edges) == ["memberOf:0", "memberOf:1"]
    assert {e["source"] for e in edges.values()} == {"net/nord.txt", "net/partnere.txt"}
    assert G.nodes[ID + "org/syv"]["label"] == "Org Syv"  # in no relation, still a node
    assert G.degree(ID + "org/syv") == 0


def test_network_build_document_date(net_store: Store) -> None:
    G = network.build_graph(net_store)
    dates = {d.get("date") for _, _, d in G.edges(data=True)}
    assert dates == {"2024-03-01", None}


def test_network_bipartite_sides_and_weights(net_store: Store) -> None:
    B = network.bipartite_graph(network.build_graph(net_store))
    assert network.alliances(B) == [ID + "alliance/nord", ID + "alliance/oest", ID + "alliance/syd"]
    assert len(network.organisations(B)) == 7
    assert B.number_of_edges() == 7
    assert B.edges[ID + "org/tre", ID + "alliance/nord"]["weight"] == 2
    assert nx.is_bipartite(B)


def test_network_bipartite_other_relations(net_store: Store) -> None:
    G = network.build_graph(net_store)
    B = network.bipartite_graph(G, relations=("memberOf", "funds", "facilitatedBy", "partnerOf"))
    assert B.edges[ID + "org/fire", ID + "alliance/oest"]["relations"] == ("facilitatedBy", "memberOf")
    assert B.has_edge(ID + "org/seks", ID + "alliance/nord")
    assert not B.has_edge(ID + "org/et", ID + "org/to")  # partners are both organisations: not bipartite


@pytest.mark.parametrize(("weight", "expected"), [("shared", 1), ("jaccard", 0.5)])
def test_network_projection(toy_store: Store, weight: str, expected: float) -> None:
    B = network.bipartite_graph(network.build_graph(toy_store))
    P = network.organisation_projection(B, weight=weight)
    assert P.edges[ID + "org/bl", ID + "org/kirkens-korshaer"]["weight"] == expected
    assert not P.has_edge(ID + "org/kirkens-korshaer", ID + "org/frivilligcentre-og-selvhjaelp-danmark")


def test_network_projection_refuses_when_too_large(toy_store: Store) -> None:
    B = network.bipartite_graph(network.build_graph(toy_store))
    with pytest.raises(network.ProjectionTooLarge, match="up to 2 edges"):
        network.organisation_projection(B, max_edges=1)
