"""The network as files for network tools: GraphML, GEXF (Gephi), Kumu blueprints, JSON node-link.

Why: researchers lay out and measure the network in Gephi, yEd, Kumu, d3 or pandas, and must still be able to cite
the sentence behind every edge. GraphML, GEXF and Kumu hold one value per attribute and show parallel edges badly,
so the statements of one relation between two entities are flattened into one edge: `statements` (and `weight`)
counts them, `evidence`, `source`, `document`, `rule` list them (distinct values joined by " | "), `confidence`
and `amount` keep the highest. JSON node-link keeps the multigraph as it is, one link per statement; there the
document source is `document_source`, since `source`/`target` are the link's ends.

GEXF dates: an edge whose document carries a date gets it as its GEXF `start` (the earliest, as YYYY-MM-DD), so
Gephi's timeline can play the network's growth; edges without a known date have none.

Writers take the graph from `network.build_graph` and a binary file; they return (nodes, edges) written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Hashable
from typing import Any, BinaryIO

import networkx as nx

__all__ = [
    "NETWORK_FORMATS",
    "NetworkExportError",
    "flatten",
    "to_kumu",
    "to_nodelink",
    "write_gexf",
    "write_graphml",
    "write_kumu",
    "write_network",
    "write_nodelink",
]

JOIN = " | "
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_SUMMED = ("evidence", "source", "document", "rule", "currency", "role")
_MAXED = ("confidence", "amount")


class NetworkExportError(ValueError):
    """An unknown network format; the message lists the known ones."""


def _plain(value: Any) -> Any:
    """A value GraphML/GEXF can hold: str, int, float or bool; lists joined; None dropped by the caller."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return JOIN.join(str(v) for v in value)
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _node_attrs(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(v) for k, v in data.items() if v is not None}


