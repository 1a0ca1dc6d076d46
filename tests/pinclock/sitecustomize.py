"""Start a Python subprocess on the day the test suite pins (tests/clock.py puts this folder first on
PYTHONPATH and sets DOCKETD_TEST_NOW).

time-machine moves the wall clock (time.time, datetime.now, date.today) to DOCKETD_TEST_NOW and lets
it tick at the real rate; monotonic time, sleeps and lock timeouts stay real. libfaketime cannot do
this for a threaded Python 3.11 process: with monotonic time real (Debian's 0.9.10) every time.sleep()
fails with EINVAL, and with it faked every lock wait with a timeout hangs.
"""

import os

_NOW = os.environ.get("DOCKETD_TEST_NOW")
if _NOW:
    import time_machine

    time_machine.travel(_NOW, tick=True).start()
