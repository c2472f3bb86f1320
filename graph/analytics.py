"""Network analytics over alliances: who is central, which alliances overlap, who brokers, which clusters, how
two organisations are connected. NetworkX-style functions: a graph first, plain lists of dicts back.

Why these graphs: organisations × alliances is a bipartite graph (`network.bipartite_graph`). Its organisation
projection is what people picture ("who sits with whom"), but with the sector's skew a few alliances of thousands
of members make that projection explode (~700 M edges at 10^5 organisations), so nothing here materialises it at
scale: measures run on the bipartite graph, and alliance overlaps on the alliances × alliances product of the
sparse membership matrix (small: one row per alliance).

networkx is the API; the work goes to the fastest existing library for the same algorithm, never to home-made
code. The graph is converted once (`network.graph_arrays`, cached on the graph) and then:

    degree, overlap, brokers     scipy sparse incidence matrix (degrees, MᵀM)
    pagerank                     igraph (PRPACK)
    eigenvector                  scipy (ARPACK, as networkx.eigenvector_centrality_numpy)
    betweenness, exact           igraph (Brandes); networkx on small graphs
    betweenness, sampled         igraph's subset betweenness from the very sources networkx would sample
                                 (same seed), rescaled as networkx does: the same numbers as networkx's k=
    communities                  igraph's multilevel (Louvain), seeded through igraph's Python RNG
    projection                   scipy (M·Mᵀ), never as a networkx graph

`backend="networkx"` runs networkx's own functions instead (the reference the tests compare against). Scores are
ranked after rounding to 12 decimals, so libraries that differ in the last bits rank ties alike (by alliances,
then label). Betweenness is exact up to EXACT_BETWEENNESS_WORK node×edge steps, else sampled from `k` sources,
and each row says which in its `method`.
"""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
from networkx.algorithms import bipartite

from alliances.graph.network import (
    GraphArrays,
    NetworkError,
    ProjectionTooLarge,
    alliances,
    graph_arrays,
    organisation_projection,
    organisations,
)

__all__ = [
    "BACKENDS",
    "EXACT_BETWEENNESS_WORK",
    "MEASURES",
    "NoPath",
    "brokers",
    "centrality",
    "communities",
    "overlap",
    "path",
    "shared_members",
]

MEASURES: tuple[str, ...] = ("degree", "betweenness", "eigenvector", "pagerank")
BACKENDS: tuple[str, ...] = ("auto", "networkx")

EXACT_BETWEENNESS_WORK = 2_000_000_000  # nodes × edges; 10^4 organisations (~3e8) stay exact, 10^5 (~3e10) sample
SAMPLED_BETWEENNESS_WORK = 300_000_000  # k × edges for igraph's subset betweenness: ~10 s
MIN_SAMPLE = 16
IGRAPH_ABOVE = 2_000  # edges; exact betweenness below this is networkx's (instant, and the reference)
SCIPY_PROJECTION_EDGES = 50_000_000  # bound (sum of C(members, 2)); 10^4 organisations ~1e7 (~1e6 real edges)
DECIMALS = 12  # scores are ranked rounded to this, so float noise between libraries does not reorder ties
_PROJECTION_KEY = "alliances.projection"


class NoPath(NetworkError):
    """Two entities the graph does not connect."""


def _row(B: nx.Graph, node: Hashable) -> dict[str, Any]:
    data = B.nodes[node]
    return {"label": data.get("label", str(node)), "iri": node, "kind": data.get("kind")}


def _ranked(rows: list[dict[str, Any]], top: int | None) -> list[dict[str, Any]]:
    for i, row in enumerate(rows, 1):
        row["rank"] = i
    return rows[:top] if top else rows


