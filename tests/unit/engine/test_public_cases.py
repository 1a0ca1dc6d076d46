"""Every worked case of public_cases.csv (a copy of ../shared/cases/public.csv) through compute()."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

from daemon.engine import RuleBook
from daemon.models import TriggerEvent

CASES = list(csv.DictReader((Path(__file__).parent / "public_cases.csv").open(encoding="utf-8")))


@pytest.mark.parametrize("case", CASES, ids=[c["case"] for c in CASES])
def test_public_case(book: RuleBook, case: dict[str, str]) -> None:
    trigger = TriggerEvent(matter=f"T-{case['case']}", event=case["event"], court=case["court"],
                           date=date.fromisoformat(case["date"]), service=case["service"] or None)
    found = [d for d in book.compute(trigger) if d.rule == case["rule"]]
    trace = "\n".join(found[0].explanation if found else [])
    assert [d.due.isoformat() for d in found] == [case["due"]], trace
    d = found[0]
    assert d.trigger == trigger
    assert d.citation and d.cite_short and d.title
    assert d.explanation[0].startswith(d.explanation[0].split(" ")[0])
    assert d.due.isoformat() in d.explanation[-1] or any(d.due.isoformat() in x for x in d.explanation)
    assert d.kind == "deadline" and d.critical and d.time is None
    assert d.timezone == book.court(case["court"]).timezone


def test_public_cases_through_preview_json(tmp_path: Path) -> None:
    """The public path: intake rows -> `docketd preview --json` -> exactly one deadline per case and rule."""
    import json
    import subprocess
    import sys

    intake = tmp_path / "cases.csv"
    with intake.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["matter", "title", "court", "event", "date", "service", "attorney"])
        for c in CASES:
            w.writerow([f"T-{c['case']}", f"Case {c['case']}", c["court"], c["event"], c["date"],
                        c["service"], "bars@example.com"])
    root = Path(__file__).resolve().parents[3]
    p = subprocess.run([sys.executable, "-m", "daemon.cli", "preview", str(intake), "--json"],
                       capture_output=True, text=True, cwd=tmp_path, timeout=120,
                       env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), "HOME": str(tmp_path)})
    assert p.returncode == 0, p.stderr[-2000:]
    got: dict[tuple[str, str], list[str]] = {}
    for d in json.loads(p.stdout)["deadlines"]:
        got.setdefault((d["matter"], d["rule"]), []).append(d["due"])
    wrong = [c["case"] for c in CASES if got.get((f"T-{c['case']}", c["rule"])) != [c["due"]]]
    assert wrong == []
