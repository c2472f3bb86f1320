"""Measure the interactive maps: generation time by size, page size, and how long chromium takes to draw.

Run: .venv/bin/python bench/maps.py [--sizes 1000,10000,100000] [--draw 1000,5000] [--big 20000] [--keep DIR]

- Generation: `build_map` on a synthetic field of N organisations (the sector's shape, as bench/generate.py models
  it: power-law alliance sizes, organisations in 1-5 alliances, funders, facilitators, founders, partners, people
  with posts; every edge with a sentence and a source), with the default reduction to 5,000 nodes, split into its
  steps (select + centrality, reduce, layout, pyvis network, page).
- `--big`: the same with no reduction at that many nodes (the bar: < 10 s including the layout).
- Draw: opens maps of about that many nodes in headless Debian chromium with the network blocked and reports the
  time from navigation start to vis-network's first drawing (the bar: <= 2 s at 5,000 nodes).
Prints a Markdown table; nothing here is a test. Not run by CI.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx

from alliances.graph import maps

T = TypeVar("T")
CHROMIUM = os.environ.get("ALLIANCES_CHROMIUM", "/usr/bin/chromium")
KINDS = ("ngo", "ngo", "ngo", "housing", "public", "company", "organisation")


def field(n_orgs: int, seed: int = 1) -> nx.MultiDiGraph:
    """A synthetic field of `n_orgs` organisations with the attributes graph/network.py writes."""
    rng = random.Random(seed)
    G = nx.MultiDiGraph()
    n_alliances = max(3, n_orgs // 20)
    n_funders = max(2, n_orgs // 50)
    alliances = [f"https://w3id.org/alliances/id/alliance/a{i}" for i in range(n_alliances)]
    funders = [f"https://w3id.org/alliances/id/org/f{i}" for i in range(n_funders)]
    orgs = [f"https://w3id.org/alliances/id/org/o{i}" for i in range(n_orgs - n_funders)]
    for i, a in enumerate(alliances):
        G.add_node(a, label=f"Alliancen for fællesskab {i}", kind="alliance")
    for i, f in enumerate(funders):
        G.add_node(f, label=f"Fonden for socialt arbejde {i}", kind="foundation")
    for i, o in enumerate(orgs):
        G.add_node(o, label=f"Foreningen Fællesskab {i}", kind=rng.choice(KINDS))
    weights = [1.0 / (r + 1) for r in range(n_alliances)]  # alliance sizes follow a power law

    def edge(s: str, o: str, relation: str, **extra: Any) -> None:
        doc = rng.randrange(max(1, n_orgs // 3))
        sentence = f"{G.nodes[s]['label']} og {G.nodes[o]['label']}: {relation} ifølge dokument {doc}."
        G.add_edge(
            s,
            o,
            relation=relation,
            evidence=sentence,
            source=f"corpus/da/doc{doc}.txt",
            document=f"https://w3id.org/alliances/doc/d{doc}",
            confidence=round(rng.uniform(0.6, 0.95), 2),
            **extra,
        )

    for o in orgs:
        k = rng.choices((1, 2, 3, 4, 5), weights=(45, 25, 15, 10, 5))[0]
        for a in set(rng.choices(alliances, weights=weights, k=k)):
            edge(o, a, "memberOf")
        if rng.random() < 0.05:
            edge(o, rng.choice(orgs), "partnerOf")
    for a in alliances:
        edge(a, rng.choice(orgs), "facilitatedBy")
        if rng.random() < 0.5:
            edge(a, rng.choice(orgs), "foundedBy")
        if rng.random() < 0.7:
            edge(rng.choice(funders), a, "funds", amount=float(rng.randrange(1, 50) * 100_000), currency="DKK")
    for f in funders:
        for o in rng.sample(orgs, min(len(orgs), 5)):
            edge(f, o, "funds", amount=float(rng.randrange(1, 20) * 50_000), currency="DKK")
    for i in range(n_orgs // 10):
        person = f"https://w3id.org/alliances/id/person/p{i}"
        G.add_node(person, label=f"Person {i}", kind="person")
        edge(person, rng.choice(orgs), "postIn", role="formand")
    return G


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def generation(G: nx.MultiDiGraph, max_nodes: int) -> dict[str, Any]:
    """build_map's steps, timed one by one (the same calls build_map makes)."""
    row: dict[str, Any] = {"nodes in": G.number_of_nodes(), "edges in": G.number_of_edges()}
    t_sel, part = timed(lambda: maps.select(G))
    t_cent, scores = timed(lambda: maps.centrality(part))
    t_red, (shown, note) = timed(lambda: maps.reduce(part, max_nodes, scores=scores))
    if shown is not part:
        t_cent2, scores = timed(lambda: maps.centrality(shown))
        t_cent += t_cent2
    t_lay, positions = timed(lambda: maps.layout(shown))
    t_net, net = timed(lambda: maps.to_network(shown, positions, scores=scores))
    t_page, html = timed(lambda: maps.render_html(net, title="bench", note=note))
    row.update(
        {
            "nodes drawn": len(net.nodes),
            "edges drawn": len(net.edges),
            "centrality s": t_sel + t_cent,
            "reduce s": t_red,
            "layout s": t_lay,
            "network s": t_net,
            "page s": t_page,
            "total s": t_sel + t_cent + t_red + t_lay + t_net + t_page,
            "HTML MB": len(html.encode("utf-8")) / 1e6,
        }
    )
    row["_html"] = html
    return row


