"""A local fake of the Google Calendar v3 REST API (plus Google's OAuth endpoints), for tests and benchmarks.

Driven by the real google-api-python-client: build the service with
`client_options={"api_endpoint": fake.url}`. It serves

- events insert/get/patch/update/delete/list under /calendar/v3/calendars/{calendarId}/events,
  with ids validated like Google (base32hex a-v0-9, 5-1024 chars -> 400), 409 on duplicate ids (also
  for cancelled events), etags with If-Match -> 412, deletes that leave a cancelled event (a second
  delete is 410), and `privateExtendedProperty` / `showDeleted` / paging on list;
- the batch endpoint /batch/calendar/v3 (multipart/mixed of application/http parts);
- a token endpoint (JWT-bearer grant for service accounts, authorization_code and refresh_token grants
  for installed apps) and an authorization endpoint that consents at once and redirects with a code;
- injectable failures (`fail_rate`, `inject`): 429, 403 rateLimitExceeded, 500/503, timeouts (the
  request is applied but the answer comes too late) and connection resets (dropped before applying),
  plus a per-user rate limit (`rate_limit_per_minute`, 403 userRateLimitExceeded);
- `mount(prefix, handler)` so another fake (Sheets) can share the server, its tokens and its faults.

Usage:
    with FakeGoogle() as fake:
        ...  # point the client at fake.url, fake.token_uri
        fake.events("jdoe@firm.com")
"""

from __future__ import annotations

import copy
import json
import random
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from tests.fakes.google_fake_store import ApiError, CalendarStore, error_body
from tests.fakes.google_fake_tokens import TokenIssuer

FAULT_KINDS = ("429", "403", "500", "503", "timeout", "reset")


@dataclass
class Request:
    """One API call as a handler sees it (direct or one part of a batch)."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    user: str


@dataclass
class Response:
    """What a handler answers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)

    def encoded(self) -> bytes:
        """The body as bytes (JSON unless already bytes)."""
        if self.body is None:
            return b""
        if isinstance(self.body, bytes):
            return self.body
        return json.dumps(self.body).encode("utf-8")


Handler = Callable[[Request], Response]


class _Dropped(Exception):
    """Close the connection without an answer (a reset)."""


