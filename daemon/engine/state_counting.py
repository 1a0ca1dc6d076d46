"""Counting methods of the Texas, New York, Florida and Illinois state courts, each citing its rule.

Pure functions: a rule, the period, the trigger date, the service extension and a `DayView` in; the
due date and the explanation lines a docketing clerk would write out.

- `trcp` / `trap`: TRCP 4 and TRAP 4.1(a) -- exclude the day of the event, include the last day; a
  last day on a Saturday, Sunday or legal holiday runs to the end of the next day that is not one.
  TRCP 21a(c): service by mail adds 3 days to the prescribed period (counted as calendar days, TRCP 4).
  TRCP 99(b): the answer is due by 10:00 a.m. on the Monday next after the expiration of 20 days; the
  20th day itself is not rolled (TRCP 4 advisory opinion: "the Monday immediately following").
- `gcl`: N.Y. Gen. Constr. Law 20 (the day of the event is excluded) and 25-a (a period ending on a
  Saturday, Sunday or public holiday runs to the next business day). CPLR 2103(b)(2): mail adds 5 days
  (6 from outside the state); 2103(b)(6): overnight delivery adds one business day.
- `fla`: Fla. R. Gen. Prac. & Jud. Admin. 2.514(a)(1): from 2019-01-01 "begin counting from the next
  day that is not a Saturday, Sunday, or legal holiday" (before: from the day after the event); a
  closed last day runs to the next open day. 2.514(b): service by mail adds 5 days AFTER the period
  would otherwise expire under (a) (e-mail did so too until 2018-12-31).
- `ilcs`: 5 ILCS 70/1.11 (exclude the first day, include the last unless a Saturday, Sunday or
  holiday). Ill. S. Ct. R. 12(c): service by mail is complete 4 days after mailing; by third-party
  commercial carrier on the third court day after delivery to the carrier; e-service on transmission.
- Before an event (CPLR 2214(b), TRCP 21(b), 166a(c)): count backward from the hearing, hearing day
  excluded; a service extension is counted further backward; a last day that is not a court day moves
  to the previous court day, so the other side keeps its full notice. Florida from 2019: 2.514(a)(1)(A)
  with (a)(5) -- day 1 is the nearest earlier day that is not a Saturday, Sunday or legal holiday
  (counting from the day before the hearing is the flagged later reading).
"""

from __future__ import annotations

from datetime import date, timedelta

from daemon.engine.calendars import DayView
from daemon.engine.counting import (
    DAYS,
    count_court_days,
    court_days_line,
    fmt,
    named_closures,
    roll_backward,
    roll_forward,
)
from daemon.engine.packs import Rule
from daemon.models import Flag

STATE_COUNTINGS = ("trcp", "trap", "gcl", "fla", "ilcs")
ROLLS = ("monday-next",)  # TRCP 99(b)
ONE = DAYS[1]
FLA_2019 = date(2019, 1, 1)  # 2.514(a)(1)(A) as amended (In re Amendments, Oct. 25, 2018)

_ROLL_CITE = {"trcp": "TRCP 4", "trap": "TRAP 4.1(a)", "gcl": "N.Y. Gen. Constr. Law 25-a",
              "fla": "Fla. R. Gen. Prac. & Jud. Admin. 2.514(a)(1)(C)", "ilcs": "5 ILCS 70/1.11"}
_START_CITE = {"trcp": "TRCP 4", "trap": "TRAP 4.1(a)", "gcl": "N.Y. Gen. Constr. Law 20",
               "fla": "Fla. R. Gen. Prac. & Jud. Admin. 2.514(a)(1)", "ilcs": "5 ILCS 70/1.11"}


def _days(n: int) -> str:
    return f"{n} day" + ("" if n == 1 else "s")


def _closed(a: date, b: date, view: DayView) -> str:
    """Why a roll from `a` to `b` was needed, naming the weekday holidays it passed."""
    names = named_closures(a, b - (ONE if b > a else -ONE), view) if a != b else ""
    return ", not a court day" + (f" ({names})" if names else "")


def _roll(day: date, view: DayView, counting: str) -> tuple[date, str]:
    """A last day that is not a court day runs to the next one; returns (due, "" or the trace tail)."""
    due = roll_forward(day, view)
    if due == day:
        return due, ""
    return due, f"{_closed(day, due, view)} -> {fmt(due)} [{_ROLL_CITE[counting]}]"


