"""Google Calendar connector: deadlines in an attorney's Google calendar, exactly once.

Identity: the event id is the entry's uid (client-supplied, base32hex-valid). Create = insert with that
id; 409 = already there (maybe cancelled) -> fetch and patch back. Update = patch with If-Match; 412 =
changed since docketd wrote it -> EditConflict, unless the event already shows docketd's content (our
own write whose answer was lost). Delete = delete; 404/410 = already gone. Only events carrying
docketd's private marker are ever modified or deleted.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

import google_auth_httplib2  # type: ignore[import-untyped]
import httplib2
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpRequest

from connectors.base import (
    AuthRequest,
    Capabilities,
    Connector,
    ConnectorContext,
    ConnectorError,
    EditConflict,
    NotFound,
    Op,
    OpResult,
    TransientError,
    UnmanagedEvent,
)
from connectors.google.auth import TokenKeeper, load_credentials
from connectors.google.auth import auth_command as auth_command
from connectors.google.http import MAX_BATCH, Caller, shared_throttle, status_of, translate
from connectors.google.mapping import (
    MARKER,
    Rendering,
    event_body,
    is_current,
    is_managed,
    remote_event,
)
from connectors.google.settings import parse_section
from daemon.models import CalendarEntry, RemoteEvent, RemoteRef

log = logging.getLogger(__name__)

GOOGLE_ENDPOINT = "https://www.googleapis.com/calendar/v3/"


def batch_uri_for(api_endpoint: str) -> str:
    """Google's batch URL for an api_endpoint (the client library ignores the override for batches)."""
    base = api_endpoint or GOOGLE_ENDPOINT
    root = base[: -len("calendar/v3/")] if base.endswith("calendar/v3/") else base.rstrip("/") + "/"
    return root + "batch/calendar/v3"


