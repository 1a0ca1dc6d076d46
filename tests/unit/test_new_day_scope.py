"""Issue 17: the new-day pass recomputes only what the date can change, and leaves the store as a full pass would.

One random docket (deadlines on and around each test day, triggers dated where future- and far-past-trigger
flags turn, closed matters, acknowledged flags, entries kept as hand edits, outbox rows still pending) is
copied into two stores. Day after day (a weekday run, a weekend, the DST change of 2026-11-01, Veterans
Day, a gap of several days, a firm rules change, Thanksgiving), store A runs the daemon's new-day pass as
shipped (narrowed to `Docket.day_scope`), store B the full pass over every matter (its day basis dropped,
as after a config change). Every deadline, flag and outbox row must be equal after each day; a drop of
new rows lands on both stores between days, so matters last computed on a later day than the last full
pass are covered too.
"""

from __future__ import annotations

import random
import shutil
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from daemon.docket import DAY_BASIS_KV
from daemon.service.main import Service
from daemon.sources.inbox import ingest_file
from daemon.state.flags import ack_flags
from daemon.state.store import Store
from daemon.sync.dispatcher import ConnectorPool, Dispatcher

TZ = ZoneInfo("America/Los_Angeles")
START = date(2026, 10, 28)  # a Wednesday; DST ends Sunday 2026-11-01 in America/Los_Angeles
DAYS = [date(2026, 10, 29), date(2026, 10, 30), date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2),
        date(2026, 11, 10), date(2026, 11, 11), date(2026, 11, 12), date(2026, 11, 20), date(2026, 11, 23),
        date(2026, 11, 26), date(2026, 11, 27), date(2026, 11, 30)]
RULES_CHANGE_BEFORE = date(2026, 11, 23)  # the firm closes the courthouse on a day from then on
HEADER = "matter,title,court,event,date,service,ref,attorney,paralegal,status\n"
EVENTS = ["summons_served", "interrogatories_served", "motion_hearing", "trial", "complaint_filed",
          "judgment_entered", "admission_requests_served", "scheduling_conference"]
PEOPLE = ["a@firm.com", "b@firm.com", "p@firm.com"]
COURT = """court: cand
name: U.S. District Court, Northern District of California
state: CA
circuit: ca9
timezone: America/Los_Angeles
packs: [frcp]
holidays: federal
forward_holidays: ca-state
closure_sets: [federal-executive-orders]
closures: {closures}
"""


def _rules(tmp: Path, closures: str) -> None:
    folder = tmp / "rules" / "courts"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cand.yaml").write_text(COURT.format(closures=closures), encoding="utf-8")


class ClockService(Service):
    """The daemon on a day the test sets (the clock is the one thing a test injects)."""

    clock = datetime.combine(START, time(9, 0), TZ)

    def now(self) -> datetime:
        return self.clock


def _config(tmp: Path) -> Path:
    cfg = tmp / "docketd.toml"
    cfg.write_text(
        '[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\ntimezone = "America/Los_Angeles"\n\n'
        '[ics]\ndir = "var/calendars"\n\n[rules]\ndirs = ["rules"]\n\n[routing]\ndefault = ["p@firm.com"]\n\n'
        '[people."a@firm.com"]\nreminders = ["7d", "1d"]\nout_of_office = ["2026-11-09..2026-11-13"]\n\n'
        '[people."b@firm.com"]\n\n[people."p@firm.com"]\n', encoding="utf-8")
    return cfg


def _row(rng: random.Random, matter: str, around: date, status: str = "open") -> str:
    # Dates where the answers turn: just before and after the test days, the far-past edge, the future.
    pick = rng.random()
    if pick < 0.15:
        when = around - timedelta(days=730 + rng.randint(-3, 40))
    elif pick < 0.35:
        when = around + timedelta(days=rng.randint(0, 35))  # future (a typo unless scheduled)
    else:
        when = around - timedelta(days=rng.randint(0, 60))
    court = rng.choice(["cand", "cand", "federal", "cacd"])
    event = rng.choice(EVENTS)
    service = rng.choice(["personal", "mail", "electronic"])
    att = rng.choice(["a@firm.com", "b@firm.com", ""])
    par = rng.choice(["p@firm.com", ""])
    ref = f"r{rng.randint(1, 2)}"
    return f"{matter},Case {matter},{court},{event},{when.isoformat()},{service},{ref},{att},{par},{status}\n"


def _drop(svc: Service, name: str, rows: str, now: datetime) -> None:
    inbox = svc.config.inbox
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / name).write_text(HEADER + rows, encoding="utf-8")
    ingest_file(svc.docket, inbox / name, now)


