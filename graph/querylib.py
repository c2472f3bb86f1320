"""The library of named SPARQL queries (`queries/*.rq`): list them, read their headers, run them with parameters.

A query file is plain SPARQL that researchers can read and copy, with a comment header saying what it answers
and which parameters it takes:

    # funders-of.rq — Who funds an organisation or alliance, with how much, and where is it said?
    #
    # Parameters (bound by the caller, never pasted into the text):
    #   ?organisation  entity  the funded organisation or alliance: a name, acronym or IRI
    #   ?min           integer, optional  the least number of …; 2 when unset
    #
    # Free text: what each row is.

A parameter line is `?name  TYPE[, optional]  description` (a longer description may continue on lines indented
further). TYPE says how a value given on the command line becomes an RDF term (`PARAMETER_TYPES`); entity,
organisation, alliance and person take a name and resolve it like every other command (`queries.resolve`).
An optional parameter left unset stays an unbound variable, so every query file also runs as it is (in the
query page, in another SPARQL tool) and then answers for everything.

Why values are bound as text: a VALUES block placed at the opening brace of the WHERE group, with each term
written by Oxigraph's own serialiser (quotes, backslashes and newlines escaped; IRIs validated on creation).
User input never becomes query syntax, and the bound query is ordinary SPARQL 1.1 that any store runs (the
embedded one, a remote server, the endpoint). Oxigraph's own substitutions would do only for projected variables.
Prefixes in `graph.vocab.PREFIXES` need no declaration; `with_prefixes` writes them out for other tools.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import pyoxigraph as ox

from alliances.graph.store import _scan, _shape  # the store's tokeniser: one notion of query structure
from alliances.graph.vocab import PREFIXES, RELATION_PREDICATES

if TYPE_CHECKING:
    from importlib.abc import Traversable

__all__ = [
    "PARAMETER_TYPES",
    "NamedQuery",
    "Parameter",
    "ParameterError",
    "QueryFileError",
    "QueryLibraryError",
    "UnknownQuery",
    "bind",
    "bound_text",
    "list_queries",
    "load",
    "parse",
    "resolve_parameters",
    "run",
    "with_prefixes",
]

_XSD = "http://www.w3.org/2001/XMLSchema#"

PARAMETER_TYPES: dict[str, str] = {
    "entity": "an organisation, alliance or person: a name, acronym or IRI",
    "organisation": "an organisation: a name, acronym or IRI (organisations win when a name is shared)",
    "alliance": "an alliance: a name, acronym or IRI (alliances win when a name is shared)",
    "person": "a person: a name or IRI",
    "relation": "memberOf, funds, facilitatedBy, foundedBy, partnerOf, partOf, or a predicate IRI",
    "iri": "an IRI (https://…) or a prefixed name such as id:org/bl",
    "string": "a plain text literal",
    "integer": "a whole number",
    "decimal": "a number such as 0.75",
    "datetime": "an ISO 8601 time with its zone (2026-11-30T12:00:00Z), or a date (midnight UTC)",
}
_ENTITY_KINDS = {"entity": None, "organisation": "Organisation", "alliance": "Alliance", "person": "Person"}


# ---------------------------------------------------------------- errors


class QueryLibraryError(ValueError):
    """A named query that cannot be found, read or run with the given parameters."""


class QueryFileError(QueryLibraryError):
    """A query file whose header does not follow the format in this module's docstring."""


class UnknownQuery(QueryLibraryError):
    """No query of this name; `suggestions` are close names."""

    def __init__(self, name: str, suggestions: Sequence[str] = ()) -> None:
        self.name = name
        self.suggestions = list(suggestions)
        hint = f"; did you mean {', '.join(self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"no named query {name!r}{hint} (`alliances query --list` lists them)")


class ParameterError(QueryLibraryError):
    """A parameter that is missing, unknown to the query, or whose value does not fit its type."""


# ---------------------------------------------------------------- values


