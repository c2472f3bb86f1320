"""Network analytics over alliances: who is central, which alliances overlap, who brokers, which clusters, how
two organisations are connected. NetworkX-style functions: a graph first, plain lists of dicts back.

Why these graphs: organisations × alliances is a bipartite graph (`network.bipartite_graph`). Its organisation
projection is what people picture ("who sits with whom"), but with the sector's skew a few alliances of thousands
of members make that projection explode (~700 M edges at 10^5 organisations), so nothing here materialises it at
scale: measures run on the bipartite graph, and alliance overlaps on the alliances × alliances product of the
sparse membership matrix (small: one row per alliance).

Where networkx is too slow the same function hands the same algorithm to a faster library, never to home-made code:
exact betweenness to rustworkx (Brandes, parallel; ~60x networkx at 10^4 organisations), alliance overlaps to a
scipy sparse product on large graphs (networkx's own bipartite projections on small ones; a test checks that both
agree). On graphs too large for exact betweenness (more than EXACT_BETWEENNESS_WORK node×edge steps) it is
sampled from `k` sources (networkx's `k=`), and each row says so in its `method`.
"""

from __future__ import annotations

import heapq
from collections.abc import Hashable, Iterable, Sequence
from itertools import pairwise
from typing import Any

import networkx as nx
import numpy as np
from networkx.algorithms import bipartite

from alliances.graph.network import NetworkError, alliances, organisation_projection, organisations

