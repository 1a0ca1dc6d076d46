"""docketd end to end into Outlook: intake file in, deadlines in the attorney's (fake) Microsoft 365 calendar."""

from __future__ import annotations

import io
import json
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from connectors.base import AuthRequest, ConnectorContext
from connectors.outlook.calendar import auth_command
from connectors.outlook.mapping import KEY_PROP
from tests.clock import pinned_day, pinned_env
from tests.e2e.daemon_proc import DaemonProcess, wait_until
from tests.e2e.daemon_proc import write_config as daemon_config
from tests.fakes.graph import FakeGraph

ROW = "2026-0142,Acme v. Widget,federal,summons_served,{date},personal,jdoe@firm.com,pat@firm.com,open\n"
HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"


@pytest.fixture
def graph(tmp_path: Path) -> Iterator[FakeGraph]:
    with FakeGraph(tmp_path / "graph") as fake:
        yield fake


def write_config(tmp: Path, graph: FakeGraph, auth: str) -> Path:
    secret = tmp / "graph-secret"
    secret.write_text(graph.identity.client_secret)
    secret.chmod(0o600)
    creds = f'client_secret_file = "{secret}"' if auth == "app" else 'auth = "device-code"'
    config = tmp / "docketd.toml"
    config.write_text(f"""
[daemon]
inbox = "var/inbox"
state = "var/state.db"
timezone = "America/Los_Angeles"

[ics]
dir = "var/calendars"

[people."jdoe@firm.com"]
name = "Jane Doe"
calendars = ["jdoe-outlook"]
reminders = ["7d", "1d"]

[calendars.jdoe-outlook]
kind = "outlook"
tenant = "{graph.identity.tenant}"
client_id = "{graph.identity.client_id}"
{creds}
mailbox = "jdoe@firm.com"
graph_endpoint = "{graph.url}"
authority = "{graph.authority}"
ca_bundle = "{graph.ca_file}"
retry_budget_seconds = 5
backoff_seconds = 0.01
""")
    (tmp / "var" / "inbox").mkdir(parents=True)
    return config


def docketd(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "daemon.cli", "--config", str(config), *args],
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def drop(config: Path, name: str, date: str) -> None:
    (config.parent / "var" / "inbox" / name).write_text(HEADER + ROW.format(date=date))


def outlook_events(graph: FakeGraph) -> dict[str, list[dict[str, object]]]:
    found: dict[str, list[dict[str, object]]] = {}
    for ev in graph.events("jdoe@firm.com"):
        key = next(p["value"] for p in ev["singleValueExtendedProperties"] if p["id"] == KEY_PROP)
        found.setdefault(str(key), []).append(ev)
    return found


def answer(graph: FakeGraph) -> dict[str, object]:
    hits = [
        ev
        for evs in outlook_events(graph).values()
        for ev in evs
        if "Answer" in str(ev["subject"])
        and "draft" not in str(ev["subject"]).lower()
        and "confirm" not in str(ev["subject"]).lower()
        and not str(ev["subject"]).lower().startswith("tickler")
    ]
    assert hits, [ev["subject"] for evs in outlook_events(graph).values() for ev in evs]
    return hits[0]


def test_intake_to_outlook_exactly_once_and_corrections_move(graph: FakeGraph, tmp_path: Path) -> None:
    config = write_config(tmp_path, graph, "app")
    drop(config, "intake-1.csv", "2026-01-05")
    run = docketd(config, "sync", "--once")
    assert run.returncode == 0, run.stdout + run.stderr
    events = outlook_events(graph)
    assert events and all(len(evs) == 1 for evs in events.values())
    ev = answer(graph)
    assert ev["isAllDay"] is True and str(ev["start"]["dateTime"]).startswith("2026-01-26")  # type: ignore[index]
    assert all(ev.get("reminderMinutesBeforeStart", 0) <= 10080 for evs in events.values() for ev in evs)
    count = len(events)

    writes = graph.counters["POST events"] + graph.counters["PATCH events"] + graph.counters["DELETE events"]
    run = docketd(config, "sync", "--once")  # nothing changed: no writes
    assert run.returncode == 0, run.stdout + run.stderr
    assert graph.counters["POST events"] + graph.counters["PATCH events"] + graph.counters["DELETE events"] == writes

    drop(config, "intake-2.csv", "2026-01-06")  # a correction: served a day later
    run = docketd(config, "sync", "--once")
    assert run.returncode == 0, run.stdout + run.stderr
    events = outlook_events(graph)
    assert len(events) == count and all(len(evs) == 1 for evs in events.values())
    assert str(answer(graph)["start"]["dateTime"]).startswith("2026-01-27")  # type: ignore[index]


def test_intake_to_outlook_through_thirty_percent_failures(graph: FakeGraph, tmp_path: Path) -> None:
    config = write_config(tmp_path, graph, "app")
    drop(config, "intake-1.csv", "2026-01-05")
    graph.fail(0.3, seed=3)
    for _ in range(30):
        run = docketd(config, "sync", "--once")
        assert run.returncode == 0, run.stdout + run.stderr
        if "0 waiting to retry" in run.stdout:
            break
        _time_travel(config)  # the outbox's backoff, without waiting for it
    graph.fail(0.0)
    events = outlook_events(graph)
    assert events and all(len(evs) == 1 for evs in events.values())
    assert str(answer(graph)["start"]["dateTime"]).startswith("2026-01-26")  # type: ignore[index]


