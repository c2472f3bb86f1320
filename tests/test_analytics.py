"""graph/analytics.py and the commands over it: answers known by hand on small graphs, and on the seeds."""

from __future__ import annotations

import doctest
import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from alliances.cli import cli
from alliances.graph import analytics, network
from alliances.graph.store import open_store

DATA = Path(__file__).parent / "data"
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
ID = "https://w3id.org/alliances/id/"


@pytest.fixture(scope="module")
def net_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed store holding tests/data/network.trig (answers in that file's header), for the CLI to open."""
    path = tmp_path_factory.mktemp("analytics") / "net-store"
    with open_store(path) as store:
        store.import_file(DATA / "network.trig")
    return path


@pytest.fixture(scope="module")
def net_graph(net_path: Path) -> Iterator[nx.MultiDiGraph]:
    with open_store(net_path, read_only=True) as store:
        yield network.build_graph(store)


@pytest.fixture(scope="module")
def net_bipartite(net_graph: nx.MultiDiGraph) -> nx.Graph:
    return network.bipartite_graph(net_graph)


def _bipartite(edges: list[tuple[str, str]]) -> nx.Graph:
    """Organisations in lower case, alliances in upper case."""
    B = nx.Graph(edges)
    nx.set_node_attributes(B, {n: int(n[0].isupper()) for n in B}, "bipartite")
    return B


def _random_bipartite(seed: int) -> nx.Graph:
    B = nx.bipartite.random_graph(60, 12, 0.15, seed=seed)
    return nx.relabel_nodes(B, {n: (f"o{n}" if B.nodes[n]["bipartite"] == 0 else f"A{n}") for n in B})


def _run(net_path: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--store", str(net_path), *args])
    return result.exit_code, result.output


def test_analytics_doctests() -> None:
    result = doctest.testmod(analytics)
    assert result.attempted > 0 and result.failed == 0


# ---------------------------------------------------------------- centrality


def test_analytics_betweenness_known(net_bipartite: nx.Graph) -> None:
    rows = analytics.centrality(net_bipartite, "betweenness")
    assert [(r["label"], round(r["score"] * 36, 6)) for r in rows[:3]] == [
        ("Org Tre", 12.0), ("Org Fire", 10.0), ("Org Et", 0.0)
    ]
    assert rows[0]["method"].startswith("exact betweenness")


@pytest.mark.parametrize("seed", [1, 2])
def test_analytics_betweenness_rustworkx_matches_networkx(monkeypatch: pytest.MonkeyPatch, seed: int) -> None:
    B = _random_bipartite(seed)
    expected = {r["iri"]: r["score"] for r in analytics.centrality(B, "betweenness")}
    monkeypatch.setattr(analytics, "RUSTWORKX_ABOVE", 0)
    rows = analytics.centrality(B, "betweenness")
    assert "rustworkx" in rows[0]["method"]
    assert {r["iri"]: r["score"] for r in rows} == pytest.approx(expected)


def test_analytics_betweenness_sampled_on_large_graphs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analytics, "EXACT_BETWEENNESS_WORK", 0)
    monkeypatch.setattr(analytics, "MIN_SAMPLE", 5)
    monkeypatch.setattr(analytics, "SAMPLED_BETWEENNESS_WORK", 1)
    rows = analytics.centrality(_random_bipartite(3), "betweenness", seed=7)
    assert "sampled from k=5 of 72 sources (seed 7)" in rows[0]["method"]


def test_analytics_betweenness_explicit_k(net_bipartite: nx.Graph) -> None:
    rows = analytics.centrality(net_bipartite, "betweenness", k=4, seed=0)
    assert "k=4" in rows[0]["method"]


@pytest.mark.parametrize("measure", ["degree", "eigenvector", "pagerank"])
def test_analytics_centrality_brokers_first(net_bipartite: nx.Graph, measure: str) -> None:
    rows = analytics.centrality(net_bipartite, measure)
    assert {r["label"] for r in rows[:2]} == {"Org Tre", "Org Fire"}
    assert [r["rank"] for r in rows] == list(range(1, 8))


def test_analytics_degree_known(net_bipartite: nx.Graph) -> None:
    scores = {r["label"]: r["score"] for r in analytics.centrality(net_bipartite, "degree")}
    assert scores["Org Tre"] == pytest.approx(2 / 3)  # two of three alliances
    assert scores["Org Syv"] == 0.0


@pytest.mark.parametrize(("measure", "top"), [("degree", "Org Tre"), ("betweenness", "Org Tre")])
def test_analytics_centrality_on_projection(net_bipartite: nx.Graph, measure: str, top: str) -> None:
    rows = analytics.centrality(net_bipartite, measure, on="projection")
    assert rows[0]["label"] == top  # Tre shares alliances with Et, To and Fire; Fire with Tre and Fem
    assert "projection" in rows[0]["method"]


def test_analytics_eigenvector_disconnected_says_component(net_bipartite: nx.Graph) -> None:
    rows = analytics.centrality(net_bipartite, "eigenvector")
    assert "largest connected component (8 of 10 nodes)" in rows[0]["method"]


@pytest.mark.parametrize("measure", analytics.MEASURES)
def test_analytics_centrality_without_edges(measure: str) -> None:
    B = nx.Graph()
    B.add_nodes_from([("x", {"bipartite": 0}), ("A", {"bipartite": 1})])
    assert [r["score"] for r in analytics.centrality(B, measure)] == [0.0]


def test_analytics_centrality_unknown_measure(net_bipartite: nx.Graph) -> None:
    with pytest.raises(network.NetworkError, match="unknown centrality measure 'closeness'"):
        analytics.centrality(net_bipartite, "closeness")


# ---------------------------------------------------------------- overlap, brokers, communities, path


def test_analytics_overlap_known(net_bipartite: nx.Graph) -> None:
    rows = analytics.overlap(net_bipartite)
    assert [(r["alliance_a"], r["alliance_b"], r["shared"], r["jaccard"]) for r in rows] == [
        ("Alliance Syd", "Alliance Øst", 1, pytest.approx(1 / 3)),
        ("Alliance Nord", "Alliance Syd", 1, pytest.approx(1 / 4)),
    ]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_analytics_overlap_scipy_matches_networkx(seed: int) -> None:
    B = _random_bipartite(seed)
    by_nx = analytics.overlap(B, method="networkx")
    by_scipy = analytics.overlap(B, method="scipy")
    assert [(r["iri_a"], r["iri_b"], r["shared"]) for r in by_nx] == [
        (r["iri_a"], r["iri_b"], r["shared"]) for r in by_scipy
    ]
    assert [r["jaccard"] for r in by_nx] == pytest.approx([r["jaccard"] for r in by_scipy])


def test_analytics_shared_members_with_evidence(net_graph: nx.MultiDiGraph) -> None:
    rows = analytics.shared_members(net_graph, ID + "alliance/nord", ID + "alliance/syd")
    assert [r["label"] for r in rows] == ["Org Tre"]
    assert sorted(s["source"] for s in rows[0]["sources"]) == ["net/nord.txt", "net/partnere.txt", "net/syd-oest.txt"]


def test_analytics_shared_members_none(net_graph: nx.MultiDiGraph) -> None:
    assert analytics.shared_members(net_graph, ID + "alliance/nord", ID + "alliance/oest") == []


def test_analytics_brokers_known(net_bipartite: nx.Graph) -> None:
    rows = analytics.brokers(net_bipartite)
    assert [(r["label"], r["alliances"], r["sole_bridges"], r["alliance_names"]) for r in rows] == [
        ("Org Fire", 2, 1, ["Alliance Syd", "Alliance Øst"]),
        ("Org Tre", 2, 1, ["Alliance Nord", "Alliance Syd"]),
    ]


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        # two members in common: no sole bridge
        ([("x", "A"), ("x", "B"), ("y", "A"), ("y", "B")], [("x", 2, 0), ("y", 2, 0)]),
        # w is in three alliances; it alone links A–C and B–C; x also links A–B
        ([("w", "A"), ("w", "B"), ("w", "C"), ("x", "A"), ("x", "B")], [("w", 3, 2), ("x", 2, 0)]),
    ],
)
def test_analytics_brokers_sole_bridges(edges: list[tuple[str, str]], expected: list[tuple[str, int, int]]) -> None:
    rows = analytics.brokers(_bipartite(edges))
    assert [(r["iri"], r["alliances"], r["sole_bridges"]) for r in rows] == expected


