"""Graph tokens through msal: app-only (secret or certificate) or one person's device-code sign-in.

The msal token cache is kept in a file of mode 0600 in the state directory, written atomically
(temp file, fsync, replace, fsync the folder) whenever msal says it changed, and re-read when another
process (`docketd auth outlook`) replaced it.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import msal
import requests

from connectors.base import AuthError, PermanentError, TransientError
from connectors.outlook.http import PinnedSession

log = logging.getLogger(__name__)
APP_SCOPES = ["https://graph.microsoft.com/.default"]
USER_SCOPES = ["https://graph.microsoft.com/Calendars.ReadWrite"]
# Writing to someone else's mailbox with one person's sign-in needs the .Shared permission.
SHARED_SCOPES = ["https://graph.microsoft.com/Calendars.ReadWrite.Shared"]
DEAD_GRANT = {"invalid_grant", "interaction_required", "consent_required", "login_required"}
BAD_CLIENT = {"invalid_client", "unauthorized_client", "invalid_request", "invalid_scope"}


def auth_fix(account: str, calendar: str = "") -> str:
    """The command that signs a person in again (naming the calendar, so it works with several)."""
    return f"docketd auth outlook --account {account}" + (f" --calendar {calendar}" if calendar else "")


class TokenCacheFile:
    """An msal SerializableTokenCache backed by one 0600 file, saved atomically when it changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.cache = msal.SerializableTokenCache()
        self._seen: tuple[int, int] | None = None
        self.reload_if_changed()

    def _stat(self) -> tuple[int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size)

    def reload_if_changed(self) -> None:
        """Read the file again if another process replaced it since we last read or wrote it."""
        current = self._stat()
        if current is None or current == self._seen:
            return
        try:
            text = self.path.read_text(encoding="utf-8")
        except OSError as exc:
            raise AuthError(
                f"The Outlook token cache {self.path} cannot be read ({exc}); fix its "
                "permissions or delete it and sign in again."
            ) from None
        self.cache = msal.SerializableTokenCache()
        if text.strip():
            self.cache.deserialize(text)
        self._seen = current

    def save(self) -> None:
        """Persist the cache if msal changed it (atomic replace, mode 0600)."""
        if not self.cache.has_state_changed:
            return
        if self._stat() != self._seen:
            # Another process (`docketd auth outlook`) replaced the file since we read it: its sign-in
            # wins; ours is re-read rather than written over it.
            self._seen = None
            self.reload_if_changed()
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".tokens-", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(self.cache.serialize())
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        self.cache.has_state_changed = False
        self._seen = self._stat()


@dataclass(frozen=True)
class AuthSettings:
    """How one Outlook calendar authenticates."""

    calendar: str
    mode: str  # "app" | "device-code"
    tenant: str
    client_id: str
    authority: str
    account: str  # the signed-in user for device-code; the mailbox for app-only (messages only)
    cache_path: Path
    secret: str | None = None
    certificate_pem: str | None = None
    verify: str | bool = True
    custom_authority: bool = False
    mailbox: str = ""

    @property
    def scopes(self) -> list[str]:
        """Delegated scopes: the person's own calendar, or a mailbox shared with them."""
        same = not self.mailbox or self.mailbox.lower() == self.account.lower()
        return USER_SCOPES if same else SHARED_SCOPES


def cache_path(state_dir: Path, mode: str, client_id: str, account: str) -> Path:
    """Where the token cache for this sign-in lives."""
    who = f"app-{client_id}" if mode == "app" else account.lower()
    return state_dir / "outlook-tokens" / (re.sub(r"[^A-Za-z0-9@._-]", "_", who) + ".json")


