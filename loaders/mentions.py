"""Finding names in one block of text: gazetteer hits, capitalised name runs, quoted names, descriptive alliance
names, persons, amounts and role words.

A name is *licensed* as an organisation when something about it says so (the gazetteer, a suffix such as
-fonden or Kommune, an acronym, a prefix such as Landsforeningen). Other capitalised runs stay *candidates*
(kind "C"): they become organisations only when a relation template or a member list uses them, which is how
brand-like names that no suffix reveals ("Realdania", "Fretex") get in without letting every capitalised
word in.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

from alliances.graph.vocab import normalise
from alliances.loaders.lexicon import GazetteerEntry, Lexicon, gazetteer, given_names, places
from alliances.loaders.tokens import Tokens

QUOTES_OPEN = {'"', "”", "“", "«", "‘", "’", "„", "'"}
QUOTES_CLOSE = {'"', "”", "“", "»", "’", "‘", "'"}
DASHES = {"-", "–", "—"}
BREADCRUMBS = {"›", "|", ">", "»"}
_AMOUNT = re.compile(
    r"(?<![\w.,])(?P<num>\d{1,3}(?:[.\s]\d{3})+(?:,\d+)?|\d+(?:,\d+)?)\s*"
    r"(?P<scale>mio\.|mio|mill\.|mill|millioner|million|miljoner|miljon|mia\.|mia|mrd\.|mrd|milliarder|milliard|"
    r"miljarder|miljard|tusind|tusen|mnkr|mkr)?\s*"
    r"(?P<cur>kr\.|kr\b|kroner|kronor|dkk|nok|sek|euro|eur\b|€|usd|dollars)",
    re.IGNORECASE,
)
_DIGIT = re.compile(r"\d")
# "kr 50.000", "NOK 2 mill.", "SEK 500 000": the currency before the number, as grant lists write it
_AMOUNT_PRE = re.compile(
    r"(?<![\w.])(?P<cur>kr\.?|nok|sek|dkk|eur|€)\s?(?P<num>\d{1,3}(?:[.\s]\s?\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
    r"(?:\s*(?P<scale>mio\.|mio|mill\.|mill|millioner|miljoner|mia\.|mrd\.))?(?![\d])",
    re.IGNORECASE,
)
# "Next in Mind", "Reach for Change": an English connector joins an English name, not a Nordic common noun to one
_ENGLISH_CONNECTORS = frozenset({"in", "of", "the", "and"})
_SCALE_SHORT = {"mnkr": 1_000_000, "mkr": 1_000_000}
# "2 mill. Frelsesarmeen", "4,5 mio. til …": an abbreviated scale alone is money in the sector's lists (a head count
# writes the word out: "2 millioner mennesker")
_AMOUNT_BARE = re.compile(r"(?<![\w.,])(?P<num>\d+(?:,\d+)?)\s*(?P<scale>mio\.|mill\.|mia\.|mrd\.)(?P<cur>)",
                          re.IGNORECASE)


@dataclass
class Cand:
    """A mention candidate within the document (mutable while extraction works on it)."""

    kind: str  # O organisation, C capitalised candidate, A alliance, P person, M amount, R role
    start: int  # char offsets in the document text (span covered, e.g. including "(ACR)")
    end: int
    text: str  # the name as written (without a trailing "(ACR)")
    tok_start: int = 0  # token offsets within the block
    tok_end: int = 0
    entry: GazetteerEntry | None = None
    names: list[str] = field(default_factory=list)
    org_type: str = ""
    descriptive: bool = False
    quoted: bool = False
    credit: bool = False  # named in a photo or source credit: a name, never a party of a relation
    licensed: bool = False
    value: float | None = None
    currency: str | None = None
    block: int = 0
    key: str = ""


def is_cap(text: str) -> bool:
    """Capitalised, or a digit that a letter follows ("3F"); never a piece of markup left in a text ("4<br")."""
    return bool(text) and (text[0].isupper() or (text[0].isdigit() and any(c.isalpha() for c in text))) \
        and "<" not in text and ">" not in text


def is_acronym(text: str) -> bool:
    """"KS", "SOS", "ASI" — and short mixed forms that begin and end in a capital ("FnN", "KrF")."""
    letters = [c for c in text if c.isalpha()]
    if not (2 <= len(text) <= 8 and len(letters) >= 2 and text[0].isalpha()):
        return False
    if all(c.isupper() for c in letters):
        return True
    return len(text) <= 5 and text.isalpha() and text[0].isupper() and text[-1].isupper()


def is_compound(word: str, suffixes: tuple[str, ...]) -> bool:
    """`word` ends in one of `suffixes` with more than two letters before it ("Bikubenfonden", "regiondirektør").

    One `str.endswith` over the whole tuple first: most words end in none, and that test runs in C.
    """
    return word.endswith(suffixes) and any(word.endswith(s) and len(word) > len(s) + 2 for s in suffixes)


_CAMEL = re.compile(r"[a-zæøåäöü][A-ZÆØÅÄÖÜ]")


def has_inner_capital(text: str) -> bool:
    """CamelCase brand names ("PostkodStiftelsen", "HjärtLung"), not hyphenated words ("Nav-sjef", "Guinea-Bissau")."""
    return len(text) > 3 and text[0].isupper() and bool(_CAMEL.search(text))


def org_type_of(tokens: list[str], lex: Lexicon) -> str:
    """A finer organisation class from the words of the name (Foundation, Municipality, …), or ''."""
    low = " ".join(tokens).lower()
    for words, typ in (
        (("kommune", "kommun", " stad"), "Municipality"),
        (("region",), "Region"),
        (("fonden", "fond", "fondet", "stiftelsen", "stiftelse", "foundation", "fund"), "Foundation"),
        (("ministeriet", "departementet", "styrelsen", "direktoratet", "myndigheten", "verket", "tilsynet"), "Ministry"),
        (("universitet", "højskole", "høgskole", "högskola", "skole", "skola", "college", "akademi"), "Education"),
        (("boliger", "bolig", "bostäder", "boligselskab", "boligbyggelag", "allmännytta"), "HousingAssociation"),
        (("partiet",), "PoliticalParty"),
        ((" a/s", " aps", " as", " asa", " ab"), "Company"),
        (("foreningen", "forening", "förening", "forbund", "förbund", "kors", "mission", "hjælp", "hjelp"), "NGO"),
    ):
        if any(w in low or low.endswith(w.strip()) for w in words):
            return typ
    return ""


LOCAL_CURRENCY = {"da": "DKK", "nb": "NOK", "sv": "SEK"}


def find_amounts(text: str, base: int, block: int, lang: str = "da") -> list[Cand]:
    """Money in the text: "2 mio. kr.", "3,5 millioner kroner", "500 000 kronor", "100 euro"; kroner in the
    language's own currency unless the text says which."""
    out: list[Cand] = []
    if _DIGIT.search(text) is None:
        return out  # every amount has a digit; the amount patterns are slow to fail on every position
    matches = list(_AMOUNT.finditer(text))
    for pattern in (_AMOUNT_PRE, _AMOUNT_BARE):
        matches += [m for m in pattern.finditer(text) if not any(x.start() < m.end() and m.start() < x.end()
                                                                 for x in matches)]
    for m in matches:
        num = m.group("num").replace(" ", "").replace(".", "").replace(",", ".")
        try:
            value = float(num)
        except ValueError:
            continue
        scale = (m.group("scale") or "").lower()
        if scale:
            value *= _SCALE_SHORT.get(scale) or _scale(scale)
        cur = m.group("cur").lower()
        currency = {"€": "EUR", "euro": "EUR", "eur": "EUR", "usd": "USD", "dollars": "USD", "nok": "NOK",
                    "sek": "SEK", "kronor": "SEK", "dkk": "DKK"}.get(cur, LOCAL_CURRENCY.get(lang, ""))
        out.append(Cand("M", base + m.start(), base + m.end(), m.group(0), value=value, currency=currency or None,
                        block=block))
    return out