@dataclass(frozen=True)
class Parameter:
    """One parameter of a named query, as its header declares it."""

    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its name (the file stem), what it answers, its parameters and its text."""

    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    path: str = field(default="", compare=False)

    @property
    def form(self) -> str:
        """SELECT, ASK, CONSTRUCT or DESCRIBE."""
        return _shape(self.text).form or ""

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.parameters) or "none"
        raise ParameterError(f"query {self.name!r} has no parameter {name!r} (its parameters: {known})")

    def describe(self) -> dict[str, Any]:
        """Plain data for listings and the query page."""
        return {
            "name": self.name,
            "title": self.title,
            "form": self.form,
            "parameters": [
                {"name": p.name, "type": p.type, "required": p.required, "description": p.description}
                for p in self.parameters
            ],
            "description": self.description,
            "text": with_prefixes(self.text),
        }


class _Store(Protocol):
    def sparql(self, query: str) -> Any: ...

    def lookup(self, name: str) -> Sequence[Any]: ...

    def entity_labels(self) -> Mapping[str, tuple[str, str]]: ...

    def select(self, query: str, bindings: Mapping[str, Any]) -> list[dict[str, Any]]: ...

    def stats(self) -> Mapping[str, int]: ...


# ---------------------------------------------------------------- files


def query_dir() -> Traversable:
    """The package's queries/ folder."""
    return files("alliances").joinpath("queries")


def _files() -> Iterator[Traversable]:
    yield from sorted((f for f in query_dir().iterdir() if f.name.endswith(".rq")), key=lambda f: f.name)


def list_queries() -> list[NamedQuery]:
    """Every query file shipped with the package, by name."""
    return [parse(f.read_text(encoding="utf-8"), f.name[: -len(".rq")], str(f)) for f in _files()]


def _key(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def load(name_or_path: str | Path) -> NamedQuery:
    """A named query (`funders-of`; `-` and `_` are the same) or any .rq file with such a header."""
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or text.endswith((".rq", ".sparql")) or "/" in text
    if looks_like_path:
        path = Path(text)
        if path.is_file():
            try:
                return parse(path.read_text(encoding="utf-8"), path.stem, str(path))
            except (OSError, UnicodeDecodeError) as e:
                raise QueryLibraryError(f"cannot read {path}: {e}") from e
        if "/" in text or not path.stem:
            raise QueryLibraryError(f"no such query file: {path}")
        text = path.stem  # `funders-of.rq` names the shipped file too
    by_key = {_key(f.name[: -len(".rq")]): f for f in _files()}
    found = by_key.get(_key(text))
    if found is None:
        raise UnknownQuery(text, difflib.get_close_matches(_key(text), sorted(by_key), n=3, cutoff=0.5))
    return parse(found.read_text(encoding="utf-8"), found.name[: -len(".rq")], str(found))


_TITLE = re.compile(r"^#\s*(?P<file>\S+\.rq)\s+[—–-]+\s+(?P<title>.+)$")
_PARAM = re.compile(r"^#\s{2,}\?(?P<name>[A-Za-z_]\w*)\s+(?P<type>[a-z]+)(?P<optional>,\s*optional)?(?:\s+(?P<text>.*))?$")
_CONTINUATION = re.compile(r"^#\s{4,}(?P<text>\S.*)$")


def parse(text: str, name: str, path: str = "") -> NamedQuery:
    """Read a query file's header. Raises QueryFileError (with the file and line) when it is malformed."""
    where = path or f"{name}.rq"
    lines = text.splitlines()
    header: list[str] = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line.rstrip())
    if not header or not (m := _TITLE.match(header[0])):
        raise QueryFileError(f"{where}:1: the first line must be '# {name}.rq — the question it answers'")
    title = m.group("title").strip()
    parameters: list[Parameter] = []
    description: list[str] = []
    in_parameters = False
    for number, line in enumerate(header[1:], start=2):
        body = line[1:].strip()
        if body.lower().startswith("parameters"):
            in_parameters = True
            continue
        if in_parameters:
            if not body:
                in_parameters = False
                continue
            if pm := _PARAM.match(line):
                kind = pm.group("type")
                if kind not in PARAMETER_TYPES:
                    raise QueryFileError(
                        f"{where}:{number}: unknown parameter type {kind!r} for ?{pm.group('name')}; "
                        f"use one of {', '.join(PARAMETER_TYPES)}"
                    )
                parameters.append(
                    Parameter(pm.group("name"), kind, not pm.group("optional"), (pm.group("text") or "").strip())
                )
                continue
            if parameters and (cm := _CONTINUATION.match(line)):
                last = parameters[-1]
                parameters[-1] = Parameter(last.name, last.type, last.required, f"{last.description} {cm['text']}")
                continue
            raise QueryFileError(f"{where}:{number}: expected '#   ?name  TYPE[, optional]  description', got {line!r}")
        elif body or description:
            description.append(body)
    query = NamedQuery(name, title, " ".join(" ".join(description).split()), tuple(parameters), text, path)
    if not query.form:
        raise QueryFileError(f"{where}: no SELECT, ASK, CONSTRUCT or DESCRIBE query after the header")
    body_text = "\n".join(lines[len(header) :])
    for p in parameters:
        if not re.search(rf"[?$]{p.name}(?![A-Za-z0-9_])", body_text):
            raise QueryFileError(f"{where}: parameter ?{p.name} is declared but the query does not use it")
    return query


