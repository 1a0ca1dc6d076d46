"""The review queue: notices a person must decide, each an open `notice-review` flag until resolved."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from daemon.models import TriggerEvent
from daemon.serial import trigger_from_dict, trigger_to_dict
from daemon.sources.notices.nef import Notice

FLAG_KIND = "notice-review"


@dataclass(frozen=True)
class ReviewItem:
    """One open (or resolved) review item."""

    id: int
    notice: dict[str, Any]  # the `notice parse --json` shape
    matters: list[str]
    reason: str
    proposal: list[TriggerEvent]
    moves: list[dict[str, Any]]
    status: str
    created_at: str

    def as_json(self) -> dict[str, Any]:
        """JSON-ready data (`docketd review --json`)."""
        return {"id": self.id, "status": self.status, "created_at": self.created_at, "matters": self.matters,
                "reason": self.reason, "moves": self.moves, "notice": self.notice,
                "proposal": [{"matter": t.matter, "event": t.event, "date": t.date.isoformat(),
                              "time": t.time.strftime("%H:%M") if t.time else None, "ref": t.ref}
                             for t in self.proposal]}


def open_review(db: sqlite3.Connection, notice: Notice, matters: list[str], reasons: list[str],
                proposal: list[TriggerEvent], moves: list[dict[str, Any]], stamp: str) -> int:
    """Queue a notice for a person and raise its flag (status, digest, agenda); returns the item id."""
    reason = " ".join(reasons)
    payload = {"notice": notice.as_json(), "matters": matters, "reasons": reasons,
               "proposal": [trigger_to_dict(t) for t in proposal], "moves": moves}
    cur = db.execute("INSERT INTO reviews (notice, matter, reason, proposal, status, created_at) "
                     "VALUES (?, ?, ?, ?, 'open', ?)",
                     (notice.identity, matters[0] if matters else None, reason, json.dumps(payload), stamp))
    rid = int(cur.lastrowid or 0)
    cases = ", ".join(c.case_number for c in notice.cases) or "no case number"
    db.execute(
        "INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(scope, kind) DO NOTHING",
        (f"review:{rid}", FLAG_KIND, "critical" if moves else "warning",
         f"Court notice needs review (#{rid}, {notice.court or 'court?'} {cases}): {reason}",
         f"Run `docketd review` and `docketd review accept {rid}` or `reject {rid}`.",
         matters[0] if matters else None, stamp))
    return rid


def review_items(db: sqlite3.Connection, *, status: str | None = "open", item: int | None = None) -> list[ReviewItem]:
    """Review items, oldest first (only open ones unless status is None)."""
    sql, args = "SELECT id, reason, proposal, status, created_at FROM reviews WHERE 1=1", []
    if status is not None:
        sql += " AND status=?"
        args.append(status)
    if item is not None:
        sql += " AND id=?"
        args.append(str(item))
    out = []
    for rid, reason, raw, st, created in db.execute(sql + " ORDER BY id", args):
        p = json.loads(raw)
        out.append(ReviewItem(rid, p["notice"], list(p["matters"]), reason,
                              [trigger_from_dict(t) for t in p["proposal"]], list(p["moves"]), st, created))
    return out


def resolve(db: sqlite3.Connection, rid: int, status: str, by: str, resolution: str, stamp: str) -> None:
    """Close a review item and acknowledge its flag."""
    db.execute("UPDATE reviews SET status=?, resolved_at=?, resolved_by=?, resolution=? WHERE id=?",
               (status, stamp, by, resolution, rid))
    db.execute("UPDATE flags SET acked_at=?, acked_by=? WHERE scope=? AND kind=? AND acked_at IS NULL",
               (stamp, by, f"review:{rid}", FLAG_KIND))
