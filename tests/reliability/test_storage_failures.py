"""Issue 18 B11: a file is never rejected because docketd's own state cannot be written; it waits.

The daemon used to reject every dropped file with "attempt to write a readonly database ... check
the file opens", blaming the file. Here the real Service's real SQLite connection refuses writes
(PRAGMA query_only, SQLite's own read-only mode: the same SQLITE_READONLY error a 0444 file gives).
"""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import date
from pathlib import Path

from daemon.service.main import MAX_FILE_ATTEMPTS, Service
from daemon.state.store import SCHEMA_VERSION, Store
from tests.reliability.helpers import HEADER, ROOT, count, intake_row, plain_config, run_cli


def test_a_file_waits_in_the_inbox_while_the_state_cannot_be_written(tmp_path: Path) -> None:
    config = plain_config(tmp_path)
    svc = Service(config, tmp_path)
    try:
        dropped = tmp_path / "var" / "inbox" / "a.csv"
        dropped.write_text(HEADER + intake_row("2026-0142", date(2026, 1, 5)), encoding="utf-8")
        svc.store.db.execute("PRAGMA query_only=1")
        for _ in range(MAX_FILE_ATTEMPTS + 2):
            assert svc.handle_file(dropped) is None
        assert dropped.exists()
        assert list((tmp_path / "var" / "rejected").iterdir()) == []
        assert "cannot write its state" in svc.status_line()
        svc.store.db.execute("PRAGMA query_only=0")
        report = svc.handle_file(dropped)
        assert report is not None and report.status == "processed", report
        assert (tmp_path / "var" / "processed" / "a.csv").exists()
        assert "cannot write its state" not in svc.status_line()
    finally:
        svc.pool.close()
        svc.store.close()


def test_an_empty_state_file_is_refused_by_every_command_and_import_restores_into_it(tmp_path: Path) -> None:
    """B10: any command opening a 0-byte state.db used to turn it into a new, empty docket."""
    config = plain_config(tmp_path)
    state = tmp_path / "var" / "state.db"
    dropped = tmp_path / "var" / "inbox" / "a.csv"
    dropped.write_text(HEADER + intake_row("2026-0142", date(2026, 1, 5)), encoding="utf-8")
    assert run_cli(config, "sync", "--once").returncode == 0
    export = tmp_path / "backup.json"
    assert run_cli(config, "export", str(export)).returncode == 0
    for suffix in ("", "-wal", "-shm"):
        Path(f"{state}{suffix}").unlink(missing_ok=True)
    state.write_bytes(b"")  # a truncated database, e.g. a failed copy or a full disk
    for args in (("status",), ("sync", "--once"), ("export",)):
        out = run_cli(config, *args)
        assert out.returncode == 1, (args, out.stdout, out.stderr)
        assert f"{state} is empty (0 bytes)" in out.stderr and "docketd import" in out.stderr
        assert "Traceback" not in out.stderr
        assert state.stat().st_size == 0, args  # left as found
    out = run_cli(config, "import", str(export))
    assert out.returncode == 0, out.stderr
    assert count(state, "triggers", "matter='2026-0142'") == 1


# Killed the moment SQLite has opened the new state file, before any schema is written: the audit
# event fires right after sqlite3.connect() created the file on disk.
_KILL_AT_FIRST_OPEN = """
import os, signal, sys
from pathlib import Path
def hook(event, args):
    if event == "sqlite3.connect/handle":
        os.kill(os.getpid(), signal.SIGKILL)
sys.addaudithook(hook)
from daemon.state.store import Store
Store(Path(sys.argv[1]))
"""


def test_a_kill_while_the_first_state_is_created_leaves_nothing_the_next_start_refuses(tmp_path: Path) -> None:
    # Found by the kill -9 test once B10 refused 0-byte state files: a daemon killed during its very
    # first start left the 0-byte file SQLite creates before the schema, and never started again.
    # A new state database now appears whole (built beside it, then linked into place) or not at all.
    state = tmp_path / "var" / "state.db"
    state.parent.mkdir(parents=True)
    killed = subprocess.run([sys.executable, "-c", _KILL_AT_FIRST_OPEN, str(state)], cwd=ROOT,
                            capture_output=True, text=True, check=False, timeout=60)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not state.exists() or state.stat().st_size > 0
    store = Store(state)  # the next start: a new docket, not a refusal
    assert store.schema_version() == SCHEMA_VERSION
    store.close()
    leftovers = sorted(p.name for p in state.parent.iterdir() if p.name != "state.db")
    assert all(name.startswith(".state.db.new-") for name in leftovers), leftovers
