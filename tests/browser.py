"""Browser tests without a network: pytest fixtures giving a Playwright page on Debian's chromium.

Why: the pages `alliances` writes (the map, the query page) promise to work offline and to show hostile names
as text. Only a real browser can check that, and only one that cannot reach the network can check the first.

Use it from a test module (tests/ is on sys.path when pytest collects it; the import makes the fixtures visible):

    from browser import chromium, offline_page  # noqa: F401  (pytest fixtures)

    pytestmark = pytest.mark.browser

    def test_page_draws(offline_page):
        offline_page.goto(path)                  # a Path (opened as file://) or a URL string
        offline_page.page.wait_for_function("window.ready === true")
        offline_page.assert_clean()              # no network tried, no console errors, no alert(), no page errors

Fixtures:
- ``chromium`` (session): one headless browser for the whole run, launched from /usr/bin/chromium (override with
  $ALLIANCES_CHROMIUM) through Playwright's ``executable_path`` -- never ``playwright install``, never a download.
  Skips, saying why, when Playwright or the browser is missing.
- ``offline_page`` (function): a fresh context and page. Every request other than file://, data:, blob: and
  http://127.0.0.1 / http://localhost (any port) is aborted and recorded in ``.blocked``; console errors (CSP
  violations included) go to ``.console_errors``, uncaught exceptions to ``.page_errors``, and every dialog
  (alert, confirm, prompt) is dismissed and recorded in ``.dialogs``. The browser is also started with host
  resolution switched off for every name but localhost, so nothing that slips past the router reaches a network.

Screenshots and other artifacts go under ARTIFACTS (tests/output/, git-ignored); CI keeps them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

CHROMIUM = os.environ.get("ALLIANCES_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).parent / "output"
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
_LAUNCH_ARGS = [
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def is_local(url: str) -> bool:
    """True for what a test page may load: its own files, inline data, and a server on this machine."""
    parts = urlsplit(url)
    if parts.scheme in {"file", "data", "blob", "about"}:
        return True
    return parts.scheme in {"http", "https", "ws", "wss"} and (parts.hostname or "") in LOCAL_HOSTS


@dataclass
class OfflinePage:
    """A Playwright page plus what it tried and what went wrong; see the module docstring."""

    page: Any
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def goto(self, target: Path | str, **kwargs: Any) -> Any:
        """Open a file (Path) or URL and wait for its load event."""
        url = target.resolve().as_uri() if isinstance(target, Path) else target
        return self.page.goto(url, **kwargs)

    def problems(self) -> dict[str, list[str]]:
        """Everything recorded that a clean page would not produce."""
        found = {
            "blocked requests": self.blocked,
            "console errors": self.console_errors,
            "page errors": self.page_errors,
            "dialogs": self.dialogs,
        }
        return {k: v for k, v in found.items() if v}

    def assert_clean(self) -> None:
        """Fail with everything recorded if the page tried the network, logged an error or opened a dialog."""
        problems = self.problems()
        assert not problems, f"the page was not clean: {problems}"

    def screenshot(self, name: str) -> Path:
        """Save a full-window screenshot as ARTIFACTS/<name>.png (for CI to keep) and return its path."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path


class _Shared:
    """One Playwright and one browser per process, however many test modules import the fixtures.

    Each importing module gets its own copy of a session fixture, and Playwright's sync API cannot be started
    twice in one process, so the copies share this and the last one to finish closes it.
    """

    manager: Any = None
    browser: Any = None
    users = 0


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Debian chromium for the session (skips when Playwright or the browser is missing)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser tests need the Python package playwright (pip install -e '.[test]')")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.skip(f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    if _Shared.browser is None:
        manager = sync_playwright().start()
        try:
            _Shared.browser = manager.chromium.launch(executable_path=CHROMIUM, headless=True, args=_LAUNCH_ARGS)
        except Exception:
            manager.stop()
            raise
        _Shared.manager = manager
    _Shared.users += 1
    try:
        yield _Shared.browser
    finally:
        _Shared.users -= 1
        if _Shared.users == 0:
            _Shared.browser.close()
            _Shared.manager.stop()
            _Shared.browser = _Shared.manager = None


@pytest.fixture
def offline_page(chromium: Any) -> Iterator[OfflinePage]:
    """A fresh page that may load only local things, recording everything else; closed after the test."""
    context = chromium.new_context(viewport={"width": 1280, "height": 800}, service_workers="block")
    page = context.new_page()
    recorder = OfflinePage(page)

    def route(route: Any) -> None:
        url = route.request.url
        if is_local(url):
            route.continue_()
        else:
            recorder.blocked.append(url)
            route.abort("blockedbyclient")

    def websocket(ws: Any) -> None:
        if is_local(ws.url):
            ws.connect_to_server()
        else:
            recorder.blocked.append(ws.url)
            ws.close()

    context.route("**/*", route)
    if hasattr(context, "route_web_socket"):
        context.route_web_socket("**/*", websocket)
    page.on("console", lambda msg: recorder.console_errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda error: recorder.page_errors.append(str(error)))

    def dialog(d: Any) -> None:
        recorder.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    try:
        yield recorder
    finally:
        context.close()
