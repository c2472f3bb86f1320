"""graph/maps.py and the `map` command without a browser: selection, reduction, layout, the page's data and safety.

What a person sees is tested in tests/test_maps_browser.py.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from alliances.cli import cli
from alliances.graph import maps
from alliances.graph.network import build_graph

HOSTILE = {
    "html": "<img src=x onerror=alert(1)>",
    "script": "</script><script>alert(2)</script>",
    "comment": "<!-- @@MAP_JS@@ -->",
    "rtl": "Fonden \u202etxt.exe\u202c for b\u00f8rn",
    "separators": "line\u2028sep\u2029para & \"quotes\" 'too'",
    "long": "Alliancen " + "\u00e6\u00f8\u00e5 <b>x</b> " * 1000,
}


def small_field() -> nx.MultiDiGraph:
    """Two alliances, five organisations, one funder; checkable by eye.

    o1, o2 in A; o2, o3 in B; f funds A; o4 partner of o1 (stated both ways); o5 alone.
    """
    G = nx.MultiDiGraph()
    G.add_node("A", label="Alliance A", kind="alliance")
    G.add_node("B", label="Alliance B", kind="alliance")
    for i in range(1, 6):
        G.add_node(f"o{i}", label=f"Org {i}", kind="ngo")
    G.add_node("f", label="Fund", kind="foundation")

    def edge(s: str, o: str, relation: str, n: int = 1) -> None:
        for k in range(n):
            G.add_edge(
                s, o, relation=relation, evidence=f"{s} {relation} {o} ({k}).", source=f"doc{k}.txt", confidence=0.9
            )

    edge("o1", "A", "memberOf")
    edge("o2", "A", "memberOf", n=3)
    edge("o2", "B", "memberOf")
    edge("o3", "B", "memberOf")
    edge("f", "A", "funds")
    edge("o4", "o1", "partnerOf")
    edge("o1", "o4", "partnerOf")
    return G


def page_data(html: str) -> dict:
    """The JSON the page draws from, read back out of the HTML as the browser would."""
    match = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.DOTALL)
    assert match, "no map data in the page"
    return json.loads(match.group(1))


def hostile_field() -> nx.MultiDiGraph:
    G = nx.MultiDiGraph()
    G.add_node("alliance", label=HOSTILE["long"], kind="alliance")
    for key, name in HOSTILE.items():
        if key == "long":
            continue
        G.add_node(key, label=name, kind="ngo")
        G.add_edge(
            key,
            "alliance",
            relation="memberOf",
            evidence=f"{name} says {HOSTILE['script']}",
            source="javascript:alert(3)//" + HOSTILE["html"],
            confidence=0.5,
        )
    return G


@pytest.mark.parametrize(
    ("depth", "expected"), [(0, {"o1"}), (1, {"o1", "A", "o4"}), (2, {"o1", "A", "o4", "o2", "f"})]
)
def test_maps_select_focus_depth(depth: int, expected: set[str]) -> None:
    assert set(maps.select(small_field(), focus="o1", depth=depth)) == expected


@pytest.mark.parametrize(("alliance", "expected"), [("A", {"A", "o1", "o2", "f", "B"}), ("B", {"B", "o2", "o3", "A"})])
def test_maps_select_alliance_shows_members_other_alliances(alliance: str, expected: set[str]) -> None:
    assert set(maps.select(small_field(), alliance=alliance)) == expected


@pytest.mark.parametrize("relations", [{"memberOf"}, {"funds", "partnerOf"}])
def test_maps_select_relations(relations: set[str]) -> None:
    part = maps.select(small_field(), relations=relations)
    assert {d["relation"] for _, _, d in part.edges(data=True)} == relations
    assert set(part) == set(small_field())  # nodes stay; only edges are filtered


@pytest.mark.parametrize("kwargs", [{"focus": "nobody"}, {"alliance": "nothing"}, {"focus": "o1", "depth": -1}])
def test_maps_select_refuses_what_is_not_there(kwargs: dict) -> None:
    with pytest.raises(maps.MapError):
        maps.select(small_field(), **kwargs)


@pytest.mark.parametrize("max_nodes", [1, 3, 5])
def test_maps_reduce_keeps_most_central_and_says_so(max_nodes: int) -> None:
    G = small_field()
    shown, note = maps.reduce(G, max_nodes, keep=["o5"])
    assert shown.number_of_nodes() == max_nodes
    assert "o5" in shown  # kept although it is the least central
    assert note and f"{max_nodes:,} most central of {G.number_of_nodes():,}" in note
    if max_nodes >= 2:
        assert "A" in shown  # the hub


@pytest.mark.parametrize("max_nodes", [8, 100])
def test_maps_reduce_leaves_small_graphs_alone(max_nodes: int) -> None:
    G = small_field()
    assert maps.reduce(G, max_nodes) == (G, None)


@pytest.mark.parametrize("seed", [0, 1])
def test_maps_layout_places_every_node_apart(seed: int) -> None:
    G = nx.MultiDiGraph(nx.barabasi_albert_graph(300, 2, seed=seed))
    G.add_nodes_from(["lonely1", "lonely2"])
    pos = maps.layout(G, seed=seed)
    assert set(pos) == set(G)
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in pos.values())
    assert len({(round(x, 3), round(y, 3)) for x, y in pos.values()}) == len(G)
    core_bottom = max(y for v, (_, y) in pos.items() if not str(v).startswith("lonely"))
    assert pos["lonely1"][1] > core_bottom  # nodes without edges go in rows under the drawing


@pytest.mark.parametrize("seed", [3])
def test_maps_layout_is_deterministic(seed: int) -> None:
    G = nx.MultiDiGraph(nx.path_graph(80))
    assert maps.layout(G, seed=seed) == maps.layout(G, seed=seed)


@pytest.mark.parametrize("graph", [small_field()])
def test_maps_network_items_one_edge_per_pair_and_relation(graph: nx.MultiDiGraph) -> None:
    net = maps.to_network(graph, maps.layout(graph))
    assert net.node_ids == list(range(graph.number_of_nodes()))
    assert net.get_node(0)["iri"] == "A"
    by_pair = {(net.nodes[e["from"]]["iri"], net.nodes[e["to"]]["iri"], e["relation"]): e for e in net.edges}
    assert by_pair[("o2", "A", "memberOf")]["count"] == 3  # three statements, one line
    assert len(by_pair[("o2", "A", "memberOf")]["evidence"]) == 3
    partner = [e for e in net.edges if e["relation"] == "partnerOf"]
    assert len(partner) == 1 and partner[0]["count"] == 2 and "arrows" not in partner[0]  # symmetric, stated twice
    assert {n["shape"] for n in net.nodes} == {"diamond", "dot", "star"}
    assert max(net.nodes, key=lambda n: n["size"])["iri"] == "A"  # size by centrality


@pytest.mark.parametrize("graph", [small_field()])
def test_maps_page_needs_no_network(graph: nx.MultiDiGraph) -> None:
    html = maps.build_map(graph).html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html, re.IGNORECASE)
    assert not re.search(r"@import|url\(\s*['\"]?https?:", html, re.IGNORECASE)
    assert "cdn" not in re.sub(r"<script>.*?</script>", "", html, flags=re.DOTALL).lower()
    assert "connect-src 'none'" in html


@pytest.mark.parametrize("graph", [small_field()])
def test_maps_page_scripts_match_their_csp_hashes(graph: nx.MultiDiGraph) -> None:
    html = maps.build_map(graph).html
    scripts = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(scripts) == 2
    for script in scripts:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in html
    assert "'unsafe-inline'" not in re.search(r"script-src[^;]*", html).group(0)


@pytest.mark.parametrize("graph", [hostile_field()])
def test_maps_hostile_strings_pass_through_intact(graph: nx.MultiDiGraph) -> None:
    result = maps.build_map(graph, title=HOSTILE["html"] + HOSTILE["rtl"])
    html = result.html
    data = page_data(html)
    names = {n["iri"]: n["name"] for n in data["nodes"]}
    assert names == {v: graph.nodes[v]["label"] for v in graph}  # every byte, RTL override and 10 kB included
    assert data["title"] == HOSTILE["html"] + HOSTILE["rtl"]
    evidence = {e["evidence"][0]["text"] for e in data["edges"]}
    assert evidence == {d["evidence"] for _, _, d in graph.edges(data=True)}
    assert {e["evidence"][0]["source"] for e in data["edges"]} == {"javascript:alert(3)//" + HOSTILE["html"]}
    # none of it is markup in the page: the data block is JSON with < > & escaped, the <title> is escaped
    assert html.count("</script>") == 3  # data, vis-network, map.js: nothing in the data ends or opens one
    assert "<img" not in html
    block = html.split('id="map-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in block and ">" not in block and "\u2028" not in block
    assert "<title>&lt;img src=x onerror=alert(1)&gt;" in html


@pytest.mark.parametrize("text", [HOSTILE["script"], "a\u2028b", "x<!--y"])
def test_maps_json_for_html_round_trips(text: str) -> None:
    encoded = maps.json_for_html({"t": text})
    assert "<" not in encoded and "\u2028" not in encoded
    assert json.loads(encoded) == {"t": text}


@pytest.mark.parametrize("label", ["Org 1"])
def test_maps_labels_are_shortened_names_kept_whole(label: str) -> None:
    G = nx.MultiDiGraph()
    G.add_node("x", label=HOSTILE["long"], kind="alliance")
    G.add_node("y", label=label, kind="company")
    net = maps.to_network(G, maps.layout(G))
    long, short = net.nodes
    assert len(long["label"]) == maps.LABEL_CHARS and long["label"].endswith("\u2026")
    assert long["name"] == HOSTILE["long"] and short["label"] == short["name"] == label


@pytest.mark.parametrize("kind", ["unknown", None])
def test_maps_unknown_kind_and_relation_get_fallback_styles(kind: str | None) -> None:
    G = nx.MultiDiGraph()
    G.add_node("x", label="X", kind=kind)
    G.add_node("y", label="Y", kind="ngo")
    G.add_edge("x", "y", relation="mentors", evidence="X mentors Y.", source="s")
    data = page_data(maps.build_map(G).html)
    assert data["nodes"][0]["kind"] == "organisation"
    assert data["relations"]["mentors"]["label"] == "related to"


def test_maps_build_map_from_store_matches_graph(toy_store) -> None:
    graph = build_graph(toy_store, posts=True)
    result = maps.build_map(graph)
    assert (result.nodes, result.statements, result.note) == (graph.number_of_nodes(), graph.number_of_edges(), None)
    data = page_data(result.html)
    evidence = {ev["text"] for e in data["edges"] for ev in e["evidence"]}
    assert "Velux Fonden støtter alliancen med 2 mio. kr." in evidence
    funds = next(e for e in data["edges"] if e["relation"] == "funds")
    assert funds["evidence"][0]["amount"] == 2_000_000 and funds["evidence"][0]["currency"] == "DKK"


# ---- the command


@pytest.fixture
def toy_store_path(toy_store, tmp_path: Path) -> Path:
    """The toy store's folder (conftest puts it at tmp_path/toy-store), closed so the command can open it."""
    toy_store.close()
    return tmp_path / "toy-store"


