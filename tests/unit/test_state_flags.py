"""The one flag upsert (issue 14, "One state layer": daemon/state/flags.py is the only INSERT INTO flags).

Each mode is what a raiser relied on when it wrote its own statement: a situation still there is raised
again (the dispatcher's drift/auth/sync-failed, the mass-delete guard, the cross-matter flags); a
per-deadline flag recomputed every day keeps its acknowledgement (Docket._write); a rule change is a new
fact with a new time (docs/flags.md, rule-change); a court-mail flag is raised once (insert only).
"""

from __future__ import annotations

from daemon.state import flags
from daemon.state.handle import Db
from daemon.state.store import Store


def _raise(db: Db, **kw: object) -> None:
    args: dict[str, object] = {"scope": "m|k", "kind": "due-soon", "severity": "warning", "message": "first",
                               "action": "act", "matter": "m", "stamp": "2026-03-02T09:00:00"}
    args.update(kw)
    flags.upsert(db, **args)  # type: ignore[arg-type]  # keyword values vary by test


def _only(store: Store) -> flags.FlagRow:
    rows = flags.flag_rows(store.db, include_acked=True)
    assert len(rows) == 1
    return rows[0]


def test_upsert_raises_again_and_keeps_created_at(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        _raise(db)
        flags.ack_flags(db, [_only(store).id], "pat", "2026-03-02T10:00:00")
        _raise(db, severity="critical", message="second", action="act2", stamp="2026-03-03T09:00:00")
    row = _only(store)
    assert (row.severity, row.message, row.action) == ("critical", "second", "act2")
    assert (row.acked_at, row.acked_by) == (None, None)
    assert row.created_at == "2026-03-02T09:00:00"


def test_upsert_without_reraise_keeps_the_acknowledgement(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        _raise(db)
        flags.ack_flags(db, [_only(store).id], "pat", "2026-03-02T10:00:00")
        _raise(db, message="same fact, new words", reraise=False)
    row = _only(store)
    assert row.message == "same fact, new words"
    assert (row.acked_at, row.acked_by) == ("2026-03-02T10:00:00", "pat")


def test_restamp_moves_created_at(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        _raise(db, kind="rule-change")
        _raise(db, kind="rule-change", stamp="2026-04-01T09:00:00", restamp=True)
    assert _only(store).created_at == "2026-04-01T09:00:00"


def test_add_never_touches_a_stored_flag(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        flags.add(db, scope="review:1", kind="notice-review", severity="warning", message="first", action="a",
                  matter=None, stamp="2026-03-02T09:00:00")
        flags.ack_flags(db, [_only(store).id], "pat", "2026-03-02T10:00:00")
        flags.add(db, scope="review:1", kind="notice-review", severity="critical", message="second",
                  action="b", matter=None, stamp="2026-03-03T09:00:00")
    row = _only(store)
    assert (row.severity, row.message, row.acked_by) == ("warning", "first", "pat")


def test_delete_kind_drops_only_that_flag(state_store: Store) -> None:
    store = state_store
    with store.transaction() as db:
        _raise(db)
        _raise(db, kind="missed")
        flags.delete_kind(db, "m|k", "due-soon")
    assert _only(store).kind == "missed"
