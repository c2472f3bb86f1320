"""The named-query library (graph/querylib.py, queries/*.rq) and the `alliances query` command.

Every query file runs on toy.trig plus querylib.trig (a later document: Hjem til Alle with its members, funders,
facilitator and founder, and an organisation whose name is HTML); the expected answers are checkable by eye from
the two files.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from alliances.cli import cli
from alliances.graph import querylib
from alliances.graph.queries import AmbiguousName, UnknownName
from alliances.graph.querylib import ParameterError, QueryFileError, UnknownQuery
from alliances.graph.store import Store, open_store

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/alliances/id/"
ORG = "http://www.w3.org/ns/org#"
AL = "https://w3id.org/alliances/ontology#"
BL, KK, HTA = ID + "org/bl", ID + "org/kirkens-korshaer", ID + "alliance/hjem-til-alle-alliancen"
AMH, FME = ID + "alliance/alliancen-mod-hjemloeshed", ID + "alliance/folkebevaegelsen-mod-ensomhed"
HOSTILE = ID + "org/hostile"
EXIT_OK, EXIT_USAGE, EXIT_NOT_FOUND = 0, 2, 4


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = tmp_path_factory.mktemp("querylib") / "store"
    with open_store(location) as writable:
        writable.import_file(DATA / "toy.trig")
        writable.import_file(DATA / "querylib.trig")
    return location


@pytest.fixture(scope="module")
def store(store_path: Path) -> Iterator[Store]:
    with open_store(store_path, read_only=True) as read_only:
        yield read_only


def _rows(store: Store, name: str, params: dict[str, str], columns: tuple[str, ...]) -> list[tuple[Any, ...]]:
    result = querylib.run(store, name, params)
    return [tuple(row[c] for c in columns) for row in result.rows]


# ---------------------------------------------------------------- every query file, with its expected answer

EXPECTED: list[tuple[str, dict[str, str], tuple[str, ...], list[tuple[Any, ...]]]] = [
    (
        "membership-matrix",
        {},
        ("organisation", "alliance", "documents"),
        [
            (HOSTILE, HTA, 1),
            (BL, AMH, 2),
            (BL, FME, 1),
            (BL, HTA, 1),
            (ID + "org/frivilligcentre-og-selvhjaelp-danmark", FME, 1),
            (KK, AMH, 1),
            (KK, HTA, 1),
        ],
    ),
    (
        "membership-matrix",
        {"minConfidence": "0.85"},  # drops the hostile member (0.4) and BL's second statement (0.7)
        ("organisation", "alliance", "documents"),
        [(BL, AMH, 1), (BL, FME, 1), (BL, HTA, 1), (ID + "org/frivilligcentre-og-selvhjaelp-danmark", FME, 1),
         (KK, AMH, 1), (KK, HTA, 1)],
    ),
    ("members-of", {"alliance": "Hjem til Alle"}, ("member", "documents"), [(HOSTILE, 1), (BL, 1), (KK, 1)]),
    ("alliances-of", {"organisation": "BL"}, ("alliance", "documents"), [(AMH, 2), (FME, 1), (HTA, 1)]),
    (
        "funders-of",
        {"organisation": "Hjem til Alle"},
        ("funderLabel", "amount", "currency"),
        [("Realdania", 5_000_000.0, "DKK"), ("Velux Fonden", 10_000_000.0, "DKK")],
    ),
    (
        "funding-totals",
        {},
        ("funderLabel", "currency", "total", "grants", "recipients"),
        [
            ("Velux Fonden", "DKK", 12_000_000.0, 2, 2),
            ("Realdania", "DKK", 5_000_000.0, 1, 1),
            ("Sparebankstiftelsen DNB", "NOK", 1_000_000.0, 1, 1),
        ],
    ),
    ("funding-totals", {"funder": "Realdania"}, ("funderLabel", "total"), [("Realdania", 5_000_000.0)]),
    (
        "facilitators",
        {},
        ("allianceLabel", "facilitatorLabel"),
        [("Alliancen mod Hjemløshed", "Rådet for Socialt Udsatte"), ("Hjem til Alle-alliancen", "Rådet for Socialt Udsatte")],
    ),
    ("facilitators", {"alliance": "Hjem til Alle"}, ("facilitatorLabel",), [("Rådet for Socialt Udsatte",)]),
    (
        "founders",
        {},
        ("allianceLabel", "founderLabel"),
        [
            ("Folkebevægelsen mod Ensomhed", "Dansk Røde Kors"),
            ("Folkebevægelsen mod Ensomhed", "Ældre Sagen"),
            ("Hjem til Alle-alliancen", "Realdania"),
        ],
    ),
    ("organisations-in-alliances", {}, ("organisation", "alliances"), [(BL, 3), (KK, 2)]),
    ("organisations-in-alliances", {"min": "3"}, ("organisation", "alliances"), [(BL, 3)]),
    ("alliance-pairs", {}, ("alliance1", "alliance2", "shared"), [(AMH, HTA, 2), (AMH, FME, 1), (FME, HTA, 1)]),
    ("alliance-pairs", {"min": "2"}, ("alliance1", "alliance2", "shared"), [(AMH, HTA, 2)]),
    (
        "edge-evidence",
        {"subject": "BL", "object": "Alliancen mod Hjemløshed", "relation": "memberOf"},
        ("source", "start", "rule"),
        [("corpus/da/boligalliance.txt", 27, "member-verb"), ("corpus/da/hjem-til-alle.txt", 91, "member-verb")],
    ),
    ("edge-evidence", {"subject": "BL", "object": "Alliancen mod Hjemløshed", "relation": "funds"}, ("source",), []),
    (
        "changes-between",
        {"since": "2026-11-30", "until": "2026-12-31T00:00:00+01:00"},
        ("relation", "subject", "object", "new"),
        [
            (ORG + "memberOf", HOSTILE, HTA, True),
            (ORG + "memberOf", BL, AMH, False),  # known from the first document: new evidence, not a new edge
            (ORG + "memberOf", BL, HTA, True),
            (ORG + "memberOf", KK, HTA, True),
            (AL + "facilitatedBy", HTA, ID + "org/raadet-for-socialt-udsatte", True),
            (AL + "foundedBy", HTA, ID + "org/realdania", True),
            (AL + "funds", ID + "org/realdania", HTA, True),
            (AL + "funds", ID + "org/sparebankstiftelsen-dnb", FME, True),
            (AL + "funds", ID + "org/velux-fonden", HTA, True),
        ],
    ),
    ("changes-between", {"since": "2026-12-01T09:00:00Z"}, ("subject",), []),
    ("member_of", {"org": "Kirkens Korshær"}, ("alliance",), [(AMH,), (HTA,)]),
    ("members", {"alliance": "Folkebevægelsen mod Ensomhed"}, ("role", "entity"),
     [("founder", ID + "org/dansk-roede-kors"), ("founder", ID + "org/aeldre-sagen"),
      ("funder", ID + "org/sparebankstiftelsen-dnb"), ("member", BL),
      ("member", ID + "org/frivilligcentre-og-selvhjaelp-danmark")]),
    ("entity_labels", {"entity": "Realdania"}, ("value",),
     [(ORG + "Organization",), (AL + "Foundation",), ("Realdania",), ("Realdania",), ("realdania",)]),
    ("entity_positions", {"entity": "Rikke Hansen"}, ("role",), [("formand",)]),
    ("entity_relations", {"entity": "Realdania"}, ("direction", "predicate", "other"),
     [("out", AL + "funds", HTA), ("in", AL + "foundedBy", HTA)]),
]


@pytest.mark.parametrize(
    "name,params,columns,expected", EXPECTED, ids=[f"{e[0]}-{'-'.join(e[1])}" for e in EXPECTED]
)
def test_querylib_query_answers_fixture(store, name, params, columns, expected):  # type: ignore[no-untyped-def]
    assert _rows(store, name, params, columns) == expected


def test_querylib_every_query_file_has_an_expected_answer() -> None:
    tested = {name.replace("_", "-") for name, *_ in EXPECTED}
    assert {q.name.replace("_", "-") for q in querylib.list_queries()} <= tested


@pytest.mark.parametrize("query", querylib.list_queries(), ids=lambda q: q.name)
def test_querylib_headers_say_what_and_which_parameters(query: querylib.NamedQuery) -> None:
    assert query.title.endswith(("?", ".")) or len(query.title) > 20
    assert query.description, "a paragraph after the parameters says what one row is"
    assert query.form == "SELECT"
    for p in query.parameters:
        assert p.type in querylib.PARAMETER_TYPES
        assert p.description


@pytest.mark.parametrize("query", querylib.list_queries(), ids=lambda q: q.name)
def test_querylib_text_with_prefixes_runs_anywhere(query: querylib.NamedQuery) -> None:
    """Unbound, with its prefixes written out, every file is a valid query for any SPARQL store."""
    text = querylib.with_prefixes(query.text)
    assert isinstance(ox.Store().query(text), ox.QuerySolutions)  # no default prefixes given here


# ---------------------------------------------------------------- binding


@pytest.mark.parametrize(
    "value",
    ['"} ; DROP ALL ; { "', "<script>alert(1)</script>", "back\\slash \"quote\" 'single'\nnew line", "ø æ å"],
)
def test_querylib_values_are_bound_as_terms_not_text(store, tmp_path, value):  # type: ignore[no-untyped-def]
    path = tmp_path / "echo.rq"
    path.write_text(
        "# echo.rq — Echo one string back.\n#\n# Parameters:\n#   ?text  string  any text\n#\n# One row.\n"
        "SELECT ?text ?length WHERE { BIND (STRLEN(?text) AS ?length) }\n",
        encoding="utf-8",
    )
    [row] = querylib.run(store, path, {"text": value}).rows
    assert row == {"text": value, "length": len(value)}


@pytest.mark.parametrize(
    "params,message",
    [
        ({}, "needs organisation"),
        ({"organisation": "BL", "colour": "red"}, "no parameter 'colour'"),
    ],
)
def test_querylib_parameter_errors(store, params, message):  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match=message):
        querylib.run(store, "funders-of", params)


@pytest.mark.parametrize(
    "name,params,message",
    [
        ("organisations-in-alliances", {"min": "two"}, "whole number"),
        ("membership-matrix", {"minConfidence": "high"}, "number"),
        ("changes-between", {"since": "2026-11-30T10:00"}, "time zone"),
        ("changes-between", {"since": "yesterday"}, "ISO 8601"),
        ("edge-evidence", {"subject": "BL", "object": "Velux Fonden", "relation": "likes"}, "not an IRI"),
    ],
)
def test_querylib_values_that_do_not_fit_their_type(store, name, params, message):  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError, match=message):
        querylib.run(store, name, params)


@pytest.mark.parametrize("name,error", [("Nobody Known", UnknownName), ("SUS", UnknownName)])
def test_querylib_names_resolve_like_other_commands(store, name, error):  # type: ignore[no-untyped-def]
    with pytest.raises((UnknownName, AmbiguousName)):
        querylib.run(store, "funders-of", {"organisation": name})


@pytest.mark.parametrize("name,suggestion", [("funder-of", "funders-of"), ("founder", "founders")])
def test_querylib_unknown_query_suggests(name: str, suggestion: str) -> None:
    with pytest.raises(UnknownQuery) as info:
        querylib.load(name)
    assert suggestion in info.value.suggestions


@pytest.mark.parametrize("name", ["membership-matrix", "membership_matrix", "membership-matrix.rq", "MEMBERSHIP-matrix"])
def test_querylib_load_by_name(name: str) -> None:
    assert querylib.load(name).name == "membership-matrix"


@pytest.mark.parametrize(
    "text,message",
    [
        ("SELECT * WHERE { ?s ?p ?o }", ":1: the first line"),
        ("# x.rq — X?\n#\n# Parameters:\n#   ?a  colour  what\n#\n# Rows.\nSELECT ?a WHERE { ?a ?b ?c }", ":4: unknown parameter type"),
        ("# x.rq — X?\n#\n# Parameters:\n#   ?b  string  what\n#\n# Rows.\nSELECT ?a WHERE { ?a ?c ?d }", "does not use it"),
        ("# x.rq — X?\n#\n# Parameters:\n#   b  string  what\n#\n# Rows.\nSELECT ?b WHERE { ?a ?b ?c }", ":4: expected"),
    ],
)
def test_querylib_malformed_headers_say_where(text: str, message: str) -> None:
    with pytest.raises(QueryFileError, match=message):
        querylib.parse(text, "x", "x.rq")


@pytest.mark.parametrize(
    "text,declared",
    [
        ("SELECT ?s WHERE { ?s org:memberOf ?o ; skos:prefLabel ?l }", ["org", "skos"]),
        ("PREFIX org: <http://www.w3.org/ns/org#>\nSELECT ?s WHERE { ?s org:memberOf ?o }", ["org"]),
        ('SELECT ?s WHERE { ?s ?p "al:not-a-prefix" } # foaf:comment', []),
    ],
)
def test_querylib_with_prefixes_declares_what_is_used(text: str, declared: list[str]) -> None:
    out = querylib.with_prefixes(text)
    assert sorted(line.split()[1][:-1] for line in out.splitlines() if line.startswith("PREFIX")) == declared
    ox.Store().query(out)


# ---------------------------------------------------------------- the command


@pytest.fixture
def run(store_path: Path):  # type: ignore[no-untyped-def]
    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, ["--store", str(store_path), *args], env={"COLUMNS": "200"})

    return invoke


def test_querylib_cli_funders_of_csv(run) -> None:  # type: ignore[no-untyped-def]
    result = run("query", "funders-of", "--param", "organisation=Hjem til Alle", "--format", "csv")
    assert result.exit_code == EXIT_OK, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["funderLabel"], r["amount"], r["currency"]) for r in rows] == [
        ("Realdania", "5000000.0", "DKK"),
        ("Velux Fonden", "10000000.0", "DKK"),
    ]


@pytest.mark.parametrize("fmt,check", [
    ("json", lambda out: len(json.loads(out)["results"]["bindings"]) == 2),
    ("tsv", lambda out: out.startswith("?organisation\t?organisationLabel\t?alliances")),
    ("xml", lambda out: "<sparql" in out),
    ("table", lambda out: "id:org/bl" in out and "3" in out),
])
def test_querylib_cli_formats(run, fmt, check) -> None:  # type: ignore[no-untyped-def]
    result = run("query", "organisations-in-alliances", "-p", "min=2", "--format", fmt)
    assert result.exit_code == EXIT_OK, result.output
    assert check(result.output), result.output


def test_querylib_cli_list(run) -> None:  # type: ignore[no-untyped-def]
    result = run("query", "--list", "--format", "json")
    assert result.exit_code == EXIT_OK, result.output
    listed = {row["name"]: row for row in json.loads(result.output)}
    assert listed["funders-of"]["parameters"] == "organisation=entity"
    assert listed["changes-between"]["parameters"] == "since=datetime until?=datetime"


def test_querylib_cli_text_is_a_complete_query(run, store) -> None:  # type: ignore[no-untyped-def]
    result = run("query", "members-of", "-p", "alliance=Hjem til Alle", "--text")
    assert result.exit_code == EXIT_OK, result.output
    assert "PREFIX org:" in result.output and HTA in result.output
    assert len(store.sparql(result.output).rows) == 3


@pytest.mark.parametrize(
    "args,code,message",
    [
        (("query", "no-such-question"), EXIT_NOT_FOUND, "No named query"),
        (("query", "funders-of"), EXIT_USAGE, "needs organisation"),
        (("query", "funders-of", "-p", "organisation"), EXIT_USAGE, "NAME=VALUE"),
        (("query", "funders-of", "-p", "organisation=Nobody Known"), EXIT_NOT_FOUND, "Nobody Known"),
        (("query", "alliance-pairs", "-p", "min=many"), EXIT_USAGE, "whole number"),
        (("query", "alliance-pairs", "--format", "turtle"), EXIT_USAGE, "--format"),
        (("query",), EXIT_USAGE, "Name a query"),
    ],
)
def test_querylib_cli_errors(run, args, code, message) -> None:  # type: ignore[no-untyped-def]
    result = run(*args)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_querylib_console_script_runs_a_query_file(store_path: Path) -> None:
    """As a user would: the issue's `alliances sparql queries/membership-matrix.rq --format csv`."""
    script = Path(sys.executable).with_name("alliances")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "alliances.cli"]
    done = subprocess.run(
        [*command, "--store", str(store_path), "sparql", "queries/membership-matrix.rq", "--format", "csv"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == EXIT_OK, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 7
    assert {"organisation", "alliance", "documents", "confidence"} <= set(rows[0])
