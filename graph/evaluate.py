"""Score a graph against gold annotations (the rules of the shared gold FORMAT.md).

Gold is a folder of `*.gold.json` files, one per text. Gold entities are merged across files when they share a
normalised name. A predicted relation is a true positive when its predicate equals the gold one and each end has a
label (any label predicate) that shares a normalised name with the gold entity. Unnamed alliances are special: a gold
unnamed alliance with two members is a `partnerOf` pair, and so is a predicted alliance with exactly two members and
no label naming a gold entity. A predicted alliance with no gold name stands for an unnamed gold alliance (more than two
members) when it shares at least half of that alliance's members.

The graph is read from the store (its union of named graphs) or from an RDF file; scores are micro-averaged.
"""

from __future__ import annotations

import json
import tempfile
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pyoxigraph as ox

from .vocab import normalise

RELATIONS: tuple[str, ...] = ("memberOf", "funds", "facilitatedBy", "foundedBy", "partnerOf", "partOf")

_ORG = "http://www.w3.org/ns/org#"
_AL = "https://w3id.org/alliances/ontology#"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_PREDICATES = {
    _ORG + "memberOf": "memberOf",
    _AL + "funds": "funds",
    _AL + "facilitatedBy": "facilitatedBy",
    _AL + "foundedBy": "foundedBy",
    _AL + "partnerOf": "partnerOf",
    _ORG + "subOrganizationOf": "partOf",
}
_INVERSE_PREDICATES = {_ORG + "hasMember": "memberOf", _ORG + "hasSubOrganization": "partOf"}
_LABEL_PREDICATES = frozenset(
    {
        "http://www.w3.org/2000/01/rdf-schema#label",
        "http://www.w3.org/2004/02/skos/core#prefLabel",
        "http://www.w3.org/2004/02/skos/core#altLabel",
        "http://www.w3.org/2004/02/skos/core#hiddenLabel",
        "http://xmlns.com/foaf/0.1/name",
        "https://schema.org/name",
        "https://schema.org/alternateName",
        "http://schema.org/name",
        "http://schema.org/alternateName",
    }
)
_PERSON_TYPES = frozenset({"http://xmlns.com/foaf/0.1/Person", "https://schema.org/Person", "http://schema.org/Person"})


class EvaluationError(Exception):
    """Gold or graph input that cannot be scored; the message says which file and what is wrong."""


# ---------------------------------------------------------------- gold


@dataclass
class GoldEntity:
    """One gold entity after merging across documents: every normalised name and every type it was given."""

    names: set[str] = field(default_factory=set)
    types: set[str] = field(default_factory=set)

    def display(self, gid: int) -> str:
        return min(self.names) if self.names else f"<unnamed#{gid}>"


@dataclass
class Gold:
    """Merged gold: entities by id, relation triples over those ids, person-organisation pairs."""

    entities: dict[int, GoldEntity]
    relations: set[tuple[int, str, int]]
    positions: set[tuple[int, int]]
    unnamed_alliances: dict[int, set[int]]  # unnamed alliance -> members, only those with more than two members

    def ids_by_name(self) -> dict[str, set[int]]:
        out: dict[str, set[int]] = defaultdict(set)
        for gid, entity in self.entities.items():
            for name in entity.names:
                out[name].add(gid)
        return out


def _gold_files(gold_dirs: Sequence[Path]) -> list[Path]:
    files: list[Path] = []
    for d in gold_dirs:
        d = Path(d)
        if not d.is_dir():
            raise EvaluationError(f"{d}: not a folder; give the folder that holds the *.gold.json files")
        files.extend(sorted(d.glob("*.gold.json")))
    if not files:
        raise EvaluationError(f"no *.gold.json files in {', '.join(map(str, gold_dirs))}")
    return files


