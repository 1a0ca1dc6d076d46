"""The contract every calendar connector passes. Subclass `ConnectorContract` and provide fixtures.

A subclass provides:
- `connector` fixture: a fresh, empty calendar's connector;
- `edit_by_hand(connector, uid)`: change the event directly on the server (a person's edit);
- `add_foreign(connector, uid)`: put an event with that identity that docketd did not create
  (return False / skip if the service makes that impossible).
"""

from __future__ import annotations

from datetime import date, time

import pytest

from connectors.base import Connector, EditConflict, NotFound, Op, UnmanagedEvent
from daemon.models import CalendarEntry


def make_entry(key: str = "2026-0142|frcp.answer|summons_served|", day: int = 26, **kw: object) -> CalendarEntry:
    """A typical all-day deadline entry."""
    fields: dict[str, object] = {
        "key": key,
        "summary": "[2026-0142] Answer due — Acme v. Widget (FRCP 12(a)(1)(A)(i))",
        "description": "Served 2026-01-05 (Mon) personally.\n21 days after -> 2026-01-26 (Mon).",
        "start": date(2026, 1, day),
        "reminders_minutes": (10080, 1440),
        "matter": "2026-0142",
        "rule": "frcp.answer",
    }
    fields.update(kw)
    return CalendarEntry(**fields)  # type: ignore[arg-type]


class ConnectorContract:
    """Tests every connector must pass."""

    def edit_by_hand(self, connector: Connector, uid: str) -> None:
        raise NotImplementedError

    def add_foreign(self, connector: Connector, uid: str) -> bool:
        return False

    def test_create_then_get(self, connector: Connector) -> None:
        entry = make_entry()
        ref = connector.create(entry)
        assert ref.remote_id
        got = connector.get(entry.uid)
        assert got is not None
        assert got.start == date(2026, 1, 26)
        assert got.managed and not got.cancelled
        assert "Answer due" in got.summary

    def test_get_missing_is_none(self, connector: Connector) -> None:
        assert connector.get(make_entry(key="nope|x|y|").uid) is None

    def test_create_twice_is_one_event(self, connector: Connector) -> None:
        entry = make_entry()
        connector.create(entry)
        connector.create(entry)
        assert [e.uid for e in connector.list_managed()] == [entry.uid]

    def test_create_converges_existing(self, connector: Connector) -> None:
        connector.create(make_entry(day=26))
        connector.create(make_entry(day=27))
        events = connector.list_managed()
        assert len(events) == 1
        assert events[0].start == date(2026, 1, 27)

    def test_update_moves_event(self, connector: Connector) -> None:
        ref = connector.create(make_entry(day=26))
        ref2 = connector.update(make_entry(day=28), ref)
        got = connector.get(make_entry().uid)
        assert got is not None and got.start == date(2026, 1, 28)
        assert ref2.etag != ref.etag or not ref.etag
        assert len(connector.list_managed()) == 1

    def test_update_reapply_is_idempotent(self, connector: Connector) -> None:
        ref = connector.create(make_entry(day=26))
        ref2 = connector.update(make_entry(day=28), ref)
        ref3 = connector.update(make_entry(day=28), ref2)
        assert len(connector.list_managed()) == 1
        got = connector.get(make_entry().uid)
        assert got is not None and got.start == date(2026, 1, 28)
        assert ref3.remote_id == ref.remote_id

    def test_update_after_hand_edit_conflicts(self, connector: Connector) -> None:
        entry = make_entry()
        ref = connector.create(entry)
        self.edit_by_hand(connector, entry.uid)
        with pytest.raises(EditConflict) as info:
            connector.update(make_entry(day=28), ref)
        assert info.value.current is not None

    def test_forced_update_overwrites_hand_edit(self, connector: Connector) -> None:
        entry = make_entry()
        ref = connector.create(entry)
        self.edit_by_hand(connector, entry.uid)
        connector.update(make_entry(day=28), ref, force=True)
        got = connector.get(entry.uid)
        assert got is not None and got.start == date(2026, 1, 28)

    def test_update_missing_raises_not_found(self, connector: Connector) -> None:
        entry = make_entry()
        ref = connector.create(entry)
        connector.delete(entry.uid, ref)
        with pytest.raises((NotFound, EditConflict)):
            connector.update(make_entry(day=28), ref)

    def test_delete_and_delete_again(self, connector: Connector) -> None:
        entry = make_entry()
        ref = connector.create(entry)
        connector.delete(entry.uid, ref)
        got = connector.get(entry.uid)
        assert got is None or got.cancelled
        connector.delete(entry.uid, ref)  # already gone is success
        assert connector.list_managed() == [] or all(e.cancelled for e in connector.list_managed())

    def test_recreate_after_delete(self, connector: Connector) -> None:
        entry = make_entry()
        ref = connector.create(entry)
        connector.delete(entry.uid, ref)
        connector.create(make_entry(day=27))
        live = [e for e in connector.list_managed() if not e.cancelled]
        assert len(live) == 1 and live[0].start == date(2026, 1, 27)

    def test_timed_event(self, connector: Connector) -> None:
        entry = make_entry(key="2026-0142|hearing|motion_hearing|", start_time=time(9, 0),
                           duration_minutes=60, timezone="America/Los_Angeles")
        connector.create(entry)
        got = connector.get(entry.uid)
        assert got is not None
        assert got.start == entry.start
        assert got.start_time == time(9, 0)

    def test_foreign_events_are_not_touched(self, connector: Connector) -> None:
        entry = make_entry(key="foreign|x|y|")
        if not self.add_foreign(connector, entry.uid):
            pytest.skip("this service cannot hold a foreign event with docketd's identity")
        assert entry.uid not in [e.uid for e in connector.list_managed()]
        with pytest.raises(UnmanagedEvent):
            connector.delete(entry.uid, None)

    def test_apply_batch(self, connector: Connector) -> None:
        entries = [make_entry(key=f"M-{i}|frcp.answer|summons_served|", day=1 + i) for i in range(7)]
        results = connector.apply([Op("create", e.uid, e) for e in entries])
        assert all(r.error is None and r.ref for r in results)
        assert sorted(e.uid for e in connector.list_managed()) == sorted(e.uid for e in entries)
        refs = {r.op.uid: r.ref for r in results}
        results = connector.apply(
            [Op("delete", e.uid, None, refs[e.uid]) for e in entries[:3]]
            + [Op("update", e.uid, make_entry(key=e.key, day=20), refs[e.uid]) for e in entries[3:]]
        )
        assert all(r.error is None for r in results)
        live = [e for e in connector.list_managed() if not e.cancelled]
        assert len(live) == 4 and all(e.start == date(2026, 1, 20) for e in live)
