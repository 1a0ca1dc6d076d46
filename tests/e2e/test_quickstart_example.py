"""The README's first look, as a new user runs it: the daemon, `docketd example`, `docketd agenda`.

Issue 19: on a later day the fixed-date example showed only "missed" flags and an empty agenda. Run
under libfaketime on a pinned day (Christmas Eve: a holiday and a weekend close by), the generated
example must put upcoming deadlines in the agenda, with no "missed" or "future-dated" flag.
"""

from __future__ import annotations

import glob
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config
from tests.reliability.helpers import count, db_rows, run_cli

LIBS = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1") + glob.glob("/usr/lib/faketime/libfaketime.so.1"))
pytestmark = pytest.mark.skipif(not LIBS, reason="libfaketime missing: run `make system-deps` (Debian faketime)")
DAY = "2026-12-24"


def _fake_clock(tmp: Path) -> dict[str, str]:
    clock = tmp / "clock"
    local = datetime.fromisoformat(f"{DAY}T09:00:00").replace(tzinfo=ZoneInfo("America/Los_Angeles"))
    clock.write_text(f"@{local.astimezone(UTC):%Y-%m-%d %H:%M:%S}\n", encoding="ascii")
    # The process runs in UTC so libfaketime reads the file in UTC; docketd uses its config's zone.
    return {"LD_PRELOAD": LIBS[0], "FAKETIME_TIMESTAMP_FILE": str(clock), "FAKETIME_CACHE_DURATION": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1", "TZ": "UTC"}


def test_the_example_fills_the_agenda_on_a_pinned_day(tmp_path: Path) -> None:
    env = _fake_clock(tmp_path)
    cfg = write_config(tmp_path)
    state = tmp_path / "var" / "state.db"
    d = DaemonProcess(cfg, tmp_path, env=env)
    try:
        d.start()
        out = run_cli(cfg, "example", "--out", "var/inbox/", env=env)
        assert out.returncode == 0, out.stderr
        assert f"example-{DAY}.csv" in out.stdout
        wait_until(lambda: (tmp_path / "var" / "processed" / f"example-{DAY}.csv").exists(),
                   what="the example read")
        wait_until(lambda: count(state, "deadlines") > 0 and count(state, "outbox") == 0,
                   what="the calendars written")
        assert d.stop() == 0
    finally:
        d.close()
    agenda = run_cli(cfg, "agenda", env=env)
    assert agenda.returncode == 0, agenda.stderr
    assert "Nothing due" not in agenda.stdout
    assert agenda.stdout.startswith(f"Due from {DAY} through the next 14 days: ")
    assert int(agenda.stdout.split(": ", 1)[1].split("\n", 1)[0]) >= 3
    assert json.loads(run_cli(cfg, "status", "--json", env=env).stdout)["matters"] == 6
    kinds = {str(r[0]) for r in db_rows(state, "SELECT kind FROM flags")}
    assert not kinds & {"missed", "future-trigger", "far-past-trigger", "engine-error"}, kinds
    ics = (tmp_path / "var" / "calendars" / "all.ics").read_text(encoding="utf-8")
    assert "MISSED" not in ics
    # DTSTAMP is the (faked) time of the drop; the fake clock runs on from 09:00 local (17:00 UTC).
    stamps = set(re.findall(r"DTSTAMP:(\d{8}T\d{6}Z)", ics))
    assert stamps and all(s.startswith("20261224T170") for s in stamps), stamps
