"""The notices table: every court notice read, once, by the identity of its docket entry."""

from __future__ import annotations

import json
from typing import Any

from daemon.state.handle import Db


def seen(db: Db, identity: str) -> bool:
    """True when a notice with this identity was read before."""
    return db.execute("SELECT 1 FROM notices WHERE identity=?", (identity,)).fetchone() is not None


def record(db: Db, *, identity: str, message_id: str, source: str, stamp: str, status: str,
           matters: list[str], notice: dict[str, Any]) -> None:
    """Record what became of a notice (a notice read afresh replaces its earlier record)."""
    db.execute("INSERT INTO notices (identity, message_id, source, received_at, status, matters, payload) "
               "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(identity) DO UPDATE SET message_id=excluded.message_id, "
               "source=excluded.source, received_at=excluded.received_at, status=excluded.status, "
               "matters=excluded.matters, payload=excluded.payload",
               (identity, message_id, source, stamp, status, json.dumps(matters), json.dumps(notice)))


def settle_by_review(db: Db, review_id: int, status: str, matters: list[str] | None = None) -> None:
    """Set the status (and, if given, the matters) of the notice a review item was opened for."""
    if matters is None:
        db.execute("UPDATE notices SET status=? WHERE identity=(SELECT notice FROM reviews WHERE id=?)",
                   (status, review_id))
    else:
        db.execute("UPDATE notices SET status=?, matters=? WHERE identity=(SELECT notice FROM reviews "
                   "WHERE id=?)", (status, json.dumps(matters), review_id))
