"""Reviewing uncertain assertions: list them with their evidence, and record a person's decision in the curation file.

A decision is a line in the curation file (`accept` raises the assertion to confidence 1.0 on the next build,
`reject` removes it), so it survives every re-ingest and `alliances rebuild` applies it to the graph. The names
written are the ones the document itself uses for the two entities, because that is what the curation file is
matched against when the document is extracted again.

The writer edits the YAML as text — it appends one line to the `accept` or `reject` list — so a coordinator's
comments and layout stay as they were. After every edit the file is parsed again and compared with what it must
contain; when a plain append cannot produce that (an unusual layout), the one section is rewritten, and only as a
last resort the whole file. The file is replaced atomically (temporary file + `os.replace`): never half-written,
never an entry lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from alliances.graph.curation import Curation, CurationError, load_curation
from alliances.graph.vocab import PREDICATE_RELATIONS, RELATION_PREDICATES, normalise
from alliances.loaders.assertions import RELATIONS

Decision = Literal["accept", "reject"]
DECISIONS: tuple[Decision, ...] = ("accept", "reject")
DEFAULT_THRESHOLD = 0.9  # below: everything rule-based except member lists; curated and accepted edges are 1.0

_UNCERTAIN = """
SELECT ?assertion ?graph ?source ?subject ?relation ?object ?evidence ?start ?end ?rule ?confidence WHERE {
  GRAPH ?graph {
    ?assertion a al:Assertion ; rdf:subject ?subject ; rdf:predicate ?relation ; rdf:object ?object ;
               al:confidence ?confidence .
    OPTIONAL { ?assertion al:evidence ?evidence }
    OPTIONAL { ?assertion al:evidenceStart ?start }
    OPTIONAL { ?assertion al:evidenceEnd ?end }
    OPTIONAL { ?assertion al:rule ?rule }
    OPTIONAL { ?graph dcterms:source ?source }
  }
  FILTER(?confidence < ?threshold)
}
"""

_LOCAL_NAMES = """
SELECT ?graph ?entity ?name ?generated WHERE {
  GRAPH ?graph {
    { ?entity skos:altLabel ?name } UNION { ?entity foaf:name ?name } UNION { ?entity al:generatedName ?generated }
  }
}
"""

_PREF_LABELS = """
SELECT ?entity ?label WHERE { GRAPH <https://w3id.org/alliances/graph/entities> { ?entity skos:prefLabel ?label } }
"""


class ReviewError(ValueError):
    """A review request that cannot be carried out (unknown relation, bad decision); the message says what to do."""


@dataclass(frozen=True)
class Uncertain:
    """One assertion a person should look at: what it says, how sure the extractor was, and the sentence behind it.

    `subject_name`/`object_name` are the names the document uses (what a decision records); `subject`/`object`
    are the labels to show.
    """

    confidence: float
    subject: str
    relation: str
    object: str
    rule: str
    evidence: str
    source: str
    subject_name: str
    object_name: str
    subject_iri: str
    object_iri: str
    assertion: str
    document: str
    start: int | None = None
    end: int | None = None

    def as_row(self) -> dict[str, Any]:
        return dict(self.__dict__)


def uncertain_assertions(
    store: Any,
    threshold: float = DEFAULT_THRESHOLD,
    *,
    relation: str | None = None,
    entity: str | None = None,
    source: str | None = None,
    curation: Curation | None = None,
    limit: int | None = None,
) -> list[Uncertain]:
    """Assertions less confident than `threshold`, least confident first.

    `relation` (memberOf, funds, …) keeps one relation; `entity` (an IRI) keeps assertions about that entity;
    `source` keeps documents whose source contains it. Assertions the `curation` file already accepts or rejects
    are left out: they are decided, even before the next rebuild.
    """
    bindings: dict[str, object] = {"threshold": float(threshold)}
    if relation is not None:
        if relation not in RELATION_PREDICATES:
            raise ReviewError(f"unknown relation {relation!r}; use one of {', '.join(RELATIONS)}")
        bindings["relation"] = [_iri(RELATION_PREDICATES[relation])]
    rows = store.select(_UNCERTAIN, bindings)
    rows = [r for r in rows if (entity is None or entity in (r["subject"], r["object"]))
            and (source is None or source.casefold() in str(r.get("source") or "").casefold())]
    if not rows:
        return []
    local = _local_names(store, {str(r["graph"]) for r in rows})
    pref = {str(r["entity"]): str(r["label"]) for r in store.select(_PREF_LABELS)}
    out: list[Uncertain] = []
    for r in rows:
        graph, s, o = str(r["graph"]), str(r["subject"]), str(r["object"])
        rel = PREDICATE_RELATIONS.get(_iri(str(r["relation"])), str(r["relation"]))
        s_name, o_name = _name(local.get((graph, s), []), pref.get(s)), _name(local.get((graph, o), []), pref.get(o))
        item = Uncertain(
            confidence=float(r["confidence"]),  # type: ignore[arg-type]
            subject=pref.get(s) or s_name or s,
            relation=rel,
            object=pref.get(o) or o_name or o,
            rule=str(r.get("rule") or ""),
            evidence=str(r.get("evidence") or ""),
            source=str(r.get("source") or ""),
            subject_name=s_name,
            object_name=o_name,
            subject_iri=s,
            object_iri=o,
            assertion=str(r["assertion"]),
            document=graph,
            start=_int(r.get("start")),
            end=_int(r.get("end")),
        )
        if curation is not None and decision_of(curation, item) is not None:
            continue
        out.append(item)
    out.sort(key=lambda u: (u.confidence, u.source, u.start if u.start is not None else -1, u.subject, u.object))
    return out[:limit] if limit is not None else out


def decision_of(curation: Curation, item: Uncertain) -> Decision | None:
    """What the curation file already says about this assertion, if anything (a rejection wins, as in a build)."""
    s, o = (item.subject_name,), (item.object_name,)
    if curation.is_rejected(s, item.relation, o):
        return "reject"
    if curation.is_accepted(s, item.relation, o):
        return "accept"
    return None


def _iri(value: str) -> Any:
    from rdflib import URIRef

    return URIRef(value)


def _int(value: object) -> int | None:
    return int(value) if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()) else None


def _local_names(store: Any, graphs: set[str]) -> dict[tuple[str, str], list[str]]:
    """(document graph, entity) -> the names that document uses for the entity."""
    out: dict[tuple[str, str], list[str]] = {}
    rows = store.select(_LOCAL_NAMES, {"graph": [_iri(g) for g in sorted(graphs)]})
    for r in rows:
        name = r.get("name") or r.get("generated")
        if name:
            out.setdefault((str(r["graph"]), str(r["entity"])), []).append(str(name))
    return out


def _name(local: Sequence[str], pref: str | None) -> str:
    """The name a decision records: the entity's preferred label when the document uses it, else its fullest name."""
    if pref and normalise(pref) in {normalise(n) for n in local}:
        return pref
    if local:
        return min(local, key=lambda n: (-len(n), n))
    return pref or ""


# ---------------------------------------------------------------- recording decisions


def record_decision(
    path: Path,
    decision: str,
    subject: str,
    relation: str,
    object_: str,
    *,
    comment: str = "",
) -> bool:
    """Write `subject relation object` into the curation file's `accept` or `reject` list.

    The file is created when missing. An entry already there is not written twice (False is returned); an entry
    in the other list is moved. Comments and the rest of the file are kept. Raises `CurationError` when the file
    is not a curation file, `ReviewError` for an unknown decision or relation.
    """
    if decision not in DECISIONS:
        raise ReviewError(f"unknown decision {decision!r}; use accept or reject")
    if relation not in RELATIONS:
        raise ReviewError(f"unknown relation {relation!r}; use one of {', '.join(RELATIONS)}")
    if not subject.strip() or not object_.strip():
        raise ReviewError("a decision needs the names of both entities; this assertion has an unnamed one")
    if path.exists():
        load_curation(path)  # a broken file is reported, never overwritten
        text = path.read_text(encoding="utf-8")
    else:
        text = _HEADER
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict):
        raise CurationError(f"{path}: expected a mapping with merge/not_entities/reject/accept/add")
    entry = {"subject": subject, "relation": relation, "object": object_}
    key = _key(entry)
    other = "reject" if decision == "accept" else "accept"
    if any(_key(e) == key for e in _entries(data, decision)):
        return False
    expected = dict(data)
    if any(_key(e) == key for e in _entries(data, other)):
        expected[other] = [e for e in _entries(data, other) if _key(e) != key]
        text = _remove_entry(text, other, key, {**data, other: expected[other]})
    expected[decision] = [*_entries(data, decision), entry]
    text = _append_entry(text, decision, entry, comment, expected)
    _write_atomic(path, text)
    return True