def _leaders(keys: Sequence[np.ndarray], top: int | None) -> np.ndarray:
    """Positions whose keys (compared left to right, larger is better) are among the `top` best, with every tie
    at the cut: rows are built, and labels compared, only for these."""
    size = len(keys[0]) if keys else 0
    if not top or size <= top:
        return np.arange(size)
    first = np.asarray(keys[0])
    near = np.flatnonzero(first >= np.partition(first, size - top)[size - top])  # the top on the first key, and ties
    keys = [np.asarray(key)[near] for key in keys]
    cut = np.lexsort(tuple(-key for key in reversed(keys)))[top - 1]
    better, same = np.zeros(len(near), dtype=bool), np.ones(len(near), dtype=bool)
    for key in keys:
        better |= same & (key > key[cut])
        same &= key == key[cut]
    return near[better | same]


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise NetworkError(f"unknown backend {backend!r}; use one of {', '.join(BACKENDS)}")


_CONTROLLER: list[Any] = []


@contextmanager
def _single_threaded() -> Iterator[None]:
    """Run the libraries' OpenMP (igraph's PRPACK) and BLAS (ARPACK) on one thread for the call.

    Why: their worker threads spin while they wait; on a machine with other work (CI, a shared server) that made
    igraph's PageRank 30x slower in wall time and 10x in CPU time, and at these sizes threads win nothing.
    Uses threadpoolctl when it is installed; without it the call runs as the libraries like.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        yield
        return
    if not _CONTROLLER:
        import igraph  # noqa: F401 - load its OpenMP runtime before the controller looks for runtimes
        import scipy.sparse.linalg  # noqa: F401 - and scipy's BLAS

        _CONTROLLER.append(ThreadpoolController())
    with _CONTROLLER[0].limit(limits=1, user_api=None):
        yield


@contextmanager
def _igraph_seeded(seed: int) -> Iterator[None]:
    """igraph draws from Python's `random` module; give it its own seeded generator for one call."""
    import igraph as ig

    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


# ---------------------------------------------------------------- centrality


def centrality(
    B: nx.Graph,
    measure: str = "degree",
    *,
    on: str = "bipartite",
    top: int | None = None,
    k: int | None = None,
    seed: int = 0,
    backend: str = "auto",
) -> list[dict[str, Any]]:
    """Organisations ranked by `measure` (degree, betweenness, eigenvector or pagerank).

    `on="bipartite"` (default, any size) measures the organisation–alliance graph: degree is networkx's
    bipartite degree centrality (share of all alliances an organisation is in); betweenness counts shortest
    paths through organisations *and* alliances; eigenvector and pagerank treat alliances as the hubs they are
    (the organisations' part of the bipartite eigenvector is the eigenvector of the weighted projection).
    `on="projection"` measures the organisation projection weighted by shared alliances (refused with
    `ProjectionTooLarge` when it could exceed SCIPY_PROJECTION_EDGES edges). Betweenness is exact up to
    EXACT_BETWEENNESS_WORK, else sampled from `k` sources chosen with `seed` as networkx chooses them (pass `k`
    to force sampling); every row's `method` says which. `backend="networkx"` computes with networkx itself.

    Returns one dict per organisation, best first: rank, label, iri, kind, score, alliances, method.

    Examples
    --------
    x is in both alliances, so it is on every path between y and z:

    >>> B = nx.Graph([("x", "A"), ("x", "B"), ("y", "A"), ("z", "B")])
    >>> nx.set_node_attributes(B, {"x": 0, "y": 0, "z": 0, "A": 1, "B": 1}, "bipartite")
    >>> [(r["iri"], round(r["score"], 2)) for r in centrality(B, "betweenness")]
    [('x', 0.67), ('y', 0.0), ('z', 0.0)]
    >>> [(r["iri"], r["score"]) for r in centrality(B, "degree", top=1)]
    [('x', 1.0)]
    """
    if measure not in MEASURES:
        raise NetworkError(f"unknown centrality measure {measure!r}; use one of {', '.join(MEASURES)}")
    if on not in ("bipartite", "projection"):
        raise NetworkError(f"centrality is measured on 'bipartite' or 'projection', not {on!r}")
    _check_backend(backend)
    if k is not None and k < 2:
        raise NetworkError(f"sampled betweenness needs k of at least 2 sources, not {k}")
    arrays = graph_arrays(B)
    orgs = arrays.organisation_positions
    if backend == "networkx":
        scored, method = _measure_networkx(B, measure, on, k=k, seed=seed)
        scores = np.array([scored.get(arrays.nodes[i], 0.0) for i in orgs.tolist()], dtype=float)
    else:
        with _single_threaded():
            scores, method = _measure_fast(B, arrays, measure, on, k=k, seed=seed)
    degrees = arrays.degree[orgs]
    rounded = np.round(scores, DECIMALS)
    rows = []
    for i in _leaders((rounded, degrees), top).tolist():
        node = arrays.nodes[orgs[i]]
        rows.append({**_row(B, node), "score": float(scores[i]), "alliances": int(degrees[i]), "method": method,
                     "_key": rounded[i]})
    rows.sort(key=lambda r: (-r["_key"], -r["alliances"], r["label"].casefold(), str(r["iri"])))
    for row in rows:
        del row["_key"]
    return _ranked(rows, top)


