"""PURE: a date the court itself set (a hearing, "Responses due by ...") as a deadline, computed by nobody.

Notice triggers of event `court_set` carry their title in `ref` ("Responses due [ECF 12]"); every
other trigger goes to the rule book unchanged.
"""

from __future__ import annotations

from typing import Protocol

from daemon.models import Deadline, TriggerEvent

COURT_SET = "court_set"


class _Rules(Protocol):
    def compute(self, trigger: TriggerEvent) -> list[Deadline]:
        """Every deadline the trigger implies."""
        ...


class _WithCourtSet:
    """A rule book that also calendars court-set dates as they were set."""

    def __init__(self, rules: _Rules) -> None:
        self.rules = rules

    def compute(self, trigger: TriggerEvent) -> list[Deadline]:
        """Court-set dates as they are; everything else by the court's rules."""
        if trigger.event != COURT_SET:
            return self.rules.compute(trigger)
        return [court_set_deadline(trigger, trigger.timezone or _timezone(self.rules, trigger.court))]


def with_court_set(rules: _Rules) -> _WithCourtSet:
    """Wrap a rule book so `court_set` triggers become deadlines on the date the court set."""
    return rules if isinstance(rules, _WithCourtSet) else _WithCourtSet(rules)


def title_of(ref: str | None) -> str:
    """"Responses due [ECF 12]" -> "Responses due"."""
    return (ref or "").rsplit(" [", 1)[0] or "Date set by the court"


def court_set_deadline(t: TriggerEvent, timezone: str) -> Deadline:
    """The date the court set, as a deadline with the docket entry as its citation."""
    title = title_of(t.ref)
    entry = (t.ref or "").rsplit(" [", 1)[1].rstrip("]") if " [" in (t.ref or "") else "court notice"
    at = f" at {t.time:%H:%M} ({timezone})" if t.time else ""
    return Deadline(
        matter=t.matter, rule="court.set", title=title, due=t.date, court=t.court or "", time=t.time,
        citation=f"Set by the court ({entry})", cite_short=f"court, {entry}", trigger=t, timezone=timezone,
        explanation=(f"The court set this date in {entry}: {title} on {t.date.isoformat()}{at}.",
                     "Calendared as set; no period was counted."),
    )


def _timezone(rules: _Rules, court: str | None) -> str:
    # An unknown court raises here, as it would for a computed deadline: the matter gets an
    # engine-error flag rather than a hearing time in a guessed time zone.
    return str(rules.court(court or "").timezone)  # type: ignore[attr-defined]