_HEADER = "# Curation file for `alliances`: corrections applied on every ingest and by `alliances rebuild`.\n"
_TOP_KEY = re.compile(r"^[^\s#\-][^:]*:")
_ORDER = ("subject", "relation", "object")


def _key(entry: object) -> tuple[str, str, str] | None:
    if not isinstance(entry, Mapping) or not {"subject", "relation", "object"} <= set(entry):
        return None
    return normalise(str(entry["subject"])), str(entry["relation"]), normalise(str(entry["object"]))


def _entries(data: Mapping[str, Any], section: str) -> list[Any]:
    value = data.get(section)
    return list(value) if isinstance(value, list) else []


def _flow(entry: Mapping[str, Any]) -> str:
    """One entry as a YAML flow mapping on one line; strings in double quotes (JSON strings are valid YAML)."""
    keys = [k for k in _ORDER if k in entry] + [k for k in entry if k not in _ORDER]
    return "{" + ", ".join(f"{k}: {_scalar(entry[k])}" for k in keys) + "}"


def _scalar(value: object) -> str:
    if isinstance(value, str) and re.fullmatch(r"[A-Za-z][A-Za-z]*", value) and value.lower() not in _YAML_WORDS:
        return value  # relation names stay bare, as a person writes them
    return json.dumps(value, ensure_ascii=False)


