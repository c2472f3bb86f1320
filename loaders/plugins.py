"""Optional extraction plug-ins, for users who have more than the offline rules: a trained NER pipeline, an LLM.

Two kinds, both off by default and neither needed:

- a **mentions** plug-in (`NerPlugin`): a spaCy pipeline the user has installed (a DaCy model for Danish, or
  any pipeline with an ``ner`` component) finds organisation names the lexicons do not know;
- an **assertions** plug-in (`LlmPlugin`): a chat model behind an OpenAI-compatible endpoint (local or hosted)
  proposes relations with an exact quote from the text. Nothing it says enters the graph unchecked: the relation
  must be in the vocabulary, the two entities must be of kinds the relation allows, both names and the quote
  must occur in the document (offsets are recomputed from the text, never taken from the model), the confidence
  is capped at `LLM_CONFIDENCE_CAP`, and the rule is ``llm:<model>`` so every such edge can be told apart.

`extract_with(doc, plugins)` is the one entry point: the rule-based extraction, then the plug-ins on top of it.
A plug-in that fails on a document (no answer, HTTP 500, a timeout, malformed JSON) leaves the rule-based result
as it was and says so in `Extraction.notes`; only a plug-in that cannot start at all (the model is not
installed, the endpoint is not a URL) raises `PluginError`, from `Plugins.check()`, before anything is written.
Plug-ins are plain values (names and URLs), so worker processes can receive them; each process loads the
spaCy pipeline once.
"""

from __future__ import annotations

import inspect
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from alliances.graph.vocab import normalise
from alliances.loaders.assertions import RELATIONS, Assertion, Extraction, Mention
from alliances.loaders.document import Document
from alliances.loaders.extract import extract

LLM_CONFIDENCE_CAP = 0.6
LLM_TIMEOUT = 120.0  # seconds per request: local models on a laptop are slow
NER_LABELS = ("ORG", "ORGANIZATION", "ORGANISATION")
MAX_CHARS = 12_000  # text per LLM request: longer documents are sent in pieces, split at line ends

# which kinds each relation's subject and object may have (an alliance is an organisation too)
KINDS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "memberOf": (frozenset({"Organisation", "Alliance"}), frozenset({"Alliance"})),
    "funds": (frozenset({"Organisation", "Alliance"}), frozenset({"Organisation", "Alliance"})),
    "facilitatedBy": (frozenset({"Alliance"}), frozenset({"Organisation", "Alliance"})),
    "foundedBy": (frozenset({"Alliance"}), frozenset({"Organisation", "Alliance"})),
    "partnerOf": (frozenset({"Organisation", "Alliance"}), frozenset({"Organisation", "Alliance"})),
    "partOf": (frozenset({"Organisation"}), frozenset({"Organisation"})),
}
_KIND_WORDS = {"organisation": "Organisation", "organization": "Organisation", "org": "Organisation",
               "alliance": "Alliance", "person": "Person"}


class PluginError(Exception):
    """A plug-in cannot start (model not installed, endpoint not a URL); the message says what to do."""


class PluginFailure(Exception):
    """A plug-in failed on one document; the rule-based result stands and the message becomes a note."""


# ---------------------------------------------------------------- NER (mentions)


@dataclass(frozen=True)
class NerPlugin:
    """Organisation mentions from a trained spaCy pipeline: `model` is a package name or a folder."""

    model: str
    labels: tuple[str, ...] = NER_LABELS

    def check(self) -> None:
        _load_spacy(self.model)

    def mentions(self, doc: Document) -> list[Mention]:
        """Organisations the pipeline finds, one mention per occurrence, in text order."""
        nlp = _load_spacy(self.model)
        pieces = _pieces(doc)
        out: list[Mention] = []
        for (start, _end), sp in zip(pieces, nlp.pipe(doc.text[s:e] for s, e in pieces)):
            for ent in sp.ents:
                if ent.label_ not in self.labels:
                    continue
                text = ent.text.strip(" \t\n.,:;()[]\"'“”«»")
                if len(text) < 2 or not any(ch.isalpha() for ch in text):
                    continue
                at = start + ent.start_char + ent.text.index(text)
                out.append(Mention(text, at, at + len(text), "Organisation", key=f"O:ner:{normalise(text)}",
                                   names=(text,)))
        return out


