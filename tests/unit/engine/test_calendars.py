"""Holiday calendars against lists computed a different way, published lists, and the `holidays` package."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import holidays
import pytest

from daemon.engine import RuleBook
from daemon.engine.calendars import ca_judicial_holidays, federal_holidays

YEARS = range(2020, 2041)


def _days(year: int) -> list[date]:
    return [date(year, 1, 1) + timedelta(days=i) for i in range(366 if calendar.isleap(year) else 365)]


def _is(day: date, month: int, weekday: int, nth: int) -> bool:
    """Predicate form (not constructive): the nth (or last, -1) `weekday` of `month`."""
    if day.month != month or day.weekday() != weekday:
        return False
    if nth == -1:
        return day.day + 7 > calendar.monthrange(day.year, month)[1]
    return (day.day - 1) // 7 + 1 == nth


def _shift(day: date) -> date:
    return {5: day - timedelta(days=1), 6: day + timedelta(days=1)}.get(day.weekday(), day)


def independent_federal(year: int) -> set[date]:
    """5 U.S.C. 6103(a) by scanning every day of three years and shifting weekend holidays."""
    actual = set()
    for y in (year - 1, year, year + 1):
        for d in _days(y):
            fixed = (d.month, d.day) in {(1, 1), (7, 4), (11, 11), (12, 25)} or (
                (d.month, d.day) == (6, 19) and y >= 2021)
            moving = (_is(d, 1, 0, 3) or _is(d, 2, 0, 3) or _is(d, 5, 0, -1) or _is(d, 9, 0, 1)
                      or _is(d, 10, 0, 2) or _is(d, 11, 3, 4))
            if fixed:
                actual.add(_shift(d))
            elif moving:
                actual.add(d)
    return {d for d in actual if d.year == year}


def independent_ca_judicial(year: int) -> set[date]:
    """CCP 135 as RULES.md (corrected) states it: federal minus Columbus (from 2022) and Juneteenth (before
    2023), plus Lincoln Day, Cesar Chavez Day, the day after Thanksgiving and Native American Day (from
    2022). Settled days only: Native American Day 2015-2020 is unsettled (test_ca_history.py)."""
    out = independent_federal(year)
    for d in _days(year):
        if _is(d, 10, 0, 2) and year >= 2022:
            out.discard(d)
        if (d.month, d.day) in ((6, 18), (6, 19), (6, 20)) and year < 2023 and d in out and d.weekday() < 5 \
                and _shift(date(year, 6, 19)) == d:
            out.discard(d)
        if _is(d, 9, 4, 4) and year >= 2022:
            out.add(d)
        if _is(d - timedelta(days=1), 11, 3, 4):
            out.add(d)
    for month, day in ((2, 12), (3, 31)):
        out.add(_shift(date(year, month, day)))
    return out


@pytest.mark.parametrize("year", YEARS)
def test_federal_matches_independent_list(year: int) -> None:
    assert {h.day for h in federal_holidays(year)} == independent_federal(year)


@pytest.mark.parametrize("year", YEARS)
def test_ca_judicial_matches_independent_list(year: int) -> None:
    assert {h.day for h in ca_judicial_holidays(year) if not h.ambiguous} == independent_ca_judicial(year)


def test_published_lists() -> None:
    """OPM's published federal holidays for 2027 (incl. Fri Dec 31 for Sat Jan 1 2028) and the
    Judicial Council's 2026 court holidays."""
    fed_2027 = {"01-01", "01-18", "02-15", "05-31", "06-18", "07-05", "09-06", "10-11", "11-11", "11-25",
                "12-24", "12-31"}
    assert {h.day.strftime("%m-%d") for h in federal_holidays(2027)} == fed_2027
    ca_2026 = {"01-01", "01-19", "02-12", "02-16", "03-31", "05-25", "06-19", "07-03", "09-07", "09-25",
               "11-11", "11-26", "11-27", "12-25"}
    assert {h.day.strftime("%m-%d") for h in ca_judicial_holidays(2026)} == ca_2026


