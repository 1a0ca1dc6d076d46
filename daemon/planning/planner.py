"""PURE: stored triggers + rule book -> deadlines; deadlines + routing -> calendar entries.

No I/O and no clock: `today` comes in as an argument.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Protocol

from connectors.base import Capabilities
from daemon.engine.errors import NotComputed
from daemon.engine.records import builder
from daemon.models import CalendarEntry, Deadline, Flag, MatterFacts, TriggerEvent
from daemon.settings.people import parse_reminder

FIRM_DOCKET = "docket"  # the routing name used when a matter has nobody to route to
_facts = builder(MatterFacts)  # one per intake row folded in (issue 17)


class RuleBookLike(Protocol):
    """What the planner needs of the rules engine."""

    def compute(self, trigger: TriggerEvent) -> list[Deadline]:
        """Every deadline the trigger implies, in a new list (the caller's to change)."""
        ...


def merge_facts(matter: str, previous: MatterFacts | None, rows: Iterable[TriggerEvent]) -> MatterFacts:
    """Fold intake rows (in arrival order) into a matter's facts; empty cells keep earlier values."""
    f = previous or MatterFacts(matter)
    title, court, attorneys, paralegals, status, notes, closed_on = (
        f.title, f.court, f.attorneys, f.paralegals, f.status, f.notes, f.closed_on)
    folded = False
    for t in rows:  # the fields folded as locals, one record at the end (issue 17)
        was = status
        status = t.status or status
        if status != "closed":
            closed_on = None
        elif was != "closed" or closed_on is None:
            received = t.provenance.received if t.provenance else None
            closed_on = (received or t.date).isoformat()
        title = t.title or title
        court = t.court or court
        attorneys = t.attorneys or attorneys
        paralegals = t.paralegals or paralegals
        notes = t.notes or notes
        folded = True
    if not folded:
        return f
    return _facts(matter=matter, title=title, court=court, attorneys=attorneys, paralegals=paralegals,
                  status=status, notes=notes, closed_on=closed_on)


def with_court(trigger: TriggerEvent, facts: MatterFacts) -> TriggerEvent:
    """The trigger with the matter's court filled in where the row left it empty."""
    if trigger.court or not facts.court:
        return trigger
    return replace(trigger, court=facts.court)


def plan_matter(triggers: Sequence[TriggerEvent], facts: MatterFacts, rules: RuleBookLike,
                today: date) -> list[Deadline]:
    """Every deadline a matter's triggers imply; a closed matter keeps only its past deadlines."""
    if len(triggers) == 1 and triggers[0].court and facts.status != "closed":
        # One row of an open matter (each row of a preview, issue 17): the rules' own answer, NotComputed
        # included, is what the loop below makes of it. RuleBookLike.compute gives a new list each call.
        return rules.compute(triggers[0])
    out: list[Deadline] = []
    refused: list[str] = []
    for t in triggers:
        try:
            out.extend(rules.compute(with_court(t, facts)))
        except NotComputed as exc:  # one rule that cannot be counted keeps the others' deadlines
            out.extend(exc.deadlines)
            refused.append(str(exc))
    if facts.status == "closed":
        # A closed matter's deadlines after the day it was closed are withdrawn for good (they must not
        # come back once that day has passed); its history before that stays where it was.
        cutoff = date.fromisoformat(facts.closed_on) if facts.closed_on else today
        out = [d for d in out if d.due < min(cutoff, today)]
    if refused:
        raise NotComputed(" ".join(refused), out)
    return out


def route(facts: MatterFacts, default_people: Sequence[str]) -> tuple[str, ...]:
    """The people a matter's deadlines go to: attorneys and paralegals, else the firm default."""
    people = tuple(dict.fromkeys(p.lower() for p in (*facts.attorneys, *facts.paralegals)))
    if people:
        return people
    return tuple(p.lower() for p in default_people) or (FIRM_DOCKET,)


def reminder_minutes(leads: Iterable[str]) -> tuple[int, ...]:
    """Reminder leads like '14d' as minutes, longest first, without repeats."""
    return tuple(sorted({parse_reminder(x) for x in leads}, reverse=True))


def urgency(due: date, today: date, soon_days: int) -> str:
    """missed / soon / normal, from the due date and today."""
    if due < today:
        return "missed"
    if (due - today).days <= soon_days:
        return "soon"
    return "normal"


def _summary(d: Deadline, facts: MatterFacts, flags: Sequence[Flag]) -> str:
    caption = f" — {facts.title}" if facts.title else ""
    prefix = ""
    if any(f.kind == "missed" for f in flags):
        prefix = "MISSED: "
    elif any(f.severity in ("warning", "critical") for f in flags):
        prefix = "⚑ "
    if d.kind == "followup":
        return f"{prefix}[{d.matter}] {d.title}{caption}"
    return f"{prefix}[{d.matter}] {d.title}{caption} ({d.label})"


def _description(d: Deadline, facts: MatterFacts, flags: Sequence[Flag]) -> str:
    t = d.trigger
    lines = [f"{d.title} — {d.citation}", f"Matter {d.matter}" + (f": {facts.title}" if facts.title else ""),
             f"Due {d.due.isoformat()} ({d.due.strftime('%a')})" + (f" at {d.time:%H:%M}" if d.time else ""),
             ""]
    lines += [f"Flag ({f.severity}): {f.message}" + (f" Action: {f.action}" if f.action else "") for f in flags]
    if flags:
        lines.append("")
    lines.append("How it was computed:")
    lines += [f"  {step}" for step in d.explanation]
    lines.append("")
    lines.append(f"Rule: {d.rule}; trigger: {t.event} on {t.date.isoformat()}"
                 + (f" ({t.service})" if t.service else "") + (f", ref {t.ref}" if t.ref else ""))
    if t.provenance and t.provenance.source.startswith("court e-mail"):
        # Court e-mail notices: the Message-ID and docket entry are the provenance (docs/notices.md).
        entry = f", docket entry {t.provenance.row}" if t.provenance.row else ""
        lines.append(f"Source: {t.provenance.source}{entry}")
    elif t.provenance:
        lines.append(f"Source: {t.provenance.source}, row {t.provenance.row}")
    if facts.notes or t.notes:
        lines.append(f"Notes: {t.notes or facts.notes}")
    lines.append("Computed by docketd; edits here are flagged — correct the intake row instead.")
    return "\n".join(lines)


def render_entries(d: Deadline, facts: MatterFacts, *, leads: Sequence[str], caps: Capabilities,
                   today: date, soon_days: int, flags: Sequence[Flag] = (),
                   attendees: Sequence[str] = ()) -> list[CalendarEntry]:
    """The calendar entry for a deadline, plus tickler entries for reminders the calendar cannot hold."""
    minutes = reminder_minutes(leads)
    kept: list[int] = []
    extra: list[int] = []
    # Keep the nearest leads on the event itself; longer or surplus ones become tickler entries.
    for m in sorted(minutes):
        fits_len = caps.max_reminder_minutes is None or m <= caps.max_reminder_minutes
        fits_count = caps.max_reminders is None or len(kept) < caps.max_reminders
        (kept if fits_len and fits_count else extra).append(m)
    main = CalendarEntry(
        key=d.key,
        summary=_summary(d, facts, flags),
        description=_description(d, facts, flags),
        start=d.due,
        start_time=d.time,
        timezone=d.timezone,
        reminders_minutes=tuple(sorted(kept, reverse=True)),
        attendees=tuple(attendees),
        urgency=urgency(d.due, today, soon_days),
        matter=d.matter,
        rule=d.rule,
        source=d.trigger.provenance.source if d.trigger.provenance else "",
    )
    entries = [main]
    for m in sorted(extra, reverse=True):
        lead_days = -(-m // 1440)
        day = d.due - timedelta(days=lead_days)
        entries.append(CalendarEntry(
            key=f"{d.key}#tickler-{m}m",
            summary=f"Tickler: [{d.matter}] {d.title} in {lead_days} days ({d.due.isoformat()})",
            description=f"Reminder for: {main.summary}\nDue {d.due.isoformat()}.\n\n{main.description}",
            start=day,
            timezone=d.timezone,
            reminders_minutes=(0,),
            urgency=main.urgency,
            matter=d.matter,
            rule=d.rule,
            source=main.source,
        ))
    return entries


def desired_entries(deadlines: Sequence[Deadline], facts: MatterFacts, *,
                    targets_of: Mapping[str, Sequence[tuple[str, Capabilities]]],
                    leads_of: Mapping[str, Sequence[str]], default_leads: Sequence[str],
                    default_people: Sequence[str], today: date, soon_days: int,
                    flags_of: Mapping[str, Sequence[Flag]]) -> dict[str, dict[str, CalendarEntry]]:
    """Per calendar, the entries a matter's deadlines should have there (by uid)."""
    out: dict[str, dict[str, CalendarEntry]] = {}
    people = route(facts, default_people)
    # Follow-up tasks are the paralegal's work: they go to the paralegals (or everyone if none).
    task_people = {p.lower() for p in facts.paralegals} or set(people)
    for person in people:
        for target, caps in targets_of.get(person, ()):
            bucket = out.setdefault(target, {})
            for d in deadlines:
                if d.kind != "deadline" and person not in task_people:
                    continue
                leads = _leads(d, leads_of.get(person, ()), default_leads)
                for e in render_entries(d, facts, leads=leads, caps=caps, today=today, soon_days=soon_days,
                                        flags=flags_of.get(d.key, ())):
                    bucket[e.uid] = e
    return out


def _leads(d: Deadline, person_leads: Sequence[str], default_leads: Sequence[str]) -> Sequence[str]:
    """A person's own reminder leads win, then the rule pack's, then the firm default."""
    if d.kind != "deadline":
        return ("0m",)
    return person_leads or d.reminders or default_leads
