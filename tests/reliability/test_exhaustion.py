"""Running out of file handles, a dead worker thread, hostile feed requests (issue 18: B5 and the minor item).

The daemon runs as a real subprocess with a low RLIMIT_NOFILE (set in the child before exec), so
exhausting its file handles takes a few hundred idle loopback connections, not thousands.
"""

from __future__ import annotations

import http.client
import re
import resource
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from daemon.service.feed_server import FeedServer
from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config
from tests.reliability.helpers import HEADER, clean_stop, intake_row, spread_day, write_atomically

NOFILE = 128


def _low_nofile() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (NOFILE, NOFILE))


def _feed_port(d: DaemonProcess) -> int:
    found = re.search(r"http://127\.0\.0\.1:(\d+)/all\.ics", d.log)
    assert found, d.log
    return int(found.group(1))


@contextmanager
def _idle_connections(port: int, n: int) -> Iterator[list[socket.socket]]:
    """Up to n connections that send nothing, each accepted before the next (until connects time out)."""
    socks: list[socket.socket] = []
    misses = 0
    try:
        while len(socks) < n and misses < 3:
            try:
                socks.append(socket.create_connection(("127.0.0.1", port), timeout=2.0))
            except OSError:
                misses += 1  # the server stopped accepting (its backlog is full)
        yield socks
    finally:
        for s in socks:
            s.close()


def _get(port: int, path: str) -> int | None:
    """The status of one GET, or None if the server closed or did not answer."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


def test_idle_connections_beyond_the_handle_limit_do_not_stop_intake(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, serve=True, verify_minutes=0)
    var = tmp_path / "var"
    d = DaemonProcess(cfg, tmp_path, env={"WATCHDOG_USEC": "9000000", "PYTHONFAULTHANDLER": "1"},
                      preexec_fn=_low_nofile)
    try:
        d.start()
        port = _feed_port(d)
        with _idle_connections(port, 3 * NOFILE):
            write_atomically(var / "inbox" / "during.csv", HEADER + intake_row("2026-0142", spread_day(1)))
            wait_until(lambda: (var / "processed" / "during.csv").exists(), timeout=60,
                       what="a file dropped while idle connections hold the feed server")
            all_ics = var / "calendars" / "all.ics"
            wait_until(lambda: all_ics.exists() and "2026-0142" in all_ics.read_text(), timeout=30,
                       what="its entries in all.ics")
            # Idle connections time out, so a subscriber gets its feed while they are still open.
            wait_until(lambda: _get(port, "/all.ics") == 200, timeout=60, interval=0.5,
                       what="the feed to answer while idle connections are held")
        write_atomically(var / "inbox" / "after.csv", HEADER + intake_row("2026-0143", spread_day(2)))
        wait_until(lambda: (var / "processed" / "after.csv").exists(), timeout=30, what="a later drop")
        assert not list((var / "rejected").iterdir())
        clean_stop(d)
    finally:
        d.close()
    assert "Traceback" not in d.log


def test_a_dead_inbox_watcher_stops_the_watchdog_and_exits_for_a_restart(tmp_path: Path) -> None:
    cfg = write_config(tmp_path, verify_minutes=0)
    d = DaemonProcess(cfg, tmp_path, env={"WATCHDOG_USEC": "9000000"})
    try:
        d.start()
        shutil.rmtree(tmp_path / "var" / "inbox")  # the share vanished: inotify's watch is gone for good
        assert d.proc is not None
        try:
            code = d.proc.wait(60)
        except subprocess.TimeoutExpired:
            d.proc.send_signal(signal.SIGTERM)
            raise AssertionError(f"docketd went on without an inbox watcher:\n{d.log[-4000:]}") from None
        assert code != 0  # systemd's Restart=on-failure starts a fresh daemon
        log = d.log
        assert "inbox watcher" in log and "no longer healthy" in log
        d.stop()
    finally:
        d.close()
    # The restarted daemon recreates the inbox and works again.
    d2 = DaemonProcess(cfg, tmp_path)
    try:
        d2.start()
        write_atomically(tmp_path / "var" / "inbox" / "a.csv", HEADER + intake_row("2026-0142", spread_day(1)))
        wait_until(lambda: (tmp_path / "var" / "processed" / "a.csv").exists(), what="a drop after the restart")
        clean_stop(d2)
    finally:
        d2.close()


def test_an_overlong_feed_name_is_answered_not_a_traceback(tmp_path: Path, caplog: object) -> None:
    (tmp_path / "all.ics").write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", encoding="utf-8")
    feed = FeedServer("127.0.0.1", 0, tmp_path)
    feed.start()
    try:
        port = feed.address[1]
        assert _get(port, "/" + "a" * 300 + ".ics") in (404, 414)
        assert _get(port, "/" + "%2e" * 100 + "x.ics") == 404
        assert _get(port, "/all.ics") == 200
    finally:
        feed.stop()
