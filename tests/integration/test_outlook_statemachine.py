"""A Hypothesis state machine drives the Outlook connector through a flaky fake Graph (as vdirsyncer does):
whatever the order of changes, hand edits and failures, no deadline is ever in the calendar twice, and
once the service is healthy again the calendar holds exactly what docketd wants."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from connectors.base import EditConflict, NotFound, Op, TransientError
from connectors.outlook.calendar import OutlookConnector
from connectors.outlook.mapping import KEY_PROP
from daemon.models import RemoteRef
from tests.contract.connector_contract import make_entry
from tests.fakes.graph import FakeGraph
from tests.fakes.graph_setup import app_connector

KEYS = [f"2026-{i:04d}|frcp.answer|summons_served|" for i in range(5)]
_graph: FakeGraph | None = None
_boxes = itertools.count(1)


def shared_graph() -> FakeGraph:
    """One fake for every example (a fresh mailbox per example keeps them apart)."""
    global _graph
    if _graph is None:
        _graph = FakeGraph(Path(tempfile.mkdtemp(prefix="graph-sm-"))).start()
    return _graph


class OutlookMachine(RuleBasedStateMachine):
    """The outbox in miniature: desired state, pending ops, remembered refs."""

    graph: FakeGraph
    conn: OutlookConnector

    @initialize()
    def setup(self) -> None:
        self.graph = shared_graph()
        self.graph.fail(0.0)
        self.mailbox = f"sm{next(_boxes)}@firm.com"
        self.conn = app_connector(
            self.graph,
            self.mailbox,
            Path(tempfile.mkdtemp(prefix="sm-")),
            retry_budget_seconds=0.02,
            backoff_seconds=0.005,
        )
        self.desired: dict[str, int] = {}
        self.pending: dict[str, bool] = {}  # key -> force
        self.refs: dict[str, RemoteRef] = {}

    def _run(self) -> None:
        ops = []
        for key, force in self.pending.items():
            uid = make_entry(key=key).uid
            ref = self.refs.get(key)
            if key in self.desired:
                entry = make_entry(key=key, day=self.desired[key])
                ops.append(Op("update" if ref else "create", uid, entry, ref, force))
            else:
                ops.append(Op("delete", uid, None, ref))
        keys = list(self.pending)
        for key, result in zip(keys, self.conn.apply(ops), strict=True):
            err = result.error
            if err is None:
                if result.ref is not None:
                    self.refs[key] = result.ref
                else:
                    self.refs.pop(key, None)
                del self.pending[key]
            elif isinstance(err, EditConflict):
                self.pending[key] = True  # the "restore" policy: write docketd's date over the edit
            elif isinstance(err, NotFound):
                self.refs.pop(key, None)
            else:
                assert isinstance(err, TransientError), repr(err)

    @rule(
        key=st.sampled_from(KEYS),
        day=st.integers(1, 28),
        rate=st.sampled_from([0.0, 0.3, 0.6]),
        seed=st.integers(0, 1000),
    )
    def want(self, key: str, day: int, rate: float, seed: int) -> None:
        self.desired[key] = day
        self.pending.setdefault(key, False)
        self.graph.fail(rate, seed=seed)
        self._run()

    @rule(key=st.sampled_from(KEYS), rate=st.sampled_from([0.0, 0.3]), seed=st.integers(0, 1000))
    def drop(self, key: str, rate: float, seed: int) -> None:
        if key in self.desired:
            del self.desired[key]
            self.pending[key] = False
        self.graph.fail(rate, seed=seed)
        self._run()

    @precondition(lambda self: bool(self.refs))
    @rule(data=st.data())
    def person_edits(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.refs)))
        self.graph.fail(0.0)
        for ev in self.graph.events(self.mailbox):
            if any(p["value"] == make_entry(key=key).uid for p in ev["singleValueExtendedProperties"]):
                self.graph.edit_by_hand(self.mailbox, ev["id"], subject="Edited by a person")
                if key in self.desired:
                    self.pending.setdefault(key, False)

    @invariant()
    def never_twice(self) -> None:
        if not hasattr(self, "mailbox"):
            return
        keys = [
            p["value"]
            for ev in self.graph.events(self.mailbox)
            for p in ev["singleValueExtendedProperties"]
            if p["id"] == KEY_PROP
        ]
        assert len(keys) == len(set(keys)), "a deadline is in the calendar twice"

    def teardown(self) -> None:
        if not hasattr(self, "mailbox"):
            return
        self.graph.fail(0.0)
        for _ in range(10):
            if not self.pending:
                break
            self._run()
        assert not self.pending
        live = {e.uid: e.start for e in self.conn.list_managed()}
        assert live == {make_entry(key=k).uid: date(2026, 1, d) for k, d in self.desired.items()}
        self.conn.close()


@pytest.fixture(autouse=True, scope="module")
def _stop_shared_graph() -> Iterator[None]:
    yield
    global _graph
    if _graph is not None:
        _graph.stop()
        _graph = None


OutlookMachine.TestCase.settings = settings(max_examples=12, stateful_step_count=12, deadline=None)
TestOutlookStateMachine = OutlookMachine.TestCase
