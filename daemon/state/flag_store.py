"""Flags in the store: refresh the cross-matter ones, read them for people, acknowledge them.

Cross-matter flags (daemon/planning/conflicts.py) need every deadline, so they are refreshed at the end of
a Docket.recompute (unless called with cross=False to batch intake; a recompute of no matters then
does it), inside its transaction, so a crash leaves deadlines and flags consistent. Matters whose
calendar-visible flags changed are re-rendered by the caller.
Free/busy days read from calendars (daemon/sync/busy.py) are cached in the kv table as `busy:<email>`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from daemon.models import Deadline, Flag
from daemon.planning.conflicts import CROSS_FLAG_KINDS, ENTRY_MATTER_KINDS, cross_flags, on_entry
from daemon.planning.planner import MatterFacts
from daemon.serial import deadline_from_dict

if TYPE_CHECKING:
    from daemon.docket import Docket

# Cross-matter kinds that change what a calendar entry shows (title prefix, description).
ENTRY_KINDS = frozenset({"conflict", "out-of-office"}) | ENTRY_MATTER_KINDS
SEVERITY_ORDER = "CASE severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END"


@dataclass(frozen=True)
class FlagRow:
    """One stored flag as people see it: `docketd flags`, the digest and the agenda."""

    id: int
    scope: str
    kind: str
    severity: str
    message: str
    action: str
    matter: str | None
    created_at: str
    acked_at: str | None = None
    acked_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready data (`docketd flags --json`)."""
        return dict(self.__dict__)


def flag_rows(db: sqlite3.Connection, *, include_acked: bool = False,
              matter: str | None = None) -> list[FlagRow]:
    """Stored flags, most severe first, then oldest first."""
    sql = ("SELECT id, scope, kind, severity, message, action, matter, created_at, acked_at, acked_by "
           "FROM flags")
    where, args = [], []
    if not include_acked:
        where.append("acked_at IS NULL")
    if matter is not None:
        where.append("matter=?")
        args.append(matter)
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY {SEVERITY_ORDER}, id"
    return [FlagRow(*tuple(r)) for r in db.execute(sql, args)]


def group_flags(rows: Sequence[FlagRow]) -> list[tuple[FlagRow, list[int]]]:
    """One entry per distinct (kind, message), with all its ids (a trigger flag sits on each deadline)."""
    groups: dict[tuple[str, str], tuple[FlagRow, list[int]]] = {}
    for r in rows:
        groups.setdefault((r.kind, r.message), (r, []))[1].append(r.id)
    return list(groups.values())


def load_facts(db: sqlite3.Connection) -> dict[str, MatterFacts]:
    """Every matter's stored facts."""
    out = {}
    for matter, payload in db.execute("SELECT matter, payload FROM matters"):
        raw = json.loads(payload)
        raw["attorneys"] = tuple(raw.get("attorneys", ()))
        raw["paralegals"] = tuple(raw.get("paralegals", ()))
        out[matter] = MatterFacts(**raw)
    return out


def load_deadlines(db: sqlite3.Connection, matter: str | None = None) -> list[Deadline]:
    """Current deadlines (and follow-ups) as records, by due date."""
    if matter is None:
        rows = db.execute("SELECT payload FROM deadlines ORDER BY due, key")
    else:
        rows = db.execute("SELECT payload FROM deadlines WHERE matter=? ORDER BY due, key", (matter,))
    return [deadline_from_dict(json.loads(r[0])) for r in rows]


@dataclass(frozen=True)
class DeadlineRow:
    """The few fields of a stored deadline the cross-matter checks need (read without parsing payloads)."""

    key: str
    matter: str
    title: str
    due: date
    kind: str
    critical: bool


def load_deadline_rows(db: sqlite3.Connection) -> list[DeadlineRow]:
    """Every stored deadline, lightly: about ten times faster than `load_deadlines` on a large docket."""
    rows = db.execute("SELECT key, matter, json_extract(payload, '$.title'), due, "
                      "json_extract(payload, '$.kind'), json_extract(payload, '$.critical') "
                      "FROM deadlines ORDER BY due, key")
    return [DeadlineRow(k, m, t or "", date.fromisoformat(d), kind or "deadline", crit is None or bool(crit))
            for k, m, t, d, kind, crit in rows]


def busy_days(db: sqlite3.Connection) -> dict[str, set[date]]:
    """Cached free/busy days per person (`busy:<email>` in kv)."""
    out: dict[str, set[date]] = {}
    for key, value in db.execute("SELECT key, value FROM kv WHERE key LIKE 'busy:%'"):
        out[key[5:]] = {date.fromisoformat(d) for d in json.loads(value).get("days", ())}
    return out