def _build(tmp: Path, seed: int) -> None:
    """The shared starting store: built, partly synced, hand edits kept, flags acknowledged, work pending."""
    rng = random.Random(seed)
    _rules(tmp, "[]")
    svc = ClockService(_config(tmp), tmp)
    now = svc.clock
    rows = ""
    for i in range(40):
        status = "closed" if rng.random() < 0.1 else "open"
        rows += "".join(_row(rng, f"M-{i:03d}", START, status) for _ in range(rng.randint(1, 3)))
    _drop(svc, "a.csv", rows, now)
    while svc.store.get_kv("last_recompute_day") != START.isoformat():
        svc.recompute_if_new_day()
    pool = ConnectorPool(svc.config)
    Dispatcher(svc.config, svc.store, pool, lambda: now.isoformat(timespec="seconds")).run_once(1e12)
    pool.close()
    with svc.store.transaction() as db:
        db.execute("UPDATE sync SET state='kept' WHERE rowid % 7 = 0")  # entries someone edited by hand
        # Acknowledged as `docketd ack` does: the flags, then their matters' entries re-rendered without them.
        ids = [r[0] for r in db.execute("SELECT id FROM flags ORDER BY id")][::3]
        acked = ack_flags(db, ids, "test", now.isoformat(timespec="seconds"))
        svc.docket.recompute(db, acked.matters, now.date(), now.isoformat(timespec="seconds"))
    # Work left pending in the outbox: later rows for some matters (and some new ones).
    more = "".join(_row(rng, f"M-{rng.randint(0, 45):03d}", START) for _ in range(10))
    _drop(svc, "b.csv", more, now)
    svc.store.close()


def _snapshot(store: Store) -> dict[str, list[tuple[Any, ...]]]:
    db = store.db
    return {
        "deadlines": [tuple(r) for r in db.execute(
            "SELECT key, matter, rule, due, payload FROM deadlines ORDER BY key")],
        "flags": [tuple(r) for r in db.execute(
            "SELECT scope, kind, severity, message, action, matter, created_at, acked_at, acked_by "
            "FROM flags ORDER BY scope, kind")],
        "outbox": [tuple(r) for r in db.execute(
            "SELECT target, uid, key, op, entry, force, created_at, attempts, dead FROM outbox ORDER BY target, uid")],
        "sync": [tuple(r) for r in db.execute("SELECT * FROM sync ORDER BY target, uid")],
    }


def _same(a: Store, b: Store, after: str) -> None:
    """Both stores hold the same rows; else name the first table and rows that differ."""
    sa, sb = _snapshot(a), _snapshot(b)
    for table in sa:
        only_a = sorted(set(sa[table]) - set(sb[table]))
        only_b = sorted(set(sb[table]) - set(sa[table]))
        assert not only_a and not only_b, f"{table} differ after {after}:\n{only_a[:3]}\nvs full pass:\n{only_b[:3]}"


def _pass(svc: ClockService, day: date, full: bool) -> int:
    """Run the day's pass to its end; how many matters it recomputed."""
    svc.clock = datetime.combine(day, time(0, 30), TZ)
    if full:
        with svc.store.transaction() as db:
            svc.store.drop_kv(db, DAY_BASIS_KV)  # as after a config change: every matter
    for _ in range(100):
        svc.recompute_if_new_day()
        if svc.store.get_kv("last_recompute_day") == day.isoformat() and not svc.day_pending:
            return svc.day_matters
    raise AssertionError("the day's pass did not finish")


@pytest.mark.parametrize("seed", [1, 2])
def test_narrowed_new_day_pass_equals_a_full_recompute(tmp_path: Path, seed: int) -> None:
    base = tmp_path / "base"
    _build(base, seed)
    sides = {}
    for name in ("a", "b"):
        shutil.copytree(base, tmp_path / name)
        sides[name] = ClockService(_config(tmp_path / name), tmp_path / name)
    rng = random.Random(seed * 101)
    assert _snapshot(sides["a"].store) == _snapshot(sides["b"].store)
    narrowed = 0
    for n, day in enumerate(DAYS):
        if day == RULES_CHANGE_BEFORE:
            for name in ("a", "b"):  # a restart on changed rules: a full pass and rule-change flags on both
                sides[name].store.close()
                _rules(tmp_path / name, "\n  - {date: 2026-12-01, reason: courthouse closed by flood}")
                sides[name] = ClockService(_config(tmp_path / name), tmp_path / name)
        counts = {name: _pass(svc, day, full=(name == "b")) for name, svc in sides.items()}
        narrowed += counts["a"] < counts["b"]
        _same(sides["a"].store, sides["b"].store, f"the pass of {day}")
        if n % 3 == 1:  # a drop later that day, the same on both stores
            rows = "".join(_row(rng, f"M-{rng.randint(0, 45):03d}", day) for _ in range(4))
            now = datetime.combine(day, time(11, 0), TZ)
            for svc in sides.values():
                svc.clock = now
                _drop(svc, f"d{n}.csv", rows, now)
            _same(sides["a"].store, sides["b"].store, f"the drop of {day}")
    assert narrowed >= len(DAYS) // 2  # the narrowed pass really did less on most days
    for svc in sides.values():
        svc.store.close()
