"""Outlook / Microsoft 365 calendars through Microsoft Graph: deadlines written exactly once.

Identity: every event carries docketd's key in a single-value extended property (found again with
$filter) and is created with a transactionId derived from that key, so a retried POST never makes a
copy. Graph has no reliable If-Match on events, so docketd reads before it writes: when the changeKey
moved, the fields docketd owns (title, start, end, all-day) are compared with the version docketd
wrote (`outlook_map.fingerprint`); a difference is a person's edit (EditConflict), while a dismissed
or snoozed reminder (a new changeKey, same deadline) is not. Ops run in two batched phases: read all,
then write all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO
from urllib.parse import quote

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
    PermanentError,
    TransientError,
    UnmanagedEvent,
)
from connectors.outlook.auth import GraphAuth
from connectors.outlook.http import GraphHttp, Request, Response, graph_message, raise_for
from connectors.outlook.mapping import (
    EXPAND,
    event_body,
    fingerprint,
    is_managed,
    key_filter,
    managed_filter,
    reminder_minutes,
    remote_event,
    transaction_id,
)
from connectors.outlook.settings import OutlookSettings, parse_settings
from daemon.models import CalendarEntry, RemoteEvent, RemoteRef

log = logging.getLogger(__name__)


@dataclass
class _Write:
    """The write an op needs after its read, and how to turn the answer into a result."""

    request: Request
    finish: Callable[[Response], OpResult]


class OutlookConnector(Connector):
    """One Outlook calendar (a mailbox's default calendar or one named by id)."""

    capabilities = Capabilities(max_reminders=1, max_reminder_minutes=None)

    @classmethod
    def sign_in(cls, request: AuthRequest, section: dict[str, Any], ctx: ConnectorContext, out: TextIO) -> int:
        """`docketd auth outlook`: device-code sign-in, or a check of app-only credentials."""
        return auth_command(request, section, ctx, out)

    def __init__(self, settings: OutlookSettings, auth: GraphAuth | None = None) -> None:
        super().__init__(settings.name)
        self.settings = settings
        self.auth = auth or GraphAuth(settings.auth)
        prefer = 'IdType="ImmutableId", outlook.timezone="UTC"'
        self.http = GraphHttp(
            settings.graph_endpoint,
            settings.mailbox,
            self.auth.token,
            prefer,
            verify=settings.verify,
            policy=settings.policy,
            batch_size=settings.batch_size,
            concurrency=settings.concurrency,
            timeout=settings.timeout,
        )

    @classmethod
    def from_config(cls, name: str, section: dict[str, Any], ctx: ConnectorContext) -> OutlookConnector:
        """Build from [calendars.NAME] kind = "outlook" (keys in docs/connectors/outlook.md)."""
        return cls(parse_settings(name, section, ctx))

    def close(self) -> None:
        """Close pooled HTTP connections."""
        self.http.close()

    # -- URLs ----------------------------------------------------------------------------------
    def _lookup_url(self, uid: str) -> str:
        return (
            f"{self.settings.events_url}?$filter={quote(key_filter(uid), safe='')}"
            f"&$expand={quote(EXPAND, safe='')}&$top=5"
        )

    def _event_url(self, remote_id: str, expand: bool = False) -> str:
        url = f"/users/{self.settings.mailbox}/events/{quote(remote_id, safe='')}"
        return f"{url}?$expand={quote(EXPAND, safe='')}" if expand else url

    def _body(self, entry: CalendarEntry) -> dict[str, Any]:
        if len(entry.reminders_minutes) > 1:
            log.warning(
                "Outlook holds one reminder per event; %s keeps %s min, the planner's tickler entries "
                "carry the others %s.",
                entry.key,
                reminder_minutes(entry),
                entry.reminders_minutes,
            )
        return event_body(entry, self.settings.timezone)

    # -- ops -----------------------------------------------------------------------------------
    def _read(self, op: Op) -> Request:
        if op.ref is not None and op.kind in ("update", "delete"):
            return Request("GET", self._event_url(op.ref.remote_id, expand=True))
        return Request("GET", self._lookup_url(op.uid))

    def _plan(self, op: Op, resp: Response) -> OpResult | _Write:
        try:
            if op.ref is not None and op.kind in ("update", "delete"):
                if resp.status == 404 and resp.error is None:
                    if op.kind == "delete":
                        return OpResult(op, None)
                    raise NotFound(f"Event {op.uid} is no longer in Outlook calendar {self.name}.")
                raise_for(resp, f"read event {op.uid} in {self.settings.mailbox}")
                found: dict[str, Any] | None = resp.body
            else:
                if resp.status == 404 and resp.error is None:
                    raise PermanentError(
                        f"Outlook calendar {self.settings.calendar_id or '(default)'} of {self.settings.mailbox} "
                        f"was not found ({graph_message(resp)}); check mailbox and calendar_id in "
                        f"[calendars.{self.name}]."
                    )
                raise_for(resp, f"look up event {op.uid} in {self.settings.mailbox}'s calendar")
                hits = resp.body.get("value", [])
                if len(hits) > 1:
                    log.warning(
                        "Outlook calendar %s holds %d events with docketd key %s; updating the first.",
                        self.name,
                        len(hits),
                        op.uid,
                    )
                found = hits[0] if hits else None
            if op.kind == "delete":
                return self._plan_delete(op, found)
            assert op.entry is not None
            if found is None:
                if op.kind == "update" and op.ref is not None:
                    raise NotFound(f"Event {op.uid} is no longer in Outlook calendar {self.name}.")
                return self._plan_post(op, op.entry)
            if not is_managed(found):
                raise UnmanagedEvent(
                    f"Event {op.uid} in Outlook calendar {self.name} was not created by "
                    "docketd; docketd will not change it."
                )
            if op.kind == "update" and op.ref is not None and not op.force:
                current = remote_event(found, self.settings.timezone, op.uid)
                if current.etag != op.ref.etag and not current.cancelled and _shows(current, op.entry):
                    # Our own earlier write whose answer was lost (reset, 5xx after the change): the
                    # event already shows this entry, so there is nothing to redo and nothing to flag.
                    return OpResult(op, RemoteRef(current.remote_id, current.etag))
                if current.etag != op.ref.etag or current.cancelled:
                    raise EditConflict(
                        f"Someone changed deadline event {op.uid} in Outlook calendar {self.name} "
                        f"(now {current.start}); docketd left it as it is.",
                        current,
                    )
            return self._plan_patch(op, op.entry, str(found["id"]))
        except ConnectorError as exc:
            return OpResult(op, None, exc)

    def _plan_post(self, op: Op, entry: CalendarEntry) -> _Write:
        body = self._body(entry)
        body["transactionId"] = transaction_id(self.settings.mailbox, self.settings.calendar_id, entry.uid)

        def finish(resp: Response) -> OpResult:
            raise_for(resp, f"create event {entry.uid}")
            return OpResult(op, RemoteRef(str(resp.body["id"]), fingerprint(resp.body, self.settings.timezone)))

        return _Write(Request("POST", self.settings.events_url, body), finish)

    def _plan_patch(self, op: Op, entry: CalendarEntry, remote_id: str) -> _Write:
        def finish(resp: Response) -> OpResult:
            if resp.status == 404 and resp.error is None:
                if op.kind == "create":  # deleted between our read and write: create it next round
                    raise TransientError(f"Event {op.uid} vanished while docketd updated it; docketd will retry.")
                raise NotFound(f"Event {op.uid} is no longer in Outlook calendar {self.name}.")
            raise_for(resp, f"update event {entry.uid}")
            return OpResult(op, RemoteRef(str(resp.body["id"]), fingerprint(resp.body, self.settings.timezone)))

        return _Write(Request("PATCH", self._event_url(remote_id), self._body(entry)), finish)

    def _plan_delete(self, op: Op, found: dict[str, Any] | None) -> OpResult | _Write:
        if found is None:
            return OpResult(op, None)
        if not is_managed(found):
            raise UnmanagedEvent(
                f"Event {op.uid} in Outlook calendar {self.name} was not created by docketd; "
                "docketd will not delete it."
            )

        def finish(resp: Response) -> OpResult:
            if resp.status == 404 and resp.error is None:
                return OpResult(op, None)  # already gone is success
            raise_for(resp, f"delete event {op.uid}")
            return OpResult(op, None)

        return _Write(Request("DELETE", self._event_url(str(found["id"]))), finish)

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        """Run ops in two batched phases (read, then write); each op's outcome in its OpResult."""
        if not ops:
            return []
        try:
            reads = self.http.send([self._read(op) for op in ops])
            plans = [self._plan(op, resp) for op, resp in zip(ops, reads, strict=True)]
            writes = [p for p in plans if isinstance(p, _Write)]
            answers = iter(self.http.send([w.request for w in writes]) if writes else [])
        except ConnectorError as exc:  # no token, or the sign-in service is down: every op waits
            return [OpResult(op, None, exc) for op in ops]
        results: list[OpResult] = []
        for op, plan in zip(ops, plans, strict=True):
            if isinstance(plan, OpResult):
                results.append(plan)
                continue
            try:
                results.append(plan.finish(next(answers)))
            except ConnectorError as exc:
                results.append(OpResult(op, None, exc))
        return results

    def _one(self, op: Op) -> OpResult:
        (result,) = self.apply([op])
        if result.error is not None:
            raise result.error
        return result

    def create(self, entry: CalendarEntry) -> RemoteRef:
        """Create the event, or bring the existing one with this key to `entry`."""
        ref = self._one(Op("create", entry.uid, entry)).ref
        assert ref is not None
        return ref

    def update(self, entry: CalendarEntry, ref: RemoteRef, force: bool = False) -> RemoteRef:
        """PATCH the event if docketd's fields are as `ref.etag` recorded (or `force`); else EditConflict."""
        new = self._one(Op("update", entry.uid, entry, ref, force)).ref
        assert new is not None
        return new

    def delete(self, uid: str, ref: RemoteRef | None) -> None:
        """Delete docketd's event; already gone is success; other people's events are refused."""
        self._one(Op("delete", uid, None, ref))

    def get(self, uid: str) -> RemoteEvent | None:
        """The event carrying docketd key `uid` in this calendar, or None."""
        (resp,) = self.http.send([Request("GET", self._lookup_url(uid))])
        raise_for(resp, f"look up event {uid}")
        hits = resp.body.get("value", [])
        return remote_event(hits[0], self.settings.timezone, uid) if hits else None

    def list_managed(self) -> list[RemoteEvent]:
        """Every event docketd wrote in this calendar (following Graph's paging)."""
        url = (
            f"{self.settings.events_url}?$filter={quote(managed_filter(), safe='')}"
            f"&$expand={quote(EXPAND, safe='')}&$top={self.settings.page_size}"
        )
        return [remote_event(ev, self.settings.timezone) for ev in self.http.get_all(url) if is_managed(ev)]


def _shows(current: RemoteEvent, entry: CalendarEntry) -> bool:
    """True if the calendar event already shows the entry's date, time and title."""
    return (current.start, current.start_time, current.summary) == (entry.start, entry.start_time, entry.summary)


def auth_command(request: AuthRequest, section: dict[str, Any], ctx: ConnectorContext, out: TextIO) -> int:
    """`docketd auth outlook --account EMAIL`: device-code sign-in (or a check of app-only credentials)."""
    name = str(request.calendar or "outlook")
    account = str(request.account or "").strip()
    expected = str(section.get("account") or section.get("mailbox") or "").strip()
    if account and expected and account.lower() != expected.lower():
        out.write(
            f"Calendar {name!r} is for {expected}, not {account}; name the calendar of {account} with "
            f"--calendar NAME, or run `docketd auth outlook --account {expected} --calendar {name}`.\n"
        )
        return 2
    try:
        settings = parse_settings(name, section, ctx)
        auth = GraphAuth(settings.auth)
        if settings.auth.mode == "app":
            auth.token(force_refresh=True)
            out.write(
                f"Calendar {name!r} uses app-only credentials and tenant {settings.auth.tenant} accepted "
                "them; no personal sign-in is needed.\n"
            )
            return 0
        who = auth.device_sign_in(out)
    except ConnectorError as exc:
        out.write(f"{exc}\n")
        return 1
    expected = settings.auth.account.lower()
    if who and who.lower() != expected:
        out.write(
            f"You signed in as {who}, but calendar {name!r} expects {expected}; run "
            f"`docketd auth outlook --account {expected}` and sign in as {expected}.\n"
        )
        return 1
    out.write(
        f"Signed in as {who or expected}; docketd can now write deadlines to {settings.mailbox}'s "
        f"calendar. The token cache is {settings.auth.cache_path}.\n"
    )
    return 0
