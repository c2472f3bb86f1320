"""Funding and membership read from cue words (loaders/cues.py), on sentences written for these tests in the ways
grant news and member pages phrase them — shapes no template lists."""

from __future__ import annotations

import pytest

from alliances.loaders.document import Document
from alliances.loaders.extract import extract


def relations(text: str, lang: str) -> set[tuple[str, str, str, str]]:
    """(subject, relation, object, rule family) by the first name of each end."""
    ex = extract(Document(text, "test", lang))
    return {(a.subject.names[0], a.relation, a.object.names[0], a.rule.split(":")[0]) for a in ex.assertions
            if a.subject.names and a.object.names}


def pairs(text: str, lang: str, relation: str) -> set[tuple[str, str]]:
    return {(s, o) for s, r, o, _ in relations(text, lang) if r == relation}


@pytest.mark.parametrize(
    "text,lang,expected",
    [
        # the one foundation of a money sentence gives, whatever the word order
        (("Det blev bemærket af Spar Nord Fonden, som netop har besluttet at støtte foreningen Kirkens Korshær "
         "med en donation på 250.000 kroner."), "da", {("Spar Nord Fonden", "Kirkens Korshær")}),
        # a source preposition after a money word says who gives; the receiver stands before it
        ("Gjennom Helsedirektoratet har Mental Helse fått midler til å bygge opp et nytt tilbud.", "nb",
         {("Helsedirektoratet", "Mental Helse")}),
        ("Sedan 2021 har Stockholms Stadsmission tagit emot projektmedel från Allmänna arvsfonden.", "sv",
         {("Allmänna arvsfonden", "Stockholms Stadsmission")}),
        # the passive agent counts right after a money participle
        ("Natteravnene er i år støttet af Velux Fonden.", "da", {("Velux Fonden", "Natteravnene")}),
        # "støtte fra X til Y": the receiver follows "til", not the names earlier in the clause
        (("Ugens liste omfatter et nyt partnerskab mellem Tuborgfondet og Roskilde Festival og støtte fra "
          "Hempel Fonden til en ombygning af Hempel Glasmuseum."), "da", {("Hempel Fonden", "Hempel Glasmuseum")}),
        # … unless the clause's subject receives
        ("Ungealliancen har modtaget 3 mio. kr. fra Novo Nordisk Fonden til kampagnen Sig det.", "da",
         {("Novo Nordisk Fonden", "Ungealliancen")}),
        # "et projekt fra X": whose project, not whose money; the relative clause's subject gives
        ("Vi starter hos Nordea-fonden, som støtter et nyt projekt fra Børns Vilkår med 10 millioner kroner.", "da",
         {("Nordea-fonden", "Børns Vilkår")}),
        # a foundation after "til" in a money sentence receives: no other funder, no funding
        ("Vi ser på en ny ombygning af Hempel Glasmuseum og fondspenge til Danmarks Indsamling.", "da", set()),
    ],
)
def test_funding_from_cue_words(text: str, lang: str, expected: set[tuple[str, str]]) -> None:
    assert pairs(text, lang, "funds") == expected


def test_receivers_in_a_grant_list_get_the_grant_maker_of_the_announcement() -> None:
    text = ("Sparebankstiftelsen DNB deler ut 12 millioner kroner til frivillige organisasjoner\n\n"
            "Kirkens Bymisjon får 2 millioner kroner til å utvide Natthjemmet, mens Frelsesarmeen tildeles en million.")
    got = pairs(text, "nb", "funds")
    assert ("Sparebankstiftelsen DNB", "Kirkens Bymisjon") in got
    assert ("Sparebankstiftelsen DNB", "Frelsesarmeen") in got
    assert not any(o == "Natthjemmet" for _, o in got)  # what the money is for, not who receives it


