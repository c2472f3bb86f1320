"""The `alliances` command as a user meets it: exit codes, one-line messages, every output format.

Most tests use click's CliRunner on an on-disk store of toy.trig plus queries_extra.trig; a few run the real
console script in a subprocess. The formatter (alliances.output) is tested at the end.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from servers import STORE_KINDS, store_location

from alliances.cli import cli
from alliances.output import ELLIPSIS, csv_safe, render

DATA = Path(__file__).parent / "data"
GOLD = DATA / "gold"
ID = "https://w3id.org/alliances/id/"
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_PARTIAL, EXIT_NOT_FOUND = 0, 1, 2, 3, 4


@pytest.fixture(scope="module", params=STORE_KINDS)
def store_path(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A store with the toy documents and the extra cases (unnamed alliance, shared keys, quotes): on disk, and
    on a real SPARQL server (`oxigraph serve` on 127.0.0.1), so every test that uses it runs against both."""
    store_module = pytest.importorskip("alliances.graph.store")
    with store_location(request.param, tmp_path_factory.mktemp("cli")) as location:
        with store_module.open_store(location) as writable:
            writable.import_file(DATA / "toy.trig")
            writable.import_file(DATA / "queries_extra.trig")
        yield location


@pytest.fixture
def run(store_path: str):  # type: ignore[no-untyped-def]
    """Invoke `alliances --store <toy store> ARGS…` in-process; a wide terminal so tables keep their cells."""

    def invoke(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
        runner = CliRunner()
        return runner.invoke(cli, ["--store", str(store_path), *args], input=input, env={"COLUMNS": "200"})

    return invoke


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


# ---------------------------------------------------------------- help and version

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("command", [[], *[[c] for c in COMMANDS]], ids=["alliances", *COMMANDS])
def test_cli_help_has_an_example(command):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    assert "alliances " in result.output.split("Example:", 1)[1]


def test_cli_has_the_commands_of_the_readme():  # type: ignore[no-untyped-def]
    assert set(COMMANDS) >= {
        "ingest",
        "member-of",
        "members",
        "show",
        "sparql",
        "export",
        "evaluate",
        "stats",
        "validate",
    }


def test_cli_version():  # type: ignore[no-untyped-def]
    from alliances import __version__

    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


# ---------------------------------------------------------------- names


def test_cli_member_of_table(run):  # type: ignore[no-untyped-def]
    result = run("member-of", "Danmarks Almene Boliger")
    assert result.exit_code == EXIT_OK, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["alliance", "source", "evidence", "confidence"]
    assert "Alliancen mod Hjemløshed" in lines[2] and "corpus/da/boligalliance.txt" in lines[2]
    assert "Folkebevægelsen mod Ensomhed" in lines[3] and "Medlemmer: ↵ BL" in lines[3]


def test_cli_member_of_json(run):  # type: ignore[no-untyped-def]
    result = run("member-of", "Kirkens Korshær", "--format", "json")
    assert result.exit_code == EXIT_OK, result.output
    data = json.loads(result.output)
    assert [a["alliance"] for a in data] == ["Alliancen mod Hjemløshed", "Samarbejde: Hus Forbi + Kirkens Korshær"]
    assert [a["unnamed"] for a in data] == [False, True]
    assert set(data[0]) == {"alliance", "iri", "unnamed", "sources"}
    assert set(data[0]["sources"][0]) == {"source", "document", "evidence", "rule", "confidence"}


def test_cli_member_of_csv_one_line_per_source(run):  # type: ignore[no-untyped-def]
    result = run("member-of", "Danmarks Almene Boliger", "--format", "csv")
    assert result.exit_code == EXIT_OK, result.output
    rows = _rows(result.output)
    assert [r["alliance"] for r in rows] == ["Alliancen mod Hjemløshed", "Folkebevægelsen mod Ensomhed"]
    assert rows[1]["evidence"] == "Medlemmer:\nBL"
    assert rows[0]["iri"] == ID + "alliance/alliancen-mod-hjemloeshed"


def test_cli_csv_protects_against_formulas(run):  # type: ignore[no-untyped-def]
    result = run("members", "SUS-netværket", "--format", "csv")
    assert result.exit_code == EXIT_OK, result.output
    evidence = [r["evidence"] for r in _rows(result.output)]
    assert "'=SUS er med." in evidence


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
@pytest.mark.parametrize(
    "args",
    [
        ("member-of", "Kirkens Korshær"),
        ("members", "Alliancen mod Hjemløshed"),
        ("show", "Velux Fonden"),
        ("show", "Rikke Hansen"),
        ("stats",),
    ],
    ids=lambda a: "-".join(a),
)
def test_cli_every_listing_in_every_format(run, args, fmt):  # type: ignore[no-untyped-def]
    result = run(*args, "--format", fmt)
    assert result.exit_code == EXIT_OK, result.output
    assert result.output.strip()
    if fmt == "json":
        json.loads(result.output)
    elif fmt == "csv":
        assert _rows(result.output)


def test_cli_members_roles(run):  # type: ignore[no-untyped-def]
    result = run("members", "Folkebevægelsen mod Ensomhed", "--format", "json")
    assert result.exit_code == EXIT_OK, result.output
    assert [(m["role"], m["name"]) for m in json.loads(result.output)] == [
        ("founder", "Dansk Røde Kors"),
        ("founder", "Ældre Sagen"),
        ("member", "BL – Danmarks Almene Boliger"),
        ("member", "Frivilligcentre og Selvhjælp Danmark"),
    ]


def test_cli_show_table(run):  # type: ignore[no-untyped-def]
    result = run("show", "Velux Fonden")
    assert result.exit_code == EXIT_OK, result.output
    assert "id:org/velux-fonden" in result.output
    assert "al:Foundation" in result.output
    assert "relations:" in result.output
    assert "Velux Fonden støtter alliancen med 2 mio. kr." in result.output


@pytest.mark.parametrize(
    "command,name,suggestion",
    [
        ("member-of", "Kirkens", "Kirkens Korshær"),
        ("members", "Alliancen mod Hjemløsheden", "Alliancen mod Hjemløshed"),
        ("show", "Velux Fonde", "Velux Fonden"),
    ],
)
def test_cli_unknown_name_suggests(run, command, name, suggestion):  # type: ignore[no-untyped-def]
    result = run(command, name)
    assert result.exit_code == EXIT_NOT_FOUND, result.output
    assert f"{name!r}" in result.output
    assert f"Did you mean: {suggestion}" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", ["member-of", "show"])
def test_cli_ambiguous_name_lists_both(run, command):  # type: ignore[no-untyped-def]
    result = run(command, "BL")
    assert result.exit_code == EXIT_NOT_FOUND, result.output
    assert "'BL' could mean 2 entities" in result.output
    assert "BL – Danmarks Almene Boliger (organisation, id:org/bl)" in result.output
    assert "Brugernes Landsforening (organisation, id:org/brugernes-landsforening)" in result.output


def test_cli_ambiguous_name_settled_by_iri(run):  # type: ignore[no-untyped-def]
    result = run("member-of", "id:org/brugernes-landsforening", "--format", "json")
    assert result.exit_code == EXIT_OK, result.output
    assert json.loads(result.output) == []


@pytest.mark.parametrize(
    "name",
    [
        '<script>alert("x")</script>',
        'Foreningen "Hjem til Alle" } ; DROP ALL',
        "x' . ?s ?p ?o } #",
        ID + "org/bl> ?p ?o } #",
    ],
)
def test_cli_hostile_names_are_just_unknown(run, name):  # type: ignore[no-untyped-def]
    result = run("show", name)
    assert result.exit_code == EXIT_NOT_FOUND, result.output
    assert "Traceback" not in result.output
    assert name in result.output


def test_cli_name_with_quotes(run):  # type: ignore[no-untyped-def]
    result = run("member-of", 'Foreningen "Hjem til Alle"', "--format", "json")
    assert result.exit_code == EXIT_OK, result.output
    assert [a["alliance"] for a in json.loads(result.output)] == ["SUS-netværket"]


# ---------------------------------------------------------------- store problems


def test_cli_missing_store(tmp_path):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "nope"), "stats"])
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "no store at" in result.output
    assert "alliances ingest" in result.output


