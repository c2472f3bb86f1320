"""Where names start and end on real-world page shapes: bracketed acronyms, credits, tables of contents, the
government in lower case, news media. Sentences written for these tests in the sector's style."""

from __future__ import annotations

import pytest

from alliances.loaders.document import Document
from alliances.loaders.extract import extract


def names(text: str, lang: str) -> set[str]:
    """The first name of every organisation or alliance mention."""
    ex = extract(Document(text, "test", lang))
    return {m.text for m in ex.mentions if m.kind in {"Organisation", "Alliance"}}


def relations(text: str, lang: str) -> set[tuple[str, str, str]]:
    ex = extract(Document(text, "test", lang))
    return {(a.subject.names[0], a.relation, a.object.names[0]) for a in ex.assertions}


@pytest.mark.parametrize(
    "text,lang,expected,not_expected",
    [
        # the acronym's initial tells where the name starts, through "- och" and lower-case words
        ("I nätverket ingår BRIS, Sveriges kvinno- och tjejjourers riksförbund (SKR) och Män för jämställdhet.", "sv",
         "Sveriges kvinno- och tjejjourers riksförbund", "Tjejjourers Riksförbund"),
        ("Med i referensgruppen är Riksförbundet för suicidprevention och efterlevandestöd (SPES).", "sv",
         "Riksförbundet för suicidprevention och efterlevandestöd", "Riksförbundet för suicidprevention"),
        ("Rapporten er skrevet af Landsforeningen for børn og unges psykiske sundhed (LBU) i år.", "da",
         "Landsforeningen for børn og unges psykiske sundhed", "LBU"),
    ],
)
def test_a_bracketed_acronym_marks_a_long_name(text: str, lang: str, expected: str, not_expected: str) -> None:
    found = names(text, lang)
    assert expected in found
    assert not_expected not in found


def test_the_acronym_of_another_known_body_is_not_given_to_the_long_name() -> None:
    """"(SKR)" after the women's shelters' union must not make it the municipalities' SKR."""
    ex = extract(Document("Sveriges kvinno- och tjejjourers riksförbund (SKR) kräver mer stöd.", "test", "sv"))
    shelters = next(m for m in ex.mentions if m.names[0].startswith("Sveriges kvinno"))
    assert "SKR" not in shelters.names


@pytest.mark.parametrize(
    "text,lang,credited,party",
    [
        ("Hjemløsealliancen består af Lejerbo og KAB.\nFoto: Colourbox", "da", "Colourbox", ("KAB", "Lejerbo")),
        ("Medlemmer av Boligalliansen er Kirkens Bymisjon og Blå Kors. Foto: Kari Lie / NTB", "nb", "NTB",
         ("Blå Kors", "Kirkens Bymisjon")),
    ],
)
def test_a_credit_names_an_organisation_but_no_party(text: str, lang: str, credited: str,
                                                      party: tuple[str, ...]) -> None:
    assert credited in names(text, lang)
    rels = relations(text, lang)
    assert not any(credited in (s, o) for s, _, o in rels)
    assert {s for s, r, _ in rels if r == "memberOf"} >= set(party)


def test_a_table_of_contents_in_capitals_names_nothing() -> None:
    text = "FORORD INNLEDNING SAMMENDRAG 6\nSAMLET OVERSIKT Oslo kommune Bergen kommune DRAMMEN TROMSØ LITTERATUR"
    found = names(text, "nb")
    assert not any(n.isupper() and len(n) > 3 for n in found), found
    assert {"Oslo kommune", "Bergen kommune"} <= found


def test_a_brand_in_capitals_next_to_a_normal_word_stays_a_name() -> None:
    text = "Følgende organisationer har modtaget støtte fra Bikubenfonden:\n\n• BROEN Danmark\n• Kofoeds Skole\n"
    assert {"BROEN Danmark", "Kofoeds Skole"} <= names(text, "da")


def test_markup_left_in_a_text_is_no_part_of_a_name() -> None:
    assert not any("<" in n for n in names("Etablering av Blå Kors Sør Rehabilitering AS 4<br />", "nb"))


