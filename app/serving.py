"""gunicorn's threaded worker, made to stand slow and many clients (issue 20).

gunicorn's own ``gthread`` worker hands a connection to a thread as soon as
its first byte arrives; the thread then blocks until the rest of the request
comes. Clients that send half a request and stop hold one thread each for as
long as they like, and once every thread is taken, new requests queue without
bound until they time out. With sync workers two such clients froze GridMap.

:class:`GuardedThreadWorker` keeps gthread's thread pool and keep-alive
handling and changes what reaches a thread:

- the request head and a small body are read in the worker's event loop,
  which waits on every connection at once; a request that is not complete
  within ``GRIDMAP_SERVE_READ_TIMEOUT`` seconds (default 10) of its first byte
  is answered 408 and closed, and a connection that sends nothing at all is
  closed after the same time. A slow client costs a socket, never a thread;
- a larger body (an upload) is read by the thread, against a deadline that
  allows :data:`MIN_UPLOAD_RATE` bytes a second;
- when every thread is busy and ``GRIDMAP_SERVE_QUEUE`` requests (default:
  as many as there are threads) already wait for one, the next request is
  answered ``503`` with ``Retry-After`` at once, JSON under the API paths;
- a client that stops reading its response is dropped after gunicorn's
  ``timeout``, so slow readers cannot hold threads either;
- a request line longer than gunicorn reads (``limit_request_line``) is passed
  on with its path alone and the header ``app.errors.TARGET_TOO_LONG``: the app
  answers 414 in the reader's language (its error page, or JSON), where gunicorn
  would answer a bare English 400.

gunicorn.conf.py at the top of the repository selects this worker for
``make run``, the Docker image and docs/deployment.md.
"""
from __future__ import annotations

import errno
import io
import json
import os
import re
import selectors
import socket
import struct
import time
from concurrent import futures
from functools import partial

from gunicorn import glogging, http
from gunicorn.http.message import MAX_REQUEST_LINE
from gunicorn.workers.gthread import TConn, ThreadWorker

from app.errors import TARGET_TOO_LONG

#: Bodies up to this size are read by the event loop with the head; larger ones by the thread
#: (kept small: the loop holds this much per connection, for up to worker_connections of them).
BUFFERED_BODY = 64 * 1024
#: Headers beyond this size are left to gunicorn's parser (which refuses oversized ones).
HEAD_LIMIT = 64 * 1024
#: The slowest upload accepted (bytes a second): a 64 MiB import may take ~20 minutes, no more.
MIN_UPLOAD_RATE = 50 * 1024
#: Assumed size of a chunked body (no Content-Length) when giving its upload a deadline.
CHUNKED_ALLOWANCE = 64 * 1024 * 1024
#: Paths whose clients read JSON errors ({"error": {"code", "message", "details"}}).
API_PREFIXES = (b"/api/", b"/open311/", b"/ogc/", b"/healthz")

_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length[ \t]*:[ \t]*(\d+)[ \t]*(?=\r\n|$)", re.I)
_CHUNKED = re.compile(rb"\r\ntransfer-encoding[ \t]*:", re.I)
_LANG = re.compile(rb"[?&]lang=([a-z]{2})(?:[&# ]|$)|gridmap_lang=([a-z]{2})")

INCOMPLETE, COMPLETE, STREAM = "incomplete", "complete", "stream"
#: A path longer than this (bytes) is replaced by "/" when an over-long target is cut.
KEPT_PATH = 1024


