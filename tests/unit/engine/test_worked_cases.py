"""Worked cases derived by hand from the rule texts (RULES.md, the statutes and committee notes)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from daemon.engine import EngineError, RuleBook, UnknownCourt, UnknownEvent, load_rulebook
from daemon.models import Deadline, TriggerEvent

D = date.fromisoformat


def one(book: RuleBook, court: str, event: str, day: str, rule: str, service: str | None = None) -> Deadline:
    """The single deadline of `rule` for a trigger."""
    t = TriggerEvent(matter="W-1", event=event, date=D(day), court=court, service=service)
    found = [d for d in book.compute(t) if d.rule == rule]
    assert len(found) == 1, [d.rule for d in book.compute(t)]
    return found[0]


# (court, event, date, service, rule, due, why)
CASES = [
    # Saturday Jan 1 2022 is observed Friday Dec 31 2021 (5 U.S.C. 6103(b), EO 11582).
    ("federal", "judgment_entered", "2021-12-03", None, "frcp.renewed-jmol", "2022-01-03",
     "Sat Jan 1 observed"),
    ("federal", "judgment_entered", "2010-12-03", None, "frcp.new-trial", "2011-01-03", "Sat Jan 1 2011"),
    # FRCP 6(a)(6)(C): Lincoln Day 2027-02-12 (Fri) closes forward counts in California districts only;
    # then Presidents' Day 2027-02-15 -> Tuesday.
    ("cand", "amended_pleading_served", "2027-01-29", "personal", "frcp.amended-pleading-response",
     "2027-02-16", "6(a)(6)(C) forward"),
    ("federal", "amended_pleading_served", "2027-01-29", "personal", "frcp.amended-pleading-response",
     "2027-02-12", "no state holidays in `federal`"),
    ("cacd", "motion_hearing", "2027-02-26", None, "frcp.motion-service", "2027-02-12",
     "6(a)(6)(C) not backward"),
    # FRCP 6(d) before 2016-12-01 added 3 days for electronic service; since then it does not.
    ("federal", "interrogatories_served", "2016-03-01", "electronic", "frcp.interrogatory-responses",
     "2016-04-04", "pre-2016 6(d) electronic: 03-31 + 3 = Sun 04-03 -> Mon"),
    ("federal", "interrogatories_served", "2017-03-01", "electronic", "frcp.interrogatory-responses",
     "2017-03-31", "post-2016 6(d)"),
    # FRAP 26(c) before 2016-12-01: 10 days -> Veterans Day Fri 11-11 -> Mon 11-14, then +3 -> Thu 11-17.
    ("federal-appeals", "motion_served", "2016-11-01", "electronic", "frap.motion-response", "2016-11-17",
     "pre-2016 FRAP 26(c) electronic"),
    ("federal-appeals", "motion_served", "2016-12-01", "electronic", "frap.motion-response", "2016-12-12",
     "post-2016 FRAP 26(c)"),
    # FRAP 26(a)(6)(C): the Ninth Circuit's clerk sits in California, so Cesar Chavez Day (Tue
    # 2026-03-31) closes forward counts there, but not in the generic court of appeals.
    ("ca9", "motion_served", "2026-03-21", "personal", "frap.motion-response", "2026-04-01",
     "ca9 state holiday"),
    ("federal-appeals", "motion_served", "2026-03-21", "personal", "frap.motion-response", "2026-03-31",
     "federal-appeals no state holiday"),
    # CCP 437c(a)(2): 75 days before hearings until 2024-12-31; 75 days before 2024-06-14 is Sunday
    # 2024-03-31 -> previous court day Friday 2024-03-29.
    ("ca-superior", "msj_hearing", "2024-06-14", "personal", "ca.msj-notice", "2024-03-29", "437c 75 days"),
    ("ca-superior", "msj_hearing", "2025-06-13", "personal", "ca.msj-notice", "2025-03-24", "437c 81 days"),
    ("ca-superior", "msj_hearing", "2025-06-13", "mail", "ca.msj-notice", "2025-03-19", "437c +5 mail"),
    ("ca-superior", "msj_hearing", "2025-06-13", "overnight", "ca.msj-notice", "2025-03-20",
     "437c +2 court days"),
    # CCP 2016.060: 15 days before 2026-12-11 is Thanksgiving; next court day toward trial skips the
    # day after Thanksgiving and the weekend.
    ("ca-superior", "trial", "2026-12-11", None, "ca.discovery-motion-cutoff", "2026-11-30", "2016.060"),
    # CCP 1013(a): +10 out of state (40 days -> Sat 04-11 -> Mon 04-13); +20 international.
    ("ca-superior", "interrogatories_served", "2026-03-02", "mail-out-of-state", "ca.interrogatory-responses",
     "2026-04-13", "1013 out of state"),
    ("ca-superior", "interrogatories_served", "2026-03-02", "mail-international",
     "ca.interrogatory-responses", "2026-04-21", "1013 international"),
    # CCP 1010.6: +2 court days from the UNROLLED end (Fri 11-27, a holiday) -> Mon(1), Tue(2).
    ("ca-superior", "admission_requests_served", "2026-10-28", "electronic", "ca.admission-responses",
     "2026-12-01", "1010.6 electronic"),
    # CCP 415.20: substituted service is complete on the 10th day after mailing even when that is a
    # Saturday (2026-03-14); the answer runs 30 days from then -> Mon 2026-04-13.
    ("ca-superior", "substituted_service_mailed", "2026-03-04", None, "ca.answer", "2026-04-13",
     "chain no roll"),
    # CRC 8.104: mail service does not extend the time to appeal.
    ("ca-superior", "notice_of_entry_served", "2026-01-05", "mail", "ca.notice-of-appeal", "2026-03-06",
     "8.104"),
    # Juneteenth is a federal holiday from 2021; Columbus Day is not a California court holiday since 2021.
    ("federal", "complaint_filed", "2026-03-21", None, "frcp.service-of-process", "2026-06-22", "Juneteenth"),
    ("ca-superior", "summons_served", "2026-09-12", "personal", "ca.answer", "2026-10-12",
     "Columbus court day"),
    ("federal", "initial_pleading_served", "2026-09-12", "personal", "frcp.removal", "2026-10-13",
     "Columbus"),
    # Native American Day (4th Friday of September) is a California court holiday.
    ("ca-superior", "summons_served", "2026-08-26", "personal", "ca.answer", "2026-09-28",
     "Native American Day"),
    # FRCP 4(m): 120 days for complaints filed before 2015-12-01 (2015-08-03 + 120 = Tue 2015-12-01).
    ("federal", "complaint_filed", "2015-08-03", None, "frcp.service-of-process", "2015-12-01", "4(m) 120"),
    ("federal", "waiver_sent", "2026-01-05", None, "frcp.answer-after-waiver", "2026-03-06", "waiver 60"),
    ("federal", "waiver_sent_abroad", "2026-01-05", None, "frcp.answer-after-waiver", "2026-04-06",
     "waiver 90"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[6] for c in CASES])
def test_worked_case(book: RuleBook, case: tuple[str, ...]) -> None:
    court, event, day, service, rule, due, _why = case
    d = one(book, court, event, day, rule, service)
    assert d.due == D(due), "\n".join(d.explanation)


def test_frap_committee_note_example(tmp_path: Path) -> None:
    """FRAP 26 (2009) note: a 10-day period ending Sat 2007-09-01 (Labor Day Mon) ends Tue 2007-09-04;
    counted 10 days before an event it ends Fri 2007-08-31."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "note.yaml").write_text(
        "pack: note\ncounting: frap\nevents: {paper_served: Paper served, event: Event set for}\nrules:\n"
        "  - {id: note.after, trigger: paper_served, days: 10, citation: FRAP 26 note}\n"
        "  - {id: note.before, trigger: event, days: 10, direction: before, citation: FRAP 26 note}\n",
        encoding="utf-8")
    (tmp_path / "courts").mkdir()
    (tmp_path / "courts" / "note.yaml").write_text(
        "court: note-court\ntimezone: America/New_York\npacks: [note]\nholidays: federal\n", encoding="utf-8")
    book = load_rulebook([tmp_path])
    assert one(book, "note-court", "paper_served", "2007-08-22", "note.after").due == D("2007-09-04")
    assert one(book, "note-court", "event", "2007-09-11", "note.before").due == D("2007-08-31")


