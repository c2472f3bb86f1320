"""Review: listing uncertain assertions from the toy store, recording decisions in the curation file, the command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from alliances.cli import cli
from alliances.graph.curation import CurationError, load_curation
from alliances.graph.review import ReviewError, record_decision, uncertain_assertions
from alliances.graph.store import Store

VELUX = ("Velux Fonden", "funds", "Alliancen mod Hjemløshed")
FOUNDER = ("Folkebevægelsen mod Ensomhed", "foundedBy", "Ældre Sagen")

CURATION = """\
# Corrections for the homelessness map — keep this comment
merge:
  "BL – Danmarks Almene Boliger": ["Boligselskabernes Landsforening"]  # same organisation

not_entities: ["Læs mere"]

reject:
  # checked with the secretariat
  - {subject: "Falck", relation: memberOf, object: "Hjem til Alle"}  # a sponsor, not a member

accept:
  - subject: KAB
    relation: memberOf
    object: Hjem til Alle
add:
  - {subject: "KAB", relation: partnerOf, object: "BL", source: "https://example.org", evidence: "Minutes"}
"""


# ---------------------------------------------------------------- listing


@pytest.mark.parametrize(("threshold", "expected"), [(0.8, 0), (0.85, 3), (0.9, 6), (1.0, 8)])
def test_review_lists_below_threshold(toy_store: Store, threshold: float, expected: int) -> None:
    items = uncertain_assertions(toy_store, threshold)
    assert len(items) == expected
    assert all(u.confidence < threshold for u in items)
    assert [u.confidence for u in items] == sorted(u.confidence for u in items)


@pytest.mark.parametrize("threshold", [0.9])
def test_review_item_carries_evidence_rule_and_source(toy_store: Store, threshold: float) -> None:
    first = uncertain_assertions(toy_store, threshold)[0]
    assert (first.subject, first.relation, first.object) == VELUX
    assert first.confidence == pytest.approx(0.8)
    assert first.rule == "funds-verb"
    assert first.evidence == "Velux Fonden støtter alliancen med 2 mio. kr."
    assert first.source == "corpus/da/boligalliance.txt"
    assert (first.start, first.end) == (161, 206)


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"relation": "foundedBy"}, {("Folkebevægelsen mod Ensomhed", "Dansk Røde Kors"), FOUNDER[::2]}),
        ({"entity": "https://w3id.org/alliances/id/org/bl"}, {("BL – Danmarks Almene Boliger",
                                                              "Folkebevægelsen mod Ensomhed")}),
        ({"source": "BOLIGALLIANCE"}, {VELUX[::2], ("Alliancen mod Hjemløshed", "Rådet for Socialt Udsatte")}),
        ({"limit": 1}, {VELUX[::2]}),
    ],
)
def test_review_filters(toy_store: Store, filters: dict, expected: set) -> None:
    items = uncertain_assertions(toy_store, 0.9, **filters)
    assert {(u.subject, u.object) for u in items} == expected


@pytest.mark.parametrize("relation", ["worksWith"])
def test_review_unknown_relation_is_refused(toy_store: Store, relation: str) -> None:
    with pytest.raises(ReviewError, match="unknown relation 'worksWith'"):
        uncertain_assertions(toy_store, 0.9, relation=relation)


@pytest.mark.parametrize("label", ["BL – Danmarks Almene Boliger"])
def test_review_records_the_name_the_document_uses(toy_store: Store, label: str) -> None:
    """d2 calls BL only "BL": that is the name the curation file must hold to match when d2 is extracted again."""
    (item,) = uncertain_assertions(toy_store, 0.9, entity="https://w3id.org/alliances/id/org/bl")
    assert item.subject == label
    assert item.subject_name == "BL"


@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_review_hides_what_the_curation_file_decides(toy_store: Store, tmp_path: Path, decision: str) -> None:
    path = tmp_path / "curation.yaml"
    record_decision(path, decision, *VELUX)
    items = uncertain_assertions(toy_store, 0.9, curation=load_curation(path))
    assert len(items) == 5
    assert VELUX not in {(u.subject, u.relation, u.object) for u in items}


# ---------------------------------------------------------------- recording decisions


@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_review_record_keeps_comments_and_entries(tmp_path: Path, decision: str) -> None:
    path = tmp_path / "curation.yaml"
    path.write_text(CURATION, encoding="utf-8")
    before = yaml.safe_load(CURATION)
    assert record_decision(path, decision, *VELUX, comment="0.80 funds-verb boligalliance.txt")
    text = path.read_text(encoding="utf-8")
    for line in CURATION.splitlines():  # nothing removed, comments included
        assert line in text.splitlines()
    after = yaml.safe_load(text)
    assert after[decision] == before[decision] + [dict(zip(("subject", "relation", "object"), VELUX))]
    assert {k: v for k, v in after.items() if k != decision} == {k: v for k, v in before.items() if k != decision}
    assert "# 0.80 funds-verb boligalliance.txt" in text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["curation.yaml"]  # no temporary file left behind


@pytest.mark.parametrize(
    "layout",
    [
        "",
        "# only a comment\n",
        "merge: {}\n",
        "accept: []\nreject: []\n",
        "accept:\nreject:\n",
        "accept:\n- {subject: A, relation: memberOf, object: B}\n",
        "accept: [{subject: A, relation: memberOf, object: B}]  # flow style\nreject: []\n",
        "accept:\n    - subject: A\n      relation: memberOf\n      object: B\n\n    # trailing comment\n",
    ],
)
@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_review_record_any_layout(tmp_path: Path, layout: str, decision: str) -> None:
    path = tmp_path / "curation.yaml"
    path.write_text(layout, encoding="utf-8")
    before = yaml.safe_load(layout) or {}
    record_decision(path, decision, "Kirkens Korshær", "memberOf", 'Alliancen "mod" Hjemløshed: 2024')
    after = yaml.safe_load(path.read_text(encoding="utf-8"))
    entry = {"subject": "Kirkens Korshær", "relation": "memberOf", "object": 'Alliancen "mod" Hjemløshed: 2024'}
    assert after[decision] == (before.get(decision) or []) + [entry]
    for key, value in before.items():
        if key != decision:
            assert (after[key] or []) == (value or [])
    cur = load_curation(path)
    triples = cur.accepted if decision == "accept" else cur.rejected
    assert ("kirkens korshær", "memberOf", "alliancen mod hjemløshed 2024") in triples


@pytest.mark.parametrize("decision", ["accept"])
def test_review_record_creates_the_file_and_skips_duplicates(tmp_path: Path, decision: str) -> None:
    path = tmp_path / "new" / "curation.yaml"
    assert record_decision(path, decision, *VELUX)
    assert not record_decision(path, decision, "velux fonden", "funds", "Alliancen mod hjemløshed")
    assert len(yaml.safe_load(path.read_text(encoding="utf-8"))[decision]) == 1


@pytest.mark.parametrize(("first", "second"), [("reject", "accept"), ("accept", "reject")])
def test_review_record_moves_between_lists(tmp_path: Path, first: str, second: str) -> None:
    path = tmp_path / "curation.yaml"
    path.write_text(CURATION, encoding="utf-8")
    record_decision(path, first, *VELUX)
    record_decision(path, second, *VELUX)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    velux = dict(zip(("subject", "relation", "object"), VELUX))
    assert velux in data[second]
    assert velux not in (data[first] or [])
    assert "# a sponsor, not a member" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize("broken", ["reject: [unclosed\n", "- just a list\n"])
def test_review_record_never_overwrites_a_broken_file(tmp_path: Path, broken: str) -> None:
    path = tmp_path / "curation.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(CurationError, match="curation.yaml"):
        record_decision(path, "accept", *VELUX)
    assert path.read_text(encoding="utf-8") == broken


@pytest.mark.parametrize(("args", "message"), [
    (("maybe", *VELUX), "unknown decision"),
    (("accept", "A", "worksWith", "B"), "unknown relation"),
    (("accept", "", "memberOf", "B"), "names of both"),
])
def test_review_record_refuses_bad_decisions(tmp_path: Path, args: tuple, message: str) -> None:
    with pytest.raises(ReviewError, match=message):
        record_decision(tmp_path / "c.yaml", *args)
    assert not (tmp_path / "c.yaml").exists()


# ---------------------------------------------------------------- the command


@pytest.fixture
def toy_store_path(toy_store: Store) -> str:
    """The toy store's folder, closed so the command can open it."""
    toy_store.close()
    return str(toy_store.location)


