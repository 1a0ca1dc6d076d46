"""The calendar side of the fake Graph: mailboxes, calendars and events, behaving like Microsoft Graph.

Modelled on https://learn.microsoft.com/graph/api/resources/event : `changeKey` changes on every write,
a POST whose `transactionId` matches a live event returns that event instead of a copy, extended
properties come back only through `$expand`, and the extended-property `$filter` form is
`singleValueExtendedProperties/Any(ep: ep/id eq '...' and ep/value eq '...')`.
"""

from __future__ import annotations

import copy
import itertools
import re
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tests.clock import pinned_now

WINDOWS_ZONES = {
    "Pacific Standard Time": "America/Los_Angeles",
    "Eastern Standard Time": "America/New_York",
    "Central Standard Time": "America/Chicago",
    "Mountain Standard Time": "America/Denver",
    "UTC": "UTC",
}
FILTER_RE = re.compile(r"^singleValueExtendedProperties/Any\(ep:\s*ep/id eq '([^']+)' and ep/value eq '([^']*)'\)$")
EXPAND_RE = re.compile(r"^singleValueExtendedProperties\(\$filter=(id eq '[^']+'(?: or id eq '[^']+')*)\)$")
EXPAND_ID_RE = re.compile(r"id eq '([^']+)'")
PROP_ID_RE = re.compile(r"^String \{[0-9a-fA-F-]{36}\} Name \w+$")
PAGE = 10  # Graph's default page size for event collections


