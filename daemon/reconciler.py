"""PURE: desired entries vs what was last synced (and what is pending) -> outbox changes.

An outbox change is ("put", uid, entry) to upsert a pending op, or ("drop", uid, None) to remove a
pending op that is no longer needed. Deletions are counted so the caller can refuse a mass deletion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from daemon.models import CalendarEntry
from daemon.store import OutboxRow, SyncRow


@dataclass
class TargetPlan:
    """What must change in one calendar's outbox."""

    upserts: list[CalendarEntry] = field(default_factory=list)
    deletes: list[SyncRow] = field(default_factory=list)
    drops: list[str] = field(default_factory=list)  # uids whose pending op is obsolete


def reconcile(desired: Mapping[str, CalendarEntry], synced: Mapping[str, SyncRow],
              pending: Mapping[str, OutboxRow]) -> TargetPlan:
    """Compare one calendar's desired entries with its sync state; unchanged entries cost nothing."""
    plan = TargetPlan()
    for uid in sorted(set(desired) | set(synced) | set(pending)):
        want = desired.get(uid)
        have = synced.get(uid)
        queued = pending.get(uid)
        if want is not None:
            if have is not None and have.hash == want.content_hash():
                if queued is not None:
                    plan.drops.append(uid)
            elif queued is None or queued.op != "upsert" or queued.entry is None \
                    or queued.entry.get("_hash") != want.content_hash():
                plan.upserts.append(want)
        elif have is not None:
            if queued is None or queued.op != "delete":
                plan.deletes.append(have)
        elif queued is not None:
            plan.drops.append(uid)
    return plan


def exceeds_delete_guard(deletes: int, managed: int, share: float, floor: int) -> bool:
    """True when a sync would delete more than `share` of a calendar's managed events (and > floor)."""
    return deletes > floor and deletes > share * managed
