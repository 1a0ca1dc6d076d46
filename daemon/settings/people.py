"""The people deadlines go to and their reminders: plain records the pure planner reads (no I/O here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

REMINDER_UNITS = {"m": 1, "h": 60, "d": 1440, "w": 10080}


@dataclass(frozen=True)
class Person:
    """Someone deadlines are routed to, and the calendars they get."""

    email: str
    name: str = ""
    calendars: tuple[str, ...] = ()
    reminders: tuple[str, ...] = ()
    out_of_office: tuple[tuple[date, date], ...] = ()


def parse_reminder(text: str) -> int:
    """'14d' / '2h' / '30m' / '1w' -> minutes; raise ValueError with a sentence otherwise."""
    t = text.strip().lower()
    if len(t) >= 2 and t[-1] in REMINDER_UNITS and t[:-1].isdigit():
        return int(t[:-1]) * REMINDER_UNITS[t[-1]]
    raise ValueError(f"reminder {text!r} is not a number followed by m, h, d or w (e.g. '7d')")
