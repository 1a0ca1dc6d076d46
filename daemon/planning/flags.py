"""PURE: flags a careful paralegal raises about deadlines, from the deadlines and today's date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol

from daemon.engine.counting import fmt
from daemon.models import Deadline, Flag, TriggerEvent

# Events that are set for a future day by nature; a future date on anything else is likely a typo.
SCHEDULED_EVENTS = frozenset({
    "motion_hearing", "msj_hearing", "msj_hearing_pre2025", "trial", "scheduling_conference", "oral_argument",
    "rule26f_conference", "discovery_closed",
})
FAR_PAST_DAYS = 730
# Flags about an intake row's date, not about any one deadline: stored once per trigger.
TRIGGER_FLAG_KINDS = frozenset({"future-trigger", "far-past-trigger"})
# Every kind all_flags adds to the engine's own flags of a deadline (they depend on today; a stored
# payload's flags minus these are the engine's, daemon/docket.py _stored_plan).
ADDED_FLAG_KINDS = TRIGGER_FLAG_KINDS | {"missed", "due-soon"}


class CourtDays(Protocol):
    """What flags read of a court's calendar (daemon.engine.court_index.CourtCalendar)."""

    def between(self, start: date, end: date) -> int:
        """Court days after `start` up to and including `end`."""
        ...


class CourtCalendars(Protocol):
    """Where flags get a court's court days: the rule book (`RuleBook.court_calendar`), never a second
    holiday list, so "due soon" and the deadlines themselves agree on which days the court sits."""

    def court_calendar(self, court_id: str) -> CourtDays:
        """The court's court days, indexed."""
        ...


# A day as flags write it, `2026-04-04 (Sat)`: the engine's own memo of each date's text (strftime's %a,
# once per busy day, was 2% of a 10,000-row preview; issue 17).
_day = fmt


def deadline_flags(d: Deadline, today: date, soon_court_days: int = 5, *, courts: CourtCalendars) -> list[Flag]:
    """The engine's flags plus missed-at-intake and due-soon (in the deadline's court's days) for one deadline."""
    flags = list(d.flags)
    if d.kind != "deadline":
        return flags
    prov = d.trigger.provenance
    received = prov.received if prov and prov.received else today
    if d.due < received:
        flags.append(Flag(
            "missed", "critical",
            f"Matter {d.matter}: the deadline “{d.title}” fell on {_day(d.due)}, before docketd received "
            f"its trigger on {received.isoformat()}.",
            "Tell the responsible attorney today; check whether relief (extension, stipulation, "
            "motion for leave) is available."))
    elif today <= d.due and courts.court_calendar(d.court).between(today, d.due) <= soon_court_days:
        flags.append(Flag(
            "due-soon", "warning",
            f"Matter {d.matter}: the deadline “{d.title}” falls on {_day(d.due)}, within "
            f"{soon_court_days} court days.",
            "Confirm the work is on track and the responsible attorney knows."))
    return flags


def trigger_flags(matter: str, event: str, when: date, today: date) -> list[Flag]:
    """Flags about the trigger date itself: in the future (for a past-type event) or far in the past."""
    flags = []
    if when > today and event not in SCHEDULED_EVENTS:
        flags.append(Flag(
            "future-trigger", "warning",
            f"Matter {matter}: the {event} row is dated {_day(when)}, which is in the future.",
            "Check the date in the intake row; correct it by dropping a row with the right date."))
    if (today - when).days > FAR_PAST_DAYS:
        flags.append(Flag(
            "far-past-trigger", "warning",
            f"Matter {matter}: the {event} row is dated {_day(when)}, more than two years ago.",
            "Check the year in the intake row; a typo here moves every deadline."))
    return flags


class _CountedDays:
    """One court's court-day counts, each (start, end) counted once: deadlines share due days."""

    def __init__(self, calendar: CourtDays) -> None:
        self._calendar = calendar
        self._counts: dict[tuple[date, date], int] = {}

    def between(self, start: date, end: date) -> int:
        """The calendar's between(start, end)."""
        span = (start, end)
        found = self._counts.get(span)
        if found is None:
            found = self._counts[span] = self._calendar.between(start, end)
        return found


