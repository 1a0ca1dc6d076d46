"""`rules check` and load_rulebook catch bad packs, naming file and rule; firms extend without code."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

import pytest

from daemon.cli import rules as cli_rules
from daemon.cli.main import main
from daemon.engine import PackError, load_rulebook
from daemon.models import TriggerEvent

GOOD_PACK = """
pack: firm
counting: frcp
events: {mediation_set: Mediation set for, brief_served: Brief served}
rules:
  - id: firm.mediation-brief
    title: Mediation brief due
    trigger: mediation_set
    days: 10
    direction: before
    citation: Local Rule 16-8(b)
    cite_short: L.R. 16-8(b)
"""

COURT = """
court: firm-court
name: Firm Test Court
timezone: America/Chicago
packs: [firm, frcp]
holidays: federal
closures:
  - {date: 2026-06-08, reason: courthouse closed for repairs}
"""


def write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp: Path) -> list[str]:
    with pytest.raises(PackError) as err:
        load_rulebook([tmp])
    assert str(err.value).startswith(f"{len(err.value.problems)} problem(s)")
    return err.value.problems


def test_a_firm_adds_a_pack_a_court_and_a_closure(tmp_path: Path) -> None:
    write(tmp_path, "rules/firm.yaml", GOOD_PACK)
    write(tmp_path, "courts/firm-court.yaml", COURT)
    book = load_rulebook([tmp_path])
    assert book.check() == []
    t = TriggerEvent(matter="F", event="mediation_set", date=date(2026, 6, 18), court="firm-court")
    [d] = book.compute(t)
    assert d.rule == "firm.mediation-brief" and d.due == date(2026, 6, 5)  # 06-08 is closed -> back to Fri
    assert d.timezone == "America/Chicago" and d.cite_short == "L.R. 16-8(b)"
    assert "summons_served" in book.events_for("firm-court")


def test_files_directly_in_the_firm_folder_are_read(tmp_path: Path) -> None:
    write(tmp_path, "firm.yaml", GOOD_PACK)
    write(tmp_path, "court.yaml", COURT)
    assert "firm-court" in load_rulebook([tmp_path]).court_ids()


def test_unknown_trigger(tmp_path: Path) -> None:
    write(tmp_path, "rules/firm.yaml", GOOD_PACK.replace("trigger: mediation_set", "trigger: mediaton_set"))
    [p] = problems(tmp_path)
    assert "firm.yaml: rule firm.mediation-brief: unknown trigger event 'mediaton_set'" in p


def test_missing_citation(tmp_path: Path) -> None:
    write(tmp_path, "rules/firm.yaml", GOOD_PACK.replace("    citation: Local Rule 16-8(b)\n", ""))
    [p] = problems(tmp_path)
    assert "firm.yaml: rule firm.mediation-brief: has no citation" in p


def test_overlapping_effective_dates(tmp_path: Path) -> None:
    pack = GOOD_PACK.replace("    days: 10\n", "    versions:\n      - {until: 2025-12-31, days: 10}\n"
                             "      - {from: 2025-06-01, days: 14}\n")
    write(tmp_path, "rules/firm.yaml", pack)
    [p] = problems(tmp_path)
    assert "firm.yaml: rule firm.mediation-brief: effective dates of its versions overlap" in p


def test_cycle_in_chains(tmp_path: Path) -> None:
    pack = GOOD_PACK + """
chains:
  - {id: firm.a, from: brief_served, event: brief_received, days: 3, citation: L.R. 1}
  - {id: firm.b, from: brief_received, event: brief_served, days: 3, citation: L.R. 2}
"""
    write(tmp_path, "rules/firm.yaml", pack)
    found = problems(tmp_path)
    assert any("firm.yaml: chain" in p and "cycle" in p and "firm.a" in p and "firm.b" in p for p in found)


def test_unknown_pack_in_court_and_bad_yaml(tmp_path: Path) -> None:
    write(tmp_path, "courts/x.yaml", COURT.replace("[firm, frcp]", "[frcp, nosuch]"))
    write(tmp_path, "rules/broken.yaml", "pack: [unclosed\n")
    found = problems(tmp_path)
    assert any("x.yaml: court firm-court: unknown rule pack 'nosuch'" in p for p in found)
    assert any("broken.yaml: cannot be read as YAML" in p for p in found)


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="docketd")
    cli_rules.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_rules_check_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["rules", "check"]) == 0
    book = load_rulebook()  # the shipped counts grow with every pack (issue 13 added tx, ny, fl, il)
    packs = {r.pack for r in book.rules()}
    want = f"OK: {len(packs)} packs, {len(book.rules())} rules, {len(book.court_ids())} courts"
    assert want in capsys.readouterr().out and len(packs) >= 7 and len(book.court_ids()) >= 110
    write(tmp_path, "rules/firm.yaml", GOOD_PACK.replace("trigger: mediation_set", "trigger: nope"))
    assert _cli(["rules", "check", "--rules-dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "unknown trigger event 'nope'" in out and "firm.yaml" in out


def test_rules_list_and_show(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(["rules", "list", "--court", "ca-superior"]) == 0
    out = capsys.readouterr().out
    assert "ca.msj-notice" in out and "frcp.answer" not in out
    assert _cli(["rules", "show", "ca.msj-notice"]) == 0
    out = capsys.readouterr().out
    assert "2025-01-01 to ..., 81 days" in out and "CCP 437c(a)(2)" in out
    assert main(["rules", "show", "nope.rule"]) == 2  # raised as a UsageError, reported by main


def test_missing_firm_folder_is_a_problem(tmp_path: Path) -> None:
    [p] = problems(tmp_path / "nope")
    assert "nope: the rules folder does not exist" in p
