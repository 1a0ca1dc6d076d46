"""Per-matter flags (daemon/planning/flags.py) for crafted scenarios, with `today` injected; engine flags included."""

from __future__ import annotations

from datetime import date

import pytest

from daemon.engine import load_rulebook
from daemon.models import Deadline, Provenance, TriggerEvent
from daemon.planning.flags import FAR_PAST_DAYS, all_flags, deadline_flags, trigger_flags

TODAY = date(2026, 3, 2)  # a Monday
BOOK = load_rulebook()


def _deadline(due: date, *, received: date | None = TODAY, kind: str = "deadline",
              event: str = "summons_served", when: date = date(2026, 2, 20), court: str = "federal") -> Deadline:
    trig = TriggerEvent("2026-0142", event, when, court=court, service="personal",
                        provenance=Provenance("intake.csv", 2, "", received))
    return Deadline("2026-0142", "frcp.answer", "Answer due", due, court,
                    "Fed. R. Civ. P. 12(a)(1)(A)(i)", trig, ("step",), kind=kind)


def _kinds(flags: list) -> list[str]:  # type: ignore[type-arg]
    return [f.kind for f in flags]


def test_missed_at_intake_is_critical_and_says_what_to_do() -> None:
    flags = deadline_flags(_deadline(date(2026, 2, 27)), TODAY, courts=BOOK)
    assert _kinds(flags) == ["missed"]
    (f,) = flags
    assert f.severity == "critical"
    assert "fell on 2026-02-27 (Fri)" in f.message and "before docketd received" in f.message
    assert "attorney" in f.action


def test_missed_is_judged_against_the_day_received_not_today() -> None:
    # Received in time, the due date has since passed: not "missed at intake".
    late = _deadline(date(2026, 2, 27), received=date(2026, 2, 10))
    assert "missed" not in _kinds(deadline_flags(late, TODAY, courts=BOOK))


@pytest.mark.parametrize(("court", "due", "soon"), [
    ("federal", date(2026, 3, 2), True),    # today
    ("federal", date(2026, 3, 9), True),    # 5 court days on
    ("federal", date(2026, 3, 10), False),  # 6 court days on
    # Tue 2026-03-03 is Town Meeting Day (1 V.S.A. 371(a)), a legal holiday of the District of Vermont
    # for forward counts (FRCP 6(a)(6)(C)): "due soon" counts in the deadline's own court's days, with
    # every day the court may be closed counted as closed, so 03-10 is the 5th court day there.
    ("vtd", date(2026, 3, 10), True),
    ("vtd", date(2026, 3, 11), False),
])
def test_due_soon_counts_court_days(court: str, due: date, soon: bool) -> None:
    flags = deadline_flags(_deadline(due, court=court), TODAY, soon_court_days=5, courts=BOOK)
    assert ("due-soon" in _kinds(flags)) is soon
    if soon:
        assert flags[0].severity == "warning" and "within 5 court days" in flags[0].message


def test_due_soon_counts_the_deadlines_own_courts_days() -> None:
    # The engine's calendars, per court (one source): Thanksgiving (Thu 2026-11-26) closes every court;
    # the day after closes California superior courts (CCP 135) and, read the cautious way, California
    # districts (FRCP 6(a)(6)(C) with Gov. Code 6700, unsettled), but not a federal court elsewhere.
    assert BOOK.court_calendar("federal").between(date(2026, 3, 6), date(2026, 3, 9)) == 1  # Fri -> Mon
    assert BOOK.court_calendar("federal").between(date(2026, 3, 9), date(2026, 3, 6)) == 0
    assert BOOK.court_calendar("federal").between(date(2026, 11, 25), date(2026, 11, 30)) == 2
    assert BOOK.court_calendar("ca-superior").between(date(2026, 11, 25), date(2026, 11, 30)) == 1
    assert BOOK.court_calendar("cand").between(date(2026, 11, 25), date(2026, 11, 30)) == 1


