"""A read-only SPARQL 1.1 Protocol endpoint over the store, with an offline query page.

Routes: `/sparql` (GET with ?query=, POST as a form or as application/sparql-query), `/` the query page and its
assets (`query.js`, `query.css`, from the package's web/ folder; nothing from a CDN), `/queries.json` the named
queries of `queries/` for the page's examples.

Why queries run in worker processes: Oxigraph cannot cancel a running query from Python, and a thread cannot be
stopped, so a query that runs past the time limit would keep a core and its memory until it ends by itself. Each
query therefore runs in one of a fixed pool of worker processes (forked from a fork server that has imported
everything, so a new one starts in milliseconds; each opens the store read-only, which needs no lock and sees a
consistent snapshot). The HTTP thread waits on the worker's pipe; at the time limit, or when the worker's resident
memory passes the limit, it kills the worker (SIGKILL: the store is opened read-only, so there is nothing to
corrupt), answers 503 with a message, and a warm spare worker takes its place while a new spare starts. A worker
also ends after `recycle_after` queries (slow leaks stay bounded) and reopens the store when its folder changed
(an ingest finished), so answers follow the data without a restart. The pool size bounds how many queries run at
once; further requests wait for a free worker up to `queue_timeout`, then get 503.

Answers are bounded too: at most `max_rows` rows (SELECT) or triples (CONSTRUCT/DESCRIBE), and `max_bytes` of
values; a longer answer is cut and marked with the headers `X-Alliances-Truncated: true` and
`X-Alliances-Rows`. Status codes: 400 malformed query or request, 403 update/LOAD/SERVICE (read-only endpoint),
406 no acceptable format, 413 query too long, 503 time limit, memory limit or all workers busy (the body says
which; the time limit is also named in the `X-Alliances-Error: timeout` header).

Security: listens on 127.0.0.1 unless told otherwise, and then accepts only Host headers naming the loopback
(a web page cannot reach it through DNS rebinding); CORS (`Access-Control-Allow-Origin`, default `*`) lets
notebooks in a browser read answers; SERVICE (federated calls to other servers) and codepoint escapes outside
strings are refused before a query reaches Oxigraph; the page sets a strict Content-Security-Policy and shows
every value as text.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import queue
import signal
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.resources import files
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pyoxigraph as ox

from alliances.graph.store import _UPDATE_KEYWORDS, StoreError, _scan, _shape

__all__ = [
    "AllianceServer",
    "Answer",
    "QueryRefused",
    "ServeError",
    "ServerConfig",
    "WorkerPool",
    "check_query",
    "execute",
    "make_server",
]

log = logging.getLogger(__name__)

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class ServerConfig:
    """Everything `alliances serve` can set; the defaults suit one researcher on a laptop."""

    store_path: Path
    host: str = "127.0.0.1"
    port: int = 7878
    timeout: float = 10.0  # seconds one query may run
    max_rows: int = 10_000  # rows or triples in one answer
    workers: int = 2  # queries running at once
    memory_limit_mb: int | None = 2048  # resident memory of one worker before its query is stopped (Linux)
    cors_origin: str | None = "*"
    max_query_bytes: int = 256 * 1024
    max_bytes: int = 64 * 1024 * 1024  # bytes of values in one answer
    queue_timeout: float | None = None  # waiting for a free worker; default: 3 x timeout + 10 s
    recycle_after: int = 1000  # queries one worker answers before it is replaced
    spare_workers: int = 1  # started in advance, to take a stopped worker's place at once
    max_connections: int = 256  # open HTTP connections served at once

    @property
    def queue_wait(self) -> float:
        return self.queue_timeout if self.queue_timeout is not None else 3 * self.timeout + 10


# ---------------------------------------------------------------- answers


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, content type, body and extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, message: str, **headers: str) -> Answer:
        return cls(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode("utf-8"), headers)


class ServeError(StoreError):
    """The endpoint cannot start: the store is not a local folder, or the address is taken."""


class QueryRefused(Exception):
    """A query the endpoint does not run; `status` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def check_query(text: str, max_bytes: int = 256 * 1024) -> None:
    """Refuse, before any parsing by Oxigraph, what a read-only local endpoint must never run.

    Updates (INSERT, DELETE, LOAD, CLEAR, DROP, …) and SERVICE (a call to another server) are found as
    top-level keywords by the store's tokeniser, which skips strings, IRIs and comments; a backslash outside
    strings (a codepoint escape that could spell a keyword) is refused as well.
    """
    if not text.strip():
        raise QueryRefused(400, "No query: send it as the query parameter (GET or form POST) or as the body of a "
                                "POST with Content-Type application/sparql-query.")
    if len(text.encode("utf-8")) > max_bytes:
        raise QueryRefused(413, f"The query is longer than {max_bytes} bytes.")
    form = _shape(text).form
    if form in _UPDATE_KEYWORDS:
        raise QueryRefused(403, f"This endpoint is read-only: {form} and other updates (INSERT, DELETE, LOAD, "
                                "CLEAR, DROP, …) are refused. Change the store with `alliances ingest`.")
    for _, token in _scan(text):
        if token.upper() == "SERVICE":
            raise QueryRefused(403, "SERVICE (a federated call to another SPARQL server) is refused: this endpoint "
                                    "answers from its own store only.")
        if token == "\\":
            raise QueryRefused(400, "A backslash outside strings (a codepoint escape such as \\u0041) is not "
                                    "accepted; write the characters themselves.")


