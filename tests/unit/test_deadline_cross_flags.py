"""deadline_cross_flags (what `docketd preview` shows) is cross_flags' flags of deadlines, key by key, in order."""

from __future__ import annotations

import random
from datetime import date, timedelta

from daemon.models import Deadline, Flag, TriggerEvent
from daemon.planning.conflicts import conflict_flags, cross_flags, deadline_cross_flags
from daemon.planning.planner import MatterFacts
from daemon.settings.people import Person

TODAY = date(2026, 3, 2)
EMAILS = ["a@firm.com", "b@firm.com", "c@firm.com"]
PEOPLE = {
    "a@firm.com": Person("a@firm.com", "Ann", out_of_office=((date(2026, 3, 10), date(2026, 3, 14)),)),
    "b@firm.com": Person("b@firm.com"),
}


def _case(seed: int) -> tuple[list[Deadline], dict[str, MatterFacts]]:
    rnd = random.Random(seed)
    deadlines = []
    facts = {}
    for m in range(rnd.randrange(5, 30)):
        matter = f"M-{m}"
        attorneys = tuple(rnd.sample(EMAILS, rnd.randrange(0, 3)))
        facts[matter] = MatterFacts(matter, court=rnd.choice(["federal", None]), attorneys=attorneys,
                                    status=rnd.choice(["open", "open", "closed"]))
        for r in range(rnd.randrange(0, 6)):
            trig = TriggerEvent(matter, "summons_served", TODAY, court="federal")
            due = TODAY + timedelta(days=rnd.randrange(-5, 20))
            rule = f"rule{rnd.randrange(4)}"  # a repeated rule repeats the key: the last deadline holds
            deadlines.append(Deadline(matter, rule, f"Rule {r}", due, "federal", "cite", trig, ("step",),
                                      kind=rnd.choice(["deadline", "deadline", "followup"]),
                                      critical=rnd.random() < 0.8))
    return deadlines, facts


def test_deadline_cross_flags_are_cross_flags_by_deadline_key() -> None:
    for seed in range(60):
        deadlines, facts = _case(seed)
        busy = {"b@firm.com": [TODAY + timedelta(days=3)]} if seed % 2 else None
        threshold = 2 + seed % 3
        expected: dict[str, list[Flag]] = {}
        keys = {d.key for d in deadlines}
        for s in cross_flags(deadlines, facts, today=TODAY, people=PEOPLE, default_people=["docket@firm.com"],
                             busy=busy, conflict_threshold=threshold, known_courts=["federal"]):
            if s.scope in keys:
                expected.setdefault(s.scope, []).append(s.flag)
        got = deadline_cross_flags(deadlines, facts, today=TODAY, people=PEOPLE,
                                   default_people=["docket@firm.com"], busy=busy, conflict_threshold=threshold)
        assert got == expected
        assert deadline_cross_flags(deadlines, facts, today=TODAY, people=PEOPLE, default_people=["docket@firm.com"],
                                    busy=busy, conflict_threshold=threshold,
                                    keys=[d.key for d in deadlines]) == expected


def test_conflict_flags_share_one_flag_per_message() -> None:
    deadlines, facts = _case(3)
    flags = conflict_flags(deadlines, facts, today=TODAY, people=PEOPLE, default_people=[])
    assert flags == sorted(flags, key=lambda s: s.scope)
    by_message: dict[str, Flag] = {}
    for s in flags:
        assert by_message.setdefault(s.flag.message, s.flag) is s.flag
