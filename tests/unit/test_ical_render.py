"""ical_render: CalendarEntry -> VEVENT -> bytes -> RemoteEvent keeps everything that matters."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.ical_render import (
    EPOCH_STAMP,
    entry_uid,
    ical_uid,
    parse_vevent,
    render_calendar,
    render_vevent,
    vtimezone_for,
)
from daemon.models import CalendarEntry

ZONES = ["America/Los_Angeles", "America/New_York", "America/St_Johns", "Australia/Lord_Howe",
         "Pacific/Chatham", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/London", "UTC"]


def entry(**kw: object) -> CalendarEntry:
    fields: dict[str, object] = {"key": "2026-0142|frcp.answer|summons_served|", "summary": "Answer due",
                                 "description": "21 days after service.", "start": date(2026, 1, 26),
                                 "reminders_minutes": (10080, 1440)}
    fields.update(kw)
    return CalendarEntry(**fields)  # type: ignore[arg-type]


def roundtrip(e: CalendarEntry, sequence: int = 0) -> icalendar.Event:
    data = render_calendar([render_vevent(e, sequence)]).to_ical()
    [event] = icalendar.Calendar.from_ical(data).walk("VEVENT")
    return event


def test_all_day_shape() -> None:
    event = render_vevent(entry(), 3)
    text = event.to_ical().decode()
    assert "DTSTART;VALUE=DATE:20260126" in text
    assert "DTEND;VALUE=DATE:20260127" in text
    assert f"UID:{entry().uid}@docketd" in text
    assert "SEQUENCE:3" in text and "TRANSP:TRANSPARENT" in text
    assert "TRIGGER:-PT10080M" in text and "TRIGGER:-PT1440M" in text
    assert text.count("ACTION:DISPLAY") == 2
    assert "X-DOCKETD-KEY:2026-0142|frcp.answer|summons_served|" in text
    assert "DTSTAMP:19700101T000000Z" in text
    assert "CATEGORIES:Docket" in text


def test_timed_event_has_tzid_and_calendar_has_vtimezone() -> None:
    e = entry(start_time=time(9, 0), duration_minutes=45, timezone="America/New_York", urgency="critical")
    cal = render_calendar([render_vevent(e, 0), render_vevent(entry(key="other|x|y|", start_time=time(8, 0),
                                                                    timezone="America/New_York"), 0)])
    text = cal.to_ical().decode()
    assert text.count("BEGIN:VTIMEZONE") == 1
    assert "DTSTART;TZID=America/New_York:20260126T090000" in text
    assert "DTEND;TZID=America/New_York:20260126T094500" in text
    assert "PRIORITY:1" in text and "TRANSP:OPAQUE" in text


def test_stamp_is_the_callers() -> None:
    stamp = datetime(2026, 1, 5, 17, 30, tzinfo=UTC)
    assert render_vevent(entry(), 0, stamp=stamp).decoded("DTSTAMP") == stamp
    assert render_vevent(entry(), 0).decoded("DTSTAMP") == EPOCH_STAMP


def test_stamp_is_the_entrys_content_change_time() -> None:
    # RFC 5545 3.8.7.2: DTSTAMP is when the information was last revised (issue 19 item 6).
    changed = datetime(2026, 1, 6, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    e = replace(entry(), changed_at=changed)
    assert "DTSTAMP:20260106T170000Z" in render_vevent(e, 0).to_ical().decode()
    assert e.content_hash() == entry().content_hash()  # the change time is not content
    assert parse_vevent(render_vevent(e, 0)) == parse_vevent(render_vevent(entry(), 0))


def test_same_entry_same_bytes() -> None:
    assert render_vevent(entry(), 1).to_ical() == render_vevent(entry(), 1).to_ical()


def test_unknown_zone_is_a_sentence() -> None:
    with pytest.raises(ValueError, match="Unknown time zone 'Mars/Olympus'; use an IANA name"):
        render_vevent(entry(start_time=time(9, 0), timezone="Mars/Olympus"), 0)


def test_vtimezone_is_a_fresh_copy() -> None:
    a = vtimezone_for("Europe/London")
    a["TZID"] = "changed"
    assert vtimezone_for("Europe/London")["TZID"] == "Europe/London"


def test_uid_mapping() -> None:
    assert entry_uid(ical_uid("abc")) == "abc"
    assert entry_uid("foreign-uid@example.com") == "foreign-uid@example.com"


def test_parse_marks_foreign_and_cancelled() -> None:
    event = icalendar.Event()
    event.add("uid", "x@elsewhere")
    event.add("dtstart", date(2026, 3, 1))
    event.add("summary", "Lunch")
    event.add("status", "CANCELLED")
    got = parse_vevent(event, remote_id="/cal/x.ics", etag='"1"')
    assert not got.managed and got.cancelled and got.remote_id == "/cal/x.ics" and got.etag == '"1"'


@settings(max_examples=60, deadline=None)
@given(
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2037, 12, 31)),
    at=st.one_of(st.none(), st.times().map(lambda t: t.replace(second=0, microsecond=0))),
    zone=st.sampled_from(ZONES),
    minutes=st.integers(min_value=1, max_value=24 * 60),
    reminders=st.lists(st.integers(min_value=0, max_value=60 * 24 * 90), max_size=6),
    summary=st.text(min_size=1, max_size=80).filter(lambda s: s.strip() == s and "\r" not in s),
    sequence=st.integers(min_value=0, max_value=10_000),
)
def test_roundtrip(day: date, at: time | None, zone: str, minutes: int, reminders: list[int],
                   summary: str, sequence: int) -> None:
    e = entry(start=day, start_time=at, timezone=zone, duration_minutes=minutes,
              reminders_minutes=tuple(reminders), summary=summary)
    event = roundtrip(e, sequence)
    got = parse_vevent(event)
    assert got.uid == e.uid and got.managed and not got.cancelled
    assert got.start == day and got.start_time == at
    assert got.summary == summary
    assert got.extra["key"] == e.key and got.extra["hash"] == e.content_hash()
    assert got.extra["sequence"] == str(sequence)
    assert got.extra.get("reminders", "") == ",".join(str(m) for m in reminders)
    if at is None:
        assert event.decoded("DTEND") == day + timedelta(days=1)
    else:
        assert got.extra["tzid"] == zone
        assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(minutes=minutes)


@pytest.mark.parametrize("summary", ["\\;", "a\\nb", "C:\\cases\\2026", "x\\,y", "ends\\"])
def test_backslashes_survive_the_round_trip(summary: str) -> None:
    # icalendar 6 read `SUMMARY:\\\;` back as `;` and a literal backslash-n as a newline, so a
    # matter name with a backslash came back changed and every sync saw a difference (RFC 5545 3.3.11).
    e = entry(summary=summary, description=f"see {summary}")
    got = parse_vevent(roundtrip(e))
    assert got.summary == summary and got.extra["description"] == f"see {summary}"
