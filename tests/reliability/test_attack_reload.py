"""Issue 18 B7: SIGHUP with a wrongly typed config value once stopped the daemon; now it keeps running.

The daemon runs as a real subprocess; each broken config is written, SIGHUP sent, and the daemon must
log the error, keep the old config, and go on ingesting.
"""

from __future__ import annotations

import signal
from pathlib import Path

from tests.e2e.daemon_proc import wait_until
from tests.reliability.helpers import clean_stop, count, daemon, intake_csv, plain_config, write_atomically

BROKEN = ['[routing]\ndefault = [14]\n', '[intake]\nheaders = "x"\n', '[routing]\ndefault = "jdoe@firm.com"\n']


def test_sighup_with_wrong_types_keeps_the_old_config(tmp_path: Path) -> None:
    cfg = plain_config(tmp_path)
    good = cfg.read_text(encoding="utf-8")
    var = tmp_path / "var"
    d = daemon(cfg)
    try:
        d.start()
        assert d.proc is not None
        broken = [good.replace("verify_minutes = 0\n", 'verify_minutes = 0\nbatch_size = "ten"\n'),
                  *(good + "\n" + extra for extra in BROKEN)]
        for n, text in enumerate(broken, start=1):
            cfg.write_text(text, encoding="utf-8")
            d.proc.send_signal(signal.SIGHUP)
            wait_until(lambda n=n: d.log.count("Config reload failed") >= n or d.proc.poll() is not None,
                       timeout=30, what=f"reload {n} refused")
            assert d.proc.poll() is None, f"docketd stopped on SIGHUP:\n{d.log[-4000:]}"
        assert "Traceback" not in d.log and "stopped cleanly" not in d.log
        assert "batch_size = 'ten' must be a whole number" in d.log
        # Still ingesting on the old config.
        write_atomically(var / "inbox" / "after.csv", intake_csv(["2026-0501"]))
        wait_until(lambda: count(var / "state.db", "files", "status='processed'") == 1, timeout=30,
                   what="a file processed after the refused reloads")
        clean_stop(d)
    finally:
        d.close()