_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def _span(lines: Sequence[str], section: str) -> tuple[int, int] | None:
    """Line range [start, end) of a top-level section: its key line up to the next top-level key."""
    head = re.compile(rf"^{re.escape(section)}\s*:")
    for i, line in enumerate(lines):
        if head.match(line):
            end = i + 1
            while end < len(lines) and not _TOP_KEY.match(lines[end]) and not lines[end].startswith(("---", "...")):
                end += 1
            return i, end
    return None


def _append_entry(text: str, section: str, entry: Mapping[str, Any], comment: str, expected: Mapping[str, Any]) -> str:
    """`text` with `entry` appended to `section`, checked against `expected`; falls back as the module says."""
    line = _flow(entry) + (f"  # {' '.join(comment.split())}" if comment.strip() else "")
    lines = text.splitlines()
    span = _span(lines, section)
    if span is None:
        body = text if not text or text.endswith("\n") else text + "\n"
        candidate = f"{body}{section}:\n  - {line}\n"
    else:
        start, end = span
        rest = lines[start].split(":", 1)[1].strip()
        if rest and not rest.startswith("#"):
            candidate = _replace_section(text, section, expected[section])  # flow list or null on the key line
        else:
            items = [i for i in range(start + 1, end) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
            first = next((lines[i] for i in items if lines[i].lstrip().startswith("-")), None)
            indent = first[: len(first) - len(first.lstrip())] if first is not None else "  "
            at = (items[-1] + 1) if items else start + 1
            candidate = "\n".join([*lines[:at], f"{indent}- {line}", *lines[at:]]) + "\n"
    if _parses_to(candidate, expected):
        return candidate
    candidate = _replace_section(text, section, expected[section])
    if _parses_to(candidate, expected):
        return candidate
    return _HEADER + yaml.safe_dump(dict(expected), allow_unicode=True, sort_keys=False)


def _remove_entry(text: str, section: str, key: tuple[str, str, str] | None, expected: Mapping[str, Any]) -> str:
    """`text` without the one-line entries of `section` that match `key`; the section is rewritten if that fails."""
    lines = text.splitlines()
    span = _span(lines, section)
    if span is not None:
        keep = list(lines)
        for i in range(span[1] - 1, span[0], -1):
            item = lines[i].strip()
            if item.startswith("- "):
                with contextlib.suppress(yaml.YAMLError):
                    if _key(yaml.safe_load(item[2:])) == key:
                        del keep[i]
        candidate = "\n".join(keep) + "\n"
        if _parses_to(candidate, expected):
            return candidate
    return _replace_section(text, section, expected[section])


def _replace_section(text: str, section: str, entries: Iterable[Any]) -> str:
    """`text` with one top-level section rewritten as a block list of one-line entries; the rest untouched."""
    rendered = [f"{section}:"] + [f"  - {_flow(e) if isinstance(e, Mapping) else _scalar(e)}" for e in entries]
    if rendered == [f"{section}:"]:
        rendered = [f"{section}: []"]
    lines = text.splitlines()
    span = _span(lines, section)
    if span is None:
        return "\n".join([*lines, *rendered]) + "\n"
    start, end = span
    trailing = [ln for ln in lines[start + 1 : end] if not ln.strip()]  # keep the blank line before the next key
    return "\n".join([*lines[:start], *rendered, *trailing, *lines[end:]]) + "\n"


def _parses_to(text: str, expected: Mapping[str, Any]) -> bool:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError:
        return False
    return _plain(data) == _plain(expected)


def _plain(data: Any) -> Any:
    """A parsed file for comparison: an empty `accept:` or `reject:` (null) is the empty list."""
    if not isinstance(data, Mapping):
        return data
    return {k: ([] if v is None and k in DECISIONS else v) for k, v in data.items()}


def _write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
