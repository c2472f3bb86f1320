"""Member lists that coordinators keep (CSV or YAML): relations stated outright, so they become Records, not text.

CSV: comma, semicolon or tab separated (taken from the header line, or from an Excel "sep=;" first line), UTF-8
or a legacy encoding. Columns, by header name (case-insensitive; Danish, Norwegian and Swedish names accepted):

- ``alliance`` (allianse, allians, netværk, partnerskab …) — required
- ``organisation`` (organization, organisasjon, aktør, medlem, member …) — required
- ``relation`` (relasjon, rolle, role) — optional, default memberOf
- ``source`` (kilde, källa, url) — optional URL or note

YAML is composed with PyYAML's SafeLoader (what ``yaml.safe_load`` uses) and never constructed: values stay the text
the file shows ("NO" stays "NO", not False), and a tag safe_load would not construct as plain data
(``!!python/object``, custom tags) is an error. It is either a list of such rows, or one alliance (or a list of
them, or ``alliances: [...]``)::

    alliance: Hjem til Alle
    members: [BL – Danmarks Almene Boliger, Lejerbo]   # or mappings {organisation: …, source: …}
    facilitator: Hjem til Alle-sekretariatet
    founders: [Realdania]
    funders: [Velux Fonden]
    source: https://…

The Document's text is one line per row, "subject — relation — object (source)", and each Record points at its
line. memberOf, funds, partnerOf and partOf read organisation → alliance; facilitatedBy and foundedBy read
alliance → organisation, so their Record's subject is the alliance. Cells starting with = + - @ are kept as
plain text (no formula meaning) and noted in ``metadata["notes"]``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

import yaml

from alliances.loaders.document import Block, Document, Record
from alliances.loaders.encoding import read_text
from alliances.loaders.registry import LoaderError


def _names(phrases: str) -> tuple[str, ...]:
    """A comma-separated list of names, as a tuple."""
    return tuple(phrase.strip() for phrase in phrases.split(",") if phrase.strip())


_FIELDS: dict[str, tuple[str, ...]] = {
    "alliance": _names(
        "alliance, alliancen, allianse, alliansen, allians, netværk, nettverk, nätverk, network, partnerskab, "
        "partnerskap"
    ),
    "organisation": _names(
        "organisation, organization, organisasjon, organisationen, org, aktør, aktör, medlem, member, "
        "medlemsorganisation, medlemsorganisasjon"
    ),
    "relation": _names("relation, relasjon, relationen, rolle, roll, role"),
    "source": _names("source, kilde, kilder, källa, url, link"),
}
REQUIRED = ("alliance", "organisation")
_FIELD_OF = {alias: name for name, aliases in _FIELDS.items() for alias in aliases}

RELATIONS = ("memberOf", "funds", "facilitatedBy", "foundedBy", "partnerOf", "partOf")
_RELATION_WORDS: dict[str, tuple[str, ...]] = {
    "memberOf": _names("member, member of, medlem, medlem af, medlem av, medlem i, deltager, deltaker, deltagare"),
    "funds": _names("funder, finansierer, finansiør, finansiär, finansierar, bevilger, donor, sponsor"),
    "facilitatedBy": _names(
        "facilitator, faciliterer, faciliteret af, fasilitator, fasiliterer, fasilitert av, sekretariat, "
        "sekretariatet, secretariat, koordinator, coordinator"
    ),
    "foundedBy": _names(
        "founder, founded by, stifter, stiftet af, stiftet av, stiftare, grundlægger, grundare, initiativtager, "
        "initiativtaker, initiativtagare, medstifter"
    ),
    "partnerOf": _names("partner, partner of, samarbejdspartner, samarbeidspartner, samarbetspartner"),
    "partOf": _names("part of, del af, del av, afdeling af, avdeling av, avdelning av"),
}
_RELATION_OF = {
    **{name.lower(): name for name in RELATIONS},
    **{word: name for name, words in _RELATION_WORDS.items() for word in words},
}
ALLIANCE_SUBJECT = frozenset({"facilitatedBy", "foundedBy"})

# Keys of the one-alliance YAML form -> the relation its organisations have (None: not a list of organisations).
_ALLIANCE_KEYS: dict[str, tuple[str | None, tuple[str, ...]]] = {
    "alliance": (None, _names("alliance, allianse, allians, name, navn, namn")),
    "source": (None, _names("source, kilde, källa, url")),
    "members": ("memberOf", _names("members, medlemmer, medlemmar, partners, partnere, deltagere, deltakere")),
    "facilitator": (
        "facilitatedBy",
        _names("facilitator, facilitators, facilitatedby, faciliterer, fasilitator, sekretariat, secretariat"),
    ),
    "founders": ("foundedBy", _names("founders, founder, foundedby, stiftere, stifter, stiftare, grundlæggere")),
    "funders": ("funds", _names("funders, funder, finansierer, finansiører, finansiärer, donorer, donors")),
}
_ALLIANCE_KEY_OF = {alias: key for key, (_, aliases) in _ALLIANCE_KEYS.items() for alias in aliases}
_LIST_KEYS = frozenset(key for key, (relation, _) in _ALLIANCE_KEYS.items() if relation)

_FORMULA = ("=", "+", "-", "@")

MAX_ROWS = 100_000
"""More rows than this cannot fit in a document (each row's line is longer than 10 characters, and a document's
text is at most `encoding.MAX_CHARS`); counting them as they are made stops a YAML alias bomb, where a 100 kB file
names a list of 1,000 members in 3,000 alliances, before it takes minutes and gigabytes."""


def _check_rows(count: int, source: str, line: int) -> None:
    if count > MAX_ROWS:
        raise LoaderError(
            source,
            line,
            f"has more than {MAX_ROWS:,} rows (YAML aliases repeat lists)",
            "Split it into smaller files, or write each alliance's members out instead of repeating an alias",
        )


@dataclass(frozen=True)
class _Row:
    line: int
    alliance: str
    organisation: str
    relation: str
    source: str


def _clean(value: str) -> str:
    return " ".join(value.split())


def _key(name: str) -> str:
    return _clean(name.replace("\ufeff", "")).lower()


def relation_of(value: str, source: str, line: int | None) -> str:
    """The relation a cell names (canonical or a Danish/Norwegian/Swedish word); empty means memberOf."""
    word = _key(value)
    if not word:
        return "memberOf"
    if word in _RELATION_OF:
        return _RELATION_OF[word]
    accepted = ", ".join(RELATIONS)
    examples = "medlem, finansierer, sekretariat, stifter, partner, del af"
    raise LoaderError(
        source,
        line,
        f"unknown relation {value!r}",
        f"Use one of {accepted}, or a Danish, Norwegian or Swedish word for one of them such as {examples}",
    )


def _formula_notes(row: _Row, columns: dict[str, str]) -> Iterator[str]:
    for name, value in columns.items():
        if value.startswith(_FORMULA):
            yield f"line {row.line}: {name} {value!r} starts with {value[0]!r}; read as plain text, not a formula"


def _document(rows: list[_Row], source: str, metadata: dict[str, str], notes: list[str]) -> list[Document]:
    if not rows:
        raise LoaderError(source, None, "has no rows", "Add one row per organisation and alliance")
    lines: list[str] = []
    records: list[Record] = []
    blocks: list[Block] = []
    offset = 0
    for row in rows:
        notes.extend(
            _formula_notes(row, {"alliance": row.alliance, "organisation": row.organisation, "source": row.source})
        )
        if row.relation in ALLIANCE_SUBJECT:
            subject, obj = row.alliance, row.organisation
        else:
            subject, obj = row.organisation, row.alliance
        line = f"{subject} — {row.relation} — {obj}" + (f" ({row.source})" if row.source else "")
        records.append(Record(subject, row.relation, obj, offset, offset + len(line), row.source))
        blocks.append(Block("item", offset, offset + len(line), 1))
        lines.append(line)
        offset += len(line) + 1
    if notes:
        metadata["notes"] = "; ".join(notes)
    metadata["rows"] = str(len(rows))
    text = "\n".join(lines)
    return [Document(text, source, "da", tuple(blocks), tuple(records), metadata=metadata)]


# --- CSV


_SEP_LINE = re.compile(r"\Asep=(.)[ \t]*\n", re.IGNORECASE)


def _delimiter(header: str) -> str:
    """The delimiter the header line uses most, outside quotes: ';', ',' or tab (',' when none)."""
    unquoted = re.sub(r'"[^"]*"', "", header)
    counts = {d: unquoted.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(cells: list[str], source: str, line: int) -> dict[str, int]:
    """field name -> column index, from a header row. Raises for duplicates and missing required columns."""
    columns: dict[str, int] = {}
    named: dict[str, str] = {}  # normalised header -> as written
    for index, cell in enumerate(cells):
        name = _key(cell)
        if not name:
            continue
        field = _FIELD_OF.get(name)
        same = named.get(name) or (cells[columns[field]].strip() if field in columns else None)
        if same is not None:
            raise LoaderError(
                source,
                line,
                f"duplicate column {cell.strip()!r} (the same as {same!r})",
                "Keep one column each for alliance, organisation, relation and source",
            )
        named[name] = cell.strip()
        if field:
            columns[field] = index
    for field in REQUIRED:
        if field not in columns:
            found = ", ".join(c.strip() for c in cells if c.strip()) or "(nothing)"
            aliases = ", ".join(_FIELDS[field])
            raise LoaderError(
                source,
                line,
                f"column {field!r} is missing; found: {found}",
                f"Name a header column {field} (or one of: {aliases})",
            )
    return columns


def load_csv(data: bytes, source: str) -> list[Document]:
    """Read a CSV member list into one Document with a Record per row. Raises LoaderError with file:line."""
    text, metadata = read_text(data, source)
    first_line = 1
    if sep := _SEP_LINE.match(text):
        delimiter = sep.group(1)
        text = text[sep.end() :]
        first_line = 2
    else:
        delimiter = _delimiter(next((line for line in text.split("\n") if line.strip()), ""))
    metadata.update(format="csv", delimiter=delimiter)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    columns: dict[str, int] | None = None
    width = 0
    rows: list[_Row] = []
    notes: list[str] = []
    previous = 0
    try:
        for cells in reader:
            line = previous + first_line
            previous = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _header(cells, source, line)
                width = len(cells)
                ignored = [c.strip() for i, c in enumerate(cells) if c.strip() and i not in columns.values()]
                if ignored:
                    notes.append(f"columns ignored: {', '.join(ignored)}")
                continue
            if len(cells) > width and any(cell.strip() for cell in cells[width:]):
                raise LoaderError(
                    source,
                    line,
                    f"row has {len(cells)} cells but the header has {width} columns",
                    f"Quote cells that contain {delimiter!r}, or add a header for the extra column",
                )
            values = {f: _clean(cells[i]) if i < len(cells) else "" for f, i in columns.items()}
            for field in REQUIRED:
                if not values[field]:
                    raise LoaderError(
                        source, line, f"the {field} cell is empty", f"Fill in the {field}, or delete the row"
                    )
            relation = relation_of(values.get("relation", ""), source, line)
            _check_rows(len(rows) + 1, source, line)
            rows.append(_Row(line, values["alliance"], values["organisation"], relation, values.get("source", "")))
    except csv.Error as e:
        raise LoaderError(source, reader.line_num + first_line - 1, f"is not valid CSV ({e})") from e
    if columns is None:
        raise LoaderError(source, None, "has no header row", "Start with: alliance;organisation;relation;source")
    return _document(rows, source, metadata, notes)


# --- YAML


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _scalar(node: yaml.Node, source: str, what: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise LoaderError(source, _line(node), f"{what} should be a single value, not a list or mapping")
    if node.tag.endswith(":null"):
        return ""
    return _clean(str(node.value))


def _mapping(node: yaml.MappingNode, source: str) -> list[tuple[str, yaml.Node, yaml.Node]]:
    """(normalised key, key node, value node) of a mapping, rejecting duplicate keys."""
    out: list[tuple[str, yaml.Node, yaml.Node]] = []
    seen: set[str] = set()
    for key_node, value_node in node.value:
        key = _key(_scalar(key_node, source, "a key"))
        if key in seen:
            raise LoaderError(source, _line(key_node), f"duplicate key {key!r}", "Keep one of them")
        seen.add(key)
        out.append((key, key_node, value_node))
    return out


def _row_mapping(node: yaml.MappingNode, source: str, notes: list[str]) -> _Row:
    values: dict[str, str] = {}
    for key, key_node, value_node in _mapping(node, source):
        field = _FIELD_OF.get(key)
        if field is None:
            notes.append(f"line {_line(key_node)}: key {key!r} ignored")
            continue
        if field in values:
            raise LoaderError(source, _line(key_node), f"duplicate key {key!r} (another name for {field})")
        values[field] = _scalar(value_node, source, key)
    for field in REQUIRED:
        if not values.get(field):
            raise LoaderError(
                source,
                _line(node),
                f"the row has no {field}" if field not in values else f"the {field} is empty",
                f"Give every row an {field}",
            )
    relation = relation_of(values.get("relation", ""), source, _line(node))
    return _Row(_line(node), values["alliance"], values["organisation"], relation, values.get("source", ""))


def _is_alliance(node: yaml.Node) -> bool:
    if not isinstance(node, yaml.MappingNode):
        return False
    keys = {_key(str(k.value)) for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return any(_ALLIANCE_KEY_OF.get(k) in _LIST_KEYS for k in keys)


def _alliance_rows(node: yaml.MappingNode, source: str, notes: list[str]) -> list[_Row]:
    entries: dict[str, tuple[yaml.Node, yaml.Node]] = {}
    for key, key_node, value_node in _mapping(node, source):
        canonical = _ALLIANCE_KEY_OF.get(key)
        if canonical is None:
            accepted = ", ".join(_ALLIANCE_KEYS)
            raise LoaderError(source, _line(key_node), f"unknown key {key!r}", f"Use: {accepted}")
        if canonical in entries:
            raise LoaderError(source, _line(key_node), f"duplicate key {key!r} (another name for {canonical})")
        entries[canonical] = (key_node, value_node)
    if "alliance" not in entries:
        raise LoaderError(source, _line(node), "the alliance has no name", "Add: alliance: NAME")
    alliance = _scalar(entries["alliance"][1], source, "alliance")
    if not alliance:
        raise LoaderError(source, _line(entries["alliance"][0]), "the alliance name is empty")
    default_source = _scalar(entries["source"][1], source, "source") if "source" in entries else ""
    rows: list[_Row] = []
    for key, (_, value_node) in entries.items():
        relation = _ALLIANCE_KEYS[key][0]
        if relation is None:
            continue
        items = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for item in items:
            row_source = default_source
            if isinstance(item, yaml.MappingNode):
                fields: dict[str, yaml.Node] = {}
                for k, key_node, v in _mapping(item, source):
                    field = _FIELD_OF.get(k, _ALLIANCE_KEY_OF.get(k, k))
                    if field in ("organisation", "alliance", "source"):
                        fields[field] = v
                    else:
                        notes.append(f"line {_line(key_node)}: key {k!r} ignored (under {key}, the relation is fixed)")
                name_node = fields.get("organisation") or fields.get("alliance")
                if name_node is None:
                    raise LoaderError(source, _line(item), f"a {key} entry has no organisation", "Add: organisation:")
                name = _scalar(name_node, source, "organisation")
                if "source" in fields:
                    row_source = _scalar(fields["source"], source, "source") or default_source
            else:
                name = _scalar(item, source, key)
            if not name:
                if isinstance(value_node, yaml.ScalarNode):
                    continue  # "funders:" left empty
                raise LoaderError(source, _line(item), f"an empty entry under {key}", "Delete it or fill it in")
            rows.append(_Row(_line(item), alliance, name, relation, row_source))
            _check_rows(len(rows), source, _line(item))
    return rows


# libyaml's safe loader when PyYAML was built with it (much faster), else the pure-Python one; both are safe_load's.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN_TAGS = frozenset(
    "tag:yaml.org,2002:" + name for name in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")
)


MAX_DEPTH = 32
"""Deeper YAML is refused before it is composed: a member list is a few levels deep, and composing deep nesting
recurses (libyaml's composer can even overflow the C stack)."""


def _check_depth(text: str, source: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH, reading the event stream (which libyaml produces without recursion)."""
    depth = 0
    for event in yaml.parse(text, Loader=_SAFE_LOADER):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise LoaderError(
                    source,
                    event.start_mark.line + 1 if event.start_mark else None,
                    f"is nested more than {MAX_DEPTH} levels deep",
                    "A member list needs a few levels: alliance, members, one mapping per member",
                )
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def _check_tags(root: yaml.Node | None, source: str) -> None:
    """Refuse any tag that yaml.safe_load would not construct as plain data (!!python/object, custom tags)."""
    stack = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if node.tag not in _PLAIN_TAGS:
            raise LoaderError(
                source,
                _line(node),
                f"uses the YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')!r}, which is not allowed",
                "Member lists are plain YAML: lists, mappings and text",
            )
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            stack.extend(item for pair in node.value for item in pair)


def load_yaml(data: bytes, source: str) -> list[Document]:
    """Read a YAML member list into one Document with a Record per relation. Raises LoaderError with file:line."""
    text, metadata = read_text(data, source)
    metadata["format"] = "yaml"
    try:
        _check_depth(text, source)
        root = yaml.compose(text, Loader=_SAFE_LOADER)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        problem = e.problem or e.context or "syntax error"
        raise LoaderError(
            source, mark.line + 1 if mark else None, f"is not valid YAML ({problem})", "Check indentation and quoting"
        ) from e
    except (yaml.YAMLError, RecursionError) as e:
        raise LoaderError(source, None, f"is not valid YAML ({e})", "Check indentation and quoting") from e
    _check_tags(root, source)
    notes: list[str] = []
    rows: list[_Row] = []
    if isinstance(root, yaml.MappingNode) and not _is_alliance(root):
        keys = _mapping(root, source)
        if len(keys) == 1 and keys[0][0] in {"alliances", "allianser"}:
            root = keys[0][2]
    if isinstance(root, yaml.MappingNode):
        rows = _alliance_rows(root, source, notes)
    elif isinstance(root, yaml.SequenceNode):
        for item in root.value:
            if not isinstance(item, yaml.MappingNode):
                raise LoaderError(source, _line(item), "each entry should be a mapping (alliance:, organisation: …)")
            rows.extend(
                _alliance_rows(item, source, notes) if _is_alliance(item) else [_row_mapping(item, source, notes)]
            )
            _check_rows(len(rows), source, _line(item))
    else:
        raise LoaderError(
            source,
            _line(root) if root is not None else None,
            "is not a member list",
            "Write a list of rows (alliance:, organisation:, relation:) or one alliance with members:",
        )
    return _document(rows, source, metadata, notes)
