"""Pure mapping between docketd's CalendarEntry and Microsoft Graph event JSON (no I/O, no clock).

Graph references: https://learn.microsoft.com/graph/api/resources/event (isAllDay needs midnight
start/end in one time zone; one reminder per event via reminderMinutesBeforeStart) and
https://learn.microsoft.com/graph/api/resources/extended-properties-overview (single-value
extended property ids of the form `String {GUID} Name <name>`).
"""

from __future__ import annotations

import hashlib
import html
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from daemon.models import CalendarEntry, RemoteEvent

# docketd's own property set; never change it, or docketd loses sight of the events it wrote.
PROPERTY_SET = "6c1a9f0e-3d2b-4e5f-9a8b-7c6d5e4f3a21"
KEY_PROP = f"String {{{PROPERTY_SET}}} Name docketdKey"
MANAGED_PROP = f"String {{{PROPERTY_SET}}} Name docketdManaged"
MANAGED_VALUE = "1"
EXPAND = f"singleValueExtendedProperties($filter=id eq '{KEY_PROP}' or id eq '{MANAGED_PROP}')"
GRAPH_FORMAT = "%Y-%m-%dT%H:%M:%S.0000000"
# Windows zone names Graph may hand back (originalStartTimeZone) for the zones US courts use.
WINDOWS_ZONES = {
    "Pacific Standard Time": "America/Los_Angeles",
    "Mountain Standard Time": "America/Denver",
    "US Mountain Standard Time": "America/Phoenix",
    "Central Standard Time": "America/Chicago",
    "Eastern Standard Time": "America/New_York",
    "Alaskan Standard Time": "America/Anchorage",
    "Hawaiian Standard Time": "Pacific/Honolulu",
    "UTC": "UTC",
    "tzone://Microsoft/Utc": "UTC",
}
IMPORTANCE = {"normal": "normal", "soon": "high", "critical": "high", "missed": "high"}
TX_NAMESPACE = uuid.UUID(PROPERTY_SET)


def transaction_id(mailbox: str, calendar_id: str, uid: str) -> str:
    """Graph transactionId for an entry: derived from its key, so a retried POST is de-duplicated."""
    return str(uuid.uuid5(TX_NAMESPACE, f"{mailbox.lower()}|{calendar_id}|{uid}"))


def key_filter(uid: str) -> str:
    """The $filter that finds the event carrying docketd's key `uid`."""
    return f"singleValueExtendedProperties/Any(ep: ep/id eq '{KEY_PROP}' and ep/value eq '{uid}')"


def managed_filter() -> str:
    """The $filter that finds every event docketd wrote."""
    return f"singleValueExtendedProperties/Any(ep: ep/id eq '{MANAGED_PROP}' and ep/value eq '{MANAGED_VALUE}')"