__all__ = [
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

EXACT_BETWEENNESS_WORK = 2_000_000_000  # nodes × edges; 10^4 organisations (~3e8) stay exact, 10^5 (~3e10) sample
SAMPLED_BETWEENNESS_WORK = 8_000_000  # k × edges for networkx's sampled betweenness: ~10-40 s in pure Python
MIN_SAMPLE = 16
RUSTWORKX_ABOVE = 2_000  # edges; below this networkx answers before rustworkx has converted the graph
SCIPY_OVERLAP_ABOVE = 5_000  # memberships; above this alliance overlaps come from a sparse product


class NoPath(NetworkError):
    """Two entities the graph does not connect."""


def _row(B: nx.Graph, node: Hashable) -> dict[str, Any]:
    data = B.nodes[node]
    return {"label": data.get("label", str(node)), "iri": node, "kind": data.get("kind")}


def _ranked(rows: list[dict[str, Any]], top: int | None) -> list[dict[str, Any]]:
    for i, row in enumerate(rows, 1):
        row["rank"] = i
    return rows[:top] if top else rows


# ---------------------------------------------------------------- centrality


def centrality(
    B: nx.Graph,
    measure: str = "degree",
    *,
    on: str = "bipartite",
    top: int | None = None,
    k: int | None = None,
    seed: int = 0,
) -> list[dict[str, Any]]:
    """Organisations ranked by `measure` (degree, betweenness, eigenvector or pagerank).

    `on="bipartite"` (default, any size) measures the organisation–alliance graph: degree is networkx's
    bipartite degree centrality (share of all alliances an organisation is in); betweenness counts shortest
    paths through organisations *and* alliances; eigenvector and pagerank treat alliances as the hubs they are
    (the organisations' part of the bipartite eigenvector is the eigenvector of the weighted projection).
    `on="projection"` measures the organisation projection weighted by shared alliances (small graphs only;
    see `network.organisation_projection`). Betweenness is exact up to EXACT_BETWEENNESS_WORK, else sampled
    from `k` sources chosen with `seed` (pass `k` to force sampling); every row's `method` says which.

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
    orgs = organisations(B)
    if on == "bipartite":
        graph = B
    elif on == "projection":
        graph = organisation_projection(B)
    else:
        raise NetworkError(f"centrality is measured on 'bipartite' or 'projection', not {on!r}")
    scores, method = _measure(graph, measure, orgs, k=k, seed=seed, projected=on == "projection")
    if top and len(orgs) > top:  # rows only for the best (and ties at the cut): 10^5 rows cost seconds
        cut = heapq.nlargest(top, (scores.get(o, 0.0) for o in orgs))[-1]
        orgs = [o for o in orgs if scores.get(o, 0.0) >= cut]
    rows = [
        {**_row(B, o), "score": float(scores.get(o, 0.0)), "alliances": B.degree(o), "method": method}
        for o in orgs
    ]
    rows.sort(key=lambda r: (-r["score"], -r["alliances"], r["label"].casefold(), r["iri"]))
    return _ranked(rows, top)


def _measure(
    G: nx.Graph, measure: str, orgs: Sequence[Hashable], *, k: int | None, seed: int, projected: bool
) -> tuple[dict[Hashable, float], str]:
    weight = "weight" if projected else None
    where = "organisation projection" if projected else "organisation–alliance graph"
    if G.number_of_edges() == 0:
        return {}, f"{measure} on the {where} (no edges)"
    if measure == "degree":
        if projected:
            return nx.degree_centrality(G), f"degree centrality on the {where}"
        return bipartite.degree_centrality(G, orgs), f"bipartite degree centrality on the {where}"
    if measure == "pagerank":
        return nx.pagerank(G, weight=weight), f"pagerank on the {where}"
    if measure == "eigenvector":
        return _eigenvector(G, weight, where)
    return _betweenness(G, k=k, seed=seed, where=where)


def _eigenvector(G: nx.Graph, weight: str | None, where: str) -> tuple[dict[Hashable, float], str]:
    """Eigenvector centrality of the largest connected component (it is not defined across components).

    The same computation as `networkx.eigenvector_centrality_numpy` (ARPACK's leading eigenvector of the
    adjacency matrix, unit length, positive), called on scipy's matrix directly: networkx's conversion of a
    subgraph view costs more than the eigenvector itself.
    """
    import scipy.sparse.linalg as splinalg
    from scipy.sparse import csgraph

    nodes = list(G)
    A = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=weight, format="csr").astype(float)
    _count, labels = csgraph.connected_components(A, directed=False)
    giant = np.flatnonzero(labels == np.bincount(labels).argmax())
    note = "" if len(giant) == len(nodes) else f", largest connected component ({len(giant):,} of {len(nodes):,} nodes)"
    if len(giant) < 3:  # ARPACK needs more nodes than eigenvalues asked for; power iteration is instant here
        scores = nx.eigenvector_centrality(G.subgraph(nodes[i] for i in giant), weight=weight, max_iter=1000)
    else:
        _values, vectors = splinalg.eigsh(A[giant][:, giant], k=1, which="LA")
        vector = np.abs(vectors[:, 0])
        vector /= np.linalg.norm(vector)
        scores = {nodes[i]: float(x) for i, x in zip(giant.tolist(), vector.tolist())}
    return scores, f"eigenvector centrality on the {where}{note}"


def _betweenness(G: nx.Graph, *, k: int | None, seed: int, where: str) -> tuple[dict[Hashable, float], str]:
    """Exact (rustworkx on large graphs, networkx on small ones) or sampled from k sources (networkx)."""
    n, m = G.number_of_nodes(), G.number_of_edges()
    if k is None and n * m > EXACT_BETWEENNESS_WORK:
        k = max(MIN_SAMPLE, SAMPLED_BETWEENNESS_WORK // max(m, 1))
    if k is not None and k < n:
        scores = nx.betweenness_centrality(G, k=k, seed=seed)
        return scores, f"betweenness on the {where}, sampled from k={k} of {n:,} sources (seed {seed})"
    if m > RUSTWORKX_ABOVE:
        import rustworkx as rx

        nodes = list(G)
        index = {node: i for i, node in enumerate(nodes)}
        R = rx.PyGraph(multigraph=False)
        R.add_nodes_from(range(len(nodes)))
        R.add_edges_from_no_data([(index[u], index[v]) for u, v in G.edges()])
        raw = rx.graph_betweenness_centrality(R, normalized=True)
        return {nodes[i]: raw[i] for i in raw}, f"exact betweenness on the {where} (rustworkx)"
    return nx.betweenness_centrality(G), f"exact betweenness on the {where}"


# ---------------------------------------------------------------- alliance overlap


def overlap(B: nx.Graph, *, top: int | None = None, method: str = "auto") -> list[dict[str, Any]]:
    """Pairs of alliances ranked by the members they share: the count, then the Jaccard index.

    `method` "networkx" uses networkx's bipartite projections onto the alliances
    (`weighted_projected_graph` and `overlap_weighted_projected_graph(jaccard=True)`), "scipy" the sparse
    product MᵀM of the membership matrix (the same numbers, fast at 10^5 organisations); "auto" picks by size.

    Returns one dict per pair sharing at least one member: rank, alliance_a, alliance_b, shared, jaccard,
    iri_a, iri_b (a before b alphabetically).

    Examples
    --------
    >>> B = nx.Graph([("x", "A"), ("y", "A"), ("x", "B"), ("y", "B"), ("z", "B"), ("z", "C")])
    >>> nx.set_node_attributes(B, {n: int(n.isupper()) for n in B}, "bipartite")
    >>> [(r["iri_a"], r["iri_b"], r["shared"], round(r["jaccard"], 2)) for r in overlap(B)]
    [('A', 'B', 2, 0.67), ('B', 'C', 1, 0.33)]
    """
    if method == "auto":
        method = "scipy" if B.number_of_edges() > SCIPY_OVERLAP_ABOVE else "networkx"
    if method == "networkx":
        pairs = _overlap_networkx(B)
    elif method == "scipy":
        pairs = _overlap_scipy(B)
    else:
        raise NetworkError(f"unknown overlap method {method!r}; use auto, networkx or scipy")
    if top:  # build rows only for the best pairs (and ties at the cut): there may be 10^5 pairs or more
        pairs = list(pairs)
        if len(pairs) > top:
            cut = heapq.nlargest(top, ((p[2], p[3]) for p in pairs))[-1]
            pairs = [p for p in pairs if (p[2], p[3]) >= cut]
    rows = []
    for a, b, shared, jaccard in pairs:
        ra, rb = _row(B, a), _row(B, b)
        if (ra["label"].casefold(), a) > (rb["label"].casefold(), b):
            ra, rb = rb, ra
        rows.append(
            {
                "alliance_a": ra["label"],
                "alliance_b": rb["label"],
                "shared": int(shared),
                "jaccard": float(jaccard),
                "iri_a": ra["iri"],
                "iri_b": rb["iri"],
            }
        )
    rows.sort(key=lambda r: (-r["shared"], -r["jaccard"], r["alliance_a"].casefold(), r["alliance_b"].casefold()))
    return _ranked(rows, top)


def _overlap_networkx(B: nx.Graph) -> Iterable[tuple[Hashable, Hashable, int, float]]:
    groups = alliances(B)
    counts = bipartite.weighted_projected_graph(B, groups)
    jaccard = bipartite.overlap_weighted_projected_graph(B, groups, jaccard=True)
    for a, b, shared in counts.edges(data="weight"):
        yield a, b, shared, jaccard.edges[a, b]["weight"]


def _membership_matrix(B: nx.Graph) -> tuple[list[Hashable], list[Hashable], Any]:
    """Organisations, alliances, and the organisations × alliances 0/1 matrix (scipy CSR, int64)."""
    orgs, groups = organisations(B), alliances(B)
    M = bipartite.biadjacency_matrix(B, row_order=orgs, column_order=groups, weight=None, dtype=np.int64)
    return orgs, groups, M.tocsr()


def _overlap_scipy(B: nx.Graph) -> Iterable[tuple[Hashable, Hashable, int, float]]:
    import scipy.sparse as sp

    _orgs, groups, M = _membership_matrix(B)
    C = sp.triu(M.T @ M, k=1).tocoo()
    sizes = np.asarray(M.sum(axis=0)).ravel()
    jaccard = C.data / (sizes[C.row] + sizes[C.col] - C.data)
    for i, j, shared, jac in zip(C.row.tolist(), C.col.tolist(), C.data.tolist(), jaccard.tolist()):
        yield groups[i], groups[j], shared, jac


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
    orgs, _groups, M = _membership_matrix(B)
    degrees = np.asarray(M.sum(axis=1)).ravel()
    # Alliance pairs sharing exactly one member, and who that member is: with members numbered 1..n, MᵀDM holds
    # the sum of the shared members' numbers, which for a pair sharing one member is that member's number.
    C = (M.T @ M).tocoo()
    numbered = M.multiply(np.arange(1, len(orgs) + 1, dtype=np.int64)[:, None]).tocsr()
    S = (M.T @ numbered).tocsr()
    sole = np.zeros(len(orgs), dtype=np.int64)
    upper = (C.row < C.col) & (C.data == 1)
    if upper.any():
        who = np.asarray(S[C.row[upper], C.col[upper]]).ravel() - 1
        sole = np.bincount(who, minlength=len(orgs))
    rows = []
    for i in np.flatnonzero(degrees >= 2).tolist():
        org = orgs[i]
        names = sorted((B.nodes[g].get("label", str(g)) for g in B[org] if B.nodes[g].get("bipartite") == 1),
                       key=str.casefold)
        d = int(degrees[i])
        rows.append(
            {**_row(B, org), "alliances": d, "pairs": d * (d - 1) // 2, "sole_bridges": int(sole[i]),
             "alliance_names": names}
        )
    rows.sort(key=lambda r: (-r["alliances"], -r["sole_bridges"], r["label"].casefold(), r["iri"]))
    return _ranked(rows, top)


# ---------------------------------------------------------------- communities


def communities(B: nx.Graph, *, resolution: float = 1.0, seed: int = 0) -> list[dict[str, Any]]:
    """Clusters of organisations that work together, with the alliances that hold them together (Louvain).

    Louvain modularity communities (`networkx.community.louvain_communities`, fixed `seed` so runs repeat) of the
    organisation–alliance graph: a community is a set of organisations and the alliances they mostly share.
    Nodes without edges are left out.

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
    connected = B.subgraph(n for n, d in B.degree() if d > 0)
    found = nx.community.louvain_communities(connected, resolution=resolution, seed=seed) if len(connected) else []
    rows: list[dict[str, Any]] = []
    for nodes in found:
        orgs = sorted((_row(B, n)["label"] for n in nodes if B.nodes[n].get("bipartite") == 0), key=str.casefold)
        groups = sorted((_row(B, n)["label"] for n in nodes if B.nodes[n].get("bipartite") == 1), key=str.casefold)
        rows.append(
            {"size": len(nodes), "organisations": len(orgs), "alliances": len(groups),
             "organisation_names": orgs, "alliance_names": groups}
        )
    rows.sort(key=lambda r: (-r["size"], -r["organisations"], [n.casefold() for n in r["alliance_names"]]))
    for i, row in enumerate(rows, 1):
        row["community"] = i
    return [{"community": r.pop("community"), **r} for r in rows]


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
