"""An agenda, matter pictures and a digest whose every text field is hostile markup (shared by view tests)."""

from __future__ import annotations

from datetime import date, time

from daemon.models import Deadline, TriggerEvent
from daemon.planning.planner import MatterFacts
from daemon.state.flags import FlagRow
from daemon.views.agenda import Agenda, build_agenda
from daemon.views.matter import MatterPicture, Push, TriggerRow

TODAY = date(2026, 3, 2)
# Every field gets its own marker so a test can tell which one was left unescaped.
EVIL = "<script>alert('{}')</script> \"q\" & <b>"


def evil(field: str) -> str:
    """Hostile text naming the field it was put in."""
    return EVIL.format(field)


MATTER = "2026-0142" + evil("matter")


def _d(due: date, kind: str = "deadline", rule: str = "frcp.answer", at: time | None = None) -> Deadline:
    trig = TriggerEvent(MATTER, "summons_served", date(2026, 2, 9), court="federal", ref=evil("ref"))
    return Deadline(MATTER, rule, evil("title"), due, "federal", evil("citation"), trig,
                    (evil("step1"), evil("step2")), cite_short=evil("cite_short"), kind=kind, time=at)


def _flag(i: int, scope: str, severity: str) -> FlagRow:
    return FlagRow(i, scope, evil("kind"), severity, evil("message"), evil("action"), MATTER, "2026-03-01T00:00:00")


def hostile_agenda() -> tuple[Agenda, list[MatterPicture]]:
    """Deadlines, a task, flags and a matter picture with hostile text in every field."""
    a = _d(date(2026, 3, 9), at=time(10, 30))
    b = _d(date(2026, 2, 20), rule="frcp.past")
    task = _d(date(2026, 3, 4), kind="followup", rule="frcp.answer/draft")
    people = ("jdoe@firm.com" + evil("attorney"),)
    facts = MatterFacts(MATTER, title=evil("matter_title"), court=evil("court"), attorneys=people,
                        paralegals=("pat@firm.com" + evil("paralegal"),), status=evil("status"))
    flags = [_flag(1, a.key, "critical"), _flag(2, task.key, "warning"), _flag(3, MATTER, "info"),
             _flag(4, b.key, evil("severity"))]
    agenda = build_agenda([task, a, b], {MATTER: facts}, flags, (),
                          {people[0].lower(): evil("person_name")})
    trig = TriggerRow(evil("event"), evil("date"), evil("ref"), evil("service"), None, evil("source"), 7,
                      "2026-03-01T00:00:00")
    pic = MatterPicture(MATTER, facts, [trig], [task, a, b], flags,
                        {a.key: [Push(evil("target"), "failed", evil("last_sync"), evil("detail"))]})
    return agenda, [pic]
