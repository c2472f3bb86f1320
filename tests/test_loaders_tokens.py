"""One tokenisation of the whole document, sliced per block, must give exactly what each block alone gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliances.loaders.document import Block, Document
from alliances.loaders.extract import _Extractor
from alliances.loaders.lexicon import lexicon_for
from alliances.loaders.registry import iter_sources, load
from alliances.loaders.tokens import Tokens, block_tokens, tokens_of

ROOT = Path(__file__).resolve().parents[1]
TEXTS = sorted(iter_sources([ROOT / "corpus", ROOT / "tests" / "data" / "dev" / "texts"]))


def _alone(doc: Document, blocks: list[Block]) -> list[Tokens]:
    nlp = lexicon_for(doc.language).nlp
    return [tokens_of(sp) for sp in nlp.pipe(doc.text[b.start : b.end] for b in blocks)]


def _assert_same(doc: Document) -> None:
    lex = lexicon_for(doc.language)
    blocks = _Extractor(doc, lex)._blocks()
    exact, lower = lex.matchers()
    got = block_tokens(lex.nlp, doc.text, blocks, lex.special_case_pieces())
    for g, w in zip(got, _alone(doc, blocks), strict=True):
        assert (g.text, g.words, g.lowers, g.alpha, g.idx, g.spaces, g.sents) == (
            w.text, w.words, w.lowers, w.alpha, w.idx, w.spaces, w.sents)
        assert sorted(g.matches(exact)) == sorted(w.matches(exact))
        assert sorted(g.matches(lower)) == sorted(w.matches(lower))
        for start in range(len(g.text)):
            for end in range(start + 1, min(len(g.text), start + 4) + 1):
                span = w.doc.char_span(start, end, alignment_mode="expand")
                assert g.char_span(start, end) == (None if span is None else (span.start, span.end))
                span = w.doc.char_span(start, end, alignment_mode="contract")
                assert g.contracted_span(start, end) == (None if span is None else (span.start, span.end))


@pytest.mark.parametrize("path", TEXTS, ids=lambda p: p.name)
def test_loaders_tokens_blocks_as_alone(path: Path) -> None:
    for doc in load(path):
        _assert_same(doc)


@pytest.mark.parametrize(
    "text",
    [
        "Titel\n\n- Red Barnet\n- Blå Kors bl.a.\n1. KAB\n  Indrykket linje  \n",  # bullets, numbers, indentation
        "En sætning. En til! Og en tredje?\n«Citat.» Slut",  # sentence ends, quotes
        "Ord  med  dobbelte  mellemrum\tog tab\n\n\nsidste",  # whitespace tokens
        "Hjem til Alle-alliancen (HTA):\n•Lige efter punkt\n:-) smiley",  # no space after a bullet, emoticon
    ],
)
def test_loaders_tokens_edge_cases(text: str) -> None:
    _assert_same(Document(text, "test", "da"))
