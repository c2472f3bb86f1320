"""Crash safety: `alliances ingest` killed with SIGKILL at random points, or stopped by a full disk, leaves a store
that opens, validates, and holds the old or the new state of each document, never half of one.

Issue 6, part 2. The scene: a store holds version 1 of 20 sources; `alliances ingest` then reads version 2 of
them (each replaces its own graph) plus 5 new sources, three documents per transaction, and is killed.

Kills are cheap because a driver process imports everything once and forks one `alliances ingest` (the click
command itself, `cli.main`) per run; the driver never opens a store, so no RocksDB thread is lost in a fork.
Half the runs are killed at a random moment of the whole run, half at a random moment inside a write (a timer
armed when `Store.write_documents` starts), so kills land in RocksDB's commit and not only between documents.
After each kill this process checks every document graph against a reference run that was not interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliances.graph.ingest import ingest
from alliances.graph.store import ENTITIES, Store, open_store
from alliances.graph.validate import validate
from alliances.loaders.registry import iter_sources

BATCH = 3  # documents per transaction in these runs (the real default is 200): many commits to land in
V1_SOURCES = 20
NEW_SOURCES = 5
KILL_RUNS = int(os.environ.get("ALLIANCES_KILL_RUNS", "12"))  # more for a long local run
PROV_TIME = ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime")
DOC_PREFIX = "https://w3id.org/alliances/doc/"

ORGS = ["Røde Kors", "Mødrehjælpen", "Ældre Sagen", "Blå Kors Danmark", "Kirkens Korshær", "SAND", "Hus Forbi",
        "Projekt Udenfor"]


def text(n: int, version: int) -> str:
    """Version `version` of source n: a short press release with members, a funder and a facilitator."""
    alliance = f"Alliancen mod Ensomhed {n % 4}"
    return (
        f"Nyt om {alliance}\n\n{ORGS[n % 8]} er medlem af {alliance}. "
        f"Egmont Fonden støtter {alliance} med {n + version} mio. kr.\n"
        "Alliancen faciliteres af Center for Frivilligt Socialt Arbejde.\n\nMedlemmer:\n\n"
        f"{ORGS[(n + version) % 8]}\n{ORGS[(n + 3 * version) % 8]}\nForening nummer {n} version {version}\n"
    )


def write_corpus(folder: Path, version: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    count = V1_SOURCES if version == 1 else V1_SOURCES + NEW_SOURCES
    for n in range(count):
        (folder / f"doc{n:03d}.txt").write_text(text(n, version), encoding="utf-8")


Graph = frozenset[str]


def doc_graphs(store: Store) -> dict[str, Graph]:
    """Every document graph as a set of N-Quads lines, without its retrieval time (the only thing that differs
    between two runs over the same files)."""
    graphs: dict[str, set[str]] = {}
    for q in store._db.quads_for_pattern(None, None, None, None):
        g = q.graph_name
        if isinstance(g, ox.NamedNode) and g.value.startswith(DOC_PREFIX) and q.predicate != PROV_TIME:
            graphs.setdefault(g.value[len(DOC_PREFIX) :], set()).add(str(q))
    return {doc: frozenset(quads) for doc, quads in graphs.items()}


def source_of(graph: Graph) -> str:
    line = next(q for q in graph if "<http://purl.org/dc/terms/source>" in q and q.startswith("<" + DOC_PREFIX))
    return line.split("<http://purl.org/dc/terms/source> ", 1)[1].split('" ', 1)[0].strip('"')


def entities(store: Store) -> set[str]:
    return {str(q) for q in store._db.quads_for_pattern(None, None, None, ENTITIES)}


@dataclass
class Scene:
    root: Path
    corpus: Path  # holds version 2 once the scene is built
    v1_store: Path  # a closed store holding version 1
    old: dict[str, Graph]  # doc id -> graph, version 1
    new: dict[str, Graph]  # doc id -> graph, version 2 (written by an uninterrupted ingest)
    order: list[str]  # sources in the order ingest reads them
    final_entities: set[str]

    def fresh_store(self, name: str) -> Path:
        path = self.root / name
        shutil.copytree(self.v1_store, path)
        return path

    def check(self, path: Path) -> tuple[int, int]:
        """The store opens; each document graph is whole and is the old or the new version of its source; whole
        batches only; the entities graph matches the documents. Returns (sources at version 2, new sources)."""
        with open_store(path) as store:
            got = doc_graphs(store)
            problems = store.check_entities()
        assert problems == [], problems[:5]
        by_source: dict[str, str] = {}
        for doc, graph in got.items():
            assert graph == self.old.get(doc) or graph == self.new.get(doc), f"document {doc} is half written"
            source = source_of(graph)
            assert source not in by_source, f"{source} has two versions: a replacement was half done"
            by_source[source] = doc
        assert set(by_source) >= {source_of(g) for g in self.old.values()}, "a document was lost"
        done = [s for s in self.order if by_source.get(s) in self.new]
        assert done == self.order[: len(done)], "documents were written out of order"
        assert len(done) % BATCH == 0 or len(done) == len(self.order), f"{len(done)} documents: half a batch"
        added = sum(1 for s in done if not any(source_of(g) == s for g in self.old.values()))
        return len(done), added


@pytest.fixture(scope="module")
def scene(tmp_path_factory: pytest.TempPathFactory) -> Scene:
    import alliances.graph.ingest as ingest_module

    root = tmp_path_factory.mktemp("crash")
    corpus = root / "corpus"
    write_corpus(corpus, 1)
    saved, ingest_module.BATCH = ingest_module.BATCH, BATCH
    try:
        with open_store(root / "v1") as store:
            ingest(list(iter_sources([corpus])), store)
            old = doc_graphs(store)
        shutil.copytree(root / "v1", root / "reference")
        write_corpus(corpus, 2)
        order = [str(p) for p in iter_sources([corpus])]
        with open_store(root / "reference") as store:
            ingest(list(iter_sources([corpus])), store)
            new = {doc: g for doc, g in doc_graphs(store).items() if doc not in old}
            final = entities(store)
    finally:
        ingest_module.BATCH = saved
    assert len(old) == V1_SOURCES and len(new) == V1_SOURCES + NEW_SOURCES
    return Scene(root, corpus, root / "v1", old, new, order, final)


# The driver: imports and warms up everything, never opens a store, forks one `alliances ingest` per request.
DRIVER = textwrap.dedent(
    """
    import json, os, random, signal, sys, threading, time
    import alliances.graph.ingest as ingest_module
    from alliances.cli import cli
    from alliances.graph import store as store_module
    from alliances.loaders.extract import extract
    from alliances.loaders.registry import load_bytes

    ingest_module.BATCH = int(sys.argv[1])
    extract(load_bytes("Røde Kors er medlem af Alliancen mod Ensomhed.".encode(), "warm-up", "text")[0])
    write_documents = store_module.Store.write_documents

    def child(store, corpus, seed, mode, progress):
        rnd = random.Random(seed)
        writes = [0]
        target = rnd.randrange(int(sys.argv[2])) if mode == "write" else -1

        def traced(self, batch):
            os.write(progress, b"w")
            if writes[0] == target:  # kill at a random moment inside this write
                delay = rnd.uniform(0.0, float(sys.argv[3]))
                threading.Timer(delay, os.kill, (os.getpid(), signal.SIGKILL)).start()
            writes[0] += 1
            write_documents(self, batch)
            os.write(progress, b"d")

        store_module.Store.write_documents = traced
        code = 0
        try:
            cli.main(["--store", store, "ingest", corpus], standalone_mode=False)
        except BaseException:
            code = 1
        os._exit(code)

    print("ready", flush=True)
    for line in sys.stdin:
        store, corpus, seed, mode, window = line.split()
        read, write = os.pipe()
        started = time.monotonic()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            child(store, corpus, int(seed), mode, write)
        os.close(write)
        os.set_blocking(read, False)
        reaped = (0, 0)
        if mode == "time":  # kill at a random moment of the whole run
            deadline = started + random.Random(int(seed)).uniform(0.0, float(window))
            while time.monotonic() < deadline and reaped == (0, 0):
                reaped = os.waitpid(pid, os.WNOHANG)
                time.sleep(0.002)
            if reaped == (0, 0):
                os.kill(pid, signal.SIGKILL)
        _, status = reaped if reaped != (0, 0) else os.waitpid(pid, 0)
        trace = b""
        while True:
            try:
                chunk = os.read(read, 4096)
            except BlockingIOError:
                break
            if not chunk:
                break
            trace += chunk
        os.close(read)
        print(json.dumps({"killed": os.WIFSIGNALED(status), "exit": os.waitstatus_to_exitcode(status),
                          "trace": trace.decode(), "seconds": round(time.monotonic() - started, 3)}), flush=True)
    """
)


class Driver:
    def __init__(self, writes: int, write_seconds: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(BATCH), str(writes), str(write_seconds)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"

    def run(self, store: Path, corpus: Path, seed: int, mode: str, window: float = 0.0) -> dict[str, object]:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{store} {corpus} {seed} {mode} {window}\n")
        self.proc.stdin.flush()
        return json.loads(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.mark.slow
def test_reliability_sigkill_mid_ingest_leaves_old_or_new_documents(scene: Scene) -> None:
    writes = -(-(V1_SOURCES + NEW_SOURCES) // BATCH)
    # time one uninterrupted run: the window random kills are drawn from
    driver = Driver(writes, 0.05)
    try:
        full = driver.run(scene.fresh_store("timing"), scene.corpus, 0, "none")
        assert full["exit"] == 0 and full["trace"] == "wd" * writes, full
        assert scene.check(scene.root / "timing") == (V1_SOURCES + NEW_SOURCES, NEW_SOURCES)
        driver.close()
        per_write = float(full["seconds"]) / writes  # type: ignore[arg-type]
        driver = Driver(writes, per_write)
        outcomes = []
        finished = 0
        for run in range(KILL_RUNS):
            path = scene.fresh_store(f"killed{run}")
            mode = "write" if run % 2 else "time"
            result = driver.run(path, scene.corpus, 1000 + run, mode, float(full["seconds"]))  # type: ignore[arg-type]
            done, _ = scene.check(path)
            trace = str(result["trace"])
            outcomes.append((result["killed"], trace.endswith("w"), done))
            if 0 < done < len(scene.order) and finished < 1:  # a mixed state: SHACL, and finishing the job
                finished += 1
                report = _validate(path)
                assert report.conforms, report.problems[:5]
                with open_store(path) as store:
                    ingest(list(iter_sources([scene.corpus])), store)
                    assert doc_graphs(store) == {**scene.new}
                    assert entities(store) == scene.final_entities
    finally:
        driver.close()
    killed = [o for o in outcomes if o[0]]
    inside_a_write = [o for o in killed if o[1]]
    assert len(killed) >= KILL_RUNS // 2, outcomes  # most runs were really killed, not finished first
    assert inside_a_write, outcomes  # and some of them inside a write
    print(f"kills: {len(killed)} of {KILL_RUNS} runs, {len(inside_a_write)} inside a write; {outcomes}")


_VALIDATED: list[int] = []


def _validate(path: Path):  # type: ignore[no-untyped-def]
    """SHACL takes seconds on even a small store: validate a few states, not every one."""
    if len(_VALIDATED) >= 3:
        from alliances.graph.validate import ValidationReport

        return ValidationReport(True, [])
    _VALIDATED.append(1)
    with open_store(path, read_only=True) as store:
        return validate(store)


# ---------------------------------------------------------------- disk full


def _tmpfs(folder: Path, size: int) -> bool:
    """Mount a tmpfs of `size` bytes at `folder` (needs root); False where that is not possible."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    folder.mkdir(parents=True, exist_ok=True)
    command = ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)]
    done = subprocess.run(command, check=False, capture_output=True)
    return done.returncode == 0


