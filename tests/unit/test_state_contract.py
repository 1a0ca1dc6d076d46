"""The state layer's contract, held on both backends (issue 16): what the docket, the dispatcher and the
inbox rely on from daemon/state, run on SQLite and on PostgreSQL by the `state_store` fixture.

Plus what only PostgreSQL needs: two instances creating the schema at once both come up (the advisory lock
of daemon/state/pg.py), and a busy row surfaces as one of store_operational_errors(), which callers retry.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import psycopg
import pytest

from daemon.models import Deadline, RemoteRef, TriggerEvent
from daemon.serial import deadline_to_dict
from daemon.state import deadlines, files, flags, kv, outbox, sync_state, triggers
from daemon.state.handle import store_operational_errors
from daemon.state.pg import translate
from daemon.state.store import SCHEMA_VERSION, Store
from daemon.state.trouble import storage_trouble
from tests.e2e.daemon_proc import wait_until

STAMP = "2026-03-02T09:00:00"


def _deadline(matter: str, rule: str, due: date, critical: bool = True) -> Deadline:
    trigger = TriggerEvent(matter, "complaint-served", date(2026, 3, 2), ref="r1")
    return Deadline(matter, rule, f"Answer {rule}", due, "cand", "FRCP 12", trigger, ("step",), critical=critical)


def test_outbox_enqueue_claim_done_retry_dead(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        outbox.enqueue(db, "cal-a", "u1", "2024-0001|r1", "upsert", '{"_hash": "h1"}', STAMP)
        outbox.enqueue(db, "cal-a", "u2", "2024-0001|r2", "upsert", '{"_hash": "h2"}', STAMP)
        outbox.enqueue(db, "cal-b", "u3", "2024-0002|r1", "delete", "", STAMP)
        outbox.enqueue_if_idle(db, "cal-a", "u1", "2024-0001|r1", '{"_hash": "other"}', STAMP)  # one waits
    due = store.pending("cal-a", due_by=0.0)
    assert [(r.uid, r.op, r.entry) for r in due] == [("u1", "upsert", {"_hash": "h1"}),
                                                     ("u2", "upsert", {"_hash": "h2"})]
    assert store.pending(limit=1)[0].uid == "u1"
    assert store.outbox_counts() == {"cal-a": {"pending": 2, "failed": 0}, "cal-b": {"pending": 1, "failed": 0}}
    first, second = due
    with store.transaction() as db:
        outbox.enqueue(db, "cal-a", "u2", "2024-0001|r2", "upsert", '{"_hash": "h2b"}', STAMP)  # replaced meanwhile
        outbox.ack(db, first)
        outbox.ack(db, second)  # the replacement stays: another content hash
        outbox.retry(db, store.pending("cal-b")[0].id, 1234.5, "timeout")
    assert [r.entry for r in store.pending("cal-a")] == [{"_hash": "h2b"}]
    assert store.pending("cal-b", due_by=1000.0) == [] and store.next_due_by_target()["cal-b"] == 1234.5
    assert [(e.key, e.attempts, e.last_error) for e in outbox.last_errors(store.db)] == [("2024-0002|r1", 1, "timeout")]
    with store.transaction() as db:
        outbox.dead(db, store.pending("cal-b")[0].id, "gone for good")
    assert store.pending("cal-b") == [] and store.outbox_counts()["cal-b"] == {"pending": 0, "failed": 1}
    assert [w.dead for w in outbox.waiting_ops(store.db, "2024-0002|%")] == [True]
    assert [r.uid for r in store.pending_for_matter("2024-0002")] == ["u3"]
    with store.transaction() as db:
        outbox.revive_dead(db)
    assert [r.attempts for r in store.pending("cal-b", due_by=0.0)] == [0]


def test_sync_rows_are_written_read_and_forgotten(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        outbox.enqueue(db, "cal-a", "u1", "2024-0001|r1", "upsert", '{"_hash": "h1", "changed_at": "c1"}', STAMP)
    row = store.pending()[0]
    with store.transaction() as db:
        sync_state.write(db, "cal-a", row, RemoteRef("remote-1", "etag-1"), "ok", STAMP)
        outbox.ack(db, row)
    got = store.sync_rows("cal-a")["u1"]
    assert (got.remote_id, got.etag, got.hash, got.changed_at) == ("remote-1", "etag-1", "h1", "c1")
    assert store.sync_rows_for_uids("cal-a", ["u1", "nope"]).keys() == {"u1"}
    assert [r.uid for r in store.sync_rows_for_matter("2024-0001")] == ["u1"]
    assert store.sync_rows_for_matter("2024-000") == []  # the key range stops at the matter's own '|'
    assert store.targets() == ["cal-a"] and sync_state.managed_count(store.db, "cal-a") == 1
    with store.transaction() as db:
        sync_state.forget(db, "cal-a", "u1")
    assert store.sync_rows("cal-a") == {}


def test_deadlines_replace_a_matter_and_read_back_by_due_date(state_store: Store) -> None:
    store = state_store
    late, early = _deadline("2024-0001", "b-rule", date(2026, 5, 1)), _deadline("2024-0001", "a-rule", date(2026, 4, 1),
                                                                                critical=False)
    with store.transaction() as db:
        deadlines.replace_matter(db, "2024-0001", [(late, deadline_to_dict(late)), (early, deadline_to_dict(early))],
                                 STAMP)
        deadlines.replace_matter(db, "2024-0001", [(late, deadline_to_dict(late)), (early, deadline_to_dict(early))],
                                 STAMP)  # again: replaced, not doubled
    assert [d.rule for d in deadlines.load_deadlines(store.db)] == ["a-rule", "b-rule"]
    rows = deadlines.load_deadline_rows(store.db)
    assert [(r.title, r.critical) for r in rows] == [("Answer a-rule", False), ("Answer b-rule", True)]
    assert [p["rule"] for p in store.deadlines_for("2024-0001")] == ["a-rule", "b-rule"]
    with store.transaction() as db:
        deadlines.replace_matter(db, "2024-0001", [], STAMP)
    assert store.all_deadlines() == []


def test_triggers_keep_their_order_by_date_and_identity(state_store: Store) -> None:
    store = state_store
    a = TriggerEvent("2024-0001", "served", date(2026, 3, 9), ref="x")
    b = TriggerEvent("2024-0001", "filed", date(2026, 3, 2), ref="y")
    with store.transaction() as db:
        triggers.upsert(db, a, STAMP, source="sheet")
        triggers.upsert(db, b, STAMP, source="sheet")
        triggers.upsert(db, b, "2026-03-03T09:00:00", source="sheet")  # a correction replaces it
    assert [r.event for _, r in triggers.trigger_rows(store.db, None)] == ["filed", "served"]
    assert len(triggers.by_source(store.db, "sheet")) == 2


def test_files_by_checksum_and_kv(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        files.record(db, checksum="sha-1", name="a.csv", stamp=STAMP, status="processed", rows=2, errors=0)
        kv.put(db, "last_digest", "2026-03-02")
        kv.put(db, "last_digest", "2026-03-03")
        kv.put(db, "100%", "literal % survives")
        kv.save_busy_days(db, "jdoe@firm.com", [date(2026, 3, 4)], STAMP)
    assert files.seen(store.db, "sha-1") == ("processed", STAMP) and files.seen(store.db, "sha-2") is None
    assert store.get_kv("last_digest") == "2026-03-03" and store.get_kv("100%") == "literal % survives"
    assert kv.busy_days(store.db) == {"jdoe@firm.com": {date(2026, 3, 4)}}
    with store.transaction() as db:
        assert not kv.save_busy_days(db, "jdoe@firm.com", [date(2026, 3, 4)], STAMP)
        store.drop_kv(db, "last_digest")
    assert store.get_kv("last_digest") is None


def test_acknowledging_without_a_stamp_uses_the_database_clock(state_store: Store) -> None:
    with state_store.transaction() as db:
        flags.upsert(db, scope="s", kind="k", severity="warning", message="m", action="a", matter=None, stamp=STAMP)
        assert flags.ack_kind(db, "s", "k", "pat") == 1
        assert flags.ack_kind(db, "s", "k", "pat") == 0
    acked = flags.flag_rows(state_store.db, include_acked=True)[0].acked_at
    assert acked is not None and len(acked) == 19 and acked[10] == " "  # "YYYY-MM-DD HH:MM:SS", as SQLite's


def test_a_failed_transaction_leaves_nothing_behind(state_store: Store) -> None:
    with pytest.raises(RuntimeError), state_store.transaction() as db:
        kv.put(db, "half", "done")
        raise RuntimeError("the work failed midway")
    assert state_store.get_kv("half") is None
    with state_store.transaction() as db:  # and the store is usable again
        kv.put(db, "whole", "done")
    assert state_store.get_kv("whole") == "done"


def test_a_failed_statement_rolls_the_transaction_back(state_store: Store) -> None:
    with pytest.raises(Exception), state_store.transaction() as db:  # noqa: B017, PT011 - each backend's own error
        kv.put(db, "half", "done")
        db.execute("INSERT INTO no_such_table VALUES (1)")
    assert state_store.get_kv("half") is None
    assert state_store.schema_version() == SCHEMA_VERSION


# -- PostgreSQL only -------------------------------------------------------------------------------
def test_two_instances_creating_the_schema_at_once_both_come_up(pg_database: str, tmp_path: Path) -> None:
    stores: list[Store] = []
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def open_one() -> None:
        start.wait()
        try:
            stores.append(Store(tmp_path / "state.db", url=pg_database))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and len(stores) == 4
    assert {s.schema_version() for s in stores} == {SCHEMA_VERSION}
    with stores[0].transaction() as db:
        kv.put(db, "seen", "by all")
    assert {s.get_kv("seen") for s in stores} == {"by all"}
    for s in stores:
        s.close()


def test_a_busy_row_is_store_trouble_that_callers_retry(pg_database: str, tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db", url=pg_database)
    with store.transaction() as db:
        kv.put(db, "k", "1")
    with psycopg.connect(pg_database, autocommit=True) as other, other.transaction():
        other.execute("SELECT * FROM kv WHERE key='k' FOR UPDATE")
        with pytest.raises(store_operational_errors()) as err, store.transaction() as db:
            db.execute("SET LOCAL lock_timeout = '200ms'")
            kv.put(db, "k", "2")
    trouble = storage_trouble(err.value)
    assert trouble is not None and "PostgreSQL state database" in trouble
    with store.transaction() as db:  # the connection is fine afterwards
        kv.put(db, "k", "3")
    assert store.get_kv("k") == "3"
    store.close()


def test_write_transactions_take_turns_as_on_sqlite(pg_database: str, tmp_path: Path) -> None:
    # A read-then-write (kv.get, then kv.put) in two stores at once: the second waits for the first's
    # commit and then reads it, so no update is lost (SQLite's BEGIN IMMEDIATE gives the same).
    first, second = Store(tmp_path / "state.db", url=pg_database), Store(tmp_path / "state.db", url=pg_database)
    with first.transaction() as db:
        kv.put(db, "n", "0")

    def increment(store: Store) -> None:
        with store.transaction() as db:
            kv.put(db, "n", str(int(kv.get(db, "n") or "0") + 1))

    with psycopg.connect(pg_database, autocommit=True) as watcher, first.transaction() as db:
        n = int(kv.get(db, "n") or "0")
        other = threading.Thread(target=increment, args=(second,))
        other.start()
        wait_until(lambda: watcher.execute("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' "
                                           "AND NOT granted").fetchone() == (1,), what="the second writer waiting")
        kv.put(db, "n", str(n + 1))
    other.join()
    assert first.get_kv("n") == "2"
    first.close()
    second.close()


def test_an_unreachable_server_is_a_sentence_without_the_password(tmp_path: Path) -> None:
    from daemon.errors import StoreError

    with pytest.raises(StoreError) as err:
        Store(tmp_path / "state.db", url="postgresql://docketd:hunter2@127.0.0.1:1/docketd")
    text = str(err.value)
    assert "hunter2" not in text and "postgresql://docketd:***@127.0.0.1:1/docketd ([state] url)" in text


@pytest.mark.parametrize(("sql", "pg"), [
    ("SELECT * FROM kv WHERE key=?", "SELECT * FROM kv WHERE key=%s"),
    ("SELECT key FROM kv WHERE key LIKE 'busy:%'", "SELECT key FROM kv WHERE key LIKE 'busy:%%'"),
    ("VALUES (:scope, :stamp) WHERE :overwrite", "VALUES (%(scope)s, %(stamp)s) WHERE %(overwrite)s"),
    ("SELECT 'it''s ?' , ?", "SELECT 'it''s ?' , %s"),
    ("SET acked_at=IFNULL(?, datetime('now'))",
     "SET acked_at=COALESCE(%s, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS'))"),
])
def test_statements_are_translated_for_postgresql(sql: str, pg: str) -> None:
    assert translate(sql) == pg
