"""Grant lists as funders publish them: sums before or after the name, groups with totals, receiving lead-ins.
The texts are written for these tests in the sector's style."""

from __future__ import annotations

from alliances.loaders.extract import extract
from alliances.loaders.text import load_text


def funds(text: str, lang: str) -> set[tuple[str, str, float | None]]:
    """Through the text loader, which keeps bullets as list items."""
    ex = extract(load_text(text.encode(), "test.txt")[0])
    return {(a.subject.text, a.object.text, a.amount) for a in ex.assertions if a.relation == "funds"}


def test_grant_list_sum_before_name_with_group_totals() -> None:
    text = ("Regjeringen gir 12 millioner kroner til julehjelp\n\n"
            "Midlene fordeles slik:\n\n"
            " • Mat og klær (6 millioner kroner)\n"
            "  • 3 mill. Frelsesarmeen\n"
            "  • 3 mill. Kirkens Bymisjon\n"
            " • Aktiviteter for barn (6 millioner kroner)\n"
            "  • 6 mill. Redd Barna\n")
    got = funds(text, "nb")
    assert {(f, r) for f, r, _ in got} == {("Regjeringen", "Frelsesarmeen"), ("Regjeringen", "Kirkens Bymisjon"),
                                           ("Regjeringen", "Redd Barna")}
    assert ("Regjeringen", "Redd Barna", 6_000_000) in got


def test_grant_list_item_name_stops_at_the_verb() -> None:
    text = ("Sparebankstiftelsen DNB deler ut midler i Østfold\n\n"
            "Disse får støtte:\n\n"
            " • Fredrikstad Turnforening får 80.000 kroner til matter.\n"
            " • Sarpsborg Sjakklubb får 40.000 kroner til brett og klokker.\n")
    assert {(f, r) for f, r, _ in funds(text, "nb")} == {("Sparebankstiftelsen DNB", "Fredrikstad Turnforening"),
                                                         ("Sparebankstiftelsen DNB", "Sarpsborg Sjakklubb")}


def test_grant_list_receiving_lead_in_names_the_funder() -> None:
    text = ("Feriehjælp 2025\n\n"
            "Følgende organisationer har modtaget Bikubenfondens feriestøtte:\n\n"
            "Kirkens Korshær\nDansk Folkehjælp\nKFUM's Sociale Arbejde\n")
    assert {(f, r) for f, r, _ in funds(text, "da")} >= {("Bikubenfondens", "Kirkens Korshær"),
                                                         ("Bikubenfondens", "Dansk Folkehjælp")}


def test_receiving_verb_in_a_title_is_no_lead_in() -> None:
    text = ("Nordea-fonden og Aarhus Kommune går sammen om fritidsliv\n\n"
            "Aarhus Kommune – Nyheder – 3. marts 2025\n")
    assert funds(text, "da") == set()


def test_list_lines_that_describe_are_no_names() -> None:
    text = ("Psykiatrialliancen og medlemmerne arbejder for:\n\n"
            " • Bedre Psykiatri\n"
            " • Relevante, tidlige og tilgængelige tilbud til alle\n"
            " • Markant færre tvangsindlæggelser for mennesker med psykiske lidelser\n")
    ex = extract(load_text(text.encode(), "test.txt")[0])
    assert {a.subject.text for a in ex.assertions if a.relation == "memberOf"} == {"Bedre Psykiatri"}


def test_recipients_of_an_agency_the_government_gave_the_task() -> None:
    """"Regeringen har gett Socialstyrelsen uppdraget att fördela …": the agency hands out the money."""
    text = ("Statsbidrag till ideella organisationer\n\n"
            "Organisationer som arbetar mot våld och missbruk kan söka statsbidrag. Regeringen har gett "
            "Socialstyrelsen uppdraget att fördela bidragen. Ansökan ska ha kommit in till Socialstyrelsen i september.\n\n"
            "Bland tidigare mottagare finns Länkarna, Verdandi, BRIS och Riksförbundet Hem och Skola.\n")
    got = {(f, r) for f, r, _ in funds(text, "sv")}
    assert {("Socialstyrelsen", r) for r in ("Länkarna", "Verdandi", "BRIS")} <= got
    assert not any(f == "Regeringen" for f, _ in got)


