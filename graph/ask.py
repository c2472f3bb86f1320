"""Questions in plain English, Danish, Norwegian or Swedish, answered by the same query functions as the commands.

Why this shape: a question is understood only when one of the forms in `loaders/data/ask/questions.yaml` matches
it whole, so an answer is never guessed from keywords. `parse` is pure (text in, readings out); `answer` resolves
the names exactly as `member-of` does (acronyms, spelling variants, "did you mean") and calls `graph.queries`
(`member_of`, `members`) or `graph.analytics` (`shared_members`, `path`). A question no form matches raises
`NotUnderstood`, which lists the forms that are understood.

A two-name question ("what do A and B share") can be split in several places when a name itself holds "and"
("Frivilligcentre og Selvhjælp Danmark og BL"); `parse` returns every split and `answer` takes the first whose
names all resolve.

>>> [(r.intent, r.names, r.language) for r in parse("which alliances does BL belong to?")]
[('member_of', ('BL',), 'en')]
>>> parse("hvem finansierer Hjem til Alle?")[0].names
('Hjem til Alle',)
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import yaml

from alliances.graph import queries
from alliances.graph.queries import EntityHit, NameResolutionError

__all__ = [
    "INTENTS",
    "Answer",
    "AskError",
    "NotUnderstood",
    "Reading",
    "answer",
    "examples",
    "parse",
]

SLOTS = ("a", "b")
MAX_NAME = 200  # characters; longer is not a name
_QUOTES = "\"'“”„‘’«»‹›`´"
_END = re.compile(r"[\s?!.…]+$")
_ROLES = {"members": "member", "funders": "funder", "facilitators": "facilitator", "founders": "founder"}
_KIND = {
    "member_of": ("Organisation",),
    "members": ("Alliance",),
    "funders": ("Alliance",),
    "facilitators": ("Alliance",),
    "founders": ("Alliance",),
    "shared": (None, None),
    "connected": (None, None),
}


class AskError(Exception):
    """A question that cannot be answered; the message says why."""


class NotUnderstood(AskError):
    """No question form matches; `forms` lists (what it answers, examples) for every form understood."""

    def __init__(self, question: str, forms: Sequence[tuple[str, Sequence[str]]]) -> None:
        self.question = question
        self.forms = list(forms)
        listed = "\n".join(f"  {what}: {' · '.join(ex)}" for what, ex in self.forms)
        super().__init__(
            f"cannot map {question!r} onto a question I can answer (X and Y stand for names). I understand:\n{listed}"
        )


@dataclass(frozen=True)
class Reading:
    """One way to read a question: what it asks, the names in it, and the language of the form that matched."""

    intent: str
    names: tuple[str, ...]
    language: str
    form: str


@dataclass(frozen=True)
class Answer:
    """What `answer` returns: the reading it chose, the entities the names resolved to, and the rows."""

    question: str
    intent: str
    language: str
    entities: tuple[EntityHit, ...]
    summary: str
    shape: str  # how the rows look: alliances, roles, shared_alliances, shared_members, path
    rows: list[dict[str, Any]] = field(default_factory=list)
    note: str | None = None  # e.g. what the store does record when it records nothing of what was asked


# ---------------------------------------------------------------- the forms


@dataclass(frozen=True)
class _Form:
    intent: str
    language: str
    template: str
    slots: tuple[str, ...]
    words: tuple[tuple[str, tuple[str, ...]], ...]  # word classes of the form's language (hashable, for the cache)


@cache
def _data() -> dict[str, Any]:
    text = files("alliances.loaders").joinpath("data", "ask", "questions.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or not isinstance(data.get("intents"), dict):
        raise AskError("loaders/data/ask/questions.yaml has no `intents` mapping")
    return data


@cache
def _forms() -> tuple[_Form, ...]:
    data = _data()
    words = {
        lang: tuple((k, tuple(v)) for k, v in classes.items()) for lang, classes in (data.get("words") or {}).items()
    }
    out = []
    for intent, spec in data["intents"].items():
        for language, templates in spec["forms"].items():
            for template in templates:
                slots = tuple(s for s in SLOTS if "{" + s + "}" in template)
                out.append(_Form(intent, language, template, slots, words.get(language, ())))
    return tuple(out)


INTENTS: tuple[str, ...] = ("member_of", "members", "funders", "facilitators", "founders", "shared", "connected")


def examples() -> list[tuple[str, list[str]]]:
    """(what the intent answers, its example questions) for every intent, for help texts and error messages."""
    out = []
    for spec in _data()["intents"].values():
        what = spec["summary"].replace("{a}", "X").replace("{b}", "Y")
        out.append((what, list(dict.fromkeys(spec.get("examples", {}).values()))))
    return out


def _compile_piece(text: str, words: Mapping[str, tuple[str, ...]], min_a: int, counter: list[int]) -> str:
    """Regex for a piece of a template: slots, word classes, (alternatives), [optional parts], literal text."""
    out: list[str] = []
    i = 0
    while i < len(text):
        c = text[i]
        if c == "{":
            end = text.index("}", i)
            slot = text[i + 1 : end]
            if slot not in SLOTS:
                raise AskError(f"unknown slot {{{slot}}} in question form {text!r}; use {{a}} or {{b}}")
            counter[0] += 1
            low = min_a if slot == "a" else 1
            out.append(f"(?P<{slot}__{counter[0]}>.{{{low},}}?)")
            i = end + 1
        elif c == "<":
            end = text.index(">", i)
            name = text[i + 1 : end]
            if name not in words:
                raise AskError(f"unknown word class <{name}> in question form {text!r}")
            alternatives = sorted(words[name], key=len, reverse=True)
            out.append("(?:" + "|".join(r"\s+".join(map(re.escape, w.split())) for w in alternatives) + ")")
            i = end + 1
        elif c in "([":
            end = _closing(text, i)
            inner = [_compile_piece(part.strip(), words, min_a, counter) for part in _split_top(text[i + 1 : end])]
            out.append("(?:" + "|".join(inner) + (")" if c == "(" else ")?"))
            i = end + 1
        elif c.isspace():
            out.append(r"\s+")
            while i < len(text) and text[i].isspace():
                i += 1
        else:
            out.append(re.escape(c))
            i += 1
    return "".join(out)


def _closing(text: str, start: int) -> int:
    pairs = {"(": ")", "[": "]"}
    depth = 0
    for j in range(start, len(text)):
        if text[j] in pairs:
            depth += 1
        elif text[j] in ")]":
            depth -= 1
            if depth == 0:
                return j
    raise AskError(f"unbalanced brackets in question form {text!r}")


def _split_top(text: str) -> list[str]:
    """Split alternatives on | outside nested brackets."""
    parts, depth, start = [], 0, 0
    for j, c in enumerate(text):
        if c in "([{<":
            depth += 1
        elif c in ")]}>":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(text[start:j])
            start = j + 1
    parts.append(text[start:])
    return parts


def _tokens(template: str) -> list[str]:
    """Top-level whitespace-separated tokens; brackets keep their inner spaces."""
    tokens, depth, current = [], 0, ""
    for c in template.strip():
        if c in "([":
            depth += 1
        elif c in ")]":
            depth -= 1
        if c.isspace() and depth == 0:
            if current:
                tokens.append(current)
            current = ""
        else:
            current += c
    if current:
        tokens.append(current)
    return tokens


@cache
def _regex(form: _Form, min_a: int = 1) -> re.Pattern[str]:
    """The whole form as one anchored regex, matched against " " + question (every token eats its own space)."""
    counter = [0]
    parts = []
    words = dict(form.words)
    for token in _tokens(form.template):
        if token.startswith("[") and _closing(token, 0) == len(token) - 1:  # an optional word: its space too
            inner = "|".join(_compile_piece(p.strip(), words, min_a, counter) for p in _split_top(token[1:-1]))
            parts.append(rf"(?:\s+(?:{inner}))?")
        else:
            parts.append(r"\s+" + _compile_piece(token, words, min_a, counter))
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE)


def _slot_values(match: re.Match[str], slots: Sequence[str]) -> tuple[str, ...] | None:
    values = []
    for slot in slots:
        found = [v for k, v in match.groupdict().items() if k.split("__")[0] == slot and v is not None]
        name = _clean(found[0]) if found else ""
        if not name or len(name) > MAX_NAME:
            return None
        values.append(name)
    return tuple(values)


def _clean(name: str) -> str:
    return name.strip().strip(_QUOTES).strip()


def _normal(question: str) -> str:
    return " " + _END.sub("", " ".join(question.split()))


# ---------------------------------------------------------------- parse


def parse(question: str) -> list[Reading]:
    """Every reading of `question` the forms allow, best first; raises NotUnderstood when there is none."""
    text = _normal(question)
    readings: list[Reading] = []
    seen: set[tuple[str, tuple[str, ...]]] = set()
    for form in _forms():
        min_a = 1
        while True:
            m = _regex(form, min_a).match(text)
            if m is None:
                break
            names = _slot_values(m, form.slots)
            if names is not None and (form.intent, names) not in seen:
                seen.add((form.intent, names))
                readings.append(Reading(form.intent, names, form.language, form.template))
            if "a" not in form.slots or len(form.slots) < 2:
                break
            a_len = max(len(v) for k, v in m.groupdict().items() if k.startswith("a__") and v is not None)
            min_a = a_len + 1  # the next split gives the first name more words
    if not readings:
        raise NotUnderstood(question, examples())
    # forms naming two entities have their own markers ("both", "share"), so they are the more specific reading
    return sorted(readings, key=lambda r: -len(r.names))


# ---------------------------------------------------------------- answer


def answer(store: Any, question: str) -> Answer:
    """Parse `question`, resolve its names, and answer it from the store with the sources of every row.

    Raises NotUnderstood, or the name errors of `graph.queries` (UnknownName with suggestions, AmbiguousName).
    """
    readings = parse(question)
    best_error: tuple[int, NameResolutionError] | None = None
    for reading in readings:
        hits: list[EntityHit] = []
        try:
            for name, kind in zip(reading.names, _KIND[reading.intent]):
                hits.append(queries.resolve(store, name, kind=kind))
        except NameResolutionError as e:
            if best_error is None or len(hits) > best_error[0]:
                best_error = (len(hits), e)
            continue
        return _answer(store, question, reading, tuple(hits))
    assert best_error is not None
    raise best_error[1]


def _summary(intent: str, hits: Sequence[EntityHit]) -> str:
    text = str(_data()["intents"][intent]["summary"])
    for slot, hit in zip(SLOTS, hits):
        text = text.replace("{" + slot + "}", hit.label)
    return text


def _answer(store: Any, question: str, reading: Reading, hits: tuple[EntityHit, ...]) -> Answer:
    intent = reading.intent
    note = None
    if intent == "member_of":
        shape, rows = "alliances", queries.member_of(store, hits[0].iri)
    elif intent in _ROLES:
        everyone = queries.members(store, hits[0].iri)
        shape, rows = "roles", [row for row in everyone if row["role"] == _ROLES[intent]]
        if not rows:
            note = _nothing_recorded(hits[0], _ROLES[intent], everyone)
    elif intent == "shared":
        shape, rows = _shared(store, hits[0], hits[1])
    else:
        shape, rows, note = "path", *_connected(store, hits[0], hits[1])
    return Answer(question, intent, reading.language, hits, _summary(intent, hits), shape, rows, note)


def _nothing_recorded(hit: EntityHit, role: str, everyone: Sequence[Mapping[str, Any]]) -> str:
    """Say plainly that the store records no such statement, and what it does record about the entity."""
    counts: dict[str, int] = {}
    for row in everyone:
        counts[str(row["role"])] = counts.get(str(row["role"]), 0) + 1
    recorded = ", ".join(f"{n} {r}{'s' if n != 1 else ''}" for r, n in sorted(counts.items()))
    also = f" (it records {recorded})" if recorded else ""
    return f"the store records no {role} of {hit.label}{also}"


def _shared(store: Any, a: EntityHit, b: EntityHit) -> tuple[str, list[dict[str, Any]]]:
    """Two alliances share members; two organisations (or one of each) share the alliances they are in."""
    if a.kind == b.kind == "Alliance":
        try:
            from alliances.graph import analytics, network
        except ImportError:  # pragma: no cover - analytics ships with the package
            return "shared_members", _shared_by_query(store, a, b, queries.members, "name")
        G = network.build_graph(store, relations=("memberOf",))
        if a.iri not in G or b.iri not in G:
            return "shared_members", []
        rows = [
            {"name": row.get("label", row.get("iri")), **{k: v for k, v in row.items() if k != "label"}}
            for row in analytics.shared_members(G, a.iri, b.iri)
        ]
        return "shared_members", rows
    return "shared_alliances", _shared_by_query(store, a, b, queries.member_of, "alliance")


def _shared_by_query(store: Any, a: EntityHit, b: EntityHit, query: Any, label: str) -> list[dict[str, Any]]:
    """Rows both entities have (by IRI), each with the sources of both, marked with whose statement it is."""
    if query is queries.members:
        rows_a = [r for r in query(store, a.iri) if r["role"] == "member"]
        rows_b = [r for r in query(store, b.iri) if r["role"] == "member"]
    else:
        rows_a, rows_b = query(store, a.iri), query(store, b.iri)
    by_iri = {r["iri"]: r for r in rows_b}
    out = []
    for row in rows_a:
        other = by_iri.get(row["iri"])
        if other is None:
            continue
        sources = [{"of": a.label, **s} for s in row["sources"]] + [{"of": b.label, **s} for s in other["sources"]]
        out.append({label: row[label], "iri": row["iri"], "unnamed": row.get("unnamed", False), "sources": sources})
    return out


def _connected(store: Any, a: EntityHit, b: EntityHit) -> tuple[list[dict[str, Any]], str | None]:
    try:
        from alliances.graph import analytics, network
    except ImportError as e:  # pragma: no cover - analytics ships with the package
        raise AskError("answering how two entities are connected needs graph/analytics.py, which is missing") from e
    G = network.build_graph(store)
    if a.iri not in G or b.iri not in G:
        return [], f"no statement in the store involves {a.label if a.iri not in G else b.label}"
    try:
        return analytics.path(G, a.iri, b.iri), None
    except analytics.NoPath as e:
        return [], str(e)
