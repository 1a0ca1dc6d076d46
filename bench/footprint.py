"""Footprint of a loaded daemon: building the store, start-up to READY, peak RSS and idle CPU.

The store is built through the real pipeline (`docketd sync --once` on intake files of 10,000
matters each); then `docketd run` starts on it as a subprocess with a real NOTIFY_SOCKET.
Calendars: none configured and no [ics] section, so the measurement is of docketd itself (the
store, the loop, the watcher), not of a calendar backend.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from bench.state import count
from bench.workload import PER_MATTER, people, rows_for, write_csv
from tests.e2e.daemon_proc import DaemonProcess, write_config

CLK_TCK = os.sysconf("SC_CLK_TCK")
FILE_MATTERS = 10_000


@dataclass
class Footprint:
    """What one store size measured."""

    matters: int
    deadlines: int
    build_seconds: float
    startups: list[float]
    new_day_startup_seconds: float
    peak_rss_mb: float  # a same-day start, then idle
    new_day_peak_rss_mb: float  # a start on a new day, measured after every matter was recomputed
    idle_cpu_seconds: float
    idle_window_seconds: float
    new_day_recompute_seconds: float = 0.0  # start until the chunked new-day recompute has finished

    @property
    def peak_rss(self) -> float:
        """The larger peak RSS of the two kinds of start, in MB."""
        return max(self.peak_rss_mb, self.new_day_peak_rss_mb)

    @property
    def startup_seconds(self) -> float:
        """Median time from exec to READY=1."""
        return float(statistics.median(self.startups))

    @property
    def idle_cpu_per_minute(self) -> float:
        """CPU seconds the idle daemon used, scaled to one minute."""
        return self.idle_cpu_seconds * 60.0 / self.idle_window_seconds


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process, from /proc/<pid>/stat (fields 14 and 15)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mb(pid: int) -> float:
    """VmHWM (the peak resident set) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    raise RuntimeError(f"/proc/{pid}/status has no VmHWM")


def config_without_calendars(folder: Path) -> Path:
    """A daemon config under folder/var with people but no calendar backend."""
    cfg = write_config(folder)
    text = cfg.read_text(encoding="utf-8").replace('[ics]\ndir = "var/calendars"\n', "")
    cfg.write_text(text, encoding="utf-8")
    return cfg


def build_store(folder: Path, matters: int, today: date) -> tuple[Path, float]:
    """Build a store of `matters` matters through `docketd sync --once`; returns (config, seconds)."""
    folder.mkdir(parents=True, exist_ok=True)
    cfg = config_without_calendars(folder)
    # Intake files hold at most 100,000 rows (daemon/intake/limits.py): 10,000 matters (~47,000 rows) each.
    for start in range(0, matters, FILE_MATTERS):
        write_csv(folder / "var" / "inbox" / f"bulk-{start // FILE_MATTERS:03d}.csv",
                  rows_for(min(FILE_MATTERS, matters - start), today, people(10), start=start))
    start_time = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "daemon.cli", "--config", str(cfg), "sync", "--once"],
                          cwd=folder, capture_output=True, text=True, timeout=3600)
    seconds = time.perf_counter() - start_time
    if done.returncode != 0:
        raise RuntimeError(f"sync --once failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    state = folder / "var" / "state.db"
    got = (count(state, "SELECT COUNT(*) FROM matters"), count(state, "SELECT COUNT(*) FROM deadlines"))
    if got != (matters, matters * PER_MATTER):
        raise RuntimeError(f"the store holds {got[0]} matters and {got[1]} deadlines, not {matters} and "
                           f"{matters * PER_MATTER}:\n{done.stdout[-2000:]}")
    return cfg, seconds


def _time_to_ready(daemon: DaemonProcess) -> float:
    start = time.perf_counter()
    daemon.start(timeout=1800)
    return time.perf_counter() - start


def measure(folder: Path, matters: int, today: date, idle_seconds: float, startups: int = 3) -> Footprint:
    """Build the store, start the daemon on it, watch it idle, stop it; then time more start-ups."""
    cfg, build = build_store(folder, matters, today)
    daemon = DaemonProcess(cfg, folder)
    times: list[float] = []
    try:
        times.append(_time_to_ready(daemon))
        assert daemon.proc is not None
        pid = daemon.proc.pid
        time.sleep(2.0)  # let start-up stragglers (first ticker turns) finish before the idle window
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        while time.perf_counter() - t0 < idle_seconds:
            time.sleep(0.5)  # DaemonProcess drains the notify socket in its own thread
        cpu1, t1 = cpu_seconds(pid), time.perf_counter()
        rss = peak_rss_mb(pid)
        assert daemon.stop() == 0, daemon.log
        for _ in range(startups - 1):
            times.append(_time_to_ready(daemon))
            assert daemon.stop() == 0, daemon.log
        # A start on the next day (as the loop turns at midnight): the store's last pass was the day before.
        # Its first chunk runs before READY; the pass recomputes what the date changes (every matter if
        # the rules or config changed; from a store marked 1970 nearly every matter: 56 years of dates moved).
        db = sqlite3.connect(folder / "var" / "state.db")
        with db:
            day = date.fromisoformat(_last_day(folder / "var" / "state.db"))
            before = (day - timedelta(days=1)).isoformat()
            db.execute("UPDATE kv SET value=? WHERE key='last_recompute_day'", (before,))
        db.close()
        started = time.perf_counter()
        new_day = _time_to_ready(daemon)
        assert daemon.proc is not None
        # The recompute goes in chunks after READY: wait until the day is marked done, then read the peak.
        state = folder / "var" / "state.db"
        while _last_day(state) == before:
            time.sleep(0.05)
        new_day_full = time.perf_counter() - started
        new_day_rss = peak_rss_mb(daemon.proc.pid)
        assert daemon.stop() == 0, daemon.log
    finally:
        daemon.close()
    return Footprint(matters, matters * PER_MATTER, build, times, new_day, rss, new_day_rss, cpu1 - cpu0,
                     t1 - t0, new_day_full)


def _last_day(state: Path) -> str:
    db = sqlite3.connect(state, timeout=30)
    try:
        row = db.execute("SELECT value FROM kv WHERE key='last_recompute_day'").fetchone()
    finally:
        db.close()
    return str(row[0]) if row else ""


if __name__ == "__main__":
    import tempfile
    from datetime import datetime

    with tempfile.TemporaryDirectory(prefix="docketd-bench-fp-") as tmp:
        n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
        fp = measure(Path(tmp), n, datetime.now().date(), idle_seconds=10)
        print(fp, round(fp.idle_cpu_per_minute, 4))