def test_cli_locked_store(tmp_path):  # type: ignore[no-untyped-def]
    store_module = pytest.importorskip("alliances.graph.store")
    source = tmp_path / "a.txt"
    source.write_text("Kirkens Korshær er med i Alliancen mod Hjemløshed.\n", encoding="utf-8")
    with store_module.open_store(tmp_path / "store"):  # another writer holds the lock
        result = CliRunner().invoke(cli, ["--store", str(tmp_path / "store"), "ingest", str(source)])
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "locked" in result.output


def test_cli_store_is_a_file(tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "file").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "file"), "stats"])
    assert result.exit_code != EXIT_OK
    assert "Traceback" not in result.output


def test_cli_store_from_environment(store_path):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["stats", "--format", "json"], env={"ALLIANCES_STORE": str(store_path)})
    assert result.exit_code == EXIT_OK, result.output
    assert {"what": "documents", "count": 3} in json.loads(result.output)


# ---------------------------------------------------------------- sparql

SELECT_FUNDS = "SELECT ?funder ?alliance WHERE { GRAPH ?g { ?funder al:funds ?alliance } }"


@pytest.mark.parametrize(
    "fmt,check",
    [
        ("table", lambda out: "id:org/velux-fonden" in out and "funder" in out),
        (
            "csv",
            lambda out: (
                _rows(out)
                == [{"funder": ID + "org/velux-fonden", "alliance": ID + "alliance/alliancen-mod-hjemloeshed"}]
            ),
        ),
        ("json", lambda out: json.loads(out)["head"]["vars"] == ["funder", "alliance"]),
        ("tsv", lambda out: out.startswith("?funder\t?alliance")),
        ("xml", lambda out: "<sparql" in out),
    ],
)
def test_cli_sparql_select_formats(run, fmt, check):  # type: ignore[no-untyped-def]
    result = run("sparql", SELECT_FUNDS, "--format", fmt)
    assert result.exit_code == EXIT_OK, result.output
    assert check(result.output), result.output


