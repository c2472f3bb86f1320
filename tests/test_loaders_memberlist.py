"""Member lists (CSV, YAML): one Record per stated relation, pointing at its rendered line; errors with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from alliances.loaders.document import Document, Record
from alliances.loaders.registry import LoaderError, load, load_bytes

DATA = Path(__file__).parent / "data" / "loaders"


def triples(doc: Document) -> list[tuple[str, str, str, str]]:
    return [(r.subject, r.relation, r.object, r.source) for r in doc.records]


def csv_doc(text: str, encoding: str = "utf-8") -> Document:
    (doc,) = load_bytes(text.encode(encoding), "liste.csv", "csv")
    return doc


def yaml_doc(text: str) -> Document:
    (doc,) = load_bytes(text.encode("utf-8"), "liste.yaml", "yaml")
    return doc


def test_memberlist_danish_csv_in_cp1252_with_semicolons() -> None:
    (doc,) = load(DATA / "medlemmer.csv")
    assert triples(doc) == [
        ("BL – Danmarks Almene Boliger", "memberOf", "Hjem til Alle", "https://hjemtilalle.dk/partnere"),
        ("Lejerbo", "memberOf", "Hjem til Alle", ""),
        ("Hjem til Alle", "foundedBy", "Realdania", "Årsrapport 2020"),
        ("Velux Fonden", "funds", "Hjem til Alle", ""),
        ("Hjem til Alle", "facilitatedBy", "Rådet for Socialt Udsatte", ""),
    ]
    assert doc.text.split("\n") == [
        "BL – Danmarks Almene Boliger — memberOf — Hjem til Alle (https://hjemtilalle.dk/partnere)",
        "Lejerbo — memberOf — Hjem til Alle",
        "Hjem til Alle — foundedBy — Realdania (Årsrapport 2020)",
        "Velux Fonden — funds — Hjem til Alle",
        "Hjem til Alle — facilitatedBy — Rådet for Socialt Udsatte",
    ]
    assert doc.metadata["encoding"] == "cp1252" and doc.metadata["delimiter"] == ";"
    assert doc.language == "da"


@pytest.mark.parametrize("name", ["medlemmer.csv", "members.csv", "medlemmar_sv.csv", "alliance.yaml", "rows.yaml"])
def test_memberlist_records_point_at_their_lines(name: str) -> None:
    (doc,) = load(DATA / name)
    lines = doc.text.split("\n")
    assert [doc.text[r.start : r.end] for r in doc.records] == lines
    assert [doc.block_text(b) for b in doc.blocks] == lines
    for record, line in zip(doc.records, lines, strict=True):
        assert line.startswith(f"{record.subject} — {record.relation} — {record.object}")


def test_memberlist_english_csv_with_commas_quotes_and_an_extra_column() -> None:
    (doc,) = load(DATA / "members.csv")
    assert triples(doc) == [
        ("Kirkens Bymisjon", "memberOf", "Alliansen mot fattigdom", ""),
        ("Frelsesarmeen", "memberOf", "Alliansen mot fattigdom", "https://example.no/alliansen"),
        ("Sparebankstiftelsen DNB", "funds", "Alliansen mot fattigdom", ""),
        ("Alliansen mot fattigdom", "facilitatedBy", "Kirkens Bymisjon", ""),
        ("Blå Kors", "partOf", "Blå Kors Norge", ""),
    ]
    assert doc.metadata["delimiter"] == ","
    assert "columns ignored: Comment" in doc.metadata["notes"]


def test_memberlist_swedish_csv_with_excel_sep_line() -> None:
    (doc,) = load(DATA / "medlemmar_sv.csv")
    assert triples(doc) == [
        ("Stockholms Stadsmission", "memberOf", "Nätverket mot hemlöshet", ""),
        ("Convictus", "memberOf", "Nätverket mot hemlöshet", ""),
    ]


def test_memberlist_relation_column_is_optional() -> None:
    (doc,) = load(DATA / "missing_relation_ok.csv")
    assert doc.records == (Record("BL", "memberOf", "Hjem til Alle", 0, len("BL — memberOf — Hjem til Alle")),)


@pytest.mark.parametrize(
    ("word", "relation"),
    [
        ("memberOf", "memberOf"),
        ("MEMBEROF", "memberOf"),
        ("medlem", "memberOf"),
        ("Medlem af", "memberOf"),
        ("deltaker", "memberOf"),
        ("finansierer", "funds"),
        ("funds", "funds"),
        ("faciliterer", "facilitatedBy"),
        ("sekretariat", "facilitatedBy"),
        ("stifter", "foundedBy"),
        ("founder", "foundedBy"),
        ("grundare", "foundedBy"),
        ("partner", "partnerOf"),
        ("del af", "partOf"),
        ("del av", "partOf"),
        ("", "memberOf"),
    ],
)
def test_memberlist_relation_words(word: str, relation: str) -> None:
    doc = csv_doc(f"alliance;organisation;relation\nHjem til Alle;BL;{word}\n")
    assert doc.records[0].relation == relation


@pytest.mark.parametrize(
    "header",
    [
        "Alliance;Organisation",
        "ALLIANCE;ORGANIZATION",
        "alliance;aktør",
        "allianse;organisasjon",
        "allians;aktör",
        "netværk;medlem",
        "\ufeffalliance;organisation",
    ],
)
def test_memberlist_header_aliases(header: str) -> None:
    doc = csv_doc(f"{header}\nHjem til Alle;BL\n")
    assert triples(doc) == [("BL", "memberOf", "Hjem til Alle", "")]


def test_memberlist_quoted_cells_keep_their_delimiters() -> None:
    doc = csv_doc('alliance;organisation;kilde\n"Hjem til Alle";"KFUM; Sociale Arbejde";"note: se ""bilag"""\n')
    assert triples(doc) == [("KFUM; Sociale Arbejde", "memberOf", "Hjem til Alle", 'note: se "bilag"')]


