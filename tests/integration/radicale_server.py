"""A real Radicale CalDAV server for tests: one per test session, on a free loopback port, htpasswd auth.

Use the `radicale` fixture (import it into a test module) or `shared_radicale()`; each test makes its
own calendar with `server.make_calendar()` so tests never see each other's events.
"""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

USERNAME = "jdoe"
PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


@dataclass
class RadicaleServer:
    """A running Radicale subprocess and how to reach it."""

    base_url: str  # e.g. http://127.0.0.1:53211/
    folder: Path
    process: subprocess.Popen[bytes]
    log_path: Path
    username: str = USERNAME
    password: str = PASSWORD
    calendars: list[str] = field(default_factory=list)

    @property
    def principal_url(self) -> str:
        """The user's principal collection (Radicale puts calendars directly under it)."""
        return f"{self.base_url}{self.username}/"

    @property
    def auth(self) -> tuple[str, str]:
        """Basic-auth credentials for requests."""
        return (self.username, self.password)

    def make_calendar(self, name: str | None = None) -> str:
        """Create a fresh calendar collection with MKCALENDAR and return its URL."""
        name = name or f"cal-{next(_counter)}-{uuid.uuid4().hex[:8]}"
        url = f"{self.principal_url}{name}/"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:set><D:prop><D:displayname>{name}</D:displayname>"
            '<C:supported-calendar-component-set><C:comp name="VEVENT"/>'
            "</C:supported-calendar-component-set>"
            "</D:prop></D:set></C:mkcalendar>"
        )
        resp = requests.request("MKCALENDAR", url, data=body.encode(), auth=self.auth, timeout=10,
                                headers={"Content-Type": "application/xml; charset=utf-8"})
        assert resp.status_code == 201, f"MKCALENDAR {url} -> {resp.status_code}: {resp.text}\n{self.log()}"
        self.calendars.append(url)
        return url

    def add_user(self, username: str, password: str) -> None:
        """Add an htpasswd user (Radicale re-reads the file on every login: htpasswd_cache is off)."""
        with (self.folder / "users").open("a", encoding="utf-8") as users:
            users.write(f"{username}:{password}\n")

    def make_calendar_for(self, username: str, password: str, name: str, display: str) -> str:
        """Create a calendar for another user (whose principal collection Radicale makes on first login)."""
        url = f"{self.base_url}{username}/{name}/"
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            '<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
            f"<D:set><D:prop><D:displayname>{display}</D:displayname></D:prop></D:set></C:mkcalendar>"
        )
        requests.request("PROPFIND", f"{self.base_url}{username}/", auth=(username, password),
                         headers={"Depth": "0"}, timeout=10)
        resp = requests.request("MKCALENDAR", url, data=body.encode(), auth=(username, password), timeout=10,
                                headers={"Content-Type": "application/xml; charset=utf-8"})
        assert resp.status_code == 201, f"MKCALENDAR {url} -> {resp.status_code}: {resp.text}"
        return url

    def write_password_file(self, directory: Path, name: str = "caldav-pw") -> Path:
        """Write the password to a 0600 file (as an operator would) and return its path."""
        path = directory / name
        path.write_text(self.password + "\n", encoding="utf-8")
        path.chmod(0o600)
        return path

    def log(self) -> str:
        """The server's log so far (for assertion messages)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        """Terminate the server and wait for it."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_config(folder: Path, port: int) -> Path:
    users = folder / "users"
    users.write_text(f"{USERNAME}:{PASSWORD}\nother:other-password\n", encoding="utf-8")
    users.chmod(0o600)
    config = folder / "config"
    config.write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "delay_on_error = 0\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {users}\n"
        "htpasswd_encryption = plain\n"
        "htpasswd_cache = False\n"
        "delay = 0\n"
        "[rights]\n"
        "type = owner_only\n"
        "[storage]\n"
        f"filesystem_folder = {folder / 'collections'}\n"
        "[logging]\n"
        "level = warning\n",
        encoding="utf-8",
    )
    return config


def _wait_ready(server: RadicaleServer, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            resp = requests.request("PROPFIND", server.principal_url, auth=server.auth,
                                    headers={"Depth": "0"}, timeout=2)
            if resp.status_code == 207:
                return True
        except requests.ConnectionError:
            pass
        time.sleep(0.05)
    return False


def start_radicale(folder: Path, attempts: int = 5) -> RadicaleServer:
    """Start Radicale on a free loopback port (retrying if another process grabs the port first)."""
    folder.mkdir(parents=True, exist_ok=True)
    last_log = ""
    for _ in range(attempts):
        port = _free_port()
        config = _write_config(folder, port)
        log_path = folder / f"radicale-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "radicale", "--config", str(config)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        server = RadicaleServer(f"http://127.0.0.1:{port}/", folder, process, log_path)
        if _wait_ready(server):
            return server
        last_log = server.log()
        server.stop()
    raise RuntimeError(f"Radicale did not start after {attempts} attempts; last log:\n{last_log}")


_SHARED: RadicaleServer | None = None


def _stop_and_remove(server: RadicaleServer) -> None:
    server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)


def shared_radicale() -> RadicaleServer:
    """The one Radicale of this test session, started on first use and stopped at exit."""
    global _SHARED
    if _SHARED is None or _SHARED.process.poll() is not None:
        # tmpfs where there is one: Radicale fsyncs every write, which is slow on a disk and pointless here.
        shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
        folder = Path(tempfile.mkdtemp(prefix="docketd-radicale-", dir=shm))
        _SHARED = start_radicale(folder)
        atexit.register(_stop_and_remove, _SHARED)
    return _SHARED


@pytest.fixture(scope="session")
def radicale() -> RadicaleServer:
    """The session's Radicale server; stopped at interpreter exit so every importing module shares it."""
    return shared_radicale()