def test_cli_sparql_construct_turtle(run):  # type: ignore[no-untyped-def]
    query = "CONSTRUCT { ?s al:funds ?o } WHERE { GRAPH ?g { ?s al:funds ?o } }"
    result = run("sparql", query, "--format", "turtle")
    assert result.exit_code == EXIT_OK, result.output
    triples = list(ox.parse(result.output.encode(), format=ox.RdfFormat.TURTLE))
    assert len(triples) == 1


@pytest.mark.parametrize("fmt,expected", [("table", "true"), ("json", '"boolean":true')])
def test_cli_sparql_ask(run, fmt, expected):  # type: ignore[no-untyped-def]
    result = run("sparql", "ASK { GRAPH ?g { ?s org:memberOf ?o } }", "--format", fmt)
    assert result.exit_code == EXIT_OK, result.output
    assert expected in result.output.replace(" ", "")


def test_cli_sparql_from_file_and_stdin(run, tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "funds.rq"
    path.write_text(SELECT_FUNDS, encoding="utf-8")
    from_file = run("sparql", str(path), "--format", "csv")
    from_stdin = run("sparql", "-", "--format", "csv", input=SELECT_FUNDS)
    assert from_file.exit_code == from_stdin.exit_code == EXIT_OK, from_file.output + from_stdin.output
    assert from_file.output == from_stdin.output


@pytest.mark.parametrize(
    "query",
    ["SELECT ?x WHERE { ?x ?y }", "SELEKT * WHERE { ?s ?p ?o }", "SELECT * WHERE { ?s ?p ?o "],
)
def test_cli_sparql_malformed_one_line_with_position(run, query):  # type: ignore[no-untyped-def]
    result = run("sparql", query)
    assert result.exit_code == EXIT_USAGE, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "line 1, column" in result.output


@pytest.mark.parametrize("query", ["DROP ALL", "INSERT DATA { <urn:a> <urn:b> <urn:c> }", "CLEAR DEFAULT"])
def test_cli_sparql_refuses_updates(run, store_path, query):  # type: ignore[no-untyped-def]
    result = run("sparql", query)
    assert result.exit_code == EXIT_USAGE, result.output
    assert "updates" in result.output
    assert json.loads(run("stats", "--format", "json").output)[0] == {"what": "documents", "count": 3}


@pytest.mark.parametrize(
    "query,fmt",
    [(SELECT_FUNDS, "turtle"), ("ASK { ?s ?p ?o }", "turtle"), ("CONSTRUCT WHERE { ?s al:funds ?o }", "xml")],
)
def test_cli_sparql_format_that_does_not_fit(run, query, fmt):  # type: ignore[no-untyped-def]
    result = run("sparql", query, "--format", fmt)
    assert result.exit_code == EXIT_USAGE, result.output
    assert "--format" in result.output


def test_cli_sparql_missing_query_file(run):  # type: ignore[no-untyped-def]
    result = run("sparql", "no-such-question.rq")
    assert result.exit_code == EXIT_USAGE, result.output
    assert "no-such-question.rq" in result.output


# ---------------------------------------------------------------- export, evaluate, validate


@pytest.mark.parametrize("fmt,rdf_format", [("trig", ox.RdfFormat.TRIG), ("nquads", ox.RdfFormat.N_QUADS)])
def test_cli_export_to_file(run, tmp_path, fmt, rdf_format):  # type: ignore[no-untyped-def]
    target = tmp_path / f"graph.{fmt}"
    result = run("export", "--format", fmt, "-o", str(target))
    assert result.exit_code == EXIT_OK, result.output
    quads = list(ox.parse(path=str(target), format=rdf_format))
    assert f"Exported {len(quads)} statements" in result.output
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]


