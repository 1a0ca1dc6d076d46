"""Pure mapping between docketd's CalendarEntry and Google Calendar v3 event resources.

No I/O here: `event_body` renders an entry, `remote_event` reads one back, `is_managed` and
`is_current` decide what docketd may touch and whether a write already landed.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo

from daemon.models import CalendarEntry, RemoteEvent

# Google: event ids use base32hex (lowercase a-v, 0-9), 5-1024 characters (events.insert reference).
EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")
# Google: at most 5 reminder overrides, each at most 40320 minutes (4 weeks) before the event.
MAX_OVERRIDES = 5
MAX_REMINDER_MINUTES = 40320

# extendedProperties.private keys (Google allows at most 44 characters per key, 1024 per value).
MARKER = "docketd"
KEY = "docketdKey"
HASH = "docketdHash"
MATTER = "docketdMatter"
RULE = "docketdRule"
_MAX_VALUE = 1024

# Google event colours: 11 is Tomato (red), 6 is Tangerine (orange).
DEFAULT_COLORS: Mapping[str, str] = MappingProxyType({"missed": "11", "critical": "11", "soon": "6"})


@dataclass(frozen=True)
class Rendering:
    """How to render entries for one calendar (from its config section)."""

    reminder_method: str = "popup"  # popup | email
    colors: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_COLORS))
    invite_attendees: bool = False


@dataclass(frozen=True)
class Rendered:
    """An event body plus the reminder leads that did not fit Google's limits (to be reported)."""

    body: dict[str, Any]
    dropped_reminders: tuple[int, ...] = ()


def event_id(entry: CalendarEntry) -> str:
    """The client-supplied Google event id of an entry: its uid (32 hex chars are valid base32hex)."""
    uid = entry.uid
    if not EVENT_ID.match(uid):
        raise ValueError(f"Entry uid {uid!r} is not a valid Google event id (base32hex, 5-1024 characters).")
    return uid


def _reminders(entry: CalendarEntry, method: str) -> tuple[dict[str, Any], tuple[int, ...]]:
    leads = list(dict.fromkeys(m for m in entry.reminders_minutes if m >= 0))
    fitting = [m for m in leads if m <= MAX_REMINDER_MINUTES][:MAX_OVERRIDES]
    dropped = tuple(m for m in leads if m not in fitting)
    overrides = [{"method": method, "minutes": m} for m in fitting]
    return {"useDefault": False, "overrides": overrides}, dropped


def _description(entry: CalendarEntry) -> str:
    lines = [entry.description.rstrip(), ""]
    if entry.matter:
        lines.append(f"Matter: {entry.matter}")
    if entry.rule:
        lines.append(f"Rule: {entry.rule}")
    if entry.source:
        lines.append(f"Source: {entry.source}")
    lines.append("Entered by docketd. Change the facts in the intake; edits made here are flagged.")
    return "\n".join(lines).strip()


def _when(entry: CalendarEntry) -> tuple[dict[str, str], dict[str, str]]:
    if entry.start_time is None:
        # All-day events: the end date is exclusive, so a one-day deadline ends the next day.
        return {"date": entry.start.isoformat()}, {"date": (entry.start + timedelta(days=1)).isoformat()}
    begin = datetime.combine(entry.start, entry.start_time)
    end = begin + timedelta(minutes=max(entry.duration_minutes, 1))
    fmt = "%Y-%m-%dT%H:%M:%S"
    return ({"dateTime": begin.strftime(fmt), "timeZone": entry.timezone},
            {"dateTime": end.strftime(fmt), "timeZone": entry.timezone})


def event_body(entry: CalendarEntry, rendering: Rendering = Rendering()) -> Rendered:
    """The Calendar v3 event resource for an entry (status confirmed, so a write also restores)."""
    start, end = _when(entry)
    reminders, dropped = _reminders(entry, rendering.reminder_method)
    private = {MARKER: "1", KEY: entry.key[:_MAX_VALUE], HASH: entry.content_hash(),
               MATTER: entry.matter[:_MAX_VALUE], RULE: entry.rule[:_MAX_VALUE]}
    body: dict[str, Any] = {
        "id": event_id(entry),
        "status": "confirmed",
        "summary": entry.summary,
        "description": _description(entry),
        "start": start,
        "end": end,
        "reminders": reminders,
        # A date-only deadline must not make the attorney look busy all day.
        "transparency": "transparent" if entry.all_day else "opaque",
        "extendedProperties": {"private": private},
    }
    color = rendering.colors.get(entry.urgency)
    if color:
        body["colorId"] = color
    if rendering.invite_attendees and entry.attendees:
        body["attendees"] = [{"email": a} for a in entry.attendees]
    return Rendered(body, dropped)


def private_props(event: Mapping[str, Any]) -> dict[str, str]:
    """The event's extendedProperties.private (empty when absent)."""
    props = (event.get("extendedProperties") or {}).get("private") or {}
    return dict(props)


def is_managed(event: Mapping[str, Any]) -> bool:
    """True when docketd created the event (it carries docketd's marker property)."""
    return private_props(event).get(MARKER) == "1"


def _start(when: Mapping[str, Any] | None) -> tuple[date, time | None]:
    if not when:
        return date(1970, 1, 1), None  # cancelled events in a list may come back without times
    if "date" in when:
        return date.fromisoformat(when["date"]), None
    moment = datetime.fromisoformat(when["dateTime"])
    zone = when.get("timeZone")
    if moment.tzinfo is not None and zone:
        moment = moment.astimezone(ZoneInfo(zone))
    return moment.date(), moment.time().replace(tzinfo=None)


def remote_event(event: Mapping[str, Any]) -> RemoteEvent:
    """Read a Calendar v3 event back as a RemoteEvent (uid is the event id)."""
    day, at = _start(event.get("start"))
    props = private_props(event)
    extra = {k: v for k, v in (("key", props.get(KEY)), ("hash", props.get(HASH)),
                               ("status", event.get("status"))) if v}
    return RemoteEvent(
        uid=event["id"],
        remote_id=event["id"],
        etag=event.get("etag", ""),
        start=day,
        summary=event.get("summary", ""),
        start_time=at,
        cancelled=event.get("status") == "cancelled",
        managed=is_managed(event),
        extra=extra,
    )


def is_current(event: Mapping[str, Any], body: Mapping[str, Any]) -> bool:
    """True when the event already shows what `body` would write (e.g. a write whose answer was lost)."""
    if event.get("status") == "cancelled" or not is_managed(event):
        return False
    if private_props(event).get(HASH) != body["extendedProperties"]["private"][HASH]:
        return False
    return (_start(event.get("start")) == _start(body["start"])
            and _start(event.get("end")) == _start(body["end"])
            and event.get("summary") == body["summary"])
