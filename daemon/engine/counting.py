"""Counting methods, one named function per rule of time computation, each citing its source.

Every function is pure: it takes the start date, the period and a `DayView` (which days the court
is closed) and returns the resulting date plus the explanation line a docketing clerk would write.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

from daemon.engine.calendars import DayView

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
ONE = timedelta(days=1)
BACK = -ONE


class _Deltas(dict[int, timedelta]):
    """`timedelta(days=n)` by n, each made once: making one costs several times adding it to a date.

    The keys are the periods and extensions of the loaded rules, so the table stays small."""

    def __missing__(self, n: int) -> timedelta:
        self[n] = found = timedelta(days=n)
        return found


DAYS = _Deltas()


class _Written(dict[date, str]):
    """Each date as a clerk writes it in a trace, made once (one short string per distinct date: the
    engine accepts triggers of 1900-2199 only)."""

    def __missing__(self, day: date) -> str:
        self[day] = found = f"{day.isoformat()} ({_WEEKDAYS[day.weekday()]})"
        return found


# fmt(day): a date as a clerk writes it in a trace, `2026-04-04 (Sat)`. The dict's own look-up, called
# four to six times per deadline: an lru_cache built a key tuple for each date.
fmt: Callable[[date], str] = _Written().__getitem__


def roll_forward(day: date, view: DayView) -> date:
    """The first court day on or after `day`."""
    return view.roll(day, ONE)


def roll_backward(day: date, view: DayView) -> date:
    """The last court day on or before `day`."""
    return view.roll(day, BACK)


def count_court_days(day: date, n: int, view: DayView, forward: bool) -> date:
    """Count `n` court days from `day` (excluded), forward or backward (CCP 12, 12c)."""
    return view.count(day, n, ONE if forward else BACK)


def _holiday_words(day: date, view: DayView) -> str:
    name = view.name(day)
    return f"{fmt(day)} is {name}" if name[:1].isupper() else f"{fmt(day)}: {name}"


def named_closures(a: date, b: date, view: DayView) -> str:
    """The weekday holidays and closures from `a` to `b` (both included, in that order), as a clerk
    notes them: "2026-02-16 (Mon) is Washington's Birthday (Presidents' Day)". Weekends go unnamed:
    every date already shows Sat or Sun."""
    return "; ".join([_holiday_words(day, view) for day in view.closed_weekdays(a, b)])


def _closed_note(a: date, b: date, view: DayView) -> str:
    """Why a roll from `a` to `b` was needed: ", Lincoln Day, not a court day; 2026-02-16 (Mon) is ..."."""
    head = view.name(a) if a.weekday() < 5 else ""
    rest = named_closures(a + (ONE if b >= a else -ONE), b, view) if a != b else ""
    if "(a)(6)(C)" in head:  # a state holiday: say whose and why, as a clerk would ("... is ..., FRCP 6(a)(6)(C)")
        return f", not a court day: {fmt(a)} is {head}" + (f"; {rest}" if rest else "")
    return (f", {head}," if head else ",") + " not a court day" + (f"; {rest}" if rest else "")


def court_days_line(start: date, end: date, view: DayView) -> str:
    """The holidays a court-day count from `start` (excluded) to `end` left out ("" if none)."""
    if start == end:
        return ""
    names = named_closures(start + (ONE if end > start else -ONE), end, view)
    return f" (not counted: {names})" if names else ""


@lru_cache(maxsize=4096)
def _days(n: int, unit: str) -> str:
    if unit == "court":
        return f"{n} court day" + ("" if n == 1 else "s")
    return f"{n} day" + ("" if n == 1 else "s")


class _CalendarDays(dict[int, str]):
    """"21 days" by n: the words of `_days(n, 'calendar')`, read with one dict look-up on the hot paths."""

    def __missing__(self, n: int) -> str:
        self[n] = found = _days(n, "calendar")
        return found


_CALENDAR_DAYS = _CalendarDays()


def _rolled(end: date, view: DayView) -> tuple[date, str]:
    """The first court day on or after `end`, and "" or the note on the roll (", ... not a court day ...
    -> due"), remembered in the view: the same day rolls the same way for every rule that ends on it."""
    found = view.forward_rolls.get(end)
    if found is None:
        due = roll_forward(end, view)
        found = view.forward_rolls[end] = (due, "" if due == end else f"{_closed_note(end, due, view)} -> {fmt(due)}")
    return found


def federal_forward(start: date, n: int, view: DayView, rule: str) -> tuple[date, str]:
    """FRCP 6(a)(1) / FRAP 26(a)(1): exclude the trigger day, count every day, roll past closed days.

    `rule` is "FRCP 6(a)" or "FRAP 26(a)".
    """
    end = start + DAYS[n]
    due, note = view.forward_rolls.get(end) or _rolled(end, view)  # the look-up inline: one call less
    if not note:
        return due, f"{_CALENDAR_DAYS[n]} after -> {fmt(end)} [{rule}(1)]."
    return due, f"{_CALENDAR_DAYS[n]} after -> {fmt(end)}{note} [{rule}(1)(C)]."


def federal_backward(start: date, n: int, view: DayView, rule: str) -> tuple[date, str]:
    """FRCP 6(a)(5) / FRAP 26(a)(5): a period before an event counts backward, and a last day that
    is not a court day keeps going backward."""
    end = start - DAYS[n]
    due = roll_backward(end, view)
    if due == end:
        return due, f"{_CALENDAR_DAYS[n]} before -> {fmt(end)} [{rule}(1), {rule}(5)]."
    return due, (
        f"{_CALENDAR_DAYS[n]} before -> {fmt(end)}{_closed_note(end, due, view)}; counting backward -> "
        f"{fmt(due)} [{rule}(1)(C), {rule}(5)]."
    )


def federal_service_days(due: date, k: int, label: str, view: DayView, rule: str,
                         cite: str) -> tuple[date, str]:
    """FRCP 6(d) / FRAP 26(c): add `k` days AFTER the period would otherwise expire, then roll again."""
    end = due + DAYS[k]
    out, note = view.forward_rolls.get(end) or _rolled(end, view)
    line = f"{label}: +{k} days after the period expires -> {fmt(end)}"
    if not note:
        return out, f"{line} [{cite}]."
    return out, f"{line}{note} [{cite}, {rule}(1)(C)]."


def ccp_forward(start: date, n: int, unit: str, ext: int, ext_label: str, ext_cite: str,
                view: DayView, roll: bool = True) -> tuple[date, date, str]:
    """CCP 12 / 12a: exclude the first day, include the last; a closed last day extends to the next
    court day. CCP 1013(a) calendar-day extensions lengthen the period before that roll.

    Returns (due, unrolled end, line); the unrolled end is where CCP 1010.6 court days count from, so
    with `roll=False` (a court-day extension follows) the line stops at the unrolled end.
    """
    if unit == "court":
        end = count_court_days(start, n, view, True)
        return end, end, f"{_days(n, 'court')} after -> {fmt(end)}{court_days_line(start, end, view)} [CCP 12]."
    end = start + DAYS[n + ext]
    due = roll_forward(end, view) if roll else end
    head = f"{_days(n, 'calendar')} after"
    if ext:
        head += f" + {ext} days for {ext_label} [{ext_cite}] = {n + ext} days"
    if due == end:
        return due, end, f"{head} -> {fmt(end)} [CCP 12]."
    return due, end, f"{head} -> {fmt(end)}{_closed_note(end, due, view)} -> {fmt(due)} [CCP 12, 12a]."


def ccp_court_day_extension(end: date, k: int, label: str, cite: str, view: DayView,
                            forward: bool) -> tuple[date, str]:
    """CCP 1010.6(a)(3)(B) / 1013(c),(e): +k court days, counted from the unrolled end of the period
    (or, before a hearing, further backward from it)."""
    out = count_court_days(end, k, view, forward)
    way = "later" if forward else "earlier"
    return out, (f"{label}: {_days(k, 'court')} {way}, counted from {fmt(end)} -> {fmt(out)}"
                 f"{court_days_line(end, out, view)} [{cite}].")


def ccp_backward(start: date, n: int, unit: str, view: DayView, cite: str) -> tuple[date, str]:
    """CCP 12c: count backward from the hearing, hearing day excluded (the roll comes later)."""
    if unit == "court":
        end = count_court_days(start, n, view, False)
        return end, f"{_days(n, 'court')} before -> {fmt(end)}{court_days_line(start, end, view)} [{cite}, CCP 12c]."
    end = start - DAYS[n]
    return end, f"{_days(n, 'calendar')} before -> {fmt(end)} [{cite}, CCP 12c]."


def ccp_backward_extension(end: date, k: int, label: str, cite: str) -> tuple[date, str]:
    """CCP 1005(b) / 437c(a)(2): a calendar-day service extension counted further backward."""
    out = end - DAYS[k]
    return out, f"{label}: {k} days earlier -> {fmt(out)} [{cite}]."


def ccp_backward_roll(day: date, view: DayView) -> tuple[date, str]:
    """A last day before a hearing that is not a court day moves to the previous court day."""
    out = roll_backward(day, view)
    if out == day:
        return out, ""
    return out, f"{fmt(day)}{_closed_note(day, out, view)} -> previous court day {fmt(out)} [CCP 12c]."


def ccp_2016_060(start: date, n: int, view: DayView, cite: str) -> tuple[date, str]:
    """CCP 2016.060: counted back from trial; a closed last day moves to the next court day CLOSER
    TO the trial (forward), not away from it."""
    end = start - DAYS[n]
    due = roll_forward(end, view)
    if due == end:
        return due, f"{_days(n, 'calendar')} before -> {fmt(end)} [{cite}]."
    return due, (
        f"{_days(n, 'calendar')} before -> {fmt(end)}{_closed_note(end, due, view)} -> next court day toward "
        f"trial {fmt(due)} [{cite}, CCP 2016.060]."
    )


def plain_offset(start: date, n: int, label: str, cite: str) -> tuple[date, str]:
    """A date fixed by statute with no roll (e.g. substituted service complete on the 10th day after
    mailing, CCP 415.20): it is when something happens, not a day by which to act."""
    out = start + DAYS[n]
    way = "after" if n >= 0 else "before"
    return out, f"{label}: {_days(abs(n), 'calendar')} {way} -> {fmt(out)} [{cite}]."
