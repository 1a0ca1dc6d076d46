"""Identity and safety against the Calendar v3 fake: exactly one event per deadline, foreign events untouched."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from connectors.base import ConnectorContext, EditConflict, NotFound, Op, UnmanagedEvent
from connectors.google.calendar import GoogleConnector
from daemon.models import RemoteRef
from tests.contract.connector_contract import make_entry
from tests.fakes.google_calendar import FakeGoogle
from tests.fakes.google_keys import service_account_section

CAL = "jdoe@firm.com"
STALE = RemoteRef("abcdefabcdef", '"1"')


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(rate_limit_per_minute=100_000) as server:
        yield server


@pytest.fixture
def conn(fake: FakeGoogle, tmp_path: Path) -> Iterator[GoogleConnector]:
    c = GoogleConnector.from_config("jdoe-google", service_account_section(fake, tmp_path),
                                    ConnectorContext(str(tmp_path)))
    yield c
    c.close()


def writes(fake: FakeGoogle, method: str) -> int:
    return sum(1 for m, _, status in fake.calls if m == method and status < 300)


def test_a_cancelled_event_comes_back_by_patching_its_status(fake: FakeGoogle, conn: GoogleConnector) -> None:
    entry = make_entry()
    ref = conn.create(entry)
    conn.delete(entry.uid, ref)
    assert fake.event(CAL, entry.uid)["status"] == "cancelled"  # type: ignore[index]
    conn.create(make_entry(day=27))
    events = fake.events(CAL)
    assert len(events) == 1 and events[0]["status"] == "confirmed"
    assert events[0]["start"] == {"date": "2026-01-27"}
    assert writes(fake, "POST") == 1 and writes(fake, "PATCH") == 1
    assert [s for m, _, s in fake.calls if m == "POST"] == [200, 409]


def test_recreating_an_unchanged_event_writes_nothing(fake: FakeGoogle, conn: GoogleConnector) -> None:
    conn.create(make_entry())
    before = fake.write_count
    conn.create(make_entry())
    assert fake.write_count == before  # 409, then a GET shows it is already right


def test_a_lost_patch_answer_is_recognised_not_flagged(fake: FakeGoogle, conn: GoogleConnector) -> None:
    ref = conn.create(make_entry(day=26))
    conn.update(make_entry(day=28), ref)  # lands; suppose docketd never heard back and kept the old ref
    ref3 = conn.update(make_entry(day=28), ref)  # 412 -> the event already shows this -> success
    assert ref3.etag == fake.event(CAL, make_entry().uid)["etag"]  # type: ignore[index]


def test_a_hand_edit_is_a_conflict_carrying_what_the_person_did(fake: FakeGoogle, conn: GoogleConnector) -> None:
    entry = make_entry()
    ref = conn.create(entry)
    fake.edit_by_hand(CAL, entry.uid, start={"date": "2026-01-30"}, end={"date": "2026-01-31"})
    with pytest.raises(EditConflict) as info:
        conn.update(make_entry(day=28), ref)
    assert info.value.current is not None and info.value.current.start == date(2026, 1, 30)
    assert "changed" in str(info.value)
    conn.update(make_entry(day=28), ref, force=True)  # the "restore" policy
    assert fake.event(CAL, entry.uid)["start"] == {"date": "2026-01-28"}  # type: ignore[index]


def test_a_hand_deleted_event_is_a_conflict_then_restored(fake: FakeGoogle, conn: GoogleConnector) -> None:
    entry = make_entry()
    ref = conn.create(entry)
    fake.edit_by_hand(CAL, entry.uid, status="cancelled")
    with pytest.raises(EditConflict, match="deleted"):
        conn.update(make_entry(day=28), ref)
    conn.update(make_entry(day=28), ref, force=True)
    ev = fake.event(CAL, entry.uid)
    assert ev is not None and ev["status"] == "confirmed" and ev["start"] == {"date": "2026-01-28"}
    assert len(fake.events(CAL)) == 1


def test_forced_update_of_a_missing_event_is_not_found(conn: GoogleConnector) -> None:
    with pytest.raises(NotFound):
        conn.update(make_entry(key="never|x|y|"), STALE, force=True)


def test_foreign_event_with_our_id_is_never_overwritten_or_deleted(fake: FakeGoogle,
                                                                  conn: GoogleConnector) -> None:
    entry = make_entry()
    fake.put_event(CAL, {"id": entry.uid, "summary": "Lunch", "start": {"date": "2026-01-01"},
                         "end": {"date": "2026-01-02"}})
    with pytest.raises(UnmanagedEvent):
        conn.create(entry)
    results = conn.apply([Op("delete", entry.uid), Op("create", entry.uid, entry),
                          Op("update", entry.uid, entry, STALE, force=True)])
    assert all(isinstance(r.error, UnmanagedEvent) for r in results)
    assert fake.event(CAL, entry.uid)["summary"] == "Lunch"  # type: ignore[index]
    assert conn.list_managed() == []


def test_batched_updates_and_conflicts_are_reported_per_op(fake: FakeGoogle, conn: GoogleConnector) -> None:
    entries = [make_entry(key=f"M-{i}|r|e|") for i in range(5)]
    refs = {r.op.uid: r.ref for r in conn.apply([Op("create", e.uid, e) for e in entries])}
    fake.edit_by_hand(CAL, entries[0].uid, summary="moved by Pat")
    batches = fake.batch_count
    results = conn.apply([Op("update", e.uid, make_entry(key=e.key, day=20), refs[e.uid]) for e in entries])
    assert fake.batch_count == batches + 1
    assert isinstance(results[0].error, EditConflict)
    assert all(r.error is None for r in results[1:])
    deletes = conn.apply([Op("delete", e.uid, None, refs[e.uid]) for e in entries])
    assert all(r.error is None for r in deletes)
    assert conn.list_managed() == []


def test_an_update_without_an_etag_never_overwrites_a_hand_edit(fake: FakeGoogle, conn: GoogleConnector) -> None:
    entry = make_entry()
    ref = conn.create(entry)
    assert conn.update(entry, RemoteRef(ref.remote_id, "")).etag == ref.etag  # already right: no write
    fake.edit_by_hand(CAL, entry.uid, summary="moved by Pat")
    with pytest.raises(EditConflict):
        conn.update(make_entry(day=28), RemoteRef(ref.remote_id, ""))
    results = conn.apply([Op("update", entry.uid, make_entry(day=28), RemoteRef(ref.remote_id, ""))])
    assert isinstance(results[0].error, EditConflict)
    assert fake.event(CAL, entry.uid)["summary"] == "moved by Pat"  # type: ignore[index]
