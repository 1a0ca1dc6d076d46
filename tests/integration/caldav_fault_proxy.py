"""A loopback HTTP proxy in front of Radicale that injects faults: throttling, 5xx, lost responses.

Each request is matched against a queue of scripted faults; unmatched requests are forwarded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests


@dataclass
class Fault:
    """Answer the next request matching `method` with `status` (after forwarding it if `forward`)."""

    method: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    forward: bool = False  # True: the server does the work, but the client sees the failure
    times: int = 1


@dataclass
class FaultProxy:
    """The proxy's address, its fault script and a log of what it saw."""

    upstream: str
    faults: list[Fault] = field(default_factory=list)
    seen: list[tuple[str, str, int]] = field(default_factory=list)  # (method, path, status sent)
    base_url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, upstream_url: str) -> str:
        """The proxied form of a URL on the upstream server."""
        return upstream_url.replace(self.upstream.rstrip("/"), self.base_url.rstrip("/"), 1)

    def take(self, method: str) -> Fault | None:
        """The scripted fault for this request, if any (consuming one of its `times`)."""
        with self.lock:
            for fault in self.faults:
                if fault.method in (method, "*") and fault.times > 0:
                    fault.times -= 1
                    return fault
        return None

    def count(self, method: str) -> int:
        """How many requests of this method reached the proxy."""
        return sum(1 for m, _, _ in self.seen if m == method)


def _handler(proxy: FaultProxy) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out separately; avoid 40 ms delayed-ACK stalls

        def log_message(self, format: str, *args: object) -> None:
            return

        def _any(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            fault = proxy.take(self.command)
            if fault is None or fault.forward:
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length")}
                upstream = requests.request(self.command, proxy.upstream.rstrip("/") + self.path,
                                            headers=headers, data=body, timeout=30)
            if fault is not None:
                status, out_headers, content = fault.status, dict(fault.headers), b"injected fault"
            else:
                status, content = upstream.status_code, upstream.content
                out_headers = {k: v for k, v in upstream.headers.items()
                               if k.lower() not in ("content-length", "transfer-encoding", "connection",
                                                    "content-encoding")}
            with proxy.lock:
                proxy.seen.append((self.command, self.path, status))
            self.send_response(status)
            for key, value in out_headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = do_HEAD = _any

    return Handler


@contextmanager
def fault_proxy(upstream: str) -> Iterator[FaultProxy]:
    """Run a fault-injecting proxy to `upstream` on a free loopback port."""
    proxy = FaultProxy(upstream)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(proxy))
    proxy.base_url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, name="fault-proxy", daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
