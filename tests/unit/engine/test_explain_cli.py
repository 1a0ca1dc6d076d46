"""`docketd explain MATTER [RULE]` prints the stored trace (the daemon run once as a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CONFIG = """
[daemon]
inbox = "inbox"
state = "state.db"
timezone = "America/Los_Angeles"
[ics]
dir = "cal"
[routing]
default = ["a@firm.com"]
[people."a@firm.com"]
name = "A"
"""


def docketd(tmp: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "daemon.cli", "--config", str(tmp / "docketd.toml"), *argv],
                          capture_output=True, text=True, cwd=tmp, timeout=120)


def test_explain_prints_the_stored_trace(tmp_path: Path) -> None:
    (tmp_path / "docketd.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    (tmp_path / "inbox" / "a.csv").write_text(
        "matter,court,event,date,service,attorney\n"
        "2026-0001,federal,interrogatories_served,2026-03-05,mail,a@firm.com\n", encoding="utf-8")
    assert docketd(tmp_path, "sync", "--once").returncode == 0
    p = docketd(tmp_path, "explain", "2026-0001", "frcp.interrogatory-responses")
    assert p.returncode == 0, p.stderr
    assert "Interrogatory responses due: 2026-04-09  [FRCP 33(b)(2)]" in p.stdout
    assert "  Mail service: +3 days after the period expires -> 2026-04-09 (Thu) [FRCP 6(d)]." in p.stdout
    assert "frcp.interrogatory-responses/draft" in p.stdout
    p = docketd(tmp_path, "explain", "2026-9999")
    assert p.returncode == 1 and "no stored deadlines for matter 2026-9999" in p.stderr