@pytest.mark.parametrize(
    ("args", "nodes", "edges"),
    [
        ([], 10, 9),
        (["--no-people"], 9, 8),
        (["--focus", "Velux Fonden", "--depth", "1"], 2, 1),
        (["--alliance", "Folkebevægelsen mod Ensomhed"], 6, 5),  # BL is also in the other alliance
        (["--relation", "funds"], 9, 1),  # people come with --relation postIn
    ],
)
def test_maps_cli_writes_the_map(toy_store_path: Path, tmp_path: Path, args: list[str], nodes: int, edges: int) -> None:
    out = tmp_path / "out" / "map.html"
    out.parent.mkdir()
    result = CliRunner().invoke(cli, ["--store", str(toy_store_path), "map", "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}: {nodes} nodes, {edges} edges" in result.output
    assert len(page_data(out.read_text(encoding="utf-8"))["nodes"]) == nodes
    assert [p.name for p in out.parent.iterdir()] == ["map.html"]  # no temporary file left behind


@pytest.mark.parametrize("max_nodes", ["3"])
def test_maps_cli_reduction_note(toy_store_path: Path, tmp_path: Path, max_nodes: str) -> None:
    out = tmp_path / "m.html"
    result = CliRunner().invoke(cli, ["--store", str(toy_store_path), "map", "-o", str(out), "--max-nodes", max_nodes])
    assert result.exit_code == 0, result.output
    assert "Reduced: this map shows the 3 most central of 10 nodes" in result.output
    assert "--max-nodes" in result.output
    assert page_data(out.read_text(encoding="utf-8"))["note"].startswith("Reduced:")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--focus", "Nobody Whatsoever"], 4, "No organisation, alliance or person is called"),
        (["--alliance", "Velux Fonden"], 4, "Velux Fonden"),
        (["--focus", "Rikke Hansen", "--no-people"], 2, "Cannot draw the map"),
        (["-o", "/nonexistent/folder/m.html"], 2, "does not exist"),
    ],
)
def test_maps_cli_errors(toy_store_path: Path, tmp_path: Path, args: list[str], code: int, message: str) -> None:
    result = CliRunner().invoke(cli, ["--store", str(toy_store_path), "map", "-o", str(tmp_path / "m.html"), *args])
    assert result.exit_code == code, result.output
    assert message in result.output