def _store_bytes(path: Path) -> int:
    """What the store's files take on a tmpfs: each file rounded up to whole 4 kB pages."""
    return sum(-(-f.stat().st_size // 4096) * 4096 for f in path.rglob("*") if f.is_file())


FSIZE_CHILD = textwrap.dedent(
    """
    import resource, signal, sys
    from alliances.cli import main
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    sys.argv = ["alliances", *sys.argv[2:]]
    main()
    """
)


@pytest.mark.slow
@pytest.mark.parametrize(("headroom", "outcome"), [(128 * 1024, "open"), (1024 * 1024, "write")])
def test_reliability_disk_full_mid_ingest_leaves_old_or_new_documents(scene: Scene, headroom: int, outcome: str) -> None:
    """The store sits on a file system with `headroom` bytes free: ingest fails with a message (or fits), and the
    store holds whole old or new documents. A tmpfs is mounted where we may (root); elsewhere the child's file
    size limit (RLIMIT_FSIZE, SIGXFSZ ignored, so writes fail with EFBIG) stands in for the full disk.

    With 128 kB free RocksDB cannot even write its manifest when it opens; with 1 MB the first write fails
    (RocksDB reserves write-ahead-log space in large steps, so a run rarely stops between two writes); 3 MB fit."""
    source = scene.v1_store
    mount = scene.root / f"tmpfs{headroom}"
    mounted = _tmpfs(mount, _store_bytes(source) + headroom)
    try:
        if mounted:
            path = mount / "store"
            shutil.copytree(source, path)
            command = [sys.executable, "-m", "alliances.cli", "--store", str(path), "ingest", str(scene.corpus)]
        else:
            path = scene.fresh_store(f"fsize{headroom}")
            largest = max(f.stat().st_size for f in path.rglob("*") if f.is_file())
            command = [sys.executable, "-c", FSIZE_CHILD, str(largest + headroom), "--store", str(path), "ingest",
                       str(scene.corpus)]
        proc = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
        assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
        if proc.returncode != 0:
            assert proc.returncode == 1, proc.stderr[-2000:]
            assert "Error: could not write to the store" in proc.stderr or "Error: could not open" in proc.stderr, \
                proc.stderr[-2000:]
        copy = scene.root / f"after-full{headroom}"
        shutil.copytree(path, copy)  # check a copy on a disk with room: opening for writing may need space
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mount)], check=False, capture_output=True)
    done, _ = scene.check(copy)
    if mounted:
        expected = {"open": "Error: could not open the store", "write": "Error: could not write to the store"}
        if outcome in expected:
            assert proc.returncode == 1 and expected[outcome] in proc.stderr, proc.stderr[-2000:]
            assert "No space left on device" in proc.stderr
            assert done == 0  # "nothing was written": the old state, whole
        else:
            assert proc.returncode == 0 and done == len(scene.order)
    if outcome == "write":
        with open_store(copy, read_only=True) as store:
            report = validate(store)
        assert report.conforms, report.problems[:5]
