"""Failover time (issue 16): three `docketd run` on one PostgreSQL, kill -9 the leader, time until another leads.

The default lease (15 s, renewed every 5 s) is used, as in production: the promise measured is "another
instance takes over within 30 s". The clock starts at the SIGKILL and stops when the lease row names a
live instance other than the killed one (polled every 0.1 s). A new instance replaces each killed one.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

from tests.e2e.daemon_proc import write_config
from tests.integration.pg_server import running_postgres


def _leader_pid(dsn: str) -> int | None:
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            row = conn.execute("SELECT holder FROM leadership WHERE id = 1 AND expires > now()").fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return int(str(row[0]).split(":")[-2]) if row and row[0] else None


def _wait(predicate: object, timeout: float) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if callable(predicate) and predicate():
            return
        time.sleep(0.1)
    raise RuntimeError(f"no leader change within {timeout} s")


def run(kills: int) -> list[float]:
    """Seconds from each SIGKILL of the leader to another instance leading."""
    seconds: list[float] = []
    with running_postgres() as server, tempfile.TemporaryDirectory(prefix="docketd-failover-") as tmp:
        dsn = server.new_database("failover")
        cfg = write_config(Path(tmp), f'[state]\nurl = "{dsn}"\n')
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        procs: list[subprocess.Popen[bytes]] = []

        def spawn() -> None:
            log = (Path(tmp) / f"daemon-{len(procs)}.log").open("ab")
            procs.append(subprocess.Popen([sys.executable, "-m", "daemon.cli", "--config", str(cfg), "run"],
                                          cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT))

        try:
            for _ in range(3):
                spawn()
            _wait(lambda: _leader_pid(dsn) is not None, 120)
            for _ in range(kills):
                pid = _leader_pid(dsn)
                leader = next(p for p in procs if p.pid == pid)
                t0 = time.monotonic()
                leader.kill()
                leader.wait()
                _wait(lambda: _leader_pid(dsn) not in (None, pid), 120)  # noqa: B023
                seconds.append(time.monotonic() - t0)
                spawn()
                time.sleep(1.0)  # the new instance starts; the next kill lands at another point of the cycle
        finally:
            for p in procs:
                if p.poll() is None:
                    p.terminate()
            for p in procs:
                try:
                    p.wait(30)
                except subprocess.TimeoutExpired:
                    p.kill()
    return seconds
