"""Which loader reads which source: one registry keyed by suffix, and the one error every loader raises.

Loaders read bytes into `Document`s; they never touch the store or the network. `load(path)` picks the loader by
the file's suffix, `load_bytes(data, source, kind)` by an explicit kind (for text that did not come from a file).
Sources larger than `encoding.MAX_BYTES` (20 MB) are refused before they are read.
"""

from __future__ import annotations

import functools
import os
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
    return registry[kind](bytes(data), source)