class GraphError(Exception):
    """An error response in Graph's shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message

    def body(self) -> dict[str, Any]:
        """The JSON error body Graph sends."""
        return {"error": {"code": self.code, "message": self.message}}


def zone(name: str) -> ZoneInfo:
    """An IANA or (a few) Windows time-zone names, as Graph accepts both."""
    try:
        return ZoneInfo(WINDOWS_ZONES.get(name, name))
    except (ZoneInfoNotFoundError, ValueError):
        raise GraphError(400, "TimeZoneNotSupportedException", f"Time zone {name!r} is not supported.") from None


def parse_dt(value: dict[str, Any]) -> datetime:
    """A Graph dateTimeTimeZone as an aware datetime."""
    text = str(value["dateTime"])
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    return datetime.fromisoformat(text).replace(tzinfo=zone(str(value.get("timeZone", "UTC"))))


def format_dt(moment: datetime, tz_name: str) -> dict[str, str]:
    """An aware datetime as Graph renders it in the zone the caller asked for."""
    local = moment.astimezone(zone(tz_name))
    return {"dateTime": local.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": tz_name}


@dataclass
class Calendar:
    """One calendar in a mailbox."""

    id: str
    name: str
    events: dict[str, dict[str, Any]] = field(default_factory=dict)


WRITABLE = {
    "subject",
    "body",
    "start",
    "end",
    "isAllDay",
    "categories",
    "importance",
    "isReminderOn",
    "reminderMinutesBeforeStart",
    "attendees",
    "singleValueExtendedProperties",
    "showAs",
    "location",
    "transactionId",
    "sensitivity",
}


@dataclass
class Store:
    """Every mailbox the fake tenant has, with their calendars."""

    mailboxes: dict[str, dict[str, Calendar]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def mailbox(self, upn: str) -> dict[str, Calendar]:
        """A mailbox's calendars, made on first use (the default one has id 'calendar')."""
        with self.lock:
            return self.mailboxes.setdefault(upn.lower(), {"calendar": Calendar("calendar", "Calendar")})

    def calendar(self, upn: str, cal_id: str) -> Calendar:
        """One calendar, or Graph's 404."""
        cal = self.mailbox(upn).get(cal_id)
        if cal is None:
            raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")
        return cal

    def find(self, upn: str, event_id: str) -> tuple[Calendar, dict[str, Any]]:
        """An event by id anywhere in the mailbox, or Graph's 404."""
        for cal in self.mailbox(upn).values():
            if event_id in cal.events:
                return cal, cal.events[event_id]
        raise GraphError(404, "ErrorItemNotFound", "The specified object was not found in the store.")

    def _stamp(self, event: dict[str, Any]) -> None:
        n = next(self.ids)
        event["changeKey"] = f"CK{n:06d}"
        event["lastModifiedDateTime"] = pinned_now().strftime("%Y-%m-%dT%H:%M:%SZ")

    def _validate(self, event: dict[str, Any]) -> None:
        if "start" not in event or "end" not in event:
            raise GraphError(400, "ErrorInvalidRequest", "An event needs start and end.")
        start, end = parse_dt(event["start"]), parse_dt(event["end"])
        if end < start:
            raise GraphError(400, "ErrorInvalidRequest", "The end of an event must be after its start.")
        if event.get("isAllDay"):
            midnight = start.time().isoformat() == "00:00:00" and end.time().isoformat() == "00:00:00"
            if (
                not midnight
                or (end - start) < timedelta(days=1)
                or event["start"].get("timeZone") != event["end"].get("timeZone")
            ):
                raise GraphError(
                    400,
                    "ErrorInvalidRequest",
                    "Your request can't be completed. If the event is an all-day event, start and end must "
                    "be specified as midnight in the same time zone and at least a day apart.",
                )
        for prop in event.get("singleValueExtendedProperties", []):
            if not PROP_ID_RE.match(str(prop.get("id", ""))):
                raise GraphError(400, "ErrorInvalidProperty", f"Bad extended property id {prop.get('id')!r}.")
        minutes = event.get("reminderMinutesBeforeStart")
        if minutes is not None and not isinstance(minutes, int):
            raise GraphError(400, "ErrorInvalidRequest", "reminderMinutesBeforeStart must be an integer.")

    def create(self, upn: str, cal_id: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST an event; a live event with the same transactionId is returned instead of a copy."""
        unknown = set(body) - WRITABLE
        if unknown:
            raise GraphError(400, "RequestBodyRead", f"Unknown properties: {sorted(unknown)}.")
        with self.lock:
            cal = self.calendar(upn, cal_id)
            tid = body.get("transactionId")
            if tid:
                for other in self.mailbox(upn).values():
                    for ev in other.events.values():
                        if ev.get("transactionId") == tid:
                            return 201, ev
            event = copy.deepcopy(body)
            self._validate(event)
            event["id"] = f"AAMkImm{next(self.ids):08d}="
            event["originalStartTimeZone"] = event["start"].get("timeZone", "UTC")
            event["isCancelled"] = False
            self._stamp(event)
            cal.events[event["id"]] = event
            return 201, event

    def update(self, upn: str, event_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """PATCH an event (transactionId cannot change, as in Graph)."""
        unknown = set(body) - WRITABLE
        if unknown:
            raise GraphError(400, "RequestBodyRead", f"Unknown properties: {sorted(unknown)}.")
        with self.lock:
            _, event = self.find(upn, event_id)
            if "transactionId" in body and body["transactionId"] != event.get("transactionId"):
                raise GraphError(400, "ErrorInvalidRequest", "transactionId cannot be changed.")
            merged = copy.deepcopy(event)
            for key, value in body.items():
                if key == "singleValueExtendedProperties":
                    props = {p["id"]: p for p in merged.get(key, [])}
                    props.update({p["id"]: p for p in value})
                    merged[key] = list(props.values())
                else:
                    merged[key] = copy.deepcopy(value)
            self._validate(merged)
            if "start" in body:
                merged["originalStartTimeZone"] = merged["start"].get("timeZone", "UTC")
            self._stamp(merged)
            event.clear()
            event.update(merged)
            return event

    def delete(self, upn: str, event_id: str) -> None:
        """DELETE an event; a second delete is Graph's 404."""
        with self.lock:
            cal, _ = self.find(upn, event_id)
            del cal.events[event_id]

    def query(self, events: list[dict[str, Any]], params: dict[str, str]) -> list[dict[str, Any]]:
        """Apply a $filter (only the extended-property form Graph supports for this use)."""
        flt = params.get("$filter")
        if not flt:
            return events
        match = FILTER_RE.match(flt.strip())
        if not match:
            raise GraphError(400, "ErrorInvalidUrlQueryFilter", f"Unsupported $filter: {flt}")
        pid, value = match.groups()
        return [
            ev
            for ev in events
            if any(p["id"] == pid and p["value"] == value for p in ev.get("singleValueExtendedProperties", []))
        ]


def render(event: dict[str, Any], params: dict[str, str], tz_name: str) -> dict[str, Any]:
    """An event as Graph returns it: times in the preferred zone, extended properties only if expanded."""
    out = {k: copy.deepcopy(v) for k, v in event.items() if k not in ("singleValueExtendedProperties",)}
    out["@odata.etag"] = f'W/"{event["changeKey"]}"'
    if event.get("isAllDay"):
        # All-day events are floating dates: Graph returns midnight labelled with the asked-for zone.
        for side in ("start", "end"):
            day = parse_dt(event[side]).strftime("%Y-%m-%dT00:00:00.0000000")
            out[side] = {"dateTime": day, "timeZone": tz_name}
    else:
        out["start"] = format_dt(parse_dt(event["start"]), tz_name)
        out["end"] = format_dt(parse_dt(event["end"]), tz_name)
    expand = params.get("$expand", "")
    if expand:
        match = EXPAND_RE.match(expand.strip())
        if not match:
            raise GraphError(400, "BadRequest", f"Unsupported $expand: {expand}")
        wanted = set(EXPAND_ID_RE.findall(match.group(1)))
        props = [p for p in event.get("singleValueExtendedProperties", []) if p["id"] in wanted]
        if props:
            out["singleValueExtendedProperties"] = copy.deepcopy(props)
    return out