@cache
def _load_spacy(model: str) -> Any:
    """The pipeline, loaded once per process. Never downloads: a missing model is an error that says how to get it."""
    import spacy

    try:
        nlp = spacy.load(model)
    except (OSError, ImportError, ValueError) as e:
        raise PluginError(
            f"cannot load the spaCy pipeline {model!r} for --ner-model: {str(e).splitlines()[0]} "
            "Give the folder of a trained pipeline or the name of an installed package. For Danish, DaCy: "
            "`pip install dacy`, then `python -c \"import dacy; dacy.download_model('da_dacy_small_trf-0.2.0', "
            "'models')\"` and pass the model folder it prints. alliances never downloads a model itself."
        ) from e
    if not any("ner" in name for name in nlp.pipe_names):
        raise PluginError(f"the spaCy pipeline {model!r} has no 'ner' component: it finds no organisations")
    return nlp


def _pieces(doc: Document) -> list[tuple[int, int]]:
    """Spans to run the pipeline on: the loader's blocks, else the non-empty lines."""
    if doc.blocks:
        return [(b.start, b.end) for b in doc.blocks if doc.text[b.start : b.end].strip()]
    out, pos = [], 0
    for line in doc.text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def merge_mentions(extraction: Extraction, extra: Iterable[Mention]) -> Extraction:
    """`extraction` with the plug-in's mentions added where the rules found nothing.

    A mention overlapping one the rules found is dropped (the rules know more: kind, coreference); one whose name
    the rules found elsewhere joins that entity.
    """
    mentions = list(extraction.mentions)
    by_name = {normalise(n): m for m in mentions if not m.generated and m.kind != "Person" for n in (m.text, *m.names)}
    for m in extra:
        if any(m.start < x.end and x.start < m.end for x in mentions if not x.generated):
            continue
        known = by_name.get(normalise(m.text))
        if known is not None:
            m = replace(m, kind=known.kind, org_type=known.org_type, key=known.key, names=known.names or (m.text,))
        mentions.append(m)
        by_name.setdefault(normalise(m.text), m)
    return replace(extraction, mentions=tuple(mentions))


# ---------------------------------------------------------------- LLM (assertions)

SYSTEM_PROMPT = """You extract relations between organisations from Danish, Norwegian or Swedish text.
Answer with one JSON object and nothing else, of this form:
{"relations": [{"subject": "<name as written in the text>", "subject_kind": "Organisation" | "Alliance",
  "relation": "<one of: memberOf, funds, facilitatedBy, foundedBy, partnerOf, partOf>",
  "object": "<name as written in the text>", "object_kind": "Organisation" | "Alliance",
  "evidence": "<the sentence that states it, copied exactly, character for character>",
  "confidence": <0 to 1>}]}
Meanings: memberOf: an organisation is a member of or takes part in an alliance, partnership, network or
movement (the object is the Alliance). funds: the subject gives money to the object. facilitatedBy: the
alliance (subject) is run, coordinated or hosted by the object. foundedBy: the alliance (subject) was founded or
started by the object. partnerOf: two organisations have a direct partnership with each other. partOf: the
subject is a branch, department or subsidiary of the object.
Only relations the text states. Names and evidence must be copied exactly from the text. No people.
If there are none, answer {"relations": []}."""


@dataclass(frozen=True)
class LlmPlugin:
    """Relations from a chat model behind an OpenAI-compatible `/chat/completions` endpoint."""

    endpoint: str  # the API base (".../v1") or the full ".../chat/completions" URL
    model: str
    api_key: str = field(default="", repr=False)
    timeout: float = LLM_TIMEOUT
    max_chars: int = MAX_CHARS
    cap: float = LLM_CONFIDENCE_CAP

    @property
    def url(self) -> str:
        base = self.endpoint.rstrip("/")
        return base if base.endswith("/chat/completions") else base + "/chat/completions"

    @property
    def rule(self) -> str:
        return f"llm:{self.model}"

    def check(self) -> None:
        if not re.match(r"^https?://[^/\s]+", self.endpoint):
            raise PluginError(f"--llm-endpoint {self.endpoint!r} is not an http(s) URL, e.g. http://localhost:8000/v1")
        if not self.model.strip():
            raise PluginError("--llm-endpoint needs --llm-model (the model name the endpoint serves)")
        try:
            import httpx  # noqa: F401
        except ImportError as e:
            raise PluginError("the LLM plug-in needs httpx: pip install 'alliances[llm]' (or pip install httpx)") from e

    def ask(self, text: str) -> str:
        """The model's answer (message content) for one piece of text. Raises PluginFailure."""
        import httpx

        body = {
            "model": self.model,
            "temperature": 0,
            "response_format": {"type": "json_object"},
            "messages": [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": text}],
        }
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = httpx.post(self.url, json=body, headers=headers, timeout=self.timeout)
        except httpx.TimeoutException as e:
            raise PluginFailure(f"no answer from {self.url} within {self.timeout:g} s") from e
        except httpx.HTTPError as e:
            raise PluginFailure(f"cannot reach {self.url}: {e}") from e
        if response.status_code >= 400:
            raise PluginFailure(f"HTTP {response.status_code} from {self.url}: {response.text[:200].strip()}")
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError) as e:
            raise PluginFailure(f"{self.url} did not answer in the chat-completions format") from e
        if not isinstance(content, str):
            raise PluginFailure(f"{self.url} answered without message content")
        return content

    def propose(self, doc: Document) -> list[dict[str, Any]]:
        """The relations the model proposes for the whole document, unchecked."""
        items: list[dict[str, Any]] = []
        for start, end in _chunks(doc.text, self.max_chars):
            items.extend(parse_answer(self.ask(doc.text[start:end])))
        return items


