"""Decoding and normalising: UTF-8 first, legacy encodings detected and reported, bad input refused clearly."""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from alliances.loaders.encoding import decode, normalize, read_text
from alliances.loaders.registry import LoaderError, load

DATA = Path(__file__).parent / "data" / "loaders"

DANISH = "Mødrehjælpen får støtte fra Velux Fonden – et løft for unge mødre på Ærø."


@pytest.mark.parametrize(
    ("data", "encoding", "noted"),
    [
        (DANISH.encode("utf-8"), "utf-8", False),
        (codecs.BOM_UTF8 + DANISH.encode("utf-8"), "utf-8-sig", False),
        (DANISH.encode("utf-16"), "utf-16", True),
        (DANISH.encode("utf-32"), "utf-32", True),
        (DANISH.encode("cp1252"), "cp1252", True),
    ],
)
def test_encoding_decodes_utf8_first_and_reports_anything_else(data: bytes, encoding: str, noted: bool) -> None:
    decoded = decode(data, "x.txt")
    assert decoded.text == DANISH
    assert decoded.encoding == encoding
    assert bool(decoded.note) == noted
    meta = decoded.metadata()
    assert meta["encoding"] == encoding
    assert ("encoding_note" in meta) == noted


def test_encoding_legacy_note_says_where_and_how_to_convert() -> None:
    text, meta = read_text("Overskrift\nBevilling til Mødrehjælpen".encode("cp1252"), "x.txt")
    assert text == "Overskrift\nBevilling til Mødrehjælpen"
    assert meta["encoding"] == "cp1252"
    assert "line 2" in meta["encoding_note"]
    assert "iconv -f cp1252 -t utf-8" in meta["encoding_note"]


@pytest.mark.parametrize(
    ("name", "encoding", "expected"),
    [
        ("cp1252.txt", "cp1252", "Mødrehjælpen får 1,5 mio. kr. til rådgivning – et løft for de unge mødre på Ærø."),
        ("bom.txt", "utf-8-sig", "Kirkens Bymisjon og Redd Barna har inngått et samarbeid"),
        ("utf16.txt", "utf-16", "Stockholms Stadsmission och Convictus samarbetar"),
    ],
)
def test_encoding_fixture_files_decode_to_their_text(name: str, encoding: str, expected: str) -> None:
    (doc,) = load(DATA / name)
    assert doc.metadata["encoding"] == encoding
    assert expected in doc.text
    assert "\ufeff" not in doc.text and "\r" not in doc.text


def test_encoding_declared_charset_is_used_when_the_bytes_are_not_utf8() -> None:
    decoded = decode("Blå Kors får støtte".encode("cp1252"), "x.html", declared="iso-8859-1")
    assert decoded.text == "Blå Kors får støtte"
    assert decoded.encoding == "cp1252"  # latin-1 labels mean cp1252, as in browsers
    assert "as the source declares" in decoded.note


def test_encoding_valid_utf8_wins_over_a_wrong_declaration() -> None:
    decoded = decode("Blå Kors får støtte".encode(), "x.html", declared="windows-1252")
    assert (decoded.text, decoded.encoding, decoded.note) == ("Blå Kors får støtte", "utf-8", "")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"   \n\t\r\n  ", "contains only whitespace"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "looks binary (NUL bytes)"),
        ("Hej".encode("utf-16-le"), "looks binary (NUL bytes)"),
        (b"\x01\x02\x03\x04\x05hej" * 40, "looks binary (mostly non-text bytes)"),
        (bytes(range(128, 256)) * 10, "could not be decoded as UTF-8 or a legacy encoding"),
    ],
)
def test_encoding_refuses_empty_binary_and_undecodable_input(data: bytes, message: str) -> None:
    with pytest.raises(LoaderError) as raised:
        decode(data, "kilde.txt")
    assert message in str(raised.value)
    assert str(raised.value).startswith("kilde.txt")


def test_encoding_undecodable_message_says_how_to_convert() -> None:
    with pytest.raises(LoaderError, match=r"(?i)convert it with iconv -f \S+ -t utf-8"):
        decode(bytes(range(128, 256)) * 10, "kilde.txt")


def test_encoding_utf16_without_bom_gets_a_hint() -> None:
    with pytest.raises(LoaderError, match="iconv -f utf-16le -t utf-8"):
        decode("Kirkens Korshær".encode("utf-16-le"), "kilde.txt")


@pytest.mark.parametrize(
    ("fixture", "message"),
    [("empty.txt", "is empty"), ("whitespace.txt", "contains only whitespace"), ("binary.txt", "looks binary")],
)
def test_encoding_fixture_files_that_are_not_text(fixture: str, message: str) -> None:
    with pytest.raises(LoaderError, match=message):
        load(DATA / fixture)


def test_encoding_a_stray_nul_in_a_long_text_is_stripped_not_fatal() -> None:
    data = ("Kirkens Korshær hjælper hjemløse i hele landet. " * 60).encode("utf-8")
    data = data[:1000] + b"\x00" + data[1000:]
    text, meta = read_text(data, "x.txt")
    assert "\x00" not in text and meta["encoding"] == "utf-8"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Hus Forbi\r\nLVS\rBL", "Hus Forbi\nLVS\nBL"),
        ("Velux\u00a0Fonden og 2\u202fmio. kr.", "Velux Fonden og 2 mio. kr."),
        ("Lands\u00adforeningen af Væresteder", "Landsforeningen af Væresteder"),
        ("Mod\x00ige\u200b unge", "Modige unge"),
        ("Re\u0301seau og Ka\u030ae", "Réseau og Kåe"),  # decomposed accents become NFC
        ("\ufeffBOM i midten\ufeff", "BOM i midten"),
        ("side 1\x0cside 2\u2028linje", "side 1\nside 2\nlinje"),
        ("tab\tbevares", "tab\tbevares"),
    ],
)
def test_encoding_normalize(raw: str, clean: str) -> None:
    assert normalize(raw) == clean
