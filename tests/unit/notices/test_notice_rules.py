"""Each recognition rule in daemon/data/notice_rules.yaml against the real docket text it cites.

Examples come from CM/ECF notices in juriscraper's public test suite (tests/data/nef, BSD licence)
and from the standard CM/ECF event wording ("SUMMONS Returned Executed ... served on ...",
"JUDGMENT ...", "NOTICE OF APPEAL ...") used by every district court.
"""

from __future__ import annotations

from datetime import date

import pytest

from daemon.sources.notices.nef import Notice
from daemon.sources.notices.recognise import load_rules, read_date, read_time, recognise

FILED = date(2023, 1, 13)
ENTERED = date(2023, 1, 16)
RULES = load_rules()
EXAMPLES = [(r.id, i, ex) for r in RULES for i, ex in enumerate(r.examples)]


def _notice(text: str, kind: str = "nef") -> Notice:
    return Notice(file="x.eml", kind=kind, court="cand", cases=(), filed=FILED, entered=ENTERED,
                  docket_text=text, message_id="m@x", sender="a@cand.uscourts.gov", subject="")


def test_every_rule_has_an_example() -> None:
    assert all(r.examples for r in RULES)


@pytest.mark.parametrize(("rule_id", "n", "example"), EXAMPLES, ids=[f"{r}-{n}" for r, n, _ in EXAMPLES])
def test_rule_example(rule_id: str, n: int, example: dict) -> None:
    rule = next(r for r in RULES if r.id == rule_id)
    kind = "nda" if rule.courts == "appellate" else "nef"
    got = recognise(_notice(example["text"], kind), (rule,))
    if "review" in example:  # whether a person must look is decided by all the rules together
        assert bool(recognise(_notice(example["text"], kind)).review) == example["review"]
    if "triggers" in example:
        want = []
        for t in example["triggers"]:
            day = {"filed": FILED, "entered": ENTERED}.get(str(t["date"]), t["date"])
            want.append((t.get("event", "court_set"), t.get("court_set", ""), day, t.get("time")))
        assert [(x.event, x.title, x.date, x.time) for x in got.triggers] == want


def test_scheduling_order_lists_several_dates() -> None:
    """arwd_4 (a real initial scheduling order): a court-set report date and a bench trial."""
    text = ("INITIAL SCHEDULING ORDER: Rule 26 Meeting Report due by 8/4/2021. Bench Trial set for 5/16/2022 "
            "09:00 AM in Fort Smith -- 3rd flr (Rm 310) before Honorable P. K. Holmes III. Signed by Jane Ann "
            "Short, Courtroom Deputy for Honorable P. K. Holmes III on June 28, 2021. (jas)")
    got = recognise(_notice(text))
    assert got.review is None
    assert {(t.event, t.title, t.date, t.time) for t in got.triggers} == {
        ("trial", "", date(2022, 5, 16), "09:00"),
        ("court_set", "Bench Trial", date(2022, 5, 16), "09:00"),
        ("court_set", "Rule 26 Meeting Report due", date(2021, 8, 4), None),
    }


def test_a_notice_without_dates_needs_nobody() -> None:
    got = recognise(_notice("NOTICE of Appearance by Harold Wayne Young, Jr on behalf of Envolve (Young, Harold)"))
    assert got.triggers == () and got.review is None


def test_an_order_no_rule_reads_goes_to_a_person() -> None:
    text = ("ORDER granting [87] Motion for Extension of Time. Defendant must submit letters of apology no "
            "later than 14 days after the conclusion of the appeal. Signed by Judge Mizelle on 4/8/2025. (KMP)")
    got = recognise(_notice(text))
    assert got.review and not got.triggers


def test_two_digit_years_and_impossible_days_are_not_guessed() -> None:
    assert read_date("2/2/23") is None
    assert read_date("2/30/2023") is None
    got = recognise(_notice("Responses due by 2/2/23."))
    assert got.review and "cannot be read" in got.review and not got.triggers