def _run(store: str, *args: str, input: str | None = None) -> object:
    return CliRunner().invoke(cli, ["--store", store, "review", *args], input=input)


@pytest.mark.parametrize("fmt", ["json"])
def test_review_cli_list(toy_store_path: str, fmt: str) -> None:
    result = _run(toy_store_path, "--list", "--format", fmt, "--threshold", "0.85")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["confidence"] for r in rows] == [0.8, 0.8, 0.8]
    assert {"subject", "relation", "object", "evidence", "rule", "source", "confidence"} <= set(rows[0])


@pytest.mark.parametrize("keys", ["r\ns\nx\na\nq\n"])
def test_review_cli_interactive(toy_store_path: str, tmp_path: Path, keys: str) -> None:
    path = tmp_path / "curation.yaml"
    result = _run(toy_store_path, "--curation", str(path), input=keys)
    assert result.exit_code == 0, result.output
    assert "1 of 6" in result.output and "4 of 6" in result.output and "5 of 6" not in result.output
    assert "“Velux Fonden støtter alliancen med 2 mio. kr.”" in result.output
    assert "Accepted 1, rejected 1, skipped 1 of 6" in result.output
    assert f"alliances rebuild --curation {path}" in result.output
    cur = load_curation(path)
    assert ("velux fonden", "funds", "alliancen mod hjemløshed") in cur.rejected
    assert ("folkebevægelsen mod ensomhed", "foundedBy", "ældre sagen") in cur.accepted
    again = _run(toy_store_path, "--list", "--curation", str(path), "--format", "json")
    assert len(json.loads(again.output)) == 4  # what was decided is not asked again


