"""The exact words of every flag kind docketd computes: each one a sentence a docketing clerk would write.

Issue 19 item 3: messages were built as "<rule title> for matter X was due D", which breaks when the
title is itself a sentence ("Rule 26(f) conference must be held for matter 2026-0157 was due ...").
A rule title is now always quoted as the name of a deadline. Kinds raised by calendar and source I/O
are pinned where they are raised: drift and sync-failed (which named docketd's internal key) in
tests/unit/test_sync_flow.py, source-vanished in tests/integration/test_sheets_source.py; auth carries
the connector's own sentence, mass-delete names the calendar and the counts.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.engine.calendars import Holiday
from daemon.engine.explain import ambiguous_law, missing_service, needs_fact, uncertain_service
from daemon.models import Deadline, Provenance, TriggerEvent
from daemon.planning.conflicts import absence_flags, conflict_flags, matter_flags
from daemon.planning.flags import deadline_flags, trigger_flags
from daemon.planning.planner import MatterFacts
from daemon.planning.rule_change import rule_change_flags
from daemon.serial import deadline_to_dict
from daemon.settings.config import Person, parse_config

TODAY = date(2026, 12, 2)  # a Wednesday
JANE = "jdoe@firm.com"
BOOK = load_rulebook()
PEOPLE = {JANE: Person(JANE, name="Jane Doe", out_of_office=((date(2026, 12, 7), date(2026, 12, 11)),))}


def _deadline(title: str, due: date, *, matter: str = "2026-0157", rule: str = "frcp.rule26f-conference",
              received: date = TODAY) -> Deadline:
    trig = TriggerEvent(matter, "scheduling_conference", date(2026, 2, 9), court="cand",
                        provenance=Provenance("intake.csv", 4, "", received))
    return Deadline(matter, rule, title, due, "cand", "Fed. R. Civ. P. 26(f)(1)", trig, ("step",),
                    cite_short="FRCP 26(f)(1)")


def _facts(matter: str = "2026-0157", **kw: object) -> dict[str, MatterFacts]:
    base: dict[str, object] = {"title": "Baker v. Coastal Freight", "court": "cand", "attorneys": (JANE,)}
    base.update(kw)
    return {matter: MatterFacts(matter, **base)}  # type: ignore[arg-type]


def test_missed_names_the_deadline_as_a_deadline() -> None:
    d = _deadline("Rule 26(f) conference must be held", date(2026, 1, 16))
    (f,) = deadline_flags(d, TODAY, courts=BOOK)
    assert f.message == ("Matter 2026-0157: the deadline “Rule 26(f) conference must be held” fell on "
                         "2026-01-16 (Fri), before docketd received its trigger on 2026-12-02.")
    assert f.action == ("Tell the responsible attorney today; check whether relief (extension, stipulation, "
                        "motion for leave) is available.")


def test_due_soon() -> None:
    (f,) = deadline_flags(_deadline("Answer due", date(2026, 12, 7)), TODAY, soon_court_days=5, courts=BOOK)
    assert f.message == "Matter 2026-0157: the deadline “Answer due” falls on 2026-12-07 (Mon), within 5 court days."
    assert f.action == "Confirm the work is on track and the responsible attorney knows."


def test_future_and_far_past_trigger_rows() -> None:
    (f,) = trigger_flags("2026-0201", "summons_served", date(2027, 3, 1), TODAY)
    assert f.message == "Matter 2026-0201: the summons_served row is dated 2027-03-01 (Mon), which is in the future."
    assert f.action == "Check the date in the intake row; correct it by dropping a row with the right date."
    (f,) = trigger_flags("2026-0201", "summons_served", date(2024, 1, 5), TODAY)
    assert f.message == "Matter 2026-0201: the summons_served row is dated 2024-01-05 (Fri), more than two years ago."
    assert f.action == "Check the year in the intake row; a typo here moves every deadline."


def test_conflict() -> None:
    a = _deadline("Answer due", date(2026, 12, 14), matter="2026-0142", rule="frcp.answer")
    b = _deadline("Rule 26(f) conference must be held", date(2026, 12, 14))
    facts = {**_facts("2026-0142", title="Acme v. Widget"), **_facts()}
    flags = conflict_flags([a, b], facts, today=TODAY, people=PEOPLE, default_people=())
    assert [s.flag.message for s in flags] == [
        "Jane Doe (jdoe@firm.com) has 2 critical deadlines on 2026-12-14 (Mon): [2026-0142] Answer due; "
        "[2026-0157] Rule 26(f) conference must be held."] * 2
    assert flags[0].flag.action == ("Plan that day now: share the work out, or ask for an extension of one "
                                    "deadline in advance.")


def test_out_of_office_and_busy() -> None:
    d = _deadline("Rule 26(f) conference must be held", date(2026, 12, 9))
    (s,) = absence_flags([d], _facts(), today=TODAY, people=PEOPLE, default_people=())
    assert s.flag.message == ("Jane Doe (jdoe@firm.com) is out of office from 2026-12-07 to 2026-12-11; "
                              "matter 2026-0157's deadline “Rule 26(f) conference must be held” falls on "
                              "2026-12-09 (Wed).")
    assert s.flag.action == ("Arrange cover before then: make sure someone in the office owns this deadline, "
                             "or file early.")
    d = _deadline("Answer due", date(2026, 12, 15))
    (s,) = absence_flags([d], _facts(), today=TODAY, people=PEOPLE, default_people=(),
                         busy={JANE: [date(2026, 12, 15)]})
    assert s.flag.message == ("The calendar of Jane Doe (jdoe@firm.com) shows them out or busy all day on "
                              "2026-12-15 (Tue), when matter 2026-0157's deadline “Answer due” falls.")


def test_matter_wide_kinds() -> None:
    past = _deadline("Answer due", date(2026, 1, 16))
    flags = matter_flags([past], _facts(attorneys=(), court=None), today=TODAY, default_people=())
    assert {s.flag.kind: (s.flag.message, s.flag.action) for s in flags} == {
        "no-attorney": ("Matter 2026-0157 has no responsible attorney; its deadlines go to the firm docket "
                        "calendar.",
                        "Drop an intake row for matter 2026-0157 with the attorney column filled in."),
        "no-court": ("Matter 2026-0157 names no court, so no rules could be applied to it.",
                     "Drop an intake row for matter 2026-0157 with the court column filled in "
                     "(e.g. federal, cand)."),
        "no-upcoming": ("Open matter 2026-0157 (Baker v. Coastal Freight) has no upcoming deadline on the docket.",
                        "Docket the next event (a hearing, a served motion, a discovery request), or close the "
                        "matter with status = closed."),
    }
    (s,) = [s for s in matter_flags([past], _facts(court="mars"), today=TODAY, default_people=(),
                                    known_courts=["cand"]) if s.flag.kind == "no-court"]
    assert s.flag.message == ("Matter 2026-0157 names court 'mars', which is not configured, so no rules could be "
                              "applied to it.")


def test_engine_flags() -> None:
    _, f = missing_service("personal", date(2026, 12, 28))
    assert f.kind == "missing-service"
    assert f.message == ("No service method was given, and this deadline depends on it; docketd assumed "
                         "personal service, the earliest result; other methods give dates up to 2026-12-28.")
    _, f = ambiguous_law([Holiday(date(2026, 11, 27), "Day after Thanksgiving", True)],
                         date(2026, 11, 27), date(2026, 11, 30))
    assert f.kind == "ambiguous-law"
    assert f.message == ("The law reads two ways here (2026-11-27 (Fri), Day after Thanksgiving): docketd "
                         "calendared the earlier date 2026-11-27.")
    _, f = uncertain_service("overnight", "FRCP 6(d)", date(2026, 12, 21), date(2026, 12, 24))
    assert f.message == ("Service by overnight delivery extends this deadline under FRCP 6(d) only if the "
                         "recipient consented to it in writing (FRCP 5(b)(2)(F)); docketd calendared the earlier "
                         "date 2026-12-21.")


def test_engine_error_through_the_docket(tmp_path: Path) -> None:
    cfg = parse_config({"daemon": {"inbox": "in", "state": "s.db"}}, tmp_path / "d.toml", tmp_path)
    docket = Docket(cfg, None, load_rulebook())
    bad = TriggerEvent("2026-0157", "summons_served", date(2026, 1, 5), court="mars")
    _, errors = docket._plan([bad], MatterFacts("2026-0157"), TODAY)
    assert errors == [("2026-0157|summons_served|",
                       "No deadlines could be computed from the summons_served row of matter 2026-0157 dated "
                       "2026-01-05: Unknown court 'mars'; use a court id that `docketd courts` lists, or add "
                       "courts/mars.yaml to the firm's rules folder.")]


def test_needs_fact_and_not_computed_words(tmp_path: Path) -> None:
    """Fla. R. Civ. P. 1.530(b) from a judgment_entered row (non-jury only) and 1.510 before 2025 (the
    response ran from the hearing, SC2024-0662 applies to motions from 2025-01-01): what the clerk reads."""
    _, f = needs_fact("Motion for new trial or rehearing due (serve)",
                      "the filing of the judgment starts the 15 days only in a non-jury action.")
    assert f.kind == "needs-fact" and f.severity == "warning"
    assert f.message == ("“Motion for new trial or rehearing due (serve)” was counted from this row, which starts "
                         "the period only on a fact docketd does not have: the filing of the judgment starts the "
                         "15 days only in a non-jury action.")
    assert f.action == ("Check the fact; if it does not hold, record the event the rule names instead (a new "
                        "intake row).")
    cfg = parse_config({"daemon": {"inbox": "in", "state": "s.db"}}, tmp_path / "d.toml", tmp_path)
    docket = Docket(cfg, None, load_rulebook())
    early = TriggerEvent("2026-0158", "msj_served", date(2024, 12, 30), court="fl-circuit", service="personal")
    _, errors = docket._plan([early], MatterFacts("2026-0158"), TODAY)
    assert errors == [("2026-0158|msj_served|",
                       "No deadlines could be computed from the msj_served row of matter 2026-0158 dated "
                       "2024-12-30: fl.msj-response (Summary judgment response due) cannot be "
                       "computed from the msj_served row dated 2024-12-30: for a motion served before 2025-01-01 "
                       "the response ran back from the hearing, not from service (Fla. R. Civ. P. 1.510(c)(5) as "
                       "amended eff. May 1, 2021: at least 20 days before the hearing; earlier 1.510(c): at least "
                       "5 days before it); add a msj_hearing_pre2025 row with the hearing date.")]


@pytest.mark.parametrize("title", ["Answer due", "Rule 26(f) conference must be held", "Discovery cutoff",
                                   "Last day to hear discovery motions", "Serve and file motion papers"])
def test_every_rule_title_reads_as_a_name_not_a_clause(title: str) -> None:
    (f,) = deadline_flags(_deadline(title, date(2026, 1, 16)), TODAY, courts=BOOK)
    assert f.message.startswith(f"Matter 2026-0157: the deadline “{title}” fell on ")


def test_rule_change_moved_gone_and_new() -> None:
    # Issue 13 item 6. Summons served 2026-01-05 (Mon) in S.D.N.Y.: 21 days (FRCP 12(a)(1)(A)(i)) is
    # 2026-01-26 (Mon); a holiday table calling that day a New York holiday would roll it to Tuesday
    # (FRCP 6(a)(6)(C)). The trigger row is the same before and after: the rules moved the date.
    trig = TriggerEvent("2026-0142", "summons_served", date(2026, 1, 5), court="nysd", service="personal",
                        provenance=Provenance("intake.csv", 2, "", date(2026, 1, 5)))
    new = Deadline("2026-0142", "frcp.answer", "Answer due", date(2026, 1, 27), "nysd", "Fed. R. Civ. P. 12(a)",
                   trig, ("Summons and complaint served 2026-01-05 (Mon) by personal service.",
                          "21 days after -> 2026-01-26 (Mon), Example Day, a New York public holiday, not a "
                          "court day -> 2026-01-27 (Tue) [FRCP 6(a)(6)(C)]."))
    old = deadline_to_dict(replace(new, due=date(2026, 1, 26), explanation=(
        new.explanation[0], "21 days after -> 2026-01-26 (Mon) [FRCP 6(a)(1)].")))
    (key, f), = rule_change_flags([old], [new], [trig]).items()
    assert key == new.key and f.kind == "rule-change" and f.severity == "critical"
    assert f.message == ("Matter 2026-0142: the deadline “Answer due” moved from 2026-01-26 (Mon) to 2026-01-27 "
                         "(Tue) because the court rules or holidays docketd applies changed: before, “21 days "
                         "after -> 2026-01-26 (Mon) [FRCP 6(a)(1)]”; now, “21 days after -> 2026-01-26 (Mon), "
                         "Example Day, a New York public holiday, not a court day -> 2026-01-27 (Tue) "
                         "[FRCP 6(a)(6)(C)]”. Check the new date against the rule before relying on it.")
    assert f.action == "Confirm the new date against the rule, then `docketd ack ID`."
    (f,) = rule_change_flags([old], [], [trig]).values()
    assert f.message == ("Matter 2026-0142: the deadline “Answer due”, due 2026-01-26 (Mon), is no longer "
                         "computed, because the court rules docketd applies changed: rule frcp.answer "
                         "(Fed. R. Civ. P. 12(a)) no longer applies to this row. Its calendar entry is removed.")
    assert f.action == ("Check whether the deadline still applies and calendar it by hand if it does, then "
                        "`docketd ack ID`.")
    other = deadline_to_dict(replace(new, rule="frcp.other", title="Other"))
    f = rule_change_flags([other], [new], [trig])[new.key]  # (and "Other" is no longer computed)
    assert f.message == ("Matter 2026-0142: the deadline “Answer due” is newly computed, due 2026-01-27 (Tue), "
                         "because the court rules docketd applies changed: rule frcp.answer (Fed. R. Civ. P. "
                         "12(a)) now applies to this row. Check it against the rule before relying on it.")
    assert f.action == "Calendar the new deadline if it is right, then `docketd ack ID`."
    # A corrected row (served a day later) moved it: not the rules.
    moved_row = replace(new, trigger=replace(trig, date=date(2026, 1, 6)))
    assert rule_change_flags([old], [moved_row], [moved_row.trigger]) == {}
