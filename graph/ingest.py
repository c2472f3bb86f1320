"""The main job: sources in, one named graph per document out, all-or-nothing per batch.

read (loaders) -> extract (loaders.extract) -> resolve (graph.resolve) -> RDF (graph.rdf) -> store.
A document already stored (same content hash) is skipped; a source whose text changed replaces its own graph.
Bad files are reported and skipped, or, with ``strict``, abort the whole run before anything is written.

Reading and extraction, the slow part, run in ``jobs`` worker processes; one writer (this process) resolves
names and writes, in the order the sources were given, so ``jobs`` never changes the graph. Sources stream
through: at most a few batches of documents are in memory at once, however many files there are (``strict``
is the exception: it holds every document until all files have been read, then writes them in one transaction).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

from alliances.graph.curation import Curation, load_curation
from alliances.graph.rdf import document_quads
from alliances.graph.resolve import Resolver
from alliances.graph.store import DocumentWrite, EntityHit, Store
from alliances.loaders.assertions import Extraction
from alliances.loaders.document import Document
from alliances.loaders.plugins import Plugins, extract_with
from alliances.loaders.registry import LoaderError, load

BATCH = 200  # documents per transaction: large enough to be fast, small enough to bound memory
CHUNK = 4  # files per task sent to a worker process
AHEAD = 4  # tasks in flight per worker: keeps the workers busy while bounding what waits in memory


class Target(Protocol):
    """Where ingest writes: a `Store`, or a `graph.nquads.NQuadsWriter` for a server's bulk loader."""

    def has_document(self, doc_id: str) -> bool: ...
    def document_by_source(self, source: str) -> str | None: ...
    def document_ids(self) -> set[str]: ...
    def lookup(self, name: str) -> list[EntityHit]: ...
    def write_documents(self, batch: Sequence[DocumentWrite]) -> None: ...


@dataclass
class IngestReport:
    """What an ingest did, for the CLI to summarise."""

    added: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. legacy encodings detected
    assertions: int = 0
    positions: int = 0
    entities: int = 0


def filter_extraction(extraction: Extraction, min_confidence: float, curation: Curation) -> Extraction:
    """Drop what the coordinator rejected or what falls below the confidence asked for; raise what she accepted."""
    kept = []
    for a in extraction.assertions:
        s_names, o_names = a.subject.names or (a.subject.text,), a.object.names or (a.object.text,)
        if curation.is_rejected(s_names, a.relation, o_names):
            continue
        if curation.is_accepted(s_names, a.relation, o_names):
            a = type(a)(**{**a.__dict__, "confidence": 1.0})
        if a.confidence >= min_confidence:
            kept.append(a)
    positions = tuple(p for p in extraction.positions if p.confidence >= min_confidence)
    return Extraction(extraction.doc_id, extraction.mentions, tuple(kept), positions, extraction.notes)


# ---------------------------------------------------------------- reading and extraction (worker side)


@dataclass(frozen=True)
class _Read:
    """One source file read and extracted: its documents, each with its extraction (None: already stored)."""

    path: str
    docs: tuple[tuple[Document, Extraction | None], ...] = ()
    error: LoaderError | None = None


@dataclass(frozen=True)
class _Settings:
    curation: Curation
    min_confidence: float
    stored: frozenset[str]  # document ids in the store when the run began: not extracted again
    extract: bool = True  # False: only read; the writer extracts (one process, so no work is wasted)
    plugins: Plugins | None = None  # optional NER / LLM plug-ins (loaders.plugins); plain values, so picklable


_SETTINGS: _Settings | None = None


def _init_worker(settings: _Settings) -> None:
    global _SETTINGS
    _SETTINGS = settings


def _read(path: Path, settings: _Settings) -> _Read:
    try:
        loaded = load(path)
    except LoaderError as e:
        return _Read(str(path), (), e)
    docs = tuple(
        (doc, None if not settings.extract or doc.id in settings.stored else
         filter_extraction(extract_with(doc, settings.plugins), settings.min_confidence, settings.curation))
        for doc in loaded
    )
    return _Read(str(path), docs)


