"""Flags as people see them in the agenda views (pure rendering): highlighting, grouping, escaping."""

from __future__ import annotations

from datetime import date

from daemon.models import Deadline, TriggerEvent
from daemon.planning.planner import MatterFacts
from daemon.state.flags import FlagRow
from daemon.views.agenda import build_agenda, text_table, upcoming
from daemon.views.agenda_html import agenda_html

TODAY = date(2026, 3, 2)
EVIL = '<script>alert("x")</script>'


def _d(matter: str, due: date, title: str = "Answer due", kind: str = "deadline") -> Deadline:
    trig = TriggerEvent(matter, "summons_served", date(2026, 2, 9), court="federal")
    rule = "frcp.answer" if kind == "deadline" else "frcp.answer/draft"
    return Deadline(matter, rule, title, due, "federal", "Fed. R. Civ. P. 12(a)(1)(A)(i)", trig, ("step",),
                    cite_short="FRCP 12(a)(1)(A)(i)", kind=kind)


def _flag(i: int, scope: str, matter: str, severity: str = "warning", message: str = "Check it.") -> FlagRow:
    return FlagRow(i, scope, "due-soon", severity, message, "Do this.", matter, "2026-03-01T00:00:00")


def _agenda():  # type: ignore[no-untyped-def]
    a, b = _d("2026-0142", date(2026, 3, 9)), _d("2026-0150", date(2026, 3, 20))
    task = _d("2026-0142", date(2026, 3, 4), "Draft answer", kind="followup")
    facts = {"2026-0142": MatterFacts("2026-0142", title=EVIL, court="federal", attorneys=("jdoe@firm.com",),
                                      paralegals=("pat@firm.com",)),
             "2026-0150": MatterFacts("2026-0150", court="federal", attorneys=("asmith@firm.com",))}
    flags = [_flag(1, a.key, "2026-0142", "critical", f"Missed {EVIL}"),
             _flag(2, b.key, "2026-0150"), _flag(3, task.key, "2026-0142", message="Same sentence."),
             _flag(4, a.key, "2026-0142", message="Same sentence.")]
    return build_agenda([task, a, b], facts, flags, (), {"jdoe@firm.com": "Jane Doe"})


def test_people_and_flags_are_attached_and_filtered() -> None:
    agenda = _agenda()
    by_key = {i.deadline.key: i for i in agenda.items}
    answer = by_key["2026-0142|frcp.answer|summons_served|"]
    assert answer.people == ("jdoe@firm.com", "pat@firm.com") and answer.worst == "critical"
    task = by_key["2026-0142|frcp.answer/draft|summons_served|"]
    assert task.people == ("pat@firm.com",)  # follow-up tasks are the paralegal's
    assert [i.deadline.matter for i in upcoming(agenda, TODAY, 14, "JDOE@firm.com")] == ["2026-0142"]
    assert len(upcoming(agenda, TODAY, 30)) == 3 and len(upcoming(agenda, TODAY, 14)) == 2
    assert len(upcoming(agenda, TODAY, 5)) == 1


def test_terminal_table_marks_flagged_rows() -> None:
    agenda = _agenda()
    out = text_table(upcoming(agenda, TODAY, 30), TODAY, agenda.people_names)
    row = next(line for line in out.splitlines() if "2026-0142" in line and "Answer due" in line)
    assert row.rstrip().endswith("!!") and "in 7d" in row and "Jane Doe, pat@firm.com" in row
    assert "#1 critical: Missed" in out
    assert "Task: Draft answer" in out


def test_html_escapes_intake_text_and_groups_identical_flags() -> None:
    page = agenda_html(_agenda(), TODAY, days=30)
    assert EVIL not in page and "&lt;script&gt;" in page
    assert "<b>#3 #4 warning</b>: Same sentence." in page
    assert 'class="item flagged flag-critical"' in page
    assert 'data-month="2026-03"' in page and 'data-date="2026-03-09"' in page


def test_a_persons_page_shows_only_their_matters_flags() -> None:
    page = agenda_html(_agenda(), TODAY, days=30, person="asmith@firm.com")
    assert "Docket agenda for asmith@firm.com" in page
    assert "#2 warning" in page and "#1 critical" not in page