def load_gold(gold_dirs: Sequence[Path]) -> Gold:
    """Read every `*.gold.json` under the folders and merge entities that share a normalised name."""
    raw_types: list[str] = []
    raw_names: list[set[str]] = []
    raw_relations: list[tuple[int, str, int]] = []
    raw_positions: list[tuple[int, int]] = []
    for path in _gold_files(gold_dirs):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            local: dict[str, int] = {}
            for e in data["entities"]:
                local[e["id"]] = len(raw_types)
                raw_types.append(e["type"])
                raw_names.append({normalise(n) for n in e["names"] if n.strip()})
            for r in data["relations"]:
                raw_relations.append((local[r["s"]], r["p"], local[r["o"]]))
            for p in data.get("positions", []):
                raw_positions.append((local[p["person"]], local[p["org"]]))
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise EvaluationError(f"{path}: not valid UTF-8 JSON: {e}") from e
        except KeyError as e:
            raise EvaluationError(f"{path}: missing key or unknown entity id {e}; see gold FORMAT.md") from e
        except (TypeError, AttributeError) as e:
            raise EvaluationError(f"{path}: unexpected structure ({e}); see gold FORMAT.md") from e

    parent = list(range(len(raw_types)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_with_name: dict[str, int] = {}
    for i, names in enumerate(raw_names):
        for name in names:
            if name in first_with_name:
                parent[find(i)] = find(first_with_name[name])
            else:
                first_with_name[name] = i

    entities: dict[int, GoldEntity] = defaultdict(GoldEntity)
    for i, names in enumerate(raw_names):
        entity = entities[find(i)]
        entity.names |= names
        entity.types.add(raw_types[i])

    members: dict[int, set[int]] = defaultdict(set)
    for s, p, o in raw_relations:
        if p == "memberOf":
            members[find(o)].add(find(s))

    relations: set[tuple[int, str, int]] = set()
    for s, p, o in raw_relations:
        s, o = find(s), find(o)
        if p == "memberOf" and not entities[o].names and len(members[o]) == 2:
            a, b = sorted(members[o])
            relations.add((a, "partnerOf", b))
        elif p == "partnerOf":
            relations.add((min(s, o), p, max(s, o)))
        else:
            relations.add((s, p, o))
    unnamed = {a: m for a, m in members.items() if not entities[a].names and len(m) > 2}
    positions = {(find(a), find(b)) for a, b in raw_positions}
    return Gold(dict(entities), relations, positions, unnamed)


# ---------------------------------------------------------------- the predicted graph


@dataclass
class Predicted:
    """What the scorer reads from a graph. Nodes are IRIs or `_:` blank node ids; labels are normalised."""

    labels: dict[str, set[str]]
    types: dict[str, set[str]]
    relations: set[tuple[str, str, str]]
    persons: set[str]
    positions: set[tuple[str, str]]


def _node(term: Any) -> str | None:
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return None


def read_triples(triples: Iterable[tuple[Any, Any, Any]]) -> Predicted:
    """Collect labels, types, relations and person links from pyoxigraph (subject, predicate, object) terms."""
    labels: dict[str, set[str]] = defaultdict(set)
    types: dict[str, set[str]] = defaultdict(set)
    relations: set[tuple[str, str, str]] = set()
    links: list[tuple[str, str, str]] = []  # node -> node edges, for person links
    for s_term, p_term, o_term in triples:
        s, p = _node(s_term), p_term.value
        if s is None:
            continue
        if isinstance(o_term, ox.Literal):
            if p in _LABEL_PREDICATES:
                labels[s].add(normalise(o_term.value))
            continue
        o = _node(o_term)
        if o is None:
            continue
        if p == _RDF_TYPE:
            types[s].add(o)
            continue
        links.append((s, p, o))
        if p in _PREDICATES:
            relations.add((s, _PREDICATES[p], o))
        elif p in _INVERSE_PREDICATES:
            relations.add((o, _INVERSE_PREDICATES[p], s))

    persons = {n for n, ts in types.items() if ts & _PERSON_TYPES}
    positions: set[tuple[str, str]] = set()
    member = defaultdict(set)  # org:Membership / org:Post node -> persons, and -> organisations
    where = defaultdict(set)
    for s, p, o in links:
        if s in persons and o not in persons and o in labels and not o.startswith("_:"):
            positions.add((s, o))
        if p in (_ORG + "member", _ORG + "heldBy"):
            member[(s, p)].add(o)
        elif p in (_ORG + "organization", _ORG + "postIn"):
            where[(s, p)].add(o)
    for (node, p), people in member.items():
        place = _ORG + ("organization" if p == _ORG + "member" else "postIn")
        for who in people:
            for org in where.get((node, place), ()):
                positions.add((who, org))
    return Predicted(dict(labels), dict(types), relations, persons, positions)


def _quad_triples(quads: Iterable[Any]) -> Iterator[tuple[Any, Any, Any]]:
    for q in quads:
        yield q.subject, q.predicate, q.object


def read_graph_file(path: Path) -> Predicted:
    """Read any RDF file pyoxigraph parses (format from its extension), named graphs included."""
    path = Path(path)
    fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) if path.suffix else None
    if fmt is None:
        raise EvaluationError(f"{path}: unknown RDF file extension; use .ttl, .trig, .nt, .nq, .rdf or .jsonld")
    try:
        return read_triples(_quad_triples(ox.parse(path=str(path), format=fmt)))
    except OSError as e:
        raise EvaluationError(f"{path}: cannot read: {e}") from e
    except SyntaxError as e:
        raise EvaluationError(f"{path}: not valid {fmt.name}: {e}") from e


class Exporting(Protocol):
    def export(self, fmt: str, out_binary: Any) -> int: ...


def read_store(store: Exporting) -> Predicted:
    """Read the union of every graph in the store, through its N-Quads export (spooled to a temporary file)."""
    with tempfile.TemporaryFile() as buffer:
        store.export("nquads", buffer)
        buffer.seek(0)
        return read_triples(_quad_triples(ox.parse(buffer, format=ox.RdfFormat.N_QUADS)))


# ---------------------------------------------------------------- scoring


@dataclass
class Score:
    """Precision, recall and F1 with the counts behind them; fp and fn name the wrong and the missed items."""

    precision: float
    recall: float
    f1: float
    predicted: int
    gold: int
    fp: list[str] = field(default_factory=list)
    fn: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "P": round(self.precision, 3),
            "R": round(self.recall, 3),
            "F1": round(self.f1, 3),
            "pred": self.predicted,
            "gold": self.gold,
            "fp": self.fp,
            "fn": self.fn,
        }