def _read_chunk(paths: list[Path]) -> list[_Read]:
    assert _SETTINGS is not None, "worker not initialised"
    return [_read(p, _SETTINGS) for p in paths]


def _chunks(paths: Iterable[Path], size: int) -> Iterator[list[Path]]:
    chunk: list[Path] = []
    for p in paths:
        chunk.append(Path(p))
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def read_sources(paths: Iterable[Path], settings: _Settings, jobs: int = 1) -> Generator[_Read, None, None]:
    """Every source read and extracted, in the order given; with `jobs` > 1 in that many worker processes.

    At most `jobs * AHEAD` chunks are in flight, so a slow writer holds back the readers instead of letting
    results pile up in memory. Workers are started with "spawn": they never inherit the open store.
    """
    if jobs <= 1:
        for p in paths:
            yield _read(Path(p), settings)
        return
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(jobs, mp_context=context, initializer=_init_worker, initargs=(settings,))
    window: deque[Future[list[_Read]]] = deque()
    try:
        for chunk in _chunks(paths, CHUNK):
            window.append(pool.submit(_read_chunk, chunk))
            if len(window) >= jobs * AHEAD:
                yield from window.popleft().result()
        while window:
            yield from window.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def default_jobs() -> int:
    """The cores this process may use (what `--jobs 0` means)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


# ---------------------------------------------------------------- the writer


def ingest(
    sources: Iterable[Path],
    store: Target,
    *,
    strict: bool = False,
    min_confidence: float = 0.0,
    curation: Path | None = None,
    on_document: Callable[[str], None] | None = None,
    jobs: int = 1,
    plugins: Plugins | None = None,
) -> IngestReport:
    """Ingest files (see `loaders.registry.iter_sources` for folders) into the store.

    `jobs` worker processes read and extract (0: one per core); the graph is the same for any `jobs`.
    """
    cur = load_curation(curation)
    if plugins:
        plugins.check()  # a plug-in that cannot run fails here, before anything is written
    report = IngestReport()
    jobs = jobs or default_jobs()
    if jobs > 1:
        settings = _Settings(cur, min_confidence, frozenset(store.document_ids()), plugins=plugins)
    else:
        settings = _Settings(cur, min_confidence, frozenset(), extract=False, plugins=plugins)
    extra = cur.document()
    pending: list[tuple[Document, Extraction | None, str]] = [(extra, None, extra.source)] if extra else []
    reads = read_sources(sources, settings, jobs)
    with contextlib.closing(reads):  # on an error, the worker processes stop now, not when garbage is collected
        for read in reads:
            _take(read, pending, report, strict)
            if strict:  # nothing is written until every file has been read
                if on_document:
                    on_document(read.path)
            elif len(pending) >= BATCH:
                _write(pending, store, cur, min_confidence, report, on_document, plugins)
                pending = []
    _write(pending, store, cur, min_confidence, report, None if strict else on_document, plugins)
    return report


def _take(
    read: _Read, pending: list[tuple[Document, Extraction | None, str]], report: IngestReport, strict: bool
) -> None:
    """Queue a source's documents for writing, noting what the loader noticed; a bad file is skipped or raised."""
    if read.error is not None:
        if strict:
            raise read.error
        report.skipped.append((read.path, str(read.error)))
    for doc, extraction in read.docs:
        for key in ("encoding_note", "parse_note", "notes"):  # what the loader noticed, for the user to see
            note = doc.metadata.get(key)
            if note:
                report.notes.append(f"{doc.source}: {note}")
        pending.append((doc, extraction, read.path))


