"""Which loader reads which source: one registry keyed by suffix, and the one error every loader raises.

Loaders read bytes into `Document`s; they never touch the store or the network. `load(path)` picks the loader by
the file's suffix, `load_bytes(data, source, kind)` by an explicit kind (for text that did not come from a file).

Limits, so that one document costs bounded time and memory whatever it holds (every loader, via `load_bytes`):
- a source over `encoding.MAX_BYTES` (20 MB) is refused before it is read;
- a document whose text is over `encoding.MAX_CHARS` (1,000,000 characters) is refused;
- a line over `encoding.MAX_LINE` (5,000 characters) is broken at the last sentence end (else the last space)
  before the limit: that space becomes a line break, so text length and every offset stay as they were, and
  the block is split there; ``metadata["notes"]`` says so. A run of 5,000 characters without a space is refused
  (minified code or encoded data, not prose).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import os
import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from alliances.loaders.document import Document


class LoaderError(Exception):
    """A source that cannot be read, with where (file and line) and what to do about it.

    `str(error)` reads "path:line: message. What to do." (without ":line" when the problem is not on one line).
    """

    def __init__(self, source: str, line: int | None, message: str, hint: str = "") -> None:
        self.source = source
        self.line = line
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        text = self.message.rstrip()
        if not text.endswith((".", "?", "!")):
            text += "."
        if self.hint:
            hint = self.hint.rstrip()
            text += " " + hint + ("" if hint.endswith((".", "?", "!")) else ".")
        return f"{where}: {text}"

    def __reduce__(self) -> tuple[type[LoaderError], tuple[str, int | None, str, str]]:
        return (LoaderError, (self.source, self.line, self.message, self.hint))


Loader = Callable[[bytes, str], list[Document]]

#: suffix (lower case) -> kind of source. The one place that says which files we read.
SUFFIXES: dict[str, str] = {
    ".txt": "text",
    ".html": "html",
    ".htm": "html",
    ".md": "markdown",
    ".markdown": "markdown",
    ".csv": "csv",
    ".yaml": "yaml",
    ".yml": "yaml",
}


@functools.cache
def loaders() -> dict[str, Loader]:
    """kind -> loader function. Built on first use, because the loader modules import `LoaderError` from here."""
    from alliances.loaders import html, markdown, memberlist, text

    return {
        "text": text.load_text,
        "html": html.load_html,
        "markdown": markdown.load_markdown,
        "csv": memberlist.load_csv,
        "yaml": memberlist.load_yaml,
    }


def kind_of(path: Path) -> str | None:
    """The kind of source a file is, by its suffix (case-insensitive), or None when we do not read it."""
    return SUFFIXES.get(path.suffix.lower())


def _hidden(name: str) -> bool:
    return name.startswith(".")


def iter_sources(paths: Sequence[Path]) -> Iterator[Path]:
    """The files to load: files as given (whatever their suffix), folders walked for supported suffixes.

    Folders are walked recursively in sorted order, skipping hidden files and folders and not following symlinked
    folders (so a link cycle cannot loop). A path that does not exist is passed through, so that `load` reports it.
    Each file is yielded once, even when it is reached twice.
    """
    seen: set[Path] = set()

    def once(path: Path) -> bool:
        key = path.resolve() if path.exists() else path
        if key in seen:
            return False
        seen.add(key)
        return True

    for path in paths:
        path = Path(path)
        if not path.is_dir():
            if once(path):
                yield path
            continue
        found: list[Path] = []
        for folder, dirs, files in os.walk(path, followlinks=False):
            dirs[:] = sorted(d for d in dirs if not _hidden(d))
            for name in files:
                candidate = Path(folder) / name
                if not _hidden(name) and kind_of(candidate) is not None:
                    found.append(candidate)
        for candidate in sorted(found, key=lambda p: p.relative_to(path).parts):
            if once(candidate):
                yield candidate


def load(path: Path) -> list[Document]:
    """Read one file into Documents, with the loader its suffix names. Raises LoaderError."""
    from alliances.loaders.encoding import MAX_BYTES, size_error

    path = Path(path)
    source = str(path)
    kind = kind_of(path)
    if not path.exists():
        raise LoaderError(source, None, "does not exist", "Check the path")
    if path.is_dir():
        raise LoaderError(source, None, "is a folder, not a file", "Pass it to iter_sources to walk it")
    if kind is None:
        supported = ", ".join(sorted(SUFFIXES))
        raise LoaderError(
            source,
            None,
            f"has an unsupported suffix {path.suffix or '(none)'!r}",
            f"Supported suffixes: {supported}; rename the file if it is one of these kinds",
        )
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise size_error(source, size)
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as e:
        raise LoaderError(source, None, f"could not be read ({e.strerror or e})", "Check its permissions") from e
    return load_bytes(data, source, kind)


def load_bytes(data: bytes, source: str, kind: str) -> list[Document]:
    """Read bytes that came from `source` (a path or a label) as `kind`: text, html, markdown, csv or yaml."""
    registry = loaders()
    if kind not in registry:
        raise LoaderError(source, None, f"unknown kind of source {kind!r}", f"Use one of: {', '.join(registry)}")
    return [bounded(doc) for doc in registry[kind](bytes(data), source)]


# a sentence end and the space after it: ". ", "?» ", "…) "
_SENTENCE_END = re.compile(r"[.!?…:;][\"'»”’)\]]*(?=\s)")
_SPACE = re.compile(r"\s")


def _break_points(text: str, source: str, limit: int) -> list[int]:
    """Positions of spaces to turn into line breaks so that no line is longer than `limit` characters."""
    points: list[int] = []
    for long_line in re.finditer(rf"[^\n]{{{limit + 1},}}", text):
        pos, end = long_line.span()
        while end - pos > limit:
            window = text[pos : pos + limit + 1]  # a break at window[limit] leaves a line of exactly `limit`
            ends = [m.end() for m in _SENTENCE_END.finditer(window, limit // 2) if m.end() <= limit]
            cut = ends[-1] if ends else None
            if cut is None:
                spaces = [m.start() for m in _SPACE.finditer(window, 1)]
                cut = spaces[-1] if spaces else None
            if cut is None:
                line = text.count("\n", 0, pos) + 1
                raise LoaderError(
                    source,
                    None,
                    f"line {line} of its text has a run of more than {limit:,} characters without a space",
                    "This looks like minified code or encoded data, not prose; remove it or give the text itself",
                )
            points.append(pos + cut)
            pos += cut + 1
    return points


def bounded(doc: Document, limit: int | None = None) -> Document:
    """The document within the limits: text refused when too long, long lines broken at spaces (offsets kept)."""
    from alliances.loaders.encoding import MAX_CHARS, MAX_LINE, length_error

    if len(doc.text) > MAX_CHARS:
        raise length_error(doc.source, len(doc.text))
    points = _break_points(doc.text, doc.source, limit or MAX_LINE)
    if not points:
        return doc
    chars = list(doc.text)
    for point in points:
        chars[point] = "\n"
    blocks = []
    for block in doc.blocks:
        first = bisect.bisect_left(points, block.start)
        last = bisect.bisect_left(points, block.end)
        start = block.start
        for point in [*points[first:last], block.end]:
            kind = block.kind if start == block.start or block.kind not in ("title", "heading") else "paragraph"
            if point > start:
                blocks.append(dataclasses.replace(block, kind=kind, start=start, end=point))
            start = point + 1
    metadata = dict(doc.metadata)
    note = f"{len(points)} long lines broken at spaces (lines are at most {limit or MAX_LINE:,} characters)"
    metadata["notes"] = f"{metadata['notes']}; {note}" if metadata.get("notes") else note
    return dataclasses.replace(doc, text="".join(chars), blocks=tuple(blocks), metadata=metadata, id="")
