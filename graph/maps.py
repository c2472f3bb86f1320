"""Interactive maps: a networkx graph of the field in, one self-contained HTML page out.

The page opens by double-click with no network at all: vis-network's script is read from the installed pyvis
package and inlined, and the page's own script and style (alliances/web/map.*) are inlined next to it. pyvis is
used for what it is good at -- the `Network` object holding vis-network's node, edge and option structures -- but
filled in bulk (its `add_node` loop is quadratic) and rendered with our own template (pyvis' templates pull
Bootstrap and vis-network from CDNs and render titles and headings as raw HTML).

Positions are computed here, in Python, and physics is off in the browser: vis-network's own physics takes more
than a minute before it draws a 1,000-node map. Every name, sentence and URL reaches the page as JSON data and is
put on screen as text (canvas labels, `textContent`), never as HTML; a Content-Security-Policy with the hashes of
the page's two scripts keeps anything else from running even if that were to fail.

The steps are separate functions so each can be tested and timed: `select` (focus, alliance, relations),
`reduce` (top-N by PageRank), `layout`, `to_network` (a pyvis Network), `render_html`; `build_map` chains them.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

DEFAULT_MAX_NODES = 5000
DEFAULT_DEPTH = 2
LABEL_CHARS = 48  # longer names are shortened on the canvas; the tooltip and the search keep the whole name
EVIDENCE_PER_EDGE = 5  # sentences kept per drawn edge; the count of the rest is kept too
_VIS_DIR = ("templates", "lib", "vis-9.1.2")


@dataclass(frozen=True)
class KindStyle:
    """How one kind of entity looks: vis-network shape and colour, and its name in the legend."""

    label: str
    shape: str
    color: str


@dataclass(frozen=True)
class RelationStyle:
    """How one relation looks: colour, dash pattern (empty = solid), whether it has an arrow, its legend name."""

    label: str
    color: str
    dashes: tuple[int, ...] = ()
    arrow: bool = True


# One table per thing styled, keyed by the `kind` / `relation` attribute that graph/network.py writes.
KIND_STYLES: dict[str, KindStyle] = {
    "alliance": KindStyle("Alliance", "diamond", "#d4a017"),
    "foundation": KindStyle("Foundation", "star", "#2e8b57"),
    "ngo": KindStyle("NGO / association", "dot", "#3b7dd8"),
    "public": KindStyle("Public body", "square", "#6a5acd"),
    "company": KindStyle("Company", "triangle", "#e07b24"),
    "housing": KindStyle("Housing association", "hexagon", "#17a2a2"),
    "person": KindStyle("Person", "triangleDown", "#d45087"),
    "organisation": KindStyle("Organisation", "dot", "#8c8c8c"),
}
RELATION_STYLES: dict[str, RelationStyle] = {
    "memberOf": RelationStyle("member of", "#7a8da6"),
    "funds": RelationStyle("funds", "#2e8b57", (10, 4)),
    "facilitatedBy": RelationStyle("facilitated by", "#e07b24", (2, 4)),
    "foundedBy": RelationStyle("founded by", "#8e44ad", (8, 3, 2, 3)),
    "partnerOf": RelationStyle("partner of", "#c0392b", (), arrow=False),
    "partOf": RelationStyle("part of", "#555555", (14, 6)),
    "subOrganizationOf": RelationStyle("part of", "#555555", (14, 6)),
    "postIn": RelationStyle("holds a post in", "#d45087", (1, 3)),
}
_FALLBACK_KIND = "organisation"
_FALLBACK_RELATION = RelationStyle("related to", "#999999", (3, 3))
_SYMMETRIC = frozenset({"partnerOf"})


class MapError(ValueError):
    """A map that cannot be drawn as asked: a focus or alliance that is not in the graph, an unknown relation."""


@dataclass
class MapResult:
    """A finished map: the page, and what it shows (for the caller to report)."""

    html: str
    title: str
    nodes: int  # drawn
    edges: int  # drawn (one per pair and relation; `relations` counts the statements behind them)
    statements: int
    total_nodes: int  # in the selection before any reduction
    total_edges: int
    note: str | None = None  # set when the map shows less than was asked for, and says so on the page too
    kinds: dict[str, int] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """Plain data for the CLI: everything but the page itself."""
        return {
            "title": self.title,
            "nodes": self.nodes,
            "edges": self.edges,
            "statements": self.statements,
            "total_nodes": self.total_nodes,
            "total_edges": self.total_edges,
            "note": self.note,
        }


# ---------------------------------------------------------------------------------------------------------------
# Selecting and reducing


def _undirected(G: nx.Graph) -> nx.Graph:
    """The simple undirected graph under G (neighbourhoods and centrality ignore direction and multiplicity)."""
    U = nx.Graph()
    U.add_nodes_from(G)
    U.add_edges_from((u, v) for u, v in G.edges() if u != v)
    return U


def select(
    G: nx.MultiDiGraph,
    *,
    focus: Hashable | None = None,
    depth: int = DEFAULT_DEPTH,
    alliance: Hashable | None = None,
    relations: Collection[str] | None = None,
) -> nx.MultiDiGraph:
    """The part of G a map shows: edges of the given relations, then a neighbourhood, or the whole field.

    `focus`: everything within `depth` steps of that node, in either direction. `alliance`: the alliance, everyone
    directly linked to it (members, founders, funders, facilitator), and the other alliances those are members of
    -- so the map shows who bridges to where. Both given: the union. Raises MapError for a node that is not in G.
    """
    if relations is not None:
        relations = set(relations)
        H = nx.MultiDiGraph()
        H.add_nodes_from(G.nodes(data=True))
        H.add_edges_from((u, v, k, d) for u, v, k, d in G.edges(keys=True, data=True) if d.get("relation") in relations)
        G = H
    if focus is None and alliance is None:
        return G
    U = _undirected(G)
    keep: set[Hashable] = set()
    if focus is not None:
        if focus not in G:
            raise MapError(f"{focus} is not in the graph (or has no edges of the relations asked for)")
        if depth < 0:
            raise MapError(f"depth must be 0 or more, not {depth}")
        keep |= set(nx.single_source_shortest_path_length(U, focus, cutoff=depth))
    if alliance is not None:
        if alliance not in G:
            raise MapError(f"{alliance} is not in the graph (or has no edges of the relations asked for)")
        ring = set(U[alliance]) | {alliance}
        keep |= ring
        for node in ring:
            keep |= {
                v
                for _, v, d in G.out_edges(node, data=True)
                if d.get("relation") == "memberOf" and _kind_of(G, v) == "alliance"
            }
    return G.subgraph(keep).copy()


def centrality(G: nx.Graph) -> dict[Hashable, float]:
    """PageRank on the undirected simple graph: who is central in the field, whatever the edge direction."""
    if G.number_of_nodes() == 0:
        return {}
    U = G if isinstance(G, nx.Graph) and not G.is_directed() and not G.is_multigraph() else _undirected(G)
    if U.number_of_edges() == 0:
        return dict.fromkeys(U, 1.0 / U.number_of_nodes())
    try:
        return nx.pagerank(U, tol=1e-6, max_iter=200)
    except nx.PowerIterationFailedConvergence:  # very rare; degree is a fair stand-in
        return nx.degree_centrality(U)


def reduce(
    G: nx.MultiDiGraph,
    max_nodes: int,
    *,
    keep: Iterable[Hashable] = (),
    scores: Mapping[Hashable, float] | None = None,
) -> tuple[nx.MultiDiGraph, str | None]:
    """At most `max_nodes` nodes: the most central ones (PageRank), always including `keep`; and a note if cut.

    The browser draws 5,000 nodes in about a second; far more makes the page slow to open and unreadable.
    """
    n = G.number_of_nodes()
    if max_nodes < 1:
        raise MapError(f"max_nodes must be at least 1, not {max_nodes}")
    if n <= max_nodes:
        return G, None
    scores = scores if scores is not None else centrality(G)
    kept = [k for k in keep if k in G][:max_nodes]
    ranked = sorted(G, key=lambda v: (-scores.get(v, 0.0), str(v)))
    chosen = set(kept)
    for v in ranked:
        if len(chosen) >= max_nodes:
            break
        chosen.add(v)
    H = G.subgraph(chosen).copy()
    note = (
        f"Reduced: this map shows the {len(chosen):,} most central of {n:,} nodes (by PageRank) "
        f"and the {H.number_of_edges():,} of {G.number_of_edges():,} statements among them."
    )
    return H, note


# ---------------------------------------------------------------------------------------------------------------
# Layout


def _adjacency(G: nx.Graph, index: Mapping[Hashable, int]) -> Any:
    """Symmetric 0/1 sparse adjacency (CSR) of G's simple undirected skeleton, self-loops dropped."""
    from scipy import sparse

    n = len(index)
    pairs = np.array([(index[u], index[v]) for u, v in G.edges() if u != v], dtype=np.int64).reshape(-1, 2)
    A = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n)).tocsr()
    A = A + A.T
    A.data[:] = 1.0
    return A


