"""The questions the CLI answers, as functions: a store and a name in, plain data out.

Each function resolves the name to one entity (exact match on the normalised name key, or an IRI), runs a named
SPARQL file from `queries/` with the entity bound as a parameter (never pasted into the query text), and groups
the rows: one entry per alliance/organisation, each with the documents and sentences that state it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib.resources import files
from typing import Any, Protocol

from rdflib import URIRef

from .vocab import PREDICATE_RELATIONS, PREFIXES, normalise

KINDS: tuple[str, ...] = ("Organisation", "Alliance", "Person")
MAX_SUGGESTIONS = 5

_KIND_BY_TYPE = {
    "http://www.w3.org/ns/org#Organization": "Organisation",
    "https://w3id.org/alliances/ontology#Alliance": "Alliance",
    "http://www.w3.org/ns/org#OrganizationalCollaboration": "Alliance",
    "http://xmlns.com/foaf/0.1/Person": "Person",
    "https://schema.org/Person": "Person",
}
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_AL = "https://w3id.org/alliances/ontology#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_IRI_CHARS = re.compile(r'^[^\s<>"{}|^`\\]+$')  # what an IRI may not contain (RFC 3987), so no IRI error later
_SMALL_WORDS = frozenset({"og", "for", "af", "i", "mod", "til", "med", "på", "och", "för", "av", "mot", "the", "of"})


class NameResolutionError(LookupError):
    """A name that does not pick out exactly one entity."""


class UnknownName(NameResolutionError):
    """No entity has this name; `suggestions` are labels of entities with close names."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        hint = f"; did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"no organisation, alliance or person is called {name!r}{hint}")


class AmbiguousName(NameResolutionError):
    """Several entities carry this name; `candidates` lists them so the user can pick one by full name or IRI."""

    def __init__(self, name: str, candidates: Sequence[EntityHit]) -> None:
        self.name = name
        self.candidates = list(candidates)
        listed = "; ".join(f"{c.label} ({c.kind}, {c.iri})" for c in self.candidates)
        super().__init__(f"{name!r} names {len(self.candidates)} entities: {listed}")


@dataclass(frozen=True)
class EntityHit:
    """One entity a name resolves to (the same shape as the store's lookup hits)."""

    iri: str
    label: str
    kind: str


class Store(Protocol):
    """What these functions need from `alliances.graph.store.Store`."""

    def select(self, query: str, bindings: Mapping[str, Any]) -> list[dict[str, Any]]: ...

    def lookup(self, name: str) -> Sequence[Any]: ...

    def entity_labels(self) -> Mapping[str, tuple[str, str]]: ...

    def stats(self) -> Mapping[str, int]: ...


@cache
def query_text(name: str) -> str:
    """The text of the named query `queries/<name>.rq` shipped with the package."""
    return files("alliances").joinpath("queries", f"{name}.rq").read_text(encoding="utf-8")


def _select(store: Store, name: str, **bindings: str) -> list[dict[str, Any]]:
    return store.select(query_text(name), {k: URIRef(v) for k, v in bindings.items()})


# ---------------------------------------------------------------- names


def expand_iri(name: str) -> str | None:
    """`name` as an IRI when it is one (`https://…`) or a CURIE with a known prefix (`id:org/bl`); else None."""
    name = name.strip()
    if re.match(r"^https?://", name):
        return name if _IRI_CHARS.match(name) else None
    prefix, sep, rest = name.partition(":")
    if sep and prefix in PREFIXES and rest and not rest.startswith("/") and _IRI_CHARS.match(rest):
        return PREFIXES[prefix] + rest
    return None


def resolve(store: Store, name: str, kind: str | None = None) -> EntityHit:
    """The one entity `name` denotes: its IRI, or an exact match of its normalised name.

    When several entities match and `kind` is given, those of that kind are preferred (`member-of BL` means the
    organisation BL). Raises `UnknownName` (with close matches) or `AmbiguousName` (with the candidates).
    """
    iri = expand_iri(name)
    if iri is not None:
        hit = _entity_by_iri(store, iri)
        if hit is None:
            raise UnknownName(name)
        return hit
    hits = _unique(EntityHit(str(h.iri), str(h.label), str(h.kind)) for h in store.lookup(name))
    if kind is not None and len(hits) > 1:
        hits = [h for h in hits if h.kind == kind] or hits
    if len(hits) == 1:
        return hits[0]
    if not hits:
        raise UnknownName(name, suggest(store, name))
    raise AmbiguousName(name, sorted(hits, key=lambda h: (h.kind, h.label.casefold(), h.iri)))


def _unique(hits: Iterable[EntityHit]) -> list[EntityHit]:
    seen: dict[str, EntityHit] = {}
    for h in hits:
        seen.setdefault(h.iri, h)
    return list(seen.values())


def _entity_by_iri(store: Store, iri: str) -> EntityHit | None:
    rows = _select(store, "entity_labels", entity=iri)
    if not rows:
        return None
    facts = _facts(rows)
    return EntityHit(iri, _display_label(iri, facts), _kind(facts))


