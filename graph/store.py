"""The persistent RDF store: an embedded Oxigraph (RocksDB) database on disk, one named graph per document.

Why this shape:
- Every change is ONE SPARQL UPDATE request, which Oxigraph runs as one RocksDB write batch: a batch of documents,
  the graphs it replaces and the refreshed entities graph land together or not at all, also when the process is
  killed midway (the write-ahead log replays whole batches only). Large batches of new documents (ingest at
  scale) go through Oxigraph's bulk loader instead, several times faster, with a journal that the next writer
  uses to undo a batch cut short (`Store._commit_bulk`): still all of a batch or none of it.
- The entities graph (`graph.vocab.ENTITIES_GRAPH`) is derived data: for every entity IRI typed in some document
  graph it holds the union of its types, exactly one `skos:prefLabel` (the longest name, ties alphabetically) and
  one `al:entityKey` per name (`graph.vocab.normalise`), which `lookup` reads through Oxigraph's object index.
- Oxigraph lets one process open a store for writing (RocksDB's LOCK file). A second writer, in this process or
  another, gets `StoreLocked`. Readers (`read_only=True`) open without the lock, also while a writer works, and
  see the store as it was when they opened it (never half a batch). Oxigraph calls reading while another process
  writes unsupported because the writer's compaction may delete a file the reader has not opened yet; a read that
  hits this reopens the reader on the newer state and retries, and only then reports a `StoreError` saying to retry.
- Each write ends with a flush, so the write-ahead log stays short and opening a store (or a reader) stays fast.
- User strings never enter query text: `select` binds values with Oxigraph's substitutions or, where the query
  does not project the variable, with a `VALUES` block whose terms Oxigraph itself serialises.
"""

from __future__ import annotations

import functools
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, NoReturn, TypeVar
from typing import Literal as TypingLiteral

import pyoxigraph as ox

from alliances.graph import export as export_mod
from alliances.graph.vocab import BASE, ENTITIES_GRAPH, PREFIXES, document_iri, normalise

__all__ = [
    "DocumentWrite",
    "EntityHit",
    "QuerySyntaxError",
    "ReadOnlyQuery",
    "SparqlResult",
    "Store",
    "StoreError",
    "StoreLocked",
    "UnknownDocument",
    "default_store_path",
    "open_store",
]


# ---------------------------------------------------------------- errors


class StoreError(Exception):
    """Something went wrong with the store; the message says what, where, and what to do."""


class StoreLocked(StoreError):
    """Another process (or another open Store in this process) holds the write lock on this store."""


class QuerySyntaxError(StoreError):
    """A malformed SPARQL query; the message carries Oxigraph's line:column and the offending line."""


class ReadOnlyQuery(StoreError):
    """An update (INSERT, DELETE, LOAD, CLEAR, DROP, …) sent to the read-only query path."""


class UnknownDocument(StoreError):
    """A document id that is not in the store."""


# ---------------------------------------------------------------- terms

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_AL = PREFIXES["al"]
_ORG = PREFIXES["org"]
_FOAF = PREFIXES["foaf"]
_DCTERMS = PREFIXES["dcterms"]
_PROV = PREFIXES["prov"]

RDF_TYPE = ox.NamedNode(_RDF + "type")
SKOS_PREF = ox.NamedNode(_SKOS + "prefLabel")
SKOS_ALT = ox.NamedNode(_SKOS + "altLabel")
FOAF_NAME = ox.NamedNode(_FOAF + "name")
AL_GENERATED = ox.NamedNode(_AL + "generatedName")
AL_KEY = ox.NamedNode(_AL + "entityKey")
DCT_SOURCE = ox.NamedNode(_DCTERMS + "source")
PROV_GENERATED = ox.NamedNode(_PROV + "generatedAtTime")
ENTITIES = ox.NamedNode(str(ENTITIES_GRAPH))

PENDING = ox.NamedNode(BASE + "graph/pending")  # journal of a bulk batch in progress (see Store._commit_bulk)
AL_DOCUMENT = ox.NamedNode(_AL + "Document")
BULK_MIN_QUADS = 20_000  # below this a batch is one update; above, the bulk loader is several times faster

DOC_PREFIX = BASE + "doc/"
ID_PREFIX = BASE + "id/"
_FACT_PREDICATES = (RDF_TYPE, SKOS_ALT, FOAF_NAME, AL_GENERATED)
_MANAGED = (RDF_TYPE, SKOS_PREF, AL_KEY)  # what this module writes into the entities graph

EntityKind = TypingLiteral["Organisation", "Alliance", "Person"]
_ALLIANCE_TYPES = {_AL + "Alliance", _ORG + "OrganizationalCollaboration"}
_PERSON_TYPES = {_FOAF + "Person", "https://schema.org/Person"}
_SEGMENT_KINDS = {"org": "Organisation", "alliance": "Alliance", "person": "Person"}

_INT_TYPES = {
    _XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedLong",
        "unsignedInt",
        "unsignedShort",
        "unsignedByte",
    )
}
_FLOAT_TYPES = {_XSD + "decimal", _XSD + "double", _XSD + "float"}
_BOOLEAN = _XSD + "boolean"


def _kind(iri: str, types: Iterable[str]) -> EntityKind:
    """Organisation, Alliance or Person, from the types (alliance wins over organisation) or the IRI segment."""
    types = set(types)
    if types & _ALLIANCE_TYPES:
        return "Alliance"
    if types & _PERSON_TYPES:
        return "Person"
    if iri.startswith(ID_PREFIX):
        segment = iri[len(ID_PREFIX) :].split("/", 1)[0]
        if segment in _SEGMENT_KINDS:
            return _SEGMENT_KINDS[segment]  # type: ignore[return-value]
    return "Organisation"


