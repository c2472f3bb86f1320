"""The extractor's knowledge of the sector, read from data files: rules per language and the gazetteer.

Everything the extractor knows about how Danish, Norwegian and Swedish texts name organisations and state
relations lives in ``loaders/data`` (YAML rules, TSV gazetteer, a list of given names); this module only loads
and compiles it, once per language per process.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import spacy
import yaml
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.symbols import ORTH

from alliances.graph.vocab import normalise
from alliances.loaders.templates import Template, TemplateIndex, compile_template
from alliances.loaders.tokens import special_case_pieces

DATA = Path(str(resources.files("alliances.loaders") / "data"))
LANGUAGES = ("da", "nb", "sv")
ORG_TYPES = {
    "Foundation", "NGO", "Company", "HousingAssociation", "Municipality", "Region", "Ministry", "Agency",
    "Education", "PoliticalParty", "Union", "Alliance",
}


@dataclass(frozen=True)
class GazetteerEntry:
    """One known organisation or alliance: its fullest name, type, other names and parent."""

    name: str
    type: str
    aliases: tuple[str, ...] = ()
    part_of: str = ""

    @property
    def kind(self) -> str:
        return "Alliance" if self.type == "Alliance" else "Organisation"

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@functools.lru_cache(maxsize=1)
def gazetteer() -> dict[str, GazetteerEntry]:
    """Normalised name or alias -> entry, over every TSV in data/gazetteer. An alias two entries share is dropped."""
    by_key: dict[str, GazetteerEntry] = {}
    clashes: dict[str, set[GazetteerEntry]] = {}
    folder = DATA / "gazetteer"
    for path in sorted(folder.glob("*.tsv")) if folder.is_dir() else []:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = csv.DictReader((line for line in fh if not line.startswith("#")), delimiter="\t")
            for row in rows:
                name = (row.get("name") or "").strip()
                typ = (row.get("type") or "").strip()
                if not name or typ not in ORG_TYPES:
                    continue
                aliases = tuple(
                    a.strip() for a in (row.get("aliases") or "").split("|")
                    if a.strip() and not _is_branch_of(name, a.strip())
                )
                entry = GazetteerEntry(name, typ, aliases, (row.get("part_of") or "").strip())
                for form in entry.forms:
                    key = normalise(form)
                    if key in by_key and by_key[key].name != entry.name:
                        clashes.setdefault(key, {by_key[key]}).add(entry)
                    by_key.setdefault(key, entry)
    for key, entries in clashes.items():
        # an ambiguous alias stays for the entry whose own name it is; else, when the bodies are of one kind ("Blå
        # Kors" of Blå Kors Danmark and Blå Kors Norge), it still names an organisation of that kind, linked to
        # neither; else ("KS", "LO") it is dropped
        if normalise(by_key[key].name) == key:
            continue
        types = {e.type for e in entries}
        form = next(f for e in entries for f in e.forms if normalise(f) == key)
        if len(types) == 1 and not is_acronym_form(form):
            by_key[key] = GazetteerEntry(form, types.pop())
        else:
            del by_key[key]
    return by_key


def is_acronym_form(form: str) -> bool:
    """"KS", "LO", "KD": short upper-case forms, which name different bodies in each country."""
    return len(form) <= 6 and form.replace("-", "").isupper()


@functools.lru_cache(maxsize=1)
def given_names() -> frozenset[str]:
    return frozenset(_lines(DATA / "names" / "given_names.txt"))


def _lines(path: Path) -> list[str]:
    """The lines of a word-list file, without comments and blank lines (none when the file is absent)."""
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and line[0] != "#"]


_PLACE_HEADS = re.compile(r"\s+(?:Regionskommune|Kommune|kommune|kommun|Kommun|stad|Stad|fylkeskommune)$")


@functools.lru_cache(maxsize=1)
def places() -> frozenset[str]:
    """Towns and cities, as the municipalities of the gazetteer name them ("Oslo kommune" → "Oslo"), and the regions
    of names/regions.txt: a place right after an organisation's name names its local branch ("NAV Oslo",
    "Kirkens Bymisjon Bergen")."""
    out = set(_lines(DATA / "names" / "regions.txt"))  # "NAV Nordland", "Statsforvalteren i Innlandet"
    for entry in set(gazetteer().values()):
        if entry.type == "Municipality":
            place = _PLACE_HEADS.sub("", entry.name)
            if place != entry.name and " " not in place:
                out.add(place)
    return frozenset(out)


_COUNTRIES = ("Danmark", "Norge", "Sverige", "Finland", "Island", "Denmark", "Norway", "Sweden")


def _is_branch_of(name: str, alias: str) -> bool:
    """A national branch ("Red Barnet Danmark") never takes its parent's name ("Red Barnet") as an alias."""
    n, a = normalise(name), normalise(alias)
    return any(n in (f"{a} {c.lower()}", f"{a} i {c.lower()}") for c in _COUNTRIES)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, list) and isinstance(out.get(key), list):
            out[key] = [*out[key], *value]
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


