"""Sending requests to Microsoft Graph: JSON $batch, per-mailbox concurrency, retry with backoff.

Limits from https://learn.microsoft.com/graph/json-batching (at most 20 requests per batch) and
https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits (4 concurrent requests per
app per mailbox). 429/503/504 honour Retry-After; otherwise jittered exponential backoff. Only
idempotent requests are retried, within a bounded budget; the rest is the outbox's to retry later.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from connectors.base import ConnectorError, PermanentError, TransientError

log = logging.getLogger(__name__)
MAX_BATCH = 20
MAX_CONCURRENT = 4
RETRYABLE = {408, 429, 500, 502, 503, 504}
_SLOTS: dict[str, threading.BoundedSemaphore] = {}
_SLOTS_LOCK = threading.Lock()


class PinnedSession(requests.Session):
    """A Session whose `verify` wins over $REQUESTS_CA_BUNDLE (requests lets the environment override it)."""

    default_timeout: float = 30.0  # msal passes no timeout when given a session; never hang forever

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        """Send with this session's CA setting and a timeout unless the call names its own."""
        if kwargs.get("verify") is None:
            kwargs["verify"] = self.verify
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.default_timeout
        return super().request(*args, **kwargs)


def mailbox_slots(key: str, limit: int) -> threading.BoundedSemaphore:
    """One semaphore per (endpoint, mailbox), shared by every connector writing to that mailbox."""
    with _SLOTS_LOCK:
        return _SLOTS.setdefault(key.lower(), threading.BoundedSemaphore(limit))


@dataclass
class Request:
    """One Graph call, relative to the endpoint (e.g. '/users/x/calendar/events')."""

    method: str
    url: str
    body: dict[str, Any] | None = None
    idempotent: bool = True


