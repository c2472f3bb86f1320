"""Relation templates: patterns written as data over a *reduced sentence*, compiled to regular expressions.

A reduced sentence is the sentence with words lower-cased and each mention replaced by a slot token such as
``§O3§`` (organisation 3), ``§C4§`` (a capitalised name not yet known to be an organisation), ``§A1§`` (alliance),
``§P2§`` (person), ``§M0§`` (amount) or ``§R5§`` (role). A template such as
``{S:ORG+} (er|var) medlem af {O:ALLIANCE}`` then becomes one regex, so a rule set of hundreds of templates
runs in microseconds per sentence, and a sector expert can add a template without touching code.

Most templates cannot match most sentences: each needs words the sentence lacks ("medlem", "sekretariat") or a
slot kind it has not got (an alliance, an amount). `required_strings` reads from a compiled regex the strings every
match contains, so that a sentence lacking one is skipped without running the regex (`Template.may_match`). It is
derived from the regex itself, never written by hand: the rule files stay as they are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

try:  # the regex parser of the standard library (named sre_parse before Python 3.11)
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants
    import sre_parse

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
    needs: tuple[tuple[str, ...], ...] = field(default=(), compare=False)  # see required_strings

    @property
    def rule(self) -> str:
        return f"{self.relation}#{self.index}"

    def may_match(self, text: str) -> bool:
        """False when `text` lacks something every match needs: then `regex` cannot match it."""
        for alternatives in self.needs:
            for needed in alternatives:
                if needed in text:
                    break
            else:
                return False
        return True


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
    regex = re.compile(pattern)
    return Template(relation, source, index, regex, required_strings(regex))


def _literal(part: str) -> str:
    """Template text between slots: regex syntax as written, with '...' as a short gap of mention-free words."""
    part = part.replace(" ,? ", " (?:, )?")  # an optional comma between two words
    part = part.replace(")?,? ", ")?(?:, )?")  # … or after an optional group, which ends in a space
    if part.startswith(",? "):  # … or right after a slot
        part = "(?: ,)? " + part[3:]
    return part.replace("... ", _GAP).replace("...", _GAP)


def required_strings(regex: re.Pattern[str]) -> tuple[tuple[str, ...], ...]:
    """What every match of `regex` contains: for each entry, at least one of its strings, verbatim.

    Read from the parsed regex: literal runs in sequence, inside groups and repeats of at least one, and for an
    alternation one string of each branch. Optional parts, character classes and lookarounds need nothing.
    Trivial entries (only spaces or slot marks, which every candidate sentence has) are left out, and the rest
    ordered longest first, as longer strings are rarer. A pattern that ignores case needs nothing.
    """
    if regex.flags & re.IGNORECASE:
        return ()
    try:
        parsed = sre_parse.parse(regex.pattern, regex.flags)
    except re.error:  # pragma: no cover - the regex compiled, so its parse cannot fail
        return ()
    needs = {n for n in _needs(list(parsed)) if all(s.strip(" §") for s in n)}
    return tuple(sorted(needs, key=lambda n: (-min(len(s) for s in n), n)))


def _needs(items: list) -> list[tuple[str, ...]]:  # type: ignore[type-arg]
    c = sre_constants
    out: list[tuple[str, ...]] = []
    run: list[str] = []
    for op, arg in items:
        if op is c.LITERAL:
            run.append(chr(arg))
            continue
        if run:
            out.append(("".join(run),))
            run = []
        if op is c.SUBPATTERN:
            _group, add_flags, _del_flags, sub = arg
            if not add_flags & re.IGNORECASE:
                out.extend(_needs(list(sub)))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT) and arg[0] >= 1:
            out.extend(_needs(list(arg[2])))
        elif op is c.BRANCH:
            branches = [_needs(list(b)) for b in arg[1]]
            if all(branches):  # each branch needs something: the alternation needs one of those
                out.append(tuple(sorted({s for b in branches for s in max(b, key=lambda n: min(map(len, n)))})))
    if run:
        out.append(("".join(run),))
    return out


def slot_mentions(group: str | None) -> list[tuple[str, int]]:
    """The (kind letter, mention index) pairs inside a matched slot group."""
    if not group:
        return []
    return [(k, int(i)) for k, i in MENTION_TOKEN.findall(group)]


_SLOT_WORD = re.compile(r"§([OCAPRM])\d+§")


class TemplateIndex:
    """The templates that may match a reduced sentence, found from its words rather than by trying every template.

    Each template is filed under the strings of its most telling need (the first of `Template.needs`): a match
    contains one of them, so the longest space-free piece of one of them lies inside one word of the sentence.
    A word's pieces are looked up once and remembered, as texts repeat their words; a slot word ("§A12§") stands
    for every piece a slot of its kind could contain. Templates that need nothing are always candidates. The
    candidates come back in the order given, so that the first template to state a relation still names its rule.
    """

    MEMO_LIMIT = 200_000  # remembered words per index, then start afresh: bounded memory on endless input

    def __init__(self, templates: list[Template]) -> None:
        self.templates = templates
        self.always: frozenset[int] = frozenset(i for i, t in enumerate(templates) if not t.needs)
        by_piece: dict[str, set[int]] = {}
        for i, t in enumerate(templates):
            for needed in t.needs[:1]:
                for s in needed:
                    by_piece.setdefault(max(s.split(" "), key=len), set()).add(i)
        self.by_piece = {p: frozenset(ids) for p, ids in by_piece.items()}
        self.longest = max((len(p) for p in self.by_piece), default=0)
        self.by_kind = {
            kind: frozenset(i for p, ids in self.by_piece.items() if re.fullmatch(rf"(?:§?{kind})?\d*§?", p)
                            for i in ids)
            for kind in "OCAPRM"
        }
        self._memo: dict[str, frozenset[int]] = {}

    def candidates(self, text: str) -> list[Template]:
        """The templates that may match `text`, in order (a superset of those that do)."""
        found = set(self.always)
        for word in set(text.split(" ")):
            slot = _SLOT_WORD.fullmatch(word)
            if slot is not None:
                found |= self.by_kind[slot.group(1)]
            else:
                found |= self._word(word)
        return [self.templates[i] for i in sorted(found)]

    def _word(self, word: str) -> frozenset[int]:
        """The templates filed under any piece inside `word` (remembered)."""
        ids = self._memo.get(word)
        if ids is None:
            hits: set[int] = set()
            for a in range(len(word)):
                for b in range(a + 1, min(len(word), a + self.longest) + 1):
                    hit = self.by_piece.get(word[a:b])
                    if hit is not None:
                        hits |= hit
            ids = frozenset(hits)
            if len(self._memo) >= self.MEMO_LIMIT:
                self._memo.clear()
            self._memo[word] = ids
        return ids