def _where(on: str) -> str:
    return "organisation projection" if on == "projection" else "organisation–alliance graph"


def _measure_networkx(
    B: nx.Graph, measure: str, on: str, *, k: int | None, seed: int
) -> tuple[dict[Hashable, float], str]:
    """The reference: networkx's own functions (on the networkx projection for `on="projection"`)."""
    projected = on == "projection"
    G = organisation_projection(B) if projected else B
    weight = "weight" if projected else None
    where = _where(on)
    if G.number_of_edges() == 0:
        return {}, f"{measure} on the {where} (no edges)"
    if measure == "degree":
        if projected:
            return nx.degree_centrality(G), f"degree centrality on the {where} (networkx)"
        return bipartite.degree_centrality(G, organisations(G)), f"bipartite degree centrality on the {where} (networkx)"
    if measure == "pagerank":
        return nx.pagerank(G, weight=weight), f"pagerank on the {where} (networkx)"
    if measure == "eigenvector":
        giant = G.subgraph(max(nx.connected_components(G), key=len))
        return nx.eigenvector_centrality_numpy(giant, weight=weight), f"eigenvector centrality on the {where} (networkx)"
    n = G.number_of_nodes()
    k = _default_k(n, G.number_of_edges(), k)
    if k is not None and k < n:
        return (nx.betweenness_centrality(G, k=k, seed=seed),
                f"betweenness on the {where}, sampled from k={k} of {n:,} sources (seed {seed}) with networkx")
    return nx.betweenness_centrality(G), f"exact betweenness on the {where} (networkx)"