def test_explanation_reads_like_a_clerk(book: RuleBook) -> None:
    d = one(book, "federal", "interrogatories_served", "2026-03-05", "frcp.interrogatory-responses", "mail")
    assert d.explanation == (
        "Interrogatories served 2026-03-05 (Thu) by mail.",
        "30 days after -> 2026-04-04 (Sat), not a court day -> 2026-04-06 (Mon) [FRCP 6(a)(1)(C)].",
        "Mail service: +3 days after the period expires -> 2026-04-09 (Thu) [FRCP 6(d)].",
    )
    assert d.citation == "Fed. R. Civ. P. 33(b)(2)" and d.cite_short == "FRCP 33(b)(2)"
    assert d.reminders == ("14d", "7d", "1d") and d.flags == ()


def test_chain_explanation_shows_every_step(book: RuleBook) -> None:
    d = one(book, "ca-superior", "substituted_service_mailed", "2026-01-05", "ca.answer")
    assert d.due == D("2026-02-17")
    assert "Substituted service complete: 10 days after -> 2026-01-15 (Thu) [CCP 415.20]." in d.explanation
    assert d.trigger.event == "substituted_service_mailed"


def test_day_after_thanksgiving_in_a_california_district_is_flagged(book: RuleBook) -> None:
    d = one(book, "cand", "amended_pleading_served", "2026-11-13", "frcp.amended-pleading-response",
            "personal")
    assert d.due == D("2026-11-27")
    [flag] = d.flags
    assert flag.kind == "ambiguous-law" and flag.severity == "warning" and flag.alternative == D("2026-11-30")
    assert any("Day after Thanksgiving" in line for line in d.explanation)
    plain = one(book, "federal", "amended_pleading_served", "2026-11-13", "frcp.amended-pleading-response",
                "personal")
    assert plain.due == D("2026-11-27") and plain.flags == ()