def to_python(term: object) -> object:
    """An Oxigraph term as a plain Python value: IRI -> str, typed literal -> int/float/bool/str, None -> None."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        datatype = term.datatype.value
        try:
            if datatype in _INT_TYPES:
                return int(term.value)
            if datatype in _FLOAT_TYPES:
                return float(term.value)
            if datatype == _BOOLEAN:
                return term.value in ("true", "1")
        except ValueError:
            return term.value  # an ill-typed literal keeps its lexical form
        return term.value
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    return str(term)


def to_term(value: object) -> ox.NamedNode | ox.Literal | ox.BlankNode:
    """A Python value as an Oxigraph term for binding: rdflib URIRef/NamedNode -> IRI, str -> plain literal."""
    if isinstance(value, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return value
    try:  # rdflib terms, without importing rdflib here
        import rdflib

        if isinstance(value, rdflib.URIRef):
            return ox.NamedNode(str(value))
        if isinstance(value, rdflib.Literal):
            if value.language:
                return ox.Literal(str(value), language=value.language)
            if value.datatype:
                return ox.Literal(str(value), datatype=ox.NamedNode(str(value.datatype)))
            return ox.Literal(str(value))
    except ImportError:  # pragma: no cover - rdflib is a dependency
        pass
    if isinstance(value, (bool, int, float, str)):
        return ox.Literal(value)
    raise StoreError(
        f"cannot bind {value!r} ({type(value).__name__}) in a query; "
        "pass a str (literal), int, float, bool, rdflib.URIRef or a pyoxigraph term"
    )


# ---------------------------------------------------------------- public values


@dataclass(frozen=True)
class DocumentWrite:
    """One document's named graph to (re)write, and optionally the older version of the same source it replaces."""

    doc_id: str
    quads: Sequence[ox.Quad]
    replaces: str | None = None


@dataclass(frozen=True)
class EntityHit:
    """An entity a name resolved to."""

    iri: str
    label: str
    kind: str  # "Organisation" | "Alliance" | "Person"


_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "xml": ox.QueryResultsFormat.XML,
}
_GRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES}


@dataclass(frozen=True)
class SparqlResult:
    """The answer to a raw SPARQL query, materialised so it outlives the store it came from."""

    kind: str  # "select" | "ask" | "construct" (CONSTRUCT and DESCRIBE)
    variables: list[str]
    rows: list[dict[str, object]]
    boolean: bool | None = None
    _payload: bytes = field(default=b"", repr=False)  # SPARQL-JSON for select/ask
    _triples: tuple[ox.Triple, ...] = field(default=(), repr=False)

    def serialize(self, fmt: str) -> bytes:
        """SELECT/ASK as "json", "csv", "tsv" or "xml"; CONSTRUCT/DESCRIBE as "turtle" or "ntriples"."""
        if self.kind == "construct":
            if fmt not in _GRAPH_FORMATS:
                raise StoreError(f"format {fmt!r} does not fit a CONSTRUCT/DESCRIBE result; use turtle or ntriples")
            prefixes = PREFIXES if fmt == "turtle" else None
            return ox.serialize(self._triples, format=_GRAPH_FORMATS[fmt], prefixes=prefixes) or b""
        if fmt not in _RESULT_FORMATS:
            raise StoreError(f"format {fmt!r} does not fit a {self.kind.upper()} result; use json, csv, tsv or xml")
        if fmt == "json":
            return self._payload
        parsed = ox.parse_query_results(self._payload, ox.QueryResultsFormat.JSON)
        return parsed.serialize(format=_RESULT_FORMATS[fmt]) or b""


# ---------------------------------------------------------------- locations


def default_store_path() -> Path:
    """$ALLIANCES_STORE if set, else $XDG_DATA_HOME/alliances/store (~/.local/share/alliances/store)."""
    explicit = os.environ.get("ALLIANCES_STORE")
    if explicit:
        return Path(explicit).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home).expanduser() / "alliances" / "store"


def open_store(location: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Store:
    """Open (and for writing, create) the store at `location` (default: `default_store_path()`).

    An http(s) URL opens a SPARQL 1.1 server instead (`graph.remote.RemoteStore`, the same public methods).
    """
    if location is None:
        location = default_store_path()
    text = os.fspath(location)
    if re.match(r"(?i)^https?:/", text):  # one slash too: a URL that went through pathlib
        from alliances.graph.remote import open_remote

        return open_remote(text, read_only=read_only)  # type: ignore[return-value]  # duck-typed Store
    path = Path(text).expanduser()
    if path.exists() and not path.is_dir():
        raise StoreError(f"{path} is a file, not a store folder; pass a folder to --store")
    is_store = (path / "CURRENT").is_file()
    if read_only:
        if not is_store:
            raise StoreError(f"no store at {path}; run `alliances ingest` first")
    elif path.is_dir() and not is_store and any(path.iterdir()):
        raise StoreError(
            f"{path} is a folder with other files in it, not an alliances store; pass an empty or new folder to --store"
        )
    try:
        if read_only:
            inner = _open_read_only(path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            inner = ox.Store(str(path))
    except OSError as e:
        message = str(e)
        if "lock" in message.lower():
            raise StoreLocked(
                f"the store at {path} is locked: another alliances process is writing to it; "
                "wait for it to finish or use another --store"
            ) from e
        raise StoreError(f"could not open the store at {path}: {message}") from e
    except (RuntimeError, ValueError) as e:
        raise StoreError(
            f"could not open the store at {path}: {e}. If another process is writing to it, retry when it is done."
        ) from e
    return Store(inner, str(path), read_only=read_only)


_READ_ONLY_ATTEMPTS = 8


def _open_read_only(path: Path) -> ox.Store:
    """Open without the lock. A writer's compaction can delete a file between RocksDB reading its manifest and
    opening the file; that race is retried (the reader then holds its files open and reads a stable state)."""
    for attempt in range(_READ_ONLY_ATTEMPTS):
        try:
            return ox.Store.read_only(str(path))
        except (OSError, RuntimeError) as e:
            if attempt == _READ_ONLY_ATTEMPTS - 1 or "No such file" not in str(e):
                raise
            time.sleep(0.02 * (attempt + 1))
    raise AssertionError("unreachable")  # pragma: no cover


# ---------------------------------------------------------------- entities graph


@dataclass
class _Facts:
    """What the document graphs say about one entity: its types and names."""

    types: set[str] = field(default_factory=set)
    labels: set[str] = field(default_factory=set)
    generated: set[str] = field(default_factory=set)

    def add(self, predicate: ox.NamedNode, obj: object) -> None:
        if predicate == RDF_TYPE:
            if isinstance(obj, ox.NamedNode):
                self.types.add(obj.value)
        elif isinstance(obj, ox.Literal):
            (self.generated if predicate == AL_GENERATED else self.labels).add(obj.value)


def _best(labels: Iterable[str]) -> str | None:
    """The longest label, ties broken alphabetically (by code point)."""
    return min(labels, key=lambda label: (-len(label), label), default=None)


def _entity_state(facts: _Facts) -> tuple[set[str], str | None, set[str]]:
    """(types, prefLabel, keys) of an entity in the entities graph.

    The prefLabel is the best altLabel/foaf:name; only an entity with no such name falls back to its
    al:generatedName. Keys come from real names only, so "prefLabel has no key" marks a generated prefLabel.
    """
    keys = {k for k in (normalise(label) for label in facts.labels) if k}
    pref = _best(facts.labels) if facts.labels else _best(facts.generated)
    return set(facts.types), pref, keys


def _entity_triples(iri: str, types: set[str], pref: str | None, keys: set[str]) -> set[ox.Triple]:
    if not types:
        return set()
    subject = ox.NamedNode(iri)
    triples = {ox.Triple(subject, RDF_TYPE, ox.NamedNode(t)) for t in types}
    if pref is not None:
        triples.add(ox.Triple(subject, SKOS_PREF, ox.Literal(pref)))
    triples.update(ox.Triple(subject, AL_KEY, ox.Literal(k)) for k in keys)
    return triples


def _text(term: object) -> str:
    """The lexical value of an IRI, literal or blank node (Oxigraph's `.value`)."""
    if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)):
        return term.value
    return str(term)