def test_recipients_of_the_funder_the_text_names_most() -> None:
    text = ("Nye donationer til mental sundhed\n\n"
            "Seks projekter modtager donationer. Pengene skal styrke trivslen hos udsatte unge.\n\n"
            "TrygFonden har prioriteret området i flere år, og TrygFonden vil følge projekterne tæt. "
            "Blandt modtagerne er Landsforeningen Autisme, Landsforeningen Lænken og Headspace Danmark.\n")
    got = {(f, r) for f, r, _ in funds(text, "da")}
    assert ("TrygFonden", "Landsforeningen Lænken") in got


def test_parties_listed_above_the_verb_of_an_agreement() -> None:
    text = ("Samarbeidsavtale om boligsosialt arbeid\n\n"
            "Bergen kommune og boligbyggelagene:\n"
            "- BOB\n"
            "- Vestbo\n"
            "- Boligbyggelaget Bergen og omegn av 1952\n"
            "inngår denne avtalen om tildeling av kommunale boliger for perioden 2025–2028.\n")
    ex = extract(load_text(text.encode(), "test.txt")[0])
    members = {a.subject.text for a in ex.assertions if a.relation == "memberOf"}
    assert {"Bergen kommune", "BOB", "Vestbo"} <= members
    assert len({a.object.key for a in ex.assertions if a.relation == "memberOf"}) == 1


def test_a_lead_in_that_thanks_gives_no_relation() -> None:
    text = ("Forord\n\nRapporten er laget av NBBL og har fått finansiering av Husbanken. Vi takker boligbyggelagene "
            "som svarte. En særlig takk går til følgende personer som ble intervjuet: OBOS: Kari Holm USBL: "
            "Per Lund Boligbygg KF: Anne Berg\n")
    ex = extract(load_text(text.encode(), "test.txt")[0])
    got = {(a.subject.text, a.relation, a.object.text) for a in ex.assertions}
    assert got == {("Husbanken", "funds", "NBBL")}


def test_recipients_named_after_a_sentence_that_distributes_the_money() -> None:
    text = ("Velux Fonden giver 4 mio. kr. til sommeraktiviteter\n\n"
            "Velux Fonden har bevilget 4 mio. kr. til tre organisationer.\n\n"
            "Pengene fordeles mellem tre foreninger med mange frivillige. Det drejer sig om Mødrehjælpen, "
            "Dansk Folkehjælp og Kirkens Korshær.\n")
    got = {(f, r) for f, r, _ in funds(text, "da")}
    assert {("Velux Fonden", "Mødrehjælpen"), ("Velux Fonden", "Dansk Folkehjælp"),
            ("Velux Fonden", "Kirkens Korshær")} <= got


def test_recipient_paragraphs_that_describe_the_work_after_a_receiving_lead_in() -> None:
    text = ("Insamlingen har gett 12 miljoner kronor\n\n"
            "Följande organisationer har beviljats medel från Radiohjälpens insamling till äldre i riskgrupper "
            "per den 1 juni:\n\n"
            "Rädda Barnen som erbjuder digitala fritids för barn och unga som sitter isolerade hemma. 400 000:-\n")
    got = {(f, r) for f, r, _ in funds(text, "sv")}
    assert got == {("Radiohjälpens", "Rädda Barnen")}


def test_a_grant_list_written_as_labelled_fields() -> None:
    text = ("Beslut om stöd från Allmänna arvsfonden\n\n"
            "Föreningar med stöd under 2025\n\n"
            "Organisation: Läxhjälpen\nProjekt: Läxhjälp för unga i Husby.\nBelopp: 400 000 kronor\n\n"
            "Organisation: Tjejzonen Malmö\nProjekt: Stödsamtal via chatt.\n")
    got = {(f, r) for f, r, _ in funds(text, "sv")}
    assert got == {("Allmänna arvsfonden", "Läxhjälpen"), ("Allmänna arvsfonden", "Tjejzonen Malmö")}