def draw_times(pages: dict[int, str], repeats: int = 3) -> dict[int, float]:
    """Median ms from navigation start to vis-network's first drawing, per page, in headless chromium offline."""
    from playwright.sync_api import sync_playwright

    out: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--host-resolver-rules=MAP * ~NOTFOUND"]
        )
        for n, html in pages.items():
            path = Path(tmp) / f"map{n}.html"
            path.write_text(html, encoding="utf-8")
            times = []
            for _ in range(repeats):
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file:") else r.abort())
                page.goto(path.as_uri())
                page.wait_for_function("window.allianceMap && window.allianceMap.ready", timeout=120_000)
                times.append(page.evaluate("window.allianceMap.drawnAt"))
                page.close()
            out[n] = sorted(times)[len(times) // 2]
        browser.close()
    return out


def table(rows: list[dict[str, Any]]) -> str:
    keys = [k for k in rows[0] if not k.startswith("_")]
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    for row in rows:
        lines.append(
            "| " + " | ".join(f"{row[k]:,.2f}" if isinstance(row[k], float) else f"{row[k]:,}" for k in keys) + " |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="organisations per field, comma-separated")
    parser.add_argument("--big", type=int, default=20000, help="nodes drawn with no reduction (0: skip)")
    parser.add_argument("--draw", default="1000,5000", help="map sizes (nodes) to time in chromium (empty: skip)")
    parser.add_argument("--keep", type=Path, help="write the generated maps into this folder")
    args = parser.parse_args(argv)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}\n")

    rows = []
    for n in (int(s) for s in args.sizes.split(",") if s):
        row = {"organisations": n, **generation(field(n), maps.DEFAULT_MAX_NODES)}
        rows.append(row)
    if args.big:
        G = field(args.big)
        G = G.subgraph(list(G)[: args.big]).copy()
        rows.append({"organisations": args.big, **generation(G, args.big)})
    print(
        "Generation (build_map steps, default reduction to", f"{maps.DEFAULT_MAX_NODES:,} nodes; last row unreduced)\n"
    )
    print(table(rows))
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        for row in rows:
            (args.keep / f"map-{row['organisations']}.html").write_text(row["_html"], encoding="utf-8")

    sizes = [int(s) for s in args.draw.split(",") if s]
    if sizes:
        pages = {}
        for n in sizes:
            G = field(n)
            G = G.subgraph(list(G)[:n]).copy()
            pages[n] = generation(G, n)["_html"]
        drawn = draw_times(pages)
        print("\nFirst draw in headless chromium (ms from navigation start, median of 3, network blocked)\n")
        print("| nodes | ms |\n|---|---|")
        for n, ms in drawn.items():
            print(f"| {n:,} | {ms:,.0f} |")


if __name__ == "__main__":
    main()