def _is_doc_graph(graph: object) -> bool:
    return isinstance(graph, ox.NamedNode) and graph.value.startswith(DOC_PREFIX)


def _is_entity(term: object) -> bool:
    return isinstance(term, ox.NamedNode) and term.value.startswith(ID_PREFIX)


# ---------------------------------------------------------------- update text


def _graph_block(graph: object, triples: Iterable[str]) -> str:
    body = "\n".join(triples)
    if isinstance(graph, ox.DefaultGraph):
        return body
    return f"GRAPH {graph} {{\n{body}\n}}"


def _render_update(drops: Sequence[ox.NamedNode], deletes: Sequence[ox.Quad], inserts: Sequence[ox.Quad]) -> str:
    """One SPARQL UPDATE request: drop graphs, delete data, insert data. Oxigraph runs it as one transaction.

    Terms are written by Oxigraph's own N-Triples serialiser (`str(term)`), which escapes quotes, backslashes and
    newlines; IRIs were validated when the terms were made. All inserts go in one INSERT DATA so blank node
    labels keep one scope.
    """
    operations = [f"DROP SILENT GRAPH {g}" for g in drops]
    for keyword, quads in (("DELETE", [q for q in deletes if not _has_blank(q)]), ("INSERT", inserts)):
        if not quads:
            continue
        by_graph: dict[object, list[str]] = {}
        for q in quads:
            by_graph.setdefault(q.graph_name, []).append(f"{q.subject} {q.predicate} {q.object} .")
        blocks = "\n".join(_graph_block(g, triples) for g, triples in by_graph.items())
        operations.append(f"{keyword} DATA {{\n{blocks}\n}}")
    return " ;\n".join(operations)


def _has_blank(quad: ox.Quad) -> bool:
    return any(isinstance(t, ox.BlankNode) for t in (quad.subject, quad.object, quad.graph_name))


# ---------------------------------------------------------------- query text