def _facts(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for row in rows:
        values = out.setdefault(str(row["property"]), [])
        if str(row["value"]) not in values:
            values.append(str(row["value"]))
    return out


def _display_label(iri: str, facts: Mapping[str, list[str]]) -> str:
    for prop in (_SKOS + "prefLabel", _AL + "generatedName", "http://xmlns.com/foaf/0.1/name", _SKOS + "altLabel"):
        if facts.get(prop):
            return facts[prop][0]
    return iri


def _kind(facts: Mapping[str, list[str]]) -> str:
    kinds = {_KIND_BY_TYPE[t] for t in facts.get(_RDF_TYPE, ()) if t in _KIND_BY_TYPE}
    for kind in ("Alliance", "Person", "Organisation"):  # an alliance is also an org:Organization subclass
        if kind in kinds:
            return kind
    return ""


def _initials(key: str, *, skip_small: bool) -> str:
    return "".join(w[0] for w in key.split() if not (skip_small and w in _SMALL_WORDS))


def suggest(store: Store, name: str, limit: int = MAX_SUGGESTIONS) -> list[str]:
    """Labels of entities whose names are close to `name`: prefix or whole-word matches, acronyms, then spelling."""
    key = normalise(name)
    if not key:
        return []
    labels = {iri: label for iri, (label, _kind) in store.entity_labels().items() if label}
    by_key: dict[str, list[str]] = {}
    for label in labels.values():
        by_key.setdefault(normalise(label), []).append(label)
    ranked: list[str] = []
    if len(key) >= 2:
        for lk in sorted(by_key):
            words = lk.split()
            if (
                lk.startswith(key)
                or key in words
                or key.replace(" ", "") in (_initials(lk, skip_small=True), _initials(lk, skip_small=False))
            ):
                ranked.append(lk)
    ranked.extend(difflib.get_close_matches(key, list(by_key), n=limit, cutoff=0.7))
    out: list[str] = []
    for lk in ranked:
        for label in by_key[lk]:
            if label not in out:
                out.append(label)
    return out[:limit]


# ---------------------------------------------------------------- questions


def _number(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _source(row: Mapping[str, Any]) -> dict[str, Any]:
    """The provenance of one statement, in the same keys for every query."""
    return {
        "source": row.get("source"),
        "document": row.get("graph"),
        "evidence": row.get("evidence"),
        "rule": row.get("rule"),
        "confidence": _number(row.get("confidence")),
    }


def _name(row: Mapping[str, Any], iri_key: str) -> tuple[str, bool]:
    """Display name of the row's entity, and whether the text leaves it unnamed.

    An entity the text does not name has only an al:generatedName, which the entities graph also uses as its
    prefLabel; a real name, when there is one, wins.
    """
    label, generated = row.get("label"), row.get("generatedName")
    if label and label != generated:
        return str(label), False
    if generated:
        return str(generated), True
    return str(row[iri_key]), False


def _grouped(rows: Iterable[Mapping[str, Any]], key: Any, head: Any) -> list[dict[str, Any]]:
    """Rows grouped by `key(row)`, in first-seen order; each group is `head(row)` plus its distinct sources."""
    groups: dict[Any, dict[str, Any]] = {}
    for row in rows:
        group = groups.setdefault(key(row), {**head(row), "sources": []})
        src = _source(row)
        if src not in group["sources"]:
            group["sources"].append(src)
    return list(groups.values())


def member_of(store: Store, organisation: str) -> list[dict[str, Any]]:
    """The alliances `organisation` is a member of (org:memberOf), each with its sources.

    Returns one dict per alliance: alliance (label, or generated name when the text does not name it), iri,
    unnamed, and sources: [{source, document, evidence, rule, confidence}].
    """
    org = resolve(store, organisation, kind="Organisation")

    def head(row: Mapping[str, Any]) -> dict[str, Any]:
        label, unnamed = _name(row, "alliance")
        return {"alliance": label, "iri": str(row["alliance"]), "unnamed": unnamed}

    return _grouped(_select(store, "member_of", org=org.iri), lambda r: str(r["alliance"]), head)


def members(store: Store, alliance: str) -> list[dict[str, Any]]:
    """Members of `alliance`, and its facilitators, founders and funders, each with its sources.

    Returns one dict per (role, organisation): role (member|facilitator|founder|funder), name, iri, unnamed,
    and sources.
    """
    hit = resolve(store, alliance, kind="Alliance")

    def head(row: Mapping[str, Any]) -> dict[str, Any]:
        label, unnamed = _name(row, "entity")
        return {"role": row["role"], "name": label, "iri": str(row["entity"]), "unnamed": unnamed}

    return _grouped(_select(store, "members", alliance=hit.iri), lambda r: (r["role"], str(r["entity"])), head)


def show(store: Store, name: str) -> dict[str, Any]:
    """Everything known about one entity: labels, types, each relation in and out with evidence, and positions."""
    hit = resolve(store, name)
    facts = _facts(_select(store, "entity_labels", entity=hit.iri))
    relations = []
    for row in _select(store, "entity_relations", entity=hit.iri):
        other, _unnamed = _name(row, "other")
        predicate = str(row["predicate"])
        relations.append(
            {
                "direction": row["direction"],
                "relation": PREDICATE_RELATIONS.get(URIRef(predicate), predicate),
                "other": other,
                "other_iri": str(row["other"]),
                **_source(row),
                "amount": _number(row.get("amount")),
                "currency": row.get("currency"),
            }
        )
    positions = [
        {
            "person": row.get("personLabel") or str(row["person"]),
            "organisation": row.get("organisationLabel") or str(row["organisation"]),
            "role": row.get("role"),
            **_source(row),
        }
        for row in _select(store, "entity_positions", entity=hit.iri)
    ]
    return {
        "label": hit.label,
        "iri": hit.iri,
        "kind": hit.kind or _kind(facts),
        "types": facts.get(_RDF_TYPE, []),
        "alt_labels": [a for a in facts.get(_SKOS + "altLabel", []) if a != hit.label],
        "generated_name": next(iter(facts.get(_AL + "generatedName", [])), None),
        "relations": relations,
        "positions": positions,
    }


def stats(store: Store) -> list[dict[str, Any]]:
    """Counts of what the store holds (documents, entities, assertions, …), as rows."""
    return [{"what": what, "count": count} for what, count in store.stats().items()]
