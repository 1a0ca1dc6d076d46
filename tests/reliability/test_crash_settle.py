"""A kill between a calendar write and the store commit must not leave entries docketd forgets.

The exact state such a kill leaves is built deterministically: every queued op is applied to the
real .ics files by the real connector, and its result is never recorded (the outbox row stays, no
sync row). Then the office goes on: the matter moves to another attorney, or a correction is taken
back, or the matter closes. Every calendar must end as a clean run's does (issue 18, B4).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from connectors.base import Op
from connectors.ics import IcsConnector
from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.models import RemoteRef, SyncRow
from daemon.serial import entry_from_dict
from daemon.settings.config import parse_config
from daemon.sources.inbox import ingest_file
from daemon.state.store import Store
from daemon.sync.dispatcher import ConnectorPool, Dispatcher

HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
NOW = datetime(2026, 1, 6, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))  # pinned: no test reads the clock
RULES = load_rulebook()


def _row(attorney: str, served: str = "2026-01-05", status: str = "open", matter: str = "2026-0142") -> str:
    return f"{matter},Acme v. Widget,federal,summons_served,{served},personal,{attorney},,{status}\n"


class Office:
    """A docket writing .ics calendars; `restart()` is a new process on the same files and state."""

    def __init__(self, tmp: Path) -> None:
        raw = {"daemon": {"inbox": str(tmp / "inbox"), "state": str(tmp / "state.db")},
               "ics": {"dir": str(tmp / "calendars")}, "sync": {"verify_minutes": 0}}
        self.config = parse_config(raw, tmp / "docketd.toml", tmp)
        self.config.inbox.mkdir(parents=True, exist_ok=True)
        assert self.config.ics_dir is not None
        self.config.ics_dir.mkdir(parents=True, exist_ok=True)
        self.n = 0
        self.restart()

    def restart(self) -> None:
        self.store = Store(self.config.state)
        self.docket = Docket(self.config, self.store, RULES)
        self.dispatcher = Dispatcher(self.config, self.store, ConnectorPool(self.config), lambda: "2026-01-06T09:00:00")

    def drop(self, *rows: str) -> None:
        self.n += 1
        path = self.config.inbox / f"f{self.n}.csv"
        path.write_text(HEADER + "".join(rows), encoding="utf-8")
        ingest_file(self.docket, path, NOW)

    def sync(self) -> None:
        self.dispatcher.run_once(1e12)
        assert self.store.pending(include_dead=True) == []

    def killed_after_calendar_write(self) -> None:
        """Apply every queued op to the calendars, then die before recording anything (kill -9)."""
        for r in self.store.pending():
            conn = self.dispatcher.pool.get(r.target)
            synced = self.store.sync_rows_for_uids(r.target, [r.uid]).get(r.uid)
            if r.op == "delete":
                op = Op("delete", r.uid, None, None)
            else:
                assert r.entry is not None
                op = Op("update" if synced else "create", r.uid, entry_from_dict(r.entry),
                        None if synced is None else _ref(synced))
            [result] = conn.apply([op])
            assert result.error is None
        self.store.close()
        self.restart()

    def calendars(self) -> dict[str, dict[str, str]]:
        """Every .ics file: uid -> start date, as a person sees it."""
        assert self.config.ics_dir is not None
        out = {}
        for path in sorted(self.config.ics_dir.glob("*.ics")):
            out[path.name] = {e.uid: e.start.isoformat() for e in IcsConnector(path.name, path).list_managed()}
        return {k: v for k, v in out.items() if v}

    def drift_flags(self) -> int:
        return int(self.store.db.execute("SELECT COUNT(*) FROM flags WHERE kind='drift'").fetchone()[0])


def _ref(s: SyncRow) -> RemoteRef:
    return RemoteRef(s.remote_id, s.etag)


def _clean(tmp: Path, *drops: tuple[str, ...]) -> dict[str, dict[str, str]]:
    ref = Office(tmp)
    for rows in drops:
        ref.drop(*rows)
        ref.sync()
    return ref.calendars()


def test_reassigned_after_a_kill_leaves_no_entry_with_the_old_attorney(tmp_path: Path) -> None:
    o = Office(tmp_path / "killed")
    o.drop(_row("jdoe@firm.com"))
    o.killed_after_calendar_write()
    assert "jdoe@firm.com.ics" in o.calendars()  # the kill left jdoe's entries written, unrecorded
    o.drop(_row("kim@firm.com"))  # the matter moves to another attorney
    o.sync()
    assert "jdoe@firm.com.ics" not in o.calendars()
    assert o.calendars() == _clean(tmp_path / "clean", (_row("jdoe@firm.com"),), (_row("kim@firm.com"),))
    o.drop(_row("kim@firm.com", status="closed"))  # and then closes
    o.sync()
    assert o.calendars() == {}


def test_closed_after_a_kill_leaves_no_entry(tmp_path: Path) -> None:
    o = Office(tmp_path)
    both = (_row("jdoe@firm.com"), _row("jdoe@firm.com", matter="2026-0143"))
    o.drop(*both)
    o.killed_after_calendar_write()
    o.drop(_row("jdoe@firm.com", status="closed"))
    o.sync()
    assert o.calendars() == _clean(tmp_path / "clean", both, (_row("jdoe@firm.com", status="closed"),))
    assert o.calendars()  # 2026-0143 is still there


def test_correction_taken_back_after_a_kill_restores_the_first_date(tmp_path: Path) -> None:
    o = Office(tmp_path / "killed")
    o.drop(_row("jdoe@firm.com"))
    o.sync()
    o.drop(_row("jdoe@firm.com", served="2026-01-07"))  # a correction...
    o.killed_after_calendar_write()  # ...written to the calendars, not recorded
    o.drop(_row("jdoe@firm.com").replace(",,open", ", ,open"))  # ...taken back (a new file, same facts)
    o.sync()
    clean = _clean(tmp_path / "clean", (_row("jdoe@firm.com"),))
    assert o.calendars() == clean
    assert o.drift_flags() == 0  # docketd's own write is not "edited by hand"


def test_update_written_but_not_recorded_is_not_a_hand_edit(tmp_path: Path) -> None:
    o = Office(tmp_path / "killed")
    o.drop(_row("jdoe@firm.com"))
    o.sync()
    o.drop(_row("jdoe@firm.com", served="2026-01-07"))
    o.killed_after_calendar_write()
    o.sync()  # the restarted daemon replays the update it had already written
    assert o.drift_flags() == 0
    assert o.calendars() == _clean(tmp_path / "clean", (_row("jdoe@firm.com"),),
                                   (_row("jdoe@firm.com", served="2026-01-07"),))
