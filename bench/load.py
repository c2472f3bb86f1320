"""Load the SPARQL endpoint (`alliances serve`) with concurrent clients mixing cheap and expensive queries.

Run: .venv/bin/python bench/load.py [--clients 50] [--duration 60] [--store PATH | --copies 200] [--timeout 2]
Starts `alliances serve` as a real process on 127.0.0.1 (a free port), runs the clients for the duration, and
prints a Markdown report: answers per status, latency p50/p99 of the cheap and the expensive queries, peak
resident memory of the server and its query workers, and whether the server still answers afterwards. Without
--store it builds a store from the test fixtures (tests/data/toy.trig, querylib.trig) copied --copies times
under new document IRIs. Expected answers: 200, or the documented 503 time-limit answer; anything else is an
error and makes the exit code 1.

tests/test_server_load.py runs a shorter bounded version of the same thing; tests/test_server*.py use
`serve_process` to start the server.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"

# (kind, query): cheap ones are lookups and small aggregates; the expensive one is a four-way cartesian product
# that no time limit on a laptop lets finish.
CHEAP = [
    "SELECT ?alliance WHERE { GRAPH ?g { <https://w3id.org/alliances/id/org/bl> org:memberOf ?alliance } }",
    "ASK { GRAPH ?g { ?s al:funds ?o } }",
    "SELECT ?label WHERE { GRAPH <https://w3id.org/alliances/graph/entities> { ?e skos:prefLabel ?label } } LIMIT 20",
    "SELECT (COUNT(DISTINCT ?g) AS ?documents) WHERE { GRAPH ?g { ?g a al:Document } }",
    "CONSTRUCT { ?f al:funds ?r } WHERE { GRAPH ?g { ?f al:funds ?r } }",
]
MEDIUM = [
    "SELECT ?o ?a (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?o org:memberOf ?a } } GROUP BY ?o ?a ORDER BY DESC(?n)",
    (
        "SELECT ?a1 ?a2 (COUNT(DISTINCT ?o) AS ?shared) WHERE { GRAPH ?g1 { ?o org:memberOf ?a1 } "
        "GRAPH ?g2 { ?o org:memberOf ?a2 } FILTER (STR(?a1) < STR(?a2)) } GROUP BY ?a1 ?a2"
    ),
]
EXPENSIVE = ["SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"]
ACCEPTS = ["application/sparql-results+json", "text/csv", "text/tab-separated-values", "application/sparql-results+xml"]


# ---------------------------------------------------------------- the server as a process


@dataclass
class ServerProcess:
    """A running `alliances serve`: its URL and process (stderr goes to a file, so a full pipe never blocks it)."""

    url: str
    process: subprocess.Popen[str]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid


def alliances_command() -> list[str]:
    script = Path(sys.executable).with_name("alliances")
    return [str(script)] if script.exists() else [sys.executable, "-m", "alliances.cli"]


@contextlib.contextmanager
def serve_process(store: Path, *args: str, log_dir: Path | None = None) -> Iterator[ServerProcess]:
    """Start `alliances --store STORE serve --port 0 ARGS…`, wait for its URL, and stop it (SIGTERM) at the end."""
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="alliances-serve-"))
    log = log_dir / "serve.log"
    with open(log, "w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [*alliances_command(), "--store", str(store), "serve", "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=err, text=True, cwd=ROOT,
        )
    try:
        assert process.stdout is not None
        line = _readline(process, 90)
        match = re.search(r"(http://\S+/) ", line)
        if not match:
            raise RuntimeError(f"`alliances serve` did not start: {line!r}; log: {log.read_text(encoding='utf-8')}")
        yield ServerProcess(match.group(1), process, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if process.stdout:
            process.stdout.close()


def _readline(process: subprocess.Popen[str], timeout: float) -> str:
    out: list[str] = []
    reader = threading.Thread(target=lambda: out.append(process.stdout.readline() if process.stdout else ""))
    reader.daemon = True
    reader.start()
    reader.join(timeout)
    return out[0] if out else ""


def tree_rss_mb(pid: int) -> float:
    """Resident memory (MB) of a process and its children (Linux /proc), for the memory bound."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    fields = handle.read().rsplit(b")", 1)[1].split()
                children.setdefault(int(fields[1]), []).append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            with open(f"/proc/{current}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
        except (OSError, IndexError, ValueError):
            pass
        todo.extend(children.get(current, []))
    return total


# ---------------------------------------------------------------- a store to serve


def build_store(path: Path, copies: int = 1) -> Path:
    """A store of the test fixtures, with every document graph copied `copies` times under new IRIs."""
    from alliances.graph.store import open_store

    texts = [(DATA / name).read_text(encoding="utf-8") for name in ("toy.trig", "querylib.trig")]
    with open_store(path) as store, tempfile.TemporaryDirectory() as tmp:
        for n in range(copies):
            for i, text in enumerate(texts):
                if n:
                    text = re.sub(r"\b(doc:|a:)(d\d|q\d)\b", rf"\1\2c{n}", text)
                    text = re.sub(r'al:contentHash "(\w+)"', rf'al:contentHash "\1c{n}"', text)
                file = Path(tmp) / f"copy{n}-{i}.trig"
                file.write_text(text, encoding="utf-8")
                store.import_file(file)
    return path


# ---------------------------------------------------------------- the load


@dataclass
class LoadReport:
    """What the clients saw."""

    statuses: Counter[str] = field(default_factory=Counter)
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"cheap": [], "medium": [], "expensive": []})
    errors: list[str] = field(default_factory=list)  # anything but 200 and the time-limit 503
    peak_rss_mb: float = 0.0
    requests: int = 0
    seconds: float = 0.0

    def percentile(self, kind: str, q: float) -> float:
        values = sorted(self.latencies[kind])
        if not values:
            return float("nan")
        return values[min(len(values) - 1, int(q * len(values)))]

    def markdown(self) -> str:
        rate = self.requests / max(self.seconds, 1e-9)
        lines = [
            f"{self.requests} requests in {self.seconds:.1f} s ({rate:.1f}/s); "
            + f"peak memory of server + workers {self.peak_rss_mb:.0f} MB",
            "",
            "| queries | answers | p50 s | p99 s |",
            "|---|---|---|---|",
        ]
        for kind in ("cheap", "medium", "expensive"):
            lines.append(
                f"| {kind} | {len(self.latencies[kind])} | {self.percentile(kind, 0.5):.3f} | "
                f"{self.percentile(kind, 0.99):.3f} |"
            )
        lines += ["", "answers: " + ", ".join(f"{k} × {v}" for k, v in sorted(self.statuses.items()))]
        if self.errors:
            lines += ["", f"errors ({len(self.errors)}):", *(f"- {e}" for e in self.errors[:20])]
        return "\n".join(lines)


