"""Holiday calendars built from the statutes, and per-court views of which days are not court days.

A calendar is a pure function year -> list of Holiday. A `DayView` answers "is this day closed?"
for one court and one reading of the law, from per-year sets computed once and cached.

Sources
- Federal: 5 U.S.C. 6103(a) (the list), 6103(b) and Executive Order 11582 (a Saturday holiday is
  observed the Friday before, a Sunday holiday the Monday after; a Saturday Jan 1 is observed on
  Friday Dec 31 of the year before). Juneteenth since 2021 (Pub. L. 117-17). Inauguration Day is a
  holiday only for D.C.-area federal employees (6103(c)), so it is not a court holiday.
- California judicial holidays: CCP 135 (as amended by AB 855, Stats. 2021 ch. 283, in force
  2022-01-01), Gov. Code 6700 (AB 1973 from 2015; AB 1655, Juneteenth, from 2023), CRC 1.11.
- California state holidays for FRCP 6(a)(6)(C): Gov. Code 6700.
"""

from __future__ import annotations

import calendar as _cal
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Holiday:
    """One day a court is closed, with its name; `ambiguous` marks days the law reads two ways."""

    day: date
    name: str
    ambiguous: bool = False


def nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (Mon=0) of the month; n=-1 is the last one."""
    if n > 0:
        first = date(year, month, 1)
        offset = (weekday - first.weekday()) % 7
        return first + timedelta(days=offset + 7 * (n - 1))
    last = date(year, month, _cal.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def observed(day: date) -> date:
    """The observed day of a fixed-date holiday: Saturday -> Friday before, Sunday -> Monday after."""
    wd = day.weekday()
    if wd == 5:
        return day - ONE_DAY
    if wd == 6:
        return day + ONE_DAY
    return day


def _fixed(year: int, month: int, day: int, name: str) -> list[Holiday]:
    actual = date(year, month, day)
    obs = observed(actual)
    out = [Holiday(obs, name if obs == actual else f"{name} (observed)")]
    return out


def federal_holidays(year: int) -> list[Holiday]:
    """Legal public holidays under 5 U.S.C. 6103(a), on their observed days, for dates of `year`.

    Includes Dec 31 of `year` when Jan 1 of the next year falls on a Saturday (EO 11582).
    """
    out: list[Holiday] = []
    for y in (year, year + 1):
        out += _fixed(y, 1, 1, "New Year's Day")
    out += [
        Holiday(nth_weekday(year, 1, 0, 3), "Birthday of Martin Luther King, Jr."),
        Holiday(nth_weekday(year, 2, 0, 3), "Washington's Birthday (Presidents' Day)"),
        Holiday(nth_weekday(year, 5, 0, -1), "Memorial Day"),
        Holiday(nth_weekday(year, 9, 0, 1), "Labor Day"),
        Holiday(nth_weekday(year, 10, 0, 2), "Columbus Day"),
        Holiday(nth_weekday(year, 11, 3, 4), "Thanksgiving Day"),
    ]
    if year >= 2021:
        out += _fixed(year, 6, 19, "Juneteenth National Independence Day")
    out += _fixed(year, 7, 4, "Independence Day")
    out += _fixed(year, 11, 11, "Veterans Day")
    out += _fixed(year, 12, 25, "Christmas Day")
    return [h for h in out if h.day.year == year]


def ca_judicial_holidays(year: int) -> list[Holiday]:
    """California judicial holidays (CCP 135, Gov. Code 6700, CRC 1.11) on their observed days.

    The federal list, plus Lincoln Day (Feb 12), Cesar Chavez Day (Mar 31) and the day after
    Thanksgiving (CCP 135), with their history: Columbus Day through 2021 and Native American Day (4th
    Friday of September) from 2022 (AB 855, Stats. 2021 ch. 283, in force 2022-01-01); Juneteenth from
    2023 (AB 1655 added it to Gov. Code 6700). AB 1973 (Stats. 2014) put Native American Day in Gov.
    Code 6700 from 2015 without excepting it in CCP 135; when the exception took effect was not found,
    so 2015-2020 are unsettled (ambiguous).
    """
    out = [h for h in federal_holidays(year)
           if not (h.name.startswith("Columbus") and year >= 2022)
           and not (h.name.startswith("Juneteenth") and year < 2023)]
    out += _fixed(year, 2, 12, "Lincoln Day")
    out += _fixed(year, 3, 31, "Cesar Chavez Day")
    if year >= 2022:
        out.append(Holiday(nth_weekday(year, 9, 4, 4), "Native American Day"))
    elif 2015 <= year <= 2020:  # by 2021 CCP 135 excepted it (AB 855's digest)
        out.append(Holiday(nth_weekday(year, 9, 4, 4), "Native American Day (Gov. Code 6700 from 2015, AB 1973; "
                                                       "whether CCP 135 then excepted it is unsettled)", True))
    out.append(Holiday(nth_weekday(year, 11, 3, 4) + ONE_DAY, "Day after Thanksgiving"))
    return [h for h in out if h.day.year == year]


def _state_fixed(year: int, month: int, day: int, name: str, ambiguous: bool = False) -> list[Holiday]:
    """A fixed-date California state holiday on its Gov. Code 6701 day: a Sunday holiday moves to the
    Monday after; a Saturday one does not move (6701 moves only Nov 11 to the Friday before), so the
    Friday before is a court day on one reading and, by analogy to CCP 135 and 5 U.S.C. 6103, a holiday
    on the other: unsettled (docketd calendars the earlier date and flags the later)."""
    actual = date(year, month, day)
    wd = actual.weekday()
    if wd == 6:
        return [Holiday(actual + ONE_DAY, f"{name} (observed)", ambiguous)]
    if wd == 5:
        return [Holiday(actual - ONE_DAY, f"Friday before {name}, which falls on a Saturday (Gov. Code "
                                          f"6701 does not move it)", True)]
    return [Holiday(actual, name, ambiguous)]


def ca_state_holidays(year: int) -> list[Holiday]:
    """California state holidays that FRCP 6(a)(6)(C) adds to forward counts in California districts.

    Gov. Code 6700 days beyond the federal list: Lincoln Day, Cesar Chavez Day, Native American Day
    (since 2015, AB 1973), on their Gov. Code 6701 days (Sunday -> Monday; a Saturday one is not moved,
    so the Friday before is unsettled). Days that read two ways are marked ambiguous: the day after
    Thanksgiving (a judicial holiday under CCP 135 but not named in Gov. Code 6700), Admission Day,
    Sept 9 (named in Gov. Code 6700, yet CCP 135 excepts it and state courts stay open), and Genocide
    Remembrance Day, Apr 24 (AB 1801, Stats. 2022, from 2023; also not a judicial holiday), Lunar New
    Year (AB 2596, Stats. 2022, from 2023) and Diwali (AB 268, Stats. 2025, from 2026), both state
    holidays that CCP 135 excepts from the judicial holidays, on the dates of the tables below.
    """
    out = _state_fixed(year, 2, 12, "Lincoln Day") + _state_fixed(year, 3, 31, "Cesar Chavez Day")
    if year >= 2015:
        out.append(Holiday(nth_weekday(year, 9, 4, 4), "Native American Day"))
    out += _state_fixed(year, 9, 9, "Admission Day", True)
    if year >= 2023:
        out += _state_fixed(year, 4, 24, "Genocide Remembrance Day", True)
    for table, first, name in ((_LUNAR_NEW_YEAR, 2023, "Lunar New Year"), (_DIWALI, 2026, "Diwali")):
        if 0 <= year - first < len(table):
            out.append(Holiday(date(year, int(table[year - first][:2]), int(table[year - first][2:])), name,
                               True))
    out.append(Holiday(nth_weekday(year, 11, 3, 4) + ONE_DAY, "Day after Thanksgiving", True))
    return [h for h in out if h.day.year == year]


# Gov. Code 6700(a)(4): Lunar New Year is "the second new moon following the winter solstice, or the
# third ... should an intercalary month intervene"; Diwali is the 15th day of Kartik. Month-day per year
# from 2023 and 2026, taken from the Chinese and Hindu lunisolar tables of the `holidays` package
# (0.109) and checked against published dates; years past the tables are not flagged.
_LNY_TEXT = (
    "0122 0210 0129 0217 0206 0126 0213 0203 0123 0211 0131 0219 0208 0128 0215 0204 0124 0212 0201 0122 "
    "0210 0130 0217 0206 0126 0214 0202 0123 0211 0201 0219 0208 0128 0215 0204 0124 0212 0202 0121 0209 "
    "0129 0217 0205 0126 0214 0203 0123 0211 0131 0219 0207 0127 0215"
)
_DIWALI_TEXT = (
    "1108 1028 1115 1105 1026 1114 1102 1022 1110 1030 1117 1106 1027 1115 1104 1024 1112 1101 1118 1108 "
    "1028 1116 1105 1026 1113 1102 1120 1109 1030 1118 1106 1027 1115 1104 1023 1111 1031 1119 1108 1028 "
    "1116 1106 1025 1113 1102 1121 1109 1030 1118 1107"
)
_LUNAR_NEW_YEAR = _LNY_TEXT.split()
_DIWALI = _DIWALI_TEXT.split()


def no_holidays(year: int) -> list[Holiday]:
    """An empty calendar (weekends only), for firm-defined courts that want it."""
    return []


CALENDARS: dict[str, Callable[[int], list[Holiday]]] = {
    "federal": federal_holidays,
    "ca-judicial": ca_judicial_holidays,
    "ca-state": ca_state_holidays,
    "none": no_holidays,
}


def _register_state_courts() -> None:
    """Add the state trial courts' holiday calendars (kept in their own module, judicial_holidays.py)."""
    from daemon.engine.judicial_holidays import STATE_COURT_CALENDARS

    CALENDARS.update(STATE_COURT_CALENDARS)


