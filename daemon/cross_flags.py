"""Cross-matter flags: refresh them over every deadline, and show the calendar-visible ones on entries.

Cross-matter flags (daemon/planning/conflicts.py) need every deadline, so they are refreshed at the end of
a Docket.recompute (unless called with cross=False to batch intake; a recompute of no matters then
does it), inside its transaction, so a crash leaves deadlines and flags consistent. Matters whose
calendar-visible flags changed are re-rendered by the caller.
Free/busy days read from calendars (daemon/sync/busy.py) are cached in the store (daemon/state/kv.py).

Incremental refresh (issue 17): every cross flag of a deadline depends only on the deadlines due on the
same day (conflicts group by person and day) and on its own matter's facts (routing, absences); the
matter-wide flags depend only on their matter. So after intake recomputed some matters, refreshing the
flags of every deadline due on a day those matters had or have deadlines, plus those matters' own
flags, gives exactly what a full refresh would, as long as everything else the flags read (today, people,
routing, threshold, courts, free/busy days: the "basis") is what the last full refresh used. When the
basis changed, the refresh is a full one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING

from daemon.models import Flag, MatterFacts
from daemon.planning.conflicts import (
    CROSS_FLAG_KINDS,
    ENTRY_MATTER_KINDS,
    ScopedFlag,
    absence_flags,
    conflict_flags,
    matter_flags,
    on_entry,
)
from daemon.state import deadlines, flags, kv, matters
from daemon.state.flags import StoredFlag
from daemon.state.store import Db

if TYPE_CHECKING:
    from daemon.docket import Docket

# Cross-matter kinds that change what a calendar entry shows (title prefix, description).
ENTRY_KINDS = frozenset({"conflict", "out-of-office"}) | ENTRY_MATTER_KINDS


CROSS_DIRTY = "cross_dirty"  # kv key: "1" when cross-matter flags need a refresh
CROSS_SCOPE = "cross_dirty_scope"  # kv key: what the pending refresh covers (absent while dirty: everything)
CROSS_BASIS = "cross_basis"  # kv key: fingerprint of what the last full refresh read besides the deadlines
MAX_SCOPE_MATTERS = 2000  # beyond this many matters a pending refresh is a full one (the kv value stays small)


@dataclass
class CrossScope:
    """What an incremental refresh covers: matters recomputed, and every day they had or have deadlines on."""

    matters: set[str] = field(default_factory=set)
    days: set[date] = field(default_factory=set)

    def add(self, other: CrossScope) -> None:
        """Cover `other` too."""
        self.matters |= other.matters
        self.days |= other.days


def mark_dirty(db: Db, scope: CrossScope | None) -> None:
    """Record that cross flags need a refresh over `scope` (None: over everything), kept across restarts."""
    dirty = kv.get(db, CROSS_DIRTY) == "1"
    pending = pending_scope(db)
    if scope is None or (dirty and pending is None):
        kv.put(db, CROSS_DIRTY, "1")
        kv.drop(db, CROSS_SCOPE)
        return
    merged = CrossScope(set(scope.matters), set(scope.days))
    if pending is not None:
        merged.add(pending)
    kv.put(db, CROSS_DIRTY, "1")
    if len(merged.matters) > MAX_SCOPE_MATTERS:
        kv.drop(db, CROSS_SCOPE)
        return
    kv.put(db, CROSS_SCOPE, json.dumps({"matters": sorted(merged.matters),
                                        "days": sorted(d.isoformat() for d in merged.days)}))


def pending_scope(db: Db) -> CrossScope | None:
    """The scope of the pending refresh; None when it must cover everything (or nothing is pending)."""
    if kv.get(db, CROSS_DIRTY) != "1":
        return None
    raw = kv.get(db, CROSS_SCOPE)
    if raw is None:
        return None
    data = json.loads(raw)
    return CrossScope(set(data["matters"]), {date.fromisoformat(d) for d in data["days"]})


def clear_dirty(db: Db) -> None:
    """No refresh is pending any more."""
    kv.put(db, CROSS_DIRTY, "0")
    kv.drop(db, CROSS_SCOPE)


def _basis(docket: Docket, today: date, busy: Mapping[str, Iterable[date]]) -> str:
    """A fingerprint of everything the cross flags read besides deadlines and matter facts."""
    cfg = docket.config
    text = repr((today.isoformat(), sorted(cfg.people.items()), cfg.routing_default,
                 int(cfg.flags.get("conflict_threshold", 2)), sorted(docket.rules.court_ids()),
                 sorted((p, sorted(days)) for p, days in busy.items())))
    return hashlib.sha256(text.encode()).hexdigest()


FULL_CHUNK_ROWS = 20_000  # deadlines a full refresh holds at once (whole days; make bench: peak RSS)
DEADLINE_KINDS = frozenset({"conflict", "out-of-office"})  # cross kinds scoped to one deadline
MATTER_KINDS = CROSS_FLAG_KINDS - DEADLINE_KINDS  # cross kinds scoped to a matter as a whole


def refresh_cross_flags(docket: Docket, db: Db, today: date, stamp: str,
                        scope: CrossScope | None = None, *, chunk_rows: int = FULL_CHUNK_ROWS) -> set[str]:
    """Recompute cross-matter flags (over `scope` only, when given and still valid) and store the difference.

    Returns the matters whose calendar-visible flags changed (their entries must be re-rendered).
    A flag whose message changed is raised again even if it was acknowledged: the situation is new.
    """
    busy = kv.busy_days(db)
    basis = _basis(docket, today, busy)
    if scope is not None and kv.get(db, CROSS_BASIS) != basis:
        scope = None  # today, people, routing or free/busy changed since the last full refresh
    if scope is None:
        raise_, drop, changed = _full_changes(docket, db, today, busy, chunk_rows)
        kv.put(db, CROSS_BASIS, basis)
    else:
        raise_, drop, changed = _scoped_changes(docket, db, today, busy, scope)
    return _apply(db, stamp, raise_, drop, changed)


def refresh_cross_after_date_change(docket: Docket, db: Db, since: date, today: date, stamp: str) -> set[str] | None:
    """Refresh cross flags after only the date moved (from a day in since..today): None if that cannot be shown.

    Conflict and absence flags read today only to leave out deadlines due before it, and no-upcoming
    reads it only through the matters with a deadline on or after it. If the last full refresh was on a
    day d (its basis equals d's basis, everything else the same), what differs today is the deadlines due
    from d to yesterday and the matters that have them: an incremental refresh of those days and matters.
    """
    busy = kv.busy_days(db)
    stored = kv.get(db, CROSS_BASIS)
    then = next((since + timedelta(days=i) for i in range((today - since).days + 1)
                 if _basis(docket, since + timedelta(days=i), busy) == stored), None)
    if then is None:
        return None
    # Deadlines due from `then` to yesterday, whole days (their conflict and absence flags), and their
    # matters (no-upcoming: whether any deadline is due on or after today).
    rows = deadlines.rows_on_days(db, {then + timedelta(days=i) for i in range((today - then).days)})
    moved = {r.matter for r in rows}
    facts = matters.facts_of(db, moved)
    upcoming = deadlines.matters_due_from(db, today) & moved
    wanted = [*_day_flags(docket, rows, facts, today, busy),
              *matter_flags([], facts, today=today, default_people=docket.config.routing_default,
                            known_courts=docket.rules.court_ids(), upcoming=upcoming)]
    have = [*flags.of_kinds_in(db, DEADLINE_KINDS, scopes={r.key for r in rows}, matters=()),
            *flags.of_kinds_in(db, MATTER_KINDS, scopes=(), matters=moved)]
    raise_, drop, changed = cross_flag_changes(wanted, have)
    kv.put(db, CROSS_BASIS, _basis(docket, today, busy))
    return _apply(db, stamp, raise_, drop, changed)


def _scoped_changes(docket: Docket, db: Db, today: date, busy: Mapping[str, Iterable[date]],
                    scope: CrossScope) -> tuple[list[ScopedFlag], list[tuple[str, str]], set[str]]:
    """The cross flags' changes over the days and matters of `scope` (exact when the basis held)."""
    days = scope.days | deadlines.due_days_of(db, scope.matters)
    rows = deadlines.rows_on_days(db, days)
    facts = matters.facts_of(db, {r.matter for r in rows} | scope.matters)
    wanted = [*_day_flags(docket, rows, facts, today, busy),
              # Matter-wide flags of the recomputed matters: rows holds every deadline they have.
              *matter_flags([r for r in rows if r.matter in scope.matters],
                            {m: f for m, f in facts.items() if m in scope.matters}, today=today,
                            default_people=docket.config.routing_default,
                            known_courts=docket.rules.court_ids())]
    have = flags.of_kinds_in(db, CROSS_FLAG_KINDS, scopes={r.key for r in rows}, matters=scope.matters)
    return cross_flag_changes(wanted, have)


def _apply(db: Db, stamp: str, raise_: list[ScopedFlag], drop: list[tuple[str, str]], changed: set[str]) -> set[str]:
    """Store the flags' changes; returns the matters whose calendar-visible flags changed."""
    # In (scope, kind) order whatever the chunks: the order flags are first raised in is their id order.
    raise_.sort(key=lambda s: (s.scope, s.flag.kind))
    for s in raise_:
        f = s.flag
        flags.upsert(db, scope=s.scope, kind=f.kind, severity=f.severity, message=f.message, action=f.action,
                     matter=s.matter, stamp=stamp)
    flags.delete_idents(db, drop)
    return changed


def _day_flags(docket: Docket, rows: Sequence[deadlines.DeadlineRow], facts: Mapping[str, MatterFacts],
               today: date, busy: Mapping[str, Iterable[date]]) -> list[ScopedFlag]:
    """Conflict and absence flags of `rows`, exact for every row when rows hold whole days."""
    cfg = docket.config
    people, default = cfg.people, cfg.routing_default
    # Conflicts group deadlines by (person, day): every deadline on these days gets its exact flag.
    return [*conflict_flags(rows, facts, today=today, people=people, default_people=default,
                            threshold=int(cfg.flags.get("conflict_threshold", 2))),
            *absence_flags(rows, facts, today=today, people=people, default_people=default, busy=busy)]


def _full_changes(docket: Docket, db: Db, today: date, busy: Mapping[str, Iterable[date]],
                  chunk_rows: int) -> tuple[list[ScopedFlag], list[tuple[str, str]], set[str]]:
    """Every cross flag's change, computed a few whole days at a time (memory stays flat as the docket grows).

    Reading every deadline, every wanted flag and every stored one at once made the new-day pass's
    peak RSS grow with the store (make bench: 297 MB at 20,000 matters). Per-deadline flags depend
    only on their day, so whole days are exact; flags whose deadline is gone and matter-wide flags
    are compared on their own. Together they are exactly what one pass over everything gives.
    """
    facts = matters.all_facts(db)
    raise_: list[ScopedFlag] = []
    drop: list[tuple[str, str]] = []
    changed: set[str] = set()

    def add(wanted: Sequence[ScopedFlag], have: Sequence[StoredFlag]) -> None:
        r, d, c = cross_flag_changes(wanted, have)
        raise_.extend(r)
        drop.extend(d)
        changed.update(c)

    batch: list[date] = []
    size = 0
    counts = deadlines.day_counts(db)
    for i, (day, n) in enumerate(counts):
        batch.append(day)
        size += n
        if size < chunk_rows and i + 1 < len(counts):
            continue
        rows = deadlines.rows_on_days(db, batch)
        add(_day_flags(docket, rows, facts, today, busy),
            flags.of_kinds_in(db, DEADLINE_KINDS, scopes=[r.key for r in rows], matters=()))
        batch, size = [], 0
    add([], flags.orphans(db, DEADLINE_KINDS))
    add(matter_flags([], facts, today=today, default_people=docket.config.routing_default,
                     known_courts=docket.rules.court_ids(), upcoming=deadlines.matters_due_from(db, today)),
        flags.of_kinds(db, MATTER_KINDS))
    return raise_, drop, changed


def cross_flag_changes(wanted: Sequence[ScopedFlag], have: Sequence[StoredFlag]
                       ) -> tuple[list[ScopedFlag], list[tuple[str, str]], set[str]]:
    """PURE: the flags to (re)raise, the (scope, kind)s to drop, and the matters whose entries change."""
    stored = {h.ident: h for h in have}
    changed: set[str] = set()
    seen = set()
    raise_ = []
    for s in wanted:
        f = s.flag
        ident = (s.scope, f.kind)
        seen.add(ident)
        old = stored.get(ident)
        if old is not None and old.severity == f.severity and old.message == f.message:
            continue
        raise_.append(s)
        # An unacknowledged conflict whose list or count changed looks the same on its entries (on_entry).
        same_on_entry = (f.kind == "conflict" and old is not None and old.severity == f.severity
                         and not old.acked)
        if f.kind in ENTRY_KINDS and not same_on_entry:
            changed.add(s.matter)
    drop = []
    for ident, old in stored.items():
        if ident in seen:
            continue
        drop.append(ident)
        if ident[1] in ENTRY_KINDS and not old.acked and old.matter:
            changed.add(old.matter)
    return raise_, drop, changed


def with_cross_flags(stored: Sequence[StoredFlag], matter: str, shown: Mapping[str, Sequence[Flag]],
                     keys: Iterable[str]) -> dict[str, list[Flag]]:
    """PURE: a matter's unacknowledged flags per deadline key, plus its stored calendar-visible cross flags."""
    out = {k: list(v) for k, v in shown.items()}
    keys = list(keys)
    mine = sorted((s for s in stored if s.matter == matter and not s.acked and s.kind in ENTRY_KINDS),
                  key=lambda s: (s.scope, s.kind))
    for s in mine:
        flag = on_entry(s.flag())
        for key in ([s.scope] if s.scope in keys else keys if s.scope == matter else []):
            out.setdefault(key, []).append(flag)
    return out
