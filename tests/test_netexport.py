"""graph/netexport.py and `alliances export` to network formats: files that network tools read back."""

from __future__ import annotations

import doctest
import io
import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from alliances.cli import cli
from alliances.graph import netexport, network
from alliances.graph.store import open_store

DATA = Path(__file__).parent / "data"
ID = "https://w3id.org/alliances/id/"
FUNDS = (ID + "org/seks", ID + "alliance/nord")


@pytest.fixture(scope="module")
def net_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("netexport") / "net-store"
    with open_store(path) as store:
        store.import_file(DATA / "network.trig")
    return path


@pytest.fixture(scope="module")
def net_graph(net_path: Path) -> nx.MultiDiGraph:
    with open_store(net_path, read_only=True) as store:
        return network.build_graph(store, posts=True)


def _written(G: nx.MultiDiGraph, fmt: str) -> bytes:
    out = io.BytesIO()
    netexport.write_network(G, fmt, out)
    return out.getvalue()


def _edge(G: nx.Graph, u: str, v: str) -> dict:
    (data,) = G.get_edge_data(u, v).values() if G.is_multigraph() else (G.get_edge_data(u, v),)
    return data


def test_netexport_doctests() -> None:
    result = doctest.testmod(netexport)
    assert result.attempted > 0 and result.failed == 0


def test_netexport_flatten_joins_statements(net_graph: nx.MultiDiGraph) -> None:
    F = netexport.flatten(net_graph)
    edge = _edge(F, ID + "org/tre", ID + "alliance/nord")
    assert (edge["statements"], edge["weight"]) == (2, 2)
    assert edge["source"] == "net/nord.txt | net/partnere.txt"
    assert F.number_of_edges() == net_graph.number_of_edges() - 1
    assert all(v is not None for _, _, d in F.edges(data=True) for v in d.values())


@pytest.mark.parametrize(("fmt", "reader"), [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_netexport_xml_reads_back(net_graph: nx.MultiDiGraph, tmp_path: Path, fmt: str, reader) -> None:
    path = tmp_path / f"net.{fmt}"
    path.write_bytes(_written(net_graph, fmt))
    H = reader(path)
    assert H.number_of_nodes() == net_graph.number_of_nodes()
    assert H.number_of_edges() == netexport.flatten(net_graph).number_of_edges()
    edge = _edge(H, *FUNDS)
    assert edge["relation"] == "funds"
    assert edge["evidence"] == "Fonden Seks støtter Alliance Nord med 500.000 kr."
    assert (edge["amount"], edge["currency"], edge["source"]) == (500000.0, "DKK", "net/nord.txt")
    node = H.nodes[ID + "org/tre"]
    assert (node["label"], node["kind"]) == ("Org Tre", "housing")


def test_netexport_gexf_dates_as_time(net_graph: nx.MultiDiGraph) -> None:
    text = _written(net_graph, "gexf").decode("utf-8")
    assert 'mode="dynamic"' in text and 'timeformat="date"' in text
    assert 'start="2024-03-01"' in text


def test_netexport_kumu_blueprint(net_graph: nx.MultiDiGraph) -> None:
    data = json.loads(_written(net_graph, "kumu"))
    assert set(data) == {"elements", "connections"}
    ids = [e["id"] for e in data["elements"]] + [c["id"] for c in data["connections"]]
    assert len(ids) == len(set(ids))  # Kumu: ids unique across elements and connections
    element_ids = {e["id"] for e in data["elements"]}
    assert all(c["from"] in element_ids and c["to"] in element_ids for c in data["connections"])
    funds = next(c for c in data["connections"] if (c["from"], c["to"]) == FUNDS)
    assert (funds["type"], funds["direction"]) == ("funds", "directed")
    assert funds["description"] == "Fonden Seks støtter Alliance Nord med 500.000 kr."
    partner = next(c for c in data["connections"] if c["type"] == "partnerOf")
    assert partner["direction"] == "mutual"
    assert {"label": "Org Tre", "type": "housing"}.items() <= next(
        e for e in data["elements"] if e["id"] == ID + "org/tre"
    ).items()


def test_netexport_nodelink_round_trip(net_graph: nx.MultiDiGraph) -> None:
    data = json.loads(_written(net_graph, "nodelink"))
    H = nx.node_link_graph(data, edges="links")
    assert H.is_multigraph() and H.is_directed()
    assert sorted(H.edges(keys=True)) == sorted(net_graph.edges(keys=True))
    edge = H.edges[(*FUNDS, "funds:0")]
    assert edge["document_source"] == "net/nord.txt"
    assert edge["evidence"] == net_graph.edges[(*FUNDS, "funds:0")]["evidence"]


def test_netexport_unknown_format(net_graph: nx.MultiDiGraph) -> None:
    with pytest.raises(netexport.NetworkExportError, match="unknown network format 'dot'"):
        netexport.write_network(net_graph, "dot", io.BytesIO())


@pytest.mark.parametrize(
    ("fmt", "start"),
    [("graphml", b"<?xml"), ("gexf", b"<?xml"), ("kumu", b"{"), ("nodelink", b"{"), ("trig", b"@prefix")],
)
def test_netexport_cli_export(net_path: Path, tmp_path: Path, fmt: str, start: bytes) -> None:
    target = tmp_path / f"out.{fmt}"
    result = CliRunner().invoke(cli, ["--store", str(net_path), "export", "--format", fmt, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(start)
    assert "Exported" in result.output
    assert [p.name for p in tmp_path.iterdir()] == [target.name]  # no temporary file left behind


def test_netexport_cli_export_stdout(net_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--store", str(net_path), "export", "--format", "nodelink", "-o", "-"])
    assert result.exit_code == 0, result.output
    assert "nodes and" in result.output


def test_netexport_cli_export_missing_folder(net_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.gexf"
    result = CliRunner().invoke(cli, ["--store", str(net_path), "export", "--format", "gexf", "-o", str(target)])
    assert result.exit_code == 1
    assert "Cannot write" in result.output
    assert not target.parent.exists()
