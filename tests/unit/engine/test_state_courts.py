"""The four state trial courts of issue 13 (tx-district, ny-supreme, fl-circuit, il-circuit).

Every row of state_cases.csv was worked out by hand from the rule text named in its `source` column
(TRCP/TRAP, CPLR and N.Y. Gen. Constr. Law, Fla. R. Civ. P./App. P. and Fla. R. Gen. Prac. & Jud.
Admin. 2.514, Ill. S. Ct. R. and 5 ILCS 70/1.11; the holiday statutes are cited in
daemon/engine/judicial_holidays.py) and is run through the public path, `docketd preview --json`. Rows
with an `alt` date are the unsettled calls: the earlier date is calendared and the later one named.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from daemon.engine import RuleBook, load_rulebook
from daemon.engine.calendars import CALENDARS
from daemon.engine.errors import NotComputed
from daemon.engine.judicial_holidays import jewish_holidays
from daemon.models import Deadline, TriggerEvent
from tests.unit.engine.worked import load_cases, run_preview, unnamed_holidays

CASES = load_cases("state_cases.csv")
ROOT = Path(__file__).resolve().parents[3]
PACKS = ("tx", "ny", "fl", "il")
BOOK = load_rulebook()


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """All state cases as one intake file, computed once by `docketd preview --json`."""
    rows = ([f"S-{c['case']}", f"Case {c['case']}", c["court"], c["event"], c["date"], c["service"]] for c in CASES)
    return run_preview(tmp_path_factory.mktemp("state"), ["matter", "title", "court", "event", "date", "service"],
                       rows)


def found(preview: dict[str, Any], case: dict[str, str]) -> dict[str, Any]:
    (d,) = [d for d in preview["deadlines"] if d["matter"] == f"S-{case['case']}" and d["rule"] == case["rule"]]
    return d


def case(name: str) -> dict[str, str]:
    return next(c for c in CASES if c["case"] == name)


def test_every_state_case_has_the_hand_worked_date(preview: dict[str, Any]) -> None:
    """Exactly one deadline per case and rule, on the date worked out by hand from the cited text."""
    wrong = []
    for c in CASES:
        dues = [d["due"] for d in preview["deadlines"]
                if d["matter"] == f"S-{c['case']}" and d["rule"] == c["rule"]]
        if dues != [c["due"]]:
            wrong.append(f"{c['case']} {c['rule']}: want {c['due']} got {dues} ({c['why']})")
    assert wrong == [], "\n".join(wrong)


def test_three_cases_for_every_state_rule(book: RuleBook) -> None:
    """At least three hand-worked cases, each citing its source, for every rule of the four packs."""
    ids = [r.id for r in book.rules() if r.pack in PACKS]
    assert len(ids) >= 30
    count = {i: sum(1 for c in CASES if c["rule"] == i) for i in ids}
    assert {i: n for i, n in count.items() if n < 3} == {}
    assert all(c["source"].strip() and c["why"].strip() for c in CASES)
    for required in ("answer", "interrogatory-responses", "production-responses", "admission-responses",
                     "new-trial", "notice-of-appeal"):
        assert all(f"{p}.{required}" in ids for p in PACKS), required


def test_unsettled_calls_calendar_the_earlier_date(preview: dict[str, Any]) -> None:
    """Rows with an `alt` carry an ambiguous-law flag naming exactly that later date; others carry none."""
    flagged = 0
    for c in CASES:
        d = found(preview, c)
        alts = [f["alternative"] for f in d["flags"] if f["kind"] == "ambiguous-law"]
        if c["alt"]:
            flagged += 1
            assert alts == [c["alt"]], (c["case"], d["flags"])
            assert date.fromisoformat(c["alt"]) > date.fromisoformat(d["due"])
            assert any(c["alt"] in line for line in d["explanation"]), c["case"]
        else:
            assert alts == [], (c["case"], d["flags"])
        assert not [f for f in d["flags"] if f["kind"] == "missing-service"], c["case"]
    assert flagged >= 20




def test_every_holiday_a_count_passes_is_named(preview: dict[str, Any]) -> None:
    """A clerk names the weekday holiday a roll passes over, as "2026-02-12 (Thu) is Lincoln's Birthday"."""
    checked, unnamed = unnamed_holidays(CASES, lambda c: list(found(preview, c)["explanation"]))
    assert checked >= 40
    assert unnamed == [], "\n".join(unnamed)


def test_preview_contract_for_state_courts(preview: dict[str, Any]) -> None:
    """Every state deadline names its court and citation, and its trace ends at the date it explains."""
    for c in CASES:
        d = found(preview, c)
        assert d["court"] == c["court"] and d["citation"] and d["title"]
        assert d["trigger"] == {"event": c["event"], "date": c["date"], "ref": None, "service": c["service"] or None}
        assert any(d["due"] in line for line in d["explanation"]), (c["case"], d["explanation"])
        assert d["time"] == ("10:00" if c["rule"] == "tx.answer" else None), c["case"]


def test_texas_answer_trace_reads_like_a_clerk(preview: dict[str, Any]) -> None:
    """TRCP 99(b): the 20th day, the Monday next after, then TRCP 4 past Presidents' Day."""
    d = found(preview, case("TX01"))
    assert d["explanation"][1] == (
        "20 days after -> 2026-02-15 (Sun); the Monday next after -> 2026-02-16 (Mon), by 10:00 a.m. [TRCP 99(b)], "
        "not a court day (2026-02-16 (Mon) is Presidents' Day) -> 2026-02-17 (Tue) [TRCP 4].")
    assert d["explanation"][2].startswith("Calendared by 10:00 a.m. on 2026-02-17 (Tue)")
    assert len(found(preview, case("TX02"))["explanation"]) == 2  # no roll, no note


