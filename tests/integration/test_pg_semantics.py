"""The PostgreSQL behaviours docs/several-instances-design.md builds on, checked on the real server.

These tables are the design note's sketch, not docketd's schema: the point is to pin down, before the
state backend is written, that the database does what the design assumes.
- PostgreSQL 15 manual, INSERT, "ON CONFLICT Clause": DO NOTHING avoids inserting a row as its
  alternative action; a conflicting row inserted by a transaction still in progress is waited for
  (speculative insertion, commit 168d5805 "Add support for INSERT ... ON CONFLICT DO NOTHING/UPDATE").
- PostgreSQL 15 manual, SELECT, "The Locking Clause": FOR UPDATE/FOR SHARE lock rows until the end of
  the transaction; SKIP LOCKED skips rows that cannot be locked at once ("queue-like tables").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg
import pytest

SCHEMA = """
CREATE TABLE files (checksum text PRIMARY KEY, claimed_by text NOT NULL);
CREATE TABLE leadership (
    id smallint PRIMARY KEY CHECK (id = 1),
    term bigint NOT NULL,
    holder text NOT NULL,
    expires timestamptz NOT NULL
);
INSERT INTO leadership VALUES (1, 0, '', '-infinity');
CREATE TABLE outbox (id serial PRIMARY KEY, claimed_term bigint);
"""

CLAIM_FILE = "INSERT INTO files VALUES (%s, %s) ON CONFLICT (checksum) DO NOTHING RETURNING claimed_by"
TAKE_OVER = """UPDATE leadership SET term = term + 1, holder = %s, expires = now() + interval '15 seconds'
               WHERE id = 1 AND expires < now() RETURNING term"""
CONFIRM_LEASE = "SELECT term FROM leadership WHERE id = 1 AND holder = %s AND term = %s AND expires > now() FOR SHARE"


@pytest.fixture
def dsn(pg_database: str) -> str:
    """A fresh database with the design note's sketch tables."""
    with psycopg.connect(pg_database) as conn:
        conn.execute(SCHEMA)
    return pg_database


def _in_thread(work: Callable[[], object]) -> tuple[threading.Thread, list[object]]:
    result: list[object] = []
    thread = threading.Thread(target=lambda: result.append(work()), daemon=True)
    thread.start()
    return thread, result


def _wait_until_blocked_on_a_lock(dsn: str, thread: threading.Thread) -> None:
    """Wait until some other backend waits on a lock (the thread's statement); fail if the thread ends first."""
    with psycopg.connect(dsn, autocommit=True) as watcher:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            waiting = watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"
                                      " AND datname = current_database() AND pid <> pg_backend_pid()").fetchone()
            if waiting and waiting[0] > 0:
                return
            assert thread.is_alive(), "the second statement finished instead of waiting for the first transaction"
            time.sleep(0.02)
    raise AssertionError("the second statement never waited on a lock")


@pytest.mark.parametrize("first_ends_with", ["commit", "rollback"])
def test_a_file_claim_waits_for_the_first_claimer_and_goes_to_whoever_commits(dsn: str, first_ends_with: str) -> None:
    """ON CONFLICT DO NOTHING: instance B's claim of a checksum A holds uncommitted waits, then gets nothing if A
    committed, or the claim if A rolled back (crashed mid-ingest) - so each file is ingested exactly once."""
    a = psycopg.connect(dsn)
    try:
        assert a.execute(CLAIM_FILE, ("sha256:f1", "A")).fetchall() == [("A",)]

        def claim_by_b() -> list[tuple[object, ...]]:
            with psycopg.connect(dsn) as b:
                return b.execute(CLAIM_FILE, ("sha256:f1", "B")).fetchall()

        thread, result = _in_thread(claim_by_b)
        _wait_until_blocked_on_a_lock(dsn, thread)
        if first_ends_with == "commit":
            a.commit()
        else:
            a.rollback()
        thread.join(timeout=30)
        assert result == ([[]] if first_ends_with == "commit" else [[("B",)]])
    finally:
        a.close()
    with psycopg.connect(dsn) as conn:
        owner = "A" if first_ends_with == "commit" else "B"
        assert conn.execute("SELECT checksum, claimed_by FROM files").fetchall() == [("sha256:f1", owner)]


def test_a_takeover_waits_for_the_leaders_fenced_transaction_and_then_fences_it_out(dsn: str) -> None:
    """The leader's work transaction holds its lease row FOR SHARE: a takeover (after expiry) waits for it to
    commit, raises the term, and from then on the old leader's lease check finds no row."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute(TAKE_OVER, ("A",)).fetchone() == (1,)
        # A short lease, so that it runs out while A's transaction is open (as if A stalled mid-claim).
        conn.execute("UPDATE leadership SET expires = clock_timestamp() + interval '0.5 seconds'")
    leader = psycopg.connect(dsn)
    try:
        assert leader.execute(CONFIRM_LEASE, ("A", 1)).fetchall() == [(1,)]
        leader.execute("INSERT INTO outbox (claimed_term) VALUES (1)")
        with psycopg.connect(dsn, autocommit=True) as clock:
            while clock.execute("SELECT clock_timestamp() < expires FROM leadership").fetchone() == (True,):
                time.sleep(0.05)

        def take_over_by_b() -> object:
            with psycopg.connect(dsn, autocommit=True) as b:
                return b.execute(TAKE_OVER, ("B",)).fetchone()

        thread, result = _in_thread(take_over_by_b)
        _wait_until_blocked_on_a_lock(dsn, thread)
        leader.commit()
        thread.join(timeout=30)
        assert result == [(2,)]
        assert leader.execute(CONFIRM_LEASE, ("A", 1)).fetchall() == []
        leader.rollback()
    finally:
        leader.close()
    with psycopg.connect(dsn) as conn:
        assert conn.execute("SELECT term, holder FROM leadership").fetchone() == (2, "B")
        assert conn.execute("SELECT claimed_term FROM outbox").fetchall() == [(1,)]


def test_skip_locked_claims_give_two_dispatchers_disjoint_outbox_rows(dsn: str) -> None:
    """FOR UPDATE SKIP LOCKED: a second claimer skips rows the first holds instead of waiting or taking them."""
    claim = "SELECT id FROM outbox WHERE claimed_term IS NULL ORDER BY id LIMIT 3 FOR UPDATE SKIP LOCKED"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("INSERT INTO outbox (claimed_term) SELECT NULL FROM generate_series(1, 5)")
    first, second = psycopg.connect(dsn), psycopg.connect(dsn)
    try:
        got_first = [r[0] for r in first.execute(claim).fetchall()]
        got_second = [r[0] for r in second.execute(claim).fetchall()]
        assert got_first == [1, 2, 3] and got_second == [4, 5]
    finally:
        first.close()
        second.close()