@pytest.mark.parametrize(
    "text,lang",
    [
        # a foundation that receives is not a funder ("Julemærkefonden får …")
        ("Julemærkefonden får 3 mio. kr. til et forløb for børn, der har været på Julemærkehjem Kildemose.", "da"),
        # two grant-makers and no preposition to tell who gives
        ("Egmont Fonden og Bikubenfonden vil sammen bruge midler på at styrke unges trivsel.", "da"),
        # a person's post names the organisation they work in, not a receiver
        ("– Støtten betyder meget, siger Anne Holm, direktør i Kirkens Korshær, om bevillingen fra Velux Fonden.", "da"),
        # support that is not money: no money word
        ("Røde Kors støtter op om Folkebevægelsen mod Ensomhed.", "da"),
    ],
)
def test_no_funding_where_the_words_do_not_say_who_gives(text: str, lang: str) -> None:
    got = pairs(text, lang, "funds")
    assert not any(o == "Kirkens Korshær" for _, o in got) if "direktør" in text else not got


@pytest.mark.parametrize(
    "text,lang,alliance,members",
    [
        # members listed in a sentence that has the member word, in an order no template lists
        (("Med Alliancen mod Ensomhed er foreninger som Ældre Sagen, Røde Kors, DGI og Ventilen gået sammen om at "
         "skabe nye fællesskaber."), "da", "Alliancen mod Ensomhed", {"Ældre Sagen", "Røde Kors", "DGI", "Ventilen"}),
        # the member word stands in the sentence before the list
        (("Nätverket Trygga Hem samlar idéburna aktörer. Medlemmarna är föreningar och stiftelser i hela landet. "
         "Bland dem märks Ersta diakoni, Bräcke diakoni och Stockholms Stadsmission."), "sv", "Nätverket Trygga Hem",
         {"Ersta diakoni", "Bräcke diakoni", "Stockholms Stadsmission"}),
    ],
)
def test_members_listed_near_a_member_word(text: str, lang: str, alliance: str, members: set[str]) -> None:
    got = {s for s, o in pairs(text, lang, "memberOf") if o == alliance}
    assert members <= got


def test_a_negated_member_word_lists_no_members() -> None:
    text = ("Ungealliancen for Trivsel har 14 medlemmer. Observatører: Sundhedsstyrelsen og Socialstyrelsen følger "
            "alliancens arbejde, men er ikke medlemmer.")
    assert not pairs(text, "da", "memberOf")


def test_a_quoted_name_under_a_member_question_is_the_alliance_of_the_list() -> None:
    text = ("Hvem står bag ”Sammen om Trivsel”?\n\nOrganisationerne er:\n\n• Ældre Sagen\n• Red Barnet\n"
            "• Aarhus Kommune\n")
    got = {s for s, o in pairs(text, "da", "memberOf") if o == "Sammen om Trivsel"}
    assert got == {"Ældre Sagen", "Red Barnet", "Aarhus Kommune"}


def test_an_active_money_verb_between_two_names_with_money_in_the_sentence() -> None:
    text = "OBOS har støttet Kirkens Bymisjon Oslo økonomisk i flere år."
    assert pairs(text, "nb", "funds") == {("OBOS", "Kirkens Bymisjon Oslo")}
    assert not pairs("OBOS støtter Kirkens Bymisjon Oslo i kravet om flere boliger.", "nb", "funds")
    # a brand the gazetteer does not know gives too ("OLW"), and a nationality names that country's body
    assert pairs("Samarbetet innebär att OLW stöttar Maskrosbarn ekonomiskt.", "sv", "funds") == {("OLW", "Maskrosbarn")}
    assert pairs("Fjordkraft har stöttat Norska Röda Korset med 2 miljoner kronor.", "sv", "funds") == {
        ("Fjordkraft", "Norska Röda Korset")}


