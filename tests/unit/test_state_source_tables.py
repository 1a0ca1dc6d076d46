"""The state functions sources/ calls keep the semantics the inbox and the notice reader rely on (issue 14),
on SQLite and on PostgreSQL (issue 16: the `state_store` fixture of tests/unit/conftest.py).

Source of each behaviour: the module docstrings of daemon/sources/inbox.py (a file's checksum row is
replaced when the file is read again, its move recorded after the commit) and daemon/sources/notices/
review.py (resolving an item acknowledges its flag).
"""

from __future__ import annotations

from daemon.state import files, flags, notices, reviews
from daemon.state.mirrored import source_confirmed
from daemon.state.store import Store


def test_a_file_read_again_replaces_its_record_and_forgets_the_old_move(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        files.record(db, checksum="c1", name="a.csv", stamp="2026-01-05T09:00:00", status="partial", rows=3,
                     errors=1)
        files.set_moved_to(db, "c1", "/rejected/a.csv")
    assert files.seen(store.db, "c1") == ("partial", "2026-01-05T09:00:00")
    with store.transaction() as db:
        files.record(db, checksum="c1", name="a.csv", stamp="2026-01-06T09:00:00", status="processed", rows=3,
                     errors=0)
    row = store.db.execute("SELECT status, errors, moved_to FROM files WHERE checksum='c1'").fetchone()
    assert tuple(row) == ("processed", 0, None)
    assert files.seen(store.db, "unknown") is None


def test_an_unreadable_file_again_keeps_its_first_name_and_takes_the_new_place(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        files.record_unreadable(db, checksum="unreadable:x", name="a.xlsx", stamp="s1", moved_to="/r/a.xlsx")
        files.record_unreadable(db, checksum="unreadable:x", name="b.xlsx", stamp="s2", moved_to="/r/a.1.xlsx")
    row = store.db.execute("SELECT name, received_at, status, moved_to FROM files").fetchone()
    assert tuple(row) == ("a.xlsx", "s2", "rejected", "/r/a.1.xlsx")


def test_resolving_a_review_acknowledges_its_flag_and_settles_its_notice(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        notices.record(db, identity="n1", message_id="m@x", source="inbox", stamp="s", status="review",
                       matters=[], notice={"court": "cand"})
        rid = reviews.open_item(db, notice="n1", matter=None, reason="why", payload={"reasons": ["why"]}, stamp="s")
        flags.add(db, scope=f"review:{rid}", kind="notice-review", severity="warning", message="m", action="a",
                  matter=None, stamp="s")
    assert notices.seen(store.db, "n1") and not notices.seen(store.db, "n2")
    assert reviews.open_for_notice(store.db, "n1") == reviews.items(store.db)[0]
    with store.transaction() as db:
        reviews.resolve(db, rid, "accepted", "Pat", "{}", "t", flag_kind="notice-review")
        notices.settle_by_review(db, rid, "docketed", ["2024-0001"])
    assert reviews.items(store.db) == [] and reviews.open_for_notice(store.db, "n1") is None
    assert [r.status for r in reviews.items(store.db, status=None)] == ["accepted"]
    acked = store.db.execute("SELECT acked_at, acked_by FROM flags WHERE scope=?", (f"review:{rid}",)).fetchone()
    assert tuple(acked) == ("t", "Pat")
    row = store.db.execute("SELECT status, matters FROM notices WHERE identity='n1'").fetchone()
    assert tuple(row) == ("docketed", '["2024-0001"]')


def test_a_source_counts_as_confirmed_only_once_its_vanished_flag_is_acknowledged(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        flags.upsert(db, scope="sheet", kind="source-vanished", severity="critical", message="m", action="a",
                     matter=None, stamp="s")
    assert not source_confirmed(store.db, "sheet")
    with store.transaction() as db:
        db.execute("UPDATE flags SET acked_at='t', acked_by='Pat' WHERE scope='sheet'")
    assert source_confirmed(store.db, "sheet") and not source_confirmed(store.db, "other")
