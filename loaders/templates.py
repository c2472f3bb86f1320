"""Relation templates: patterns written as data over a *reduced sentence*, compiled to regular expressions.

A reduced sentence is the sentence with words lower-cased and each mention replaced by a slot token such as
``§O3§`` (organisation 3), ``§C4§`` (a capitalised name not yet known to be an organisation), ``§A1§`` (alliance),
``§P2§`` (person), ``§M0§`` (amount) or ``§R5§`` (role). A template such as
``{S:ORG+} (er|var) medlem af {O:ALLIANCE}`` then becomes one regex, so a rule set of hundreds of templates
runs in microseconds per sentence, and a sector expert can add a template without touching code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SLOT_KINDS: dict[str, str] = {
    "ORG": "[OC]",
    "ALLIANCE": "A",
    "ANY": "[OCA]",
    "PERSON": "P",
    "NAME": "[PC]",  # a person, or a capitalised name that reads like one (checked by the caller)
    "ROLE": "R",
    "AMOUNT": "M",
}
_SLOT = re.compile(r"\{(?:(?P<name>[A-Z]):)?(?P<kind>[A-Z]+)(?P<plus>\+)?\}")
_GAP = r"(?:[^\s§]+ ){0,6}?"
MENTION_TOKEN = re.compile(r"§([OCAPRM])(\d+)§")


@dataclass(frozen=True)
class Template:
    """One compiled template: which relation it states, its source text (for the rule name) and its regex."""

    relation: str
    source: str
    index: int
    regex: re.Pattern[str]

    @property
    def rule(self) -> str:
        return f"{self.relation}#{self.index}"


def compile_template(relation: str, index: int, source: str, conjunctions: list[str], prep: str = "",
                     stops: tuple[str, ...] = ()) -> Template:
    """Compile a template string; ``conjunctions`` join list items in a ``+`` slot, ``prep`` fills PREP.

    A list item may follow one stray word that is not in ``stops`` ("…, Hälsa- vård och omsorgsförvaltningens
    Mötesplatser, …"): lists in real texts hold names the scanner reads only in part.
    """
    conj = "|".join(re.escape(c) for c in sorted(conjunctions, key=len, reverse=True))
    not_stop = "".join(f"(?!{re.escape(w)} )" for w in sorted(stops, key=len, reverse=True))
    stray = rf"(?:{not_stop}[^\s§]+ )?"
    out: list[str] = []
    pos = 0
    text = source.replace("(PREP)", f"({prep})" if prep else "(?:i|for)")
    for m in _SLOT.finditer(text):
        out.append(_literal(text[pos : m.start()]))
        kind = SLOT_KINDS[m.group("kind")]
        one = rf"§{kind}\d+§"
        # later items of a list may be alliances too: "… består af Den Sociale Kapitalfond, Hjem til Alle (HTA) og …"
        item = rf"§[{kind.strip('[]')}A]\d+§" if kind in {"[OC]"} else one
        body = rf"{one}(?: (?:,|{conj}|, {conj}) {stray}{item})*" if m.group("plus") else one
        out.append(f"(?P<{m.group('name')}>{body})" if m.group("name") else f"(?:{body})")
        pos = m.end()
    out.append(_literal(text[pos:]))
    pattern = r"(?<!\S)" + "".join(out) + r"(?!\S)"
    return Template(relation, source, index, re.compile(pattern))


def _literal(part: str) -> str:
    """Template text between slots: regex syntax as written, with '...' as a short gap of mention-free words."""
    part = part.replace(" ,? ", " (?:, )?")  # an optional comma between two words
    return part.replace("... ", _GAP).replace("...", _GAP)


def slot_mentions(group: str | None) -> list[tuple[str, int]]:
    """The (kind letter, mention index) pairs inside a matched slot group."""
    if not group:
        return []
    return [(k, int(i)) for k, i in MENTION_TOKEN.findall(group)]
