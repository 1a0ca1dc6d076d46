"""The docketing-clerk audit: every hand-worked case of audit_cases.csv through `docketd preview --json`.

Each row of audit_cases.csv was worked out by hand from /work/shared/cases/RULES.md and README.md
(the `why` column says how); all rows go through the public path in one subprocess call. Rows whose
`why` says "flagged" must carry a flag naming a later date as the alternative.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.unit.engine.worked import load_cases, run_preview, unnamed_holidays

CASES = load_cases("audit_cases.csv")
ROOT = Path(__file__).resolve().parents[3]
CONTRACT_KEYS = {"matter", "rule", "title", "due", "time", "court", "citation", "trigger", "explanation", "flags"}


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """All audit rows as one intake file, computed once by `docketd preview --json`."""
    rows = ([f"T-{c['case']}", f"Case {c['case']}", c["court"], c["event"], c["date"], c["service"],
             "bars@example.com"] for c in CASES)
    return run_preview(tmp_path_factory.mktemp("audit"),
                       ["matter", "title", "court", "event", "date", "service", "attorney"], rows)


def _found(preview: dict[str, Any], case: dict[str, str]) -> list[dict[str, Any]]:
    return [d for d in preview["deadlines"] if d["matter"] == f"T-{case['case']}" and d["rule"] == case["rule"]]


def test_every_audit_case_has_the_hand_worked_date(preview: dict[str, Any]) -> None:
    """Exactly one deadline per case and rule, on the date worked out by hand."""
    wrong = []
    for c in CASES:
        found = _found(preview, c)
        dues = [d["due"] for d in found]
        if dues != [c["due"]]:
            trace = " | ".join(found[0]["explanation"]) if found else "no deadline"
            wrong.append(f"{c['case']} {c['rule']}: want {c['due']} got {dues} ({c['why']}) engine: {trace}")
    assert wrong == [], "\n".join(wrong)


def test_audit_cases_cover_every_rule_three_times() -> None:
    """At least three hand-worked cases for every rule id RULES.md requires."""
    rules_md = Path("/work/shared/cases/RULES.md")
    if not rules_md.is_file():
        pytest.skip("RULES.md is not on this machine")
    ids = {line.split("|")[1].strip() for line in rules_md.read_text(encoding="utf-8").splitlines()
           if line.startswith("| ") and line.split("|")[1].strip().startswith(("frcp.", "frap.", "ca."))}
    count = {i: sum(1 for c in CASES if c["rule"] == i) for i in ids}
    assert {i: n for i, n in count.items() if n < 3} == {}


def test_preview_contract_and_traces(preview: dict[str, Any]) -> None:
    """The DESIGN.md preview contract holds, and every trace ends at the due date it explains."""
    for c in CASES:
        (d,) = _found(preview, c)
        assert set(d) >= CONTRACT_KEYS, c["case"]
        assert d["court"] == c["court"] and d["time"] is None
        assert d["trigger"] == {"event": c["event"], "date": c["date"], "ref": None,
                                "service": c["service"] or None}
        assert d["citation"] and d["title"]
        assert any(d["due"] in line for line in d["explanation"]), (c["case"], d["explanation"])
        assert d["explanation"][0].endswith(".") and "(" in d["explanation"][0]


def test_flagged_cases_name_the_later_date(preview: dict[str, Any]) -> None:
    """Unsettled law or a missing service method: the earlier date is calendared, the later one named."""
    flagged = [c for c in CASES if "flagged" in c["why"]]
    assert len(flagged) >= 6
    for c in flagged:
        (d,) = _found(preview, c)
        alts = [f["alternative"] for f in d["flags"] if f["kind"] in ("ambiguous-law", "missing-service")]
        assert alts, (c["case"], d["flags"])
        assert all(date.fromisoformat(a) > date.fromisoformat(d["due"]) for a in alts), c["case"]
        assert any(a in " ".join(d["explanation"]) or a in f["action"] for a in alts for f in d["flags"])
    for c in CASES:
        (d,) = _found(preview, c)
        if not c["service"] and "missing" in c["why"]:
            assert any(f["kind"] == "missing-service" for f in d["flags"]), c["case"]
            assert any("Service method not given" in line for line in d["explanation"]), c["case"]


def test_unflagged_cases_carry_no_legal_doubt(preview: dict[str, Any]) -> None:
    """A case the rules settle carries no ambiguous-law or missing-service flag."""
    noisy = []
    for c in CASES:
        if "flagged" in c["why"] or "unsettled" in c["why"]:
            continue
        (d,) = _found(preview, c)
        kinds = [f["kind"] for f in d["flags"] if f["kind"] in ("ambiguous-law", "missing-service")]
        if kinds:
            noisy.append((c["case"], kinds))
    assert noisy == []




def test_every_holiday_a_count_skips_is_named(preview: dict[str, Any]) -> None:
    """A clerk names the holiday a roll or a court-day count passes over ("2026-02-16 (Mon) is ...")."""
    def trace(c: dict[str, str]) -> list[str]:
        (d,) = _found(preview, c)
        return list(d["explanation"])

    checked, unnamed = unnamed_holidays(CASES, trace)
    assert checked >= 60
    assert unnamed == [], "\n".join(unnamed)


def test_trace_examples_read_like_a_clerk(preview: dict[str, Any]) -> None:
    """Worked traces: named holidays, and a court-day extension counted from the unrolled end."""
    def trace(case: str) -> list[str]:
        (d,) = _found(preview, next(c for c in CASES if c["case"] == case))
        return list(d["explanation"])

    assert ("21 days after -> 2026-02-14 (Sat), not a court day; 2026-02-16 (Mon) is Washington's Birthday "
            "(Presidents' Day) -> 2026-02-17 (Tue) [FRCP 6(a)(1)(C)].") in trace("AU001")
    # CCP 1013(e): +2 court days from the unrolled end (Lincoln Day 2026-02-12), so no roll is shown first.
    assert trace("AU118")[1:] == [
        "30 days after -> 2026-02-12 (Thu) [CCP 12].",
        "Fax service: 2 court days later, counted from 2026-02-12 (Thu) -> 2026-02-17 (Tue) (not counted: "
        "2026-02-16 (Mon) is Washington's Birthday (Presidents' Day)) [CCP 1013(e)].",
    ]
    assert ("2026-02-16 (Mon), Washington's Birthday (Presidents' Day), not a court day -> previous court day "
            "2026-02-13 (Fri) [CCP 12c].") in trace("AU161")
    assert any("2026-11-11 (Wed) is Veterans Day" in line for line in trace("AU132"))


def test_a_service_method_the_period_ignores_is_said_so(preview: dict[str, Any]) -> None:
    """Mail service of a notice of entry does not extend the time to appeal, and the trace says why."""
    (d,) = _found(preview, next(c for c in CASES if c["case"] == "AU167"))
    assert ("The service method (mail) adds no time to this period [CRC 8.104(a)(1)(B)]. CCP 1013 does not extend "
            "the time to appeal (CRC 8.104(b)).") in d["explanation"]
    (d,) = _found(preview, next(c for c in CASES if c["case"] == "AU028"))
    assert "The service method (mail) adds no time to this period [FRCP 50(b)]." in d["explanation"]


def test_missing_service_flag_names_the_latest_date(preview: dict[str, Any]) -> None:
    """The calendar entry carries the flag message: it must say how late the date could be."""
    (d,) = _found(preview, next(c for c in CASES if c["case"] == "AU141"))
    (flag,) = [f for f in d["flags"] if f["kind"] == "missing-service"]
    assert d["due"] == "2026-10-15" and flag["alternative"] == "2026-11-04"
    assert "mail (international)" in flag["message"] and "2026-11-04" in flag["message"]


def test_preview_reports_bad_rows_and_keeps_good_ones(tmp_path: Path) -> None:
    """Exit 1 when a row is rejected; the good rows are still computed; errors name row and column."""
    intake = tmp_path / "mixed.csv"
    intake.write_text("matter,court,event,date,service\n"
                      "A,federal,summons_served,2026-01-05,personal\n"
                      "B,federal,summons_served,2026-13-05,personal\n"
                      "C,federal,summons_served,2026-01-05,carrier-pigeon\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "daemon.cli", "preview", str(intake), "--json"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    assert p.returncode == 1, p.stderr[-2000:]
    out = json.loads(p.stdout)
    assert [d["due"] for d in out["deadlines"] if d["rule"] == "frcp.answer"] == ["2026-01-26"]
    assert [(e["row"], e["column"]) for e in out["errors"]] == [(3, "date"), (4, "service")]
    assert all(e["message"].endswith(".") and e["file"] for e in out["errors"])