def _chunks(text: str, size: int) -> list[tuple[int, int]]:
    """[start, end) pieces of at most `size` characters, cut after a newline where there is one."""
    out, start = [], 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        out.append((start, end))
        start = end
    return out or [(0, 0)]


def parse_answer(content: str) -> list[dict[str, Any]]:
    """The relation objects in a model's answer (a code fence around the JSON is tolerated). Raises PluginFailure."""
    text = content.strip()
    fenced = re.match(r"^```(?:json)?\s*(.*?)\s*```$", text, re.DOTALL)
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except ValueError as e:
        raise PluginFailure(f"the answer is not JSON ({e.__class__.__name__}: {str(e)[:80]})") from e
    if isinstance(data, dict):
        data = data.get("relations")
    if not isinstance(data, list):
        raise PluginFailure('the answer has no "relations" list')
    return [x for x in data if isinstance(x, dict)] + [{"_malformed": x} for x in data if not isinstance(x, dict)]


@dataclass
class _Checked:
    assertions: list[Assertion] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)


def validate(doc: Document, extraction: Extraction, items: Sequence[dict[str, Any]], *, rule: str,
             cap: float = LLM_CONFIDENCE_CAP) -> tuple[list[Assertion], list[Mention], Counter[str]]:
    """Keep the proposed relations the document supports; say why the others were dropped.

    Returns the new assertions, the mentions they introduce (names the extraction had not found), and a count of
    drop reasons. Relations the rules found already are not repeated (and not counted as dropped).
    """
    text, folded = doc.text, doc.text.casefold()
    checked = _Checked()
    known = {normalise(n): m for m in extraction.mentions if not m.generated for n in (m.text, *m.names) if n}
    seen = {_signature(a.subject.key, a.relation, a.object.key) for a in extraction.assertions}
    for item in items:
        relation = str(item.get("relation", "")).strip()
        relation = relation.split(":", 1)[-1] if relation.startswith(("org:", "al:")) else relation
        relation = "partOf" if relation == "subOrganizationOf" else relation
        subject, object_, evidence = item.get("subject"), item.get("object"), item.get("evidence")
        if "_malformed" in item or not all(isinstance(x, str) and x.strip() for x in (subject, object_, evidence)):
            checked.dropped["malformed item"] += 1
            continue
        assert isinstance(subject, str) and isinstance(object_, str) and isinstance(evidence, str)
        if relation not in RELATIONS:
            checked.dropped[f"unknown relation {relation!r}"[:60]] += 1
            continue
        ev = evidence.strip()
        ev_start = text.find(ev)
        if ev_start < 0:
            checked.dropped["evidence not in the text"] += 1
            continue
        ev_end = ev_start + len(ev)
        ms = _mention(subject.strip(), item.get("subject_kind"), text, folded, ev_start, ev_end, known, checked)
        mo = _mention(object_.strip(), item.get("object_kind"), text, folded, ev_start, ev_end, known, checked)
        if ms is None or mo is None:
            checked.dropped["name not in the text"] += 1
            continue
        if not (ev_start <= ms.start < ev_end or ev_start <= mo.start < ev_end):
            checked.dropped["neither name in the evidence"] += 1
            continue
        allowed_s, allowed_o = KINDS[relation]
        if ms.kind not in allowed_s or mo.kind not in allowed_o or ms.key == mo.key:
            checked.dropped[f"kinds do not fit {relation}"] += 1
            continue
        sig = _signature(ms.key, relation, mo.key)
        if sig in seen:
            continue
        seen.add(sig)
        confidence = _number(item.get("confidence"), cap)
        checked.assertions.append(Assertion(ms, relation, mo, ev_start, ev_end, rule, min(confidence, cap)))
        for m in (ms, mo):
            if m.key.split(":", 2)[1:2] == ["llm"] and m not in checked.mentions:
                checked.mentions.append(m)
                known.setdefault(normalise(m.text), m)
    return checked.assertions, checked.mentions, checked.dropped


