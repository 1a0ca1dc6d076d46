"""The preview's per-trigger cache gives exactly the rule book's deadlines (issue 17)."""

from __future__ import annotations

import random
from dataclasses import fields
from datetime import date, time, timedelta

import pytest

from daemon.engine import load_rulebook
from daemon.engine.errors import NotComputed
from daemon.engine.rulebook import RuleBook
from daemon.models import Deadline, Provenance, TriggerEvent
from daemon.planning.trigger_cache import CachedRules


@pytest.fixture(scope="module")
def rules() -> RuleBook:
    return load_rulebook()


def _fields(d: Deadline) -> list[tuple[str, object]]:
    """Every field of a deadline, by name and in order (Deadline has slots, so no vars())."""
    return [(f.name, getattr(d, f.name)) for f in fields(d)]


def _direct(rules: RuleBook, t: TriggerEvent) -> list[Deadline] | str:
    try:
        return rules.compute(t)
    except NotComputed as exc:
        return f"NotComputed: {exc} {exc.deadlines!r}"
    except Exception as exc:  # noqa: BLE001 - compared as text with the cached side's
        return f"{type(exc).__name__}: {exc}"


def test_cached_deadlines_equal_the_rule_books_for_every_court_and_event(rules: RuleBook) -> None:
    """Triggers share court, event, date and service but differ in everything else, matter numbers included
    that also occur in the deadlines' text; each answer equals computing it afresh, field by field."""
    rnd = random.Random(5)
    cached = CachedRules(rules)
    courts = sorted(rules.court_ids())
    districts = [c for c in courts if len(c) == 4]
    matters = ["2026-0142", "1", "federal", "FRCP", "Answer", "M|x", "B-000007"]
    checked = 0
    for court in courts:
        for event in sorted(rules.events_for(court)):
            days = [date(2026, 1, 1) + timedelta(days=rnd.randrange(-400, 700)) for _ in range(2)]
            for i in range(6):  # small pools: later triggers share some inputs with earlier ones, or all
                day = rnd.choice(days)
                at = rnd.choice([None, time(9, 0)])
                service = rnd.choice([None, "personal", "mail", "electronic", "overnight", "mail-international"])
                lower = rnd.choice([None, None, *districts[:2]])
                t = TriggerEvent(matter=rnd.choice(matters) + str(i), event=event, date=day, court=court, time=at,
                                 service=service, ref=rnd.choice([None, "set one"]), title=f"T{i}",
                                 attorneys=(f"a{i}@firm.com",), status=rnd.choice(["open", "closed"]),
                                 provenance=Provenance("f.csv", i + 2, "abc", day), lower_court=lower)
                want = _direct(rules, t)
                got = _direct(cached, t)  # type: ignore[arg-type]
                assert got == want
                if isinstance(want, list):
                    assert [_fields(d) for d in got] == [_fields(d) for d in want]  # type: ignore[arg-type]
                    assert all(d.trigger is t for d in got)  # type: ignore[union-attr]
                checked += 1
    assert checked > 1000


class _Counting:
    """The real rule book, counting its computations."""

    def __init__(self, rules: RuleBook) -> None:
        self.rules, self.calls = rules, 0

    def compute(self, trigger: TriggerEvent) -> list[Deadline]:
        self.calls += 1
        return self.rules.compute(trigger)


def test_a_read_key_neither_defeats_the_cache_nor_follows_the_copy(rules: RuleBook) -> None:
    """A first answer whose keys were read (the preview reads them) still answers a repeat, and each
    copy's key is its own matter's, as computed afresh."""
    counting = _Counting(rules)
    cached = CachedRules(counting)  # type: ignore[arg-type]
    first = TriggerEvent(matter="2026-0001", event="summons_served", date=date(2026, 3, 2), court="federal")
    again = TriggerEvent(matter="2026-0002", event="summons_served", date=date(2026, 3, 2), court="federal")
    got_first = cached.compute(first)
    assert got_first and all(d.key.startswith("2026-0001|") for d in got_first)
    got_again = cached.compute(again)
    assert counting.calls == 1
    assert [_fields(d) for d in got_again] == [_fields(d) for d in rules.compute(again)]
    assert [d.key for d in got_again] == [d.key for d in rules.compute(again)]


def test_an_answer_is_the_callers_own_list(rules: RuleBook) -> None:
    """Changing a list the cache handed out (first sight or repeat) changes no later answer; plan_matter
    hands one open-matter row's list on as it is (issue 17)."""
    from daemon.planning.planner import MatterFacts, plan_matter

    cached = CachedRules(rules)
    t = TriggerEvent("M-1", "summons_served", date(2026, 11, 27), court="federal", service="mail")
    first = plan_matter([t], MatterFacts("M-1"), cached, date(2026, 12, 3))
    want = [_fields(d) for d in first]
    first.clear()
    again = plan_matter([t], MatterFacts("M-1"), cached, date(2026, 12, 3))
    assert [_fields(d) for d in again] == want
    again.append(again[0])
    assert [_fields(d) for d in cached.compute(t)] == want
