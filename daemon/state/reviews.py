"""The reviews table: court notices queued for a person, and how each was resolved.

Each open item has a flag (scope `review:<id>`) that resolving it acknowledges.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from daemon.state.handle import Db


@dataclass(frozen=True)
class ReviewRow:
    """One stored review item; `payload` holds the notice, matters, reasons, proposal and moves."""

    id: int
    reason: str
    payload: dict[str, Any]
    status: str
    created_at: str


def open_item(db: Db, *, notice: str, matter: str | None, reason: str, payload: dict[str, Any],
              stamp: str) -> int:
    """Queue an item for the notice with this identity; returns its id."""
    # RETURNING rather than lastrowid: the same statement on SQLite (3.35+) and PostgreSQL.
    row = db.execute("INSERT INTO reviews (notice, matter, reason, proposal, status, created_at) "
                     "VALUES (?, ?, ?, ?, 'open', ?) RETURNING id",
                     (notice, matter, reason, json.dumps(payload), stamp)).fetchone()
    return int(row[0])


def items(db: Db, *, status: str | None = "open", item: int | None = None) -> list[ReviewRow]:
    """Review items, oldest first: those of one status (all if None), or the one numbered `item`."""
    sql, args = "SELECT id, reason, proposal, status, created_at FROM reviews WHERE 1=1", []
    if status is not None:
        sql += " AND status=?"
        args.append(status)
    if item is not None:
        sql += " AND id=?"
        args.append(str(item))
    return [ReviewRow(rid, reason, json.loads(raw), st, created)
            for rid, reason, raw, st, created in db.execute(sql + " ORDER BY id", args)]


def open_for_notice(db: Db, identity: str) -> ReviewRow | None:
    """The open item of the notice with this identity, if any."""
    row = db.execute("SELECT id, reason, proposal, status, created_at FROM reviews WHERE notice=? AND "
                     "status='open'", (identity,)).fetchone()
    return ReviewRow(row[0], row[1], json.loads(row[2]), row[3], row[4]) if row else None


def resolve(db: Db, rid: int, status: str, by: str, resolution: str, stamp: str, *, flag_kind: str) -> None:
    """Close an item and acknowledge its flag (scope `review:<id>`, of kind `flag_kind`)."""
    db.execute("UPDATE reviews SET status=?, resolved_at=?, resolved_by=?, resolution=? WHERE id=?",
               (status, stamp, by, resolution, rid))
    db.execute("UPDATE flags SET acked_at=?, acked_by=? WHERE scope=? AND kind=? AND acked_at IS NULL",
               (stamp, by, f"review:{rid}", flag_kind))
