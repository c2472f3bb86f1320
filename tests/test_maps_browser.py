"""The maps in a real browser with the network blocked: they draw, search, hover, filter, and hostile names stay text.

Debian's chromium through Playwright (tests/browser.py); one browser for the session, one page per test.
A screenshot of the seed map is saved to tests/output/maps-seed.png for CI to keep.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import pytest
from browser import chromium, offline_page  # noqa: F401  (pytest fixtures)
from test_maps import HOSTILE, hostile_field

from alliances.graph import maps
from alliances.graph.ingest import ingest
from alliances.graph.network import build_graph
from alliances.graph.queries import resolve
from alliances.graph.store import open_store
from alliances.loaders.registry import iter_sources

pytestmark = pytest.mark.browser

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
READY = "window.allianceMap && window.allianceMap.ready === true"


@pytest.fixture(scope="module")
def seed_graph(tmp_path_factory: pytest.TempPathFactory) -> tuple[nx.MultiDiGraph, Any]:
    """The five seed texts ingested into a store, as build_graph gives them (people included)."""
    if not SEEDS.is_dir():
        pytest.skip(f"the seed texts are not here ({SEEDS}); they live in ../shared/seeds next to the checkout")
    store = open_store(tmp_path_factory.mktemp("seed") / "store")
    report = ingest(iter_sources([SEEDS]), store)
    assert report.added and not report.skipped, report
    return build_graph(store, posts=True), store


@pytest.fixture(scope="module")
def seed_maps(seed_graph: tuple[nx.MultiDiGraph, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One map of each kind: the field, one organisation's neighbourhood, one alliance."""
    graph, store = seed_graph
    folder = tmp_path_factory.mktemp("maps")
    alliance = max((v for v in graph if graph.nodes[v]["kind"] == "alliance"), key=graph.degree)
    focus = resolve(store, "BL").iri if graph.has_node(resolve(store, "BL").iri) else max(graph, key=graph.degree)
    out = {}
    for name, kwargs in {
        "field": {},
        "focus": {"focus": focus, "depth": 2},
        "alliance": {"alliance": alliance},
    }.items():
        result = maps.build_map(graph, **kwargs)
        path = folder / f"{name}.html"
        path.write_text(result.html, encoding="utf-8")
        expected = maps.select(graph, **kwargs)
        out[name] = {"path": path, "result": result, "graph": expected}
    return out


def open_map(page: Any, path: Path) -> None:
    page.goto(path)
    page.page.wait_for_function(READY, timeout=30_000)


def node_id(page: Any, iri: str) -> int:
    return page.page.evaluate("iri => window.allianceMap.data.nodes.find(n => n.iri === iri).id", iri)


def hover_node(page: Any, node: int) -> str:
    """Move the mouse onto a node as a person would; return the tooltip's text."""
    point = page.page.evaluate(
        """id => { const m = window.allianceMap, p = m.network.canvasToDOM(m.network.getPositions([id])[id]);
                   const r = document.getElementById('map').getBoundingClientRect();
                   return {x: r.left + p.x, y: r.top + p.y}; }""",
        node,
    )
    page.page.mouse.move(point["x"] - 30, point["y"] - 30)
    page.page.mouse.move(point["x"], point["y"], steps=3)
    page.page.wait_for_selector("#tooltip:not([hidden])", timeout=5_000)
    return page.page.inner_text("#tooltip")


def drawn_pixels(page: Any) -> int:
    """How many canvas pixels are not blank: the network really was drawn."""
    return page.page.evaluate(
        """() => { const c = document.querySelector('#map canvas'), d = c.getContext('2d')
                     .getImageData(0, 0, c.width, c.height).data; let n = 0;
                   for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) n++; } return n; }"""
    )


@pytest.mark.parametrize("kind", ["field", "focus", "alliance"])
def test_maps_browser_map_draws_offline_with_every_node(offline_page, seed_maps, kind: str) -> None:  # noqa: F811
    one = seed_maps[kind]
    open_map(offline_page, one["path"])
    state = offline_page.page.evaluate(
        "() => ({nodes: window.allianceMap.nodes.length, drawn: Object.keys(window.allianceMap.network.getPositions()).length,"
        " edges: window.allianceMap.edges.length, counts: document.getElementById('counts').textContent})"
    )
    assert state["nodes"] == state["drawn"] == one["graph"].number_of_nodes() == one["result"].nodes
    assert state["edges"] == one["result"].edges
    assert f"{one['result'].nodes:,} nodes" in state["counts"]
    assert drawn_pixels(offline_page) > 1000
    if kind == "field":
        offline_page.screenshot("maps-seed")
    offline_page.assert_clean()


@pytest.mark.parametrize("kind", ["field"])
def test_maps_browser_search_focuses_node_and_hover_shows_evidence(offline_page, seed_maps, kind: str) -> None:  # noqa: F811
    one = seed_maps[kind]
    graph: nx.MultiDiGraph = one["graph"]
    u = next(u for u, v, d in graph.edges(data=True) if d.get("evidence") and graph.nodes[u]["kind"] != "person")
    name = graph.nodes[u]["label"]
    open_map(offline_page, one["path"])
    offline_page.page.fill("#search-input", name)
    offline_page.page.press("#search-input", "Enter")
    wanted = node_id(offline_page, u)
    selected = offline_page.page.evaluate("() => window.allianceMap.network.getSelectedNodes()")
    assert selected == [wanted]
    centred = offline_page.page.evaluate(
        """id => { const n = window.allianceMap.network, p = n.getPositions([id])[id], c = n.getViewPosition();
                   return Math.hypot(p.x - c.x, p.y - c.y); }""",
        wanted,
    )
    assert centred < 1.0  # the view is centred on the node found
    offline_page.page.mouse.move(5, 5)  # away, so the next hover is a fresh one
    text = hover_node(offline_page, wanted)
    assert name in text
    connected = {d["evidence"] for a, b, d in graph.edges(data=True) if u in (a, b) and d.get("evidence")}
    assert any(sentence in text for sentence in connected), text
    offline_page.assert_clean()


