"""The suite's pinned day reaches a subprocess: the mechanism every date-sensitive test relies on."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest

from tests.clock import HARD_DAYS, pinned_day, pinned_env


@pytest.mark.parametrize("day", [pinned_day(), *(date.fromisoformat(d) for d in HARD_DAYS)])
def test_a_subprocess_under_pinned_env_lives_on_the_pinned_day(day: date) -> None:
    # The CLI's own clock edge (daemon/cli/common.py today_for), in the firm's zone.
    code = ("from types import SimpleNamespace; from daemon.cli.common import today_for; "
            "print(today_for(SimpleNamespace(timezone='America/Los_Angeles')).date().isoformat())")
    out = subprocess.run([sys.executable, "-c", code], env=pinned_env(day), capture_output=True,
                         text=True, check=True, timeout=60)
    assert out.stdout.strip() == day.isoformat()


def test_the_pinned_day_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKETD_TEST_DAY", "2027-01-15")
    assert pinned_day() == date(2027, 1, 15)
    monkeypatch.delenv("DOCKETD_TEST_DAY")
    assert pinned_day() == date(2026, 12, 2)


def test_sleeps_and_timed_waits_work_under_the_pinned_clock() -> None:
    # Under libfaketime 0.9.10 (Debian 12) every time.sleep() of Python 3.11 fails with EINVAL when
    # monotonic time is left real (it killed the daemon's watchdog thread), and every timed lock wait
    # hangs for ever when it is faked: the reasons the pinned clock is time-machine's.
    code = ("import threading, time; time.sleep(0.01); threading.Event().wait(0.01); "
            "print('slept')")
    out = subprocess.run([sys.executable, "-c", code], env=pinned_env(), capture_output=True, text=True,
                         check=False, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "slept", out.stderr
