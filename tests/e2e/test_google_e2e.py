"""docketd end to end into Google Calendar: a running daemon, intake files in, events on the fake Calendar."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from daemon.engine import load_rulebook
from daemon.models import TriggerEvent
from tests.clock import pinned_day, pinned_env
from tests.e2e.daemon_proc import DaemonProcess, wait_until
from tests.e2e.daemon_proc import write_config as daemon_config
from tests.fakes.google_calendar import FakeGoogle
from tests.fakes.google_keys import SA_EMAIL, make_client_secrets, make_service_account_key

HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
ROW = "2026-0142,Acme v. Widget,federal,summons_served,{date},personal,jdoe@firm.com,pat@firm.com,{status}\n"
CAL = "jdoe@firm.com"


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle() as server:
        yield server


def config_for(fake: FakeGoogle, tmp_path: Path, extra: str = "") -> Path:
    key = tmp_path / "google-sa.json"
    fake.add_service_account(SA_EMAIL, make_service_account_key(key, fake.token_uri, SA_EMAIL))
    section = f"""
[calendars.jdoe-google]
kind = "google"
auth = "service-account"
credentials = "{key}"
subject = "jdoe@firm.com"
calendar_id = "primary"
api_endpoint = "{fake.url}"
retry_base_seconds = 0.01
retry_budget_seconds = 5
""" + extra
    return daemon_config(tmp_path, section, jdoe_calendars=["jdoe-google"], verify_minutes=0.02)


def drop(config: Path, name: str, served: date, status: str = "open") -> None:
    inbox = config.parent / "var" / "inbox"
    tmp = inbox.parent / f".{name}.part"
    tmp.write_text(HEADER + ROW.format(date=served.isoformat(), status=status), encoding="utf-8")
    tmp.rename(inbox / name)  # appear complete, as a finished copy would


ANSWER_KEY = "2026-0142|frcp.answer|summons_served|"


def answers(fake: FakeGoogle, live_only: bool = True) -> list[dict[str, Any]]:
    """The answer deadline's events (by docketd's key, not the title, which gains "MISSED:" when past)."""
    return [e for e in fake.events(CAL) if e["extendedProperties"]["private"]["docketdKey"] == ANSWER_KEY
            and (e["status"] != "cancelled" or not live_only)]


def until(daemon: DaemonProcess, predicate: Callable[[], bool], what: str) -> None:
    """wait_until that also drains the notify socket (a full socket would block the daemon's WATCHDOG=1)."""
    def check() -> bool:
        daemon.poll_notify()
        return predicate()

    wait_until(check, timeout=60, what=what)


def docketd(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "daemon.cli", "--config", str(config), *args],
                          cwd=config.parent, capture_output=True, text=True, timeout=120, check=False)


def _answer_due(served: date) -> date:
    out = load_rulebook().compute(TriggerEvent("M", "summons_served", served, court="federal", service="personal"))
    return next(d.due for d in out if d.rule == "frcp.answer")


@pytest.mark.pinned_day  # re-run on each of tests/clock.HARD_DAYS by `make test`
def test_daemon_keeps_google_calendar_right_as_facts_change(fake: FakeGoogle, tmp_path: Path) -> None:
    config = config_for(fake, tmp_path)
    served = pinned_day() - timedelta(days=7)  # the daemon runs on the pinned day too (time-machine, tests/clock.py)
    daemon = DaemonProcess(config, tmp_path, env=pinned_env())
    try:
        daemon.start()
        drop(config, "intake-1.csv", served)
        until(daemon, lambda: len(answers(fake)) == 1, "the answer deadline in Google Calendar")
        first = answers(fake)[0]
        assert "date" in first["start"] and first["start"]["date"] >= (served + timedelta(days=21)).isoformat()
        ids = sorted(e["id"] for e in fake.events(CAL))
        assert len(ids) == len(set(ids))
        keys = [e["extendedProperties"]["private"]["docketdKey"] for e in fake.events(CAL)]
        assert len(keys) == len(set(keys))  # every deadline exactly once

        # Correct the service date: the same event moves. Two service dates can roll to one due date
        # (the 21st day on a weekend or holiday), so the correction is the first that really moves it.
        corrected = next(c for c in (served + timedelta(days=n) for n in range(1, 30))
                         if _answer_due(c) != _answer_due(served))
        drop(config, "intake-2.csv", corrected)
        until(daemon, lambda: answers(fake)[0]["start"]["date"] > first["start"]["date"],
              "the answer deadline to move")
        assert [e["id"] for e in answers(fake, live_only=False)] == [first["id"]]
        moved = answers(fake)[0]

        # A person drags it in Google Calendar; the restore policy puts docketd's date back and flags it.
        fake.edit_by_hand(CAL, moved["id"], start={"date": "2030-01-07"}, end={"date": "2030-01-08"})
        until(daemon, lambda: answers(fake)[0]["start"] == moved["start"],
              "docketd to restore the hand-edited deadline")

        # The matter closes: its future deadlines leave the calendar.
        drop(config, "intake-3.csv", corrected, status="closed")
        until(daemon, lambda: answers(fake) == [], "the closed matter's deadline to go")
        assert all(e["status"] == "cancelled" for e in answers(fake, live_only=False))
        assert daemon.stop() == 0
    finally:
        daemon.close()
    assert "ya29." not in daemon.log  # access tokens never reach the log
    status = docketd(config, "status", "--json")
    flags = json.loads(status.stdout)["flags"]
    assert any("by hand" in f["message"] and "jdoe-google" in f["message"] for f in flags), status.stdout


