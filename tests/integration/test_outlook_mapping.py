"""What the Outlook connector writes into Graph: all-day and timed events, body, reminder, identity."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time
from pathlib import Path

import pytest

from connectors.base import EditConflict, Op
from connectors.outlook.calendar import OutlookConnector
from connectors.outlook.mapping import KEY_PROP, MANAGED_PROP, transaction_id
from tests.contract.connector_contract import make_entry
from tests.fakes.graph import FakeGraph
from tests.fakes.graph_setup import app_connector

MAILBOX = "jdoe@firm.com"


@pytest.fixture
def graph(tmp_path: Path) -> Iterator[FakeGraph]:
    with FakeGraph(tmp_path / "graph") as fake:
        yield fake


@pytest.fixture
def outlook(graph: FakeGraph, tmp_path: Path) -> Iterator[OutlookConnector]:
    conn = app_connector(graph, MAILBOX, tmp_path / "conn", timezone="America/New_York")
    yield conn
    conn.close()


def test_all_day_event_is_midnight_to_midnight_in_the_mailbox_zone(graph: FakeGraph, outlook: OutlookConnector) -> None:
    entry = make_entry(urgency="critical", description='Served 2026-01-05.\n<script>alert("x")</script> & more')
    outlook.create(entry)
    (ev,) = graph.events(MAILBOX)
    assert ev["isAllDay"] is True
    assert ev["start"] == {"dateTime": "2026-01-26T00:00:00.0000000", "timeZone": "America/New_York"}
    assert ev["end"] == {"dateTime": "2026-01-27T00:00:00.0000000", "timeZone": "America/New_York"}
    assert ev["subject"].startswith("[2026-0142] Answer due")
    assert ev["categories"] == ["Docket"]
    assert ev["importance"] == "high"
    assert ev["body"]["contentType"] == "HTML"
    assert "&lt;script&gt;" in ev["body"]["content"] and "<script>" not in ev["body"]["content"]
    assert "&amp; more" in ev["body"]["content"]
    # One reminder per event: the shortest lead; longer leads are the planner's tickler entries.
    assert ev["isReminderOn"] is True and ev["reminderMinutesBeforeStart"] == 1440
    assert ev["transactionId"] == transaction_id(MAILBOX, "", entry.uid)
    props = {p["id"]: p["value"] for p in ev["singleValueExtendedProperties"]}
    assert props == {KEY_PROP: entry.uid, MANAGED_PROP: "1"}


def test_timed_event_in_the_court_zone_with_optional_attendees(graph: FakeGraph, outlook: OutlookConnector) -> None:
    entry = make_entry(
        key="2026-0142|hearing|motion_hearing|",
        start_time=time(9, 30),
        duration_minutes=90,
        timezone="America/Los_Angeles",
        attendees=("pat@firm.com",),
        reminders_minutes=(),
        urgency="normal",
    )
    outlook.create(entry)
    (ev,) = graph.events(MAILBOX)
    assert ev["isAllDay"] is False
    assert ev["start"]["dateTime"].startswith("2026-01-26T09:30:00")
    assert ev["start"]["timeZone"] == "America/Los_Angeles"
    assert ev["end"]["dateTime"].startswith("2026-01-26T11:00:00")
    assert ev["importance"] == "normal"
    assert ev["isReminderOn"] is False
    assert ev["attendees"] == [{"emailAddress": {"address": "pat@firm.com"}, "type": "optional"}]
    got = outlook.get(entry.uid)
    assert got is not None and got.start == date(2026, 1, 26) and got.start_time == time(9, 30)


def test_every_request_asks_for_immutable_ids(graph: FakeGraph, outlook: OutlookConnector) -> None:
    ref = outlook.create(make_entry())
    outlook.update(make_entry(day=27), ref)
    outlook.list_managed()
    outlook.delete(make_entry().uid, None)
    assert graph.requests
    assert all('IdType="ImmutableId"' in h.get("Prefer", "") for _, _, h in graph.requests)
    assert graph.counters["missing-immutable-id"] == 0


def test_hand_edit_is_reported_with_what_is_there_now(graph: FakeGraph, outlook: OutlookConnector) -> None:
    entry = make_entry()
    ref = outlook.create(entry)
    graph.edit_by_hand(
        MAILBOX,
        ref.remote_id,
        subject="Moved by Jane",
        start={"dateTime": "2026-01-30T00:00:00", "timeZone": "America/New_York"},
        end={"dateTime": "2026-01-31T00:00:00", "timeZone": "America/New_York"},
    )
    (result,) = outlook.apply([Op("update", entry.uid, make_entry(day=28), ref)])
    assert isinstance(result.error, EditConflict)
    assert result.error.current is not None
    assert result.error.current.start == date(2026, 1, 30)
    assert result.error.current.summary == "Moved by Jane"
    (ev,) = graph.events(MAILBOX)
    assert ev["subject"] == "Moved by Jane"  # untouched until the policy says otherwise


def test_list_managed_follows_paging_and_skips_other_events(graph: FakeGraph, tmp_path: Path) -> None:
    conn = app_connector(graph, "big@firm.com", tmp_path / "big", page_size=4)
    entries = [make_entry(key=f"M-{i}|frcp.answer|summons_served|", day=1 + i) for i in range(11)]
    assert all(r.error is None for r in conn.apply([Op("create", e.uid, e) for e in entries]))
    graph.add_event(
        "big@firm.com",
        {
            "subject": "Lunch",
            "start": {"dateTime": "2026-01-02T12:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-01-02T13:00:00", "timeZone": "UTC"},
        },
    )
    listed = conn.list_managed()
    assert sorted(e.uid for e in listed) == sorted(e.uid for e in entries)
    assert graph.counters["GET events"] >= 3  # 11 events in pages of 4
    conn.close()


def test_named_calendar(graph: FakeGraph, tmp_path: Path) -> None:
    graph.add_calendar(MAILBOX, "AAMkDocket=", "Docket")
    conn = app_connector(graph, MAILBOX, tmp_path / "named", calendar_id="AAMkDocket=")
    conn.create(make_entry())
    assert len(graph.events(MAILBOX, "AAMkDocket=")) == 1
    assert graph.events(MAILBOX, "calendar") == []
    conn.close()


def test_missing_calendar_is_a_permanent_error_that_says_so(graph: FakeGraph, tmp_path: Path) -> None:
    conn = app_connector(graph, MAILBOX, tmp_path / "missing", calendar_id="nope")
    (result,) = conn.apply([Op("create", make_entry().uid, make_entry())])
    assert result.error is not None and "ErrorItemNotFound" in str(result.error)
    conn.close()


def test_a_dismissed_reminder_is_not_a_hand_edit(graph: FakeGraph, outlook: OutlookConnector) -> None:
    entry = make_entry()
    ref = outlook.create(entry)
    before = graph.events(MAILBOX)[0]["changeKey"]
    graph.dismiss_reminder(MAILBOX, ref.remote_id)  # the changeKey moves; the deadline does not
    (listed,) = outlook.list_managed()
    assert listed.extra["changeKey"] != before
    assert listed.etag == ref.etag  # the daemon's verify pass sees no drift
    ref2 = outlook.update(make_entry(day=28), ref)  # a real change goes through without a conflict
    assert ref2.etag != ref.etag
    (ev,) = graph.events(MAILBOX)
    assert ev["start"]["dateTime"].startswith("2026-01-28") and ev["isReminderOn"] is True