def _time_travel(config: Path) -> None:
    """Make every waiting outbox op due now (what passing time would do)."""
    with sqlite3.connect(config.parent / "var" / "state.db") as db:
        db.execute("UPDATE outbox SET next_at=0")


def _sign_in(graph: FakeGraph, config: Path) -> int:
    def approve() -> None:
        for _ in range(200):
            if graph.approve("jdoe@firm.com"):
                return
            time.sleep(0.02)

    t = threading.Thread(target=approve)
    t.start()
    import tomllib

    section = tomllib.loads(config.read_text())["calendars"]["jdoe-outlook"]
    ctx = ConnectorContext(state_dir=str(config.parent / "var"), config_dir=str(config.parent))
    rc = auth_command(AuthRequest(account="jdoe@firm.com", calendar="jdoe-outlook"), section, ctx, io.StringIO())
    t.join()
    return rc


def test_dead_refresh_token_is_flagged_and_nothing_is_lost(graph: FakeGraph, tmp_path: Path) -> None:
    config = write_config(tmp_path, graph, "device-code")
    assert _sign_in(graph, config) == 0
    graph.revoke_refresh_tokens()
    graph.expire_access_tokens()

    drop(config, "intake-1.csv", "2026-01-05")
    run = docketd(config, "sync", "--once")
    assert graph.events("jdoe@firm.com") == []
    status = docketd(config, "status", "--json")
    data = json.loads(status.stdout)
    text = json.dumps(data)
    assert "docketd auth outlook --account jdoe@firm.com" in text, run.stdout + run.stderr + text

    assert _sign_in(graph, config) == 0  # the person runs the command the flag names
    _time_travel(config)
    run = docketd(config, "sync", "--once")
    assert run.returncode == 0, run.stdout + run.stderr
    events = outlook_events(graph)
    assert events and all(len(evs) == 1 for evs in events.values())
    assert str(answer(graph)["start"]["dateTime"]).startswith("2026-01-26")  # type: ignore[index]


def test_running_daemon_writes_restores_a_hand_edit_and_survives_restart(graph: FakeGraph, tmp_path: Path) -> None:
    secret = tmp_path / "graph-secret"
    secret.write_text(graph.identity.client_secret)
    secret.chmod(0o600)
    section = f"""
[calendars.jdoe-outlook]
kind = "outlook"
tenant = "{graph.identity.tenant}"
client_id = "{graph.identity.client_id}"
client_secret_file = "{secret}"
mailbox = "jdoe@firm.com"
graph_endpoint = "{graph.url}"
authority = "{graph.authority}"
ca_bundle = "{graph.ca_file}"
backoff_seconds = 0.01
"""
    config = daemon_config(tmp_path, section, jdoe_calendars=["jdoe-outlook"], verify_minutes=0.02)
    served = pinned_day() - timedelta(days=7)  # the daemon runs on the pinned day too (time-machine, tests/clock.py)
    due = (served + timedelta(days=21)).isoformat()
    daemon = DaemonProcess(config, tmp_path, env=pinned_env())
    try:
        daemon.start()
        drop(config, "intake-1.csv", served.isoformat())

        def answer_written() -> bool:
            return any(
                str(ev["subject"]).startswith("[2026-0142] Answer due")
                for evs in outlook_events(graph).values()
                for ev in evs
            )

        wait_until(answer_written, timeout=60, what="the answer deadline in Outlook")
        ev = next(
            ev
            for evs in outlook_events(graph).values()
            for ev in evs
            if str(ev["subject"]).startswith("[2026-0142] Answer due")
        )
        # Weekend/holiday roll-forward may move the date; the event is all-day in the firm's zone.
        assert ev["isAllDay"] is True and ev["start"]["timeZone"] == "America/Los_Angeles"  # type: ignore[index]
        original = str(ev["start"]["dateTime"])  # type: ignore[index]
        assert original[:10] >= due

        # A person drags the deadline a week later in Outlook; docketd restores its date and flags it.
        graph.edit_by_hand(
            "jdoe@firm.com",
            str(ev["id"]),
            start={"dateTime": "2030-01-07T00:00:00", "timeZone": "America/Los_Angeles"},
            end={"dateTime": "2030-01-08T00:00:00", "timeZone": "America/Los_Angeles"},
        )

        def restored() -> bool:
            now = next(e for evs in outlook_events(graph).values() for e in evs if e["id"] == ev["id"])
            return str(now["start"]["dateTime"]) == original  # type: ignore[index]

        wait_until(restored, timeout=60, what="docketd to restore the hand-edited deadline")
        assert daemon.stop() == 0
        before = {k: len(v) for k, v in outlook_events(graph).items()}
        assert all(n == 1 for n in before.values())

        writes = graph.counters["POST events"] + graph.counters["PATCH events"]
        reads = graph.counters["GET events"]
        daemon = DaemonProcess(config, tmp_path, env=pinned_env())
        daemon.start()
        # Wait for a full loop pass: its verify step lists the calendar (after the dispatch step).
        wait_until(lambda: graph.counters["GET events"] > reads, timeout=60, what="a verify pass after restart")
        assert daemon.stop() == 0
        assert {k: len(v) for k, v in outlook_events(graph).items()} == before
        assert graph.counters["POST events"] + graph.counters["PATCH events"] == writes, daemon.log
        status = docketd(config, "status", "--json")
        assert "by hand" in status.stdout
    finally:
        daemon.close()
