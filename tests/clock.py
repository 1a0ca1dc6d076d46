"""The test suite's one "today", and the environment that gives a subprocess the same day.

No test reads the real date. A test that needs "today" takes it from `pinned_day()`; a daemon or CLI
subprocess whose behaviour depends on the day runs with its wall clock started on that day
(`pinned_env()`, through time-machine; tests/pinclock/sitecustomize.py says why not libfaketime), so
the test and the daemon agree on the day whatever day the suite runs.

`make test` runs the date-sensitive suites once more under each day of `HARD_DAYS` (set through
$DOCKETD_TEST_DAY): days around holidays, weekends and the year end, where deadlines roll.
"""

from __future__ import annotations

import glob
import os
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

# The default day: the day issue 20 was reported on, a Wednesday whose 21-day answer period ends on
# the Monday after Christmas (both a weekend and a holiday roll), the case that once broke the suite.
DEFAULT_DAY = "2026-12-02"

# Re-run days (Makefile `test-days`): Christmas Eve, New Year's Eve, and the Friday before Martin
# Luther King Jr. Day 2027 (a Monday federal holiday, 5 U.S.C. 6103(a)).
HARD_DAYS = ("2026-12-24", "2026-12-31", "2027-01-15")

PINCLOCK = Path(__file__).resolve().parent / "pinclock"
LIBFAKETIME = sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")
                     + glob.glob("/usr/lib/faketime/libfaketime.so.1"))


def pinned_day() -> date:
    """The day every date-sensitive test runs on: $DOCKETD_TEST_DAY, else DEFAULT_DAY."""
    return date.fromisoformat(os.environ.get("DOCKETD_TEST_DAY") or DEFAULT_DAY)


_STARTED = time.monotonic()


def pinned_now() -> datetime:
    """Now (UTC) on the pinned day: 20:00 UTC, as pinned_env gives a subprocess, ticking on at the real rate.

    The fake Google and Microsoft services stamp their events' change times with it, so a fake server's
    clock agrees with the pinned daemon's whatever day the suite runs."""
    start = datetime.combine(pinned_day(), datetime.min.time(), UTC) + timedelta(hours=20)
    return start + timedelta(seconds=time.monotonic() - _STARTED)


def pinned_env(day: date | None = None) -> dict[str, str]:
    """Environment for a Python subprocess whose wall clock starts at noon (Los Angeles) on `day`.

    tests/pinclock/sitecustomize.py starts time-machine in the subprocess: 20:00 UTC is noon or 1 p.m.
    in Los Angeles, the same calendar day in every zone the tests configure, and the clock ticks on at
    the real rate. Monotonic time, sleeps and timeouts stay real.
    """
    start = (day or pinned_day()).isoformat()
    path = os.pathsep.join(p for p in (str(PINCLOCK), os.environ.get("PYTHONPATH", "")) if p)
    return {"DOCKETD_TEST_NOW": f"{start}T20:00:00+00:00", "PYTHONPATH": path}


def require_libfaketime() -> str:
    """The libfaketime library (the midnight and DST tests jump the clock with it); a test that needs
    it fails, never skips, when it is missing."""
    if not LIBFAKETIME:
        pytest.fail("libfaketime is missing: run `make system-deps` (Debian's faketime package).")
    return LIBFAKETIME[0]
