"""Pure iCalendar rendering shared by the CalDAV and .ics connectors: CalendarEntry <-> VEVENT.

Public and stable (other connectors import these):
- `render_vevent(entry, sequence, stamp=None) -> icalendar.Event`
- `vtimezone_for(tzid) -> icalendar.Timezone`
- `render_calendar(events) -> icalendar.Calendar` (adds one VTIMEZONE per TZID used)
- `parse_vevent(component, remote_id="", etag="") -> RemoteEvent`
- `ical_uid(uid)` / `entry_uid(ical_uid)` map docketd's 32-hex identity to the UID `<hex>@docketd`.

No I/O and no clock: DTSTAMP is when the entry's content last changed (`entry.changed_at`, kept with
the sync state), or `stamp` when given, or a fixed epoch stamp when neither is known; so re-rendering
the same entry gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from icalendar.prop import vDuration

from daemon.models import CalendarEntry, RemoteEvent

UID_SUFFIX = "@docketd"
PRODID = "-//docketd//docketd 0.1//EN"
KEY_PROP = "X-DOCKETD-KEY"
HASH_PROP = "X-DOCKETD-HASH"
# RFC 5545 3.8.7.2 makes DTSTAMP required; when no change time is known we use a constant, not the clock.
EPOCH_STAMP = datetime(1970, 1, 1, tzinfo=UTC)

# RFC 5545 3.8.1.9: 1 is the highest priority, 0 is "undefined".
_PRIORITY = {"critical": 1, "missed": 1, "soon": 5}


class _MinutesBefore(vDuration):
    """A TRIGGER written as -PT<n>M, the form every client reads the same way."""

    def __init__(self, minutes: int) -> None:
        super().__init__(timedelta(minutes=-minutes))
        self.minutes = minutes

    def to_ical(self) -> bytes:
        """Render as a negative minute duration (RFC 5545 3.3.6 dur-time)."""
        return f"-PT{self.minutes}M".encode()


def ical_uid(uid: str) -> str:
    """The iCalendar UID for docketd's deterministic identity."""
    return f"{uid}{UID_SUFFIX}"


def entry_uid(uid: str) -> str:
    """docketd's identity from an iCalendar UID (the suffix removed if present)."""
    return uid[: -len(UID_SUFFIX)] if uid.endswith(UID_SUFFIX) else uid


def _zone(tzid: str) -> ZoneInfo:
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"Unknown time zone {tzid!r}; use an IANA name such as 'America/Los_Angeles'."
        ) from exc


