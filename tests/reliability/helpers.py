"""Shared pieces of the reliability suite: intake files, configs, state readers and CLI runs."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
TZ = "America/Los_Angeles"


def today() -> date:
    """Today in the firm's zone (tests run the real daemon, which reads the real clock)."""
    return datetime.now(ZoneInfo(TZ)).date()


def intake_row(matter: str, served: date, event: str = "summons_served", status: str = "open") -> str:
    """One CSV intake row for a federal matter routed to jdoe (attorney) and pat (paralegal)."""
    return (f"{matter},Acme {matter} v. Widget,federal,{event},{served.isoformat()},personal,"
            f"jdoe@firm.com,pat@firm.com,{status}\n")


def intake_csv(matters: list[str], served: date | None = None) -> str:
    """A CSV with one summons_served row per matter."""
    day = served or today() + timedelta(days=3)
    return HEADER + "".join(intake_row(m, day) for m in matters)


def write_atomically(path: Path, text: str) -> None:
    """Write a file the way careful tools do: a dotted temp name, then a rename into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def db_rows(state: Path, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Run a read-only query against the state database (a fresh connection each time)."""
    con = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=30)
    try:
        return [tuple(r) for r in con.execute(sql, args)]
    finally:
        con.close()


def count(state: Path, table: str, where: str = "1=1") -> int:
    """Rows in one table of the state database (0 when the database does not exist yet)."""
    if not state.exists():
        return 0
    try:
        return int(db_rows(state, f"SELECT COUNT(*) FROM {table} WHERE {where}")[0][0])
    except sqlite3.OperationalError:
        return 0


def run_cli(config: Path, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    """Run `docketd --config CONFIG ARGS...` as a subprocess and capture its output."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "daemon.cli", "--config", str(config), *args],
                          cwd=cwd or config.parent, env=full_env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def status_json(config: Path) -> dict[str, object]:
    """`docketd status --json`, parsed."""
    out = run_cli(config, "status", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert isinstance(data, dict)
    return data