def test_executive_order_closure_forward_and_backward(book: RuleBook) -> None:
    fwd = one(book, "federal", "amended_pleading_served", "2025-12-10", "frcp.amended-pleading-response",
              "electronic")
    assert fwd.due == D("2025-12-24")
    assert [(f.kind, f.alternative) for f in fwd.flags] == [("ambiguous-law", D("2025-12-29"))]
    back = one(book, "federal", "motion_hearing", "2025-12-31", "frcp.opposing-affidavits")
    assert back.due == D("2025-12-23")  # the earlier reading: 12-24 treated as closed
    assert [(f.kind, f.alternative) for f in back.flags] == [("ambiguous-law", D("2025-12-24"))]
    jan = one(book, "federal", "judgment_entered", "2024-12-12", "frcp.new-trial")
    assert jan.due == D("2025-01-09") and jan.flags[0].alternative == D("2025-01-10")


def test_configured_closure_counts_as_a_holiday() -> None:
    book = load_rulebook(closures={"cand": [D("2026-01-26")]})
    d = one(book, "cand", "summons_served", "2026-01-05", "frcp.answer", "personal")
    assert d.due == D("2026-01-27") and d.flags == ()


def test_missing_service_takes_the_earliest_date_and_flags_it(book: RuleBook) -> None:
    d = one(book, "federal", "interrogatories_served", "2026-03-05", "frcp.interrogatory-responses")
    assert d.due == D("2026-04-06")
    [flag] = d.flags
    assert flag.kind == "missing-service" and flag.alternative == D("2026-04-09")
    n = one(book, "ca-superior", "motion_hearing", "2026-12-04", "ca.motion-notice")
    assert n.due == D("2026-10-20")  # 16 court days, then 20 days (international mail) earlier
    assert n.flags[0].kind == "missing-service"
    # A rule that ignores service never flags it.
    assert one(book, "federal", "judgment_entered", "2026-02-02", "frcp.renewed-jmol").flags == ()


