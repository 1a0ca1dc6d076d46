"""A Hypothesis state machine syncs against a real Radicale behind a flaky proxy; invariants after every step.

Faults: throttling with Retry-After, 500s, and lost answers to writes the server did carry out.
Invariants: never two events for one identity, the calendar holds exactly what docketd last wrote
(or a person's edit, which surfaces as EditConflict and is restored only by a forced update).
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from connectors.base import EditConflict, Op
from connectors.caldav.calendar import CaldavConnector
from daemon.models import RemoteRef
from tests.contract.connector_contract import make_entry
from tests.contract.test_caldav_contract import edit_on_server
from tests.integration.caldav_fault_proxy import Fault, FaultProxy, fault_proxy
from tests.integration.radicale_server import RadicaleServer, radicale  # noqa: F401  (fixture)
from tests.integration.test_caldav_retries import FakeClock

KEYS = [f"2026-01{i}|frcp.answer|summons_served|" for i in range(3)]
FAULTS = st.sampled_from(["none", "none", "throttle", "error", "lost"])


class FlakyCaldav(RuleBasedStateMachine):
    """docketd's view (model) against what Radicale really holds, through faults."""

    server: RadicaleServer
    proxy: FaultProxy

    def __init__(self) -> None:
        super().__init__()
        self.clock = FakeClock()
        url = self.proxy.url(self.server.make_calendar())
        self.conn = CaldavConnector("flaky", url, self.server.username, self.server.password,
                                    sleep=self.clock.sleep, clock=self.clock)
        self.model: dict[str, tuple[int, RemoteRef]] = {}
        self.edited: set[str] = set()

    def teardown(self) -> None:
        self.proxy.faults.clear()
        self.conn.close()

    def _inject(self, fault: str, method: str) -> None:
        self.proxy.faults.clear()
        if fault == "throttle":
            self.proxy.faults.append(Fault("*", 429, {"Retry-After": "3"}))
        elif fault == "error":
            self.proxy.faults.append(Fault("*", 500, times=2))
        elif fault == "lost":
            self.proxy.faults.append(Fault(method, 502, forward=True))

    @rule(i=st.integers(0, len(KEYS) - 1), day=st.integers(1, 27), fault=FAULTS)
    def upsert(self, i: int, day: int, fault: str) -> None:
        entry = make_entry(key=KEYS[i], day=day)
        have = self.model.get(entry.key)
        op = Op("update", entry.uid, entry, have[1]) if have else Op("create", entry.uid, entry)
        self._inject(fault, "PUT")
        [res] = self.conn.apply([op])
        self.proxy.faults.clear()
        if entry.key in self.edited:
            assert isinstance(res.error, EditConflict), res.error
            assert res.error.current is not None and res.error.current.start.month == 2
            [res] = self.conn.apply([Op("update", entry.uid, entry, have[1] if have else None, force=True)])
            self.edited.discard(entry.key)
        assert res.error is None, res.error
        assert res.ref is not None
        self.model[entry.key] = (day, res.ref)

    @rule(i=st.integers(0, len(KEYS) - 1), fault=FAULTS)
    def delete(self, i: int, fault: str) -> None:
        entry = make_entry(key=KEYS[i])
        have = self.model.get(entry.key)
        self._inject(fault, "DELETE")
        [res] = self.conn.apply([Op("delete", entry.uid, None, have[1] if have else None)])
        self.proxy.faults.clear()
        assert res.error is None, res.error
        self.model.pop(entry.key, None)
        self.edited.discard(entry.key)

    @rule(i=st.integers(0, len(KEYS) - 1))
    def person_moves_it(self, i: int) -> None:
        key = KEYS[i]
        if key not in self.model or key in self.edited:
            return
        edit_on_server(self.conn, make_entry(key=key).uid, "VALUE=DATE:202601", "VALUE=DATE:202602")
        self.edited.add(key)

    @invariant()
    def calendar_matches_model(self) -> None:
        events = self.conn.list_managed()
        uids = [e.uid for e in events]
        assert len(uids) == len(set(uids)), "two events for one identity"
        want = {make_entry(key=k).uid: k for k in self.model}
        assert set(uids) == set(want)
        for event in events:
            key = want[event.uid]
            day, ref = self.model[key]
            month = 2 if key in self.edited else 1
            assert event.start == date(2026, month, day)
            assert (event.etag == ref.etag) == (key not in self.edited)


def test_sync_through_a_flaky_server(radicale: RadicaleServer) -> None:  # noqa: F811
    with fault_proxy(radicale.base_url) as proxy:
        FlakyCaldav.server = radicale
        FlakyCaldav.proxy = proxy
        run_state_machine_as_test(FlakyCaldav, settings=settings(
            max_examples=10, stateful_step_count=12, deadline=None,
            suppress_health_check=[HealthCheck.too_slow]))


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
