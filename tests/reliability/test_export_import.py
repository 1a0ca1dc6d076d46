"""`docketd export` / `docketd import` round-trip a whole docket, and refuse what they must."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from daemon.state.store import SCHEMA_VERSION
from tests.e2e.daemon_proc import write_config
from tests.reliability.helpers import HEADER, count, intake_row, run_cli, today

# A Google calendar whose key file is missing: its changes wait in the outbox with an error.
MEMORY_CAL = ('[calendars.jdoe-mem]\nkind = "google"\ncalendar_id = "jdoe@firm.com"\n'
              'credentials = "missing-sa.json"\napi_endpoint = "http://127.0.0.1:9/calendar/v3/"\n')


def _docket(tmp: Path) -> Path:
    """A state database with matters, deadlines, .ics sync state, a stuck outbox and open flags."""
    cfg = write_config(tmp, MEMORY_CAL, jdoe_calendars=["jdoe-mem"])
    rows = [intake_row(f"2026-{i:04d}", today() + timedelta(days=i)) for i in range(1, 6)]
    rows.append(intake_row("2025-0999", today() - timedelta(days=90)))  # long missed: critical flags
    (tmp / "var" / "inbox" / "intake.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    out = run_cli(cfg, "sync", "--once")
    assert "Recomputed 6 matters" in out.stdout, out.stdout + out.stderr
    return cfg


def _tables(doc: dict[str, object]) -> object:
    return doc["tables"]


def test_export_import_round_trip(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    cfg_a = _docket(a)
    state_a = a / "var" / "state.db"
    for table in ("matters", "triggers", "deadlines", "sync", "outbox", "flags", "files"):
        assert count(state_a, table) > 0, table
    assert count(state_a, "outbox", "last_error IS NOT NULL") > 0  # the Google calendar cannot be reached

    exported = tmp_path / "docket.json"
    out = run_cli(cfg_a, "export", str(exported))
    assert out.returncode == 0, out.stderr
    assert exported.stat().st_mode & 0o077 == 0  # it names clients: private to the service user
    doc_a = json.loads(exported.read_text(encoding="utf-8"))
    assert doc_a["format"] == "docketd-export" and doc_a["schema_version"] == SCHEMA_VERSION

    cfg_b = write_config(b, MEMORY_CAL, jdoe_calendars=["jdoe-mem"])
    out = run_cli(cfg_b, "import", str(exported))
    assert out.returncode == 0, out.stdout + out.stderr
    assert "Imported" in out.stdout
    out = run_cli(cfg_b, "export")  # to standard output
    assert out.returncode == 0, out.stderr
    doc_b = json.loads(out.stdout)
    assert _tables(doc_b) == _tables(doc_a)
    assert doc_b["counts"] == doc_a["counts"]

    # The imported docket carries on: the same file dropped again is known, nothing new is queued.
    outbox_before = count(b / "var" / "state.db", "outbox")
    (b / "var" / "inbox" / "intake.csv").write_text((a / "var" / "processed" / "intake.csv").read_text())
    out = run_cli(cfg_b, "sync", "--once")
    assert "duplicate" in out.stdout, out.stdout
    assert count(b / "var" / "state.db", "outbox") == outbox_before
    assert count(b / "var" / "state.db", "triggers") == count(state_a, "triggers")


def test_import_refuses_a_non_empty_state_unless_replace(tmp_path: Path) -> None:
    cfg = _docket(tmp_path)
    state = tmp_path / "var" / "state.db"
    exported = tmp_path / "docket.json"
    assert run_cli(cfg, "export", str(exported)).returncode == 0
    before = count(state, "deadlines")

    out = run_cli(cfg, "import", str(exported))
    assert out.returncode == 1
    assert "is not empty" in out.stderr and "--replace" in out.stderr
    assert count(state, "deadlines") == before

    out = run_cli(cfg, "import", "--replace", str(exported))
    assert out.returncode == 0, out.stderr
    backups = list(state.parent.glob("state.db.before-import-*.bak"))
    assert len(backups) == 1
    con = sqlite3.connect(backups[0])
    assert con.execute("SELECT COUNT(*) FROM deadlines").fetchone()[0] == before
    con.close()
    assert count(state, "deadlines") == before


def test_import_refuses_damaged_or_foreign_files(tmp_path: Path) -> None:
    cfg = write_config(tmp_path)
    state = tmp_path / "var" / "state.db"
    cases = {
        "garbage.json": "{not json",
        "other.json": json.dumps({"hello": "world"}),
        "future.json": json.dumps({"format": "docketd-export", "version": 1, "schema_version": 99,
                                   "tables": {}}),
        "badcol.json": json.dumps({"format": "docketd-export", "version": 1, "schema_version": 2,
                                   "tables": {"kv": [{"key": "a", "value": "b", "evil": 1}]}}),
        "badrow.json": json.dumps({"format": "docketd-export", "version": 1, "schema_version": 2,
                                   "tables": {"kv": [{"key": "a", "value": "b"},
                                                     {"key": "a", "value": "c"}]}}),
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        out = run_cli(cfg, "import", str(path))
        assert out.returncode in (1, 2), name
        assert out.stderr.startswith("docketd: ") and "Traceback" not in out.stderr, out.stderr
        assert count(state, "kv") == 0, name  # nothing half-imported
    out = run_cli(cfg, "import", str(tmp_path / "missing.json"))
    assert out.returncode == 2 and "Cannot read the export file" in out.stderr
