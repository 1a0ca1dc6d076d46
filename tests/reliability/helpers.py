"""Shared pieces of the reliability suite: intake files, configs, state readers and CLI runs."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from tests.clock import pinned_day, pinned_env
from tests.e2e.daemon_proc import DaemonProcess

ROOT = Path(__file__).resolve().parents[2]
HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
TZ = "America/Los_Angeles"


def today() -> date:
    """The pinned day: the daemons and CLIs these tests start run on it too (time-machine, tests/clock.py)."""
    return pinned_day()


def _pinned(env: dict[str, str] | None) -> dict[str, str]:
    """`env` on top of the pinned-day clock, unless the caller moves the clock itself."""
    env = dict(env or {})
    return env if "LD_PRELOAD" in env else {**pinned_env(), **env}


def intake_row(matter: str, served: date, event: str = "summons_served", status: str = "open",
               attorney: str = "jdoe@firm.com") -> str:
    """One CSV intake row for a federal matter routed to an attorney (jdoe) and pat (paralegal)."""
    return (f"{matter},Acme {matter} v. Widget,federal,{event},{served.isoformat()},personal,"
            f"{attorney},pat@firm.com,{status}\n")


def spread_day(n: int) -> date:
    """A served date for the n-th test matter: spread over the years ahead, as a real docket is.

    (Thousands of matters served the same day for one attorney make every intake re-flag every
    matter as a conflict; that load is measured in docs/reliability.md, not used in fault tests.)
    """
    return today() + timedelta(days=3 + (n * 7) % 1500)


def intake_csv(matters: list[str], served: date | None = None, first: int = 0) -> str:
    """A CSV with one summons_served row per matter (served dates spread unless one is given)."""
    return HEADER + "".join(intake_row(m, served or spread_day(first + i),
                                       attorney=f"atty{(first + i) % 40}@firm.com")
                            for i, m in enumerate(matters))


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
    full_env.update(_pinned(env))
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


PLAIN_CONFIG = """\
[daemon]
inbox = "var/inbox"
state = "var/state.db"
timezone = "America/Los_Angeles"

[sync]
verify_minutes = 0
{sync}
[people."jdoe@firm.com"]
name = "Jane Doe"
{jdoe}
[people."pat@firm.com"]
name = "Pat Paralegal"
"""


def plain_config(tmp: Path, extra_toml: str = "", jdoe_calendars: list[str] | None = None,
                 sync: str = "") -> Path:
    """A config with no .ics output (intake-only tests stay fast); `sync` lines go under [sync]."""
    cals = "" if not jdoe_calendars else "calendars = [" + ", ".join(f'"{c}"' for c in jdoe_calendars) + "]\n"
    path = tmp / "docketd.toml"
    path.write_text(PLAIN_CONFIG.format(jdoe=cals, sync=sync) + "\n" + extra_toml, encoding="utf-8")
    (tmp / "var" / "inbox").mkdir(parents=True, exist_ok=True)
    return path


def clean_stop(d: DaemonProcess, timeout: float = 30.0) -> None:
    """SIGTERM and expect exit 0; if it hangs, SIGABRT dumps every thread's stack into the failure."""
    assert d.proc is not None
    d.proc.send_signal(signal.SIGTERM)
    try:
        code = d.proc.wait(timeout)
    except subprocess.TimeoutExpired:
        d.proc.send_signal(signal.SIGABRT)  # PYTHONFAULTHANDLER=1 prints the stacks
        d.stop()
        raise AssertionError(f"docketd did not stop within {timeout} s of SIGTERM:\n{d.log[-8000:]}") \
            from None
    d.stop()
    assert code == 0, f"docketd exited with {code}:\n{d.log[-4000:]}"


def daemon(config: Path, env: dict[str, str] | None = None) -> DaemonProcess:
    """A DaemonProcess for `config` with fault-handler stack dumps on SIGABRT."""
    return DaemonProcess(config, config.parent, env=_pinned({"PYTHONFAULTHANDLER": "1", **(env or {})}))


def spawn(d: DaemonProcess) -> None:
    """Start the daemon without waiting for READY (start-up work can then be interrupted too)."""
    env = dict(os.environ)
    env.update({"NOTIFY_SOCKET": d.sock_path, "PYTHONUNBUFFERED": "1"})
    env.update(d.env)
    d.notifications.clear()
    d._log = d.log_path.open("ab")
    d.proc = subprocess.Popen([sys.executable, "-m", "daemon.cli", "--config", str(d.config), "run"],
                              cwd=d.cwd, env=env, stdout=d._log, stderr=subprocess.STDOUT)


def closed_port() -> int:
    """A local TCP port nothing listens on: connections to it are refused at once."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = int(s.getsockname()[1])
    s.close()
    return port
