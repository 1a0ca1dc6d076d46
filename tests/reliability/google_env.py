"""A docketd config aimed at the local Google Calendar fake, and readers of what the fake holds."""

from __future__ import annotations

import os
import time
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.fakes.google_calendar import FakeGoogle, _HttpHandler
from tests.fakes.google_keys import make_service_account_key
from tests.reliability.helpers import count, plain_config, run_cli

SA_EMAIL = "docketd@firm-docket.iam.gserviceaccount.com"


class FakeGoogleOnPort(FakeGoogle):
    """The Google fake, startable on a chosen port (to be 'down' first: connection refused)."""

    def start_on(self, port: int) -> FakeGoogleOnPort:
        """Listen on 127.0.0.1:port."""
        import threading

        fake = self

        class _H(_HttpHandler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", port), _H)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-google", daemon=True)
        self._thread.start()
        return self


def google_config(tmp: Path, fake: FakeGoogle, calendar_id: str, *, root: str | None = None,
                  extra: str = "", sync: str = "", calendars: tuple[str, ...] = ("jdoe-google",)) -> Path:
    """A config routing jdoe's deadlines to one Google calendar on the fake (fast retries for tests)."""
    base = root or fake.root
    key = tmp / "google-sa.json"
    fake.add_service_account(SA_EMAIL, make_service_account_key(key, base + "token", SA_EMAIL))
    section = f"""
[calendars.jdoe-google]
kind = "google"
auth = "service-account"
credentials = "{key}"
subject = "jdoe@firm.com"
calendar_id = "{calendar_id}"
api_endpoint = "{base}calendar/v3/"
requests_per_minute = 1000000
retry_base_seconds = 0.01
retry_budget_seconds = 1
timeout_seconds = 5
"""
    return plain_config(tmp, section + extra, jdoe_calendars=list(calendars), sync=sync)


def live_events(fake: FakeGoogle, calendar_id: str) -> dict[str, dict[str, Any]]:
    """The calendar's events that are not cancelled, by event id."""
    return {e["id"]: e for e in fake.events(calendar_id) if e.get("status") != "cancelled"}


def docketd_key(event: dict[str, Any]) -> str:
    """The docketd identity key an event carries in its private extended properties."""
    return str(event.get("extendedProperties", {}).get("private", {}).get("docketdKey", ""))


def shape(event: dict[str, Any]) -> tuple[str, str, str]:
    """What a person sees of an event: title, start and description."""
    start = event.get("start", {})
    return (str(event.get("summary")), str(start.get("date") or start.get("dateTime")),
            str(event.get("description")))


def drop_file(inbox: Path, name: str, text: str, order: int) -> None:
    """Drop an intake file whole (written aside, renamed in), its mtime giving its place in drop order."""
    tmp = inbox / f".{name}.tmp"
    tmp.write_text(text, encoding="utf-8")
    stamp = time.time() - 10_000 + order  # distinct, increasing mtimes: the start-up scan's order
    os.utime(tmp, (stamp, stamp))
    os.replace(tmp, inbox / name)


def sync_until_done(cfg: Path, state: Path) -> None:
    """The uninterrupted reference: `sync --once` again while changes wait to be retried.

    `sync --once` makes one pass and leaves an op that ran out of its retry budget (1 s here) queued
    with exit 0, so on a slow machine one pass need not give the complete calendar the killed run is
    compared with.
    """
    for passes in range(1, 31):
        out = run_cli(cfg, "sync", "--once", timeout=300)
        assert out.returncode == 0, out.stdout + out.stderr
        if count(state, "outbox") == 0:
            print(f"reference complete after {passes} sync --once pass(es)")
            return
        time.sleep(1.0)  # the retry backoff: at most max_backoff_seconds (1 s)
    raise AssertionError(f"the reference run still has {count(state, 'outbox')} changes queued after 30 passes")


def reference_events(folder: Path, fake: FakeGoogle, calendar_id: str, files: list[tuple[str, str]],
                     sync: str = "") -> dict[str, dict[str, Any]]:
    """One uninterrupted `sync --once` (SQLite) of the same files into a second calendar: the run a
    faulted one must end equal to."""
    cfg = google_config(folder, fake, calendar_id, sync=sync)
    for order, (name, text) in enumerate(files):
        drop_file(folder / "var" / "inbox", name, text, order)
    sync_until_done(cfg, folder / "var" / "state.db")
    return live_events(fake, calendar_id)