def test_memberlist_blank_rows_and_trailing_empty_cells_are_fine() -> None:
    doc = csv_doc("alliance;organisation;;\n\nHjem til Alle;BL;;\n;;;\nHjem til Alle;Lejerbo\n")
    assert [r.subject for r in doc.records] == ["BL", "Lejerbo"]


@pytest.mark.parametrize(
    ("name", "line", "message"),
    [
        ("missing_column.csv", 1, "column 'organisation' is missing; found: alliance, navn, relation"),
        ("duplicate_header.csv", 1, "duplicate column 'medlem' (the same as 'organisation')"),
        ("empty_cell.csv", 3, "the organisation cell is empty"),
        ("unknown_relation.csv", 3, "unknown relation 'kæreste'. Use one of memberOf, funds, facilitatedBy"),
        ("python_tag.yaml", 3, "uses the YAML tag '!!python/object/apply:os.system', which is not allowed"),
        ("unknown_key.yaml", 2, "unknown key 'memebers'. Use: alliance, source, members"),
    ],
)
def test_memberlist_bad_files_say_file_line_and_what(name: str, line: int, message: str) -> None:
    with pytest.raises(LoaderError) as raised:
        load(DATA / name)
    assert raised.value.line == line
    assert str(raised.value).startswith(f"{DATA / name}:{line}: ")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("alliance;organisation;alliance\nA;B;C\n", 1, "duplicate column 'alliance'"),
        ("alliance;organisation\nHjem til Alle;BL;Lejerbo\n", 2, "row has 3 cells but the header has 2 columns"),
        ("alliance;organisation\n;BL\n", 2, "the alliance cell is empty"),
        ("alliance;organisation\n\n\nHjem til Alle;\n", 4, "the organisation cell is empty"),
        ('alliance;organisation\n"Hjem til\nAlle";BL\nA;\n', 4, "the organisation cell is empty"),
    ],
)
def test_memberlist_bad_csv_rows(text: str, line: int, message: str) -> None:
    with pytest.raises(LoaderError) as raised:
        csv_doc(text)
    assert (raised.value.line, message in str(raised.value)) == (line, True), str(raised.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [("alliance;organisation\n", "has no rows"), ("", "is empty"), ("\n\n", "contains only whitespace")],
)
def test_memberlist_empty_lists_are_refused(text: str, message: str) -> None:
    with pytest.raises(LoaderError, match=message):
        csv_doc(text)


def test_memberlist_formula_cells_are_plain_text_and_noted() -> None:
    (doc,) = load(DATA / "formula.csv")
    assert [r.subject for r in doc.records] == ['=HYPERLINK("https://bl.dk")', "@Lejerbo", "-Projekt Udenfor"]
    notes = doc.metadata["notes"]
    assert "line 2: organisation '=HYPERLINK(\"https://bl.dk\")' starts with '='" in notes
    assert "line 3" in notes and "line 4" in notes and "not a formula" in notes


