"""The leadership lease in the state layer (issue 16, design: docs/several-instances-design.md), on PostgreSQL.

The state functions; the daemon's use of them is tested in tests/reliability/test_pg_failover.py.
"""

from __future__ import annotations

import threading
from pathlib import Path

import psycopg

from daemon.state import kv, leadership
from daemon.state.store import Store
from tests.e2e.daemon_proc import wait_until


def _stores(dsn: str, tmp: Path, n: int) -> list[Store]:
    return [Store(tmp / "state.db", url=dsn) for _ in range(n)]


def test_one_leader_at_a_time_and_each_change_a_new_term(pg_database: str, tmp_path: Path) -> None:
    a, b = _stores(pg_database, tmp_path, 2)
    assert leadership.current(a.db).holder == "" and leadership.current(a.db).expired
    assert leadership.acquire(a.db, "a") == 1
    assert leadership.acquire(b.db, "b") is None  # a's lease is live
    assert leadership.renew(a.db, "a", 1) and not leadership.renew(b.db, "b", 1)
    lease = leadership.current(b.db)
    assert (lease.term, lease.holder, lease.expired) == (1, "a", False)
    leadership.release(a.db, "a", 1)
    assert leadership.acquire(b.db, "b") == 2
    assert not leadership.renew(a.db, "a", 1)  # the old leader learns it lost the lease
    with a.transaction() as db:
        assert not leadership.confirm(db, "a", 1)
    with b.transaction() as db:
        assert leadership.confirm(db, "b", 2)
    for s in (a, b):
        s.close()


def test_a_lease_not_renewed_runs_out_on_the_database_clock(pg_database: str, tmp_path: Path) -> None:
    a, b = _stores(pg_database, tmp_path, 2)
    assert leadership.acquire(a.db, "a", seconds=0.2) == 1
    wait_until(lambda: leadership.current(b.db).expired, what="the lease to run out")
    assert leadership.acquire(b.db, "b") == 2
    for s in (a, b):
        s.close()


def test_a_takeover_waits_for_the_old_leaders_fenced_transaction(pg_database: str, tmp_path: Path) -> None:
    old, new = _stores(pg_database, tmp_path, 2)
    assert leadership.acquire(old.db, "old", seconds=0.2) == 1
    taken: list[int | None] = []
    with psycopg.connect(pg_database, autocommit=True) as watcher, old.transaction() as db:
        assert leadership.confirm(db, "old", 1)  # the row is now locked FOR SHARE until this commits
        wait_until(lambda: leadership.current(new.db).expired, what="the lease to run out")
        thread = threading.Thread(target=lambda: taken.append(leadership.acquire(new.db, "new")))
        thread.start()
        wait_until(lambda: watcher.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                           "AND datname = current_database()").fetchone() == (1,),
                   what="the takeover waiting on the old leader's transaction")
        kv.put(db, "result", "recorded in term 1")  # the old term's result commits before term 2 begins
    thread.join()
    assert taken == [2]
    assert old.get_kv("result") == "recorded in term 1"
    with old.transaction() as db:
        assert not leadership.confirm(db, "old", 1)
    for s in (old, new):
        s.close()


def test_heartbeats_list_each_instance_once_and_a_clean_stop_leaves(pg_database: str, tmp_path: Path) -> None:
    a, b = _stores(pg_database, tmp_path, 2)
    leadership.heartbeat(a.db, "h1:10:aa", "h1", 10, "1.0", None)
    leadership.heartbeat(b.db, "h2:20:bb", "h2", 20, "1.0", "the disk is full")
    leadership.heartbeat(a.db, "h1:10:aa", "h1", 10, "1.0", None)  # a second beat updates, never adds
    seen = {i.instance: i for i in leadership.instances(b.db)}
    assert sorted(seen) == ["h1:10:aa", "h2:20:bb"]
    assert (seen["h2:20:bb"].host, seen["h2:20:bb"].pid, seen["h2:20:bb"].problem) == ("h2", 20, "the disk is full")
    assert all(0 <= i.seen_seconds_ago < 60 for i in seen.values())
    leadership.forget_silent(a.db, 3600.0)  # both beat just now: kept
    assert len(leadership.instances(a.db)) == 2
    leadership.leave(a.db, "h1:10:aa")
    assert [i.instance for i in leadership.instances(b.db)] == ["h2:20:bb"]
    assert leadership.acquire(b.db, "h2:20:bb") == 1
    assert leadership.holds(a.db, "h2:20:bb", 1) and not leadership.holds(a.db, "h1:10:aa", 1)
    for s in (a, b):
        s.close()