def next_monday(day: date) -> date:
    """The Monday next after `day` (a week later when `day` is itself a Monday)."""
    wd = day.weekday()
    return day + DAYS[7 - wd if wd else 7]


def state_forward(rule: Rule, n: int, start: date, k: int, in_court: bool, label: str, cite: str,
                  view: DayView) -> tuple[date, list[str]]:
    """A period counted after an event under the rule's state counting method."""
    c = rule.counting
    if rule.unit == "court":  # e.g. TRCP 4: periods of five days or less skip weekends and holidays
        end = count_court_days(start, n, view, True)
        steps = [f"{n} court day{'s' if n != 1 else ''} after -> {fmt(end)}{court_days_line(start, end, view)} "
                 f"[{_START_CITE[c]}]."]
        if k:
            due = count_court_days(end, k, view, True) if in_court else roll_forward(end + DAYS[k], view)
            steps.append(f"{label}: {k} {'court ' if in_court else ''}day{'s' if k != 1 else ''} added -> {fmt(due)} "
                         f"[{cite}].")
            return due, steps
        return end, steps
    if rule.roll == "monday-next":  # TRCP 99(b)
        end = start + DAYS[n]
        monday = next_monday(end)
        due, tail = _roll(monday, view, c)
        line = (f"{_days(n)} after -> {fmt(end)}; the Monday next after -> {fmt(monday)}, by 10:00 a.m. "
                f"[{rule.cite_short}]")
        steps = [line + (f"{tail}." if tail else ".")]
        if tail:  # TRCP 4 carries the period "until the end of the next day"; the earlier reading keeps 10:00
            steps.append(f"Calendared by 10:00 a.m. on {fmt(due)}, the hour TRCP 99(b) sets; TRCP 4's \"until the "
                         f"end of the next day\" may allow the whole day: unsettled, the earlier hour is kept.")
        return due, steps
    if c == "ilcs":
        begin, steps = start, []
        if k:  # R. 12(c): the period runs from the day service is complete
            begin = count_court_days(start, k, view, True) if in_court else start + DAYS[k]
            unit = f"on the {_ordinal(k)} court day" if in_court else f"{_days(k)}"
            skipped = court_days_line(start, begin, view) if in_court else ""
            steps.append(f"{label} is complete {unit} after -> {fmt(begin)}{skipped} [{cite}].")
        end = begin + DAYS[n]
        due, tail = _roll(end, view, c)
        steps.append(f"{_days(n)} after, exclusive of that day -> {fmt(end)}{tail}"
                     + ("." if tail else f" [{_START_CITE[c]}]."))
        return due, steps
    if c == "fla":
        return _fla_forward(n, start, k, label, cite, view)
    # trcp / trap / gcl: the extension lengthens the prescribed period before the roll.
    if k and in_court:  # CPLR 2103(b)(6): one business day added
        end = start + DAYS[n]
        due = count_court_days(end, k, view, True)
        return due, [f"{_days(n)} after -> {fmt(end)} [{_START_CITE[c]}].",
                     f"{label}: {k} business day added -> {fmt(due)}{court_days_line(end, due, view)} [{cite}]."]
    end = start + DAYS[n + k]
    head = f"{_days(n)} after" + (f" + {_days(k)} for {label.lower()} [{cite}] = {_days(n + k)}" if k else "")
    due, tail = _roll(end, view, c)
    return due, [f"{head} -> {fmt(end)}{tail}" + ("." if tail else f" [{_START_CITE[c]}].")]


def _ordinal(k: int) -> str:
    return {1: "first", 2: "second", 3: "third"}.get(k, f"{k}th")


def _fla_first_day(start: date, view: DayView) -> date:
    """2.514(a)(1)(A) from 2019: the first counted day is the next day that is not a Saturday, Sunday or
    legal holiday."""
    return roll_forward(start + ONE, view) if start >= FLA_2019 else start + ONE