def flatten(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """One edge per (from, to, relation), its statements summarised in plain attributes (see the module doc).

    Edge keys are unique ids ("e0", "e1", …), which GraphML and GEXF write as the edge id.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_edges_from([("x", "A", {"relation": "memberOf", "evidence": "s1", "source": "a.txt", "confidence": 0.8}),
    ...                   ("x", "A", {"relation": "memberOf", "evidence": "s2", "source": "b.txt", "confidence": 0.9})])
    [0, 1]
    >>> [(u, v, e["statements"], e["evidence"], e["source"], e["confidence"]) for u, v, e in flatten(G).edges(data=True)]
    [('x', 'A', 2, 's1 | s2', 'a.txt | b.txt', 0.9)]
    """
    F = nx.MultiDiGraph()
    F.graph.update(G.graph)
    for node, data in G.nodes(data=True):
        F.add_node(node, **_node_attrs(data))
    groups: dict[tuple[Hashable, Hashable, str], list[dict[str, Any]]] = {}
    for u, v, data in G.edges(data=True):
        groups.setdefault((u, v, str(data.get("relation"))), []).append(data)
    for n, ((u, v, relation), statements) in enumerate(groups.items()):
        attrs: dict[str, Any] = {"relation": relation, "label": relation, "statements": len(statements),
                                 "weight": len(statements)}
        for name in _SUMMED:
            values = list(dict.fromkeys(str(s[name]) for s in statements if s.get(name) is not None))
            if values:
                attrs[name] = JOIN.join(values)
        for name in _MAXED:
            numbers = [float(s[name]) for s in statements if isinstance(s.get(name), (int, float))]
            if numbers:
                attrs[name] = max(numbers)
        dates = sorted(str(s["date"]) for s in statements if s.get("date"))
        if dates:
            attrs["date"] = dates[0]
        F.add_edge(u, v, key=f"e{n}", **attrs)
    return F


def write_graphml(G: nx.MultiDiGraph, out: BinaryIO) -> tuple[int, int]:
    """GraphML (yEd, Gephi, igraph, R), flattened edges with typed attributes."""
    F = flatten(G)
    nx.write_graphml(F, out, encoding="utf-8", prettyprint=True, named_key_ids=True)
    return F.number_of_nodes(), F.number_of_edges()


def write_gexf(G: nx.MultiDiGraph, out: BinaryIO) -> tuple[int, int]:
    """GEXF 1.2 for Gephi: flattened edges, the relation as edge label, document dates as edge `start`."""
    F = flatten(G)
    for _u, _v, data in F.edges(data=True):
        date = data.pop("date", None)
        if date and _DATE.match(date):
            data["start"] = date[:10]
    nx.write_gexf(F, out, encoding="utf-8", prettyprint=True, version="1.2draft")
    return F.number_of_nodes(), F.number_of_edges()


def to_kumu(G: nx.MultiDiGraph) -> dict[str, list[dict[str, Any]]]:
    """A Kumu blueprint: {"elements": [...], "connections": [...]} referring to elements by id (the IRI).

    Elements carry label, type (the kind), and the IRI; connections from, to, type (the relation), direction
    (partnerOf is mutual, everything else directed), description (the evidence), and the flattened attributes.

    Examples
    --------
    >>> G = nx.MultiDiGraph()
    >>> G.add_node("id:x", label="X", kind="ngo"); G.add_node("id:a", label="A", kind="alliance")
    >>> G.add_edge("id:x", "id:a", relation="memberOf", evidence="X er med i A")
    0
    >>> k = to_kumu(G)
    >>> k["elements"][0]["label"], k["connections"][0]["type"], k["connections"][0]["description"]
    ('X', 'memberOf', 'X er med i A')
    """
    F = flatten(G)
    elements = []
    for node, data in F.nodes(data=True):
        element = {"id": str(node), "label": data.get("label", str(node)), "type": data.get("kind", "organisation")}
        element.update({k: v for k, v in data.items() if k not in ("label", "kind")})
        elements.append(element)
    connections = []
    for i, (u, v, data) in enumerate(F.edges(data=True), 1):
        relation = data.get("relation")
        connection = {
            "id": f"connection-{i}",
            "from": str(u),
            "to": str(v),
            "type": relation,
            "direction": "mutual" if relation == "partnerOf" else "directed",
        }
        if data.get("evidence"):
            connection["description"] = data["evidence"]
        connection.update({k: v for k, v in data.items() if k not in ("relation", "label", "evidence", "weight")})
        connections.append(connection)
    return {"elements": elements, "connections": connections}


def write_kumu(G: nx.MultiDiGraph, out: BinaryIO) -> tuple[int, int]:
    """A Kumu JSON blueprint (import it in a Kumu map: Import → JSON)."""
    data = to_kumu(G)
    out.write(json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8"))
    out.write(b"\n")
    return len(data["elements"]), len(data["connections"])


def to_nodelink(G: nx.MultiDiGraph) -> dict[str, Any]:
    """networkx node-link data (d3 style "nodes" and "links"), one link per statement.

    >>> G = nx.MultiDiGraph()
    >>> G.add_edge("x", "A", relation="memberOf", source="a.txt", evidence=None)
    0
    >>> to_nodelink(G)["links"]
    [{'relation': 'memberOf', 'document_source': 'a.txt', 'source': 'x', 'target': 'A', 'key': 0}]
    """
    H = nx.MultiDiGraph()
    H.graph.update(G.graph)
    for node, data in G.nodes(data=True):
        H.add_node(node, **{k: v for k, v in data.items() if v is not None})
    for u, v, key, data in G.edges(keys=True, data=True):
        attrs = {("document_source" if k == "source" else k): val for k, val in data.items() if val is not None}
        H.add_edge(u, v, key=key, **attrs)
    return nx.node_link_data(H, edges="links")


def write_nodelink(G: nx.MultiDiGraph, out: BinaryIO) -> tuple[int, int]:
    """JSON node-link (d3, `networkx.node_link_graph(data, edges="links")` reads it back)."""
    out.write(json.dumps(to_nodelink(G), ensure_ascii=False, indent=2).encode("utf-8"))
    out.write(b"\n")
    return G.number_of_nodes(), G.number_of_edges()


NETWORK_FORMATS: dict[str, Callable[[nx.MultiDiGraph, BinaryIO], tuple[int, int]]] = {
    "graphml": write_graphml,
    "gexf": write_gexf,
    "kumu": write_kumu,
    "nodelink": write_nodelink,
}


def write_network(G: nx.MultiDiGraph, fmt: str, out: BinaryIO) -> tuple[int, int]:
    """Write `G` to `out` as `fmt` (graphml, gexf, kumu, nodelink); returns (nodes, edges) written."""
    if fmt not in NETWORK_FORMATS:
        raise NetworkExportError(f"unknown network format {fmt!r}; use one of {', '.join(NETWORK_FORMATS)}")
    return NETWORK_FORMATS[fmt](G, out)