def test_memberlist_yaml_alliance_form() -> None:
    (doc,) = load(DATA / "alliance.yaml")
    url = "https://hjemtilalle.dk/partnere"
    assert triples(doc) == [
        ("BL – Danmarks Almene Boliger", "memberOf", "Hjem til Alle", url),
        ("Lejerbo", "memberOf", "Hjem til Alle", url),
        ("Kirkens Korshær", "memberOf", "Hjem til Alle", "Pressemeddelelse 12. marts 2024"),
        ("NO", "memberOf", "Hjem til Alle", url),  # YAML's "NO" stays text, it is not read as false
        ("Hjem til Alle", "facilitatedBy", "Rådet for Socialt Udsatte", url),
        ("Hjem til Alle", "foundedBy", "Realdania", url),
        ("Velux Fonden", "funds", "Hjem til Alle", url),
    ]
    assert doc.metadata["format"] == "yaml"


def test_memberlist_yaml_rows_form_with_swedish_keys() -> None:
    (doc,) = load(DATA / "rows.yaml")
    assert triples(doc) == [
        ("Stockholms Stadsmission", "memberOf", "Nätverket mot hemlöshet", ""),
        ("Allmänna arvsfonden", "funds", "Nätverket mot hemlöshet", "https://example.se/natverket"),
        ("Nätverket mot hemlöshet", "foundedBy", "Convictus", ""),
    ]
    assert "line 10: key 'kommentar' ignored" in doc.metadata["notes"]


def test_memberlist_yaml_several_alliances() -> None:
    doc = yaml_doc(
        "alliances:\n"
        "  - alliance: Hjem til Alle\n    members: [BL, Lejerbo]\n"
        "  - alliance: Alliancen mod Hjemløshed\n    medlemmer:\n      - Kirkens Korshær\n    sekretariat: SAND\n"
    )
    assert triples(doc) == [
        ("BL", "memberOf", "Hjem til Alle", ""),
        ("Lejerbo", "memberOf", "Hjem til Alle", ""),
        ("Kirkens Korshær", "memberOf", "Alliancen mod Hjemløshed", ""),
        ("Alliancen mod Hjemløshed", "facilitatedBy", "SAND", ""),
    ]


def test_memberlist_yaml_numbers_and_dates_stay_as_written() -> None:
    doc = yaml_doc("alliance: 3F-alliancen\nmembers: [3F, 1001, 2020-02-30]\nsource: 2024-03-12\n")
    assert [r.subject for r in doc.records] == ["3F", "1001", "2020-02-30"]
    assert doc.records[0].source == "2024-03-12"


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("members: [BL]\n", 1, "the alliance has no name"),
        ("alliance: A\nmembers: [BL]\nmembers: [KAB]\n", 3, "duplicate key 'members'"),
        ("alliance: A\nmembers: [BL]\nmedlemmer: [KAB]\n", 3, "duplicate key 'medlemmer' (another name for members)"),
        ("alliance: A\nmembers:\n  - BL\n  -\n", 4, "an empty entry under members"),
        ("alliance: A\nmembers:\n  - [BL, KAB]\n", 3, "should be a single value"),
        ("- alliance: A\n  organisation: BL\n  relation: ven\n", 1, "unknown relation 'ven'"),
        ("- alliance: A\n- organisation: B\n", 1, "the row has no organisation"),
        ("- Hjem til Alle\n", 1, "each entry should be a mapping"),
        ("alliance: [A\n", 2, "is not valid YAML"),
        ("Bare en tekst\n", 1, "is not a member list"),
        ("alliance: !ukendt A\nmembers: [BL]\n", 1, "uses the YAML tag '!ukendt'"),
        ("alliance: A\nmembers: !!set {BL: null}\n", 2, "uses the YAML tag '!!set'"),
    ],
)
def test_memberlist_bad_yaml(text: str, line: int, message: str) -> None:
    with pytest.raises(LoaderError) as raised:
        yaml_doc(text)
    assert (raised.value.line, message in str(raised.value)) == (line, True), str(raised.value)


def test_memberlist_yaml_recursive_anchor_does_not_loop() -> None:
    with pytest.raises(LoaderError):
        yaml_doc("alliance: A\nmembers: &m [BL, *m]\n")


@pytest.mark.parametrize("text", ["[" * 100_000, "{a: " * 100_000, "- " * 100_000 + "x"])
def test_memberlist_yaml_deep_nesting_is_refused_not_a_crash(text: str) -> None:
    with pytest.raises(LoaderError, match="nested more than 32 levels deep"):
        yaml_doc(text)


def test_memberlist_yaml_member_mapping_keys_that_do_not_apply_are_noted() -> None:
    doc = yaml_doc("alliance: Hjem til Alle\nmembers:\n  - navn: BL\n    relation: funds\n")
    assert triples(doc) == [("BL", "memberOf", "Hjem til Alle", "")]
    assert "line 4: key 'relation' ignored (under members, the relation is fixed)" in doc.metadata["notes"]
