"""End to end: a running docketd, a dropped intake file, and a real Radicale read back with a plain REPORT."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest
import requests

from tests.clock import pinned_day, pinned_env
from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config
from tests.integration.radicale_server import RadicaleServer, radicale  # noqa: F401  (fixture)

# Served a week ago, so the answer is due in the future whenever the suite runs.
SERVED = pinned_day() - timedelta(days=7)  # the daemon runs on the pinned day too (time-machine, tests/clock.py)
ROW = f"2026-0142,Acme v. Widget,federal,summons_served,{SERVED},personal,jdoe@firm.com,pat@firm.com,open\n"
HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
ANSWER_KEY = "2026-0142|frcp.answer|summons_served|"
NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav"}
QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/></C:comp-filter></C:filter>'
    "</C:calendar-query>"
)


@dataclass
class Stored:
    """One calendar object as a plain REPORT returns it."""

    href: str
    etag: str
    event: icalendar.Event


def report(url: str, auth: tuple[str, str]) -> list[Stored]:
    """Every VEVENT in the calendar, by a calendar-query REPORT (RFC 4791 7.8) with no client library."""
    resp = requests.request("REPORT", url, data=QUERY.encode(), auth=auth, timeout=10,
                            headers={"Depth": "1", "Content-Type": "application/xml; charset=utf-8"})
    assert resp.status_code == 207, resp.text
    out = []
    for item in ET.fromstring(resp.content).findall("D:response", NS):
        href = item.findtext("D:href", "", NS)
        etag = item.findtext(".//D:getetag", "", NS)
        data = item.findtext(".//C:calendar-data", "", NS)
        for event in icalendar.Calendar.from_ical(data).walk("VEVENT"):
            out.append(Stored(href, etag, event))
    return out


def by_key(url: str, auth: tuple[str, str], key: str) -> list[Stored]:
    return [s for s in report(url, auth) if str(s.event.get("X-DOCKETD-KEY", "")) == key]


def expected_answer(tmp_path: Path) -> date:
    """The answer date as `docketd preview --json` (the stable contract) computes it for ROW."""
    src = tmp_path / "preview.csv"
    src.write_text(HEADER + ROW, encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "daemon.cli", "preview", str(src), "--json"],
                         capture_output=True, text=True, check=True, cwd=tmp_path)
    [answer] = [d for d in json.loads(out.stdout)["deadlines"] if d["rule"] == "frcp.answer"]
    return date.fromisoformat(answer["due"])


def drop(inbox: Path, name: str, text: str) -> None:
    """Write the file beside the inbox and move it in, as a careful scanner would."""
    tmp = inbox.parent / f".{name}.part"
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, inbox / name)


@pytest.fixture
def setup(radicale: RadicaleServer, tmp_path: Path, request: pytest.FixtureRequest  # noqa: F811
          ) -> Iterator[tuple[DaemonProcess, str, tuple[str, str]]]:
    options: dict[str, str] = getattr(request, "param", {})
    on_edit = options.get("on_edit", "restore")
    url = radicale.make_calendar()
    pw = radicale.write_password_file(tmp_path)
    if "password" in options:
        pw.write_text(options["password"] + "\n", encoding="utf-8")
    extra = (
        "[calendars.jdoe-caldav]\n"
        'kind = "caldav"\n'
        f'url = "{url}"\n'
        f'username = "{radicale.username}"\n'
        f'password_file = "{pw}"\n'
        f'on_edit = "{on_edit}"\n'
        "retry_seconds = 5\n"
    )
    config = write_config(tmp_path, extra, jdoe_calendars=["jdoe-caldav"], verify_minutes=0.01)
    daemon = DaemonProcess(config, tmp_path, env=pinned_env())
    daemon.start()
    try:
        yield daemon, url, radicale.auth
    finally:
        daemon.close()


def test_dropped_file_lands_on_radicale_once(setup: tuple[DaemonProcess, str, tuple[str, str]],
                                             tmp_path: Path) -> None:
    daemon, url, auth = setup
    drop(tmp_path / "var" / "inbox", "intake.csv", HEADER + ROW)
    wait_until(lambda: len(by_key(url, auth, ANSWER_KEY)) == 1, timeout=60,
               what=f"the answer deadline on Radicale\n{daemon.log}")
    [answer] = by_key(url, auth, ANSWER_KEY)
    assert answer.event.decoded("DTSTART") == expected_answer(tmp_path)
    assert str(answer.event["UID"]).endswith("@docketd")
    assert answer.href.endswith(str(answer.event["UID"]).removesuffix("@docketd") + ".ics")
    assert "Answer" in str(answer.event["SUMMARY"])
    assert answer.event.walk("VALARM"), "reminders are written as VALARMs"
    # The same file again (a re-export) changes nothing: still one event per deadline, untouched.
    drop(tmp_path / "var" / "inbox", "intake-again.csv", HEADER + ROW)
    wait_until(lambda: (tmp_path / "var" / "processed").exists()
               and len(list((tmp_path / "var" / "processed").iterdir())) >= 2, timeout=60,
               what=f"the second file processed\n{daemon.log}")
    keys = [str(s.event.get("X-DOCKETD-KEY")) for s in report(url, auth)]
    assert len(keys) == len(set(keys)) and ANSWER_KEY in keys
    assert by_key(url, auth, ANSWER_KEY)[0].etag == answer.etag
    assert daemon.stop() == 0


def _move_on_server(url: str, auth: tuple[str, str], stored: Stored, new_day: date) -> None:
    """A person moves the event in their calendar app (GET, change the dates, PUT with If-Match)."""
    full = requests.compat.urljoin(url, stored.href)
    got = requests.get(full, auth=auth, timeout=10)
    text = re.sub(r"DTSTART;VALUE=DATE:\d{8}", f"DTSTART;VALUE=DATE:{new_day:%Y%m%d}", got.text)
    text = re.sub(r"DTEND;VALUE=DATE:\d{8}", f"DTEND;VALUE=DATE:{new_day + timedelta(days=1):%Y%m%d}", text)
    put = requests.put(full, data=text.encode(), auth=auth, timeout=10,
                       headers={"Content-Type": "text/calendar", "If-Match": got.headers["ETag"]})
    assert put.status_code in (201, 204), put.text


def test_hand_edit_on_server_is_detected_and_restored(setup: tuple[DaemonProcess, str, tuple[str, str]],
                                                      tmp_path: Path) -> None:
    daemon, url, auth = setup
    drop(tmp_path / "var" / "inbox", "intake.csv", HEADER + ROW)
    wait_until(lambda: len(by_key(url, auth, ANSWER_KEY)) == 1, timeout=60,
               what=f"the answer deadline on Radicale\n{daemon.log}")
    [answer] = by_key(url, auth, ANSWER_KEY)
    due = answer.event.decoded("DTSTART")
    _move_on_server(url, auth, answer, due + timedelta(days=7))

    def restored() -> bool:
        found = by_key(url, auth, ANSWER_KEY)
        return len(found) == 1 and found[0].event.decoded("DTSTART") == due and found[0].etag != answer.etag

    wait_until(restored, timeout=60, what=f"docketd to restore its date\n{daemon.log}")
    [now] = by_key(url, auth, ANSWER_KEY)
    assert int(now.event["SEQUENCE"]) > int(answer.event["SEQUENCE"])
    assert "changed by hand" in daemon.log or "hand edit" in daemon.log
    assert daemon.stop() == 0


@pytest.mark.parametrize("setup", [{"on_edit": "keep"}], indirect=True)
def test_hand_edit_is_kept_when_configured(setup: tuple[DaemonProcess, str, tuple[str, str]],
                                           tmp_path: Path) -> None:
    daemon, url, auth = setup
    drop(tmp_path / "var" / "inbox", "intake.csv", HEADER + ROW)
    wait_until(lambda: len(by_key(url, auth, ANSWER_KEY)) == 1, timeout=60,
               what=f"the answer deadline on Radicale\n{daemon.log}")
    [answer] = by_key(url, auth, ANSWER_KEY)
    moved = answer.event.decoded("DTSTART") + timedelta(days=7)
    _move_on_server(url, auth, answer, moved)
    wait_until(lambda: "changed by hand" in daemon.log, timeout=60,
               what=f"docketd to notice the hand edit\n{daemon.log}")
    assert daemon.stop() == 0
    [after] = by_key(url, auth, ANSWER_KEY)
    assert after.event.decoded("DTSTART") == moved


def status(tmp_path: Path) -> dict[str, object]:
    """`docketd status --json` for the test's config."""
    out = subprocess.run([sys.executable, "-m", "daemon.cli", "--config", str(tmp_path / "docketd.toml"),
                          "status", "--json"], capture_output=True, text=True, check=True, cwd=tmp_path)
    data = json.loads(out.stdout)
    assert isinstance(data, dict)
    return data


@pytest.mark.parametrize("setup", [{"password": "not the password"}], indirect=True)
def test_wrong_password_flags_and_keeps_the_changes(setup: tuple[DaemonProcess, str, tuple[str, str]],
                                                    tmp_path: Path) -> None:
    daemon, url, auth = setup
    drop(tmp_path / "var" / "inbox", "intake.csv", HEADER + ROW)

    def auth_flagged() -> bool:
        flags = status(tmp_path)["flags"]
        assert isinstance(flags, list)
        return any(f["kind"] == "auth" and "HTTP 401" in f["message"] for f in flags)

    wait_until(auth_flagged, timeout=60, what=f"an auth flag for the CalDAV calendar\n{daemon.log}")
    assert daemon.stop() == 0
    outbox = status(tmp_path)["outbox"]
    assert isinstance(outbox, dict) and outbox["jdoe-caldav"]["pending"] >= 1  # kept, not dropped
    assert report(url, auth) == []
    assert "not the password" not in daemon.log
