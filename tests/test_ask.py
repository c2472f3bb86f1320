"""`ask`: questions in English, Danish, Norwegian and Swedish mapped onto the query functions, never guessed.

Parsing is tested alone (pure); answers on toy.trig, in the embedded store and on a real SPARQL server; the
questions of issue 5 on the seed texts (../shared/seeds) when they are there.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from servers import STORE_KINDS, store_location

from alliances.cli import cli
from alliances.graph import ask
from alliances.graph.ask import NotUnderstood, parse
from alliances.graph.queries import UnknownName
from alliances.graph.store import open_store

DATA = Path(__file__).parent / "data"
SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
ID = "https://w3id.org/alliances/id/"
EXIT_OK, EXIT_USAGE, EXIT_NOT_FOUND = 0, 2, 4


# ---------------------------------------------------------------- parse (pure)


@pytest.mark.parametrize(
    "question,intent,names,language",
    [
        ("which alliances does BL belong to?", "member_of", ("BL",), "en"),
        ("Which alliances is Kirkens Korshær a member of", "member_of", ("Kirkens Korshær",), "en"),
        ("hvilke alliancer er BL med i?", "member_of", ("BL",), "da"),
        ("Hvilke netværk er Ældre Sagen medlem af?", "member_of", ("Ældre Sagen",), "da"),
        ("hva er Kirkens Bymisjon med i?", "member_of", ("Kirkens Bymisjon",), "nb"),
        ("vilka allianser är Stadsmissionen med i?", "member_of", ("Stadsmissionen",), "sv"),
        ("who are the members of Alliancen mod Hjemløshed?", "members", ("Alliancen mod Hjemløshed",), "en"),
        ("hvem er med i Hjem til Alle?", "members", ("Hjem til Alle",), "da"),
        ("hvem finansierer Hjem til Alle?", "funders", ("Hjem til Alle",), "da"),
        ("who funds Hjem til Alle", "funders", ("Hjem til Alle",), "en"),
        ("hvem står bag finansieringen af Hjem til Alle?", "funders", ("Hjem til Alle",), "da"),
        ("vem finansierar Hemlösa i Sverige?", "funders", ("Hemlösa i Sverige",), "sv"),
        ("who facilitates Hjem til Alle?", "facilitators", ("Hjem til Alle",), "en"),
        (
            "hvor ligger sekretariatet for Alliancen mod Hjemløshed?",
            "facilitators",
            ("Alliancen mod Hjemløshed",),
            "da",
        ),
        ("who founded Folkebevægelsen mod Ensomhed?", "founders", ("Folkebevægelsen mod Ensomhed",), "en"),
        ("hvem står bag Folkebevægelsen mod Ensomhed?", "founders", ("Folkebevægelsen mod Ensomhed",), "da"),
        ("what do BL and KL share?", "shared", ("BL", "KL"), "en"),
        ("hvad har BL og KAB til fælles?", "shared", ("BL", "KAB"), "da"),
        ("how are BL and Velux Fonden connected?", "connected", ("BL", "Velux Fonden"), "en"),
        ("hvordan hænger Velux Fonden og Ældre Sagen sammen?", "connected", ("Velux Fonden", "Ældre Sagen"), "da"),
        ("hur hänger Röda Korset och Stadsmissionen ihop?", "connected", ("Röda Korset", "Stadsmissionen"), "sv"),
        ('which alliances does "Kirkens Korshær" belong to?', "member_of", ("Kirkens Korshær",), "en"),
        ("  which   alliances does BL belong to  ?! ", "member_of", ("BL",), "en"),
    ],
)
def test_ask_parse_maps_questions(question, intent, names, language):  # type: ignore[no-untyped-def]
    best = parse(question)[0]
    assert (best.intent, best.names, best.language) == (intent, names, language)


def test_ask_parse_offers_every_split_of_two_names():  # type: ignore[no-untyped-def]
    readings = parse("hvad har Frivilligcentre og Selvhjælp Danmark og BL til fælles?")
    assert [r.names for r in readings] == [
        ("Frivilligcentre", "Selvhjælp Danmark og BL"),
        ("Frivilligcentre og Selvhjælp Danmark", "BL"),
    ]


@pytest.mark.parametrize("intent", ask.INTENTS)
def test_ask_every_example_is_understood_as_its_intent(intent):  # type: ignore[no-untyped-def]
    spec = ask._data()["intents"][intent]
    for language, example in spec["examples"].items():
        best = parse(example)[0]
        assert best.intent == intent, (language, example)
        assert set(best.names) <= {"X", "Y"} and best.names


def test_ask_every_form_compiles():  # type: ignore[no-untyped-def]
    forms = ask._forms()
    assert {f.language for f in forms} == {"en", "da", "nb", "sv"}
    assert {f.intent for f in forms} == set(ask.INTENTS)
    for form in forms:
        assert ask._regex(form).pattern.startswith("^"), form.template


@pytest.mark.parametrize(
    "question",
    [
        "what is the weather in Aarhus?",
        "BL",
        "",
        "hvem er BL?",
        "tell me everything",
        "which alliances does  belong to?",
    ],
)
def test_ask_parse_refuses_and_lists_the_forms(question):  # type: ignore[no-untyped-def]
    with pytest.raises(NotUnderstood) as info:
        parse(question)
    listed = [what for what, _ in info.value.forms]
    assert listed[0] == "Alliances X is a member of" and len(listed) == len(ask.INTENTS)
    assert "which alliances does X belong to?" in str(info.value)
    assert "hvilke alliancer er X med i?" in str(info.value)


# ---------------------------------------------------------------- answers on toy.trig, both store kinds


@pytest.fixture(scope="module", params=STORE_KINDS)
def toy_location(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """toy.trig in the embedded store and on a real SPARQL server."""
    with store_location(request.param, tmp_path_factory.mktemp("ask")) as location:
        with open_store(location) as writable:
            writable.import_file(DATA / "toy.trig")
        yield location


@pytest.fixture
def toy(toy_location: str) -> Iterator[object]:
    with open_store(toy_location, read_only=True) as store:
        yield store


@pytest.mark.parametrize(
    "question",
    ["which alliances does Danmarks Almene Boliger belong to?", "hvilke alliancer er BL med i?", "BLs alliancer"],
)
def test_ask_member_of_with_sources(toy, question):  # type: ignore[no-untyped-def]
    result = ask.answer(toy, question)
    assert result.intent == "member_of" and result.shape == "alliances"
    assert [r["alliance"] for r in result.rows] == ["Alliancen mod Hjemløshed", "Folkebevægelsen mod Ensomhed"]
    assert result.rows[0]["sources"][0]["evidence"].startswith("BL – Danmarks Almene Boliger og Kirkens Korshær")
    assert result.rows[0]["sources"][0]["source"] == "corpus/da/boligalliance.txt"


@pytest.mark.parametrize(
    "question,names",
    [
        ("hvem finansierer Alliancen mod Hjemløshed?", ["Velux Fonden"]),
        ("who facilitates Alliancen mod Hjemløshed?", ["Rådet for Socialt Udsatte"]),
        ("hvem står bag Folkebevægelsen mod Ensomhed?", ["Dansk Røde Kors", "Ældre Sagen"]),
        (
            "hvem er med i Folkebevægelsen mod Ensomhed?",
            ["BL – Danmarks Almene Boliger", "Frivilligcentre og Selvhjælp Danmark"],
        ),
    ],
)
def test_ask_roles_with_sources(toy, question, names):  # type: ignore[no-untyped-def]
    result = ask.answer(toy, question)
    assert [r["name"] for r in result.rows] == names
    assert all(r["sources"] and r["sources"][0]["evidence"] for r in result.rows)
    assert result.note is None


def test_ask_nothing_recorded_says_so(toy):  # type: ignore[no-untyped-def]
    result = ask.answer(toy, "who funds Folkebevægelsen mod Ensomhed?")
    assert result.rows == []
    assert result.note == (
        "the store records no funder of Folkebevægelsen mod Ensomhed (it records 2 founders, 2 members)"
    )


def test_ask_shared_alliances(toy):  # type: ignore[no-untyped-def]
    result = ask.answer(toy, "what do BL and Kirkens Korshær share?")
    assert result.shape == "shared_alliances"
    assert [r["alliance"] for r in result.rows] == ["Alliancen mod Hjemløshed"]
    assert {s["of"] for s in result.rows[0]["sources"]} == {"BL – Danmarks Almene Boliger", "Kirkens Korshær"}


def test_ask_shared_members_of_two_alliances(toy):  # type: ignore[no-untyped-def]
    result = ask.answer(toy, "hvad har Alliancen mod Hjemløshed og Folkebevægelsen mod Ensomhed til fælles?")
    assert result.shape == "shared_members"
    assert [r["name"] for r in result.rows] == ["BL – Danmarks Almene Boliger"]


def test_ask_two_names_split_where_both_resolve(toy):  # type: ignore[no-untyped-def]
    result = ask.answer(toy, "hvad har Frivilligcentre og Selvhjælp Danmark og BL til fælles?")
    assert [h.label for h in result.entities] == [
        "Frivilligcentre og Selvhjælp Danmark",
        "BL – Danmarks Almene Boliger",
    ]
    assert [r["alliance"] for r in result.rows] == ["Folkebevægelsen mod Ensomhed"]


def test_ask_connected_is_a_chain_of_statements(toy):  # type: ignore[no-untyped-def]
    result = ask.answer(toy, "how are Velux Fonden and Ældre Sagen connected?")
    assert result.shape == "path"
    chain = [(r["from"], r["relation"], r["direction"], r["to"]) for r in result.rows]
    assert chain[0] == ("Velux Fonden", "funds", "->", "Alliancen mod Hjemløshed")
    assert chain[-1] == ("Folkebevægelsen mod Ensomhed", "foundedBy", "->", "Ældre Sagen")
    assert all(r["sources"][0]["evidence"] for r in result.rows)


@pytest.mark.parametrize(
    "question,suggestion",
    [
        ("who funds Alliancen mod Hjemløsheden?", "Alliancen mod Hjemløshed"),
        ("hvem står bag Folkebevægelsen?", "Folkebevægelsen mod Ensomhed"),
    ],
)
def test_ask_unknown_name_suggests(toy, question, suggestion):  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownName) as info:
        ask.answer(toy, question)
    assert suggestion in info.value.suggestions


# ---------------------------------------------------------------- the command


@pytest.fixture
def run(toy_location: str):  # type: ignore[no-untyped-def]
    def invoke(*args: str):  # type: ignore[no-untyped-def]
        return CliRunner().invoke(cli, ["--store", toy_location, "ask", *args], env={"COLUMNS": "200"})

    return invoke


def test_ask_cli_table(run):  # type: ignore[no-untyped-def]
    result = run("hvilke alliancer er Kirkens Korshær med i?")
    assert result.exit_code == EXIT_OK, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Alliances Kirkens Korshær is a member of: 1 found."
    assert lines[1].split() == ["alliance", "source", "evidence", "confidence"]
    assert "Alliancen mod Hjemløshed" in lines[3] and "corpus/da/boligalliance.txt" in lines[3]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_ask_cli_machine_formats_keep_stdout_clean(run, fmt):  # type: ignore[no-untyped-def]
    result = run("who", "funds", "Alliancen", "mod", "Hjemløshed?", "--format", fmt)
    assert result.exit_code == EXIT_OK, result.output
    out = result.stdout
    if fmt == "json":
        rows = json.loads(out)
        assert rows[0]["name"] == "Velux Fonden"
        assert rows[0]["sources"][0]["evidence"] == "Velux Fonden støtter alliancen med 2 mio. kr."
    else:
        assert out.splitlines()[0].startswith("role,name,iri,unnamed,source")
    assert "Funders of Alliancen mod Hjemløshed: 1 found." in result.stderr


def test_ask_cli_not_understood_lists_forms(run):  # type: ignore[no-untyped-def]
    result = run("what is the weather?")
    assert result.exit_code == EXIT_USAGE, result.output
    assert "Questions I understand" in result.stderr
    assert "hvem finansierer X?" in result.stderr
    assert result.stderr.strip().splitlines()[-1] == (
        "Error: Cannot map 'what is the weather?' onto one of the questions listed above."
    )
    assert result.stdout == ""


def test_ask_cli_unknown_name(run):  # type: ignore[no-untyped-def]
    result = run("which alliances does Kirkens belong to?")
    assert result.exit_code == EXIT_NOT_FOUND, result.output
    assert "Did you mean: Kirkens Korshær?" in result.output


# ---------------------------------------------------------------- issue 5's questions on the seeds


@pytest.fixture(scope="module")
def seed_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not SEEDS.is_dir():
        pytest.skip(f"the seed texts are not at {SEEDS} (../shared/seeds next to the checkout)")
    location = tmp_path_factory.mktemp("seeds") / "store"
    result = CliRunner().invoke(cli, ["--store", str(location), "ingest", str(SEEDS)])
    assert result.exit_code == EXIT_OK, result.output
    return location


def _ask_json(store: Path, question: str) -> list[dict[str, object]]:
    result = CliRunner().invoke(cli, ["--store", str(store), "ask", question, "--format", "json"])
    assert result.exit_code == EXIT_OK, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    "english,danish",
    [
        ("which alliances does BL belong to?", "hvilke alliancer er BL med i?"),
        ("who founded Hjem til Alle?", "hvem står bag Hjem til Alle?"),
        ("who funds Hjem til Alle?", "hvem finansierer Hjem til Alle?"),
    ],
)
def test_ask_seed_questions_in_english_and_danish(seed_store, english, danish):  # type: ignore[no-untyped-def]
    rows = _ask_json(seed_store, english)
    assert rows == _ask_json(seed_store, danish)
    for row in rows:
        assert row["sources"], row
        for source in row["sources"]:
            assert str(source["source"]).startswith(str(SEEDS)) and source["evidence"]


def test_ask_seed_bl_is_in_hjem_til_alle(seed_store):  # type: ignore[no-untyped-def]
    rows = _ask_json(seed_store, "which alliances does BL belong to?")
    assert any(str(r["alliance"]).startswith("Hjem til Alle") for r in rows), rows


def test_ask_seed_funders_answer_is_never_made_up(seed_store):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["--store", str(seed_store), "ask", "hvem finansierer Hjem til Alle?"])
    assert result.exit_code == EXIT_OK, result.output
    first = result.output.splitlines()[0]
    assert first.startswith("Funders of Hjem til Alle")
    if ": 0 found." in first:
        assert "the store records no funder of Hjem til Alle" in first