def _scale(word: str) -> float:
    if word.startswith(("mia", "mrd", "milliard", "miljard")):
        return 1_000_000_000
    if word.startswith(("tusind", "tusen")):
        return 1_000
    return 1_000_000


class BlockScanner:
    """Scans one block (a spaCy Doc of a line or paragraph) for mention candidates."""

    def __init__(self, lex: Lexicon, lowercase_words: set[str]) -> None:
        self.lex = lex
        self.lower_words = lowercase_words  # every lower-case word of the document: tells common words from names
        self.not_names = {w.lower() for w in lex.rules.get("not_names", [])}
        self.function_words = lex.set("function_words")
        self.collective = lex.set("collective_anaphora")
        self.collective_tuple = tuple(self.collective)
        self.connectors = lex.set("name_connectors")
        self.stops = lex.set("name_stops")
        self.suffixes = tuple(sorted(lex.set("org_suffixes"), key=len, reverse=True))
        self.org_words = lex.set("org_words")
        self.prefixes = lex.set("org_prefixes")
        self.cues = lex.set("alliance_cues")
        # a quoted name in a sentence that speaks of an alliance or of its members ("Hvem står bag ”Sammen mod
        # ensomhed”?") is an alliance
        member_words = {w for rel in ("memberOf", "foundedBy") for cue in lex.rules.get("list_cues", {}).get(rel, [])
                        for w in str(cue).lower().split() if len(w) > 2}
        self.quote_cues = self.cues | member_words | lex.set("naming_words")
        self.naming_verbs = lex.set("naming_verbs")
        self.alliance_suffixes = lex.set("alliance_suffixes")
        self.alliance_suffix_tuple = tuple(self.alliance_suffixes)
        self.long_alliance_suffixes = tuple(s for s in self.alliance_suffixes if len(s) >= 5)
        self.descriptive = lex.set("descriptive_cues")
        self.preps = lex.set("alliance_preps")
        self.anaphora = lex.set("alliance_anaphora") | lex.set("grant_anaphora") | lex.set("publisher_pronouns")
        self.roles = lex.set("roles")
        self.role_mods = lex.set("role_modifiers")
        self.given = given_names()
        self.countries = set(lex.rules.get("countries", {}))
        self.nationalities = {str(a) for adjs in lex.rules.get("countries", {}).values() for a in adjs}
        # computed once per document, not per token: words that are common when a sentence starts with them, and
        # words that head a name however it starts
        self.common = lowercase_words | self.anaphora | self.stops
        self.name_heads = self.cues | self.prefixes | self.org_words
        self.vocabulary = lex.vocabulary()
        self.common_words = lex.common_words()
        self.inner_preps = lex.set("alliance_preps") | {"i", "af", "av", "med", "mod", "mot", "för", "til", "till"}
        self.hard_stops = self.stops - self.inner_preps
        self.common_or_inner = self.common | self.inner_preps
        self.copulas = lex.set("copulas")
        self.conj = lex.set("conjunctions")
        self.list_seps = {","} | self.conj
        self.role_suffixes = tuple(lex.set("role_suffixes"))
        self.role_starts = lex.phrase_starts("roles")
        self.shared_heads = lex.set("shared_heads")
        self.national = lex.set("national_adjectives")
        self.credit_words = lex.set("credit_words")

    def scan(self, tk: Tokens, base: int, block: int) -> list[Cand]:
        """The mention candidates of one block, `base` its offset in the document, in token order."""
        n_toks = len(tk)
        taken = [False] * n_toks
        # the first word of a sentence, also after a dash or an opening quote
        alpha = tk.alpha
        sent_starts = {next((i for i in range(s, e) if alpha[i]), s) for s, e in tk.sents}
        # after a breadcrumb ("Hjem › Om oss") or a colon ("Spørgsmål: Organisationerne peger") as after a full stop
        sent_starts |= {i + 1 for i, w in enumerate(tk.words) if w in BREADCRUMBS or w == ":"}
        cands: list[Cand] = []

        def add(c: Cand) -> None:
            for i in range(c.tok_start, c.tok_end):
                taken[i] = True
            c.block = block
            cands.append(c)

        known = self._gazetteer(tk, base)
        in_known = {i for c in known for i in range(c.tok_start, c.tok_end)}
        for c in known:
            if not any(taken[c.tok_start : c.tok_end]):
                self._extend_branch(tk, c, base)
                self._extend_known(tk, c, base, in_known | sent_starts)
                self._association_of(tk, c, base)
                self._titled(tk, c, base)
                self._national_of(tk, c, base)
                add(c)
        for c in self._quoted(tk, base, taken):
            add(c)
        i = 0
        words = tk.words
        while i < n_toks:
            first = words[i][:1]  # is_cap's first test, inline: most tokens fail it
            if taken[i] or not (first.isupper() or first.isdigit()) or not self._starts_name(tk, i) \
                    or self._shouted(tk, i):
                i += 1
                continue
            run = self._cap_run(tk, i, base, taken, sent_starts)
            if run is None:
                i += 1
                continue
            if run.kind in {"O", "C"}:
                self._extend_branch(tk, run, base)
            add(run)
            i = run.tok_end
        for c in self._descriptive(tk, base, taken):
            # its bracketed acronym was found on its own before: "(NIA)" belongs to the name now
            cands[:] = [x for x in cands if not (c.tok_start <= x.tok_start and x.tok_end <= c.tok_end)]
            add(c)
        for c in self._roles(tk, base, taken):
            add(c)
        self._persons_by_role(tk, cands)
        self._shared_heads(tk, cands)
        cands[:] = self._list_segments(tk, cands, base)
        cands[:] = self._acronym_names(tk, cands, base)
        self._credits(tk, cands)
        for c in find_amounts(tk.text, base, block, self.lex.lang):
            span = tk.char_span(c.start - base, c.end - base)
            if span is not None and not any(taken[span[0] : span[1]]):
                c.tok_start, c.tok_end = span
                add(c)
        return sorted(cands, key=lambda c: c.tok_start)

    # -- the finders ------------------------------------------------------------------------------------

    def _gazetteer(self, tk: Tokens, base: int) -> list[Cand]:
        exact, lower = self.lex.matchers()
        hits = tk.matches(exact)
        hits += [(s, e) for s, e in tk.matches(lower) if is_cap(tk.words[s])]
        out: list[Cand] = []
        used: set[int] = set()
        gaz = gazetteer()
        for s, e in sorted(set(hits), key=lambda h: (-(h[1] - h[0]), h[0])):
            if used & set(range(s, e)):
                continue
            text = tk.span_text(s, e)
            entry = gaz.get(normalise(text)) or gaz.get(normalise(_strip_genitive(text)))
            if entry is None:
                continue
            used |= set(range(s, e))
            kind = "A" if entry.kind == "Alliance" else "O"
            c = Cand(kind, base + tk.start_char(s), base + tk.end_char(e), text, s, e, entry=entry,
                     licensed=True, org_type=entry.type if kind == "O" else "")
            self._absorb_acronym(tk, c, base)
            out.append(c)
        return out

    def _quoted(self, tk: Tokens, base: int, taken: list[bool]) -> list[Cand]:
        """A quoted capitalised phrase in a sentence that speaks of an alliance is an alliance name."""
        out = []
        words = tk.words
        for start, end in tk.sents:
            if self.quote_cues.isdisjoint(tk.lowers[start:end]):
                continue
            for j in range(start, end):
                if words[j] not in QUOTES_OPEN:
                    continue
                for k in range(j + 2, min(j + 12, end)):
                    if words[k] in QUOTES_CLOSE:
                        a, b = j + 1, k  # the tokens between the quotes
                        inner = tk.span_text(a, b)
                        if is_cap(inner) and not any(taken[a:b]):
                            out.append(Cand("A", base + tk.start_char(a), base + tk.end_char(b), inner, a, b,
                                            quoted=True, licensed=True))
                        break
        return out

    def _starts_name(self, tk: Tokens, i: int) -> bool:
        t = tk.words[i]
        if not is_cap(t) or not any(c.isalpha() for c in t) or t.lower() in self.not_names:
            return False
        if t.lower() in self.function_words and not (i + 1 < len(tk) and is_cap(tk.words[i + 1])):
            return False
        # "Formand i Hus Forbi", "Daglig leder i …": a role, found by the role finder
        lowers = tk.lowers
        low = lowers[i]
        if low in self.inner_preps or is_compound(low, self.role_suffixes):
            return False  # "I Norge …", "Prosjektkoordinator i NFS": a preposition or a post starts no name
        return not any(" ".join(lowers[i : i + n]) in self.roles for n in (1, 2, 3))

    def _cap_run(self, tk: Tokens, i: int, base: int, taken: list[bool], sent_starts: set[int]) -> Cand | None:
        j = i + 1
        while j < len(tk) and not taken[j]:
            t = tk.words[j]
            if t in self.given and j + 1 < len(tk) and is_cap(tk.words[j + 1]) and tk.words[i] not in self.given:
                break  # "SOS-barnebyer Bente Lier": a person's name starts here
            if is_cap(t) and t.lower() not in self.not_names and not self._shouted(tk, j):
                j += 1
            elif t.lower() in self.connectors and tk.words[i] in self.given and 2 <= j - i <= 3 \
                    and all(w[1:].islower() for w in tk.words[i:j]):
                break  # "Petter Jansen i SAS Braathens": a person and where they work, not one name
            elif (t.lower() in self.connectors or t in DASHES) and j + 1 < len(tk) and is_cap(tk.words[j + 1]) \
                    and not taken[j + 1] and tk.words[j + 1].lower() not in self.not_names:
                if t in DASHES and not is_acronym(tk.words[j - 1]):
                    break
                j += 2
            elif t in {"&", "'s"} and j + 1 < len(tk) and is_cap(tk.words[j + 1]):
                j += 2
            elif tk.lowers[j] in {"af", "av"} and tk.lowers[i] in self.prefixes and j + 1 < len(tk) \
                    and tk.words[j + 1].isdigit() and len(tk.words[j + 1]) == 4:
                j += 2  # "Boligselskabet af 1961": a housing company named after its founding year
            elif tk.words[j - 1].endswith("-") and t.lower() in self.conj and j + 1 < len(tk) \
                    and tk.alpha[j + 1] and tk.words[j + 1].islower():
                j += 2  # "Bruker- og pårørendenettverket": two compounds that share their last part
            else:
                break
        # "Rusfeltets hovedorganisasjon", "Kirkens bymisjon": a genitive name and the lower-case body it names
        if j == i + 1 and j < len(tk) and tk.words[i].endswith("s") and tk.words[j].islower() \
                and not taken[j] and self._org_head(tk.words[j]):
            j += 1
        # a sentence-initial word that the text also writes in lower case, or that the rules use as a word
        # ("Sekretariatet ligger hos …"), is a common word, not a name — unless a name continues through it
        # ("Alliancen mod Hjemløshed")
        while i < j and i in sent_starts and (tk.lowers[i] in self.common or tk.lowers[i] in self.vocabulary) \
                and not is_acronym(tk.words[i]) and not (i + 1 < j and tk.lowers[i] in self.name_heads):
            i += 1
            while i < j and (tk.words[i].lower() in self.connectors or not is_cap(tk.words[i])):
                i += 1
        # "Formålet med Nationalt partnerskab …", "Baggrunden for Projekt Netværket": a sentence-initial word that
        # heads no name, joined by a preposition to the name that follows, is a common noun
        if i in sent_starts and j - i >= 3 and tk.lowers[i + 1] in self.connectors and tk.alpha[i + 1] \
                and tk.lowers[i + 1] not in _ENGLISH_CONNECTORS \
                and not self._heads_name(tk.lowers[i]) and not is_acronym(tk.words[i]) and tk.words[i] not in self.given \
                and tk.lowers[i] not in gazetteer() and not (j - i == 3 and tk.words[i + 2] in places()):
            i += 2  # but "Statsforvalteren i Nordland" is a known body in a place
        if i >= j:
            return None
        if j - i == 1 and i in sent_starts and tk.lowers[i] in self.common_words and not is_acronym(tk.words[i]) \
                and not (j < len(tk) and tk.lowers[j] in self.alliance_suffixes):
            return None  # "Relevante aktører …", "Målet er …": a frequent word alone opens the sentence
        words = tk.words[i:j]
        lows = [w.lower() for w in words]
        # name heads that may continue in lower case ("Riksförbundet för social och mental hälsa")
        if lows[0] in self.prefixes and j - i == 1 and j + 1 < len(tk) and tk.lowers[j] in self.connectors:
            k = j + 1
            while k < len(tk) and k - j <= 5 and tk.alpha[k] and tk.words[k].islower() \
                    and tk.lowers[k] not in self.stops:
                k += 1
            if k > j + 1:
                j = k
                words = tk.words[i:j]
                lows = [w.lower() for w in words]
        # "Hjem til Alle alliancen", "Nasjonalt partnerskap": a lower-case alliance word right after the name
        # belongs to it (not after a common word: "Om nettverket" is a heading)
        if j < len(tk) and tk.lowers[j] in self.alliance_suffixes and not taken[j] \
                and not (j - i == 1 and lows[0] in self.common_or_inner and lows[0] not in self.national):
            j += 1
            # "Boligsosialt nettverk Innlandet": a place or region may follow the alliance word
            while j < len(tk) and j - i <= 5 and not taken[j] and is_cap(tk.words[j]) and tk.alpha[j] \
                    and tk.lowers[j] not in self.not_names and tk.words[j] not in self.given:
                j += 1
            words = tk.words[i:j]
            lows = [w.lower() for w in words]
        # "Nasjonalt partnerskap for barnefamilier med lav inntekt", "Nätverket Tryggare boende": an alliance name
        # headed by its cue word continues in lower case
        if lows[0] in self.cues or (len(lows) == 2 and lows[1] in self.cues and lows[0] in self.national) or (
                lows[-1] in self.anaphora or lows[-1].endswith(self.collective_tuple)):
            j = self._continue_lower(tk, j, taken, multi=len(words) >= 2 and lows[-1] not in self.cues)
            words = tk.words[i:j]
            lows = [w.lower() for w in words]
        if len(lows) == 1 and (lows[0] in self.cues or lows[0] in self.anaphora or lows[0] in self.not_names
                               or (lows[0][-1:] == "s" and lows[0][:-1] in self.anaphora)
                               or lows[0] in self.stops or lows[0] in self.inner_preps):
            return None
        if len(words) == 3 and lows[0] in self.cues and lows[1] in self.inner_preps and words[2] in places():
            return None  # "Prosjektet i Lier", "Nätverket i Malmö": the local part of something, not a name
        kind = self._classify(words, lows)
        if kind is None:
            return None
        if kind == "C" and i > 0 and tk.lowers[i - 1] in self.cues and (len(words) >= 2 or has_inner_capital(words[0])):
            kind = "A"  # "i projektet Gode Naboer", "netværket Sammen om Boliger"
        elif kind == "C" and i > 1 and tk.lowers[i - 1] in self.naming_verbs \
                and not self.cues.isdisjoint(tk.lowers[max(0, i - 4) : i - 1]):
            kind = "A"  # "ett projekt som heter ENABLE", "et netværk, der hedder Sammen"
        text = tk.span_text(i, j)
        c = Cand(kind, base + tk.start_char(i), base + tk.end_char(j), text, i, j)
        c.licensed = kind in {"O", "A", "P"}
        if kind == "O":
            c.org_type = org_type_of(words, self.lex)
        if is_acronym(words[0]) and len(words) > 2 and tk.words[i + 1] in DASHES:
            c.names = [text, words[0], tk.span_text(i + 2, j)]
        if kind != "P":  # after a person, a bracket names where they come from: "Robert Isaksen (KS)"
            self._absorb_acronym(tk, c, base)
        return c

    def _shouted(self, tk: Tokens, i: int) -> bool:
        """A word in a run of capitals with a common word or a town in it ("FORORD INNLEDNING", "SAMLET OVERSIKT",
        "BERGEN TRONDHEIM" in a table of contents): no acronym and no name, unless the gazetteer knows it. One such
        word next to a name in normal case is a brand ("BROEN Danmark")."""
        if not self._capitals(tk.words[i]) or len(tk.words[i]) < 4 or tk.lowers[i] in gazetteer():
            return False
        a, b = i, i + 1
        while a > 0 and self._capitals(tk.words[a - 1]):
            a -= 1
        while b < len(tk) and self._capitals(tk.words[b]):
            b += 1
        return b - a >= 2 and any(len(w) >= 4 and (w.lower() in self.common_words or w.title() in places())
                                  for w in tk.words[a:b])

    @staticmethod
    def _capitals(word: str) -> bool:
        return len(word) > 1 and word.isalpha() and word.isupper()

    def _heads_name(self, low: str) -> bool:
        """A word that may open a name joined by a preposition: a cue, prefix or organisation word or suffix,
        a national adjective ("Nationalt partnerskab mod …", "Fonden for …", "Videnscenter for …")."""
        return low in self.name_heads or low in self.national or low in self.countries or is_compound(
            low, self.suffixes) or low in self.suffixes or low.endswith(self.alliance_suffix_tuple)

    def _continue_lower(self, tk: Tokens, j: int, taken: list[bool], multi: bool) -> int:
        """Extend a name through a lower-case phrase that a preposition opens ("… for barnefamilier med lav
        inntekt"), or by one lower-case word that ends the clause ("Nätverket Tryggare boende är …")."""
        k = j
        if k + 1 < len(tk) and tk.lowers[k] in self.inner_preps and tk.words[k + 1].islower():
            k += 1
            while k < len(tk) and k - j < 8 and not taken[k] and tk.alpha[k] and tk.words[k].islower() \
                    and tk.lowers[k] not in self.hard_stops:
                k += 1
            while k > j and tk.lowers[k - 1] in self.inner_preps:
                k -= 1
            return k if k > j + 1 else j
        if multi and k < len(tk) and tk.alpha[k] and tk.words[k].islower() and not taken[k] \
                and tk.lowers[k] not in self.hard_stops | self.inner_preps \
                and (k + 1 == len(tk) or not tk.alpha[k + 1] or tk.lowers[k + 1] in self.copulas):
            return k + 1
        return j

    def _extend_branch(self, tk: Tokens, c: Cand, base: int) -> None:
        """"Red Barnet Danmark", "Røde Kors i Norge": a country after a name makes it a national branch,
        a distinct organisation (part of the one named without the country)."""
        e = c.tok_end
        if e < len(tk) and tk.words[e] in self.countries:
            n = 1
        elif e + 1 < len(tk) and tk.lowers[e] == "i" and (tk.words[e + 1] in self.countries or (
                c.entry is not None and is_cap(tk.words[e + 1]) and tk.alpha[e + 1]
                and (e + 2 >= len(tk) or not is_cap(tk.words[e + 2])))):
            n = 2  # "Røde Kors i Norge", "Kirkens Bymisjon i Kristiansand": a national or local branch
        else:
            return
        if c.text.split()[-1] in self.countries:
            return
        c.tok_end, c.end, c.text = e + n, base + tk.end_char(e + n), tk.span_text(c.tok_start, e + n)
        c.entry, c.names, c.kind, c.licensed = None, [], "O", True

    def _extend_known(self, tk: Tokens, c: Cand, base: int, stops: set[int]) -> None:
        """"NHO Service og Handel", "Den Sociale Kapitalfond Effekt", "NAV Oslo": capitalised words right after a
        known name make a longer name — another organisation (a town makes it a local branch, see extract)."""
        e = c.tok_end
        n = len(tk)
        if c.entry is None or c.kind != "O" or e >= n or e in stops:
            return
        words, lowers = tk.words, tk.lowers
        last = words[e - 1]
        if last.endswith(("s", "’s", "'s")) and normalise(c.text) not in gazetteer():
            return  # "Bikubenfondens Feriehjælp": the known body's genitive and what it owns, not a longer name
        k = e
        while k < n and k not in stops and is_cap(words[k]) and tk.alpha[k] and not self._shouted(tk, k) \
                and lowers[k] not in self.not_names and lowers[k] not in self.function_words \
                and words[k] not in self.countries and not (words[k] in self.given and k + 1 < n
                                                            and is_cap(words[k + 1])):
            k += 1
            if k + 1 < n and lowers[k] in self.connectors and is_cap(words[k + 1]) and k + 1 not in stops:
                k += 1
        while k > e and lowers[k - 1] in self.connectors:
            k -= 1
        if k == e or k - e > 4:
            return
        text = tk.span_text(c.tok_start, k)
        c.tok_end, c.end, c.text = k, base + tk.end_char(k), text
        c.entry, c.names, c.licensed = None, [], True
        c.org_type = c.org_type if k - e == 1 and words[e] in places() else org_type_of(text.split(), self.lex)
        self._absorb_acronym(tk, c, base)

    def _association_of(self, tk: Tokens, c: Cand, base: int) -> None:
        """"Foreningen Hjem til Alle": an organisation word before an alliance's name names the body that runs it."""
        s = c.tok_start
        if c.kind == "A" and s > 0 and tk.lowers[s - 1] in self.prefixes and is_cap(tk.words[s - 1]):
            c.tok_start, c.start, c.text = s - 1, base + tk.start_char(s - 1), tk.span_text(s - 1, c.tok_end)
            c.kind, c.entry, c.names, c.org_type = "O", None, [], "NGO"

    def _titled(self, tk: Tokens, c: Cand, base: int) -> None:
        """"Boligselskabet AKB", "Stiftelsen Kavlifondet": a capitalised organisation word in the definite form right
        before a known name is part of how the text writes that name."""
        s = c.tok_start
        if c.kind != "O" or s == 0 or not is_cap(tk.words[s - 1]) or tk.lowers[s - 1] not in self.prefixes \
                or not tk.lowers[s - 1].endswith(("et", "en")):
            return
        c.names = [tk.span_text(s - 1, c.tok_end), *(c.names or [c.text])]
        c.tok_start, c.start, c.text = s - 1, base + tk.start_char(s - 1), c.names[0]

    def _national_of(self, tk: Tokens, c: Cand, base: int) -> None:
        """"Norska Röda Korset", "Danske Røde Kors": a capitalised nationality before a known name names that
        country's organisation, another one than the name alone (which the gazetteer gives to one country)."""
        s = c.tok_start
        if c.kind != "O" or s == 0 or tk.lowers[s - 1] not in self.nationalities or not is_cap(tk.words[s - 1]):
            return
        c.tok_start, c.start = s - 1, base + tk.start_char(s - 1)
        c.text = tk.span_text(s - 1, c.tok_end)
        c.entry, c.names = None, []

    def _classify(self, words: list[str], lows: list[str]) -> str | None:
        if words[0] in self.given and 2 <= len(words) <= 4 and all(
            is_cap(w) or w in {"-"} for w in words
        ) and not any(self._org_head(w) or w.lower() in self.org_words for w in words[1:]):
            return "P"
        if len(words) >= 2 and (lows[0] in self.cues or (lows[0] in self.national and lows[1] in self.cues)):
            return "A"
        head = lows[-2] if len(lows) >= 2 and words[-1] in self.countries else lows[-1]  # "Fattignettverket Norge"
        # "Bruker- og pårørendenettverket i rusfeltet": the head is the last word before a lower-case tail
        tail = next((w for w in lows[1:] if w.endswith(self.collective_tuple)), None)
        if tail is not None and all(w.islower() for w in words[lows.index(tail):]):
            head = tail
        ends_as_alliance = head.endswith(self.long_alliance_suffixes)
        compound = is_compound(head, self.alliance_suffix_tuple)
        if ends_as_alliance and (len(words) >= 2 or compound):
            return "A"  # "Hjem til Alle alliancen", "Hjemløsealliancen"
        if len(words) >= 3 and lows[1] in self.connectors and any(
                lows[0].endswith(a) and len(lows[0]) > len(a) + 2 for a in self.alliance_suffixes):
            return "A"  # "Ungealliancen for Mental Trivsel": a compound alliance word heads the name
        if any(n > 0 and w in self.alliance_suffixes and words[n] == w for n, w in enumerate(lows)):
            return "A"  # "Boligsosialt nettverk Innlandet": a lower-case alliance word inside a capitalised name
        if any(self._org_head(w) for w in words) or (len(words) >= 2 and (
                lows[0] in self.prefixes or any(w in self.org_words for w in lows))):
            return "O"
        if any(has_inner_capital(w) for w in words) or (len(words) >= 2 and any(is_acronym(w) for w in words)):
            return "O"
        return "C"  # a bare acronym or brand-like name: an organisation only if a relation or list uses it

    def _org_head(self, word: str) -> bool:
        """A word that ends like an organisation ("Bikubenfonden", "Socialministeriet"), not the bare suffix."""
        return is_compound(word.lower(), self.suffixes)

    def _absorb_acronym(self, tk: Tokens, c: Cand, base: int) -> None:
        """A bracket right after a name belongs to it: "Landsforeningen af VæreSteder (LVS)" (an acronym, another
        name), "ASI Trøndelag (Arena for Sosial Inkludering)" (the expansion), "Fattighuset (Oslo)" (a place)."""
        e = c.tok_end
        if e >= len(tk) or tk.words[e] != "(":
            return
        close = next((k for k in range(e + 1, min(e + 9, len(tk))) if tk.words[k] == ")"), None)
        if close is None or close == e + 1:
            return
        inner = tk.span_text(e + 1, close)
        if not is_cap(inner) or any(w in {",", ";", ":"} for w in tk.words[e + 1 : close]):
            return
        if is_acronym(inner) or close - (e + 1) > 1:
            c.names = [*(c.names or [c.text]), inner]
        c.tok_end = close + 1
        c.end = base + tk.idx[close] + 1

    def _shared_heads(self, tk: Tokens, cands: list[Cand]) -> None:
        """"Odense og Aalborg Kommune" is two municipalities: a bare name coordinated with "Y Kommune" shares its head;
        "Asker, Bergen og Drammen kommuner" and "kommunerne Asker, Bergen og Drammen" are lists of municipalities."""
        by_start = {c.tok_start: c for c in cands}
        self._plural_head_lists(tk, cands, by_start)
        for c in cands:
            if c.kind != "C" or c.tok_end - c.tok_start != 1 or c.tok_end + 1 >= len(tk):
                continue
            if tk.lowers[c.tok_end] not in self.conj:
                continue
            nxt = by_start.get(c.tok_end + 1)
            if nxt is None or nxt.kind != "O" or len(nxt.text.split()) < 2:
                continue
            head = nxt.text.split()[-1]
            if head.lower() in self.shared_heads:
                c.kind, c.licensed, c.org_type = "O", True, nxt.org_type
                c.names = [f"{c.text} {head}"]

    def _plural_head_lists(self, tk: Tokens, cands: list[Cand], by_start: dict[int, Cand]) -> None:
        singular = self.lex.rules.get("plural_heads", {})
        for i, low in enumerate(tk.lowers):
            head = singular.get(low)
            if not head:
                continue
            # the list before the head ("Asker, Bergen og Drammen kommuner") or after it ("kommunerne Asker, …")
            for direction in (-1, 1):
                k, items = i + direction, []
                while 0 <= k < len(tk):
                    c = by_start.get(k) if direction == 1 else next((x for x in cands if x.tok_end == k + 1), None)
                    if c is not None and c.kind in {"C", "O"} and c.tok_end - c.tok_start <= 2:
                        items.append(c)
                        k = (c.tok_end if direction == 1 else c.tok_start - 1)
                    elif tk.words[k] == "," or tk.lowers[k] in self.conj:
                        k += direction
                    else:
                        break
                if len(items) >= 2:
                    for c in items:
                        if c.kind == "C":
                            c.kind, c.licensed, c.org_type = "O", True, "Municipality"
                            c.names = [c.text, f"{c.text} {head}"]

    def _list_segments(self, tk: Tokens, cands: list[Cand], base: int) -> list[Cand]:
        """"Deltog gjorde ABF Malmö, Cykling utan ålder, Islamic center och Svenska kyrkan": in a list of three or
        more short capitalised items, each item is one name, lower-case words and all."""
        words, lowers = tk.words, tk.lowers
        seps = self.list_seps
        for s_start, s_end in tk.sents:
            bounds, start = [], s_start
            for k in range(s_start, s_end + 1):
                if k < s_end and lowers[k] in self.conj and k + 1 < s_end and words[k + 1][:1].islower():
                    continue  # "Hälsa- vård och omsorgsförvaltningens …": a lower-case word after "och" goes on a name
                if k == s_end or lowers[k] in seps or words[k] in {":", ";", "."}:
                    bounds.append((start, k))
                    start = k + 1
            run: list[tuple[int, int]] = []
            for a, b in bounds + [(0, 0)]:
                longest = 8 if any(w in self.conj for w in lowers[a:b]) else 5  # "Hälsa- vård och … för äldre"
                ok = 1 <= b - a <= longest and is_cap(words[a]) and all(
                    any(ch.isalpha() for ch in w) or w in DASHES for w in words[a:b]) \
                    and not any(w in self.hard_stops and w not in self.conj for w in lowers[a:b])
                if ok:
                    run.append((a, b))
                    continue
                if len(run) >= 3:
                    cands = self._merge_segments(tk, cands, run, base)
                run = []
        return cands

    def _merge_segments(self, tk: Tokens, cands: list[Cand], run: list[tuple[int, int]], base: int) -> list[Cand]:
        for a, b in run:
            inside = [c for c in cands if a <= c.tok_start and c.tok_end <= b]
            crossing = [c for c in cands if c.tok_start < b and c.tok_end > a and c not in inside]
            if crossing or any(c.kind in {"P", "M", "R", "A"} or c.entry is not None for c in inside):
                continue
            if not inside or min(c.tok_start for c in inside) != a:
                continue  # "Deltog gjorde ABF Malmö": the item must start with a name
            if len(inside) == 1 and (inside[0].tok_start, inside[0].tok_end) == (a, b):
                continue
            text = tk.span_text(a, b)
            merged = Cand("C", base + tk.start_char(a), base + tk.end_char(b), text, a, b, block=inside[0].block
                          if inside else 0)
            if inside and any(c.licensed for c in inside):
                merged.kind, merged.licensed = "O", True
                merged.org_type = org_type_of(text.split(), self.lex)
            cands = [c for c in cands if c not in inside] + [merged]
        return sorted(cands, key=lambda c: c.tok_start)

    def _credits(self, tk: Tokens, cands: list[Cand]) -> None:
        """"Foto: Colourbox", "Foto: Maria Flaten / NTB": names in a credit, each after the credit word or after a
        name of the same credit."""
        credit_ends = set()
        for c in sorted(cands, key=lambda c: c.tok_start):
            p = c.tok_start - 1
            while p >= 0 and tk.words[p] in {":", "/", ",", "&", "-", "–"}:
                p -= 1
            if p < 0 or p == c.tok_start - 1:
                continue  # a credit needs its colon or slash: "foto" alone may be a noun of the sentence
            if tk.lowers[p] in self.credit_words or p + 1 in credit_ends:
                c.credit = True
                credit_ends.add(c.tok_end)

    def _acronym_names(self, tk: Tokens, cands: list[Cand], base: int) -> list[Cand]:
        """"Sveriges kvinno- och tjejjourers riksförbund (SKR)", "Riksförbundet för suicidprevention och
        efterlevandestöd (SPES)": a bracketed acronym tells where a long name ends, and its first letter where the
        name starts — lower-case words, "- och" and all.

        Walking back from the bracket, the nearest capitalised word with the acronym's initial starts the name; when
        none has it, the nearest capitalised word does. The walk stops at punctuation, at a verb, and at a
        conjunction once a start was found (unless the conjunction joins two compounds: "kvinno- och tjejjourers").
        """
        words, lowers, n = tk.words, tk.lowers, len(tk)
        sent_first = {s for s, _ in tk.sents}
        gaz = gazetteer()
        for k in range(1, n - 2):
            if words[k] != "(" or words[k + 2] != ")" or not is_acronym(words[k + 1]):
                continue
            acr = words[k + 1]
            start, nearest, b = None, None, k - 1
            while b >= 0 and k - b <= 9:
                w, low = words[b], lowers[b]
                if not tk.alpha[b] and not w.endswith("-"):
                    break
                if low in self.conj:
                    if nearest is not None and not words[b - 1].endswith("-"):
                        break
                elif low in self.hard_stops and low not in self.connectors:
                    break
                elif is_cap(w) and low not in self.connectors:
                    nearest = nearest if nearest is not None else b
                    if w[0].upper() == acr[0].upper():
                        start = b
                        break
                if b in sent_first:
                    break
                b -= 1
            start = start if start is not None else nearest
            if start is None or k - start < 2:
                continue
            name_words = words[start:k]
            if name_words[-1].endswith("-") or lowers[start] in self.function_words:
                continue
            inside = [c for c in cands if c.tok_start < k + 3 and c.tok_end > start]
            if any(c.kind in {"P", "M", "R"} or (c.entry is not None and c.tok_start != k + 1) for c in inside) \
                    or any(c.tok_start < start for c in inside) \
                    or any((c.tok_start, c.tok_end) in {(start, k), (start, k + 3)} for c in inside):
                continue  # a person, a known name, or a name that already ends at the bracket: nothing to mend
            text = tk.span_text(start, k)
            lows = [w.lower() for w in name_words]
            kind = "A" if self._classify(name_words, lows) == "A" else "O"
            c = Cand(kind, base + tk.start_char(start), base + tk.idx[k + 2] + 1, text, start, k + 3, licensed=True,
                     block=inside[0].block if inside else 0)
            known = gaz.get(normalise(acr))
            # "(SKR)" after the women's shelters' union is not the known SKR of the municipalities
            other = known is not None and not _same_name(known.name, text)
            c.names = [text] if other else [text, acr]
            c.org_type = org_type_of(name_words, self.lex) if kind == "O" else ""
            cands = [x for x in cands if x not in inside] + [c]
        return sorted(cands, key=lambda c: c.tok_start)

    def _persons_by_role(self, tk: Tokens, cands: list[Cand]) -> None:
        """"Cliff Kaltoft, sekretariatsleder i …", "socialminister Astrid Krag": a short capitalised run right next
        to a role word is a person, even when the given name is not in the name list."""
        roles_at = {c.tok_start for c in cands if c.kind == "R"} | {c.tok_end for c in cands if c.kind == "R"}
        role_ends = {c.tok_end for c in cands if c.kind == "R"}
        for c in cands:
            if c.kind != "C" or not 2 <= c.tok_end - c.tok_start <= 4:
                continue
            words = tk.words[c.tok_start : c.tok_end]
            if not all(w[:1].isupper() and (w[1:].islower() or w.endswith(".")) for w in words if w not in DASHES):
                continue
            after = c.tok_end + (1 if c.tok_end < len(tk) and tk.words[c.tok_end] == "," else 0)
            if after in roles_at or c.tok_start in role_ends:
                c.kind, c.licensed = "P", True

    def _descriptive(self, tk: Tokens, base: int, taken: list[bool]) -> list[Cand]:
        """"partnerskabet for udsatte voksne": a singular alliance word, a preposition and a short lower-case phrase."""
        out = []
        sent_firsts = [s for s, _ in tk.sents]
        for i, low in enumerate(tk.lowers):
            if taken[i] or low not in self.descriptive or i + 2 >= len(tk) or tk.lowers[i + 1] not in self.preps:
                continue
            k = i + 2
            while k < len(tk) and k - i <= 8 and not taken[k] and tk.alpha[k] and tk.words[k].islower() \
                    and (tk.lowers[k] not in self.hard_stops or tk.lowers[k] in {"og", "och"}):
                if tk.lowers[k] in {"og", "och"} and k + 1 < len(tk) and (
                        tk.lowers[k + 1] in self.inner_preps or tk.lowers[k + 1] in self.descriptive):
                    break  # "… for udsatte voksne og i netværket …": a second phrase, not this name
                k += 1
            while k > i + 2 and (tk.lowers[k - 1] in self.stops or tk.lowers[k - 1] in self.inner_preps):
                k -= 1
            if k <= i + 2:
                continue
            c = Cand("A", base + tk.start_char(i), base + tk.end_char(k), tk.span_text(i, k), i, k, descriptive=True)
            # "Nettverket for inkludering i arbeidslivet (NIA)", or alone on a title line: a proper name
            self._absorb_acronym(tk, c, base)
            s_start, s_end = tk.sents[bisect_right(sent_firsts, i) - 1]
            alone = i == s_start and not any(tk.alpha[k:s_end])  # a heading or caption
            if is_cap(tk.words[i]) and (c.names or alone):
                c.descriptive, c.licensed = False, True
            out.append(c)
            for x in range(i, c.tok_end):
                taken[x] = True
        return out

    def _role_compound(self, word: str) -> bool:
        """"regiondirektør", "socialborgmester", "nettverkskoordinator": a compound ending in a role word."""
        return is_compound(word, self.role_suffixes)

    def _role_length(self, tk: Tokens, i: int) -> int:
        """How many tokens from token i a role word takes (the longest of 4 to 1), or 0 when none starts there.

        A phrase of several tokens is built only when the first token begins some role ("adm." of "adm. direktør"):
        lower-casing the phrase lower-cases its first token alike, unless a Greek capital sigma there reads
        differently at the end of a word.
        """
        low = tk.lowers[i]
        if low in self.role_starts or "Σ" in tk.words[i]:
            for n in (4, 3, 2):
                if i + n <= len(tk) and tk.span_text(i, i + n).lower() in self.roles:
                    return n
        return 1 if low in self.roles or self._role_compound(low) else 0

    def _roles(self, tk: Tokens, base: int, taken: list[bool]) -> list[Cand]:
        out = []
        i = 0
        n_toks = len(tk)
        lowers, words = tk.lowers, tk.words
        while i < n_toks:
            low = lowers[i]
            if taken[i] or (low not in self.role_starts and not low.endswith(self.role_suffixes)
                            and "Σ" not in words[i]):
                i += 1  # no role starts here (the quick test of `_role_length`, inline as it runs on every token)
                continue
            best = self._role_length(tk, i)
            if best and not any(taken[i : i + best]):
                s = i
                while s > 0 and tk.lowers[s - 1] in self.role_mods and not taken[s - 1]:
                    s -= 1
                e = i + best
                out.append(Cand("R", base + tk.start_char(s), base + tk.end_char(e), tk.span_text(i, e), s, e))
                i += best
            else:
                i += 1
        return out


def _same_name(a: str, b: str) -> bool:
    """Two spellings of one name: most words of `a` are in `b` ("… efterlevandes stöd" / "… efterlevandestöd")."""
    wa, wb = normalise(a).split(), set(normalise(b).split())
    return bool(wa) and sum(w in wb for w in wa) >= 0.6 * len(wa)


def _strip_genitive(text: str) -> str:
    for suffix in ("'s", "’s", "s"):
        if text.endswith(suffix) and len(text) > len(suffix) + 2:
            return text[: -len(suffix)]
    return text