def save_busy_days(db: sqlite3.Connection, person: str, days: Iterable[date], stamp: str) -> bool:
    """Cache one person's busy days; True when they differ from the cached ones."""
    key = f"busy:{person}"
    wanted = sorted(d.isoformat() for d in set(days))
    row = db.execute("SELECT value FROM kv WHERE key=?", (key,)).fetchone()
    if row is not None and json.loads(row[0]).get("days") == wanted:
        return False
    db.execute("INSERT INTO kv VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
               (key, json.dumps({"fetched": stamp, "days": wanted})))
    return True


def refresh_cross_flags(docket: Docket, db: sqlite3.Connection, today: date, stamp: str) -> set[str]:
    """Recompute cross-matter flags over every deadline and store the difference.

    Returns the matters whose calendar-visible flags changed (their entries must be re-rendered).
    A flag whose message changed is raised again even if it was acknowledged: the situation is new.
    """
    cfg = docket.config
    wanted = cross_flags(
        load_deadline_rows(db), load_facts(db), today=today, people=cfg.people,
        default_people=cfg.routing_default,
        busy=busy_days(db), conflict_threshold=int(cfg.flags.get("conflict_threshold", 2)),
        known_courts=docket.rules.court_ids())
    marks = ",".join("?" * len(CROSS_FLAG_KINDS))
    have = {(r[0], r[1]): (r[2], r[3], r[4], r[5]) for r in db.execute(
        f"SELECT scope, kind, severity, message, matter, acked_at FROM flags WHERE kind IN ({marks})",
        tuple(CROSS_FLAG_KINDS))}
    changed: set[str] = set()
    seen = set()
    for s in wanted:
        f = s.flag
        ident = (s.scope, f.kind)
        seen.add(ident)
        old = have.get(ident)
        if old is not None and old[0] == f.severity and old[1] == f.message:
            continue
        db.execute(
            "INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) VALUES "
            "(?, ?, ?, ?, ?, ?, ?) ON CONFLICT(scope, kind) DO UPDATE SET severity=excluded.severity, "
            "message=excluded.message, action=excluded.action, acked_at=NULL, acked_by=NULL",
            (s.scope, f.kind, f.severity, f.message, f.action, s.matter, stamp))
        # An unacknowledged conflict whose list or count changed looks the same on its entries (on_entry).
        same_on_entry = (f.kind == "conflict" and old is not None and old[0] == f.severity and old[3] is None)
        if f.kind in ENTRY_KINDS and not same_on_entry:
            changed.add(s.matter)
    for ident, (_sev, _msg, matter, acked) in have.items():
        if ident in seen:
            continue
        db.execute("DELETE FROM flags WHERE scope=? AND kind=?", ident)
        if ident[1] in ENTRY_KINDS and acked is None and matter:
            changed.add(matter)
    return changed


def with_cross_flags(db: sqlite3.Connection, matter: str, shown: Mapping[str, Sequence[Flag]],
                     keys: Iterable[str]) -> dict[str, list[Flag]]:
    """A matter's unacknowledged flags per deadline key, plus its stored calendar-visible cross flags."""
    out = {k: list(v) for k, v in shown.items()}
    keys = list(keys)
    marks = ",".join("?" * len(ENTRY_KINDS))
    for scope, kind, severity, message, action in db.execute(
            f"SELECT scope, kind, severity, message, action FROM flags WHERE matter=? AND acked_at IS NULL "
            f"AND kind IN ({marks}) ORDER BY scope, kind", (matter, *sorted(ENTRY_KINDS))):
        flag = on_entry(Flag(kind, severity, message, action))
        for key in ([scope] if scope in keys else keys if scope == matter else []):
            out.setdefault(key, []).append(flag)
    return out


@dataclass
class AckResult:
    """What `docketd ack` did."""

    acked: list[int]
    unknown: list[int]
    already: list[int]
    matters: set[str]


def ack_flags(db: sqlite3.Connection, ids: Sequence[int], by: str, stamp: str) -> AckResult:
    """Mark flags acknowledged; returns the matters whose entries should drop the flag."""
    result = AckResult([], [], [], set())
    for flag_id in ids:
        row = db.execute("SELECT matter, acked_at FROM flags WHERE id=?", (flag_id,)).fetchone()
        if row is None:
            result.unknown.append(flag_id)
            continue
        if row[1] is not None:
            result.already.append(flag_id)
            continue
        db.execute("UPDATE flags SET acked_at=?, acked_by=? WHERE id=?", (stamp, by, flag_id))
        result.acked.append(flag_id)
        if row[0]:
            result.matters.add(row[0])
    return result
