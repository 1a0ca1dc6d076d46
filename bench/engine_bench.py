"""Engine speed: a full recompute of 5,000 x scale matters x 10 trigger events, with explanations.

`run(scale)` returns the numbers (it prints nothing); `make bench` reports them.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

from daemon.engine import load_rulebook
from daemon.models import TriggerEvent

# Ten trigger events per matter, per kind of court: the everyday life of a case.
_EVENTS = {
    "federal": ["summons_served", "counterclaim_served", "interrogatories_served", "production_requests_served",
                "admission_requests_served", "scheduling_conference", "motion_hearing", "trial",
                "judgment_entered", "recommendation_served"],
    "federal-appeals": ["appellee_brief_served", "oral_argument", "appellate_judgment_entered", "motion_served",
                        "appellee_brief_served", "motion_served", "oral_argument", "motion_served",
                        "appellate_judgment_entered", "appellee_brief_served"],
    "ca-superior": ["summons_served", "substituted_service_mailed", "interrogatories_served",
                    "production_requests_served", "admission_requests_served", "motion_hearing", "msj_hearing",
                    "trial", "notice_of_entry_served", "motion_hearing"],
}
_COURTS = ["federal", "cand", "cacd", "casd", "caed", "federal-appeals", "ca-superior", "ca-superior"]
_SERVICE = [None, "personal", "electronic", "mail", "mail-out-of-state", "overnight", "consent"]


def _triggers(matters: int, seed: int = 7) -> list[TriggerEvent]:
    rnd = random.Random(seed)
    base = date(2025, 1, 1)
    out: list[TriggerEvent] = []
    for m in range(matters):
        court = _COURTS[m % len(_COURTS)]
        events = _EVENTS.get(court, _EVENTS["federal"])
        for i, event in enumerate(events):
            day = base + timedelta(days=rnd.randrange(0, 4 * 365))
            out.append(TriggerEvent(matter=f"B-{m:06d}", event=event, date=day, court=court,
                                    service=rnd.choice(_SERVICE), ref=str(i)))
    return out


def run(scale: int = 1) -> dict[str, float]:
    """Time a full recompute of 5,000*scale matters x 10 events; returns counts and deadlines/second."""
    book = load_rulebook()
    triggers = _triggers(5000 * scale)
    book.compute(triggers[0])  # load holiday sets the way a running daemon already has them
    start = time.perf_counter()
    produced = 0
    for t in triggers:
        produced += len(book.compute(t))
    seconds = time.perf_counter() - start
    return {
        "matters": 5000 * scale,
        "events": len(triggers),
        "deadlines": produced,
        "seconds": round(seconds, 3),
        "deadlines_per_second": round(produced / seconds) if seconds else 0.0,
    }


if __name__ == "__main__":
    print(run(1))
