"""A SPARQL 1.1 server as the store: the embedded Store's public methods, over HTTP.

Why this shape:
- Any SPARQL 1.1 server will do (Oxigraph server, Apache Jena Fuseki, GraphDB, QLever, Virtuoso): reads go through
  the SPARQL 1.1 Protocol (POST application/sparql-query), writes through one SPARQL UPDATE request each, and the
  full export through the Graph Store Protocol's dataset GET (a SELECT over all quads where the server has none).
- Where the endpoints are: a URL with no path (`http://localhost:7878/`) is an Oxigraph server (`/query`,
  `/update`, `/store`, and its `union-default-graph` switch so raw queries see every graph, as the embedded store
  does); any other URL serves query, update and graph store itself (Fuseki's dataset URL, QLever).
  $ALLIANCES_SPARQL_UPDATE and $ALLIANCES_GRAPH_STORE name other update / graph store URLs (GraphDB's
  `/repositories/<id>/statements`). Credentials go in the URL (`https://user:password@host/…`).
- Each write (a batch of documents, a removal, an import) is ONE update request: DROP the graphs it replaces,
  DELETE DATA / INSERT DATA for the documents and the entities graph. Oxigraph and Fuseki run one request as one
  transaction, so a batch lands whole or not at all. The entities graph is kept up to date with the same pure
  helpers as the embedded store (`graph.store`), computed from what the server says before the write.
- Locking: there is no lock file. The server handles concurrency itself and serialises the requests. Two
  processes writing into one server at the same moment each land atomically, but the entities graph each
  computed from what it read before writing can then miss the other's names; `alliances validate` reports such
  drift (`check_entities`) and `rebuild_entities()` repairs it. Readers always see whole batches.
- User strings never enter query text as text: bound values are terms that Oxigraph serialises (escaped) into a
  VALUES block; names are looked up through the `al:entityKey` index (an exact match), never by a scan.
- An unreachable server, a refused request or a malformed query is a `StoreError` (or `QuerySyntaxError`) that
  names the URL; the CLI prints it on one line with exit code 1 (2 for a malformed query).
"""

from __future__ import annotations

import os
import re
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit, urlunsplit

import httpx
import pyoxigraph as ox

from alliances.graph import export as export_mod
from alliances.graph.store import (
    _FACT_PREDICATES,
    _MANAGED,
    _UPDATE_KEYWORDS,
    _VARNAME,
    AL_KEY,
    DCT_SOURCE,
    DOC_PREFIX,
    ENTITIES,
    ID_PREFIX,
    PROV_GENERATED,
    RDF_TYPE,
    SKOS_PREF,
    DocumentWrite,
    EntityHit,
    QuerySyntaxError,
    SparqlResult,
    StoreError,
    UnknownDocument,
    _added_facts,
    _check_syntax,
    _doc_node,
    _entity_changes,
    _entity_state,
    _entity_triples,
    _Facts,
    _is_doc_graph,
    _kind,
    _refuse,
    _render_update,
    _Shape,
    _shape,
    _text,
    to_python,
    to_term,
)
from alliances.graph.vocab import PREFIXES, normalise

__all__ = ["Endpoints", "RemoteStore", "endpoints_for", "open_remote"]

SPARQL_JSON = "application/sparql-results+json"
SPARQL_TSV = "text/tab-separated-values"
N_TRIPLES = "application/n-triples"
N_QUADS = "application/n-quads"
UPDATE_ENV = "ALLIANCES_SPARQL_UPDATE"
GRAPH_STORE_ENV = "ALLIANCES_GRAPH_STORE"
VALUES_CHUNK = 1000  # terms per VALUES block in the queries that maintain the entities graph
TIMEOUT = httpx.Timeout(600.0, connect=10.0)

_PROLOGUE = "".join(f"PREFIX {prefix}: <{iri}>\n" for prefix, iri in PREFIXES.items())
_URL = re.compile(r"(?i)^(https?):/+(.*)$")
_PASSWORD = re.compile(r"(?i)(^https?:/+[^/@:]*):[^/@]*@")


# ---------------------------------------------------------------- where the server is


