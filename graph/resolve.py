"""Entity resolution: the mentions of one document, grouped by extraction, get IRIs shared across documents.

An entity's IRI comes, in this order, from: the curation file (a coordinator merged two names); the gazetteer
(the same organisation gets the same IRI in every run and every corpus); an entity already in the store or
earlier in this ingest with one of the same names ("BL" in one text, "BL – Danmarks Almene Boliger" in the
next); else a new IRI from the fullest name. National branches have names of their own ("Red Barnet
Danmark") and so stay distinct from their parent.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from alliances.graph.curation import Curation
from alliances.graph.vocab import entity_iri, normalise, slug
from alliances.loaders.assertions import Extraction, Mention
from alliances.loaders.lexicon import gazetteer

Lookup = Callable[[str], list[tuple[str, str]]]  # name -> [(iri, kind)]


@dataclass(frozen=True)
class Entity:
    """One resolved entity of a document: its IRI, kind, finer class and every name the document uses."""

    iri: str
    kind: str
    org_type: str
    names: tuple[str, ...]
    generated_name: str = ""


class Resolver:
    """Resolves documents one after the other, remembering the names it has given IRIs to."""

    def __init__(self, lookup: Lookup | None = None, curation: Curation | None = None) -> None:
        self.lookup = lookup
        self.curation = curation or Curation()
        self.index: dict[tuple[str, str], str] = {}  # (kind, normalised name) -> iri

    def resolve(self, extraction: Extraction) -> dict[str, Entity]:
        """Mention key -> Entity for every entity the extraction found."""
        groups: dict[str, list[Mention]] = {}
        for m in extraction.mentions:
            groups.setdefault(m.key, []).append(m)
        out: dict[str, Entity] = {}
        members: dict[str, list[str]] = {}
        for a in extraction.assertions:
            if a.relation == "memberOf":
                members.setdefault(a.object.key, []).append(a.subject.key)
        for key, ms in groups.items():
            names = tuple(dict.fromkeys(n for m in ms for n in (m.names or (m.text,)) if n))
            kind = ms[0].kind
            org_type = next((m.org_type for m in ms if m.org_type), "")
            if any(m.generated for m in ms):
                continue
            if not self.curation.is_entity(names):
                continue
            out[key] = Entity(self._iri(key, kind, names), kind, org_type, names)
        for key, ms in groups.items():
            if any(m.generated for m in ms):
                parties = sorted({out[k].names[0] if k in out and out[k].names else k for k in members.get(key, [])})
                label = " + ".join(parties)
                iri = entity_iri("Alliance", "agreement-" + slug(label))
                out[key] = Entity(str(iri), "Alliance", "", (), generated_name=label)
        return out

    def _iri(self, key: str, kind: str, names: tuple[str, ...]) -> str:
        names = tuple(dict.fromkeys(self.curation.name_for(n) for n in names))
        ordered = sorted(names, key=len, reverse=True)
        iri = None
        entry = next((gazetteer().get(normalise(n)) for n in ordered if gazetteer().get(normalise(n))), None)
        same_kind = entry is not None and entry.kind == ("Alliance" if kind == "Alliance" else "Organisation")
        if entry is not None and (":gaz:" in key or same_kind):
            iri = str(entity_iri(kind, slug(entry.name)))  # the gazetteer's name: the same IRI in every run
        if iri is None:
            iri = self._known(kind, ordered)
        if iri is None:
            base = key.split(":", 2)[-1] if key.startswith("A:desc:") else ordered[0] if ordered else key
            iri = str(entity_iri(kind, slug(base)))
        for n in names:
            self.index.setdefault((kind, normalise(n)), iri)
        return iri

    def _known(self, kind: str, names: list[str]) -> str | None:
        for n in names:
            hit = self.index.get((kind, normalise(n)))
            if hit:
                return hit
        if self.lookup is None or kind == "Person":
            return None
        for n in names:
            hits = {iri for iri, k in self.lookup(n) if k == kind}
            if len(hits) == 1:
                return hits.pop()
        return None