def run_load(server: ServerProcess, *, clients: int, duration: float, expensive_share: float = 0.1,
             client_timeout: float = 120, seed: int = 7) -> LoadReport:
    """`clients` threads, each with its own HTTP connection, sending a random mix of queries for `duration` s."""
    import httpx

    report = LoadReport()
    lock = threading.Lock()
    stop_at = time.monotonic() + duration
    done = threading.Event()

    def sample_memory() -> None:
        while not done.wait(0.25):
            rss = tree_rss_mb(server.pid)
            with lock:
                report.peak_rss_mb = max(report.peak_rss_mb, rss)

    def client(number: int) -> None:
        rng = random.Random(seed + number)
        with httpx.Client(base_url=server.url, timeout=client_timeout) as http:
            while time.monotonic() < stop_at:
                roll = rng.random()
                kind = "expensive" if roll < expensive_share else "medium" if roll < 3 * expensive_share else "cheap"
                query = rng.choice({"cheap": CHEAP, "medium": MEDIUM, "expensive": EXPENSIVE}[kind])
                accept = "text/turtle" if query.startswith("CONSTRUCT") else rng.choice(ACCEPTS)
                started = time.monotonic()
                try:
                    if rng.random() < 0.5:
                        response = http.get("sparql", params={"query": query}, headers={"Accept": accept})
                    else:
                        headers = {"Accept": accept, "Content-Type": "application/sparql-query"}
                        response = http.post("sparql", content=query.encode(), headers=headers)
                    status = str(response.status_code)
                    if response.status_code == 503 and response.headers.get("X-Alliances-Error") == "timeout":
                        status = "503 time limit"
                        ok = True
                    else:
                        ok = response.status_code == 200
                    detail = "" if ok else f"{kind} {status}: {response.text[:200]}"
                except httpx.HTTPError as e:
                    status, ok, detail = type(e).__name__, False, f"{kind} {type(e).__name__}: {e}"
                elapsed = time.monotonic() - started
                with lock:
                    report.requests += 1
                    report.statuses[status] += 1
                    report.latencies[kind].append(elapsed)
                    if not ok:
                        report.errors.append(detail)

    sampler = threading.Thread(target=sample_memory, daemon=True)
    sampler.start()
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(duration + client_timeout + 30)
    report.seconds = time.monotonic() - started
    done.set()
    sampler.join(2)
    return report


def still_answers(server: ServerProcess) -> bool:
    import httpx

    response = httpx.post(server.url + "sparql", data={"query": CHEAP[0]}, timeout=30,
                          headers={"Accept": "application/sparql-results+json"})
    return response.status_code == 200 and "bindings" in response.json()["results"]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--store", type=Path, help="an existing store (default: the fixtures, copied)")
    parser.add_argument("--copies", type=int, default=200, help="copies of the fixture documents (no --store)")
    parser.add_argument("--timeout", type=float, default=2.0, help="the server's query time limit")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--memory-limit", type=int, default=1024, help="MB per query worker")
    parser.add_argument("--expensive-share", type=float, default=0.1)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="alliances-load-") as tmp:
        store = args.store
        if store is None:
            started = time.monotonic()
            store = build_store(Path(tmp) / "store", args.copies)
            print(f"built a store of {args.copies} copies of the fixtures in {time.monotonic() - started:.1f} s",
                  file=sys.stderr)
        extra = ["--timeout", str(args.timeout), "--memory-limit", str(args.memory_limit)]
        if args.workers:
            extra += ["--workers", str(args.workers)]
        with serve_process(store, *extra, log_dir=Path(tmp)) as server:
            idle = tree_rss_mb(server.pid)
            report = run_load(server, clients=args.clients, duration=args.duration,
                              expensive_share=args.expensive_share)
            alive = still_answers(server)
            after = tree_rss_mb(server.pid)
    print(f"## Endpoint load: {args.clients} clients × {args.duration:g} s, time limit {args.timeout:g} s, "
          f"{os.cpu_count()} CPUs\n")
    print(report.markdown())
    print(f"\nmemory: {idle:.0f} MB idle, {after:.0f} MB after the load; still answers afterwards: {alive}")
    return 0 if alive and not report.errors else 1


if __name__ == "__main__":
    sys.exit(main())
