"""Benchmark: the analytics behind `alliances centrality|overlap|brokers|communities|path`, against the fastest
library for the same algorithm (networkx, rustworkx, igraph, scipy), on generated organisation–alliance graphs.

Not a test: run it by hand or from `make bench`.

    .venv/bin/python bench/analytics.py --out bench-analytics.json            # 10^3 and 10^4 organisations
    .venv/bin/python bench/analytics.py --large --out bench-analytics.json    # also 10^5
    .venv/bin/python bench/analytics.py --sizes 2000 --all                    # also the slow networkx baselines

The graph: n organisations, n/20 alliances, 3n memberships, with the sector's skew (alliance sizes fall off as
1/rank, so a few alliances have thousands of members; organisations' memberships are heavy-tailed, most in one
alliance, a few in dozens). `ours` is the function the command calls (`alliances.graph.analytics`), timed from the
bipartite networkx graph including any conversion it does; the others are the bare library calls on graphs already
in their own format. `ratio` is ours / fastest library for the same algorithm (the bar: <= 2 at 10^4).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from networkx.algorithms import bipartite

from alliances.graph import analytics, network

SAMPLE_K = 256


def generate(n: int, *, seed: int = 0) -> nx.Graph:
    """A bipartite graph of n organisations ("o…", bipartite=0) and n/20 alliances ("A…", bipartite=1)."""
    rng = np.random.default_rng(seed)
    a, m = max(2, n // 20), 3 * n
    p_alliance = 1.0 / np.arange(1, a + 1)
    p_alliance /= p_alliance.sum()
    p_org = rng.pareto(1.5, n) + 1.0
    p_org /= p_org.sum()
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < m:
        need = int((m - len(pairs)) * 1.3) + 16
        orgs = rng.choice(n, size=need, p=p_org)
        groups = rng.choice(a, size=need, p=p_alliance)
        for o, g in zip(orgs.tolist(), groups.tolist()):
            pairs.add((o, g))
            if len(pairs) == m:
                break
    B = nx.Graph()
    B.add_nodes_from((f"o{i}", {"bipartite": 0, "label": f"o{i}", "kind": "ngo"}) for i in range(n))
    B.add_nodes_from((f"A{j}", {"bipartite": 1, "label": f"A{j}", "kind": "alliance"}) for j in range(a))
    B.add_edges_from((f"o{o}", f"A{g}", {"weight": 1, "relations": ("memberOf",)}) for o, g in sorted(pairs))
    return B


def timed(call: Callable[[], Any], repeat: int = 1) -> float:
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


def run_size(n: int, *, slow: bool, seed: int) -> list[dict[str, Any]]:
    import igraph as ig
    import rustworkx as rx

    B = generate(n, seed=seed)
    gc.collect()
    gc.freeze()
    orgs = network.organisations(B)
    groups = network.alliances(B)
    nodes = list(B)
    index = {v: i for i, v in enumerate(nodes)}
    edges = [(index[u], index[v]) for u, v in B.edges()]
    R = rx.PyGraph(multigraph=False)
    R.add_nodes_from(range(len(nodes)))
    R.add_edges_from_no_data(edges)
    D = rx.PyDiGraph()  # rustworkx's pagerank wants a directed graph: both directions of each edge
    D.add_nodes_from(range(len(nodes)))
    D.add_edges_from_no_data(edges + [(v, u) for u, v in edges])
    I = ig.Graph(n=len(nodes), edges=edges)
    G = nx.MultiDiGraph(B)
    M = bipartite.biadjacency_matrix(B, row_order=orgs, column_order=groups, weight=None, dtype=np.int64).tocsr()
    A = nx.to_scipy_sparse_array(B, nodelist=nodes, weight=None, format="csr").astype(float)
    work = B.number_of_nodes() * B.number_of_edges()
    info = {
        "organisations": len(orgs),
        "alliances": len(groups),
        "memberships": B.number_of_edges(),
        "largest_alliance": max(d for _, d in B.degree(groups)),
        "projection_edges_upper_bound": network.projection_size(B),
    }
    print(f"\n== {len(orgs):,} organisations, {len(groups):,} alliances, {B.number_of_edges():,} memberships; "
          f"largest alliance {info['largest_alliance']:,}; projection up to {info['projection_edges_upper_bound']:,} "
          "edges", file=sys.stderr)

    source, target = orgs[0], orgs[-1]
    sample_k = SAMPLE_K if n <= 10_000 else 32  # k=256 at 10^5 takes minutes in networkx
    cases: dict[str, dict[str, Callable[[], Any] | None]] = {
        "degree": {
            "ours": lambda: analytics.centrality(B, "degree"),
            "networkx": lambda: bipartite.degree_centrality(B, orgs),
            "rustworkx": lambda: [R.degree(i) for i in R.node_indices()],
            "igraph": lambda: I.degree(),
            "scipy": lambda: np.asarray(M.sum(axis=1)).ravel() / len(groups),
        },
        "betweenness (exact)": {
            "ours": (lambda: analytics.centrality(B, "betweenness")) if work <= analytics.EXACT_BETWEENNESS_WORK
            else None,
            "networkx": (lambda: nx.betweenness_centrality(B)) if slow or n <= 2_000 else None,
            "rustworkx": (lambda: rx.graph_betweenness_centrality(R)) if work <= 4 * analytics.EXACT_BETWEENNESS_WORK
            else None,
            "igraph": (lambda: I.betweenness()) if slow or work <= analytics.EXACT_BETWEENNESS_WORK else None,
        },
        f"betweenness (sampled, k={sample_k})": {
            "ours": lambda: analytics.centrality(B, "betweenness", k=sample_k),
            "networkx": lambda: nx.betweenness_centrality(B, k=sample_k, seed=0),
        },
        "betweenness (command default)": {
            "ours": lambda: analytics.centrality(B, "betweenness"),
        },
        "pagerank": {
            "ours": lambda: analytics.centrality(B, "pagerank"),
            "networkx": lambda: nx.pagerank(B, weight=None),
            "rustworkx": lambda: rx.pagerank(D),
            "igraph": lambda: I.pagerank(),
        },
        "eigenvector": {
            "ours": lambda: analytics.centrality(B, "eigenvector"),
            "networkx": lambda: nx.eigenvector_centrality_numpy(B.subgraph(max(nx.connected_components(B), key=len))),
            "rustworkx": lambda: rx.eigenvector_centrality(R, max_iter=1000),
            "igraph": lambda: I.eigenvector_centrality(),
            "scipy": lambda: sp.linalg.eigsh(A, k=1, which="LA"),
        },
        "overlap": {
            "ours": lambda: analytics.overlap(B),
            "networkx": (lambda: analytics.overlap(B, method="networkx")) if slow or n <= 10_000 else None,
            "igraph": lambda: _igraph_projection(I, nodes),
            "scipy": lambda: sp.triu(M.T @ M, k=1).tocoo(),
        },
        "brokers": {
            "ours": lambda: analytics.brokers(B),
            "scipy": lambda: _scipy_brokers(M),
        },
        "communities (Louvain)": {
            "ours": lambda: analytics.communities(B),
            "networkx": lambda: nx.community.louvain_communities(B, seed=0),
            "igraph": lambda: I.community_multilevel(),
        },
        "path": {
            "ours": lambda: analytics.path(G, source, target),
            "networkx": lambda: nx.shortest_path(B, source, target),
            "rustworkx": lambda: rx.graph_dijkstra_shortest_paths(R, index[source], target=index[target]),
            "igraph": lambda: I.get_shortest_paths(index[source], to=index[target]),
        },
    }
    rows = []
    for algorithm, calls in cases.items():
        times: dict[str, float | None] = {}
        for library, call in calls.items():
            if call is None:
                times[library] = None
                continue
            try:
                times[library] = timed(call)
            except Exception as e:  # noqa: BLE001 - a library that cannot do it here: say so, keep going
                print(f"   {algorithm} / {library}: {type(e).__name__}: {e}", file=sys.stderr)
                times[library] = None
            print(f"   {algorithm:32} {library:10} {_fmt(times[library])}", file=sys.stderr)
        baseline = [t for lib, t in times.items() if lib != "ours" and t is not None]
        fastest = min(baseline) if baseline else None
        ours = times.get("ours")
        rows.append({
            **info,
            "algorithm": algorithm,
            "times": times,
            "fastest_library": min((t, lib) for lib, t in times.items() if lib != "ours" and t is not None)[1]
            if baseline else None,
            "ratio": (ours / fastest) if ours is not None and fastest else None,
        })
    gc.unfreeze()
    return rows


def _igraph_projection(I: Any, nodes: list[Any]) -> Any:
    I.vs["type"] = [str(v).startswith("A") for v in nodes]
    return I.bipartite_projection(multiplicity=True, which=1)


def _scipy_brokers(M: Any) -> Any:
    C = (M.T @ M).tocoo()
    numbered = M.multiply(np.arange(1, M.shape[0] + 1, dtype=np.int64)[:, None]).tocsr()
    S = (M.T @ numbered).tocsr()
    upper = (C.row < C.col) & (C.data == 1)
    who = np.asarray(S[C.row[upper], C.col[upper]]).ravel() - 1
    return np.bincount(who, minlength=M.shape[0])


def _fmt(t: float | None) -> str:
    if t is None:
        return "-"
    return f"{t * 1000:.1f} ms" if t < 1 else f"{t:.2f} s"


def table(rows: list[dict[str, Any]]) -> str:
    libraries = ["ours", "networkx", "rustworkx", "igraph", "scipy"]
    header = f"{'orgs':>7}  {'algorithm':32}" + "".join(f"{lib:>11}" for lib in libraries) + f"{'ratio':>8}"
    lines = [header, "-" * len(header)]
    for r in rows:
        cells = "".join(f"{_fmt(r['times'].get(lib)):>11}" for lib in libraries)
        ratio = f"{r['ratio']:.2f}" if r["ratio"] is not None else "-"
        lines.append(f"{r['organisations']:>7}  {r['algorithm']:32}{cells}{ratio:>8}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000], help="organisation counts")
    parser.add_argument("--large", action="store_true", help="also 10^5 organisations")
    parser.add_argument("--all", action="store_true", help="also the slow baselines (networkx exact betweenness)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write the results as JSON here")
    args = parser.parse_args(argv)
    sizes = list(args.sizes) + ([100_000] if args.large and 100_000 not in args.sizes else [])
    rows = [row for n in sizes for row in run_size(n, slow=args.all, seed=args.seed)]
    print(table(rows))
    if args.out:
        meta = {"python": platform.python_version(), "machine": platform.machine(), "cpus": _cpus(),
                "networkx": nx.__version__}
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump({"meta": meta, "results": rows}, handle, indent=2)
    return 0


def _cpus() -> int | None:
    import os

    return os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())
