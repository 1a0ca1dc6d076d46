"""The outbox: calendar work waiting to be done, written in the transaction that caused it.

An op leaves the outbox only in the transaction that records its result in the sync state.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from daemon.models import OutboxRow
from daemon.state.by_matter import rows_by_matter
from daemon.state.handle import Db, Row


@dataclass(frozen=True)
class OutboxError:
    """A waiting op's last error (`docketd status`)."""

    target: str
    key: str
    attempts: int
    last_error: str


@dataclass(frozen=True)
class WaitingOp:
    """A waiting or failed op as `docketd matter` shows it."""

    target: str
    key: str
    op: str
    attempts: int
    last_error: str | None
    dead: bool


def enqueue(db: Db, target: str, uid: str, key: str, op: str, entry: str, stamp: str,
            force: bool = False) -> None:
    """Queue an op for one entry; it replaces any op waiting (or dead) for the same entry."""
    db.execute(
        "INSERT INTO outbox (target, uid, key, op, entry, force, created_at, attempts, next_at, dead) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0) ON CONFLICT(target, uid) DO UPDATE SET op=excluded.op, "
        "key=excluded.key, entry=excluded.entry, force=excluded.force, attempts=0, next_at=0, dead=0, "
        "last_error=NULL",
        (target, uid, key, op, entry, int(force), stamp))


def enqueue_if_idle(db: Db, target: str, uid: str, key: str, entry: str, stamp: str) -> None:
    """Queue an upsert for one entry unless an op for it already waits."""
    db.execute(
        "INSERT INTO outbox (target, uid, key, op, entry, force, created_at) "
        "VALUES (?, ?, ?, 'upsert', ?, 0, ?) ON CONFLICT(target, uid) DO NOTHING",
        (target, uid, key, entry, stamp))


def ack(db: Db, row: OutboxRow) -> None:
    """The op is done: remove it, unless it was replaced meanwhile (another op or another content hash)."""
    db.execute("DELETE FROM outbox WHERE id=? AND op=? AND IFNULL(json_extract(entry,'$._hash'),'')=?",
               (row.id, row.op, (row.entry or {}).get("_hash", "")))


def remove(db: Db, op_id: int) -> None:
    """Remove an op whatever it holds now."""
    db.execute("DELETE FROM outbox WHERE id=?", (op_id,))


def retry(db: Db, op_id: int, next_at: float, error: str) -> None:
    """Count a failed attempt; try again at next_at (epoch seconds)."""
    db.execute("UPDATE outbox SET attempts=attempts+1, next_at=?, last_error=? WHERE id=?", (next_at, error, op_id))


def dead(db: Db, op_id: int, error: str) -> None:
    """Count a failed attempt and give up on the op until a person retries it."""
    db.execute("UPDATE outbox SET attempts=attempts+1, dead=1, last_error=? WHERE id=?", (error, op_id))


def force_now(db: Db, op_id: int) -> None:
    """Count an attempt and run the op again at once, overwriting what the calendar holds."""
    db.execute("UPDATE outbox SET force=1, next_at=0, attempts=attempts+1 WHERE id=?", (op_id,))


def revive_dead(db: Db) -> None:
    """Give every failed op a fresh start (`docketd sync --once --retry-failed`)."""
    db.execute("UPDATE outbox SET dead=0, next_at=0, attempts=0 WHERE dead=1")


def wake(db: Db, target: str | None = None) -> None:
    """Make every waiting op (of one calendar, or all) due now instead of after its backoff."""
    if target is None:
        db.execute("UPDATE outbox SET next_at=0 WHERE dead=0")
    else:
        db.execute("UPDATE outbox SET next_at=0 WHERE target=? AND dead=0", (target,))


def last_errors(db: Db, limit: int = 10) -> list[OutboxError]:
    """The oldest ops that failed at least once, with their error."""
    rows = db.execute("SELECT target, key, attempts, last_error FROM outbox WHERE last_error IS NOT NULL "
                      "ORDER BY id LIMIT ?", (limit,))
    return [OutboxError(*tuple(r)) for r in rows]


def waiting_ops(db: Db, key_like: str | None) -> list[WaitingOp]:
    """Waiting and failed ops, optionally only those whose key matches a LIKE pattern (escape '\\')."""
    where: tuple[str, tuple[Any, ...]] = (("WHERE key LIKE ? ESCAPE '\\' ", (key_like,)) if key_like is not None
                                          else ("", ()))
    rows = db.execute(f"SELECT target, key, op, attempts, last_error, dead FROM outbox {where[0]}ORDER BY target",
                      where[1])
    return [WaitingOp(t, k, op, a, e, bool(d)) for t, k, op, a, e, d in rows]


def _outbox_row(r: Row) -> OutboxRow:
    return OutboxRow(r["id"], r["target"], r["uid"], r["key"], r["op"], json.loads(r["entry"]) if r["entry"] else None,
                     bool(r["force"]), r["attempts"], r["next_at"], r["last_error"], bool(r["dead"]))


def pending(db: Db, target: str | None = None, *, due_by: float | None = None,
            limit: int | None = None, include_dead: bool = False) -> list[OutboxRow]:
    """Outbox rows, oldest first; optionally only one calendar's and only those due by a time."""
    sql = "SELECT * FROM outbox WHERE 1=1"
    args: list[Any] = []
    if target is not None:
        sql += " AND target=?"
        args.append(target)
    if due_by is not None:
        sql += " AND next_at<=?"
        args.append(due_by)
    if not include_dead:
        sql += " AND dead=0"
    sql += " ORDER BY id"
    if limit is not None:
        sql += " LIMIT ?"
        args.append(limit)
    return [_outbox_row(r) for r in db.execute(sql, args)]


def rows_for_matter(db: Db, matter: str) -> list[OutboxRow]:
    """Outbox rows (dead ones too) of one matter's entries, in every calendar."""
    # '|' ends the matter part of every key, and '}' sorts right after it: an indexed range scan.
    return [_outbox_row(r) for r in db.execute("SELECT * FROM outbox WHERE key >= ? AND key < ?",
                                               (matter + "|", matter + "}"))]


def rows_for_matters(db: Db, matters: list[str]) -> dict[str, list[OutboxRow]]:
    """As `rows_for_matter` for each of several matters, in one query per 200 (a recompute reads a batch)."""
    return rows_by_matter(db, "outbox", matters, _outbox_row)


def counts(db: Db) -> dict[str, dict[str, int]]:
    """Pending and dead outbox rows per calendar."""
    out: dict[str, dict[str, int]] = {}
    for r in db.execute("SELECT target, dead, COUNT(*) FROM outbox GROUP BY target, dead"):
        out.setdefault(r[0], {"pending": 0, "failed": 0})["failed" if r[1] else "pending"] = r[2]
    return out


def next_due_by_target(db: Db) -> dict[str, float]:
    """When each calendar's earliest retryable outbox row is due (epoch seconds)."""
    rows = db.execute("SELECT target, MIN(next_at) FROM outbox WHERE dead=0 GROUP BY target")
    return {r[0]: float(r[1]) for r in rows}
