"""Pure Outlook mapping: what docketd writes reads back as the same date and time, in any time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.outlook.mapping import (
    KEY_PROP,
    event_body,
    html_body,
    is_managed,
    key_filter,
    remote_event,
    transaction_id,
)
from daemon.models import CalendarEntry
from tests.fakes.graph_store import render

ZONES = [
    "America/Los_Angeles",
    "America/New_York",
    "Pacific/Honolulu",
    "Pacific/Kiritimati",
    "Asia/Tokyo",
    "Australia/Lord_Howe",
    "Europe/London",
    "America/St_Johns",
    "UTC",
]


def entry(day: date, at: time | None, tz: str, **kw: object) -> CalendarEntry:
    return CalendarEntry(
        key="2026-0142|frcp.answer|summons_served|",
        summary="Answer due",
        description="Line one\nLine <two> & three",
        start=day,
        start_time=at,
        timezone=tz,
        **kw,
    )  # type: ignore[arg-type]


def as_graph_returns(body: dict[str, object], asked_zone: str) -> dict[str, object]:
    """The event as Graph hands it back: stored, then rendered in the zone the client asked for."""
    stored = dict(body, id="AAMk1", changeKey="CK1", originalStartTimeZone=body["start"]["timeZone"])  # type: ignore[index]
    return render(stored, {"$expand": f"singleValueExtendedProperties($filter=id eq '{KEY_PROP}')"}, asked_zone)


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(date(2025, 1, 1), date(2035, 12, 31)),
    court=st.sampled_from(ZONES),
    mailbox=st.sampled_from(ZONES),
    asked=st.sampled_from(ZONES),
)
def test_all_day_round_trip(day: date, court: str, mailbox: str, asked: str) -> None:
    e = entry(day, None, court)
    body = event_body(e, mailbox)
    assert body["start"] == {"dateTime": f"{day.isoformat()}T00:00:00.0000000", "timeZone": mailbox}
    got = remote_event(as_graph_returns(body, asked), mailbox)
    assert (got.start, got.start_time, got.uid) == (day, None, e.uid)


@settings(max_examples=200, deadline=None)
@given(
    day=st.dates(date(2025, 1, 1), date(2035, 12, 31)),
    at=st.times(),
    court=st.sampled_from(ZONES),
    asked=st.sampled_from(ZONES),
)
def test_timed_round_trip_in_the_court_zone(day: date, at: time, court: str, asked: str) -> None:
    at = at.replace(second=0, microsecond=0)
    e = entry(day, at, court)
    got = remote_event(as_graph_returns(event_body(e, None), asked), None)
    wall = datetime.combine(day, at)
    # A wall time inside a spring-forward gap does not exist; Graph (and zoneinfo) shift it.
    exists = (
        wall.replace(tzinfo=ZoneInfo(court)).astimezone(UTC).astimezone(ZoneInfo(court)).replace(tzinfo=None) == wall
    )
    if exists:
        assert (got.start, got.start_time) == (day, at)


def test_converted_all_day_event_is_brought_back_to_its_zone() -> None:
    # Should a service ever convert an all-day event to UTC, the date must not slip a day.
    event = {
        "isAllDay": True,
        "start": {"dateTime": "2026-01-25T15:00:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "Asia/Tokyo",
        "id": "x",
        "changeKey": "y",
    }
    assert remote_event(event, None).start == date(2026, 1, 26)


def test_windows_zone_names_are_understood() -> None:
    event = {
        "isAllDay": False,
        "start": {"dateTime": "2026-01-26T17:00:00.0000000", "timeZone": "UTC"},
        "originalStartTimeZone": "Pacific Standard Time",
        "id": "x",
        "changeKey": "y",
    }
    got = remote_event(event, None)
    assert (got.start, got.start_time) == (date(2026, 1, 26), time(9, 0))


def test_body_is_escaped_html_and_marks_the_event_as_docketds() -> None:
    e = entry(date(2026, 1, 26), None, "UTC")
    assert html_body(e) == "<html><body><p>Line one</p><p>Line &lt;two&gt; &amp; three</p></body></html>"
    body = event_body(e, None)
    assert is_managed(body) and "transactionId" not in body
    assert key_filter(e.uid) == (
        f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY_PROP}' and ep/value eq '{e.uid}')"
    )


def test_transaction_id_is_stable_and_per_calendar() -> None:
    a = transaction_id("JDoe@firm.com", "", "abc")
    assert a == transaction_id("jdoe@firm.com", "", "abc")
    assert a != transaction_id("jdoe@firm.com", "AAMkDocket=", "abc")
    assert a != transaction_id("jdoe@firm.com", "", "abd")


def test_importance_follows_urgency_and_one_reminder_is_kept() -> None:
    e = entry(date(2026, 1, 26), None, "UTC", urgency="soon", reminders_minutes=(20160, 1440, 10080))
    body = event_body(e, None)
    assert body["importance"] == "high"
    assert body["reminderMinutesBeforeStart"] == 1440 and body["isReminderOn"] is True
