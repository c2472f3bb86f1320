"""Markdown: headings, items and paragraphs, with links and emphasis stripped so names read cleanly."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliances.loaders.document import Document
from alliances.loaders.markdown import inline
from alliances.loaders.registry import LoaderError, load, load_bytes

DATA = Path(__file__).parent / "data" / "loaders"


def md(source: str) -> Document:
    (doc,) = load_bytes(source.encode("utf-8"), "x.md", "markdown")
    return doc


def layout(doc: Document) -> list[tuple[str, str, int]]:
    return [(b.kind, doc.block_text(b), b.level) for b in doc.blocks]


def test_markdown_news_item() -> None:
    (doc,) = load(DATA / "nyhed.md")
    assert layout(doc) == [
        ("title", "Ny alliance mod ungehjemløshed", 0),
        (
            "paragraph",
            (
                "Kirkens Korshær og BL – Danmarks Almene Boliger går sammen i en ny alliance, der faciliteres af Rådet "
                "for Socialt Udsatte."
            ),
            0,
        ),
        ("heading", "Medlemmer", 2),
        ("item", "Kirkens Korshær", 1),
        ("item", "Lejerbo", 1),
        ("item", "Lejerbo København", 2),
        ("item", "Projekt Udenfor", 1),
        ("item", "Velux Fonden", 1),
        ("item", "Realdania", 1),
        ("paragraph", "Vi glæder os til samarbejdet, siger formanden.", 0),
        ("paragraph", "Modtager | Beløb", 0),
        ("paragraph", "Mødrehjælpen | 1,5 mio. kr.", 0),
        ("paragraph", "Skrevet af sekretariatet, filen hedder hjemtilalle_1.jpg.", 0),
    ]
    assert doc.metadata["title"] == "Ny alliance mod ungehjemløshed"
    assert doc.language == "da"
    assert doc.text.split("\n") == [doc.block_text(b) for b in doc.blocks]


@pytest.mark.parametrize(
    ("source", "clean"),
    [
        ("[Hus Forbi](https://www.husforbi.dk)", "Hus Forbi"),
        ('[Hus Forbi](https://www.husforbi.dk "Hus Forbi") og [LVS][lvs]', "Hus Forbi og LVS"),
        ("[Blå Kors](https://da.wikipedia.org/wiki/Blå_Kors_(Danmark))", "Blå Kors"),
        ("**BL** – *Danmarks* _Almene_ __Boliger__", "BL – Danmarks Almene Boliger"),
        ("***Kirkens Korshær***", "Kirkens Korshær"),
        ("~~Gammel~~ Ny alliance", "Gammel Ny alliance"),
        ("`Projekt Udenfor`", "Projekt Udenfor"),
        (r"5 \* 3 og \_ikke kursiv\_", "5 * 3 og _ikke kursiv_"),
        ("hjemtilalle_1.jpg og snake_case_navn", "hjemtilalle_1.jpg og snake_case_navn"),
        ("5 * 3 = 15", "5 * 3 = 15"),
        ("![billede](foto.jpg) Tekst", "Tekst"),
        ("[![Velux Fonden](velux.png)](https://veluxfonden.dk)", "Velux Fonden"),
        ("<https://www.udsatte.dk> og <mailto:info@udsatte.dk>", "https://www.udsatte.dk og info@udsatte.dk"),
        ("Tekst<br>med <span class='x'>HTML</span> &amp; mere", "Tekst med HTML & mere"),
        ("  mange   mellemrum  ", "mange mellemrum"),
    ],
)
def test_markdown_inline_markup_is_stripped(source: str, clean: str) -> None:
    assert inline(source) == clean


def test_markdown_atx_and_setext_headings() -> None:
    doc = md("Titel\n=====\n\n## Partnere ##\n\nUndertitel\n---\n\n###### Lille\n")
    assert layout(doc) == [
        ("title", "Titel", 1),
        ("heading", "Partnere", 2),
        ("heading", "Undertitel", 2),
        ("heading", "Lille", 6),
    ]


def test_markdown_first_block_is_title_only_when_a_heading() -> None:
    doc = md("Alliancen har 15 partnere.\n\n# Partnere\n")
    assert layout(doc) == [("paragraph", "Alliancen har 15 partnere.", 0), ("heading", "Partnere", 1)]


@pytest.mark.parametrize("marker", ["-", "*", "+", "1.", "1)"])
def test_markdown_list_markers(marker: str) -> None:
    doc = md(f"# Medlemmer\n\n{marker} Blå Kors\n{marker} [SAND](https://sand.dk)\n")
    assert layout(doc)[1:] == [("item", "Blå Kors", 1), ("item", "SAND", 1)]


def test_markdown_wrapped_item_continues_and_task_boxes_go() -> None:
    doc = md("- Kirkens Korshær,\n  landsdækkende\n- [x] Frelsens Hær\n\nEfter listen.\n")
    assert layout(doc) == [
        ("item", "Kirkens Korshær, landsdækkende", 1),
        ("item", "Frelsens Hær", 1),
        ("paragraph", "Efter listen.", 0),
    ]


def test_markdown_hard_break_splits_blocks() -> None:
    doc = md("Hus Forbi  \nLandsforeningen af VæreSteder\\\nSAND\n")
    assert doc.text == "Hus Forbi\nLandsforeningen af VæreSteder\nSAND"


@pytest.mark.parametrize(
    "skipped",
    [
        "```python\nkode = 1\n```",
        "~~~\nkode\n~~~",
        "<!--\nen kommentar\nover flere linjer\n-->",
        "[lvs]: https://lvs.dk",
        "---",
        "* * *",
    ],
)
def test_markdown_code_comments_references_and_rules_are_left_out(skipped: str) -> None:
    doc = md(f"Før.\n\n{skipped}\n\nEfter.\n")
    assert doc.text == "Før.\nEfter."


def test_markdown_without_text_is_refused() -> None:
    with pytest.raises(LoaderError, match="has no text"):
        md("```\nkun kode\n```\n")