def test_a_holiday_in_the_window_flags_earlier_not_later() -> None:
    # Mon 2026-11-23 to Tue 2026-12-01 is 6 weekdays but only 4 court days in a California superior
    # court (Thanksgiving and the day after, CCP 135): flagged; in a federal court it is 5: flagged too.
    for court in ("ca-superior", "cand", "federal"):
        d = _deadline(date(2026, 12, 1), received=date(2026, 11, 23), court=court)
        assert "due-soon" in _kinds(deadline_flags(d, date(2026, 11, 23), soon_court_days=5, courts=BOOK))
    assert BOOK.court_calendar("ca-superior").between(date(2026, 11, 23), date(2026, 12, 1)) == 4
    assert BOOK.court_calendar("federal").between(date(2026, 11, 23), date(2026, 12, 1)) == 5
    late = _deadline(date(2026, 12, 2), received=date(2026, 11, 23), court="federal")  # 6 federal court days
    assert "due-soon" not in _kinds(deadline_flags(late, date(2026, 11, 23), soon_court_days=5, courts=BOOK))


def test_followups_get_no_missed_or_soon_flags() -> None:
    assert deadline_flags(_deadline(date(2026, 2, 27), kind="followup"), TODAY, courts=BOOK) == []


def test_future_trigger_is_a_likely_typo_but_a_hearing_is_not() -> None:
    (f,) = trigger_flags("2026-0142", "summons_served", date(2026, 4, 1), TODAY)
    assert f.kind == "future-trigger" and "in the future" in f.message and "intake row" in f.action
    assert trigger_flags("2026-0142", "motion_hearing", date(2026, 4, 1), TODAY) == []


def test_far_past_trigger() -> None:
    old = date.fromordinal(TODAY.toordinal() - FAR_PAST_DAYS - 1)
    (f,) = trigger_flags("2026-0142", "summons_served", old, TODAY)
    assert f.kind == "far-past-trigger" and "more than two years ago" in f.message
    assert trigger_flags("2026-0142", "summons_served", date(2025, 6, 1), TODAY) == []


def test_all_flags_keys_by_deadline_and_adds_trigger_flags() -> None:
    d = _deadline(date(2026, 5, 1), when=date(2026, 4, 1))
    out = all_flags([d], TODAY, courts=BOOK)
    assert list(out) == [d.key]
    assert _kinds(out[d.key]) == ["future-trigger"]


def test_missing_service_method_comes_from_the_engine_with_the_alternative() -> None:
    rules = load_rulebook()
    trig = TriggerEvent("2026-0200", "interrogatories_served", date(2026, 3, 2), court="federal",
                        provenance=Provenance("x.csv", 2, "", TODAY))
    flagged = [f for d in rules.compute(trig) for f in all_flags([d], TODAY, courts=BOOK)[d.key]
               if f.kind == "missing-service"]
    assert flagged, "a service-dependent rule without a service method must be flagged"
    f = flagged[0]
    assert "earliest" in f.message and f.alternative is not None
    assert "service method" in f.action


def test_ambiguous_law_names_the_other_date() -> None:
    # The day after Thanksgiving is a California holiday; whether FRCP 6(a)(6)(C) makes it one in a
    # California district is unsettled, so the engine calendars the earlier date and names the later one.
    rules = load_rulebook()
    trig = TriggerEvent("2026-0201", "amended_pleading_served", date(2026, 11, 13), court="cand",
                        service="personal", provenance=Provenance("x.csv", 2, "", date(2026, 11, 13)))
    d = next(d for d in rules.compute(trig) if d.rule == "frcp.amended-pleading-response")
    (f,) = [f for f in all_flags([d], date(2026, 11, 13), courts=BOOK)[d.key] if f.kind == "ambiguous-law"]
    assert d.due == date(2026, 11, 27) and f.alternative == date(2026, 11, 30)
    assert "2026-11-30" in f.action and "earlier date 2026-11-27" in f.message