# ---------------------------------------------------------------- prefixes and binding


def with_prefixes(text: str) -> str:
    """`text` with PREFIX declarations for the known prefixes it uses but does not declare, so it runs anywhere.

    The declarations go after the comment header, before the query.
    """
    declared: set[str] = set()
    used: list[str] = []
    previous = ""
    for _, token in _scan(text):
        if previous.upper() == "PREFIX" and token.endswith(":"):
            declared.add(token[:-1])
        elif ":" in token and token[0] not in "?$" and not token.endswith(":"):
            prefix = token.split(":", 1)[0]
            if prefix in PREFIXES and prefix not in used:
                used.append(prefix)
        previous = token
    missing = [p for p in sorted(used) if p not in declared]
    if not missing:
        return text
    width = max(len(p) for p in missing) + 1
    block = "".join(f"PREFIX {(p + ':').ljust(width)} <{PREFIXES[p]}>\n" for p in missing)
    lines = text.splitlines(keepends=True)
    at = 0
    while at < len(lines) and lines[at].startswith("#"):
        at += 1
    return "".join(lines[:at]) + block + "".join(lines[at:])


Term = ox.NamedNode | ox.Literal


def bind(text: str, values: Mapping[str, Term]) -> str:
    """The query with `values` (variable name -> term) in a VALUES block at the opening of its WHERE group."""
    if not values:
        return text
    brace = _shape(text).where_brace
    if brace is None:
        raise QueryLibraryError("cannot bind parameters: the query has no WHERE { … } group")
    names = list(values)
    for name in names:
        if not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise ParameterError(f"cannot bind {name!r}: a variable name is letters, digits and _")
    row = " ".join(str(values[n]) for n in names)
    block = f"VALUES ({' '.join('?' + n for n in names)}) {{ ({row}) }}"
    return f"{text[: brace + 1]}\n  {block}\n{text[brace + 1 :]}"


def resolve_parameters(store: _Store | None, query: NamedQuery, raw: Mapping[str, str]) -> dict[str, Term]:
    """Turn text values (from --param k=v) into RDF terms by the declared types; names are resolved in `store`.

    Raises ParameterError for a missing required parameter, an unknown one or a value that does not fit;
    `queries.UnknownName`/`AmbiguousName` for a name that matches no entity or several.
    """
    out: dict[str, Term] = {}
    for name, value in raw.items():
        out[name] = _term(store, query.parameter(name.lstrip("?$")), value)
    missing = [p.name for p in query.parameters if p.required and p.name not in {k.lstrip("?$") for k in raw}]
    if missing:
        usage = " ".join(f"--param {n}=…" for n in missing)
        raise ParameterError(f"query {query.name!r} needs {', '.join(missing)}: add {usage}")
    return {k.lstrip("?$"): v for k, v in out.items()}