def test_judgment_fires_every_rule_plus_followups(book: RuleBook) -> None:
    t = TriggerEvent(matter="W-2", event="judgment_entered", date=D("2026-02-02"), court="federal")
    out = book.compute(t)
    rules = sorted(d.rule for d in out if d.kind == "deadline")
    assert rules == ["frcp.alter-judgment", "frcp.amend-findings", "frcp.fees-motion", "frcp.new-trial",
                     "frcp.notice-of-appeal", "frcp.renewed-jmol"]
    follow = [d for d in out if d.kind == "followup"]
    assert [d.rule for d in follow] == ["frcp.notice-of-appeal/decide"]
    assert not follow[0].critical and follow[0].citation == "Fed. R. App. P. 4(a)(1)(A)"
    assert len({d.key for d in out}) == len(out)


def test_errors_are_sentences(book: RuleBook) -> None:
    with pytest.raises(UnknownCourt, match="Unknown court 'nowhere'"):
        book.compute(TriggerEvent(matter="E", event="trial", date=D("2026-01-05"), court="nowhere"))
    with pytest.raises(UnknownEvent, match="is not a trigger in court federal"):
        book.compute(TriggerEvent(matter="E", event="msj_hearing", date=D("2026-01-05"), court="federal"))
    with pytest.raises(EngineError, match="outside the years"):
        book.compute(TriggerEvent(matter="E", event="trial", date=D("9999-12-30"), court="federal"))
    with pytest.raises(EngineError, match="names no court"):
        book.compute(TriggerEvent(matter="E", event="trial", date=D("2026-01-05")))


def test_lookups(book: RuleBook) -> None:
    assert {"ca-superior", "ca9", "cacd", "caed", "cand", "casd", "federal",
            "federal-appeals"} <= set(book.court_ids())
    assert book.court("cand").pack == "frcp" and book.court("cand").timezone == "America/Los_Angeles"
    assert "substituted_service_complete" in book.events_for("ca-superior")
    assert "summons_served" in book.events_for("federal")
    assert len(book.rules()) >= 44 and book.check() == []


def test_overnight_in_federal_court_needs_consent(book: RuleBook) -> None:
    """RULES.md lists mail, clerk and consent for FRCP 6(d); overnight/fax count only with written
    consent, so the earlier date is calendared and the +3 reading is the flagged alternative."""
    d = one(book, "federal", "counterclaim_served", "2026-06-01", "frcp.counterclaim-answer", "overnight")
    assert d.due == D("2026-06-22")
    assert [(f.kind, f.alternative) for f in d.flags] == [("ambiguous-law", D("2026-06-25"))]
    assert "FRCP 5(b)(2)(F)" in d.explanation[-1]


def test_missing_service_and_unsettled_closure_both_explained(book: RuleBook) -> None:
    """A notice period before a hearing with no service method, across an executive-order closure:
    both readings are explained and flagged, and the earliest date is calendared."""
    t = TriggerEvent(matter="W-3", event="motion_hearing", date=D("2026-01-08"), court="ca-superior")
    [d] = [x for x in book.compute(t) if x.rule == "ca.motion-notice"]
    assert [f.kind for f in d.flags] == ["missing-service"]
    fed = one(book, "federal", "motion_hearing", "2025-12-31", "frcp.opposing-affidavits")
    assert fed.explanation[-1].startswith("Unsettled whether")
