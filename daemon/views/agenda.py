"""The agenda: who has what due when, with its flags — as a terminal table and as an HTML page.

`load_agenda` reads the store once; everything after it is pure (today comes in as an argument).
`render_page(store, config, now)` is what the daemon serves at /agenda on its loopback server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from daemon.models import Deadline, MatterFacts
from daemon.planning.flags import trigger_scope
from daemon.planning.planner import FIRM_DOCKET, route
from daemon.state.deadlines import load_deadlines
from daemon.state.flags import FlagRow, flag_rows
from daemon.state.matters import all_facts as load_facts
from daemon.state.store import Db

if TYPE_CHECKING:
    from daemon.settings.config import Config
    from daemon.state.store import Store

SEVERITY_RANK = {"critical": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class AgendaItem:
    """One deadline or follow-up with the people it is routed to and its open flags."""

    deadline: Deadline
    people: tuple[str, ...]
    flags: tuple[FlagRow, ...] = ()

    @property
    def worst(self) -> str:
        """The most severe open flag's severity, or '' when there is none."""
        if not self.flags:
            return ""
        return min((f.severity for f in self.flags), key=lambda s: SEVERITY_RANK.get(s, 3))


@dataclass
class Agenda:
    """Everything the agenda views show: deadlines with people and flags, matter facts, open flags."""

    items: list[AgendaItem]
    facts: dict[str, MatterFacts]
    flags: list[FlagRow]
    people_names: dict[str, str] = field(default_factory=dict)


def people_for(d: Deadline, facts: MatterFacts, default_people: Sequence[str]) -> tuple[str, ...]:
    """Who gets a deadline: the matter's people; follow-up tasks go to its paralegals (as the planner)."""
    people = route(facts, default_people)
    if d.kind != "deadline" and facts.paralegals:
        return tuple(p.lower() for p in facts.paralegals)
    return people


def build_agenda(deadlines: Sequence[Deadline], facts: dict[str, MatterFacts], flags: Sequence[FlagRow],
                 default_people: Sequence[str], names: dict[str, str] | None = None) -> Agenda:
    """PURE: attach people and open flags (deadline-scoped and matter-wide) to every deadline."""
    by_scope: dict[str, list[FlagRow]] = {}
    for f in flags:
        by_scope.setdefault(f.scope, []).append(f)
    items = []
    for d in deadlines:
        mf = facts.get(d.matter) or MatterFacts(d.matter)
        # A trigger's own flags (a future-dated row) are stored once, under the trigger: show them on each.
        mine = (*by_scope.get(d.key, ()), *by_scope.get(trigger_scope(d.trigger), ()))
        items.append(AgendaItem(d, people_for(d, mf, default_people), mine))
    return Agenda(items, facts, list(flags), dict(names or {}))


def load_agenda(db: Db, config: Config) -> Agenda:
    """Read deadlines, matters and open flags from the store."""
    names = {email: p.name for email, p in config.people.items() if p.name}
    return build_agenda(load_deadlines(db), load_facts(db), flag_rows(db), config.routing_default, names)


def upcoming(agenda: Agenda, today: date, days: int, person: str | None = None) -> list[AgendaItem]:
    """PURE: items due from today through today + days, optionally only one person's."""
    end = today + timedelta(days=days)
    who = person.lower() if person else None
    return [i for i in agenda.items if today <= i.deadline.due <= end and (who is None or who in i.people)]


def person_flags(agenda: Agenda, person: str) -> list[FlagRow]:
    """Open flags on the person's matters, plus flags that belong to no matter (a calendar, a source)."""
    matters = {i.deadline.matter for i in agenda.items if person in i.people}
    for m, f in agenda.facts.items():
        if person in {p.lower() for p in (*f.attorneys, *f.paralegals)}:
            matters.add(m)
    return [f for f in agenda.flags if f.matter is None or f.matter in matters]


def who_label(people: Sequence[str], names: dict[str, str]) -> str:
    """Short names for a list of people ('Jane Doe, pat@firm.com', 'firm docket')."""
    return ", ".join("firm docket" if p == FIRM_DOCKET else names.get(p, p) for p in people)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def text_table(items: Sequence[AgendaItem], today: date, names: dict[str, str] | None = None) -> str:
    """PURE: a readable terminal table of items, with a flag column and flag lines under flagged rows."""
    names = names or {}
    if not items:
        return "Nothing due in this period."
    rows = []
    for i in items:
        d = i.deadline
        left = (d.due - today).days
        when = "today" if left == 0 else f"in {left}d" if left > 0 else f"{-left}d ago"
        mark = {"critical": "!!", "warning": "⚑", "info": "i"}.get(i.worst, "")
        what = ("Task: " if d.kind != "deadline" else "") + d.title
        rows.append((d.due.isoformat(), f"{d.due:%a}", when, d.matter, _cut(what, 40),
                     _cut(d.label if d.kind == "deadline" else "", 24),
                     _cut(who_label(i.people, names), 28), mark))
    head = ("Due", "Day", "When", "Matter", "What", "Rule", "Who", "Flag")
    widths = [max(len(str(r[c])) for r in [head, *rows]) for c in range(len(head))]
    lines = ["  ".join(str(v).ljust(w) for v, w in zip(head, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for item, row in zip(items, rows, strict=True):
        lines.append("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
        for f in item.flags:
            lines.append(f"      #{f.id} {f.severity}: {f.message}")
    return "\n".join(lines)


def render_page(store: Store, config: Config, now: datetime) -> bytes:
    """The HTML agenda served at /agenda: open flags, month grid, the next weeks' list and every matter."""
    from daemon.views.agenda_html import agenda_html
    from daemon.views.matter import load_pictures

    # The page is served from the feed server's thread: read through a connection of its own, read-only,
    # so it sees a consistent committed snapshot (WAL) and never shares the main loop's transaction.
    with store.reader() as db:
        agenda = load_agenda(db, config)
        pictures = load_pictures(db, config)
    days = int(config.digest.get("days", 14))
    return agenda_html(agenda, now.date(), days=days, pictures=pictures,
                       generated=now.strftime("%Y-%m-%d %H:%M %Z")).encode("utf-8")
