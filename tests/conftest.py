"""Shared fixtures: the toy graph (tests/data/toy.trig) in a real on-disk store."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from alliances.graph.store import Store, open_store

DATA = Path(__file__).parent / "data"
TOY_TRIG = DATA / "toy.trig"


@pytest.fixture
def toy_trig() -> Path:
    """Path of the contract fixture: two document graphs and the entities graph."""
    return TOY_TRIG


@pytest.fixture
def toy_store(tmp_path: Path) -> Iterator[Store]:
    """A writable on-disk store in tmp_path holding exactly tests/data/toy.trig; closed after the test."""
    store = open_store(tmp_path / "toy-store")
    store.import_file(TOY_TRIG)
    try:
        yield store
    finally:
        store.close()