def _term(store: _Store | None, parameter: Parameter, value: str) -> Term:
    kind = parameter.type
    what = f"--param {parameter.name}={value!r}"
    if kind in _ENTITY_KINDS:
        if store is None:
            raise ParameterError(f"{what}: a name needs a store to resolve it")
        from alliances.graph.queries import resolve

        return ox.NamedNode(resolve(store, value, kind=_ENTITY_KINDS[kind]).iri)  # type: ignore[arg-type]
    if kind == "relation":
        by_name = {k.lower(): str(v) for k, v in RELATION_PREDICATES.items()}
        if value.strip().lower() in by_name:
            return ox.NamedNode(by_name[value.strip().lower()])
        return _iri(value, what, hint=f"use one of {', '.join(RELATION_PREDICATES)} or a predicate IRI")
    if kind == "iri":
        return _iri(value, what, hint="give an IRI (https://…) or a prefixed name such as id:org/bl")
    if kind == "string":
        return ox.Literal(value)
    if kind == "integer":
        if not re.fullmatch(r"\s*[+-]?\d+\s*", value):
            raise ParameterError(f"{what}: expected a whole number")
        return ox.Literal(str(int(value)), datatype=ox.NamedNode(_XSD + "integer"))
    if kind == "decimal":
        try:
            number = Decimal(value.strip())
        except InvalidOperation as e:
            raise ParameterError(f"{what}: expected a number such as 0.75") from e
        if not number.is_finite():
            raise ParameterError(f"{what}: expected a finite number")
        return ox.Literal(format(number, "f"), datatype=ox.NamedNode(_XSD + "decimal"))
    if kind == "datetime":
        return ox.Literal(_datetime(value, what), datatype=ox.NamedNode(_XSD + "dateTime"))
    raise ParameterError(f"{what}: unknown parameter type {kind!r}")  # pragma: no cover - parse() checks types


def _iri(value: str, what: str, *, hint: str) -> ox.NamedNode:
    from alliances.graph.queries import expand_iri

    iri = expand_iri(value)
    if iri is None:
        raise ParameterError(f"{what}: not an IRI; {hint}")
    try:
        return ox.NamedNode(iri)
    except ValueError as e:
        raise ParameterError(f"{what}: not a valid IRI ({e}); {hint}") from e


def _datetime(value: str, what: str) -> str:
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return date.fromisoformat(text).isoformat() + "T00:00:00Z"
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError as e:
        raise ParameterError(f"{what}: expected an ISO 8601 date or time, e.g. 2026-11-30 or 2026-11-30T12:00:00Z") from e
    if parsed.tzinfo is None:
        raise ParameterError(f"{what}: give the time zone too, e.g. {text}Z (UTC) or {text}+01:00")
    return parsed.isoformat().replace("+00:00", "Z")


# ---------------------------------------------------------------- running


def bound_text(store: _Store | None, name_or_query: str | Path | NamedQuery, params: Mapping[str, str]) -> str:
    """The query text with its parameters bound and the known prefixes declared: runnable in any SPARQL tool."""
    query = name_or_query if isinstance(name_or_query, NamedQuery) else load(name_or_query)
    return with_prefixes(bind(query.text, resolve_parameters(store, query, params)))


def run(store: _Store, name_or_query: str | Path | NamedQuery, params: Mapping[str, str] | None = None) -> Any:
    """Run a named query with parameters (text values, typed by the header) on `store`; the store's SparqlResult."""
    return store.sparql(bound_text(store, name_or_query, params or {}))
