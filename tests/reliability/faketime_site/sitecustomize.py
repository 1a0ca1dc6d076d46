"""Put on PYTHONPATH only for daemons run under libfaketime (tests/reliability/test_clock.py).

libfaketime with FAKETIME_DONT_FAKE_MONOTONIC=1 makes clock_nanosleep fail with EINVAL, so every
time.sleep raises; watchdog's inotify thread sleeps while pairing renames and died of it, and the
daemon now (rightly) stops when its inbox watcher dies. A condition-variable wait still works there.
This changes the test environment's broken sleep, nothing of docketd.
"""

import threading
import time

_real_sleep = time.sleep


def _sleep(seconds: float) -> None:
    try:
        _real_sleep(seconds)
    except OSError:
        threading.Event().wait(seconds)


time.sleep = _sleep