def test_inauguration_day_is_not_a_holiday() -> None:
    assert date(2025, 1, 20) in {h.day for h in federal_holidays(2025)}  # MLK Day, not inauguration
    assert date(2029, 1, 22) not in {h.day for h in federal_holidays(2029)}  # Monday after Sat Jan 20
    assert all(h.day != date(2021, 1, 20) for h in federal_holidays(2021))


@pytest.mark.parametrize("year", YEARS)
def test_federal_agrees_with_holidays_package(year: int) -> None:
    """The `holidays` package's US calendar also lists the weekend day itself; on weekdays it agrees."""
    pkg = {d for d in holidays.US(years=[year - 1, year, year + 1], observed=True)
           if d.year == year and d.weekday() < 5}
    assert {h.day for h in federal_holidays(year)} == pkg


@pytest.mark.parametrize("year", YEARS)
def test_ca_differences_from_holidays_package_are_the_documented_ones(year: int) -> None:
    """Its CA calendar is a state-employee calendar: docs/rules.md lists how it differs from CCP 135."""
    pkg = holidays.US(subdiv="CA", years=[year - 1, year, year + 1], observed=True)
    pkg_days = {d for d in pkg if d.year == year and d.weekday() < 5}
    mine = {h.day: h.name for h in ca_judicial_holidays(year)}
    only_mine = {mine[d].replace(" (observed)", "").split(" (Gov. Code")[0] for d in set(mine) - pkg_days}
    only_pkg = {pkg[d].replace(" (observed)", "") for d in pkg_days - set(mine)}
    assert only_mine <= {"Lincoln Day", "Native American Day", "Cesar Chavez Day", "Columbus Day"}
    # Juneteenth 2021-2022 is federal (so in the package) but not a CA judicial holiday until 2023
    assert only_pkg <= {"Susan B. Anthony Day", "Diwali", "Juneteenth National Independence Day"}


def test_court_views(book: RuleBook) -> None:
    """cand closes California days for forward counts only (FRCP 6(a)(6)(C))."""
    assert date(2026, 3, 31) in book.holidays("cand", 2026, forward=True)
    assert date(2026, 3, 31) not in book.holidays("cand", 2026, forward=False)
    assert date(2026, 3, 31) not in book.holidays("federal", 2026)
    assert date(2026, 3, 31) in book.holidays("ca-superior", 2026)
    # The day after Thanksgiving is unsettled under 6(a)(6)(C): not closed in the settled view.
    assert date(2026, 11, 27) not in book.holidays("cand", 2026, forward=True)



@pytest.mark.parametrize("court", ["federal", "ca-superior", "nysd", "tx-district", "ca2"])
def test_day_walks_find_what_testing_each_day_with_closed_finds(book: RuleBook, court: str) -> None:
    """DayView's roll, count and closed_weekdays each test a day inline, as `closed` does (the engine's
    day-by-day loops); over random ranges 2000-2060 (across year ends, both directions, all four views)
    they must give what `closed`, asked day by day, gives."""
    import random

    from daemon.engine.calendars import DayView

    rnd = random.Random(court)
    days = book._days[book.court(court).id]  # noqa: SLF001 - the views the engine counts with
    one = timedelta(days=1)
    for view in (days.fwd, days.fwd_alt, days.bwd, days.bwd_alt):
        # cold views, like a reload: one asked first, one walked first (years load in either order)
        first, walked = (DayView(view._sources, view._closures, view._ambiguous) for _ in range(2))  # noqa: SLF001
        for _ in range(300):
            lo = date(2000, 1, 1) + timedelta(days=rnd.randrange(0, 61 * 365))
            hi = lo + timedelta(days=rnd.randrange(0, 400))
            got = first.closed_weekdays(lo, hi)
            walk = [lo + timedelta(days=i) for i in range((hi - lo).days + 1)]
            assert got == [d for d in walk if d.weekday() < 5 and walked.closed(d)]
            assert walked.closed_weekdays(lo, hi) == got
            assert first.closed_weekdays(hi, lo) == got[::-1]
            for step in (one, -one):
                day = lo
                while walked.closed(day):
                    day += step
                assert first.roll(lo, step) == day
                n, day, counted = rnd.randrange(1, 40), lo, 0
                want = lo
                while counted < n:
                    want += step
                    counted += not walked.closed(want)
                assert first.count(day, n, step) == want
