"""The questions the CLI asks, on toy.trig plus queries_extra.trig: names resolved, answers with their sources."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from alliances.graph import queries
from alliances.graph.queries import AmbiguousName, UnknownName

DATA = Path(__file__).parent / "data"
QUERY_DIR = Path(queries.__file__).resolve().parents[1] / "queries"
ID = "https://w3id.org/alliances/id/"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """An on-disk store with the toy documents and the extra cases (unnamed alliance, shared keys, quotes)."""
    store_module = pytest.importorskip("alliances.graph.store")
    location = tmp_path_factory.mktemp("queries") / "store"
    with store_module.open_store(location) as writable:
        writable.import_file(DATA / "toy.trig")
        writable.import_file(DATA / "queries_extra.trig")
    with store_module.open_store(location, read_only=True) as read_only:
        yield read_only


# ---------------------------------------------------------------- names


@pytest.mark.parametrize(
    "name,iri",
    [
        ("Danmarks Almene Boliger", ID + "org/bl"),
        ("bl – danmarks almene boliger", ID + "org/bl"),
        ("BL-Danmarks Almene Boliger", ID + "org/bl"),
        ("  Kirkens   Korshær ", ID + "org/kirkens-korshaer"),
        ("Rikke Hansen", ID + "person/rikke-hansen"),
        ('Foreningen "Hjem til Alle"', ID + "org/foreningen-hjem-til-alle"),
        ("Foreningen 'Hjem til Alle'", ID + "org/foreningen-hjem-til-alle"),
        ("Foreningen »Hjem til Alle«", ID + "org/foreningen-hjem-til-alle"),
        (ID + "org/velux-fonden", ID + "org/velux-fonden"),
        ("id:alliance/alliancen-mod-hjemloeshed", ID + "alliance/alliancen-mod-hjemloeshed"),
    ],
)
def test_queries_resolve_finds_one_entity(store, name, iri):  # type: ignore[no-untyped-def]
    assert queries.resolve(store, name).iri == iri


@pytest.mark.parametrize(
    "name,kind,iri",
    [
        ("SUS", "Organisation", ID + "org/sus"),
        ("SUS", "Alliance", ID + "alliance/sus-netvaerket"),
    ],
)
def test_queries_resolve_prefers_the_kind_asked_for(store, name, kind, iri):  # type: ignore[no-untyped-def]
    assert queries.resolve(store, name, kind=kind).iri == iri


@pytest.mark.parametrize(
    "name,kind,labels",
    [
        ("BL", None, ["BL – Danmarks Almene Boliger", "Brugernes Landsforening"]),
        ("BL", "Organisation", ["BL – Danmarks Almene Boliger", "Brugernes Landsforening"]),
        ("sus", None, ["SUS-netværket", "SUS"]),
    ],
)
def test_queries_resolve_ambiguous_lists_candidates(store, name, kind, labels):  # type: ignore[no-untyped-def]
    with pytest.raises(AmbiguousName) as info:
        queries.resolve(store, name, kind=kind)
    assert [c.label for c in info.value.candidates] == labels
    assert info.value.name == name


@pytest.mark.parametrize(
    "name,suggestion",
    [
        ("Kirkens", "Kirkens Korshær"),  # the start of a name
        ("Korshær", "Kirkens Korshær"),  # a whole word of it
        ("Velux Fonde", "Velux Fonden"),  # a misspelling
        ("KK", "Kirkens Korshær"),  # an acronym
        ("RSU", "Rådet for Socialt Udsatte"),  # an acronym without the small words
        ("Folkebevægelsen mod ensomheden", "Folkebevægelsen mod Ensomhed"),
    ],
)
def test_queries_unknown_name_suggests(store, name, suggestion):  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownName) as info:
        queries.resolve(store, name)
    assert suggestion in info.value.suggestions
    assert len(info.value.suggestions) <= queries.MAX_SUGGESTIONS


@pytest.mark.parametrize(
    "name",
    [
        "Ingen Sådan Forening",
        "",
        "   ",
        "<script>alert(1)</script>",
        'x" } ; DROP ALL ; #',
        "x' . ?s ?p ?o } #",
        ID + "org/bl> ?p ?o } #",
        ID + "org/does-not-exist",
        "id:org/bl {",
        "Robert'); DROP TABLE organisations;--",
    ],
)
def test_queries_hostile_or_unknown_names_are_unknown(store, name):  # type: ignore[no-untyped-def]
    with pytest.raises(UnknownName) as info:
        queries.resolve(store, name)
    assert info.value.name == name


# ---------------------------------------------------------------- questions


def test_queries_member_of_gives_alliances_with_sources(store):  # type: ignore[no-untyped-def]
    result = queries.member_of(store, "Danmarks Almene Boliger")
    assert [r["alliance"] for r in result] == ["Alliancen mod Hjemløshed", "Folkebevægelsen mod Ensomhed"]
    first = result[0]
    assert first["iri"] == ID + "alliance/alliancen-mod-hjemloeshed"
    assert first["unnamed"] is False
    assert first["sources"] == [
        {
            "source": "corpus/da/boligalliance.txt",
            "document": "https://w3id.org/alliances/doc/d1",
            "evidence": "BL – Danmarks Almene Boliger og Kirkens Korshær er med i Alliancen mod Hjemløshed.",
            "rule": "member-verb",
            "confidence": 0.9,
        }
    ]
    assert result[1]["sources"][0]["evidence"] == "Medlemmer:\nBL"


def test_queries_member_of_shows_generated_name_of_unnamed_alliance(store):  # type: ignore[no-untyped-def]
    result = {r["alliance"]: r for r in queries.member_of(store, "Hus Forbi")}
    assert list(result) == ["Samarbejde: Hus Forbi + Kirkens Korshær"]
    assert result["Samarbejde: Hus Forbi + Kirkens Korshær"]["unnamed"] is True


@pytest.mark.parametrize(
    "name,alliances",
    [
        ("Kirkens Korshær", ["Alliancen mod Hjemløshed", "Samarbejde: Hus Forbi + Kirkens Korshær"]),
        ("SUS", ["SUS-netværket"]),  # the organisation SUS, not the alliance that shares its key
        ("Velux Fonden", []),  # funds an alliance, is a member of none
    ],
)
def test_queries_member_of(store, name, alliances):  # type: ignore[no-untyped-def]
    assert [r["alliance"] for r in queries.member_of(store, name)] == alliances


@pytest.mark.parametrize(
    "alliance,expected",
    [
        (
            "Alliancen mod Hjemløshed",
            [
                ("facilitator", "Rådet for Socialt Udsatte"),
                ("funder", "Velux Fonden"),
                ("member", "BL – Danmarks Almene Boliger"),
                ("member", "Kirkens Korshær"),
            ],
        ),
        (
            "Folkebevægelsen mod Ensomhed",
            [
                ("founder", "Dansk Røde Kors"),
                ("founder", "Ældre Sagen"),
                ("member", "BL – Danmarks Almene Boliger"),
                ("member", "Frivilligcentre og Selvhjælp Danmark"),
            ],
        ),
        ("SUS", [("member", 'Foreningen "Hjem til Alle"'), ("member", "SUS")]),  # the alliance SUS-netværket
    ],
)
def test_queries_members_with_roles(store, alliance, expected):  # type: ignore[no-untyped-def]
    result = queries.members(store, alliance)
    assert [(r["role"], r["name"]) for r in result] == expected
    assert all(r["sources"] and r["sources"][0]["evidence"] for r in result)


def test_queries_show_funder_with_amount(store):  # type: ignore[no-untyped-def]
    entity = queries.show(store, "Velux Fonden")
    assert entity["iri"] == ID + "org/velux-fonden"
    assert entity["kind"] == "Organisation"
    assert "https://w3id.org/alliances/ontology#Foundation" in entity["types"]
    [relation] = entity["relations"]
    assert relation["direction"] == "out"
    assert relation["relation"] == "funds"
    assert relation["other"] == "Alliancen mod Hjemløshed"
    assert (relation["amount"], relation["currency"]) == (2000000.0, "DKK")
    assert relation["evidence"] == "Velux Fonden støtter alliancen med 2 mio. kr."


def test_queries_show_alliance_relations_in_and_out(store):  # type: ignore[no-untyped-def]
    entity = queries.show(store, "Alliancen mod Hjemløshed")
    assert entity["kind"] == "Alliance"
    edges = sorted((r["direction"], r["relation"], r["other"]) for r in entity["relations"])
    assert edges == [
        ("in", "funds", "Velux Fonden"),
        ("in", "memberOf", "BL – Danmarks Almene Boliger"),
        ("in", "memberOf", "Kirkens Korshær"),
        ("out", "facilitatedBy", "Rådet for Socialt Udsatte"),
    ]


@pytest.mark.parametrize("name", ["Rikke Hansen", "Kirkens Korshær"])
def test_queries_show_positions_from_either_side(store, name):  # type: ignore[no-untyped-def]
    [position] = queries.show(store, name)["positions"]
    assert (position["person"], position["organisation"], position["role"]) == (
        "Rikke Hansen",
        "Kirkens Korshær",
        "formand",
    )
    assert position["evidence"] == "Rikke Hansen, formand for Kirkens Korshær"


def test_queries_show_labels(store):  # type: ignore[no-untyped-def]
    entity = queries.show(store, "BL – Danmarks Almene Boliger")
    assert entity["label"] == "BL – Danmarks Almene Boliger"
    assert entity["alt_labels"] == ["BL", "Danmarks Almene Boliger"]
    assert entity["generated_name"] is None


def test_queries_show_unnamed_alliance(store):  # type: ignore[no-untyped-def]
    entity = queries.show(store, "id:alliance/samarbejde-hus-forbi-kirkens-korshaer")
    assert entity["generated_name"] == "Samarbejde: Hus Forbi + Kirkens Korshær"
    assert entity["kind"] == "Alliance"
    assert sorted(r["other"] for r in entity["relations"]) == ["Hus Forbi", "Kirkens Korshær"]


def test_queries_stats_rows(store):  # type: ignore[no-untyped-def]
    rows = {r["what"]: r["count"] for r in queries.stats(store)}
    assert rows["documents"] == 3


# ---------------------------------------------------------------- the named query files


@pytest.mark.parametrize("path", sorted(QUERY_DIR.glob("*.rq")), ids=lambda p: p.name)
def test_queries_files_say_what_and_which_parameters(path):  # type: ignore[no-untyped-def]
    text = path.read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert header and header[0].startswith(f"# {path.name} — "), "first line: '# name.rq — what it answers'"
    assert any("Parameters" in line for line in header)
    parameters = re.findall(r"^#\s+\?(\w+)", text, flags=re.MULTILINE)
    assert parameters, "each parameter listed as '#   ?name  meaning'"
    for name in parameters:
        assert f"?{name}" in text.split("SELECT", 1)[1]


@pytest.mark.parametrize("path", sorted(QUERY_DIR.glob("*.rq")), ids=lambda p: p.name)
def test_queries_files_run_with_bindings(store, path):  # type: ignore[no-untyped-def]
    from rdflib import URIRef

    parameter = re.findall(r"^#\s+\?(\w+)", path.read_text(encoding="utf-8"), flags=re.MULTILINE)[0]
    rows = store.select(queries.query_text(path.stem), {parameter: URIRef(ID + "org/kirkens-korshaer")})
    assert isinstance(rows, list)
