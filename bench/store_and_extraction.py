"""Measure the embedded store against rdflib's in-memory graph, and extraction throughput.

Run: .venv/bin/python bench/store_and_extraction.py [--copies N]
Builds a graph by ingesting the bundled corpus once, then copying its document graphs N times under new IRIs
(a realistic shape: one named graph per document, assertion nodes, labels), and times loading it and two queries
in pyoxigraph (on disk) and rdflib (in memory). Prints a Markdown table; nothing here is a test.
"""

from __future__ import annotations

import argparse
import io
import platform
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib

from alliances.graph.ingest import ingest
from alliances.graph.store import open_store
from alliances.loaders.document import Document
from alliances.loaders.extract import extract
from alliances.loaders.registry import iter_sources, load

ROOT = Path(__file__).resolve().parents[1]
MEMBER_OF = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX al: <https://w3id.org/alliances/ontology#>
SELECT DISTINCT ?a WHERE { GRAPH ?e { ?o al:entityKey "kab" } GRAPH ?g { ?o org:memberOf ?a } }"""
OVERLAP = """PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?a ?b (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?o org:memberOf ?a } GRAPH ?h { ?o org:memberOf ?b }
FILTER(STR(?a) < STR(?b)) } GROUP BY ?a ?b ORDER BY DESC(?n) LIMIT 20"""


def timed(fn):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def nquads(copies: int) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        with open_store(Path(tmp) / "s") as store:
            ingest(list(iter_sources([ROOT / "corpus"])), store)
            buf = io.BytesIO()
            store.export("nquads", buf)
    base = buf.getvalue()
    parts = [base]
    for n in range(1, copies):
        parts.append(base.replace(b"/doc/", f"/doc/c{n}-".encode()).replace(b"/assertion/", f"/assertion/c{n}-".encode())
                     .replace(b"/id/org/", f"/id/org/c{n % 50}-".encode()))
    return b"".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=40)
    args = ap.parse_args()
    data = nquads(args.copies)
    n_quads = data.count(b"\n")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        store = ox.Store(str(Path(tmp) / "ox"))
        t_load, _ = timed(lambda: store.bulk_load(data, format=ox.RdfFormat.N_QUADS))
        t_member, _ = timed(lambda: list(store.query(MEMBER_OF)))
        t_overlap, _ = timed(lambda: list(store.query(OVERLAP)))
        rows.append(("pyoxigraph (on disk)", t_load, t_member, t_overlap))
    ds = rdflib.Dataset()
    t_load, _ = timed(lambda: ds.parse(data=data, format="nquads"))
    t_member, _ = timed(lambda: list(ds.query(MEMBER_OF)))
    t_overlap, _ = timed(lambda: list(ds.query(OVERLAP)))
    rows.append(("rdflib Dataset (memory)", t_load, t_member, t_overlap))

    docs = [d for p in iter_sources([ROOT / "corpus", ROOT / "tests" / "data" / "dev" / "texts"]) for d in load(p)]
    words = sum(len(d.text.split()) for d in docs)
    extract(docs[0])  # warm up: lexicons and matchers are built once per process
    t_extract, _ = timed(lambda: [extract(Document(d.text + " ", d.source, d.language)) for d in docs])

    print(f"Machine: {platform.machine()}, Python {platform.python_version()}, pyoxigraph {ox.__version__}, "
          f"rdflib {rdflib.__version__}; {n_quads:,} quads\n")
    print("| store | load | member-of query | alliance-overlap query |\n|---|---|---|---|")
    for name, a, b, c in rows:
        print(f"| {name} | {a:.2f} s | {b * 1000:.1f} ms | {c * 1000:.0f} ms |")
    print(f"\nExtraction: {len(docs)} documents, {words:,} words in {t_extract:.2f} s: "
          f"{len(docs) / t_extract:.0f} documents/s, {words / t_extract:,.0f} words/s (one core)")


if __name__ == "__main__":
    main()
