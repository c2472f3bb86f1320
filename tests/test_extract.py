"""Extraction on short sentences written for these tests, one behaviour each, in Danish, Norwegian and Swedish."""

from __future__ import annotations

import pytest

from alliances.graph.vocab import normalise
from alliances.loaders.document import Block, Document
from alliances.loaders.extract import extract


def triples(text: str, lang: str = "da", blocks: tuple[Block, ...] = ()) -> set[tuple[str, str, str]]:
    """(subject, relation, object) by the first name of each end; unnamed alliances as 'unnamed'."""
    ex = extract(Document(text, "test", lang, blocks=blocks))
    out = set()
    for a in ex.assertions:
        s = a.subject.names[0] if a.subject.names else "unnamed"
        o = a.object.names[0] if a.object.names else "unnamed"
        out.add((s, a.relation, o))
    return out


def names_of(text: str, lang: str = "da") -> dict[str, set[str]]:
    ex = extract(Document(text, "test", lang))
    out: dict[str, set[str]] = {}
    for m in ex.mentions:
        out.setdefault(m.kind, set()).update(normalise(n) for n in m.names)
    return out


@pytest.mark.parametrize(
    "text,lang,expected",
    [
        ("Odense Kommune er medlem af Alliancen for Trygge Boliger.", "da",
         ("Odense Kommune", "memberOf", "Alliancen for Trygge Boliger")),
        ("Bergen kommune er med i Nettverket for Boligsosialt Arbeid.", "nb",
         ("Bergen kommune", "memberOf", "Nettverket for Boligsosialt Arbeid")),
        ("Malmö stad ingår i Nätverket för Hemlöshetsfrågor.", "sv",
         ("Malmö stad", "memberOf", "Nätverket för Hemlöshetsfrågor")),
    ],
)
def test_extract_member_verb(text: str, lang: str, expected: tuple[str, str, str]) -> None:
    assert expected in triples(text, lang)


@pytest.mark.parametrize(
    "text,lang,funder,recipient,amount,currency",
    [
        ("Egmont Fonden støtter Kirkens Korshær med 2 mio. kr. til varmestuer.", "da",
         "Egmont Fonden", "Kirkens Korshær", 2_000_000, None),
        ("Kirkens Bymisjon har mottatt 3,5 millioner kroner fra Sparebankstiftelsen DNB.", "nb",
         "Sparebankstiftelsen DNB", "Kirkens Bymisjon", 3_500_000, None),
        ("Postkodstiftelsen har beviljat 500 000 kronor till Stockholms Stadsmission.", "sv",
         "Postkodstiftelsen", "Stockholms Stadsmission", 500_000, "SEK"),
    ],
)
def test_extract_funding_with_amount(text, lang, funder, recipient, amount, currency) -> None:  # type: ignore[no-untyped-def]
    ex = extract(Document(text, "test", lang))
    funds = [a for a in ex.assertions if a.relation == "funds"]
    assert [(a.subject.text, a.object.text) for a in funds] == [(funder, recipient)]
    assert funds[0].amount == amount
    if currency:
        assert funds[0].currency == currency


def test_extract_member_list_under_heading() -> None:
    text = (
        "Partnerskab om Udsatte Unge\n\n"
        "Partnerne bag partnerskabet er:\n\n"
        "Aarhus Kommune\nLauritzen Fonden\nKFUM's Sociale Arbejde – driver væresteder i hele landet\n"
        "Heimdal Boliger\n\n"
        "Læs mere om indsatsen her"
    )
    got = {s for s, r, o in triples(text) if r == "memberOf" and o == "Partnerskab om Udsatte Unge"}
    assert got == {"Aarhus Kommune", "Lauritzen Fonden", "KFUM's Sociale Arbejde", "Heimdal Boliger"}


