"""The loader registry: which files are sources, which loader reads each, and how errors read."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

from alliances.loaders.document import Document
from alliances.loaders.encoding import MAX_BYTES
from alliances.loaders.registry import SUFFIXES, LoaderError, iter_sources, load, load_bytes, loaders

DATA = Path(__file__).parent / "data" / "loaders"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder as a user would have it: sources in subfolders, plus hidden and unsupported files."""
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "dybt").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    shutil.copy(DATA / "pressemeddelelse.txt", tmp_path / "b" / "nyhed.txt")
    shutil.copy(DATA / "pressemeddelelse.html", tmp_path / "a" / "side.HTML")
    shutil.copy(DATA / "nyhed.md", tmp_path / "a" / "dybt" / "nyhed.md")
    shutil.copy(DATA / "medlemmer.csv", tmp_path / "medlemmer.csv")
    shutil.copy(DATA / "alliance.yaml", tmp_path / "alliance.yml")
    (tmp_path / ".skjult.txt").write_text("Skjult fil", encoding="utf-8")
    (tmp_path / ".git" / "noter.txt").write_text("Ikke en kilde", encoding="utf-8")
    (tmp_path / "billede.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (tmp_path / "LÆSMIG").write_text("Ingen endelse", encoding="utf-8")
    return tmp_path


def test_registry_iter_sources_walks_folders_sorted_skipping_hidden_and_unsupported(corpus: Path) -> None:
    found = [p.relative_to(corpus).as_posix() for p in iter_sources([corpus])]
    assert found == ["a/dybt/nyhed.md", "a/side.HTML", "alliance.yml", "b/nyhed.txt", "medlemmer.csv"]


def test_registry_iter_sources_keeps_files_given_directly_and_each_once(corpus: Path) -> None:
    png = corpus / "billede.png"
    found = list(iter_sources([png, corpus / "b", corpus / "b" / "nyhed.txt", corpus / "missing.txt"]))
    assert found == [png, corpus / "b" / "nyhed.txt", corpus / "missing.txt"]


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("billede.png", "unsupported suffix '.png'"),
        ("LÆSMIG", "unsupported suffix '(none)'"),
        ("missing.txt", "does not exist"),
        ("b", "is a folder"),
    ],
)
def test_registry_load_refuses_what_it_cannot_read(corpus: Path, name: str, message: str) -> None:
    with pytest.raises(LoaderError) as raised:
        load(corpus / name)
    assert message in str(raised.value)
    assert raised.value.source == str(corpus / name)


@pytest.mark.parametrize(
    ("name", "check"),
    [
        ("pressemeddelelse.txt", lambda d: d.blocks[0].kind == "title"),
        ("pressemeddelelse.html", lambda d: d.metadata["content_root"] == "main"),
        ("nyhed.md", lambda d: "**" not in d.text and "](" not in d.text),
        ("medlemmer.csv", lambda d: d.metadata["format"] == "csv" and d.records),
        ("alliance.yaml", lambda d: d.metadata["format"] == "yaml" and d.records),
    ],
)
def test_registry_load_picks_the_loader_by_suffix(name: str, check) -> None:
    docs = load(DATA / name)
    assert len(docs) == 1 and isinstance(docs[0], Document)
    assert docs[0].source == str(DATA / name)
    assert check(docs[0])


def test_registry_suffix_is_case_insensitive(corpus: Path) -> None:
    (doc,) = load(corpus / "a" / "side.HTML")
    assert doc.metadata["content_root"] == "main"


def test_registry_every_suffix_has_a_loader() -> None:
    assert set(SUFFIXES.values()) == set(loaders())


def test_registry_refuses_a_file_over_the_size_limit_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "stor.txt"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: 50 MB that cost nothing to write
    with pytest.raises(LoaderError, match="50.0 MB; the limit is 20 MB"):
        load(big)


def test_registry_load_bytes_refuses_too_many_bytes() -> None:
    with pytest.raises(LoaderError, match="the limit is 20 MB"):
        load_bytes(b"a" * (MAX_BYTES + 1), "stor.txt", "text")


def test_registry_load_bytes_refuses_an_unknown_kind() -> None:
    with pytest.raises(LoaderError, match="unknown kind of source 'pdf'.*text, html, markdown, csv, yaml"):
        load_bytes(b"Hej", "rapport.pdf", "pdf")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (
            LoaderError("a.csv", 3, "the organisation cell is empty", "Fill it in"),
            "a.csv:3: the organisation cell is empty. Fill it in.",
        ),
        (LoaderError("a.txt", None, "is empty"), "a.txt: is empty."),
        (LoaderError("a.txt", 1, "is empty.", "Check it."), "a.txt:1: is empty. Check it."),
    ],
)
def test_registry_loader_error_reads_path_line_message_and_what_to_do(error: LoaderError, expected: str) -> None:
    assert str(error) == expected


def test_registry_loader_error_survives_pickling() -> None:
    error = LoaderError("a.csv", 3, "bad", "fix")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.source, copy.line, copy.message, copy.hint, str(copy)) == ("a.csv", 3, "bad", "fix", str(error))