def write_documents(
    docs: Iterable[tuple[Document, str]],
    store: Target,
    curation: Curation,
    min_confidence: float,
    report: IngestReport,
    on_document: Callable[[str], None] | None = None,
) -> None:
    """Extract, resolve and write documents in one transaction."""
    _write([(doc, None, label) for doc, label in docs], store, curation, min_confidence, report, on_document)


def _write(
    docs: Iterable[tuple[Document, Extraction | None, str]],
    store: Target,
    curation: Curation,
    min_confidence: float,
    report: IngestReport,
    on_document: Callable[[str], None] | None = None,
    plugins: Plugins | None = None,
) -> None:
    """Resolve and write documents (extracting those a worker did not) in one transaction."""
    resolver = Resolver(lambda name: [(h.iri, h.kind) for h in store.lookup(name)], curation)
    writes: list[DocumentWrite] = []
    seen: set[str] = set()
    now = datetime.now(timezone.utc)
    for doc, extraction, label in docs:
        if doc.id in seen or store.has_document(doc.id):
            report.unchanged.append(doc.source)
        else:
            seen.add(doc.id)
            previous = store.document_by_source(doc.source)
            if extraction is None:
                extraction = filter_extraction(extract_with(doc, plugins), min_confidence, curation)
            report.notes.extend(f"{doc.source}: {note}" for note in extraction.notes)  # e.g. a plug-in that failed
            entities = resolver.resolve(extraction)
            writes.append(DocumentWrite(doc.id, document_quads(doc, extraction, entities, now), previous))
            (report.replaced if previous else report.added).append(doc.source)
            report.assertions += len(extraction.assertions)
            report.positions += len(extraction.positions)
            report.entities += len(entities)
        if on_document:
            on_document(label)
    store.write_documents(writes)


_STORED = """
SELECT ?doc ?source ?language ?text ?encoding WHERE {
  GRAPH ?doc { ?doc a al:Document ; dcterms:source ?source ; dcterms:language ?language ; al:text ?text .
               OPTIONAL { ?doc al:encoding ?encoding } }
}
"""


def stored_documents(store: Store) -> list[Document]:
    """The documents in the store, rebuilt from the text kept with each (layout: one block per line)."""
    docs = []
    for row in store.select(_STORED):
        source = str(row["source"])
        if source.startswith("curation:"):
            continue  # facts a coordinator added come back from the curation file itself
        docs.append(Document(str(row["text"]), source, str(row["language"]),
                             metadata={"encoding": str(row.get("encoding") or "utf-8")}))
    return docs


def rebuild(
    store: Store,
    *,
    min_confidence: float = 0.0,
    curation: Path | None = None,
    on_document: Callable[[str], None] | None = None,
    plugins: Plugins | None = None,
) -> IngestReport:
    """Extract every stored document again with today's rules, lexicons and curation file, in one transaction.

    This is how a coordinator's corrections reach documents ingested before she made them.
    """
    cur = load_curation(curation)
    if plugins:
        plugins.check()
    report = IngestReport()
    docs = stored_documents(store)
    extra = cur.document()
    stale_curation = [d for d in store.document_ids() if d not in {x.id for x in docs}]
    resolver = Resolver(None, cur)
    writes: list[DocumentWrite] = []
    now = datetime.now(timezone.utc)
    for doc in ([extra] if extra is not None else []) + docs:
        extraction = filter_extraction(extract_with(doc, plugins), min_confidence, cur)
        report.notes.extend(f"{doc.source}: {note}" for note in extraction.notes)
        entities = resolver.resolve(extraction)
        replaces = stale_curation.pop() if doc is extra and stale_curation else None
        writes.append(DocumentWrite(doc.id, document_quads(doc, extraction, entities, now), replaces))
        report.replaced.append(doc.source)
        report.assertions += len(extraction.assertions)
        report.positions += len(extraction.positions)
        report.entities += len(entities)
        if on_document:
            on_document(doc.source)
    store.write_documents(writes)
    if stale_curation:  # the curation file no longer adds facts: drop what older versions added
        store.remove_documents(stale_curation)
    return report
