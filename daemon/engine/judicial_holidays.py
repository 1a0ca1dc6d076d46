"""Court-holiday calendars of the Texas, New York, Florida and Illinois state trial courts.

Each calendar is a pure function year -> list of Holiday, built from the statute that tells the
state's time-computation rule which days are "legal holidays". Days the law reads two ways are
`ambiguous`: docketd counts them as court days (the earlier date) and flags the later reading.

Sources
- Texas (TRCP 4, TRAP 4.1): Tex. Gov't Code 662.003(a) national holidays (settled); the 662.003(b)
  state holidays on which state offices close -- the Friday after Thanksgiving, Dec 24, Dec 26, which
  662.004(b) exempts from skeleton staffing -- are settled too; the other 662.003(b) state holidays,
  on which offices stay open with skeleton staff (662.004(a)), and 662.003(c) optional holidays (Rosh
  Hashanah, Yom Kippur, Good Friday) are unsettled; so is Cesar Chavez Day (optional, 662.013).
  662.003 moves no holiday off a weekend, so an observed Friday/Monday is unsettled too.
- New York (Gen. Constr. Law 20, 25-a): Gen. Constr. Law 24, including Lincoln's Birthday, each
  general election day (annual, Election Law 8-100) and Juneteenth (L. 2020 ch. 249, from 2021); a
  Sunday holiday moves to the Monday after (GCL 24); the Friday the courts close for a Saturday
  holiday is not a GCL 24 holiday (unsettled).
- Florida (Fla. R. Gen. Prac. & Jud. Admin. 2.514(a)(6)): (A) the days Fla. Stat. 110.117 sets aside
  for New Year's Day, Martin Luther King Jr.'s Birthday, Memorial Day, Independence Day, Labor Day,
  Veterans' Day, Thanksgiving, the Friday after Thanksgiving and Christmas (Saturday -> Friday before,
  Sunday -> Monday after); (B) days the clerk observes or the chief judge designates, which differ by
  circuit: those seen designated somewhere (Presidents' Day, Good Friday, Rosh Hashanah, Yom Kippur,
  Columbus Day, Christmas Eve, the day after Christmas) are unsettled.
- Illinois (5 ILCS 70/1.11: "a holiday as defined or fixed in any statute"): 205 ILCS 630/17 and
  5 ILCS 490 holidays -- New Year's Day, Martin Luther King Jr.'s Birthday, Lincoln's Birthday,
  Presidents' Day, Memorial Day, Juneteenth (5 ILCS 490/63, P.A. 102-334, from 2022; Sunday -> Monday),
  Independence Day, Labor Day, Columbus Day, Veterans Day, Thanksgiving, Christmas, and the general
  election day in even years. Casimir Pulaski's Birthday and Good Friday are statutory holidays (10 ILCS
  5/1-6, 205 ILCS 630/17) on which courts sit (unsettled); the day after Thanksgiving and
  weekend-observed days close courts but are not statutory (unsettled).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

from dateutil.easter import easter

from daemon.engine.calendars import Holiday, nth_weekday

ONE = timedelta(days=1)


def _on(year: int, month: int, day: int, name: str, sat: str = "", sun: str = "") -> list[Holiday]:
    """A fixed-date holiday, plus its Friday-before / Monday-after stand-in when it falls on a weekend.

    `sat`/`sun` say how the law treats the stand-in day: "settled", "ambiguous" or "" (no stand-in).
    """
    actual = date(year, month, day)
    out = [Holiday(actual, name)]
    wd = actual.weekday()
    rule = sat if wd == 5 else sun if wd == 6 else ""
    if rule:
        stand_in = actual - ONE if wd == 5 else actual + ONE
        out.append(Holiday(stand_in, f"{name} (observed)", rule == "ambiguous"))
    return out


def _unsettled(day: date, name: str) -> Holiday:
    return Holiday(day, name, True)


def _election_day(year: int) -> date:
    """The Tuesday after the first Monday in November."""
    return nth_weekday(year, 11, 0, 1) + ONE


@lru_cache(maxsize=256)
def jewish_holidays(year: int) -> tuple[tuple[date, str], ...]:
    """Rosh Hashanah (both days) and Yom Kippur of `year`, from the `holidays` package's Hebrew
    calendar (the day each falls on; the evening before is not counted)."""
    import holidays as _hol

    # The package names holidays in the locale's language unless told; the daemon's locale is not ours.
    found = _hol.country_holidays("IL", years=year, language="en_US")
    return tuple(sorted((d, n) for d, n in found.items() if n in ("Rosh Hashanah", "Yom Kippur")))


def tx_judicial_holidays(year: int) -> list[Holiday]:
    """Legal holidays for TRCP 4 / TRAP 4.1 in Texas district courts (Tex. Gov't Code 662.003)."""
    amb = "ambiguous"
    out = _on(year, 1, 1, "New Year's Day", amb, amb)
    out += [Holiday(nth_weekday(year, 1, 0, 3), "Martin Luther King, Jr., Day"),
            Holiday(nth_weekday(year, 2, 0, 3), "Presidents' Day"),
            Holiday(nth_weekday(year, 5, 0, -1), "Memorial Day")]
    out += _on(year, 7, 4, "Independence Day", amb, amb)
    out.append(Holiday(nth_weekday(year, 9, 0, 1), "Labor Day"))
    out += _on(year, 11, 11, "Veterans Day", amb, amb)
    thanksgiving = nth_weekday(year, 11, 3, 4)
    out.append(Holiday(thanksgiving, "Thanksgiving Day"))
    out += _on(year, 12, 25, "Christmas Day", amb, amb)
    out += _on(year + 1, 1, 1, "New Year's Day", amb, amb)  # a Saturday Jan 1 stands in on Dec 31
    # Gov't Code 662.003(b)(6)-(8): state holidays on which state offices close -- 662.004(b) exempts
    # them from the skeleton staffing 662.004(a) requires on the others -- so they are legal holidays.
    closed = " (Tex. Gov't Code 662.003(b) state holiday; offices close, 662.004(b))"
    out += [Holiday(thanksgiving + ONE, "Friday after Thanksgiving Day" + closed),
            Holiday(date(year, 12, 24), "December 24" + closed),
            Holiday(date(year, 12, 26), "December 26" + closed)]
    # Gov't Code 662.003(b)(1)-(5): state holidays, offices open with skeleton staff (662.004(a)).
    state = [(1, 19, "Confederate Heroes Day"), (3, 2, "Texas Independence Day"), (4, 21, "San Jacinto Day"),
             (6, 19, "Emancipation Day in Texas"), (8, 27, "Lyndon Baines Johnson Day")]
    suffix = " (Tex. Gov't Code 662.003(b) state holiday; skeleton-staffed, 662.004(a))"
    out += [_unsettled(date(year, m, d), n + suffix) for m, d, n in state]
    # 662.003(c) optional holidays and Cesar Chavez Day (662.013).
    opt = " (Tex. Gov't Code optional holiday)"
    out.append(_unsettled(easter(year) - 2 * ONE, "Good Friday" + opt))
    out += [_unsettled(d, n + opt) for d, n in jewish_holidays(year)]
    out.append(_unsettled(date(year, 3, 31), "Cesar Chavez Day" + opt))
    return [h for h in out if h.day.year == year]


def ny_judicial_holidays(year: int) -> list[Holiday]:
    """Public holidays for Gen. Constr. Law 25-a in the New York Supreme Court (Gen. Constr. Law 24)."""
    amb = "ambiguous"
    out: list[Holiday] = []
    fixed = [(1, 1, "New Year's Day"), (2, 12, "Lincoln's Birthday"), (7, 4, "Independence Day"),
             (11, 11, "Veterans' Day"), (12, 25, "Christmas Day")]
    if year >= 2021:  # GCL 24 as amended by L. 2020 ch. 249 (Oct. 2020)
        fixed.append((6, 19, "Juneteenth"))
    for m, d, name in fixed:
        out += _on(year, m, d, name, sat=amb, sun="settled")
    out += _on(year + 1, 1, 1, "New Year's Day", sat=amb, sun="settled")
    out += [Holiday(nth_weekday(year, 1, 0, 3), "Dr. Martin Luther King, Jr. Day"),
            Holiday(nth_weekday(year, 2, 0, 3), "Washington's Birthday"),
            Holiday(nth_weekday(year, 5, 0, -1), "Memorial Day"),
            Holiday(nth_weekday(year, 9, 0, 1), "Labor Day"),
            Holiday(nth_weekday(year, 10, 0, 2), "Columbus Day"),
            Holiday(_election_day(year), "General Election Day"),
            Holiday(nth_weekday(year, 11, 3, 4), "Thanksgiving Day")]
    return [h for h in out if h.day.year == year]


def fl_judicial_holidays(year: int) -> list[Holiday]:
    """Legal holidays for Fla. R. Gen. Prac. & Jud. Admin. 2.514(a)(6) in Florida circuit courts."""
    out: list[Holiday] = []
    for y in (year, year + 1):  # Fla. Stat. 110.117(1): Saturday -> Friday before, Sunday -> Monday after
        out += _state_observed(date(y, 1, 1), "New Year's Day")
    out += [Holiday(nth_weekday(year, 1, 0, 3), "Birthday of Martin Luther King, Jr."),
            Holiday(nth_weekday(year, 5, 0, -1), "Memorial Day"),
            Holiday(nth_weekday(year, 9, 0, 1), "Labor Day")]
    out += _state_observed(date(year, 7, 4), "Independence Day")
    out += _state_observed(date(year, 11, 11), "Veterans' Day")
    thanksgiving = nth_weekday(year, 11, 3, 4)
    out += [Holiday(thanksgiving, "Thanksgiving Day"), Holiday(thanksgiving + ONE, "Friday after Thanksgiving")]
    out += _state_observed(date(year, 12, 25), "Christmas Day")
    # 2.514(a)(6)(B): days the clerk observes or the chief judge designates differ by circuit.
    local = " (a holiday only where the clerk observes it or the chief judge designates it, Fla. R. Gen. " \
            "Prac. & Jud. Admin. 2.514(a)(6)(B))"
    out += [_unsettled(nth_weekday(year, 2, 0, 3), "Presidents' Day" + local),
            _unsettled(easter(year) - 2 * ONE, "Good Friday" + local),
            _unsettled(nth_weekday(year, 10, 0, 2), "Columbus Day" + local),
            _unsettled(date(year, 12, 24), "Christmas Eve" + local),
            _unsettled(date(year, 12, 26), "Day after Christmas" + local)]
    out += [_unsettled(d, n + local) for d, n in jewish_holidays(year)]
    return [h for h in out if h.day.year == year]


def _state_observed(actual: date, name: str) -> list[Holiday]:
    """Fla. Stat. 110.117(1): a Saturday holiday is observed the Friday before, a Sunday one the Monday after."""
    wd = actual.weekday()
    if wd == 5:
        return [Holiday(actual - ONE, f"{name} (observed)")]
    if wd == 6:
        return [Holiday(actual + ONE, f"{name} (observed)")]
    return [Holiday(actual, name)]


def il_judicial_holidays(year: int) -> list[Holiday]:
    """Holidays for 5 ILCS 70/1.11 in Illinois circuit courts (205 ILCS 630/17, 5 ILCS 490)."""
    amb = "ambiguous"
    out: list[Holiday] = []
    for m, d, name in ((1, 1, "New Year's Day"), (2, 12, "Lincoln's Birthday"), (7, 4, "Independence Day"),
                       (11, 11, "Veterans' Day"), (12, 25, "Christmas Day")):
        out += _on(year, m, d, name, sat=amb, sun=amb)
    out += _on(year + 1, 1, 1, "New Year's Day", sat=amb, sun=amb)
    if year >= 2022:  # 5 ILCS 490/63 (P.A. 102-334): "When June nineteenth shall fall on a Sunday, the
        out += _on(year, 6, 19, "Juneteenth National Freedom Day", sat=amb, sun="settled")  # following Monday"
    thanksgiving = nth_weekday(year, 11, 3, 4)
    out += [Holiday(nth_weekday(year, 1, 0, 3), "Dr. Martin Luther King, Jr.'s Birthday"),
            Holiday(nth_weekday(year, 2, 0, 3), "Presidents' Day"),
            Holiday(nth_weekday(year, 5, 0, -1), "Memorial Day"),
            Holiday(nth_weekday(year, 9, 0, 1), "Labor Day"),
            Holiday(nth_weekday(year, 10, 0, 2), "Columbus Day"),
            Holiday(thanksgiving, "Thanksgiving Day")]
    if year % 2 == 0:
        out.append(Holiday(_election_day(year), "General Election Day"))
    open_courts = " (a statutory holiday on which courts sit)"
    out += [_unsettled(nth_weekday(year, 3, 0, 1), "Casimir Pulaski's Birthday" + open_courts),
            _unsettled(easter(year) - 2 * ONE, "Good Friday" + open_courts),
            _unsettled(thanksgiving + ONE, "Day after Thanksgiving (courts closed; not a statutory holiday)")]
    return [h for h in out if h.day.year == year]


STATE_COURT_CALENDARS: dict[str, Callable[[int], list[Holiday]]] = {
    "tx-judicial": tx_judicial_holidays,
    "ny-judicial": ny_judicial_holidays,
    "fl-judicial": fl_judicial_holidays,
    "il-judicial": il_judicial_holidays,
}