def _setting(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def request_state(buf: bytes | bytearray) -> tuple[str, int]:
    """Whether the bytes received so far hold a whole request: ``(state, body bytes still to come)``.

    >>> request_state(b"GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n")
    ('incomplete', 0)
    >>> request_state(b"GET /healthz HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
    ('complete', 0)
    >>> request_state(b"POST /api/v1/reports HTTP/1.1\\r\\nContent-Length: 4\\r\\n\\r\\n{}")
    ('incomplete', 2)
    >>> request_state(b"POST /api/v1/grids/import HTTP/1.1\\r\\nContent-Length: 9000000\\r\\n\\r\\n")
    ('stream', 9000000)
    """
    end = buf.find(b"\r\n\r\n")
    if end < 0:
        return (STREAM, 0) if len(buf) > HEAD_LIMIT else (INCOMPLETE, 0)
    head = bytes(buf[:end])
    if _CHUNKED.search(head):
        return STREAM, CHUNKED_ALLOWANCE
    match = _CONTENT_LENGTH.search(head)
    missing = (int(match.group(1)) if match else 0) - (len(buf) - end - 4)
    if missing <= 0:
        return COMPLETE, 0
    if missing > BUFFERED_BODY:
        return STREAM, missing
    return INCOMPLETE, missing


def line_limit(configured: int) -> int:
    """The request-line limit gunicorn's parser applies for a ``limit_request_line`` setting.

    >>> line_limit(4094), line_limit(0), line_limit(100000)
    (4094, 8190, 8190)
    """
    return configured if 0 < configured < MAX_REQUEST_LINE else MAX_REQUEST_LINE


def cut_long_target(buf: bytes | bytearray, limit: int) -> bytes | None:
    """A request whose line is over ``limit`` bytes, with the target cut to its path and the header
    ``TARGET_TOO_LONG`` added; None when the line is within the limit (or is not all in ``buf``).

    >>> cut_long_target(b"GET /lookup?q=abc HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n", 20)
    b'GET /lookup HTTP/1.1\\r\\nX-GridMap-Target-Too-Long: 20\\r\\nHost: x\\r\\n\\r\\n'
    >>> cut_long_target(b"GET /lookup?q=abc HTTP/1.1\\r\\n\\r\\n", 100) is None
    True
    """
    end = bytes(buf[:limit + 2 + HEAD_LIMIT]).find(b"\r\n")
    if end < 0 and len(buf) > HEAD_LIMIT:
        # Longer than the loop reads: the head is answered without the rest (the connection then closes).
        method, target = (bytes(buf[:limit]).split(b" ", 2) + [b"/"])[:2]
        return cut_long_target(method + b" " + target.split(b"?", 1)[0][:KEPT_PATH] + b"?" + b"x" * limit
                               + b" HTTP/1.1\r\nConnection: close\r\n\r\n", limit)
    if end <= limit:
        return None
    parts = bytes(buf[:end]).split(b" ")
    if len(parts) != 3:
        return None
    method, target, version = parts
    path = target.split(b"?", 1)[0].split(b"#", 1)[0]
    if len(path) > KEPT_PATH or not path.startswith(b"/"):
        path = b"/"
    header = TARGET_TOO_LONG.encode() + b": " + str(limit).encode()
    return b" ".join((method, path, version)) + b"\r\n" + header + bytes(buf[end:])


class _DeadlineSocket:
    """What gunicorn's parser reads from: the socket, until a deadline.

    At the deadline it reports the end of the stream, as if the client had
    gone: the parser then gives up on the request, and a body read by the app
    comes up short, which werkzeug answers 400 instead of waiting on.
    """

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.deadline = float("inf")

    def recv(self, size: int) -> bytes:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            return b""
        self.sock.settimeout(min(remaining, 3600.0))
        try:
            return self.sock.recv(size)
        except TimeoutError:
            return b""
        finally:
            self.sock.settimeout(None)


class GuardedConn(TConn):
    """A connection with the bytes the event loop has read for its next request."""

    def __init__(self, cfg, sock, client, server):
        super().__init__(cfg, sock, client, server)
        self.received = bytearray()
        self.deadline = 0.0          # monotonic: when an incomplete request is given up
        self.streamed = False        # a body read by the thread: the connection is not kept alive
        self.allowance = 0.0         # seconds the rest of a streamed body may take (MIN_UPLOAD_RATE)
        self.reader = _DeadlineSocket(sock)
        # A client that stops reading its response is dropped after gunicorn's timeout.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, struct.pack("ll", int(cfg.timeout or 30), 0))

    def init(self):
        self.initialized = True
        self.sock.setblocking(True)
        if self.parser is None:
            self.parser = http.RequestParser(self.cfg, self.reader, self.client)
        if self.received:
            self.parser.unreader.unread(bytes(self.received))
            self.received.clear()


class GuardedThreadWorker(ThreadWorker):
    """gthread whose threads only ever see complete requests, and which answers 503 when full."""

    def init_process(self):
        if self.cfg.is_ssl:
            # The event loop reads requests as plain bytes.
            raise RuntimeError("GuardedThreadWorker serves plain HTTP: end TLS at the reverse proxy "
                               "(docs/deployment.md)")
        self.read_timeout = _setting("GRIDMAP_SERVE_READ_TIMEOUT", 10.0)
        self.line_limit = line_limit(self.cfg.limit_request_line)
        self.max_waiting = int(_setting("GRIDMAP_SERVE_QUEUE", self.cfg.threads))
        self.reading: set[GuardedConn] = set()
        self.refused = 0
        self._refusal_logged = 0.0
        super().init_process()

    # -- the event loop -------------------------------------------------------------------------

    def run(self):
        self.busy_pages = _busy_pages(self.wsgi)
        for sock in self.sockets:
            sock.setblocking(False)
            self.poller.register(sock, selectors.EVENT_READ, partial(self.accept, sock.getsockname()))
        while self.alive:
            self.notify()
            for key, _ in self.poller.select(0.5):
                key.data(key.fileobj)
            self.futures = type(self.futures)(f for f in self.futures if not f.done())
            if not self.is_parent_alive():
                break
            self.murder_keepalived()
            self.expire_reading()
            self._log_refusals()
        self.tpool.shutdown(False)
        self.poller.close()
        for s in self.sockets:
            s.close()
        futures.wait(self.futures, timeout=self.cfg.graceful_timeout)

    def accept(self, server, listener):
        try:
            sock, client = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        conn = GuardedConn(self.cfg, sock, client, server)
        self.nr_conns += 1
        if self.nr_conns > self.worker_connections and not self._drop_oldest_idle():
            self.refuse(conn)
            return
        conn.deadline = time.monotonic() + self.read_timeout
        self.wait_for_bytes(conn)

    def wait_for_bytes(self, conn: GuardedConn) -> None:
        self.reading.add(conn)
        with self._lock:
            self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_client_socket_readable, conn))

    def on_client_socket_readable(self, conn, client):
        with self._lock:
            try:
                self.poller.unregister(client)
            except (KeyError, ValueError):
                return  # closed by this same round of the loop (made room for a new connection)
            if conn.initialized and conn not in self.reading:
                # A kept-alive connection: its next request begins now.
                try:
                    self._keep.remove(conn)
                except ValueError:
                    return
                conn.deadline = time.monotonic() + self.read_timeout
        self.reading.discard(conn)
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            data = None
        except OSError:
            data = b""
        if data == b"":  # the client went away
            self.close(conn)
            return
        if data:
            conn.received += data
        state, missing = request_state(conn.received)
        if state == INCOMPLETE:
            self.wait_for_bytes(conn)
            return
        if self.saturated():
            self.refuse(conn)
            return
        cut = cut_long_target(conn.received, self.line_limit)
        if cut is not None:
            conn.received = bytearray(cut)
            if state == STREAM and missing == 0:  # a line longer than the loop reads: no more is read
                state = COMPLETE
        conn.streamed = state == STREAM
        # The rest of a streamed body is read by the thread; its deadline starts when the thread does
        # (handle), so time spent waiting for a free thread on a busy server is not held against the client.
        conn.allowance = missing / MIN_UPLOAD_RATE if conn.streamed else 0.0
        self.enqueue_req(conn)

    def saturated(self) -> bool:
        running_or_waiting = sum(1 for f in self.futures if not f.done())
        return running_or_waiting >= self.cfg.threads + self.max_waiting

    def expire_reading(self) -> None:
        now = time.monotonic()
        for conn in [c for c in self.reading if c.deadline <= now]:
            self.reading.discard(conn)
            with self._lock:
                try:
                    self.poller.unregister(conn.sock)
                except (KeyError, ValueError, OSError):
                    pass
            if conn.received:
                _send_quietly(conn.sock, b"HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n"
                                         b"Content-Length: 0\r\n\r\n")
            self.close(conn)

    def _drop_oldest_idle(self) -> bool:
        """Make room for a new connection by closing the longest-idle kept-alive one."""
        with self._lock:
            try:
                conn = self._keep.popleft()
            except IndexError:
                return False
            try:
                self.poller.unregister(conn.sock)
            except (KeyError, ValueError, OSError):
                pass
        self.close(conn)
        return True

    def close(self, conn: GuardedConn) -> None:
        self.nr_conns -= 1
        conn.close()

    # -- answering when full ----------------------------------------------------------------------

    def refuse(self, conn: GuardedConn) -> None:
        """503 at once (the request is not run), in the client's language, JSON for API paths."""
        head = bytes(conn.received[:4096])
        target = head.split(b" ", 2)[1] if head.count(b" ") >= 2 else b"/"
        match = _LANG.search(head)
        lang = (match.group(1) or match.group(2)).decode() if match else None
        page = self.busy_pages.get(lang) or self.busy_pages[None]
        body, ctype = (page[0], b"application/json") if target.startswith(API_PREFIXES) else (page[1], b"text/html")
        _send_quietly(conn.sock, b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\n"
                                 b"Content-Type: " + ctype + b"; charset=utf-8\r\n"
                                 b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)
        self.close(conn)
        self.refused += 1

    def _log_refusals(self) -> None:
        now = time.monotonic()
        if self.refused and now - self._refusal_logged >= 10:
            self.log.warning("all %d threads busy and %d requests waiting: answered %d requests 503",
                             self.cfg.threads, self.max_waiting, self.refused)
            self.refused, self._refusal_logged = 0, now

    # -- in the threads ---------------------------------------------------------------------------

    def handle(self, conn):
        """gthread's handling, then any request the client sent right behind this one (pipelined):
        a complete one is handled by this thread too; the start of one waits in the event loop."""
        conn.reader.deadline = time.monotonic() + self.read_timeout + conn.allowance
        while True:
            keepalive, conn = super().handle(conn)
            leftovers = _leftovers(conn) if keepalive else b""
            if not leftovers:
                return keepalive, conn
            if request_state(leftovers)[0] != COMPLETE:
                conn.received += leftovers
                return keepalive, conn
            conn.parser.unreader.unread(leftovers)
            conn.reader.deadline = time.monotonic() + self.read_timeout

    def handle_request(self, req, conn):
        try:
            # After a streamed body, what follows on the connection may be the rest of a body the
            # app did not read rather than a request head: start afresh on a new connection.
            return super().handle_request(req, conn) and not conn.streamed
        except (BlockingIOError, TimeoutError):
            self.log.info("%s stopped reading its response; connection closed", conn.client)
            return False


