"""CalDAV calendars (iCloud, Fastmail, Nextcloud, Zimbra, Radicale): docketd's events as `<uid>.ics` objects.

Glossary (RFC 4791 / RFC 4918 words): a calendar is a collection URL; an object resource is one
`.ics` file at an href in it; its ETag changes whenever anyone rewrites it.

- Discovery and listing use the `caldav` library (PROPFIND, calendar-query REPORT).
- Writes are raw conditional requests on our own session, because they must carry preconditions
  the library does not expose: create = PUT with `If-None-Match: *` (RFC 7232 3.2), update = PUT
  with `If-Match: <etag>` (412 = someone changed it), delete = DELETE with `If-Match` (404 = gone).
- Only events carrying X-DOCKETD-KEY are docketd's; anything else is never written or deleted.
- Every request is idempotent in effect (conditional PUT, DELETE, GET, PROPFIND, REPORT), so all
  of them are retried: 429/503 after Retry-After, other 5xx and network errors with jittered
  backoff, within one bounded time budget per `apply()`; then TransientError keeps ops queued.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date
from datetime import time as clock_time
from pathlib import Path
from typing import Any, TextIO, cast
from urllib.parse import urljoin

# This module is connectors.caldav.calendar; absolute imports make `caldav.*` the third-party library.
import icalendar
from caldav.collection import Calendar as DavCalendar
from caldav.elements import dav

from connectors.base import (
    AuthError,
    AuthRequest,
    Capabilities,
    Connector,
    ConnectorContext,
    ConnectorError,
    EditConflict,
    NotFound,
    Op,
    OpResult,
    PermanentError,
    TransientError,
    UnmanagedEvent,
    run_op,
)
from connectors.caldav.http import DavTransport, RetryPolicy, parse_retry_after, read_password
from connectors.caldav.settings import check_section
from connectors.ical_render import parse_vevent, render_calendar, render_vevent
from daemon.errors import redact_credentials
from daemon.models import CalendarEntry, RemoteEvent, RemoteRef

log = logging.getLogger(__name__)
CALENDAR_TYPE = "{urn:ietf:params:xml:ns:caldav}calendar"
ICS_TYPE = "text/calendar; charset=utf-8"
__all__ = ["CaldavConnector", "RetryPolicy", "auth_command", "parse_retry_after", "read_password"]


class _Changed(Exception):
    """A conditional write lost a race (HTTP 412); the caller re-reads and decides."""


class CaldavConnector(Connector):
    """One CalDAV calendar; found from a calendar URL or a principal URL (+ optional calendar name)."""

    capabilities = Capabilities(max_reminders=None, max_reminder_minutes=None)

    @classmethod
    def sign_in(cls, request: AuthRequest, section: dict[str, Any], ctx: ConnectorContext, out: TextIO) -> int:
        """`docketd auth caldav`: check the login and show the calendar docketd writes to."""
        return auth_command(request, section, ctx, out)

    def __init__(
        self,
        name: str,
        url: str,
        username: str,
        password: str,
        calendar: str | None = None,
        timeout: float = 30.0,
        verify: bool | str = True,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(name)
        self.url = url if url.endswith("/") else url + "/"
        self.username = username
        self.calendar = calendar
        self.http = DavTransport(name, self.url, username, password, timeout=timeout, verify=verify,
                                 retry=retry, sleep=sleep, clock=clock)
        self._calendar_url: str | None = None

    def free_busy_days(self, start: date, end: date, tz: str, url: str | None,
                       workday: tuple[clock_time, clock_time]) -> set[date]:
        """Days the owner is out or busy all day, by a free-busy-query REPORT (to `url`, else this calendar)."""
        from connectors.caldav.busy import caldav_busy_days

        return caldav_busy_days(self, start, end, tz, url, workday)

    @classmethod
    def from_config(cls, name: str, section: dict[str, Any], ctx: ConnectorContext) -> CaldavConnector:
        """Build from [calendars.NAME]: url, username, password_file or password_credential, calendar."""
        problems = check_section(name, section)
        if problems:
            raise PermanentError(" ".join(problems))
        url = str(section["url"])
        username = str(section["username"])
        verify: bool | str = section.get("verify_tls", True)
        if isinstance(verify, str):
            verify = str(Path(ctx.config_dir, verify))
        return cls(
            name,
            url,
            username,
            read_password(name, section, ctx),
            calendar=section.get("calendar") or None,
            timeout=float(section.get("timeout_seconds", 30)),
            verify=verify,
            retry=RetryPolicy(budget_seconds=float(section.get("retry_seconds", 30))),
        )

    # -- discovery ----------------------------------------------------------------------------------

    def calendar_url(self) -> str:
        """The calendar collection URL: `url` itself if it is a calendar, else found under the principal."""
        if self._calendar_url is not None:
            return self._calendar_url
        target = DavCalendar(client=self.http.client, url=self.url)
        props = self.http.library(
            lambda: cast(dict[str, Any], target.get_properties([dav.ResourceType()])), "discovery"
        )
        types = props.get("{DAV:}resourcetype") or []
        if CALENDAR_TYPE in types:
            self._calendar_url = self.url
            return self.url
        calendars = self.http.library(lambda: self.http.client.principal().calendars(), "calendar discovery")
        found = {str(c.url): _calendar_names(c) for c in calendars}
        wanted = [u for u, names in found.items() if self.calendar is None or self.calendar in names]
        if len(wanted) != 1:
            names = ", ".join(sorted(n[0] for n in found.values())) or "none"
            need = (f"no calendar named {self.calendar!r}" if self.calendar and not wanted
                    else "more than one calendar")
            raise PermanentError(
                f"The CalDAV account {self.username!r} at {self.url} has {need} (calendars: {names}); "
                f"set calendar = \"<name>\" or url = the calendar's URL in [calendars.{self.name}]."
            )
        url = wanted[0] if wanted[0].endswith("/") else wanted[0] + "/"
        self._calendar_url = url
        return url

    def href(self, uid: str) -> str:
        """The object URL docketd uses for an identity: `<uid>.ics` under the calendar."""
        return urljoin(self.calendar_url(), f"{uid}.ics")

    # -- reading ----------------------------------------------------------------------------------

    def _fetch(self, url: str) -> RemoteEvent | None:
        resp = self.http.send("GET", url)
        if resp.status_code in (404, 410):
            return None
        if resp.status_code != 200:
            raise self.http.refused(resp, "read an event")
        return _parse_object(resp.content, url, resp.headers.get("ETag", ""))

    def get(self, uid: str) -> RemoteEvent | None:
        """The event at docketd's href for this identity, or None."""
        return self._fetch(self.href(uid))

    def list_managed(self) -> list[RemoteEvent]:
        """Every docketd event in the calendar (a calendar-query REPORT, filtered by X-DOCKETD-KEY)."""
        cal = DavCalendar(client=self.http.client, url=self.calendar_url())
        objects = self.http.library(lambda: cast(list[Any], cal.search(event=True)), "listing events")
        events: list[RemoteEvent] = []
        for obj in objects:
            etag = str(obj.props.get("{DAV:}getetag", "")) if obj.props else ""
            data = obj.data
            raw = data.encode("utf-8") if isinstance(data, str) else bytes(data or b"")
            event = _parse_object(raw, str(obj.url), etag)
            if event is not None and event.managed:
                events.append(event)
        return events

    # -- writing ----------------------------------------------------------------------------------

    def _body(self, entry: CalendarEntry, sequence: int) -> bytes:
        vevent = render_vevent(entry, sequence)  # DTSTAMP: entry.changed_at, from the sync state
        return bytes(render_calendar([vevent]).to_ical())

    def _put(self, entry: CalendarEntry, url: str, current: RemoteEvent | None) -> RemoteRef:
        """PUT `entry` at url: If-None-Match: * when new, If-Match: <etag> over `current`."""
        if current is None:
            headers, sequence = {"If-None-Match": "*"}, 0
        else:
            # A server that gave no ETag cannot take If-Match; ownership was checked just before.
            headers = {"If-Match": current.etag} if current.etag else {}
            sequence = _sequence(current) + 1
        headers["Content-Type"] = ICS_TYPE
        resp = self.http.send("PUT", url, headers=headers, body=self._body(entry, sequence))
        if resp.status_code == 412:
            raise _Changed()
        if resp.status_code in (403, 409) and current is None and b"no-uid-conflict" in resp.content:
            raise UnmanagedEvent(
                f"Calendar {self.name!r} already holds another event with docketd's identity "
                f"{entry.uid} under a different name; docketd will not touch it. Remove it by hand."
            )
        if resp.status_code not in (200, 201, 204):
            raise self.http.refused(resp, f"save the event {entry.summary!r}")
        etag = resp.headers.get("ETag", "")
        if not etag or etag.startswith("W/"):
            # RFC 4791 5.3.4: a server that changed our data sends no strong ETag; read the real one.
            stored = self._fetch(url)
            etag = stored.etag if stored else ""
        return RemoteRef(url, etag)

    def _owned(self, current: RemoteEvent, uid: str) -> RemoteEvent:
        if not current.managed:
            raise UnmanagedEvent(
                f"The event {current.summary!r} ({uid}) in calendar {self.name!r} was not created by "
                "docketd; docketd does not change or delete it."
            )
        return current

    def create(self, entry: CalendarEntry) -> RemoteRef:
        """Create with If-None-Match: *; if docketd's event already exists, converge it to `entry`."""
        url = self.href(entry.uid)
        for attempt in range(4):
            current = self._fetch(url) if attempt else None
            if current is not None:
                self._owned(current, entry.uid)
                if not current.cancelled and _matches(current, entry):
                    return RemoteRef(url, current.etag)  # already there: zero writes
            try:
                return self._put(entry, url, current)
            except _Changed:
                continue  # it exists (or changed under us): read it and converge
        raise self.http.unreachable("the event kept changing while docketd wrote it")

    def update(self, entry: CalendarEntry, ref: RemoteRef, force: bool = False) -> RemoteRef:
        """Update with If-Match; a change since `ref` raises EditConflict unless `force`."""
        # Always docketd's own href: a ref recorded against an old `url` must not steer writes elsewhere.
        url = self.href(entry.uid)
        for _ in range(4):
            current = self._fetch(url)
            if current is None:
                raise NotFound(f"docketd's event {entry.summary!r} is no longer in calendar {self.name!r}.")
            self._owned(current, entry.uid)
            if _matches(current, entry) and not current.cancelled:
                return RemoteRef(url, current.etag)  # our earlier write landed, or nothing to do
            if ref.etag and current.etag != ref.etag and not force:
                raise EditConflict(
                    f"Someone changed docketd's event {current.summary!r} in calendar {self.name!r} "
                    f"(it is now on {current.start.isoformat()}) since docketd wrote it.",
                    current,
                )
            try:
                return self._put(entry, url, current)
            except _Changed:
                continue
        raise self.http.unreachable("the event kept changing while docketd wrote it")

    def delete(self, uid: str, ref: RemoteRef | None) -> None:
        """Delete docketd's event; already gone is success, someone else's event is refused."""
        url = self.href(uid)
        for _ in range(4):
            current = self._fetch(url)
            if current is None:
                return
            self._owned(current, uid)
            resp = self.http.send("DELETE", url, headers={"If-Match": current.etag} if current.etag else None)
            if resp.status_code in (200, 204, 404, 410):
                return
            if resp.status_code != 412:
                raise self.http.refused(resp, f"delete the event {current.summary!r}")
        raise self.http.unreachable("the event kept changing while docketd deleted it")

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        """Run ops in order within one retry budget; after a transient or auth failure the rest wait too."""
        results: list[OpResult] = []
        stop: ConnectorError | None = None
        with self.http.budget():
            for op in ops:
                if stop is not None:
                    results.append(OpResult(op, None, stop))
                    continue
                result = run_op(self, op)
                if isinstance(result.error, TransientError | AuthError):
                    stop = result.error
                results.append(result)
        return results

    def close(self) -> None:
        """Close the connections."""
        self.http.close()