def _signature(s: str, relation: str, o: str) -> tuple[str, str, str]:
    return (min(s, o), relation, max(s, o)) if relation == "partnerOf" else (s, relation, o)


def _number(value: object, default: float) -> float:
    try:
        n = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return max(0.0, n) if math.isfinite(n) else default


def _mention(name: str, claimed: object, text: str, folded: str, ev_start: int, ev_end: int,
             known: dict[str, Mention], checked: _Checked) -> Mention | None:
    """The mention for a proposed name: one the rules found, else a new one where the name occurs in the text."""
    found = known.get(normalise(name))
    if found is not None:
        return found
    needle = name.casefold()
    at = folded.find(needle, ev_start, ev_end)
    if at < 0:
        at = folded.find(needle)
    if at < 0 or len(needle) < 2:
        return None
    kind = _KIND_WORDS.get(str(claimed or "").strip().lower(), "Organisation")
    surface = text[at : at + len(name)]
    return Mention(surface, at, at + len(surface), kind, key=f"{kind[0]}:llm:{normalise(surface)}",  # type: ignore[arg-type]
                   names=(surface,))


# ---------------------------------------------------------------- together


@dataclass(frozen=True)
class Plugins:
    """The plug-ins one ingest or rebuild runs; empty by default."""

    ner: NerPlugin | None = None
    llm: LlmPlugin | None = None

    def __bool__(self) -> bool:
        return self.ner is not None or self.llm is not None

    def check(self) -> None:
        """Raise PluginError now, before anything is written, when a plug-in cannot run at all."""
        if self.ner is not None:
            self.ner.check()
        if self.llm is not None:
            self.llm.check()

    def describe(self) -> str:
        parts = ([f"NER {self.ner.model}"] if self.ner else []) + ([f"LLM {self.llm.model}"] if self.llm else [])
        return ", ".join(parts) or "none"


def make_plugins(*, ner_model: str | None = None, llm_endpoint: str | None = None, llm_model: str | None = None,
                 llm_api_key: str | None = None, llm_timeout: float | None = None) -> Plugins:
    """Plug-ins from command-line style settings, checked (PluginError when one cannot run)."""
    if llm_model and not llm_endpoint:
        raise PluginError("--llm-model needs --llm-endpoint (or ALLIANCES_LLM_ENDPOINT)")
    plugins = Plugins(
        ner=NerPlugin(ner_model) if ner_model else None,
        llm=LlmPlugin(llm_endpoint, llm_model or "", llm_api_key or "", timeout=llm_timeout or LLM_TIMEOUT)
        if llm_endpoint else None,
    )
    plugins.check()
    return plugins


_EXTRACT_TAKES_MENTIONS = "extra_mentions" in inspect.signature(extract).parameters


def extract_with(doc: Document, plugins: Plugins | None = None) -> Extraction:
    """The rule-based extraction of `doc`, with the plug-ins' mentions and checked assertions added.

    A plug-in that fails on this document adds a note and nothing else.
    """
    if not plugins:
        return extract(doc)
    notes: list[str] = []
    extra: list[Mention] = []
    if plugins.ner is not None:
        extra = plugins.ner.mentions(doc)
    extraction = extract(doc, extra_mentions=extra) if _EXTRACT_TAKES_MENTIONS and extra else extract(doc)  # type: ignore[call-arg]
    if extra:
        extraction = merge_mentions(extraction, extra)
    if plugins.llm is not None:
        llm = plugins.llm
        try:
            items = llm.propose(doc)
        except PluginFailure as e:
            notes.append(f"{llm.rule}: {e}; kept the rule-based result")
        else:
            new, mentions, dropped = validate(doc, extraction, items, rule=llm.rule, cap=llm.cap)
            extraction = replace(extraction, mentions=extraction.mentions + tuple(mentions),
                                 assertions=extraction.assertions + tuple(new))
            if dropped:
                why = ", ".join(f"{n} {reason}" for reason, n in dropped.most_common())
                notes.append(f"{llm.rule}: added {len(new)} of {len(items)} proposed relations; dropped {why}")
    return replace(extraction, notes=extraction.notes + tuple(notes)) if notes else extraction
