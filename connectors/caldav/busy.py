"""Free/busy for CalDAV calendars: which days a person is out, from a CALDAV:free-busy-query REPORT.

RFC 4791 section 7.10: the server answers a free-busy-query on a calendar collection with one
VFREEBUSY whose FREEBUSY periods say when the owner is busy. A day counts as "out" when BUSY or
BUSY-UNAVAILABLE periods cover the whole working day in the firm's time zone (09:00-17:00 by
default): an all-day "Out of office" event does; a one-hour meeting does not. docketd's own
all-day deadline entries are TRANSPARENT, so they never make a day busy.

Used through `daemon.sync.busy.busy_reader`; `[calendars.NAME] freebusy = false` turns it off for one
calendar, and `freebusy_url` points it at another collection (e.g. the person's main calendar).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import icalendar

from connectors.base import PermanentError

BUSY_TYPES = ("BUSY", "BUSY-UNAVAILABLE")
WORKDAY = (time(9, 0), time(17, 0))


def query_body(start: datetime, end: datetime) -> bytes:
    """The free-busy-query REPORT body for a UTC time range."""
    fmt = "%Y%m%dT%H%M%SZ"
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav">'
        f'<C:time-range start="{start.astimezone(UTC):{fmt}}" end="{end.astimezone(UTC):{fmt}}"/>'
        "</C:free-busy-query>"
    ).encode()


def parse_freebusy(raw: bytes) -> list[tuple[datetime, datetime]]:
    """PURE: the busy periods (BUSY and BUSY-UNAVAILABLE; not tentative) of a VFREEBUSY reply, in UTC."""
    periods: list[tuple[datetime, datetime]] = []
    for comp in icalendar.Calendar.from_ical(raw).walk("VFREEBUSY"):
        props = comp.get("FREEBUSY") or []
        for prop in props if isinstance(props, list) else [props]:
            fbtype = str(prop.params.get("FBTYPE", "BUSY")).upper()
            if fbtype not in BUSY_TYPES:
                continue
            for value in _periods(prop):
                periods.append(value)
    return periods


def _periods(prop: Any) -> Iterable[tuple[datetime, datetime]]:
    # icalendar decodes FREEBUSY as a list of periods, or one; each is (start, end) or (start, duration).
    value = prop.dt if hasattr(prop, "dt") else prop
    items = value if isinstance(value, list) else [value]
    for item in items:
        p = item.dt if hasattr(item, "dt") else item
        start, end = p[0], p[1]
        if isinstance(end, timedelta):
            end = start + end
        yield _utc(start), _utc(end)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def busy_days_from_periods(periods: Iterable[tuple[datetime, datetime]], start: date, end: date, tz: str,
                           workday: tuple[time, time] = WORKDAY) -> set[date]:
    """PURE: days from start to end whose working hours (in zone `tz`) the periods cover completely."""
    zone = ZoneInfo(tz)
    merged: list[list[datetime]] = []
    for s, e in sorted(periods):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    out = set()
    day = start
    while day <= end:
        lo = datetime.combine(day, workday[0], zone).astimezone(UTC)
        hi = datetime.combine(day, workday[1], zone).astimezone(UTC)
        if any(s <= lo and hi <= e for s, e in merged):
            out.add(day)
        day += timedelta(days=1)
    return out


def caldav_busy_days(conn: Any, start: date, end: date, tz: str, url: str | None = None,
                     workday: tuple[time, time] = WORKDAY) -> set[date]:
    """Ask a CalDAV calendar (a CaldavConnector) for its free/busy and return the days its owner is out."""
    zone = ZoneInfo(tz)
    lo = datetime.combine(start, time(0), zone)
    hi = datetime.combine(end + timedelta(days=1), time(0), zone)
    target = url or conn.calendar_url()
    resp = conn.http.send("REPORT", target, {"Content-Type": "application/xml; charset=utf-8", "Depth": "1"},
                          query_body(lo, hi))
    if resp.status_code != 200:
        raise PermanentError(
            f"Calendar {conn.name}: the CalDAV server answered HTTP {resp.status_code} to a free-busy query "
            f"at {target}; it may not support free/busy. Set freebusy = false in [calendars.{conn.name}] "
            "to stop asking (out_of_office in [people] still works).")
    return busy_days_from_periods(parse_freebusy(resp.content), start, end, tz, workday)
