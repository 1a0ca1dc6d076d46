"""Pipeline -> outbox -> dispatcher against the in-memory calendar: identity, edits, faults, guards."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import AuthError, Connector, PermanentError, TransientError
from connectors.memory import MemoryConnector
from daemon.engine import load_rulebook
from daemon.engine.packs import shipped_data
from daemon.sources.inbox import ingest_file
from tests.memory_docket import MemoryDocket

HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
NOW = datetime(2026, 1, 6, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


class Harness(MemoryDocket):
    def __init__(self, tmp: Path, on_edit: str = "restore", extra: dict | None = None) -> None:
        super().__init__(tmp, reminders=("7d", "1d"), calendar={"on_edit": on_edit},
                         extra={"sync": {"max_delete_floor": 3}, **(extra or {})})

    def drop(self, *rows: str) -> None:
        self.n += 1
        path = self.config.inbox / f"f{self.n}.csv"
        path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
        ingest_file(self.docket, path, NOW)

    def sync(self, now: float = 0.0) -> None:
        self.dispatcher.run_once(now or 1e12)

    def answers(self) -> list[date]:
        return sorted(e.start for e in self.cal.events.values() if "Answer due" in e.summary)


def row(matter: str = "2026-0142", served: str = "2026-01-05", status: str = "open", who: str = "jdoe@firm.com") -> str:
    return f"{matter},Acme v. Widget,federal,summons_served,{served},personal,{who},,{status}"


def test_create_then_noop_resync_makes_no_calls(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.drop(row())
    h.sync()
    assert h.answers() == [date(2026, 1, 26)]
    versions = {uid: e.etag for uid, e in h.cal.events.items()}
    # The same facts again (a re-dropped copy, a daily recompute): nothing is queued, nothing written.
    h.drop(row() + " ")
    with h.store.transaction() as db:
        report = h.docket.recompute(db, h.docket.all_matters(), NOW.date(), "x")
    assert report.queued == 0
    assert h.store.pending() == []
    h.sync()
    assert {uid: e.etag for uid, e in h.cal.events.items()} == versions


def test_correction_moves_entry_without_duplicate(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.drop(row())
    h.sync()
    h.drop(row(served="2026-01-07"))
    h.sync()
    assert h.answers() == [date(2026, 1, 28)]


def test_correction_before_sync_coalesces(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.drop(row())
    h.drop(row(served="2026-01-07"))
    assert len([p for p in h.store.pending() if "frcp.answer|" in p.key and "#" not in p.key]) == 1
    h.sync()
    assert h.answers() == [date(2026, 1, 28)]


def test_closed_matter_withdraws_future_entries(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.drop(row())
    h.sync()
    h.drop(row(status="closed"))
    h.sync()
    assert h.answers() == []


def test_reminders_beyond_capabilities_become_ticklers(tmp_path: Path) -> None:
    h = Harness(tmp_path, extra={"people": {"jdoe@firm.com": {"calendars": ["mem"],
                                                               "reminders": ["60d", "14d", "7d", "1d"]}}})
    h.drop(row())
    h.sync()
    answer = next(e for e in h.cal.entries.values() if e.summary.startswith("[2026-0142] Answer due"))
    assert answer.reminders_minutes == (20160, 10080, 1440)
    ticklers = [e for e in h.cal.entries.values() if e.summary.startswith("Tickler:") and "Answer due" in e.summary]
    assert [t.start for t in ticklers] == [date(2026, 1, 26) - timedelta(days=60)]


def test_hand_edit_restored_and_flagged(tmp_path: Path) -> None:
    h = Harness(tmp_path, on_edit="restore")
    h.drop(row())
    h.sync()
    uid = next(u for u, e in h.cal.events.items() if "Answer due" in e.summary)
    h.cal.edit_by_hand(uid, start=date(2026, 2, 20))
    assert h.dispatcher.verify("mem") == 1
    h.sync()
    assert h.cal.events[uid].start == date(2026, 1, 26)
    kinds = [r[0] for r in h.store.db.execute("SELECT kind FROM flags WHERE kind='drift'")]
    assert kinds == ["drift"]


def test_hand_edit_kept_and_flagged(tmp_path: Path) -> None:
    h = Harness(tmp_path, on_edit="keep")
    h.drop(row())
    h.sync()
    uid = next(u for u, e in h.cal.events.items() if "Answer due" in e.summary)
    h.cal.edit_by_hand(uid, start=date(2026, 2, 20))
    h.dispatcher.verify("mem")
    h.sync()
    assert h.cal.events[uid].start == date(2026, 2, 20)
    assert h.store.pending() == []
    msg = h.store.db.execute("SELECT message FROM flags WHERE kind='drift'").fetchone()[0]
    # A clerk's sentence, naming the matter and the entry, not docketd's internal key (issue 19 item 3).
    assert msg == ("Matter 2026-0142: the entry “[2026-0142] Answer due — Acme v. Widget (FRCP 12(a)(1)(A)(i))” "
                   "in calendar mem was moved to 2026-02-20 by hand.")
    # A later real change of the deadline is still pushed (forced over the person's edit? no: conflict again).
    h.drop(row(served="2026-01-07"))
    h.sync()
    assert h.cal.events[uid].start in (date(2026, 2, 20), date(2026, 1, 28))


def test_deleted_by_hand_is_recreated_under_restore(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.drop(row())
    h.sync()
    uid = next(u for u, e in h.cal.events.items() if "Answer due" in e.summary)
    del h.cal.events[uid]
    h.dispatcher.verify("mem")
    h.sync()
    assert uid in h.cal.events and h.answers() == [date(2026, 1, 26)]


class Flaky(MemoryConnector):
    """Fails the first `n` calls with the given error."""

    def __init__(self, error: Exception, n: int) -> None:
        super().__init__("mem")
        self.error = error
        self.left = n

    def create(self, entry):  # type: ignore[no-untyped-def]
        if self.left > 0:
            self.left -= 1
            raise self.error
        return super().create(entry)


def _with(h: Harness, conn: Connector) -> None:
    h.pool._cache["mem"] = conn


def test_transient_errors_wait_in_outbox_then_drain(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    flaky = Flaky(TransientError("503 from the service", retry_after=30), n=1000)
    _with(h, flaky)
    h.drop(row())
    h.dispatcher.run_once(1000.0)
    pending = h.store.pending()
    assert pending and all(p.next_at >= 1030.0 for p in pending)
    assert all("503" in (p.last_error or "") for p in pending)
    flaky.left = 0
    h.dispatcher.run_once(1000.0)  # not due yet: nothing happens
    assert flaky.events == {}
    h.dispatcher.run_once(2000.0)
    assert h.store.pending() == []
    assert len([e for e in flaky.events.values() if "Answer due" in e.summary]) == 1


def test_auth_error_keeps_work_and_flags(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    _with(h, Flaky(AuthError("Sign-in expired; run `docketd auth google --account jdoe@firm.com`."), n=1000))
    h.drop(row())
    h.dispatcher.run_once(1000.0)
    assert h.store.pending()
    flag = h.store.db.execute("SELECT message, action FROM flags WHERE kind='auth'").fetchone()
    assert "docketd auth google" in flag[0]


def test_permanent_error_parks_op_and_flags(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    _with(h, Flaky(PermanentError("403 forbidden: calendar is read-only"), n=1000))
    h.drop(row())
    h.dispatcher.run_once(1000.0)
    assert h.store.pending() == []
    dead = h.store.pending(include_dead=True)
    assert dead and all(p.dead for p in dead)
    assert h.store.db.execute("SELECT COUNT(*) FROM flags WHERE kind='sync-failed'").fetchone()[0] == len(dead)
    messages = [r[0] for r in h.store.db.execute("SELECT message FROM flags WHERE kind='sync-failed'")]
    assert ("Matter 2026-0142: calendar mem refused the entry “[2026-0142] Answer due — Acme v. Widget "
            "(FRCP 12(a)(1)(A)(i))”: 403 forbidden: calendar is read-only.") in messages


def test_mass_delete_guard_holds_back_until_forced(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.drop(*[row(matter=f"M-{i}") for i in range(6)])
    h.sync()
    managed = len(h.cal.events)
    # All six matters closed in one file: far more than half of the calendar would go at once.
    h.drop(*[row(matter=f"M-{i}", status="closed") for i in range(6)])
    assert len(h.cal.events) == managed
    assert not [p for p in h.store.pending() if p.op == "delete"]
    assert h.store.db.execute("SELECT COUNT(*) FROM flags WHERE kind='mass-delete'").fetchone()[0] == 1
    with h.store.transaction() as db:
        report = h.docket.recompute(db, h.docket.all_matters(), NOW.date(), "x", force=True)
    assert report.queued > 0
    h.sync()
    assert h.answers() == []


def test_duplicate_file_is_not_applied_twice(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.drop(row())
    h.drop(row(served="2026-01-07"))
    # The first file dropped again (same bytes): it must not revert the correction.
    path = h.config.inbox / "again.csv"
    path.write_text(HEADER + row() + "\n", encoding="utf-8")
    report = ingest_file(h.docket, path, NOW)
    assert report.status == "duplicate"
    h.sync()
    assert h.answers() == [date(2026, 1, 28)]
    assert (h.config.processed_dir / "again.csv").exists()


def test_outbox_rows_carry_full_entries(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.drop(row())
    for p in h.store.pending():
        assert p.entry is not None and p.entry["_hash"]
        assert json.dumps(p.entry)


@pytest.mark.parametrize("who", ["", "nobody-configured@firm.com"])
def test_unrouted_matters_go_to_firm_docket_ics(tmp_path: Path, who: str) -> None:
    h = Harness(tmp_path, extra={"ics": {"dir": str(tmp_path / "cals")}})
    h.drop(row(who=who))
    h.sync()
    name = "docket.ics" if not who else f"{who}.ics"
    assert (tmp_path / "cals" / name).exists()
    assert (tmp_path / "cals" / "all.ics").exists()


def test_closed_matter_entries_never_come_back_after_their_due_date(tmp_path: Path) -> None:
    h = Harness(tmp_path)
    h.drop(row(served="2026-01-05"))
    h.sync()
    h.drop(row(served="2026-01-05", status="closed"))  # closed on 2026-01-06, before the 01-26 answer
    h.sync()
    assert h.answers() == []
    # Weeks later the answer date is in the past; the daily recompute must not bring it back.
    with h.store.transaction() as db:
        h.docket.recompute(db, h.docket.all_matters(), date(2026, 3, 1), "later")
    h.sync()
    assert h.answers() == []
    # Reopening the matter brings its deadlines back (a new file: the first one's exact bytes would be
    # recognised as already processed).
    h.drop(row(served="2026-01-05", status="open"), "")
    h.sync()
    assert h.answers() == [date(2026, 1, 26)]


def test_rejected_file_dropped_again_after_a_config_fix_is_read_again(tmp_path: Path) -> None:
    body = HEADER + "2026-0700,Firm v. Court,firm-court,summons_served,2026-01-05,personal,jdoe@firm.com,,\n"
    h = Harness(tmp_path)
    first = h.config.inbox / "a.csv"
    first.write_text(body, encoding="utf-8")
    assert ingest_file(h.docket, first, NOW).status == "rejected"
    # The firm adds its court to the config and drops the very same file again.
    rules_dir = tmp_path / "rules" / "courts"
    rules_dir.mkdir(parents=True)
    (rules_dir / "firm-court.yaml").write_text(
        (shipped_data() / "courts" / "federal.yaml").read_text(encoding="utf-8")
        .replace("court: federal", "court: firm-court"), encoding="utf-8")
    h2 = Harness(tmp_path, extra={"rules": {"dirs": [str(tmp_path / "rules")]}})
    h2.docket = type(h.docket)(h2.config, h2.store, load_rulebook(h2.config.rule_dirs))
    again = h2.config.inbox / "a.csv"
    again.write_text(body, encoding="utf-8")
    report = ingest_file(h2.docket, again, NOW)
    assert report.status == "processed", report.errors
    h2.sync()
    assert h2.answers() == [date(2026, 1, 26)]
