"""The words of a trace: how a trigger, a service method and an open question read to a clerk."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

from daemon.engine.calendars import Holiday
from daemon.engine.counting import fmt
from daemon.engine.packs import Rule, RuleVersion
from daemon.engine.records import builder
from daemon.models import Deadline, Flag

_flag = builder(Flag)  # a keyword call of the frozen dataclass __init__ cost a microsecond per flag

SERVICE_WORDS = {
    "personal": "personal service",
    "electronic": "electronic service",
    "mail": "mail",
    "mail-out-of-state": "mail (out of state)",
    "mail-international": "mail (international)",
    "overnight": "overnight delivery",
    "fax": "fax",
    "clerk": "leaving with the clerk",
    "consent": "other means consented to",
}

FEDERAL_LABELS = {
    "mail": "Mail service",
    "mail-out-of-state": "Mail service",
    "mail-international": "Mail service",
    "clerk": "Service by leaving with the clerk",
    "consent": "Service by other means consented to",
    "electronic": "Electronic service",
    "overnight": "Overnight delivery (other means consented to)",
    "fax": "Fax service (other means consented to)",
}

# FRAP 26(c) turns on delivery on the date of service, not on consent to the method.
FRAP_LABELS = {
    "mail": "Mail service (not delivered on the date of service)",
    "mail-out-of-state": "Mail service (not delivered on the date of service)",
    "mail-international": "Mail service (not delivered on the date of service)",
    "clerk": "Service by leaving with the clerk (not delivered on the date of service)",
    "consent": "Service by other means (not delivered on the date of service)",
    "electronic": "Electronic service (before 2016-12-01 not treated as delivered on the date of service)",
    "overnight": "Overnight delivery by commercial carrier (not delivered on the date of service)",
    "fax": "Fax service (not delivered on the date of service)",
}

CCP_LABELS = {
    "mail": "mail service within California",
    "mail-out-of-state": "mail service outside California",
    "mail-international": "mail service outside the United States",
    "electronic": "Electronic service",
    "overnight": "Overnight delivery",
    "fax": "Fax service",
    "clerk": "service by leaving with the clerk",
    "consent": "service by consented means",
}


@lru_cache(maxsize=4096)
def trigger_tail(label: str, service: str | None, at: str | None) -> str:
    """What follows "<event label> <date>" in the first line of every trace: the time and how it was served
    (the same for every date, so cached: one per event kind and method)."""
    line = ""
    if at:
        line += f" at {at}"
    if service and service in SERVICE_WORDS:
        if label.endswith(" set for"):  # a hearing: the service method is that of the papers
            line += f"; papers served by {SERVICE_WORDS[service]}"
        elif any(w in f"{label} " for w in (" served ", " sent ", " mailed ")):
            line += f" by {SERVICE_WORDS[service]}"
        else:  # an entry or a filing is not served; the row's method is that of its notice
            line += f"; notice served by {SERVICE_WORDS[service]}"
    return line + "."


@lru_cache(maxsize=4096)
def no_extension(service: str, cite: str, note: str) -> str:
    """The line a clerk adds when the row names a service method that this period ignores."""
    words = SERVICE_WORDS.get(service, service)
    line = f"The service method ({words}) adds no time to this period [{cite}]."
    return f"{line} {note}" if "extend" in note else line


def render(deadline: Deadline) -> str:
    """A deadline and its trace as `docketd explain` prints it: title line, steps, flags."""
    lines = [f"{deadline.matter}  {deadline.rule}  {deadline.title}: {fmt(deadline.due)}  [{deadline.label}]"]
    lines += [f"  {step}" for step in deadline.explanation]
    for f in deadline.flags:
        lines.append(f"  ! {f.kind}: {f.message}" + (f" {f.action}" if f.action else ""))
    return "\n".join(lines)


def missing_service(assumed: str, later: date) -> tuple[str, Flag]:
    """The explanation line and flag for a rule whose date depends on a service method not given."""
    words = SERVICE_WORDS.get(assumed, assumed)
    line = (f"Service method not given: counted as {words}, which gives the earliest date; other methods "
            f"give up to {fmt(later)}.")
    flag = _flag(
        kind="missing-service",
        severity="warning",
        message=f"No service method was given, and this deadline depends on it; docketd assumed {words}, "
        f"the earliest result; other methods give dates up to {later.isoformat()}.",
        action="Add the service method (personal, electronic, mail, ...) to the intake row so the date "
        "can be computed exactly.",
        alternative=later,
    )
    return line, flag


def ambiguous_law(days: Sequence[Holiday], earlier: date, later: date) -> tuple[str, Flag]:
    """The explanation line and flag when the law reads two ways and the readings give two dates."""
    names = "; ".join(f"{fmt(h.day)}, {h.name}" for h in days) or "a day in this period"
    what = "this day is a legal holiday" if len(days) == 1 else "these days are legal holidays"
    line = (f"Unsettled whether {what} ({names}): calendared the earlier date {fmt(earlier)}; "
            f"the other reading gives {fmt(later)}.")
    flag = _flag(
        kind="ambiguous-law",
        severity="warning",
        message=f"The law reads two ways here ({names}): docketd calendared the earlier date "
        f"{earlier.isoformat()}.",
        action=f"Have the responsible attorney decide; the later reading gives {later.isoformat()}.",
        alternative=later,
    )
    return line, flag


def hearing_on_closed_day(what: str, day: date, why: str, court: str, unsettled: bool) -> tuple[str, Flag]:
    """The line and flag when a hearing, trial or argument is set for a day its court does not sit."""
    if unsettled:
        line = (f"{what} {fmt(day)}: {why}; whether the court is closed that day is unsettled; check the "
                f"date with the court.")
        message = (f"{what} {day.isoformat()} in {court} may fall on a day the court is closed ({why}); the "
                   f"deadlines counted from it may be wrong.")
    else:
        line = f"{what} {fmt(day)}: {why}, not a court day in {court}; check the date with the court."
        message = (f"{what} {day.isoformat()} in {court} falls on a day the court does not sit ({why}); every "
                   f"deadline counted from it is counted from that date.")
    flag = _flag(kind="hearing-on-non-court-day", severity="warning" if unsettled else "critical",
                 message=message,
                 action="Check the date on the court's order or docket and correct the intake row if it is wrong.")
    return line, flag


def uncertain_service(method: str, cite: str, earlier: date, later: date,
                      frap: bool = False) -> tuple[str, Flag]:
    """The line and flag when a service method extends the period only on a fact docketd lacks: under
    FRCP 6(d), overnight delivery or fax count as "other means consented to" only with written consent;
    under FRAP 26(c), which does not turn on consent, a fax adds time only if the paper was not delivered
    on the date of service stated in the proof of service."""
    words = SERVICE_WORDS.get(method, method)
    if frap:
        fact = ("only if the paper was not delivered on the date of service stated in the proof of service "
                "(a fax usually arrives that day)")
        check = "Check the date the paper was delivered; if it was after the date of service, the deadline is"
    else:
        fact = "only if the recipient consented to it in writing (FRCP 5(b)(2)(F))"
        check = "Check the consent; with it the deadline is"
    line = (f"Service by {words} adds time under {cite} {fact}: calendared without the extra days; with them "
            f"-> {fmt(later)}.")
    flag = _flag(
        kind="ambiguous-law",
        severity="warning",
        message=f"Service by {words} extends this deadline under {cite} {fact}; docketd calendared the "
        f"earlier date {earlier.isoformat()}.",
        action=f"{check} {later.isoformat()}.",
        alternative=later,
    )
    return line, flag


def not_computed(matter: str, rule: Rule, event: str, start: date, version: RuleVersion | None,
                 chained: bool) -> str:
    """The error sentence for a rule whose period cannot be counted from this trigger's date."""
    when = f"the date it counts from, {start.isoformat()}" if chained else start.isoformat()
    head = f"Matter {matter}: {rule.id} ({rule.title}) cannot be computed from the {event} row dated {when}"
    if version is not None and version.not_computed:
        return f"{head}: {version.not_computed}"
    spans = ", ".join(_span(v) for v in rule.versions) or "no dates"
    return (f"{head}: the rule has no version in force on that date (its versions cover {spans}); "
            f"check the date, or calendar this deadline by hand.")


def _span(v: RuleVersion) -> str:
    if v.start and v.end:
        return f"{v.start.isoformat()} to {v.end.isoformat()}"
    if v.start:
        return f"from {v.start.isoformat()}"
    return f"until {v.end.isoformat()}" if v.end else "all dates"


def needs_fact(title: str, caveat: str) -> tuple[str, Flag]:
    """The line and flag when a trigger starts a period only if a fact docketd lacks is true."""
    line = f"Check: {caveat}"
    flag = _flag(
        kind="needs-fact",
        severity="warning",
        message=f"“{title}” was counted from this row, which starts the period only on a fact docketd does not "
        f"have: {caveat}",
        action="Check the fact; if it does not hold, record the event the rule names instead (a new intake row).",
    )
    return line, flag
