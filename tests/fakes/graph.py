"""A local Microsoft Graph (calendar endpoints) plus the identity endpoints msal uses, over HTTPS.

Use as a context manager: `with FakeGraph(tmp_path) as graph:`; point the connector at `graph.url`
(graph_endpoint), `graph.authority` and `graph.ca_file`. Faults: `graph.fail(rate, seed)` makes that
share of requests (and of $batch sub-requests) fail with 429/503/504 + Retry-After, a plain 500, or a
connection reset (before or after the change was made). `graph.counters` counts what happened.
"""

from __future__ import annotations

import collections
import json
import random
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.graph_identity import Identity
from tests.fakes.graph_server import Reset, make_handler
from tests.fakes.graph_store import GraphError, Store, render
from tests.fakes.tls import TestCertificates, make_certificates

FAULTS = ("429", "503", "504", "500", "reset-before", "reset-after")
MAX_BATCH = 20  # https://learn.microsoft.com/graph/json-batching: at most 20 requests per batch
MAX_CONCURRENT = 4  # Outlook service limit: 4 concurrent requests per app per mailbox


class FakeGraph:
    """A Graph tenant on 127.0.0.1 with failure injection and counters."""

    def __init__(
        self,
        directory: Path,
        tenant: str = "contoso.onmicrosoft.com",
        client_id: str = "11111111-2222-3333-4444-555555555555",
        client_secret: str = "test-secret",
        retry_after: int = 0,
    ) -> None:
        self.certs: TestCertificates = make_certificates(directory / "tls")
        self.identity = Identity(tenant, client_id, client_secret)
        self.store = Store()
        self.counters: collections.Counter[str] = collections.Counter()
        self.retry_after = retry_after
        self.fail_rate = 0.0
        self.fault_kinds: tuple[str, ...] = FAULTS
        self._rng = random.Random(0)
        self._script: list[str | None] = []
        self._lock = threading.Lock()
        self._inflight: collections.Counter[str] = collections.Counter()
        self.max_inflight: collections.Counter[str] = collections.Counter()
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # (method, path, headers) of Graph calls
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self) -> FakeGraph:
        """Serve on a free port of 127.0.0.1."""
        handler = make_handler(self)
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.socket = self.certs.server_context().wrap_socket(server.socket, server_side=True)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-graph", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeGraph:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base(self) -> str:
        """https://127.0.0.1:PORT"""
        assert self._server is not None, "start() the fake first"
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The Graph endpoint (`graph_endpoint` in config)."""
        return f"{self.base}/v1.0"

    @property
    def authority(self) -> str:
        """The authority URL (`authority` in config)."""
        return f"{self.base}/{self.identity.tenant}"

    @property
    def ca_file(self) -> Path:
        """The CA that signed the server certificate (`ca_bundle` in config)."""
        return self.certs.ca_file

    # -- test controls ---------------------------------------------------------------------------
    def fail(self, rate: float, seed: int = 0, kinds: tuple[str, ...] = FAULTS) -> None:
        """Fail this share of Graph requests (and $batch sub-requests) from now on."""
        with self._lock:
            self.fail_rate, self.fault_kinds, self._rng = rate, kinds, random.Random(seed)

    def script(self, *faults: str | None) -> None:
        """Fail the next requests exactly so (None = answer normally), before any random faults."""
        with self._lock:
            self._script.extend(faults)

    def events(self, mailbox: str, calendar: str | None = None) -> list[dict[str, Any]]:
        """Every event in a mailbox (or one calendar of it), as stored (times in their own zone)."""
        with self.store.lock:
            cals = self.store.mailbox(mailbox)
            chosen = [cals[calendar]] if calendar else list(cals.values())
            return [json.loads(json.dumps(ev)) for cal in chosen for ev in cal.events.values()]

    def add_calendar(self, mailbox: str, calendar_id: str, name: str = "Docket") -> None:
        """Give a mailbox another calendar."""
        from tests.fakes.graph_store import Calendar

        with self.store.lock:
            self.store.mailbox(mailbox).setdefault(calendar_id, Calendar(calendar_id, name))

    def add_event(self, mailbox: str, body: dict[str, Any], calendar: str = "calendar") -> str:
        """Put an event there as Outlook would (a person or another app); returns its id."""
        _, ev = self.store.create(mailbox, calendar, body)
        return str(ev["id"])

    def edit_by_hand(self, mailbox: str, event_id: str, **changes: Any) -> None:
        """Change an event as a person in Outlook would; its changeKey changes."""
        self.store.update(mailbox, event_id, changes)

    def dismiss_reminder(self, mailbox: str, event_id: str) -> None:
        """A person dismisses the reminder: Exchange changes the item (and its changeKey), not the deadline."""
        self.store.update(mailbox, event_id, {"isReminderOn": False})

    def delete_by_hand(self, mailbox: str, event_id: str) -> None:
        """Delete an event as a person would."""
        self.store.delete(mailbox, event_id)

    def approve(self, upn: str, user_code: str | None = None) -> bool:
        """A person enters the device code and consents (all pending codes if none is given)."""
        return self.identity.approve(upn, user_code)

    def revoke_refresh_tokens(self) -> None:
        """Refresh tokens die (90 days unused, or consent revoked)."""
        self.identity.revoke_refresh_tokens()

    def expire_access_tokens(self) -> None:
        """Access tokens stop working before their stated expiry."""
        self.identity.expire_access_tokens()

    # -- request handling ------------------------------------------------------------------------
    def next_fault(self) -> str | None:
        """The fault to inject into the next request (scripted first, then at random), or None."""
        with self._lock:
            if self._script:
                return self._script.pop(0)
            if self.fail_rate and self._rng.random() < self.fail_rate:
                return self._rng.choice(self.fault_kinds)
        return None

    def fault_response(self, kind: str) -> tuple[int, dict[str, str], dict[str, Any]]:
        """A failure status in Graph's shape, with Retry-After where Graph sends one."""
        self.counters[f"fault-{kind}"] += 1
        status = int(kind)
        headers = {"Retry-After": str(self.retry_after)} if status in (429, 503, 504) else {}
        code = {429: "TooManyRequests", 503: "ServiceUnavailable", 504: "GatewayTimeout"}.get(
            status, "InternalServerError"
        )
        return status, headers, {"error": {"code": code, "message": f"Injected {status}."}}

    def handle_graph(
        self, method: str, target: str, headers: dict[str, str], body: Any, top: bool
    ) -> tuple[int, dict[str, str], Any]:
        """One Graph request (top-level or inside a $batch); may raise Reset."""
        fault = self.next_fault()
        if fault == "reset-before" and top:
            self.counters["fault-reset-before"] += 1
            raise Reset
        if fault and fault.isdigit():
            return self.fault_response(fault)
        result = self._dispatch(method, target, headers, body)
        if fault == "reset-after" and top:
            self.counters["fault-reset-after"] += 1
            raise Reset
        if fault and not top:  # sub-requests cannot be reset; the batch answers 503 after doing it
            return self.fault_response("503")
        return result

    def _dispatch(
        self, method: str, target: str, headers: dict[str, str], body: Any
    ) -> tuple[int, dict[str, str], Any]:
        lower = {k.lower(): v for k, v in headers.items()}
        token = self.identity.check_bearer(lower.get("authorization"))
        if token is None:
            self.counters["unauthorized"] += 1
            return (
                401,
                {},
                {
                    "error": {
                        "code": "InvalidAuthenticationToken",
                        "message": "Access token has expired or is not yet valid.",
                    }
                },
            )
        prefer = lower.get("prefer", "")
        if 'IdType="ImmutableId"' not in prefer:
            self.counters["missing-immutable-id"] += 1
        tz_name = "UTC"
        for part in prefer.split(","):
            part = part.strip()
            if part.startswith("outlook.timezone="):
                tz_name = part.split("=", 1)[1].strip('"')
        split = urlsplit(target)
        params = {k: v[0] for k, v in parse_qs(split.query).items()}
        parts = [unquote(p) for p in split.path.strip("/").split("/")]
        if parts and parts[0] == "v1.0":
            parts = parts[1:]
        if parts[:1] == ["me"]:
            if token.upn is None:
                return 400, {}, {"error": {"code": "BadRequest", "message": "/me needs a delegated token."}}
            parts = ["users", token.upn, *parts[1:]]
        if len(parts) < 3 or parts[0] != "users":
            return 404, {}, {"error": {"code": "BadRequest", "message": f"Unknown path {split.path}."}}
        upn = parts[1].lower()
        if token.upn is not None and token.upn.lower() != upn:
            return 403, {}, {"error": {"code": "ErrorAccessDenied", "message": "Access is denied."}}
        with self._lock:
            self.requests.append((method, split.path, dict(headers)))
            self.counters[f"{method} events"] += 1
        try:
            return self._route(method, upn, parts[2:], params, body, tz_name)
        except GraphError as exc:
            return exc.status, {}, exc.body()

    def _route(
        self, method: str, upn: str, rest: list[str], params: dict[str, str], body: Any, tz_name: str
    ) -> tuple[int, dict[str, str], Any]:
        if rest[0] == "calendar":
            cal_id, rest = "calendar", rest[1:]
        elif rest[0] == "calendars" and len(rest) >= 2:
            cal_id, rest = rest[1], rest[2:]
        else:
            cal_id = ""
        if rest[:1] != ["events"]:
            raise GraphError(404, "BadRequest", "Only event endpoints are faked.")
        if len(rest) == 1 and cal_id:
            cal = self.store.calendar(upn, cal_id)
            if method == "POST":
                status, ev = self.store.create(upn, cal_id, body or {})
                return status, {}, render(ev, {}, tz_name)
            if method == "GET":
                with self.store.lock:
                    found = self.store.query(list(cal.events.values()), params)
                    top, skip = int(params.get("$top", "10")), int(params.get("$skip", "0"))
                    page = [render(ev, params, tz_name) for ev in found[skip : skip + top]]
                out: dict[str, Any] = {"value": page}
                if skip + top < len(found):
                    query = "&".join(f"{k}={v}" for k, v in params.items() if k != "$skip")
                    out["@odata.nextLink"] = (
                        f"{self.url}/users/{upn}/calendars/{cal_id}/events?{query}&$skip={skip + top}"
                    )
                return 200, {}, out
        if len(rest) == 2:
            event_id = rest[1]
            if method == "GET":
                _, ev = self.store.find(upn, event_id)
                return 200, {}, render(ev, params, tz_name)
            if method == "PATCH":
                return 200, {}, render(self.store.update(upn, event_id, body or {}), {}, tz_name)
            if method == "DELETE":
                self.store.delete(upn, event_id)
                return 204, {}, None
        raise GraphError(405, "BadRequest", f"{method} is not supported here.")

    def handle_batch(self, headers: dict[str, str], body: Any) -> tuple[int, dict[str, str], Any]:
        """JSON batching: up to 20 sub-requests, each answered on its own."""
        requests = (body or {}).get("requests", [])
        self.counters["batches"] += 1
        if not requests or len(requests) > MAX_BATCH:
            return (
                400,
                {},
                {
                    "error": {
                        "code": "BadRequest",
                        "message": f"A batch holds 1 to {MAX_BATCH} requests, not {len(requests)}.",
                    }
                },
            )
        auth = {"Authorization": headers.get("Authorization", "")}
        responses = []
        for sub in requests:
            sub_headers = {**auth, **sub.get("headers", {})}
            status, rh, rb = self.handle_graph(sub["method"], sub["url"], sub_headers, sub.get("body"), top=False)
            item: dict[str, Any] = {"id": sub["id"], "status": status, "headers": rh}
            if rb is not None:
                item["body"] = rb
            responses.append(item)
        return 200, {}, {"responses": responses}

    def enter_mailboxes(self, mailboxes: set[str]) -> None:
        """Track concurrent requests per mailbox (Outlook allows 4 per app per mailbox)."""
        with self._lock:
            for mb in mailboxes:
                self._inflight[mb] += 1
                self.max_inflight[mb] = max(self.max_inflight[mb], self._inflight[mb])
                if self._inflight[mb] > MAX_CONCURRENT:
                    self.counters["concurrency-exceeded"] += 1

    def leave_mailboxes(self, mailboxes: set[str]) -> None:
        """The request is done."""
        with self._lock:
            for mb in mailboxes:
                self._inflight[mb] -= 1
