"""The endpoint under load: a bounded run of bench/load.py on 127.0.0.1 (slow; CI runs it).

20 clients for 15 s (ALLIANCES_LOAD_CLIENTS / ALLIANCES_LOAD_SECONDS change it) send a seeded mix of cheap,
medium and deliberately heavy queries over GET and POST in every result format. Every answer must be 200 or the
documented 503 time-limit answer, the memory of the server and its workers must stay under the configured bound,
and the server must still answer afterwards. No timing is asserted.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from test_server import load_bench

pytestmark = pytest.mark.slow

CLIENTS = int(os.environ.get("ALLIANCES_LOAD_CLIENTS", "20"))
SECONDS = float(os.environ.get("ALLIANCES_LOAD_SECONDS", "15"))
WORKERS = 2
MEMORY_LIMIT_MB = 512


def test_server_load_mixed_queries_stay_correct_and_bounded(tmp_path: Path) -> None:
    bench = load_bench()
    store = bench.build_store(tmp_path / "store", copies=10)
    args = ("--timeout", "1", "--workers", str(WORKERS), "--memory-limit", str(MEMORY_LIMIT_MB))
    with bench.serve_process(store, *args, log_dir=tmp_path) as server:
        report = bench.run_load(server, clients=CLIENTS, duration=SECONDS, expensive_share=0.1)
        alive = bench.still_answers(server)
        print("\n" + report.markdown())  # shown with -s; kept in the CI log
    assert not report.errors, report.markdown()
    assert report.statuses["200"] > 0
    assert report.statuses["503 time limit"] > 0, "the heavy queries met the time limit"
    # the bound: each worker is stopped at its memory limit; the server process itself holds no results
    assert report.peak_rss_mb < WORKERS * MEMORY_LIMIT_MB + 512, report.markdown()
    assert alive, "the server still answers after the load"
