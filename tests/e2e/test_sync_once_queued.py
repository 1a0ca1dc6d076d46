"""`docketd sync --once` with a calendar that cannot take changes now: nothing lost, and the user is told.

One pass leaves a change that ran out of its connector's retry budget queued, with exit 0. Before, the
only sign was "N waiting to retry" in the summary, and a script (the kill -9 test's reference run in
CI, stop 24) took the calendar for complete. The summary now says what to do, and a second pass keeps
the changes queued while the calendar still cannot take them.
"""

from __future__ import annotations

from pathlib import Path

from tests.reliability.helpers import HEADER, closed_port, count, intake_row, run_cli, today


def test_changes_a_busy_calendar_could_not_take_stay_queued_and_the_summary_says_so(tmp_path: Path) -> None:
    (tmp_path / "pw").write_text("pw\n", encoding="utf-8")
    (tmp_path / "pw").chmod(0o600)
    cfg = tmp_path / "docketd.toml"
    cfg.write_text(f'[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n\n'
                   f'[calendars.dav]\nkind = "caldav"\nurl = "http://127.0.0.1:{closed_port()}/cal/"\n'
                   'username = "jdoe"\npassword_file = "pw"\nretry_seconds = 0\ntimeout_seconds = 2\n\n'
                   '[people."jdoe@firm.com"]\ncalendars = ["dav"]\n', encoding="utf-8")
    (tmp_path / "var" / "inbox").mkdir(parents=True)
    (tmp_path / "var" / "inbox" / "a.csv").write_text(HEADER + intake_row("2026-0142", today()), encoding="utf-8")
    out = run_cli(cfg, "sync", "--once")
    assert out.returncode == 0, out.stdout + out.stderr
    queued = count(tmp_path / "var" / "state.db", "outbox")
    assert queued > 0
    assert f"{queued} waiting to retry" in out.stdout
    assert (f"{queued} changes are still queued for a calendar that was busy or slow; run `docketd sync "
            "--once` again, or let the running daemon send them.") in out.stdout
    again = run_cli(cfg, "sync", "--once")  # still unreachable: still queued, never dropped
    assert again.returncode == 0 and count(tmp_path / "var" / "state.db", "outbox") == queued
