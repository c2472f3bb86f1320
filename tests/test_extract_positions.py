"""People's posts and affiliations: sentences and board lines written for these tests in the sector's style."""

from __future__ import annotations

import pytest

from alliances.loaders.document import Document
from alliances.loaders.extract import extract


def posts(text: str, lang: str) -> set[tuple[str, str]]:
    """(person, organisation) of every position the extractor reads."""
    ex = extract(Document(text, "test", lang))
    return {(p.person.text, p.organisation.names[0]) for p in ex.positions}


@pytest.mark.parametrize(
    "text,lang,expected",
    [
        # a post after a copula, no comma ("P er R i O")
        ("Mette Lund er sekretariatsleder i Kirkens Korshær, som driver varmestuer i hele landet.", "da",
         ("Mette Lund", "Kirkens Korshær")),
        ("Kari Nordmann er assisterende generalsekretær i Kirkens Bymisjon.", "nb",
         ("Kari Nordmann", "Kirkens Bymisjon")),
        ("Anna Berg är enhetschef på Stockholms Stadsmission sedan 2019.", "sv",
         ("Anna Berg", "Stockholms Stadsmission")),
        # "P, R, O": the comma between name and post is optional in the rule file
        ("Oplægget holdes af Lars Holm, seniorforsker, Rådet for Socialt Udsatte.", "da",
         ("Lars Holm", "Rådet for Socialt Udsatte")),
        # a speaker and where they come from, no post named
        ("– Ingen barn skal gå sultne på skolen, sier Ola Hansen i Redd Barna.", "nb", ("Ola Hansen", "Redd Barna")),
        ("– Vi behöver fler bostäder, säger Eva Lind på Hyresgästföreningen.", "sv",
         ("Eva Lind", "Hyresgästföreningen")),
        # a genitive organisation right before the name
        ("– Vi må samarbeide mer, sa Kirkens Bymisjons Ola Nilsen på møtet.", "nb", ("Ola Nilsen", "Kirkens Bymisjons")),
        # the first organisation inside brackets that go on
        ("I gruppen satt Kari Holm (Stiftelsen Dam og tidligere leder av Frivillighet Norge).", "nb",
         ("Kari Holm", "Stiftelsen Dam")),
        # a role the lexicon knows ("præsident") before the organisation and the name
        ("Præsident for Dansk Røde Kors Jens Madsen glæder sig over aftalen.", "da", ("Jens Madsen", "Dansk Røde Kors")),
        # a post over a part of the organisation ("leder for inntektsavdelingen i …"), Nynorsk and Swedish posts
        ("Det sier Cecilie Dahl, leder for inntektsavdelingen i Røde Kors.", "nb", ("Cecilie Dahl", "Røde Kors")),
        ("Hilde Lie som er leiar for Kirkens SOS, er glad.", "nb", ("Hilde Lie", "Kirkens SOS")),
        ("Johanna Berg är ansvarig för näringslivskontakter på Stockholms Stadsmission.", "sv",
         ("Johanna Berg", "Stockholms Stadsmission")),
    ],
)
def test_positions_in_sentences(text: str, lang: str, expected: tuple[str, str]) -> None:
    assert expected in posts(text, lang)


def test_positions_board_lines_name_and_organisation() -> None:
    text = ("Styrelsen består av:\nMaria Ek, Rädda Barnen\nJohan Sund, Svenska kyrkan\nLisa Holm, Sensus\n")
    assert posts(text, "sv") >= {("Maria Ek", "Rädda Barnen"), ("Johan Sund", "Svenska kyrkan"),
                                 ("Lisa Holm", "Sensus")}


@pytest.mark.parametrize(
    "text,lang",
    [
        # two places in a line are not a person and an organisation
        ("Odense, Aalborg\n", "da"),
        # a speaker in a town is not employed by the town's name
        ("– Det går godt, siger Per Hansen i Odense.", "da"),
    ],
)
def test_positions_not_read(text: str, lang: str) -> None:
    assert posts(text, lang) == set()
