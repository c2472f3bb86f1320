"""Funding and membership read from cue words and the kinds of names a sentence holds, where no template matched.

Grant news states money in more shapes than templates can list ("Spar Nord Fonden, som netop har besluttet at
støtte foreningen Hus Forbi med …", "Gjennom Helsedirektoratet har NFS fått midler til …", "De högsta beloppen gick
till RSMH, …"). What these sentences share is a money word and, among the organisations named, one that gives money
for a living: a foundation, a ministry, an agency. So a sentence with a money word (`funding_cues`) reads as:

1. the organisation after a source preposition near the money word ("støtte fra X", "midler gjennom X") gives;
2. else the one foundation, ministry or agency it names gives (`funder_types`; with two or more it says nothing);
3. else, when the sentence says someone receives (`funding_receipt`: "får støtte", "beloppen gick till"), the funder
   the document is about gives (the grant-maker of a grant announcement);

and every other organisation or alliance named receives — not a capitalised word unknown as a name, a genitive
("Norsk Tippings overskudd"), a place after "i"/"på", nor the organisation of a person's post ("siger X, direktør i
Y"). A sentence that applies for money ("søkte X om 18 000 kroner") states none. These are weaker than templates:
their confidence says so, and `alliances review` shows them.

Membership likewise: a sentence that lists organisations ("A, B og C") and has a member word (`member_cues`:
"medlemmer", "står bag", "gået sammen", "bland dem") in it or in the sentence before, lists members of the
alliance it names, or else of the alliance the text is speaking of (`listed_members`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from alliances.loaders.lexicon import Lexicon
from alliances.loaders.mentions import Cand
from alliances.loaders.templates import MENTION_TOKEN

CUE_CONFIDENCE = 0.65
_NEAR = 5  # how many words before a source preposition the money word may stand
_PARTICIPLE = ("t", "s", "d")  # "støttet", "finansieres", "stöds", "beviljad": passive forms before "af"/"av"


@dataclass(frozen=True)
class Funding:
    """Who gives to whom in one sentence, and which rule of the three said so."""

    funder: Cand
    recipient: Cand
    rule: str


def is_funder_type(c: Cand, lex: Lexicon) -> bool:
    return c.kind == "O" and c.org_type.lower() in lex.set("funder_types")


def funding(reduced: str, slots: dict[int, Cand], lex: Lexicon, grant_maker: Cand | None) -> list[Funding]:
    """The funding a reduced sentence states by its words and the kinds of its organisations (see the module)."""
    words = reduced.split()
    cues = lex.set("funding_cues")
    money = [i for i, w in enumerate(words) if w in cues or w.startswith("§M")]
    if not money or not lex.set("funding_applications").isdisjoint(words):
        return []
    mentions: list[tuple[int, Cand]] = []
    for i, w in enumerate(words):
        m = MENTION_TOKEN.fullmatch(w)
        if m and m.group(1) in "OCA" and int(m.group(2)) in slots:
            mentions.append((i, slots[int(m.group(2))]))
    if not mentions:
        return []
    clause = _clauses(words, lex)
    receipt = _receipt_words(words, lex)
    source = _explicit(words, mentions, money, lex)
    verb = _by_verb(words, mentions, money, lex) if not source else None
    if verb:
        funders, recipients, rule = verb[0], verb[1], "funds:cue-verb"
    elif source:
        at, funders, end = source
        exclude = {id(c) for c in funders}
        if end < len(words) and words[end] in lex.set("funding_targets") and not any(k < at for k in receipt):
            # "støtte fra Hempel Fonden til en modernisering af Hempel Glasmuseum": the receiver follows "til"
            # (but "Alliancen har modtaget 3 mio. fra X til kampagnen …": the subject receives)
            recipients = _receivers(words, mentions, clause, end, lex, exclude | {id(c) for i, c in mentions if i < end})
        else:
            recipients = _receivers(words, mentions, clause, at, lex, exclude)
        rule = "funds:cue-source"
    else:
        typed = [(i, c) for i, c in mentions if is_funder_type(c, lex) and not _receives_after(words, i, receipt)
                 and not _genitive(c, words, i) and not _targeted(words, i, lex)]
        if len({id(c) for _, c in typed}) == 1:
            funders, rule = [typed[0][1]], "funds:cue-kind"
            recipients = [(i, c) for i, c in mentions if id(c) != id(funders[0])
                          and not (is_funder_type(c, lex) and not _receives_after(words, i, receipt))]
        elif not typed and grant_maker is not None and receipt and not any(
                c.text == grant_maker.text for _, c in mentions):  # "Julemærkefonden får …": it receives
            funders, rule = [grant_maker], "funds:cue-receipt"
            recipients = [(i, c) for k in receipt for i, c in _receivers(words, mentions, clause, k, lex, set(), True)
                          if c.kind != "A"]
        else:
            return []
    out = []
    for i, c in recipients:
        if c.kind == "C" or _post_of_person(words, i) or _genitive(c, words, i) or words[i - 1:i] in (["i"], ["på"]):
            continue  # a capitalised word not known to be an organisation is too often a place or a heading
        out += [Funding(f, c, rule) for f in funders if not _inside(c, f)]
    return out


def _by_verb(words: list[str], mentions: Sequence[tuple[int, Cand]], money: list[int],
             lex: Lexicon) -> tuple[list[Cand], list[tuple[int, Cand]]] | None:
    """"OBOS har støttet Kirkens Bymisjon Oslo økonomisk": an active money verb between two names, in a sentence
    with another money word or a sum (so that "støtter op om" and "støtter kravet" say nothing)."""
    verbs = lex.set("funding_verbs")
    for k, w in enumerate(words):
        if w not in verbs or not any(m != k for m in money):
            continue
        subj = [(i, c) for i, c in mentions if k - 3 <= i < k and c.kind in "OC"]  # "att OLW stöttar X ekonomiskt"
        obj = [(i, c) for i, c in mentions if k < i <= k + 2 and c.kind in "OA"]
        if subj and obj:
            listed = [obj[0]] + [(i, c) for i, c in mentions if i > obj[0][0] and _joined(words, obj[0][0], i, lex)]
            return [subj[-1][1]], listed
    return None


def _joined(words: list[str], first: int, i: int, lex: Lexicon) -> bool:
    """The name at `i` is in the list that starts at `first` ("A, B og C")."""
    conj = lex.set("conjunctions")
    return all(words[k].startswith("§") or words[k] == "," or words[k] in conj for k in range(first, i))


def _clauses(words: list[str], lex: Lexicon) -> list[int]:
    """The clause number of each word: a comma starts a new clause unless a name or a relative pronoun follows
    ("A, B og C" is one list; "X, der får 6 mio. kr." goes on with X)."""
    go_on = lex.set("relative_pronouns") | lex.set("conjunctions")
    out, n = [], 0
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if w in {",", ";", ":"} and not nxt.startswith("§") and nxt not in go_on:
            n += 1
        elif w in go_on and i and words[i - 1] == "," and not nxt.startswith("§"):
            n += w not in lex.set("relative_pronouns")  # ", og vi har modtaget …": a new clause
        out.append(n)
    return out


def _receipt_words(words: list[str], lex: Lexicon) -> list[int]:
    """Where the sentence says someone receives ("får", "modtager", "beloppen gick till", "tar emot")."""
    receipt = lex.set("funding_receipt")
    out = []
    for i, w in enumerate(words):
        if w in receipt or (i + 1 < len(words) and f"{w} {words[i + 1]}" in receipt):
            out.append(i)
    return out


def _receives_after(words: list[str], i: int, receipt: list[int]) -> bool:
    """The name at `i` is the subject of a receiving verb: "Julemærkefonden får 3 mio. kr.", "X, der får …"."""
    return any(i < k <= i + 3 for k in receipt)


def _receivers(words: list[str], mentions: Sequence[tuple[int, Cand]], clause: list[int], at: int, lex: Lexicon,
               exclude: set[int], adjacent: bool = False) -> list[tuple[int, Cand]]:
    """Who receives in the clause of the word at `at`: the names before it when there are any ("LOKK's drift er
    støttet af X", "Børns Vilkår, der får …"), else the names after it up to a purpose ("til at udvide …") — with
    `adjacent`, only a list that starts right after it ("I år fick We Effect …", "gick till A, B och C")."""
    givers = lex.set("grant_verbs")
    same = [(i, c) for i, c in mentions if clause[i] == clause[at] and id(c) not in exclude]
    before = [(i, c) for i, c in same if i < at and not any(words[k] in givers for k in range(i + 1, at))]
    if before:
        return before
    stop = next((k for k in range(at, len(words)) if _purpose(words, k, lex)), len(words))
    after = [(i, c) for i, c in same if at < i < stop]
    if adjacent and after and after[0][0] > at + 3:
        return []
    return after


def _purpose(words: list[str], k: int, lex: Lexicon) -> bool:
    return k + 1 < len(words) and f"{words[k]} {words[k + 1]}" in lex.set("purpose_markers")


def _explicit(words: list[str], mentions: Sequence[tuple[int, Cand]], money: list[int],
              lex: Lexicon) -> tuple[int, list[Cand], int] | None:
    """Organisations after a source preposition that follows a money word closely ("støtte fra X og Y"), the
    preposition's place and the word after the list. A genitive is not the source: "gennem Fonden for Socialt
    Ansvars frivilligindsatser"."""
    sources, agents = lex.set("funding_sources"), lex.set("funding_agents")
    conj = lex.set("conjunctions")
    at = {i: c for i, c in mentions}
    for i, c in mentions:
        if i < 1 or c.kind != "O" or _genitive(c, words, i):
            continue
        prep, before = words[i - 1], words[i - 2] if i >= 2 else ""
        if prep in agents:
            if not (before in lex.set("funding_cues") and before.endswith(_PARTICIPLE)):
                continue  # "en del af X", "millioner af danskere"
        elif prep not in sources or not any(i - 1 - _NEAR <= k < i - 1 or (i == 1 and k <= _NEAR) for k in money):
            continue  # a money word just before ("støtte fra X"), or after a source that opens the sentence
        elif before in lex.set("alliance_cues") and any(words[k] in lex.set("funding_verbs") for k in money if k < i):
            continue  # "X, som støtter et nyt projekt fra Børns Vilkår": whose project, not whose money
        out, j = [c], i + 1
        while j + 1 < len(words) and (words[j] in conj or words[j] == ",") and j + 1 in at and at[j + 1].kind == "O":
            out.append(at[j + 1])
            j += 2
        return i - 1, out, j
    return None


def _targeted(words: list[str], i: int, lex: Lexicon) -> bool:
    """In a sentence about money, the name at `i` is where it goes: "fondspenge til Danmarks Indsamling"."""
    return i >= 1 and words[i - 1] in lex.set("funding_targets")


def _genitive(c: Cand, words: list[str], i: int) -> bool:
    nxt = words[i + 1] if i + 1 < len(words) else ""
    return c.text.endswith(("s", "’s", "'s")) and nxt.isalpha() and not c.key.endswith("s")


def _inside(recipient: Cand, funder: Cand) -> bool:
    """"DNB" in "Sparebankstiftelsen DNB": the funder's own name, not a recipient."""
    return f" {recipient.text.lower()} " in f" {funder.text.lower()} " or recipient.text == funder.text


def _post_of_person(words: list[str], i: int) -> bool:
    """The organisation of a person's post ("direktør i Y", "Y's direktør") is not a recipient."""
    before = words[max(0, i - 2) : i]
    after = words[i + 1 : i + 3]
    return any(w.startswith(("§R", "§P")) for w in before + after)


@dataclass(frozen=True)
class Listed:
    """Organisations a sentence lists, the alliances it names outside the list, and where the member word was."""

    members: tuple[Cand, ...]
    alliances: tuple[Cand, ...]
    cue_here: bool


def listed_members(reduced: str, slots: dict[int, Cand], lex: Lexicon, previous: str,
                   cues: str = "member_cues") -> Listed | None:
    """The longest list of two or more organisations in a sentence with a member word in it, or of three or more
    when the member word stands in the sentence before (`previous`, reduced too). With `cues="recipient_cues"`,
    the organisations a sentence lists near a word for grant recipients ("Bland tidigare mottagare finns A, B …")."""
    cue_here = _has_cue(reduced, lex, cues)
    if not cue_here and not _has_cue(previous, lex, cues):
        return None
    if cues == "member_cues" and _has_any(reduced, lex.set("funding_cues")):
        return None  # "støttet af A, B og C": funders, read by `funding`
    runs = [items for _, _, items in list_runs(reduced.split(), slots, lex.set("conjunctions")) if len(items) >= 2]
    if not runs:
        return None
    best = max(runs, key=len)
    if len(best) < (2 if cue_here else 3):
        return None
    alliances = tuple(c for c in slots.values() if c.kind == "A" and not c.descriptive)
    return Listed(tuple(best), alliances, cue_here)


def list_runs(words: Sequence[str], slots: dict[int, Cand], conj: frozenset[str]) -> list[tuple[int, int, list[Cand]]]:
    """Runs of organisations joined by commas and conjunctions ("§O , §O og §C"): first word, end, items."""
    out: list[tuple[int, int, list[Cand]]] = []
    run: list[Cand] = []
    start, expect_item = 0, True
    for i, w in enumerate(words):
        m = MENTION_TOKEN.fullmatch(w)
        item = slots.get(int(m.group(2))) if m and m.group(1) in "OC" else None
        if item is not None and expect_item:
            if not run:
                start = i
            run.append(item)
            expect_item = False
        elif run and not expect_item and (w == "," or w in conj):
            expect_item = True
        else:
            if run:
                out.append((start, i, run))
            run, expect_item = ([item], False) if item is not None else ([], True)
            start = i
    if run:
        out.append((start, len(words), run))
    return out


def joint_subjects(reduced: str, slots: dict[int, Cand], lex: Lexicon) -> list[Cand]:
    """Three or more organisations that open a sentence and go on with a word, not money: "A, B, C og D
    inviterer …" (a joint act). Empty when the sentence speaks of money (recipients) or opens otherwise."""
    words = reduced.split()
    runs = list_runs(words, slots, lex.set("conjunctions"))
    if not runs or runs[0][0] != 0 or len(runs[0][2]) < 3:
        return []
    end = runs[0][1]
    if end >= len(words) or not words[end].isalpha():
        return []
    if not (lex.set("funding_cues") | lex.set("funding_receipt")).isdisjoint(words[end:]):
        return []
    if _has_cue(reduced, lex, "member_cues"):
        return []  # "A, B og C blir medlem av stiftelsen": membership of what the sentence names, not a new alliance
    return runs[0][2]


def _has_cue(reduced: str, lex: Lexicon, cues: str) -> bool:
    """A cue word not negated ("… men er ikke medlemmer")."""
    if not reduced:
        return False
    words = reduced.split()
    by_first = _by_first_word(lex.set(cues))
    if by_first.keys().isdisjoint(words):
        return False
    negations = lex.set("negations")
    for i, w in enumerate(words):
        for phrase in by_first.get(w, ()):
            if tuple(words[i : i + len(phrase)]) == phrase and negations.isdisjoint(words[max(0, i - 2) : i]):
                return True
    return False


@functools.lru_cache(maxsize=8)
def _by_first_word(phrases: frozenset[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """Phrases by their first word, so that a sentence is checked once for any of them."""
    out: dict[str, list[tuple[str, ...]]] = {}
    for p in phrases:
        out.setdefault(p.split()[0], []).append(tuple(p.split()))
    return {k: tuple(v) for k, v in out.items()}


def _has_any(reduced: str, phrases: frozenset[str]) -> bool:
    padded = f" {reduced} "
    return any(f" {p} " in padded for p in phrases)
