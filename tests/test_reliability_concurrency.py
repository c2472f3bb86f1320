"""Concurrency: two `alliances ingest` on one store, and readers while a writer works.

Issue 6, part 3. A store has one writer at a time (RocksDB's lock): a second `alliances ingest` fails at once
with a message saying another process is writing, and exit code 1; it writes nothing. Readers open without the
lock and see the store as it was when they opened it: whole transactions, never half a document.
The scene (version 1 of 20 sources in a store, version 2 and 5 new sources on disk) is the crash test's.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from test_reliability_crash import BATCH, Scene, doc_graphs, scene  # noqa: F401 - `scene` is a fixture

from alliances.graph.store import open_store

# `alliances ingest` with the crash test's small transactions (many of them, so readers can fall between them).
INGEST = textwrap.dedent(
    """
    import sys
    import alliances.graph.ingest as ingest_module
    import alliances.graph.store as store_module
    from alliances.cli import main
    ingest_module.BATCH = int(sys.argv[1])
    opener = store_module.open_store

    def open_store(*args, **kwargs):  # say when the lock is held, so the test can start a second writer then
        store = opener(*args, **kwargs)
        print("store open", flush=True)
        return store

    store_module.open_store = open_store
    sys.argv = ["alliances", *sys.argv[2:]]
    main()
    """
)


def start_ingest(store: Path, corpus: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", INGEST, str(BATCH), "--store", str(store), "ingest", str(corpus)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for_lock(proc: subprocess.Popen[str]) -> None:
    """Until the writer has opened the store (and so holds its lock)."""
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.strip() == "store open", (line, proc.stderr.read() if proc.stderr else "")


@pytest.mark.slow
def test_reliability_second_ingest_fails_with_a_message_and_writes_nothing(scene: Scene) -> None:  # noqa: F811
    path = scene.fresh_store("two-writers")
    first = start_ingest(path, scene.corpus)
    try:
        wait_for_lock(first)
        second = subprocess.run(
            [sys.executable, "-m", "alliances.cli", "--store", str(path), "ingest", str(scene.corpus)],
            check=False, capture_output=True, text=True, timeout=60,
        )
        assert second.returncode == 1, second.stderr
        assert f"Error: the store at {path} is locked: another alliances process is writing to it; wait for it to " \
               "finish or use another --store" in second.stderr
        assert "Traceback" not in second.stderr
        _, err = first.communicate(timeout=120)
        assert first.returncode == 0, err
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    done, added = scene.check(path)
    assert (done, added) == (len(scene.order), 5)


@pytest.mark.slow
def test_reliability_readers_never_see_half_a_document(scene: Scene) -> None:  # noqa: F811
    """Open a reader again and again while `alliances ingest` replaces 20 documents and adds 5, three per
    transaction: every state a reader sees is whole documents, old or new, in whole transactions."""
    path = scene.fresh_store("readers")
    writer = start_ingest(path, scene.corpus)
    seen: set[int] = set()
    reads = 0
    try:
        while writer.poll() is None:
            with open_store(path, read_only=True) as reader:
                got = doc_graphs(reader)
            reads += 1
            new = 0
            for doc, graph in got.items():
                assert graph == scene.old.get(doc) or graph == scene.new.get(doc), f"reader saw {doc} half written"
                new += doc in scene.new
            assert new % BATCH == 0 or new == len(scene.order), f"reader saw {new} new documents: half a batch"
            seen.add(new)
        assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    assert reads >= 2
    assert scene.check(path)[0] == len(scene.order)


@pytest.mark.slow
def test_reliability_serve_answers_from_whole_documents_while_ingest_writes(scene: Scene) -> None:  # noqa: F811
    """`alliances serve` answers while `alliances ingest` replaces 20 documents and adds 5, three per transaction:
    every answer counts whole documents, old or new per source, and whole transactions."""
    import httpx
    import pyoxigraph as ox
    from test_reliability_crash import DOC_PREFIX, PROV_TIME
    from test_server import load_bench

    path = scene.fresh_store("serve")
    query = (f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} "
             f"FILTER(STRSTARTS(STR(?g), \"{DOC_PREFIX}\") && ?p != <{PROV_TIME.value}>) }}")
    answers = 0
    with load_bench().serve_process(path, "--workers", "1", "--max-rows", "1000000", "--timeout", "30") as running, \
            httpx.Client(base_url=running.url, timeout=60) as http:
        writer = start_ingest(path, scene.corpus)
        try:
            while True:
                done = writer.poll() is not None
                response = http.post("sparql", content=query.encode("utf-8"),
                                     headers={"Content-Type": "application/sparql-query",
                                              "Accept": "application/sparql-results+json"})
                assert response.status_code == 200, response.text
                rows = ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
                graphs: dict[str, set[str]] = {}
                for r in rows:  # type: ignore[union-attr]
                    quad = ox.Quad(r["s"], r["p"], r["o"], r["g"])
                    graphs.setdefault(r["g"].value[len(DOC_PREFIX):], set()).add(str(quad))
                answers += 1
                new = 0
                for doc, quads in graphs.items():
                    graph = frozenset(quads)
                    assert graph == scene.old.get(doc) or graph == scene.new.get(doc), f"serve saw {doc} half written"
                    new += doc in scene.new
                assert new % BATCH == 0 or new == len(scene.order), f"serve saw {new} new documents: half a batch"
                if done:
                    break
            assert writer.returncode == 0, writer.stderr.read() if writer.stderr else ""
        finally:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
    assert answers >= 2
