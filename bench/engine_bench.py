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
    "federal": [
        "summons_served", "counterclaim_served", "interrogatories_served", "production_requests_served",
        "admission_requests_served", "scheduling_conference", "motion_hearing", "trial",
        "judgment_entered", "recommendation_served",
    ],
    "federal-appeals": [
        "appellee_brief_served", "oral_argument", "appellate_judgment_entered", "motion_served",
        "appellee_brief_served", "motion_served", "oral_argument", "motion_served",
        "appellate_judgment_entered", "appellee_brief_served",
    ],
    "ca-superior": [
        "summons_served", "substituted_service_mailed", "interrogatories_served",
        "production_requests_served", "admission_requests_served", "motion_hearing", "msj_hearing",
        "trial", "notice_of_entry_served", "motion_hearing",
    ],
}
# California districts and courts, plus districts and circuits with the bigger state holiday tables
# (FRCP 6(a)(6)(C), FRAP 26(a)(6)(C); ca2/ca5 rows name the district court whose judgment is appealed).
_COURTS = ["federal", "cand", "cacd", "nysd", "txsd", "mad", "flsd", "ilnd", "federal-appeals", "ca2", "ca5",
           "ca-superior", "ca-superior"]
_APPEALS = {"federal-appeals": None, "ca2": "njd", "ca5": "txsd"}
_SERVICE = [None, "personal", "electronic", "mail", "mail-out-of-state", "overnight", "consent"]


def _triggers(matters: int, seed: int = 7) -> list[TriggerEvent]:
    rnd = random.Random(seed)
    base = date(2025, 1, 1)
    out: list[TriggerEvent] = []
    for m in range(matters):
        court = _COURTS[m % len(_COURTS)]
        lower = _APPEALS.get(court)
        events = _EVENTS["federal-appeals"] if court in _APPEALS else _EVENTS.get(court, _EVENTS["federal"])
        for i, event in enumerate(events):
            day = base + timedelta(days=rnd.randrange(0, 4 * 365))
            out.append(TriggerEvent(matter=f"B-{m:06d}", event=event, date=day, court=court,
                                    service=rnd.choice(_SERVICE), ref=str(i), lower_court=lower))
    return out


def run(scale: int = 1) -> dict[str, float]:
    """Time a full recompute of 5,000*scale matters x 10 events; returns counts and deadlines/second.

    A fresh rule book (cold holiday caches, as after a reload) computes every trigger once. Wall and
    CPU time are both reported: on a busy machine the CPU rate is the steadier number.
    """
    book = load_rulebook()
    triggers = _triggers(5000 * scale)
    start, cpu = time.perf_counter(), time.process_time()
    produced = followups = 0
    for t in triggers:  # results are dropped as they come: scale 16 would not fit in memory
        out = book.compute(t)
        produced += len(out)
        followups += sum(d.kind == "followup" for d in out)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "matters": 5000 * scale,
        "events": len(triggers),
        "deadlines": produced,
        "followups": followups,
        "seconds": round(seconds, 3),
        "cpu_seconds": round(cpu, 3),
        "deadlines_per_second": round(produced / seconds) if seconds else 0.0,
        "deadlines_per_cpu_second": round(produced / cpu) if cpu else 0.0,
    }


if __name__ == "__main__":
    print(run(1))