@dataclass
class Response:
    """A Graph answer, or the transient error that kept us from getting one."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    error: ConnectorError | None = None


@dataclass(frozen=True)
class RetryPolicy:
    """How long and how often to retry inside one call."""

    budget_seconds: float = 30.0
    base_seconds: float = 0.5
    cap_seconds: float = 8.0


def retry_after(headers: dict[str, str]) -> float | None:
    """Retry-After in seconds, if the service sent one."""
    for k, v in headers.items():
        if k.lower() == "retry-after":
            try:
                return max(0.0, float(v))
            except ValueError:
                return None
    return None


class GraphHttp:
    """Sends Graph requests for one mailbox with a bearer token from `token(force)`."""

    def __init__(
        self,
        endpoint: str,
        mailbox: str,
        token: Callable[[bool], str],
        prefer: str,
        verify: str | bool = True,
        policy: RetryPolicy | None = None,
        batch_size: int = MAX_BATCH,
        concurrency: int = MAX_CONCURRENT,
        timeout: float = 30.0,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.token = token
        self.prefer = prefer
        self.policy = policy or RetryPolicy()
        self.batch_size = max(1, min(batch_size, MAX_BATCH))
        self.concurrency = max(1, min(concurrency, MAX_CONCURRENT))
        self.timeout = timeout
        self.slots = mailbox_slots(f"{self.endpoint}|{mailbox}", MAX_CONCURRENT)
        self.session = PinnedSession()
        self.session.verify = verify
        self._rng = random.Random()

    def close(self) -> None:
        """Close pooled connections."""
        self.session.close()

    def _headers(self, force: bool) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.token(force)}",
            # ImmutableId: ids survive moves between folders (Graph immutable identifiers).
            "Prefer": self.prefer,
            "Content-Type": "application/json",
        }

    def _post_or_call(self, reqs: list[Request], headers: dict[str, str]) -> list[Response]:
        """One HTTP round trip: a single call, or one $batch of up to 20."""
        try:
            with self.slots:
                if len(reqs) == 1:
                    r = reqs[0]
                    url = r.url if r.url.startswith("http") else self.endpoint + r.url
                    resp = self.session.request(r.method, url, json=r.body, headers=headers, timeout=self.timeout)
                    body = resp.json() if resp.content else None
                    return [Response(resp.status_code, body, dict(resp.headers))]
                payload = {
                    "requests": [
                        {
                            "id": str(i),
                            "method": r.method,
                            "url": r.url,
                            "headers": {"Prefer": self.prefer, "Content-Type": "application/json"},
                            **({"body": r.body} if r.body is not None else {}),
                        }
                        for i, r in enumerate(reqs)
                    ]
                }
                resp = self.session.post(self.endpoint + "/$batch", json=payload, headers=headers, timeout=self.timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            err = TransientError(
                f"Microsoft Graph at {self.endpoint} did not answer ({type(exc).__name__}); docketd will retry."
            )
            return [Response(0, None, {}, err) for _ in reqs]
        except ValueError:
            return [
                Response(
                    0,
                    None,
                    {},
                    TransientError("Microsoft Graph sent a reply that is not JSON; docketd will retry."),
                )
                for _ in reqs
            ]
        if resp.status_code != 200:
            body = _json(resp)
            return [Response(resp.status_code, body, dict(resp.headers)) for _ in reqs]
        answers = {str(a.get("id")): a for a in (_json(resp) or {}).get("responses", [])}
        out = []
        for i in range(len(reqs)):
            a = answers.get(str(i))
            if a is None:
                out.append(
                    Response(
                        0,
                        None,
                        {},
                        TransientError("Microsoft Graph's batch reply lacked an answer; docketd will retry."),
                    )
                )
            else:
                out.append(Response(int(a.get("status", 0)), a.get("body"), dict(a.get("headers") or {})))
        return out

    def send(self, reqs: list[Request]) -> list[Response]:
        """Send every request (batched, concurrently per mailbox limit), retrying what may be retried."""
        results: list[Response | None] = [None] * len(reqs)
        pending = list(range(len(reqs)))
        deadline = time.monotonic() + self.policy.budget_seconds
        attempt, force, refreshed = 0, False, False
        while pending:
            headers = self._headers(force)  # AuthError / TransientError from sign-in propagate to the caller
            force = False
            chunks = [pending[i : i + self.batch_size] for i in range(0, len(pending), self.batch_size)]
            with ThreadPoolExecutor(max_workers=min(self.concurrency, len(chunks))) as pool:
                calls = [pool.submit(self._post_or_call, [reqs[i] for i in c], headers) for c in chunks]
                answers = [call.result() for call in calls]
            retry: list[int] = []
            waits: list[float] = []
            saw_401 = False
            for chunk, chunk_answers in zip(chunks, answers, strict=True):
                for i, resp in zip(chunk, chunk_answers, strict=True):
                    results[i] = resp
                    if resp.status == 401 and not refreshed:
                        saw_401 = True
                        retry.append(i)
                    elif (resp.error is not None or resp.status in RETRYABLE) and reqs[i].idempotent:
                        retry.append(i)
                        ra = retry_after(resp.headers)
                        if ra is not None:
                            waits.append(ra)
            if not retry:
                break
            if saw_401:
                force = refreshed = True  # Graph rejected the token: get a fresh one once, then retry.
            attempt += 1
            backoff = min(self.policy.cap_seconds, self.policy.base_seconds * 2 ** (attempt - 1))
            wait = max(waits) if waits else backoff * self._rng.uniform(0.5, 1.5)
            if saw_401 and not waits:
                wait = 0.0
            if time.monotonic() + wait > deadline:
                for i in retry:
                    results[i] = _give_up(results[i], wait)
                break
            log.debug("Graph: retrying %d request(s) in %.2fs (attempt %d)", len(retry), wait, attempt)
            time.sleep(wait)
            pending = retry
        return [r if r is not None else Response(0, None, {}, TransientError("not sent")) for r in results]

    def get_all(self, url: str) -> list[dict[str, Any]]:
        """Every item of a collection, following @odata.nextLink."""
        items: list[dict[str, Any]] = []
        next_url: str | None = url
        while next_url:
            (resp,) = self.send([Request("GET", next_url)])
            raise_for(resp, "list events")
            items.extend(resp.body.get("value", []))
            next_url = resp.body.get("@odata.nextLink")
        return items


def _json(resp: requests.Response) -> Any:
    try:
        return resp.json() if resp.content else None
    except ValueError:
        return None


def _give_up(resp: Response | None, wait: float) -> Response:
    ra = retry_after(resp.headers) if resp else None
    status = resp.status if resp else 0
    err = TransientError(
        f"Microsoft Graph is throttling or unavailable (HTTP {status}); docketd will retry later.",
        retry_after=ra if ra is not None else wait,
    )
    return Response(status, resp.body if resp else None, resp.headers if resp else {}, err)


def graph_message(resp: Response) -> str:
    """Graph's error code and message, for a person to read."""
    err = (resp.body or {}).get("error", {}) if isinstance(resp.body, dict) else {}
    return f"{err.get('code', 'HTTP ' + str(resp.status))}: {err.get('message', '')}".strip()


def raise_for(resp: Response, what: str) -> None:
    """Raise the connector error matching a failed response (2xx returns)."""
    from connectors.base import AuthError

    if resp.error is not None:
        raise resp.error
    if 200 <= resp.status < 300:
        return
    if resp.status == 401:
        raise AuthError(
            f"Microsoft Graph rejected docketd's token while trying to {what} ({graph_message(resp)}); "
            "check the app's permissions and admin consent."
        )
    if resp.status == 403:
        raise PermanentError(
            f"Microsoft Graph refused to let docketd {what} ({graph_message(resp)}); grant the "
            "app Calendars.ReadWrite with admin consent, or check the mailbox access policy."
        )
    if resp.status in RETRYABLE:
        raise TransientError(
            f"Microsoft Graph failed to {what} (HTTP {resp.status}); docketd will retry.",
            retry_after=retry_after(resp.headers),
        )
    raise PermanentError(f"Microsoft Graph refused to {what} ({graph_message(resp)}).")