@dataclass
class EntityScore:
    """Organisations and alliances: found, junk (matches no gold entity), missed, overmerged (matches several)."""

    precision: float
    recall: float
    f1: float
    predicted: int
    gold: int
    missed: list[str]
    overmerged: list[str]
    junk: list[str]


@dataclass
class Report:
    """Per-relation scores, the micro-average over relations, entities and positions."""

    per_relation: dict[str, Score]
    relations: Score
    entities: EntityScore
    positions: Score

    def rows(self) -> list[dict[str, Any]]:
        """One row per measure, for the table/json/csv formatter."""
        out = []
        for name, s in [*self.per_relation.items(), ("relations (all)", self.relations)]:
            out.append(_row(name, s.precision, s.recall, s.f1, s.predicted, s.gold, len(s.fp), len(s.fn)))
        e = self.entities
        out.append(_row("entities", e.precision, e.recall, e.f1, e.predicted, e.gold, len(e.junk), len(e.missed)))
        p = self.positions
        out.append(_row("positions", p.precision, p.recall, p.f1, p.predicted, p.gold, len(p.fp), len(p.fn)))
        return out

    def as_dict(self) -> dict[str, Any]:
        """The full report with every fp/fn list, keyed like the shared scorer's JSON."""
        out: dict[str, Any] = {name: s.as_dict() for name, s in self.per_relation.items()}
        out["relations"] = {k: v for k, v in self.relations.as_dict().items() if k in ("P", "R", "F1", "pred", "gold")}
        e = self.entities
        out["entities"] = {
            "P": round(e.precision, 3),
            "R": round(e.recall, 3),
            "F1": round(e.f1, 3),
            "pred": e.predicted,
            "gold": e.gold,
            "missed": e.missed,
            "overmerged": e.overmerged,
            "junk": e.junk,
        }
        out["positions"] = {k: v for k, v in self.positions.as_dict().items() if k != "F1"}
        out["positions"]["F1"] = round(self.positions.f1, 3)
        return out


def _row(measure: str, p: float, r: float, f: float, pred: int, gold: int, wrong: int, missed: int) -> dict[str, Any]:
    return {
        "measure": measure,
        "precision": round(p, 3),
        "recall": round(r, 3),
        "f1": round(f, 3),
        "predicted": pred,
        "gold": gold,
        "wrong": wrong,
        "missed": missed,
    }