def _calendar_names(cal: Any) -> tuple[str, ...]:
    segment = str(cal.url).rstrip("/").rsplit("/", 1)[-1]
    display = cal.props.get("{DAV:}displayname") if getattr(cal, "props", None) else None
    return (str(display), segment) if display else (segment,)


def _parse_object(raw: bytes, url: str, etag: str) -> RemoteEvent | None:
    """The master VEVENT of one calendar object resource, or None if it holds no event."""
    try:
        cal = icalendar.Calendar.from_ical(raw)
    except ValueError:
        log.warning("Skipping %s: it is not valid iCalendar data.", url)
        return None
    for vevent in cal.walk("VEVENT"):
        if "RECURRENCE-ID" not in vevent:
            try:
                return parse_vevent(vevent, remote_id=url, etag=etag)
            except (KeyError, ValueError, TypeError) as exc:
                # Someone else's malformed event must not stop docketd from listing its own.
                log.warning("Skipping %s: its VEVENT cannot be read (%s: %s).", redact_credentials(url),
                            type(exc).__name__, exc)
                return None
    return None


def _sequence(event: RemoteEvent) -> int:
    try:
        return int(event.extra.get("sequence", "0"))
    except ValueError:
        return 0


def _matches(current: RemoteEvent, entry: CalendarEntry) -> bool:
    """True when the remote event already says everything `entry` says (SEQUENCE and DTSTAMP aside)."""
    wanted = parse_vevent(render_vevent(entry, 0))
    have = {k: v for k, v in current.extra.items() if k != "sequence"}
    want = {k: v for k, v in wanted.extra.items() if k != "sequence"}
    return (
        current.start == wanted.start
        and current.start_time == wanted.start_time
        and current.summary == wanted.summary
        and have == want
    )


def auth_command(request: AuthRequest, section: dict[str, Any], ctx: ConnectorContext, out: TextIO) -> int:
    """`docketd auth caldav`: check the credentials and show which calendar docketd will write to."""
    name = request.calendar or "caldav"
    try:
        connector = CaldavConnector.from_config(name, section, ctx)
        try:
            url = connector.calendar_url()
            count = len(connector.list_managed())
        finally:
            connector.close()
    except ConnectorError as exc:
        out.write(f"{exc}\n")
        return 1
    out.write(f"OK: calendar {name!r} is {url} ({count} docketd events there).\n")
    return 0
