"""End to end on PostgreSQL (issue 16): `docketd run` as a subprocess with `[state] url` on the test server,
an intake file dropped, its deadlines in the .ics output and in the PostgreSQL tables; no SQLite file made."""

from __future__ import annotations

import signal
from datetime import timedelta
from pathlib import Path

import icalendar
import psycopg

from tests.clock import pinned_day, pinned_env
from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config

HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"


def _answer_keys(path: Path) -> list[str]:
    if not path.exists():
        return []
    events = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    return [str(e["X-DOCKETD-KEY"]) for e in events if "|frcp.answer|" in str(e.get("X-DOCKETD-KEY", ""))]


def _rows(dsn: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        return list(conn.execute(sql).fetchall())


def test_the_daemon_keeps_its_docket_in_postgresql(tmp_path: Path, pg_database: str) -> None:
    cfg = write_config(tmp_path, f'[state]\nurl = "{pg_database}"\n')
    var = tmp_path / "var"
    d = DaemonProcess(cfg, tmp_path, env=pinned_env())
    try:
        d.start()
        served = pinned_day() + timedelta(days=3)
        rows = "".join(f"2026-{n:04d},Acme v. Widget {n},federal,summons_served,{served},personal,jdoe@firm.com,"
                       "pat@firm.com,open\n" for n in (142, 143))
        (var / "inbox" / "intake.csv").write_text(HEADER + rows, encoding="utf-8")
        jdoe = var / "calendars" / "jdoe@firm.com.ics"
        wait_until(lambda: len(_answer_keys(jdoe)) == 2, what="both answer deadlines in jdoe's .ics")
        assert d.stop(signal.SIGTERM) == 0, d.log[-4000:]
        assert "Traceback" not in d.log and "ERROR" not in d.log, d.log[-4000:]
        assert f"The docket is kept in: {pg_database}" in d.log
    finally:
        d.close()

    keys = sorted(_answer_keys(jdoe))
    stored = _rows(pg_database, "SELECT key, matter FROM deadlines WHERE rule = 'frcp.answer' ORDER BY key")
    assert [k for k, _ in stored] == keys and {m for _, m in stored} == {"2026-0142", "2026-0143"}
    assert _rows(pg_database, "SELECT status, rows FROM files") == [("processed", 2)]
    assert _rows(pg_database, "SELECT COUNT(*) FROM outbox") == [(0,)]  # every .ics write recorded and done
    synced = _rows(pg_database, "SELECT COUNT(*) FROM sync WHERE key LIKE '%|frcp.answer|%'")[0][0]
    assert isinstance(synced, int) and synced >= 2
    assert not (var / "state.db").exists()  # the docket is in PostgreSQL only
