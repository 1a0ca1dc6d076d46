"""A read-only loopback HTTP server for the .ics feeds (and the HTML agenda when it exists).

It must never take the daemon's file handles (issue 18, B5): at most `max_connections` at once (by
default a small share of the process's RLIMIT_NOFILE; more are answered 503 and closed), a client
that sends nothing is dropped after `idle_seconds`, and running out of handles in accept() pauses
the accept loop instead of spinning on it.
"""

from __future__ import annotations

import errno
import logging
import resource
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

log = logging.getLogger("docketd.feed")

IDLE_SECONDS = 10.0
OUT_OF_HANDLES = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
BUSY = b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 5\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


def default_max_connections() -> int:
    """A share of the file-handle limit small enough that intake, SQLite and calendars keep theirs."""
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    if soft == resource.RLIM_INFINITY:
        return 64
    return max(4, min(64, soft // 8))


class _CappedServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with a connection cap and a pause (not a spin) when accept() runs out of handles."""

    daemon_threads = True
    request_queue_size = 16

    def __init__(self, address: tuple[str, int], handler: Any, max_connections: int) -> None:
        self.slots = threading.BoundedSemaphore(max_connections)
        self.max_connections = max_connections
        self._pause = threading.Event()  # never set: an interruptible sleep
        self._warned_at = float("-inf")
        super().__init__(address, handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        try:
            return super().get_request()
        except OSError as exc:
            if exc.errno in OUT_OF_HANDLES:
                if time.monotonic() - self._warned_at > 60:
                    self._warned_at = time.monotonic()
                    log.warning("The calendar feed cannot accept connections: the process is out of file "
                                "handles (%s). Raise LimitNOFILE= in the unit, or look for what holds them.",
                                exc.strerror)
                self._pause.wait(0.5)  # the listening socket stays readable: accepting again at once would spin
            raise

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):
            try:
                request.setblocking(False)
                request.send(BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            self.shutdown_request(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.warning("Calendar feed request from %s failed", client_address[0] if client_address else "?",
                    exc_info=log.isEnabledFor(logging.DEBUG))


class FeedServer:
    """Serves <dir>/*.ics at /<name>.ics and optional extra pages (e.g. /agenda), GET/HEAD only."""

    def __init__(self, host: str, port: int, ics_dir: Path,
                 pages: dict[str, Callable[[], tuple[str, bytes]]] | None = None, *,
                 max_connections: int | None = None, idle_seconds: float = IDLE_SECONDS) -> None:
        self.ics_dir = ics_dir.resolve()
        self.pages = pages or {}
        self.idle_seconds = idle_seconds
        handler = self._handler()
        self.httpd = _CappedServer((host, port), handler, max_connections or default_max_connections())
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="feed-server", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        """The (host, port) actually bound."""
        host, port = self.httpd.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        """Serve in a background thread."""
        self.thread.start()

    def stop(self) -> None:
        """Stop serving and join the thread."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            timeout = server.idle_seconds  # a client that sends nothing is dropped

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
                log.debug("feed: " + format, *args)

            def _send(self, status: int, ctype: str, body: bytes, head: bool) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _get(self, head: bool) -> None:
                path = unquote(urlsplit(self.path).path)
                if path in server.pages:
                    ctype, body = server.pages[path]()
                    return self._send(200, ctype, body, head)
                if path in ("/", ""):
                    names = sorted(p.name for p in server.ics_dir.glob("*.ics"))
                    items = "".join(f'<li><a href="/{n}">{n}</a></li>' for n in names)
                    return self._send(200, "text/html; charset=utf-8",
                                      f"<h1>docketd calendars</h1><ul>{items}</ul>".encode(), head)
                name = path.lstrip("/")
                # Only plain file names directly inside the calendars folder: no traversal, no dotfiles.
                if "/" in name or name.startswith(".") or not name.endswith(".ics"):
                    return self._send(404, "text/plain", b"not found\n", head)
                target = server.ics_dir / name
                feed: bytes | None = None
                try:
                    feed = target.read_bytes() if target.is_file() else None
                except OSError:  # a name too long for the file system, a file gone meanwhile
                    pass
                if feed is None:
                    return self._send(404, "text/plain", b"not found\n", head)
                self._send(200, "text/calendar; charset=utf-8", feed, head)

            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                self._get(head=False)

            def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
                self._get(head=True)

        return Handler