@dataclass
class Lexicon:
    """Rules, templates, tokenizer and gazetteer matcher for one language."""

    lang: str
    rules: dict[str, Any]
    nlp: Language
    templates: dict[str, list[Template]]
    position_templates: list[Template]
    bare_position_templates: list[Template]
    words: dict[str, frozenset[str]] = field(default_factory=dict)
    _matcher: PhraseMatcher | None = None
    _lower_matcher: PhraseMatcher | None = None
    relation_index: TemplateIndex = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # every relation template in rule order, indexed once: a sentence tries only those that may match it
        self.relation_index = TemplateIndex([t for ts in self.templates.values() for t in ts])

    def set(self, key: str) -> frozenset[str]:
        """A rule list as a set of lower-cased strings (cached)."""
        if key not in self.words:
            self.words[key] = frozenset(str(w).lower() for w in self.rules.get(key, []))
        return self.words[key]

    def vocabulary(self) -> frozenset[str]:
        """Every lower-case word the rules use (cue lists and template literals): such a word is never a name alone."""
        if "_vocabulary" not in self.words:
            words: set[str] = set()
            for key, value in self.rules.items():
                if key in {"not_names", "countries", "org_words", "org_prefixes"}:
                    continue
                for item in _strings(value):
                    words.update(re.findall(r"[^\W\d_]{3,}", item.lower()))
            self.words["_vocabulary"] = frozenset(words)
        return self.words["_vocabulary"]

    def common_words(self) -> frozenset[str]:
        """The language's frequent words (data/words) that name no known body, person or place: one of them alone
        at the start of a sentence ("Relevante", "Målet", "Først") is a word, not a one-word name."""
        if "_common" not in self.words:
            words = set(_lines(DATA / "words" / f"{self.lang}.txt"))
            known = {k for k in gazetteer() if " " not in k} | {n.lower() for n in given_names()} | {
                p.lower() for p in places()}
            self.words["_common"] = frozenset(words - known)
        return self.words["_common"]

    def phrase_starts(self, key: str) -> frozenset[str]:
        """Every prefix of every phrase in a rule list (lower-cased, cached): whether a word can begin one."""
        cache = f"_starts_{key}"
        if cache not in self.words:
            self.words[cache] = frozenset(p[:k] for p in self.set(key) for k in range(1, len(p) + 1))
        return self.words[cache]

    def special_case_pieces(self) -> frozenset[str]:
        """Every substring of the tokenizer's special cases (cached): see `tokens.block_tokens`."""
        if "_special_pieces" not in self.words:
            self.words["_special_pieces"] = special_case_pieces(self.nlp)
        return self.words["_special_pieces"]

    def matchers(self) -> tuple[PhraseMatcher, PhraseMatcher]:
        """PhraseMatchers over gazetteer forms: exact (ORTH) for all, case-insensitive for names of 2+ tokens.

        Acronyms only ever match exactly, so "BL" never matches "bl.a.".
        """
        if self._matcher is None or self._lower_matcher is None:
            exact = PhraseMatcher(self.nlp.vocab, attr="ORTH")
            lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
            seen: set[str] = set()
            exact_docs, lower_docs = [], []
            for entry in set(gazetteer().values()):
                for form in entry.forms:
                    for variant in (form, *genitives(form)):
                        if variant in seen:
                            continue
                        seen.add(variant)
                        doc = self.nlp.make_doc(variant)
                        exact_docs.append(doc)
                        if len(doc) > 1:
                            lower_docs.append(doc)
            exact.add("GAZ", exact_docs)
            lower.add("GAZ", lower_docs)
            # tokenising ~15,000 names filled the tokenizer's cache with strings texts seldom hold, and a big cache
            # makes every later lookup slower (about 20 % of extraction time): setting the rules again empties it
            tokenizer = self.nlp.tokenizer
            tokenizer.rules = tokenizer.rules  # type: ignore[attr-defined,union-attr]
            self._matcher, self._lower_matcher = exact, lower
        return self._matcher, self._lower_matcher


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def genitives(name: str) -> list[str]:
    """Genitive forms a text may use: "Bikubenfonden" -> "Bikubenfondens"; names ending in s, x, z take none."""
    if not name or name[-1].lower() in "sxz" or not name[-1].isalpha():
        return []
    return [name + "s", name + "'s", name + "’s"]


@functools.cache
def lexicon_for(lang: str) -> Lexicon:
    """The lexicon of a language; unknown languages (English, …) read with the Danish rules."""
    lang = lang if lang in LANGUAGES else "da"
    common = yaml.safe_load((DATA / "rules" / "common.yaml").read_text(encoding="utf-8"))
    own = yaml.safe_load((DATA / "rules" / f"{lang}.yaml").read_text(encoding="utf-8"))
    rules = _merge(common, own)
    nlp = spacy.blank(lang)
    for abbr in rules.get("abbreviations", []):
        for form in {str(abbr), str(abbr).capitalize()}:
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])  # type: ignore[union-attr]
    nlp.add_pipe("sentencizer")
    conj = [str(c) for c in rules.get("conjunctions", ["og"])]
    stops = tuple(str(w).lower() for w in [*rules.get("name_stops", []), *rules.get("copulas", []), *rules.get(
        "function_words", [])])
    templates = {
        relation: [compile_template(relation, i, src, conj, stops=stops) for i, src in enumerate(sources)]
        for relation, sources in rules.get("relations", {}).items()
    }
    prep = "|".join(re.escape(p) for p in rules.get("role_preps", []))
    positions = [compile_template("position", i, s, conj, prep) for i, s in enumerate(rules.get("positions", []))]
    bare = [compile_template("position-bare", i, s, conj, prep) for i, s in enumerate(rules.get("positions_bare", []))]
    speech = "|".join(re.escape(str(v)) for v in rules.get("speech_verbs", [])) or "(?!)"
    bare += [compile_template("affiliation", i, s.replace("(SPEECH)", f"({speech})"), conj, prep)
             for i, s in enumerate(rules.get("affiliations", []))]
    many = rules.get("member_of_many")
    if many:
        templates["memberOfMany"] = [compile_template("memberOfMany", 0, str(many), conj)]
    return Lexicon(lang, rules, nlp, templates, positions, bare)