_UPDATE_KEYWORDS = {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
_QUERY_FORMS = {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}
_IRIREF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_POSITION = re.compile(r"(\d+):(\d+)")


@dataclass(frozen=True)
class _Shape:
    """The top-level structure of a query that binding needs: its form, projection and WHERE brace."""

    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE, or the first update keyword, or None
    projection: str | None  # the text between SELECT and WHERE (SELECT queries)
    where_brace: int | None  # index of the "{" opening the WHERE group


def _scan(query: str) -> Iterator[tuple[int, str]]:
    """Top-level tokens of a SPARQL text as (index, token), skipping strings, IRIs and comments.

    Tokens are words, variables and single punctuation characters; braces and parentheses are reported so the
    caller can track depth. Enough to find the query form and the WHERE clause, not a parser.
    """
    i, n = 0, len(query)
    while i < n:
        c = query[i]
        if c.isspace():
            i += 1
        elif c == "#":
            end = query.find("\n", i)
            i = n if end < 0 else end + 1
        elif c in "\"'":
            quote = c * 3 if query.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not query.startswith(quote, j):
                j += 2 if query[j] == "\\" else 1
            yield i, "STRING"
            i = j + len(quote)
        elif c == "<" and (m := _IRIREF.match(query, i)):
            yield i, "IRI"
            i = m.end()
        elif c.isalnum() or c in "_?$:":
            j = i + 1
            while j < n and (query[j].isalnum() or query[j] in "_-.:?$"):
                j += 1
            yield i, query[i:j].rstrip(".")
            i = j
        else:
            yield i, c
            i += 1


def _shape(query: str) -> _Shape:
    """The query form, the SELECT projection and the brace that opens the WHERE group (None when not found)."""
    form = None
    depth = parens = 0
    select_end = None
    where_seen = False
    first_brace = None
    for index, token in _scan(query):
        upper = token.upper()
        if token == "(":
            parens += 1
        elif token == ")":
            parens -= 1
        elif token == "{":
            if depth == 0 and parens == 0:
                if where_seen or form in ("SELECT", "ASK"):
                    projection: str | None = None
                    if form == "SELECT" and select_end is not None:
                        projection = query[select_end:index]
                    if where_seen and projection is not None:
                        projection = re.sub(r"(?i)\bWHERE\s*$", "", projection.rstrip())
                    return _Shape(form, projection, index)
                if first_brace is None:
                    first_brace = index
                elif form == "CONSTRUCT":  # CONSTRUCT { template } { pattern } without WHERE
                    return _Shape(form, None, index)
            depth += 1
        elif token == "}":
            depth -= 1
        elif depth == 0 and parens == 0:
            if form is None and (upper in _QUERY_FORMS or upper in _UPDATE_KEYWORDS):
                form = upper
                if form == "SELECT":
                    select_end = index + len(token)
            elif upper == "WHERE":
                where_seen = True
    return _Shape(form, None, None)


def _constants_in_patterns(query: str, where_brace: int, constants: Mapping[str, str]) -> str:
    """Write bound IRIs into the triple patterns of the WHERE group as constants.

    Oxigraph plans a substituted variable as unknown, so an OPTIONAL over assertions joins every assertion of the
    store (member-of: 22 ms at 10^5 quads; 1.2 ms with the IRI as a constant). Only triple-pattern positions
    outside parentheses are rewritten (never FILTER, BIND or function arguments), nothing when the group holds a
    subquery; the text written is Oxigraph's own serialisation of a validated IRI, never the user's string.
    """
    edits: list[tuple[int, int, str]] = []
    kept: set[str] = set()  # variables also used where a constant cannot stand: leave them all as they are
    depth, parens, end = 0, 0, len(query)
    for i, token in _scan(query[where_brace:]):
        if token == "{":
            depth += 1
        elif token == "}":
            depth -= 1
            if depth == 0:
                end = where_brace + i
                break
        elif token == "(":
            parens += 1
        elif token == ")":
            parens -= 1
        elif token.upper() == "SELECT":
            return query
        elif token[:1] in "?$" and token[1:] in constants:
            if parens:
                kept.add(token[1:])
            else:
                edits.append((where_brace + i, where_brace + i + len(token), token[1:]))
    kept |= {t[1:] for _, t in _scan(query[end:]) if t[:1] in "?$"}  # ORDER BY, GROUP BY, HAVING
    for start, stop, name in reversed(edits):
        if name not in kept:
            query = query[:start] + constants[name] + query[stop:]
    return query


def _projected(projection: str | None) -> set[str] | None:
    """Variables a SELECT projects (`?x`, `(expr AS ?x)`), or None for `SELECT *`."""
    if projection is None:
        return set()
    names: set[str] = set()
    depth = 0
    after_as = False
    for _, token in _scan(projection):
        if token == "(":
            depth += 1
        elif token == ")":
            depth -= 1
        elif token == "*" and depth == 0:
            return None
        elif token[0] in "?$" and (depth == 0 or after_as):
            names.add(token[1:])
        after_as = token.upper() == "AS"
    return names


def _syntax_message(query: str, error: BaseException) -> str:
    """Oxigraph's message, plus the offending line with a caret under the column it names."""
    message = str(error)
    m = _POSITION.search(message)
    if not m:
        return f"malformed SPARQL: {message}"
    line_no, col = int(m.group(1)), int(m.group(2))
    lines = query.splitlines() or [""]
    if 1 <= line_no <= len(lines):
        line = lines[line_no - 1]
        return f"malformed SPARQL at line {line_no}, column {col}: {message}\n  {line}\n  {' ' * max(col - 1, 0)}^"
    return f"malformed SPARQL at line {line_no}, column {col}: {message}"


def _check_syntax(query: str) -> None:
    """Raise QuerySyntaxError/ReadOnlyQuery for a text that is not a valid query (parsed on an empty store)."""
    try:
        ox.Store().query(query, prefixes=PREFIXES)
    except SyntaxError as e:
        if _shape(query).form in _UPDATE_KEYWORDS:
            raise ReadOnlyQuery(
                "this command runs SPARQL queries only (SELECT, ASK, CONSTRUCT, DESCRIBE); updates such as "
                "INSERT, DELETE, LOAD or DROP are refused. Change the store with `alliances ingest` or `alliances remove`."
            ) from e
        raise QuerySyntaxError(_syntax_message(query, e)) from e


def _refuse(query: str, shape: _Shape, what: str) -> NoReturn:
    """Raise the most useful error for a query of the wrong form: syntax first, then updates, then the form."""
    if shape.form is None or shape.form in _UPDATE_KEYWORDS:
        _check_syntax(query)
    raise StoreError(f"{what}; this is a {shape.form or 'text that is not a'} query")


# ---------------------------------------------------------------- the store

_R = TypeVar("_R")


def _reads(method: Callable[..., _R]) -> Callable[..., _R]:
    """Turn storage errors of a read into StoreError; a read-only store whose files a writer compacted away is
    reopened (on the writer's newer state) and the read retried."""

    @functools.wraps(method)
    def wrapper(self: Store, *args: object, **kwargs: object) -> _R:
        for attempt in range(3):
            try:
                return method(self, *args, **kwargs)
            except (OSError, RuntimeError) as e:
                if not (self.read_only and "No such file" in str(e)) or attempt == 2:
                    raise self._reading(str(e)) from e
                self._reopen()
        raise AssertionError("unreachable")  # pragma: no cover

    return wrapper


class Store:
    """An open store. Use as a context manager, or call `close()` to release the write lock."""

    def __init__(self, inner: ox.Store, location: str, *, read_only: bool = False) -> None:
        self._ox: ox.Store | None = inner
        self.location = location
        self.read_only = read_only
        if not read_only:
            self._recover()

    # -- lifecycle

    def __enter__(self) -> Store:  # noqa: PYI034 - Store is final
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        mode = "read-only" if self.read_only else "read-write"
        state = "closed" if self._ox is None else "open"
        return f"<Store {self.location} {mode} {state}>"

    def close(self) -> None:
        """Flush to disk and release the lock (Oxigraph closes the database when its last reference goes)."""
        if self._ox is None:
            return
        inner, self._ox = self._ox, None
        if not self.read_only:
            try:
                inner.flush()
            except OSError:  # pragma: no cover - the write-ahead log still has everything
                pass
        del inner

    @property
    def _db(self) -> ox.Store:
        if self._ox is None:
            raise StoreError(f"the store at {self.location} is closed; open it again with open_store()")
        return self._ox

    def _writable(self) -> ox.Store:
        db = self._db
        if self.read_only:
            raise StoreError(
                f"the store at {self.location} was opened read-only; open it without read_only to change it"
            )
        return db

    def _reopen(self) -> None:
        if self._ox is not None:
            self._ox = None
            self._ox = _open_read_only(Path(self.location))

    def _reading(self, what: str) -> StoreError:
        return StoreError(
            f"could not read the store at {self.location} ({what}). "
            "If another process is writing to it, retry when it is done."
        )

    # -- documents

    @_reads
    def document_ids(self) -> set[str]:
        """Ids (content hashes) of the documents in the store."""
        return {g.value[len(DOC_PREFIX) :] for g in self._db.named_graphs() if _is_doc_graph(g)}

    @_reads
    def has_document(self, doc_id: str) -> bool:
        return self._db.contains_named_graph(_doc_node(doc_id))

    @_reads
    def document_by_source(self, source: str) -> str | None:
        """The id of the document read from `source` (the newest, should there be several)."""
        found: list[tuple[str, str]] = []
        for q in self._db.quads_for_pattern(None, DCT_SOURCE, ox.Literal(source), None):
            if _is_doc_graph(q.graph_name) and q.subject == q.graph_name:
                stamps = [
                    _text(t.object) for t in self._db.quads_for_pattern(q.subject, PROV_GENERATED, None, q.graph_name)
                ]
                found.append((max(stamps, default=""), _text(q.subject)[len(DOC_PREFIX) :]))
        return max(found)[1] if found else None

    def write_documents(self, batch: Sequence[DocumentWrite]) -> None:
        """Write a batch of document graphs, dropping the graphs they replace: all of it or nothing.

        A batch of at least `BULK_MIN_QUADS` new document graphs takes the bulk path (`_commit_bulk`); smaller
        batches, and batches that rewrite a graph in place, are one SPARQL update.
        """
        db = self._writable()
        drops: list[ox.NamedNode] = []
        inserts: list[ox.Quad] = []
        graphs: list[ox.NamedNode] = []
        seen: set[str] = set()
        for write in batch:
            graph = _doc_node(write.doc_id)
            if write.doc_id in seen:
                raise StoreError(f"document {write.doc_id} appears twice in one batch; write each document once")
            seen.add(write.doc_id)
            for q in write.quads:
                if q.graph_name != graph:
                    raise StoreError(
                        f"document {write.doc_id}: a quad is in graph {q.graph_name}, not in the document's graph "
                        f"{graph}: {q}"
                    )
            if write.replaces is not None and write.replaces != write.doc_id:
                drops.append(_doc_node(write.replaces))
            drops.append(graph)
            graphs.append(graph)
            inserts.extend(write.quads)
        if not batch:
            return
        if len(inserts) >= BULK_MIN_QUADS and not any(db.contains_named_graph(g) for g in graphs):
            self._commit_bulk(graphs, drops, inserts)
        else:
            self._commit(drops, inserts)

    def _commit_bulk(self, graphs: Sequence[ox.NamedNode], drops: Sequence[ox.NamedNode],
                     inserts: Sequence[ox.Quad]) -> None:
        """New document graphs through Oxigraph's bulk loader (several times faster than a transaction), made
        all-or-nothing by a journal:

        1. one update lists the batch's graphs in the pending graph (`PENDING`);
        2. `bulk_extend` writes the documents' quads;
        3. one update drops the replaced graphs, refreshes the entities graph and empties the journal.

        Step 3 is what makes the batch count. Should the process die before it, the next writer to open the store
        (`_recover`) drops the graphs the journal lists, so the store is as it was before the batch. Readers that
        open between steps 2 and 3 may see the new document graphs before the entities graph knows their names.
        """
        db = self._writable()
        journal = [ox.Quad(g, RDF_TYPE, AL_DOCUMENT, PENDING) for g in graphs]
        final = self._update_text(drops, inserts=[], names_from=inserts)
        final = (final + " ;\n" if final else "") + f"DROP SILENT GRAPH {PENDING}"
        try:
            db.update(_render_update([], [], journal))
        except (OSError, RuntimeError) as e:
            raise StoreError(f"could not write to the store at {self.location}: {e}; nothing was written") from e
        try:
            db.bulk_extend(inserts)
            db.update(final)
        except (OSError, RuntimeError, SyntaxError) as e:
            self._recover()
            raise StoreError(f"could not write to the store at {self.location}: {e}; nothing was written") from e
        # no flush here: the bulk loader wrote its own files, and the last update is small; close() flushes

    def _recover(self) -> None:
        """Undo a bulk batch that never reached its last step: drop the graphs the journal lists, and the journal."""
        db = self._db
        pending = [q.subject for q in db.quads_for_pattern(None, RDF_TYPE, AL_DOCUMENT, PENDING)]
        if not pending and not db.contains_named_graph(PENDING):
            return
        db.update(" ;\n".join([*(f"DROP SILENT GRAPH {g}" for g in pending), f"DROP SILENT GRAPH {PENDING}"]))
        db.flush()

    def remove_documents(self, doc_ids: Iterable[str]) -> None:
        """Remove documents' graphs (and what the entities graph knew only from them), in one transaction."""
        self._writable()
        ids = list(dict.fromkeys(doc_ids))
        missing = [d for d in ids if not self.has_document(d)]
        if missing:
            raise UnknownDocument(
                f"no document {', '.join(missing)} in the store at {self.location}; nothing was removed"
            )
        if ids:
            self._commit([_doc_node(d) for d in ids], [])

    def _commit(self, drops: Sequence[ox.NamedNode], inserts: Sequence[ox.Quad]) -> None:
        """Drop graphs, insert quads and refresh the entities graph for every entity touched: one update."""
        db = self._writable()
        update = self._update_text(drops, inserts, names_from=inserts)
        if not update:
            return
        try:
            db.update(update)
        except SyntaxError as e:  # pragma: no cover - the text is generated from valid terms
            raise StoreError(f"internal error: generated update was rejected ({e}); nothing was written") from e
        except (OSError, RuntimeError) as e:
            raise StoreError(f"could not write to the store at {self.location}: {e}; nothing was written") from e
        try:
            db.flush()  # keeps the write-ahead log short, so opening (and readers) stay fast
        except OSError:  # pragma: no cover - the data is committed in the log already
            pass

    def _update_text(
        self, drops: Sequence[ox.NamedNode], inserts: Sequence[ox.Quad], names_from: Sequence[ox.Quad]
    ) -> str:
        """The update that drops `drops`, inserts `inserts` and refreshes the entities graph for every entity that
        the dropped graphs or the quads `names_from` (the new documents) say something about."""
        db = self._db
        dropped = list(dict.fromkeys(g for g in drops if db.contains_named_graph(g)))

        # entities a dropped graph says something about: recompute them from the document graphs that remain
        dropped_facts: Counter[tuple[str, ox.NamedNode, object]] = Counter()
        for g in dropped:
            for predicate in _FACT_PREDICATES:
                for q in db.quads_for_pattern(None, predicate, None, g):
                    if _is_entity(q.subject):
                        dropped_facts[(_text(q.subject), predicate, q.object)] += 1
        recompute = {iri for iri, _, _ in dropped_facts}

        added = _added_facts(names_from)
        remaining = self._document_facts(recompute, minus=dropped_facts)
        current = {iri: self._entity_graph_triples(iri) for iri in recompute | set(added)}
        deletes, entity_inserts = _entity_changes(recompute, added, remaining, current)
        return _render_update(dropped, deletes, [*inserts, *entity_inserts])

    def _entity_graph_triples(self, iri: str) -> set[ox.Triple]:
        return {q.triple for q in self._db.quads_for_pattern(ox.NamedNode(iri), None, None, ENTITIES)}

    def _document_facts(
        self, iris: Iterable[str], minus: Counter[tuple[str, ox.NamedNode, object]]
    ) -> dict[str, _Facts]:
        """Types and names of these entities in the document graphs, without the occurrences in `minus`.

        Oxigraph counts the document graphs that state each fact (one query, LATERAL so every entity is an index
        lookup); a fact survives when more graphs state it than are being dropped.
        """
        iris = sorted(iris)
        if not iris:
            return {}
        predicates = " ".join(str(p) for p in _FACT_PREDICATES)
        query = (
            f"SELECT ?e ?p ?o (COUNT(?g) AS ?n) WHERE {{ VALUES ?e {{ {' '.join(f'<{i}>' for i in iris)} }} "
            f"LATERAL {{ VALUES ?p {{ {predicates} }} GRAPH ?g {{ ?e ?p ?o }} "
            f'FILTER (STRSTARTS(STR(?g), "{DOC_PREFIX}")) }} }} GROUP BY ?e ?p ?o'
        )
        facts: dict[str, _Facts] = {}
        solutions = self._db.query(query)
        assert isinstance(solutions, ox.QuerySolutions)
        for row in solutions:
            iri, predicate, obj = _text(row["e"]), row["p"], row["o"]
            if int(_text(row["n"])) > minus.get((iri, predicate, obj), 0):
                facts.setdefault(iri, _Facts()).add(predicate, obj)
        return facts

    # -- entities graph maintenance

    @_reads
    def expected_entities(self) -> dict[str, set[ox.Triple]]:
        """The entities graph as the document graphs define it (recomputed from scratch), per entity IRI."""
        facts: dict[str, _Facts] = {}
        for predicate in _FACT_PREDICATES:
            for q in self._db.quads_for_pattern(None, predicate, None, None):
                if _is_doc_graph(q.graph_name) and _is_entity(q.subject):
                    facts.setdefault(_text(q.subject), _Facts()).add(predicate, q.object)
        out = {}
        for iri, f in facts.items():
            triples = _entity_triples(iri, *_entity_state(f))
            if triples:
                out[iri] = triples
        return out

    @_reads
    def check_entities(self) -> list[str]:
        """Differences between the entities graph and what the document graphs define; empty when consistent."""
        expected = self.expected_entities()
        actual: dict[str, set[ox.Triple]] = {}
        for q in self._db.quads_for_pattern(None, None, None, ENTITIES):
            if q.predicate in _MANAGED:
                actual.setdefault(_text(q.subject), set()).add(q.triple)
        problems: list[str] = []
        for iri in sorted(set(expected) | set(actual)):
            missing = expected.get(iri, set()) - actual.get(iri, set())
            extra = actual.get(iri, set()) - expected.get(iri, set())
            problems.extend(f"entities graph lacks {t}" for t in sorted(map(str, missing)))
            problems.extend(f"entities graph has stale {t}" for t in sorted(map(str, extra)))
        return problems

    def rebuild_entities(self) -> int:
        """Recompute the whole entities graph from the document graphs (one transaction); returns its size."""
        db = self._writable()
        expected = self.expected_entities()
        keep = [q for q in db.quads_for_pattern(None, None, None, ENTITIES) if q.predicate not in _MANAGED]
        quads = [ox.Quad(t.subject, t.predicate, t.object, ENTITIES) for ts in expected.values() for t in ts]
        db.update(_render_update([ENTITIES], [], [*keep, *quads]))
        db.flush()
        return len(quads) + len(keep)

    # -- queries

    @_reads
    def select(self, query: str, bindings: Mapping[str, object] | None = None) -> list[dict[str, object]]:
        """Run a SELECT over the union of all graphs; each row maps variable -> Python value (None if unbound).

        `bindings` (name -> value, name with or without "?") are passed as terms, never pasted as text: a str
        is a literal, an rdflib.URIRef or pyoxigraph.NamedNode an IRI, a list/tuple/set several alternatives.
        Prefixes in `graph.vocab.PREFIXES` are available unless the query declares its own.
        """
        shape = _shape(query)
        if shape.form != "SELECT":
            _refuse(query, shape, "select() runs SELECT queries")
        text, substitutions = self._bind(query, shape, bindings or {})
        results = self._run(query, text, substitutions)
        assert isinstance(results, ox.QuerySolutions)
        names = [v.value for v in results.variables]
        return [{name: to_python(solution[name]) for name in names} for solution in results]

    @_reads
    def ask(self, query: str, bindings: Mapping[str, object] | None = None) -> bool:
        """Run an ASK over the union of all graphs, with bindings as in `select`."""
        shape = _shape(query)
        if shape.form != "ASK":
            _refuse(query, shape, "ask() runs ASK queries")
        text, substitutions = self._bind(query, shape, bindings or {})
        return bool(self._run(query, text, substitutions))

    def _bind(
        self, query: str, shape: _Shape, bindings: Mapping[str, object]
    ) -> tuple[str, dict[ox.Variable, ox.NamedNode | ox.Literal | ox.BlankNode]]:
        """Oxigraph substitutions for projected single values; a VALUES block at the WHERE brace for the rest."""
        projected = _projected(shape.projection) if shape.form == "SELECT" else set()
        substitutions: dict[ox.Variable, ox.NamedNode | ox.Literal | ox.BlankNode] = {}
        values: list[str] = []
        constants: dict[str, str] = {}
        for raw_name, value in bindings.items():
            name = raw_name.lstrip("?$")
            if not _VARNAME.match(name):
                raise StoreError(f"cannot bind {raw_name!r}: a variable name is letters, digits and _")
            if not re.search(rf"[?$]{name}(?![A-Za-z0-9_])", query):
                raise StoreError(f"cannot bind ?{name}: the query has no variable ?{name}")
            if isinstance(value, (set, frozenset)):
                value = sorted(value, key=str)
            many = isinstance(value, (list, tuple))
            terms = [to_term(v) for v in value] if isinstance(value, (list, tuple)) else [to_term(value)]
            if not many and (projected is None or name in projected):
                substitutions[ox.Variable(name)] = terms[0]
            if not many and isinstance(terms[0], ox.NamedNode) and shape.where_brace is not None \
                    and projected is not None \
                    and not re.search(rf"(?i)(AS|VALUES)\s+[?$]{name}(?![A-Za-z0-9_])", query):
                constants[name] = str(terms[0])
            elif not many and (projected is None or name in projected):
                continue
            else:
                values.append(f"VALUES ?{name} {{ {' '.join(str(t) for t in terms)} }}")
        if constants:
            query = _constants_in_patterns(query, shape.where_brace or 0, constants)
        if not values:
            return query, substitutions
        if shape.where_brace is None:
            raise StoreError("cannot bind values in this query: no WHERE { … } group found")
        at = shape.where_brace + 1
        return query[:at] + " " + " ".join(values) + " " + query[at:], substitutions

    def _run(
        self,
        original: str,
        text: str,
        substitutions: Mapping[ox.Variable, ox.NamedNode | ox.Literal | ox.BlankNode] | None = None,
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        try:
            return self._db.query(
                text,
                prefixes=PREFIXES,
                use_default_graph_as_union=True,
                substitutions=dict(substitutions) if substitutions else None,
            )
        except SyntaxError as e:
            _check_syntax(original)  # raises with positions in the caller's own text
            raise StoreError(f"cannot bind values in this query ({e}); bind variables used in its WHERE group") from e
        except RuntimeError as e:
            if "does not contains variable" in str(e):
                raise StoreError(f"cannot bind values in this query: {e}") from e
            raise

    @_reads
    def sparql(self, query: str) -> SparqlResult:
        """Run a raw user query (SELECT, ASK, CONSTRUCT, DESCRIBE) over the union of all graphs."""
        shape = _shape(query)
        if shape.form in _UPDATE_KEYWORDS:
            _check_syntax(query)
        results = self._run(query, query)
        if isinstance(results, ox.QuerySolutions):
            payload = results.serialize(format=ox.QueryResultsFormat.JSON) or b""
            parsed = ox.parse_query_results(payload, ox.QueryResultsFormat.JSON)
            assert isinstance(parsed, ox.QuerySolutions)
            names = [v.value for v in parsed.variables]
            rows = [{n: to_python(s[n]) for n in names} for s in parsed]
            return SparqlResult("select", names, rows, None, payload)
        if isinstance(results, ox.QueryBoolean):
            payload = results.serialize(format=ox.QueryResultsFormat.JSON) or b""
            return SparqlResult("ask", [], [], bool(results), payload)
        triples = tuple(results)
        names = ["subject", "predicate", "object"]
        rows = [dict(zip(names, (to_python(t.subject), to_python(t.predicate), to_python(t.object)))) for t in triples]
        return SparqlResult("construct", names, rows, None, b"", triples)

    # -- entities

    @_reads
    def lookup(self, name: str) -> list[EntityHit]:
        """Entities with a name that normalises like `name`: an index lookup on al:entityKey."""
        key = normalise(name)
        if not key:
            return []
        db = self._db
        hits = []
        for q in db.quads_for_pattern(None, AL_KEY, ox.Literal(key), ENTITIES):
            subject = q.subject
            labels = [_text(t.object) for t in db.quads_for_pattern(subject, SKOS_PREF, None, ENTITIES)]
            types = [_text(t.object) for t in db.quads_for_pattern(subject, RDF_TYPE, None, ENTITIES)]
            iri = _text(subject)
            hits.append(EntityHit(iri, min(labels, default=""), _kind(iri, types)))
        return sorted(set(hits), key=lambda h: (h.label.casefold(), h.iri))

    @_reads
    def entity_labels(self) -> dict[str, tuple[str, str]]:
        """Every entity: IRI -> (prefLabel, kind)."""
        db = self._db
        types: dict[str, set[str]] = {}
        for q in db.quads_for_pattern(None, RDF_TYPE, None, ENTITIES):
            if isinstance(q.subject, ox.NamedNode):
                types.setdefault(q.subject.value, set()).add(_text(q.object))
        labels: dict[str, str] = {}
        for q in db.quads_for_pattern(None, SKOS_PREF, None, ENTITIES):
            if isinstance(q.subject, ox.NamedNode):
                iri = q.subject.value
                label = _text(q.object)
                labels[iri] = min(labels.get(iri, label), label)
        return {iri: (labels.get(iri, ""), _kind(iri, ts)) for iri, ts in types.items()}

    # -- files

    def export(self, fmt: str, out: BinaryIO) -> int:
        """Write the store as turtle (union of all graphs), trig, nquads or json-ld; returns the statement count."""
        try:
            return export_mod.export_store(self._db, fmt, out)
        except export_mod.ExportError as e:
            raise StoreError(str(e)) from e
        except (OSError, RuntimeError) as e:
            raise self._reading(str(e)) from e

    def import_file(self, path: Path, fmt: str | None = None) -> int:
        """Load an RDF file in one transaction; returns the number of statements read.

        Document graphs in the file replace the store's graphs of the same name; the file's entities graph is
        ignored and recomputed; every other statement (default graph, other named graphs) is added.
        """
        self._writable()
        path = Path(path)
        try:
            quads = export_mod.read_file(path, fmt)
        except export_mod.ExportError as e:
            raise StoreError(str(e)) from e
        drops: dict[str, ox.NamedNode] = {}
        inserts: list[ox.Quad] = []
        for q in quads:
            if q.graph_name == ENTITIES:
                continue
            if _is_doc_graph(q.graph_name):
                drops.setdefault(q.graph_name.value, q.graph_name)
            inserts.append(q)
        self._commit(list(drops.values()), inserts)
        return len(quads)

    # -- numbers

    @_reads
    def stats(self) -> dict[str, int]:
        """Documents, quads, entities per kind, assertions, and distinct edges per relation."""
        from alliances.graph.vocab import RELATION_PREDICATES

        kinds = [kind for _, kind in self.entity_labels().values()]
        out = {
            "documents": len(self.document_ids()),
            "quads": len(self._db),
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

    def _count(self, query: str) -> int:
        rows = self.select(query)
        value = rows[0]["n"] if rows else 0
        return int(value) if isinstance(value, (int, float, str)) else 0

    @_reads
    def __len__(self) -> int:
        return len(self._db)


def _doc_node(doc_id: str) -> ox.NamedNode:
    if not doc_id or not re.fullmatch(r"[A-Za-z0-9._~-]+", doc_id):
        raise StoreError(f"invalid document id {doc_id!r}: expected a content hash (hex)")
    return ox.NamedNode(str(document_iri(doc_id)))


def _merge_state(old: set[ox.Triple], facts: _Facts) -> tuple[set[str], str | None, set[str]]:
    """The entity's state after adding `facts` to what the entities graph already says (an exact, cheap update)."""
    types = {t.object.value for t in old if t.predicate == RDF_TYPE and isinstance(t.object, ox.NamedNode)}
    prefs = [t.object.value for t in old if t.predicate == SKOS_PREF and isinstance(t.object, ox.Literal)]
    keys = {t.object.value for t in old if t.predicate == AL_KEY and isinstance(t.object, ox.Literal)}
    old_pref = _best(prefs)
    generated = old_pref is not None and normalise(old_pref) not in keys
    types |= facts.types
    keys |= {k for k in (normalise(label) for label in facts.labels) if k}
    if facts.labels:
        pref = _best(facts.labels | ({old_pref} if old_pref is not None and not generated else set()))
    elif old_pref is not None and not generated:
        pref = old_pref
    else:
        pref = _best(facts.generated | ({old_pref} if old_pref is not None else set()))
    return types, pref, keys


def _added_facts(quads: Iterable[ox.Quad]) -> dict[str, _Facts]:
    """What new document quads say about entities: their types and names."""
    added: dict[str, _Facts] = {}
    for q in quads:
        if q.predicate in _FACT_PREDICATES and _is_entity(q.subject) and _is_doc_graph(q.graph_name):
            added.setdefault(_text(q.subject), _Facts()).add(q.predicate, q.object)
    return added


def _entity_changes(
    recompute: set[str], added: Mapping[str, _Facts], remaining: Mapping[str, _Facts],
    current: Mapping[str, set[ox.Triple]],
) -> tuple[list[ox.Quad], list[ox.Quad]]:
    """(deletes, inserts) for the entities graph: entities a dropped document spoke of are recomputed from what
    the remaining documents say (`remaining`) plus the new ones (`added`); others merge the new facts into their
    current triples. Shared by the embedded and the remote store, so both keep the same entities graph."""
    deletes: list[ox.Quad] = []
    inserts: list[ox.Quad] = []
    for iri in sorted(recompute | set(added)):
        old = current.get(iri, set())
        if iri in recompute:
            facts = remaining.get(iri) or _Facts()
            new_facts = added.get(iri)
            if new_facts:
                facts.types |= new_facts.types
                facts.labels |= new_facts.labels
                facts.generated |= new_facts.generated
            types, pref, keys = _entity_state(facts)
        else:
            types, pref, keys = _merge_state(old, added[iri])
        new = _entity_triples(iri, types, pref, keys)
        managed_old = {t for t in old if t.predicate in _MANAGED} if types else old
        deletes.extend(ox.Quad(t.subject, t.predicate, t.object, ENTITIES) for t in managed_old - new)
        inserts.extend(ox.Quad(t.subject, t.predicate, t.object, ENTITIES) for t in new - old)
    return deletes, inserts