def _fla_forward(n: int, start: date, k: int, label: str, cite: str, view: DayView) -> tuple[date, list[str]]:
    first = _fla_first_day(start, view)
    end = first + DAYS[n - 1]
    steps = []
    if first != start + ONE:
        names = named_closures(start + ONE, first - ONE, view)
        steps.append(f"The day after the event, {fmt(start + ONE)}, is not a court day"
                     + (f" ({names})" if names else "") + f"; counting begins on the next day that is not a "
                     f"Saturday, Sunday or legal holiday, {fmt(first)} [Fla. R. Gen. Prac. & Jud. Admin. "
                     f"2.514(a)(1)(A)].")
        steps.append(f"{_days(n)} counted from {fmt(first)} (day 1) -> {fmt(end)}"
                     + _fla_tail(end, view))
    else:
        steps.append(f"{_days(n)} after -> {fmt(end)}" + _fla_tail(end, view))
    due = roll_forward(end, view)
    if k:
        extra = due + DAYS[k]
        out = roll_forward(extra, view)
        tail = _closed(extra, out, view) + f" -> {fmt(out)} [{_ROLL_CITE['fla']}]" if out != extra else ""
        steps.append(f"{label}: {_days(k)} added after the period would otherwise expire [{cite}] -> "
                     f"{fmt(extra)}{tail}.")
        due = out
    return due, steps


def _fla_tail(end: date, view: DayView) -> str:
    due = roll_forward(end, view)
    if due == end:
        return " [Fla. R. Gen. Prac. & Jud. Admin. 2.514(a)(1)]."
    return f"{_closed(end, due, view)} -> {fmt(due)} [{_ROLL_CITE['fla']}]."


def state_backward(rule: Rule, n: int, start: date, k: int, in_court: bool, label: str, cite: str,
                   view: DayView) -> tuple[date, list[str]]:
    """A period counted back from a hearing: the extension further back, then back to a court day."""
    if rule.unit == "court":
        end = count_court_days(start, n, view, False)
        steps = [f"{n} court day{'s' if n != 1 else ''} before -> {fmt(end)}{court_days_line(start, end, view)} "
                 f"[{rule.cite_short}]."]
    elif rule.counting == "fla" and start >= FLA_2019:
        end, steps = _fla_backward(rule, n, start, view)
    else:
        end = start - DAYS[n]
        steps = [f"{_days(n)} before -> {fmt(end)} [{rule.cite_short}]."]
    if k:
        new = count_court_days(end, k, view, False) if in_court else end - DAYS[k]
        unit = f"{k} business day" + ("" if k == 1 else "s") if in_court else _days(k)
        steps.append(f"{label}: {unit} earlier -> {fmt(new)} [{cite}].")
        end = new
    due = roll_backward(end, view)
    if due != end:
        steps.append(f"{fmt(end)}{_closed(end, due, view)} -> previous court day {fmt(due)} (counting backward "
                     f"keeps the full notice period).")
    return due, steps


def _fla_backward(rule: Rule, n: int, start: date, view: DayView) -> tuple[date, list[str]]:
    """2.514(a)(1)(A) counted before an event: 2.514(a)(5) takes the "next day" backward, so day 1 is the
    nearest earlier day that is not a Saturday, Sunday or legal holiday."""
    first = roll_backward(start - ONE, view)
    end = first - timedelta(days=n - 1)
    if first == start - ONE:
        return end, [f"{_days(n)} before -> {fmt(end)} [{rule.cite_short}; Fla. R. Gen. Prac. & Jud. Admin. "
                     f"2.514(a)(1)]."]
    names = named_closures(first + ONE, start - ONE, view)
    return end, [f"The day before the event, {fmt(start - ONE)}, is not a court day" + (f" ({names})" if names else "")
                 + f"; counting backward begins on the next earlier day that is not a Saturday, Sunday or legal "
                 f"holiday, {fmt(first)} [Fla. R. Gen. Prac. & Jud. Admin. 2.514(a)(1)(A), (a)(5)].",
                 f"{_days(n)} counted back from {fmt(first)} (day 1) -> {fmt(end)} [{rule.cite_short}]."]


def state_count(rule: Rule, n: int, start: date, k: int, in_court: bool, label: str, cite: str,
                view: DayView) -> tuple[date, list[str]]:
    """Count one state-court rule's period; returns (due, explanation steps)."""
    if rule.direction == "before":
        return state_backward(rule, n, start, k, in_court, label, cite, view)
    return state_forward(rule, n, start, k, in_court, label, cite, view)


