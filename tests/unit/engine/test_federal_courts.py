"""Every federal court: FRCP 6(a)(6)(C) / FRAP 26(a)(6)(C) state holidays on forward counts only.

For every district court: one forward count (FRCP 12(a)(1)(A)(i), 21 days after service) that lands
on a settled holiday of its state that is not a federal one moves past it, and one backward count
(FRCP 26(a)(3)(B), 30 days before trial) that lands on the same day does NOT skip it (FRCP 6(a)(5);
6(a)(6)(C) reaches only periods measured after an event). Property tests per court, 2000-2060: a
forward due date is never a non-court day of its court; a backward due date is never later than the
unrolled end of its period. Worked cases through `docketd preview --json` in test_federal_preview.py.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.engine import RuleBook, load_rulebook
from daemon.engine.calendars import federal_holidays
from daemon.models import TriggerEvent

BOOK = load_rulebook()
DISTRICTS = [c for c in BOOK.court_ids() if BOOK.court(c).packs == ("frcp",) and c != "federal"]
CIRCUITS = [c for c in BOOK.court_ids() if BOOK.court(c).packs == ("frap",) and c != "federal-appeals"]
# states whose tables add no SETTLED weekday holiday to the federal list
NO_EXTRA_SETTLED = {"AZ", "ID", "OH", "OR", "SD", "WY", "KS", "MI", "NM", "PA", "GA", "WI"}


def test_all_94_districts_and_13_circuits() -> None:
    assert len(DISTRICTS) == 94 and len(CIRCUITS) == 13
    for must in ("nysd", "nyed", "nynd", "nywd", "txsd", "txnd", "txed", "txwd", "ilnd", "ilcd", "ilsd",
                 "mad", "dcd", "prd", "gud", "vid", "nmid", "cand", "cacd", "casd", "caed"):
        assert must in DISTRICTS
    assert {f"ca{i}" for i in range(1, 12)} | {"cadc", "cafc"} == set(CIRCUITS)
    for cid in DISTRICTS + CIRCUITS:
        c = BOOK.court(cid)
        assert c.state and c.forward_holidays == f"{c.state.lower()}-state"


def _state_day(cid: str) -> date | None:
    """The first settled state-holiday weekday in 2026-2031 that is no federal holiday or closure."""
    court = BOOK.court(cid)
    closed = {h.day for y in range(2026, 2032) for h in federal_holidays(y)} | {c.day for c in court.closures}
    for y in range(2026, 2032):
        fwd = set(BOOK.holidays(cid, y, forward=True)) - set(BOOK.holidays(cid, y, forward=False))
        for d in sorted(fwd - closed):
            return d
    return None


def _due(cid: str, event: str, on: date, rule: str) -> tuple[date, tuple[str, ...]]:
    found = [d for d in BOOK.compute(TriggerEvent("M", event, on, court=cid, service="personal")) if d.rule == rule]
    assert len(found) == 1
    return found[0].due, found[0].explanation


@pytest.mark.parametrize("cid", DISTRICTS)
def test_forward_count_skips_the_state_holiday_backward_does_not(cid: str) -> None:
    day = _state_day(cid)
    if day is None:
        assert BOOK.court(cid).state in NO_EXTRA_SETTLED  # no settled holiday beyond the federal list
        return
    due, lines = _due(cid, "summons_served", day - timedelta(days=21), "frcp.answer")
    assert due > day and f"{day.isoformat()}" in lines[1]
    assert "6(a)(6)(C)" in lines[1] or BOOK.court(cid).state == "CA"  # ca-state keeps its own wording
    back, _ = _due(cid, "trial", day + timedelta(days=30), "frcp.pretrial-disclosures")
    assert back == day  # FRCP 6(a)(5): the state holiday does not close the day for a backward count


def _closed(cid: str, day: date) -> bool:
    return day.weekday() >= 5 or day in BOOK.holidays(cid, day.year, forward=True)


_RULES = [("summons_served", "frcp.answer"), ("judgment_entered", "frcp.notice-of-appeal"),
          ("interrogatories_served", "frcp.interrogatory-responses")]
_DATES = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 10, 1))


@pytest.mark.parametrize("cid", DISTRICTS + CIRCUITS + ["federal", "federal-appeals"])
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(on=_DATES, which=st.integers(0, 2), service=st.sampled_from(["personal", "mail", "electronic"]))
def test_properties_per_court(cid: str, on: date, which: int, service: str) -> None:
    appeals = BOOK.court(cid).packs == ("frap",)
    event = ("appellate_judgment_entered", "motion_served", "appellee_brief_served")[which] if appeals \
        else _RULES[which][0]
    back_event = "oral_argument" if appeals else "trial"
    for d in BOOK.compute(TriggerEvent("M", event, on, court=cid, service=service)):
        if d.kind == "deadline":
            assert not _closed(cid, d.due), (cid, d.rule, d.due)
    for d in BOOK.compute(TriggerEvent("M", back_event, on, court=cid)):
        if d.kind == "deadline":
            days = int(next(x for x in d.explanation if " before -> " in x).split()[0])
            assert d.due <= on - timedelta(days=days)  # FRCP 6(a)(5) / FRAP 26(a)(5): never later


def test_courts_json_lists_every_court(capsys: pytest.CaptureFixture[str]) -> None:
    from daemon.cli.main import main

    assert main(["courts", "--json"]) == 0
    courts = {c["court"]: c for c in json.loads(capsys.readouterr().out)["courts"]}
    assert len(courts) >= 110
    assert courts["nysd"] == {"court": "nysd", "name": "U.S. District Court, Southern District of New York",
                              "state": "NY", "packs": ["frcp"], "holidays": "federal",
                              "forward_holidays": "ny-state", "holiday_source": "N.Y. Gen. Constr. Law 24",
                              "timezone": "America/New_York", "rules": courts["nysd"]["rules"]}
    assert courts["federal"]["forward_holidays"] is None and courts["ca2"]["packs"] == ["frap"]


def test_firm_adds_a_court_and_a_closure_without_code(tmp_path: object) -> None:
    """docs/rules.md: a court file in the firm's rules folder and a [closures] entry need no code."""
    from pathlib import Path

    folder = Path(str(tmp_path)) / "rules" / "courts"
    folder.mkdir(parents=True)
    (folder / "nysd-bankr.yaml").write_text(
        "court: nysb\nname: U.S. Bankruptcy Court, S.D.N.Y.\nstate: NY\ntimezone: America/New_York\n"
        "packs: [frcp]\nholidays: federal\nforward_holidays: ny-state\n"
        "closures:\n  - {date: 2027-03-03, reason: courthouse closed (FRCP 6(a)(3))}\n")
    book = load_rulebook([folder.parent], {"nysd": [date(2027, 3, 4)]})
    # 2027-02-10 + 21 = 2027-03-03 (Wed), closed by the firm's court file -> Thu 2027-03-04
    due = [d for d in book.compute(TriggerEvent("M", "summons_served", date(2027, 2, 10), court="nysb"))
           if d.rule == "frcp.answer"][0].due
    assert due == date(2027, 3, 4)
    # the same count in nysd: 2027-03-03 is open; 2027-02-11 + 21 = 2027-03-04, closed by [closures] -> Fri
    due = [d for d in book.compute(TriggerEvent("M", "summons_served", date(2027, 2, 11), court="nysd"))
           if d.rule == "frcp.answer"][0].due
    assert due == date(2027, 3, 5)


def test_unused_book_is_reused(book: RuleBook) -> None:
    assert set(book.court_ids()) == set(BOOK.court_ids())


def test_coverage_table_lists_every_shipped_court() -> None:
    """docs/rules.md "Coverage": one row per federal court (state courts are another branch's to add)."""
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "rules.md").read_text(encoding="utf-8")
    federal = [cid for cid in BOOK.court_ids() if BOOK.court(cid).packs in (("frcp",), ("frap",))]
    missing = [cid for cid in federal if f"| `{cid}` | {BOOK.court(cid).name} |" not in doc]
    assert missing == []