def _seed_positions(A: Any, rng: np.random.Generator) -> np.ndarray:
    """First guess: lay out the hubs (most connected nodes) by their shared neighbours, put everyone else near the
    mean of their placed neighbours (spread over a disc as large as the crowd around the busiest of them), and what
    is left (components without a hub) at random.

    This gives the force step the global shape it would take many more iterations to find by itself.
    """
    n = A.shape[0]
    side = math.sqrt(n)
    pos = rng.uniform(-side / 2, side / 2, size=(n, 2))
    degree = np.asarray(A.getnnz(axis=1)).astype(float)
    n_hubs = min(300, max(2, int(math.sqrt(n))))
    hubs = np.argsort(-degree, kind="stable")[:n_hubs]
    hubs = hubs[degree[hubs] > 1]
    if len(hubs) < 2:
        return pos
    shared = (A[hubs] @ A[:, hubs]).toarray() + 2 * A[hubs][:, hubs].toarray()
    np.fill_diagonal(shared, 0)
    H = nx.from_numpy_array(shared)
    hub_pos = nx.spring_layout(H, seed=int(rng.integers(1 << 31)), weight="weight", iterations=60)
    xy = np.array([hub_pos[i] for i in range(len(hubs))])
    xy -= xy.mean(axis=0)
    xy *= (side / 2) / max(np.abs(xy).max(), 1e-9)
    placed = np.zeros(n, dtype=bool)
    pos[hubs] = xy
    placed[hubs] = True
    while True:
        weight = A @ placed.astype(float)
        fresh = np.flatnonzero((~placed) & (weight > 0))
        if not len(fresh):
            break
        sums = A @ (pos * placed[:, None])
        crowd = (A[fresh].multiply((degree * placed)[None, :])).max(axis=1).toarray().ravel()
        radius = 0.6 * np.sqrt(np.maximum(crowd, 1.0))
        angle = rng.uniform(0, 2 * math.pi, size=len(fresh))
        r = radius * np.sqrt(rng.uniform(0, 1, size=len(fresh)))
        pos[fresh] = sums[fresh] / weight[fresh, None] + np.stack([r * np.cos(angle), r * np.sin(angle)], axis=1)
        placed[fresh] = True
    return pos


