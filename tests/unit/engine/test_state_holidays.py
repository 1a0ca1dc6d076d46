"""The state holiday tables (daemon/engine/data/holidays) against the `holidays` package, 2000-2040.

The package is a state-EMPLOYEE calendar, not a court calendar, so the two differ; every difference
is listed below (DIFFERENCES, also printed in docs/holiday-differences.md) with its reason, and the
test fails on any difference not listed. Only weekdays that are not federal holidays (5 U.S.C.
6103) are compared: a federal court is closed on those anyway (FRCP 6(a)(6)(A)).
"""

from __future__ import annotations

from datetime import date

import holidays
import pytest

from daemon.engine import RuleBook
from daemon.engine.calendars import federal_holidays
from daemon.engine.state_holidays import easter, parse_rule

YEARS = range(2000, 2041)
FED = {h.day for y in YEARS for h in federal_holidays(y)}
STATUTE = "our table follows the statute"
ELECTION = "the package lists election days only from 2008 (some states 2015); the statute is older"
EMPLOYEE = "a state-employee day (personnel rule or executive order); flagged ambiguous in our table"
OBS_SAT = "the package moves a Saturday holiday to Friday; the statute moves only a Sunday one"
PROCLAIMED = "Georgia's days are set each year by the Governor's proclamation (O.C.G.A. 1-4-1)"

