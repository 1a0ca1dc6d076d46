"""PURE: the HTML agenda — open flags, a month grid, the next weeks as a list, and one section per matter.

Static HTML with inline CSS and no scripts: it opens from a file (`docketd agenda --html FILE`)
as well as from the daemon's loopback /agenda. The markup is daemon/data/templates/agenda.html.j2,
rendered by Jinja2 with autoescaping on, so every value is escaped; this module picks what to show.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from daemon.models import Deadline
from daemon.state.flags import FlagRow
from daemon.views.agenda import SEVERITY_RANK, Agenda, AgendaItem, person_flags, upcoming, who_label
from daemon.views.flag_groups import group_flags
from daemon.views.html import render
from daemon.views.matter import MatterPicture, push_line


def _item_class(i: AgendaItem) -> str:
    cls = ["item"] + (["task"] if i.deadline.kind != "deadline" else [])
    if i.worst:
        cls += ["flagged", f"flag-{i.worst}"]
    return " ".join(cls)


@dataclass(frozen=True)
class Month:
    """One month of the grid: its weeks (Monday first) and what is due on each day."""

    year: int
    month: int
    today: date
    by_day: dict[date, list[AgendaItem]]

    @property
    def key(self) -> str:
        """'2026-03', the table's data-month."""
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """'March 2026'."""
        return date(self.year, self.month, 1).strftime("%B %Y")

    @property
    def weeks(self) -> list[list[date]]:
        """The weeks shown, starting Monday, with the neighbouring months' days."""
        return calendar.Calendar(firstweekday=0).monthdatescalendar(self.year, self.month)

    def day_class(self, day: date) -> str:
        """'other' for a neighbouring month's day, 'today' for today."""
        return " ".join((["other"] if day.month != self.month else []) + (["today"] if day == self.today else []))


def month(items: Sequence[AgendaItem], year: int, month_: int, today: date) -> Month:
    """One month's grid data; each day's items ordered deadlines before tasks, then by key."""
    by_day: dict[date, list[AgendaItem]] = {}
    for i in sorted(items, key=lambda i: (i.deadline.kind, i.deadline.key)):
        by_day.setdefault(i.deadline.due, []).append(i)
    return Month(year, month_, today, by_day)


@dataclass(frozen=True)
class Row:
    """One deadline of a matter section: its row class, open flags and where it was pushed."""

    deadline: Deadline
    cls: str
    flags: list[FlagRow]
    pushed: str


def matter_section(pic: MatterPicture, today: date) -> dict[str, object]:
    """What one matter's section (anchor #matter-<number>) shows: matter-wide flags and a row per deadline."""
    keys = {d.key for d in pic.deadlines}
    rows = []
    for d in pic.deadlines:
        flags = pic.flags_for(d.key)
        sev = min((fl.severity for fl in flags), key=lambda s: SEVERITY_RANK.get(s, 3), default="")
        cls = ("past " if d.due < today else "") + ("task " if d.kind != "deadline" else "") \
            + (f"flagged flag-{sev}" if sev else "")
        rows.append(Row(d, cls.strip(), flags, push_line(pic.pushes.get(d.key, []))))
    return {"pic": pic, "rows": rows, "wide": group_flags([fl for fl in pic.flags if fl.scope not in keys])}


def agenda_html(agenda: Agenda, today: date, *, days: int = 14, person: str | None = None,
                pictures: Sequence[MatterPicture] = (), generated: str = "") -> str:
    """The whole agenda page."""
    soon = upcoming(agenda, today, days, person)
    months = [(today.year, today.month)]
    end = today + timedelta(days=days)
    if (end.year, end.month) != months[0]:
        months.append((end.year, end.month))
    mine = [i for i in agenda.items if person is None or person.lower() in i.people]
    flags = agenda.flags if person is None else person_flags(agenda, person.lower())
    # Only the matters this page shows something of get their full section (a firm has many matters).
    shown = {i.deadline.matter for i in soon} | {f.matter for f in flags if f.matter} | {
        i.deadline.matter for i in mine if (i.deadline.due.year, i.deadline.due.month) in months}
    counts = ", ".join(f"{n} {sev}" for sev in ("critical", "warning", "info")
                       if (n := sum(1 for f in flags if f.severity == sev)))
    return render("agenda.html.j2", who=f" for {person}" if person else "", today=today, days=days,
                  generated=generated, flags=flags, counts=counts, soon=soon, grouped=group_flags(flags),
                  months=[month(mine, y, m, today) for y, m in months],
                  sections=[matter_section(p, today) for p in pictures if p.matter in shown],
                  item_class=_item_class, who_label=who_label, names=agenda.people_names)
