"""all.ics in its own lane (issue 17): coalesced after a burst of drops, never lost, flushed by a clean stop.

The per-person .ics files are written first; all.ics follows, at most once per short window. After a
burst it must hold exactly the entries of the per-person files together (the same UIDs, dates and
titles), with nothing left in its outbox, both while the daemon runs and right after a clean stop.
"""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

import icalendar

from tests.clock import pinned_day, pinned_env
from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config

HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
PEOPLE = ["jdoe@firm.com", "asmith@firm.com", "bnguyen@firm.com"]


def _events(path: Path) -> dict[str, tuple[str, str]]:
    if not path.exists():
        return {}
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]): (e["DTSTART"].to_ical().decode(), str(e["SUMMARY"])) for e in cal.walk("VEVENT")}


def _people_union(cals: Path) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for path in sorted(cals.glob("*.ics")):
        if path.name != "all.ics":
            out.update(_events(path))
    return out


def _pending_all(state: Path) -> int:
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=30)
    try:
        return int(db.execute("SELECT COUNT(*) FROM outbox WHERE target='ics:all'").fetchone()[0])
    finally:
        db.close()


def _burst(inbox: Path, first: int, n: int) -> list[str]:
    served = pinned_day() + timedelta(days=3)
    matters = []
    for i in range(first, first + n):
        matter = f"2026-{i:04d}"
        who = PEOPLE[i % len(PEOPLE)]
        row = f"{matter},Case {i},federal,summons_served,{served},personal,{who},pat@firm.com,open\n"
        (inbox / f"drop-{i:03d}.csv").write_text(HEADER + row, encoding="utf-8")
        matters.append(matter)
    return matters


def test_all_ics_catches_up_after_a_burst_and_a_clean_stop_flushes_it(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    var = tmp_path / "var"
    cals, state = var / "calendars", var / "state.db"
    d = DaemonProcess(cfg, tmp_path, env=pinned_env())
    try:
        d.start()
        # A burst while running: all.ics ends equal to the people's files together.
        matters = _burst(var / "inbox", 1, 12)
        wait_until(lambda: all(f"[{m}]".encode() in b"".join(p.read_bytes() for p in cals.glob("*.ics")
                                                              if p.name != "all.ics") for m in matters),
                   timeout=60, what="every dropped matter in the people's .ics files")
        wait_until(lambda: _pending_all(state) == 0 and _events(cals / "all.ics") == _people_union(cals),
                   timeout=60, what="all.ics to catch up with the people's files")
        assert len(_events(cals / "all.ics")) >= 12

        # A second burst, then a clean stop as soon as the people's files show it: the stop flushes all.ics.
        more = _burst(var / "inbox", 13, 12)
        wait_until(lambda: all(f"[{m}]".encode() in b"".join(p.read_bytes() for p in cals.glob("*.ics")
                                                              if p.name != "all.ics") for m in more),
                   timeout=60, what="the second burst in the people's .ics files")
        assert d.stop() == 0
        assert _pending_all(state) == 0
        union = _people_union(cals)
        assert _events(cals / "all.ics") == union
        assert all(any(f"[{m}]" in summary for _day, summary in union.values()) for m in matters + more)
    finally:
        d.close()