def _prf(correct_predicted: int, predicted: int, gold_found: int, gold: int) -> tuple[float, float, float]:
    p = correct_predicted / predicted if predicted else 0.0
    r = gold_found / gold if gold else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def evaluate(gold: Gold, pred: Predicted) -> Report:
    """Score `pred` against `gold`; see the module docstring for the matching rules."""
    ids_by_name = gold.ids_by_name()
    named_gold = {gid for gid, e in gold.entities.items() if e.names}

    def by_name(node: str) -> set[int]:
        out: set[int] = set()
        for name in pred.labels.get(node, ()):
            out |= ids_by_name.get(name, set())
        return out

    members: dict[str, set[str]] = defaultdict(set)
    for s, p, o in pred.relations:
        if p == "memberOf":
            members[o].add(s)

    # A predicted alliance that names no gold entity stands for an unnamed gold alliance sharing half its members.
    stands_for: dict[str, set[int]] = defaultdict(set)
    for alliance, ms in members.items():
        if by_name(alliance) & named_gold:
            continue
        member_ids = set().union(*(by_name(m) for m in ms))
        for unnamed, gold_members in gold.unnamed_alliances.items():
            if len(member_ids & gold_members) >= max(2, (len(gold_members) + 1) // 2):
                stands_for[alliance].add(unnamed)

    def match(node: str) -> set[int]:
        return by_name(node) | stands_for.get(node, set())

    def show(node: str) -> str:
        return min(pred.labels.get(node) or {node})

    # Edges to a two-member alliance that matches nothing in gold are one partnerOf pair.
    scored: dict[tuple[str, ...], tuple[str, str, str]] = {}
    for s, p, o in sorted(pred.relations):
        if p == "memberOf" and len(members[o]) == 2 and not match(o):
            a, b = sorted(members[o])
            s, p, o = a, "partnerOf", b
        key = (p, *sorted((s, o))) if p == "partnerOf" else (s, p, o)
        scored.setdefault(key, (s, p, o))

    correct: dict[str, int] = defaultdict(int)
    n_pred: dict[str, int] = defaultdict(int)
    fp: dict[str, list[str]] = defaultdict(list)
    hit: set[tuple[int, str, int]] = set()
    for s, p, o in scored.values():
        n_pred[p] += 1
        candidates = {(a, p, b) for a in match(s) for b in match(o)}
        if p == "partnerOf":
            candidates = {(min(a, b), p, max(a, b)) for a, _, b in candidates}
        found = candidates & gold.relations
        if found:
            correct[p] += 1
            hit |= found
        else:
            fp[p].append(f"{show(s)} {p} {show(o)}")

    n_gold: dict[str, int] = defaultdict(int)
    fn: dict[str, list[str]] = defaultdict(list)
    for s_id, p, o_id in sorted(gold.relations):
        n_gold[p] += 1
        if (s_id, p, o_id) not in hit:
            fn[p].append(f"{gold.entities[s_id].display(s_id)} {p} {gold.entities[o_id].display(o_id)}")

    per_relation: dict[str, Score] = {}
    totals = [0, 0, 0, 0]
    for rel in sorted(set(RELATIONS) | set(n_pred) | set(n_gold)):
        found_gold = sum(1 for r in hit if r[1] == rel)
        counts = (correct[rel], n_pred[rel], found_gold, n_gold[rel])
        per_relation[rel] = Score(*_prf(*counts), n_pred[rel], n_gold[rel], sorted(fp[rel]), sorted(fn[rel]))
        totals = [t + c for t, c in zip(totals, counts)]
    relations = Score(*_prf(*totals), totals[1], totals[3])

    # entities: organisations and alliances (typed, labelled, not persons)
    gold_entities = {gid for gid in named_gold if gold.entities[gid].types - {"Person"}}
    nodes = [n for n in pred.labels if n not in pred.persons and pred.types.get(n, set()) - _PERSON_TYPES]
    matched: set[int] = set()
    good = 0
    junk, overmerged = [], []
    for n in nodes:
        m = match(n) & gold_entities
        if m:
            good += 1
            matched |= m
        else:
            junk.append(show(n))
        if len(m) > 1:
            overmerged.append(show(n))
    missed = sorted(gold.entities[g].display(g) for g in gold_entities - matched)
    entities = EntityScore(
        *_prf(good, len(nodes), len(matched), len(gold_entities)),
        len(nodes),
        len(gold_entities),
        missed,
        sorted(overmerged),
        sorted(junk),
    )

    # positions: person-organisation pairs
    pos_hit: set[tuple[int, int]] = set()
    pos_correct = 0
    pos_fp = []
    for a, b in sorted(pred.positions):
        found_pos = {(x, y) for x in match(a) for y in match(b)} & gold.positions
        if found_pos:
            pos_correct += 1
            pos_hit |= found_pos
        else:
            pos_fp.append(f"{show(a)} @ {show(b)}")
    pos_fn = sorted(
        f"{gold.entities[a].display(a)} @ {gold.entities[b].display(b)}" for a, b in gold.positions - pos_hit
    )
    positions = Score(
        *_prf(pos_correct, len(pred.positions), len(pos_hit), len(gold.positions)),
        len(pred.positions),
        len(gold.positions),
        pos_fp,
        pos_fn,
    )
    return Report(per_relation, relations, entities, positions)


def evaluate_store(store: Exporting, gold_dirs: Sequence[Path]) -> Report:
    """Score everything in the store against the gold folders."""
    return evaluate(load_gold(gold_dirs), read_store(store))


def evaluate_file(graph_file: Path, gold_dirs: Sequence[Path]) -> Report:
    """Score an RDF file (an export, or another tool's output) against the gold folders."""
    return evaluate(load_gold(gold_dirs), read_graph_file(graph_file))
