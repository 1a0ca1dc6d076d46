"""An unreachable CalDAV server must not stall intake, other calendars, the watchdog or shutdown (issue 18, B6).

The server is a blackhole: a listening socket that never accepts, its backlog filled, so connects
hang and nothing ever answers (worse than a closed port, which fails at once). Three CalDAV
calendars point at it with their default timeouts, next to the .ics files.
"""

from __future__ import annotations

import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config
from tests.reliability.helpers import HEADER, daemon, intake_row, spread_day, write_atomically


@pytest.fixture
def blackhole() -> Iterator[int]:
    """A port on which TCP connects hang and nothing answers."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(0)
    port = srv.getsockname()[1]
    fillers = []
    for _ in range(8):  # fill the accept queue: the kernel then drops new SYNs, so connects hang
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex(("127.0.0.1", port))
        fillers.append(c)
    try:
        yield port
    finally:
        for c in fillers:
            c.close()
        srv.close()


def _config(tmp: Path, port: int) -> Path:
    pw = tmp / "caldav.pw"
    pw.write_text("secret\n", encoding="utf-8")
    pw.chmod(0o600)
    extra = "".join(
        f'[calendars.cal{i}]\nkind = "caldav"\nurl = "http://127.0.0.1:{port}/dav/jdoe/cal{i}/"\n'
        f'username = "jdoe"\npassword_file = "{pw}"\n\n' for i in range(3))
    return write_config(tmp, extra, jdoe_calendars=["cal0", "cal1", "cal2"], verify_minutes=0.05)


def _pings(d: DaemonProcess) -> int:
    with d._lock:
        return sum(1 for n in d.notifications if "WATCHDOG=1" in n)


def test_unreachable_caldav_does_not_hold_up_ics_watchdog_or_stop(tmp_path: Path, blackhole: int) -> None:
    cfg = _config(tmp_path, blackhole)
    var = tmp_path / "var"
    d = daemon(cfg, env={"WATCHDOG_USEC": "9000000"})  # WatchdogSec=9: the loop must ping every 3 s
    try:
        d.start()
        write_atomically(var / "inbox" / "new.csv", HEADER + intake_row("2026-0142", spread_day(1)))
        all_ics = var / "calendars" / "all.ics"
        wait_until(lambda: all_ics.exists() and "2026-0142" in all_ics.read_text(errors="replace"),
                   timeout=30, what="the dropped file's entries in all.ics while CalDAV hangs")
        jdoe_ics = var / "calendars" / "jdoe@firm.com.ics"
        wait_until(lambda: jdoe_ics.exists() and "2026-0142" in jdoe_ics.read_text(errors="replace"),
                   timeout=30, what="the dropped file's entries in jdoe's .ics while CalDAV hangs")
        seen = _pings(d)
        wait_until(lambda: _pings(d) >= seen + 3, timeout=20, what="watchdog pings while CalDAV hangs")
        # A second drop goes through as quickly: ingest never waits for a calendar.
        write_atomically(var / "inbox" / "second.csv", HEADER + intake_row("2026-0143", spread_day(2)))
        wait_until(lambda: "2026-0143" in all_ics.read_text(errors="replace"), timeout=30,
                   what="a second drop while CalDAV hangs")
        assert d.proc is not None
        d.proc.send_signal(signal.SIGTERM)
        try:
            code = d.proc.wait(30)  # documented: a bounded 10 s last pass, then exit
        except subprocess.TimeoutExpired:
            raise AssertionError(f"docketd did not exit within 30 s of SIGTERM:\n{d.log[-6000:]}") from None
        assert code == 0, d.log[-4000:]
        d.stop()
    finally:
        d.close()
    assert "Traceback" not in d.log
