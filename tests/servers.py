"""A real SPARQL server for tests: Oxigraph's own server (`oxigraph serve`, from the `oxigraph` package on PyPI).

`oxigraph_server(folder)` starts it on a free port of 127.0.0.1, waits until it answers a query, yields its URL
and kills it afterwards. `STORE_KINDS` and `make_store` let a fixture build the same store both ways, embedded on
disk and on a server, so one test body covers both.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

STORE_KINDS = ("embedded", "remote")
_START_ATTEMPTS = 3
_READY_POLLS = 400  # polls 0.05 s apart, so a slow CI machine gets ~20 s before the fixture gives up


def oxigraph_binary() -> Path | None:
    """The `oxigraph` server next to this interpreter (installed by the test extra), or on PATH."""
    beside = Path(sys.executable).with_name("oxigraph")
    if beside.exists():
        return beside
    found = shutil.which("oxigraph")
    return Path(found) if found else None


def require_oxigraph() -> Path:
    binary = oxigraph_binary()
    if binary is None:
        pytest.skip("the Oxigraph server (`pip install oxigraph`, part of the test extra) is not installed")
    return binary


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ready(url: str, process: subprocess.Popen[bytes]) -> bool:
    """Poll until the server answers an ASK; False when the process died (e.g. the port was taken meanwhile)."""
    for _ in range(_READY_POLLS):
        if process.poll() is not None:
            return False
        with contextlib.suppress(httpx.HTTPError):
            answer = httpx.post(
                url + "query",
                content=b"ASK {}",
                headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
                timeout=2.0,
            )
            if answer.status_code == 200:
                return True
        time.sleep(0.05)
    return False


@contextlib.contextmanager
def oxigraph_server(folder: Path) -> Iterator[str]:
    """A running `oxigraph serve --location folder`; yields its base URL (`http://127.0.0.1:PORT/`)."""
    binary = require_oxigraph()
    folder.mkdir(parents=True, exist_ok=True)
    for _attempt in range(_START_ATTEMPTS):
        port = free_port()
        url = f"http://127.0.0.1:{port}/"
        log = (folder.parent / f"{folder.name}-server.log").open("wb")
        process = subprocess.Popen(
            [str(binary), "serve", "--location", str(folder), "--bind", f"127.0.0.1:{port}"],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            if _ready(url, process):
                yield url
                return
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
    pytest.fail(f"oxigraph serve did not start on 127.0.0.1 (see {folder.parent / (folder.name + '-server.log')})")


@contextlib.contextmanager
def store_location(kind: str, folder: Path) -> Iterator[str]:
    """Where a store of this kind lives for the duration of the block: a folder, or a running server's URL."""
    if kind == "embedded":
        yield str(folder / "store")
    else:
        with oxigraph_server(folder / "server") as url:
            yield url