def _default_k(n: int, m: int, k: int | None) -> int | None:
    if k is None and n * m > EXACT_BETWEENNESS_WORK:
        return max(MIN_SAMPLE, SAMPLED_BETWEENNESS_WORK // max(m, 1))
    return k


def _measure_fast(
    B: nx.Graph, arrays: GraphArrays, measure: str, on: str, *, k: int | None, seed: int
) -> tuple[np.ndarray, str]:
    """Scores of the organisations (in the order of `arrays.organisation_positions`) from scipy and igraph."""
    orgs = arrays.organisation_positions
    where = _where(on)
    if on == "projection":
        graph = _projection_arrays(B, arrays)  # nodes: the organisations, sorted (networkx's projection order)
        at = np.array([graph.index[arrays.nodes[i]] for i in orgs.tolist()], dtype=np.int64)
        weighted = True
    else:
        graph, at, weighted = arrays, orgs, False
    if graph.m == 0:
        return np.zeros(len(orgs)), f"{measure} on the {where} (no edges)"
    if measure == "degree":
        if on == "projection":  # networkx.degree_centrality: neighbours / (n - 1)
            return graph.degree[at] * (1.0 / max(graph.n - 1, 1)), f"degree centrality on the {where} (scipy)"
        groups = len(arrays.alliance_positions)  # networkx.bipartite.degree_centrality: degree / other side
        return (arrays.degree[orgs] * (1.0 / groups) if groups else np.zeros(len(orgs)),
                f"bipartite degree centrality on the {where} (scipy)")
    if measure == "pagerank":
        values = graph.igraph.pagerank(directed=False, damping=0.85, weights="weight" if weighted else None)
        return np.asarray(values)[at], f"pagerank on the {where} (igraph)"
    if measure == "eigenvector":
        values, note = _eigenvector(graph, weighted)
        return values[at], f"eigenvector centrality on the {where}{note} (scipy)"
    values, method = _betweenness(graph, k=k, seed=seed, where=where)
    return values[at], method


def _eigenvector(graph: GraphArrays, weighted: bool) -> tuple[np.ndarray, str]:
    """Eigenvector centrality of the largest connected component (it is not defined across components).

    What `networkx.eigenvector_centrality_numpy` computes (ARPACK's leading eigenvector of the adjacency
    matrix, unit length, positive), called on the cached scipy matrix.
    """
    import scipy.sparse.linalg as splinalg

    giant, A = graph.giant_adjacency(weighted)
    note = "" if len(giant) == graph.n else f", largest connected component ({len(giant):,} of {graph.n:,} nodes)"
    if len(giant) < 3:  # ARPACK needs more nodes than eigenvalues asked for; a dense solve is instant here
        _values, vectors = np.linalg.eigh(A.toarray())
        vector = vectors[:, -1]
    else:
        _values, vectors = splinalg.eigsh(A, k=1, which="LA")
        vector = vectors[:, 0]
    vector = np.abs(vector) / np.linalg.norm(vector)
    scores = np.zeros(graph.n)
    scores[giant] = vector
    return scores, note


def _betweenness(graph: GraphArrays, *, k: int | None, seed: int, where: str) -> tuple[np.ndarray, str]:
    """Exact (igraph; networkx on small graphs) or sampled from k sources (igraph).

    Sampling draws the sources exactly as `networkx.betweenness_centrality(G, k, seed=seed)` does
    (``random.Random(seed).sample(list(G), k)``), has igraph count the shortest paths from them to every node
    (subset betweenness, which halves counts on undirected graphs), and rescales as networkx does (sources by
    1/((k-1)(n-2)), the rest by 1/(k(n-2))): the same estimate, at C speed.
    """
    n, m = graph.n, graph.m
    k = _default_k(n, m, k)
    if k is not None and k < n:
        sources = random.Random(seed).sample(range(n), k)  # = sample(list(G), k): same draws, same positions
        values = _sampled_betweenness(graph, sources)
        return values, f"betweenness on the {where}, sampled from k={k} of {n:,} sources (seed {seed}) with igraph"
    if m > IGRAPH_ABOVE:  # igraph's Brandes: as fast as rustworkx's parallel one on 2 cores, at half the CPU
        raw = np.asarray(graph.igraph.betweenness(directed=False), dtype=float)  # unordered pairs
        return raw * (2.0 / ((n - 1) * (n - 2)) if n > 2 else 1.0), f"exact betweenness on the {where} (igraph)"
    G = nx.Graph()
    G.add_nodes_from(range(n))
    G.add_edges_from(graph.edges.tolist())
    scores = nx.betweenness_centrality(G)
    return np.array([scores[i] for i in range(n)]), f"exact betweenness on the {where} (networkx)"


def _sampled_betweenness(graph: GraphArrays, sources: Sequence[int]) -> np.ndarray:
    """networkx's sampled estimate from these sources: igraph's subset betweenness (all targets) rescaled."""
    n, k = graph.n, len(sources)
    raw = np.asarray(graph.igraph.betweenness(directed=False, sources=list(sources)), dtype=float) * 2.0
    N = n - 1  # pairs (s, t) with v not t
    if N < 2:
        return raw
    scale = np.full(n, 1.0 / (k * (N - 1)))
    scale[list(sources)] = 1.0 / ((k - 1) * (N - 1))  # a source is never its own middle: one source fewer
    return raw * scale


def _projection_arrays(B: nx.Graph, arrays: GraphArrays) -> GraphArrays:
    """The organisation projection as arrays (scipy M·Mᵀ, weight = shared alliances), cached on B.

    The same graph as `network.organisation_projection(B)` (nodes: the organisations, sorted), without a
    networkx graph in between, so it may be larger: refused when it could exceed SCIPY_PROJECTION_EDGES.
    """
    cache = None if hasattr(B, "_graph") else getattr(B, "__networkx_cache__", None)
    if cache is not None and _PROJECTION_KEY in cache:
        return cache[_PROJECTION_KEY]
    import scipy.sparse as sp

    members = np.asarray(arrays.incidence.sum(axis=0)).ravel()
    bound = int((members * (members - 1) // 2).sum())
    if bound > SCIPY_PROJECTION_EDGES:
        raise ProjectionTooLarge(
            f"the organisation projection would have up to {bound:,} edges (limit {SCIPY_PROJECTION_EDGES:,}); "
            "measure the organisation–alliance graph instead (on='bipartite')"
        )
    nodes = organisations(B)
    row_of = np.full(arrays.n, -1, dtype=np.int64)
    row_of[arrays.organisation_positions] = np.arange(len(arrays.organisation_positions))
    M = arrays.incidence[row_of[[arrays.index[o] for o in nodes]]] if nodes else arrays.incidence
    P = sp.triu(M @ M.T, k=1).tocoo()
    edges = np.column_stack([P.row, P.col]).astype(np.int64)
    projected = GraphArrays(nodes, edges, np.zeros(len(nodes), dtype=np.int8), P.data.astype(np.float64))
    if cache is not None:
        cache[_PROJECTION_KEY] = projected
    return projected


# ---------------------------------------------------------------- alliance overlap


def overlap(B: nx.Graph, *, top: int | None = None, method: str = "auto") -> list[dict[str, Any]]:
    """Pairs of alliances ranked by the members they share: the count, then the Jaccard index.

    `method` "networkx" uses networkx's bipartite projections onto the alliances
    (`weighted_projected_graph` and `overlap_weighted_projected_graph(jaccard=True)`), "scipy" (and "auto") the
    sparse product MᵀM of the membership matrix: the same numbers, in milliseconds at 10^5 organisations.

    Returns one dict per pair sharing at least one member: rank, alliance_a, alliance_b, shared, jaccard,
    iri_a, iri_b (a before b alphabetically).

    Examples
    --------
    >>> B = nx.Graph([("x", "A"), ("y", "A"), ("x", "B"), ("y", "B"), ("z", "B"), ("z", "C")])
    >>> nx.set_node_attributes(B, {n: int(n.isupper()) for n in B}, "bipartite")
    >>> [(r["iri_a"], r["iri_b"], r["shared"], round(r["jaccard"], 2)) for r in overlap(B)]
    [('A', 'B', 2, 0.67), ('B', 'C', 1, 0.33)]
    """
    if method == "networkx":
        groups, a, b, shared, jaccard = _overlap_networkx(B)
    elif method in ("auto", "scipy"):
        groups, a, b, shared, jaccard = _overlap_scipy(B)
    else:
        raise NetworkError(f"unknown overlap method {method!r}; use auto, networkx or scipy")
    rows = []
    for i in _leaders((shared, jaccard), top).tolist():  # rows only for the best pairs: there may be 10^5 or more
        ra, rb = _row(B, groups[a[i]]), _row(B, groups[b[i]])
        if (ra["label"].casefold(), str(ra["iri"])) > (rb["label"].casefold(), str(rb["iri"])):
            ra, rb = rb, ra
        rows.append(
            {
                "alliance_a": ra["label"],
                "alliance_b": rb["label"],
                "shared": int(shared[i]),
                "jaccard": float(jaccard[i]),
                "iri_a": ra["iri"],
                "iri_b": rb["iri"],
            }
        )
    rows.sort(key=lambda r: (-r["shared"], -r["jaccard"], r["alliance_a"].casefold(), r["alliance_b"].casefold(),
                             str(r["iri_a"]), str(r["iri_b"])))
    return _ranked(rows, top)


_Pairs = tuple[list[Hashable], np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # alliances; a, b, shared, jaccard


def _overlap_networkx(B: nx.Graph) -> _Pairs:
    groups = alliances(B)
    counts = bipartite.weighted_projected_graph(B, groups)
    jaccard = bipartite.overlap_weighted_projected_graph(B, groups, jaccard=True)
    at = {g: i for i, g in enumerate(groups)}
    pairs = list(counts.edges(data="weight"))
    return (
        groups,
        np.array([at[a] for a, _, _ in pairs], dtype=np.int64),
        np.array([at[b] for _, b, _ in pairs], dtype=np.int64),
        np.array([w for _, _, w in pairs], dtype=np.int64),
        np.array([jaccard.edges[a, b]["weight"] for a, b, _ in pairs], dtype=float),
    )


def _overlap_scipy(B: nx.Graph) -> _Pairs:
    import scipy.sparse as sp

    arrays = graph_arrays(B)
    M = arrays.incidence
    C = sp.triu(M.T @ M, k=1).tocoo()
    sizes = np.asarray(M.sum(axis=0)).ravel()
    jaccard = C.data / (sizes[C.row] + sizes[C.col] - C.data)
    groups = [arrays.nodes[i] for i in arrays.alliance_positions.tolist()]
    return groups, C.row, C.col, C.data, jaccard


def shared_members(G: nx.MultiDiGraph, a: Hashable, b: Hashable) -> list[dict[str, Any]]:
    """The organisations that are members of both alliances `a` and `b`, each with the statements that say so.

    `G` is the evidence graph (`network.build_graph`). Returns one dict per organisation, by label: label, iri,
    kind, and sources: [{alliance, source, evidence, confidence}].

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edges_from([("x", "A", {"relation": "memberOf", "evidence": "x er med i A"}),
    ...                   ("x", "B", {"relation": "memberOf", "evidence": "x og y i B"}),
    ...                   ("y", "B", {"relation": "memberOf"}), ("y", "A", {"relation": "funds"})])
    [0, 0, 0, 0]
    >>> [(r["iri"], [s["evidence"] for s in r["sources"]]) for r in shared_members(G, "A", "B")]
    [('x', ['x er med i A', 'x og y i B'])]
    """
    for node in (a, b):
        if node not in G:
            raise NetworkError(f"{node} is not in the graph")

    def members(alliance: Hashable) -> dict[Hashable, list[dict[str, Any]]]:
        out: dict[Hashable, list[dict[str, Any]]] = {}
        for org, _, data in G.in_edges(alliance, data=True):
            if data.get("relation") == "memberOf":
                out.setdefault(org, []).append(
                    {
                        "alliance": G.nodes[alliance].get("label", str(alliance)),
                        "source": data.get("source"),
                        "evidence": data.get("evidence"),
                        "confidence": data.get("confidence"),
                    }
                )
        return out

    in_a, in_b = members(a), members(b)
    rows = [{**_row(G, org), "sources": in_a[org] + in_b[org]} for org in in_a.keys() & in_b.keys()]
    rows.sort(key=lambda r: (r["label"].casefold(), r["iri"]))
    return rows


# ---------------------------------------------------------------- brokers


def brokers(B: nx.Graph, *, top: int | None = None) -> list[dict[str, Any]]:
    """Organisations that bridge alliances: members of two or more, most alliances first.

    `pairs` is the number of alliance pairs an organisation links (every two of its alliances); `sole_bridges`
    those pairs it alone links (no other organisation is in both), the ones that would drift apart without it.
    Computed from the sparse membership matrix M (scipy): MᵀM counts shared members per alliance pair.

    Returns one dict per organisation in at least two alliances: rank, label, iri, kind, alliances, pairs,
    sole_bridges, alliance_names.

    Examples
    --------
    x alone links A and C; x and y both link A and B:

    >>> B = nx.Graph([("x", "A"), ("x", "B"), ("x", "C"), ("y", "A"), ("y", "B"), ("z", "C")])
    >>> nx.set_node_attributes(B, {n: int(n.isupper()) for n in B}, "bipartite")
    >>> [(r["iri"], r["alliances"], r["pairs"], r["sole_bridges"]) for r in brokers(B)]
    [('x', 3, 3, 2), ('y', 2, 1, 0)]
    """
    arrays = graph_arrays(B)
    M = arrays.incidence
    n = M.shape[0]
    degrees = np.asarray(M.sum(axis=1)).ravel()
    # Alliance pairs sharing exactly one member, and who that member is: with members numbered 1..n, MᵀDM holds
    # the sum of the shared members' numbers, which for a pair sharing one member is that member's number.
    C = (M.T @ M).tocoo()
    numbered = M.multiply(np.arange(1, n + 1, dtype=np.int64)[:, None]).tocsr()
    S = (M.T @ numbered).tocsr()
    sole = np.zeros(n, dtype=np.int64)
    upper = (C.row < C.col) & (C.data == 1)
    if upper.any():
        who = np.asarray(S[C.row[upper], C.col[upper]]).ravel() - 1
        sole = np.bincount(who, minlength=n)
    candidates = np.flatnonzero(degrees >= 2)
    rows = []
    for i in candidates[_leaders((degrees[candidates], sole[candidates]), top)].tolist():
        org = arrays.nodes[arrays.organisation_positions[i]]
        names = sorted((B.nodes[g].get("label", str(g)) for g in B[org] if B.nodes[g].get("bipartite") == 1),
                       key=str.casefold)
        d = int(degrees[i])
        rows.append(
            {**_row(B, org), "alliances": d, "pairs": d * (d - 1) // 2, "sole_bridges": int(sole[i]),
             "alliance_names": names}
        )
    rows.sort(key=lambda r: (-r["alliances"], -r["sole_bridges"], r["label"].casefold(), str(r["iri"])))
    return _ranked(rows, top)


# ---------------------------------------------------------------- communities


def communities(B: nx.Graph, *, resolution: float = 1.0, seed: int = 0, backend: str = "auto") -> list[dict[str, Any]]:
    """Clusters of organisations that work together, with the alliances that hold them together (Louvain).

    Louvain modularity communities of the organisation–alliance graph, weighted by statements (``weight``): a
    community is a set of organisations and the alliances they mostly share. Nodes without edges are left out.
    Computed by igraph's `community_multilevel` with its random choices drawn from `seed`, so runs repeat;
    `backend="networkx"` uses `networkx.community.louvain_communities(seed=seed)` (same method, other draws).

    Returns one dict per community, largest first: community (1, 2, …), size, organisations, alliances,
    organisation_names, alliance_names.

    Examples
    --------
    Two alliances with no member in common make two communities:

    >>> B = nx.Graph([("x", "A"), ("y", "A"), ("z", "B"), ("w", "B"), ("v", "B")])
    >>> nx.set_node_attributes(B, {n: int(n.isupper()) for n in B}, "bipartite")
    >>> [(r["alliance_names"], r["organisation_names"]) for r in communities(B)]
    [(['B'], ['v', 'w', 'z']), (['A'], ['x', 'y'])]
    """
    _check_backend(backend)
    if backend == "networkx":
        connected = B.subgraph(n for n, d in B.degree() if d > 0)
        found: Iterable[Iterable[Hashable]] = (
            nx.community.louvain_communities(connected, resolution=resolution, seed=seed) if len(connected) else []
        )
    else:
        found = _louvain_igraph(graph_arrays(B), resolution=resolution, seed=seed)
    rows: list[dict[str, Any]] = []
    for nodes in found:
        nodes = list(nodes)
        orgs = sorted((_row(B, n)["label"] for n in nodes if B.nodes[n].get("bipartite") == 0), key=str.casefold)
        groups = sorted((_row(B, n)["label"] for n in nodes if B.nodes[n].get("bipartite") == 1), key=str.casefold)
        rows.append(
            {"size": len(nodes), "organisations": len(orgs), "alliances": len(groups),
             "organisation_names": orgs, "alliance_names": groups}
        )
    rows.sort(key=lambda r: (-r["size"], -r["organisations"], [n.casefold() for n in r["alliance_names"]],
                             [n.casefold() for n in r["organisation_names"]]))
    for i, row in enumerate(rows, 1):
        row["community"] = i
    return [{"community": r.pop("community"), **r} for r in rows]


def _louvain_igraph(arrays: GraphArrays, *, resolution: float, seed: int) -> list[list[Hashable]]:
    if arrays.m == 0:
        return []
    with _igraph_seeded(seed), _single_threaded():
        membership = np.asarray(
            arrays.igraph.community_multilevel(weights="weight", resolution=resolution).membership
        )
    connected = np.flatnonzero(arrays.degree > 0)  # an isolated node is a community of its own: leave it out
    order = connected[np.argsort(membership[connected], kind="stable")]
    cuts = np.flatnonzero(np.diff(membership[order])) + 1
    return [[arrays.nodes[i] for i in part.tolist()] for part in np.split(order, cuts)]


# ---------------------------------------------------------------- path


def path(G: nx.MultiDiGraph, source: Hashable, target: Hashable) -> list[dict[str, Any]]:
    """How two entities are connected: a shortest chain of statements, each hop with its evidence.

    Directions are ignored to find the chain (a funder and a member of the same alliance are connected) and
    shown in each hop: `direction` is "->" when the statement reads from → to, "<-" when it reads to → from.

    Returns one dict per hop and relation: step, from, relation, direction, to, from_iri, to_iri, and
    sources: [{source, document, evidence, confidence}]. Raises NoPath when nothing connects them.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edges_from([("x", "A", {"relation": "memberOf", "evidence": "x er med i A", "source": "a.txt"}),
    ...                   ("F", "A", {"relation": "funds", "evidence": "F støtter A", "source": "b.txt"})])
    [0, 0]
    >>> [(r["from"], r["direction"], r["relation"], r["to"]) for r in path(G, "x", "F")]
    [('x', '->', 'memberOf', 'A'), ('A', '<-', 'funds', 'F')]
    """
    for node in (source, target):
        if node not in G:
            raise NetworkError(f"{node} is not in the graph")
    try:
        nodes = nx.shortest_path(G.to_undirected(as_view=True), source, target)
    except nx.NetworkXNoPath as e:
        a, b = G.nodes[source].get("label", source), G.nodes[target].get("label", target)
        raise NoPath(f"no chain of statements connects {a} and {b}") from e
    rows: list[dict[str, Any]] = []
    for step, (u, v) in enumerate(pairwise(nodes), 1):
        hops: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for a, b, direction in ((u, v, "->"), (v, u, "<-")):
            for data in (G.get_edge_data(a, b) or {}).values():
                sources = hops.setdefault((str(data.get("relation")), direction), [])
                sources.append(
                    {
                        "source": data.get("source"),
                        "document": data.get("document"),
                        "evidence": data.get("evidence"),
                        "confidence": data.get("confidence"),
                    }
                )
        for (relation, direction), sources in sorted(hops.items()):
            rows.append(
                {
                    "step": step,
                    "from": G.nodes[u].get("label", str(u)),
                    "relation": relation,
                    "direction": direction,
                    "to": G.nodes[v].get("label", str(v)),
                    "from_iri": u,
                    "to_iri": v,
                    "sources": sources,
                }
            )
    return rows
