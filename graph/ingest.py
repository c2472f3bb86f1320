"""The main job: sources in, one named graph per document out, all-or-nothing per batch.

read (loaders) -> extract (loaders.extract) -> resolve (graph.resolve) -> RDF (graph.rdf) -> store.
A document already stored (same content hash) is skipped; a source whose text changed replaces its own graph.
Bad files are reported and skipped, or, with ``strict``, abort the whole run before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from alliances.graph.curation import Curation, load_curation
from alliances.graph.rdf import document_quads
from alliances.graph.resolve import Resolver
from alliances.graph.store import DocumentWrite, Store
from alliances.loaders.assertions import Extraction
from alliances.loaders.document import Document
from alliances.loaders.extract import extract
from alliances.loaders.registry import LoaderError, load

BATCH = 200  # documents per transaction: large enough to be fast, small enough to bound memory


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


def ingest(
    sources: Sequence[Path],
    store: Store,
    *,
    strict: bool = False,
    min_confidence: float = 0.0,
    curation: Path | None = None,
    on_document: Callable[[str], None] | None = None,
) -> IngestReport:
    """Ingest files (see `loaders.registry.iter_sources` for folders) into the store."""
    cur = load_curation(curation)
    report = IngestReport()
    extra = cur.document()
    pending: list[tuple[Document, str]] = [(extra, extra.source)] if extra is not None else []
    for path in sources:
        try:
            loaded = load(path)
        except LoaderError as e:
            if strict:
                raise
            report.skipped.append((str(path), str(e)))
            loaded = []
        for doc in loaded:
            for key in ("encoding_note", "parse_note", "notes"):  # what the loader noticed, for the user to see
                note = doc.metadata.get(key)
                if note:
                    report.notes.append(f"{doc.source}: {note}")
            pending.append((doc, str(path)))
        if strict:  # nothing is written until every file has been read
            if on_document:
                on_document(str(path))
        elif len(pending) >= BATCH:
            write_documents(pending, store, cur, min_confidence, report, on_document)
            pending = []
    write_documents(pending, store, cur, min_confidence, report, None if strict else on_document)
    return report


def write_documents(
    docs: Iterable[tuple[Document, str]],
    store: Store,
    curation: Curation,
    min_confidence: float,
    report: IngestReport,
    on_document: Callable[[str], None] | None = None,
) -> None:
    """Extract, resolve and write documents in one transaction."""
    resolver = Resolver(lambda name: [(h.iri, h.kind) for h in store.lookup(name)], curation)
    writes: list[DocumentWrite] = []
    seen: set[str] = set()
    now = datetime.now(timezone.utc)
    for doc, label in docs:
        if doc.id in seen or store.has_document(doc.id):
            report.unchanged.append(doc.source)
        else:
            seen.add(doc.id)
            previous = store.document_by_source(doc.source)
            extraction = filter_extraction(extract(doc), min_confidence, curation)
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
) -> IngestReport:
    """Extract every stored document again with today's rules, lexicons and curation file, in one transaction.

    This is how a coordinator's corrections reach documents ingested before she made them.
    """
    cur = load_curation(curation)
    report = IngestReport()
    docs = stored_documents(store)
    extra = cur.document()
    stale_curation = [d for d in store.document_ids() if d not in {x.id for x in docs}]
    resolver = Resolver(None, cur)
    writes: list[DocumentWrite] = []
    now = datetime.now(timezone.utc)
    for doc in ([extra] if extra is not None else []) + docs:
        extraction = filter_extraction(extract(doc), min_confidence, cur)
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