@pytest.mark.parametrize("keys", ["a\n"])
def test_review_cli_end_of_input_keeps_decisions(toy_store_path: str, tmp_path: Path, keys: str) -> None:
    path = tmp_path / "curation.yaml"
    result = _run(toy_store_path, "--curation", str(path), "--relation", "funds", "--limit", "3", input=keys)
    assert result.exit_code == 0, result.output
    assert "1 of 1" in result.output and "Accepted 1, rejected 0" in result.output
    assert len(load_curation(path).accepted) == 1


@pytest.mark.parametrize("args", [(), ("--apply", "--list")])
def test_review_cli_usage_errors(toy_store_path: str, args: tuple, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALLIANCES_CURATION", raising=False)
    result = _run(toy_store_path, *args)
    assert result.exit_code == 2, result.output
    assert "--curation" in result.output or "--apply" in result.output


@pytest.mark.parametrize("name", ["Nobody Such"])
def test_review_cli_unknown_entity(toy_store_path: str, name: str) -> None:
    result = _run(toy_store_path, "--list", "--entity", name)
    assert result.exit_code == 4, result.output


TEXT = """Ny alliance mod hjemløshed
Kirkens Korshær er med i Alliancen mod Hjemløshed. Alliancen faciliteres af Rådet for Socialt Udsatte.
Velux Fonden støtter alliancen med 2 mio. kr.
"""


@pytest.mark.parametrize("keys", ["r\n"])
def test_review_cli_apply_rebuilds(tmp_path: Path, keys: str) -> None:
    """Review a real ingest, reject the least confident edge, --apply: the edge is gone from the graph."""
    source = tmp_path / "alliance.txt"
    source.write_text(TEXT, encoding="utf-8")
    store, path = str(tmp_path / "store"), tmp_path / "curation.yaml"
    runner = CliRunner()
    assert runner.invoke(cli, ["--store", store, "ingest", str(source)]).exit_code == 0
    listed = json.loads(runner.invoke(cli, ["--store", store, "review", "--list", "--format", "json"]).output)
    target = listed[0]
    result = _run(store, "--curation", str(path), "--limit", "1", "--apply", input=keys)
    assert result.exit_code == 0, result.output
    assert "Rebuilt 1 documents" in result.output
    after = json.loads(runner.invoke(cli, ["--store", store, "review", "--list", "--format", "json"]).output)
    assert len(after) == len(listed) - 1
    assert target["assertion"] not in {r["assertion"] for r in after}
