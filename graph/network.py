"""The RDF store as networkx graphs: what analytics, maps and network exports start from.

Why: researchers think of alliances as a network (who sits with whom, who bridges, who funds); networkx is the API
they know. The store keeps one named graph per document; this module reads the union of those graphs once and
hands back ordinary networkx objects whose every edge still carries the sentence and the document behind it.

API (stable; the pyvis maps import it):

``build_graph(store, *, relations=RELATIONS, min_confidence=0.0, posts=False) -> networkx.MultiDiGraph``
    Nodes are entity IRIs (str) with attributes
        ``label``    the entity's skos:prefLabel (the IRI when it has none),
        ``kind``     one of KINDS: alliance, foundation, ngo, public, company, housing, person, organisation
                     (from its rdf:types in the entities graph; see KIND_BY_CLASS),
        ``unnamed``  True when the text never names it (its label is an al:generatedName).
    Every organisation and alliance of the entities graph is a node, also those without edges; people are nodes
    only with ``posts=True``. One edge per statement (an edge stated by three documents is three parallel edges),
    directed as stated in RDF (``org:memberOf`` goes organisation -> alliance, ``al:facilitatedBy`` alliance ->
    facilitator, ``al:foundedBy`` alliance -> founder, ``al:funds`` funder -> recipient), with attributes
        ``relation``   memberOf | funds | facilitatedBy | foundedBy | partnerOf | subOrganizationOf
                       (and postIn, person -> organisation, with ``posts=True``),
        ``evidence``   the sentence (None for an edge with no assertion node, e.g. a curated edge),
        ``source``     the document's dcterms:source (None when the graph has none),
        ``document``   the IRI of the named graph the edge is in,
        ``confidence`` float or None, ``rule`` str or None,
        ``amount``, ``currency``  on funding edges where the text gives them (else absent),
        ``date``       the document's dcterms:date/issued/created when it has one (else absent),
        ``role``       on postIn edges (e.g. "formand").
    Edge keys are "<relation>:<n>" (n counts statements of that relation between the two nodes).

``bipartite_graph(G, *, relations=("memberOf",)) -> networkx.Graph``
    Organisations (``bipartite=0``) and alliances (``bipartite=1``) from G, linked when one of ``relations`` joins
    an organisation and an alliance (in either direction); edge attributes ``relations`` (sorted tuple) and
    ``weight`` (number of statements). Node attributes are copied from G. Alliance–alliance and organisation–
    organisation edges have no place in a bipartite graph and are left out.

``organisation_projection(B, *, weight="shared", max_edges=MAX_PROJECTION_EDGES) -> networkx.Graph``
    Organisations linked by the alliances they share, through networkx's own projections:
    ``weight="shared"`` uses ``bipartite.weighted_projected_graph`` (``weight`` = shared alliances),
    ``weight="jaccard"`` uses ``bipartite.overlap_weighted_projected_graph``. Refuses (``ProjectionTooLarge``) when
    the projection would exceed ``max_edges``: with the sector's skew it reaches hundreds of millions of edges at
    10^5 organisations; the analytics in ``alliances.graph.analytics`` work on the bipartite graph instead.

``organisations(B)``, ``alliances(B)``: the two node sets of a bipartite graph, sorted.

Building a large networkx graph leaves millions of objects the cyclic garbage collector keeps walking;
``build_graph`` and ``bipartite_graph`` call ``gc.freeze()`` on graphs over FREEZE_ABOVE edges (measured: PageRank
7x slower without it at 10^4 organisations).
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

import networkx as nx
from networkx.algorithms import bipartite

__all__ = [
    "FREEZE_ABOVE",
    "KINDS",
    "KIND_BY_CLASS",
    "MAX_PROJECTION_EDGES",
    "RELATIONS",
    "NetworkError",
    "ProjectionTooLarge",
    "alliances",
    "bipartite_graph",
    "build_graph",
    "organisation_projection",
    "organisations",
]

_AL = "https://w3id.org/alliances/ontology#"
_ORG = "http://www.w3.org/ns/org#"
_FOAF = "http://xmlns.com/foaf/0.1/"
_SCHEMA = "https://schema.org/"

RELATIONS: tuple[str, ...] = ("memberOf", "funds", "facilitatedBy", "foundedBy", "partnerOf", "subOrganizationOf")
KINDS: tuple[str, ...] = ("alliance", "foundation", "ngo", "public", "company", "housing", "person", "organisation")

# relation name -> predicate IRI (the names are the local names, as in the gold format, except partOf)
_PREDICATES: dict[str, str] = {
    "memberOf": _ORG + "memberOf",
    "funds": _AL + "funds",
    "facilitatedBy": _AL + "facilitatedBy",
    "foundedBy": _AL + "foundedBy",
    "partnerOf": _AL + "partnerOf",
    "subOrganizationOf": _ORG + "subOrganizationOf",
}
_RELATION_OF = {iri: name for name, iri in _PREDICATES.items()}

# rdf:type -> kind; the first kind in KIND_PRECEDENCE that an entity's types give wins
KIND_BY_CLASS: dict[str, str] = {
    _AL + "Alliance": "alliance",
    _ORG + "OrganizationalCollaboration": "alliance",
    _FOAF + "Person": "person",
    _SCHEMA + "Person": "person",
    _AL + "Foundation": "foundation",
    _AL + "NGO": "ngo",
    _AL + "Municipality": "public",
    _AL + "Region": "public",
    _AL + "PublicAgency": "public",
    _AL + "EducationalInstitution": "public",
    _AL + "Company": "company",
    _AL + "HousingAssociation": "housing",
    _AL + "Union": "organisation",
    _AL + "PoliticalParty": "organisation",
    _ORG + "Organization": "organisation",
}
KIND_PRECEDENCE: tuple[str, ...] = (
    "alliance", "person", "foundation", "housing", "public", "company", "ngo", "organisation"
)

MAX_PROJECTION_EDGES = 5_000_000
FREEZE_ABOVE = 50_000

_ENTITIES_QUERY = """
PREFIX al:   <https://w3id.org/alliances/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?entity ?type ?label ?generated
WHERE {
  GRAPH <https://w3id.org/alliances/graph/entities> {
    ?entity a ?type .
    OPTIONAL { ?entity skos:prefLabel ?label }
  }
  OPTIONAL { GRAPH ?named { ?entity al:generatedName ?generated } }
}
"""

# Edges and their assertions are read apart and joined here: one scan each, no per-edge OPTIONAL in the store.
_EDGES_QUERY = """
PREFIX al:  <https://w3id.org/alliances/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?s ?p ?o ?graph
WHERE {
  VALUES ?p { org:memberOf al:funds al:facilitatedBy al:foundedBy al:partnerOf org:subOrganizationOf }
  GRAPH ?graph { ?s ?p ?o . }
  FILTER (?graph != <https://w3id.org/alliances/graph/entities>)
}
"""

_ASSERTIONS_QUERY = """
PREFIX al:  <https://w3id.org/alliances/ontology#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?s ?p ?o ?graph ?evidence ?rule ?confidence ?amount ?currency
WHERE {
  GRAPH ?graph {
    ?assertion a al:Assertion ; rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o .
    OPTIONAL { ?assertion al:evidence ?evidence }
    OPTIONAL { ?assertion al:rule ?rule }
    OPTIONAL { ?assertion al:confidence ?confidence }
    OPTIONAL { ?assertion al:amount ?amount }
    OPTIONAL { ?assertion al:currency ?currency }
  }
}
"""

_DOCUMENTS_QUERY = """
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?graph ?source ?date
WHERE {
  GRAPH ?graph { ?graph dcterms:source ?source . }
  OPTIONAL { GRAPH ?graph { ?graph dcterms:date ?date } }
  OPTIONAL { GRAPH ?graph { ?graph dcterms:issued ?date } }
  OPTIONAL { GRAPH ?graph { ?graph dcterms:created ?date } }
}
"""

_POSTS_QUERY = """
PREFIX al:  <https://w3id.org/alliances/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
SELECT ?person ?organisation ?graph ?role ?evidence ?rule ?confidence
WHERE {
  GRAPH ?graph { ?post org:heldBy ?person ; org:postIn ?organisation . }
  OPTIONAL { GRAPH ?graph { ?post al:roleName ?role } }
  OPTIONAL { GRAPH ?graph { ?post al:evidence ?evidence } }
  OPTIONAL { GRAPH ?graph { ?post al:rule ?rule } }
  OPTIONAL { GRAPH ?graph { ?post al:confidence ?confidence } }
}
"""


class NetworkError(ValueError):
    """A graph that cannot be built or projected as asked; the message says why and what to do."""


class ProjectionTooLarge(NetworkError):
    """The organisation projection would have more edges than allowed."""


class Store(Protocol):
    """What this module needs from `alliances.graph.store.Store`."""

    def select(self, query: str, bindings: Mapping[str, Any] | None = None) -> list[dict[str, Any]]: ...


def kind_of(types: Iterable[str]) -> str:
    """The kind (one of KINDS) an entity's rdf:types give; "organisation" when none is known.

    >>> kind_of(["http://www.w3.org/ns/org#Organization", "https://w3id.org/alliances/ontology#Foundation"])
    'foundation'
    >>> kind_of(["https://w3id.org/alliances/ontology#Alliance", "http://www.w3.org/ns/org#Organization"])
    'alliance'
    """
    kinds = {KIND_BY_CLASS[t] for t in types if t in KIND_BY_CLASS}
    return next((k for k in KIND_PRECEDENCE if k in kinds), "organisation")


def _float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def build_graph(
    store: Store,
    *,
    relations: Sequence[str] = RELATIONS,
    min_confidence: float = 0.0,
    posts: bool = False,
) -> nx.MultiDiGraph:
    """The whole store as a directed multigraph: entities as nodes, one edge per statement, with its evidence.

    `relations` keeps only those relations; `min_confidence` drops statements below it (an edge with no
    assertion node, such as a curated one, has no confidence and is kept); `posts` adds people and their posts.
    See the module docstring for the attributes.
    """
    unknown = [r for r in relations if r not in _PREDICATES]
    if unknown:
        raise NetworkError(f"unknown relation {unknown[0]!r}; use one of {', '.join(RELATIONS)}")
    wanted = {_PREDICATES[r] for r in relations}

    types: dict[str, set[str]] = {}
    labels: dict[str, str] = {}
    generated: dict[str, str] = {}
    for row in store.select(_ENTITIES_QUERY):
        iri = str(row["entity"])
        types.setdefault(iri, set()).add(str(row["type"]))
        if row.get("label") is not None:
            label = str(row["label"])
            labels[iri] = min(labels.get(iri, label), label)
        if row.get("generated") is not None:
            generated.setdefault(iri, str(row["generated"]))

    documents: dict[str, tuple[str | None, str | None]] = {}
    for row in store.select(_DOCUMENTS_QUERY):
        graph = str(row["graph"])
        date = str(row["date"]) if row.get("date") is not None else None
        old = documents.get(graph)
        if old is None or (old[1] is None and date is not None):
            documents[graph] = (str(row["source"]), date)

    evidence: dict[tuple[str, str, str, str], list[dict[str, Any]]] = {}
    for row in store.select(_ASSERTIONS_QUERY):
        p = str(row["p"])
        if p not in wanted:
            continue
        key = (str(row["s"]), p, str(row["o"]), str(row["graph"]))
        facts: dict[str, Any] = {
            "evidence": row.get("evidence"),
            "rule": row.get("rule"),
            "confidence": _float(row.get("confidence")),
        }
        if row.get("amount") is not None:
            facts["amount"] = _float(row["amount"])
        if row.get("currency") is not None:
            facts["currency"] = str(row["currency"])
        statements = evidence.setdefault(key, [])
        if facts not in statements:
            statements.append(facts)

    G = nx.MultiDiGraph()
    for iri in sorted(types):
        kind = kind_of(types[iri])
        if kind == "person" and not posts:
            continue
        _add_node(G, iri, kind, labels, generated)

    edges = sorted({(str(r["s"]), str(r["p"]), str(r["o"]), str(r["graph"])) for r in store.select(_EDGES_QUERY)})
    for s, p, o, graph in edges:
        if p not in wanted:
            continue
        source, date = documents.get(graph, (None, None))
        for facts in evidence.get((s, p, o, graph)) or [{"evidence": None, "rule": None, "confidence": None}]:
            confidence = facts.get("confidence")
            if confidence is not None and confidence < min_confidence:
                continue
            for node in (s, o):
                if node not in G:
                    _add_node(G, node, kind_of(types.get(node, ())), labels, generated)
            attrs = {"relation": _RELATION_OF[p], "source": source, "document": graph, **facts}
            if date is not None:
                attrs["date"] = date
            _add_edge(G, s, o, attrs)

    if posts:
        for row in sorted(store.select(_POSTS_QUERY), key=lambda r: tuple(str(v) for v in r.values())):
            confidence = _float(row.get("confidence"))
            if confidence is not None and confidence < min_confidence:
                continue
            person, organisation, graph = str(row["person"]), str(row["organisation"]), str(row["graph"])
            for node, fallback in ((person, "person"), (organisation, "organisation")):
                if node not in G:
                    _add_node(G, node, kind_of(types.get(node, ())) if node in types else fallback, labels, generated)
            source, date = documents.get(graph, (None, None))
            attrs = {
                "relation": "postIn",
                "role": row.get("role"),
                "evidence": row.get("evidence"),
                "rule": row.get("rule"),
                "confidence": confidence,
                "source": source,
                "document": graph,
            }
            if date is not None:
                attrs["date"] = date
            _add_edge(G, person, organisation, attrs)
    _freeze_if_large(G)
    return G


def _add_node(G: nx.MultiDiGraph, iri: str, kind: str, labels: Mapping[str, str], generated: Mapping[str, str]) -> None:
    label = labels.get(iri) or generated.get(iri) or iri
    G.add_node(iri, label=label, kind=kind, unnamed=iri in generated and label == generated[iri])


def _add_edge(G: nx.MultiDiGraph, s: str, o: str, attrs: dict[str, Any]) -> None:
    relation = attrs["relation"]
    n = sum(1 for k in G.get_edge_data(s, o, default={}) if str(k).startswith(relation + ":"))
    G.add_edge(s, o, key=f"{relation}:{n}", **attrs)


def _freeze_if_large(G: nx.Graph) -> None:
    if G.number_of_edges() > FREEZE_ABOVE:
        gc.collect()
        gc.freeze()  # the graph lives as long as the command; the collector need not walk it again


def bipartite_graph(G: nx.MultiDiGraph, *, relations: Sequence[str] = ("memberOf",)) -> nx.Graph:
    """Organisations (bipartite=0) and alliances (bipartite=1), joined when `relations` link one of each.

    >>> G = nx.MultiDiGraph()
    >>> G.add_node("a", kind="alliance", label="A"); G.add_node("x", kind="ngo", label="X")
    >>> G.add_edges_from([("x", "a", {"relation": "memberOf"})] * 2)
    [0, 1]
    >>> B = bipartite_graph(G)
    >>> sorted(B.nodes(data="bipartite")), B.edges["x", "a"]["weight"]
    ([('a', 1), ('x', 0)], 2)
    """
    wanted = set(relations)
    B = nx.Graph()
    for node, data in G.nodes(data=True):
        kind = data.get("kind", "organisation")
        if kind == "person":
            continue
        B.add_node(node, **data, bipartite=1 if kind == "alliance" else 0)
    for u, v, data in G.edges(data=True):
        relation = data.get("relation")
        if relation not in wanted or u not in B or v not in B:
            continue
        if B.nodes[u]["bipartite"] == B.nodes[v]["bipartite"]:
            continue
        if B.has_edge(u, v):
            edge = B.edges[u, v]
            edge["weight"] += 1
            if relation not in edge["relations"]:
                edge["relations"] = tuple(sorted((*edge["relations"], relation)))
        else:
            B.add_edge(u, v, weight=1, relations=(relation,))
    _freeze_if_large(B)
    return B


def organisations(B: nx.Graph) -> list[Any]:
    """The organisation side (bipartite=0) of a bipartite graph, sorted."""
    return sorted(n for n, side in B.nodes(data="bipartite") if side == 0)


def alliances(B: nx.Graph) -> list[Any]:
    """The alliance side (bipartite=1) of a bipartite graph, sorted."""
    return sorted(n for n, side in B.nodes(data="bipartite") if side == 1)


def projection_size(B: nx.Graph) -> int:
    """An upper bound on the organisation projection's edge count: the sum over alliances of C(members, 2).

    >>> B = nx.complete_bipartite_graph(3, 2)
    >>> nx.set_node_attributes(B, {n: int(n >= 3) for n in B}, "bipartite")
    >>> projection_size(B)
    6
    """
    return sum(d * (d - 1) // 2 for _, d in B.degree(alliances(B)))


def organisation_projection(
    B: nx.Graph, *, weight: str = "shared", max_edges: int = MAX_PROJECTION_EDGES
) -> nx.Graph:
    """Organisations linked by the alliances they share (networkx's bipartite projections).

    >>> B = nx.Graph([("x", "A"), ("y", "A"), ("y", "B"), ("z", "B"), ("x", "B")])
    >>> nx.set_node_attributes(B, {"x": 0, "y": 0, "z": 0, "A": 1, "B": 1}, "bipartite")
    >>> P = organisation_projection(B)
    >>> P.edges["x", "y"]["weight"], P.edges["y", "z"]["weight"]
    (2, 1)
    >>> round(organisation_projection(B, weight="jaccard").edges["x", "z"]["weight"], 2)
    0.5
    """
    bound = projection_size(B)
    if bound > max_edges:
        raise ProjectionTooLarge(
            f"the organisation projection would have up to {bound:,} edges (limit {max_edges:,}); "
            "use the analytics on the bipartite graph (alliances.graph.analytics), or raise max_edges"
        )
    orgs = organisations(B)
    if weight == "shared":
        return bipartite.weighted_projected_graph(B, orgs)
    if weight == "jaccard":
        return bipartite.overlap_weighted_projected_graph(B, orgs, jaccard=True)
    raise NetworkError(f"unknown projection weight {weight!r}; use 'shared' or 'jaccard'")
