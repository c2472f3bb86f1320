"""Run every benchmark in bench/ and write bench/results/<date>-<host>.json plus a Markdown summary beside it.

Run: .venv/bin/python bench/run.py [--sizes small,medium] [--only store,ingest]   (or: make bench)

Each benchmark script is run in its own process with `--out FILE` (and `--sizes` when it takes that option):
store.py and ingest.py (this folder's), and extraction.py, analytics.py, maps.py when they are present. A script
may put "markdown" (a table) and "bars" ([{bar, measured, met}]) in its JSON; the summary shows both, with the
machine the run was made on. Timings are ratios within one run; a busy machine makes every number slower.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SCRIPTS = ("store", "ingest", "extraction", "analytics", "maps")


def machine() -> dict[str, Any]:
    """What the numbers depend on: CPU, cores, memory, Python and the libraries that do the work."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem_kb = int(next(x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal"))
                     .split()[1])
    except (OSError, StopIteration, ValueError):
        mem_kb = 0
    versions = {}
    for package in ("pyoxigraph", "rdflib", "spacy", "networkx", "alliances"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return {
        "host": socket.gethostname(), "cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 2**20, 1),
        "os": platform.platform(), "python": platform.python_version(), "versions": versions,
        "load_average_at_start": os.getloadavg(),
    }


def takes(script: Path, option: str) -> bool:
    proc = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True, timeout=120)
    return option in proc.stdout


def run_script(name: str, sizes: str, timeout: float) -> dict[str, Any]:
    script = HERE / f"{name}.py"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        cmd = [sys.executable, str(script), "--out", str(out)]
        if takes(script, "--sizes"):
            cmd += ["--sizes", sizes]
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"name": name, "error": f"timed out after {timeout:.0f} s"}
        seconds = time.perf_counter() - t0
        if proc.returncode != 0 or not out.exists():
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"name": name, "seconds": seconds, "error": f"exit {proc.returncode}: {tail}",
                    "stdout": proc.stdout[-2000:]}
        data = json.loads(out.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        data = {"results": data}
    return {"name": name, "seconds": seconds, "stdout": proc.stdout, **data}


def _scalars(data: dict[str, Any]) -> str:
    """A two-column table of a result's plain numbers and strings, for scripts that bring no table of their own."""
    rows = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, (int, float, str, bool)) and len(rows) < 60:
            shown = f"{value:,.3g}" if isinstance(value, float) else str(value)
            rows.append(f"| {prefix} | {shown} |")

    walk("", {k: v for k, v in data.items() if k not in ("name", "seconds", "stdout", "bars", "markdown")})
    return "\n".join(["| measure | value |", "|---|---|", *rows])


def summary(run: dict[str, Any]) -> str:
    m = run["machine"]
    lines = [
        f"# Benchmarks {run['date']} on {m['host']}",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM; {m['os']}; Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + f". Load average at start {tuple(round(x, 1) for x in m['load_average_at_start'])}, "
        f"at end {tuple(round(x, 1) for x in run['load_average_at_end'])}. Sizes: {run['sizes']}; "
        f"total {run['seconds'] / 60:.1f} min.",
        "",
        "## Bars",
        "",
        "| benchmark | bar | measured | met |",
        "|---|---|---|---|",
    ]
    for result in run["benchmarks"]:
        for bar in result.get("bars", []):
            met = {True: "met", False: "**gap**", None: "for comparison"}[bar.get("met")]
            lines.append(f"| {result['name']} | {bar['bar']} | {bar['measured']} | {met} |")
    for result in run["benchmarks"]:
        lines += ["", f"## {result['name']} ({result.get('seconds', 0):.0f} s)", ""]
        if "error" in result:
            lines.append(f"Failed: {result['error']}")
        elif "markdown" in result:
            lines.append(result["markdown"])
        else:
            lines.append(_scalars(result))
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="small,medium", help="comma-separated: small, medium, large")
    ap.add_argument("--only", help="comma-separated benchmark names (default: every one present)")
    ap.add_argument("--results", type=Path, default=HERE / "results", help="folder for the results files")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds one benchmark script may take")
    args = ap.parse_args()
    names = [n for n in (args.only.split(",") if args.only else SCRIPTS) if (HERE / f"{n}.py").is_file()]
    started = datetime.now(timezone.utc)
    run: dict[str, Any] = {"date": started.strftime("%Y-%m-%d %H:%M UTC"), "sizes": args.sizes,
                           "machine": machine(), "benchmarks": []}
    t0 = time.perf_counter()
    for name in names:
        print(f"bench: {name} …", file=sys.stderr, flush=True)
        result = run_script(name, args.sizes, args.timeout)
        run["benchmarks"].append(result)
        print(f"bench: {name} done in {result.get('seconds', 0):.0f} s"
              + (f" — {result['error']}" if "error" in result else ""), file=sys.stderr, flush=True)
    run["seconds"] = time.perf_counter() - t0
    run["load_average_at_end"] = os.getloadavg()
    args.results.mkdir(parents=True, exist_ok=True)
    stem = f"{started.strftime('%Y-%m-%d')}-{run['machine']['host']}"
    (args.results / f"{stem}.json").write_text(json.dumps(run, indent=2) + "\n", encoding="utf-8")
    text = summary(run)
    (args.results / f"{stem}.md").write_text(text, encoding="utf-8")
    print(text)
    print(f"Wrote {args.results / stem}.json and .md", file=sys.stderr)


if __name__ == "__main__":
    main()
