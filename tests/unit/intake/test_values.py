"""Cell value parsers: dates (never guessed), times, e-mail lists."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daemon.intake.values import ValueProblem, as_text, is_day_first, parse_date, parse_emails, parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05", date(2026, 1, 5)),
        (" 2026-1-5 ", date(2026, 1, 5)),
        ("2026-01-05T00:00:00", date(2026, 1, 5)),
        ("1/5/2026", date(2026, 1, 5)),
        ("01/05/2026", date(2026, 1, 5)),
        ("12/31/2026", date(2026, 12, 31)),
        ("January 5, 2026", date(2026, 1, 5)),
        ("Jan 5 2026", date(2026, 1, 5)),
        ("Sept. 30, 2026", date(2026, 9, 30)),
        ("5 January 2026", date(2026, 1, 5)),
        ("5th March 2026", date(2026, 3, 5)),
        ("march 1st, 2027", date(2027, 3, 1)),
    ],
)
def test_accepted_dates(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("1/5/26", "2-digit year"),
        ("13/01/2026", "day/month/year"),
        ("01-05-2026", "more than one way"),
        ("05.01.2026", "more than one way"),
        ("2/30/2026", "not a date on the calendar"),
        ("2026-13-01", "not a date on the calendar"),
        ("Janvier 5, 2026", "not a month name"),
        ("next Tuesday", "not a date docketd understands"),
        ("1/5/0026", "cannot be right"),
        ("3026-01-05", "cannot be right"),
        ("2026-01-05T09:30", "not a date docketd understands"),
    ],
)
def test_refused_dates_say_why_and_how(text: str, says: str) -> None:
    with pytest.raises(ValueProblem, match=says) as caught:
        parse_date(text)
    assert str(caught.value).endswith(".")


def test_slashed_date_in_a_day_first_file_is_ambiguous() -> None:
    with pytest.raises(ValueProblem, match="ambiguous.*13/01/2026"):
        parse_date("05/01/2026", day_first_example="13/01/2026")
    # a second number over 12 cannot be a month, so it stays unambiguous even there
    assert parse_date("01/15/2026", day_first_example="13/01/2026") == date(2026, 1, 15)


def test_spreadsheet_cells() -> None:
    assert parse_date(datetime(2026, 1, 5)) == date(2026, 1, 5)
    assert parse_date(date(2026, 1, 5)) == date(2026, 1, 5)
    with pytest.raises(ValueProblem, match="date and a time"):
        parse_date(datetime(2026, 1, 5, 9, 30))
    with pytest.raises(ValueProblem, match="the number 46027"):
        parse_date(46027)
    with pytest.raises(ValueProblem, match="number"):
        parse_date(46027.0)


def test_day_first_detection() -> None:
    assert is_day_first("13/01/2026")
    assert not is_day_first("01/13/2026")
    assert not is_day_first("12/01/2026")
    assert not is_day_first("2026-01-13")


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2199, 12, 31)))
def test_every_date_round_trips_in_every_accepted_form(d: date) -> None:
    assert parse_date(d.isoformat()) == d
    assert parse_date(f"{d.month}/{d.day}/{d.year}") == d
    assert parse_date(d.strftime("%B %d, %Y")) == d
    assert parse_date(d.strftime("%d %b %Y")) == d


@given(st.text(max_size=30))
def test_arbitrary_text_is_parsed_or_refused_with_a_sentence(text: str) -> None:
    try:
        parse_date(text)
    except ValueProblem as problem:
        assert str(problem)[0].isupper() or str(problem).startswith("'")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("09:30", time(9, 30)), ("9:30", time(9, 30)), ("14:05", time(14, 5)), ("9:30 AM", time(9, 30)),
     ("2:30 pm", time(14, 30)), ("12:00 PM", time(12, 0)), ("12:15 a.m.", time(0, 15)), ("08:30:00", time(8, 30)),
     (time(8, 30), time(8, 30)), (datetime(1899, 12, 30, 13, 0), time(13, 0))],
)
def test_times(text: object, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["24:00", "9", "9.30", "13:00 PM", "noon", "09:60"])
def test_bad_times(text: str) -> None:
    with pytest.raises(ValueProblem, match="time"):
        parse_time(text)


def test_emails() -> None:
    assert parse_emails("JDoe@Firm.com; asmith@firm.com;;jdoe@firm.com") == ("jdoe@firm.com", "asmith@firm.com")
    assert parse_emails(["a@firm.com", "b@firm.com"]) == ("a@firm.com", "b@firm.com")
    with pytest.raises(ValueProblem, match="separate several addresses with ';'"):
        parse_emails("a@firm.com, b@firm.com")
    with pytest.raises(ValueProblem, match="not an e-mail address"):
        parse_emails("Jane Doe")


def test_as_text() -> None:
    assert as_text(None) == ""
    assert as_text(142.0) == "142"
    assert as_text(1.5) == "1.5"
    assert as_text("  x ") == "x"
    assert as_text(date(2026, 1, 5)) == "2026-01-05"