def test_service_extensions_read_like_a_clerk(preview: dict[str, Any]) -> None:
    """Each state's mail rule in its own words: added to the period (TX, NY), after it (FL), to the
    completion of service (IL)."""
    assert "30 days after + 3 days for service by mail [TRCP 21a(c)] = 33 days -> 2026-03-02 (Mon) [TRCP 4]." \
        in found(preview, case("TX05"))["explanation"]
    assert ("20 days after + 5 days for service by mail [CPLR 2103(b)(2)] = 25 days -> 2026-11-03 (Tue), not a court "
            "day (2026-11-03 (Tue) is General Election Day) -> 2026-11-04 (Wed) [N.Y. Gen. Constr. Law 25-a].") \
        in found(preview, case("NY05"))["explanation"]
    fl = found(preview, case("FL04"))["explanation"]
    assert any(line.startswith("Service by mail: 5 days added after the period would otherwise expire "
                               "[Fla. R. Gen. Prac. & Jud. Admin. 2.514(b)] -> 2026-03-01 (Sun)") for line in fl)
    assert "Service by mail is complete 4 days after -> 2026-01-15 (Thu) [Ill. S. Ct. R. 12(c)]." \
        in found(preview, case("IL05"))["explanation"]


def test_florida_second_reading_is_explained(preview: dict[str, Any]) -> None:
    """2.514(b)'s 5 days counted from the next court day is the flagged later reading (FL05)."""
    d = found(preview, case("FL05"))
    (flag,) = [f for f in d["flags"] if f["kind"] == "ambiguous-law"]
    assert "2.514(b)" in flag["message"] and flag["alternative"] == "2026-05-15"
    assert any(line.startswith("Unsettled whether the 5 mail days") for line in d["explanation"])


def test_florida_summary_judgment_response_before_2025_is_an_error_not_a_gap(tmp_path: Path) -> None:
    """Fla. R. Civ. P. 1.510(b)'s 40 days after service govern motions served from 2025-01-01 (SC2024-0662);
    an earlier motion's response ran back from the hearing (1.510(c)(5) eff. 2021-05-01, 317 So. 3d 72;
    before it 1.510(c)), so a msj_served row before 2025 is refused with what to record instead, never
    skipped silently. `docketd preview` shows it as the row's error; the daemon stores an engine-error flag."""
    with pytest.raises(NotComputed, match="add a msj_hearing_pre2025 row with the hearing date"):
        BOOK.compute(TriggerEvent("M", "msj_served", date(2024, 12, 30), court="fl-circuit", service="personal"))
    (d,) = [d for d in BOOK.compute(TriggerEvent("M", "msj_served", date(2025, 1, 2), court="fl-circuit",
                                                  service="electronic")) if d.rule == "fl.msj-response"]
    # Served Thu 2025-01-02: day 1 Fri 01-03; day 40 Tue 2025-02-11 (2.514(a)(1)).
    assert d.due == date(2025, 2, 11)
    intake = tmp_path / "rows.csv"
    intake.write_text("matter,title,court,event,date,service\n"
                      "A,A,fl-circuit,msj_served,2024-12-30,personal\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "daemon.cli", "preview", str(intake), "--json", "--today",
                        "2025-01-06"], capture_output=True, text=True, cwd=tmp_path, timeout=300,
                       env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    out = json.loads(p.stdout)
    assert out["deadlines"] == []
    assert any("fl.msj-response" in e["message"] and "msj_hearing_pre2025" in e["message"] for e in out["errors"])