class _CountedCourts:
    """CourtCalendars whose court-day counts are remembered (see _CountedDays)."""

    def __init__(self, courts: CourtCalendars) -> None:
        self._courts = courts
        self._of: dict[str, _CountedDays] = {}

    def court_calendar(self, court_id: str) -> _CountedDays:
        """The court's calendar, counting each span once."""
        found = self._of.get(court_id)
        if found is None:
            found = self._of[court_id] = _CountedDays(self._courts.court_calendar(court_id))
        return found


class Flagger:
    """all_flags one deadline at a time, for a computation that meets its deadlines in many calls (a
    preview's rows): court-day counts and each trigger's own flags are kept across the calls."""

    def __init__(self, today: date, soon_court_days: int = 5, *, courts: CourtCalendars) -> None:
        self._today = today
        self._soon = soon_court_days
        self._courts = _CountedCourts(courts)
        # A trigger's deadlines share its flags (frozen records; a list, to be added to each deadline's).
        self._of_trigger: dict[tuple[str, str, date], list[Flag]] = {}
        self._last: tuple[TriggerEvent | None, str, list[Flag]] = (None, "", [])
        self._plain: set[tuple[str, date, date | None]] = set()  # (court, due, received): nothing added

    def flags(self, d: Deadline) -> list[Flag]:
        """The deadline's flags (a new list): deadline_flags plus its trigger's flags."""
        t = d.trigger
        flags = list(d.flags)
        if d.kind == "deadline":
            # Whether deadline_flags adds a flag depends on the court, the due day and the day received
            # alone; most deadlines get none, and those are answered here without it (issue 17).
            prov = t.provenance
            when = (d.court, d.due, prov.received if prov else None)
            if when not in self._plain:
                flags = deadline_flags(d, self._today, self._soon, courts=self._courts)
                if len(flags) == len(d.flags):
                    self._plain.add(when)
        if t is self._last[0] and d.matter == self._last[1]:  # a trigger's deadlines come one after another
            shared = self._last[2]
        else:
            which = (d.matter, t.event, t.date)
            found = self._of_trigger.get(which)
            if found is None:
                found = self._of_trigger[which] = trigger_flags(d.matter, t.event, t.date, self._today)
            shared = found
            self._last = (t, d.matter, shared)
        if shared:
            flags += shared
        return flags


def all_flags(deadlines: Iterable[Deadline], today: date, soon_court_days: int = 5, *,
              courts: CourtCalendars) -> dict[str, list[Flag]]:
    """Flags per deadline key, including trigger flags on each of its deadlines."""
    flagger = Flagger(today, soon_court_days, courts=courts)
    return {d.key: flagger.flags(d) for d in deadlines}


def trigger_scope(t: TriggerEvent) -> str:
    """Where a flag about a trigger row itself is stored: the trigger's identity, matter|event|ref."""
    matter, event, ref = t.instance
    return f"{matter}|{event}|{ref}"


def stored_flags(deadlines: Iterable[Deadline], flags_of: dict[str, list[Flag]]) -> dict[str, list[Flag]]:
    """Flags by the scope they are stored under: a trigger's own flags once under the trigger.

    Every deadline of a trigger shows its trigger's flags (on its calendar entry), but the fact behind
    them is one row's date: one fact, one flag in `docketd flags` and `status`.
    """
    trig = {d.key: trigger_scope(d.trigger) for d in deadlines}
    out: dict[str, list[Flag]] = {}
    for key, flags in flags_of.items():
        for f in flags:
            scope = trig.get(key, key) if f.kind in TRIGGER_FLAG_KINDS else key
            bucket = out.setdefault(scope, [])
            if all(g.kind != f.kind for g in bucket):
                bucket.append(f)
    return out
