"""The curation file: a coordinator's corrections, applied on every build so they survive re-ingest.

```yaml
merge:                         # the names listed are the same entity as the key
  "BL – Danmarks Almene Boliger": ["Boligselskabernes Landsforening"]
not_entities: ["Læs mere"]     # names that are never organisations or alliances
reject:                        # assertions that are wrong, wherever they come from
  - {subject: "Falck", relation: memberOf, object: "Hjem til Alle"}
accept:                        # assertions a person checked: confidence 1.0
  - {subject: "KAB", relation: memberOf, object: "Hjem til Alle"}
add:                           # facts no text states, with where they come from
  - {subject: "KAB", relation: memberOf, object: "Hjem til Alle", source: "https://…", evidence: "Board minutes 2024"}
```
Names are compared normalised (case, dashes and quotes do not matter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from alliances.graph.vocab import normalise
from alliances.loaders.assertions import RELATIONS
from alliances.loaders.document import Document, Record


class CurationError(Exception):
    """The curation file cannot be read; the message names the file and the entry."""


@dataclass(frozen=True)
class Curation:
    path: str = ""
    canonical: dict[str, str] = field(default_factory=dict)  # normalised alias -> canonical name
    not_entities: frozenset[str] = frozenset()
    rejected: frozenset[tuple[str, str, str]] = frozenset()
    accepted: frozenset[tuple[str, str, str]] = frozenset()
    added: tuple[dict[str, str], ...] = ()

    def name_for(self, name: str) -> str:
        """The canonical name a coordinator merged `name` into (or `name` itself)."""
        return self.canonical.get(normalise(name), name)

    def is_rejected(self, subject_names: tuple[str, ...], relation: str, object_names: tuple[str, ...]) -> bool:
        return _any_triple(self.rejected, subject_names, relation, object_names)

    def is_accepted(self, subject_names: tuple[str, ...], relation: str, object_names: tuple[str, ...]) -> bool:
        return _any_triple(self.accepted, subject_names, relation, object_names)

    def is_entity(self, names: tuple[str, ...]) -> bool:
        return not any(normalise(n) in self.not_entities for n in names)

    def document(self) -> Document | None:
        """The added facts as a member-list document, so they enter the graph with provenance like any text."""
        if not self.added:
            return None
        lines, records, pos = [], [], 0
        for row in self.added:
            line = f"{row['subject']} — {row['relation']} — {row['object']}"
            if row.get("evidence"):
                line += f" ({row['evidence']})"
            records.append(Record(row["subject"], row["relation"], row["object"], pos, pos + len(line),
                                  row.get("source", "")))
            lines.append(line)
            pos += len(line) + 1
        return Document("\n".join(lines), f"curation:{self.path}", "da", records=tuple(records),
                        metadata={"encoding": "utf-8"})


def _any_triple(triples: frozenset[tuple[str, str, str]], s: tuple[str, ...], rel: str, o: tuple[str, ...]) -> bool:
    return any((normalise(a), rel, normalise(b)) in triples for a in s for b in o)


def load_curation(path: Path | None) -> Curation:
    """Read a curation file; a missing path gives the empty curation."""
    if path is None:
        return Curation()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as e:
        raise CurationError(f"{path}: no such curation file") from e
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise CurationError(f"{path}: not valid YAML: {e}") from e
    if not isinstance(data, dict):
        raise CurationError(f"{path}: expected a mapping with merge/not_entities/reject/accept/add")
    canonical: dict[str, str] = {}
    for name, aliases in (data.get("merge") or {}).items():
        for alias in aliases if isinstance(aliases, list) else [aliases]:
            canonical[normalise(str(alias))] = str(name)
    return Curation(
        path=str(path),
        canonical=canonical,
        not_entities=frozenset(normalise(str(n)) for n in data.get("not_entities") or []),
        rejected=frozenset(_triples(path, "reject", data.get("reject") or [])),
        accepted=frozenset(_triples(path, "accept", data.get("accept") or [])),
        added=tuple(_rows(path, data.get("add") or [])),
    )


def _rows(path: Path, entries: list[Any]) -> list[dict[str, str]]:
    out = []
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not {"subject", "relation", "object"} <= set(entry):
            raise CurationError(f"{path}: entry {n}: needs subject, relation and object")
        if entry["relation"] not in RELATIONS:
            raise CurationError(
                f"{path}: entry {n}: unknown relation {entry['relation']!r}; use one of {', '.join(RELATIONS)}"
            )
        out.append({k: str(v) for k, v in entry.items()})
    return out


def _triples(path: Path, section: str, entries: list[Any]) -> list[tuple[str, str, str]]:
    try:
        rows = _rows(path, entries)
    except CurationError as e:
        raise CurationError(str(e).replace(": entry", f": {section}: entry")) from e
    return [(normalise(r["subject"]), r["relation"], normalise(r["object"])) for r in rows]