def test_florida_response_from_the_hearing_picks_its_version_by_hearing_date() -> None:
    """1.510(c) before 2021-05-01: 5 days before the hearing; 1.510(c)(5) from then: 20 days (317 So. 3d 72);
    before 2012-10-01 former Fla. R. Civ. P. 1.090(a) counted short periods without weekends: refused."""
    def one(day: date) -> Deadline:
        (d,) = BOOK.compute(TriggerEvent("M", "msj_hearing_pre2025", day, court="fl-circuit"))
        return d
    assert one(date(2021, 4, 30)).cite_short == "Fla. R. Civ. P. 1.510(c)"  # FL53: 5 days
    assert "5 days before -> 2021-04-25 (Sun) [Fla. R. Civ. P. 1.510(c);" in one(date(2021, 4, 30)).explanation[1]
    assert one(date(2021, 5, 3)).cite_short == "Fla. R. Civ. P. 1.510(c)(5)"  # FL52: 20 days
    with pytest.raises(NotComputed, match="former Fla. R. Civ. P. 1.090"):
        one(date(2012, 9, 28))
    # 5 days before Mon 2012-10-01: Wed 09-26, Yom Kippur, a day some circuits designate (2.514(a)(6)(B)):
    # unsettled, so the backward count calendars Tue 09-25 and names 09-26.
    first = one(date(2012, 10, 1))
    assert first.due == date(2012, 9, 25) and [f.alternative for f in first.flags] == [date(2012, 9, 26)]


def test_florida_judgment_entered_starts_new_trial_only_with_a_check() -> None:
    """1.530(b): the filing of the judgment starts the 15 days in a non-jury action only; a judgment_entered
    row is that filing but does not say whether a jury sat, so the deadline carries a `needs-fact` flag
    (FL57-FL59). The verdict_rendered and nonjury_judgment_filed rows carry none."""
    (d,) = [d for d in BOOK.compute(TriggerEvent("M", "judgment_entered", date(2026, 12, 16), court="fl-circuit"))
            if d.rule == "fl.new-trial"]
    (flag,) = [f for f in d.flags if f.kind == "needs-fact"]
    assert "non-jury" in flag.message and "verdict_rendered" in flag.message and flag.alternative is None
    for event in ("verdict_rendered", "nonjury_judgment_filed"):
        (d,) = BOOK.compute(TriggerEvent("M", event, date(2026, 12, 16), court="fl-circuit"))
        assert d.due == date(2026, 12, 31) and not [f for f in d.flags if f.kind == "needs-fact"]


def test_new_york_post_trial_motion_does_not_run_from_entry_of_judgment() -> None:
    """CPLR 4405: "within fifteen days after decision, verdict or discharge of the jury" -- not after entry
    of the judgment, which comes later; a judgment_entered row starts only the notice of appeal."""
    rules = {d.rule for d in BOOK.compute(TriggerEvent("M", "judgment_entered", date(2026, 12, 16),
                                                       court="ny-supreme"))}
    assert rules == {"ny.notice-of-appeal"}


def test_texas_accelerated_appeal_is_not_extended_by_post_trial_motions() -> None:
    """TRAP 26.1(b): 20 days after the order is signed in an accelerated appeal; TRAP 28.1(b): a motion for
    new trial or request for findings does not extend it, so the accelerated row fires no 90-day date and
    no TRCP 329b motion deadline."""
    out = BOOK.compute(TriggerEvent("M", "judgment_entered_accelerated", date(2026, 12, 11), court="tx-district"))
    assert [(d.rule, d.due) for d in out] == [("tx.notice-of-appeal-accelerated", date(2026, 12, 31))]
    assert out[0].citation == "Tex. R. App. P. 26.1(b), 28.1, 4.1(a)"


