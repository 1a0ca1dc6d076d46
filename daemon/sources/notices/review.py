"""The review queue: notices a person must decide, each an open `notice-review` flag until resolved."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from daemon.models import TriggerEvent
from daemon.serial import trigger_from_dict, trigger_to_dict
from daemon.sources.notices.nef import Notice
from daemon.state import flags, reviews
from daemon.state.handle import Db

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


def open_review(db: Db, notice: Notice, matters: list[str], reasons: list[str],
                proposal: list[TriggerEvent], moves: list[dict[str, Any]], stamp: str) -> int:
    """Queue a notice for a person and raise its flag (status, digest, agenda); returns the item id."""
    reason = " ".join(reasons)
    payload = {"notice": notice.as_json(), "matters": matters, "reasons": reasons,
               "proposal": [trigger_to_dict(t) for t in proposal], "moves": moves}
    rid = reviews.open_item(db, notice=notice.identity, matter=matters[0] if matters else None, reason=reason,
                            payload=payload, stamp=stamp)
    cases = ", ".join(c.case_number for c in notice.cases) or "no case number"
    flags.add(db, scope=f"review:{rid}", kind=FLAG_KIND, severity="critical" if moves else "warning",
              message=f"Court notice needs review (#{rid}, {notice.court or 'court?'} {cases}): {reason}",
              action=f"Run `docketd review` and `docketd review accept {rid}` or `reject {rid}`.",
              matter=matters[0] if matters else None, stamp=stamp)
    return rid


def review_items(db: Db, *, status: str | None = "open", item: int | None = None) -> list[ReviewItem]:
    """Review items, oldest first (only open ones unless status is None)."""
    out = []
    for row in reviews.items(db, status=status, item=item):
        p = row.payload
        out.append(ReviewItem(row.id, p["notice"], list(p["matters"]), row.reason,
                              [trigger_from_dict(t) for t in p["proposal"]], list(p["moves"]), row.status,
                              row.created_at))
    return out


def resolve(db: Db, rid: int, status: str, by: str, resolution: str, stamp: str) -> None:
    """Close a review item and acknowledge its flag."""
    reviews.resolve(db, rid, status, by, resolution, stamp, flag_kind=FLAG_KIND)
