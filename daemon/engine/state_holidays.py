"""State and territorial legal-holiday tables as reviewed data (daemon/engine/data/holidays/*.yaml).

One table per state, D.C. or territory lists the days its law declares holidays BEYOND the federal
list (5 U.S.C. 6103(a)), each with its statute, the years it applies and its observed-day rule. A
table is a calendar (year -> list of Holiday) that federal courts add to periods measured after an
event (FRCP 6(a)(6)(C), FRAP 26(a)(6)(C)) and that state-court packs can reuse.

Date grammar (`date:`):
- `"MM-DD"` a fixed day;
- `"<1st|2nd|3rd|4th|last> <mon..sun> MM [+N|-N]"` an n-th weekday of a month, optionally shifted
  (`"1st mon 11 +1"` is the Tuesday after the first Monday in November, election day;
  `"4th thu 11 +1"` the day after Thanksgiving);
- `"easter [+N|-N]"` relative to Western Easter (`easter -2` is Good Friday).

`years:` all (default) | even | odd | inauguration (every 4th year from 1981) | presidential (years
divisible by 4) | midterm (the even years between: 2026, 2030; Rhode Island's general election of state
officers).
`observed:` none | sunday-monday | weekend-nearest (Sat -> Fri, Sun -> Mon) |
`sunday-monday+friday-unsettled` (Sun -> Mon settled; whether a Saturday holiday makes the Friday before a
holiday is unsettled: that Friday is marked ambiguous) | `weekend-unsettled` (whether a weekend holiday
moves at all is unsettled: both the Friday before a Saturday one and the Monday after a Sunday one are
marked ambiguous).
`if_weekday:` mon..sun: the day is a holiday only in years it falls on that weekday (Oklahoma's
"the Monday before Christmas if Christmas is on a Tuesday").
`unsettled:` a reason; the day is ambiguous (docketd calendars the earlier date and flags the later).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from daemon.engine.calendars import Holiday, nth_weekday

ONE_DAY = timedelta(days=1)
OBSERVED = ("none", "sunday-monday", "weekend-nearest", "sunday-monday+friday-unsettled", "weekend-unsettled")
YEARS = ("all", "even", "odd", "inauguration", "presidential", "midterm")
_DOW = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_NTH = {"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "last": -1}
_FIXED = re.compile(r"^(\d\d)-(\d\d)$")
_NTH_RE = re.compile(r"^(1st|2nd|3rd|4th|5th|last) (mon|tue|wed|thu|fri|sat|sun) (\d\d)(?: ([+-]\d+))?$")
_EASTER_RE = re.compile(r"^easter(?: ([+-]\d+))?$")


@lru_cache(maxsize=512)
def easter(year: int) -> date:
    """Western (Gregorian) Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


def parse_rule(text: str) -> tuple[str, int, int, int, int] | None:
    """Validate a `date:` rule; returns (kind, month, day-or-n, weekday, shift) or None when the text is not one."""
    text = text.strip().lower()
    m = _FIXED.match(text)
    if m:
        month, day = int(m[1]), int(m[2])
        try:
            date(2000, month, day)
        except ValueError:
            return None
        return ("fixed", month, day, 0, 0)
    m = _NTH_RE.match(text)
    if m and 1 <= int(m[3]) <= 12:
        return ("nth", int(m[3]), _NTH[m[1]], _DOW[m[2]], int(m[4] or 0))
    m = _EASTER_RE.match(text)
    if m:
        return ("easter", 0, 0, 0, int(m[1] or 0))
    return None


def _day_of(rule: tuple[str, int, int, int, int], year: int) -> date:
    kind, month, a, b, shift = rule
    if kind == "fixed":
        return date(year, month, a)
    if kind == "nth":
        return nth_weekday(year, month, b, a) + timedelta(days=shift)
    return easter(year) + timedelta(days=shift)


@dataclass(frozen=True)
class Entry:
    """One holiday of a table: its rule, statute, years in force and observed-day rule."""

    name: str
    rule: tuple[str, int, int, int, int]
    cite: str
    first: int | None
    last: int | None
    observed: str
    years: str
    unsettled: str  # "" when settled
    if_weekday: int | None = None  # a holiday only when the day falls on this weekday

    def applies(self, year: int) -> bool:
        """True when the holiday is in force in `year`."""
        if (self.first is not None and year < self.first) or (self.last is not None and year > self.last):
            return False
        if self.years == "even":
            return year % 2 == 0
        if self.years == "odd":
            return year % 2 == 1
        if self.years == "inauguration":
            return year % 4 == 1
        if self.years == "presidential":
            return year % 4 == 0
        if self.years == "midterm":
            return year % 4 == 2
        return True


