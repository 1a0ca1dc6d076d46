"""What the Google connector writes: the event resource as Calendar v3 stores it (via the local fake)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest

from connectors.base import ConnectorContext, Op
from connectors.google.calendar import GoogleConnector, batch_uri_for
from connectors.google.mapping import MARKER, event_body
from daemon.models import CalendarEntry
from tests.contract.connector_contract import make_entry
from tests.fakes.google_calendar import FakeGoogle
from tests.fakes.google_keys import service_account_section

CAL = "jdoe@firm.com"


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(rate_limit_per_minute=100_000) as server:
        yield server


def connect(fake: FakeGoogle, tmp_path: Path, **overrides: object) -> GoogleConnector:
    section = service_account_section(fake, tmp_path, **overrides)
    return GoogleConnector.from_config("jdoe-google", section, ConnectorContext(str(tmp_path)))


def test_all_day_deadline_ends_the_next_day(fake: FakeGoogle, tmp_path: Path) -> None:
    entry = make_entry(source="inbox/intake.csv", urgency="critical")
    connect(fake, tmp_path).create(entry)
    ev = fake.event(CAL, entry.uid)
    assert ev is not None
    assert ev["start"] == {"date": "2026-01-26"} and ev["end"] == {"date": "2026-01-27"}
    assert ev["transparency"] == "transparent"
    assert ev["summary"] == entry.summary
    assert "21 days after" in ev["description"]
    assert "Matter: 2026-0142" in ev["description"] and "Source: inbox/intake.csv" in ev["description"]
    assert ev["reminders"] == {"useDefault": False, "overrides": [{"method": "popup", "minutes": 10080},
                                                                  {"method": "popup", "minutes": 1440}]}
    assert ev["colorId"] == "11"
    private = ev["extendedProperties"]["private"]
    assert private[MARKER] == "1" and private["docketdKey"] == entry.key
    assert private["docketdHash"] == entry.content_hash()
    assert all(len(k) <= 44 for k in private)
    assert "attendees" not in ev  # inviting is opt-in: the paralegal's own calendar already gets it


def test_timed_hearing_in_the_courts_time_zone(fake: FakeGoogle, tmp_path: Path) -> None:
    entry = make_entry(key="2026-0142|hearing|motion_hearing|", start_time=time(23, 30), duration_minutes=90,
                       timezone="America/New_York")
    conn = connect(fake, tmp_path)
    conn.create(entry)
    ev = fake.event(CAL, entry.uid)
    assert ev is not None
    assert ev["start"] == {"dateTime": "2026-01-26T23:30:00", "timeZone": "America/New_York"}
    assert ev["end"] == {"dateTime": "2026-01-27T01:00:00", "timeZone": "America/New_York"}
    got = conn.get(entry.uid)
    assert got is not None and got.start == date(2026, 1, 26) and got.start_time == time(23, 30)


def test_offset_datetimes_read_back_in_the_events_zone() -> None:
    from connectors.google.mapping import remote_event

    ev = {"id": "abcde", "etag": '"1"', "summary": "x", "status": "confirmed",
          "start": {"dateTime": "2026-03-09T06:00:00-07:00", "timeZone": "America/Los_Angeles"}}
    got = remote_event(ev)
    assert (got.start, got.start_time, got.managed) == (date(2026, 3, 9), time(6, 0), False)


def test_reminders_beyond_googles_limits_are_not_sent_and_are_logged(
        fake: FakeGoogle, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    entry = make_entry(reminders_minutes=(60480, 20160, 10080, 4320, 1440, 60, 15))
    connect(fake, tmp_path, reminder_method="email").create(entry)
    ev = fake.event(CAL, entry.uid)
    assert ev is not None
    assert [o["minutes"] for o in ev["reminders"]["overrides"]] == [20160, 10080, 4320, 1440, 60]
    assert {o["method"] for o in ev["reminders"]["overrides"]} == {"email"}
    assert "60480" in caplog.text and "15" in caplog.text


def test_attendees_and_colours_follow_config(fake: FakeGoogle, tmp_path: Path) -> None:
    entry = make_entry(attendees=("pat@firm.com",), urgency="soon")
    connect(fake, tmp_path, invite_attendees=True, colors={"soon": "5"}).create(entry)
    ev = fake.event(CAL, entry.uid)
    assert ev is not None
    assert ev["attendees"] == [{"email": "pat@firm.com"}]
    assert ev["colorId"] == "5"


def test_normal_urgency_keeps_the_calendar_colour() -> None:
    assert "colorId" not in event_body(make_entry()).body


def test_event_ids_are_valid_base32hex_for_any_key() -> None:
    import re

    for key in ("a|b|c|", "2026-0142|frcp.answer|summons_served|ROG set one", "ü|ß|✓|"):
        entry = CalendarEntry(key=key, summary="s", description="d", start=date(2026, 1, 1))
        assert re.fullmatch(r"[a-v0-9]{5,1024}", event_body(entry).body["id"])


def test_batch_url_follows_the_api_endpoint() -> None:
    assert batch_uri_for("") == "https://www.googleapis.com/batch/calendar/v3"
    assert batch_uri_for("http://127.0.0.1:9/calendar/v3/") == "http://127.0.0.1:9/batch/calendar/v3"
    assert batch_uri_for("http://proxy:9/google") == "http://proxy:9/google/batch/calendar/v3"


def test_list_managed_pages_and_skips_foreign_and_cancelled(fake: FakeGoogle, tmp_path: Path) -> None:
    conn = connect(fake, tmp_path, batch_size=25)
    entries = [make_entry(key=f"M-{i}|r|e|", day=1 + i % 28) for i in range(60)]
    results = conn.apply([Op("create", e.uid, e) for e in entries])
    assert all(r.error is None for r in results)
    fake.put_event(CAL, {"summary": "Lunch", "start": {"date": "2026-01-05"}, "end": {"date": "2026-01-06"}})
    conn.delete(entries[0].uid, None)
    managed = conn.list_managed()
    assert sorted(e.uid for e in managed) == sorted(e.uid for e in entries[1:])
    assert fake.batch_count == 3  # 60 creates in batches of at most 25