def test_a_rule_without_a_version_for_the_date_is_an_error(tmp_path: Path) -> None:
    """A firm rule whose versions leave a gap is refused for a trigger in the gap, with the spans it has."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "firmfl.yaml").write_text(
        "pack: firmfl\ncounting: fla\nevents: {order_signed: Order signed}\nrules:\n"
        "  - {id: firmfl.act, title: Act due, trigger: order_signed, citation: Local Rule 1,\n"
        "     versions: [{from: 2026-01-01, days: 10}]}\n", encoding="utf-8")
    (tmp_path / "firm-court.yaml").write_text(
        "court: fl-firm\nname: Firm Florida court\ntimezone: America/New_York\npacks: [firmfl]\n"
        "holidays: fl-judicial\n", encoding="utf-8")
    book = load_rulebook([tmp_path])
    with pytest.raises(NotComputed, match=r"no version in force on that date \(its versions cover from 2026-01-01\)"):
        book.compute(TriggerEvent("F", "order_signed", date(2025, 6, 2), court="fl-firm"))


def test_one_rule_that_cannot_be_counted_keeps_the_other_rules_deadlines(tmp_path: Path) -> None:
    """A trigger that fires two rules, one with no version for its date: the other rule's deadline is still
    computed and calendared, and the row carries the error naming the refused rule. Losing every deadline of
    the row for one rule would be a missing deadline in its own right."""
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "firmfl.yaml").write_text(
        "pack: firmfl\ncounting: fla\nevents: {order_signed: Order signed}\nrules:\n"
        "  - {id: firmfl.act, title: Act due, trigger: order_signed, citation: Local Rule 1,\n"
        "     versions: [{from: 2026-01-01, days: 10}]}\n"
        "  - {id: firmfl.report, title: Report due, trigger: order_signed, citation: Local Rule 2, days: 5}\n",
        encoding="utf-8")
    (tmp_path / "firm-court.yaml").write_text(
        "court: fl-firm\nname: Firm Florida court\ntimezone: America/New_York\npacks: [firmfl]\n"
        "holidays: fl-judicial\n", encoding="utf-8")
    book = load_rulebook([tmp_path])
    with pytest.raises(NotComputed, match="firmfl.act") as caught:
        book.compute(TriggerEvent("F", "order_signed", date(2025, 6, 2), court="fl-firm"))
    # Mon 2025-06-02 + 5 days = Sat 06-07 -> Mon 06-09 (Fla. R. Gen. Prac. & Jud. Admin. 2.514(a)(1)(C)).
    assert [(d.rule, d.due) for d in caught.value.deadlines] == [("firmfl.report", date(2025, 6, 9))]
    (tmp_path / "docketd.toml").write_text(f"[rules]\ndirs = [{str(tmp_path)!r}]\n", encoding="utf-8")
    intake = tmp_path / "rows.csv"
    intake.write_text("matter,title,court,event,date\nF,F,fl-firm,order_signed,2025-06-02\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "daemon.cli", "--config", str(tmp_path / "docketd.toml"), "preview",
                        str(intake), "--json", "--today", "2025-06-03"], capture_output=True, text=True,
                       cwd=tmp_path, timeout=300,
                       env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    out = json.loads(p.stdout)
    assert [(d["rule"], d["due"]) for d in out["deadlines"]] == [("firmfl.report", "2025-06-09")]
    assert any("firmfl.act" in e["message"] for e in out["errors"])


def test_state_holiday_tables_follow_their_statutes() -> None:
    """Spot checks of each table against its statute, including the years a holiday applies."""
    def days(cal: str, year: int, settled: bool = True) -> set[date]:
        return {h.day for h in CALENDARS[cal](year) if not h.ambiguous or not settled}

    ny = CALENDARS["ny-judicial"]
    assert date(2020, 6, 19) not in days("ny-judicial", 2020)  # GCL 24 Juneteenth from L. 2020 ch. 249
    assert date(2021, 6, 18) not in days("ny-judicial", 2021)  # Saturday Juneteenth: Friday unsettled
    assert any(h.day == date(2021, 6, 18) and h.ambiguous for h in ny(2021))
    assert date(2027, 11, 2) in days("ny-judicial", 2027)  # each general election day (annual)
    assert date(2027, 11, 2) not in days("il-judicial", 2027)  # Illinois: even years only
    assert date(2028, 11, 7) in days("il-judicial", 2028)
    assert date(2021, 6, 21) not in days("il-judicial", 2021)  # Juneteenth from 2022 (P.A. 102-334)
    assert date(2022, 6, 20) in days("il-judicial", 2022)  # Sunday June 19 -> Monday (5 ILCS 490/63)
    assert date(2026, 10, 12) not in days("tx-judicial", 2026)  # Columbus Day: not in 662.003
    assert any(h.day == date(2026, 1, 19) and not h.ambiguous for h in CALENDARS["tx-judicial"](2026))  # MLK
    assert date(2026, 2, 16) not in days("fl-judicial", 2026)  # Presidents' Day: not 2.514(a)(6)(A)
    assert date(2027, 12, 31) in days("fl-judicial", 2027)  # Jan 1 2028 (Sat) observed Fri (110.117)
    assert date(2027, 12, 24) in days("fl-judicial", 2027)  # Christmas (Sat) observed Fri
    # Rosh Hashanah / Yom Kippur come from the `holidays` package whatever the process locale (the
    # preview above runs with a bare environment; a Hebrew or C locale once renamed them).
    assert {n for _, n in jewish_holidays(2026)} == {"Rosh Hashanah", "Yom Kippur"}
    for cal in ("tx-judicial", "ny-judicial", "fl-judicial", "il-judicial"):
        for year in (2000, 2030, 2060):
            hs = CALENDARS[cal](year)
            assert hs and all(h.day.year == year and h.name for h in hs), (cal, year)


def test_rules_show_names_the_monday_rule(capsys: pytest.CaptureFixture[str]) -> None:
    """`docketd rules show tx.answer` says the period ends on the Monday next after, by 10:00."""
    import argparse

    from daemon.cli import rules as cli_rules

    parser = argparse.ArgumentParser(prog="docketd")
    cli_rules.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["rules", "show", "tx.answer"])
    assert int(args.func(args)) == 0
    out = capsys.readouterr().out
    assert "20 days after, then the Monday next after (TRCP 99(b)), by 10:00" in out and "tx-district" in out


def test_a_firm_texas_rule_of_five_days_or_less_counts_court_days(tmp_path: Path) -> None:
    """TRCP 4: 'Saturdays, Sundays, and legal holidays shall not be counted for any purpose in any time
    period of five days or less'. A firm writes such a rule with `unit: court`; a roll that belongs to
    another state's counting is rejected."""
    from daemon.engine import PackError, load_rulebook

    (tmp_path / "rules").mkdir()
    (tmp_path / "courts").mkdir()
    (tmp_path / "rules" / "firmtx.yaml").write_text(
        "pack: firmtx\ncounting: trcp\nevents: {order_signed: Order signed}\nrules:\n"
        "  - {id: firmtx.five, title: Five-day act, trigger: order_signed, days: 5, unit: court,\n"
        "     citation: Tex. R. Civ. P. 4}\n", encoding="utf-8")
    (tmp_path / "courts" / "tx-firm.yaml").write_text(
        "court: tx-firm\nname: Firm Texas court\ntimezone: America/Chicago\npacks: [firmtx]\n"
        "holidays: tx-judicial\n", encoding="utf-8")
    book = load_rulebook([tmp_path])
    (d,) = book.compute(TriggerEvent("F", "order_signed", date(2026, 2, 11), court="tx-firm"))
    # Hand count: Thu 2-12 (1), Fri 2-13 (2), Mon 2-16 Presidents' Day skipped, 2-17 (3), 2-18 (4), 2-19 (5).
    assert d.due == date(2026, 2, 19) and "2026-02-16 (Mon) is Presidents' Day" in d.explanation[1]
    (tmp_path / "rules" / "firmtx.yaml").write_text(
        "pack: firmtx\ncounting: gcl\nevents: {order_signed: Order signed}\nrules:\n"
        "  - {id: firmtx.five, title: Five-day act, trigger: order_signed, days: 5, roll: monday-next,\n"
        "     citation: Tex. R. Civ. P. 4}\n", encoding="utf-8")
    with pytest.raises(PackError, match="roll monday-next belongs to counting trcp, not gcl"):
        load_rulebook([tmp_path])
