"""Plain text: one block per non-empty line; title, items, '#' headings and paragraphs; offsets into the text."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliances.loaders.registry import load, load_bytes

DATA = Path(__file__).parent / "data" / "loaders"


def blocks_of(text: str) -> list[tuple[str, str, int]]:
    (doc,) = load_bytes(text.encode("utf-8"), "x.txt", "text")
    return [(b.kind, doc.block_text(b), b.level) for b in doc.blocks]


def test_text_press_release_layout() -> None:
    (doc,) = load(DATA / "pressemeddelelse.txt")
    assert [(b.kind, doc.block_text(b)) for b in doc.blocks] == [
        ("title", "Ny alliance mod ungehjemløshed"),
        ("paragraph", "12. marts 2024"),
        (
            "paragraph",
            (
                "Kirkens Korshær og BL – Danmarks Almene Boliger går sammen i en ny alliance. "
                "Alliancen faciliteres af Rådet for Socialt Udsatte."
            ),
        ),
        ("heading", "Medlemmer"),
        ("item", "Kirkens Korshær"),
        ("item", "BL – Danmarks Almene Boliger"),
        ("item", "Lejerbo"),
        ("item", "Projekt Udenfor"),
        ("item", "Mødrehjælpen"),
        ("paragraph", "Velux Fonden støtter alliancen med 2 mio. kr."),
    ]
    assert doc.language == "da"
    assert doc.metadata["title"] == "Ny alliance mod ungehjemløshed"
    assert doc.metadata["encoding"] == "utf-8"


def test_text_keeps_the_source_lines_so_offsets_match_them() -> None:
    source = (DATA / "pressemeddelelse.txt").read_text(encoding="utf-8")
    (doc,) = load(DATA / "pressemeddelelse.txt")
    assert doc.text == source
    for block in doc.blocks:
        line_start = doc.text.rfind("\n", 0, block.start) + 1
        line_end = doc.text.find("\n", block.end)
        assert doc.text[block.end : line_end if line_end >= 0 else None].strip() == ""
        assert doc.block_text(block) in doc.text[line_start:line_end]


@pytest.mark.parametrize(
    ("line", "item"),
    [
        ("• Kirkens Korshær", "Kirkens Korshær"),
        ("•Kirkens Korshær", "Kirkens Korshær"),
        ("· Blå Kors", "Blå Kors"),
        ("▪ Frelsens Hær", "Frelsens Hær"),
        ("- Hus Forbi", "Hus Forbi"),
        ("* Lejerbo", "Lejerbo"),
        ("– SAND", "SAND"),
        ("— KFUM's Sociale Arbejde", "KFUM's Sociale Arbejde"),
        ("1. Projekt Udenfor", "Projekt Udenfor"),
        ("12) Mødrehjælpen", "Mødrehjælpen"),
        ("   - Reden København", "Reden København"),
    ],
)
def test_text_bullet_lines_are_items_without_their_marker(line: str, item: str) -> None:
    assert blocks_of(f"Medlemmer\n{line}\n")[1] == ("item", item, 1)


@pytest.mark.parametrize(
    "line",
    [
        "4. maj 2020",
        "17. november blev aftalen underskrevet",
        "-fonden er et navneled",
        "*stjerne uden mellemrum",
        "2020. Et år med mange nye partnerskaber",
        "1.5 mio. kr. til Hus Forbi",
    ],
)
def test_text_lines_that_only_look_like_bullets_are_paragraphs(line: str) -> None:
    assert blocks_of(f"Overskrift\n{line}\n")[1] == ("paragraph", line, 0)


@pytest.mark.parametrize(
    ("line", "heading", "level"),
    [("# Medlemmer", "Medlemmer", 1), ("### Partnere i alliancen", "Partnere i alliancen", 3)],
)
def test_text_hash_lines_are_headings_without_the_hashes(line: str, heading: str, level: int) -> None:
    assert blocks_of(f"Titel\n{line}\n")[1] == ("heading", heading, level)


def test_text_title_is_the_first_line_with_words() -> None:
    assert blocks_of(";\n\n  Socialministeriet: BL indgår i nyt partnerskab  \nTekst.\n")[:2] == [
        ("paragraph", ";", 0),
        ("title", "Socialministeriet: BL indgår i nyt partnerskab", 0),
    ]


def test_text_a_hash_title_loses_its_hashes() -> None:
    assert blocks_of("# Nyt partnerskab\nTekst.")[0] == ("title", "Nyt partnerskab", 0)


def test_text_normalises_before_offsets(tmp_path: Path) -> None:
    (doc,) = load(DATA / "crlf.txt")
    assert doc.text == "Frelsens Hær\nJuleindsamlingen støtter familier i hele landet.\nDé nye partnere\n"
    assert [doc.block_text(b) for b in doc.blocks] == [
        "Frelsens Hær",
        "Juleindsamlingen støtter familier i hele landet.",
        "Dé nye partnere",
    ]


def test_text_legacy_encoding_is_read_and_reported() -> None:
    (doc,) = load(DATA / "cp1252.txt")
    assert "Mødrehjælpen får 1,5 mio. kr. til rådgivning – et løft for de unge mødre på Ærø." in doc.text
    assert doc.metadata["encoding"] == "cp1252"
    assert "iconv" in doc.metadata["encoding_note"]


def test_text_document_id_is_the_content_hash() -> None:
    (a,) = load_bytes(b"Hus Forbi\nTekst", "a.txt", "text")
    (b,) = load_bytes(b"Hus Forbi\r\nTekst", "b.txt", "text")
    assert a.id == b.id and a.source != b.source
