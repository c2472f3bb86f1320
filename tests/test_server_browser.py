"""The query page of `alliances serve` in headless Chromium with every non-local request blocked.

The page must load all its assets from the server (no CDN), list the named queries, run a query and show the
answer as a table — with the fixture's hostile organisation name (HTML and script) shown as inert text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import chromium, offline_page  # noqa: F401  (pytest fixtures)
from test_server import load_bench

from alliances.graph.store import open_store

pytestmark = pytest.mark.browser

DATA = Path(__file__).parent / "data"
HOSTILE_NAME = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=1</script> & Co'
HOSTILE_EVIDENCE = "<b>Medlem</b>: <script>window.__pwned=1</script>"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    location = tmp_path_factory.mktemp("browser") / "store"
    with open_store(location) as writable:
        writable.import_file(DATA / "toy.trig")
        writable.import_file(DATA / "querylib.trig")
    args = ("--timeout", "1", "--workers", "2")
    with load_bench().serve_process(location, *args, log_dir=tmp_path_factory.mktemp("serve-log")) as running:
        yield running


def _wait_for_status(page: Any, word: str) -> str:
    page.wait_for_function("w => document.getElementById('status').textContent.includes(w)", arg=word,
                           timeout=30_000)
    return str(page.text_content("#status"))


def test_server_browser_page_runs_a_named_query_offline(server, offline_page):  # type: ignore[no-untyped-def]  # noqa: F811
    page = offline_page.page
    offline_page.goto(server.url)
    page.wait_for_function("() => document.querySelectorAll('#examples option').length > 10")
    page.select_option("#examples", "members-of")
    assert "?alliance" in page.input_value("#query")
    assert "Which organisations are members" in str(page.text_content("#example-title"))
    page.click("#run")
    status = _wait_for_status(page, "results")
    assert status.startswith("7 results")  # every (alliance, member) pair: the parameter is unbound
    cells = page.locator("#results td").all_text_contents()
    assert "Kirkens Korshær" in cells
    assert HOSTILE_NAME in cells  # shown as the text it is
    assert HOSTILE_EVIDENCE in cells
    assert page.locator("#results img, #results script, #results b").count() == 0
    assert page.evaluate("window.__pwned") is None
    offline_page.screenshot("query-page-members-of")
    offline_page.assert_clean()


def test_server_browser_page_shows_errors_as_text(server, offline_page):  # type: ignore[no-untyped-def]  # noqa: F811
    page = offline_page.page
    offline_page.goto(server.url)
    page.fill("#query", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }")
    page.press("#query", "Control+Enter")
    assert "time limit" in _wait_for_status(page, "Error 503")
    page.fill("#query", "INSERT DATA { <urn:a> <urn:b> '<script>window.__pwned=1</script>' }")
    page.click("#run")
    assert "read-only" in _wait_for_status(page, "Error 403")
    page.fill("#query", "SELECT ?label WHERE { GRAPH ?g { ?o skos:altLabel ?label FILTER CONTAINS(?label, '<img') } }")
    page.click("#run")
    _wait_for_status(page, "1 result")
    assert page.locator("#results td").all_text_contents()[-1] == HOSTILE_NAME
    assert page.evaluate("window.__pwned") is None
    # a failed request is logged by Chromium as a console error; everything else must be clean
    problems = offline_page.problems()
    assert not problems.get("blocked requests") and not problems.get("page errors") and not problems.get("dialogs")
