"""The gold scorer: its rules on a graph checkable by eye, and agreement with the shared reference scorer."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pyoxigraph as ox
import pytest

from alliances.graph.evaluate import (
    EvaluationError,
    evaluate_file,
    evaluate_store,
    load_gold,
    read_graph_file,
)

DATA = Path(__file__).parent / "data"
GOLD = DATA / "gold"
SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE_SCORER = SHARED / "tools" / "score.py"


@pytest.fixture(scope="module")
def graph_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """toy.trig (documents d1, d2) and evaluate_extra.trig (d3, the special cases) in one TriG file."""
    path = tmp_path_factory.mktemp("evaluate") / "graph.trig"
    path.write_text(
        (DATA / "toy.trig").read_text(encoding="utf-8")
        + "\n"
        + (DATA / "evaluate_extra.trig").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def report(graph_file: Path):  # type: ignore[no-untyped-def]
    return evaluate_file(graph_file, [GOLD])


@pytest.mark.parametrize(
    "relation,precision,recall,predicted,gold",
    [
        ("memberOf", 1.0, 7 / 8, 7, 8),  # the unnamed network's members count; Kirkens Korshær's is missed
        ("partnerOf", 1.0, 1.0, 2, 2),  # the unnamed two-member alliance, and a partnerOf stated the other way
        ("partOf", 1.0, 1.0, 1, 1),  # through the inverse org:hasSubOrganization
        ("funds", 0.5, 1.0, 2, 1),
        ("facilitatedBy", 1.0, 1.0, 1, 1),
        ("foundedBy", 1.0, 1.0, 2, 2),
    ],
)
def test_evaluate_relation_scores(report, relation, precision, recall, predicted, gold):  # type: ignore[no-untyped-def]
    score = report.per_relation[relation]
    assert (score.predicted, score.gold) == (predicted, gold)
    assert score.precision == pytest.approx(precision)
    assert score.recall == pytest.approx(recall)


@pytest.mark.parametrize(
    "relation,fp,fn",
    [
        ("funds", ["red barnet funds mødrehjælpen"], []),
        ("memberOf", [], ["kirkens korshær memberOf <unnamed#18>"]),
        ("partnerOf", [], []),
    ],
)
def test_evaluate_names_wrong_and_missed(report, relation, fp, fn):  # type: ignore[no-untyped-def]
    assert report.per_relation[relation].fp == fp
    assert report.per_relation[relation].fn == fn


def test_evaluate_entities_junk_and_overmerged(report):  # type: ignore[no-untyped-def]
    assert report.entities.junk == ["nyt netværk"]
    assert report.entities.overmerged == ["hus forbi"]
    assert report.entities.missed == []
    assert (report.entities.predicted, report.entities.gold) == (18, 16)


def test_evaluate_positions(report):  # type: ignore[no-untyped-def]
    assert (report.positions.predicted, report.positions.gold) == (3, 1)
    assert report.positions.recall == 1.0
    assert sorted(report.positions.fp) == ["anna jensen @ mødrehjælpen", "anna jensen @ red barnet"]


def test_evaluate_gold_merges_entities_across_documents():
    gold = load_gold([GOLD])
    names = [e.names for e in gold.entities.values() if "bl" in e.names]
    assert names == [{"bl danmarks almene boliger", "bl", "danmarks almene boliger"}]


@pytest.mark.parametrize(
    "content,message",
    [
        ("{not json", "not valid UTF-8 JSON"),
        ('{"entities": [], "relations": [{"s": "a", "p": "memberOf", "o": "b"}]}', "unknown entity id"),
        ('{"entities": "x", "relations": []}', "unexpected structure"),
    ],
)
def test_evaluate_bad_gold_file_says_which(tmp_path, content, message):  # type: ignore[no-untyped-def]
    (tmp_path / "bad.txt.gold.json").write_text(content, encoding="utf-8")
    with pytest.raises(EvaluationError, match=message) as info:
        load_gold([tmp_path])
    assert "bad.txt.gold.json" in str(info.value)


@pytest.mark.parametrize("make", ["empty", "missing"])
def test_evaluate_no_gold_files(tmp_path, make):  # type: ignore[no-untyped-def]
    folder = tmp_path if make == "empty" else tmp_path / "nope"
    with pytest.raises(EvaluationError):
        load_gold([folder])


@pytest.mark.parametrize("name,content", [("graph.xyz", "x"), ("graph.ttl", "this is not turtle")])
def test_evaluate_bad_graph_file(tmp_path, name, content):  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(EvaluationError, match=name):
        read_graph_file(path)


class _ExportingStore:
    """The one Store method the scorer uses, over a plain pyoxigraph store."""

    def __init__(self, path: Path) -> None:
        self.inner = ox.Store()
        self.inner.load(path=str(path), format=ox.RdfFormat.TRIG)

    def export(self, fmt: str, out_binary) -> int:  # type: ignore[no-untyped-def]
        assert fmt == "nquads"
        self.inner.dump(out_binary, ox.RdfFormat.N_QUADS)
        return len(self.inner)


@pytest.mark.parametrize("source", ["file", "store"])
def test_evaluate_store_and_file_agree(graph_file, report, source):  # type: ignore[no-untyped-def]
    other = (
        evaluate_store(_ExportingStore(graph_file), [GOLD]) if source == "store" else evaluate_file(graph_file, [GOLD])
    )
    assert other.as_dict() == report.as_dict()


def test_evaluate_rows_for_the_formatter(report):  # type: ignore[no-untyped-def]
    rows = report.rows()
    assert [r["measure"] for r in rows][-3:] == ["relations (all)", "entities", "positions"]
    assert set(rows[0]) == {"measure", "precision", "recall", "f1", "predicted", "gold", "wrong", "missed"}
    json.dumps(report.as_dict())  # the full report is plain JSON


# ---------------------------------------------------------------- agreement with the shared reference scorer


@pytest.fixture(scope="module")
def reference() -> ModuleType:
    if not REFERENCE_SCORER.is_file():
        pytest.skip(f"the shared reference scorer is not here ({REFERENCE_SCORER}); it lives beside the checkout")
    spec = importlib.util.spec_from_file_location("reference_score", REFERENCE_SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _comparable(report: dict) -> dict:
    """The reference keeps the first 30 wrong/missed items, in its own order: compare as sorted lists."""
    out = {}
    for measure, values in report.items():
        out[measure] = {k: (sorted(v)[:30] if isinstance(v, list) else v) for k, v in values.items()}
    return out


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # rdflib's, inside the reference scorer
@pytest.mark.parametrize("gold_dir", [GOLD, SHARED / "gold" / "seeds"], ids=["tests-gold", "shared-seeds"])
def test_evaluate_agrees_with_reference_scorer(reference, graph_file, gold_dir):  # type: ignore[no-untyped-def]
    if not gold_dir.is_dir():
        pytest.skip(f"{gold_dir} is not here")
    expected = _comparable(reference.score(str(graph_file), [str(gold_dir)]))
    ours = _comparable(evaluate_file(graph_file, [gold_dir]).as_dict())
    for measure, values in expected.items():
        for key, value in values.items():
            assert ours[measure][key] == value, (measure, key)