def _leftovers(conn: GuardedConn) -> bytes:
    """Bytes the parser holds beyond the request just answered (after its unread body)."""
    parser = conn.parser
    if parser is None or parser.mesg is None:
        return b""
    while parser.mesg.body and parser.mesg.body.read(8192):
        pass
    data = parser.unreader.buf.getvalue()
    parser.unreader.buf = io.BytesIO()
    return data


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        sock.setblocking(False)
        sock.send(data)
    except OSError:
        pass


def _busy_pages(app) -> dict:
    """The 503 bodies (JSON, HTML) for each language of the app, translated once at start."""
    english = "The service is busy; please retry in a moment."
    pages = {None: _pages(english, "en")}
    try:
        from flask_babel import force_locale, gettext as _

        with app.app_context():
            for lang in app.config["LANGUAGES"]:
                with force_locale(lang):
                    pages[lang] = _pages(_("The service is busy; please retry in a moment."), lang)
            pages[None] = pages[app.config["BABEL_DEFAULT_LOCALE"]]
    except (AttributeError, KeyError, RuntimeError):  # not GridMap's Flask app: English
        pass
    return pages


def _pages(message: str, lang: str) -> tuple[bytes, bytes]:
    body = json.dumps({"error": {"code": "service_busy", "message": message, "details": None}},
                      ensure_ascii=False).encode()
    html = (f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><title>503</title>'
            f"<p>{message}</p></html>").encode()
    return body, html


#: A secret a client may put in a URL (Open311's api_key, where the spec's examples put it).
_KEY_IN_URL = re.compile(r"((?:^|[?&])api_key=)[^&\s]*", re.IGNORECASE)


class RedactingLogger(glogging.Logger):
    """gunicorn's logger with api_key values masked in the access log (request line, query, referrer):
    GridMap accepts the key in the query string, so the log must not keep it (gunicorn.conf.py)."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "f"):
            value = atoms.get(key)
            if isinstance(value, str) and "api_key=" in value.lower():
                atoms[key] = _KEY_IN_URL.sub(r"\1[redacted]", value)
        return atoms