@pytest.mark.parametrize("kind", ["field"])
def test_maps_browser_filters_by_relation_and_alliance(offline_page, seed_maps, kind: str) -> None:  # noqa: F811
    one = seed_maps[kind]
    open_map(offline_page, one["path"])
    page = offline_page.page
    page.uncheck("input[data-relation='memberOf']")
    hidden = page.evaluate("() => window.allianceMap.edges.get().filter(e => e.hidden).map(e => e.relation)")
    members = page.evaluate("() => window.allianceMap.data.edges.filter(e => e.relation === 'memberOf').length")
    assert hidden and set(hidden) == {"memberOf"} and len(hidden) == members
    page.check("input[data-relation='memberOf']")
    alliance = page.evaluate(
        "() => window.allianceMap.data.nodes.filter(n => n.kind === 'alliance').sort((a, b) => b.size - a.size)[0].id"
    )
    page.select_option("#alliance-filter", str(alliance))
    visible = set(page.evaluate("() => window.allianceMap.nodes.get().filter(n => !n.hidden).map(n => n.id)"))
    linked = set(
        page.evaluate(
            "id => window.allianceMap.data.edges.filter(e => e.from === id || e.to === id).flatMap(e => [e.from, e.to])",
            alliance,
        )
    )
    assert visible == linked | {alliance}
    offline_page.assert_clean()


@pytest.fixture(scope="module")
def hostile_map(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, nx.MultiDiGraph]:
    graph = hostile_field()
    path = tmp_path_factory.mktemp("hostile") / "hostile.html"
    path.write_text(maps.build_map(graph, title=HOSTILE["html"] + HOSTILE["script"]).html, encoding="utf-8")
    return path, graph


@pytest.mark.parametrize("key", ["html", "script", "rtl", "comment"])
def test_maps_browser_hostile_names_are_inert_text(offline_page, hostile_map, key: str) -> None:  # noqa: F811
    path, graph = hostile_map
    open_map(offline_page, path)
    page = offline_page.page
    assert page.evaluate("() => document.querySelectorAll('img, iframe, object, embed').length") == 0
    assert page.evaluate("() => document.scripts.length") == 3
    assert page.text_content("#title") == HOSTILE["html"] + HOSTILE["script"]
    page.fill("#search-input", graph.nodes[key]["label"])
    page.press("#search-input", "Enter")
    found = page.evaluate("() => window.allianceMap.network.getSelectedNodes()")
    assert found == [node_id(offline_page, key)]
    tooltip = page.evaluate("() => document.getElementById('tooltip').textContent")
    assert graph.nodes[key]["label"] in tooltip  # the name, byte for byte, as text
    assert HOSTILE["script"] in tooltip  # the hostile evidence sentence too
    assert "javascript:alert(3)//" + HOSTILE["html"] in tooltip  # the source, as text, not a link
    assert page.evaluate("() => document.querySelectorAll('#tooltip a, #tooltip img, #tooltip script').length") == 0
    offline_page.assert_clean()  # and no alert() ran


@pytest.mark.parametrize("key", ["long"])
def test_maps_browser_long_name_reaches_tooltip_whole(offline_page, hostile_map, key: str) -> None:  # noqa: F811
    path, _graph = hostile_map
    open_map(offline_page, path)
    text = hover_node(offline_page, node_id(offline_page, "alliance"))
    full = offline_page.page.evaluate("() => document.querySelector('#tooltip .name').textContent")
    assert full == HOSTILE[key] and len(full) > 10_000
    assert text  # something visible
    offline_page.assert_clean()


@pytest.mark.parametrize("url", ["https://cdn.jsdelivr.net/npm/vis-network/standalone/umd/vis-network.min.js"])
def test_maps_browser_helper_blocks_and_records_the_network(offline_page, tmp_path: Path, url: str) -> None:  # noqa: F811
    page = tmp_path / "fetch.html"
    page.write_text(f"<!DOCTYPE html><script src={json.dumps(url)}></script><p>x</p>", encoding="utf-8")
    offline_page.goto(page)
    assert url in offline_page.blocked
    assert "blocked requests" in offline_page.problems()


@pytest.mark.parametrize("markup", ["<img src=x onerror=alert(1)>"])
def test_maps_browser_helper_records_dialogs(offline_page, tmp_path: Path, markup: str) -> None:  # noqa: F811
    """The control for the hostile-name tests: the same markup, parsed as HTML, does run and is caught."""
    page = tmp_path / "alert.html"
    page.write_text(f"<!DOCTYPE html><p>{markup}</p>", encoding="utf-8")
    offline_page.goto(page)
    offline_page.page.wait_for_timeout(200)
    assert offline_page.dialogs == ["alert: 1"]
