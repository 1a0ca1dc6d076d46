"""Start `docketd run` as a real subprocess, wait for READY over a real NOTIFY_SOCKET, stop it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

BASE_CONFIG = """\
[daemon]
inbox = "var/inbox"
state = "var/state.db"
timezone = "America/Los_Angeles"

[ics]
dir = "var/calendars"
{serve}
[sync]
verify_minutes = {verify}

[people."jdoe@firm.com"]
name = "Jane Doe"
{jdoe}
[people."pat@firm.com"]
name = "Pat Paralegal"
{pat}
"""


def write_config(tmp: Path, extra_toml: str = "", *, jdoe_calendars: list[str] | None = None,
                 pat_calendars: list[str] | None = None, serve: bool = False,
                 verify_minutes: float = 15.0) -> Path:
    """A config whose inbox, state and calendars live under tmp/var; extra TOML is appended."""
    def cals(names: list[str] | None) -> str:
        return "" if names is None else "calendars = [" + ", ".join(f'"{n}"' for n in names) + "]\n"

    text = BASE_CONFIG.format(serve='serve = "127.0.0.1:0"\n' if serve else "", verify=verify_minutes,
                              jdoe=cals(jdoe_calendars), pat=cals(pat_calendars))
    path = tmp / "docketd.toml"
    path.write_text(text + "\n" + extra_toml, encoding="utf-8")
    (tmp / "var" / "inbox").mkdir(parents=True, exist_ok=True)
    return path


def wait_until(predicate: Callable[[], bool], timeout: float = 30.0, interval: float = 0.05,
               what: str = "condition") -> None:
    """Poll until predicate() is true; fail the test with `what` after timeout seconds."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class DaemonProcess:
    """One `docketd run` subprocess with its own notify socket."""

    def __init__(self, config: Path, cwd: Path, env: dict[str, str] | None = None,
                 preexec_fn: Callable[[], None] | None = None) -> None:
        self.config = config
        self.cwd = cwd
        self.env = env or {}
        self.preexec_fn = preexec_fn  # e.g. resource.setrlimit in the child, for a low file-handle limit
        self.proc: subprocess.Popen[bytes] | None = None
        self.notifications: list[str] = []
        self._sockdir = tempfile.mkdtemp(prefix="docketd-notify-")
        self.sock_path = os.path.join(self._sockdir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.sock_path)
        self.sock.settimeout(0.1)
        self.log_path = cwd / "daemon.log"
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._reader = threading.Thread(target=self._drain_forever, daemon=True)
        self._reader.start()

    def _drain_forever(self) -> None:
        # Read notify messages as systemd would, so the daemon's datagrams never pile up unread.
        while not self._closing.is_set():
            try:
                data = self.sock.recv(4096)
            except (TimeoutError, BlockingIOError):
                continue
            except OSError:
                return
            with self._lock:
                self.notifications.append(data.decode())

    def start(self, timeout: float = 60.0) -> None:
        """Start the daemon and wait for READY=1."""
        env = dict(os.environ)
        env.update({"NOTIFY_SOCKET": self.sock_path, "PYTHONUNBUFFERED": "1"})
        env.update(self.env)
        with self._lock:
            self.notifications.clear()
        self._log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "daemon.cli", "--config", str(self.config), "run"],
            cwd=self.cwd, env=env, stdout=self._log, stderr=subprocess.STDOUT, preexec_fn=self.preexec_fn)
        self.wait_notify("READY=1", timeout)

    def wait_notify(self, needle: str, timeout: float = 30.0) -> None:
        """Wait until the daemon sent a notify message containing needle."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            self.poll_notify()
            with self._lock:
                seen = any(needle in n for n in self.notifications)
            if seen:
                return
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"docketd exited with {self.proc.returncode} before {needle}:\n{self.log}")
        raise AssertionError(f"no {needle} from docketd within {timeout} s:\n{self.log}")

    def poll_notify(self) -> None:
        """Notify messages are collected by a reader thread; this just lets it catch up."""
        time.sleep(0.05)

    @property
    def log(self) -> str:
        """Everything the daemon printed."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60.0) -> int:
        """Send a signal and wait for exit; returns the exit code."""
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            code = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            code = self.proc.wait()
        self._log.close()
        self.poll_notify()
        return code

    def kill(self) -> None:
        """kill -9 (an unclean stop)."""
        self.stop(signal.SIGKILL)

    def close(self) -> None:
        """Stop if running and remove the socket."""
        if self.proc is not None and self.proc.poll() is None:
            self.stop()
        self._closing.set()
        self._reader.join(timeout=2)
        self.sock.close()
        try:
            os.unlink(self.sock_path)
            os.rmdir(self._sockdir)
        except OSError:
            pass
