"""Incremental cross-flag refresh (issue 17) gives exactly what the full refresh gives, flag by flag.

Two stores take the same random sequence of intake drops and acknowledgements. Store A ingests the way
the daemon does (cross=False, the touched scope kept in kv) and then refreshes only that scope; store B
refreshes every cross flag after each drop. After every step both hold the same flags (scope, kind,
severity, message, action, matter, acknowledged or not) and the same calendar work in the outbox (the
re-renders a changed conflict or absence flag causes).
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.cross_flags import (
    CROSS_BASIS,
    CROSS_DIRTY,
    CrossScope,
    clear_dirty,
    pending_scope,
    refresh_cross_flags,
)
from daemon.docket import Docket, now_iso
from daemon.engine import load_rulebook
from daemon.planning.conflicts import CROSS_FLAG_KINDS, cross_flags
from daemon.settings.config import parse_config
from daemon.sources.inbox import ingest_file
from daemon.state.deadlines import load_deadline_rows
from daemon.state.flags import ack_kind
from daemon.state.kv import busy_days
from daemon.state.matters import all_facts
from daemon.state.store import Store

HEADER = "matter,title,court,event,date,service,ref,attorney,paralegal,status\n"
NOW = datetime(2026, 1, 6, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
RULES = load_rulebook()
A, B, P = "a@firm.com", "b@firm.com", "p@firm.com"

MATTERS = [f"2026-{n:04d}" for n in range(1, 7)]
# Few dates and events, so that deadlines of different matters land on the same days (conflicts).
EVENTS = ["summons_served", "interrogatories_served"]
DATES = ["2026-01-05", "2026-01-06", "2026-01-12", "2026-02-02"]


class Side:
    """One store and docket taking the drops."""

    def __init__(self, tmp: Path) -> None:
        raw = {
            "daemon": {"inbox": str(tmp / "inbox"), "state": str(tmp / "state.db")},
            "calendars": {"mem": {"kind": "memory"}},
            "people": {A: {"calendars": ["mem"], "out_of_office": ["2026-02-02..2026-02-06"]},
                       B: {"calendars": ["mem"]}, P: {"calendars": ["mem"]}},
            "routing": {"default": [P]},
        }
        self.config = parse_config(raw, tmp / "docketd.toml", tmp)
        self.config.inbox.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.config.state)
        self.docket = Docket(self.config, self.store, RULES)
        self.n = 0

    def drop(self, rows: list[str], *, incremental: bool) -> None:
        self.n += 1
        path = self.config.inbox / f"f{self.n}.csv"
        path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
        if not incremental:
            ingest_file(self.docket, path, NOW)
            return
        ingest_file(self.docket, path, NOW, cross=False)
        if self.store.get_kv(CROSS_DIRTY) != "1":
            return  # the same file again: skipped, nothing to refresh (as in the daemon)
        with self.store.transaction() as db:
            scope = pending_scope(db)
            # The drop path really is incremental: it names what it touched (the first refresh is a
            # full one only because no basis is stored yet).
            assert scope is not None
            self.docket.refresh_cross(db, NOW.date(), now_iso(NOW), scope)
            clear_dirty(db)

    def ack(self, scope: str, kind: str) -> None:
        with self.store.transaction() as db:
            ack_kind(db, scope, kind, "Pat", now_iso(NOW))

    def flags(self) -> list[tuple[Any, ...]]:
        return sorted(tuple(r) for r in self.store.db.execute(
            "SELECT scope, kind, severity, message, action, matter, acked_at IS NULL FROM flags"))

    def cross(self) -> list[tuple[Any, ...]]:
        return sorted((f[0], f[1], f[2], f[3], f[4], f[5]) for f in self.flags() if f[1] in CROSS_FLAG_KINDS)

    def reference(self) -> list[tuple[Any, ...]]:
        db = self.store.db
        wanted = cross_flags(load_deadline_rows(db), all_facts(db), today=NOW.date(), people=self.config.people,
                             default_people=self.config.routing_default, busy=busy_days(db),
                             known_courts=RULES.court_ids())
        return sorted((s.scope, s.flag.kind, s.flag.severity, s.flag.message, s.flag.action, s.matter)
                      for s in wanted)

    def outbox(self) -> list[tuple[Any, ...]]:
        return sorted(tuple(r) for r in self.store.db.execute("SELECT target, uid, op, entry FROM outbox"))


row = st.tuples(st.sampled_from(MATTERS), st.sampled_from(EVENTS), st.sampled_from(DATES),
                st.sampled_from(["", "ROG 2"]), st.sampled_from([A, B, "", f"{A};{B}"]),
                st.sampled_from(["", P]), st.sampled_from(["open", "open", "open", "closed"]))
step = st.one_of(
    st.tuples(st.just("drop"), st.lists(row, min_size=1, max_size=4)),
    st.tuples(st.just("ack"), st.integers(min_value=0, max_value=50)),
)


def _csv(r: tuple[str, str, str, str, str, str, str]) -> str:
    matter, event, day, ref, attorney, paralegal, status = r
    service = "personal" if event == "summons_served" else "mail"
    return f"{matter},T {matter},federal,{event},{day},{service},{ref},{attorney},{paralegal},{status}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row, min_size=1, max_size=8), st.lists(step, min_size=1, max_size=6))
def test_incremental_refresh_equals_full_refresh(first: list[Any], steps: list[Any]) -> None:
    with TemporaryDirectory() as ta, TemporaryDirectory() as tb:
        inc, full = Side(Path(ta)), Side(Path(tb))
        inc.drop([_csv(r) for r in first], incremental=True)
        full.drop([_csv(r) for r in first], incremental=False)
        assert inc.store.get_kv(CROSS_BASIS) is not None
        assert inc.flags() == full.flags()
        for kind, arg in steps:
            if kind == "drop":
                inc.drop([_csv(r) for r in arg], incremental=True)
                full.drop([_csv(r) for r in arg], incremental=False)
            else:
                cross = [f for f in inc.flags() if f[1] in ("conflict", "out-of-office", "no-upcoming",
                                                              "no-attorney") and f[6]]
                if cross:
                    scope, kind_, *_ = cross[arg % len(cross)]
                    inc.ack(scope, kind_)
                    full.ack(scope, kind_)
            assert inc.flags() == full.flags()
            assert inc.outbox() == full.outbox()
        # A full refresh, a few days at a time, of the incrementally kept store finds nothing to change.
        before = inc.flags()
        with inc.store.transaction() as db:
            assert refresh_cross_flags(inc.docket, db, NOW.date(), now_iso(NOW), None, chunk_rows=3) == set()
        assert inc.flags() == before
        # Both equal the one-pass computation over every deadline (daemon/planning/conflicts.py) ...
        assert full.cross() == full.reference()
        # ... and so does a chunked full refresh that starts from no cross flags at all.
        with full.store.transaction() as db:
            db.execute(f"DELETE FROM flags WHERE kind IN ({','.join('?' * len(CROSS_FLAG_KINDS))})",
                       sorted(CROSS_FLAG_KINDS))
            refresh_cross_flags(full.docket, db, NOW.date(), now_iso(NOW), None, chunk_rows=3)
        assert full.cross() == full.reference()
        inc.store.close()
        full.store.close()


def test_a_scoped_refresh_on_another_day_is_a_full_one(tmp_path: Path) -> None:
    side = Side(tmp_path)
    rows = [("2026-0001", "summons_served", "2026-01-05", "", A, "", "open"),
            ("2026-0002", "summons_served", "2026-01-05", "", A, "", "open")]
    side.drop([_csv(r) for r in rows], incremental=True)
    assert any(f[1] == "conflict" for f in side.cross())
    later = date(2026, 1, 27)  # the day after both answers were due: no conflict is left
    with side.store.transaction() as db:
        refresh_cross_flags(side.docket, db, later, now_iso(NOW), CrossScope(set(), set()))
    db = side.store.db
    wanted = cross_flags(load_deadline_rows(db), all_facts(db), today=later, people=side.config.people,
                         default_people=side.config.routing_default, busy=busy_days(db),
                         known_courts=RULES.court_ids())
    assert side.cross() == sorted((s.scope, s.flag.kind, s.flag.severity, s.flag.message, s.flag.action, s.matter)
                                  for s in wanted)
    assert not any(f[1] == "conflict" for f in side.cross())
    side.store.close()
