"""Talking to a CalDAV server: the password, bounded retries, and server answers turned into docketd's errors.

Every request the CalDAV connector makes is idempotent in effect (conditional PUT, DELETE, GET,
PROPFIND, REPORT; never POST), so all of them may be retried: 429/503 after Retry-After, other
5xx and network errors with jittered exponential backoff, all within one time budget, after
which a TransientError hands the op back to the outbox.
"""

from __future__ import annotations

import logging
import random
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import requests
from caldav.davclient import DAVClient
from caldav.lib import error as dav_error

from connectors.base import AuthError, ConnectorContext, ConnectorError, PermanentError, TransientError
from daemon.errors import redact_credentials

log = logging.getLogger("connectors.caldav.calendar")
T = TypeVar("T")
RETRY_STATUSES = (429, 500, 502, 503, 504)


@dataclass(frozen=True)
class RetryPolicy:
    """How long to keep retrying a call before handing the op back to the outbox."""

    budget_seconds: float = 30.0
    base_seconds: float = 0.5
    cap_seconds: float = 8.0

    def backoff(self, attempt: int) -> float:
        """Jittered exponential backoff for attempt 0, 1, 2, ..."""
        return min(self.cap_seconds, self.base_seconds * 2**attempt) * random.uniform(0.5, 1.0)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (RFC 9110 10.2.3: seconds or an HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def _host(url: str) -> str:
    """host[:port] of a URL, without any user:password@ part."""
    parts = urlsplit(url)
    host = parts.hostname or "?"
    return f"{host}:{parts.port}" if parts.port else host


class DavTransport:
    """One account's HTTP session (raw requests) and `caldav` client (discovery, REPORT), with retries."""

    def __init__(self, name: str, url: str, username: str, password: str, timeout: float = 30.0,
                 verify: bool | str = True, retry: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.url = url
        self.username = username
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._deadline: float | None = None
        self.session = requests.Session()
        self.session.auth = (username, password)
        self.session.verify = verify
        self.session.headers["User-Agent"] = "docketd (CalDAV connector)"
        self.client = DAVClient(url=url, username=username, password=password, timeout=int(timeout),
                                ssl_verify_cert=verify)

    @contextmanager
    def budget(self) -> Iterator[None]:
        """One retry budget shared by every call inside (e.g. one `apply()`), so a dead server costs it once."""
        self._deadline = self._clock() + self.retry.budget_seconds
        try:
            yield
        finally:
            self._deadline = None

    def auth_error(self) -> AuthError:
        """The 401 message: which account, which config section, what to check."""
        return AuthError(
            f"The CalDAV server {_host(self.url)} rejected user {self.username!r} for calendar "
            f"{self.name!r} (HTTP 401). Check username and the password file in [calendars.{self.name}]; "
            "iCloud and Fastmail need an app password."
        )

    def unreachable(self, detail: str, retry_after: float | None = None) -> TransientError:
        """The give-up message once the retry budget is spent."""
        return TransientError(
            f"The CalDAV server {_host(self.url)} for calendar {self.name!r} is not answering "
            f"({detail}); docketd keeps the change queued and retries.",
            retry_after=retry_after,
        )

    def refused(self, resp: requests.Response, action: str) -> ConnectorError:
        """A 4xx the server will give again: a PermanentError quoting the server."""
        text = " ".join(resp.text.split())[:200]
        return PermanentError(
            f"The CalDAV server refused to {action} in calendar {self.name!r} (HTTP {resp.status_code}"
            f"{': ' + text if text else ''}); check url and permissions in [calendars.{self.name}]."
        )

    def _wait_or_give_up(self, give_up: float, attempt: int, detail: str, retry_after: float | None) -> None:
        wait = retry_after if retry_after is not None else self.retry.backoff(attempt)
        if self._clock() + wait > give_up:
            raise self.unreachable(detail, retry_after)
        self._sleep(wait)

    def send(self, method: str, url: str, headers: dict[str, str] | None = None,
             body: bytes | None = None) -> requests.Response:
        """One raw request; retries throttling, 5xx and network errors within the budget; 401 is AuthError."""
        give_up = self._deadline if self._deadline is not None else self._clock() + self.retry.budget_seconds
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                resp = self.session.request(method, url, headers=headers, data=body,
                                            timeout=(min(10.0, self.timeout), self.timeout))
            except (requests.ConnectionError, requests.Timeout) as exc:
                detail = type(exc).__name__
            else:
                if resp.status_code == 401:
                    raise self.auth_error()
                if resp.status_code not in RETRY_STATUSES and resp.status_code < 520:  # 52x: CDN proxies
                    return resp
                detail = f"HTTP {resp.status_code} on {method}"
                if resp.status_code in (429, 503):
                    retry_after = parse_retry_after(resp.headers.get("Retry-After"), datetime.now(UTC))
            self._wait_or_give_up(give_up, attempt, detail, retry_after)
            attempt += 1

    def library(self, call: Callable[[], T], what: str) -> T:
        """Run a `caldav` library call (discovery, REPORT) with the same error mapping and bounded retries."""
        give_up = self._deadline if self._deadline is not None else self._clock() + self.retry.budget_seconds
        attempt = 0
        where = f"[calendars.{self.name}]"
        while True:
            retry_after: float | None = None
            try:
                return call()
            except dav_error.AuthorizationError as exc:
                if exc.status == 403:
                    raise PermanentError(
                        f"The CalDAV server refused {what} for calendar {self.name!r} (HTTP 403); "
                        f"give user {self.username!r} access to it or fix url in {where}."
                    ) from exc
                raise self.auth_error() from exc
            except dav_error.RateLimitError as exc:
                detail, retry_after = f"HTTP {exc.status} on {what}", exc.retry_after_seconds
            except dav_error.NotFoundError as exc:
                raise PermanentError(
                    f"The CalDAV URL {redact_credentials(self.url)} for calendar {self.name!r} was not found "
                    "(HTTP 404) "
                    f"during {what}; fix url in {where}."
                ) from exc
            except dav_error.DAVError as exc:
                if exc.status is not None and exc.status < 500:
                    raise PermanentError(
                        f"The CalDAV server refused {what} for calendar {self.name!r} (HTTP {exc.status}): "
                        f"{exc.reason}; check url in {where}."
                    ) from exc
                detail = f"{what} failed: {exc.reason}"
            except OSError as exc:  # requests' and niquests' network errors are OSErrors
                detail = f"{type(exc).__name__} during {what}"
            self._wait_or_give_up(give_up, attempt, detail, retry_after)
            attempt += 1

    def close(self) -> None:
        """Close both HTTP sessions."""
        self.session.close()
        self.client.close()


def read_password(name: str, section: dict[str, Any], ctx: ConnectorContext) -> str:
    """The account password from `password_credential` ($CREDENTIALS_DIRECTORY) or a 0600 `password_file`."""
    where = f"[calendars.{name}]"
    credential = section.get("password_credential")
    if credential:
        if not ctx.credentials_dir:
            raise AuthError(
                f"{where} names password_credential = {credential!r} but $CREDENTIALS_DIRECTORY is not set; "
                "add LoadCredential= to the systemd unit or use password_file."
            )
        path = Path(ctx.credentials_dir, str(credential))
    elif section.get("password_file"):
        path = Path(ctx.config_dir, str(section["password_file"]))
        try:
            mode = path.stat().st_mode
        except OSError:
            mode = 0
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            log.warning("%s password_file %s is readable by other users; run chmod 600 %s.", where, path, path)
    else:
        raise AuthError(f"{where} needs password_file = a 0600 file holding the (app) password, "
                        "or password_credential = the name of a systemd credential.")
    try:
        password = path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise AuthError(f"{where} cannot read the password from {path} ({exc.strerror}); "
                        "create it with mode 0600 or fix the path.") from exc
    if not password:
        raise AuthError(f"{where} password file {path} is empty; write the (app) password into it.")
    return password