_register_state_courts()


class DayView:
    """Which days one court treats as closed under one reading: weekends, holidays, closures.

    Per-year sets are built on first use and cached, so a lookup is a weekday test and a set test.
    """

    __slots__ = ("_sources", "_closures", "_ambiguous", "_days", "_years", "_names", "forward_rolls")

    def __init__(
        self,
        sources: Iterable[Callable[[int], list[Holiday]]],
        closures: Iterable[Holiday] = (),
        include_ambiguous: bool = False,
    ) -> None:
        self._sources = tuple(sources)
        self._ambiguous = include_ambiguous
        self._closures = tuple(c for c in closures if include_ambiguous or not c.ambiguous)
        self._days: set[date] = {c.day for c in self._closures}
        self._names: dict[date, str] = {c.day: c.name for c in self._closures}
        self._years: set[int] = set()
        # day -> (first court day on or after it, the trace's note on the roll): kept for counting.py,
        # since most forward counts of a docket end on days already rolled
        self.forward_rolls: dict[date, tuple[date, str]] = {}

    def _load(self, year: int) -> None:
        for source in self._sources:
            for h in source(year):
                if self._ambiguous or not h.ambiguous:
                    self._days.add(h.day)
                    self._names.setdefault(h.day, h.name)
        self._years.add(year)

    def closed(self, day: date) -> bool:
        """True when `day` is a Saturday, Sunday, holiday or closure in this view."""
        if day.weekday() >= 5:
            return True
        if day.year not in self._years:
            self._load(day.year)
        return day in self._days

    # The walks below test each day as `closed` does, inline: they are the engine's day-by-day loops,
    # and a method call per day was most of their cost.
    def roll(self, day: date, step: timedelta) -> date:
        """The first court day from `day` on (itself included), walking by `step` (one day either way)."""
        days, years = self._days, self._years
        while True:
            if day.weekday() < 5:
                if day.year not in years:
                    self._load(day.year)
                if day not in days:
                    return day
            day += step

    def count(self, day: date, n: int, step: timedelta) -> date:
        """The `n`th court day after `day` (excluded), walking by `step` (one day either way)."""
        days, years = self._days, self._years
        while n > 0:
            day += step
            if day.weekday() < 5:
                if day.year not in years:
                    self._load(day.year)
                if day not in days:
                    n -= 1
        return day

    def closed_weekdays(self, a: date, b: date) -> list[date]:
        """The weekdays from `a` to `b` (both included, walking from `a`) this view closes, in that order."""
        step = ONE_DAY if b >= a else -ONE_DAY
        days, years = self._days, self._years
        out = []
        day = a
        while True:
            if day.weekday() < 5:
                if day.year not in years:
                    self._load(day.year)
                if day in days:
                    out.append(day)
            if day == b:
                return out
            day += step

    def name(self, day: date) -> str:
        """Why `day` is closed ("Saturday", a holiday's name), or "" when it is a court day."""
        wd = day.weekday()
        if wd >= 5:
            return "Saturday" if wd == 5 else "Sunday"
        if day.year not in self._years:
            self._load(day.year)
        return self._names.get(day, "") if day in self._days else ""

    def holidays(self, year: int) -> list[date]:
        """Every weekday this view closes in `year`, sorted."""
        if year not in self._years:
            self._load(year)
        return sorted(d for d in self._days if d.year == year and d.weekday() < 5)
