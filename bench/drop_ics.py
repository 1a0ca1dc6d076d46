"""Drop -> .ics latency: `docketd run` (embedded default) as a subprocess, files dropped one at a time.

Each drop is one new matter (4-5 rows, 10 deadlines) for one of ten attorneys in turn, written with
open/write/close straight into the inbox. The clock starts right after close() and stops when that
attorney's .ics file holds the matter (all.ics follows in its own lane, coalesced): the file is
replaced atomically, so a changed inode means a new version.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from bench.report import percentile
from bench.state import settled
from bench.workload import csv_text, people, rows_for
from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config

POLL_SECONDS = 0.0002


@dataclass
class DropResult:
    """Latencies (seconds) of one run's drops."""

    latencies: list[float]

    @property
    def p50(self) -> float:
        """Median latency."""
        return percentile(self.latencies, 50)

    @property
    def p95(self) -> float:
        """95th percentile latency."""
        return percentile(self.latencies, 95)


def _wait_for(path: Path, needle: bytes, timeout: float = 30.0) -> float:
    """Poll the file's inode until a new version contains needle; returns perf_counter() at that moment."""
    end = time.perf_counter() + timeout
    last: tuple[int, int] | None = None
    while time.perf_counter() < end:
        try:
            st = os.stat(path)
            sig = (st.st_ino, st.st_mtime_ns)
        except FileNotFoundError:
            sig = None
        if sig is not None and sig != last:
            last = sig
            try:
                if needle in path.read_bytes().replace(b"\r\n ", b""):
                    return time.perf_counter()
            except FileNotFoundError:
                last = None
        time.sleep(POLL_SECONDS)
    raise TimeoutError(f"{path} did not show {needle!r} within {timeout} s")


def _preloaded(tmp: Path) -> bool:
    if not (tmp / "var" / "processed" / "preload.csv").exists():
        return False
    return settled(tmp / "var" / "state.db")


def run(today: date, drops: int = 50, preload_matters: int = 0, pause: float = 0.0) -> DropResult:
    """Start the daemon, drop `drops` files one by one, return the latencies (seconds) and p50/p95.

    With `preload_matters`, the calendars already hold that many matters (dropped as one file
    before the daemon starts, and fully written) when the timed drops begin. `pause` seconds pass
    between one drop showing up and the next drop.
    """
    with tempfile.TemporaryDirectory(prefix="docketd-bench-drop-") as tmp_name:
        tmp = Path(tmp_name)
        attorneys = people(10)
        cfg = write_config(tmp)
        inbox = tmp / "var" / "inbox"
        daemon = DaemonProcess(cfg, tmp)
        try:
            if preload_matters:
                (inbox / "preload.csv").write_text(csv_text(rows_for(preload_matters, today, attorneys, prefix="P")),
                                                   encoding="utf-8")
            daemon.start(timeout=600)
            if preload_matters:
                wait_until(lambda: _preloaded(tmp), timeout=1800, interval=0.2, what="the preload")
            latencies: list[float] = []
            for i in range(drops):
                rows = rows_for(1, today, attorneys, start=i, prefix="D")
                person_ics = tmp / "var" / "calendars" / f"{rows[0].attorney}.ics"
                text = csv_text(rows).encode("utf-8")
                with open(inbox / f"drop-{i:03d}.csv", "wb") as f:
                    f.write(text)
                t0 = time.perf_counter()
                try:
                    t1 = _wait_for(person_ics, f"[{rows[0].matter}]".encode())
                except TimeoutError as exc:
                    raise TimeoutError(f"{exc}; daemon log:\n{daemon.log[-3000:]}") from None
                latencies.append(t1 - t0)
                if os.environ.get("BENCH_DEBUG"):
                    print(i, round(t1 - t0, 4), flush=True)
                end = time.perf_counter() + pause
                while time.perf_counter() < end:
                    time.sleep(0.01)
            assert daemon.stop() == 0, daemon.log
        finally:
            daemon.close()
    return DropResult(latencies)


if __name__ == "__main__":
    from datetime import datetime

    r = run(datetime.now().date(), drops=10)
    print(f"p50 {r.p50:.4f} s, p95 {r.p95:.4f} s, max {max(r.latencies):.4f} s")