def render_vevent(entry: CalendarEntry, sequence: int, stamp: datetime | None = None) -> icalendar.Event:
    """The VEVENT for an entry: all-day (DTEND exclusive) or timed with TZID, plus one VALARM per reminder."""
    event = icalendar.Event()
    event.add("uid", ical_uid(entry.uid))
    # RFC 5545 3.8.7.2: DTSTAMP is when the object was created or last revised, in UTC.
    event.add("dtstamp", (stamp or entry.changed_at or EPOCH_STAMP).astimezone(UTC))
    if entry.start_time is None:
        # RFC 5545 3.6.1: for all-day events DTEND is the day after (exclusive).
        event.add("dtstart", entry.start)
        event.add("dtend", entry.start + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
    else:
        zone = _zone(entry.timezone)
        start = datetime.combine(entry.start, entry.start_time, tzinfo=zone)
        event.add("dtstart", start)
        event.add("dtend", start + timedelta(minutes=max(entry.duration_minutes, 1)))
        event.add("transp", "OPAQUE")
    event.add("summary", entry.summary)
    if entry.description:
        event.add("description", entry.description)
    if entry.categories:
        event.add("categories", list(entry.categories))
    priority = _PRIORITY.get(entry.urgency)
    if priority:
        event.add("priority", priority)
    event.add("sequence", sequence)
    event.add(KEY_PROP, entry.key)
    event.add(HASH_PROP, entry.content_hash())
    for minutes in entry.reminders_minutes:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        # RFC 5545 3.6.6: a DISPLAY alarm must carry a DESCRIPTION.
        alarm.add("description", entry.summary)
        alarm["TRIGGER"] = _MinutesBefore(minutes)
        event.add_component(alarm)
    return event


@lru_cache(maxsize=64)
def _vtimezone_bytes(tzid: str) -> bytes:
    _zone(tzid)
    return bytes(icalendar.Timezone.from_tzid(tzid).to_ical())


def vtimezone_for(tzid: str) -> icalendar.Timezone:
    """A VTIMEZONE for an IANA zone (covering 1970-2038), as RFC 5545 3.6.5 wants for every TZID used."""
    component = icalendar.Timezone.from_ical(_vtimezone_bytes(tzid))
    assert isinstance(component, icalendar.Timezone)
    return component


def _tzids(event: icalendar.Event) -> list[str]:
    found: list[str] = []
    for name in ("DTSTART", "DTEND"):
        prop = event.get(name)
        tzid = prop.params.get("TZID") if prop is not None else None
        if tzid and tzid not in found and tzid != "UTC":
            found.append(str(tzid))
    return found


def render_calendar(events: Iterable[icalendar.Event]) -> icalendar.Calendar:
    """A VCALENDAR holding the events and one VTIMEZONE for every TZID they use."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    events = list(events)
    seen: list[str] = []
    for event in events:
        for tzid in _tzids(event):
            if tzid not in seen:
                seen.append(tzid)
                cal.add_component(vtimezone_for(tzid))
    for event in events:
        cal.add_component(event)
    return cal


def _minutes_before(alarm: icalendar.Component) -> int | None:
    trigger = alarm.get("TRIGGER")
    delta = getattr(trigger, "dt", None)
    if not isinstance(delta, timedelta):
        return None  # absolute-time triggers are not docketd's
    return int(-delta.total_seconds() // 60)


def parse_vevent(component: icalendar.Component, remote_id: str = "", etag: str = "") -> RemoteEvent:
    """Read a VEVENT back: identity, start (date, and wall time in its own zone), status, docketd's marks."""
    uid = entry_uid(str(component.get("UID", "")))
    dtstart = component.decoded("DTSTART")
    start_time: time | None = None
    extra: dict[str, str] = {}
    if isinstance(dtstart, datetime):
        start = dtstart.date()
        start_time = dtstart.time().replace(tzinfo=None)
        tzid = component["DTSTART"].params.get("TZID")
        if tzid:
            extra["tzid"] = str(tzid)
        elif dtstart.tzinfo is not None:
            extra["tzid"] = str(dtstart.tzinfo)
    else:
        start = dtstart
    if "DTEND" in component:
        dtend = component.decoded("DTEND")
        extra["end"] = dtend.isoformat()
    key = component.get(KEY_PROP)
    if key is not None:
        extra["key"] = str(key)
    content_hash = component.get(HASH_PROP)
    if content_hash is not None:
        extra["hash"] = str(content_hash)
    if "SEQUENCE" in component:
        extra["sequence"] = str(component.decoded("SEQUENCE"))
    reminders = [m for m in (_minutes_before(a) for a in component.walk("VALARM")) if m is not None]
    if reminders:
        extra["reminders"] = ",".join(str(m) for m in reminders)
    if "DESCRIPTION" in component:
        extra["description"] = str(component.get("DESCRIPTION"))
    status = str(component.get("STATUS", "")).upper()
    return RemoteEvent(
        uid=uid,
        remote_id=remote_id,
        etag=etag,
        start=start if isinstance(start, date) else date.fromisoformat(str(start)),
        summary=str(component.get("SUMMARY", "")),
        start_time=start_time,
        cancelled=status == "CANCELLED",
        managed=key is not None,
        extra=extra,
    )
