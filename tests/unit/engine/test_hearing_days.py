"""A hearing, trial, conference or argument dated on a weekend or a court holiday of its court is
flagged (`hearing-on-non-court-day`), never silently accepted: every deadline counted from it would be
counted from a day the court does not sit (FRCP 77(c)(1): the clerk's office is closed on Saturdays,
Sundays and legal holidays; CCP 134(a): courts are closed on judicial holidays).
"""

from __future__ import annotations

from datetime import date

from daemon.engine import RuleBook
from daemon.models import TriggerEvent


def _flags(book: RuleBook, court: str, event: str, on: date) -> list[tuple[str, str]]:
    out = book.compute(TriggerEvent("M", event, on, court=court))
    assert out
    kinds = {(f.kind, f.severity) for d in out for f in d.flags if f.kind == "hearing-on-non-court-day"}
    assert all(any(f.kind == "hearing-on-non-court-day" for f in d.flags) for d in out) or not kinds
    return sorted(kinds)


def test_trial_on_a_saturday(book: RuleBook) -> None:
    assert _flags(book, "nysd", "trial", date(2027, 3, 6)) == [("hearing-on-non-court-day", "critical")]


def test_hearing_on_a_federal_holiday(book: RuleBook) -> None:
    """2026-11-26 is Thanksgiving Day (5 U.S.C. 6103(a))."""
    out = book.compute(TriggerEvent("M", "motion_hearing", date(2026, 11, 26), court="cand"))
    f = [f for f in out[0].flags if f.kind == "hearing-on-non-court-day"][0]
    assert "Thanksgiving" in f.message and "2026-11-26" in f.message
    assert any("not a court day" in line for line in out[0].explanation)


def test_ca_superior_judicial_holiday(book: RuleBook) -> None:
    """2026-03-31 is Cesar Chavez Day, a California judicial holiday (CCP 135)."""
    assert _flags(book, "ca-superior", "motion_hearing", date(2026, 3, 31)) == [
        ("hearing-on-non-court-day", "critical")]


def test_state_holiday_is_a_federal_court_day(book: RuleBook) -> None:
    """Lincoln's Birthday 2027-02-12 is a New York holiday only for periods measured after an event
    (FRCP 6(a)(6)(C)); the S.D.N.Y. sits that day: no flag."""
    assert _flags(book, "nysd", "motion_hearing", date(2027, 2, 12)) == []


def test_unsettled_closure_is_a_warning(book: RuleBook) -> None:
    """2025-12-24 closed federal offices by executive order; whether it is a legal holiday is unsettled."""
    assert _flags(book, "federal", "trial", date(2025, 12, 24)) == [("hearing-on-non-court-day", "warning")]


def test_weekday_hearing_and_non_hearing_event_are_not_flagged(book: RuleBook) -> None:
    assert _flags(book, "federal", "motion_hearing", date(2026, 3, 4)) == []
    assert _flags(book, "federal", "summons_served", date(2026, 3, 7)) == []  # service on a Saturday is fine
    assert _flags(book, "federal-appeals", "oral_argument", date(2026, 3, 7)) == [
        ("hearing-on-non-court-day", "critical")]
