"""Parallel ingest: extraction in worker processes, one writer; and the N-Quads path for a server's bulk loader.

The promise checked here: the number of workers never changes the graph, and the N-Quads folder, loaded into a
store, is the graph `ingest` writes into the embedded store. No timings are asserted (that is bench/).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from alliances.graph.ingest import ingest
from alliances.graph.nquads import NQuadsWriter
from alliances.graph.store import ENTITIES, Store, StoreError, open_store
from alliances.loaders.registry import LoaderError, iter_sources

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
GENERATED_AT = ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The bundled Danish texts (text, HTML, a CSV member list) after one file no loader can read, in a folder."""
    folder = tmp_path_factory.mktemp("in")
    for path in sorted(CORPUS.glob("da_*")):
        shutil.copy(path, folder / path.name)
    (folder / "da_00_binary.txt").write_bytes(b"\x00\x01\x02\xff" * 100)
    return list(iter_sources([folder]))


@pytest.fixture(scope="module")
def serial(sources: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, object]]:
    """The reference: the same sources ingested in this process (jobs=1)."""
    store = open_store(tmp_path_factory.mktemp("serial") / "store")
    report = ingest(sources, store, jobs=1)
    yield store, report
    store.close()


def quads(store: Store, graph: ox.NamedNode | None = None) -> set[ox.Quad]:
    """Every quad but the retrieval timestamps, which differ between two runs."""
    return {q for q in store._db.quads_for_pattern(None, None, None, graph) if q.predicate != GENERATED_AT}


@pytest.mark.parametrize("jobs", [2])
def test_ingest_parallel_writes_the_same_graph_as_one_process(sources, serial, tmp_path, jobs):
    reference, serial_report = serial
    progress: list[str] = []
    with open_store(tmp_path / "store") as store:
        report = ingest(sources, store, jobs=jobs, on_document=progress.append)
        assert quads(store) == quads(reference)
        assert store.check_entities() == []
    assert report == serial_report  # same documents added, same file skipped, same counts
    assert [s for s, _ in report.skipped] == [str(sources[0])]
    assert len(report.added) == len(sources) - 1
    assert sorted(set(progress)) == sorted(map(str, sources[1:]))


@pytest.mark.parametrize("jobs", [2])
def test_ingest_parallel_strict_stops_at_a_bad_file_and_writes_nothing(sources, tmp_path, jobs):
    with open_store(tmp_path / "store") as store:
        with pytest.raises(LoaderError, match="da_00_binary.txt"):
            ingest(sources, store, jobs=jobs, strict=True)
        assert len(store) == 0


@pytest.mark.parametrize("jobs", [1])
def test_ingest_parallel_unchanged_documents_are_skipped(sources, serial, tmp_path, jobs):
    """Documents already stored are neither extracted again nor rewritten."""
    reference, _ = serial
    before = quads(reference)
    report = ingest(sources, reference, jobs=jobs)
    assert report.added == [] and len(report.unchanged) == len(sources) - 1
    assert quads(reference) == before


@pytest.mark.parametrize("jobs", [1])  # the writer is the same for any jobs; one process keeps the test fast
def test_ingest_parallel_to_nquads_is_the_graph_of_the_store(sources, serial, tmp_path, jobs):
    reference, serial_report = serial
    folder = tmp_path / "nq"
    with NQuadsWriter(folder, part_quads=500) as writer:
        report = ingest(sources, writer, jobs=jobs)
    assert report.added == serial_report.added
    parts = sorted(folder.glob("part-*.nq"))
    assert len(parts) > 1 and (folder / "entities.nq").is_file()
    with open_store(tmp_path / "loaded") as loaded:
        for path in parts:  # what a server's bulk loader would do with the documents' graphs
            loaded.import_file(path)
        assert quads(loaded) == quads(reference)
    # the entities graph written beside them is the one the store derives
    entities = set(ox.parse(path=str(folder / "entities.nq"), format=ox.RdfFormat.N_QUADS))
    assert entities == quads(reference, ENTITIES)


@pytest.mark.parametrize("content", ["a file.nq"])
def test_ingest_parallel_to_nquads_refuses_a_folder_with_files(tmp_path, content):
    (tmp_path / content).write_text("x", encoding="utf-8")
    with pytest.raises(StoreError, match="not an empty folder"):
        NQuadsWriter(tmp_path)
