"""PURE: desired entries vs what was last synced (and what is pending) -> outbox changes.

A pending op may already have reached the calendar: a kill -9 between the calendar write and the
store commit leaves the op queued and no sync record. So a pending op that is no longer wanted is
never simply forgotten; it is settled: a queued create becomes a delete of the same deterministic
uid (deleting what is not there is success), and a pending op replaced by another content becomes a
forced write of the wanted content (the calendar may hold docketd's own unrecorded write, which the
etag guard would take for a hand edit). Deletions of managed entries are counted so
the caller can refuse a mass deletion.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from daemon.models import CalendarEntry, OutboxRow, SyncRow


@dataclass
class TargetPlan:
    """What must change in one calendar's outbox."""

    upserts: list[CalendarEntry] = field(default_factory=list)
    deletes: list[SyncRow] = field(default_factory=list)
    # Settlements of pending ops that may already have been applied (never counted as mass deletes):
    rewrites: list[CalendarEntry] = field(default_factory=list)  # forced upserts replacing a pending op
    unwinds: list[OutboxRow] = field(default_factory=list)  # a queued create becomes a delete of its uid


def _queued_hash(queued: OutboxRow) -> str | None:
    return queued.entry.get("_hash") if queued.op == "upsert" and queued.entry is not None else None


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
                # A queued change (or delete) may have landed: write the synced content back, forced, since
                # the calendar's version may be docketd's own unrecorded write. A queued op that already
                # writes this content (e.g. a restore after a hand edit) stays as it is.
                if queued is not None and _queued_hash(queued) != want.content_hash():
                    plan.rewrites.append(want)
            elif queued is None:
                plan.upserts.append(want)
            elif _queued_hash(queued) != want.content_hash():
                plan.rewrites.append(want)  # replaces a pending op that may have landed: the etag guard cannot hold
        elif have is not None:
            if queued is None or queued.op != "delete":
                plan.deletes.append(have)
        elif queued is not None and queued.op != "delete":
            plan.unwinds.append(queued)  # never recorded, maybe created: delete the uid (idempotent)
    return plan


def exceeds_delete_guard(deletes: int, managed: int, share: float, floor: int) -> bool:
    """True when a sync would delete more than `share` of a calendar's managed events (and > floor)."""
    return deletes > floor and deletes > share * managed
