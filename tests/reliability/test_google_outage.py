"""The calendar service is down (connection refused, then 503s), then back: work waits and drains."""

from __future__ import annotations

import socket
from pathlib import Path

from tests.e2e.daemon_proc import wait_until
from tests.reliability.google_env import FakeGoogleOnPort, docketd_key, google_config, live_events
from tests.reliability.helpers import (
    HEADER,
    clean_stop,
    count,
    daemon,
    intake_row,
    run_cli,
    spread_day,
    status_json,
)

CAL = "outage-docket@group.calendar.google.com"
MATTERS = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _waiting(config: Path) -> int:
    outbox = status_json(config)["outbox"]
    assert isinstance(outbox, dict)
    return int(outbox.get("jdoe-google", {}).get("pending", 0))


def test_outage_refused_then_503_then_back_drains_without_a_manual_step(tmp_path: Path) -> None:
    port = _free_port()
    fake = FakeGoogleOnPort(rate_limit_per_minute=10**9)
    cfg = google_config(tmp_path, fake, CAL, root=f"http://127.0.0.1:{port}/",
                        sync="max_backoff_seconds = 1\n")
    state = tmp_path / "var" / "state.db"
    rows = "".join(intake_row(f"2026-{n:04d}", spread_day(n)) for n in range(MATTERS))
    d = daemon(cfg)
    try:
        d.start()
        (tmp_path / "var" / "inbox" / "intake.csv").write_text(HEADER + rows, encoding="utf-8")

        # 1. Connection refused (nothing listens on the port): the work waits in the outbox.
        wait_until(lambda: count(state, "outbox", "attempts >= 2") >= MATTERS, timeout=30,
                   what="retries while the service refuses connections")
        assert _waiting(cfg) == MATTERS
        text = run_cli(cfg, "status").stdout
        assert f"Calendar jdoe-google: {MATTERS} changes waiting, 0 failed." in text
        errors = status_json(cfg)["last_errors"]
        assert isinstance(errors, list) and errors and "will retry" in str(errors[0]["last_error"])

        # 2. The service answers again, but with 503 Service Unavailable to every call.
        fake.fail_rate(1.0, kinds=("503",))
        fake.start_on(port)
        before = count(state, "outbox", "attempts >= 4")
        wait_until(lambda: fake.request_count >= 3 and count(state, "outbox", "attempts >= 4") >= MATTERS,
                   timeout=30, what="retries against 503 answers")
        assert before <= MATTERS and _waiting(cfg) == MATTERS
        assert live_events(fake, CAL) == {}
        last = str(status_json(cfg)["last_errors"])
        assert "Backend Error" in last or "503" in last

        # 3. Back to normal: the outbox drains by itself.
        fake.fail_rate(0.0)
        wait_until(lambda: count(state, "outbox") == 0, timeout=30, what="the outbox drained")
        assert d.proc is not None and d.proc.poll() is None  # alive throughout
        clean_stop(d)
    finally:
        d.close()
        fake.stop()
    events = live_events(fake, CAL)
    assert len(events) == MATTERS
    keys = [docketd_key(e) for e in events.values()]
    assert len(set(keys)) == MATTERS
    assert count(state, "flags", "kind IN ('sync-failed', 'auth') AND acked_at IS NULL") == 0
    assert "Traceback" not in d.log
