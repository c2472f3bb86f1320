"""Store benchmarks: ingest into the embedded store, queries at scale, rdflib for comparison, peak memory.

Run: .venv/bin/python bench/store.py [--sizes small,medium] [--out results.json]

Graphs of 10^4, 10^5, 10^6 (and with --sizes large, 10^7) quads from bench/generate.py, in the shape
`alliances ingest` writes. Every case runs in a fresh process, so each has its own peak RSS:

- ref-memory / ref-bulk: pyoxigraph's own load of the N-Quads, in memory and with bulk_load() on disk;
- ours: the same N-Quads read document by document and written by `Store.write_documents` in batches of 200
  documents, with the entities graph derived as ingest does, all-or-nothing per batch, on disk;
- queries: `member-of X` with name resolution (graph.queries.member_of), raw exact-label and case-insensitive
  lookups for reference, and the alliance-overlap ranking (queries/alliance-pairs.rq) through Store.select and
  as raw Oxigraph SPARQL on the same store;
- rdflib: the same data in rdflib's in-memory Dataset, with the same member-of and overlap queries.
Timings are compared as ratios within this run. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SIZES = {"small": [10**4, 10**5], "medium": [10**6], "large": [10**7]}
QUERY_SIZES = {10**4, 10**5, 10**6}  # queries run on these graph sizes
RDFLIB_MAX = 10**5  # rdflib's memory and time grow too fast beyond this for a 20-minute run
OVERLAP_RAW = """SELECT ?a ?b (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?o org:memberOf ?a } GRAPH ?h { ?o org:memberOf ?b }
FILTER(STR(?a) < STR(?b)) } GROUP BY ?a ?b ORDER BY DESC(?n) LIMIT 20"""
MEMBER_OF_RAW = """SELECT DISTINCT ?a WHERE { GRAPH <https://w3id.org/alliances/graph/entities> { ?o al:entityKey ?key }
GRAPH ?g { ?o org:memberOf ?a } }"""
PREFIXES = """PREFIX org: <http://www.w3.org/ns/org#> PREFIX al: <https://w3id.org/alliances/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def p50(samples: list[float]) -> float:
    return statistics.median(samples)


# ---------------------------------------------------------------- cases (each in its own process)


def graph_file(work: Path, n: int) -> Path:
    """The N-Quads workload of about `n` quads, generated once per work folder."""
    path = work / f"graph-{n}.nq"
    if not path.exists():
        sys.path.insert(0, str(HERE))
        from generate import write_graph  # type: ignore[import-not-found]

        tmp = path.with_suffix(".part")
        with tmp.open("wb") as fh:
            write_graph(fh, n)
        tmp.rename(path)
    return path


def case_generate(work: Path, n: int) -> dict[str, Any]:
    t, path = timed(lambda: graph_file(work, n))
    return {"seconds": t, "bytes": path.stat().st_size, "quads": sum(1 for _ in path.open("rb"))}


def case_ref_memory(work: Path, n: int) -> dict[str, Any]:
    import pyoxigraph as ox

    path = graph_file(work, n)
    store = ox.Store()
    t, _ = timed(lambda: store.load(path=str(path), format=ox.RdfFormat.N_QUADS))
    return {"seconds": t, "quads": len(store), "quads_per_s": len(store) / t}


def case_ref_bulk(work: Path, n: int) -> dict[str, Any]:
    import pyoxigraph as ox

    path = graph_file(work, n)
    with tempfile.TemporaryDirectory(dir=work) as tmp:
        store = ox.Store(tmp)
        t, _ = timed(lambda: (store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS), store.flush()))
        quads = len(store)
        del store
    return {"seconds": t, "quads": quads, "quads_per_s": quads / t}


def document_batches(path: Path, batch: int = 200) -> Iterator[list[Any]]:
    """The document graphs of an N-Quads file as DocumentWrite batches (the entities graph is left out: the
    store derives it). Streams: one batch in memory at a time."""
    import pyoxigraph as ox

    from alliances.graph.store import DOC_PREFIX, DocumentWrite

    writes: list[DocumentWrite] = []
    current: ox.NamedNode | None = None
    quads: list[ox.Quad] = []
    for q in ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS):
        if q.graph_name != current:
            if current is not None:
                writes.append(DocumentWrite(current.value[len(DOC_PREFIX):], quads))
                if len(writes) >= batch:
                    yield writes
                    writes = []
            current, quads = q.graph_name, []
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value.startswith(DOC_PREFIX):
            quads.append(q)
        else:
            current = None
    if current is not None and quads:
        writes.append(DocumentWrite(current.value[len(DOC_PREFIX):], quads))
    if writes:
        yield writes