# (state, "ours" | "package", name prefix) -> why. "ours": a day only our table has; "package": a day
# only the package lists.
DIFFERENCES: dict[tuple[str, str, str], str] = {
    ("AL", "ours", "Mardi Gras"): "county-only holiday (Baldwin, Mobile); flagged ambiguous, not in package",
    ("AL", "ours", "Day after Thanksgiving"): "given by the Governor's memorandum (2023, 2024), not in Ala. Code "
                                              "1-3-8; flagged ambiguous, not in package",
    ("AL", "ours", "Mrs. Rosa L. Parks Day"): "Act 2025-303: a day counties and municipalities may elect to observe; "
                                              "flagged ambiguous, not in package",
    ("AR", "ours", "Christmas Eve"): "Ark. Code 1-5-101 names Dec 24; the package omits it",
    ("DE", "ours", "General Election Day"): ELECTION,
    ("DE", "ours", "Return Day"): "Sussex County half-day holiday; flagged ambiguous, not in package",
    ("FL", "ours", ""): "Fla. Stat. 683.01 legal holidays with offices open; flagged ambiguous, not in package",
    ("GA", "ours", "Washington's Birthday"): PROCLAIMED + "; ours assumes Dec 24, flagged",
    ("GA", "package", ""): PROCLAIMED + "; the package guesses the proclaimed days; ours flags Dec 24 and "
                           "the day after Thanksgiving only, the spring day is not modelled",
    ("GU", "ours", ""): "the Friday or Monday of a weekend local holiday, flagged (1 G.C.A. 1000 after P.L. 27-153 "
                        "moves only federal holidays as we read it); the package does not list them",
    ("HI", "ours", "Good Friday"): "HRS 8-1 names Good Friday; the package omits it",
    ("HI", "ours", "King Kamehameha I Day (observed)"): "observed day before 2011 that the package omits",
    ("HI", "ours", "General Election Day"): ELECTION,
    ("IA", "ours", "Day after Thanksgiving"): "Iowa Code 1C.2 paid holiday; the package omits it",
    ("IA", "package", "Lincoln's Birthday (observed)"): "1C.1 does not move Lincoln's Birthday; ours flags it",
    ("IL", "ours", ""): ELECTION + "; and Good Friday (205 ILCS 630/17, offices open), flagged",
    ("IN", "ours", ""): ELECTION + "; and Lincoln's Birthday on Feb 12 (Ind. Code 1-1-9-1), the days state "
                        "offices observe it and Washington's Birthday, and odd-year municipal elections, flagged",
    ("IN", "package", ""): "the package uses other designated days for Lincoln's and Washington's Birthdays; "
                           + EMPLOYEE,
    ("KS", "ours", "Christmas Eve"): EMPLOYEE + "; the package starts in 2013",
    ("KS", "package", "Christmas Eve (observed)"): EMPLOYEE + "; ours does not move it",
    ("KY", "ours", ""): "KRS 18A.190 presidential election day and the Governor's extra days (flagged); the "
                        "package omits them",
    ("KY", "package", "New Year's Eve (observed)"): EMPLOYEE,
    ("LA", "ours", ""): ELECTION + "; All Saints' Day (1:55(A)(1)) the package omits; the other 1:55 days are "
                        "flagged (offices open, city-only or clerk-only)",
    ("MA", "ours", ""): "Suffolk County holidays (Evacuation Day, Bunker Hill Day): county-only, flagged",
    ("MD", "ours", ""): "Md. Gen. Prov. 1-111 general election day (the package omits it) and legal holidays with "
                        "offices open (Lincoln's birthday, Maryland Day, Good Friday, Defenders' Day), flagged",
    ("MD", "package", "Inauguration Day"): "not in Md. Gen. Prov. 1-111 as we read it; the package lists it",
    ("MI", "ours", ""): "MCR 8.110(D)(2)(a) state-court days the package starts later (flagged); " + ELECTION
                        + "; and Lincoln's Birthday (MCL 435.101(1)(c), courts and offices open), flagged",
    ("MI", "package", ""): EMPLOYEE,
    ("MN", "ours", "Day after Thanksgiving"): "Minn. Stat. 645.44 subd. 5 (executive branch) and Gen. R. Prac. "
                                              "354.03 (courts) name it; the package omits it",
    ("MO", "ours", ""): "RSMo 9.010 names Feb 12, Lincoln Day; the package omits it (and its Friday, flagged)",
    ("MP", "ours", "General Election Day"): ELECTION,
    ("MT", "ours", "General Election Day"): ELECTION,
    ("NC", "ours", ""): "N.C.G.S. 103-4 legal public holidays with offices open (Jan 19, Mar 25, Apr 12, May 10, "
                        "May 20, Sep 11, election day), flagged, which the package omits; and " + EMPLOYEE
                        + "; the package starts in 2013",
    ("NC", "package", ""): EMPLOYEE + "; ours does not move them",
    ("ND", "ours", "Good Friday"): "N.D.C.C. 1-03-01(5) names Good Friday; the package omits it",
    ("ND", "ours", "Christmas Eve"): "N.D.C.C. 1-03-01.1 closes offices at noon; a half day, flagged",
    ("NE", "ours", "Day after Thanksgiving"): "Neb. Rev. Stat. 25-2221 and 62-301 name it; the package omits it",
    ("NH", "ours", "Biennial Election Day"): ELECTION,
    ("NJ", "ours", "General Election Day"): "N.J.S.A. 36:1-1: every general election day (odd years too)",
    ("NY", "ours", "General Election Day"): "N.Y. Gen. Constr. Law 24: each general election day, every year",
    ("NY", "package", "Lincoln's Birthday (observed)"): OBS_SAT + " (GCL 24: 'if ... Sunday, the next day')",
    ("NY", "package", "Susan B. Anthony Day"): "a commemoration, not in GCL 24",
    ("OK", "ours", ""): "25 O.S. 82.1(A): Dec 24 when Christmas is a Tuesday, Dec 26 when it is a Thursday; the "
                        "package omits them",
    ("OR", "ours", "Day after Thanksgiving"): EMPLOYEE + "; by collective bargaining agreement since 2015",
    ("PA", "ours", ""): "44 P.S. 11 legal holidays with offices open; flagged ambiguous, not in package",
    ("PR", "ours", ""): "Sunday -> Monday days the package does not move; Barbosa, Constitution Day, Citizenship "
                        "Day and Dec 24 afternoon, flagged (Acts 111-2014, 26-2017)",
    ("PR", "package", "Columbus Day"): "the package moves Columbus Day to Oct 12; 5 U.S.C. 6103 keeps Monday",
    ("RI", "ours", ""): "R.I. Gen. Laws 25-1-1 election day of state officers (the package omits it; years "
                        "electing the General Assembly only flagged), and flagged: Rhode Island Independence Day "
                        "(offices open), the Monday state employees keep a Saturday holiday",
    ("SC", "ours", ""): "S.C. Code 53-5-10 days; Christmas Eve/Dec 26 flagged; May 10 not moved",
    ("SC", "package", "Confederate Memorial Day"): "the package moves May 10 off weekends; the statute does not",
    ("TN", "ours", ""): EMPLOYEE,
    ("TX", "package", "Christmas Eve (observed)"): "Tex. Gov't Code 662.003 does not move a weekend holiday",
    ("UT", "ours", "Juneteenth"): "Utah Code 63G-1-301(2)(c)-(d) from 2022: the Monday before June 19 (after a weekend "
                                  "one); the package keeps June 19",
    ("UT", "ours", "Good Friday"): "added to Utah Code 63G-1-301 in 2026 subject to a condition not verified; flagged",
    ("UT", "ours", "Election Day"): "2026 H.B. 104 adds it to Utah Code 63G-1-301 from 2027; enactment not verified; "
                                    "flagged",
    ("VA", "package", "Inauguration Day"): "5 U.S.C. 6103(c) (federal employees near D.C.), not in Va. Code 2.2-3300; "
                                           "the package lists it",
    ("VI", "ours", ""): "1 V.I.C. 171 weekend holidays' Friday or Monday, flagged (observed-day rule not found)",
    ("VT", "ours", "Lincoln's Birthday"): "an earlier text of 1 V.S.A. 371(a) listed Feb 12; flagged through 2019 (the "
                                         "year it was dropped was not verified); the package omits it",
    ("WI", "ours", ""): EMPLOYEE + "; the package starts in 2012; and, flagged, Wis. Stat. 995.20 legal holidays on "
                        "which offices stay open (election days, January 15 through 2026, Good Friday 11 a.m. to "
                        "3 p.m., Milwaukee's spring election)",
    ("WI", "package", ""): "Susan B. Anthony Day is a commemoration; observed Eves are " + EMPLOYEE,
    ("WV", "ours", "General Election Day"): ELECTION,
    ("WV", "ours", "Primary Election Day"): "W. Va. Code 2-2-1(a)(13) election days; the primary's date moves, flagged",
}


