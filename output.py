"""One formatter for every listing the CLI prints: a terminal table, JSON or CSV.

Query functions return plain data — a list of row dicts, or one record dict (`show`) — and `render` turns it into
text. A row may hold one nested list of dicts (an alliance with its sources); table and CSV flatten it to one line
per nested item, JSON keeps the nesting. CSV cells that a spreadsheet would run as a formula are quoted.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Mapping, Sequence
from typing import Any

from alliances.graph.vocab import PREFIXES

FORMATS: tuple[str, ...] = ("table", "json", "csv")

ELLIPSIS = "…"
NEWLINE_MARK = " ↵ "
MIN_COLUMN_WIDTH = 8
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

Row = Mapping[str, Any]

# longest namespace first, so id: wins over a shorter namespace that is a prefix of it
_NAMESPACES = sorted(PREFIXES.items(), key=lambda item: -len(item[1]))


class FormatError(ValueError):
    """An output format this formatter does not know."""


def render(
    data: Sequence[Row] | Row,
    fmt: str,
    *,
    columns: Sequence[str] = (),
    table_columns: Sequence[str] = (),
    width: int | None = None,
) -> str:
    """Text for `data` in `fmt` ("table", "json" or "csv"), without a trailing newline.

    `columns` fixes the column order (and the CSV header of an empty result). `table_columns`, when given, are
    the only columns a table shows (JSON and CSV always carry everything); `width` is the table width (default:
    the terminal's).

    >>> print(render([{"name": "BL", "confidence": 0.9}], "csv"))
    name,confidence
    BL,0.9
    """
    if fmt == "json":
        return json.dumps(data, ensure_ascii=False, indent=2, default=str)
    if fmt not in ("table", "csv"):
        raise FormatError(f"unknown output format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if isinstance(data, Mapping):
        return _render_record(data, fmt, table_columns, width)
    if fmt == "csv":
        return to_csv(*flatten(data, columns, repeat=True))
    return to_table(*_only(flatten(data, columns, repeat=False), table_columns), width=width)


def _render_record(record: Row, fmt: str, table_columns: Sequence[str], width: int | None) -> str:
    """A single entity: its own fields, then each nested list of rows as a section of its own."""
    fields = {k: v for k, v in record.items() if not _is_rows(v)}
    sections = {k: v for k, v in record.items() if _is_rows(v)}
    if fmt == "csv":
        rows: list[dict[str, Any]] = [{"section": "entity", **{k: v for k, v in fields.items() if v != []}}]
        for name, items in sections.items():
            rows.extend({"section": name, **item} for item in items)
        return to_csv(*flatten(rows, (), repeat=True))
    key_width = max((len(k) for k in fields), default=0)
    lines = [
        f"{k.ljust(key_width)}  {compact_iris(_cell(v)) if v != [] else '(none)'}"
        for k, v in fields.items()
        if v is not None
    ]
    parts = ["\n".join(lines)]
    for name, items in sections.items():
        parts.append(f"{name}:\n" + to_table(*_only(flatten(items, (), repeat=False), table_columns), width=width))
    return "\n\n".join(p for p in parts if p)


def _only(table: tuple[list[str], list[list[Any]]], keep: Sequence[str]) -> tuple[list[str], list[list[Any]]]:
    """The table with only the columns in `keep` (all of them when `keep` is empty)."""
    header, rows = table
    if not keep:
        return header, rows
    index = [i for i, c in enumerate(header) if c in keep]
    return [header[i] for i in index], [[row[i] for i in index] for row in rows]


def compact_iris(text: str) -> str:
    """IRIs in the project's namespaces as prefixed names (id:org/bl, al:NGO), so tables stay narrow."""
    if "://" not in text:
        return text
    for prefix, namespace in _NAMESPACES:
        text = text.replace(namespace, prefix + ":")
    return text


def _is_rows(value: Any) -> bool:
    return isinstance(value, list) and any(isinstance(v, Mapping) for v in value)


def flatten(rows: Sequence[Row], columns: Sequence[str] = (), *, repeat: bool) -> tuple[list[str], list[list[Any]]]:
    """Columns and cell rows; a nested list of dicts becomes one line per item.

    With `repeat` False (tables) the parent's cells are left blank on its continuation lines.
    """
    header: list[str] = list(columns)
    nested_keys: dict[str, list[str]] = {}
    for row in rows:
        for key, value in row.items():
            if _is_rows(value):
                child_keys = nested_keys.setdefault(key, [])
                for item in value:
                    child_keys.extend(k for k in item if k not in child_keys)
            elif key not in header:
                header.append(key)
    nest = next(iter(nested_keys), None)  # one nested list is flattened; any further one is shown as JSON
    child_columns = []
    if nest is not None:
        header = [k for k in header if k != nest]
        child_columns = [(k if k not in header else f"{nest}.{k}", k) for k in nested_keys[nest]]
    out: list[list[Any]] = []
    for row in rows:
        parent = [_plain(row.get(k)) for k in header]
        items = row.get(nest) if nest else None
        if not items:
            out.append(parent + [None] * len(child_columns))
            continue
        for i, item in enumerate(items):
            lead = parent if (repeat or i == 0) else [None] * len(parent)
            out.append(lead + [item.get(k) for _, k in child_columns])
    return header + [c for c, _ in child_columns], out


def _plain(value: Any) -> Any:
    if _is_rows(value):
        return json.dumps(value, ensure_ascii=False, default=str)
    return value


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def csv_safe(text: str) -> str:
    """Quote a cell a spreadsheet would evaluate (=, +, -, @, tab, CR at the start) so it stays text."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """RFC 4180 CSV with a header line; text cells are protected against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([csv_safe(c) for c in columns])
    for row in rows:
        writer.writerow([v if _is_number(v) else csv_safe(_cell(v)) for v in row])
    return buffer.getvalue().rstrip("\n")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def to_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, width: int | None = None) -> str:
    """Aligned columns fitted to `width`: the widest columns are cut first, with an ellipsis."""
    if not rows:
        return "(no results)"
    cells = [[compact_iris(_cell(v)).replace("\r\n", "\n").replace("\n", NEWLINE_MARK) for v in row] for row in rows]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    budget = (width or shutil.get_terminal_size((120, 24)).columns) - 2 * (len(columns) - 1)
    widths = _fit(widths, budget)
    lines = [
        "  ".join(_clip(c, w) for c, w in zip(columns, widths)),
        "  ".join("-" * w for w in widths),
    ]
    lines.extend("  ".join(_clip(c, w) for c, w in zip(row, widths)) for row in cells)
    return "\n".join(line.rstrip() for line in lines)


def _fit(widths: list[int], budget: int) -> list[int]:
    """Narrow the widest columns, one step at a time, until the row fits (or all are at the minimum)."""
    widths = list(widths)
    while sum(widths) > budget:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        if widths[widest] <= MIN_COLUMN_WIDTH:
            break
        runner_up = max((w for i, w in enumerate(widths) if i != widest), default=0)
        target = max(MIN_COLUMN_WIDTH, runner_up, widths[widest] - (sum(widths) - budget))
        widths[widest] = target if target < widths[widest] else widths[widest] - 1
    return widths


def _clip(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + ELLIPSIS