@dataclass(frozen=True)
class Endpoints:
    """The URLs of one SPARQL dataset: query, update and (optionally) graph store; `url` is what the user gave."""

    url: str
    query: str
    update: str
    graph_store: str | None
    union_default_graph: bool = False  # ask the server (Oxigraph) to query the union of all graphs


def endpoints_for(url: str, environ: Mapping[str, str] | None = None) -> Endpoints:
    """The endpoints a --store URL stands for (see the module docstring for the rules).

    A URL that went through a filesystem path (`http:/host:7878`, one slash) is repaired.

    >>> endpoints_for("http://localhost:7878/", {}).update
    'http://localhost:7878/update'
    >>> endpoints_for("http://localhost:3030/ds", {}).update
    'http://localhost:3030/ds'
    """
    environ = os.environ if environ is None else environ
    m = _URL.match(url.strip())
    if m is None:
        raise StoreError(f"{_shown(url)!r} is not an http(s) URL of a SPARQL server")
    repaired = f"{m.group(1).lower()}://{m.group(2)}"
    parts = urlsplit(repaired)
    if not parts.hostname:
        raise StoreError(f"{_shown(url)!r} names no host; use e.g. http://localhost:7878/ for an Oxigraph server")
    try:
        parts.port  # noqa: B018 - validates the port
    except ValueError as e:
        raise StoreError(f"{_shown(url)!r} has an invalid port") from e
    if parts.path in ("", "/") and not parts.query:
        base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
        found = Endpoints(base + "/", base + "/query", base + "/update", base + "/store", union_default_graph=True)
    else:
        found = Endpoints(repaired, repaired, repaired, repaired)
    return Endpoints(
        found.url,
        found.query,
        environ.get(UPDATE_ENV) or found.update,
        environ.get(GRAPH_STORE_ENV) or found.graph_store,
        found.union_default_graph,
    )


def open_remote(url: str, *, read_only: bool = False) -> RemoteStore:
    """A RemoteStore for a --store URL. Nothing is sent until the first read or write."""
    return RemoteStore(endpoints_for(url), read_only=read_only)


# ---------------------------------------------------------------- query text


def _values_bound(query: str, shape: _Shape, bindings: Mapping[str, object]) -> str:
    """`query` with a VALUES block per binding at the brace opening its WHERE group (terms, never text)."""
    values: list[str] = []
    for raw_name, value in bindings.items():
        name = raw_name.lstrip("?$")
        if not _VARNAME.match(name):
            raise StoreError(f"cannot bind {raw_name!r}: a variable name is letters, digits and _")
        if not re.search(rf"[?$]{name}(?![A-Za-z0-9_])", query):
            raise StoreError(f"cannot bind ?{name}: the query has no variable ?{name}")
        if isinstance(value, (set, frozenset)):
            value = sorted(value, key=str)
        terms = [to_term(v) for v in value] if isinstance(value, (list, tuple)) else [to_term(value)]
        values.append(f"VALUES ?{name} {{ {' '.join(str(t) for t in terms)} }}")
    if not values:
        return query
    if shape.where_brace is None:
        raise StoreError("cannot bind values in this query: no WHERE { … } group found")
    at = shape.where_brace + 1
    return query[:at] + " " + " ".join(values) + " " + query[at:]


def _iris(iris: Iterable[str]) -> str:
    return " ".join(str(ox.NamedNode(i)) for i in iris)


