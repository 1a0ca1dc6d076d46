"""Google credentials for docketd: a Workspace service account (domain-wide delegation) or one user's OAuth.

Tokens never appear in logs. OAuth tokens live in a file of mode 0600 in the state directory (or,
read-only, in $CREDENTIALS_DIRECTORY) and are saved atomically whenever Google issues a new one.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
from pathlib import Path
from typing import Any, TextIO

from google.auth.credentials import Credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account
from google_auth_oauthlib.flow import InstalledAppFlow

from connectors.base import AuthError, AuthRequest, ConnectorContext, PermanentError

log = logging.getLogger(__name__)

# Events only: docketd reads and writes events, never calendar settings or sharing.
SCOPES = ["https://www.googleapis.com/auth/calendar.events"]
AUTH_MODES = ("service-account", "oauth")
# These libraries log whole token responses at DEBUG level; docketd's debug logging must not leak them.
_TOKEN_LOGGERS = ("requests_oauthlib", "oauthlib", "google_auth_oauthlib")


def silence_token_loggers() -> None:
    """Keep libraries that log raw tokens at DEBUG from ever doing so, whatever the daemon's log level."""
    for name in _TOKEN_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def resolve(path: str, ctx: ConnectorContext) -> Path:
    """A configured path: `~` expanded, relative ones against the config directory."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else Path(ctx.config_dir) / p


def _safe(account: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]", "_", account)


def token_paths(account: str, section: dict[str, Any], ctx: ConnectorContext) -> tuple[Path | None, Path]:
    """(read-only credentials-dir token or None, writable state-dir token) for an OAuth account."""
    if section.get("token_file"):
        return None, resolve(str(section["token_file"]), ctx)
    name = f"google-oauth-{_safe(account)}.json"
    provided = Path(ctx.credentials_dir) / name if ctx.credentials_dir else None
    return provided, Path(ctx.state_dir) / name


def write_private(path: Path, text: str) -> None:
    """Write a secret atomically, mode 0600: temp file in the same folder, fsync, replace, fsync folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class TokenKeeper:
    """Holds one connector's credentials and saves refreshed OAuth tokens (never logging them)."""

    def __init__(self, creds: Credentials, save_to: Path | None, fix: str = "") -> None:
        self.creds = creds
        self.fix = fix  # what a person does when Google refuses these credentials
        self._save_to = save_to
        self._saved_token = getattr(creds, "token", None)

    def persist_if_refreshed(self) -> None:
        """Save the token file again if Google issued a new access token since the last save."""
        token = getattr(self.creds, "token", None)
        if self._save_to is None or token is None or token == self._saved_token:
            return
        write_private(self._save_to, self.creds.to_json())  # type: ignore[attr-defined]
        self._saved_token = token


def load_credentials(name: str, section: dict[str, Any], ctx: ConnectorContext) -> tuple[TokenKeeper, str]:
    """Credentials for a [calendars.NAME] section, and the user they act as (for the per-user quota)."""
    silence_token_loggers()
    mode = str(section.get("auth", "service-account"))
    if mode == "service-account":
        return _service_account(name, section, ctx)
    if mode == "oauth":
        return _oauth(name, section, ctx)
    known = ", ".join(AUTH_MODES)
    raise PermanentError(f"[calendars.{name}] auth = {mode!r} is not known; use one of: {known}.")


def _service_account(name: str, section: dict[str, Any], ctx: ConnectorContext) -> tuple[TokenKeeper, str]:
    key = section.get("credentials")
    if not key and ctx.credentials_dir:
        key = str(Path(ctx.credentials_dir) / "google-sa.json")
    if not key:
        raise PermanentError(f"[calendars.{name}] needs `credentials` = the service-account key file.")
    path = resolve(str(key), ctx)
    subject = section.get("subject")
    if not subject:
        raise PermanentError(f"[calendars.{name}] needs `subject` = the mailbox to act as "
                             "(domain-wide delegation), e.g. subject = \"jdoe@firm.com\".")
    try:
        creds = service_account.Credentials.from_service_account_file(str(path), scopes=SCOPES,
                                                                      subject=str(subject))
    except FileNotFoundError:
        raise AuthError(f"[calendars.{name}] credentials file {path} does not exist; download the "
                        "service account's JSON key there (mode 0600).") from None
    except (ValueError, KeyError) as exc:
        raise AuthError(f"[calendars.{name}] credentials file {path} is not a service-account key "
                        f"({type(exc).__name__}); download a new JSON key from the Cloud console.") from None
    fix = (f"check that the service account in {path} still has its key and that its client ID is allowed "
           f"the scope {SCOPES[0]} under domain-wide delegation in the Admin console (acting as {subject})")
    return TokenKeeper(creds, None, fix), str(subject)


