"""The gazetteer data files parse: the extractor trusts their shape, so check it here."""

from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "loaders" / "data"
GAZETTEER = DATA / "gazetteer"
FILES = ["dk.tsv", "no.tsv", "se.tsv", "nordic.tsv"]
HEADER = ["name", "type", "aliases", "part_of"]
TYPES = {
    "Foundation", "NGO", "Company", "HousingAssociation", "Municipality", "Region",
    "Ministry", "Agency", "Education", "PoliticalParty", "Union", "Alliance",
}


def read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line number, fields) for every data line; the header and '#' comments are skipped."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0].split("\t") == HEADER, f"{path.name}: first line must be the header"
    return [
        (number, line.split("\t"))
        for number, line in enumerate(lines[1:], start=2)
        if line.strip() and not line.startswith("#")
    ]


@pytest.fixture(scope="module")
def all_names() -> set[str]:
    return {fields[0] for name in FILES for _, fields in read_rows(GAZETTEER / name)}


@pytest.mark.parametrize("file_name", FILES)
def test_gazetteer_data_rows_are_well_formed(file_name: str) -> None:
    seen: set[str] = set()
    for number, fields in read_rows(GAZETTEER / file_name):
        where = f"{file_name}:{number}"
        assert len(fields) == 4, f"{where}: {len(fields)} columns, expected 4"
        name, kind, aliases, _ = fields
        assert name and name == name.strip(), f"{where}: empty or padded name {name!r}"
        assert kind in TYPES, f"{where}: unknown type {kind!r}"
        assert name not in seen, f"{where}: duplicate name {name!r}"
        seen.add(name)
        if aliases:
            parts = aliases.split("|")
            assert all(p and p == p.strip() for p in parts), f"{where}: empty or padded alias in {aliases!r}"
            assert len(parts) == len(set(parts)), f"{where}: repeated alias in {aliases!r}"
            assert name not in parts, f"{where}: alias repeats the name {name!r}"


@pytest.mark.parametrize("file_name", FILES)
def test_gazetteer_data_part_of_targets_exist(file_name: str, all_names: set[str]) -> None:
    for number, fields in read_rows(GAZETTEER / file_name):
        parent = fields[3]
        assert not parent or parent in all_names, f"{file_name}:{number}: part_of {parent!r} is no name"
        assert parent != fields[0], f"{file_name}:{number}: {fields[0]!r} is part of itself"


@pytest.mark.parametrize("file_name", ["given_names.txt"])
def test_gazetteer_data_given_names_are_single_clean_names(file_name: str) -> None:
    names = (DATA / "names" / file_name).read_text(encoding="utf-8").splitlines()
    assert names, "no given names"
    assert len(names) == len(set(names)), "duplicate given names"
    bad = [n for n in names if not n or n != n.strip() or "\t" in n or not n[0].isupper()]
    assert not bad, f"malformed given names: {bad[:10]}"


# Every municipality of the country, counted by law: Denmark 98 (since 2007), Norway 357 (2024),
# Sweden 290, of which Gotland is listed as `Region Gotland` with the regions.
@pytest.mark.parametrize(("file_name", "expected"), [("dk.tsv", 98), ("no.tsv", 357), ("se.tsv", 289)])
def test_gazetteer_data_lists_every_municipality(file_name: str, expected: int) -> None:
    top_level = [
        fields[0] for _, fields in read_rows(GAZETTEER / file_name)
        if fields[1] == "Municipality" and not fields[3]
    ]
    assert len(top_level) == expected
