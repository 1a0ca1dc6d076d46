"""Cross-matter flags (daemon/planning/conflicts.py): conflicts, out of office, free/busy, missing facts, next step."""

from __future__ import annotations

from datetime import date

from daemon.models import Deadline, TriggerEvent
from daemon.planning.conflicts import CROSS_FLAG_KINDS, ScopedFlag, cross_flags
from daemon.planning.planner import MatterFacts
from daemon.settings.config import Person

TODAY = date(2026, 3, 2)
JDOE = "jdoe@firm.com"
PAT = "pat@firm.com"
PEOPLE = {
    JDOE: Person(JDOE, "Jane Doe", out_of_office=((date(2026, 3, 16), date(2026, 3, 20)),)),
    PAT: Person(PAT, "Pat Paralegal"),
}


def _d(matter: str, rule: str, due: date, *, kind: str = "deadline", critical: bool = True) -> Deadline:
    trig = TriggerEvent(matter, "summons_served", date(2026, 2, 20), court="federal")
    return Deadline(matter, rule, rule.title(), due, "federal", "cite", trig, ("step",), kind=kind,
                    critical=critical)


def _facts(matter: str, attorneys: tuple[str, ...] = (JDOE,), paralegals: tuple[str, ...] = (),
           court: str | None = "federal", status: str = "open", title: str = "") -> MatterFacts:
    return MatterFacts(matter, title=title, court=court, attorneys=attorneys, paralegals=paralegals,
                       status=status)


def _run(deadlines: list[Deadline], facts: list[MatterFacts], **kw: object) -> list[ScopedFlag]:
    return cross_flags(deadlines, {f.matter: f for f in facts}, today=TODAY, people=PEOPLE,
                       default_people=kw.pop("default_people", ()), **kw)  # type: ignore[arg-type]


def _of(flags: list[ScopedFlag], kind: str) -> list[ScopedFlag]:
    return [s for s in flags if s.flag.kind == kind]


def test_two_critical_deadlines_for_one_person_on_one_day_conflict() -> None:
    a = _d("2026-0142", "answer", date(2026, 3, 10))
    b = _d("2026-0150", "opposition", date(2026, 3, 10))
    other_day = _d("2026-0151", "reply", date(2026, 3, 11))
    flags = _of(_run([a, b, other_day], [_facts("2026-0142"), _facts("2026-0150"), _facts("2026-0151")]),
                "conflict")
    assert {s.scope for s in flags} == {a.key, b.key}
    msg = flags[0].flag.message
    assert "Jane Doe (jdoe@firm.com) has 2 critical deadlines on 2026-03-10 (Tue)" in msg
    assert "[2026-0142] Answer" in msg and "[2026-0150] Opposition" in msg
    assert flags[0].flag.severity == "warning" and "extension" in flags[0].flag.action
    assert {s.matter for s in flags} == {"2026-0142", "2026-0150"}


def test_no_conflict_for_different_people_followups_noncritical_or_past_days() -> None:
    a = _d("2026-0142", "answer", date(2026, 3, 10))
    b = _d("2026-0150", "opposition", date(2026, 3, 10))
    assert _of(_run([a, b], [_facts("2026-0142"), _facts("2026-0150", attorneys=(PAT,))]), "conflict") == []
    task = _d("2026-0150", "draft", date(2026, 3, 10), kind="followup", critical=False)
    assert _of(_run([a, task], [_facts("2026-0142"), _facts("2026-0150")]), "conflict") == []
    soft = _d("2026-0150", "notice", date(2026, 3, 10), critical=False)
    assert _of(_run([a, soft], [_facts("2026-0142"), _facts("2026-0150")]), "conflict") == []
    old_a, old_b = _d("2026-0142", "x", date(2026, 2, 2)), _d("2026-0150", "y", date(2026, 2, 2))
    assert _of(_run([old_a, old_b], [_facts("2026-0142"), _facts("2026-0150")]), "conflict") == []


def test_conflict_threshold_is_configurable() -> None:
    a = _d("2026-0142", "answer", date(2026, 3, 10))
    b = _d("2026-0150", "opposition", date(2026, 3, 10))
    facts = [_facts("2026-0142"), _facts("2026-0150")]
    assert _of(_run([a, b], facts, conflict_threshold=3), "conflict") == []


def test_deadline_while_out_of_office() -> None:
    a = _d("2026-0142", "answer", date(2026, 3, 18))
    (s,) = _of(_run([a], [_facts("2026-0142")]), "out-of-office")
    assert s.scope == a.key
    assert "Jane Doe (jdoe@firm.com) is out of office from 2026-03-16 to 2026-03-20" in s.flag.message
    assert "falls on 2026-03-18 (Wed)" in s.flag.message and "cover" in s.flag.action
    later = _d("2026-0142", "answer", date(2026, 3, 21))
    assert _of(_run([later], [_facts("2026-0142")]), "out-of-office") == []


def test_deadline_on_a_day_the_calendar_shows_busy() -> None:
    a = _d("2026-0142", "answer", date(2026, 3, 12))
    flags = _of(_run([a], [_facts("2026-0142", attorneys=(PAT,))], busy={PAT: {date(2026, 3, 12)}}),
                "out-of-office")
    assert len(flags) == 1
    assert "The calendar of Pat Paralegal (pat@firm.com) shows them out or busy" in flags[0].flag.message


def test_missing_attorney_routes_to_the_firm_docket() -> None:
    a = _d("2026-0142", "answer", date(2026, 3, 12))
    (s,) = _of(_run([a], [_facts("2026-0142", attorneys=())]), "no-attorney")
    assert s.scope == "2026-0142" and "the firm docket calendar" in s.flag.message
    assert "attorney column" in s.flag.action
    (s,) = _of(_run([a], [_facts("2026-0142", attorneys=())], default_people=("docket@firm.com",)),
               "no-attorney")
    assert "docket@firm.com" in s.flag.message


def test_missing_or_unknown_court() -> None:
    a = _d("2026-0142", "answer", date(2026, 3, 12))
    (s,) = _of(_run([a], [_facts("2026-0142", court=None)]), "no-court")
    assert s.flag.severity == "critical" and "names no court" in s.flag.message
    (s,) = _of(_run([a], [_facts("2026-0142", court="mars")], known_courts=["federal"]), "no-court")
    assert "'mars', which is not configured" in s.flag.message


def test_open_matter_without_upcoming_deadline_asks_what_happens_next() -> None:
    past = _d("2026-0142", "answer", date(2026, 2, 1))
    (s,) = _of(_run([past], [_facts("2026-0142", title="Acme v. Widget")]), "no-upcoming")
    assert s.flag.message == ("Open matter 2026-0142 (Acme v. Widget) has no upcoming deadline "
                              "on the docket.")
    assert s.flag.severity == "info"
    assert _of(_run([past], [_facts("2026-0142", status="closed")]), "no-upcoming") == []
    assert _of(_run([_d("2026-0142", "answer", TODAY)], [_facts("2026-0142")]), "no-upcoming") == []


def test_every_kind_is_registered_for_the_docket_to_leave_alone() -> None:
    a = _d("2026-0142", "answer", date(2026, 3, 18))
    b = _d("2026-0150", "opp", date(2026, 3, 18))
    flags = _run([a, b], [_facts("2026-0142"), _facts("2026-0150", court=None, attorneys=()),
                          _facts("2026-0160")])
    assert {s.flag.kind for s in flags} <= CROSS_FLAG_KINDS
    assert flags == sorted(flags, key=lambda s: (s.scope, s.flag.kind))
