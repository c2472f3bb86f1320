"""HTML: the main text of a page, one block per line, without navigation, banners, forms and scripts."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliances.loaders.document import Document
from alliances.loaders.html import boilerplate_tokens, declared_charset
from alliances.loaders.registry import LoaderError, load, load_bytes

DATA = Path(__file__).parent / "data" / "loaders"


def page(html: str) -> Document:
    (doc,) = load_bytes(html.encode("utf-8"), "side.html", "html")
    return doc


def layout(doc: Document) -> list[tuple[str, str, int]]:
    return [(b.kind, doc.block_text(b), b.level) for b in doc.blocks]


@pytest.fixture(scope="module")
def press_release() -> Document:
    (doc,) = load(DATA / "pressemeddelelse.html")
    return doc


def test_html_press_release_main_text(press_release: Document) -> None:
    assert layout(press_release) == [
        ("title", "Ny alliance mod ungehjemløshed | Eksempelforeningen", 0),
        ("heading", "Ny alliance mod ungehjemløshed", 1),
        ("paragraph", "12. marts 2024", 0),
        (
            "paragraph",
            (
                "Kirkens Korshær, BL – Danmarks Almene Boliger og Lejerbo går sammen i en ny alliance, der skal skaffe "
                "billige boliger til unge uden et sted at bo."
            ),
            0,
        ),
        ("paragraph", "Alliancen faciliteres af Rådet for Socialt Udsatte.", 0),
        ("paragraph", "Vi kan ikke løse opgaven alene, siger formanden for Kirkens Korshær.", 0),
        ("heading", "Medlemmer af alliancen", 2),
        ("item", "Kirkens Korshær", 1),
        ("item", "BL & Danmarks Almene Boliger", 1),
        ("item", "BL 2. kreds", 2),
        ("item", "Lejerbo", 1),
        ("heading", "Bevillinger", 2),
        ("paragraph", "Modtager | Beløb | Formål", 0),
        ("paragraph", "Mødrehjælpen | 1,5 mio. kr. | Rådgivning af unge mødre", 0),
        ("paragraph", "Projekt Udenfor | 800.000 kr. | Gadeplansarbejde, i København", 0),
        ("paragraph", "Partnerne ved lanceringen.", 0),
        ("paragraph", "Velux Fonden", 0),
        ("paragraph", "Realdania", 0),
        ("paragraph", "Læs mere om alliancen på hjemmesiden.", 0),
    ]


@pytest.mark.parametrize(
    "boilerplate",
    [
        "cookies",  # cookie dialog
        "Accepter",  # its button
        "Forside",  # nav and breadcrumbs
        "Om os",
        "Gå til indhold",  # skip link
        "nyhedsbrev",  # form
        "Del på Facebook",  # share buttons
        "Relaterede",  # aside
        "Vesterbrogade",  # footer
        "dataLayer",  # script
        "font-family",  # style
        "partnere.jpg",  # an image file name as alt text
        "logo",  # a generic alt text
    ],
)
def test_html_leaves_out_boilerplate(press_release: Document, boilerplate: str) -> None:
    assert boilerplate not in press_release.text


def test_html_metadata(press_release: Document) -> None:
    assert press_release.metadata == {
        "encoding": "utf-8",
        "lang": "da-DK",
        "content_root": "main",
        "title": "Ny alliance mod ungehjemløshed | Eksempelforeningen",
    }
    assert press_release.language == "da"
    assert press_release.source == str(DATA / "pressemeddelelse.html")


def test_html_one_line_per_block(press_release: Document) -> None:
    lines = press_release.text.split("\n")
    assert [press_release.block_text(b) for b in press_release.blocks] == lines


def test_html_largest_article_without_main() -> None:
    (doc,) = load(DATA / "artikler_sv.html")
    assert doc.metadata["content_root"] == "article"
    assert layout(doc) == [
        ("title", "Nyheter", 0),
        ("heading", "Nytt nätverk mot hemlöshet", 2),
        (
            "paragraph",
            "Stockholms Stadsmission och Convictus har startat ett nätverk för att fler ska få ett eget hem.",
            0,
        ),
        ("paragraph", "Arbetet stöds av Allmänna arvsfonden under tre år.", 0),
        ("item", "Kontakt", 1),
        ("item", "Stockholms Stadsmission", 1),
    ]
    assert doc.language == "sv" and doc.metadata["lang"] == "sv"


def test_html_legacy_charset_from_meta() -> None:
    (doc,) = load(DATA / "tildelinger_nb.html")
    assert doc.metadata["encoding"] == "cp1252"
    assert "as the source declares" in doc.metadata["encoding_note"]
    assert "Kirkens Bymisjon | 2 millioner kroner" in doc.text.split("\n")
    assert "Blå Kors | 750 000 kroner" in doc.text.split("\n")
    assert doc.language == "nb"


@pytest.mark.parametrize(
    ("head", "charset"),
    [
        (b'<meta charset="windows-1252">', "windows-1252"),
        (b"<META CHARSET=utf-8>", "utf-8"),
        (b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">', "ISO-8859-1"),
        (b'<?xml version="1.0" encoding="iso-8859-15"?><html>', "iso-8859-15"),
        (b"<html><p>ingen</p>", None),
    ],
)
def test_html_declared_charset(head: bytes, charset: str | None) -> None:
    assert declared_charset(head) == charset


def test_html_xml_declaration_is_accepted() -> None:
    doc = page('<?xml version="1.0" encoding="utf-8"?><html><body><p>Blå Kors hjælper.</p></body></html>')
    assert doc.text == "Blå Kors hjælper."


def test_html_first_h1_is_the_title_without_a_title_element() -> None:
    doc = page("<body><h1>Nyt partnerskab</h1><p>Hus Forbi og LVS.</p><h1>Endnu en</h1></body>")
    assert layout(doc) == [
        ("title", "Nyt partnerskab", 0),
        ("paragraph", "Hus Forbi og LVS.", 0),
        ("heading", "Endnu en", 1),
    ]
    assert doc.metadata["title"] == "Nyt partnerskab"


def test_html_title_equal_to_h1_is_not_repeated() -> None:
    doc = page("<title>Nyt partnerskab</title><body><h1>Nyt  partnerskab</h1><p>Tekst.</p></body>")
    assert layout(doc) == [("title", "Nyt partnerskab", 0), ("paragraph", "Tekst.", 0)]


def test_html_br_splits_a_paragraph_and_inline_text_joins_with_single_spaces() -> None:
    doc = page("<p>Hus   Forbi<b>s</b>\n  sælgere<br/>og <i>Landsforeningen af VæreSteder</i>&nbsp;&amp; venner</p>")
    assert doc.text == "Hus Forbis sælgere\nog Landsforeningen af VæreSteder & venner"


def test_html_div_with_direct_text_and_nested_divs() -> None:
    doc = page("<div>Alliancen har 15 partnere.<div>Sekretariatet ligger hos BL.</div>Læs mere.</div>")
    assert layout(doc) == [
        ("paragraph", "Alliancen har 15 partnere.", 0),
        ("paragraph", "Sekretariatet ligger hos BL.", 0),
        ("paragraph", "Læs mere.", 0),
    ]


def test_html_header_holding_the_h1_is_kept() -> None:
    doc = page(
        "<body><article><header><h1>Nyt samarbejde</h1></header><p>Hus Forbi og LVS indgår aftale.</p>"
        "<footer>Del artiklen</footer></article></body>"
    )
    assert doc.text == "Nyt samarbejde\nHus Forbi og LVS indgår aftale."


def test_html_page_wrapped_in_one_form_is_kept() -> None:
    doc = page(
        '<body><form id="aspnetForm"><div id="content"><h2>Partnere</h2><ul><li>Blå Kors</li><li>SAND</li></ul>'
        "<p>Alliancen blev stiftet i 2019 af en række organisationer på det sociale område.</p></div>"
        '<form class="search"><input name="q"><p>Søg</p></form></form></body>'
    )
    assert layout(doc) == [
        ("heading", "Partnere", 2),
        ("item", "Blå Kors", 1),
        ("item", "SAND", 1),
        ("paragraph", "Alliancen blev stiftet i 2019 af en række organisationer på det sociale område.", 0),
    ]


@pytest.mark.parametrize(
    "hidden",
    [
        "<div hidden>Skjult tekst</div>",
        '<div aria-hidden="true">Skjult tekst</div>',
        '<div style="display: none">Skjult tekst</div>',
        '<div class="Cookie-Notice">Skjult tekst</div>',
        '<div id="onetrust-banner-sdk">Skjult tekst</div>',
        '<div role="navigation">Skjult tekst</div>',
        '<div aria-label="Del på sociale medier">Skjult tekst</div>',
        "<noscript>Skjult tekst</noscript>",
        "<template><p>Skjult tekst</p></template>",
        "<svg><title>Skjult tekst</title></svg>",
        "<iframe>Skjult tekst</iframe>",
        "<select><option>Skjult tekst</option></select>",
        "<!-- Skjult tekst -->",
    ],
)
def test_html_hidden_and_marked_elements_are_left_out(hidden: str) -> None:
    doc = page(f"<body><p>Synlig tekst.</p>{hidden}<p>Mere tekst.</p></body>")
    assert doc.text == "Synlig tekst.\nMere tekst."


def test_html_boilerplate_list_is_data() -> None:
    tokens = boilerplate_tokens()
    required = {"cookie", "consent", "banner", "newsletter", "menu", "breadcrumb", "share", "social", "skip-link"}
    assert required | {"modal", "popup"} <= set(tokens)


def test_html_definition_lists_and_nested_list_depth() -> None:
    doc = page(
        "<h2>Medlemmer</h2><ol><li>Blå Kors<ol><li>Blå Kors Varde<ul><li>Genbrug</li></ul></li></ol></li></ol>"
        "<dl><dt>Sekretariat</dt><dd>Rådet for Socialt Udsatte</dd></dl>"
    )
    assert layout(doc)[1:] == [
        ("item", "Blå Kors", 1),
        ("item", "Blå Kors Varde", 2),
        ("item", "Genbrug", 3),
        ("item", "Sekretariat", 1),
        ("item", "Rådet for Socialt Udsatte", 1),
    ]


def test_html_layout_table_is_read_as_blocks_not_one_row() -> None:
    doc = page(
        "<table><tr><td><h2>Partnere</h2><ul><li>Hus Forbi</li><li>LVS</li></ul></td>"
        "<td><table><tr><td>Modtager</td><td>Beløb</td></tr></table></td></tr></table>"
    )
    assert layout(doc) == [
        ("heading", "Partnere", 2),
        ("item", "Hus Forbi", 1),
        ("item", "LVS", 1),
        ("paragraph", "Modtager | Beløb", 0),
    ]


def test_html_pre_keeps_its_lines() -> None:
    doc = page("<pre>Blå Kors\nKFUM's Sociale Arbejde\n\nSAND</pre>")
    assert doc.text == "Blå Kors\nKFUM's Sociale Arbejde\nSAND"


def test_html_deep_nesting_does_not_crash() -> None:
    depth = 10_000
    html = "<html><body><p>Før det dybe.</p>" + "<div>" * depth + "Dybt inde" + "</div>" * depth + "</body></html>"
    (doc,) = load_bytes(html.encode(), "dyb.html", "html")
    assert doc.text.startswith("Før det dybe.")
    assert "nested deeper" in doc.metadata["parse_note"]


def test_html_deep_nesting_without_text_before_it_is_reported() -> None:
    depth = 10_000
    html = "<html><body>" + "<div>" * depth + "</div>" * depth + "</body></html>"
    with pytest.raises(LoaderError, match="nested deeper than the parser allows"):
        load_bytes(html.encode(), "dyb.html", "html")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10", "looks binary"),
        (b"<html><head><script>var a = 1;</script></head><body><nav>Menu</nav></body></html>", "no readable text"),
        (b"", "is empty"),
    ],
)
def test_html_that_is_not_a_page_with_text_is_refused(data: bytes, message: str) -> None:
    with pytest.raises(LoaderError, match=message):
        load_bytes(data, "side.html", "html")


def test_html_plain_text_in_an_html_file_is_still_read() -> None:
    assert page("Kirkens Korshær hjælper hjemløse.").text == "Kirkens Korshær hjælper hjemløse."
