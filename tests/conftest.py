"""Fixtures shared by every test folder: the throwaway PostgreSQL server (issue 16).

One server per test session (initdb and start cost about two seconds); tests that need isolation take
`pg_database`, a fresh database on it. Tests that stop, kill or restart a server must start their own
with `tests.integration.pg_server.running_postgres()`, never touch the shared one. Without PostgreSQL the
fixtures skip, and fail under CI=true (`make system-deps` installs it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.pg_server import PgServer, running_postgres


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's throwaway PostgreSQL server (do not stop or kill it: other tests share it)."""
    with running_postgres() as server:
        yield server


@pytest.fixture(scope="session")
def pg_dsn(pg_server: PgServer) -> str:
    """The DSN of the shared server's `docketd` database, `postgresql://docketd@127.0.0.1:<port>/docketd`."""
    return pg_server.dsn


@pytest.fixture
def pg_database(pg_server: PgServer) -> str:
    """The DSN of a fresh, empty database on the shared server, for one test."""
    return pg_server.new_database()
