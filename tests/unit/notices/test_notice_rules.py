"""Each recognition rule in daemon/data/notice_rules.yaml against the real docket text it cites.

Examples come from CM/ECF notices in juriscraper's public test suite (tests/data/nef, BSD licence)
and from the standard CM/ECF event wording ("SUMMONS Returned Executed ... served on ...",
"JUDGMENT ...", "NOTICE OF APPEAL ...") used by every district court.
"""

from __future__ import annotations

from datetime import date

import pytest

from daemon.notices.nef import Notice
from daemon.notices.recognise import load_rules, read_date, read_time, recognise

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