def store_dir(work: Path, n: int) -> Path:
    return work / f"store-{n}"


def case_ours(work: Path, n: int) -> dict[str, Any]:
    """N-Quads -> Store.write_documents in batches of 200 documents, on disk, entities graph derived."""
    import shutil

    from alliances.graph.store import open_store

    path = graph_file(work, n)
    target = store_dir(work, n)
    shutil.rmtree(target, ignore_errors=True)
    docs = 0
    t0 = time.perf_counter()
    with open_store(target) as store:
        for batch in document_batches(path):
            store.write_documents(batch)
            docs += len(batch)
        seconds = time.perf_counter() - t0
        quads = len(store)
        consistent = not store.check_entities() if n <= 10**5 else None
    return {"seconds": seconds, "quads": quads, "documents": docs, "quads_per_s": quads / seconds,
            "entities_graph_consistent": consistent}


def _names(store: Any, count: int) -> list[str]:
    """Names of organisations that are members of something, as a user types them (lower case)."""
    rows = store.select(
        "SELECT DISTINCT ?label WHERE { GRAPH ?g { ?o org:memberOf ?a } "
        "GRAPH <https://w3id.org/alliances/graph/entities> { ?o skos:prefLabel ?label } } LIMIT 2000"
    )
    labels = sorted(str(r["label"]) for r in rows)
    step = max(1, len(labels) // count)
    return [label.lower() for label in labels[::step][:count]]


def case_queries(work: Path, n: int) -> dict[str, Any]:
    """member-of with name resolution, reference lookups, and the overlap ranking, on the store `ours` built."""
    import pyoxigraph as ox

    from alliances.graph import queries
    from alliances.graph.store import open_store
    from alliances.graph.vocab import normalise

    out: dict[str, Any] = {}
    with open_store(store_dir(work, n), read_only=True) as store:
        names = _names(store, 100)
        queries.member_of(store, names[0])  # warm up: query files, caches
        samples, answered = [], 0
        for name in names:
            t, rows = timed(lambda name=name: queries.member_of(store, name))
            samples.append(t)
            answered += bool(rows)
        out["member_of_p50_ms"] = p50(samples) * 1000
        out["member_of_p95_ms"] = sorted(samples)[int(len(samples) * 0.95) - 1] * 1000
        out["member_of_names"] = len(names)
        out["member_of_answered"] = answered
        db = store._db
        exact = [store.entity_labels()[h.iri][0] for h in (store.lookup(x)[0] for x in names[:20])]
        alt = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
        times = [timed(lambda label=label: list(db.quads_for_pattern(None, alt, ox.Literal(label), None)))[0]
                 for label in exact]
        out["exact_label_p50_ms"] = p50(times) * 1000
        scan = (PREFIXES + 'SELECT ?e WHERE { GRAPH ?g { ?e skos:altLabel ?l } FILTER(LCASE(STR(?l)) = "'
                + names[1].replace('"', "") + '") }')
        out["casefold_scan_ms"] = timed(lambda: list(db.query(scan)))[0] * 1000
        def raw_member(name: str) -> list[Any]:  # the same lookup and join, without resolution or formatting
            text = PREFIXES + MEMBER_OF_RAW.replace("{ GRAPH <", "{ VALUES ?key { " + str(ox.Literal(normalise(name)))
                                                    + " } GRAPH <", 1)
            return list(db.query(text))

        times = [timed(lambda x=x: raw_member(x))[0] for x in names[:20]]
        out["member_of_raw_p50_ms"] = p50(times) * 1000
        pairs = queries.query_text("alliance-pairs")
        t_ours, rows = timed(lambda: store.select(pairs))
        out["overlap_ours_ms"] = t_ours * 1000
        out["overlap_pairs"] = len(rows)
        raw_text = PREFIXES + pairs
        t_raw, _ = timed(lambda: list(db.query(raw_text, use_default_graph_as_union=True)))
        out["overlap_raw_ms"] = t_raw * 1000
        t_top, _ = timed(lambda: list(db.query(PREFIXES + OVERLAP_RAW)))
        out["overlap_top20_raw_ms"] = t_top * 1000
    return out


def case_rdflib(work: Path, n: int) -> dict[str, Any]:
    import rdflib

    from alliances.graph.vocab import normalise

    path = graph_file(work, n)
    ds = rdflib.Dataset()
    t_load, _ = timed(lambda: ds.parse(str(path), format="nquads"))
    quads = sum(1 for _ in ds.quads((None, None, None, None)))
    rows = list(ds.query(PREFIXES + "SELECT DISTINCT ?label WHERE { GRAPH ?g { ?o org:memberOf ?a } "
                         "GRAPH <https://w3id.org/alliances/graph/entities> { ?o skos:prefLabel ?label } } LIMIT 20"))
    names = [str(r[0]) for r in rows]
    times = []
    for name in names:
        t, _ = timed(lambda name=name: list(ds.query(PREFIXES + MEMBER_OF_RAW,
                                                     initBindings={"key": rdflib.Literal(normalise(name))})))
        times.append(t)
    return {"load_seconds": t_load, "quads": quads, "quads_per_s": quads / t_load,
            "member_of_raw_p50_ms": p50(times) * 1000}


def case_rdflib_overlap(work: Path, n: int) -> dict[str, Any]:
    """The overlap ranking in rdflib (slow: run with a timeout of its own)."""
    import rdflib

    ds = rdflib.Dataset()
    ds.parse(str(graph_file(work, n)), format="nquads")
    t_overlap, _ = timed(lambda: list(ds.query(PREFIXES + OVERLAP_RAW)))
    return {"overlap_top20_ms": t_overlap * 1000}


CASES: dict[str, Callable[[Path, int], dict[str, Any]]] = {
    "generate": case_generate,
    "ref-memory": case_ref_memory,
    "ref-bulk": case_ref_bulk,
    "ours": case_ours,
    "queries": case_queries,
    "rdflib": case_rdflib,
    "rdflib-overlap": case_rdflib_overlap,
}
RDFLIB_OVERLAP_TIMEOUT = 150.0


def run_case(name: str, work: Path, n: int, timeout: float) -> dict[str, Any]:
    """One case in a fresh interpreter: its result, its wall time and its peak RSS (or why it failed)."""
    cmd = [sys.executable, __file__, "--case", name, "--triples", str(n), "--work", str(work)]
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"case": name, "triples": n, "error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"case": name, "triples": n, "error": proc.stderr.strip().splitlines()[-1:] or ["failed"]}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"case": name, "triples": n, "wall_seconds": time.perf_counter() - t0, **result}


# ---------------------------------------------------------------- bars and the summary


def bars(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's bars, each met or with the measured gap, from this run's numbers."""
    by = {(r["case"], r["triples"]): r for r in results if "error" not in r}
    out = []
    for n in sorted({r["triples"] for r in results}):
        ours, ref = by.get(("ours", n)), by.get(("ref-memory", n))
        if ours and ref:
            ratio = ref["quads_per_s"] / ours["quads_per_s"]
            out.append({"bar": f"ingest into the embedded store at {n:,} quads: within 2x of pyoxigraph's in-memory load",
                        "measured": f"{ours['quads_per_s']:,.0f} quads/s vs {ref['quads_per_s']:,.0f} quads/s "
                                    f"({ratio:.1f}x slower)", "met": ratio <= 2})
        q = by.get(("queries", n))
        if q and n >= 10**6:
            out.append({"bar": f"member-of X with name resolution at {n:,} quads: p50 <= 5 ms",
                        "measured": f"p50 {q['member_of_p50_ms']:.2f} ms (p95 {q['member_of_p95_ms']:.2f} ms)",
                        "met": q["member_of_p50_ms"] <= 5})
            ratio = q["overlap_ours_ms"] / q["overlap_raw_ms"]
            out.append({"bar": f"alliance-overlap ranking at {n:,} quads: within 2x of Oxigraph's raw SPARQL",
                        "measured": f"{q['overlap_ours_ms']:,.0f} ms vs {q['overlap_raw_ms']:,.0f} ms ({ratio:.2f}x)",
                        "met": ratio <= 2})
        r = next((x for x in results if x["case"] == "rdflib-overlap" and x["triples"] == n), None)
        if r and q:
            if "error" in r:
                measured = f"{r['error']} (Oxigraph: {q['overlap_top20_raw_ms']:,.0f} ms)"
            else:
                measured = (f"{r['overlap_top20_ms']:,.0f} ms vs Oxigraph {q['overlap_top20_raw_ms']:,.0f} ms "
                            f"({r['overlap_top20_ms'] / q['overlap_top20_raw_ms']:.0f}x slower)")
            out.append({"bar": f"rdflib in memory at {n:,} quads, for comparison (overlap top 20)",
                        "measured": measured, "met": None})
    return out


def markdown(results: list[dict[str, Any]]) -> str:
    by = {(r["case"], r["triples"]): r for r in results}
    lines = ["| quads | pyoxigraph load, memory | pyoxigraph bulk_load, disk | ours: write_documents, disk | "
             "member-of p50 (raw index join) | overlap: ours / raw | rdflib load | rdflib member-of p50 | "
             "rdflib overlap top 20 (Oxigraph) |",
             "|---|---|---|---|---|---|---|---|---|"]

    def rate(case: str, n: int) -> str:
        r = by.get((case, n), {})
        if "error" in r:
            return str(r["error"])
        return f"{r['quads_per_s'] / 1000:,.0f} k/s ({r['rss_mb']:,.0f} MB)" if "quads_per_s" in r else "–"

    for n in sorted({r["triples"] for r in results}):
        q, rd = by.get(("queries", n), {}), by.get(("rdflib", n), {})
        member = (f"{q['member_of_p50_ms']:.2f} ms ({q['member_of_raw_p50_ms']:.2f} ms)"
                  if "member_of_p50_ms" in q else str(q.get("error", "–")))
        overlap = f"{q['overlap_ours_ms']:,.0f} / {q['overlap_raw_ms']:,.0f} ms" if "overlap_ours_ms" in q else "–"
        rd_load = f"{rd['quads_per_s'] / 1000:,.0f} k/s ({rd['rss_mb']:,.0f} MB)" if "quads_per_s" in rd else "–"
        rdo = by.get(("rdflib-overlap", n), {})
        rd_overlap = f"{rdo['overlap_top20_ms']:,.0f} ms" if "overlap_top20_ms" in rdo else str(rdo.get("error", "–"))
        rd_member = f"{rd['member_of_raw_p50_ms']:.1f} ms" if "member_of_raw_p50_ms" in rd else "–"
        top = f" ({q['overlap_top20_raw_ms']:,.0f} ms)" if "overlap_top20_raw_ms" in q else ""
        lines.append(f"| {n:,} | {rate('ref-memory', n)} | {rate('ref-bulk', n)} | {rate('ours', n)} | {member} | "
                     f"{overlap} | {rd_load} | {rd_member} | {rd_overlap}{top} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="small,medium", help="comma-separated: small, medium, large")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    ap.add_argument("--work", type=Path, help="folder for workloads and stores (default: a temporary folder)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds one case may take")
    ap.add_argument("--case", choices=sorted(CASES), help=argparse.SUPPRESS)
    ap.add_argument("--triples", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:  # inside one case's process
        result = CASES[args.case](args.work, args.triples)
        print(json.dumps({**result, "rss_mb": rss_mb()}))
        return
    sizes = [n for s in args.sizes.split(",") for n in SIZES[s.strip()]]
    results: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="alliances-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            plan = ["generate", "ref-memory", "ref-bulk", "ours"]
            plan += ["queries"] if n in QUERY_SIZES else []
            plan += ["rdflib", "rdflib-overlap"] if n <= RDFLIB_MAX else []
            for case in plan:
                limit = min(args.timeout, RDFLIB_OVERLAP_TIMEOUT) if case == "rdflib-overlap" else args.timeout
                result = run_case(case, work, n, limit)
                results.append(result)
                print(f"{case:>10} {n:>10,}: " + json.dumps({k: round(v, 3) if isinstance(v, float) else v
                                                              for k, v in result.items() if k not in ("case", "triples")}),
                      file=sys.stderr, flush=True)
            for path in work.glob(f"*-{n}*"):  # keep the disk small: a 10^7 graph is gigabytes
                if path.is_dir():
                    import shutil

                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
    summary = {"name": "store", "results": results, "bars": bars(results), "markdown": markdown(results)}
    print(summary["markdown"])
    for bar in summary["bars"]:
        state = "met" if bar["met"] else ("gap" if bar["met"] is False else "info")
        print(f"- [{state}] {bar['bar']}: {bar['measured']}")
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
