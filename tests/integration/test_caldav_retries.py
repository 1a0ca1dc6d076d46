"""Retries against a real Radicale behind a fault-injecting proxy: throttling, 5xx, lost responses, budget."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from connectors.base import AuthError, Op, TransientError
from connectors.caldav.calendar import CaldavConnector, RetryPolicy, parse_retry_after
from tests.contract.connector_contract import make_entry
from tests.integration.caldav_fault_proxy import Fault, FaultProxy, fault_proxy
from tests.integration.radicale_server import RadicaleServer, radicale  # noqa: F401  (fixture)


class FakeClock:
    """A monotonic clock that only moves when the connector sleeps (so no test waits for real)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def proxy(radicale: RadicaleServer) -> Iterator[FaultProxy]:  # noqa: F811
    with fault_proxy(radicale.base_url) as p:
        yield p


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def connect(radicale: RadicaleServer, proxy: FaultProxy, clock: FakeClock,  # noqa: F811
            password: str | None = None, budget: float = 30.0) -> CaldavConnector:
    url = proxy.url(radicale.make_calendar())
    return CaldavConnector("jdoe-caldav", url, radicale.username, password or radicale.password,
                           retry=RetryPolicy(budget_seconds=budget), sleep=clock.sleep, clock=clock)


def test_throttled_put_waits_for_retry_after(radicale: RadicaleServer, proxy: FaultProxy,  # noqa: F811
                                             clock: FakeClock) -> None:
    conn = connect(radicale, proxy, clock)
    conn.calendar_url()
    proxy.faults += [Fault("PUT", 429, {"Retry-After": "7"}), Fault("PUT", 503, {"Retry-After": "2"})]
    ref = conn.create(make_entry())
    assert clock.sleeps == [7.0, 2.0]
    got = conn.get(make_entry().uid)
    assert got is not None and got.etag == ref.etag
    assert proxy.count("PUT") == 3


def test_server_errors_back_off_then_succeed(radicale: RadicaleServer, proxy: FaultProxy,  # noqa: F811
                                             clock: FakeClock) -> None:
    conn = connect(radicale, proxy, clock)
    conn.calendar_url()
    proxy.faults += [Fault("PUT", 500), Fault("PUT", 502), Fault("PUT", 504)]
    conn.create(make_entry())
    assert len(clock.sleeps) == 3
    assert clock.sleeps[0] <= clock.sleeps[2] * 2  # exponential growth, jittered
    assert len(conn.list_managed()) == 1


def test_lost_create_response_converges_without_duplicate(radicale: RadicaleServer,  # noqa: F811
                                                          proxy: FaultProxy, clock: FakeClock) -> None:
    conn = connect(radicale, proxy, clock)
    conn.calendar_url()
    proxy.faults.append(Fault("PUT", 502, forward=True))  # Radicale stored it; the answer was lost
    ref = conn.create(make_entry())
    assert [e.uid for e in conn.list_managed()] == [make_entry().uid]
    got = conn.get(make_entry().uid)
    assert got is not None and got.etag == ref.etag


def test_lost_update_response_is_not_an_edit_conflict(radicale: RadicaleServer,  # noqa: F811
                                                      proxy: FaultProxy, clock: FakeClock) -> None:
    conn = connect(radicale, proxy, clock)
    ref = conn.create(make_entry(day=26))
    proxy.faults.append(Fault("PUT", 503, forward=True))
    ref2 = conn.update(make_entry(day=28), ref)  # the retried If-Match PUT gets 412: it was our own write
    got = conn.get(make_entry().uid)
    assert got is not None and got.start == date(2026, 1, 28) and got.etag == ref2.etag
    # A caller that never saw ref2 retries with the old ref: still no conflict, no write.
    puts = proxy.count("PUT")
    assert conn.update(make_entry(day=28), ref).etag == ref2.etag
    assert proxy.count("PUT") == puts


def test_budget_exhausted_keeps_ops_queued(radicale: RadicaleServer, proxy: FaultProxy,  # noqa: F811
                                           clock: FakeClock) -> None:
    conn = connect(radicale, proxy, clock, budget=20.0)
    conn.calendar_url()
    proxy.faults.append(Fault("*", 503, {"Retry-After": "6"}, times=1000))
    entries = [make_entry(key=f"M-{i}|frcp.answer|summons_served|") for i in range(5)]
    results = conn.apply([Op("create", e.uid, e) for e in entries])
    assert all(isinstance(r.error, TransientError) for r in results)
    assert results[0].error is not None and "retries" in str(results[0].error)
    assert sum(clock.sleeps) <= 20.0
    assert proxy.count("PUT") <= 4  # only the first op touched the network; the rest wait in the outbox
    proxy.faults.clear()
    assert conn.list_managed() == []


def test_wrong_password_is_auth_error_without_retries(radicale: RadicaleServer,  # noqa: F811
                                                      proxy: FaultProxy, clock: FakeClock) -> None:
    conn = connect(radicale, proxy, clock, password="wrong")
    results = conn.apply([Op("create", make_entry().uid, make_entry())] * 3)
    assert all(isinstance(r.error, AuthError) for r in results)
    assert "password" in str(results[0].error)
    assert clock.sleeps == []


def test_retry_after_forms() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Mon, 05 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Mon, 05 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None


