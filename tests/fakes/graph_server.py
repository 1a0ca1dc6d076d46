"""The HTTP side of the fake Graph: one handler for the identity endpoints, Graph calls and $batch."""

from __future__ import annotations

import json
import socket
import struct
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

if TYPE_CHECKING:
    from tests.fakes.graph import FakeGraph


class Reset(Exception):
    """Drop the connection without answering."""


def _mailboxes(path: str, body: Any) -> set[str]:
    urls = [path]
    if isinstance(body, dict) and isinstance(body.get("requests"), list):
        urls += [str(r.get("url", "")) for r in body["requests"]]
    found = set()
    for url in urls:
        parts = urlsplit(url).path.strip("/").split("/")
        if "users" in parts and parts.index("users") + 1 < len(parts):
            found.add(unquote(parts[parts.index("users") + 1]).lower())
    return found


def make_handler(graph: FakeGraph) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
            pass

        def _send(self, status: int, headers: dict[str, str], body: Any) -> None:
            data = b"" if body is None else json.dumps(body).encode("utf-8")
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _reset(self) -> None:
            graph.counters["resets"] += 1
            try:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            except OSError:
                pass
            self.close_connection = True

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            graph.counters["http"] += 1
            tenant = graph.identity.tenant
            if path.startswith(f"/{tenant}/"):
                graph.counters["identity"] += 1
                self._identity(path[len(tenant) + 2 :], raw)
                return
            body = json.loads(raw) if raw and "json" in (self.headers.get("Content-Type") or "") else None
            headers = {k: v for k, v in self.headers.items()}
            mailboxes = _mailboxes(path, body)
            graph.enter_mailboxes(mailboxes)
            try:
                if path == "/v1.0/$batch" and self.command == "POST":
                    fault = graph.next_fault()
                    if fault == "reset-before":
                        raise Reset
                    if fault and fault.isdigit():
                        self._send(*graph.fault_response(fault))
                        return
                    result = graph.handle_batch(headers, body)
                    if fault == "reset-after":
                        raise Reset
                else:
                    result = graph.handle_graph(self.command, self.path, headers, body, top=True)
                self._send(*result)
            except Reset:
                self._reset()
            finally:
                graph.leave_mailboxes(mailboxes)

        def _identity(self, rest: str, raw: bytes) -> None:
            ident = graph.identity
            if rest == "v2.0/.well-known/openid-configuration" and self.command == "GET":
                self._send(200, {}, ident.openid_configuration(graph.base))
            elif rest == "oauth2/v2.0/devicecode" and self.command == "POST":
                form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
                self._send(*_with_headers(ident.device_code(form, graph.base)))
            elif rest == "oauth2/v2.0/token" and self.command == "POST":
                graph.counters["token-requests"] += 1
                self._send(*_with_headers(ident.token(raw, graph.base)))
            else:
                self._send(404, {}, {"error": "not_found"})

        do_GET = do_POST = do_PATCH = do_DELETE = _handle

    return Handler


def _with_headers(result: tuple[int, dict[str, Any]]) -> tuple[int, dict[str, str], dict[str, Any]]:
    return result[0], {}, result[1]