def test_cli_export_to_missing_folder(run, tmp_path):  # type: ignore[no-untyped-def]
    result = run("export", "-o", str(tmp_path / "no" / "such" / "graph.trig"))
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "Cannot write" in result.output


def test_cli_export_to_stdout(run):  # type: ignore[no-untyped-def]
    result = run("export", "--format", "nquads", "-o", "-")
    assert result.exit_code == EXIT_OK, result.output
    assert "<https://w3id.org/alliances/doc/d3>" in result.output


def test_cli_evaluate_on_store(run):  # type: ignore[no-untyped-def]
    result = run("evaluate", str(GOLD), "--format", "json")
    assert result.exit_code == EXIT_OK, result.output
    report = json.loads(result.output)
    assert set(report) >= {"memberOf", "relations", "entities", "positions"}
    assert report["foundedBy"]["P"] == 1.0


def test_cli_evaluate_table_with_errors(run, tmp_path):  # type: ignore[no-untyped-def]
    graph = tmp_path / "g.trig"
    graph.write_text((DATA / "evaluate_extra.trig").read_text(encoding="utf-8"), encoding="utf-8")
    result = run("evaluate", str(GOLD), "--graph", str(graph), "--errors")
    assert result.exit_code == EXIT_OK, result.output
    assert "relations (all)" in result.output
    assert "funds: wrong (1):" in result.output


def test_cli_evaluate_bad_gold(run, tmp_path):  # type: ignore[no-untyped-def]
    result = run("evaluate", str(tmp_path))
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "no *.gold.json files" in result.output


def test_cli_validate(run):  # type: ignore[no-untyped-def]
    pytest.importorskip("alliances.graph.validate", reason="graph/validate.py has not landed yet")
    result = run("validate")
    assert result.exit_code in (EXIT_OK, EXIT_FAILURE), result.output
    assert "Traceback" not in result.output


# ---------------------------------------------------------------- ingest


@pytest.fixture
def ingest_available() -> None:
    pytest.importorskip("alliances.graph.ingest", reason="graph/ingest.py (the lead's) has not landed yet")