class _FarField:
    """Repulsion from all other nodes at once, approximated on a grid (particle-mesh): count nodes per cell and
    convolve the counts with the 2-D 1/d force kernel by FFT. Linear in the number of nodes; the k-d tree step
    adds the exact repulsion at short range."""

    def __init__(self, cells: int = 96) -> None:
        self.cells = cells
        size = 2 * cells  # zero-padded, so the convolution does not wrap around
        offsets = np.fft.fftfreq(size, 1.0 / size)  # 0, 1, ..., cells-1, -cells, ..., -1 (circular order)
        dx, dy = np.meshgrid(offsets, offsets, indexing="ij")
        d2 = dx**2 + dy**2
        d2[0, 0] = np.inf  # no force from a node's own cell
        self.kx = np.fft.rfft2(dx / d2)
        self.ky = np.fft.rfft2(dy / d2)

    def __call__(self, pos: np.ndarray) -> np.ndarray:
        cells, size = self.cells, 2 * self.cells
        low, high = pos.min(axis=0), pos.max(axis=0)
        h = max(float((high - low).max()) / (cells - 1), 1e-6)
        cell = np.minimum(((pos - low) / h).astype(np.int64), cells - 1)
        counts = np.bincount(cell[:, 0] * size + cell[:, 1], minlength=size * size).reshape(size, size)
        spectrum = np.fft.rfft2(counts)
        fx = np.fft.irfft2(spectrum * self.kx, s=(size, size))
        fy = np.fft.irfft2(spectrum * self.ky, s=(size, size))
        return np.stack([fx[cell[:, 0], cell[:, 1]], fy[cell[:, 0], cell[:, 1]]], axis=1) / h


