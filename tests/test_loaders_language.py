"""Language detection on short sector-style sentences: Danish, Norwegian bokmål, Swedish, English."""

from __future__ import annotations

import pytest

from alliances.loaders.language import detect_language, language_from_tag


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Hus Forbi og Landsforeningen af VæreSteder indgår et langsigtet samarbejde.", "da"),
        ("Alliancen blev stiftet af Realdania, og sekretariatet ligger hos Rådet for Socialt Udsatte.", "da"),
        ("Kirkens Korshær er medlem af alliancen sammen med nogle af de største boligselskaber.", "da"),
        ("Velux Fonden støtter projektet med 2 mio. kr. over tre år.", "da"),
        ("Hvad gør vi nu for de unge uden en bolig?", "da"),
        ("Kirkens Bymisjon og Frelsesarmeen har inngått et samarbeid mot bostedsløshet.", "nb"),
        ("Alliansen ble etablert av Sparebankstiftelsen DNB etter et møte i Oslo.", "nb"),
        ("Noen av organisasjonene arbeider gjennom hele året med barn og unge.", "nb"),
        ("Stiftelsen støtter prosjektet med to millioner kroner.", "nb"),
        ("Hva gjør vi nå for de unge uten en bolig?", "nb"),
        ("Stockholms Stadsmission och Convictus samarbetar för att motverka hemlöshet.", "sv"),
        ("Allmänna arvsfonden stöder projektet med tre miljoner kronor.", "sv"),
        ("Nätverket är inte en förening utan ett samarbete mellan flera organisationer.", "sv"),
        ("The alliance is a partnership between housing associations and charities.", "en"),
        ("We are proud to support the work of our partners in Denmark.", "en"),
    ],
)
def test_language_detects_short_sentences(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize(("text", "hint", "lang"), [("", None, "da"), ("BL KAB", None, "da"), ("BL KAB", "sv", "sv")])
def test_language_without_evidence_uses_the_hint_else_danish(text: str, hint: str | None, lang: str) -> None:
    assert detect_language(text, hint=hint) == lang


def test_language_text_evidence_beats_the_hint() -> None:
    assert detect_language("Stockholms Stadsmission och Convictus samarbetar.", hint="en") == "sv"


@pytest.mark.parametrize(
    ("tag", "lang"),
    [
        ("da-DK", "da"),
        ("no", "nb"),
        ("nb_NO", "nb"),
        ("nn", "nb"),
        ("sv-SE", "sv"),
        ("en-US", "en"),
        ("de", None),
        ("", None),
    ],
)
def test_language_from_tag(tag: str, lang: str | None) -> None:
    assert language_from_tag(tag) == lang