def test_sync_once_is_exactly_once_and_a_resync_writes_nothing(fake: FakeGoogle, tmp_path: Path) -> None:
    config = config_for(fake, tmp_path)
    drop(config, "intake-1.csv", date(2026, 1, 5))
    run = docketd(config, "sync", "--once")
    assert run.returncode == 0, run.stdout + run.stderr
    assert [e["start"] for e in answers(fake)] == [{"date": "2026-01-26"}]
    assert fake.batch_count >= 1  # bulk changes go through the batch endpoint
    writes = fake.write_count
    run = docketd(config, "sync", "--once")
    assert run.returncode == 0, run.stdout + run.stderr
    assert fake.write_count == writes


def oauth_config(fake: FakeGoogle, tmp_path: Path) -> Path:
    secrets = make_client_secrets(tmp_path / "google-client.json", fake.auth_uri, fake.token_uri)
    section = f"""
[calendars.jdoe-google]
kind = "google"
auth = "oauth"
account = "jdoe@firm.com"
client_secrets = "{secrets}"
token_uri = "{fake.token_uri}"
api_endpoint = "{fake.url}"
retry_base_seconds = 0.01
"""
    return daemon_config(tmp_path, section, jdoe_calendars=["jdoe-google"])


def sign_in(config: Path) -> str:
    """Run `docketd auth google` and play the person's browser on the URL it prints; its output."""
    env = {**os.environ, "OAUTHLIB_INSECURE_TRANSPORT": "1", "PYTHONUNBUFFERED": "1"}  # the fake is http
    proc = subprocess.Popen(
        [sys.executable, "-m", "daemon.cli", "--config", str(config), "auth", "google",
         "--account", "jdoe@firm.com", "--calendar", "jdoe-google"],
        cwd=config.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout is not None
        url = next(line.strip() for line in proc.stdout if line.startswith("http"))
        assert requests.get(url, timeout=10).status_code == 200  # the person consents in a browser
        rest = proc.communicate(timeout=60)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, rest
    return rest


def test_docketd_auth_google_prints_the_url_then_sync_uses_the_token(fake: FakeGoogle, tmp_path: Path) -> None:
    config = oauth_config(fake, tmp_path)
    printed = sign_in(config)
    tokens = list(tmp_path.rglob("google-oauth-jdoe@firm.com.json"))
    assert len(tokens) == 1 and stat.S_IMODE(tokens[0].stat().st_mode) == 0o600
    assert "ya29." not in printed

    drop(config, "intake-1.csv", date(2026, 1, 5))
    run = docketd(config, "sync", "--once")
    assert run.returncode == 0, run.stdout + run.stderr
    assert [e["start"] for e in answers(fake)] == [{"date": "2026-01-26"}]


def test_expired_grant_is_flagged_with_the_command_and_nothing_is_lost(fake: FakeGoogle, tmp_path: Path) -> None:
    config = oauth_config(fake, tmp_path)
    sign_in(config)
    fake.revoke_refresh_tokens()  # what Google does to a "Testing" app's grant after 7 days
    drop(config, "intake-1.csv", date(2026, 1, 5))
    run = docketd(config, "sync", "--once")
    assert fake.events(CAL) == []
    status = docketd(config, "status", "--json")
    assert "docketd auth google --account jdoe@firm.com --calendar jdoe-google" in status.stdout, (
        run.stdout + run.stderr + status.stdout)

    sign_in(config)  # the person runs the command the flag names
    with sqlite3.connect(config.parent / "var" / "state.db") as db:
        db.execute("UPDATE outbox SET next_at=0")  # the auth back-off, without waiting for it
    run = docketd(config, "sync", "--once")
    assert run.returncode == 0, run.stdout + run.stderr
    assert [e["start"] for e in answers(fake)] == [{"date": "2026-01-26"}]


@pytest.mark.slow
def test_many_matters_through_thirty_percent_faults_land_exactly_once(fake: FakeGoogle, tmp_path: Path) -> None:
    config = config_for(fake, tmp_path, extra="timeout_seconds = 0.5\n")
    fake.hang_seconds = 1.0
    rows = "".join(ROW.replace("2026-0142", f"2026-{i:04d}").format(date=date(2026, 1, 5) + timedelta(days=i % 40),
                                                                    status="open") for i in range(80))
    inbox = config.parent / "var" / "inbox"
    (inbox.parent / "load.part").write_text(HEADER + rows, encoding="utf-8")
    (inbox.parent / "load.part").rename(inbox / "load.csv")
    fake.fail_rate(0.3, seed=11, kinds=("429", "403", "500", "503", "timeout", "reset"))
    for _ in range(20):
        run = docketd(config, "sync", "--once")
        assert run.returncode == 0, run.stdout + run.stderr
        if "0 waiting to retry" in run.stdout:
            break
        with sqlite3.connect(config.parent / "var" / "state.db") as db:
            db.execute("UPDATE outbox SET next_at=0")  # the outbox's backoff, without waiting for it
    else:
        raise AssertionError(f"changes still waiting after 20 passes:\n{run.stdout}")
    fake.fail_rate(0.0)
    with sqlite3.connect(config.parent / "var" / "state.db") as db:
        synced = dict(db.execute("SELECT uid, key FROM sync WHERE target='jdoe-google'").fetchall())
        failed = db.execute("SELECT COUNT(*) FROM outbox WHERE target='jdoe-google'").fetchone()[0]
    assert failed == 0 and len(synced) >= 80
    live = [e for e in fake.events(CAL) if e["status"] != "cancelled"]
    assert sorted(e["id"] for e in live) == sorted(synced)  # every deadline present, nothing extra
    keys = [e["extendedProperties"]["private"]["docketdKey"] for e in live]
    assert len(keys) == len(set(keys)) and set(keys) == set(synced.values())  # exactly once
    assert len(fake.events(CAL)) == len(live)  # nothing was created and then thrown away
