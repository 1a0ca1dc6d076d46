"""`docketd preview --json` throughput: 10,000 intake rows, as a subprocess, start-up subtracted.

Start-up (imports, rule packs, config) is measured on a one-row file from the same generator and
subtracted; wall and CPU time (the child's user + system, steadier on a shared machine) both count.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench import workload

ROWS = 10_000


@dataclass(frozen=True)
class Timing:
    """One `docketd preview` run."""

    wall: float
    cpu: float


def rows(n: int, today: date) -> list[workload.Row]:
    """n rows of bench matters (4-5 rows each), the same for every run."""
    out: list[workload.Row] = []
    i = 0
    while len(out) < n:
        out.extend(workload.matter_rows(i, today, workload.people(10), random.Random(i)))
        i += 1
    return out[:n]


def _run(path: Path, today: date) -> Timing:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "daemon.cli", "preview", "--json", "--today", today.isoformat(),
                           str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                          env={k: v for k, v in os.environ.items() if k != "DOCKETD_CONFIG"}, check=False)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"docketd preview failed: {done.stderr}")
    return Timing(wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime))


def run(today: date, repeats: int = 3) -> tuple[list[Timing], list[Timing]]:
    """(runs on 10,000 rows, runs on 1 row), interleaved so load changes hit both alike."""
    with tempfile.TemporaryDirectory(prefix="docketd-bench-preview-") as tmp:
        data = rows(ROWS, today)
        big = workload.write_csv(Path(tmp) / "rows.csv", data)
        one = workload.write_csv(Path(tmp) / "one.csv", data[:1])
        full, start = [], []
        for _ in range(repeats):
            full.append(_run(big, today))
            start.append(_run(one, today))
    return full, start
