"""A Hypothesis state machine: random creates, moves, deletes and hand edits against a flaky Calendar fake.

After every step the calendar must hold exactly the model: one live event per live deadline, on its
date, and nothing for deleted ones — whatever faults the fake injected on the way.
"""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from connectors.base import ConnectorContext, EditConflict, NotFound, Op, TransientError
from connectors.google.calendar import GoogleConnector
from daemon.models import CalendarEntry, RemoteRef
from tests.contract.connector_contract import make_entry
from tests.fakes.google_calendar import FakeGoogle
from tests.fakes.google_keys import service_account_section

_FAKE: list[tuple[FakeGoogle, Path]] = []
_COUNTER = [0]


def _shared() -> tuple[FakeGoogle, Path]:
    """One fake server (and key) for every example: starting one per example is what would be slow."""
    if not _FAKE:
        _FAKE.append((FakeGoogle(rate_limit_per_minute=1_000_000).start(),
                      Path(tempfile.mkdtemp(prefix="docketd-google-sm-"))))
    return _FAKE[0]
KEYS = [f"2026-{i:04d}|frcp.answer|summons_served|" for i in range(4)]


def entry_for(key: str, offset: int) -> CalendarEntry:
    base = make_entry(key=key)
    return CalendarEntry(**{**base.__dict__, "start": date(2026, 1, 1) + timedelta(days=offset)})


class FlakyCalendar(RuleBasedStateMachine):
    """docketd (with the dispatcher's restore policy) against a Calendar that fails 25% of calls."""

    def __init__(self) -> None:
        super().__init__()
        self.fake, tmp = _shared()
        _COUNTER[0] += 1
        self.cal = f"sm{_COUNTER[0]}@group.calendar.google.com"  # a fresh, empty calendar per example
        self.fake.fail_rate(0.25, seed=_COUNTER[0], kinds=("429", "403", "500", "503", "reset"))
        section = service_account_section(self.fake, tmp, calendar_id=self.cal)
        self.conn = GoogleConnector.from_config("jdoe-google", section, ConnectorContext(str(tmp)))
        self.model: dict[str, int] = {}  # key -> day offset of the live deadline
        self.refs: dict[str, RemoteRef] = {}

    def teardown(self) -> None:
        self.fake.fail_rate(0.0)
        self.conn.close()

    def _run(self, op: Op) -> None:
        """Drive one op to completion the way the dispatcher does (retry; restore after a hand edit)."""
        for _ in range(30):
            (result,) = self.conn.apply([op])
            err = result.error
            if err is None:
                if result.ref is not None:
                    self.refs[op.uid] = result.ref
                else:
                    self.refs.pop(op.uid, None)
                return
            if isinstance(err, TransientError):
                continue
            if isinstance(err, EditConflict):
                op = Op(op.kind, op.uid, op.entry, op.ref, force=True)
                continue
            if isinstance(err, NotFound):
                op = Op("create", op.uid, op.entry)
                continue
            raise err
        raise AssertionError(f"{op} never settled")

    @rule(key=st.sampled_from(KEYS), offset=st.integers(0, 60))
    def put(self, key: str, offset: int) -> None:
        entry = entry_for(key, offset)
        ref = self.refs.get(entry.uid)
        self._run(Op("update" if ref else "create", entry.uid, entry, ref))
        self.model[key] = offset

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        key = data.draw(st.sampled_from(sorted(self.model)))
        uid = entry_for(key, 0).uid
        self._run(Op("delete", uid, None, self.refs.get(uid)))
        del self.model[key]

    @precondition(lambda self: bool(self.model))
    @rule(data=st.data(), moved=st.booleans())
    def person_edits(self, data: st.DataObject, moved: bool) -> None:
        key = data.draw(st.sampled_from(sorted(self.model)))
        uid = entry_for(key, 0).uid
        change = {"start": {"date": "2031-05-05"}, "end": {"date": "2031-05-06"}} if moved else {
            "status": "cancelled"}
        self.fake.edit_by_hand(self.cal, uid, **change)
        # docketd's verify pass notices and restores (the "restore" policy).
        entry = entry_for(key, self.model[key])
        self._run(Op("update", uid, entry, self.refs.get(uid)))

    @invariant()
    def calendar_matches_model(self) -> None:
        events = self.fake.events(self.cal)
        assert len({e["id"] for e in events}) == len(events)
        live = {e["extendedProperties"]["private"]["docketdKey"]: e for e in events if e["status"] != "cancelled"}
        assert sorted(live) == sorted(self.model)
        for key, offset in self.model.items():
            assert live[key]["start"] == {"date": (date(2026, 1, 1) + timedelta(days=offset)).isoformat()}


FlakyCalendar.TestCase.settings = settings(max_examples=25, stateful_step_count=15, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
TestFlakyCalendar = FlakyCalendar.TestCase


def teardown_module() -> None:
    """Stop the shared fake."""
    while _FAKE:
        _FAKE.pop()[0].stop()
