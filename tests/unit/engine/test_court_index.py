"""The court-day index (daemon/engine/court_index.py) against a plain day-by-day loop over the engine's
own is-court-day predicate (`DayView.closed`), on every court, for every day of 2000-2060.

Flags count "due soon" in court days from this index (issue 17; issue 14 "one court calendar"), so
it must answer exactly what walking the calendar one day at a time would.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from daemon.engine import load_rulebook
from daemon.engine.calendars import DayView
from daemon.engine.court_index import CourtCalendar

FIRST, LAST = date(2000, 1, 1), date(2060, 12, 31)
ONE = timedelta(days=1)
BOOK = load_rulebook()


def _open(cal: CourtCalendar, day: date) -> bool:
    return not cal.view.closed(day)  # the predicate itself, not the index


def ref_between(cal: CourtCalendar, a: date, b: date) -> int:
    """Court days after a up to and including b, walking one day at a time."""
    n, d = 0, a
    while d < b:
        d += ONE
        n += _open(cal, d)
    return n


def ref_add(cal: CourtCalendar, a: date, n: int) -> date:
    """The n-th court day after (n > 0) or before (n < 0) a, walking one day at a time."""
    step = ONE if n > 0 else -ONE
    d, left = a, abs(n)
    while left:
        d += step
        left -= _open(cal, d)
    return d


@pytest.mark.parametrize("court", BOOK.court_ids())
def test_every_day_of_2000_to_2060_matches_the_day_by_day_count(court: str) -> None:
    view = BOOK.court_calendar(court).view
    start, end = CourtCalendar(view), CourtCalendar(view)  # cold indexes, loaded as the walks ask
    days = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]
    is_open = [not view.closed(d) for d in days]
    after_first = [d for d, o in zip(days, is_open, strict=True) if o and d != FIRST]
    before_last = [d for d, o in zip(days, is_open, strict=True) if o and d != LAST]
    total = len(after_first)
    count = 0  # court days in (FIRST, d], walking one day at a time
    for i, d in enumerate(days):
        count += is_open[i] and d != FIRST
        assert start.between(FIRST, d) == count, d
        assert end.between(d, LAST) == total - count, d
        assert start.is_court_day(d) == is_open[i], d
    # The n-th court day from either end, for every 7th n across the span (each look-up is a search).
    for k in range(1, total + 1, 7):
        assert start.add(FIRST, k) == after_first[k - 1]
        assert end.add(LAST, -k) == before_last[-k]


DAYS = st.dates(min_value=FIRST, max_value=LAST)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(BOOK.court_ids()), DAYS, DAYS, st.integers(-400, 400))
def test_random_spans_match_the_literal_loop(court: str, a: date, b: date, n: int) -> None:
    cal = BOOK.court_calendar(court)
    assert cal.between(a, b) == ref_between(cal, a, b)
    assert cal.add(a, n) == ref_add(cal, a, n)
    assert cal.roll(a) == (a if _open(cal, a) else ref_add(cal, a, 1))
    assert cal.roll(a, forward=False) == (a if _open(cal, a) else ref_add(cal, a, -1))


def test_every_view_of_a_court_can_be_indexed() -> None:
    """Any DayView indexes (settled, unsettled, forward, backward): spot-check the four of cand."""
    days = BOOK._days["cand"]
    for view in (days.fwd, days.fwd_alt, days.bwd, days.bwd_alt):
        cal = CourtCalendar(view)
        for a in (date(2019, 12, 20), date(2026, 11, 20), date(2058, 12, 22)):
            for n in (1, 5, 30, -1, -5, -30):
                assert cal.add(a, n) == ref_add(cal, a, n)
                b = ref_add(cal, a, n)
                assert cal.between(min(a, b), max(a, b)) == ref_between(cal, min(a, b), max(a, b))


def test_flags_count_with_the_cautious_view_unsettled_days_closed() -> None:
    """The day after Thanksgiving is unsettled in California districts (FRCP 6(a)(6)(C) with Gov. Code
    6700 vs CCP 135): "due soon" counts it closed, so the warning comes early, never late."""
    assert not BOOK.court_calendar("cand").is_court_day(date(2026, 11, 27))
    assert BOOK.court_calendar("federal").is_court_day(date(2026, 11, 27))
    assert not BOOK.court_calendar("ca-superior").is_court_day(date(2026, 11, 27))


def test_years_far_from_the_loaded_ones_are_loaded_whole() -> None:
    cal = CourtCalendar(DayView([], ()))  # weekends only
    assert cal.between(date(2026, 1, 2), date(2026, 1, 9)) == 5
    assert cal.between(date(1950, 1, 2), date(2026, 1, 2)) == ref_between(cal, date(1950, 1, 2), date(2026, 1, 2))
    assert cal.add(date(2150, 1, 1), -1) == date(2149, 12, 31)