def _oauth(name: str, section: dict[str, Any], ctx: ConnectorContext) -> tuple[TokenKeeper, str]:
    account = str(section.get("account") or section.get("subject") or "")
    if not account:
        raise PermanentError(f"[calendars.{name}] auth = \"oauth\" needs `account` = the Google account "
                             "that consented, e.g. account = \"jdoe@firm.com\".")
    provided, own = token_paths(account, section, ctx)
    source: Path = own
    save_to: Path | None = own
    if not own.exists() and provided is not None and provided.exists():
        source, save_to = provided, None  # systemd credentials are read-only: refresh in memory only
    if not source.exists():
        raise AuthError(f"No Google authorisation for {account} (calendar {name}); run "
                        f"`docketd auth google --account {account} --calendar {name}`.")
    try:
        creds = user_credentials.Credentials.from_authorized_user_file(str(source), SCOPES)
    except (ValueError, KeyError):
        raise AuthError(f"The Google token file {source} is damaged; run "
                        f"`docketd auth google --account {account} --calendar {name}` again.") from None
    if section.get("token_uri"):
        # google-auth always resets an authorized-user file's token_uri to Google's; tests point it elsewhere.
        creds = creds.with_token_uri(str(section["token_uri"]))
    fix = f"run `docketd auth google --account {account} --calendar {name}` to sign in again"
    return TokenKeeper(creds, save_to, fix), account


class _PrintingFlow(InstalledAppFlow):
    """The installed-app flow, printing the consent URL to our stream instead of opening a browser."""

    out: TextIO | None = None

    def authorization_url(self, **kwargs: Any) -> tuple[str, str]:
        """Build the consent URL and show it to the person running the command."""
        url, state = super().authorization_url(**kwargs)
        if self.out is not None:
            self.out.write("Open this URL in a browser signed in as the account, and allow access:\n")
            self.out.write(f"{url}\n")
            port = _port(self.redirect_uri)
            self.out.write(f"(On a headless server, forward the port first: "
                           f"ssh -L {port}:localhost:{port} this-server)\n")
            self.out.flush()
        return url, state


def _port(uri: str) -> str:
    match = re.search(r":(\d+)", uri.split("//", 1)[-1])
    return match.group(1) if match else "?"


def auth_command(request: AuthRequest, section: dict[str, Any], ctx: ConnectorContext, out: TextIO) -> int:
    """`docketd auth google --account EMAIL`: one user's consent by the loopback flow; token saved 0600."""
    account = str(request.account or section.get("account") or "")
    if not account:
        out.write("Say which Google account to authorise: docketd auth google --account you@firm.com\n")
        return 2
    secrets = section.get("client_secrets")
    if not secrets and ctx.credentials_dir:
        secrets = str(Path(ctx.credentials_dir) / "google-client-secrets.json")
    if not secrets or not resolve(str(secrets), ctx).exists():
        out.write("No OAuth client file: set client_secrets = \"/etc/docketd/google-client.json\" in the "
                  "[calendars.NAME] section (a Desktop-app OAuth client from the Cloud console).\n")
        return 2
    silence_token_loggers()
    flow = _PrintingFlow.from_client_secrets_file(str(resolve(str(secrets), ctx)), scopes=SCOPES)
    flow.out = out
    port = int(section.get("oauth_redirect_port", request.port or 0))
    try:
        creds = flow.run_local_server(host="localhost", port=port, open_browser=False,
                                      authorization_prompt_message="", login_hint=account,
                                      access_type="offline", prompt="consent",
                                      timeout_seconds=int(section.get("oauth_timeout_seconds", 600)))
    except Exception as exc:  # noqa: BLE001 - any failure of the flow is reported as a sentence
        out.write(f"Google authorisation for {account} did not complete: {type(exc).__name__}: {exc}\n")
        return 1
    _, own = token_paths(account, section, ctx)
    write_private(own, creds.to_json())
    data = json.loads(creds.to_json())
    if not data.get("refresh_token"):
        out.write("Warning: Google returned no refresh token; remove docketd's access in the account "
                  "and run this again.\n")
    out.write(f"Saved Google authorisation for {account} to {own} (mode 0600).\n")
    log.info("Saved Google OAuth token for %s to %s", account, own)
    return 0
