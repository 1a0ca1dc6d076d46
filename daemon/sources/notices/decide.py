"""`docketd review accept|reject`: a person's decision on a queued notice, applied in one transaction."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, time

from daemon.docket import Docket, now_iso
from daemon.errors import UsageError
from daemon.models import TriggerEvent
from daemon.sources.notices.court_set import COURT_SET
from daemon.sources.notices.ingest import store_notice_triggers
from daemon.sources.notices.links import matters_for
from daemon.sources.notices.review import ReviewItem, resolve, review_items
from daemon.state import notice_triggers, notices


def _item(docket: Docket, rid: int) -> ReviewItem:
    items = review_items(docket.store.db, status=None, item=rid)
    if not items:
        raise UsageError(f"There is no review item #{rid}; `docketd review` lists the open ones.")
    if items[0].status != "open":
        raise UsageError(f"Review item #{rid} was already {items[0].status}.")
    return items[0]


def _matters(docket: Docket, item: ReviewItem, matter: str | None) -> list[str]:
    if matter:
        if docket.store.matter(matter) is None:
            raise UsageError(f"There is no matter {matter!r} in the docket; check the matter number.")
        return [matter]
    if item.matters:
        return item.matters
    found: list[str] = []
    for case in item.notice.get("cases", []):
        for m in matters_for(docket.store.db, case["case_number"], case.get("court") or item.notice.get("court")):
            if m not in found:
                found.append(m)
    if not found:
        numbers = ", ".join(c["case_number"] for c in item.notice.get("cases", [])) or "(none read)"
        raise UsageError(f"Review item #{item.id}: no matter is linked to case {numbers}; run "
                         f"`docketd link MATTER CASE_NUMBER` first, or pass --matter MATTER.")
    return found


def accept(docket: Docket, rid: int, now: datetime, by: str, *, event: str | None = None,
           day: date | None = None, at: time | None = None, matter: str | None = None,
           replace_old: bool = False, withdraw: list[int] | None = None) -> str:
    """Docket what the item proposes (or the one event/date given), optionally withdrawing moved dates."""
    item = _item(docket, rid)
    matters = _matters(docket, item, matter)
    if (event is None) != (day is None):
        raise UsageError("Give --event and --date together (e.g. --event motion_hearing --date 2026-03-02).")
    triggers: list[TriggerEvent] = []
    for m in matters:
        facts = docket.facts(m)
        court = facts.court if facts and facts.court else item.notice.get("court")
        if event is not None and day is not None:
            if event != COURT_SET and court and event not in docket.rules.events_for(court):
                known = ", ".join(sorted(docket.rules.events_for(court)))
                raise UsageError(f"{event!r} is not a trigger event of court {court}; use one of: {known}.")
            base = item.proposal[0] if item.proposal else None
            ref = base.ref.rsplit(" [", 1)[-1].rstrip("]") if base and base.ref else f"review {rid}"
            triggers.append(TriggerEvent(
                matter=m, event=event, date=day, court=court, time=at, ref=f"{ref} (review {rid})",
                notes=base.notes if base else f"Entered from review item {rid}.",
                provenance=base.provenance if base else None, case_number=base.case_number if base else None))
        else:
            triggers += [replace(t, matter=m, court=court or t.court) for t in item.proposal
                         if t.matter in ("", m)]
    for t in triggers:
        if t.event != COURT_SET and (not t.court or t.event not in docket.rules.events_for(t.court)):
            raise UsageError(f"Review item #{rid}: court {t.court or '(none)'} of matter {t.matter} has no rule "
                             f"for {t.event}; give --event E --date D with an event of that court, or reject it.")
    chosen = _withdrawals(item, replace_old, withdraw or [])
    if not triggers and not chosen:
        raise UsageError(f"Review item #{rid} proposes no date to docket; give --event E --date D, or "
                         f"`docketd review reject {rid}` if nothing is to be calendared.")
    stamp = now_iso(now)
    with docket.store.transaction() as db:
        withdrawn = 0
        for mv in chosen:
            withdrawn += notice_triggers.withdraw(db, str(mv["matter"]), str(mv["event"]), str(mv["ref"]))
        store_notice_triggers(db, triggers, stamp)
        docket.recompute(db, sorted(set(matters) | {str(m["matter"]) for m in chosen}), now.date(), stamp)
        resolve(db, rid, "accepted", by, json.dumps({"triggers": len(triggers), "withdrawn": withdrawn}), stamp)
        notices.settle_by_review(db, rid, "docketed", matters)
    extra = f"; withdrew {withdrawn} earlier dates" if withdrawn else ""
    return f"Accepted #{rid}: docketed {len(triggers)} dates for {', '.join(matters)}{extra}."


def _withdrawals(item: ReviewItem, replace_old: bool, numbers: list[int]) -> list[dict[str, object]]:
    """The earlier dates a person chose to withdraw: all moved ones (--replace) or those numbered."""
    for n in numbers:
        if not 1 <= n <= len(item.moves):
            raise UsageError(f"Review item #{item.id} lists {len(item.moves)} earlier dates; --withdraw {n} is not one "
                             "of them (`docketd review` numbers them).")
    if replace_old and any(str(m["new"]).startswith("vacated") for m in item.moves):
        raise UsageError(f"Review item #{item.id} lists every setting the notice may touch; say which to withdraw "
                         "with --withdraw N (one per date), not --replace.")
    chosen = list(item.moves) if replace_old else [item.moves[n - 1] for n in sorted(set(numbers))]
    return chosen


def reject(docket: Docket, rid: int, now: datetime, by: str) -> str:
    """Close the item without docketing anything."""
    _item(docket, rid)
    with docket.store.transaction() as db:
        resolve(db, rid, "rejected", by, "{}", now_iso(now))
        notices.settle_by_review(db, rid, "rejected")
    return f"Rejected #{rid}: nothing was docketed from that notice."
