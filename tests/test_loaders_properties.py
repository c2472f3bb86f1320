"""Whatever bytes arrive, a loader returns Documents or raises LoaderError, and its offsets stay inside the text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliances.loaders.document import Document
from alliances.loaders.registry import LoaderError, load_bytes

KINDS = ["text", "html", "markdown", "csv", "yaml"]

# Pieces the loaders react to, so random input reaches their parsers and not only the decoder.
# fmt: off
MARKUP = st.sampled_from(
    [
        "<p>", "</p>", "<br>", "<li>", "<ul>", "</ul>", "<table><tr><td>", "</td><td>", "<h1>", "<h2>", "</h2>",
        "<div class='cookie'>", "<main>", "<article>", "<script>", "<!--", "-->", "<a href=x><img alt='Blå Kors'></a>",
        "&amp;", "&nbsp;", "&#0;", "\u00a0", "\u00ad", "\r\n", "\n", "\t", "# ", "- ", "* ", "1. ", "> ", "```", "|",
        "---", "[Hus Forbi](https://x.dk)", "**", "_", "`", "\\", ";", ",", '"', "alliance;organisation;relation\n",
        "alliance: ", "members:\n  - ", "- alliance: ", "  organisation: ", "!!python/object ", "&a ", "*a ", "{", "[",
        "Kirkens Korshær", "medlem", "stifter", "æøå", "äö", "=SUM(1)", "\x00", "\ufeff", "\u0301",
    ]
)
# fmt: on
TEXTISH = st.lists(st.one_of(MARKUP, st.text(max_size=20)), max_size=40).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"])


def check(data: bytes, kind: str) -> None:
    try:
        docs = load_bytes(data, "fuzz", kind)
    except LoaderError as error:
        assert str(error).startswith("fuzz")
        return
    assert isinstance(docs, list) and docs
    for doc in docs:
        assert isinstance(doc, Document)
        assert "\r" not in doc.text and "\x00" not in doc.text
        for block in doc.blocks:
            assert 0 <= block.start <= block.end <= len(doc.text)
        for record in doc.records:
            assert 0 <= record.start < record.end <= len(doc.text)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2000))
def test_loaders_random_bytes_give_documents_or_loader_error(kind: str, data: bytes) -> None:
    check(data, kind)


@pytest.mark.parametrize("kind", KINDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTISH, encoding=ENCODINGS)
def test_loaders_random_markup_gives_documents_or_loader_error(kind: str, text: str, encoding: str) -> None:
    check(text.encode(encoding, errors="replace"), kind)
