"""The SPARQL endpoint as a client meets it: `alliances serve` as a real process on 127.0.0.1, queried with httpx.

One server for the module (toy.trig + querylib.trig, time limit 1 s, at most 12 rows, 2 workers); every result
format parsed back, updates/LOAD/SERVICE refused, the time limit hit with a deliberately heavy query, and the
server still answering afterwards.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

httpx = pytest.importorskip("httpx")

from alliances.graph import querylib
from alliances.graph.server import choose_format, parse_accept
from alliances.graph.store import open_store

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data"
ID = "https://w3id.org/alliances/id/"
MAX_ROWS = 12

FUNDS = "SELECT ?funder ?recipient WHERE { GRAPH ?g { ?funder al:funds ?recipient } } ORDER BY ?funder ?recipient"
FUNDS_ROWS = [
    (ID + "org/realdania", ID + "alliance/hjem-til-alle-alliancen"),
    (ID + "org/sparebankstiftelsen-dnb", ID + "alliance/folkebevaegelsen-mod-ensomhed"),
    (ID + "org/velux-fonden", ID + "alliance/alliancen-mod-hjemloeshed"),
    (ID + "org/velux-fonden", ID + "alliance/hjem-til-alle-alliancen"),
]
CONSTRUCT_FUNDS = "CONSTRUCT { ?f al:funds ?r } WHERE { GRAPH ?g { ?f al:funds ?r } }"
HEAVY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


def load_bench() -> Any:
    """bench/load.py, which starts the server process for the tests and the benchmark alike."""
    name = "alliances_bench_load"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "bench" / "load.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    location = tmp_path_factory.mktemp("server") / "store"
    with open_store(location) as writable:
        writable.import_file(DATA / "toy.trig")
        writable.import_file(DATA / "querylib.trig")
    return location


@pytest.fixture(scope="module")
def server(store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    bench = load_bench()
    args = ("--timeout", "1", "--max-rows", str(MAX_ROWS), "--workers", "2", "--memory-limit", "1024")
    with bench.serve_process(store_path, *args, log_dir=tmp_path_factory.mktemp("serve-log")) as running:
        yield running


@pytest.fixture(scope="module")
def http(server: Any) -> Iterator[Any]:
    with httpx.Client(base_url=server.url, timeout=60) as client:
        yield client


def _post(http: Any, query: str, accept: str | None = None, **params: str) -> Any:
    headers = {"Content-Type": "application/sparql-query"}
    if accept:
        headers["Accept"] = accept
    return http.post("sparql", content=query.encode("utf-8"), headers=headers, params=params)


def _select_rows(body: bytes, fmt: ox.QueryResultsFormat) -> list[tuple[str, ...]]:
    solutions = ox.parse_query_results(body, fmt)
    assert isinstance(solutions, ox.QuerySolutions)
    names = [v.value for v in solutions.variables]
    return [tuple(s[n].value for n in names) for s in solutions]


# ---------------------------------------------------------------- formats


@pytest.mark.parametrize(
    "accept,content_type,fmt",
    [
        ("application/sparql-results+json", "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("application/sparql-results+xml", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
        ("text/tab-separated-values", "text/tab-separated-values", ox.QueryResultsFormat.TSV),
        ("text/csv", "text/csv", ox.QueryResultsFormat.CSV),
        (None, "application/sparql-results+json", ox.QueryResultsFormat.JSON),
        ("text/html, application/xml;q=0.9, */*;q=0.8", "application/sparql-results+xml", ox.QueryResultsFormat.XML),
    ],
)
def test_server_select_in_each_format(http, accept, content_type, fmt):  # type: ignore[no-untyped-def]
    response = _post(http, FUNDS, accept)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith(content_type)
    if fmt == ox.QueryResultsFormat.CSV:  # SPARQL CSV loses term kinds: read it as plain CSV
        rows = [tuple(r) for r in csv.reader(io.StringIO(response.text))]
        assert rows == [("funder", "recipient"), *FUNDS_ROWS]
    else:
        assert _select_rows(response.content, fmt) == FUNDS_ROWS
    assert response.headers["x-alliances-rows"] == "4"


@pytest.mark.parametrize(
    "accept,fmt",
    [
        ("text/turtle", ox.RdfFormat.TURTLE),
        ("application/n-triples", ox.RdfFormat.N_TRIPLES),
        ("application/rdf+xml", ox.RdfFormat.RDF_XML),
        ("application/ld+json", ox.RdfFormat.JSON_LD),
        (None, ox.RdfFormat.TURTLE),
    ],
)
def test_server_construct_in_each_format(http, accept, fmt):  # type: ignore[no-untyped-def]
    response = _post(http, CONSTRUCT_FUNDS, accept)
    assert response.status_code == 200, response.text
    triples = {(t.subject.value, t.object.value) for t in ox.parse(response.content, format=fmt)}
    assert triples == set(FUNDS_ROWS)


@pytest.mark.parametrize("fmt", ["json", "xml", "csv", "tsv"])
def test_server_format_parameter_overrides_accept(http, fmt):  # type: ignore[no-untyped-def]
    response = http.get("sparql", params={"query": FUNDS, "format": fmt}, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] in {
        "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
        "csv": "text/csv", "tsv": "text/tab-separated-values"}[fmt]


@pytest.mark.parametrize("accept,expected", [("application/sparql-results+json", b'"boolean":true'),
                                             ("application/sparql-results+xml", b"<boolean>true</boolean>")])
def test_server_ask(http, accept, expected):  # type: ignore[no-untyped-def]
    response = _post(http, "ASK { GRAPH ?g { ?s org:memberOf ?o } }", accept)
    assert response.status_code == 200, response.text
    assert expected in response.content.replace(b" ", b"")


def test_server_get_and_both_posts_agree(http):  # type: ignore[no-untyped-def]
    accept = {"Accept": "application/sparql-results+json"}
    via_get = http.get("sparql", params={"query": FUNDS}, headers=accept)
    via_form = http.post("sparql", data={"query": FUNDS}, headers=accept)
    via_body = _post(http, FUNDS, accept["Accept"])
    assert via_get.status_code == via_form.status_code == via_body.status_code == 200
    assert via_get.json() == via_form.json() == via_body.json()


@pytest.mark.parametrize(
    "query,accept",
    [(FUNDS, "text/turtle"), (CONSTRUCT_FUNDS, "text/csv"), (FUNDS, "image/png")],
)
def test_server_not_acceptable(http, query, accept):  # type: ignore[no-untyped-def]
    response = _post(http, query, accept)
    assert response.status_code == 406
    assert "ask for one of" in response.text


@pytest.mark.parametrize(
    "header,kind,expected",
    [
        ("text/csv;q=0.5, application/sparql-results+json", "select", "json"),
        ("text/turtle;q=0, */*", "construct", "turtle"),
        ("application/n-triples, text/turtle;q=0.9", "construct", "ntriples"),
        ("text/html", "select", None),
        ("", "ask", "json"),
    ],
)
def test_server_content_negotiation(header: str, kind: str, expected: str | None) -> None:
    assert choose_format(kind, parse_accept(header)) == expected


# ---------------------------------------------------------------- read-only, limits


@pytest.mark.parametrize(
    "send",
    [
        lambda h: h.post("sparql", data={"update": "DROP ALL"}),
        lambda h: h.post("sparql", content=b"DROP ALL", headers={"Content-Type": "application/sparql-update"}),
        lambda h: h.get("sparql", params={"query": "DROP ALL"}),
        lambda h: h.post("sparql", data={"query": "INSERT DATA { <urn:a> <urn:b> <urn:c> }"}),
        lambda h: h.post("sparql", data={"query": "PREFIX x: <urn:x#> DELETE WHERE { ?s ?p ?o }"}),
        lambda h: h.post("sparql", data={"query": "LOAD <http://example.org/data.ttl>"}),
        lambda h: h.post("sparql", data={"query": "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"}),
        lambda h: h.post("sparql", data={"query": "select * where { service silent <http://127.0.0.1:9/> { ?s ?p ?o } }"}),
    ],
    ids=["update-form", "update-body", "drop-as-query", "insert", "delete-with-prefix", "load", "service",
         "service-silent"],
)
def test_server_refuses_updates_load_and_service(http, store_path, send):  # type: ignore[no-untyped-def]
    response = send(http)
    assert response.status_code == 403, response.text
    assert "refused" in response.text
    count = _post(http, "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }", "text/csv")
    assert count.status_code == 200
    assert int(count.text.split()[1]) > 100  # the store is as it was


@pytest.mark.parametrize("query", ["SELECT ?x WHERE { ?x ?y }", "SELEKT * WHERE { ?s ?p ?o }"])
def test_server_malformed_query_says_where(http, query):  # type: ignore[no-untyped-def]
    response = _post(http, query)
    assert response.status_code == 400
    assert "line 1, column" in response.text


def test_server_stops_a_heavy_query_at_the_time_limit_and_keeps_answering(http):  # type: ignore[no-untyped-def]
    response = _post(http, HEAVY)
    assert response.status_code == 503
    assert response.headers["x-alliances-error"] == "timeout"
    assert "time limit of 1 s" in response.text
    for _ in range(4):  # more queries than workers: the killed worker was replaced
        again = _post(http, FUNDS, "application/sparql-results+json")
        assert again.status_code == 200
        assert len(again.json()["results"]["bindings"]) == 4


def test_server_cuts_long_answers_at_the_row_limit(http):  # type: ignore[no-untyped-def]
    response = _post(http, "SELECT * WHERE { GRAPH ?g { ?s ?p ?o } }", "application/sparql-results+json")
    assert response.status_code == 200
    assert len(response.json()["results"]["bindings"]) == MAX_ROWS
    assert response.headers["x-alliances-truncated"] == "true"
    assert response.headers["x-alliances-rows"] == str(MAX_ROWS)


@pytest.mark.parametrize(
    "params,status",
    [
        ({"query": FUNDS, "default-graph-uri": "urn:g"}, 400),
        ({}, 400),
        ({"query": "SELECT * WHERE { ?s ?p \\u0022x\\u0022 }"}, 400),
    ],
)
def test_server_protocol_errors(http, params, status):  # type: ignore[no-untyped-def]
    assert http.get("sparql", params=params).status_code == status


def test_server_refuses_oversized_queries(http):  # type: ignore[no-untyped-def]
    response = _post(http, "SELECT * WHERE { ?s ?p ?o } #" + "x" * 300_000)
    assert response.status_code == 413


# ---------------------------------------------------------------- browser-facing


def test_server_cors_for_notebooks(http):  # type: ignore[no-untyped-def]
    preflight = http.request("OPTIONS", "sparql", headers={
        "Origin": "http://localhost:8888", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    response = http.get("sparql", params={"query": FUNDS}, headers={"Origin": "http://localhost:8888"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "X-Alliances-Truncated" in response.headers["access-control-expose-headers"]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:7878", "192.168.1.5"])
def test_server_on_loopback_refuses_other_host_names(http, host):  # type: ignore[no-untyped-def]
    response = http.get("", headers={"Host": host})
    assert response.status_code == 403


def test_server_listens_on_loopback_by_default(server):  # type: ignore[no-untyped-def]
    assert server.url.startswith("http://127.0.0.1:")


@pytest.mark.parametrize("path", ["", "query.js", "query.css"])
def test_server_page_assets_are_local(http, path):  # type: ignore[no-untyped-def]
    response = http.get(path)
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    text = response.text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text), "every asset is served from here"
    assert "cdn" not in text.lower()
    if path == "query.js":
        code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//"))
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", code)


def test_server_queries_json_lists_the_library(http):  # type: ignore[no-untyped-def]
    listed = {q["name"]: q for q in http.get("queries.json").json()}
    assert set(listed) == {q.name for q in querylib.list_queries()}
    assert listed["funders-of"]["parameters"][0]["name"] == "organisation"
    assert "PREFIX al:" in listed["funders-of"]["text"]


@pytest.mark.parametrize("query", querylib.list_queries(), ids=lambda q: q.name)
def test_server_runs_every_example_as_the_page_sends_it(http, query):  # type: ignore[no-untyped-def]
    """The page loads each named query with its parameters unbound; the endpoint answers every one."""
    response = _post(http, query.describe()["text"], "application/sparql-results+json")
    assert response.status_code == 200, response.text
    assert json.loads(response.text)["head"]["vars"]