def test_extract_list_item_acronym_with_expansion() -> None:
    text = "Medlemmer af Netværket mod Ensomhed\n\nABC – Aktive Borgere i Centrum\nRødovre Kommune\n"
    ex = extract(Document(text, "test", "da"))
    member = next(a.subject for a in ex.assertions if a.relation == "memberOf" and "ABC" in a.subject.names)
    assert set(member.names) >= {"ABC – Aktive Borgere i Centrum", "ABC"}


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Hus Forbi og Landsforeningen af VæreSteder indgår et strategisk samarbejde.", "da"),
        ("Kirkens Bymisjon og Oslo kommune har inngått en samarbeidsavtale.", "nb"),
        ("Samarbetsavtalet mellan Göteborgs Stadsmission och Göteborgs Stad gäller i tre år.", "sv"),
    ],
)
def test_extract_unnamed_bilateral_agreement(text: str, lang: str) -> None:
    got = triples(text, lang)
    assert sum(1 for _, r, o in got if r == "memberOf" and o == "unnamed") == 2
    assert sum(1 for _, r, _ in got if r == "partnerOf") == 1


def test_extract_facilitated_by_with_anaphora() -> None:
    text = "Alliancen mod Hjemløshed blev lanceret i marts. Alliancen faciliteres af Rådet for Socialt Udsatte."
    assert ("Alliancen mod Hjemløshed", "facilitatedBy", "Rådet for Socialt Udsatte") in triples(text)


def test_extract_secretariat_of_the_alliance_the_text_is_about() -> None:
    text = "Netværket for Social Innovation\nSekretariatet ligger hos Center for Frivilligt Socialt Arbejde."
    assert ("Netværket for Social Innovation", "facilitatedBy", "Center for Frivilligt Socialt Arbejde") in triples(text)


def test_extract_founded_by_coordinated_list() -> None:
    text = "Pagten for Unges Trivsel blev etableret i 2019 af Velux Fonden, Egmont Fonden og Ballerup Kommune."
    got = {o for s, r, o in triples(text) if r == "foundedBy"}
    assert got == {"Velux Fonden", "Egmont Fonden", "Ballerup Kommune"}


def test_extract_acronym_and_long_form_are_one_entity() -> None:
    text = "Landsforeningen for Socialt Arbejde (LSA) er medlem af Alliancen for Boliger. LSA har 40 medlemmer."
    ex = extract(Document(text, "test", "da"))
    keys = {m.key for m in ex.mentions if "LSA" in m.names or m.text == "LSA"}
    assert len(keys) == 1


def test_extract_genitive_is_the_same_entity() -> None:
    text = "Trygfonden støtter Børnenes Kontor med 1 mio. kr. Trygfondens bestyrelse har besluttet det."
    ex = extract(Document(text, "test", "da"))
    keys = {m.key for m in ex.mentions if m.text.startswith("Trygfond")}
    assert len(keys) == 1


@pytest.mark.parametrize(
    "text",
    [
        "Foto: iStock\nLæs mere\nDel på Facebook\nThank you! Your submission has been received!",
        "Denne side bruger cookies. Ved at klikke OK accepterer du vores brug af cookies.",
    ],
)
def test_extract_boilerplate_gives_no_organisation(text: str) -> None:
    assert "Organisation" not in names_of(text)


def test_extract_acronym_does_not_match_inside_abbreviation() -> None:
    text = "Vi hjælper bl.a. hjemløse. BL – Danmarks Almene Boliger er medlem af Alliancen for Boliger."
    ex = extract(Document(text, "test", "da"))
    assert all(m.start > text.index("BL –") - 1 for m in ex.mentions if m.kind == "Organisation")


def test_extract_national_branch_is_part_of_parent() -> None:
    text = "Red Barnet Danmark er en del af Red Barnet. Red Barnet arbejder i 120 lande."
    assert ("Red Barnet Danmark", "partOf", "Red Barnet") in triples(text)


