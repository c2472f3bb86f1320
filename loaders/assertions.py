"""What extraction returns: mentions with their spans, and assertions between them with evidence.

These are plain, immutable values: extraction is a pure function `Document -> Extraction`, and everything
downstream (resolution, RDF, the store) reads only these.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

EntityKind = Literal["Organisation", "Alliance", "Person"]
Relation = Literal["memberOf", "funds", "facilitatedBy", "foundedBy", "partnerOf", "partOf"]
RELATIONS: tuple[str, ...] = ("memberOf", "funds", "facilitatedBy", "foundedBy", "partnerOf", "partOf")


@dataclass(frozen=True)
class Mention:
    """A name in the text. `org_type` is a finer class for organisations (Foundation, Municipality, …) when known.

    `key` groups mentions of one entity within the document (set by extraction's in-document coreference, e.g.
    "BL" and "BL – Danmarks Almene Boliger"); `names` are all surface forms known for that entity in the document.
    `generated` marks a node the extractor named itself (an unnamed agreement "between X and Y").
    """

    text: str
    start: int
    end: int
    kind: EntityKind
    org_type: str = ""
    key: str = ""
    names: tuple[str, ...] = ()
    generated: bool = False


@dataclass(frozen=True)
class Assertion:
    """subject --relation--> object, with the sentence that states it and the rule that found it."""

    subject: Mention
    relation: str
    object: Mention
    evidence_start: int
    evidence_end: int
    rule: str
    confidence: float
    amount: float | None = None
    currency: str | None = None


@dataclass(frozen=True)
class Position:
    """A person's role in an organisation ("formand", "direktør"), with evidence."""

    person: Mention
    organisation: Mention
    role: str
    evidence_start: int
    evidence_end: int
    rule: str
    confidence: float


@dataclass(frozen=True)
class Extraction:
    """Everything extraction found in one document."""

    doc_id: str
    mentions: tuple[Mention, ...] = ()
    assertions: tuple[Assertion, ...] = ()
    positions: tuple[Position, ...] = ()
    notes: tuple[str, ...] = field(default=())
