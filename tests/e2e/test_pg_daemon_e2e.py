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


def _status(cfg: Path, *args: str) -> str:
    import os
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "daemon.cli", "--config", str(cfg), "status", *args],
                         cwd=cfg.parent, env={**os.environ, **pinned_env()}, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_two_instances_one_leads_and_status_shows_the_leader_and_the_standby(tmp_path: Path,
                                                                              pg_database: str) -> None:
    import json

    cfg = write_config(tmp_path, f'[state]\nurl = "{pg_database}"\n')
    first, second = DaemonProcess(cfg, tmp_path, env=pinned_env()), DaemonProcess(cfg, tmp_path, env=pinned_env())
    second.log_path = tmp_path / "daemon-2.log"
    try:
        first.start()
        first.wait_notify("leading (term 1)")
        second.start()
        second.wait_notify("standby (leader: ")
        assert first.proc is not None and second.proc is not None
        text = _status(cfg)
        assert f":{first.proc.pid}:" in text.split("Leader: ")[1].splitlines()[0], text
        assert "leading since" in text and "term 1." in text
        standby = text.split("Standby: ")[1].splitlines()[0]
        assert f"pid {second.proc.pid}" in standby and "seen" in standby and "not seen" not in standby, text
        data = json.loads(_status(cfg, "--json"))["leadership"]
        assert data["term"] == 1 and f":{first.proc.pid}:" in data["leader"]
        assert sorted((i["pid"], i["leading"], i["alive"]) for i in data["instances"]) == sorted(
            [(first.proc.pid, True, True), (second.proc.pid, False, True)])
        # A clean stop hands the lease over at once: the standby leads in term 2.
        assert first.stop(signal.SIGTERM) == 0, first.log[-4000:]
        second.wait_notify("leading (term 2)")
        assert f":{second.proc.pid}:" in _status(cfg).split("Leader: ")[1].splitlines()[0]
        assert second.stop(signal.SIGTERM) == 0, second.log[-4000:]
        assert "Leader: none at the moment" in _status(cfg)
    finally:
        first.close()
        second.close()
