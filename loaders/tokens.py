"""Each block's tokens as plain Python lists, from one tokenisation of the whole document where that is exact.

The extractor reads a document block by block (title, headings, list items, paragraphs), each block tokenised and
split into sentences on its own. Two costs dominate that when done naively: spaCy builds a new `Token` object on
every `doc[i]` and every iteration, and each small block is a Doc of its own. So the whole text is tokenised once,
read once into lists (`Doc.to_array`), and each block takes its slice of them; its sentences are found as spaCy's
sentencizer would find them in the block alone. The texts equal spaCy's: `lowers[i]` is `Token.lower_`
(`str.lower`), `alpha[i]` is `Token.is_alpha` (`str.isalpha`), `span_text(i, j)` is `doc[i:j].text`.

A slice is exactly the block's own tokenisation when the block starts and ends on token boundaries between a space
and a non-space (spaCy splits text at whitespace and tokenises each piece alone), and no special case (an
abbreviation such as "bl.a.") can match across its edge. A block where that does not hold is tokenised alone.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field

from spacy.attrs import IDX, IS_PUNCT, LENGTH, SPACY
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokenizer import Tokenizer
from spacy.tokens import Doc as SpacyDoc

from alliances.loaders.document import Block

_ATTRS = [IDX, LENGTH, SPACY, IS_PUNCT]


@dataclass(frozen=True)
class Tokens:
    """The tokens of one block: words, lower-cased words, alphabetic flags, character offsets and sentences.

    Offsets are the block's own: token 0 is the block's first token, character 0 its first character.
    """

    doc: SpacyDoc  # the Doc the tokens come from (the whole document's or the block's own), for the matchers
    offset: int  # index in `doc` of the block's first token
    text: str
    words: list[str]
    lowers: list[str]
    alpha: list[bool]
    idx: list[int]  # character offset of each token in `text`
    spaces: list[bool]  # a space follows the token (within the block)
    sents: list[tuple[int, int]]  # (first token, end token) of each sentence
    # matches over all of `doc` per matcher, shared by the blocks that slice one Doc: each matcher runs once
    doc_matches: dict[int, list[tuple[int, int]]] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.words)

    def start_char(self, i: int) -> int:
        """`doc[i:j].start_char` (for i < j)."""
        return self.idx[i]

    def end_char(self, j: int) -> int:
        """`doc[i:j].end_char` (for i < j): the end of token j - 1."""
        return self.idx[j - 1] + len(self.words[j - 1])

    def span_text(self, i: int, j: int) -> str:
        """`doc[i:j].text`: the text from token i through token j - 1, inner whitespace as written."""
        j = min(j, len(self.words))
        if j <= i:
            return ""
        return self.text[self.idx[i] : self.idx[j - 1] + len(self.words[j - 1])]

    def matches(self, matcher: PhraseMatcher) -> list[tuple[int, int]]:
        """(start, end) of the matcher's matches within the block: those over the whole Doc that start and end
        inside it (what matching the block alone finds)."""
        found = self.doc_matches.get(id(matcher))
        if found is None:
            found = sorted((s, e) for _, s, e in matcher(self.doc))
            self.doc_matches[id(matcher)] = found
        first, end = self.offset, self.offset + len(self.words)
        i = bisect_left(found, (first, first))
        out = []
        while i < len(found) and found[i][0] < end:
            s, e = found[i]
            if e <= end:
                out.append((s - first, e - first))
            i += 1
        return out

    def char_span(self, start: int, end: int) -> tuple[int, int] | None:
        """`doc.char_span(start, end, alignment_mode="expand")` as (start token, end token), or None."""
        first = self._token_at(start)
        if first < 0:
            return None
        last = self._token_at(end - 1)
        if last < 0:
            return None
        if start == self.idx[first] + len(self.words[first]):
            first += 1  # the character is the space after a token: not part of it
        return first, last + 1

    def contracted_span(self, start: int, end: int) -> tuple[int, int] | None:
        """`doc.char_span(start, end, alignment_mode="contract")` as (start token, end token), or None: the tokens
        wholly inside the characters."""
        first = self._token_at(start)
        if first < 0:
            return None
        last = self._token_at(end - 1)
        if last < 0:
            return None
        if self.idx[first] < start:
            first += 1
        if end < self.idx[last] + len(self.words[last]):
            last -= 1
        if last < first:
            return None
        return first, last + 1

    def _token_at(self, char: int) -> int:
        """The token whose text or trailing space holds character `char`, or -1 (spaCy's token_by_char)."""
        i = bisect_right(self.idx, char) - 1
        if i >= 0 and char < self.idx[i] + len(self.words[i]) + self.spaces[i]:
            return i
        return -1


def block_tokens(nlp: Language, text: str, blocks: Sequence[Block], special_pieces: frozenset[str]) -> list[Tokens]:
    """The tokens of each block of `text`: slices of one tokenisation of the whole text, or a block's own.

    `special_pieces` holds every substring of the tokenizer's special cases (`special_case_pieces`).
    """
    doc = nlp.make_doc(text)
    punct_chars: set[str] = getattr(nlp.get_pipe("sentencizer"), "punct_chars")  # noqa: B009 - untyped in spaCy
    rows = doc.to_array(_ATTRS).tolist() if len(doc) else []
    starts = [r[0] for r in rows]
    words = [text[s : s + n] for s, n, _, _ in rows]
    lowers = [w.lower() for w in words]
    alpha = [w.isalpha() for w in words]
    spaces = [r[2] == 1 for r in rows]
    punct = [r[3] == 1 for r in rows]
    final = [w in punct_chars for w in words]
    out: list[Tokens | None] = []
    alone: list[int] = []
    shared: dict[int, list[tuple[int, int]]] = {}
    for b in blocks:
        span = _slice(text, b, starts, words, special_pieces)
        if span is None:
            alone.append(len(out))
            out.append(None)
            continue
        a, e = span
        block_spaces = spaces[a:e]
        block_spaces[-1] = False  # alone, the block's last token has no space after it
        out.append(Tokens(doc, a, text[b.start : b.end], words[a:e], lowers[a:e], alpha[a:e],
                          [s - b.start for s in starts[a:e]], block_spaces, _sentences(punct[a:e], final[a:e]),
                          shared))
    if alone:
        for k, sp in zip(alone, nlp.pipe(text[blocks[k].start : blocks[k].end] for k in alone)):
            out[k] = tokens_of(sp)
    return [t for t in out if t is not None]


def _slice(text: str, b: Block, starts: list[int], words: list[str],
           special_pieces: frozenset[str]) -> tuple[int, int] | None:
    """The block's token range in the whole text's tokens, when it is exactly the block's own tokenisation."""
    if b.end <= b.start or text[b.start].isspace() or text[b.end - 1].isspace():
        return None
    if (b.start > 0 and not text[b.start - 1].isspace()) or (b.end < len(text) and not text[b.end].isspace()):
        return None
    a = bisect_right(starts, b.start) - 1
    if a < 0 or starts[a] != b.start:
        return None
    e = bisect_right(starts, b.end - 1)
    if starts[e - 1] + len(words[e - 1]) != b.end:
        return None
    # a special case matches a sequence of tokens; none can hold the tokens on both sides of the block's edge
    if (a > 0 and words[a - 1] in special_pieces) or (e < len(words) and words[e] in special_pieces):
        return None
    return a, e


def _sentences(punct: list[bool], final: list[bool]) -> list[tuple[int, int]]:
    """Sentences as spaCy's Sentencizer finds them in a Doc of these tokens: after a sentence-final character
    (`final`), the next token that is neither punctuation nor sentence-final starts a new sentence."""
    n = len(punct)
    if not n:
        return []
    starts = [0]
    i = 0
    for p in (k for k in range(n) if final[k]):
        if p < i:
            continue  # within the stretch already read after an earlier sentence-final token
        i = p + 1
        while i < n and (punct[i] or final[i]):
            i += 1
        if i < n:
            starts.append(i)
    return list(zip(starts, [*starts[1:], n]))


def tokens_of(doc: SpacyDoc) -> Tokens:
    """Read a (sentence-split) spaCy Doc of one block in one pass over its tokens. Sentences as `doc.sents` gives
    them: one starts at token 0 and at every later token marked as a sentence start."""
    words: list[str] = []
    idx: list[int] = []
    spaces: list[bool] = []
    starts = [0]
    for t in doc:
        words.append(t.text)
        idx.append(t.idx)
        spaces.append(bool(t.whitespace_))
        if t.is_sent_start and t.i:
            starts.append(t.i)
    ends = [*starts[1:], len(words)]
    return Tokens(
        doc=doc,
        offset=0,
        text=doc.text,
        words=words,
        lowers=[w.lower() for w in words],
        alpha=[w.isalpha() for w in words],
        idx=idx,
        spaces=spaces,
        sents=list(zip(starts, ends)) if words else [],
    )


def special_case_pieces(nlp: Language) -> frozenset[str]:
    """Every substring of the tokenizer's special cases that can split into several tokens: only tokens among these
    can be part of a special case matched across whitespace. A case with no prefix, suffix or infix in it (a single
    character, "\\n") is one token and never spans two."""
    tokenizer: Tokenizer = nlp.tokenizer  # type: ignore[assignment]
    several = [s for s in tokenizer.rules if len(s) > 1 and (
        " " in s or tokenizer.find_prefix(s) or tokenizer.find_suffix(s) or tokenizer.find_infix(s))]
    return frozenset(s[i:j] for s in several for i in range(len(s)) for j in range(i + 1, len(s) + 1))