def test_extract_evidence_is_the_sentence() -> None:
    text = "Intro.\nVelux Fonden har bevilget 4 mio. kr. til Mødrehjælpen. Andet."
    ex = extract(Document(text, "test", "da"))
    a = next(a for a in ex.assertions if a.relation == "funds")
    assert text[a.evidence_start : a.evidence_end] == "Velux Fonden har bevilget 4 mio. kr. til Mødrehjælpen."
    assert a.rule.startswith("funds") and 0 < a.confidence <= 1


def test_extract_is_pure_and_deterministic() -> None:
    doc = Document("Egmont Fonden støtter Mødrehjælpen med 2 mio. kr.", "test", "da")
    assert triples(doc.text) == triples(doc.text)


def test_extract_member_list_records_are_taken_as_stated() -> None:
    from alliances.loaders.document import Record

    text = "Kirkens Korshær — memberOf — Alliancen mod Hjemløshed"
    doc = Document(text, "list.csv", "da", records=(Record("Kirkens Korshær", "memberOf", "Alliancen mod Hjemløshed",
                                                           0, len(text)),))
    ex = extract(doc)
    assert [(a.subject.text, a.relation, a.object.text, a.confidence) for a in ex.assertions] == [
        ("Kirkens Korshær", "memberOf", "Alliancen mod Hjemløshed", 1.0)
    ]


@pytest.mark.parametrize(
    "text,lang,founders",
    [
        (("Alliancen for Psykisk Trivsel samler 30 organisationer. Det er Psykiatrifonden, Sind og Ventilen Danmark, "
          "der har været initiativtagere."), "da", {"Psykiatrifonden", "Sind", "Ventilen Danmark"}),
        (("Nettverket for Ensomme Eldre ble lansert i går. Initiativet er grunnlagt i fellesskap av Røde Kors og "
          "Nasjonalforeningen for folkehelsen."), "nb", {"Røde Kors", "Nasjonalforeningen for folkehelsen"}),
        ("Alliansen mot Matsvinn har nu tolv medlemmar. Initiativtagare var Stockholms Stadsmission och Matmissionen.",
         "sv", {"Stockholms Stadsmission", "Matmissionen"}),
    ],
)
def test_extract_founders_of_the_alliance_the_text_speaks_of(text: str, lang: str, founders: set[str]) -> None:
    assert {o for s, r, o in triples(text, lang) if r == "foundedBy"} == founders


@pytest.mark.parametrize(
    "text,lang,pair",
    [
        ("Avtalen er inngått mellom Lunner kommune og Sykehuset Innlandet HF.", "nb",
         ("Lunner kommune", "Sykehuset Innlandet HF")),
        ("Det er et samarbejdsprojekt mellem Headspace Roskilde og Boligselskabet Sjælland.", "da",
         ("Headspace Roskilde", "Boligselskabet Sjælland")),
        ("Överenskommelsen har tecknats mellan Region Skåne och Malmö stad.", "sv", ("Region Skåne", "Malmö stad")),
    ],
)
def test_extract_agreement_made_between_two_parties(text: str, lang: str, pair: tuple[str, str]) -> None:
    partners = {(s, o) for s, r, o in triples(text, lang) if r == "partnerOf"}
    assert pair in partners or pair[::-1] in partners


@pytest.mark.parametrize(
    "text,lang,members",
    [
        # a compound agreement word, a kind noun before a name, and an alliance among the parties
        ("Et nyt civilsamfundssamarbejde mellem foreningen Hjem til Alle, Røde Kors og Aarhus Kommune er klar.", "da",
         {"Hjem til Alle", "Røde Kors", "Aarhus Kommune"}),
        # the organisers of an event act together
        ("Bak arrangementet sto Velferdsalliansen, Kirkens Bymisjon Oslo og Fellesorganisasjonen.", "nb",
         {"Velferdsalliansen", "Kirkens Bymisjon Oslo", "Fellesorganisasjonen"}),
        ("Konferensen arrangeras av Famna, Giva Sverige och Sensus.", "sv", {"Famna", "Giva Sverige", "Sensus"}),
        # parties on both sides of "med"
        ("Rädda Barnen och Svenska kyrkan har gjort en överenskommelse med Sveriges Kommuner och Regioner om stöd.",
         "sv", {"Rädda Barnen", "Svenska kyrkan", "Sveriges Kommuner och Regioner"}),
    ],
)
def test_extract_parties_of_an_unnamed_collaboration(text: str, lang: str, members: set[str]) -> None:
    ex = extract(Document(text, "test", lang))
    got = [(a.subject.names[0], a.object) for a in ex.assertions if a.relation == "memberOf"]
    assert {s for s, _ in got} == members
    assert len({o.key for _, o in got}) == 1 and not got[0][1].names  # one alliance, named after its members later


