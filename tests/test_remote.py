"""A SPARQL 1.1 server as the store (graph/remote.py), against a real `oxigraph serve` started by the tests.

The CLI's read scenarios run on both store kinds in test_cli.py (its `store_path` fixture); here: where the
endpoints are, what a user sees when the server is down or refuses, and the write scenarios (ingest, replace,
remove, a refused batch) run both ways with the results compared.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from servers import STORE_KINDS, free_port, oxigraph_server, store_location

from alliances.cli import cli
from alliances.graph import remote
from alliances.graph.remote import Endpoints, RemoteStore, endpoints_for
from alliances.graph.store import DocumentWrite, StoreError, UnknownDocument, open_store

DATA = Path(__file__).parent / "data"
EXIT_OK, EXIT_FAILURE = 0, 1


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    """An empty Oxigraph server of this test's own."""
    with oxigraph_server(tmp_path / "server") as url:
        yield url


@pytest.fixture
def toy_server(server: str) -> str:
    with open_store(server) as store:
        store.import_file(DATA / "toy.trig")
    return server


# ---------------------------------------------------------------- where the server is


@pytest.mark.parametrize(
    "url,env,expected",
    [
        (
            "http://localhost:7878/",
            {},
            ("http://localhost:7878/query", "http://localhost:7878/update", "http://localhost:7878/store", True),
        ),
        (
            "http:/localhost:7878",  # what pathlib makes of the URL
            {},
            ("http://localhost:7878/query", "http://localhost:7878/update", "http://localhost:7878/store", True),
        ),
        ("http://fuseki:3030/ds", {}, ("http://fuseki:3030/ds",) * 3 + (False,)),
        (
            "https://qlever.example/api/x?access-token=t",
            {},
            ("https://qlever.example/api/x?access-token=t",) * 3 + (False,),
        ),
        (
            "http://graphdb:7200/repositories/kg",
            {
                "ALLIANCES_SPARQL_UPDATE": "http://graphdb:7200/repositories/kg/statements",
                "ALLIANCES_GRAPH_STORE": "http://graphdb:7200/repositories/kg/statements",
            },
            (
                "http://graphdb:7200/repositories/kg",
                "http://graphdb:7200/repositories/kg/statements",
                "http://graphdb:7200/repositories/kg/statements",
                False,
            ),
        ),
    ],
)
def test_remote_endpoints_for(url, env, expected):  # type: ignore[no-untyped-def]
    found = endpoints_for(url, env)
    assert (found.query, found.update, found.graph_store, found.union_default_graph) == expected


@pytest.mark.parametrize("url", ["http://", "http://:7878/", "http://localhost:99999999/", "ftp://x/"])
def test_remote_endpoints_refuses_bad_urls(url):  # type: ignore[no-untyped-def]
    with pytest.raises(StoreError):
        endpoints_for(url, {})


@pytest.mark.parametrize("command", [["stats"], ["member-of", "BL"], ["ask", "who funds BL?"]])
def test_remote_unreachable_server_one_line_exit_1(command):  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{free_port()}/"
    result = CliRunner().invoke(cli, ["--store", url, *command])
    assert result.exit_code == EXIT_FAILURE, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.output
    assert lines[0].startswith(f"Error: cannot reach the SPARQL server at {url}query")


def test_remote_messages_never_show_the_password():  # type: ignore[no-untyped-def]
    url = f"http://me:s3cret@127.0.0.1:{free_port()}/"
    result = CliRunner().invoke(cli, ["--store", url, "stats"])
    assert result.exit_code == EXIT_FAILURE, result.output
    assert "me:***@127.0.0.1" in result.output and "s3cret" not in result.output


def test_remote_unreachable_server_on_ingest(tmp_path):  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text("Kirkens Korshær er med i Alliancen mod Hjemløshed.\n", encoding="utf-8")
    url = f"http://127.0.0.1:{free_port()}/"
    result = CliRunner().invoke(cli, ["--store", url, "ingest", str(tmp_path / "a.txt")])
    assert result.exit_code == EXIT_FAILURE, result.output
    assert f"cannot reach the SPARQL server at {url}" in result.output


def test_remote_wrong_path_is_a_refusal_with_status(server):  # type: ignore[no-untyped-def]
    result = CliRunner().invoke(cli, ["--store", server + "no/such/endpoint", "stats"])
    assert result.exit_code == EXIT_FAILURE, result.output
    assert f"the SPARQL server at {server}no/such/endpoint refused the query (404" in result.output


def test_remote_read_only_and_closed(toy_server):  # type: ignore[no-untyped-def]
    store = open_store(toy_server, read_only=True)
    assert store.document_ids() == {"d1", "d2"}
    with pytest.raises(StoreError, match="read-only"):
        store.remove_documents(["d1"])
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.document_ids()


# ---------------------------------------------------------------- writes, both ways


def _corpus(folder: Path, *, changed: bool = False) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text(
        "Ny alliance mod hjemløshed\n\nKirkens Korshær og Blå Kors Danmark er med i Alliancen mod Hjemløshed.\n"
        + ("Velux Fonden støtter Alliancen mod Hjemløshed med 2 mio. kr.\n" if changed else ""),
        encoding="utf-8",
    )
    (folder / "b.txt").write_text(
        "Folkebevægelse mod ensomhed\n\nBag Folkebevægelsen mod Ensomhed står Ældre Sagen og Dansk Røde Kors. "
        "Kirkens Korshær er med i Folkebevægelsen mod Ensomhed.\n",
        encoding="utf-8",
    )
    return folder


