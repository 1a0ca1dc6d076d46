"""The pending cross-flag refresh kept in kv: scopes merge, and anything unknown or too large means everything."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from daemon.cross_flags import (
    CROSS_DIRTY,
    MAX_SCOPE_MATTERS,
    CrossScope,
    clear_dirty,
    mark_dirty,
    pending_scope,
)
from daemon.state.store import Store

D1, D2 = date(2026, 3, 2), date(2026, 3, 9)


def test_scopes_merge_until_the_refresh_clears_them(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with store.transaction() as db:
        mark_dirty(db, CrossScope({"A"}, {D1}))
        mark_dirty(db, CrossScope({"B"}, {D2}))
        assert pending_scope(db) == CrossScope({"A", "B"}, {D1, D2})
        clear_dirty(db)
        assert store.get_kv(CROSS_DIRTY) == "0" and pending_scope(db) is None
    store.close()


def test_a_full_refresh_pending_stays_full(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with store.transaction() as db:
        mark_dirty(db, CrossScope({"A"}, {D1}))
        mark_dirty(db, None)
        mark_dirty(db, CrossScope({"B"}, {D2}))
        assert store.get_kv(CROSS_DIRTY) == "1" and pending_scope(db) is None
        clear_dirty(db)
        # Dirty from an older version (no scope kept): everything.
        store.set_kv(db, CROSS_DIRTY, "1")
        mark_dirty(db, CrossScope({"C"}, {D1}))
        assert pending_scope(db) is None
    store.close()


def test_too_many_matters_mean_everything(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    with store.transaction() as db:
        mark_dirty(db, CrossScope({f"M-{i}" for i in range(MAX_SCOPE_MATTERS + 1)}, {D1}))
        assert store.get_kv(CROSS_DIRTY) == "1" and pending_scope(db) is None
    store.close()
