"""A state database from schema version 1 is migrated on start, with a backup copy kept."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from daemon.state.store import _SCHEMA_V1, SCHEMA_VERSION
from tests.clock import pinned_env
from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config
from tests.reliability.helpers import count, db_rows, run_cli, today


def _write_v1(state: Path) -> str:
    """A version-1 database as docketd 0.x left it: one matter, its trigger, a flag."""
    state.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(state)
    con.executescript(_SCHEMA_V1)
    served = (today() + timedelta(days=2)).isoformat()
    trigger = {"matter": "2025-0007", "event": "summons_served", "date": served, "court": "federal",
               "time": None, "service": "personal", "ref": None, "title": "Old v. Schema",
               "attorneys": ["jdoe@firm.com"], "paralegals": [], "status": "open", "notes": None,
               "source": "legacy.csv", "row": 2, "checksum": "", "received": None}
    matter = {"matter": "2025-0007", "title": "Old v. Schema", "court": "federal",
              "attorneys": ["jdoe@firm.com"], "paralegals": [], "status": "open"}
    with con:
        con.execute("INSERT INTO meta VALUES ('schema_version', '1')")
        con.execute("INSERT INTO triggers VALUES (?, ?, ?, ?, ?)",
                    ("2025-0007", "summons_served", "", json.dumps(trigger), "2025-01-01T00:00:00"))
        con.execute("INSERT INTO matters VALUES (?, ?, ?)",
                    ("2025-0007", json.dumps(matter), "2025-01-01T00:00:00"))
        con.execute("INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) VALUES "
                    "('jdoe-google', 'auth', 'critical', 'kept across the migration', '', NULL, "
                    "'2025-01-01')")
        con.execute("INSERT INTO kv VALUES ('marker', 'v1')")
    con.close()
    return served


def _facts_of(state: Path) -> dict[str, object]:
    raw = db_rows(state, "SELECT payload FROM matters WHERE matter='2025-0007'")[0][0]
    assert isinstance(raw, str)
    out = json.loads(raw)
    assert isinstance(out, dict)
    return out


def test_v1_state_is_migrated_on_daemon_start_with_a_backup(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    state = tmp_path / "var" / "state.db"
    _write_v1(state)
    d = DaemonProcess(cfg, tmp_path, env=pinned_env())
    try:
        d.start()
        # The migrated store is used at once: the v1 trigger's deadlines are computed and calendared.
        wait_until(lambda: count(state, "deadlines", "matter='2025-0007'") >= 1,
                   what="deadlines from v1 rows")
        wait_until(lambda: count(state, "outbox") == 0, what="the .ics calendars written")
        assert d.stop() == 0
    finally:
        d.close()
    assert db_rows(state, "SELECT value FROM meta WHERE key='schema_version'") == [(str(SCHEMA_VERSION),)]
    columns = {r[1] for r in db_rows(state, "PRAGMA table_info(triggers)")}
    assert {"source", "row", "checksum"} <= columns
    assert db_rows(state, "SELECT value FROM kv WHERE key='marker'") == [("v1",)]
    assert db_rows(state, "SELECT message, acked_at FROM flags WHERE scope='jdoe-google'") == [
        ("kept across the migration", None)]
    assert _facts_of(state)["title"] == "Old v. Schema"

    backup = state.with_name("state.db.v1.bak")
    assert backup.exists(), list(state.parent.iterdir())
    assert db_rows(backup, "SELECT value FROM meta WHERE key='schema_version'") == [("1",)]
    assert db_rows(backup, "SELECT COUNT(*) FROM triggers") == [(1,)]
    assert "source" not in {r[1] for r in db_rows(backup, "PRAGMA table_info(triggers)")}
    jdoe = (tmp_path / "var" / "calendars" / "jdoe@firm.com.ics").read_text(encoding="utf-8")
    assert "2025-0007" in jdoe


def test_migration_runs_once_and_a_newer_schema_is_refused(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    state = tmp_path / "var" / "state.db"
    _write_v1(state)
    assert run_cli(cfg, "status", "--json").returncode == 0
    backup = state.with_name("state.db.v1.bak")
    first = backup.stat().st_mtime_ns
    assert run_cli(cfg, "status", "--json").returncode == 0  # already v2: no second migration
    assert backup.stat().st_mtime_ns == first
    assert sorted(p.name for p in state.parent.glob("*.bak")) == ["state.db.v1.bak"]

    con = sqlite3.connect(state)
    with con:
        con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.close()
    out = run_cli(cfg, "status")
    assert out.returncode == 1
    assert "newer than this docketd" in out.stderr and "Traceback" not in out.stderr