# ---------------------------------------------------------------- content negotiation

RESULT_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/n-triples": "ntriples",
    "application/rdf+xml": "rdfxml",
    "application/ld+json": "jsonld",
}
CONTENT_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "turtle": "text/turtle; charset=utf-8",
    "ntriples": "application/n-triples",
    "rdfxml": "application/rdf+xml",
    "jsonld": "application/ld+json",
}
_RESULT_FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
}
_GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "rdfxml": ox.RdfFormat.RDF_XML,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def parse_accept(header: str | None) -> list[str]:
    """Media types of an Accept header, most wanted first (q=0 dropped); empty when there is no header."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((header or "").split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        q = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, index, media))
    return [media for _, _, media in sorted(ranked)]


def choose_format(kind: str, accept: Sequence[str], explicit: str | None = None) -> str | None:
    """The output format for a result of `kind` ("select", "ask", "construct"), or None when none is acceptable."""
    offered = GRAPH_TYPES if kind == "construct" else RESULT_TYPES
    default = "turtle" if kind == "construct" else "json"
    if explicit:
        return explicit if explicit in offered.values() else None
    if not accept:
        return default
    for media in accept:
        if media in offered:
            return offered[media]
        if media in ("*/*", "application/*", "text/*"):
            return default
    return None


# ---------------------------------------------------------------- running one query (inside a worker)


def _term_json(term: object) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, ox.Triple):
        return {
            "type": "triple",
            "value": {
                "subject": _term_json(term.subject),
                "predicate": _term_json(term.predicate),
                "object": _term_json(term.object),
            },
        }
    raise TypeError(f"not an RDF term: {term!r}")  # pragma: no cover


def _size(term: object) -> int:
    return len(getattr(term, "value", "")) + 16


def _raw_results(store: Any, text: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """Oxigraph's lazy answer for `text`, with the store's prefixes and union default graph.

    `Store.sparql` reads the whole answer into memory; the endpoint needs the iterator to stop at `max_rows`.
    `Store._run` is that same call without the reading (and it turns a syntax error into QuerySyntaxError or,
    for an update, ReadOnlyQuery). A public `Store.query_raw` would be the cleaner seam.
    """
    return store._run(text, text)


def execute(store: Any, text: str, accept: Sequence[str], explicit: str | None, max_rows: int,
            max_bytes: int = 64 * 1024 * 1024) -> Answer:
    """Run one query on an open store and serialise at most `max_rows` rows in the negotiated format."""
    from alliances.graph.store import QuerySyntaxError, ReadOnlyQuery, StoreError

    try:
        check_query(text)
        results = _raw_results(store, text)
    except QueryRefused as e:
        return Answer.text(e.status, str(e))
    except ReadOnlyQuery as e:
        return Answer.text(403, str(e))
    except QuerySyntaxError as e:
        return Answer.text(400, str(e))
    except StoreError as e:
        return Answer.text(500, str(e))
    kind = "select" if isinstance(results, ox.QuerySolutions) else "ask" if isinstance(results, ox.QueryBoolean) \
        else "construct"
    fmt = choose_format(kind, accept, explicit)
    if fmt is None:
        offered = GRAPH_TYPES if kind == "construct" else RESULT_TYPES
        wanted = explicit or ", ".join(accept)
        return Answer.text(406, f"A {kind.upper()} answer cannot be given as {wanted}; ask for one of "
                                f"{', '.join(dict.fromkeys(offered))} (Accept header or ?format="
                                f"{'|'.join(dict.fromkeys(offered.values()))}).")
    headers: dict[str, str] = {}
    try:
        if isinstance(results, ox.QueryBoolean):
            return Answer(200, CONTENT_TYPES[fmt], results.serialize(format=_RESULT_FORMATS[fmt]) or b"")
        rows: list[Any] = []
        size = 0
        truncated = False
        for item in results:
            if len(rows) >= max_rows or size > max_bytes:
                truncated = True
                break
            rows.append(item)
            size += sum(_size(t) for t in item) if isinstance(item, ox.QuerySolution) else \
                _size(item.subject) + _size(item.predicate) + _size(item.object)
        headers["X-Alliances-Rows"] = str(len(rows))
        if truncated:
            headers["X-Alliances-Truncated"] = "true"
        if isinstance(results, ox.QuerySolutions):
            names = [v.value for v in results.variables]
            bindings = [
                {n: _term_json(row[n]) for n in names if row[n] is not None} for row in rows
            ]
            payload = json.dumps({"head": {"vars": names}, "results": {"bindings": bindings}},
                                 ensure_ascii=False).encode("utf-8")
            if fmt != "json":
                parsed = ox.parse_query_results(payload, ox.QueryResultsFormat.JSON)
                payload = parsed.serialize(format=_RESULT_FORMATS[fmt]) or b""
            return Answer(200, CONTENT_TYPES[fmt], payload, headers)
        from alliances.graph.vocab import PREFIXES

        prefixes = PREFIXES if fmt == "turtle" else None
        body = ox.serialize(rows, format=_GRAPH_FORMATS[fmt], prefixes=prefixes) or b""
        return Answer(200, CONTENT_TYPES[fmt], body, headers)
    except (OSError, RuntimeError, ValueError) as e:
        return Answer.text(500, f"The query failed while reading the store: {e}")


# ---------------------------------------------------------------- worker processes


def _folder_stamp(path: Path) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return 0


def _worker_main(conn: Connection, store_path: str) -> None:
    """A worker: open the store read-only, then answer queries from the pipe until told to stop or orphaned."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole process group; the parent decides
    from alliances.graph.store import StoreError, open_store

    path = Path(store_path)
    try:
        stamp = _folder_stamp(path)
        store = open_store(path, read_only=True)
    except StoreError as e:
        conn.send(("error", str(e)))
        return
    conn.send(("ready", os.getpid()))
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return  # the server is gone
        if message[0] != "query":
            return
        _, text, accept, explicit, max_rows, max_bytes = message
        now = _folder_stamp(path)
        if now != stamp:  # an ingest changed the store: read the new state
            try:
                fresh = open_store(path, read_only=True)
                store.close()
                store, stamp = fresh, now
            except StoreError as e:
                log.warning("could not reopen the store at %s, answering from the old state: %s", path, e)
        try:
            answer = execute(store, text, accept, explicit, max_rows, max_bytes)
        except Exception as e:  # a bug; keep the worker and say so
            log.exception("query failed")
            answer = Answer.text(500, f"Internal error while answering the query: {type(e).__name__}: {e}")
        conn.send((answer.status, answer.content_type, answer.body, dict(answer.headers)))