class GoogleConnector(Connector):
    """One Google calendar (a person's primary or a shared docket calendar) via Calendar API v3."""

    capabilities = Capabilities(max_reminders=5, max_reminder_minutes=40320)

    @classmethod
    def sign_in(cls, request: AuthRequest, section: dict[str, Any], ctx: ConnectorContext, out: TextIO) -> int:
        """`docketd auth google`: one user's consent by the loopback flow."""
        return auth_command(request, section, ctx, out)

    def __init__(self, name: str, keeper: TokenKeeper, user: str, calendar_id: str = "primary",
                 api_endpoint: str = "", batch_endpoint: str = "", rendering: Rendering | None = None,
                 timeout_seconds: float = 20.0, retry_budget_seconds: float = 30.0,
                 requests_per_minute: int = 600, batch_size: int = MAX_BATCH, send_updates: str = "none",
                 retry_base_seconds: float = 0.5) -> None:
        super().__init__(name)
        self.calendar_id = calendar_id
        self.user = user
        self.rendering = rendering or Rendering()
        self.retry_budget = retry_budget_seconds
        self.batch_size = max(1, min(batch_size, MAX_BATCH))
        self.send_updates = send_updates
        self._keeper = keeper
        self.auth_fix = keeper.fix or f"check the service account's key and its domain-wide delegation for {user}"
        self._lock = threading.RLock()  # httplib2 connections are not thread-safe
        self._http = google_auth_httplib2.AuthorizedHttp(
            keeper.creds, http=httplib2.Http(timeout=timeout_seconds))
        if api_endpoint and not api_endpoint.endswith("/"):
            api_endpoint += "/"  # the client joins method paths onto it; without the slash "v3" is lost
        options = {"api_endpoint": api_endpoint} if api_endpoint else None
        self._service = build("calendar", "v3", http=self._http, static_discovery=True,
                              client_options=options, cache_discovery=False)
        self._batch_uri = batch_endpoint or batch_uri_for(api_endpoint)
        self._events_resource: Any = None
        self._caller = Caller(shared_throttle(user, requests_per_minute), base_delay=retry_base_seconds)

    @classmethod
    def from_config(cls, name: str, section: dict[str, Any], ctx: ConnectorContext) -> GoogleConnector:
        """Build from a [calendars.NAME] section (keys documented in docs/connectors/google.md)."""
        settings = parse_section(name, section)
        keeper, user = load_credentials(name, section, ctx)
        return cls(
            name, keeper, user,
            calendar_id=settings.calendar_id,
            api_endpoint=settings.api_endpoint,
            batch_endpoint=settings.batch_endpoint,
            rendering=settings.rendering,
            timeout_seconds=settings.timeout_seconds,
            retry_budget_seconds=settings.retry_budget_seconds,
            requests_per_minute=settings.requests_per_minute,
            batch_size=settings.batch_size,
            send_updates=settings.send_updates,
            retry_base_seconds=settings.retry_base_seconds,
        )

    # -- request builders -------------------------------------------------------------------
    def _events(self) -> Any:
        # Building the events resource generates every method (and its docstring) from the discovery
        # document: make bench found that took 60% of an initial load's time when done per request.
        if self._events_resource is None:
            self._events_resource = self._service.events()
        return self._events_resource

    def _get_req(self, uid: str) -> HttpRequest:
        return self._events().get(calendarId=self.calendar_id, eventId=uid)

    def _insert_req(self, body: dict[str, Any]) -> HttpRequest:
        return self._events().insert(calendarId=self.calendar_id, body=body, sendUpdates=self.send_updates)

    def _patch_req(self, uid: str, body: dict[str, Any], etag: str | None) -> HttpRequest:
        req = self._events().patch(calendarId=self.calendar_id, eventId=uid, body=body,
                                   sendUpdates=self.send_updates)
        if etag:
            req.headers["If-Match"] = etag
        return req

    def _delete_req(self, uid: str, etag: str | None) -> HttpRequest:
        req = self._events().delete(calendarId=self.calendar_id, eventId=uid, sendUpdates=self.send_updates)
        if etag:
            req.headers["If-Match"] = etag
        return req

    def _list_req(self, page_token: str | None) -> HttpRequest:
        return self._events().list(calendarId=self.calendar_id, privateExtendedProperty=f"{MARKER}=1",
                                   showDeleted=False, maxResults=2500, pageToken=page_token)

    def _call(self, make: Callable[[], HttpRequest], deadline: float) -> Any:
        with self._lock:
            try:
                return self._caller.call(make, deadline)
            finally:
                self._keeper.persist_if_refreshed()

    def _deadline(self) -> float:
        return time.monotonic() + self.retry_budget

    def _where(self, uid: str = "") -> str:
        return f"event {uid} in calendar {self.calendar_id} ({self.name})" if uid else f"calendar {self.name}"

    def _render(self, entry: CalendarEntry) -> dict[str, Any]:
        rendered = event_body(entry, self.rendering)
        if rendered.dropped_reminders:
            log.warning("Google holds at most 5 reminders of up to 40320 minutes; %s lost reminders %s "
                        "(the reconciler should have made tickler entries for them).",
                        self._where(entry.uid), list(rendered.dropped_reminders))
        return rendered.body

    # -- the raw operations (errors: HttpError or ConnectorError) ------------------------------
    def _fetch(self, uid: str, deadline: float) -> dict[str, Any] | None:
        try:
            return dict(self._call(lambda: self._get_req(uid), deadline))
        except HttpError as exc:
            if status_of(exc) in (404, 410):
                return None
            raise

    def _converge(self, uid: str, body: dict[str, Any], deadline: float) -> RemoteRef:
        """Bring an existing event (maybe cancelled) to `body`, re-reading it if it changes under us."""
        for _ in range(5):
            current = self._fetch(uid, deadline)
            if current is None:
                try:
                    event = self._call(lambda: self._insert_req(body), deadline)
                    return RemoteRef(event["id"], event["etag"])
                except HttpError as exc:
                    if status_of(exc) == 409:
                        continue
                    raise
            if not is_managed(current):
                raise UnmanagedEvent(f"{self._where(uid)} was not created by docketd; it is left alone.")
            if is_current(current, body):
                return RemoteRef(current["id"], current["etag"])
            try:
                # Restoring a cancelled event is a patch of its status, never a second insert.
                event = self._call(functools.partial(self._patch_req, uid, body, current["etag"]), deadline)
                return RemoteRef(event["id"], event["etag"])
            except HttpError as exc:
                if status_of(exc) not in (404, 410, 412):
                    raise
        raise TransientError(f"{self._where(uid)} kept changing while docketd wrote it; will retry.")

    def _create(self, entry: CalendarEntry, deadline: float) -> RemoteRef:
        body = self._render(entry)
        try:
            event = self._call(lambda: self._insert_req(body), deadline)
            return RemoteRef(event["id"], event["etag"])
        except HttpError as exc:
            if status_of(exc) != 409:
                raise
        return self._converge(entry.uid, body, deadline)

    def _update(self, entry: CalendarEntry, ref: RemoteRef, force: bool, deadline: float) -> RemoteRef:
        body = self._render(entry)
        if force:
            if self._fetch(entry.uid, deadline) is None:
                raise NotFound(f"{self._where(entry.uid)} is not in the calendar.")
            return self._converge(entry.uid, body, deadline)
        if not ref.etag:
            # No version to make the write conditional on: only an event already showing docketd's
            # content is accepted; anything else is treated as a person's edit.
            return self._after_precondition_failed(entry.uid, body, deadline)
        try:
            event = self._call(lambda: self._patch_req(entry.uid, body, ref.etag), deadline)
            return RemoteRef(event["id"], event["etag"])
        except HttpError as exc:
            status = status_of(exc)
            if status in (404, 410):
                raise NotFound(f"{self._where(entry.uid)} is not in the calendar.") from None
            if status != 412:
                raise
        return self._after_precondition_failed(entry.uid, body, deadline)

    def _after_precondition_failed(self, uid: str, body: dict[str, Any], deadline: float) -> RemoteRef:
        current = self._fetch(uid, deadline)
        if current is None:
            raise NotFound(f"{self._where(uid)} is not in the calendar.")
        if not is_managed(current):
            raise UnmanagedEvent(f"{self._where(uid)} was not created by docketd; docketd leaves it alone.")
        if is_current(current, body):
            return RemoteRef(current["id"], current["etag"])  # our own earlier write; its answer was lost
        what = "deleted" if current.get("status") == "cancelled" else "changed"
        raise EditConflict(f"{self._where(uid)} was {what} in Google Calendar since docketd wrote it.",
                           remote_event(current))

    def _delete(self, uid: str, deadline: float) -> None:
        for _ in range(5):
            current = self._fetch(uid, deadline)
            if current is None or current.get("status") == "cancelled":
                return
            if not is_managed(current):
                raise UnmanagedEvent(f"{self._where(uid)} was not created by docketd; it is not deleted.")
            try:
                self._call(functools.partial(self._delete_req, uid, current["etag"]), deadline)
                return
            except HttpError as exc:
                if status_of(exc) in (404, 410):
                    return
                if status_of(exc) != 412:
                    raise
        raise TransientError(f"{self._where(uid)} kept changing while docketd deleted it; will retry.")

    def _guard(self, uid: str, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except ConnectorError:
            raise
        except Exception as exc:  # noqa: BLE001 - translated into the connector's error types
            raise translate(exc, self._where(uid), self.auth_fix) from exc

    # -- Connector interface -----------------------------------------------------------------
    def create(self, entry: CalendarEntry) -> RemoteRef:
        """Insert with the deterministic id; if it exists (even cancelled), converge it."""
        return self._guard(entry.uid, lambda: self._create(entry, self._deadline()))

    def update(self, entry: CalendarEntry, ref: RemoteRef, force: bool = False) -> RemoteRef:
        """Patch with If-Match; a person's edit raises EditConflict unless forced."""
        deadline = self._deadline()
        return self._guard(entry.uid, lambda: self._update(entry, ref, force, deadline))

    def delete(self, uid: str, ref: RemoteRef | None) -> None:
        """Delete a managed event; already gone is success; foreign events raise UnmanagedEvent."""
        self._guard(uid, lambda: self._delete(uid, self._deadline()))

    def get(self, uid: str) -> RemoteEvent | None:
        """The event with this id (cancelled ones too), or None."""
        event = self._guard(uid, lambda: self._fetch(uid, self._deadline()))
        return remote_event(event) if event is not None else None

    def list_managed(self) -> list[RemoteEvent]:
        """Every live event in this calendar carrying docketd's marker."""
        return self._guard("", self._list_managed)

    def _list_managed(self) -> list[RemoteEvent]:
        deadline = self._deadline()
        out: list[RemoteEvent] = []
        token: str | None = None
        while True:
            page = self._call(functools.partial(self._list_req, token), deadline)
            out.extend(remote_event(e) for e in page.get("items", []) if is_managed(e))
            token = page.get("nextPageToken")
            if not token:
                return out

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        """Run ops in batches of up to 100; anything a batch cannot settle goes through the careful path."""
        from connectors.google.apply import apply_ops

        return apply_ops(self, ops)

    def close(self) -> None:
        """Close the HTTP connections."""
        with self._lock:
            self._http.http.close()
