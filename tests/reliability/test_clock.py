"""The daemon, left running, recomputes time-relative flags at local midnight, across DST changes too.

The clock is moved from OUTSIDE the code: the daemon runs under libfaketime (Debian's `faketime`
package, installed by `make system-deps`) reading its fake time from a file the test rewrites.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from daemon.engine import load_rulebook
from daemon.models import TriggerEvent
from tests.clock import require_libfaketime
from tests.e2e.daemon_proc import wait_until, write_config
from tests.reliability.helpers import HEADER, TZ, clean_stop, daemon, db_rows, intake_row


def _fake_clock_env(clock_file: Path) -> dict[str, str]:
    # The process runs in UTC so libfaketime parses the file in UTC: parsing "@<local time>" in a DST
    # zone shifts the fake clock by an hour once it crosses a change. docketd itself uses the zone
    # from its config, never the process's TZ.
    return {"LD_PRELOAD": require_libfaketime(), "FAKETIME_TIMESTAMP_FILE": str(clock_file),
            "FAKETIME_CACHE_DURATION": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1", "TZ": "UTC",
            "PYTHONPATH": str(Path(__file__).with_name("faketime_site"))}


def _set_clock(clock_file: Path, local: str) -> None:
    """Move the daemon's clock to a wall-clock time in the firm's zone."""
    utc = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(TZ)).astimezone(UTC)
    clock_file.write_text(f"@{utc:%Y-%m-%d %H:%M:%S}\n", encoding="ascii")


def _day(state: Path) -> str | None:
    rows = db_rows(state, "SELECT value FROM kv WHERE key='last_recompute_day'")
    return str(rows[0][0]) if rows else None


def _answer(served: date) -> date:
    trigger = TriggerEvent("M", "summons_served", served, court="federal", service="personal")
    out = load_rulebook().compute(trigger)
    return next(d.due for d in out if d.rule == "frcp.answer")


def _urgency(state: Path, matter: str) -> str | None:
    rows = db_rows(state, "SELECT entry FROM sync WHERE target='ics:jdoe@firm.com' AND key LIKE ?",
                   (f"{matter}|frcp.answer|%",))
    return json.loads(str(rows[0][0]))["urgency"] if rows else None


def test_midnight_turns_due_today_into_missed_without_a_restart(tmp_path: Path) -> None:
    served = date(2026, 6, 1)
    due = _answer(served)
    clock = tmp_path / "clock"
    _set_clock(clock, f"{due.isoformat()} 12:00:00")
    cfg = write_config(tmp_path)
    state = tmp_path / "var" / "state.db"
    d = daemon(cfg, env=_fake_clock_env(clock))
    try:
        d.start()
        assert d.proc is not None
        pid = d.proc.pid
        (tmp_path / "var" / "inbox" / "a.csv").write_text(HEADER + intake_row("2026-0500", served),
                                                          encoding="utf-8")
        wait_until(lambda: _urgency(state, "2026-0500") == "soon", what="the answer entry, due today")
        due_soon = "kind='due-soon' AND scope LIKE '2026-0500|frcp.answer|%'"
        assert db_rows(state, f"SELECT COUNT(*) FROM flags WHERE {due_soon}") == [(1,)]
        assert _day(state) == due.isoformat()

        _set_clock(clock, f"{due.isoformat()} 23:59:57")
        nxt = (due + timedelta(days=1)).isoformat()
        wait_until(lambda: _day(state) == nxt, timeout=20, what="the recompute after midnight")
        wait_until(lambda: _urgency(state, "2026-0500") == "missed", what="the entry re-rendered as missed")
        assert db_rows(state, f"SELECT COUNT(*) FROM flags WHERE {due_soon}") == [(0,)]
        assert d.proc.pid == pid and d.proc.poll() is None  # the same process, never restarted
        assert f"for {nxt}" in d.log
        clean_stop(d)
    finally:
        d.close()


@pytest.mark.parametrize(("name", "start", "early", "midnight", "next_day"), [
    # Spring forward: 02:00 PST -> 03:00 PDT. A fixed UTC-8 clock would see midnight at 23:00 PDT.
    ("spring-forward", "2026-03-08 12:00:00", "2026-03-08 23:00:01", "2026-03-08 23:59:57", "2026-03-09"),
    # Fall back: 02:00 PDT -> 01:00 PST, a 25-hour day. A fixed UTC-7 clock would see midnight at 23:00 PST.
    ("fall-back", "2026-11-01 12:00:00", "2026-11-01 23:00:01", "2026-11-01 23:59:57", "2026-11-02"),
])
def test_day_changes_at_local_midnight_across_dst(tmp_path: Path, name: str, start: str, early: str,
                                                   midnight: str, next_day: str) -> None:
    clock = tmp_path / "clock"
    _set_clock(clock, start)
    cfg = write_config(tmp_path)
    state = tmp_path / "var" / "state.db"
    served = date.fromisoformat(start[:10]) - timedelta(days=20)
    d = daemon(cfg, env=_fake_clock_env(clock))
    try:
        d.start()
        (tmp_path / "var" / "inbox" / "a.csv").write_text(HEADER + intake_row("2026-0600", served),
                                                          encoding="utf-8")
        wait_until(lambda: _urgency(state, "2026-0600") is not None, what="the entry written")
        assert _day(state) == start[:10], name
        _set_clock(clock, early)  # an hour before local midnight: still the same day
        time.sleep(3)
        assert _day(state) == start[:10], name
        _set_clock(clock, midnight)
        wait_until(lambda: _day(state) == next_day, timeout=20, what=f"the {name} midnight recompute")
        assert d.proc is not None and d.proc.poll() is None
        clean_stop(d)
    finally:
        d.close()
