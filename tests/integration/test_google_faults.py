"""The Google connector under throttling, 5xx, timeouts and resets: every deadline lands exactly once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from connectors.base import ConnectorContext, Op, OpResult, PermanentError, TransientError
from connectors.google.calendar import GoogleConnector
from connectors.google.http import QuotaWait, Throttle
from daemon.models import CalendarEntry, RemoteRef
from tests.contract.connector_contract import make_entry
from tests.fakes.google_calendar import FakeGoogle
from tests.fakes.google_keys import service_account_section

CAL = "jdoe@firm.com"


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(rate_limit_per_minute=100_000) as server:
        server.hang_seconds = 0.8  # longer than the client waits: the answer is lost, the work done
        yield server


def connect(fake: FakeGoogle, tmp_path: Path, **overrides: object) -> GoogleConnector:
    section = service_account_section(fake, tmp_path, timeout_seconds=0.5, **overrides)
    return GoogleConnector.from_config("jdoe-google", section, ConnectorContext(str(tmp_path)))


def live(fake: FakeGoogle) -> list[dict[str, object]]:
    return [e for e in fake.events(CAL) if e["status"] != "cancelled"]


@pytest.mark.parametrize("fault", ["429", "403", "500", "503", "timeout", "reset"])
def test_each_transient_fault_is_retried_to_one_event(fake: FakeGoogle, tmp_path: Path, fault: str) -> None:
    conn = connect(fake, tmp_path)
    fake.inject(fault, fault)
    ref = conn.create(make_entry())
    assert ref.remote_id == make_entry().uid
    assert len(fake.events(CAL)) == 1
    fake.inject(fault)
    conn.update(make_entry(day=27), ref)
    fake.inject(fault)
    conn.delete(make_entry().uid, None)
    assert live(fake) == []


def test_persistent_throttling_gives_up_in_time_and_keeps_the_op(fake: FakeGoogle, tmp_path: Path) -> None:
    fake.rate_limit_per_minute = 6
    conn = connect(fake, tmp_path, retry_budget_seconds=0.5)
    entries = [make_entry(key=f"M-{i}|r|e|") for i in range(10)]
    results = conn.apply([Op("create", e.uid, e) for e in entries])
    ok = [r for r in results if r.error is None]
    assert ok and len(ok) < 10
    assert all(isinstance(r.error, TransientError) for r in results if r.error is not None)
    assert "will retry" in str(next(r.error for r in results if r.error)) or "queued" in str(
        next(r.error for r in results if r.error))
    assert len(fake.events(CAL)) == len(ok)


def test_a_request_google_rejects_is_permanent_not_retried(fake: FakeGoogle, tmp_path: Path) -> None:
    conn = connect(fake, tmp_path)
    bad = make_entry(start_time=time(9, 0), timezone="America/Atlantis")  # a court with a mistyped zone
    results = conn.apply([Op("create", bad.uid, bad)])
    assert isinstance(results[0].error, PermanentError)
    assert "rejected" in str(results[0].error)
    assert sum(1 for m, _, s in fake.calls if m == "POST") <= 2  # the batch part, then one careful try


def _fake_clock() -> tuple[list[float], list[float], Callable[[float], None]]:
    """A clock the throttle reads (now[0]) and a sleep that records each wait and moves it on."""
    now = [0.0]
    slept: list[float] = []

    def sleep(s: float) -> None:
        slept.append(s)
        now[0] += s

    return now, slept, sleep


def test_throttle_keeps_to_the_per_minute_quota() -> None:
    now, slept, sleep = _fake_clock()
    throttle = Throttle(3, clock=lambda: now[0], sleep=sleep)
    for _ in range(3):
        throttle.acquire(deadline=100.0)
    assert slept == []
    throttle.acquire(deadline=100.0)
    assert slept == [60.0]
    single = Throttle(1, clock=lambda: now[0], sleep=sleep)
    single.acquire(deadline=now[0] + 100)
    with pytest.raises(TransientError) as info:
        single.acquire(deadline=now[0] + 10)  # the next slot is 60 s away: give up, say when
    assert info.value.retry_after == pytest.approx(60.0)


def test_a_batchs_quota_slots_are_taken_all_or_none_and_counted_from_the_answer() -> None:
    now, slept, sleep = _fake_clock()
    throttle = Throttle(5, clock=lambda: now[0], sleep=sleep)
    first = throttle.acquire(deadline=100.0, count=3)
    now[0] = 2.0
    throttle.stamp(first)  # the answer came at 2 s: Google counted these calls no earlier
    with pytest.raises(QuotaWait) as info:
        throttle.acquire(deadline=30.0, count=3)  # only 2 free; the 3rd frees at 62 s, past the deadline
    assert info.value.retry_after == pytest.approx(60.0)
    throttle.acquire(deadline=30.0, count=2)  # the refused batch took nothing
    assert slept == []
    throttle.acquire(deadline=100.0, count=1)
    assert slept == [pytest.approx(60.0)]  # until 62 s, when the stamped slots leave the window


def test_parts_google_refuses_for_the_quota_go_back_batched_not_one_by_one(fake: FakeGoogle,
                                                                           tmp_path: Path) -> None:
    # make bench at 16x (1,600 entries per person, 600 calls a minute): every batch part refused for the
    # quota was sent again on its own, each a request and a quota slot: 344 single inserts beside 179 batches.
    fake.rate_limit_per_minute = 5
    conn = connect(fake, tmp_path, retry_budget_seconds=2)
    entries = [make_entry(key=f"M-{i}|r|e|") for i in range(30)]
    results = conn.apply([Op("create", e.uid, e) for e in entries])
    assert fake.batch_count == 1
    assert sum(1 for m, _, _ in fake.calls if m == "POST") == 30  # each part once; no single tries
    assert len(fake.events(CAL)) == 5 == sum(1 for r in results if r.error is None)
    assert all(isinstance(r.error, TransientError) for r in results if r.error is not None)


def drain(conn: GoogleConnector, ops: list[Op], refs: dict[str, RemoteRef]) -> int:
    """Run ops the way the dispatcher does: keep transient failures queued and try again."""
    passes = 0
    while ops:
        passes += 1
        assert passes < 200, f"{len(ops)} ops never settled"
        results: list[OpResult] = conn.apply(ops[:100])
        retry: list[Op] = []
        for result in results:
            if result.error is None:
                if result.ref is not None:
                    refs[result.op.uid] = result.ref
            else:
                assert isinstance(result.error, TransientError), result.error
                retry.append(result.op)
        ops = retry + ops[100:]
    return passes


@pytest.mark.slow
def test_500_deadlines_with_30_percent_faults_land_exactly_once(fake: FakeGoogle, tmp_path: Path) -> None:
    conn = connect(fake, tmp_path, retry_budget_seconds=5)
    fake.fail_rate(0.3, seed=4)
    entries = [make_entry(key=f"2026-{i:04d}|frcp.answer|summons_served|", day=1) for i in range(500)]
    entries = [CalendarEntry(**{**e.__dict__, "start": date(2026, 1, 1) + timedelta(days=i % 200)})
               for i, e in enumerate(entries)]
    refs: dict[str, RemoteRef] = {}
    drain(conn, [Op("create", e.uid, e) for e in entries], refs)
    # Facts change: 100 dates move, 50 matters close; still under the same faults.
    moved = {e.uid: CalendarEntry(**{**e.__dict__, "start": e.start + timedelta(days=3)}) for e in entries[:100]}
    drain(conn, [Op("update", uid, entry, refs[uid]) for uid, entry in moved.items()], refs)
    gone = {e.uid for e in entries[100:150]}
    drain(conn, [Op("delete", uid, None, refs[uid]) for uid in gone], refs)
    fake.fail_rate(0.0)
    assert sum(1 for _, _, status in fake.calls if status in (403, 429, 500, 503)) > 100  # faults did happen

    stored = fake.events(CAL)
    assert len(stored) == 500  # one event per deadline id, ever
    keys = [e["extendedProperties"]["private"]["docketdKey"] for e in stored if e["status"] != "cancelled"]
    assert len(keys) == len(set(keys)) == 450
    by_id = {e["id"]: e for e in stored}
    for entry in entries:
        ev = by_id[entry.uid]
        if entry.uid in gone:
            assert ev["status"] == "cancelled"
            continue
        want = moved.get(entry.uid, entry).start.isoformat()
        assert ev["status"] == "confirmed" and ev["start"] == {"date": want}, entry.key
    assert sorted(e.uid for e in conn.list_managed()) == sorted(e.uid for e in entries if e.uid not in gone)
