"""Markdown (.md): headings, list items and paragraphs, with the markup stripped so that names read cleanly.

"[Hus Forbi](https://…)" becomes "Hus Forbi", "**BL**" becomes "BL", "`x`" becomes "x". Each block is one line of
``Document.text`` (a paragraph's wrapped lines are joined with spaces; a hard line break ends a block), so offsets
refer to the clean text, not to the Markdown source.

Read: ATX ("# …") and setext (underlined) headings, "-", "*", "+", "1." and "1)" list items (nesting by indent),
block quotes (as their content), pipe tables (one paragraph per row, cells joined by " | "), YAML front matter
(its ``title:`` becomes the title). Left out: fenced code, HTML comments, link reference definitions, thematic
breaks, images (a linked image keeps its alt text: partner logos). The first block is the "title" when it is a
heading (or front matter names a title).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from alliances.loaders.document import Block, BlockKind, Document
from alliances.loaders.encoding import read_text
from alliances.loaders.language import detect_language

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+|$)")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_THEMATIC = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_ITEM = re.compile(r"^([ \t]*)([-*+]|\d{1,9}[.)])(?:[ \t]+(.*)|[ \t]*$)")
_TASK = re.compile(r"^\[[ xX]\][ \t]+")
_QUOTES = re.compile(r"^(?: {0,3}>[ \t]?)+")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S+")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t]*:?-{3,}:?[ \t]*(?:\|[ \t]*:?-{3,}:?[ \t]*)*\|?[ \t]*$")

# Inline markup, applied in this order. Spans are bounded so that unclosed markup costs linear time, not quadratic.
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_CODE = re.compile(r"(`{1,8})(.{1,400}?)\1")
# Link and image text stops at the next bracket, so a run of "[" fails at once instead of scanning 400 characters.
_LINKED_IMAGE = re.compile(r"\[!\[([^\[\]]{0,400})\]\([^)]{0,2000}\)\]\([^)]{0,2000}\)")
_IMAGE = re.compile(r"!\[[^\[\]]{0,400}\](?:\([^)]{0,2000}\)|\[[^\[\]]{0,400}\])")
_LINK = re.compile(
    r"\[([^\[\]]{1,400})\]\((?:[^()\s]|\([^()]{0,400}\)){0,2000}(?:[ \t]+(?:\"[^\"]{0,400}\"|'[^']{0,400}'))?[ \t]*\)"
)
_REF_LINK = re.compile(r"\[([^\[\]]{1,400})\]\[[^\[\]]{0,400}\]")
_AUTOLINK = re.compile(r"<((?:https?|mailto|ftp):[^>\s]{1,2000})>")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]{0,40}(?:\s[^<>]{0,1000})?/?>|<!--.{0,4000}?-->")
# Emphasis stops at the next mark of its kind, so many unclosed marks cost linear time, not 400 steps each.
_STRONG = re.compile(r"(\*\*|__)(?=\S)((?:(?!\1).){1,400}?)(?<=\S)\1")
_EMPHASIS_STAR = re.compile(r"\*(?=[^\s*])([^*]{1,400}?)(?<=\S)\*")
_EMPHASIS_UNDERSCORE = re.compile(r"(?<![\w\\])_(?=[^\s_])([^_]{1,400}?)(?<=\S)_(?!\w)")
_STRIKE = re.compile(r"~~(?=\S)((?:(?!~~).){1,400}?)(?<=\S)~~")
_ENTITY = {"&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": '"', "&nbsp;": " ", "&shy;": ""}
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")


def inline(text: str) -> str:
    """Markdown inline markup to plain text: links to their text, emphasis and code marks removed, spaces collapsed."""
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\ue000{len(kept) - 1}\ue001"

    text = _ESCAPE.sub(lambda m: keep(m.group(1)), text)
    text = _CODE.sub(lambda m: keep(m.group(2).strip()), text)
    text = _LINKED_IMAGE.sub(lambda m: m.group(1), text)
    text = _IMAGE.sub("", text)
    text = _LINK.sub(lambda m: m.group(1), text)
    text = _REF_LINK.sub(lambda m: m.group(1), text)
    text = _AUTOLINK.sub(lambda m: m.group(1).removeprefix("mailto:"), text)
    text = _BR.sub(" ", text)
    text = _TAG.sub("", text)
    for pattern in (_STRONG, _STRONG, _EMPHASIS_STAR, _EMPHASIS_UNDERSCORE, _STRIKE):
        text = pattern.sub(lambda m: m.group(m.lastindex or 1), text)
    for entity, value in _ENTITY.items():
        text = text.replace(entity, value)
    while _PLACEHOLDER.search(text):
        text = _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], text)
    return " ".join(text.split())


@dataclass
class _Pending:
    """Source lines of one block being gathered (a paragraph or a list item)."""

    kind: BlockKind
    level: int
    lines: list[str]


class _Reader:
    def __init__(self) -> None:
        self.blocks: list[tuple[str, BlockKind, int]] = []
        self.pending: _Pending | None = None
        self.item_indents: list[int] = []

    def flush(self) -> None:
        if self.pending is not None:
            text = inline(" ".join(self.pending.lines))
            if text:
                self.blocks.append((text, self.pending.kind, self.pending.level))
        self.pending = None

    def add(self, kind: BlockKind, level: int, text: str) -> None:
        self.flush()
        text = inline(text)
        if text:
            self.blocks.append((text, kind, level))

    def item_level(self, indent: int) -> int:
        """Nesting depth of a list item at `indent`: deeper by two or more spaces than the open item nests."""
        while self.item_indents and indent < self.item_indents[-1]:
            self.item_indents.pop()
        if self.item_indents and indent < self.item_indents[-1] + 2:
            self.item_indents[-1] = indent
        else:
            self.item_indents.append(indent)
        return len(self.item_indents)

    def read(self, lines: list[str]) -> list[tuple[str, BlockKind, int]]:
        fence = ""
        comment = False
        table = False
        for index, raw in enumerate(lines):
            line = raw.expandtabs(4)
            if fence:
                if line.strip().startswith(fence):
                    fence = ""
                continue
            if comment:
                if "-->" in line:
                    comment = False
                continue
            line = _QUOTES.sub("", line, count=1)  # all quote marks at once: ">>>>…" costs linear time
            if not line.strip():
                self.flush()
                table = False
                continue
            if opened := _FENCE.match(line):
                self.flush()
                fence = opened.group(1)[0] * len(opened.group(1))
                continue
            if line.lstrip().startswith("<!--") and "-->" not in line:
                self.flush()
                comment = True
                continue
            if _REFERENCE.match(line):
                self.flush()
                continue
            if atx := _ATX.match(line):
                content = line[atx.end() :].strip()
                closing = content.rstrip("#")
                if closing != content and (not closing or closing[-1] in " \t"):
                    content = closing.strip()  # "## Partnere ##": the closing #'s are not text
                self.add("heading", len(atx.group(1)), content)
                self.item_indents = []
                continue
            if (
                (setext := _SETEXT.match(line))
                and self.pending is not None
                and self.pending.kind == "paragraph"
                and not table
            ):
                text = " ".join(self.pending.lines)
                self.pending = None
                self.add("heading", 1 if setext.group(1)[0] == "=" else 2, text)
                continue
            if _THEMATIC.match(line):
                self.flush()
                self.item_indents = []
                continue
            following = lines[index + 1] if index + 1 < len(lines) else ""
            table = table and "|" in line
            if table or ("|" in line and _TABLE_RULE.match(following)):
                if _TABLE_RULE.match(line):
                    continue
                table = True
                cells = [inline(cell) for cell in line.strip().strip("|").split("|")]
                self.add("paragraph", 0, " | ".join(cell for cell in cells if cell))
                continue
            if item := _ITEM.match(line):
                self.flush()
                indent = len(item.group(1))
                text = _TASK.sub("", item.group(3) or "")
                self.pending = _Pending("item", self.item_level(indent), [text])
            elif self.pending is not None:
                self.pending.lines.append(line.strip())
            else:
                self.item_indents = []
                self.pending = _Pending("paragraph", 0, [line.strip()])
            if self.pending is not None and raw.endswith(("  ", "\\")):  # a hard line break ends the block
                self.pending.lines[-1] = self.pending.lines[-1].rstrip().removesuffix("\\")
                self.flush()
        self.flush()
        return self.blocks


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_TITLE = re.compile(r"^title:[ \t]*(.+?)[ \t]*$", re.MULTILINE)


def markdown_blocks(text: str) -> tuple[str, list[Block]]:
    """Clean text and its blocks, from normalised Markdown source."""
    title = ""
    if front := _FRONT_MATTER.match(text):
        found = _FRONT_TITLE.search(front.group(1))
        title = found.group(1).strip("\"'") if found else ""
        text = text[front.end() :]
    lines = _Reader().read(text.split("\n"))
    if title:
        lines.insert(0, (inline(title), "title", 0))
    elif lines and lines[0][1] == "heading":
        lines[0] = (lines[0][0], "title", lines[0][2])
    blocks: list[Block] = []
    offset = 0
    for line, kind, level in lines:
        blocks.append(Block(kind, offset, offset + len(line), level))
        offset += len(line) + 1
    return "\n".join(line for line, _, _ in lines), blocks


def load_markdown(data: bytes, source: str) -> list[Document]:
    """Read a Markdown file into one Document of clean text. Raises LoaderError."""
    from alliances.loaders.registry import LoaderError

    raw, metadata = read_text(data, source)
    text, blocks = markdown_blocks(raw)
    if not text:
        raise LoaderError(source, None, "has no text outside code and markup", "Check that it is a Markdown file")
    titles = [b for b in blocks if b.kind == "title"]
    if titles:
        metadata["title"] = text[titles[0].start : titles[0].end]
    return [Document(text, source, detect_language(text), tuple(blocks), metadata=metadata)]
