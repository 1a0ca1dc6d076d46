"""Shared by the worked-case tests: cases from a CSV, one `docketd preview --json` run over all of them,
and the clerk's check that a trace names every holiday it passes.

Each worked-case file is turned into one intake file and computed once through the public path, the
`preview --json` contract, in a clean environment (no config, no firm rules), with a fixed "today".
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
HERE = Path(__file__).parent
# "2026-02-16 (Mon) Presidents' Day" in a case's `why`: the holiday its trace must name.
HOLIDAY_IN_WHY = re.compile(r"(\d{4}-\d\d-\d\d) (Mon|Tue|Wed|Thu|Fri) ([A-Z][A-Za-z' ]+)")


def load_cases(name: str) -> list[dict[str, str]]:
    """The rows of a worked-case CSV beside these tests."""
    with (HERE / name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def run_preview(tmp: Path, header: Sequence[str], rows: Iterable[Sequence[str]],
                today: str | None = "2000-01-03") -> dict[str, Any]:
    """Write one intake CSV and return what `docketd preview --json` computes for it (no row may fail)."""
    intake = tmp / "cases.csv"
    with intake.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    args = [sys.executable, "-m", "daemon.cli", "preview", str(intake), "--json"]
    if today:
        args += ["--today", today]
    p = subprocess.run(args, capture_output=True, text=True, cwd=tmp, timeout=300,
                       env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp)})
    assert p.returncode == 0, p.stderr[-2000:]
    out: dict[str, Any] = json.loads(p.stdout)
    assert out["errors"] == []
    return out


def unnamed_holidays(cases: Iterable[dict[str, str]],
                     trace_of: Callable[[dict[str, str]], list[str]]) -> tuple[int, list[str]]:
    """(holidays checked, the ones a case's `why` names that its trace does not)."""
    unnamed, checked = [], 0
    for c in cases:
        trace = " ".join(trace_of(c))
        for day, wd, name in HOLIDAY_IN_WHY.findall(c["why"]):
            checked += 1
            if f"{day} ({wd})" not in trace:
                unnamed.append(f"{c['case']}: {day} {name.strip()} not named in: {trace}")
    return checked, unnamed