def test_receivers_of_a_donation_a_company_opened_the_text_with() -> None:
    text = ("Oriolakoncernen donerade sin julgåva till två organisationer som hjälper barn. "
            "Rädda Barnen och Majblomman är de två organisationer som tog emot donationerna.")
    assert pairs(text, "sv", "funds") == {("Oriolakoncernen", "Rädda Barnen"), ("Oriolakoncernen", "Majblomman")}


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Partnere i projektet er Den Sociale Investeringsfond, Aarhus Kommune og Bikubenfonden.", "da"),
        ("Följande kommuner är med i projektet: Värmdö kommun, Haninge kommun och Solna stad.", "sv"),
    ],
)
def test_partners_of_a_project_the_text_never_names_form_an_unnamed_alliance(text: str, lang: str) -> None:
    ex = extract(Document(text, "test", lang))
    members = [a for a in ex.assertions if a.relation == "memberOf"]
    assert len(members) == 3 and all(a.object.generated for a in members)


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Bydelsklubben søkte derfor Sparebankstiftelsen SR-Bank om 18 000 kroner for å utvide tilbudet.", "nb"),
        ("For første gang mottar Stiftelsen Dam over 350 millioner kroner av Norsk Tippings overskudd.", "nb"),
    ],
)
def test_applying_for_money_and_a_genitive_state_no_funding(text: str, lang: str) -> None:
    assert not pairs(text, lang, "funds")


@pytest.mark.parametrize(
    "text,lang,member,body",
    [
        ("Stockholms Stadsmission är medlem i Sveriges Stadsmissioner.", "sv", "Stockholms Stadsmission",
         "Sveriges Stadsmissioner"),
        ("Bakom projektet ”Trygga hem i Malmö” står Röda Korset och Malmö stad.", "sv", "Malmö stad",
         "Trygga hem i Malmö"),
    ],
)
def test_membership_of_an_umbrella_body_or_a_quoted_project(text: str, lang: str, member: str, body: str) -> None:
    assert (member, body) in pairs(text, lang, "memberOf")


def test_a_list_after_blant_dem_names_members_of_the_alliance_before() -> None:
    text = ("Barnefattigdomsalliansen samler frivillige organisasjoner. Alliansen har i dag 12 medlemmer. "
            "Blant dem er Frelsesarmeen, Kirkens Bymisjon og Redd Barna.")
    got = {s for s, o in pairs(text, "nb", "memberOf") if o == "Barnefattigdomsalliansen"}
    assert {"Frelsesarmeen", "Kirkens Bymisjon", "Redd Barna"} <= got


def test_recipients_listed_near_a_recipient_word_get_the_grant_maker() -> None:
    text = ("Sparebankstiftelsen DNB deler ut 40 millioner kroner til lokale lag.\n"
            "Blant mottakerne finner vi Oslo Turnforening, Kirkens Bymisjon og Norsk Folkehjelp.")
    assert pairs(text, "nb", "funds") >= {("Sparebankstiftelsen DNB", "Kirkens Bymisjon"),
                                          ("Sparebankstiftelsen DNB", "Norsk Folkehjelp")}


@pytest.mark.parametrize(
    "text,lang",
    [
        ("Frelsesarmeen, Kirkens Bymisjon, Redd Barna og Unicef inviterer partilederne til debatt om barnefattigdom.",
         "nb"),
        ("Rädda Barnen, Stockholms Stadsmission och Majblomman kräver en nationell strategi mot barnfattigdom.", "sv"),
    ],
)
def test_three_organisations_acting_together_form_an_unnamed_alliance(text: str, lang: str) -> None:
    ex = extract(Document(text, "test", lang))
    members = [a for a in ex.assertions if a.relation == "memberOf"]
    assert len(members) >= 3 and len({a.object.key for a in members}) == 1 and not members[0].object.names


@pytest.mark.parametrize(
    "text,lang",
    [
        # money as the subject's matter: recipients, not a coalition
        ("Kirkens Korshær, Dansk Folkehjælp og Mødrehjælpen får 2 mio. kr. til julehjælp.", "da"),
        # a member word: membership of what the sentence names, read by other rules
        ("Norsk Folkehjelp, Redd Barna og Unicef Norge blir medlem av stiftelsen.", "nb"),
        # two are a pair, not a joint act of three
        ("Röda Korset och Rädda Barnen bjuder in till seminarium.", "sv"),
    ],
)
def test_no_joint_alliance_for_money_members_or_pairs(text: str, lang: str) -> None:
    ex = extract(Document(text, "test", lang))
    assert not [a for a in ex.assertions if a.rule == "memberOf:joint-subject"]