@pytest.mark.parametrize(("raw", "want"), [("02:00 PM", "14:00"), ("2:00 p.m.", "14:00"), ("12:30 AM", "00:30"),
                                           ("12:00 PM", "12:00"), ("9 a.m.", "09:00"), ("14:00", "14:00"),
                                           ("13:00 PM", None), ("25:00", None)])
def test_times(raw: str, want: str | None) -> None:
    assert read_time(raw) == want


def test_written_dates() -> None:
    assert read_date("January 18, 2023") == date(2023, 1, 18)
    assert read_date("Sept. 5, 2023") == date(2023, 9, 5)
    assert read_date("1/19/2023") == date(2023, 1, 19)


# Real docket texts from juriscraper's docket-report test data (tests/examples/pacer/dockets/district/).
UNREAD = [
    # cacd.json: a scheduling order whose cut-off dates no rule reads must not lose them silently.
    ("MINUTES: Scheduling Conference held before Judge S. James Otero. Last day to amend or add parties 5/10/2006. "
     "Discovery cut-off 10/16/2006. Motion hearing cutoff date 11/6/2006. Jury Trial set for 1/16/2007 09:00 AM "
     "before Judge S. James Otero. Pretrial Conference set for 1/8/2007 09:00 AM before Judge S. James Otero."),
    # ncwd_1.json: the time before the date is not a form the rules read.
    ("NOTICE OF HEARING ON MOTION in case as to Robert Warren, Viki Warren, R & V Warren Farms, Inc. 242 First "
     "MOTION for Return of Property/PostTrial : Motion hearing set for 10:30 01/03/2005 DAE (bbb)"),
    # hid.json: a setting moved to another time.
    ("EO: MINUTES: Final Pretrial Conference set for 02/22/2005 10:00 AM is moved to 02:00:00 PM before LEK. "
     "cc: all counsel ; final pretrial conf set for 2:00 2/22/05 for Jason Furtado by Judge Leslie E. Kobayashi (bbb)"),
    # casd_4.json: a reset.
    ("NOTICE OF CHANGE OF HEARING as to Defendant Elias Torres Alcazar Jr. On the Court's own motion, Motion In "
     "Limine Hearing set for 5/11/2012 is reset to 5/14/2012 11:00 AM in Courtroom 10 before Judge Dana M. Sabraw."),
    # laed_127926.json: a two-digit year is never given a century.
    "ORDER that the hearing set for 2/17/10 will be on the briefs re 19 MOTION for Summary Judgment filed by Clay.",
    # laed_127926.json: a docket call no rule names.
    "NOTICE Docket Call set for 1/21/2009 09:30 AM before Judge Helen G. Berrigan. Signed by Clerk on 1/6/09.(plh, )",
]


@pytest.mark.parametrize("text", UNREAD, ids=range(len(UNREAD)))
def test_what_no_rule_reads_for_certain_goes_to_a_person(text: str) -> None:
    assert recognise(_notice(text)).review


def test_a_criminal_case_number_always_goes_to_a_person() -> None:
    from daemon.sources.notices.nef import NoticeCase

    n = _notice("JUDGMENT as to Martin Arias-Hernandez ( Signed by Judge David S Morales) Parties notified.")
    n = Notice(**{**n.__dict__, "cases": (NoticeCase("2:20-cr-00123"),)})
    got = recognise(n)
    assert got.review and "criminal" in got.review


def test_filing_and_signing_dates_are_not_settings() -> None:
    """nysd_1 and ca3_1 (tests/data/nef): dates of letters and certificates set nothing."""
    for text in ("LETTER addressed to Magistrate Judge Gabriel W. Gorenstein from Lillian Marquez dated August 8, 2022 "
                 "re: Request to Deem RFAs Admitted. Document filed by People of The State of New York.",
                 "ECF FILER: ELECTRONIC SUPPLEMENTAL BRIEF on behalf of Appellee Commissioner Pennsylvania State "
                 "Police. Certificate of Service dated 08/08/2022 by ECF. [21-1832] (DBM)"):
        assert recognise(_notice(text)).review is None