class FakeGoogle:
    """The fake Google server: start()/stop() or use as a context manager."""

    def __init__(self, rate_limit_per_minute: int = 600, latency_ms: int = 0, answer_latency_ms: int = 0) -> None:
        self.store = CalendarStore()
        self.tokens = TokenIssuer()
        self.rate_limit_per_minute = rate_limit_per_minute
        self.latency_ms = latency_ms
        self.answer_latency_ms = answer_latency_ms  # after applying, before answering: a window to be killed in
        self.hang_seconds = 1.0  # how late a "timeout" answer comes; clients should time out sooner
        self.request_count = 0
        self.write_count = 0
        self.batch_count = 0
        self.calls: list[tuple[str, str, int]] = []  # (method, path, status) of every Calendar call
        self.consent_user = "user@firm.com"  # who consents at the auth endpoint without a login_hint
        self._lock = threading.RLock()
        self._rng = random.Random(0)
        self._rate = 0.0
        self._kinds: tuple[str, ...] = FAULT_KINDS
        self._queued: list[str] = []
        self._window: dict[str, list[float]] = {}
        self._mounts: list[tuple[str, Handler]] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, port: int = 0) -> FakeGoogle:
        """Listen on 127.0.0.1 (on a free port unless one is given) in a background thread."""
        fake = self

        class _H(_HttpHandler):
            owner = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", port), _H)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-google", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeGoogle:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------------------
    @property
    def root(self) -> str:
        """http://127.0.0.1:PORT/ (the root every endpoint hangs off)."""
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}/"

    @property
    def url(self) -> str:
        """The Calendar api_endpoint to configure."""
        return self.root + "calendar/v3/"

    @property
    def batch_url(self) -> str:
        """The Calendar batch endpoint."""
        return self.root + "batch/calendar/v3"

    @property
    def token_uri(self) -> str:
        """The OAuth token endpoint (put it in key files and client secrets)."""
        return self.root + "token"

    @property
    def auth_uri(self) -> str:
        """The OAuth authorization (consent) endpoint."""
        return self.root + "o/oauth2/auth"

    # -- inspection and manipulation -----------------------------------------------------------
    def events(self, calendar_id: str) -> list[dict[str, Any]]:
        """Every stored event of a calendar (cancelled ones included), as copies."""
        return self.store.all_events(calendar_id)

    def event(self, calendar_id: str, event_id: str) -> dict[str, Any] | None:
        """One stored event (a copy), or None."""
        return self.store.peek(calendar_id, event_id)

    def edit_by_hand(self, calendar_id: str, event_id: str, **changes: Any) -> dict[str, Any]:
        """Change an event as a person would in the Calendar UI (new etag); returns the new event."""
        return self.store.edit(calendar_id, event_id, changes)

    def put_event(self, calendar_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Store an event created by someone else (any id, no docketd marker)."""
        return self.store.insert(calendar_id, copy.deepcopy(body))

    def add_service_account(self, client_email: str, public_key_pem: bytes) -> None:
        """Verify JWT assertions signed by this service account's key."""
        self.tokens.add_key(client_email, public_key_pem)

    def fail_rate(self, rate: float, seed: int = 0, kinds: tuple[str, ...] = FAULT_KINDS) -> None:
        """Fail this share of calls at random (reproducibly), with the given fault kinds."""
        with self._lock:
            self._rate, self._rng, self._kinds = rate, random.Random(seed), kinds

    def inject(self, *kinds: str) -> None:
        """Fail the next calls, one per kind given, in order (e.g. inject("429", "timeout"))."""
        with self._lock:
            self._queued.extend(kinds)

    def mount(self, prefix: str, handler: Handler) -> None:
        """Serve paths starting with `prefix` (e.g. "/v4/spreadsheets") with another fake's handler."""
        self._mounts.append((prefix, handler))

    def expire_access_tokens(self) -> None:
        """Make every access token invalid, as an hour after issue: clients get 401 and must refresh."""
        self.tokens.expire_access_tokens()

    def revoke_refresh_tokens(self) -> None:
        """Make every refresh token invalid (as when a "Testing" app's tokens expire after 7 days)."""
        self.tokens.revoke_refresh_tokens()

    # -- request processing (called from handler threads) --------------------------------------
    def _next_fault(self) -> str | None:
        with self._lock:
            if self._queued:
                return self._queued.pop(0)
            if self._rate and self._rng.random() < self._rate:
                return self._rng.choice(self._kinds)
        return None

    def _over_rate_limit(self, user: str) -> bool:
        now = time.monotonic()
        with self._lock:
            calls = [t for t in self._window.get(user, []) if now - t < 60.0]
            limited = len(calls) >= self.rate_limit_per_minute
            if not limited:
                calls.append(now)
            self._window[user] = calls
            return limited

    def _api_call(self, req: Request, fault: str | None) -> Response:
        """One Calendar (or mounted) call with faults and quota applied (the caller handles timeouts)."""
        with self._lock:
            self.request_count += 1
        refused = None
        if fault in ("429", "403", "500", "503"):
            refused = _fault_response(fault)
        elif self._over_rate_limit(req.user):
            refused = Response(403, error_body(403, "userRateLimitExceeded", "Rate Limit Exceeded",
                                               "usageLimits"))
        if refused is not None:
            with self._lock:
                self.calls.append((req.method, req.path, refused.status))
            return refused
        for prefix, handler in self._mounts:
            if req.path.startswith(prefix):
                return handler(req)
        try:
            result = self._calendar(req)
        except ApiError as exc:
            result = Response(exc.code, error_body(exc.code, exc.reason, exc.message))
        with self._lock:
            self.calls.append((req.method, req.path, result.status))
            if req.method != "GET" and result.status < 300:
                self.write_count += 1
        return result

    def _calendar(self, req: Request) -> Response:
        parts = [unquote(p) for p in req.path.split("/") if p]
        if parts[:3] != ["calendar", "v3", "calendars"] or len(parts) < 5 or parts[4] != "events":
            raise ApiError(404, "notFound", f"No such API path {req.path}.")
        cal = req.user if parts[3] == "primary" else parts[3]
        if_match = req.headers.get("if-match")
        try:
            body = json.loads(req.body) if req.body else {}
        except ValueError:
            raise ApiError(400, "parseError", "This API does not support parsing form-encoded input.") from None
        if len(parts) == 5:
            if req.method == "POST":
                return Response(200, self.store.insert(cal, body))
            if req.method == "GET":
                return Response(200, self.store.list(cal, req.query))
        elif len(parts) == 6:
            eid = parts[5]
            if req.method == "GET":
                return Response(200, self.store.get(cal, eid))
            if req.method == "PATCH":
                return Response(200, self.store.patch(cal, eid, body, if_match, replace=False))
            if req.method == "PUT":
                return Response(200, self.store.patch(cal, eid, body, if_match, replace=True))
            if req.method == "DELETE":
                self.store.delete(cal, eid, if_match)
                return Response(204)
        raise ApiError(405, "badRequest", f"{req.method} is not supported on {req.path}.")


def _fault_response(kind: str) -> Response:
    if kind == "429":
        return Response(429, error_body(429, "rateLimitExceeded", "Too Many Requests", "usageLimits"),
                        {"Retry-After": "0"})
    if kind == "403":
        return Response(403, error_body(403, "rateLimitExceeded", "Rate Limit Exceeded", "usageLimits"))
    code = int(kind)
    return Response(code, error_body(code, "backendError", "Backend Error"))


_REASONS = {200: "OK", 204: "No Content", 302: "Found", 400: "Bad Request", 401: "Unauthorized",
            403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 410: "Gone",
            412: "Precondition Failed", 429: "Too Many Requests", 500: "Internal Server Error",
            503: "Service Unavailable"}


class _HttpHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 front door: auth, token endpoints, batch unpacking, latency and transport faults."""

    owner: FakeGoogle
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - silence the default stderr log
        return

    def setup(self) -> None:
        super().setup()
        # Without TCP_NODELAY, Nagle plus the client's delayed ACK adds ~40 ms to every answer.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _handle(self) -> None:
        fake = self.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        split = urlsplit(self.path)
        headers = {k.lower(): v for k, v in self.headers.items()}
        if fake.latency_ms:
            time.sleep(fake.latency_ms / 1000.0)
        try:
            if split.path == "/token":
                status, token_body = fake.tokens.token_endpoint(parse_qs(body.decode("utf-8")))
                resp = Response(status, token_body)
            elif split.path == "/o/oauth2/auth":
                resp = self._consent(parse_qs(split.query))
            else:
                resp = self._api(split.path, parse_qs(split.query), headers, body)
        except _Dropped:
            self.close_connection = True
            return
        if fake.answer_latency_ms:
            time.sleep(fake.answer_latency_ms / 1000.0)
        self._send(resp)

    def _consent(self, query: dict[str, list[str]]) -> Response:
        user = query.get("login_hint", [self.owner.consent_user])[0]
        code = self.owner.tokens.new_code(user, query.get("scope", [""])[0])
        target = query["redirect_uri"][0]
        params = {"code": code, "state": query.get("state", [""])[0], "scope": query.get("scope", [""])[0]}
        sep = "&" if "?" in target else "?"
        return Response(302, b"", {"Location": target + sep + urlencode(params)})

    def _api(self, path: str, query: dict[str, list[str]], headers: dict[str, str], body: bytes) -> Response:
        fake = self.owner
        user = fake.tokens.user_for(headers.get("authorization", ""))
        if user is None:
            return Response(401, error_body(401, "authError", "Invalid Credentials", "global"),
                            {"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'})
        fault = fake._next_fault()
        if fault == "reset":
            with fake._lock:
                fake.request_count += 1
            raise _Dropped()
        if path.startswith("/batch/"):
            with fake._lock:
                fake.batch_count += 1
            if fault in ("429", "403", "500", "503"):
                with fake._lock:
                    fake.request_count += 1
                return _fault_response(fault)
            resp = self._batch(headers, body)
        else:
            resp = fake._api_call(Request(self.command, path, query, headers, body, user), fault)
        if fault == "timeout":
            # The work is done but the answer comes too late: the client must not assume either way.
            time.sleep(fake.hang_seconds)
        return resp

    def _batch(self, headers: dict[str, str], body: bytes) -> Response:
        fake = self.owner
        raw = b"Content-Type: " + headers.get("content-type", "").encode() + b"\r\n\r\n" + body
        message = BytesParser(policy=HTTP).parsebytes(raw)
        if not message.is_multipart():
            return Response(400, error_body(400, "badRequest", "Batch body is not multipart/mixed."))
        boundary = "batch_fake_boundary"
        out: list[bytes] = []
        for part in message.iter_parts():
            content_id = str(part.get("Content-ID", "<x + 0>"))
            inner = part.get_payload(decode=True) or b""
            req = _parse_inner(inner, headers.get("authorization", ""))
            user = fake.tokens.user_for(req.headers.get("authorization", "")) or ""
            req.user = user
            fault = fake._next_fault()
            if fault in ("timeout", "reset"):
                fault = "503"  # a part cannot time out on its own; Google answers it with a 5xx
            if not user:
                resp = Response(401, error_body(401, "authError", "Invalid Credentials", "global"))
            else:
                resp = fake._api_call(req, fault)
            payload = resp.encoded()
            status = f"HTTP/1.1 {resp.status} {_REASONS.get(resp.status, 'Status')}\r\n"
            hdrs = "Content-Type: application/json; charset=UTF-8\r\n"
            hdrs += "".join(f"{k}: {v}\r\n" for k, v in resp.headers.items())
            hdrs += f"Content-Length: {len(payload)}\r\n"
            out.append(
                f"--{boundary}\r\nContent-Type: application/http\r\n"
                f"Content-ID: <response-{content_id.strip('<>')}>\r\n\r\n".encode()
                + (status + hdrs + "\r\n").encode()
                + payload
                + b"\r\n"
            )
        out.append(f"--{boundary}--\r\n".encode())
        return Response(200, b"".join(out), {"Content-Type": f"multipart/mixed; boundary={boundary}"})

    def _send(self, resp: Response) -> None:
        payload = resp.encoded()
        try:
            self.send_response(resp.status, _REASONS.get(resp.status))
            if "Content-Type" not in resp.headers and payload:
                self.send_header("Content-Type", "application/json; charset=UTF-8")
            for key, value in resp.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def _parse_inner(inner: bytes, outer_auth: str) -> Request:
    """Parse one application/http part: request line, headers, blank line, body."""
    text = inner.replace(b"\r\n", b"\n")
    head, _, body = text.partition(b"\n\n")
    lines = head.decode("utf-8").split("\n")
    method, target, _version = lines[0].split(" ", 2)
    headers: dict[str, str] = {"authorization": outer_auth}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    split = urlsplit(target)
    length = int(headers.get("content-length", len(body)))
    return Request(method, split.path, parse_qs(split.query), headers, body[:length], "")
