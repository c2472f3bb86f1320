"""What a template's regex needs (`required_strings`) and the word index built on it never hide a match."""

from __future__ import annotations

import re

import pytest

from alliances.loaders.lexicon import LANGUAGES, lexicon_for
from alliances.loaders.templates import TemplateIndex, compile_template, required_strings


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        (r"medlem af", (("medlem af",),)),
        (r"(består|bestod) af", (("best",), (" af",), ("od", "år"))),  # the parser shares "best"
        (r"(nu )?medlem(mer)?", (("medlem",),)),  # optional parts need nothing
        (r"a|b", ()),  # an alternation at the top: no string is certain
        (r"(?i)medlem", ()),  # case ignored: nothing verbatim
        (r"[0-9]{4} (?:x|yz)+", (("x", "yz"),)),
    ],
)
def test_loaders_templates_required_strings(pattern: str, needs: tuple[tuple[str, ...], ...]) -> None:
    assert set(required_strings(re.compile(pattern))) == set(needs)


SENTENCES = [
    "§O1§ og §O2§ er gået sammen i §A3§ .",
    "§A1§ består af §O2§ , §C3§ og §O4§",
    "§O1§ støtter §A2§ med §M3§",
    "sekretariatet ligger hos §O1§ .",
    "§P1§ , §R2§ i §O3§ , siger",
    "partnerskabet mellem §O1§ og §O2§",
    "§A1§ faciliteres af §O2§ .",
    "i dag er §O1§ medlem af §A2§ , der blev stiftet af §O3§ i 2020",
    "§ 18-midler fra §O1§ til §C2§",
    # a list with a stray word before an item, and an alliance as a later item
    "§A1§ består af §O2§ , omsorgsforvaltningens §O3§ og §A4§",
    "§O1§ , §C2§ og §A3§ udgør tilsammen §A4§",
    "§A1§ består av §O2§ , hälsa- §C3§ och §A4§",
    # naming, with and without a quote before the name
    "§A1§ har fået navnet « §A2§",
    "§A1§ har fått navnet ” §A2§",
    "§A1§ har fått namnet ' §A2§",
    "§A1§ , som heter §A2§",
]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_loaders_templates_index_keeps_every_match(lang: str) -> None:
    lex = lexicon_for(lang)
    templates = [t for ts in lex.templates.values() for t in ts]
    index = TemplateIndex(templates)
    for text in SENTENCES:
        candidates = index.candidates(text)
        assert candidates == [t for t in templates if t in candidates]  # rule order kept
        for t in templates:
            if t.regex.search(text):
                assert t in candidates and t.may_match(text), (t.source, text)


def test_loaders_templates_index_files_slot_kinds() -> None:
    t = compile_template("memberOf", 0, "{S:ORG} er medlem af {O:ALLIANCE}", ["og"])
    index = TemplateIndex([t])
    assert index.candidates("§O1§ er medlem af §A2§") == [t]
    assert index.candidates("§O1§ er glad for §O2§") == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_loaders_templates_stray_words_need_nothing(lang: str) -> None:
    """The optional stray word of a list item adds no need: its template is indexed as it was without it."""
    lex = lexicon_for(lang)
    conj = [str(c) for c in lex.rules.get("conjunctions", ["og"])]
    for t in (t for ts in lex.templates.values() for t in ts):
        plain = compile_template(t.relation, t.index, t.source, conj)
        assert t.needs == plain.needs, t.source
