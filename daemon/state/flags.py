"""The flags table: raise, refresh, drop and read the flags people act on.

This module is the one home of the flag upsert; every raiser (sources, sync, the docket) calls it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from daemon.models import Flag
from daemon.state.handle import Db, in_chunks

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


@dataclass(frozen=True)
class StoredFlag:
    """A stored flag's identity, content and whether someone acknowledged it (what a recompute compares)."""

    id: int
    scope: str
    kind: str
    severity: str
    message: str
    action: str
    matter: str | None
    acked: bool

    @property
    def ident(self) -> tuple[str, str]:
        """(scope, kind): the flag's identity in the table."""
        return (self.scope, self.kind)

    def flag(self) -> Flag:
        """As a record (without its scope)."""
        return Flag(self.kind, self.severity, self.message, self.action)


# One statement for every way a flag is raised. The modes are Python bools: SQLite binds them as 1/0 and
# PostgreSQL needs a boolean after WHEN and WHERE. On a (scope, kind) already stored:
# - reraise: the flag is raised again (acknowledgement cleared): the situation is new or still there;
# - restamp: created_at moves to now (a new fact, e.g. a rule change that moved a deadline again);
# - overwrite=False: the stored flag is kept as it is (insert only when absent).
_UPSERT = (
    "INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) "
    "VALUES (:scope, :kind, :severity, :message, :action, :matter, :stamp) "
    "ON CONFLICT(scope, kind) DO UPDATE SET severity=excluded.severity, message=excluded.message, "
    "action=excluded.action, "
    "created_at=CASE WHEN :restamp THEN excluded.created_at ELSE flags.created_at END, "
    "acked_at=CASE WHEN :reraise THEN NULL ELSE flags.acked_at END, "
    "acked_by=CASE WHEN :reraise THEN NULL ELSE flags.acked_by END "
    "WHERE :overwrite")


def upsert(db: Db, *, scope: str, kind: str, severity: str, message: str, action: str,
           matter: str | None, stamp: str, reraise: bool = True, restamp: bool = False) -> None:
    """Raise a flag, or refresh the stored one of the same scope and kind (raised again unless reraise=False)."""
    db.execute(_UPSERT, {"scope": scope, "kind": kind, "severity": severity, "message": message,
                         "action": action, "matter": matter, "stamp": stamp, "reraise": reraise,
                         "restamp": restamp, "overwrite": True})


def add(db: Db, *, scope: str, kind: str, severity: str, message: str, action: str,
        matter: str | None, stamp: str) -> None:
    """Raise a flag only if none of this scope and kind is stored (a stored one, acknowledged or not, stays)."""
    db.execute(_UPSERT, {"scope": scope, "kind": kind, "severity": severity, "message": message,
                         "action": action, "matter": matter, "stamp": stamp, "reraise": False,
                         "restamp": False, "overwrite": False})


def delete_kind(db: Db, scope: str, kind: str) -> None:
    """Drop the flag of this scope and kind, if any (the situation it named is over)."""
    db.execute("DELETE FROM flags WHERE scope=? AND kind=?", (scope, kind))


def delete_idents(db: Db, idents: Iterable[tuple[str, str]]) -> None:
    """Drop the flags of these (scope, kind) identities."""
    rows = list(idents)
    if rows:
        db.executemany("DELETE FROM flags WHERE scope=? AND kind=?", rows)


def flag_rows(db: Db, *, include_acked: bool = False,
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


_STORED = "SELECT id, scope, kind, severity, message, action, matter, acked_at IS NOT NULL FROM flags "


def _stored(rows: Iterable[Sequence[Any]]) -> list[StoredFlag]:
    return [StoredFlag(r[0], r[1], r[2], r[3], r[4], r[5], r[6], bool(r[7])) for r in rows]


def of_kinds(db: Db, kinds: Iterable[str]) -> list[StoredFlag]:
    """Every stored flag of these kinds, in any matter, oldest first."""
    kinds = sorted(kinds)
    marks = ",".join("?" * len(kinds))
    return _stored(db.execute(_STORED + f"WHERE kind IN ({marks}) ORDER BY id", kinds))


def of_kinds_in(db: Db, kinds: Iterable[str], *, scopes: Iterable[str],
                matters: Iterable[str]) -> list[StoredFlag]:
    """Stored flags of these kinds whose scope is one of `scopes` or whose matter is one of `matters`, oldest first."""
    kinds = sorted(kinds)
    kind_marks = ",".join("?" * len(kinds))
    found: dict[int, StoredFlag] = {}
    for column, values in (("scope", scopes), ("matter", matters)):
        for chunk, marks in in_chunks(values):
            sql = _STORED + f"WHERE kind IN ({kind_marks}) AND {column} IN ({marks})"
            found.update((f.id, f) for f in _stored(db.execute(sql, [*kinds, *chunk])))
    return [found[i] for i in sorted(found)]


def orphans(db: Db, kinds: Iterable[str]) -> list[StoredFlag]:
    """Stored flags of these (per-deadline) kinds whose deadline is no longer stored, oldest first."""
    kinds = sorted(kinds)
    marks = ",".join("?" * len(kinds))
    return _stored(db.execute(_STORED + f"WHERE kind IN ({marks}) AND scope NOT IN (SELECT key FROM deadlines) "
                              "ORDER BY id", kinds))


def open_count(db: Db) -> int:
    """How many flags nobody acknowledged yet."""
    return int(db.execute("SELECT COUNT(*) FROM flags WHERE acked_at IS NULL").fetchone()[0])


def open_scopes(db: Db, kind: str) -> set[str]:
    """Scopes of the unacknowledged flags of one kind (e.g. the sources holding back a withdrawal)."""
    return {str(r[0]) for r in db.execute("SELECT scope FROM flags WHERE kind=? AND acked_at IS NULL", (kind,))}


def ack_kind(db: Db, scope: str, kind: str, by: str, stamp: str | None = None) -> int:
    """Acknowledge the open flag of this scope and kind; how many were (0 or 1). No stamp: SQLite's now."""
    return db.execute("UPDATE flags SET acked_at=IFNULL(?, datetime('now')), acked_by=? "
                      "WHERE scope=? AND kind=? AND acked_at IS NULL", (stamp, by, scope, kind)).rowcount


@dataclass
class AckResult:
    """What `docketd ack` did."""

    acked: list[int]
    unknown: list[int]
    already: list[int]
    matters: set[str]


def ack_flags(db: Db, ids: Sequence[int], by: str, stamp: str) -> AckResult:
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


def of_matters(db: Db, matters: Iterable[str]) -> dict[str, list[StoredFlag]]:
    """Every stored flag of several matters, each matter's oldest first."""
    out: dict[str, list[StoredFlag]] = {m: [] for m in set(matters)}
    for chunk, marks in in_chunks(out):
        for f in _stored(db.execute(_STORED + f"WHERE matter IN ({marks}) ORDER BY id", chunk)):
            out[f.matter or ""].append(f)
    return out