def test_analytics_communities_two_clusters() -> None:
    left = [(o, a) for o in "abcd" for a in "AB"]
    right = [(o, a) for o in "efgh" for a in "CD"]
    rows = analytics.communities(_bipartite([*left, *right, ("d", "C")]))
    assert [(r["alliance_names"], r["organisation_names"]) for r in rows] == [
        (["A", "B"], ["a", "b", "c", "d"]),
        (["C", "D"], ["e", "f", "g", "h"]),
    ]


def test_analytics_communities_leave_out_isolated(net_bipartite: nx.Graph) -> None:
    rows = analytics.communities(net_bipartite)
    names = {n for r in rows for n in r["organisation_names"]}
    assert "Org Syv" not in names and "Org Tre" in names
    assert [r["community"] for r in rows] == list(range(1, len(rows) + 1))


def test_analytics_path_through_funder(net_graph: nx.MultiDiGraph) -> None:
    rows = analytics.path(net_graph, ID + "org/et", ID + "org/seks")
    assert [(r["step"], r["from"], r["direction"], r["relation"], r["to"]) for r in rows] == [
        (1, "Org Et", "->", "memberOf", "Alliance Nord"),
        (2, "Alliance Nord", "<-", "funds", "Fonden Seks"),
    ]
    assert rows[1]["sources"][0]["evidence"] == "Fonden Seks støtter Alliance Nord med 500.000 kr."


