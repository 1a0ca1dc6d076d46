"""The throwaway PostgreSQL server the issue 16 tests stand on: it runs unprivileged, it keeps committed
data across a fast shutdown and across a kill -9, and it drops what was not committed.

What PostgreSQL promises, and these tests check of our fixture:
- PostgreSQL 15 manual, 19.5 "Shutting Down the Server": SIGINT is Fast Shutdown, "the server disallows
  new connections and sends all existing server processes SIGTERM, which will cause them to abort their
  current transactions and exit promptly".
- PostgreSQL 15 manual, 30.3 "Write-Ahead Logging": after a crash the database is recovered by replaying
  the WAL, so committed transactions survive and uncommitted ones do not.
- PostgreSQL 15 manual, 19.1 "The PostgreSQL User Account" / postgres(1): the server refuses to run as root.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.integration.pg_server import PgServer, running_postgres


def _uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for process {pid}")


def test_shared_server_serves_the_docketd_database_as_an_unprivileged_user(pg_server: PgServer, pg_dsn: str) -> None:
    """The session server answers on its DSN, and its processes are not root (postgres(1) refuses root)."""
    assert pg_dsn.startswith("postgresql://docketd@127.0.0.1:") and pg_dsn.endswith("/docketd")
    with psycopg.connect(pg_dsn) as conn:
        user, database = conn.execute("SELECT current_user, current_database()").fetchone() or (None, None)
    assert (user, database) == ("docketd", "docketd")
    assert pg_server.proc is not None
    assert _uid_of(pg_server.proc.pid) != 0


def test_each_pg_database_is_fresh_and_separate(pg_server: PgServer, pg_database: str) -> None:
    """A test's own database starts empty, and what it creates is not seen in another fresh database."""
    with psycopg.connect(pg_database) as conn:
        count = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        assert count == (0,)
        conn.execute("CREATE TABLE mine (n int)")
    other = pg_server.new_database()
    with psycopg.connect(other) as conn:
        assert conn.execute("SELECT to_regclass('public.mine')").fetchone() == (None,)


@pytest.fixture
def own_server() -> Iterator[PgServer]:
    """A private server for stop/kill tests (the shared one must keep running for other tests)."""
    with running_postgres() as server:
        yield server


def _committed_row_and_open_transaction(dsn: str) -> psycopg.Connection[tuple[object, ...]]:
    """Commit one row, then leave a second connection with an uncommitted row; return that connection."""
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TABLE docket (id int PRIMARY KEY, what text)")
        conn.execute("INSERT INTO docket VALUES (1, 'committed')")
    pending = psycopg.connect(dsn)
    pending.execute("INSERT INTO docket VALUES (2, 'never committed')")
    return pending


def _rows(dsn: str) -> list[tuple[object, ...]]:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT id, what FROM docket ORDER BY id").fetchall()


def test_fast_shutdown_and_restart_keep_committed_data_on_the_same_dsn(own_server: PgServer) -> None:
    """19.5: fast shutdown aborts open transactions; after start() the committed row is back on the same DSN."""
    dsn = own_server.dsn
    pending = _committed_row_and_open_transaction(dsn)
    own_server.stop()
    assert not own_server.running
    with pytest.raises(psycopg.OperationalError):
        pending.execute("SELECT 1")
    pending.close()
    own_server.start()
    assert own_server.dsn == dsn
    assert _rows(dsn) == [(1, "committed")]


def test_kill9_and_restart_recover_committed_data_and_drop_the_rest(own_server: PgServer) -> None:
    """30.3: after every server process is SIGKILLed, start() replays the WAL: committed stays, uncommitted goes."""
    dsn = own_server.dsn
    pending = _committed_row_and_open_transaction(dsn)
    assert own_server.proc is not None
    killed = own_server.proc.pid
    own_server.kill()
    assert not own_server.running
    with pytest.raises(psycopg.OperationalError):
        pending.execute("SELECT 1")
    pending.close()
    own_server.start()
    assert own_server.proc is not None and own_server.proc.pid != killed
    assert _rows(dsn) == [(1, "committed")]
    # The recovered server takes writes again (the primary key is free for the row that was lost).
    with psycopg.connect(dsn) as conn:
        conn.execute("INSERT INTO docket VALUES (2, 'after recovery')")
    assert _rows(dsn) == [(1, "committed"), (2, "after recovery")]