class GraphAuth:
    """Hands out Graph access tokens, refreshing silently; turns dead credentials into AuthError."""

    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self.store = TokenCacheFile(settings.cache_path)
        self._app: msal.ClientApplication | None = None
        self._lock = threading.Lock()

    def _client(self) -> msal.ClientApplication:
        if self._app is not None and self._app.token_cache is self.store.cache:
            return self._app
        s = self.settings
        session = PinnedSession()
        session.verify = s.verify
        common: dict[str, Any] = {
            "authority": s.authority,
            "token_cache": self.store.cache,
            "http_client": session,
            "timeout": 30,
        }
        if s.custom_authority:
            common["instance_discovery"] = False
        try:
            if s.mode == "app":
                credential: Any = s.secret
                if s.certificate_pem is not None:
                    credential = {"private_key": s.certificate_pem, "public_certificate": s.certificate_pem}
                self._app = msal.ConfidentialClientApplication(s.client_id, client_credential=credential, **common)
            else:
                self._app = msal.PublicClientApplication(s.client_id, **common)
        except requests.RequestException as exc:
            raise TransientError(
                f"The Microsoft sign-in service at {s.authority} cannot be reached "
                f"({type(exc).__name__}); docketd will retry."
            ) from None
        except ValueError as exc:
            raise PermanentError(
                f"[calendars.{s.calendar}] authority {s.authority} is not usable ({exc}); check tenant and authority."
            ) from None
        return self._app

    def token(self, force_refresh: bool = False) -> str:
        """A valid access token; `force_refresh` after Graph rejected the last one."""
        with self._lock:
            self.store.reload_if_changed()
            try:
                result = self._acquire(force_refresh)
            except requests.RequestException as exc:
                raise TransientError(
                    f"The Microsoft sign-in service cannot be reached ({type(exc).__name__}); docketd will retry."
                ) from None
            finally:
                self.store.save()
            return self._check(result)

    def _acquire(self, force_refresh: bool) -> dict[str, Any] | None:
        app = self._client()
        if self.settings.mode == "app":
            assert isinstance(app, msal.ConfidentialClientApplication)
            if force_refresh:
                app.remove_tokens_for_client()
            result: dict[str, Any] | None = app.acquire_token_for_client(scopes=APP_SCOPES)
            return result
        accounts = app.get_accounts(username=self.settings.account)
        if not accounts:
            raise AuthError(
                f"Outlook calendar {self.settings.calendar!r} has no sign-in for {self.settings.account}; "
                f"run `{auth_fix(self.settings.account, self.settings.calendar)}` and follow the instructions."
            )
        return app.acquire_token_silent_with_error(self.settings.scopes, accounts[0], force_refresh=force_refresh)

    def _check(self, result: dict[str, Any] | None) -> str:
        s = self.settings
        if result and "access_token" in result:
            return str(result["access_token"])
        error = (result or {}).get("error", "no_token")
        detail = str((result or {}).get("error_description", "")).split("\n")[0]
        if s.mode != "app" and (result is None or error in DEAD_GRANT):
            raise AuthError(
                f"The Outlook sign-in of {s.account} for calendar {s.calendar!r} has expired or was revoked "
                f"({error}: {detail or 'no refresh token'}); run `{auth_fix(s.account, s.calendar)}` to sign in again. "
                "Pending deadlines stay queued until then."
            )
        if error in BAD_CLIENT or error in DEAD_GRANT:
            raise AuthError(
                f"Tenant {s.tenant} refused docketd's app credentials for calendar {s.calendar!r} ({error}: "
                f"{detail}); renew the client secret or certificate in the Entra admin center and update "
                "client_secret_file / certificate_file. Pending deadlines stay queued until then."
            )
        raise TransientError(
            f"The Microsoft sign-in service failed for calendar {s.calendar!r} ({error}: {detail}); docketd will retry."
        )

    def device_sign_in(self, out: TextIO) -> str:
        """Run the device-code flow, printing the instructions; returns the signed-in user name."""
        s = self.settings
        app = self._client()
        assert isinstance(app, msal.PublicClientApplication)
        flow = app.initiate_device_flow(scopes=s.scopes)
        if "user_code" not in flow:
            raise AuthError(
                f"Microsoft refused to start a sign-in for app {s.client_id} in tenant {s.tenant} "
                f"({flow.get('error')}: {flow.get('error_description', '')}); allow public client "
                "flows in the app registration."
            )
        out.write(str(flow["message"]) + "\n")
        out.flush()
        result = app.acquire_token_by_device_flow(flow)
        self.store.save()
        if "access_token" not in result:
            raise AuthError(
                f"The sign-in did not complete ({result.get('error')}: "
                f"{result.get('error_description', '')}); run `{auth_fix(s.account, s.calendar)}` again."
            )
        claims = result.get("id_token_claims") or {}
        return str(claims.get("preferred_username", ""))