def zone(name: str) -> ZoneInfo | None:
    """An IANA or common Windows zone name as a ZoneInfo, or None if unknown."""
    try:
        return ZoneInfo(WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        return None


def html_body(entry: CalendarEntry) -> str:
    """The description as escaped HTML paragraphs (intake text is never trusted as markup)."""
    paras = [f"<p>{html.escape(line)}</p>" for line in entry.description.splitlines() if line.strip()]
    return "<html><body>" + "".join(paras) + "</body></html>"


def reminder_minutes(entry: CalendarEntry) -> int | None:
    """The one reminder Outlook holds: the shortest lead (longer ones are the planner's ticklers)."""
    return min(entry.reminders_minutes) if entry.reminders_minutes else None


def event_body(entry: CalendarEntry, mailbox_zone: str | None) -> dict[str, Any]:
    """The Graph event JSON for an entry (without transactionId, which only a create sends)."""
    if entry.all_day:
        tz_name = mailbox_zone or entry.timezone
        start = {
            "dateTime": datetime.combine(entry.start, time()).strftime(GRAPH_FORMAT),
            "timeZone": tz_name,
        }
        end_day = entry.start + timedelta(days=1)
        end = {"dateTime": datetime.combine(end_day, time()).strftime(GRAPH_FORMAT), "timeZone": tz_name}
    else:
        assert entry.start_time is not None
        begin = datetime.combine(entry.start, entry.start_time)
        finish = begin + timedelta(minutes=entry.duration_minutes)
        start = {"dateTime": begin.strftime(GRAPH_FORMAT), "timeZone": entry.timezone}
        end = {"dateTime": finish.strftime(GRAPH_FORMAT), "timeZone": entry.timezone}
    minutes = reminder_minutes(entry)
    body: dict[str, Any] = {
        "subject": entry.summary,
        "body": {"contentType": "HTML", "content": html_body(entry)},
        "start": start,
        "end": end,
        "isAllDay": entry.all_day,
        "showAs": "free" if entry.all_day else "busy",
        "categories": list(entry.categories),
        "importance": IMPORTANCE.get(entry.urgency, "normal"),
        "isReminderOn": minutes is not None,
        "reminderMinutesBeforeStart": minutes if minutes is not None else 0,
        "attendees": [{"emailAddress": {"address": a}, "type": "optional"} for a in entry.attendees],
        "singleValueExtendedProperties": [
            {"id": KEY_PROP, "value": entry.uid},
            {"id": MANAGED_PROP, "value": MANAGED_VALUE},
        ],
    }
    return body


def _props(event: dict[str, Any]) -> dict[str, str]:
    # Graph may normalise the GUID's case in property ids; compare case-insensitively.
    return {
        str(p.get("id", "")).lower(): str(p.get("value", "")) for p in event.get("singleValueExtendedProperties", [])
    }


def event_uid(event: dict[str, Any]) -> str | None:
    """docketd's key on a Graph event (from an $expand), or None."""
    return _props(event).get(KEY_PROP.lower())


def is_managed(event: dict[str, Any]) -> bool:
    """True if docketd wrote this event (it carries docketd's managed marker)."""
    return _props(event).get(MANAGED_PROP.lower()) == MANAGED_VALUE


def _local(value: dict[str, Any], target: ZoneInfo | None) -> datetime:
    text = str(value.get("dateTime", ""))
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    moment = datetime.fromisoformat(text)
    source = zone(str(value.get("timeZone", "UTC")))
    if source is None or target is None:
        return moment
    return moment.replace(tzinfo=source).astimezone(target).replace(tzinfo=None)


def _wall(event: dict[str, Any], side: str, mailbox_zone: str | None) -> datetime:
    """The event's start or end as wall time in the zone it was written in."""
    value = event.get(side) or {}
    if not value.get("dateTime"):
        return datetime.combine(date.min, time())  # malformed: never equal to anything docketd wrote
    written = zone(str(event.get("originalStartTimeZone", ""))) or (zone(mailbox_zone) if mailbox_zone else None)
    if event.get("isAllDay"):
        # Graph returns all-day events as floating midnights whatever zone was asked for; if a
        # service ever converts them, bring them back to the zone they were written in.
        moment = _local(value, None)
        return moment if moment.time() == time() else _local(value, written)
    return _local(value, written)


def fingerprint(event: dict[str, Any], mailbox_zone: str | None = None) -> str:
    """docketd's version of an event: a hash of the fields docketd owns (title, start, end, all-day).

    Not the raw changeKey: Exchange changes that when a person dismisses or snoozes a reminder, which
    is not an edit of the deadline and must not be flagged or fought as one.
    """
    parts = [
        str(event.get("subject", "")),
        str(bool(event.get("isAllDay"))),
        str(bool(event.get("isCancelled"))),
        _wall(event, "start", mailbox_zone).isoformat(),
        _wall(event, "end", mailbox_zone).isoformat(),
    ]
    return "fp-" + hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def remote_event(event: dict[str, Any], mailbox_zone: str | None, uid: str | None = None) -> RemoteEvent:
    """A Graph event (read with Prefer outlook.timezone) as docketd's RemoteEvent."""
    moment = _wall(event, "start", mailbox_zone)
    return RemoteEvent(
        uid=event_uid(event) or uid or "",
        remote_id=str(event.get("id", "")),
        etag=fingerprint(event, mailbox_zone),
        start=moment.date(),
        start_time=None if event.get("isAllDay") else moment.time(),
        summary=str(event.get("subject", "")),
        cancelled=bool(event.get("isCancelled", False)),
        managed=is_managed(event),
        extra={
            "changeKey": str(event.get("changeKey", "")),
            "categories": ",".join(event.get("categories") or []),
            "importance": str(event.get("importance", "")),
        },
    )
