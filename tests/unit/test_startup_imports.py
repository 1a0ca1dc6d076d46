"""A SQLite install never loads the PostgreSQL driver: importing psycopg cost every command, and the
daemon's start, a quarter of a second (make bench: start-up to READY 0.50 -> 0.65 s) once the state
layer learnt PostgreSQL (issue 16). It is imported only when `[state] url` names a PostgreSQL docket.
Likewise openpyxl loads only to read a workbook (every command imported it through daemon.intake)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """
import sys
from daemon.cli.main import main
import daemon.service.main  # the daemon's own modules too
code = main(["--config", sys.argv[1], "status"])
assert "psycopg" not in sys.modules, sorted(m for m in sys.modules if "psycopg" in m)
assert "openpyxl" not in sys.modules  # only a dropped workbook needs it (a fifth of `run`'s imports)
print("no psycopg", code)
"""


def test_commands_on_a_sqlite_docket_do_not_import_psycopg(tmp_path: Path) -> None:
    cfg = tmp_path / "docketd.toml"
    cfg.write_text('[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n', encoding="utf-8")
    out = subprocess.run([sys.executable, "-c", PROBE, str(cfg)], capture_output=True, text=True, cwd=tmp_path,
                         timeout=120, check=False)
    assert out.returncode == 0 and "no psycopg" in out.stdout, out.stdout + out.stderr