def _scenario(location: str, corpus: Path) -> dict[str, object]:
    """Ingest, ingest again, change a file and ingest, remove a document: what a user sees after each step."""
    seen: dict[str, object] = {}

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--store", location, *args])
        assert result.exit_code == EXIT_OK, result.output
        return result.stdout

    seen["first"] = run("ingest", str(_corpus(corpus)))
    seen["again"] = run("ingest", str(corpus))
    seen["changed"] = run("ingest", str(_corpus(corpus, changed=True)))
    seen["member_of"] = json.loads(run("member-of", "Kirkens Korshær", "--format", "json"))
    seen["members"] = json.loads(run("members", "Alliancen mod Hjemløshed", "--format", "json"))
    seen["stats"] = json.loads(run("stats", "--format", "json"))
    with open_store(location) as store:
        assert store.check_entities() == []
        seen["labels"] = store.entity_labels()
        doc = store.document_by_source(str(corpus / "b.txt"))
        assert doc is not None
        with pytest.raises(UnknownDocument):
            store.remove_documents(["0" * 64])
        store.remove_documents([doc])
        assert store.check_entities() == []
        seen["labels_after_remove"] = store.entity_labels()
        seen["lookup"] = store.lookup("ældre sagen")
        seen["documents"] = len(store.document_ids())
    seen["answer"] = json.loads(run("ask", "who funds Alliancen mod Hjemløshed?", "--format", "json"))
    return seen


def test_remote_ingest_replace_remove_same_as_embedded(tmp_path):  # type: ignore[no-untyped-def]
    results = {}
    for kind in STORE_KINDS:
        with store_location(kind, tmp_path / kind) as location:
            results[kind] = _scenario(location, tmp_path / "corpus")
    embedded, on_server = results["embedded"], results["remote"]
    assert on_server == embedded
    assert "2 documents added" in str(embedded["first"]) and "2 unchanged" in str(embedded["again"])
    assert "1 replaced" in str(embedded["changed"])
    assert [a["alliance"] for a in embedded["member_of"]] == [
        "Alliancen mod Hjemløshed",
        "Folkebevægelsen mod Ensomhed",
    ]
    assert embedded["lookup"] == [] and embedded["documents"] == 1
    assert [r["name"] for r in embedded["answer"]] == ["Velux Fonden"]


def test_remote_refused_batch_leaves_the_store_as_it_was(toy_server, monkeypatch):  # type: ignore[no-untyped-def]
    """One request per batch: when the server fails it midway (here a LOAD it refuses), nothing lands."""
    render = remote._render_update
    monkeypatch.setattr(remote, "_render_update", lambda *a: render(*a) + " ;\nLOAD <http://127.0.0.1:1/refused>")
    graph = ox.NamedNode("https://w3id.org/alliances/doc/d3")
    org = ox.NamedNode("https://w3id.org/alliances/id/org/ny-forening")
    quads = [
        ox.Quad(
            org,
            ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
            ox.NamedNode("http://www.w3.org/ns/org#Organization"),
            graph,
        ),
        ox.Quad(org, ox.NamedNode("http://www.w3.org/2004/02/skos/core#altLabel"), ox.Literal("Ny Forening"), graph),
    ]
    with open_store(toy_server) as store:
        before = (store.stats(), store.entity_labels())
        with pytest.raises(StoreError, match="nothing was written"):
            store.write_documents([DocumentWrite("d3", quads, replaces="d1")])
        assert (store.stats(), store.entity_labels()) == before
        assert store.lookup("Ny Forening") == [] and store.check_entities() == []


@pytest.mark.parametrize("fmt", ["nquads", "trig", "turtle"])
def test_remote_export_with_and_without_graph_store_protocol(toy_server, fmt):  # type: ignore[no-untyped-def]
    with open_store(toy_server, read_only=True) as store:
        with_gsp = io.BytesIO()
        count = store.export(fmt, with_gsp)
    e = endpoints_for(toy_server, {})
    plain = Endpoints(e.url, e.query, e.update, None, e.union_default_graph)
    with RemoteStore(plain, read_only=True) as store:
        without = io.BytesIO()
        assert store.export(fmt, without) == count
    assert set(ox.parse(with_gsp.getvalue(), format=_RDF[fmt])) == set(ox.parse(without.getvalue(), format=_RDF[fmt]))


_RDF = {"nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG, "turtle": ox.RdfFormat.TURTLE}


def test_remote_rebuild_entities_repairs_drift(toy_server):  # type: ignore[no-untyped-def]
    with open_store(toy_server) as store:
        store._update(  # another writer's lost update, as two concurrent ingests could leave it
            "DELETE DATA { GRAPH <https://w3id.org/alliances/graph/entities> { "
            "<https://w3id.org/alliances/id/org/velux-fonden> <https://w3id.org/alliances/ontology#entityKey> "
            '"velux fonden" } }'
        )
        assert store.lookup("Velux Fonden") == []
        assert store.check_entities() == [
            (
                "entities graph lacks <https://w3id.org/alliances/id/org/velux-fonden> "
                '<https://w3id.org/alliances/ontology#entityKey> "velux fonden"'
            )
        ]
        store.rebuild_entities()
        assert store.check_entities() == []
        assert [h.label for h in store.lookup("Velux Fonden")] == ["Velux Fonden"]
