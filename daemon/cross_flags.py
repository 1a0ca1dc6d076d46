"""Cross-matter flags: refresh them over every deadline, and show the calendar-visible ones on entries.

Cross-matter flags (daemon/planning/conflicts.py) need every deadline, so they are refreshed at the end of
a Docket.recompute (unless called with cross=False to batch intake; a recompute of no matters then
does it), inside its transaction, so a crash leaves deadlines and flags consistent. Matters whose
calendar-visible flags changed are re-rendered by the caller.
Free/busy days read from calendars (daemon/sync/busy.py) are cached in the store (daemon/state/kv.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING

from daemon.models import Flag
from daemon.planning.conflicts import CROSS_FLAG_KINDS, ENTRY_MATTER_KINDS, ScopedFlag, cross_flags, on_entry
from daemon.state import deadlines, flags, kv, matters
from daemon.state.flags import StoredFlag
from daemon.state.store import Db

if TYPE_CHECKING:
    from daemon.docket import Docket

# Cross-matter kinds that change what a calendar entry shows (title prefix, description).
ENTRY_KINDS = frozenset({"conflict", "out-of-office"}) | ENTRY_MATTER_KINDS


def refresh_cross_flags(docket: Docket, db: Db, today: date, stamp: str) -> set[str]:
    """Recompute cross-matter flags over every deadline and store the difference.

    Returns the matters whose calendar-visible flags changed (their entries must be re-rendered).
    A flag whose message changed is raised again even if it was acknowledged: the situation is new.
    """
    cfg = docket.config
    wanted = cross_flags(
        deadlines.load_deadline_rows(db), matters.all_facts(db), today=today, people=cfg.people,
        default_people=cfg.routing_default,
        busy=kv.busy_days(db), conflict_threshold=int(cfg.flags.get("conflict_threshold", 2)),
        known_courts=docket.rules.court_ids())
    have = flags.of_kinds(db, CROSS_FLAG_KINDS)
    raise_, drop, changed = cross_flag_changes(wanted, have)
    for s in raise_:
        f = s.flag
        flags.upsert(db, scope=s.scope, kind=f.kind, severity=f.severity, message=f.message, action=f.action,
                     matter=s.matter, stamp=stamp)
    flags.delete_idents(db, drop)
    return changed


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