def test_analytics_path_hop_with_two_relations(net_graph: nx.MultiDiGraph) -> None:
    rows = analytics.path(net_graph, ID + "org/fire", ID + "alliance/oest")
    assert [(r["relation"], r["direction"]) for r in rows] == [("facilitatedBy", "<-"), ("memberOf", "->")]


def test_analytics_path_none(net_graph: nx.MultiDiGraph) -> None:
    with pytest.raises(analytics.NoPath, match="no chain of statements connects Org Et and Org Syv"):
        analytics.path(net_graph, ID + "org/et", ID + "org/syv")


# ---------------------------------------------------------------- commands


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["centrality", "--measure", "betweenness", "--format", "json"], ("Org Tre", "exact betweenness")),
        (["overlap", "--format", "csv"], ("Alliance Syd,Alliance Øst,1,0.333",)),
        (["overlap", "Alliance Nord", "alliance syd"], ("Org Tre", "net/partnere.txt")),
        (["brokers"], ("Org Fire", "Org Tre")),
        (["communities", "--format", "json"], ('"community": 1',)),
        (["path", "Org Et", "Fonden Seks"], ("funds", "Fonden Seks støtter Alliance Nord")),
    ],
)
def test_analytics_cli_answers(net_path: Path, args: list[str], expected: tuple[str, ...]) -> None:
    code, output = _run(net_path, *args)
    assert code == 0, output
    for text in expected:
        assert text in output


def test_analytics_cli_centrality_json_keys(net_path: Path) -> None:
    code, output = _run(net_path, "centrality", "--top", "2", "--format", "json")
    assert code == 0, output
    rows = json.loads(output)
    assert [r["rank"] for r in rows] == [1, 2]
    assert set(rows[0]) == {"rank", "label", "iri", "kind", "score", "alliances", "method"}


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["overlap", "Alliance Nord"], 2, "exactly two"),
        (["overlap", "Alliance Nord", "Org Tre"], 2, "not an alliance"),
        (["path", "Org Et", "Org Syv"], 4, "No chain of statements connects Org Et and Org Syv"),
        (["path", "Org Et", "Org Otte"], 4, "No organisation, alliance or person is called 'Org Otte'"),
        (["centrality", "--measure", "closeness"], 2, "closeness"),
    ],
)
def test_analytics_cli_errors(net_path: Path, args: list[str], code: int, message: str) -> None:
    exit_code, output = _run(net_path, *args)
    assert exit_code == code, output
    assert message in output


def test_analytics_cli_projection_too_large(net_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analytics, "organisation_projection", partial(network.organisation_projection, max_edges=1))
    code, output = _run(net_path, "centrality", "--on", "projection")
    assert code == 2, output
    assert "--on bipartite" in output


@pytest.mark.parametrize("command", ["centrality", "overlap", "brokers", "communities", "path"])
def test_analytics_cli_help_has_example(command: str) -> None:
    result = CliRunner().invoke(cli, [command, "--help"])
    assert result.exit_code == 0 and "Example:" in result.output


# ---------------------------------------------------------------- seeds


@pytest.fixture(scope="module")
def seeds_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"the shared seeds are not here ({SEEDS}); they live in ../shared/seeds next to the checkout")
    path = tmp_path_factory.mktemp("seeds") / "store"
    result = CliRunner().invoke(cli, ["--store", str(path), "ingest", str(SEEDS)])
    assert result.exit_code == 0, result.output
    return path


def test_analytics_seeds_overlap_bl_in_both(seeds_path: Path) -> None:
    code, output = _run(seeds_path, "overlap", "--format", "json")
    assert code == 0, output
    pairs = {frozenset((r["alliance_a"], r["alliance_b"])) for r in json.loads(output)}
    assert any(
        any(n.startswith("Hjem til Alle") for n in pair) and "Folkebevægelsen mod Ensomhed" in pair for pair in pairs
    )
    code, output = _run(seeds_path, "overlap", "Hjem til Alle", "Folkebevægelsen mod Ensomhed", "--format", "json")
    assert code == 0, output
    assert [r["label"] for r in json.loads(output)] == ["BL – Danmarks Almene Boliger"]


def test_analytics_seeds_bl_brokers_most(seeds_path: Path) -> None:
    code, output = _run(seeds_path, "brokers", "--format", "json")
    assert code == 0, output
    assert json.loads(output)[0]["label"] == "BL – Danmarks Almene Boliger"
