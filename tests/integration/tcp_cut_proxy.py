"""A loopback TCP proxy that can cut a connection after relaying N bytes from the server (a drop mid-fetch),
or cut the network altogether: every open connection closed and new ones refused until it is back."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class CutProxy:
    """Relays to `upstream`; the next connection is cut after `cut_after` server bytes if it is set."""

    upstream: int
    port: int = 0
    cut_after: int | None = None
    cuts: int = 0
    relayed: list[int] = field(default_factory=list)  # server bytes relayed per connection
    up: bool = True  # False: new connections are refused (closed at once)
    sockets: list[socket.socket] = field(default_factory=list)

    def cut_all(self) -> None:
        """A network cut: close every relayed connection and refuse new ones until `up` is set again."""
        self.up = False
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.sockets.clear()


def _pipe(src: socket.socket, dst: socket.socket, proxy: CutProxy | None, limit: int | None, n: int) -> None:
    sent = 0
    try:
        while True:
            data = src.recv(4096)
            if not data:
                break
            if limit is not None and sent + len(data) >= limit:
                dst.sendall(data[: max(0, limit - sent)])
                if proxy:
                    proxy.cuts += 1
                break
            dst.sendall(data)
            sent += len(data)
    except OSError:
        pass
    finally:
        if proxy is not None:
            proxy.relayed[n] = sent
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()


@contextmanager
def cut_proxy(upstream_port: int) -> Iterator[CutProxy]:
    """Run the proxy on a free loopback port until the block ends."""
    proxy = CutProxy(upstream_port)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    proxy.port = listener.getsockname()[1]
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if not proxy.up:
                client.close()
                continue
            server = socket.create_connection(("127.0.0.1", proxy.upstream))
            proxy.sockets += [client, server]
            limit, proxy.cut_after = proxy.cut_after, None
            proxy.relayed.append(0)
            n = len(proxy.relayed) - 1
            for args in ((client, server, None, None, n), (server, client, proxy, limit, n)):
                t = threading.Thread(target=_pipe, args=args, daemon=True)
                t.start()
                threads.append(t)

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield proxy
    finally:
        stop.set()
        acceptor.join(timeout=5)
        listener.close()
        for t in threads:
            t.join(timeout=5)