def _chunks(items: Sequence[str], size: int = VALUES_CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _shown(url: str) -> str:
    """`url` for a message: a password in it is replaced by ***.

    >>> _shown("https://me:secret@graphdb.example/repositories/kg")
    'https://me:***@graphdb.example/repositories/kg'
    """
    return _PASSWORD.sub(r"\1:***@", url)


def _first_line(text: str, limit: int = 300) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


# ---------------------------------------------------------------- the store


class RemoteStore:
    """A SPARQL 1.1 server used as the store. Use as a context manager, or call `close()`.

    The server handles concurrency itself: there is no lock, and `read_only` only keeps this handle from writing.
    """

    def __init__(self, endpoints: Endpoints, *, read_only: bool = False, client: httpx.Client | None = None) -> None:
        self.endpoints = endpoints
        self.location = _shown(endpoints.url)  # for messages: never the password
        self.read_only = read_only
        self._client: httpx.Client | None = client or httpx.Client(timeout=TIMEOUT, follow_redirects=True)

    # -- lifecycle

    def __enter__(self) -> RemoteStore:  # noqa: PYI034 - final
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        state = "closed" if self._client is None else "open"
        return f"<RemoteStore {self.location} {mode} {state}>"

    def close(self) -> None:
        """Close the HTTP connections; every write was committed by the server when its request returned."""
        if self._client is not None:
            client, self._client = self._client, None
            client.close()

    # -- HTTP

    @property
    def _http(self) -> httpx.Client:
        if self._client is None:
            raise StoreError(f"the store at {self.location} is closed; open it again with open_store()")
        return self._client

    def _writable(self) -> None:
        self._http  # noqa: B018 - raises when closed
        if self.read_only:
            raise StoreError(
                f"the store at {self.location} was opened read-only; open it without read_only to change it"
            )

    def _send(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        try:
            response = self._http.request(method, url, **kwargs)  # type: ignore[arg-type]
        except httpx.TimeoutException as e:
            raise StoreError(
                f"the SPARQL server at {_shown(url)} did not answer in time ({e.__class__.__name__})"
            ) from e
        except httpx.HTTPError as e:
            raise StoreError(
                f"cannot reach the SPARQL server at {_shown(url)} ({e or e.__class__.__name__}); "
                "check that it is running and that --store names it"
            ) from e
        return response

    def _refused(self, url: str, response: httpx.Response, what: str) -> StoreError:
        if response.status_code in (401, 403):
            return StoreError(
                f"the SPARQL server at {_shown(url)} refused access ({response.status_code}); "
                "put credentials in the URL (https://user:password@host/…)"
            )
        reason = _first_line(response.text) or response.reason_phrase
        return StoreError(f"the SPARQL server at {_shown(url)} refused the {what} ({response.status_code}: {reason})")

    def _query(self, text: str, accept: str, *, union: bool = True) -> httpx.Response:
        """POST a query (with the project's prefixes declared); the response, or the server's error as-is."""
        params = {"union-default-graph": ""} if union and self.endpoints.union_default_graph else None
        return self._send(
            "POST",
            self.endpoints.query,
            content=(_PROLOGUE + text).encode("utf-8"),
            headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": accept},
            params=params,
        )

    def _solutions(self, original: str, text: str, *, union: bool = True) -> ox.QuerySolutions | ox.QueryBoolean:
        response = self._query(text, SPARQL_JSON, union=union)
        if response.status_code == 400:
            _check_syntax(original)  # raises with positions in the caller's own text
            raise QuerySyntaxError(
                f"the SPARQL server at {_shown(self.endpoints.query)} rejected the query: {_first_line(response.text)}"
            )
        if response.is_error:
            raise self._refused(self.endpoints.query, response, "query")
        try:
            return ox.parse_query_results(response.content, ox.QueryResultsFormat.JSON)
        except SyntaxError as e:
            raise StoreError(
                f"the SPARQL server at {_shown(self.endpoints.query)} sent an answer that is not SPARQL JSON: {e}"
            ) from e

    def _rows(self, text: str, *, union: bool = True) -> list[dict[str, object]]:
        """Rows of one of this module's own queries, as Oxigraph terms (None when unbound)."""
        results = self._solutions(text, text, union=union)
        assert isinstance(results, ox.QuerySolutions)
        names = [v.value for v in results.variables]
        return [{name: solution[name] for name in names} for solution in results]

    def _update(self, text: str) -> None:
        response = self._send(
            "POST",
            self.endpoints.update,
            content=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )
        if response.is_error:
            error = self._refused(self.endpoints.update, response, "update")
            raise StoreError(f"{error}; nothing was written") from None

    # -- queries

    def select(self, query: str, bindings: Mapping[str, object] | None = None) -> list[dict[str, object]]:
        """Run a SELECT; each row maps variable -> Python value (None if unbound). Bindings as in `Store.select`."""
        shape = _shape(query)
        if shape.form != "SELECT":
            _refuse(query, shape, "select() runs SELECT queries")
        results = self._solutions(query, _values_bound(query, shape, bindings or {}))
        assert isinstance(results, ox.QuerySolutions)
        names = [v.value for v in results.variables]
        return [{name: to_python(solution[name]) for name in names} for solution in results]

    def ask(self, query: str, bindings: Mapping[str, object] | None = None) -> bool:
        """Run an ASK, with bindings as in `select`."""
        shape = _shape(query)
        if shape.form != "ASK":
            _refuse(query, shape, "ask() runs ASK queries")
        return bool(self._solutions(query, _values_bound(query, shape, bindings or {})))

    def sparql(self, query: str) -> SparqlResult:
        """Run a raw user query (SELECT, ASK, CONSTRUCT, DESCRIBE); updates are refused before anything is sent."""
        shape = _shape(query)
        if shape.form in _UPDATE_KEYWORDS:
            _check_syntax(query)
        if shape.form in ("CONSTRUCT", "DESCRIBE"):
            response = self._query(query, N_TRIPLES)
            if response.status_code == 400:
                _check_syntax(query)
            if response.is_error:
                raise self._refused(self.endpoints.query, response, "query")
            triples = tuple(q.triple for q in ox.parse(response.content, format=ox.RdfFormat.N_TRIPLES))
            names = ["subject", "predicate", "object"]
            rows = [
                dict(zip(names, (to_python(t.subject), to_python(t.predicate), to_python(t.object)))) for t in triples
            ]
            return SparqlResult("construct", names, rows, None, b"", triples)
        results = self._solutions(query, query)
        payload = results.serialize(format=ox.QueryResultsFormat.JSON) or b""
        if isinstance(results, ox.QueryBoolean):
            return SparqlResult("ask", [], [], bool(results), payload)
        parsed = ox.parse_query_results(payload, ox.QueryResultsFormat.JSON)
        assert isinstance(parsed, ox.QuerySolutions)
        names = [v.value for v in parsed.variables]
        rows = [{n: to_python(s[n]) for n in names} for s in parsed]
        return SparqlResult("select", names, rows, None, payload)

    # -- documents

    def document_ids(self) -> set[str]:
        """Ids (content hashes) of the documents in the store."""
        rows = self._rows(f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ }} FILTER(STRSTARTS(STR(?g), "{DOC_PREFIX}")) }}')
        return {_text(row["g"])[len(DOC_PREFIX) :] for row in rows}

    def has_document(self, doc_id: str) -> bool:
        return self.ask("ASK { GRAPH ?g { ?s ?p ?o } }", {"g": _doc_node(doc_id)})

    def document_by_source(self, source: str) -> str | None:
        """The id of the document read from `source` (the newest, should there be several)."""
        query = (
            f"SELECT ?g ?stamp WHERE {{ VALUES ?source {{ {ox.Literal(source)} }} "
            f"GRAPH ?g {{ ?g {DCT_SOURCE} ?source OPTIONAL {{ ?g {PROV_GENERATED} ?stamp }} }} }}"
        )
        found: dict[str, str] = {}
        for row in self._rows(query):
            graph = row["g"]
            if _is_doc_graph(graph):
                doc_id = _text(graph)[len(DOC_PREFIX) :]
                found[doc_id] = max(found.get(doc_id, ""), _text(row["stamp"]) if row["stamp"] else "")
        return max((stamp, doc_id) for doc_id, stamp in found.items())[1] if found else None

    def write_documents(self, batch: Sequence[DocumentWrite]) -> None:
        """Write a batch of document graphs, dropping the graphs they replace, in ONE update request."""
        self._writable()
        drops: list[ox.NamedNode] = []
        inserts: list[ox.Quad] = []
        seen: set[str] = set()
        for write in batch:
            graph = _doc_node(write.doc_id)
            if write.doc_id in seen:
                raise StoreError(f"document {write.doc_id} appears twice in one batch; write each document once")
            seen.add(write.doc_id)
            stray = next((q for q in write.quads if q.graph_name != graph), None)
            if stray is not None:
                raise StoreError(
                    f"document {write.doc_id}: a quad is in graph {stray.graph_name}, not in the document's graph "
                    f"{graph}: {stray}"
                )
            if write.replaces is not None and write.replaces != write.doc_id:
                drops.append(_doc_node(write.replaces))
            drops.append(graph)
            inserts.extend(write.quads)
        if batch:
            self._commit(drops, inserts)

    def remove_documents(self, doc_ids: Iterable[str]) -> None:
        """Remove documents' graphs (and what the entities graph knew only from them), in one update request."""
        self._writable()
        ids = list(dict.fromkeys(doc_ids))
        present = {_text(g)[len(DOC_PREFIX) :] for g in self._existing_graphs([_doc_node(d) for d in ids])}
        missing = [d for d in ids if d not in present]
        if missing:
            raise UnknownDocument(
                f"no document {', '.join(missing)} in the store at {self.location}; nothing was removed"
            )
        if ids:
            self._commit([_doc_node(d) for d in ids], [])

    def _existing_graphs(self, graphs: Sequence[ox.NamedNode]) -> list[ox.NamedNode]:
        """Those of `graphs` that hold at least one statement, in the given order."""
        names = list(dict.fromkeys(g.value for g in graphs))
        found: set[str] = set()
        for chunk in _chunks(names):
            query = f"SELECT ?g WHERE {{ VALUES ?g {{ {_iris(chunk)} }} FILTER EXISTS {{ GRAPH ?g {{ ?s ?p ?o }} }} }}"
            found.update(_text(row["g"]) for row in self._rows(query))
        return [ox.NamedNode(n) for n in names if n in found]

    def _commit(self, drops: Sequence[ox.NamedNode], inserts: Sequence[ox.Quad]) -> None:
        """Drop graphs, insert quads and refresh the entities graph for every entity touched: one request.

        The same computation as the embedded store's, fed by queries instead of index scans.
        """
        self._writable()
        dropped = self._existing_graphs(drops)

        # entities a dropped graph says something about: recompute them from the document graphs that remain
        dropped_facts: Counter[tuple[str, ox.NamedNode, object]] = Counter()
        predicates = " ".join(str(p) for p in _FACT_PREDICATES)
        for chunk in _chunks([g.value for g in dropped]):
            query = (
                f"SELECT ?g ?e ?p ?o WHERE {{ VALUES ?g {{ {_iris(chunk)} }} VALUES ?p {{ {predicates} }} "
                f'GRAPH ?g {{ ?e ?p ?o }} FILTER(isIRI(?e) && STRSTARTS(STR(?e), "{ID_PREFIX}")) }}'
            )
            for row in self._rows(query):
                predicate = row["p"]
                assert isinstance(predicate, ox.NamedNode)
                dropped_facts[(_text(row["e"]), predicate, row["o"])] += 1
        recompute = {iri for iri, _, _ in dropped_facts}

        added = _added_facts(inserts)
        remaining = self._document_facts(recompute, minus=dropped_facts)
        current = self._entity_graph_triples(recompute | set(added))
        deletes, entity_inserts = _entity_changes(recompute, added, remaining, current)

        update = _render_update(dropped, deletes, [*inserts, *entity_inserts])
        if update:
            self._update(update)

    def _entity_graph_triples(self, iris: Iterable[str]) -> dict[str, set[ox.Triple]]:
        out: dict[str, set[ox.Triple]] = {}
        for chunk in _chunks(sorted(iris)):
            query = f"SELECT ?e ?p ?o WHERE {{ VALUES ?e {{ {_iris(chunk)} }} GRAPH {ENTITIES} {{ ?e ?p ?o }} }}"
            for row in self._rows(query):
                subject, predicate, obj = row["e"], row["p"], row["o"]
                assert isinstance(subject, ox.NamedNode) and isinstance(predicate, ox.NamedNode)
                out.setdefault(subject.value, set()).add(ox.Triple(subject, predicate, obj))  # type: ignore[arg-type]
        return out

    def _document_facts(
        self, iris: Iterable[str], minus: Counter[tuple[str, ox.NamedNode, object]]
    ) -> dict[str, _Facts]:
        """Types and names of these entities in the document graphs, without the occurrences in `minus`.

        The server counts the document graphs that state each fact; a fact survives when more graphs state it
        than are being dropped.
        """
        predicates = " ".join(str(p) for p in _FACT_PREDICATES)
        facts: dict[str, _Facts] = {}
        for chunk in _chunks(sorted(iris)):
            query = (
                f"SELECT ?e ?p ?o (COUNT(?g) AS ?n) WHERE {{ VALUES ?e {{ {_iris(chunk)} }} "
                f"VALUES ?p {{ {predicates} }} GRAPH ?g {{ ?e ?p ?o }} "
                f'FILTER (STRSTARTS(STR(?g), "{DOC_PREFIX}")) }} GROUP BY ?e ?p ?o'
            )
            for row in self._rows(query):
                iri, predicate, obj = _text(row["e"]), row["p"], row["o"]
                assert isinstance(predicate, ox.NamedNode)
                if int(_text(row["n"])) > minus.get((iri, predicate, obj), 0):
                    facts.setdefault(iri, _Facts()).add(predicate, obj)
        return facts

    # -- entities graph maintenance

    def expected_entities(self) -> dict[str, set[ox.Triple]]:
        """The entities graph as the document graphs define it (recomputed from scratch), per entity IRI."""
        predicates = " ".join(str(p) for p in _FACT_PREDICATES)
        query = (
            f"SELECT DISTINCT ?e ?p ?o WHERE {{ VALUES ?p {{ {predicates} }} GRAPH ?g {{ ?e ?p ?o }} "
            f'FILTER(STRSTARTS(STR(?g), "{DOC_PREFIX}") && isIRI(?e) && STRSTARTS(STR(?e), "{ID_PREFIX}")) }}'
        )
        facts: dict[str, _Facts] = {}
        for row in self._rows(query):
            predicate = row["p"]
            assert isinstance(predicate, ox.NamedNode)
            facts.setdefault(_text(row["e"]), _Facts()).add(predicate, row["o"])
        out = {}
        for iri, f in facts.items():
            triples = _entity_triples(iri, *_entity_state(f))
            if triples:
                out[iri] = triples
        return out

    def _managed_entity_triples(self) -> tuple[dict[str, set[ox.Triple]], list[ox.Quad]]:
        """The entities graph: what this module manages, per IRI, and everything else as quads."""
        managed: dict[str, set[ox.Triple]] = {}
        other: list[ox.Quad] = []
        for row in self._rows(f"SELECT ?s ?p ?o WHERE {{ GRAPH {ENTITIES} {{ ?s ?p ?o }} }}"):
            subject, predicate, obj = row["s"], row["p"], row["o"]
            if predicate in _MANAGED:
                triple = ox.Triple(subject, predicate, obj)  # type: ignore[arg-type]
                managed.setdefault(_text(subject), set()).add(triple)
            else:
                other.append(ox.Quad(subject, predicate, obj, ENTITIES))  # type: ignore[arg-type]
        return managed, other

    def check_entities(self) -> list[str]:
        """Differences between the entities graph and what the document graphs define; empty when consistent."""
        expected = self.expected_entities()
        actual, _ = self._managed_entity_triples()
        problems: list[str] = []
        for iri in sorted(set(expected) | set(actual)):
            missing = expected.get(iri, set()) - actual.get(iri, set())
            extra = actual.get(iri, set()) - expected.get(iri, set())
            problems.extend(f"entities graph lacks {t}" for t in sorted(map(str, missing)))
            problems.extend(f"entities graph has stale {t}" for t in sorted(map(str, extra)))
        return problems

    def rebuild_entities(self) -> int:
        """Recompute the whole entities graph from the document graphs (one update request); returns its size."""
        self._writable()
        expected = self.expected_entities()
        _, keep = self._managed_entity_triples()
        quads = [ox.Quad(t.subject, t.predicate, t.object, ENTITIES) for ts in expected.values() for t in ts]
        self._update(_render_update([ENTITIES], [], [*keep, *quads]))
        return len(quads) + len(keep)

    # -- entities

    def lookup(self, name: str) -> list[EntityHit]:
        """Entities with a name that normalises like `name`: an exact match on the al:entityKey index."""
        key = normalise(name)
        if not key:
            return []
        query = (
            f"SELECT ?e ?label ?type WHERE {{ VALUES ?key {{ {ox.Literal(key)} }} GRAPH {ENTITIES} {{ "
            f"?e {AL_KEY} ?key OPTIONAL {{ ?e {SKOS_PREF} ?label }} OPTIONAL {{ ?e {RDF_TYPE} ?type }} }} }}"
        )
        labels: dict[str, set[str]] = {}
        types: dict[str, set[str]] = {}
        for row in self._rows(query):
            iri = _text(row["e"])
            labels.setdefault(iri, set())
            types.setdefault(iri, set())
            if row["label"] is not None:
                labels[iri].add(_text(row["label"]))
            if row["type"] is not None:
                types[iri].add(_text(row["type"]))
        hits = {EntityHit(iri, min(labels[iri], default=""), _kind(iri, types[iri])) for iri in labels}
        return sorted(hits, key=lambda h: (h.label.casefold(), h.iri))

    def entity_labels(self) -> dict[str, tuple[str, str]]:
        """Every entity: IRI -> (prefLabel, kind)."""
        query = (
            f"SELECT ?e ?p ?o WHERE {{ VALUES ?p {{ {RDF_TYPE} {SKOS_PREF} }} GRAPH {ENTITIES} {{ ?e ?p ?o }} "
            "FILTER(isIRI(?e)) }"
        )
        types: dict[str, set[str]] = {}
        labels: dict[str, str] = {}
        for row in self._rows(query):
            iri, value = _text(row["e"]), _text(row["o"])
            if row["p"] == RDF_TYPE:
                types.setdefault(iri, set()).add(value)
            else:
                labels[iri] = min(labels.get(iri, value), value)
        return {iri: (labels.get(iri, ""), _kind(iri, ts)) for iri, ts in types.items()}

    # -- files

    def export(self, fmt: str, out: BinaryIO) -> int:
        """Write the store as turtle (union of all graphs), trig, nquads or json-ld; returns the statement count.

        The server's answer is spooled to a temporary file first, so a big store never sits in memory whole.
        """
        if fmt not in export_mod.EXPORT_FORMATS:
            raise StoreError(f"unknown RDF format {fmt!r}; use one of {', '.join(export_mod.EXPORT_FORMATS)}")
        rdf_format, keeps_graphs = export_mod.EXPORT_FORMATS[fmt]
        prefixes = PREFIXES if rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG) else None
        count = 0
        with tempfile.TemporaryDirectory(prefix="alliances-export-") as folder:
            spool = Path(folder) / "answer"
            if keeps_graphs:
                self._dump_quads(spool)
                statements: Iterator[ox.Quad | ox.Triple] = ox.parse(path=str(spool), format=ox.RdfFormat.N_QUADS)
            else:
                self._spool(
                    spool,
                    "SELECT DISTINCT ?s ?p ?o WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } ORDER BY ?s ?p ?o",
                    union=False,
                )
                statements = (ox.Triple(row["s"], row["p"], row["o"]) for row in self._spooled(spool))

            def counted() -> Iterator[ox.Quad | ox.Triple]:
                nonlocal count
                for statement in statements:
                    count += 1
                    yield statement

            try:
                ox.serialize(counted(), out, rdf_format, prefixes=prefixes)  # type: ignore[arg-type]  # one kind
            except SyntaxError as e:
                raise StoreError(f"the SPARQL server at {self.location} sent RDF that does not parse: {e}") from e
        return count

    def _dump_quads(self, path: Path) -> None:
        """Every quad into an N-Quads file: the Graph Store Protocol's dataset GET, or a SELECT where there is none."""
        url = self.endpoints.graph_store
        if url is not None:
            try:
                with self._http.stream("GET", url, headers={"Accept": N_QUADS}) as response:
                    if response.status_code == 200 and "n-quads" in response.headers.get("content-type", ""):
                        with path.open("wb") as handle:
                            for chunk in response.iter_bytes():
                                handle.write(chunk)
                        return
            except httpx.HTTPError as e:
                raise StoreError(
                    f"cannot reach the SPARQL server at {_shown(url)} ({e}); check that it is running"
                ) from e
        self._spool(path, "SELECT ?s ?p ?o ?g WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", union=False)
        quads = (
            ox.Quad(row["s"], row["p"], row["o"], row["g"] if row["g"] is not None else ox.DefaultGraph())
            for row in self._spooled(path)
        )
        target = path.with_suffix(".nq")
        with target.open("wb") as handle:
            ox.serialize(quads, handle, ox.RdfFormat.N_QUADS)
        target.replace(path)

    def _spool(self, path: Path, query: str, *, union: bool = True) -> None:
        """A SELECT's answer as SPARQL TSV, streamed into `path`."""
        params = {"union-default-graph": ""} if union and self.endpoints.union_default_graph else None
        url = self.endpoints.query
        try:
            with self._http.stream(
                "POST",
                url,
                content=(_PROLOGUE + query).encode("utf-8"),
                headers={"Content-Type": "application/sparql-query; charset=utf-8", "Accept": SPARQL_TSV},
                params=params,
            ) as response:
                if response.is_error:
                    response.read()
                    raise self._refused(url, response, "query")
                with path.open("wb") as handle:
                    for chunk in response.iter_bytes():
                        handle.write(chunk)
        except httpx.HTTPError as e:
            raise StoreError(f"cannot reach the SPARQL server at {_shown(url)} ({e}); check that it is running") from e

    @staticmethod
    def _spooled(path: Path) -> Iterator[ox.QuerySolution]:
        """The rows of a spooled SPARQL TSV answer, read as they are needed."""
        results = ox.parse_query_results(path=str(path), format=ox.QueryResultsFormat.TSV)
        assert isinstance(results, ox.QuerySolutions)
        yield from results

    def import_file(self, path: Path, fmt: str | None = None) -> int:
        """Load an RDF file in one update request; returns the number of statements read.

        Document graphs in the file replace the store's graphs of the same name; the file's entities graph is
        ignored and recomputed; every other statement (default graph, other named graphs) is added.
        """
        self._writable()
        try:
            quads = export_mod.read_file(Path(path), fmt)
        except export_mod.ExportError as e:
            raise StoreError(str(e)) from e
        drops: dict[str, ox.NamedNode] = {}
        inserts: list[ox.Quad] = []
        for q in quads:
            if q.graph_name == ENTITIES:
                continue
            if _is_doc_graph(q.graph_name):
                drops.setdefault(q.graph_name.value, q.graph_name)  # type: ignore[union-attr]
            inserts.append(q)
        self._commit(list(drops.values()), inserts)
        return len(quads)

    # -- numbers

    def stats(self) -> dict[str, int]:
        """Documents, quads, entities per kind, assertions, and distinct edges per relation."""
        from alliances.graph.vocab import RELATION_PREDICATES

        kinds = [kind for _, kind in self.entity_labels().values()]
        out = {
            "documents": len(self.document_ids()),
            "quads": len(self),
            "organisations": kinds.count("Organisation"),
            "alliances": kinds.count("Alliance"),
            "persons": kinds.count("Person"),
            "assertions": self._count("SELECT (COUNT(DISTINCT ?a) AS ?n) WHERE { GRAPH ?g { ?a a al:Assertion } }"),
        }
        for relation, predicate in RELATION_PREDICATES.items():
            out[relation] = self._count(
                f"SELECT (COUNT(*) AS ?n) WHERE {{ SELECT DISTINCT ?s ?o WHERE {{ GRAPH ?g {{ ?s <{predicate}> ?o }} "
                f'FILTER(STRSTARTS(STR(?g), "{DOC_PREFIX}")) }} }}'
            )
        return out

    def _count(self, query: str, *, union: bool = True) -> int:
        rows = self._rows(query, union=union)
        value = rows[0]["n"] if rows else None
        return int(_text(value)) if value is not None else 0

    def __len__(self) -> int:
        return self._count(
            "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", union=False
        )