def test_cli_ingest_then_ask(ingest_available, tmp_path):  # type: ignore[no-untyped-def]
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(
        "Ny alliance mod hjemløshed\n\nKirkens Korshær og Blå Kors Danmark er med i Alliancen mod Hjemløshed.\n",
        encoding="utf-8",
    )
    store = tmp_path / "store"
    result = CliRunner().invoke(cli, ["--store", str(store), "ingest", str(corpus)])
    assert result.exit_code == EXIT_OK, result.output
    assert "Read 1 files: 1 documents added" in result.output
    again = CliRunner().invoke(cli, ["--store", str(store), "ingest", str(corpus)])
    assert again.exit_code == EXIT_OK, again.output
    assert "1 unchanged" in again.output


def test_cli_ingest_skips_bad_file_exit_3(ingest_available, tmp_path):  # type: ignore[no-untyped-def]
    good = tmp_path / "good.txt"
    good.write_text("Kirkens Korshær er med i Alliancen mod Hjemløshed.\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02 not a member list \xff\xfe")
    store = tmp_path / "store"
    result = CliRunner().invoke(cli, ["--store", str(store), "ingest", str(good), str(bad)])
    assert result.exit_code == EXIT_PARTIAL, result.output
    assert "skipped" in result.output and "bad.csv" in result.output


def test_cli_ingest_strict_writes_nothing(ingest_available, tmp_path):  # type: ignore[no-untyped-def]
    good = tmp_path / "good.txt"
    good.write_text("Kirkens Korshær er med i Alliancen mod Hjemløshed.\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x00\x01\x02 not a member list \xff\xfe")
    store = tmp_path / "store"
    result = CliRunner().invoke(cli, ["--store", str(store), "ingest", "--strict", str(good), str(bad)])
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "bad.csv" in result.output
    stats = CliRunner().invoke(cli, ["--store", str(store), "stats", "--format", "json"])
    if stats.exit_code == EXIT_OK:
        assert {"what": "documents", "count": 0} in json.loads(stats.output)


def test_cli_ingest_empty_folder(ingest_available, tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "empty").mkdir()
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "store"), "ingest", str(tmp_path / "empty")])
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "No files to ingest" in result.output and ".txt" in result.output


def test_cli_ingest_bad_curation_file(ingest_available, tmp_path):  # type: ignore[no-untyped-def]
    source = tmp_path / "a.txt"
    source.write_text("Kirkens Korshær er med i Alliancen mod Hjemløshed.\n", encoding="utf-8")
    curation = tmp_path / "curation.yaml"
    curation.write_text("merge: [this is: not, a mapping\n", encoding="utf-8")
    args = ["--store", str(tmp_path / "store"), "ingest", "--curation", str(curation), str(source)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "curation.yaml" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args", [["ingest"], ["ingest", "/no/such/folder"], ["ingest", ".", "--min-confidence", "2"]])
def test_cli_ingest_usage_errors(tmp_path, args):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["--store", str(tmp_path / "store"), *args])
    assert result.exit_code == EXIT_USAGE, result.output


# ---------------------------------------------------------------- the real console script


def _script() -> list[str]:
    installed = Path(sys.executable).with_name("alliances")
    return [str(installed)] if installed.exists() else [sys.executable, "-m", "alliances.cli"]


@pytest.mark.parametrize("command", [_script(), [sys.executable, "-m", "alliances.cli"]], ids=["script", "module"])
def test_cli_console_script_answers(store_path, command):  # type: ignore[no-untyped-def]
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [*command, "--store", str(store_path), "member-of", "Kirkens Korshær", "--format", "json"],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert next(a["alliance"] for a in json.loads(done.stdout)) == "Alliancen mod Hjemløshed"