@pytest.mark.parametrize(
    "text,lang,expected",
    [
        ("Vi har fått pengar från regeringen för att genomföra projektet.", "sv", "Regeringen"),
        ("For å møte situasjonen vil regjeringen gi en ekstra støtte til matsentralene.", "nb", "Regjeringen"),
        ("Artiklen blev bragt i Kristeligt Dagblad og senere i Altinget.", "da", "Altinget"),
        ("Det skriver Göran Lind i Dagens Samhälle.", "sv", "Dagens Samhälle"),
    ],
)
def test_the_government_in_lower_case_and_news_media_are_organisations(text: str, lang: str, expected: str) -> None:
    assert expected.lower() in {n.lower() for n in names(text, lang)}


@pytest.mark.parametrize(
    "text,lang,alliance,founders",
    [
        ("Ung Inkludering er et felles initiativ fra Reach for Change, Stiftelsen Dam og Kavlifondet.", "nb",
         "Ung Inkludering", {"Reach for Change", "Stiftelsen Dam", "Kavlifondet"}),
        ("Next Step er et fælles initiativ fra Egmont Fonden, Ældre Sagen og Mødrehjælpen.", "da",
         "Next Step", {"Egmont Fonden", "Ældre Sagen", "Mødrehjælpen"}),
        ("Trygg Hemma är ett gemensamt initiativ från Röda Korset, PRO och SPF Seniorerna.", "sv",
         "Trygg Hemma", {"Röda Korset", "PRO", "SPF Seniorerna"}),
    ],
)
def test_a_brand_name_the_text_calls_a_joint_initiative_is_an_alliance(text: str, lang: str, alliance: str,
                                                                        founders: set[str]) -> None:
    rels = relations(text, lang)
    assert {o for s, r, o in rels if r == "foundedBy" and s == alliance} == founders
    assert {s for s, r, o in rels if r == "memberOf" and o == alliance} == founders


@pytest.mark.parametrize(
    "text,lang,expected,not_expected",
    [
        # a person and where they work are two names, not one
        ("– Vi tar ansvar, sier administrerende direktør Petter Jansen i SAS Braathens.", "nb", "SAS Braathens",
         "Petter Jansen i SAS Braathens"),
        # an organisation word in the definite form before a known name is part of the name
        ("Bag projektet står Albertslund Kommune og Boligselskabet AKB.", "da", "Boligselskabet AKB", "Boligselskabet"),
        # a person's name holds no organisation word
        ("Pengene kommer fra Tim Bergling Foundation.", "nb", "Tim Bergling Foundation", ""),
        # a museum, a library or a theatre is an organisation
        ("Fonden støtter en ombygning af Hempel Glasmuseum.", "da", "Hempel Glasmuseum", ""),
        # after a colon, a common word is as at the start of a sentence: no name
        ("Spørgsmål: Organisationerne peger på Røde Kors.", "da", "Røde Kors", "Organisationerne"),
    ],
)
def test_where_a_name_starts_and_ends(text: str, lang: str, expected: str, not_expected: str) -> None:
    found = names(text, lang)
    assert expected in found
    assert not_expected not in found


def test_a_project_in_a_town_is_no_name() -> None:
    assert names("Prosjektet i Lier har gitt gode resultater.", "nb") == set()


def test_a_list_item_that_goes_on_in_lower_case_after_och_is_one_name() -> None:
    text = ("Till träffen kom Visby nätverket för äldre. Deltog gjorde ABF Gotland, Hälsa- vård och "
            "omsorgsförvaltningens Mötesplatser för äldre, Svenska kyrkan och Röda Korset.")
    found = names(text, "sv")
    assert "Hälsa- vård och omsorgsförvaltningens Mötesplatser för äldre" in found
    assert "Hälsa- vård" not in found


@pytest.mark.parametrize(
    "text,lang,name",
    [
        ("Norad og Redd Barna inngår en femårig samarbeidsavtale. Avtalen har tittelen «Ingen barn skal utelates».",
         "nb", "Ingen barn skal utelates"),
        ("Röda Korset och Coop har tecknat ett samarbetsavtal. Avtalet har fått namnet ”Ingen ska vara ensam”.", "sv",
         "Ingen ska vara ensam"),
    ],
)
def test_an_agreement_named_by_its_title_is_that_alliance(text: str, lang: str, name: str) -> None:
    """The parties are members of the named agreement, and no longer bilateral partners of an unnamed one."""
    rels = relations(text, lang)
    assert {r for _, r, o in rels if o == name} == {"memberOf"}
    assert len([1 for _, r, o in rels if o == name]) == 2
    assert not any(r == "partnerOf" for _, r, _ in rels)