def _gcl_before(rule: Rule, n: int, start: date, k: int, in_court: bool, due: date,
                view: DayView) -> tuple[date, str] | None:
    """Gen. Constr. Law 25-a(1) read on its words for a period counted back from a return date."""
    if rule.unit == "court":
        return None
    end = start - DAYS[n]
    if k:
        end = count_court_days(end, k, view, False) if in_court else end - DAYS[k]
    if not view.closed(end):
        return None
    later = roll_forward(end, view)
    if later <= due or later >= start:  # no later reading before the return date itself
        return None
    # GCL 25-a(1) covers a period "before which an act is ... required to be done" and lets the act be
    # done "on the next succeeding business day"; counting backward keeps the full notice instead.
    return later, (f"whether N.Y. Gen. Constr. Law 25-a(1), which reaches periods \"before which\" an act is "
                   f"to be done, carries the last day, {fmt(end)}, to the next business day, {fmt(later)}, "
                   f"though that shortens the notice")


def second_reading(rule: Rule, n: int, start: date, k: int, due: date, view: DayView,
                   in_court: bool = False) -> tuple[date, str] | None:
    """A later date another reading of the counting rule gives, with why (None when there is none).

    Fla. R. Gen. Prac. & Jud. Admin. 2.514(b) adds the 5 mail days "after the period would otherwise
    expire under subdivision (a)"; whether (a)(1)(A) (from 2019: begin counting from the next day that is
    not a Saturday, Sunday or legal holiday) also governs those 5 days is not settled. N.Y. Gen. Constr.
    Law 25-a(1) on its words also moves a closed last day of a period counted back from a return date
    forward to the next business day (see `_gcl_before`).
    """
    if rule.counting == "gcl" and rule.direction == "before":
        return _gcl_before(rule, n, start, k, in_court, due, view)
    if rule.counting == "fla" and rule.direction == "before":
        return _fla_before(rule, n, start, due, view)
    if rule.counting != "fla" or not k or rule.direction != "after" or start < FLA_2019:
        return None
    first_day = _fla_first_day(start, view)
    base = roll_forward(first_day + DAYS[n - 1], view)
    first = roll_forward(base + ONE, view)
    later = roll_forward(first + DAYS[k - 1], view)
    if later <= due:
        return None
    return later, (f"whether the {k} mail days of Fla. R. Gen. Prac. & Jud. Admin. 2.514(b) also begin on the next "
                   f"day that is not a Saturday, Sunday or legal holiday ({fmt(first)}), as 2.514(a)(1)(A) "
                   f"counts a period")


def _fla_before(rule: Rule, n: int, start: date, due: date, view: DayView) -> tuple[date, str] | None:
    """2.514(a)(1)(A) read as only forward periods' rule: count back from the day before the event."""
    if rule.unit == "court" or start < FLA_2019:
        return None
    later = roll_backward(start - timedelta(days=n), view)
    if later <= due:
        return None
    # The 2019 text starts every period "from the next day that is not a Saturday, Sunday, or legal
    # holiday" and (a)(5) takes "next day" backward before an event; no case was found applying it to a
    # period counted back from a hearing, and counting from the day before the hearing gives a later day.
    return later, (f"whether Fla. R. Gen. Prac. & Jud. Admin. 2.514(a)(1)(A) (begin counting from the next day "
                   f"that is not a Saturday, Sunday or legal holiday; backward before an event, (a)(5)) governs a "
                   f"period counted back from a hearing; counted from the day before it the period ends "
                   f"{fmt(later)}")


def reading_flag(why: str, earlier: date, later: date) -> tuple[str, Flag]:
    """The explanation line and `ambiguous-law` flag for a counting rule that reads two ways."""
    line = (f"Unsettled {why}: calendared the earlier date {fmt(earlier)}; the other reading gives "
            f"{fmt(later)}.")
    flag = Flag(
        kind="ambiguous-law",
        severity="warning",
        message=f"The law reads two ways here ({why}): docketd calendared the earlier date {earlier.isoformat()}.",
        action=f"Have the responsible attorney decide; the later reading gives {later.isoformat()}.",
        alternative=later,
    )
    return line, flag
