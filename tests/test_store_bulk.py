"""The bulk write path of the store: large batches of new documents go through Oxigraph's bulk loader, and a
journal makes them all-or-nothing (see `Store._commit_bulk`)."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliances.graph import store as store_module
from alliances.graph.store import PENDING, DocumentWrite, Store, StoreError, open_store
from alliances.graph.vocab import BASE, document_iri

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
ORG = ox.NamedNode("http://www.w3.org/ns/org#Organization")
SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")


def doc(n: int, names: dict[int, str], source: str | None = None, replaces: str | None = None) -> DocumentWrite:
    """Document n: a source, and organisations (number -> name) typed and labelled in its graph."""
    doc_id = hashlib.sha256(f"doc {n}".encode()).hexdigest()
    g = ox.NamedNode(str(document_iri(doc_id)))
    quads = [ox.Quad(g, SOURCE, ox.Literal(source or f"src/{n}.txt"), g)]
    for e, name in names.items():
        iri = ox.NamedNode(f"{BASE}id/org/o{e}")
        quads += [ox.Quad(iri, RDF_TYPE, ORG, g), ox.Quad(iri, ALT, ox.Literal(name), g)]
    return DocumentWrite(doc_id, quads, replaces)


def batches() -> list[list[DocumentWrite]]:
    """Two batches: new documents, then new ones and a new version of a source that drops a longer name."""
    first = [doc(n, {n % 7: f"Org {n % 7}", 10 + n: f"Forening {n}"}) for n in range(30)]
    first.append(doc(99, {3: "Org 3 – Danmarks Landsforening"}, source="src/changing.txt"))
    second = [doc(n, {n % 5: f"Org {n % 5}"}) for n in range(30, 40)]
    second.append(doc(100, {3: "Org 3"}, source="src/changing.txt", replaces=first[-1].doc_id))
    return [first, second]


def all_quads(store: Store) -> set[ox.Quad]:
    return set(store._db.quads_for_pattern(None, None, None, None))


@pytest.mark.parametrize("threshold", [1])
def test_store_bulk_path_writes_what_one_update_writes(tmp_path, monkeypatch, threshold):
    with open_store(tmp_path / "update") as plain:
        for batch in batches():
            plain.write_documents(batch)
        expected = all_quads(plain)
    monkeypatch.setattr(store_module, "BULK_MIN_QUADS", threshold)
    with open_store(tmp_path / "bulk") as bulk:
        for batch in batches():
            bulk.write_documents(batch)
        assert all_quads(bulk) == expected
        assert bulk.check_entities() == []
        assert [h.label for h in bulk.lookup("Org 3")] == ["Org 3"]  # the longer name left with its document
        assert not bulk._db.contains_named_graph(PENDING)


class _FailingBulk:
    """The real database, except that the bulk loader fails (a full disk, say)."""

    def __init__(self, db: ox.Store) -> None:
        self._db = db

    def bulk_extend(self, quads: object) -> None:
        raise OSError("No space left on device")

    def __getattr__(self, name: str) -> object:
        return getattr(self._db, name)


@pytest.mark.parametrize("threshold", [1])
def test_store_bulk_failure_writes_nothing(tmp_path, monkeypatch, threshold):
    monkeypatch.setattr(store_module, "BULK_MIN_QUADS", threshold)
    first, second = batches()
    with open_store(tmp_path / "s") as store:
        store.write_documents(first)
        before = all_quads(store)
        store._ox = _FailingBulk(store._db)  # type: ignore[assignment]
        with pytest.raises(StoreError, match="No space left on device; nothing was written"):
            store.write_documents(second)
        assert all_quads(store) == before


@pytest.mark.parametrize("threshold", [1])
def test_store_bulk_batch_cut_short_is_undone_when_the_store_opens(tmp_path, monkeypatch, threshold):
    """A process that died after the bulk load, before the batch's last update: the next writer drops it."""
    monkeypatch.setattr(store_module, "BULK_MIN_QUADS", threshold)
    first, second = batches()
    with open_store(tmp_path / "s") as store:
        store.write_documents(first)
        before = all_quads(store)
        db = store._db  # steps 1 and 2 of _commit_bulk, then the "crash"
        db.update(store_module._render_update(
            [], [], [ox.Quad(ox.NamedNode(str(document_iri(w.doc_id))), RDF_TYPE, store_module.AL_DOCUMENT, PENDING)
                     for w in second]))
        db.bulk_extend([q for w in second for q in w.quads])
        del db  # Oxigraph releases the lock with the last reference
    with open_store(tmp_path / "s", read_only=True) as reader:  # a reader sees the unfinished batch …
        assert len(reader) > len(before)
    with open_store(tmp_path / "s") as store:  # … the next writer undoes it
        assert all_quads(store) == before
        assert store.check_entities() == []
        store.write_documents(second)  # and the batch can be written again
        assert store.check_entities() == []


