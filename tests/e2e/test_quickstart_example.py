"""The README's first look, as a new user runs it: the daemon, `docketd example`, `docketd agenda`.

Issue 19: on a later day the fixed-date example showed only "missed" flags and an empty agenda. Run on
the pinned day (tests/clock.py; `make test` re-runs it on Christmas Eve, New Year's Eve and the Friday
before a Monday holiday), the generated example must put upcoming deadlines in the agenda, with no
"missed" or "future-dated" flag.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.clock import pinned_day, pinned_env
from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config
from tests.reliability.helpers import count, db_rows, run_cli

pytestmark = pytest.mark.pinned_day  # re-run on each of tests/clock.HARD_DAYS by `make test`


def test_the_example_fills_the_agenda_on_a_pinned_day(tmp_path: Path) -> None:
    env = pinned_env()
    day = pinned_day().isoformat()
    cfg = write_config(tmp_path)
    state = tmp_path / "var" / "state.db"
    d = DaemonProcess(cfg, tmp_path, env=env)
    try:
        d.start()
        out = run_cli(cfg, "example", "--out", "var/inbox/", env=env)
        assert out.returncode == 0, out.stderr
        assert f"example-{day}.csv" in out.stdout
        wait_until(lambda: (tmp_path / "var" / "processed" / f"example-{day}.csv").exists(),
                   what="the example read")
        wait_until(lambda: count(state, "deadlines") > 0 and count(state, "outbox") == 0,
                   what="the calendars written")
        assert d.stop() == 0
    finally:
        d.close()
    agenda = run_cli(cfg, "agenda", env=env)
    assert agenda.returncode == 0, agenda.stderr
    assert "Nothing due" not in agenda.stdout
    assert agenda.stdout.startswith(f"Due from {day} through the next 14 days: ")
    assert int(agenda.stdout.split(": ", 1)[1].split("\n", 1)[0]) >= 3
    assert json.loads(run_cli(cfg, "status", "--json", env=env).stdout)["matters"] == 6
    kinds = {str(r[0]) for r in db_rows(state, "SELECT kind FROM flags")}
    assert not kinds & {"missed", "future-trigger", "far-past-trigger", "engine-error"}, kinds
    ics = (tmp_path / "var" / "calendars" / "all.ics").read_text(encoding="utf-8")
    assert "MISSED" not in ics
    # DTSTAMP is the (pinned) time of the drop; the pinned clock runs on from 20:00 UTC.
    stamps = set(re.findall(r"DTSTAMP:(\d{8}T\d{6}Z)", ics))
    assert stamps and all(s.startswith(f"{pinned_day():%Y%m%d}T20") for s in stamps), stamps
