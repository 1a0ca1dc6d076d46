"""Google cost and speed: `docketd run` against the local Calendar v3 fake, 50 ms added per request.

The fake enforces a per-user quota (its default, 600 calls per user per minute, batch parts counted one
by one, as Google does); the connector keeps its own defaults (600/minute, up to 100 calls per batch).
Every HTTP request reaching the fake is counted at its front door, by kind: OAuth token, batch, or
single API call. Ten people, each with their own Google calendar reached through one service account
with domain-wide delegation (one token per person).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bench.state import settled, settled_pg
from bench.workload import PER_MATTER, csv_text, people, rows_for, write_csv
from tests.e2e.daemon_proc import DaemonProcess, write_config
from tests.fakes.google_calendar import FakeGoogle, _HttpHandler
from tests.fakes.google_keys import SA_EMAIL, make_service_account_key

LATENCY_MS = 50


class CountingFake(FakeGoogle):
    """The Google fake, counting every HTTP request it receives (by kind)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.http: Counter[str] = Counter()
        self._count_lock = threading.Lock()

    def start(self, port: int = 0) -> FakeGoogle:
        """Listen like FakeGoogle, behind a counting front door."""
        super().start(port)
        server = self._server
        assert server is not None
        fake = self
        base: type[_HttpHandler] = server.RequestHandlerClass  # type: ignore[assignment]

        class _Counting(base):  # type: ignore[valid-type,misc]
            def _handle(self) -> None:
                path = self.path.split("?", 1)[0]
                kind = "token" if path == "/token" else "batch" if path.startswith("/batch/") else \
                    f"{self.command} single"
                with fake._count_lock:
                    fake.http[kind] += 1
                super()._handle()

        server.RequestHandlerClass = _Counting
        return self

    def snapshot(self) -> tuple[Counter[str], int]:
        """(HTTP requests by kind, successful writes) so far."""
        with self._count_lock:
            return Counter(self.http), self.write_count


def google_config(folder: Path, fake: FakeGoogle, persons: list[str], state_url: str | None = None) -> Path:
    """A daemon config routing each person to their own Google calendar on the fake (no .ics)."""
    key = folder / "sa.json"
    fake.add_service_account(SA_EMAIL, make_service_account_key(key, fake.token_uri, SA_EMAIL))
    extra = []
    for i, person in enumerate(persons):
        extra.append(f'[people."{person}"]\ncalendars = ["g{i}"]\n\n[calendars.g{i}]\nkind = "google"\n'
                     f'auth = "service-account"\ncredentials = "{key}"\nsubject = "{person}"\n'
                     f'calendar_id = "primary"\napi_endpoint = "{fake.url}"\n')
    if state_url:
        extra.append(f'[state]\nurl = "{state_url}"\n')
    cfg = write_config(folder, "\n".join(extra))
    text = cfg.read_text(encoding="utf-8").replace('[ics]\ndir = "var/calendars"\n', "")
    cfg.write_text(text, encoding="utf-8")
    return cfg


def _settled(folder: Path, name: str, state_url: str | None = None) -> bool:
    """The file was processed and everything it caused was written."""
    if not (folder / "var" / "processed" / name).exists():
        return False
    return settled_pg(state_url) if state_url else settled(folder / "var" / "state.db")


def _wait(daemon: DaemonProcess, done: Any, timeout: float, what: str, interval: float = 0.005) -> float:
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        if done():
            return time.perf_counter()
        time.sleep(interval)  # DaemonProcess drains the notify socket in its own thread
    raise TimeoutError(f"timed out after {timeout} s waiting for {what}:\n{daemon.log[-3000:]}")


@dataclass
class LoadResult:
    """An initial load and the no-op resync after it."""

    deadlines: int
    events: int
    seconds: float
    http: dict[str, int]
    resync_http: dict[str, int]
    resync_writes: int
    drop_latencies: list[float] = field(default_factory=list)

    @property
    def requests(self) -> int:
        """Every HTTP request of the load, tokens included."""
        return sum(self.http.values())


def _events_of(fake: FakeGoogle, persons: list[str], needle: str) -> int:
    return sum(1 for p in persons for e in fake.events(p)
               if needle in str(e.get("summary", "")) and e.get("status") != "cancelled")


def run(today: date, scale: int = 1, drops: int = 0, state_url: str | None = None) -> LoadResult:
    """Initial load of 1,000*scale deadlines for 10 people; then `drops` single-matter drops; then resync.

    `state_url` keeps the docket on PostgreSQL instead of the SQLite file (issue 16's comparison).
    """
    persons = people(10)
    matters = 100 * scale
    with tempfile.TemporaryDirectory(prefix="docketd-bench-google-") as tmp_name, \
            CountingFake(latency_ms=LATENCY_MS) as fake:
        tmp = Path(tmp_name)
        assert isinstance(fake, CountingFake)
        cfg = google_config(tmp, fake, persons, state_url)
        daemon = DaemonProcess(cfg, tmp)
        latencies: list[float] = []
        try:
            daemon.start(timeout=120)
            before, _ = fake.snapshot()
            write_csv(tmp / "var" / "inbox" / "load.csv", rows_for(matters, today, persons))
            t0 = time.perf_counter()
            t1 = _wait(daemon, lambda: _settled(tmp, "load.csv", state_url), 1800, "the initial load", interval=0.02)
            after, _ = fake.snapshot()
            events = sum(len(fake.events(p)) for p in persons)
            for i in range(drops):
                rows = rows_for(1, today, persons[:1], start=i, prefix="G")
                with open(tmp / "var" / "inbox" / f"g-{i:03d}.csv", "wb") as f:
                    f.write(csv_text(rows).encode("utf-8"))
                d0 = time.perf_counter()
                needle = f"[{rows[0].matter}]"
                d1 = _wait(daemon, lambda n=needle: _events_of(fake, persons[:1], n) >= PER_MATTER,
                           60, f"{needle} in the fake")
                latencies.append(d1 - d0)
                _wait(daemon, lambda n=f"g-{i:03d}.csv": _settled(tmp, n, state_url), 60, "the drop to settle")
                time.sleep(0.6)  # a person drops the next file later (see docs/benchmarks.md)
            assert daemon.stop() == 0, daemon.log
        finally:
            daemon.close()
        r0, w0 = fake.snapshot()
        done = subprocess.run([sys.executable, "-m", "daemon.cli", "--config", str(cfg), "sync", "--once"],
                              cwd=tmp, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"sync --once failed:\n{done.stdout}\n{done.stderr}")
        r1, w1 = fake.snapshot()
    return LoadResult(deadlines=matters * PER_MATTER, events=events, seconds=t1 - t0,
                      http=dict(after - before), resync_http=dict(r1 - r0), resync_writes=w1 - w0,
                      drop_latencies=latencies)


if __name__ == "__main__":
    from datetime import datetime

    res = run(datetime.now().date(), int(sys.argv[1]) if len(sys.argv) > 1 else 1, drops=5)
    print(res, res.requests)