WRITER = textwrap.dedent(
    """
    import hashlib, random, sys
    import pyoxigraph as ox
    from alliances.graph import store as store_module
    from alliances.graph.store import DocumentWrite, open_store
    from alliances.graph.vocab import BASE, document_iri

    store_module.BULK_MIN_QUADS = 1  # every batch takes the bulk path
    ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
    SOURCE = ox.NamedNode("http://purl.org/dc/terms/source")
    COUNT = ox.NamedNode("urn:test:quadCount")
    store = open_store(sys.argv[1])
    rnd = random.Random(int(sys.argv[2]))
    print("ready", flush=True)
    for round_ in range(10**6):
        batch, sources = [], set()
        for k in range(40):
            source = f"src/{rnd.randrange(60)}.txt"
            if source in sources:
                continue
            sources.add(source)
            doc_id = hashlib.sha256(f"{source} {round_} {k}".encode()).hexdigest()
            g = ox.NamedNode(str(document_iri(doc_id)))
            quads = [ox.Quad(g, SOURCE, ox.Literal(source), g)]
            for e in rnd.sample(range(50), 4):
                quads.append(ox.Quad(ox.NamedNode(f"{BASE}id/org/o{e}"), ALT,
                                     ox.Literal(f"Org {e}" + " Fonden" * rnd.randrange(3)), g))
            quads += [ox.Quad(g, ox.NamedNode(f"urn:test:f{i}"), ox.Literal("x" * 100), g)
                      for i in range(rnd.randrange(10, 400))]
            quads.append(ox.Quad(g, COUNT, ox.Literal(len(quads) + 1), g))
            batch.append(DocumentWrite(doc_id, quads, replaces=store.document_by_source(source)))
        store.write_documents(batch)
        print(round_, flush=True)
    """
)


@pytest.mark.parametrize("seed", [5])
def test_store_bulk_survives_sigkill(tmp_path, seed):
    """SIGKILL a writer of bulk batches at random moments: every document whole, one version per source, the
    entities graph consistent, no journal left."""
    rnd = random.Random(seed)
    path = tmp_path / "s"
    for _ in range(2):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(path), str(rnd.randrange(10**6))],
                                  stdout=subprocess.PIPE, text=True)
        try:
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
            writer.stdout.readline()
            started = time.monotonic()
            writer.stdout.readline()
            time.sleep(rnd.uniform(0.0, time.monotonic() - started))
            os.kill(writer.pid, signal.SIGKILL)
            writer.wait(timeout=20)
        finally:
            if writer.poll() is None:
                writer.kill()
                writer.wait()
        with open_store(path) as store:
            sources: set[str] = set()
            for doc_id in store.document_ids():
                g = ox.NamedNode(str(document_iri(doc_id)))
                quads = list(store._db.quads_for_pattern(None, None, None, g))
                declared = [int(q.object.value) for q in quads if q.predicate.value == "urn:test:quadCount"]
                assert declared == [len(quads)], f"document {doc_id} is not whole"
                source = next(q.object.value for q in quads if q.predicate == SOURCE)
                assert source not in sources, f"two versions of {source}: a replacement was half done"
                sources.add(source)
            assert store.check_entities() == []
            assert not store._db.contains_named_graph(PENDING)
