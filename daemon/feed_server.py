"""A read-only loopback HTTP server for the .ics feeds (and the HTML agenda when it exists)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger("docketd.feed")


class FeedServer:
    """Serves <dir>/*.ics at /<name>.ics and optional extra pages (e.g. /agenda), GET/HEAD only."""

    def __init__(self, host: str, port: int, ics_dir: Path,
                 pages: dict[str, Callable[[], tuple[str, bytes]]] | None = None) -> None:
        self.ics_dir = ics_dir.resolve()
        self.pages = pages or {}
        handler = self._handler()
        self.httpd = ThreadingHTTPServer((host, port), handler)
        self.httpd.daemon_threads = True
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
                if not target.is_file():
                    return self._send(404, "text/plain", b"not found\n", head)
                self._send(200, "text/calendar; charset=utf-8", target.read_bytes(), head)

            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                self._get(head=False)

            def do_HEAD(self) -> None:  # noqa: N802 - stdlib naming
                self._get(head=True)

        return Handler