@dataclass(frozen=True)
class StateTable:
    """The reviewed holiday table of one state, D.C. or territory."""

    id: str  # calendar id, e.g. "ny-state"
    code: str  # postal code, e.g. "NY"
    jurisdiction: str
    label: str  # "a New York public holiday"
    source: str
    entries: tuple[Entry, ...]
    file: str
    federal_except: tuple[str, ...] = ()

    def __call__(self, year: int) -> list[Holiday]:
        """Holidays on their observed days whose date falls in `year` (a calendar function)."""
        out: list[Holiday] = []
        for y in (year - 1, year, year + 1):
            for e in self.entries:
                if e.applies(y):
                    day = _day_of(e.rule, y)
                    if e.if_weekday is None or day.weekday() == e.if_weekday:
                        out += self._observe(e, day)
        return sorted((h for h in out if h.day.year == year), key=lambda h: h.day)

    def _observe(self, e: Entry, actual: date) -> list[Holiday]:
        base = f"{e.name}, {self.label} ({e.cite})"
        why = f"; unsettled: {e.unsettled}" if e.unsettled else ""
        amb = bool(e.unsettled)
        wd = actual.weekday()
        if wd >= 5 and e.observed == "weekend-unsettled":
            moved = actual + ONE_DAY if wd == 6 else actual - ONE_DAY
            side = "Monday after" if wd == 6 else "Friday before"
            return [Holiday(moved, f"{side} {e.name} (a {'Sunday' if wd == 6 else 'Saturday'}), {self.label} "
                                   f"({e.cite}); unsettled: whether a weekend holiday moves is not settled", True)]
        if wd == 6 and e.observed != "none":
            return [Holiday(actual + ONE_DAY, f"{e.name} (observed), {self.label} ({e.cite}){why}", amb)]
        if wd == 5 and e.observed == "weekend-nearest":
            return [Holiday(actual - ONE_DAY, f"{e.name} (observed), {self.label} ({e.cite}){why}", amb)]
        if wd == 5 and e.observed == "sunday-monday+friday-unsettled":
            return [Holiday(actual - ONE_DAY, f"Friday before {e.name} (a Saturday), {self.label} ({e.cite}); "
                                              f"unsettled: the statute does not say a Saturday holiday moves "
                                              f"to Friday", True)]
        return [Holiday(actual, base + why, amb)]


def read_table(name: str, data: dict[str, Any], problems: list[str]) -> StateTable | None:
    """Build one table from its YAML mapping; problems are appended as sentences naming the file."""
    tid = str(data.get("holiday_table", ""))
    where = f"{name}: holiday table {tid or '(no id)'}"
    if not re.fullmatch(r"[a-z0-9-]+", tid):
        problems.append(f"{where}: `holiday_table:` must be a lower-case id like ny-state; fix it.")
        return None
    entries: list[Entry] = []
    for i, item in enumerate(data.get("holidays") or [], 1):
        if not isinstance(item, dict):
            problems.append(f"{where}: holiday #{i} is not a mapping; write `- {{name: ..., date: ...}}`.")
            continue
        hname = str(item.get("name", "")).strip()
        rule = parse_rule(str(item.get("date", "")))
        cite = str(item.get("cite", "")).strip()
        observed = str(item.get("observed", "none"))
        years = str(item.get("years", "all"))
        bad = []
        if not hname:
            bad.append("has no `name:`")
        if rule is None:
            bad.append(f"date {item.get('date')!r} is not MM-DD, `<nth> <weekday> MM [+N]` or `easter [+N]`")
        if not cite:
            bad.append("has no `cite:` (the statute that makes it a holiday)")
        if observed not in OBSERVED:
            bad.append(f"observed {observed!r}; use one of {list(OBSERVED)}")
        if years not in YEARS:
            bad.append(f"years {years!r}; use one of {list(YEARS)}")
        only = item.get("if_weekday")
        if only is not None and str(only).lower() not in _DOW:
            bad.append(f"if_weekday {only!r}; use mon, tue, ... sun")
        if bad:
            problems.append(f"{where}: holiday {hname or '#' + str(i)}: " + "; ".join(bad) + ".")
            continue
        assert rule is not None
        first, last = item.get("from"), item.get("to")
        entries.append(Entry(hname, rule, cite, int(first) if first is not None else None,
                             int(last) if last is not None else None, observed, years,
                             str(item.get("unsettled") or ""),
                             _DOW[str(only).lower()] if only is not None else None))
    return StateTable(tid, str(data.get("code", "")).upper(), str(data.get("jurisdiction", tid)),
                      str(data.get("label", f"a {data.get('jurisdiction', tid)} legal holiday")),
                      str(data.get("source", "")), tuple(entries), name,
                      tuple(str(x) for x in data.get("federal_except") or ()))
