"""The vocabulary as code: a closed namespace, so a typo raises instead of minting a new IRI.

Every term here is declared in `ontology/alliances.ttl` (a test checks it). IRIs for entities, documents and
assertions are minted here and nowhere else.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace


class AL(DefinedNamespace):
    """https://w3id.org/alliances/ontology#"""

    _fail = True
    _NS = Namespace("https://w3id.org/alliances/ontology#")

    Alliance: URIRef
    Foundation: URIRef
    NGO: URIRef
    Company: URIRef
    HousingAssociation: URIRef
    Municipality: URIRef
    Region: URIRef
    PublicAgency: URIRef
    EducationalInstitution: URIRef
    PoliticalParty: URIRef
    Union: URIRef
    Document: URIRef
    Assertion: URIRef
    funds: URIRef
    facilitatedBy: URIRef
    foundedBy: URIRef
    partnerOf: URIRef
    evidence: URIRef
    evidenceStart: URIRef
    evidenceEnd: URIRef
    rule: URIRef
    confidence: URIRef
    amount: URIRef
    currency: URIRef
    text: URIRef
    contentHash: URIRef
    encoding: URIRef
    roleName: URIRef
    generatedName: URIRef
    entityKey: URIRef


ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
BASE = "https://w3id.org/alliances/"
ENTITIES_GRAPH = URIRef(BASE + "graph/entities")
CURATION_GRAPH = URIRef(BASE + "graph/curation")

PREFIXES: dict[str, str] = {
    "al": str(AL._NS),
    "org": "http://www.w3.org/ns/org#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "id": BASE + "id/",
    "doc": BASE + "doc/",
}

# relation name (gold format) -> predicate IRI
RELATION_PREDICATES: dict[str, URIRef] = {
    "memberOf": ORG.memberOf,
    "funds": AL.funds,
    "facilitatedBy": AL.facilitatedBy,
    "foundedBy": AL.foundedBy,
    "partnerOf": AL.partnerOf,
    "partOf": ORG.subOrganizationOf,
}
PREDICATE_RELATIONS: dict[URIRef, str] = {v: k for k, v in RELATION_PREDICATES.items()}

# org_type (lexicon/extraction) -> class IRI
ORG_CLASSES: dict[str, URIRef] = {
    "Foundation": AL.Foundation,
    "NGO": AL.NGO,
    "Company": AL.Company,
    "HousingAssociation": AL.HousingAssociation,
    "Municipality": AL.Municipality,
    "Region": AL.Region,
    "Ministry": AL.PublicAgency,
    "Agency": AL.PublicAgency,
    "PublicAgency": AL.PublicAgency,
    "Education": AL.EducationalInstitution,
    "PoliticalParty": AL.PoliticalParty,
    "Union": AL.Union,
}

_DASHES_QUOTES = re.compile(r"[\u2010-\u2015\-–—'\"“”„’‘`´«»‹›]")
_PUNCT = re.compile(r"[.,:;()\[\]]")


def normalise(name: str) -> str:
    """The key names are compared on: NFKC, casefolded, dashes/quotes/punctuation to spaces, spaces collapsed.

    >>> normalise("BL – Danmarks Almene Boliger")
    'bl danmarks almene boliger'
    >>> normalise("SOS-Børnebyerne")
    'sos børnebyerne'
    """
    s = unicodedata.normalize("NFKC", name).casefold()
    s = _DASHES_QUOTES.sub(" ", s)
    s = _PUNCT.sub(" ", s)
    return " ".join(s.split())


_TRANSLIT = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue", "é": "e", "ß": "ss"})


def slug(name: str) -> str:
    """A readable, stable IRI segment for a name: 'Landsforeningen af VæreSteder' -> 'landsforeningen-af-vaeresteder'."""
    s = normalise(name).translate(_TRANSLIT)
    s = unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^a-z0-9]+", "-", s).strip("-")
    if not s:
        s = "x" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:12]
    if len(s) > 80:
        s = s[:64].rstrip("-") + "-" + hashlib.sha256(s.encode()).hexdigest()[:8]
    return s


def entity_iri(kind: str, key: str) -> URIRef:
    """IRI of an organisation, alliance or person from its resolution key (a slug)."""
    segment = {"Organisation": "org", "Alliance": "alliance", "Person": "person"}[kind]
    return URIRef(f"{BASE}id/{segment}/{key}")


def document_iri(doc_id: str) -> URIRef:
    """The document node and its named graph share this IRI."""
    return URIRef(f"{BASE}doc/{doc_id}")


def assertion_iri(doc_id: str, *parts: object) -> URIRef:
    """A deterministic IRI for an assertion or post node: the same input gives the same IRI on every run."""
    h = hashlib.sha256("\x1f".join([doc_id, *map(str, parts)]).encode("utf-8")).hexdigest()[:20]
    return URIRef(f"{BASE}assertion/{doc_id[:16]}/{h}")
