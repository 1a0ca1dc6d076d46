"""Hand-worked cases for the federal courts, state holiday tables, FRAP 26(c)/40 and the California
history, through `docketd preview --json` (federal_cases.csv; the `why` column cites the rule text).

`alternative` is the later date an `ambiguous-law` flag must name (empty: no such flag); `explains` is
a phrase the trace must contain.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.unit.engine.worked import load_cases, run_preview

CASES = load_cases("federal_cases.csv")
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def preview(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """All rows as one intake file (with the lower_court column), computed once."""
    rows = ([f"F-{c['case']}", c["court"], c["lower_court"], c["event"], c["date"], c["service"]] for c in CASES)
    return run_preview(tmp_path_factory.mktemp("federal"), ["matter", "court", "lower_court", "event", "date",
                                                             "service"], rows)


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_hand_worked_case(preview: dict[str, Any], case: dict[str, str]) -> None:
    found = [d for d in preview["deadlines"] if d["matter"] == f"F-{case['case']}" and d["rule"] == case["rule"]]
    assert [d["due"] for d in found] == [case["due"]], case["why"]
    d = found[0]
    alts = [f["alternative"] for f in d["flags"] if f["kind"] == "ambiguous-law"]
    assert alts == ([case["alternative"]] if case["alternative"] else []), d["explanation"]
    if case["explains"]:
        assert case["explains"] in " ".join(d["explanation"]), d["explanation"]


def test_rehearing_before_the_amendment_cites_40a1(preview: dict[str, Any]) -> None:
    [d] = [d for d in preview["deadlines"] if d["matter"] == "F-F17" and d["rule"] == "frap.rehearing-petition"]
    assert d["citation"] == "Fed. R. App. P. 40(a)(1)"


def test_hearing_flag_reaches_preview(preview: dict[str, Any]) -> None:
    [d] = [d for d in preview["deadlines"] if d["matter"] == "F-F19" and d["rule"] == "frcp.pretrial-disclosures"]
    assert [f["kind"] for f in d["flags"]] == ["hearing-on-non-court-day"]


def test_unknown_lower_court_is_a_row_error(tmp_path: Path) -> None:
    intake = tmp_path / "bad.csv"
    intake.write_text("matter,court,lower_court,event,date\nX,ca2,nysdd,appellate_judgment_entered,2027-03-12\n"
                      "Y,nysd,nyed,summons_served,2027-03-12\n", encoding="utf-8")
    p = subprocess.run([sys.executable, "-m", "daemon.cli", "preview", str(intake), "--json", "--today", "2000-01-03"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=300,
                       env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    out = json.loads(p.stdout)
    assert p.returncode == 1 and "Traceback" not in p.stderr
    messages = " ".join(e["message"] for e in out["errors"])
    assert "nysdd" in messages and "not a district court id" in messages
    assert "not a court of appeals" in messages