def _weekdays(days: dict[date, str]) -> dict[date, str]:
    return {d: n for d, n in days.items() if d.weekday() < 5 and d not in FED}


def _diffs(book: RuleBook, code: str) -> list[tuple[str, str, date]]:
    table = book.table_for_state(code)
    assert table is not None, code
    ours = _weekdays({h.day: h.name.split(", a ")[0] for y in YEARS for h in table(y)})
    pkg = _weekdays(dict(holidays.US(subdiv=code, years=YEARS).items()))
    return ([("ours", n, d) for d, n in ours.items() if d not in pkg]
            + [("package", n, d) for d, n in pkg.items() if d not in ours])


CODES = sorted({code for code, _, _ in DIFFERENCES} | {
    "AK", "AZ", "CO", "CT", "DC", "ID", "ME", "MS", "NM", "NV", "OH", "OK", "OR", "RI", "SD", "UT", "VA", "VT",
    "WA", "WY"})


def test_every_jurisdiction_has_a_table(book: RuleBook) -> None:
    codes = {t.code for t in book.tables().values()} | {"CA"}  # CA: the coded `ca-state` calendar
    assert len(codes) == 55 and set(CODES) | {"CA"} == codes


@pytest.mark.parametrize("code", CODES)
def test_table_matches_the_package_but_for_documented_differences(book: RuleBook, code: str) -> None:
    undocumented = [(side, name, d.isoformat()) for side, name, d in _diffs(book, code)
                    if not any(c == code and s == side and name.startswith(p) for c, s, p in DIFFERENCES)]
    assert undocumented == [], "document each difference in DIFFERENCES with its reason"


def test_every_documented_difference_still_occurs(book: RuleBook) -> None:
    """A listed difference that no longer shows up is stale: remove it."""
    seen = {(code, side, name) for code in CODES for side, name, _ in _diffs(book, code)}
    stale = [k for k in DIFFERENCES if not any(c == k[0] and s == k[1] and n.startswith(k[2]) for c, s, n in seen)]
    assert stale == []


