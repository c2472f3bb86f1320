"""Does the graph keep its contract? SHACL shapes (ontology/shapes.ttl) checked with pyshacl, plus the entities graph.

Why: researchers rely on every edge having one evidence sentence, offsets, a rule, a confidence and a document, on
every entity having one preferred label, and on every post naming a person, an organisation and a role. The shapes
say so in a form other SHACL tools read too. They run over the union of all graphs (SHACL sees one graph); the
one rule that is about graphs — the entities graph is exactly what the document graphs define — is checked by the
store itself.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import rdflib
from rdflib.namespace import SH

from alliances.graph.vocab import PREFIXES

if TYPE_CHECKING:
    from alliances.graph.store import Store

__all__ = ["ValidationReport", "load_shapes", "validate", "validate_graph"]


@dataclass(frozen=True)
class ValidationReport:
    """`conforms` is True when there are no problems; each problem is one readable line."""

    conforms: bool
    problems: list[str] = field(default_factory=list)


def load_shapes(path: Path | None = None) -> rdflib.Graph:
    """The shapes graph: `path`, or ontology/shapes.ttl shipped with the package."""
    shapes = rdflib.Graph()
    if path is not None:
        shapes.parse(path, format="turtle")
    else:
        text = resources.files("alliances.ontology").joinpath("shapes.ttl").read_text(encoding="utf-8")
        shapes.parse(data=text, format="turtle")
    return shapes


def _short(term: object) -> str:
    """An IRI as prefix:rest with the project's prefixes (id:org/bl, al:rule), else <iri>; literals quoted."""
    if isinstance(term, rdflib.URIRef):
        for prefix, namespace in sorted(PREFIXES.items(), key=lambda item: -len(item[1])):
            if term.startswith(namespace) and len(term) > len(namespace):
                return f"{prefix}:{term[len(namespace) :]}"
        return f"<{term}>"
    if isinstance(term, rdflib.Literal):
        text = str(term)
        return repr(text) if len(text) < 60 else repr(text[:57] + "...")
    return str(term)


def validate_graph(data: rdflib.Graph, shapes: rdflib.Graph | None = None) -> ValidationReport:
    """Check one rdflib graph (the union of a store, or a file) against the shapes."""
    from pyshacl import validate as shacl_validate

    conforms, results, _ = shacl_validate(
        data,
        shacl_graph=shapes if shapes is not None else load_shapes(),
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    if conforms:
        return ValidationReport(True, [])
    assert isinstance(results, rdflib.Graph)
    problems = []
    for result in results.subjects(rdflib.RDF.type, SH.ValidationResult):
        focus_node = results.value(result, SH.focusNode)
        focus = _short(focus_node)
        path = results.value(result, SH.resultPath)
        message = results.value(result, SH.resultMessage) or results.value(result, SH.sourceConstraintComponent)
        value = results.value(result, SH.value)
        where = f"{focus} {_short(path)}" if path is not None else focus
        line = f"{where}: {message}"
        if value is not None and value != focus_node:
            line += f" (value {_short(value)})"
        problems.append(line)
    return ValidationReport(False, sorted(set(problems)))


def store_union(store: Store) -> rdflib.Graph:
    """The union of all the store's graphs as one rdflib graph (N-Triples in between: rdflib parses it fastest)."""
    buffer = io.BytesIO()
    store.export("ntriples", buffer)
    graph = rdflib.Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True)
    graph.parse(data=buffer.getvalue(), format="nt")
    return graph


def validate(store: Store, shapes: Path | None = None) -> ValidationReport:
    """Check the store: the SHACL shapes over the union of all graphs, and the entities graph against the documents."""
    report = validate_graph(store_union(store), load_shapes(shapes))
    problems = report.problems + store.check_entities()
    return ValidationReport(not problems, problems)
