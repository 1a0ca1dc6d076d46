"""A deadline's time of day: kept only where the rule's due moment is the trigger's own moment.

Issue 19 item 7: preview's `time` was null for every deadline, even where the trigger had a time.
Which rules keep the time, decided per rule of the shipped packs (daemon/engine/data/rules/*.yaml):

- Every shipped rule is a period counted in days, after or before the trigger, so its due is a DAY:
  FRCP 6(a)(1) (periods stated in days: exclude the day of the event, count every day) and 6(a)(4)
  (the "last day" ends at midnight for electronic filing, or when the clerk's office closes), FRAP
  26(a)(1)/(4) likewise, and CCP 12/12c (the last day, counted from the hearing day) give no time of
  day. A time set for the hearing does not move these: FRCP 6(c)(1) says "at least 14 days before the
  time specified for the hearing", and counts in days under 6(a)(1), so `frcp.motion-service` and
  `frcp.opposing-affidavits` are days; CCP 1005(b) ("at least 16 court days before the hearing"),
  CCP 437c(a)(2)/(b)(2)/(b)(4), CCP 2024.020(a), FRCP 16/26(a)(3)/26(f) and FRAP 31(a)(1) likewise.
  Their `time` stays null by law, not by omission.
- A rule whose due is the event itself (`direction: at`, e.g. a firm pack's "Motion hearing" entry)
  keeps the trigger's date and time: the hearing is at the time the court set.

The `preview --json` shape is the DESIGN.md contract unchanged; the hearing time is in the trace's first line.
"""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path

import pytest

from daemon.engine import PackError, load_rulebook
from daemon.models import TriggerEvent

HEARING_PACK = """
pack: firm
counting: frcp
events: {motion_hearing: Motion hearing set for}
rules:
  - id: firm.motion-hearing
    title: Motion hearing
    trigger: motion_hearing
    direction: at
    citation: Notice of motion and hearing (the court's calendar)
    cite_short: hearing
"""

COURT = """
court: firm-court
name: Firm Test Court
timezone: America/Los_Angeles
packs: [firm, frcp]
holidays: federal
"""

TIMED = [("federal", "motion_hearing"), ("federal", "scheduling_conference"), ("federal", "trial"),
         ("ca-superior", "motion_hearing"), ("ca-superior", "msj_hearing"), ("ca-superior", "trial"),
         ("federal-appeals", "oral_argument")]


def _firm(tmp: Path) -> Path:
    (tmp / "rules").mkdir(parents=True, exist_ok=True)
    (tmp / "courts").mkdir(parents=True, exist_ok=True)
    (tmp / "rules" / "firm.yaml").write_text(HEARING_PACK, encoding="utf-8")
    (tmp / "courts" / "firm-court.yaml").write_text(COURT, encoding="utf-8")
    return tmp


@pytest.mark.parametrize(("court", "event"), TIMED)
def test_shipped_rules_are_days_whatever_the_hearing_time(court: str, event: str) -> None:
    book = load_rulebook()
    t = TriggerEvent("2026-0233", event, date(2026, 9, 18), court=court, time=time(8, 30), service="electronic")
    out = book.compute(t)
    assert out, (court, event)
    assert all(d.time is None for d in out)
    assert all("at 08:30" in d.explanation[0] for d in out if d.kind == "deadline")  # the trace says it


def test_a_rule_at_the_event_itself_keeps_its_date_and_time(tmp_path: Path) -> None:
    book = load_rulebook([_firm(tmp_path)])
    assert book.check() == []
    # A Saturday hearing is odd but it is what the court set: never rolled, and never counted.
    t = TriggerEvent("2026-0233", "motion_hearing", date(2026, 9, 19), court="firm-court", time=time(8, 30),
                     service="electronic")
    (hearing,) = [d for d in book.compute(t) if d.rule == "firm.motion-hearing"]
    assert hearing.due == date(2026, 9, 19) and hearing.time == time(8, 30)
    assert hearing.as_preview()["time"] == "08:30"
    assert hearing.explanation[-1] == "Motion hearing: the event itself, as set -> 2026-09-19 (Sat) at 08:30 [hearing]."
    untimed = TriggerEvent("2026-0233", "motion_hearing", date(2026, 9, 18), court="firm-court")
    (hearing,) = [d for d in book.compute(untimed) if d.rule == "firm.motion-hearing"]
    assert hearing.time is None and hearing.due == date(2026, 9, 18)


def test_rules_show_says_what_an_at_rule_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from daemon.cli.main import main

    firm = _firm(tmp_path / "firm")
    cfg = tmp_path / "docketd.toml"
    cfg.write_text(f'[daemon]\ninbox = "in"\nstate = "s.db"\n[rules]\ndirs = ["{firm}"]\n', encoding="utf-8")
    assert main(["--config", str(cfg), "rules", "show", "firm.motion-hearing"]) == 0
    assert "motion_hearing: the event itself, at its time" in capsys.readouterr().out


def test_at_takes_no_days_and_no_service(tmp_path: Path) -> None:
    bad = HEARING_PACK.replace("    direction: at\n", "    direction: at\n    days: 3\n")
    (_firm(tmp_path) / "rules" / "firm.yaml").write_text(bad, encoding="utf-8")
    with pytest.raises(PackError) as err:
        load_rulebook([tmp_path])
    assert any("direction: at" in p and "days" in p for p in err.value.problems), err.value.problems


def test_preview_json_carries_the_time_of_an_at_rule(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from daemon.cli.main import main

    firm = _firm(tmp_path / "firm")
    cfg = tmp_path / "docketd.toml"
    cfg.write_text(f'[daemon]\ninbox = "in"\nstate = "s.db"\n[rules]\ndirs = ["{firm}"]\n', encoding="utf-8")
    intake = tmp_path / "intake.csv"
    intake.write_text("matter,court,event,date,time,service\n"
                      "2026-0233,firm-court,motion_hearing,2026-09-18,08:30,electronic\n", encoding="utf-8")
    assert main(["--config", str(cfg), "preview", str(intake), "--json", "--today", "2026-09-01"]) == 0
    out = json.loads(capsys.readouterr().out)
    by_rule = {d["rule"]: d for d in out["deadlines"]}
    assert by_rule["firm.motion-hearing"]["time"] == "08:30"
    assert by_rule["firm.motion-hearing"]["due"] == "2026-09-18"
    assert by_rule["frcp.motion-service"]["time"] is None  # 14 days before: a day (FRCP 6(c)(1), 6(a)(1))
    assert "at 08:30" in by_rule["frcp.motion-service"]["explanation"][0]  # the trace names the hearing time
