"""Calling Google with patience: error classification, jittered backoff, the per-user quota and batches.

Every write docketd sends is idempotent by construction (insert with a client-supplied id, patch with
If-Match, delete that accepts "already gone"), so a call whose answer was lost may be sent again.
Retries stop at a deadline the caller gives; then the error surfaces as TransientError and the op
stays in the outbox.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import httplib2
from google.auth import exceptions as auth_exceptions
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest, HttpRequest

from connectors.base import AuthError, ConnectorError, PermanentError, TransientError

# Google Calendar usage limits: 403 rateLimitExceeded / userRateLimitExceeded and 429 mean "slow down";
# 5xx mean "try again" (developers.google.com/calendar/api/guides/errors).
_RATE_REASONS = {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded"}
# Calendar accepts up to 1,000 calls in one batch request (developers.google.com/calendar/api/guides/batch).
# docketd sends at most 100: each part still counts against the per-user quota (600 a minute), and a lost
# batch answer sends every part down the one-by-one path. 100 lets an initial load of 100 deadlines per
# person go in one request each (make bench: 10 batches instead of 20 for 1,000 deadlines, 10 people).
MAX_BATCH = 100


def error_reason(exc: HttpError) -> str:
    """Google's machine-readable reason (e.g. "duplicate", "conditionNotMet"), or ""."""
    try:
        data = json.loads(exc.content.decode("utf-8"))
        errors = data["error"].get("errors") or []
        return str(errors[0].get("reason", "")) if errors else str(data["error"].get("status", ""))
    except (ValueError, KeyError, AttributeError, TypeError, IndexError):
        return ""


