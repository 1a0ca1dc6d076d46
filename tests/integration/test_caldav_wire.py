"""What the CalDAV connector puts on a real Radicale, and what it leaves alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time

import icalendar
import pytest
import requests

from connectors.base import EditConflict, UnmanagedEvent
from connectors.caldav.calendar import CaldavConnector
from daemon.models import RemoteRef
from tests.contract.connector_contract import make_entry
from tests.contract.test_caldav_contract import FOREIGN, edit_on_server
from tests.integration.caldav_fault_proxy import FaultProxy, fault_proxy
from tests.integration.radicale_server import RadicaleServer, radicale  # noqa: F401  (fixture)

HEARING = make_entry(key="2026-0142|hearing|motion_hearing|", start_time=time(9, 30), duration_minutes=90,
                     timezone="America/Los_Angeles", summary="[2026-0142] Motion hearing", urgency="critical")


@pytest.fixture
def proxy(radicale: RadicaleServer) -> Iterator[FaultProxy]:  # noqa: F811
    with fault_proxy(radicale.base_url) as p:
        yield p


@pytest.fixture
def conn(radicale: RadicaleServer, proxy: FaultProxy) -> Iterator[CaldavConnector]:  # noqa: F811
    url = proxy.url(radicale.make_calendar())
    c = CaldavConnector("jdoe-caldav", url, radicale.username, radicale.password)
    yield c
    c.close()


def raw(conn: CaldavConnector, uid: str) -> str:
    resp = requests.get(conn.href(uid), auth=conn.http.session.auth, timeout=10)
    assert resp.status_code == 200
    return resp.text


def test_timed_event_carries_its_timezone_and_alarms(conn: CaldavConnector) -> None:
    ref = conn.create(HEARING)
    assert ref.remote_id.endswith(f"/{HEARING.uid}.ics")
    text = raw(conn, HEARING.uid)
    cal = icalendar.Calendar.from_ical(text)
    [tz] = cal.walk("VTIMEZONE")
    assert tz["TZID"] == "America/Los_Angeles"
    [event] = cal.walk("VEVENT")
    assert event["UID"] == f"{HEARING.uid}@docketd"
    assert event["DTSTART"].params["TZID"] == "America/Los_Angeles"
    assert event.decoded("DTSTART").hour == 9 and event.decoded("DTSTART").minute == 30
    assert (event.decoded("DTEND") - event.decoded("DTSTART")).total_seconds() == 90 * 60
    assert event["X-DOCKETD-KEY"] == HEARING.key
    assert event["X-DOCKETD-HASH"] == HEARING.content_hash()
    triggers = sorted(a.decoded("TRIGGER").total_seconds() for a in event.walk("VALARM"))
    assert triggers == [-10080 * 60, -1440 * 60]
    assert all(str(a["ACTION"]) == "DISPLAY" for a in event.walk("VALARM"))


def test_all_day_event_is_a_date_with_exclusive_end(conn: CaldavConnector) -> None:
    entry = make_entry()
    conn.create(entry)
    text = raw(conn, entry.uid)
    assert "DTSTART;VALUE=DATE:20260126" in text and "DTEND;VALUE=DATE:20260127" in text
    assert "VTIMEZONE" not in text


def test_unchanged_entry_makes_no_writes(conn: CaldavConnector, proxy: FaultProxy) -> None:
    entry = make_entry()
    ref = conn.create(entry)

    def writes() -> int:
        return sum(1 for method, _, status in proxy.seen if method in ("PUT", "DELETE") and status < 300)

    before = writes()
    assert conn.create(entry).etag == ref.etag  # If-None-Match: * answers 412, then a read; nothing written
    assert conn.update(entry, ref).etag == ref.etag
    assert writes() == before
    # The REPORT shows the same ETag the PUT returned, so a verify pass sees no phantom edit.
    assert [e.etag for e in conn.list_managed()] == [ref.etag]


def test_update_bumps_sequence(conn: CaldavConnector) -> None:
    ref = conn.create(make_entry(day=26))
    conn.update(make_entry(day=27), ref)
    got = conn.get(make_entry().uid)
    assert got is not None and got.extra["sequence"] == "1" and got.start == date(2026, 1, 27)


def test_hand_edit_is_seen_and_kept_unless_forced(conn: CaldavConnector) -> None:
    entry = make_entry()
    ref = conn.create(entry)
    edit_on_server(conn, entry.uid, "DTSTART;VALUE=DATE:20260126", "DTSTART;VALUE=DATE:20260130")
    now = conn.get(entry.uid)
    assert now is not None and now.etag != ref.etag and now.start == date(2026, 1, 30)
    with pytest.raises(EditConflict, match="Someone changed") as info:
        conn.update(make_entry(day=28), ref)
    assert info.value.current is not None and info.value.current.start == date(2026, 1, 30)
    after = conn.get(entry.uid)
    assert after is not None and after.start == date(2026, 1, 30)  # the person's edit is still there
    conn.update(make_entry(day=28), ref, force=True)
    restored = conn.get(entry.uid)
    assert restored is not None and restored.start == date(2026, 1, 28)


def test_cancelled_event_is_revived_by_create(conn: CaldavConnector) -> None:
    entry = make_entry()
    conn.create(entry)
    edit_on_server(conn, entry.uid, "END:VEVENT", "STATUS:CANCELLED\r\nEND:VEVENT")
    got = conn.get(entry.uid)
    assert got is not None and got.cancelled
    conn.create(entry)
    got = conn.get(entry.uid)
    assert got is not None and not got.cancelled


def test_foreign_event_with_our_uid_elsewhere_is_refused(conn: CaldavConnector) -> None:
    entry = make_entry()
    other = conn.calendar_url() + "someone-else.ics"
    resp = requests.put(other, data=FOREIGN.format(uid=entry.uid).encode(), auth=conn.http.session.auth,
                        headers={"Content-Type": "text/calendar"}, timeout=10)
    assert resp.status_code == 201
    with pytest.raises(UnmanagedEvent, match="will not touch it"):
        conn.create(entry)
    assert conn.list_managed() == []
    assert requests.get(other, auth=conn.http.session.auth, timeout=10).status_code == 200


def test_foreign_events_are_never_listed_or_changed(conn: CaldavConnector) -> None:
    entry = make_entry()
    resp = requests.put(conn.href(entry.uid), data=FOREIGN.format(uid=entry.uid).encode(),
                        auth=conn.http.session.auth, headers={"Content-Type": "text/calendar"}, timeout=10)
    assert resp.status_code == 201
    before = raw(conn, entry.uid)
    with pytest.raises(UnmanagedEvent):
        conn.create(entry)
    got = conn.get(entry.uid)
    assert got is not None and not got.managed
    with pytest.raises(UnmanagedEvent):
        conn.update(entry, RemoteRef(got.remote_id, got.etag), force=True)
    assert raw(conn, entry.uid) == before
    assert conn.list_managed() == []




def test_unreadable_event_is_skipped_not_fatal() -> None:
    # Radicale refuses such data itself (HTTP 400); other servers have been seen storing it.
    from connectors.caldav.calendar import _parse_object

    odd = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//y//EN\r\nBEGIN:VEVENT\r\nUID:odd@x\r\n" \
          b"DTSTAMP:20260101T000000Z\r\nSUMMARY:no start\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    assert _parse_object(odd, "https://dav.example.com/cal/odd.ics", '"1"') is None
    assert _parse_object(b"not ical at all", "https://dav.example.com/cal/x.ics", '"1"') is None
