"""California judicial-holiday history (RULES.md, corrected): CCP 135 and Gov. Code 6700 by year.

Hand-worked from the statute history:
- AB 855 (Stats. 2021 ch. 283, in force 2022-01-01) amended CCP 135 to except "the second Monday in
  October, known as Columbus Day" and stopped excepting Native American Day: Columbus Day is a judicial
  holiday through 2021 (2021-10-11), Native American Day from 2022 (2022-09-23).
- AB 1655 (Stats. 2022) added June 19 to Gov. Code 6700 from 2023: Juneteenth is a judicial holiday
  from 2023 (2023-06-19), not in 2021 (federal observance Fri 2021-06-18) or 2022 (Mon 2022-06-20).
- AB 1973 (Stats. 2014) added Native American Day to Gov. Code 6700 from 2015-01-01 without excepting
  it in CCP 135 (an "accidental court holiday", Metropolitan News-Enterprise, 2014-11-10); by 2021
  CCP 135 excepted it (AB 855's digest). When the exception took effect was not found, so 2015-2020
  are unsettled: flagged, earlier date calendared.
"""

from __future__ import annotations

from datetime import date

import pytest

from daemon.engine import RuleBook
from daemon.engine.calendars import ca_judicial_holidays
from daemon.models import TriggerEvent


def _days(year: int, ambiguous: bool | None = None) -> set[date]:
    return {h.day for h in ca_judicial_holidays(year) if ambiguous is None or h.ambiguous == ambiguous}


def test_columbus_day_through_2021_native_american_day_from_2022() -> None:
    assert date(2021, 10, 11) in _days(2021, False)
    assert date(2022, 10, 10) not in _days(2022)
    assert date(2021, 9, 24) not in _days(2021)
    assert date(2022, 9, 23) in _days(2022, False)


def test_juneteenth_from_2023() -> None:
    assert date(2021, 6, 18) not in _days(2021) and date(2022, 6, 20) not in _days(2022)
    assert date(2023, 6, 19) in _days(2023, False)


@pytest.mark.parametrize("year", range(2015, 2021))
def test_native_american_day_2015_2020_is_flagged(year: int) -> None:
    nad = [h for h in ca_judicial_holidays(year) if h.name.startswith("Native American Day")]
    assert len(nad) == 1 and nad[0].ambiguous and nad[0].day.weekday() == 4


def test_2015_native_american_day_calendars_the_earlier_date(book: RuleBook) -> None:
    """CCP 12, 12a: 30 days after Wed 2015-08-26 is Fri 2015-09-25, Native American Day: if it is a
    judicial holiday the answer moves to Mon 2015-09-28. Unsettled: calendar Fri 2015-09-25 and flag."""
    out = [d for d in book.compute(TriggerEvent("M", "summons_served", date(2015, 8, 26), court="ca-superior",
                                                service="personal")) if d.rule == "ca.answer"][0]
    assert out.due == date(2015, 9, 25)
    assert [(f.kind, f.alternative) for f in out.flags] == [("ambiguous-law", date(2015, 9, 28))]


def test_2021_columbus_day_moves_a_ca_superior_deadline(book: RuleBook) -> None:
    """CCP 12a: 30 days after Sat 2021-09-11 is Mon 2021-10-11, Columbus Day, a judicial holiday in 2021
    (CCP 135 before AB 855) -> Tue 2021-10-12."""
    out = [d for d in book.compute(TriggerEvent("M", "summons_served", date(2021, 9, 11), court="ca-superior",
                                                service="personal")) if d.rule == "ca.answer"][0]
    assert out.due == date(2021, 10, 12) and not out.flags