def status_of(exc: HttpError) -> int:
    """The HTTP status of an HttpError."""
    return int(exc.resp.status)


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying: throttling, 5xx, timeouts and broken connections."""
    if isinstance(exc, HttpError):
        status = status_of(exc)
        return status >= 500 or status == 429 or (status == 403 and error_reason(exc) in _RATE_REASONS)
    if isinstance(exc, auth_exceptions.TransportError):
        return True
    return isinstance(exc, (OSError, httplib2.HttpLib2Error, TimeoutError))


def is_rate_limited(exc: BaseException | None) -> bool:
    """True when the call was not made or not taken for the per-user quota (docketd's own limit or Google's)."""
    if isinstance(exc, QuotaWait):
        return True
    if isinstance(exc, HttpError):
        status = status_of(exc)
        return status == 429 or (status == 403 and error_reason(exc) in _RATE_REASONS)
    return False


def retry_after(exc: BaseException) -> float | None:
    """Seconds from a Retry-After header, if the server sent one."""
    if isinstance(exc, HttpError):
        value = exc.resp.get("retry-after")
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                return None
    return None


AUTH_FIX = ("re-authorise with `docketd auth google --account ...`, or check the service account's key "
            "and domain-wide delegation")


def translate(exc: BaseException, where: str, auth_fix: str = AUTH_FIX) -> ConnectorError:
    """Turn a Google or transport failure into the connector error a person can act on."""
    if isinstance(exc, ConnectorError):
        return exc
    if isinstance(exc, auth_exceptions.RefreshError):
        detail = exc.args[0] if exc.args else exc
        if getattr(exc, "retryable", False):  # the token endpoint itself failed (5xx): not the credentials
            return TransientError(f"Google's sign-in service failed for {where} ({detail}); will retry.")
        return AuthError(f"Google refused docketd's credentials for {where} ({detail}); {auth_fix}.")
    if is_transient(exc):
        return TransientError(f"Google Calendar was unavailable for {where} ({short_reason(exc)}); will retry.",
                              retry_after(exc))
    if isinstance(exc, HttpError):
        status = status_of(exc)
        if status == 401:
            return AuthError(f"Google rejected docketd's credentials for {where}; {auth_fix}.")
        if status == 403:
            return PermanentError(f"Google refused access to {where} ({short_reason(exc)}); share the calendar "
                                  "with the account docketd acts as, or grant the calendar scope.")
        return PermanentError(f"Google rejected the request for {where} ({short_reason(exc)}).")
    return TransientError(f"Unexpected failure talking to Google for {where}: {exc!r}; will retry.")


def short_reason(exc: BaseException) -> str:
    """'HTTP 403 rateLimitExceeded' (or the exception's type) for messages about a failed call."""
    if isinstance(exc, HttpError):
        return f"HTTP {status_of(exc)} {error_reason(exc) or exc.reason}".strip()
    return type(exc).__name__


class QuotaWait(TransientError):
    """docketd's own per-minute limit has no room in time: send nothing now, come back when it has."""


@dataclass
class Slot:
    """One call counted against the quota, at the time Google may have counted it (the latest we know)."""

    at: float


class Throttle:
    """A sliding one-minute window: at most `per_minute` calls in any 60 seconds (Google's per-user quota)."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.per_minute = per_minute
        self._clock, self._sleep = clock, sleep
        self._calls: deque[Slot] = deque()
        self._lock = threading.Lock()

    def acquire(self, deadline: float, count: int = 1) -> list[Slot]:
        """Wait for `count` slots at once (a batch's parts); raise QuotaWait, taking none, if they come too late.

        All or none: a batch that got only some of its slots is not sent, and slots taken for it would
        only hold the next calls back.
        """
        with self._lock:
            now = self._clock()
            self._expire(now)
            over = len(self._calls) + min(count, self.per_minute) - self.per_minute
            if over > 0:
                # Stamps move to the answer's time (stamp), so the oldest are not always first: the latest
                # of the `over` oldest says when that many have left the window.
                wait = max(s.at for s in list(self._calls)[:over]) + 60.0 - now
                if now + wait > deadline:
                    raise QuotaWait("docketd reached its own limit of Google calls per minute; will retry.",
                                    retry_after=wait)
                self._sleep(wait)
                for _ in range(over):
                    self._calls.popleft()
                now = self._clock()
            slots = [Slot(now) for _ in range(count)]
            self._calls.extend(slots)
            return slots

    def stamp(self, slots: list[Slot]) -> None:
        """The call's answer came: count its slots from now, as Google counts a call when it reaches it."""
        with self._lock:
            now = self._clock()
            for s in slots:
                s.at = now

    def _expire(self, now: float) -> None:
        while self._calls and now - self._calls[0].at >= 60.0:
            self._calls.popleft()


_THROTTLES: dict[str, Throttle] = {}
_THROTTLES_LOCK = threading.Lock()


def shared_throttle(user: str, per_minute: int) -> Throttle:
    """One throttle per Google user in this process: the quota is per user, not per calendar."""
    with _THROTTLES_LOCK:
        throttle = _THROTTLES.get(user)
        if throttle is None or throttle.per_minute != per_minute:
            throttle = _THROTTLES[user] = Throttle(per_minute)
        return throttle


@dataclass
class Caller:
    """Runs requests with throttling and bounded, jittered exponential backoff."""

    throttle: Throttle
    base_delay: float = 0.5
    max_delay: float = 8.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def backoff(self, attempt: int, exc: BaseException, deadline: float) -> bool:
        """Sleep before the next attempt; False when the deadline leaves no time for one."""
        hinted = retry_after(exc)
        delay = self.rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** attempt))
        if hinted is not None:
            delay = max(delay, hinted)
        if self.clock() + delay >= deadline:
            return False
        self.sleep(delay)
        return True

    def call(self, make: Callable[[], HttpRequest], deadline: float) -> Any:
        """Execute the request built by `make`, retrying transient failures until `deadline`."""
        attempt = 0
        while True:
            slots = self.throttle.acquire(deadline)
            try:
                result = make().execute(num_retries=0)
            except Exception as exc:  # noqa: BLE001 - classified right here
                self.throttle.stamp(slots)
                if not is_transient(exc) or not self.backoff(attempt, exc, deadline):
                    raise
                attempt += 1
                continue
            self.throttle.stamp(slots)
            return result

    def batch(self, requests: Sequence[HttpRequest], batch_uri: str,
              deadline: float) -> list[tuple[Any, BaseException | None]]:
        """Send requests as one batch call; each gets (response, error). A failed batch fails every part."""
        outcomes: dict[str, tuple[Any, BaseException | None]] = {}

        def collect(request_id: str, response: Any, exc: BaseException | None) -> None:
            outcomes[request_id] = (response, exc)

        batch = BatchHttpRequest(callback=collect, batch_uri=batch_uri)
        ids = [str(i) for i in range(len(requests))]
        for request_id, request in zip(ids, requests, strict=True):
            batch.add(request, request_id=request_id)
        slots: list[Slot] = []
        try:
            slots = self.throttle.acquire(deadline, len(requests))  # every part counts against the quota
            batch.execute()
        except Exception as exc:  # noqa: BLE001 - the whole batch failed; each part reports it
            return [(None, exc) for _ in requests]
        finally:
            self.throttle.stamp(slots)
        missing = TransientError("Google's batch answer lacked this part.")
        return [outcomes.get(i, (None, missing)) for i in ids]
