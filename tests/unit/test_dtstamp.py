"""DTSTAMP in .ics output is when the entry's content last changed, kept with the sync state.

Issue 19 item 6: every VEVENT said DTSTAMP:19700101T000000Z. RFC 5545 3.8.7.2 (DTSTAMP): "the
date and time that the instance of the iCalendar object was created" or, for a stored calendar, the
time "the information ... was last revised". docketd uses the time (from the injectable clock) at
which a recompute found the entry's content changed; an unchanged docket renders byte-identical files.
"""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.settings.config import parse_config
from daemon.sources.inbox import ingest_file
from daemon.state.store import _MIGRATIONS, _SCHEMA_V1, SCHEMA_VERSION, Store
from daemon.sync.dispatcher import ConnectorPool, Dispatcher

TZ = ZoneInfo("America/Los_Angeles")
HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
T1 = datetime(2026, 1, 6, 9, 0, tzinfo=TZ)   # 17:00 UTC
T2 = datetime(2026, 1, 7, 10, 30, tzinfo=TZ)
T3 = datetime(2026, 1, 8, 8, 15, tzinfo=TZ)  # 16:15 UTC


class Office:
    """The embedded default (.ics files) with a real store, rule book and dispatcher."""

    def __init__(self, tmp: Path) -> None:
        raw = {"daemon": {"inbox": str(tmp / "inbox"), "state": str(tmp / "state.db")},
               "ics": {"dir": str(tmp / "calendars")}}
        self.config = parse_config(raw, tmp / "docketd.toml", tmp)
        self.config.inbox.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.config.state)
        self.docket = Docket(self.config, self.store, load_rulebook())
        self.pool = ConnectorPool(self.config)
        self.n = 0

    def drop(self, now: datetime, *rows: str) -> None:
        self.n += 1
        path = self.config.inbox / f"f{self.n}.csv"
        path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
        assert not ingest_file(self.docket, path, now).errors
        self.sync(now)

    def sync(self, now: datetime) -> None:
        Dispatcher(self.config, self.store, self.pool, lambda: now.isoformat()).run_once(1e12)

    def all_ics(self) -> bytes:
        assert self.config.ics_dir is not None
        return (self.config.ics_dir / "all.ics").read_bytes()

    def stamps(self) -> dict[str, str]:
        """DTSTAMP per X-DOCKETD-KEY in all.ics."""
        text = self.all_ics().decode().replace("\r\n ", "")
        out = {}
        for block in text.split("BEGIN:VEVENT")[1:]:
            key = re.search(r"X-DOCKETD-KEY:(.*)\r\n", block)
            stamp = re.search(r"DTSTAMP:(.*)\r\n", block)
            assert key and stamp
            out[key.group(1)] = stamp.group(1)
        return out


def row(matter: str, served: str) -> str:
    return f"{matter},Case {matter},federal,summons_served,{served},personal,jdoe@firm.com,,open"


def test_dtstamp_is_when_the_content_last_changed(tmp_path: Path) -> None:
    office = Office(tmp_path)
    # Answers due on different days: no conflict flag ties one matter's entries to the other's.
    office.drop(T1, row("2026-0142", "2026-01-05"), row("2026-0150", "2026-01-02"))
    stamps = office.stamps()
    assert stamps and set(stamps.values()) == {"20260106T170000Z"}
    assert "19700101" not in office.all_ics().decode()

    # Nothing changed: a later recompute and sync writes nothing, and the file is byte-identical.
    before = office.all_ics()
    with office.store.transaction() as db:
        report = office.docket.recompute(db, office.docket.all_matters(), T2.date(), T2.isoformat())
    assert report.queued == 0
    office.sync(T2)
    assert office.all_ics() == before

    # One matter's row corrected: its entries carry the new time, the other matter's keep theirs.
    office.drop(T3, row("2026-0150", "2026-01-07"))
    after = office.stamps()
    assert {v for k, v in after.items() if k.startswith("2026-0150|")} == {"20260108T161500Z"}
    assert {v for k, v in after.items() if k.startswith("2026-0142|")} == {"20260106T170000Z"}
    # The change time is stored with the sync state (what a re-render, e.g. a drift restore, reuses).
    changed = {r[0] for r in office.store.db.execute("SELECT changed_at FROM sync WHERE key LIKE '2026-0150|%'")}
    assert changed == {T3.isoformat()}
    office.store.close()


def test_a_restored_hand_edit_keeps_the_content_change_time(tmp_path: Path) -> None:
    office = Office(tmp_path)
    office.drop(T1, row("2026-0142", "2026-01-05"))
    assert office.config.ics_dir is not None
    path = office.config.ics_dir / "jdoe@firm.com.ics"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("SUMMARY:[2026-0142] Answer due", "SUMMARY:moved by hand"), encoding="utf-8")
    dispatcher = Dispatcher(office.config, office.store, office.pool, lambda: T2.isoformat())
    assert dispatcher.verify("ics:jdoe@firm.com") >= 1
    dispatcher.run_once(1e12)
    restored = path.read_text(encoding="utf-8")
    assert "moved by hand" not in restored
    assert set(re.findall(r"DTSTAMP:(\S+)", restored)) == {"20260106T170000Z"}
    office.store.close()


def test_migration_keeps_the_last_write_as_the_change_time(tmp_path: Path) -> None:
    # A version-2 store (before changed_at) with one synced entry opens migrated, with a backup.
    state = tmp_path / "state.db"
    con = sqlite3.connect(state)
    con.executescript(_SCHEMA_V1 + _MIGRATIONS[2] + "INSERT INTO meta VALUES ('schema_version', '2');")
    with con:
        con.execute("INSERT INTO sync VALUES ('ics:all', 'abc', '2026-0142|frcp.answer|summons_served|', "
                    "'abc@docketd', 'e1', 'h1', 'ok', '2026-01-06T09:00:00-08:00', '{}')")
    con.close()
    store = Store(state)
    assert store.schema_version() == SCHEMA_VERSION
    (srow,) = store.sync_rows("ics:all").values()
    assert srow.changed_at == "2026-01-06T09:00:00-08:00"
    store.close()
    assert state.with_name("state.db.v2.bak").exists()