@pytest.mark.parametrize(
    "text,lang,pair",
    [
        # a headline without a verb, and the partner named after "heter"
        ("OLW ny stolt samarbetspartner till Maskrosbarn", "sv", ("OLW", "Maskrosbarn")),
        ("Kirkens Bymisjons nye samarbeidspartner er OBOS.", "nb", ("OBOS", "Kirkens Bymisjons")),
        ("Røde Kors bliver nu ny hovedpartner for Coop.", "da", ("Røde Kors", "Coop")),
        ("Værdierne fællesskab og frivillighed binder Røde Kors og Coop sammen i deres partnerskab.", "da",
         ("Røde Kors", "Coop")),
        ("Kirkens Bymisjon og OBOS blir nye samarbeidspartnere", "nb", ("Kirkens Bymisjon", "OBOS")),
        ("Röda Korset har också tidigare haft ett samarbete med Ica.", "sv", ("Röda Korset", "Ica")),
        # two bodies launching a campaign act together ("forsikringsselskabet" only says what Codan is)
        ("Ældre Sagen og forsikringsselskabet Codan lancerer i januar en kampagne for besøgsvenner.", "da",
         ("Ældre Sagen", "Codan")),
    ],
)
def test_extract_new_partner_of(text: str, lang: str, pair: tuple[str, str]) -> None:
    assert {(s, o) for s, r, o in triples(text, lang) if r == "partnerOf"} == {pair}


@pytest.mark.parametrize(
    "text,lang,unit,parent",
    [
        ("Telemark Kunstmuseum, som er en del av Norsk Industriarbeidermuseum, får støtte til formidling.", "nb",
         "Telemark Kunstmuseum", "Norsk Industriarbeidermuseum"),
        ("Headspace er et initiativ under Det Sociale Netværk og har centre i hele landet.", "da",
         "Headspace", "Det Sociale Netværk"),
        ("Bobyrån, som är en del av Stockholms Stadsmission, hjälper unga att hitta bostad.", "sv",
         "Bobyrån", "Stockholms Stadsmission"),
    ],
)
def test_a_unit_or_initiative_under_an_organisation_is_part_of_it(text: str, lang: str, unit: str,
                                                                   parent: str) -> None:
    ex = extract(Document(text, "test", lang))
    assert (unit, parent) in {(a.subject.text, a.object.text) for a in ex.assertions if a.relation == "partOf"}


@pytest.mark.parametrize(
    "text,lang,pair",
    [
        # a project named after "heter", run by an organisation in a relative clause
        ("Vi stödjer ett projekt som heter ENABLE, vilket drivs av Djurgården fotboll.", "sv",
         ("ENABLE", "Djurgården fotboll")),
        # the facilitator described in an apposition before "som"
        ("Sekretariatet ligger hos Frivilligrådet, paraplyorganisationen som koordinerer Alliancen mod Ensomhed.", "da",
         ("Alliancen mod Ensomhed", "Frivilligrådet")),
        ("Kirkens Bymisjon har fått oppdraget som koordinator for Boligalliansen.", "nb",
         ("Boligalliansen", "Kirkens Bymisjon")),
    ],
)
def test_extract_facilitator_in_a_relative_clause_or_a_task(text: str, lang: str, pair: tuple[str, str]) -> None:
    assert pair in {(s, o) for s, r, o in triples(text, lang) if r == "facilitatedBy"}
