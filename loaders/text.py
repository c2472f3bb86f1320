"""Plain text (.txt): one Block per non-empty line, with only the layout the line itself shows.

The first line with a letter or digit is the title; a line starting with a bullet (•, ·, ▪, -, *, –, — or a
number such as "1." or "1)") is a list item; a Markdown-style "# " line is a heading; every other line is a
paragraph. Whether a short line acts as a heading is the extractor's call, not ours. Block spans leave out the
bullet or the #'s, and point into the normalised text, which keeps every line (blank ones too) so that offsets
match the source line by line.

A line that starts with a day number and a month ("4. maj 2020", "17. november") is a date, not a numbered item.
Note that Danish and Norwegian print quotations as "– Vi er glade …"; such lines count as items here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from alliances.loaders.document import Block, BlockKind, Document
from alliances.loaders.encoding import read_text
from alliances.loaders.language import detect_language

# A bullet: a symbol bullet (space after it optional), or an ASCII one / a number that needs a space after it.
_BULLET = re.compile(r"(?:[•·▪◦‣∙●○■□➢➤►▶✓✔]|[-*–—](?=\s)|\d{1,3}[.)](?=\s))\s*")
_HEADING = re.compile(r"(#{1,6})\s+")
_MONTHS = re.findall(
    r"\w+",
    "jan feb mar apr maj mai may jun jul aug sep okt oct nov dec januar januari january februar februari february "
    "marts mars march april juni june juli july august augusti september oktober october november december desember",
)
_DATE = re.compile(r"\d{1,2}\.\s*(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b", re.IGNORECASE)
_HAS_WORD = re.compile(r"\w")


def _lines(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line of `text`, without the newline."""
    start = 0
    for line in text.split("\n"):
        yield start, start + len(line)
        start += len(line) + 1


def line_blocks(text: str) -> list[Block]:
    """The blocks of normalised plain text, one per non-empty line."""
    blocks: list[Block] = []
    titled = False
    for line_start, line_end in _lines(text):
        line = text[line_start:line_end]
        stripped = line.lstrip()
        if not stripped.strip():
            continue
        start = line_start + len(line) - len(stripped)
        end = line_start + len(line.rstrip())
        kind: BlockKind = "paragraph"
        level = 0
        heading = _HEADING.match(stripped)
        bullet = None if _DATE.match(stripped) else _BULLET.match(stripped)
        if heading and stripped[heading.end() :].strip():
            kind, level, start = "heading", len(heading.group(1)), start + heading.end()
        elif bullet and stripped[bullet.end() :].strip():
            kind, level, start = "item", 1, start + bullet.end()
        if not titled and _HAS_WORD.search(text, start, end):
            titled = True
            if kind == "heading" or kind == "paragraph":
                kind, level = "title", 0
        blocks.append(Block(kind, start, end, level))
    return blocks


def load_text(data: bytes, source: str) -> list[Document]:
    """Read a plain text file into one Document. Raises LoaderError (empty, binary, undecodable)."""
    text, metadata = read_text(data, source)
    blocks = line_blocks(text)
    title = next((b for b in blocks if b.kind == "title"), None)
    if title is not None:
        metadata["title"] = text[title.start : title.end]
    return [Document(text, source, detect_language(text), tuple(blocks), metadata=metadata)]
