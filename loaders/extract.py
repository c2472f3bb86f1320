"""Extraction: a Document in, mentions and assertions with evidence out. Pure: no store, no network.

The steps, in order:
1. layout: the loader's blocks (title, headings, list items, paragraphs), or the lines of the text;
2. mentions per block (`mentions.BlockScanner`), then every name found anywhere found again everywhere
   ("Realdania" at the start of a sentence is the Realdania named elsewhere);
3. member lists: a lead-in line or heading that speaks of members/partners/recipients, and the items under it;
4. relation templates over each sentence reduced to mention slots (`templates`), with alliance anaphora
   ("partnerskabet", "alliancen") bound to the alliance the text last named;
5. in-document coreference: acronyms and long forms, genitives, alliance-word variants, spelling variants;
6. positions (person, role, organisation) and branches ("SOS-barnebyer i Norge" part of "SOS-barnebyer").
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from alliances.graph.vocab import normalise
from alliances.loaders.assertions import Assertion, Extraction, Mention, Position
from alliances.loaders.cues import CUE_CONFIDENCE, funding, is_funder_type, joint_subjects, listed_members
from alliances.loaders.document import Block, Document
from alliances.loaders.lexicon import Lexicon, gazetteer, lexicon_for, places
from alliances.loaders.mentions import DASHES, QUOTES_OPEN, BlockScanner, Cand, is_acronym, is_cap, org_type_of
from alliances.loaders.templates import slot_mentions
from alliances.loaders.tokens import Tokens, block_tokens

CONFIDENCE = {"template": 0.8, "list": 0.85, "agreement": 0.75, "branch": 0.7, "position": 0.8, "memberlist": 1.0}
_WORD = re.compile(r"\w+", re.UNICODE)
_BODY_TYPES = {"NGO", "Union", "Alliance", ""}  # kinds of organisation that have organisations as members


@functools.lru_cache(maxsize=8)
def _in_country(countries: tuple[str, ...]) -> re.Pattern[str]:
    """" i <country>" at the end of a normalised name, one pattern for all the countries (at most one can end it)."""
    names = sorted({c.lower() for c in countries}, key=len, reverse=True)
    return re.compile(rf" i ({'|'.join(re.escape(c) for c in names)})$" if names else r"(?!)")


_GENITIVE_ENDS = ("s", "'s", "’s", ":s")


@dataclass
class _Sentence:
    block: int
    start: int
    end: int
    reduced: str
    slots: dict[int, Cand]
    context: Cand | None = None  # the alliance the discourse is about at this sentence


def extract(doc: Document, extra_mentions: Sequence[Mention] = ()) -> Extraction:
    """All mentions, assertions and positions of one document; `extra_mentions` are organisations a plug-in
    (a NER model) found, which the relation rules then read like their own."""
    return _Extractor(doc, lexicon_for(doc.language), extra_mentions).run()


class _Extractor:
    def __init__(self, doc: Document, lex: Lexicon, extra: Sequence[Mention] = ()) -> None:
        self.doc = doc
        self.lex = lex
        self.extra = extra
        self.cands: list[Cand] = []
        self.assertions: list[tuple[Cand, str, Cand, int, int, str, float, Cand | None]] = []
        self.positions: list[tuple[Cand, Cand, str, int, int, str, float]] = []
        self.generated: dict[str, Cand] = {}
        self.bare_places = places() | frozenset(lex.rules.get("countries", {}))
        self.named_as: Cand | None = None  # the name the text gives an alliance it first left unnamed

    # ------------------------------------------------------------------ driver
    def run(self) -> Extraction:
        blocks = self._blocks()
        text = self.doc.text
        lowercase_words = {w for w in _WORD.findall(text) if w.islower()}
        self.lower_words = lowercase_words
        scanner = BlockScanner(self.lex, lowercase_words)
        toks = block_tokens(self.lex.nlp, text, blocks, self.lex.special_case_pieces())
        per_block = [scanner.scan(tk, b.start, i) for i, (b, tk) in enumerate(zip(blocks, toks))]
        self._inject(per_block, toks, blocks)
        self._propagate(per_block, toks, blocks)
        self.cands = [c for cs in per_block for c in cs]
        self.main_alliance = self._main_alliance(per_block, blocks)
        sentences = self._reduce(blocks, toks, per_block)
        self.sentences = sentences
        self._templates(sentences)
        self._lists(blocks, per_block)
        self._agreement_lists(blocks, per_block)
        self._labelled_lines(blocks, per_block)
        self._cue_funding(sentences, per_block)
        self._cue_members(sentences)
        self._cue_recipients(sentences, per_block)
        self._joint_subjects(sentences)
        self._positions(sentences)
        self._coreference()
        self._branches(sentences)
        self._memberlist_records()
        return self._result()

    def _blocks(self) -> list[Block]:
        if self.doc.blocks:
            return [b for b in self.doc.blocks if self.doc.text[b.start : b.end].strip()]
        out: list[Block] = []
        pos = 0
        for line in self.doc.text.split("\n"):
            if line.strip():
                lead = len(line) - len(line.lstrip())
                out.append(Block("title" if not out else "paragraph", pos + lead, pos + len(line.rstrip())))
            pos += len(line) + 1
        return out

    # ------------------------------------------------------------------ mentions
    def _inject(self, per_block: list[list[Cand]], toks: list[Tokens], blocks: list[Block]) -> None:
        """Organisations a plug-in found become licensed candidates wherever the scanner found nothing."""
        for m in self.extra:
            bi = next((i for i, b in enumerate(blocks) if b.start <= m.start and m.end <= b.end), None)
            if bi is None:
                continue
            b, tk = blocks[bi], toks[bi]
            span = tk.contracted_span(m.start - b.start, m.end - b.start)
            if span is None or any(c.tok_start < span[1] and span[0] < c.tok_end for c in per_block[bi]):
                continue
            s, e = span
            per_block[bi].append(Cand("O", b.start + tk.start_char(s), b.start + tk.end_char(e), tk.span_text(s, e),
                                      s, e, licensed=True, block=bi))
            per_block[bi].sort(key=lambda c: c.tok_start)

    def _propagate(self, per_block: list[list[Cand]], toks: list[Tokens], blocks: list[Block]) -> None:
        """Find every licensed name again wherever it occurs, also where the scanner could not tell it was a name."""
        names: dict[str, Cand] = {}
        for cs in per_block:
            for c in cs:
                if c.kind in {"O", "A"} and c.licensed and len(c.text) >= 2:
                    for n in (c.text, *c.names):
                        names.setdefault(n, c)
        if not names:
            return
        alts = sorted(names, key=len, reverse=True)
        rx = re.compile(r"(?<![\w-])(" + "|".join(re.escape(n) for n in alts) + r")(s|'s|’s)?(?![\w-])")
        for bi, (b, tk) in enumerate(zip(blocks, toks)):
            seg = self.doc.text[b.start : b.end]
            for m in rx.finditer(seg):
                span = tk.char_span(m.start(), m.end())
                if span is None:
                    continue
                start, end = span
                inside = [c for c in per_block[bi] if c.tok_start < end and start < c.tok_end]
                if any(c.entry is not None or not (start <= c.tok_start and c.tok_end <= end)
                       or ((c.tok_end - c.tok_start) == (end - start) and (c.kind != "C" or m.group(2))) for c in inside):
                    continue  # keep what the scanner found unless the known name contains it or tells its kind
                for c in inside:
                    per_block[bi].remove(c)
                src = names[m.group(1)]
                per_block[bi].append(Cand(src.kind, b.start + tk.start_char(start), b.start + tk.end_char(end),
                                          tk.span_text(start, end), start, end, entry=src.entry,
                                          org_type=src.org_type, licensed=True, block=bi, quoted=src.quoted))
            per_block[bi].sort(key=lambda c: c.tok_start)

    def _main_alliance(self, per_block: list[list[Cand]], blocks: list[Block]) -> Cand | None:
        """The alliance the text is about: the one named in the title, else the one named most often."""
        alliances = [c for cs in per_block for c in cs if c.kind == "A" and not c.descriptive]
        if not alliances:
            return None
        in_title = [c for c in alliances if blocks[c.block].kind == "title" or c.block == 0]
        if in_title:
            return in_title[0]
        counts = Counter(normalise(c.text) for c in alliances)
        key, n = counts.most_common(1)[0]
        sole = len(counts) == 1  # the only alliance the text names
        return next(c for c in alliances if normalise(c.text) == key) if n >= 2 or sole else None

    # ------------------------------------------------------------------ sentences
    def _reduce(self, blocks: list[Block], toks: list[Tokens], per_block: list[list[Cand]]) -> list[_Sentence]:
        anaphora = self.lex.set("alliance_anaphora")
        homographs = self.lex.set("role_homographs")
        collective = self.lex.set("collective_anaphora")
        with_words = self.lex.set("partnership_preps")  # "samarbeidet med X": a partnership, not a reference
        appositive = tuple(self.lex.set("appositive_nouns"))  # also as the end of a compound ("forsikringsselskabet")
        out: list[_Sentence] = []
        last_alliance = self.main_alliance
        for bi, (b, tk) in enumerate(zip(blocks, toks)):
            by_start = {c.tok_start: c for c in per_block[bi]}
            for sent_start, sent_end in tk.sents:
                parts: list[str] = []
                slots: dict[int, Cand] = {}
                i = sent_start
                persons = [c.tok_start for c in per_block[bi] if c.kind == "P" and sent_start <= c.tok_start < sent_end]
                while i < sent_end:
                    c = by_start.get(i)
                    if c is not None and c.kind == "R" and c.text.lower() in homographs and not any(
                            abs(p - i) <= 4 for p in persons):
                        c = None  # "der fremover leder alliancens arbejde": a verb, not a role
                    if c is not None and c.tok_end <= sent_end:
                        idx = id(c)  # unique and stable for the run
                        slots[idx] = c
                        parts.append(f"§{c.kind}{idx}§")
                        if c.kind == "A" and not c.descriptive:
                            last_alliance = c
                        i = c.tok_end
                        continue
                    word = tk.lowers[i]
                    nxt = by_start.get(i + 1)
                    if word.endswith(appositive) and nxt is not None and nxt.kind in {"O", "C", "A"}:
                        i += 1  # "mellem foreningen Hjem til Alle, Røde Kors …": the noun names the kind, not a party
                        continue
                    if nxt is None and i + 1 < sent_end and tk.words[i + 1] in QUOTES_OPEN:
                        nxt = by_start.get(i + 2)  # "projektet ”Integration för alla”": the name follows
                    if last_alliance is None and word in collective:
                        last_alliance = self._unnamed_alliance([], anaphor=True)  # "Partnerskabet består af …"
                    if (word in anaphora or (word[-1:] == "s" and word[:-1] in anaphora)) \
                            and last_alliance is not None and not (nxt and nxt.kind == "A") \
                            and not (i + 1 < sent_end and tk.lowers[i + 1] in with_words
                                     and getattr(by_start.get(i + 2), "kind", "") in {"O", "C"}):
                        target = last_alliance
                        if word in collective and any(
                                c.kind == "A" and c.tok_end <= sent_end and normalise(c.text) == normalise(target.text)
                                for c in per_block[bi] if c.tok_start >= sent_start):
                            # "Partnerskabet består af X, Hjem til Alle og Y": not the alliance the sentence names
                            target = self._unnamed_alliance([], anaphor=True)
                        slots[id(target)] = target
                        parts.append(f"§A{id(target)}§")
                    else:
                        parts.append(word)
                    i += 1
                out.append(_Sentence(bi, b.start + tk.start_char(sent_start), b.start + tk.end_char(sent_end),
                                     " ".join(parts), slots, last_alliance))
        return out

    # ------------------------------------------------------------------ relations from templates
    def _templates(self, sentences: list[_Sentence]) -> None:
        starts = sorted((str(w) for w in self.lex.rules.get("enumeration_starts", [])), key=len, reverse=True)
        enum = re.compile(r"^(?:(?:" + "|".join(re.escape(w) for w in starts) + r") )*(§A\d+§)") if starts else None
        pending: tuple[list[Cand], _Sentence, int] | None = None  # "X er en del af flere alliancer." awaits them
        self._declared_alliances(sentences)
        for n, s in enumerate(sentences):
            if "§" not in s.reduced:
                continue
            if pending and enum and pending[1].block == s.block and n - pending[2] <= 3:
                m = enum.match(s.reduced)
                if m:
                    alliance = s.slots.get(int(m.group(1)[2:-1]))
                    for org in pending[0]:
                        if alliance is not None:
                            self._assert(org, "memberOf", alliance, s.start, s.end, "memberOfMany:enumeration",
                                         CONFIDENCE["template"], None)
            for t in self.lex.relation_index.candidates(s.reduced):  # the templates in rule order, fewer
                if not t.may_match(s.reduced):
                    continue
                for m in t.regex.finditer(s.reduced):
                    if t.relation == "declaresAlliance":
                        continue
                    if t.relation == "memberOfMany":
                        subj = [s.slots[i] for _, i in slot_mentions(m.group("S")) if i in s.slots]
                        pending = (subj, s, n)
                        continue
                    self._apply(t.relation, t.rule, m.groupdict(), s)

    def _declared_alliances(self, sentences: list[_Sentence]) -> None:
        """"Next in Mind er et felles initiativ fra A, B og C": a brand-like name the text says is an initiative,
        partnership or network of named organisations is an alliance, here and wherever the text repeats it."""
        declared: set[str] = set()
        for s in sentences:
            for t in self.lex.templates.get("declaresAlliance", []):
                m = t.regex.search(s.reduced)
                if m:
                    declared |= {normalise(s.slots[i].text) for _, i in slot_mentions(m.group("S")) if i in s.slots
                                 and s.slots[i].kind == "C"}
        if not declared:
            return
        for s in sentences:
            for i, c in s.slots.items():
                if c.kind == "C" and normalise(c.text) in declared:
                    c.kind, c.licensed = "A", True
                    s.reduced = s.reduced.replace(f"§C{i}§", f"§A{i}§")

    def _apply(self, relation: str, rule: str, groups: dict[str, str | None], s: _Sentence) -> None:
        subj = [s.slots[i] for _, i in slot_mentions(groups.get("S")) if i in s.slots]
        obj = [s.slots[i] for _, i in slot_mentions(groups.get("O")) if i in s.slots]
        amount = next((c for c in s.slots.values() if c.kind == "M"), None) if relation == "funds" else None
        conf = CONFIDENCE["template"]
        if relation == "agreement":  # "A, B och C har gjort en överenskommelse med D och E": all are parties
            if obj and len(subj) + len(obj) < 3:
                return  # two parties "med" each other: a partnership, read by the partnerOf templates
            self._agreement(subj + obj, rule, s)
            return
        if relation.endswith("Context"):  # "sekretariatet ligger hos X", "X er initiativtager": of the alliance
            alliance = s.context or self.main_alliance  # the text speaks of here
            if alliance is None:
                return
            subj, relation = [alliance], relation.removesuffix("Context")
        if relation == "naming":  # "Partnerskapet har fått namnet Vägen Hem"
            # "Avtalen har tittelen «Ingen barn skal utelates»": the agreement, named after its parties until now
            if subj and obj and subj[0].key.startswith("agreement:") or subj and not subj[0].text \
                    or groups.get("S") is None and obj:
                self.named_as = obj[0] if obj else None
            return
        if relation == "memberOfBody":  # "Stockholms Stadsmission är medlem i Sveriges Stadsmissioner"
            obj = [o for o in obj if o.kind == "A" or o.org_type in _BODY_TYPES]
            for o in obj:
                o.kind = "A"
            relation = "memberOf"
        if relation == "memberOf" and groups.get("O") is None:
            if s.context is None:  # "Deltog gjorde X, Y och Z": members of the alliance the text speaks of
                return
            obj = [s.context]
        for a in subj:
            for b in obj:
                if a is b or normalise(a.text) == normalise(b.text):
                    continue
                self._assert(a, relation, b, s.start, s.end, rule, conf, amount)

    def _agreement(self, parties: list[Cand], rule: str, s: _Sentence) -> None:
        """X, Y and Z enter a partnership: each is a member of it (named in the sentence, or an unnamed one)."""
        parties = [p for p in parties if p.kind in {"O", "C", "A"} and p.text]  # an alliance may be a party too
        if len({normalise(p.text) for p in parties}) < 2:
            return
        named = [c for c in s.slots.values() if c.kind == "A" and not c.descriptive and c not in parties]
        alliance = named[0] if named else self._unnamed_alliance(parties)
        for p in parties:
            self._assert(p, "memberOf", alliance, s.start, s.end, rule, CONFIDENCE["agreement"], None)
        if len(parties) == 2 and not named and all(p.kind != "A" for p in parties):
            # co-members of a named alliance are not for that bilateral partners; partners are organisations
            self._assert(parties[0], "partnerOf", parties[1], s.start, s.end, rule, CONFIDENCE["agreement"], None)

    def _unnamed_alliance(self, parties: list[Cand], anaphor: bool = False) -> Cand:
        """The alliance of an agreement the text does not name, or (`anaphor`) the one a text refers to as
        "partnerskabet" without ever naming it; named after its members when the graph is written."""
        key = "this document" if anaphor else "+".join(sorted(normalise(p.text) for p in parties))
        if key not in self.generated:
            first = parties[0] if parties else Cand("A", 0, 0, "")
            c = Cand("A", first.start, first.start, "", block=first.block, licensed=True)
            c.key = "agreement:" + key
            self.generated[key] = c
            self.cands.append(c)
        return self.generated[key]

    def _assert(self, s: Cand, relation: str, o: Cand, start: int, end: int, rule: str, conf: float,
                amount: Cand | None) -> None:
        if relation in {"memberOf"} and o.kind != "A":
            return
        if relation in {"memberOf", "funds", "partnerOf", "partOf"} and any(self._is_place(c) for c in (s, o)):
            return  # "medlemmer i fylkene Oslo, Trøndelag og Vestland": places are not parties
        if relation in {"facilitatedBy", "foundedBy"} and s.kind != "A":
            return
        if s.kind in {"P", "M", "R"} or o.kind in {"P", "M", "R"} or s.credit or o.credit:
            return
        for c in (s, o):
            if c.kind == "C":
                conf = min(conf, 0.7)
        self.assertions.append((s, relation, o, start, end, rule, conf, amount))

    def _is_place(self, c: Cand) -> bool:
        """A bare town, region or country ("Oslo", "Vestland", "Sverige") that no name entry claims."""
        bare = self.bare_places
        return c.entry is None and c.text in bare and all(n in bare for n in c.names)  # not "Odense og Aalborg Kommune"

    # ------------------------------------------------------------------ member lists
    def _lists(self, blocks: list[Block], per_block: list[list[Cand]]) -> None:
        cues = {rel: sorted((str(w).lower() for w in words), key=len, reverse=True)
                for rel, words in self.lex.rules.get("list_cues", {}).items()}
        text = self.doc.text
        i = 0
        while i < len(blocks):
            b = blocks[i]
            line = text[b.start : b.end].strip()
            lead = (b.start, b.end)
            relation = self._lead_in(line, cues, lead, b.kind == "heading") if b.kind != "item" else None
            if relation is None and b.kind != "item" and ":" in line:
                # "… Disse er med i partnerskapet: KS, Oslo kommune og Redd Barna.": the sentence before the colon
                sentence = re.split(r"[.!?]\s", line[: line.index(":")])[-1]
                colon = text.index(":", b.start)
                lead = (colon - len(sentence), colon)
                relation = self._lead_in(sentence + ":", cues, lead, b.kind == "heading")
            if relation is None:
                i += 1
                continue
            head = [c for c in per_block[i] if c.kind == "A"]
            alliance = head[0] if head else self.main_alliance
            # "Den nya styrelsen består av: Patrik Schröder, Rädda Barnen …": people and where they come from are
            # an alliance's members only when the lead-in names the alliance (a board may be the publisher's own)
            named_here = bool(head) or bool(set(_WORD.findall(line.lower())) & self._alliance_words())
            if alliance is None and set(_WORD.findall(line.lower())) & self.lex.set("collective_anaphora"):
                alliance = self._unnamed_alliance([], anaphor=True)
            heads_org = [c for c in per_block[i] if c.kind in {"O"}] or self._main_funder(per_block)
            # a list in the same line after the colon: "Partnerne er: A, B og C."
            inline = [c for c in per_block[i] if c.kind in {"O", "C"} and ":" in line
                      and c.start > b.start + line.index(":")]
            items: list[tuple[Cand, int, int, int]] = [(c, b.start, b.end, i) for c in inline]
            j = i + 1
            while j < len(blocks) and not inline:
                record = self._record(blocks[j], per_block[j])
                if record is not None:  # "Organisation: Bara Vanlig Hälsa" / "Projekt: …", blank lines between
                    if record[0] is not None:
                        items.append((record[0], blocks[j].start, blocks[j].end, j))
                    j += 1
                    continue
                if j > i + 1 and "\n\n" in text[blocks[j - 1].end : blocks[j].start]:
                    break  # a blank line ends a list (one may stand between the lead-in and the first item)
                item = self._item(blocks[j], per_block[j])
                if item is None and self._subtotal(blocks[j], per_block[j]) and j + 1 < len(blocks) \
                        and blocks[j + 1].kind == "item":
                    j += 1  # a sub-heading inside the list ("Tiltak for utsatte grupper (7 millioner kroner)")
                    continue
                if item is None:
                    break
                if not named_here and any(c.kind == "P" for c in per_block[j][:1]):
                    j += 1
                    continue
                items.append((item, blocks[j].start, blocks[j].end, j))
                items += [(c, blocks[j].start, blocks[j].end, j) for c in self._coordinated(item, per_block[j])]
                j += 1
            for org, s, e, bj in items:
                ev_start = s  # the item line states it; its heading is one block above
                rule = f"list:{relation}"
                if relation == "memberOf" and alliance is not None:
                    self._assert(org, "memberOf", alliance, ev_start, e, rule, CONFIDENCE["list"], None)
                elif relation == "foundedBy" and alliance is not None:
                    self._assert(alliance, "foundedBy", org, ev_start, e, rule, CONFIDENCE["list"], None)
                elif relation == "fundedBy" and alliance is not None:
                    self._assert(org, "funds", alliance, ev_start, e, rule, CONFIDENCE["list"], None)
                elif relation == "received":
                    amount = next((c for c in per_block[bj] if c.kind == "M"), None)
                    self._assert(self._lead_in_funders(*lead)[0], "funds", org, ev_start, e, rule, CONFIDENCE["list"],
                                 amount)
                elif relation == "funds" and heads_org:
                    amount = next((c for c in per_block[bj] if c.kind == "M"), None)
                    self._assert(heads_org[0], "funds", org, ev_start, e, rule, CONFIDENCE["list"], amount)
            i = max(j, i + 1)

    def _agreement_lists(self, blocks: list[Block], per_block: list[list[Cand]]) -> None:
        """"Helsingør Kommune og boligorganisationerne:" / "- Boliggården" / "- DUAB" / "indgår denne aftale …": the
        parties of an agreement listed above the verb that makes them parties (and any named in the lead-in)."""
        verbs = tuple(sorted((str(w).lower() + " " for w in self.lex.rules.get("agreement_after_list", [])),
                             key=len, reverse=True))
        if not verbs:
            return
        text = self.doc.text
        for k, b in enumerate(blocks):
            if b.kind == "item" or not text[b.start : b.end].strip().lower().startswith(verbs):
                continue
            j, parties = k - 1, []
            while j >= 0 and blocks[j].kind == "item":
                item = self._item(blocks[j], per_block[j])
                parties += [item] if item is not None else []  # an item whose name the rules cannot tell is skipped
                j -= 1
            if len(parties) < 2:
                continue
            if j >= 0 and text[blocks[j].start : blocks[j].end].rstrip().endswith(":"):
                parties += [c for c in per_block[j] if c.kind in {"O", "C"}]
            alliance = self._unnamed_alliance(parties)
            start = blocks[j + 1].start
            for org in parties:
                self._assert(org, "memberOf", alliance, start, b.end, "agreement:list", CONFIDENCE["list"], None)

    def _cue_funding(self, sentences: list[_Sentence], per_block: list[list[Cand]]) -> None:
        """Funding that money words and kinds of organisation state, in sentences no template or list read."""
        read = {(a[3], a[4]) for a in self.assertions if a[1] == "funds"}
        maker = self._grant_maker(per_block)
        for s in sentences:
            if "§" not in s.reduced or (s.start, s.end) in read:
                continue
            amount = next((c for c in s.slots.values() if c.kind == "M"), None)
            for f in funding(s.reduced, s.slots, self.lex, maker):
                self._assert(f.funder, "funds", f.recipient, s.start, s.end, f.rule, CUE_CONFIDENCE, amount)

    def _cue_members(self, sentences: list[_Sentence]) -> None:
        """Members a sentence lists near a member word, in sentences no template or list read."""
        read = {(a[3], a[4]) for a in self.assertions}
        for n, s in enumerate(sentences):
            if "§" not in s.reduced or (s.start, s.end) in read:
                continue
            prev = sentences[n - 1] if n and sentences[n - 1].block == s.block else None
            listed = listed_members(s.reduced, s.slots, self.lex, prev.reduced if prev else "")
            if listed is None:
                continue
            named = [a for a in listed.alliances if all(a is not m for m in listed.members)]
            if not named and prev is not None and not listed.cue_here:
                named = [c for c in prev.slots.values() if c.kind == "A" and not c.descriptive]
            alliance = named[0] if len(named) == 1 else s.context if not named else None
            if alliance is None and not named and self.lex.set("collective_anaphora") & set(s.reduced.split()):
                alliance = self._unnamed_alliance([], anaphor=True)  # "Partnere i projektet er A, B og C"
            if alliance is None:
                continue
            for org in listed.members:
                self._assert(org, "memberOf", alliance, s.start, s.end, "memberOf:cue-list", CUE_CONFIDENCE, None)

    def _joint_subjects(self, sentences: list[_Sentence]) -> None:
        """"Frelsesarmeen, Kirkens Bymisjon, Redd Barna og Unicef inviterer …": three or more organisations that
        open a sentence and act together form an alliance — the one the text speaks of, else one it leaves unnamed.
        Not where money is the subject (recipients), nor where another rule read the sentence."""
        read = {(a[3], a[4]) for a in self.assertions}
        for s in sentences:
            run = joint_subjects(s.reduced, s.slots, self.lex) if (s.start, s.end) not in read else []
            if not run or any(self._is_place(c) for c in run):
                continue
            alliance = s.context or self._unnamed_alliance(run)
            for org in run:
                self._assert(org, "memberOf", alliance, s.start, s.end, "memberOf:joint-subject", CUE_CONFIDENCE,
                             None)

    def _cue_recipients(self, sentences: list[_Sentence], per_block: list[list[Cand]]) -> None:
        """Grant recipients a sentence lists near a recipient word, funded by the grant-maker the text is about."""
        read = {(a[3], a[4]) for a in self.assertions}
        maker = None
        for n, s in enumerate(sentences):
            if "§" not in s.reduced or (s.start, s.end) in read:
                continue
            prev = sentences[n - 1] if n and sentences[n - 1].block == s.block else None
            listed = listed_members(s.reduced, s.slots, self.lex, prev.reduced if prev else "", "recipient_cues")
            if listed is None:
                continue
            maker = maker or self._grant_maker(per_block)
            for org in listed.members:
                if maker is not None and org is not maker:
                    self._assert(maker, "funds", org, s.start, s.end, "funds:cue-recipients", CUE_CONFIDENCE, None)

    def _grant_maker(self, per_block: list[list[Cand]]) -> Cand | None:
        """The funder a grant announcement is about: the one the sentences name as funder most, else a foundation,
        ministry or agency in the title or the opening paragraph, else the one a sentence says hands out money,
        else the funder the text names most."""
        top = self._top_funder()
        if top is not None:
            return top
        tasked = self._funder_by_verb(tasked_only=True)
        if tasked is not None:
            return tasked
        opening = [c for cs in per_block[:2] for c in cs if is_funder_type(c, self.lex)]
        return opening[0] if opening else self._funder_by_verb() or self._most_named_funder(per_block)

    def _funder_by_verb(self, tasked_only: bool = False) -> Cand | None:
        """"Regeringen har beslutat att fördela 51,5 miljoner kronor till …": the organisation a sentence opens with
        and says hands out money — or, when it gives that task to another ("Regeringen har gett Socialstyrelsen
        uppdraget att fördela …"), the one it gives the task to."""
        verbs, mandates = self.lex.set("grant_verbs"), self.lex.set("mandate_words")
        for s in self.sentences:
            m = re.match(r"§([OC])(\d+)§ (.*)", s.reduced)
            if not (m and verbs & set(m.group(3).split()[:8])):
                continue
            words = m.group(3).split()
            cut = next((k for k, w in enumerate(words) if w in mandates), None)
            if cut is not None:
                tasked = [s.slots[int(i)] for w in words[:cut] for i in re.findall(r"§[OC](\d+)§", w)]
                tasked = [c for c in tasked if is_funder_type(c, self.lex)]
                if tasked and verbs & set(words[cut:]):
                    return tasked[-1]
            if not tasked_only:
                return s.slots[int(m.group(2))]
        return None

    def _most_named_funder(self, per_block: list[list[Cand]]) -> Cand | None:
        """A foundation, ministry or agency the text names at least twice, more than any other."""
        counts = Counter(normalise(c.text) for cs in per_block for c in cs if is_funder_type(c, self.lex))
        if not counts:
            return None
        key, n = counts.most_common(1)[0]
        if n < 2 or list(counts.values()).count(n) > 1:
            return None
        return next(c for cs in per_block for c in cs if is_funder_type(c, self.lex) and normalise(c.text) == key)

    def _top_funder(self) -> Cand | None:
        """The organisation the text's funding assertions name as funder most often."""
        funders = Counter(id(a[0]) for a in self.assertions if a[1] == "funds")
        if not funders:
            return None
        top = funders.most_common(1)[0][0]
        return next(a[0] for a in self.assertions if id(a[0]) == top)

    def _alliance_words(self) -> frozenset[str]:
        """"alliancens", "nettverkets", "partnerskabet": words that point at an alliance in a lead-in line."""
        words = self.lex.set("alliance_anaphora")
        return words | frozenset(w + "s" for w in words)

    def _main_funder(self, per_block: list[list[Cand]]) -> list[Cand]:
        """Who gives the money in a grant announcement: the funder the text's sentences name most, else the one
        that a sentence says hands out money ("Regeringen har beslutat att fördela 51,5 miljoner kronor till …"),
        else the first organisation of the title ("X uddeler 12 mio. kr. til …")."""
        top = self._top_funder() or self._funder_by_verb()
        if top is not None:
            return [top]
        title = [c for c in per_block[0] if c.kind == "O"] if per_block else []
        if title:
            return title[:1]
        # "… fordeles på 442 prosjekter. Sparebankstiftelsen DNB mottok 1107 søknader …": the foundation the
        # opening names
        opening = [c for cs in per_block[:4] for c in cs if c.kind == "O" and c.org_type == "Foundation"]
        most = self._most_named_funder(per_block)
        return opening[:1] or ([most] if most else [])

    def _labelled_lines(self, blocks: list[Block], per_block: list[list[Cand]]) -> None:
        """Two or more lines in a row like "Fonde: Realdania, Lauritzen Fonden" list an alliance's members by sector."""
        if self.main_alliance is None:
            return
        label = re.compile(r"^[^\W\d_][\w .&/-]{1,30}:\s+\S")
        run: list[int] = []
        for i, b in enumerate(blocks + [Block("paragraph", 0, 0)]):
            line = self.doc.text[b.start : b.end].strip()
            orgs = [c for c in per_block[i] if c.kind in {"O", "C"}] if i < len(blocks) else []
            if i < len(blocks) and label.match(line) and orgs and not line.endswith(".") \
                    and all(c.start > b.start + line.index(":") for c in orgs) and self._only_names(b, line, orgs):
                run.append(i)
                continue
            if len(run) >= 2:
                for k in run:
                    for c in per_block[k]:
                        if c.kind in {"O", "C"}:
                            self._assert(c, "memberOf", self.main_alliance, blocks[k].start, blocks[k].end,
                                         "list:labelled-lines", 0.7, None)
            run = []

    def _only_names(self, b: Block, line: str, orgs: list[Cand]) -> bool:
        """After the label, names and separators only ("Fonde: Realdania, Lauritzen Fonden"), not a sentence
        ("Læs også: Så blev Finland først …")."""
        text = self.doc.text
        rest = list(text[b.start + line.index(":") + 1 : b.end])
        for c in orgs:
            for k in range(c.start - b.start - line.index(":") - 1, c.end - b.start - line.index(":") - 1):
                if 0 <= k < len(rest):
                    rest[k] = " "
        words = _WORD.findall("".join(rest).lower())
        return all(w in self.lex.set("conjunctions") for w in words)

    def _lead_in(self, line: str, cues: dict[str, list[str]], lead: tuple[int, int], heading: bool) -> str | None:
        """The relation a lead-in line (or the sentence before a colon, at `lead` in the text) gives its list."""
        words = line.split()
        short = len(words) <= 12 and not line.endswith(".")
        if not (line.endswith((":", "?")) or heading or short):
            return None
        low = " " + " ".join(_WORD.findall(line.lower())) + " "
        if self.lex.set("gratitude") & set(low.split()):
            return None
        for relation in ("fundedBy", "foundedBy", "funds", "received", "memberOf"):
            if relation == "received":
                # "Følgende organisationer har modtaget Bikubenfondens Feriehjælp:": a receiving verb, and the
                # foundation or ministry giving the money named in the lead-in itself
                if line.endswith(":") and len(words) <= 20 and self.lex.set("funding_receipt") & set(low.split()) \
                        and self._lead_in_funders(*lead):
                    return relation
                continue
            for cue in cues.get(relation, []):
                if f" {cue} " in low:
                    return relation
        return None

    def _item_after_amount(self, b: Block, line: str, amount: Cand, cands: list[Cand]) -> Cand | None:
        """"2 mill. Frelsesarmeen": the name follows the sum."""
        rest = line[amount.end - b.start :]
        at = amount.end - b.start + len(rest) - len(rest.lstrip(" ,:–-—"))
        tail = line[at:].rstrip(" .")
        known = [c for c in cands if c.kind in {"O", "C", "A"} and c.start - b.start == at]
        if known:
            return known[0]
        if tail and is_cap(tail) and len(tail.split()) <= 8 and "(" not in tail:
            return self._new_cand(b, at, at + len(tail), "O")
        return None

    def _subtotal(self, b: Block, cands: list[Cand]) -> bool:
        """A list line that ends in a sum in brackets: a group of the list with its total."""
        line = self.doc.text[b.start : b.end].rstrip()
        return b.kind == "item" and line.endswith(")") and any(
            c.kind == "M" and self.doc.text[c.end : b.end].strip() == ")" for c in cands)

    def _describes(self, text: str) -> bool:
        """"Stærkt reduceret overdødelighed for mennesker med psykiske lidelser": four or more lower-case words that
        are neither a name's connectors nor conjunctions make a description, not a name."""
        skip = self.lex.set("name_connectors") | self.lex.set("conjunctions")
        return sum(1 for w in text.split()[1:] if w.islower() and w not in skip) >= 4

    def _lead_in_funders(self, start: int, end: int) -> list[Cand]:
        """The foundations, ministries and agencies the lead-in itself names (not the rest of its paragraph)."""
        return [c for c in self.cands if start <= c.start and c.end <= end and is_funder_type(c, self.lex)]

    def _item(self, b: Block, cands: list[Cand]) -> Cand | None:
        """The organisation a list item names, or None when the line is not a list item."""
        line = self.doc.text[b.start : b.end]
        words = line.split()
        if line.rstrip().endswith(":"):
            return None  # a lead-in of its own ("Prosjekter som fikk støtte i 2023:")
        amount = next((c for c in cands if c.kind == "M"), None)
        lead = len(line) - len(line.lstrip(" •·*-–—▪"))
        if amount is not None and amount.start - b.start == lead:
            return self._item_after_amount(b, line, amount, cands)
        first = next((c for c in cands if c.kind in {"O", "C", "A", "P"}), None)
        if b.kind != "item" and len(words) > 6 and first is not None and first.kind == "O" \
                and first.start - b.start == lead:
            # "Ecpat Sverige som erbjuder hjälp … 556 212:-": a known name and what it does, one paragraph per item
            after = line[first.end - b.start :].split()
            if after and (after[0].lower() in self.lex.set("relative_pronouns") or after[0] in {",", "–", "-", "—"}):
                return first
        lead_word = line.lstrip("•·*-–—▪ ").split(" ")[0]
        brand = any(ch.isupper() for ch in lead_word[1:])  # "proLAR Nett", "eSport Danmark"
        if not line or not (is_cap(lead_word) or brand) or (len(words) > 14 and b.kind != "item"):
            return None
        if b.kind != "item" and line.rstrip().endswith(".") and len(words) > 6:
            return None
        if first is not None and first.kind == "P":
            return next((c for c in cands if c.kind in {"O", "C"}), None)
        if amount is not None:  # "SPORTSKLUBBEN AV 1909, kr 50.000 til utstyr": the name is what precedes the sum
            head = line[: amount.start - b.start].strip(" ,:–-—•·*▪(")
            verbs = self.lex.set("copulas") | self.lex.set("funding_receipt")
            cut = next((m.start() for m in re.finditer(r"\S+", head) if m.group() in verbs), None)
            head = head[:cut].rstrip(" ,") if cut else head  # "Bytårnet Skole får 100.000 kroner": not the verb
            if self._subtotal(b, cands) and not any(c.kind == "O" and c.start - b.start == lead for c in cands):
                return None  # a sub-heading with its total: "Tiltak for utsatte grupper (7 millioner kroner)"
            if head and head[0].isalpha() and is_cap(head) and len(head.split()) <= 8 and not any(
                    c.kind in {"O", "C", "A"} and c.start - b.start == lead and c.end - b.start >= lead + len(head)
                    for c in cands):
                known = [c for c in cands if c.kind in {"O", "C"} and c.start - b.start == lead
                         and c.end - b.start == lead + len(head)]
                return known[0] if known else self._new_cand(b, lead, lead + len(head), "O")
        # "SAND - de hjemløses landsorganisation", "KAB – Bedre boliger for alle": an acronym and its expansion
        name_end = len(line)
        for sep in (" – ", " - ", " — ", ": ", " (", ", "):
            k = line.find(sep)
            if 0 < k < name_end:
                name_end = k
        head = line[:name_end].strip()
        if is_acronym(head) and name_end < len(line) and line[name_end:].strip()[:1] in DASHES:
            rest = line[name_end:].strip(" –-—")
            if 0 < len(rest.split()) <= 6:
                c = self._new_cand(b, 0, len(line.rstrip()), "O")
                c.names = [line.strip(), head, rest]
                return c
        if first is not None and first.start - b.start <= 2 and first.kind in {"O", "C", "A"}:
            if first.kind == "A":
                return None
            return first
        first_word = head.split()[0].lower() if head else ""
        if head and len(head.split()) <= 8 and (name_end < len(line) or len(words) <= 8) \
                and first_word not in self.lex.vocabulary() and first_word not in self.lower_words \
                and first_word not in self.lex.common_words() and not self._describes(head) \
                and head.lower() not in self.lex.set("not_names"):
            return self._new_cand(b, line.index(head), line.index(head) + len(head), "O")
        return None

    def _coordinated(self, item: Cand, cands: list[Cand]) -> list[Cand]:
        """"- Gjøvik og Lillehammer kommune": a list item may name two organisations joined by a conjunction."""
        after = [c for c in cands if c.kind in {"O", "C"} and c.start > item.end]
        if not after:
            return []
        between = self.doc.text[item.end : after[0].start].strip().lower()
        return [after[0]] if between in self.lex.set("conjunctions") else []

    def _record(self, b: Block, cands: list[Cand]) -> tuple[Cand | None] | None:
        """A list written as labelled fields: "Organisation: Bara Vanlig Hälsa" gives the item (its name after the
        label), "Projekt: …" or "Beløb: …" is a field of the item above; None for any other line."""
        line = self.doc.text[b.start : b.end]
        m = re.match(r"\s*([^\W\d_]+):[ \t]+(\S.*?)\s*$", line)
        if m is None:
            return None
        label = m.group(1).lower()
        if label in self.lex.set("record_fields"):
            return (None,)
        if label not in self.lex.set("record_labels"):
            return None
        at, end = m.start(2), m.end(2)
        known = [c for c in cands if c.kind in {"O", "C", "A"} and c.start - b.start == at]
        if known:
            return (known[0],)
        value = m.group(2)
        return (self._new_cand(b, at, end, "O"),) if is_cap(value) and len(value.split()) <= 8 else (None,)

    def _new_cand(self, b: Block, s: int, e: int, kind: str) -> Cand:
        text = self.doc.text[b.start + s : b.start + e]
        c = Cand(kind, b.start + s, b.start + e, text, licensed=True, block=-1)
        c.org_type = org_type_of(text.split(), self.lex)
        self.cands.append(c)
        return c

    # ------------------------------------------------------------------ positions
    def _positions(self, sentences: list[_Sentence]) -> None:
        for s in sentences:
            if "§R" not in s.reduced and "§P" not in s.reduced:
                continue
            found = False
            for t in self.lex.position_templates:
                if not t.may_match(s.reduced):
                    continue
                for m in t.regex.finditer(s.reduced):
                    p, r, o = (_one(s, m.group(g)) for g in ("P", "R", "O"))
                    p = _as_person(p)
                    if p and r and o and o.kind in {"O", "C", "A"} and not self._is_place(o):
                        self.positions.append((p, o, r.text, s.start, s.end, t.rule, CONFIDENCE["position"]))
                        found = True
            if found:
                continue
            for t in self.lex.bare_position_templates:
                if not t.may_match(s.reduced):
                    continue
                for m in t.regex.finditer(s.reduced):
                    if t.relation == "affiliation":  # "A og B fra Oslo Røde Kors": each of them
                        o = _one(s, m.group("O"))
                        if t.source.startswith("{O") and o is not None and not o.text.endswith(_GENITIVE_ENDS):
                            continue  # an organisation right before a person only as a genitive
                        for _, i in slot_mentions(m.group("P")):
                            p = _as_person(s.slots.get(i))
                            if p and o and o.kind in {"O", "C"} and not self._is_place(o):
                                self.positions.append((p, o, "", s.start, s.end, t.rule, 0.6))
                        continue
                    p, r = _as_person(_one(s, m.group("P"))), _one(s, m.group("R"))
                    org = self._ministry_of(r.text) if p and r else None
                    if p and r and org is not None:
                        self.positions.append((p, org, r.text, s.start, s.end, t.rule, 0.6))

    def _ministry_of(self, role: str) -> Cand | None:
        """"socialminister" -> the "Socialministeriet" the text names (minister roles name their ministry)."""
        suffix = str(self.lex.rules.get("minister_role_suffix", "minister"))
        ministry = str(self.lex.rules.get("ministry_suffix", "ministeriet"))
        low = role.lower()
        if not low.endswith(suffix) or low == suffix:
            return None
        stem = low[: -len(suffix)]
        for c in self.cands:
            n = c.text.lower()
            if c.kind == "O" and n.startswith(stem) and n.endswith(ministry):
                return c
        return None

    # ------------------------------------------------------------------ coreference
    def _coreference(self) -> None:
        """Give every candidate a document-level key; candidates sharing a key are one entity."""
        keyed: dict[str, str] = {}
        cands = [c for c in self.cands if c.kind in {"O", "C", "A", "P"} and not c.key]
        for c in cands:
            c.key = self._base_key(c)
            keyed.setdefault(c.key, c.key)
        # acronyms and expansions given together
        for c in cands:
            for n in c.names:
                keyed[self._name_key(n, c.kind)] = c.key
        # genitives and alliance-word variants fold onto a key seen elsewhere in the document
        for c in cands:
            k = c.key
            for variant in (_strip_s(k), _strip_alliance_word(k, self.lex)):
                if variant != k and variant in keyed:
                    c.key = keyed[variant]
                    break
            c.key = keyed.get(c.key, c.key)
        # conservative spelling variants: one letter inserted or dropped in a long name
        keys = sorted({c.key for c in cands if len(c.key) >= 11})
        alias: dict[str, str] = {}
        for a in keys:
            for b in keys:
                if a < b and a[:4] == b[:4] and _one_edit(a, b):
                    alias[b] = alias.get(a, a)
        for c in cands:
            c.key = alias.get(c.key, c.key)

    def _base_key(self, c: Cand) -> str:
        if c.entry is not None:
            return f"{c.kind}:gaz:{normalise(c.entry.name)}"
        if c.descriptive:
            words = normalise(c.text).split()
            cue = _strip_definite(words[0])
            return f"A:desc:{cue} {' '.join(words[2:])}"
        return self._name_key(c.text, c.kind)

    def _name_key(self, name: str, kind: str) -> str:
        # "Kirkens Bymisjon i Norge" is "Kirkens Bymisjon Norge"
        k = _in_country(tuple(self.lex.rules.get("countries", {}))).sub(r" \1", normalise(name))
        kind = "O" if kind == "C" else kind
        entry = gazetteer().get(k)
        if entry is not None:
            return f"{'A' if entry.kind == 'Alliance' else kind}:gaz:{normalise(entry.name)}"
        return f"{kind}:{k}"

    # ------------------------------------------------------------------ branches
    def _branches(self, sentences: list[_Sentence]) -> None:
        """"X Danmark" / "X i Norge" / "NAV Nordland" is a branch of X when the text also names X alone: a parent
        the text never names is world knowledge, not something the text states."""
        countries = {c.lower(): c for c in self.lex.rules.get("countries", {})}
        adjectives = {adj: country for country, adjs in self.lex.rules.get("countries", {}).items() for adj in adjs}
        orgs = [c for c in self.cands if c.kind in {"O", "C"} and c.key]
        by_key = {c.key: c for c in orgs}
        by_name: dict[str, Cand] = {}
        for c in orgs:
            for n in (c.text, *c.names):
                by_name.setdefault(_strip_s(normalise(n)) if n is not c.text else normalise(n), c)
                by_name.setdefault(normalise(n), c)
        for c in list(by_key.values()):
            name = normalise(c.text)
            local = re.match(r"(.+) i (\w+)$", name)
            words = re.sub(r" i (\w+)$", r" \1", name).split()
            if len(words) >= 2 and words[-1] in countries:
                parent = by_name.get(" ".join(words[:-1]))
                rule = "branch:country"
            elif local:  # "Kirkens Bymisjon i Kristiansand"
                parent, rule = by_name.get(local.group(1)), "branch:local"
            elif len(words) >= 2 and c.text.split()[-1] in places():  # "NAV Oslo", "Kirkens Bymisjon Bergen"
                parent, rule = by_name.get(" ".join(words[:-1])), "branch:town"
            else:
                continue
            if parent is not None and parent.key != c.key:
                self._assert(c, "partOf", parent, c.start, c.end, rule, CONFIDENCE["branch"], None)
        # "den danske afdeling af X" names X's branch in that country
        rx = re.compile(r"(?:den|det) (\w+) (?:afdeling|avdeling|avdelning|gren|del|organisation|organisasjon) "
                        r"(?:af|av) §[OC](\d+)§")
        for s in sentences:
            for m in rx.finditer(s.reduced):
                country = adjectives.get(m.group(1))
                parent = s.slots.get(int(m.group(2)))
                if not country or parent is None:
                    continue
                branch_key = f"O:{normalise(parent.text)} {country.lower()}"
                branch = by_key.get(branch_key) or by_key.get(_strip_s(branch_key))
                if branch is None:
                    continue
                branch.names = [*branch.names, self.doc.text[s.start : s.end][m.start() : m.end()]]
                span_text = self.doc.text[s.start : s.end]
                phrase = re.search(r"(?:den|det) \w+ \w+ (?:af|av) " + re.escape(parent.text), span_text)
                if phrase:
                    branch.names[-1] = phrase.group(0)
                self._assert(branch, "partOf", parent, s.start, s.end, "branch:adjective", CONFIDENCE["branch"], None)

    def _memberlist_records(self) -> None:
        """Rows of a structured member list are stated facts: no extraction needed, confidence 1."""
        for r in self.doc.records:
            s_kind = "A" if r.relation in {"facilitatedBy", "foundedBy"} else "O"
            o_kind = "A" if r.relation == "memberOf" else "O"
            s = Cand(s_kind, r.start, r.end, r.subject, licensed=True)
            o = Cand(o_kind, r.start, r.end, r.object, licensed=True)
            for c in (s, o):
                entry = gazetteer().get(normalise(c.text))
                c.entry, c.key = entry, self._name_key(c.text, c.kind)
                c.org_type = entry.type if entry and c.kind == "O" else org_type_of(c.text.split(), self.lex)
                self.cands.append(c)
            self.assertions.append((s, r.relation, o, r.start, r.end, "memberlist", CONFIDENCE["memberlist"], None))

    # ------------------------------------------------------------------ output
    def _fold_unnamed(self) -> None:
        """An unnamed agreement whose parties are exactly a named alliance's members in this text is that alliance;
        an unnamed "partnerskabet" with fewer than two members is no alliance the text describes."""
        members: dict[str, set[str]] = {}
        for s, rel, o, *_ in self.assertions:
            if rel == "memberOf":
                members.setdefault(o.key, set()).add(s.key)
        agreements = [c for k, c in self.generated.items() if k != "this document"]
        if self.named_as is not None and len(agreements) <= 1:
            # "… har tecknat ett partnerskap. Partnerskapet har fått namnet Vägen Hem": one alliance, named late (and
            # its two parties no longer bilateral partners)
            unnamed = {id(c) for c in self.generated.values()}
            named = self.named_as
            self.assertions = [(named if id(s) in unnamed else s, r, named if id(o) in unnamed else o, *rest)
                               for s, r, o, *rest in self.assertions
                               if not (r == "partnerOf" and str(rest[2]).startswith("agreement"))]
            self.cands = [c for c in self.cands if id(c) not in unnamed]
            self.generated.clear()
            return
        anaphoric = self.generated.get("this document")
        if anaphoric is not None and len(members.get(anaphoric.key, ())) < 2:
            self.assertions = [a for a in self.assertions if a[0] is not anaphoric and a[2] is not anaphoric]
            del self.generated["this document"]
            self.cands.remove(anaphoric)
        named = {k: v for k, v in members.items() if not k.startswith("agreement:")}
        for key, c in list(self.generated.items()):
            parties = members.get(c.key, set())
            target = next((k for k, v in named.items() if v == parties), None)
            if target is None:
                continue
            alliance = next(x for x in self.cands if x.key == target)
            self.assertions = [(s, r, alliance if o is c else o, *rest) for s, r, o, *rest in self.assertions]
            del self.generated[key]
            self.cands.remove(c)

    def _result(self) -> Extraction:
        self._fold_unnamed()
        used = {id(x) for a in self.assertions for x in (a[0], a[2])} | {id(p[0]) for p in self.positions} | {
            id(p[1]) for p in self.positions}
        groups: dict[str, list[Cand]] = {}
        for c in self.cands:
            if c.kind in {"O", "C", "A", "P"} and c.key:
                groups.setdefault(c.key, []).append(c)
        keep: dict[str, tuple[str, ...]] = {}
        for key, cs in groups.items():
            if not any(c.licensed and c.kind != "C" or id(c) in used for c in cs):
                continue
            names: list[str] = []
            for c in cs:
                for n in (c.text, *c.names):
                    n = n.strip()
                    if n and n not in names:
                        names.append(n)
            keep[key] = tuple(names)
        mentions: dict[int, Mention] = {}
        for key, kept in keep.items():
            for c in groups[key]:
                kind = {"O": "Organisation", "C": "Organisation", "A": "Alliance", "P": "Person"}[c.kind]
                org_type = next((x.org_type for x in groups[key] if x.org_type), "")
                mentions[id(c)] = Mention(c.text or kept[0] if kept else c.text, c.start, c.end, kind, org_type,
                                          key, kept, generated=c.key.startswith("agreement:"))
        for c in self.generated.values():
            if id(c) not in mentions:
                mentions[id(c)] = Mention("", c.start, c.end, "Alliance", "", c.key, (), generated=True)
        assertions = []
        seen: set[tuple[str, str, str]] = set()
        for s, rel, o, st, en, rule, conf, amount in self.assertions:
            if id(s) not in mentions or id(o) not in mentions:
                continue
            ms, mo = mentions[id(s)], mentions[id(o)]
            if ms.key == mo.key:
                continue
            sig = (ms.key, rel, mo.key) if rel != "partnerOf" else (min(ms.key, mo.key), rel, max(ms.key, mo.key))
            if sig in seen:
                continue
            seen.add(sig)
            assertions.append(Assertion(ms, rel, mo, st, en, rule, conf,
                                        amount.value if amount else None, amount.currency if amount else None))
        positions = []
        seen_p: set[tuple[str, str]] = set()
        for p, o, role, st, en, rule, conf in self.positions:
            if id(p) in mentions and id(o) in mentions and (mentions[id(p)].key, mentions[id(o)].key) not in seen_p:
                seen_p.add((mentions[id(p)].key, mentions[id(o)].key))
                positions.append(Position(mentions[id(p)], mentions[id(o)], role, st, en, rule, conf))
        return Extraction(self.doc.id, tuple(mentions.values()), tuple(assertions), tuple(positions))


def _as_person(c: Cand | None) -> Cand | None:
    """A capitalised name in a person's slot is a person when it reads like one: 2–4 capitalised words."""
    if c is None or c.kind == "P":
        return c
    words = c.text.split()
    if c.kind == "C" and 2 <= len(words) <= 4 and all(w[:1].isupper() and not is_acronym(w) for w in words):
        c.kind, c.licensed = "P", True
        return c
    return None


def _one(s: _Sentence, group: str | None) -> Cand | None:
    ms = slot_mentions(group)
    return s.slots.get(ms[0][1]) if ms else None


def _strip_s(key: str) -> str:
    return key.removesuffix("s")


def _strip_definite(word: str) -> str:
    for suffix in ("et", "en", "n", "t"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 5:
            return word[: -len(suffix)]
    return word


def _strip_alliance_word(key: str, lex: Lexicon) -> str:
    kind, _, name = key.partition(":")
    words = name.split()
    if len(words) >= 3 and words[-1] in lex.set("alliance_suffixes"):
        return f"{kind}:{' '.join(words[:-1])}"
    return key


def _one_edit(a: str, b: str) -> bool:
    """True when b is a with one letter inserted or deleted (Bikubefonden / Bikubenfonden)."""
    if abs(len(a) - len(b)) != 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]

