"""The flags table: raise, refresh, drop and read the flags people act on.

This module is the one home of the flag upsert; every raiser (sources, sync, the docket) calls it.
"""

from __future__ import annotations

import sqlite3

# One statement for every way a flag is raised. On a (scope, kind) already stored:
# - reraise: the flag is raised again (acknowledgement cleared): the situation is new or still there;
# - restamp: created_at moves to now (a new fact, e.g. a rule change that moved a deadline again);
# - overwrite=0: the stored flag is kept as it is (insert only when absent).
_UPSERT = (
    "INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) "
    "VALUES (:scope, :kind, :severity, :message, :action, :matter, :stamp) "
    "ON CONFLICT(scope, kind) DO UPDATE SET severity=excluded.severity, message=excluded.message, "
    "action=excluded.action, "
    "created_at=CASE WHEN :restamp THEN excluded.created_at ELSE flags.created_at END, "
    "acked_at=CASE WHEN :reraise THEN NULL ELSE flags.acked_at END, "
    "acked_by=CASE WHEN :reraise THEN NULL ELSE flags.acked_by END "
    "WHERE :overwrite")


def upsert(db: sqlite3.Connection, *, scope: str, kind: str, severity: str, message: str, action: str,
           matter: str | None, stamp: str, reraise: bool = True, restamp: bool = False) -> None:
    """Raise a flag, or refresh the stored one of the same scope and kind (raised again unless reraise=False)."""
    db.execute(_UPSERT, {"scope": scope, "kind": kind, "severity": severity, "message": message,
                         "action": action, "matter": matter, "stamp": stamp, "reraise": int(reraise),
                         "restamp": int(restamp), "overwrite": 1})


def add(db: sqlite3.Connection, *, scope: str, kind: str, severity: str, message: str, action: str,
        matter: str | None, stamp: str) -> None:
    """Raise a flag only if none of this scope and kind is stored (a stored one, acknowledged or not, stays)."""
    db.execute(_UPSERT, {"scope": scope, "kind": kind, "severity": severity, "message": message,
                         "action": action, "matter": matter, "stamp": stamp, "reraise": 0,
                         "restamp": 0, "overwrite": 0})


def delete_kind(db: sqlite3.Connection, scope: str, kind: str) -> None:
    """Drop the flag of this scope and kind, if any (the situation it named is over)."""
    db.execute("DELETE FROM flags WHERE scope=? AND kind=?", (scope, kind))
