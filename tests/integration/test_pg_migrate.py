"""`docketd migrate --to postgresql://...` (issue 16): a SQLite docket built by `docketd sync --once` copied
into PostgreSQL, counted table by table and compared row by row; a non-empty target refused; and the
PostgreSQL docket then works with export, import and sync like the SQLite one."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import psycopg

from daemon.state.migrate import diff_docs
from tests.e2e.daemon_proc import write_config
from tests.reliability.helpers import HEADER, count, intake_row, run_cli, today

# A Google calendar whose key file is missing: its changes wait in the outbox with an error.
MEMORY_CAL = ('[calendars.jdoe-mem]\nkind = "google"\ncalendar_id = "jdoe@firm.com"\n'
              'credentials = "missing-sa.json"\napi_endpoint = "http://127.0.0.1:9/calendar/v3/"\n')
TABLES = ("files", "matters", "triggers", "deadlines", "sync", "outbox", "flags", "kv")


def _docket(tmp: Path, extra: str = "") -> Path:
    """A SQLite docket with matters, deadlines, .ics sync state, a stuck outbox and open flags."""
    cfg = write_config(tmp, MEMORY_CAL + extra, jdoe_calendars=["jdoe-mem"])
    rows = [intake_row(f"2026-{i:04d}", today() + timedelta(days=i)) for i in range(1, 5)]
    rows.append(intake_row("2025-0999", today() - timedelta(days=90)))  # long missed: critical flags
    (tmp / "var" / "inbox" / "intake.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    out = run_cli(cfg, "sync", "--once")
    assert "Recomputed 5 matters" in out.stdout, out.stdout + out.stderr
    return cfg


def _pg_count(dsn: str, table: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def test_migrate_copies_every_row_and_says_so(tmp_path: Path, pg_database: str) -> None:
    cfg = _docket(tmp_path)
    state = tmp_path / "var" / "state.db"
    for table in TABLES:
        assert count(state, table) > 0, table
    out = run_cli(cfg, "migrate", "--to", pg_database)
    assert out.returncode == 0, out.stdout + out.stderr
    for table in TABLES:
        n = count(state, table)
        assert _pg_count(pg_database, table) == n, table
        assert f"  {table}" in out.stdout and f"{n:>7} -> {n:>7}" in out.stdout
    assert "identical" in out.stdout and "<- differs" not in out.stdout
    assert f'[state] url = "{pg_database}"' in out.stdout

    # Both exports are the same document, table by table and row by row.
    sqlite_doc = json.loads(run_cli(cfg, "export").stdout)
    pg_cfg = cfg.with_name("pg.toml")
    pg_cfg.write_text(cfg.read_text(encoding="utf-8") + f'\n[state]\nurl = "{pg_database}"\n', encoding="utf-8")
    out = run_cli(pg_cfg, "export")
    assert out.returncode == 0, out.stderr
    pg_doc = json.loads(out.stdout)
    assert diff_docs(sqlite_doc, pg_doc)[1] == []
    assert pg_doc["tables"] == sqlite_doc["tables"]

    # The PostgreSQL docket carries on: the same file again is a duplicate; new ids follow the copied ones.
    (tmp_path / "var" / "inbox" / "again.csv").write_text(
        (tmp_path / "var" / "processed" / "intake.csv").read_text(encoding="utf-8"), encoding="utf-8")
    outbox_before = _pg_count(pg_database, "outbox")
    out = run_cli(pg_cfg, "sync", "--once")
    assert "duplicate" in out.stdout, out.stdout + out.stderr
    assert _pg_count(pg_database, "outbox") == outbox_before
    (tmp_path / "var" / "inbox" / "new.csv").write_text(
        HEADER + intake_row("2026-0042", today() + timedelta(days=20)), encoding="utf-8")
    out = run_cli(pg_cfg, "sync", "--once")  # exit 1: the unreachable Google calendar, as on SQLite
    assert "new.csv: processed" in out.stdout and "Recomputed 6 matters" in out.stdout, out.stdout + out.stderr
    assert _pg_count(pg_database, "matters") == count(state, "matters") + 1


def test_migrate_refuses_a_target_that_holds_a_docket(tmp_path: Path, pg_database: str) -> None:
    cfg = _docket(tmp_path)
    assert run_cli(cfg, "migrate", "--to", pg_database).returncode == 0
    out = run_cli(cfg, "migrate", "--to", pg_database)
    assert out.returncode == 1
    assert "is not empty" in out.stderr and "--replace" in out.stderr
    out = run_cli(cfg, "migrate", "--to", pg_database, "--replace")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "identical" in out.stdout
    assert list(tmp_path.joinpath("var").glob("state.db.before-import-migrate*.json"))  # the target's old docket


def test_migrate_refuses_a_password_in_the_address(tmp_path: Path) -> None:
    cfg = _docket(tmp_path)
    out = run_cli(cfg, "migrate", "--to", "postgresql://docketd:hunter2@127.0.0.1:1/docketd")
    assert out.returncode != 0
    assert "hunter2" not in out.stdout + out.stderr
    assert "postgresql://docketd:***@127.0.0.1:1/docketd" in out.stderr and "PGPASSFILE" in out.stderr


def test_a_changed_row_is_a_difference() -> None:
    row = {"key": "m|r", "matter": "m", "due": "2026-03-02", "payload": {"title": "Answer"}}
    source = {"tables": {"deadlines": [row], "flags": [{"id": 1, "message": "x"}]}}
    target = {"tables": {"deadlines": [{**row, "due": "2026-03-03"}], "flags": []}}
    compared, differences = diff_docs(source, target)
    assert compared == 2
    assert differences == ["deadlines row m|r differs in due.", "flags row 1 is missing from the target."]