def test_every_entry_cites_a_statute_and_parses(book: RuleBook) -> None:
    for table in book.tables().values():
        assert table.source and table.label.startswith(("a ", "an "))
        for e in table.entries:
            assert e.cite and e.observed


def test_date_grammar() -> None:
    # Hand-checked: Election Day 2026 is Tue Nov 3; the day after Thanksgiving 2026 is Fri Nov 27;
    # Easter 2027 is Mar 28 (so Good Friday is Mar 26); Patriots' Day 2026 is Mon Apr 20.
    assert easter(2027) == date(2027, 3, 28) and easter(2000) == date(2000, 4, 23)
    assert parse_rule("1st mon 11 +1") == ("nth", 11, 1, 0, 1)
    assert parse_rule("02-30") is None and parse_rule("9th mon 11") is None and parse_rule("easter+2") is None


def test_worked_table_days(book: RuleBook) -> None:
    """Hand-worked from the statutes: N.Y. Gen. Constr. Law 24 (Sunday -> Monday only), D.C. Code 28-2701
    (Sat -> Fri, Sun -> Mon; Inauguration Day on a Sunday -> Monday), Tex. Gov't Code 662.003 (no moving)."""
    ny = book.tables()["ny-state"]
    assert [h.day for h in ny(2023)] == [date(2023, 2, 13), date(2023, 11, 7)]  # Feb 12, 2023 was a Sunday
    assert [h.day for h in ny(2022)] == [date(2022, 2, 12), date(2022, 11, 8)]  # a Saturday: not moved
    dc = book.tables()["dc-state"]
    assert [h.day for h in dc(2013)] == [date(2013, 1, 21), date(2013, 4, 16)]
    assert date(2022, 4, 15) in [h.day for h in dc(2022)]  # Apr 16, 2022 was a Saturday
    tx = {h.day: h for h in book.tables()["tx-state"](2026)}
    assert not tx[date(2026, 11, 27)].ambiguous and tx[date(2026, 3, 2)].ambiguous


def test_differences_page_lists_every_documented_difference() -> None:
    from pathlib import Path

    page = (Path(__file__).resolve().parents[3] / "docs" / "holiday-differences.md").read_text(encoding="utf-8")
    for (code, side, name), why in DIFFERENCES.items():
        assert f"| {code} | {side} | {name or '(all)'} | {why} |" in page, (code, side, name)


def test_a_firm_table_replaces_or_adds_a_state_without_code(tmp_path: object) -> None:
    """docs/rules.md "How to add a state": a firm's holidays/ folder and a court naming it."""
    from pathlib import Path

    from daemon.engine import load_rulebook
    from daemon.models import TriggerEvent

    root = Path(str(tmp_path))
    (root / "holidays").mkdir()
    (root / "courts").mkdir()
    (root / "holidays" / "xx.yaml").write_text(
        "holiday_table: xx-state\ncode: XX\njurisdiction: Firmland\nlabel: a Firmland holiday\nsource: Firm Code 1\n"
        "holidays:\n  - {name: Founders Day, date: \"03-03\", cite: Firm Code 1, observed: weekend-nearest}\n")
    (root / "courts" / "xxd.yaml").write_text(
        "court: xxd\nname: U.S. District Court, District of Firmland\nstate: XX\ntimezone: America/Chicago\n"
        "packs: [frcp]\nholidays: federal\nforward_holidays: xx-state\n")
    book = load_rulebook([root])
    # 21 days after Wed 2027-02-10 = Wed 2027-03-03, Founders Day -> Thu 03-04 (FRCP 6(a)(6)(C))
    [d] = [d for d in book.compute(TriggerEvent("M", "summons_served", date(2027, 2, 10), court="xxd"))
           if d.rule == "frcp.answer"]
    assert d.due == date(2027, 3, 4) and "a Firmland holiday (Firm Code 1), FRCP 6(a)(6)(C)" in d.explanation[1]
    (root / "holidays" / "bad.yaml").write_text("holiday_table: bad-state\nholidays:\n  - {name: X, date: \"13-45\"}\n")
    from daemon.engine.checks import check
    from daemon.engine.rulebook import read_all

    problems = check(read_all([root]))
    assert any("bad.yaml" in p and "has no `cite:`" in p and "13-45" in p for p in problems)