def _context() -> Any:
    """Where workers come from: on Linux a fork server that has imported pyoxigraph and this module already, so a
    replacement starts in milliseconds instead of a second of imports (it forks from a single-threaded process,
    never from the threaded HTTP server); elsewhere `spawn`."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["pyoxigraph", "alliances.graph.store", "alliances.graph.server"])
        return context
    return multiprocessing.get_context("spawn")


class _Worker:
    def __init__(self, context: Any, store_path: Path) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, str(store_path)), daemon=True,
                                       name="alliances-query-worker")
        self.process.start()
        child.close()
        self.served = 0

    def wait_ready(self, timeout: float) -> None:
        from alliances.graph.store import StoreError

        if not self.conn.poll(timeout):
            self.kill()
            raise StoreError(f"a query worker did not start within {timeout:.0f} s")
        try:
            status, detail = self.conn.recv()
        except EOFError as e:
            self.kill()
            raise StoreError("a query worker ended while opening the store") from e
        if status != "ready":
            self.kill()
            raise StoreError(str(detail))

    def rss_mb(self) -> float:
        """Resident memory of the worker in MB (Linux /proc), 0 when unknown."""
        try:
            with open(f"/proc/{self.process.pid}/statm", "rb") as handle:
                pages = int(handle.read().split()[1])
        except (OSError, ValueError, IndexError):
            return 0.0
        return pages * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(("stop",))
        except (OSError, ValueError):
            pass
        self.process.join(2)
        self.kill()


class WorkerPool:
    """A fixed number of query worker processes; `run` sends a query to a free one and enforces the limits."""

    def __init__(self, config: ServerConfig) -> None:
        self.config = config
        self._context = _context()
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        workers = [self._new() for _ in range(config.workers)]
        try:
            for w in workers:
                w.wait_ready(60)
        except Exception:
            for w in workers:
                w.kill()
            raise
        for w in workers:
            self._idle.put(w)
        self._spares: queue.Queue[_Worker] = queue.Queue()
        for _ in range(config.spare_workers):
            threading.Thread(target=self._start_into, args=(self._spares,), daemon=True).start()

    def _start_into(self, target: queue.Queue[_Worker]) -> None:
        """Start a worker in the background and, once it has opened the store, put it in `target`."""
        if self._closed:
            return
        try:
            fresh = self._new()
            fresh.wait_ready(60)
        except Exception:
            log.exception("could not start a query worker")
            return
        if self._closed:
            fresh.stop()
        else:
            target.put(fresh)

    def _new(self) -> _Worker:
        worker = _Worker(self._context, self.config.store_path)
        with self._lock:
            self._all.add(worker)
        return worker

    def _retire(self, worker: _Worker, *, kill: bool) -> None:
        """Replace a worker: a warm spare takes its place at once (when there is one), and a new worker starts in
        the background to become the next spare (or to take the place itself)."""
        with self._lock:
            self._all.discard(worker)
        if kill:
            worker.kill()
        try:
            self._idle.put(self._spares.get_nowait())
            target = self._spares
        except queue.Empty:
            target = self._idle

        def replace() -> None:
            if not kill:
                worker.stop()
            self._start_into(target)

        threading.Thread(target=replace, name="alliances-worker-replace", daemon=True).start()

    def run(self, text: str, accept: Sequence[str], explicit: str | None) -> Answer:
        """Answer one query in a worker, or a 503 Answer at the time or memory limit or when all are busy."""
        config = self.config
        try:
            worker = self._idle.get(timeout=config.queue_wait)
        except queue.Empty:
            return Answer.text(503, f"All {config.workers} query workers stayed busy for {config.queue_wait:.0f} s; "
                                    "retry later.", **{"Retry-After": "5", "X-Alliances-Error": "busy"})
        try:
            worker.conn.send(("query", text, list(accept), explicit, config.max_rows, config.max_bytes))
        except (OSError, ValueError):
            self._retire(worker, kill=True)
            return Answer.text(500, "A query worker had ended; the query was not run. Retry it.")
        deadline = time.monotonic() + config.timeout
        limit = config.memory_limit_mb
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._retire(worker, kill=True)
                return Answer.text(
                    503,
                    f"The query was stopped at the time limit of {config.timeout:g} s. Narrow it (LIMIT, a more "
                    "specific pattern) or ask whoever runs the server for a longer --timeout.",
                    **{"X-Alliances-Error": "timeout"},
                )
            try:
                ready = worker.conn.poll(min(0.05, remaining))
            except (OSError, ValueError):
                ready = True
            if ready:
                break
            if limit and worker.rss_mb() > limit:
                self._retire(worker, kill=True)
                return Answer.text(503, f"The query was stopped: it needed more than {limit} MB of memory. Narrow "
                                        "it, or ask for a larger --memory-limit.", **{"X-Alliances-Error": "memory"})
        try:
            status, content_type, body, headers = worker.conn.recv()
        except (EOFError, OSError):
            self._retire(worker, kill=True)
            return Answer.text(500, "The query worker ended unexpectedly while answering; it was replaced.")
        worker.served += 1
        if worker.served >= config.recycle_after:
            self._retire(worker, kill=False)
        else:
            self._idle.put(worker)
        return Answer(status, content_type, body, headers)

    def pids(self) -> list[int]:
        with self._lock:
            return [w.process.pid for w in self._all if w.process.pid is not None]

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            w.stop()


# ---------------------------------------------------------------- HTTP

_PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_ASSETS = {
    "/": ("query.html", "text/html; charset=utf-8"),
    "/index.html": ("query.html", "text/html; charset=utf-8"),
    "/query.html": ("query.html", "text/html; charset=utf-8"),
    "/query.js": ("query.js", "text/javascript; charset=utf-8"),
    "/query.css": ("query.css", "text/css; charset=utf-8"),
}


def _asset(name: str) -> bytes:
    return files("alliances.web").joinpath(name).read_bytes()


def _queries_json() -> bytes:
    from alliances.graph.querylib import list_queries

    return json.dumps([q.describe() for q in list_queries()], ensure_ascii=False).encode("utf-8")


class _Handler(BaseHTTPRequestHandler):
    server: AllianceServer
    protocol_version = "HTTP/1.1"
    server_version = "alliances-sparql"

    def version_string(self) -> str:
        return self.server_version
    timeout = 60  # an idle keep-alive connection is closed after this many seconds

    # -- plumbing

    def log_message(self, format: str, *args: Any) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def _send(self, answer: Answer, *, cors: bool = False, extra: Mapping[str, str] | None = None) -> None:
        body = b"" if self.command == "HEAD" else answer.body
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        self.send_header("Content-Length", str(len(answer.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Cache-Control", "no-store")
        for name, value in {**answer.headers, **(extra or {})}.items():
            self.send_header(name, value)
        if cors and self.server.config.cors_origin:
            self._cors_headers()
        self.end_headers()
        self.wfile.write(body)

    def _cors_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", self.server.config.cors_origin or "")
        self.send_header("Access-Control-Expose-Headers", "X-Alliances-Rows, X-Alliances-Truncated, X-Alliances-Error")
        self.send_header("Vary", "Origin, Accept")

    def _host_allowed(self) -> bool:
        """On a loopback address, only Host headers that name the loopback (no DNS rebinding)."""
        if self.server.config.host not in LOOPBACK_NAMES:
            return True
        host = self.headers.get("Host")
        if host is None:
            return True
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.lower() in LOOPBACK_NAMES

    def _guard(self) -> bool:
        if self._host_allowed():
            return True
        self._send(Answer.text(403, "This server answers requests for 127.0.0.1 or localhost only."))
        return False

    # -- methods

    def do_OPTIONS(self) -> None:
        if not self._guard():
            return
        self.send_response(204)
        self.send_header("Allow", "GET, HEAD, POST, OPTIONS")
        if self.server.config.cors_origin:
            self._cors_headers()
            self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
            self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
            self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        if not self._guard():
            return
        url = urlsplit(self.path)
        if url.path in _ASSETS:
            name, content_type = _ASSETS[url.path]
            extra = {"Content-Security-Policy": _PAGE_CSP, "Referrer-Policy": "no-referrer"}
            self._send(Answer(200, content_type, _asset(name)), extra=extra)
        elif url.path == "/queries.json":
            self._send(Answer(200, "application/json", _queries_json()), cors=True)
        elif url.path == "/sparql":
            params = parse_qs(url.query, keep_blank_values=True)
            if "query" not in params and "update" not in params:
                self._send(Answer.text(400, "Send a SPARQL query as ?query=…, or open / for the query page."),
                           cors=True)
                return
            self._protocol(params, None)
        else:
            self._send(Answer.text(404, f"Nothing at {url.path}; the endpoint is /sparql, the query page /."))

    do_HEAD = do_GET

    def do_POST(self) -> None:
        if not self._guard():
            return
        url = urlsplit(self.path)
        if url.path != "/sparql":
            self._send(Answer.text(404, f"Nothing at {url.path}; POST queries to /sparql."))
            return
        length_header = self.headers.get("Content-Length")
        if length_header is None:
            self._send(Answer.text(411, "Send a Content-Length with the POST body."), cors=True)
            return
        try:
            length = int(length_header)
        except ValueError:
            self._send(Answer.text(400, "Content-Length is not a number."), cors=True)
            return
        limit = self.server.config.max_query_bytes * 4
        if length < 0 or length > limit:
            self.close_connection = True
            self._send(Answer.text(413, f"The request body is larger than {limit} bytes."), cors=True)
            return
        body = self.rfile.read(length)
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        params = parse_qs(url.query, keep_blank_values=True)
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            self._send(Answer.text(400, "The request body is not UTF-8."), cors=True)
            return
        if media == "application/x-www-form-urlencoded":
            for name, values in parse_qs(text, keep_blank_values=True).items():
                params.setdefault(name, []).extend(values)
            self._protocol(params, None)
        elif media == "application/sparql-query":
            self._protocol(params, text)
        elif media == "application/sparql-update":
            self._send(_read_only_answer(), cors=True)
        else:
            self._send(Answer.text(415, "POST a query as application/sparql-query, or as a form "
                                        "(application/x-www-form-urlencoded) with query=…."), cors=True)

    def _method_not_allowed(self) -> None:
        self._send(Answer.text(405, "This endpoint answers GET and POST (and OPTIONS for CORS)."),
                   extra={"Allow": "GET, HEAD, POST, OPTIONS"})

    do_PUT = do_DELETE = do_PATCH = _method_not_allowed

    # -- the protocol

    def _protocol(self, params: Mapping[str, list[str]], text: str | None) -> None:
        if "update" in params or "using-graph-uri" in params or "using-named-graph-uri" in params:
            self._send(_read_only_answer(), cors=True)
            return
        if text is None:
            queries = params.get("query", [])
            if len(queries) != 1:
                self._send(Answer.text(400, "Give exactly one query parameter."), cors=True)
                return
            text = queries[0]
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            self._send(Answer.text(400, "default-graph-uri and named-graph-uri are not supported: the default graph "
                                        "is the union of all graphs; use GRAPH (or FROM NAMED) in the query."),
                       cors=True)
            return
        formats = params.get("format") or []
        explicit = (formats[0].strip().lower() or None) if formats else None
        config = self.server.config
        try:
            check_query(text, config.max_query_bytes)
        except QueryRefused as e:
            self._send(Answer.text(e.status, str(e)), cors=True)
            return
        started = time.monotonic()
        answer = self.server.pool.run(text, parse_accept(self.headers.get("Accept")), explicit)
        elapsed = time.monotonic() - started
        log.info("query %d in %.3f s, %s bytes", answer.status, elapsed, len(answer.body))
        self._send(answer, cors=True, extra={"X-Alliances-Time": f"{elapsed:.3f}"})


def _read_only_answer() -> Answer:
    return Answer.text(403, "This endpoint is read-only: SPARQL updates (INSERT, DELETE, LOAD, CLEAR, DROP, …) are "
                            "refused. Change the store with `alliances ingest`.")


class AllianceServer(ThreadingHTTPServer):
    """The HTTP server: one thread per connection (at most `max_connections`), queries in the worker pool."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, config: ServerConfig, pool: WorkerPool) -> None:
        self.config = config
        self.pool = pool
        self._slots = threading.BoundedSemaphore(config.max_connections)
        if ":" in config.host:
            self.address_family = socket.AF_INET6
        super().__init__((config.host, config.port), _Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if isinstance(host, bytes):  # pragma: no cover - AF_UNIX only
            host = host.decode()
        shown = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}/"

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.sendall(b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                                b"Content-Length: 22\r\nConnection: close\r\n\r\nToo many connections.\n")
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def close(self) -> None:
        """Stop listening and end the worker processes."""
        self.server_close()
        self.pool.close()


def make_server(config: ServerConfig) -> AllianceServer:
    """Check the store, start the worker pool and bind the socket; call `serve_forever()` on the result.

    Raises StoreError when the store cannot be opened (no store, a remote URL) and OSError when the port is taken.
    """
    from alliances.graph.store import open_store

    text = str(config.store_path)
    if "://" in text or text.startswith(("http:/", "https:/")):
        raise ServeError(f"`serve` publishes a local store folder, not {text}; a remote SPARQL server is an "
                         "endpoint already")
    open_store(config.store_path, read_only=True).close()  # the usual message when there is no store
    pool = WorkerPool(config)
    try:
        return AllianceServer(config, pool)
    except OSError as e:
        pool.close()
        raise ServeError(f"cannot listen on {config.host}:{config.port}: {e.strerror or e}; "
                         "choose another --port (0 picks a free one)") from e