def layout(G: nx.Graph, *, seed: int = 0, iterations: int = 60) -> dict[Hashable, tuple[float, float]]:
    """Positions for every node of G, in units of the ideal edge length: Fruchterman-Reingold, made linear.

    Attraction acts along edges; repulsion is exact between nodes closer than 1.5 edge lengths (found with a
    k-d tree) and approximated on a grid further out (`_FarField`); a weak pull to the centre keeps separate
    components together. Nodes without edges go in rows under the drawing instead of drifting around it.
    20,000 nodes take seconds where networkx' and rustworkx' all-pairs spring layouts take minutes.
    """
    U = _undirected(G) if G.is_directed() or G.is_multigraph() else G
    linked = [v for v in U if any(u != v for u in U.adj[v])]
    alone = [v for v in U if not any(u != v for u in U.adj[v])]
    positions = _force_layout(U.subgraph(linked), seed=seed, iterations=iterations) if linked else {}
    if alone:
        xs = [x for x, _ in positions.values()] or [0.0]
        ys = [y for _, y in positions.values()] or [0.0]
        width = max(max(xs) - min(xs), math.sqrt(len(alone)) * 1.5)
        per_row = max(1, int(width / 1.5) + 1)
        top = max(ys) + 2.0 if positions else 0.0
        left = min(xs) if positions else 0.0
        for k, v in enumerate(alone):
            positions[v] = (left + 1.5 * (k % per_row), top + 1.5 * (k // per_row))
    return positions


def _force_layout(G: nx.Graph, *, seed: int, iterations: int) -> dict[Hashable, tuple[float, float]]:
    from scipy.spatial import cKDTree

    nodes = list(G)
    n = len(nodes)
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    index = {v: i for i, v in enumerate(nodes)}
    A = _adjacency(G, index)
    rng = np.random.default_rng(seed)
    pos = _seed_positions(A, rng)
    upper = A.tocoo()
    mask = upper.row < upper.col
    src, dst = upper.row[mask], upper.col[mask]
    radius = 1.5
    side = math.sqrt(n)
    temperature = side / 10
    far_field = _FarField() if n > 50 else None
    for step in range(iterations):
        disp = far_field(pos) if far_field is not None else np.zeros_like(pos)
        pairs = cKDTree(pos).query_pairs(radius if n > 50 else np.inf, output_type="ndarray")
        if len(pairs):
            i, j = pairs[:, 0], pairs[:, 1]
            delta = pos[i] - pos[j]
            dist2 = np.maximum((delta**2).sum(axis=1), 1e-4)
            push = delta / dist2[:, None]  # k^2/d along the unit vector, k = 1
            disp += _scatter(i, push, n) - _scatter(j, push, n)
        if len(src):
            delta = pos[src] - pos[dst]
            dist = np.sqrt((delta**2).sum(axis=1))
            pull = delta * dist[:, None]  # d^2/k along the unit vector
            disp -= _scatter(src, pull, n) - _scatter(dst, pull, n)
        disp -= pos * (1.0 / side)
        length = np.maximum(np.sqrt((disp**2).sum(axis=1)), 1e-9)
        limit = temperature * (1 - step / iterations) + 0.05
        pos += disp * (np.minimum(length, limit) / length)[:, None]
    pos -= pos.mean(axis=0)
    return {v: (float(x), float(y)) for v, (x, y) in zip(nodes, pos, strict=True)}


def _scatter(index: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum rows of `values` into n rows by `index` (np.add.at, but an order of magnitude faster)."""
    return np.stack(
        [np.bincount(index, weights=values[:, 0], minlength=n), np.bincount(index, weights=values[:, 1], minlength=n)],
        axis=1,
    )


# ---------------------------------------------------------------------------------------------------------------
# Map data: a pyvis Network filled in bulk


def _kind_of(G: nx.Graph, node: Hashable) -> str:
    kind = str(G.nodes[node].get("kind") or _FALLBACK_KIND).lower()
    return kind if kind in KIND_STYLES else _FALLBACK_KIND


def _relation_style(relation: str) -> RelationStyle:
    return RELATION_STYLES.get(relation, _FALLBACK_RELATION)


def _short(name: str) -> str:
    return name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1].rstrip() + "\u2026"


def _number(value: Any) -> float | int | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() else number


def _aggregate_edges(G: nx.MultiDiGraph, index: Mapping[Hashable, int]) -> list[dict[str, Any]]:
    """One drawn edge per (source, target, relation), carrying up to EVIDENCE_PER_EDGE sentences with sources.

    A symmetric relation (partnerOf) stated both ways is one edge.
    """
    grouped: dict[tuple[int, int, str], dict[str, Any]] = {}
    for u, v, data in G.edges(data=True):
        relation = str(data.get("relation") or "related")
        a, b = index[u], index[v]
        if relation in _SYMMETRIC and a > b:
            a, b = b, a
        key = (a, b, relation)
        edge = grouped.get(key)
        if edge is None:
            edge = grouped[key] = {"from": a, "to": b, "relation": relation, "count": 0, "evidence": []}
        edge["count"] += 1
        if len(edge["evidence"]) < EVIDENCE_PER_EDGE:
            edge["evidence"].append(
                {
                    "text": str(data.get("evidence") or ""),
                    "source": str(data.get("source") or ""),
                    "confidence": _number(data.get("confidence")),
                    "amount": _number(data.get("amount")),
                    "currency": str(data.get("currency") or ""),
                }
            )
    return list(grouped.values())


def to_network(
    G: nx.MultiDiGraph,
    positions: Mapping[Hashable, tuple[float, float]],
    *,
    scores: Mapping[Hashable, float] | None = None,
    scale: float = 100.0,
) -> Any:
    """A pyvis Network holding G's nodes and edges as vis-network items: style by kind and relation, size by
    centrality, fixed positions (`scale` pixels per edge length), evidence on every edge.

    Items are plain dicts; node `name`, `kind`, `iri` and edge `evidence` ride along for the page's tooltips and
    search (vis-network keeps unknown fields). No `title` is set: the page builds its own text-only tooltips.
    """
    from pyvis.network import Network

    scores = scores if scores is not None else centrality(G)
    nodes = list(G)
    index = {v: i for i, v in enumerate(nodes)}
    top = max(scores.values(), default=0.0) or 1.0
    node_items: list[dict[str, Any]] = []
    for i, v in enumerate(nodes):
        data = G.nodes[v]
        kind = _kind_of(G, v)
        style = KIND_STYLES[kind]
        name = str(data.get("label") or v)
        x, y = positions.get(v, (0.0, 0.0))
        node_items.append(
            {
                "id": i,
                "label": _short(name),
                "name": name,
                "iri": str(v),
                "kind": kind,
                "shape": style.shape,
                "color": style.color,
                "size": round(8 + 26 * math.sqrt(scores.get(v, 0.0) / top), 1),
                "x": round(x * scale, 1),
                "y": round(y * scale, 1),
            }
        )
    edge_items: list[dict[str, Any]] = []
    for j, edge in enumerate(_aggregate_edges(G, index)):
        line = _relation_style(edge["relation"])
        item: dict[str, Any] = {
            "id": j,
            **edge,
            "color": line.color,
            "width": round(1 + min(4.0, math.log2(edge["count"])), 2),
        }
        if line.dashes:
            item["dashes"] = list(line.dashes)
        if line.arrow:
            item["arrows"] = "to"
        edge_items.append(item)

    net = Network(height="100%", width="100%", directed=True, cdn_resources="local")
    net.nodes = node_items  # in bulk: add_node checks membership in a list, quadratic in the number of nodes
    net.node_ids = list(range(len(node_items)))
    net.node_map = dict(zip(net.node_ids, node_items, strict=True))
    net.edges = edge_items
    net.options = _vis_options(len(node_items), len(edge_items))
    return net


def _vis_options(n_nodes: int, n_edges: int) -> dict[str, Any]:
    """vis-network options: no physics (positions are given), straight edges, hover for tooltips."""
    big = n_nodes + n_edges > 4000
    return {
        "autoResize": True,
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 0},
        "nodes": {
            "borderWidth": 1,
            "font": {"size": 14, "face": "system-ui, sans-serif", "strokeWidth": 3, "strokeColor": "#ffffff"},
            "scaling": {"label": {"drawThreshold": 7}},
        },
        "edges": {
            "smooth": False,
            "arrows": {"to": {"enabled": False, "scaleFactor": 0.5}},
            "selectionWidth": 2,
            "hoverWidth": 1.5,
        },
        "interaction": {
            "hover": True,
            "tooltipDelay": 100,
            "hideEdgesOnDrag": big,
            "hideEdgesOnZoom": big,
            "navigationButtons": False,
            "keyboard": False,
        },
    }


# ---------------------------------------------------------------------------------------------------------------
# The page


@cache
def _asset(name: str) -> str:
    return files("alliances.web").joinpath(name).read_text(encoding="utf-8")


@cache
def vis_network_js() -> str:
    """vis-network's standalone script, read from the installed pyvis package (so the page needs no CDN)."""
    import pyvis

    path = Path(pyvis.__file__).parent.joinpath(*_VIS_DIR, "vis-network.min.js")
    try:
        return path.read_text(encoding="utf-8")
    except OSError as e:
        raise MapError(f"cannot read vis-network from the pyvis package at {path}: {e}; reinstall pyvis") from e


def _script_safe(text: str) -> str:
    """Text that cannot end the <script> element it sits in."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def json_for_html(data: Any) -> str:
    """JSON that is safe inside any HTML element: <, >, & and the JS line separators escaped as \\uXXXX."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def render_html(net: Any, *, title: str, note: str | None = None, seed: Mapping[str, Any] | None = None) -> str:
    """The page: our template with vis-network, the map script and style inlined, and the map data as JSON.

    `seed` is extra data for the page (e.g. the focus node id, which the page selects when it opens).
    """
    nodes, edges, _heading, _height, _width, options = net.get_network_data()
    kinds_present = sorted({n["kind"] for n in nodes}, key=list(KIND_STYLES).index)
    relations_present = sorted({e["relation"] for e in edges})
    data = {
        "title": title,
        "note": note,
        "nodes": nodes,
        "edges": edges,
        "options": json.loads(options) if isinstance(options, str) else options,
        "kinds": {k: vars(KIND_STYLES[k]) for k in kinds_present},
        "relations": {
            r: {**vars(_relation_style(r)), "dashes": list(_relation_style(r).dashes)} for r in relations_present
        },
        **dict(seed or {}),
    }
    vis_js = _script_safe(vis_network_js())
    map_js = _script_safe(_asset("map.js"))
    csp = (
        "default-src 'none'; "
        f"script-src {_sha256(vis_js)} {_sha256(map_js)}; "
        "style-src 'unsafe-inline'; img-src data: blob:; font-src data:; "
        "connect-src 'none'; frame-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
    )
    values = {
        "CSP": csp,
        "TITLE": _html_text(title),
        "MAP_CSS": _asset("map.css").replace("</", "<\\/"),
        "VIS_JS": vis_js,
        "MAP_JS": map_js,
        "MAP_DATA": json_for_html(data),
    }
    # One pass, so nothing inserted (a name containing "@@MAP_JS@@", say) is ever read as a placeholder.
    return re.sub(r"@@([A-Z_]+)@@", lambda m: values[m.group(1)], _asset("map.html"))


def _html_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# ---------------------------------------------------------------------------------------------------------------


def map_title(G: nx.Graph, *, focus: Hashable | None, depth: int, alliance: Hashable | None) -> str:
    """What the map shows, in words, for its heading."""

    def name(v: Hashable) -> str:
        return str(G.nodes[v].get("label") or v) if v in G else str(v)

    parts = []
    if alliance is not None:
        parts.append(f"{name(alliance)}: members and their other alliances")
    if focus is not None:
        parts.append(f"Neighbourhood of {name(focus)} (depth {depth})")
    return " + ".join(parts) or "The field: organisations, alliances and people"


def build_map(
    G: nx.MultiDiGraph,
    *,
    focus: Hashable | None = None,
    depth: int = DEFAULT_DEPTH,
    alliance: Hashable | None = None,
    relations: Collection[str] | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    title: str | None = None,
    seed: int = 0,
) -> MapResult:
    """The whole way from a graph (graph/network.py's `build_graph`) to a finished page.

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("a", label="Alliancen", kind="alliance"); G.add_node("b", label="BL", kind="housing")
    >>> G.add_edge("b", "a", relation="memberOf", evidence="BL er med i Alliancen.", source="d.txt")
    0
    >>> result = build_map(G)
    >>> result.nodes, result.edges, result.note
    (2, 1, None)
    """
    title = title or map_title(G, focus=focus, depth=depth, alliance=alliance)
    part = select(G, focus=focus, depth=depth, alliance=alliance, relations=relations)
    total_nodes, total_edges = part.number_of_nodes(), part.number_of_edges()
    scores = centrality(part)
    keep = [v for v in (focus, alliance) if v is not None]
    shown, note = reduce(part, max_nodes, keep=keep, scores=scores)
    if shown is not part:
        scores = centrality(shown)
    positions = layout(shown, seed=seed)
    net = to_network(shown, positions, scores=scores)
    ids = {v: i for i, v in enumerate(shown)}
    extra = {"focus": ids.get(focus) if focus is not None else None}
    html = render_html(net, title=title, note=note, seed=extra)
    kinds: dict[str, int] = {}
    for v in shown:
        kinds[_kind_of(shown, v)] = kinds.get(_kind_of(shown, v), 0) + 1
    return MapResult(
        html=html,
        title=title,
        nodes=len(net.nodes),
        edges=len(net.edges),
        statements=shown.number_of_edges(),
        total_nodes=total_nodes,
        total_edges=total_edges,
        note=note,
        kinds=kinds,
    )
