"""Ingest benchmarks: whole press-release corpora through `graph.ingest.ingest`, with 1 and N worker processes.

Run: .venv/bin/python bench/ingest.py [--sizes small,medium] [--out results.json]

Corpora of 10^3 (small), 10^4 (medium) and 10^5 (large) generated documents of 2–5 kB in Danish, Norwegian
and Swedish (bench/generate.py). Each run is a fresh process that ingests into a fresh on-disk store, and
reports documents/s, quads/s, and the peak RSS of the writer (this process) and of the largest worker: the
writer's peak should not grow with the corpus (sources stream through in batches). Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# (documents, jobs) per size; jobs 0 means one per core
SIZES = {"small": [(1000, 1), (1000, 2)], "medium": [(10_000, 2)], "large": [(100_000, 0)]}


def corpus(work: Path, docs: int) -> Path:
    folder = work / f"corpus-{docs}"
    if not (folder / ".done").exists():
        sys.path.insert(0, str(HERE))
        from generate import write_corpus  # type: ignore[import-not-found]

        shutil.rmtree(folder, ignore_errors=True)
        write_corpus(folder, docs)
        (folder / ".done").touch()
    return folder


def case_ingest(work: Path, docs: int, jobs: int) -> dict[str, Any]:
    from alliances.graph.ingest import default_jobs, ingest
    from alliances.graph.store import open_store
    from alliances.loaders.registry import iter_sources

    folder = corpus(work, docs)
    target = work / f"store-{docs}-{jobs}"
    shutil.rmtree(target, ignore_errors=True)
    t0 = time.perf_counter()
    with open_store(target) as store:
        report = ingest(iter_sources([folder]), store, jobs=jobs)
        seconds = time.perf_counter() - t0
        quads = len(store)
    shutil.rmtree(target, ignore_errors=True)
    return {
        "documents": len(report.added), "jobs": jobs or default_jobs(), "seconds": seconds,
        "docs_per_s": len(report.added) / seconds, "quads": quads, "quads_per_s": quads / seconds,
        "assertions": report.assertions,
        "writer_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def run_case(work: Path, docs: int, jobs: int, timeout: float) -> dict[str, Any]:
    corpus(work, docs)  # generated outside the timed process
    cmd = [sys.executable, __file__, "--case", str(docs), str(jobs), "--work", str(work)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"documents": docs, "jobs": jobs, "error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"documents": docs, "jobs": jobs, "error": (proc.stderr.strip().splitlines() or ["failed"])[-1]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def bars(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ok = [r for r in results if "error" not in r]
    out = []
    one = next((r for r in ok if r["jobs"] == 1), None)
    for r in ok:
        if one and r["documents"] == one["documents"] and r["jobs"] > 1:
            speedup = r["docs_per_s"] / one["docs_per_s"]
            out.append({"bar": f"ingest --jobs {r['jobs']} scales with cores ({r['documents']:,} documents)",
                        "measured": f"{speedup:.2f}x the documents/s of --jobs 1 (ideal {r['jobs']}x)",
                        "met": speedup >= 0.75 * r["jobs"]})
    if len({r["documents"] for r in ok}) > 1:
        small = min(ok, key=lambda r: r["documents"])
        big = max(ok, key=lambda r: r["documents"])
        growth = big["writer_rss_mb"] / small["writer_rss_mb"]
        out.append({"bar": f"ingest in bounded memory ({small['documents']:,} -> {big['documents']:,} documents)",
                    "measured": f"writer peak RSS {small['writer_rss_mb']:,.0f} -> {big['writer_rss_mb']:,.0f} MB "
                                f"({growth:.2f}x for {big['documents'] / small['documents']:.0f}x the documents)",
                    "met": growth <= 1.5})
    return out


def markdown(results: list[dict[str, Any]]) -> str:
    lines = ["| documents | jobs | time | documents/s | quads/s | quads | writer peak RSS | worker peak RSS |",
             "|---|---|---|---|---|---|---|---|"]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['documents']:,} | {r['jobs']} | {r['error']} | | | | | |")
            continue
        lines.append(f"| {r['documents']:,} | {r['jobs']} | {r['seconds']:.1f} s | {r['docs_per_s']:.1f} | "
                     f"{r['quads_per_s']:,.0f} | {r['quads']:,} | {r['writer_rss_mb']:,.0f} MB | "
                     f"{r['worker_rss_mb']:,.0f} MB |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="small,medium", help="comma-separated: small, medium, large")
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    ap.add_argument("--work", type=Path, help="folder for corpora and stores (default: a temporary folder)")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds one ingest may take")
    ap.add_argument("--case", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.case:
        print(json.dumps(case_ingest(args.work, *args.case)))
        return
    results = []
    with tempfile.TemporaryDirectory(prefix="alliances-bench-") as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for size in args.sizes.split(","):
            for docs, jobs in SIZES[size.strip()]:
                result = run_case(work, docs, jobs, args.timeout)
                results.append(result)
                print(json.dumps(result), file=sys.stderr, flush=True)
    summary = {"name": "ingest", "results": results, "bars": bars(results), "markdown": markdown(results)}
    print(summary["markdown"])
    for bar in summary["bars"]:
        print(f"- [{'met' if bar['met'] else 'gap'}] {bar['bar']}: {bar['measured']}")
    if args.out:
        args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
