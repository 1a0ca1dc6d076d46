"""Results depend on neither the machine's time zone nor its clock."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SCRIPT = r"""
import csv, json, sys
from datetime import date, time
from daemon.engine import load_rulebook
from daemon.models import TriggerEvent
book = load_rulebook()
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
out = []
for r in rows:
    for service in (r["service"] or None, None, "mail"):
        t = TriggerEvent(matter=r["case"], event=r["event"], date=date.fromisoformat(r["date"]),
                         court=r["court"], service=service, time=time(9, 0))
        out += [d.as_preview() for d in book.compute(t)]
t = TriggerEvent(matter="late", event="judgment_entered", date=date(2025, 12, 31), court="cand")
out += [d.as_preview() for d in book.compute(t)]
print(json.dumps(out, sort_keys=True))
"""


def _run(tz: str) -> list[object]:
    env = dict(os.environ, TZ=tz, PYTHONPATH=str(ROOT))
    p = subprocess.run([sys.executable, "-c", SCRIPT, str(Path(__file__).parent / "public_cases.csv")],
                       capture_output=True, text=True, env=env, cwd=str(ROOT), timeout=120, check=True)
    return json.loads(p.stdout)  # type: ignore[no-any-return]


def test_same_results_in_far_flung_time_zones() -> None:
    utc = _run("UTC")
    assert len(utc) > 50
    assert _run("Pacific/Kiritimati") == utc  # UTC+14
    assert _run("America/Adak") == utc  # UTC-10 / -9, with DST


def test_engine_never_reads_the_clock() -> None:
    clock = re.compile(r"\b(date\.today|datetime\.now|datetime\.utcnow|time\.time|time\.localtime)\s*\(")
    for path in (ROOT / "daemon" / "engine").glob("*.py"):
        assert not clock.search(path.read_text(encoding="utf-8")), f"{path} reads the clock"
