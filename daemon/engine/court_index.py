"""One court's court days as an index, so "court days between" and "the Nth court day" are O(log n).

Court days in (a, b] = weekdays in (a, b] - closed weekdays in (a, b]. Weekdays are arithmetic on
ordinals; closed weekdays are two bisects into a sorted list of ordinals, built year by year from the
court's `DayView` (the engine's own is-court-day predicate) the first time a year is asked for. There
is no second holiday source: the index only remembers what the view answered.
"""

from __future__ import annotations

from bisect import bisect_right
from datetime import date

from daemon.engine.calendars import DayView

_MIN, _MAX = date.min.toordinal(), date.max.toordinal()


def _weekdays_through(n: int) -> int:
    """Weekdays among ordinals 1..n (ordinal 1, 0001-01-01, is a Monday)."""
    return 5 * (n // 7) + min(n % 7, 5)


class CourtCalendar:
    """Court days of one court under one view: counts and steps from an index of its closed weekdays."""

    __slots__ = ("_view", "_closed", "_first", "_last", "_lo", "_hi")

    def __init__(self, view: DayView) -> None:
        self._view = view
        self._closed: list[int] = []  # ordinals of closed weekdays in the loaded years, sorted
        self._first = self._last = 0  # loaded years: _first .. _last - 1 (none while equal)
        self._lo, self._hi = 1, 0  # the same as ordinals: _lo .. _hi

    @property
    def view(self) -> DayView:
        """The court's closed days this index was built from (its is-court-day predicate)."""
        return self._view

    def is_court_day(self, day: date) -> bool:
        """True when the court is open on `day` (the view's own predicate)."""
        return not self._view.closed(day)

    def between(self, start: date, end: date) -> int:
        """Court days after `start` up to and including `end` (0 when end <= start)."""
        return self._between(start.toordinal(), end.toordinal())

    def add(self, start: date, n: int) -> date:
        """The n-th court day after `start` (n > 0), before it (n < 0), or `start` itself (n == 0)."""
        a = start.toordinal()
        if n == 0:
            return start
        if n > 0:
            # Smallest b > a with n court days in (a, b]; the count only grows with b.
            step = 2 * n + 7
            hi = min(a + step, _MAX)
            while self._between(a, hi) < n:
                if hi == _MAX:
                    raise OverflowError("no such court day before date.max")
                step *= 2
                hi = min(a + step, _MAX)
            lo = a  # count(a, lo) < n <= count(a, hi)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if self._between(a, mid) >= n:
                    hi = mid
                else:
                    lo = mid
            return date.fromordinal(hi)
        # Largest b < a with -n court days in [b, a), i.e. in (b - 1, a - 1]; the count shrinks as b grows.
        k, step = -n, -2 * n + 7
        lo = max(a - step, _MIN + 1)
        while self._between(lo - 1, a - 1) < k:
            if lo == _MIN + 1:
                raise OverflowError("no such court day after date.min")
            step *= 2
            lo = max(a - step, _MIN + 1)
        hi = a  # count(lo) >= k > count(hi)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if self._between(mid - 1, a - 1) >= k:
                lo = mid
            else:
                hi = mid
        return date.fromordinal(lo)

    def roll(self, day: date, forward: bool = True) -> date:
        """`day` if it is a court day, else the next court day (or the one before, forward=False)."""
        if self.is_court_day(day):
            return day
        return self.add(day, 1 if forward else -1)

    def _between(self, a: int, b: int) -> int:
        if b <= a:
            return 0
        if a < self._lo or b > self._hi:
            self._cover(date.fromordinal(a).year, date.fromordinal(b).year)
        closed = bisect_right(self._closed, b) - bisect_right(self._closed, a)
        return _weekdays_through(b) - _weekdays_through(a) - closed

    def _cover(self, lo: int, hi: int) -> None:
        """Load the closed weekdays of years lo..hi (and any gap to what is loaded: the list stays whole)."""
        if self._first < self._last and self._first <= lo and hi < self._last:
            return
        first = lo if self._first == self._last else min(lo, self._first)
        last = hi + 1 if self._first == self._last else max(hi + 1, self._last)
        before = [o for y in range(first, self._first if self._first < self._last else first)
                  for o in self._year(y)]
        after = [o for y in range(max(self._last, first), last) for o in self._year(y)]
        if self._first == self._last:
            self._closed = after
        else:
            self._closed = before + self._closed + after
        self._first, self._last = first, last
        self._lo, self._hi = date(first, 1, 1).toordinal(), date(last - 1, 12, 31).toordinal()

    def _year(self, year: int) -> list[int]:
        """Ordinals of the weekdays of `year` the view closes, in order."""
        first = date(year, 1, 1).toordinal()
        last = date(year, 12, 31).toordinal()
        closed = self._view.closed
        return [o for o in range(first, last + 1) if (o + 6) % 7 < 5 and closed(date.fromordinal(o))]
