"""The sync table: what docketd last wrote to each calendar, entry by entry."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from daemon.models import OutboxRow, RemoteRef, SyncRow
from daemon.state.by_matter import rows_by_matter
from daemon.state.handle import Db, Row, in_chunks


@dataclass(frozen=True)
class SyncedEntry:
    """Where one entry was written and when (`docketd matter`)."""

    target: str
    key: str
    state: str
    last_sync: str


def write(db: Db, target: str, row: OutboxRow, ref: RemoteRef, state: str, stamp: str) -> None:
    """Record what an op left in the calendar (state ok, or kept: a hand edit docketd keeps)."""
    entry: dict[str, Any] = dict(row.entry or {})
    # changed_at: when the content last changed (the entry's DTSTAMP), kept when the op did not say.
    db.execute(
        "INSERT INTO sync (target, uid, key, remote_id, etag, hash, state, last_sync, entry, changed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(target, uid) DO UPDATE SET "
        "key=excluded.key, remote_id=excluded.remote_id, etag=excluded.etag, hash=excluded.hash, "
        "state=excluded.state, last_sync=excluded.last_sync, entry=excluded.entry, "
        "changed_at=CASE WHEN excluded.changed_at = '' THEN sync.changed_at ELSE excluded.changed_at END",
        (target, row.uid, row.key, ref.remote_id, ref.etag, entry.get("_hash", ""), state, stamp,
         json.dumps(entry), str(entry.get("changed_at") or "")))


def forget(db: Db, target: str, uid: str) -> None:
    """The entry is gone from the calendar: drop its sync state."""
    db.execute("DELETE FROM sync WHERE target=? AND uid=?", (target, uid))


def managed_count(db: Db, target: str) -> int:
    """How many entries docketd holds in one calendar."""
    return int(db.execute("SELECT COUNT(*) FROM sync WHERE target=?", (target,)).fetchone()[0])


def synced_entries(db: Db, key_like: str | None) -> list[SyncedEntry]:
    """Synced entries, optionally only those whose key matches a LIKE pattern (escape '\\')."""
    where: tuple[str, tuple[Any, ...]] = (("WHERE key LIKE ? ESCAPE '\\' ", (key_like,)) if key_like is not None
                                          else ("", ()))
    rows = db.execute(f"SELECT target, key, state, last_sync FROM sync {where[0]}ORDER BY target", where[1])
    return [SyncedEntry(*tuple(r)) for r in rows]


def _sync_row(r: Row) -> SyncRow:
    return SyncRow(r["target"], r["uid"], r["key"], r["remote_id"], r["etag"], r["hash"], r["state"],
                   r["last_sync"], json.loads(r["entry"]), r["changed_at"])


def rows(db: Db, target: str) -> dict[str, SyncRow]:
    """What docketd last wrote to one calendar, by uid."""
    return {r["uid"]: _sync_row(r) for r in db.execute("SELECT * FROM sync WHERE target=?", (target,))}


def rows_for_uids(db: Db, target: str, uids: list[str]) -> dict[str, SyncRow]:
    """What docketd last wrote to one calendar for these uids only (a primary-key lookup each)."""
    out: dict[str, SyncRow] = {}
    for chunk, marks in in_chunks(uids):
        for r in db.execute(f"SELECT * FROM sync WHERE target=? AND uid IN ({marks})", (target, *chunk)):
            out[r["uid"]] = _sync_row(r)
    return out


def rows_for_matter(db: Db, matter: str) -> list[SyncRow]:
    """Sync state of every entry of one matter, in every calendar."""
    # '|' ends the matter part of every key, and '}' sorts right after it: an indexed range scan.
    return [_sync_row(r) for r in db.execute("SELECT * FROM sync WHERE key >= ? AND key < ?",
                                             (matter + "|", matter + "}"))]


def rows_for_matters(db: Db, matters: list[str]) -> dict[str, list[SyncRow]]:
    """As `rows_for_matter` for each of several matters, in one query per 200 (a recompute reads a batch)."""
    return rows_by_matter(db, "sync", matters, _sync_row)


def targets(db: Db) -> list[str]:
    """Every calendar that has sync state or pending work."""
    return [r[0] for r in db.execute("SELECT target FROM sync UNION SELECT target FROM outbox ORDER BY 1")]
