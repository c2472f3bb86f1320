"""One document's extraction as RDF quads in its own named graph, in the shape of tests/data/toy.trig.

Every relation is stated twice on purpose: as the plain edge researchers query (``org:memberOf``) and as an
``al:Assertion`` node that carries the evidence sentence, its offsets, the rule and the confidence, so a
researcher can always get from an edge to the sentence. No blank nodes: every node has a deterministic IRI.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pyoxigraph as ox

from alliances.graph.resolve import Entity
from alliances.graph.vocab import AL, ORG, ORG_CLASSES, RELATION_PREDICATES, assertion_iri, document_iri
from alliances.loaders.assertions import Extraction
from alliances.loaders.document import Document

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS_ALT = ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel")
FOAF_NAME = ox.NamedNode("http://xmlns.com/foaf/0.1/name")
FOAF_PERSON = ox.NamedNode("http://xmlns.com/foaf/0.1/Person")
PROV_ENTITY = ox.NamedNode("http://www.w3.org/ns/prov#Entity")
PROV_DERIVED = ox.NamedNode("http://www.w3.org/ns/prov#wasDerivedFrom")
PROV_TIME = ox.NamedNode("http://www.w3.org/ns/prov#generatedAtTime")
DCT = "http://purl.org/dc/terms/"
TYPE = ox.NamedNode(RDF + "type")


def _n(iri: object) -> ox.NamedNode:
    return iri if isinstance(iri, ox.NamedNode) else ox.NamedNode(str(iri))


def _lit(value: object) -> ox.Literal:
    if isinstance(value, int):
        return ox.Literal(str(value), datatype=ox.NamedNode(XSD + "integer"))
    if isinstance(value, float):
        return ox.Literal(repr(value), datatype=ox.NamedNode(XSD + "double"))
    return ox.Literal(_clean(str(value)))


def _clean(text: str) -> str:
    """Literals must be valid Unicode scalar values: drop lone surrogates and NULs that hostile text may carry."""
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")


def document_quads(
    doc: Document, extraction: Extraction, entities: dict[str, Entity], retrieved: datetime | None = None
) -> list[ox.Quad]:
    """All quads of one document's named graph."""
    g = _n(document_iri(doc.id))
    quads: list[ox.Quad] = []

    def add(s: ox.NamedNode, p: object, o: object) -> None:
        quads.append(ox.Quad(s, _n(p), o if isinstance(o, (ox.NamedNode, ox.Literal)) else _lit(o), g))

    when = (retrieved or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
    add(g, TYPE, _n(AL.Document))
    add(g, TYPE, PROV_ENTITY)
    add(g, DCT + "source", doc.source)
    add(g, DCT + "language", doc.language)
    title = doc.metadata.get("title") or next((line.strip() for line in doc.text.splitlines() if line.strip()), "")
    if title:
        add(g, DCT + "title", title[:300])
    add(g, AL.contentHash, doc.id)
    add(g, AL.encoding, doc.metadata.get("encoding", "utf-8"))
    add(g, PROV_TIME, ox.Literal(when, datatype=ox.NamedNode(XSD + "dateTime")))
    add(g, AL.text, doc.text)

    for e in entities.values():
        node = _n(e.iri)
        if e.kind == "Person":
            add(node, TYPE, FOAF_PERSON)
            for name in e.names:
                add(node, FOAF_NAME, name)
            continue
        if e.kind == "Alliance":
            add(node, TYPE, _n(AL.Alliance))
            add(node, TYPE, _n(ORG.OrganizationalCollaboration))
        else:
            add(node, TYPE, _n(ORG.Organization))
            if e.org_type in ORG_CLASSES:
                add(node, TYPE, _n(ORG_CLASSES[e.org_type]))
        if e.generated_name:
            add(node, AL.generatedName, e.generated_name)
        for name in e.names:
            add(node, SKOS_ALT, name)

    text = doc.text
    for a in extraction.assertions:
        s, o = entities.get(a.subject.key), entities.get(a.object.key)
        if s is None or o is None or s.iri == o.iri:
            continue
        pred = _n(RELATION_PREDICATES[a.relation])
        add(_n(s.iri), pred, _n(o.iri))
        node = _n(assertion_iri(doc.id, s.iri, a.relation, o.iri))
        add(node, TYPE, _n(AL.Assertion))
        add(node, PROV_DERIVED, g)
        add(node, RDF + "subject", _n(s.iri))
        add(node, RDF + "predicate", pred)
        add(node, RDF + "object", _n(o.iri))
        add(node, AL.evidence, text[a.evidence_start : a.evidence_end])
        add(node, AL.evidenceStart, a.evidence_start)
        add(node, AL.evidenceEnd, a.evidence_end)
        add(node, AL.rule, a.rule)
        add(node, AL.confidence, ox.Literal(f"{a.confidence:.2f}", datatype=ox.NamedNode(XSD + "decimal")))
        if a.amount is not None:
            add(node, AL.amount, ox.Literal(f"{a.amount:.2f}", datatype=ox.NamedNode(XSD + "decimal")))
        if a.currency:
            add(node, AL.currency, a.currency)

    for p in extraction.positions:
        person, org = entities.get(p.person.key), entities.get(p.organisation.key)
        if person is None or org is None:
            continue
        node = _n(assertion_iri(doc.id, person.iri, "post", org.iri, p.role))
        add(node, TYPE, _n(ORG.Post))
        add(node, PROV_DERIVED, g)
        add(node, ORG.heldBy, _n(person.iri))
        add(node, ORG.postIn, _n(org.iri))
        if p.role:  # "Robert Isaksen (KS)": the text ties a person to an organisation without naming the post
            add(node, AL.roleName, p.role)
        add(node, AL.evidence, text[p.evidence_start : p.evidence_end])
        add(node, AL.evidenceStart, p.evidence_start)
        add(node, AL.evidenceEnd, p.evidence_end)
        add(node, AL.rule, p.rule)
        add(node, AL.confidence, ox.Literal(f"{p.confidence:.2f}", datatype=ox.NamedNode(XSD + "decimal")))
    return quads
