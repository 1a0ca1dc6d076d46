"""The PostgreSQL server restarts (and crashes) while a daemon on it is syncing to Google (issue 16).

`docketd run` keeps its docket on PostgreSQL and is in the middle of sending 100 new matters to the
Google fake when the server goes away: a fast shutdown, or SIGKILL to every server process (crash
recovery on start). The daemon must not die, must write nothing to the calendar it cannot record, and
when the server is back must finish the work: the calendar ends equal to one uninterrupted `sync --once`
of the same files on SQLite, each entry once, the outbox empty, every file committed once.
On a private server (tests/integration/pg_server.py): the shared one must not be stopped under other tests.
"""

from __future__ import annotations

import time
from pathlib import Path

import psycopg
import pytest

from tests.e2e.daemon_proc import wait_until
from tests.fakes.google_calendar import FakeGoogle
from tests.integration.pg_server import running_postgres
from tests.reliability.google_env import docketd_key, drop_file, live_events, reference_events, shape
from tests.reliability.helpers import HEADER, clean_stop, intake_row, spawn, spread_day
from tests.reliability.test_pg_failover import FAST_SYNC, _instance, _shared_config

SHARED_CAL = "pg-restart@group.calendar.google.com"
REFERENCE_CAL = "pg-restart-reference@group.calendar.google.com"
FILES, MATTERS = 4, 25


def _files() -> list[tuple[str, str]]:
    return [(f"intake-{k:02d}.csv", HEADER + "".join(intake_row(f"2026-{n:04d}", spread_day(n))
                                                     for n in range(k * MATTERS, (k + 1) * MATTERS)))
            for k in range(FILES)]


def _outbox(dsn: str) -> int | None:
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=2) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM outbox").fetchone()[0])  # type: ignore[index]
    except psycopg.OperationalError:
        return None


@pytest.mark.slow
@pytest.mark.parametrize("outage", ["restart", "crash"])
def test_the_database_goes_away_mid_sync_and_the_daemon_finishes_the_work(tmp_path: Path, outage: str) -> None:
    files = _files()
    shared, ref = tmp_path / "shared", tmp_path / "reference"
    shared.mkdir()
    ref.mkdir()
    with running_postgres() as pg, FakeGoogle(rate_limit_per_minute=10**9, latency_ms=5,
                                              answer_latency_ms=25) as fake:
        dsn = pg.new_database()
        cfg = _shared_config(shared, fake, SHARED_CAL, dsn)
        d = _instance(cfg, 0)
        try:
            spawn(d)
            for k, (name, text) in enumerate(files):
                drop_file(shared / "var" / "inbox", name, text, k)
            # The outage comes while calendar work is in flight: after the first batch, well before the last.
            wait_until(lambda: len(live_events(fake, SHARED_CAL)) > 0, timeout=60, interval=0.002,
                       what="a batch applied")
            if outage == "restart":
                pg.stop()
            else:
                pg.kill()
            during = len(live_events(fake, SHARED_CAL))
            time.sleep(2.0)  # the daemon meets the outage: its lease and its units of work fail
            assert d.proc is not None and d.proc.poll() is None, d.log[-4000:]  # still running
            pg.start()
            wait_until(lambda: _outbox(dsn) == 0 and not list((shared / "var" / "inbox").glob("*.csv")),
                       timeout=120, interval=0.2, what="the outbox drained after the outage")
            clean_stop(d)
        finally:
            d.close()
        got, want = live_events(fake, SHARED_CAL), reference_events(ref, fake, REFERENCE_CAL, files, FAST_SYNC)
        with psycopg.connect(dsn, autocommit=True) as conn:
            processed = conn.execute("SELECT COUNT(*), COUNT(DISTINCT checksum) FROM files "
                                     "WHERE status = 'processed'").fetchall()
            triggers = conn.execute("SELECT COUNT(*) FROM triggers").fetchall()

    assert 0 < during < len(want)  # the outage came mid-sync
    assert len(want) >= FILES * MATTERS
    assert set(got) == set(want), sorted(set(got) ^ set(want))  # 0 lost, 0 extra
    assert {i: shape(e) for i, e in got.items()} == {i: shape(e) for i, e in want.items()}
    keys = [docketd_key(e) for e in got.values()]
    assert len(keys) == len(set(keys))  # 0 duplicated
    assert sorted(p.name for p in (shared / "var" / "processed").iterdir()) == sorted(n for n, _ in files)
    assert processed == [(FILES, FILES)] and triggers == [(FILES * MATTERS,)]
    assert "Traceback" not in d.log, d.log[-6000:]
