"""A drop whose deadlines conflict reaches Google once per entry: created with its conflict mark, not
created and then rewritten (issue 17's flat costs must not spend the per-user write quota twice).

The cross-matter refresh that marks conflicts runs after the drop is stored. When the calendar lanes were
woken before it (to get the .ics files out sooner), every conflicting entry went to Google twice: make
bench's initial load of 1,000 deadlines took 40 requests instead of 21. A remote calendar's lane now
holds a drop's work back while that refresh is pending (a few seconds at most); the .ics files do not wait.
"""

from __future__ import annotations

from pathlib import Path

from tests.e2e.daemon_proc import wait_until
from tests.fakes.google_calendar import FakeGoogle
from tests.reliability.google_env import google_config, live_events
from tests.reliability.helpers import HEADER, clean_stop, count, daemon, intake_row, today

CAL = "writes-once@group.calendar.google.com"


def test_conflicting_deadlines_are_written_to_google_once_each(tmp_path: Path) -> None:
    served = today()
    rows = "".join(intake_row(f"2026-{n:04d}", served) for n in range(12))  # twelve answers due the same day
    # Batches of 5 at 100 ms each: the lane is still sending when the main loop comes to the refresh.
    with FakeGoogle(rate_limit_per_minute=10**9, latency_ms=100) as fake:
        cfg = google_config(tmp_path, fake, CAL, sync="batch_size = 5\n")
        d = daemon(cfg)
        try:
            d.start()  # READY: the lanes run, as when a person drops a file into a running daemon
            inbox = tmp_path / "var" / "inbox"
            tmp = inbox / ".a.csv.tmp"
            tmp.write_text(HEADER + rows, encoding="utf-8")
            tmp.rename(inbox / "a.csv")
            state = tmp_path / "var" / "state.db"
            wait_until(lambda: (tmp_path / "var" / "processed" / "a.csv").exists() and count(state, "outbox") == 0
                       and count(state, "kv", "key='cross_dirty' AND value='1'") == 0,
                       timeout=60, interval=0.1, what="the drop synced")
            clean_stop(d)
        finally:
            d.close()
        events = live_events(fake, CAL)
        writes = fake.write_count
    assert len(events) >= 12
    assert all("conflict" in str(e.get("description", "")).lower() for e in events.values()), events
    assert writes == len(events), f"{writes} writes for {len(events)} entries"
