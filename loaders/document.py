"""The unit every loader produces and every later step reads.

A `Document` is text plus the layout the loader could see (title, headings, list items, paragraphs), because
member lists under a heading are how the sector most often states who is in an alliance. Its identity is the
SHA-256 of its text, so ingesting the same text twice is a no-op and a changed text is a new document.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

BlockKind = Literal["title", "heading", "paragraph", "item"]


@dataclass(frozen=True)
class Block:
    """One layout block: `text[start:end]` of the document, with what kind of block it is."""

    kind: BlockKind
    start: int
    end: int
    level: int = 0  # heading level (1 = top) or list nesting depth


@dataclass(frozen=True)
class Record:
    """One row of a structured member list (CSV/YAML): a relation stated by a coordinator, not extracted."""

    subject: str
    relation: str  # memberOf | funds | facilitatedBy | foundedBy | partnerOf | partOf
    object: str
    start: int  # span of the row in Document.text, the evidence
    end: int
    source: str = ""


def content_id(text: str) -> str:
    """The document identity: SHA-256 of the UTF-8 text (hex)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Document:
    """Text read from one source, with its layout. `id` is the content hash of `text`."""

    text: str
    source: str
    language: str  # "da" | "nb" | "sv" (or "en" where detected; extraction falls back to Danish rules)
    blocks: tuple[Block, ...] = ()
    records: tuple[Record, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict, hash=False, compare=False)
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", content_id(self.text))

    def block_text(self, block: Block) -> str:
        return self.text[block.start : block.end]
