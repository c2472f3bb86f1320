"""Ingest into N-Quads files instead of a store, for a SPARQL server's bulk loader (Oxigraph, Fuseki/TDB2, QLever).

`alliances ingest --to-nquads DIR --jobs N` reads and extracts in N processes and writes `DIR/part-00000.nq`, …
(one named graph per document, as the embedded store holds them) and, when the run ends, `DIR/entities.nq`: the
entities graph (types, one skos:prefLabel, al:entityKey lookup keys) that the store would have derived. Names
resolve across the whole run exactly as in a fresh store, because `lookup` answers from the entities seen so far.

The folder is for a fresh load: documents already on the server are not known here, so nothing is replaced.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from alliances.graph.store import (
    _FACT_PREDICATES,
    ENTITIES,
    FOAF_NAME,
    SKOS_ALT,
    DocumentWrite,
    EntityHit,
    StoreError,
    _best,
    _entity_state,
    _entity_triples,
    _Facts,
    _is_entity,
    _kind,
)
from alliances.graph.vocab import normalise

PART_QUADS = 1_000_000  # quads per part file: parts load in parallel where the server's loader can


class NQuadsWriter:
    """A write-only target for `graph.ingest.ingest` that appends N-Quads to part files in a folder."""

    def __init__(self, folder: str | Path, part_quads: int = PART_QUADS) -> None:
        self.folder = Path(folder)
        if self.folder.exists() and (not self.folder.is_dir() or any(self.folder.iterdir())):
            raise StoreError(f"{self.folder} is not an empty folder; pass a new or empty folder to --to-nquads")
        self.folder.mkdir(parents=True, exist_ok=True)
        self.part_quads = part_quads
        self.parts: list[Path] = []
        self.quads = 0
        self._out: BinaryIO | None = None
        self._in_part = 0
        self._docs: set[str] = set()
        self._facts: dict[str, _Facts] = {}
        self._keys: dict[str, set[str]] = {}  # normalised name -> entity IRIs
        self._closed = False

    def __enter__(self) -> NQuadsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what ingest asks of a target

    def has_document(self, doc_id: str) -> bool:
        return doc_id in self._docs

    def document_by_source(self, source: str) -> str | None:
        return None  # a fresh load: nothing to replace

    def document_ids(self) -> set[str]:
        return set(self._docs)

    def lookup(self, name: str) -> list[EntityHit]:
        """Entities written so far with a name that normalises like `name` (as `Store.lookup` does)."""
        hits = []
        for iri in sorted(self._keys.get(normalise(name), ())):
            facts = self._facts[iri]
            hits.append(EntityHit(iri, _best(facts.labels) or "", _kind(iri, facts.types)))
        return hits

    def write_documents(self, batch: Sequence[DocumentWrite]) -> None:
        """Append the batch's document graphs to the current part file."""
        for write in batch:
            for q in write.quads:
                if q.predicate in _FACT_PREDICATES and _is_entity(q.subject):
                    facts = self._facts.setdefault(q.subject.value, _Facts())
                    facts.add(q.predicate, q.object)
                    if isinstance(q.object, ox.Literal) and q.predicate in (SKOS_ALT, FOAF_NAME):  # as the store keys
                        key = normalise(q.object.value)
                        if key:
                            self._keys.setdefault(key, set()).add(q.subject.value)
            self._docs.add(write.doc_id)
            self._emit(write.quads)

    def close(self) -> None:
        """Write the entities graph and close the files."""
        if self._closed:
            return
        self._closed = True
        entities = [
            ox.Quad(t.subject, t.predicate, t.object, ENTITIES)
            for iri, facts in sorted(self._facts.items())
            for t in sorted(_entity_triples(iri, *_entity_state(facts)), key=str)
        ]
        if self._out is not None:
            self._out.close()
            self._out = None
        path = self.folder / "entities.nq"
        path.write_bytes(ox.serialize(entities, format=ox.RdfFormat.N_QUADS) or b"")
        self.parts.append(path)
        self.quads += len(entities)
        self._facts.clear()

    def _emit(self, quads: Sequence[ox.Quad]) -> None:
        if self._out is None or self._in_part >= self.part_quads:
            if self._out is not None:
                self._out.close()
            path = self.folder / f"part-{len(self.parts):05d}.nq"
            self.parts.append(path)
            self._out = path.open("wb")
            self._in_part = 0
        self._out.write(ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b"")
        self._in_part += len(quads)
        self.quads += len(quads)