def test_cli_console_script_error_goes_to_stderr(store_path):  # type: ignore[no-untyped-def]
    done = subprocess.run(
        [*_script(), "--store", str(store_path), "show", "Ingen Sådan Forening"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == EXIT_NOT_FOUND
    assert done.stdout == ""
    assert done.stderr.strip() == "Error: No organisation, alliance or person is called 'Ingen Sådan Forening'."


def test_cli_console_script_is_installed():  # type: ignore[no-untyped-def]
    if shutil.which("alliances", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("the package is not installed into this interpreter's bin folder (make install does that)")
    done = subprocess.run([*_script(), "--help"], check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Example:" in done.stdout


# ---------------------------------------------------------------- the shared formatter


@pytest.mark.parametrize(
    "text,safe",
    [
        ('=HYPERLINK("x")', '\'=HYPERLINK("x")'),
        ("+45 12 34", "'+45 12 34"),
        ("-1", "'-1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("Kirkens Korshær", "Kirkens Korshær"),
        ("", ""),
    ],
)
def test_output_csv_safe(text, safe):  # type: ignore[no-untyped-def]
    assert csv_safe(text) == safe


def test_output_csv_keeps_numbers_as_numbers():  # type: ignore[no-untyped-def]
    assert render([{"amount": -5, "confidence": 0.9, "ok": True}], "csv") == "amount,confidence,ok\n-5,0.9,true"


def test_output_table_truncates_with_ellipsis():  # type: ignore[no-untyped-def]
    rows = [{"name": "Kirkens Korshær", "evidence": "x" * 300}]
    text = render(rows, "table", width=60)
    assert all(len(line) <= 60 for line in text.splitlines())
    assert ELLIPSIS in text
    assert "Kirkens Korshær" in text


def test_output_table_nested_rows_and_newlines():  # type: ignore[no-untyped-def]
    rows = [{"alliance": "A", "sources": [{"evidence": "one\ntwo"}, {"evidence": "three"}]}]
    lines = render(rows, "table", width=80).splitlines()
    assert lines[0].split() == ["alliance", "evidence"]
    assert lines[2].split() == ["A", "one", "↵", "two"]
    assert lines[3].split() == ["three"]


@pytest.mark.parametrize("fmt,expected", [("table", "(no results)"), ("json", "[]"), ("csv", "what,count")])
def test_output_empty(fmt, expected):  # type: ignore[no-untyped-def]
    assert render([], fmt, columns=("what", "count")) == expected


def test_output_json_keeps_nesting_and_unicode():  # type: ignore[no-untyped-def]
    rows = [{"alliance": "Ældre Sagen", "sources": [{"confidence": 0.5}]}]
    assert json.loads(render(rows, "json")) == rows
    assert "Ældre" in render(rows, "json")


def test_output_unknown_format():  # type: ignore[no-untyped-def]
    from alliances.output import FormatError

    with pytest.raises(FormatError):
        render([], "yaml")


# ---------------------------------------------------------------- the README's examples


README = Path(__file__).resolve().parents[1] / "README.md"


def _console_examples() -> list[tuple[str, str]]:
    """(command, expected output) of every ```console block in the README."""
    blocks = re.findall(r"```console\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.DOTALL)
    examples = []
    for block in blocks:
        first, _, output = block.partition("\n")
        assert first.startswith("$ alliances "), f"a console block starts with '$ alliances …': {first!r}"
        examples.append((first[2:], output.rstrip("\n")))
    return examples


@pytest.fixture(scope="module")
def toy_only_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of tests/data/toy.trig alone, as the README's examples show it."""
    store_module = pytest.importorskip("alliances.graph.store")
    location = tmp_path_factory.mktemp("readme") / "store"
    with store_module.open_store(location) as writable:
        writable.import_file(DATA / "toy.trig")
    return location


@pytest.mark.parametrize("command,expected", _console_examples(), ids=lambda x: x if x.startswith("alliances") else "")
def test_cli_readme_examples_still_hold(toy_only_store, command, expected):  # type: ignore[no-untyped-def]
    args = shlex.split(command)[1:]
    result = CliRunner().invoke(cli, args, env={"COLUMNS": "100", "ALLIANCES_STORE": str(toy_only_store)})
    if expected.startswith("Error:"):
        assert result.exit_code != EXIT_OK
    else:
        assert result.exit_code == EXIT_OK, result.output
    assert result.output.rstrip("\n") == expected
