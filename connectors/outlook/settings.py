"""The [calendars.NAME] kind = "outlook" section: validated into settings, every problem named at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.base import ConnectorContext, PermanentError
from connectors.keys import OUTLOOK, unknown_keys
from connectors.outlook.auth import AuthSettings, cache_path
from connectors.outlook.http import MAX_BATCH, MAX_CONCURRENT, RetryPolicy
from connectors.outlook.mapping import zone

GRAPH = "https://graph.microsoft.com/v1.0"
LOGIN = "https://login.microsoftonline.com"
MODES = ("app", "device-code")
KNOWN = OUTLOOK  # one table with the daemon's load-time check: connectors/keys.py


@dataclass(frozen=True)
class OutlookSettings:
    """Everything one Outlook calendar connector needs, resolved and checked."""

    name: str
    mailbox: str
    calendar_id: str
    timezone: str | None
    graph_endpoint: str
    auth: AuthSettings
    verify: str | bool
    policy: RetryPolicy
    batch_size: int = MAX_BATCH
    concurrency: int = MAX_CONCURRENT
    timeout: float = 30.0
    page_size: int = 100

    @property
    def events_url(self) -> str:
        """The calendar's events collection, relative to the Graph endpoint."""
        base = f"/users/{self.mailbox}"
        return f"{base}/calendars/{self.calendar_id}/events" if self.calendar_id else f"{base}/calendar/events"


def _read_secret(
    section: dict[str, Any],
    ctx: ConnectorContext,
    file_key: str,
    cred_key: str,
    where: str,
    problems: list[str],
) -> str | None:
    if section.get(cred_key):
        if not ctx.credentials_dir:
            problems.append(
                f"{where}: {cred_key} = {section[cred_key]!r} needs systemd's LoadCredential= "
                "($CREDENTIALS_DIRECTORY is not set); use {file_key} instead."
            )
            return None
        path = Path(ctx.credentials_dir) / str(section[cred_key])
    elif section.get(file_key):
        path = Path(str(section[file_key]))
        if not path.is_absolute():
            path = Path(ctx.config_dir) / path
    else:
        return None
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        problems.append(
            f"{where}: {file_key} {path} cannot be read ({exc.strerror}); check the path and "
            "that docketd's user may read it (mode 0600)."
        )
        return None


# Every number an Outlook section takes, with its default.
NUMBERS: dict[str, float] = {"retry_budget_seconds": 30.0, "backoff_seconds": 0.5, "timeout_seconds": 30.0,
                             "batch_size": MAX_BATCH, "concurrency": MAX_CONCURRENT, "page_size": 100}


def _number(section: Mapping[str, Any], key: str, default: float, where: str, problems: list[str]) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        problems.append(f"{where}: {key} = {value!r} must be a positive number.")
        return default
    return float(value)


def _has_credential(section: Mapping[str, Any]) -> bool:
    return any(section.get(k) for k in ("client_secret_file", "client_secret_credential", "certificate_file",
                                        "certificate_credential"))


def check_section(name: str, section: Mapping[str, Any]) -> list[str]:
    """Every problem of an Outlook section seen without reading a file: keys, required values, numbers."""
    where = f"[calendars.{name}]"
    problems = unknown_keys(f"{where}:", section, KNOWN)
    for key in ("tenant", "client_id", "mailbox"):
        if not str(section.get(key) or "").strip():
            problems.append(f'{where}: {key} is required (e.g. {key} = "...").')
    mode = str(section.get("auth") or ("app" if _has_credential(section) else "device-code"))
    if mode not in MODES:
        problems.append(
            f'{where}: auth = {mode!r} must be "app" (client secret or certificate) or '
            '"device-code" (one person\'s sign-in).'
        )
    tz = section.get("timezone") or None
    if tz is not None and zone(str(tz)) is None:
        problems.append(f'{where}: timezone = {tz!r} is not a time zone; use e.g. "America/Los_Angeles".')
    for key, default in NUMBERS.items():
        _number(section, key, default, where, problems)
    if (_number(section, "batch_size", MAX_BATCH, where, []) > MAX_BATCH
            or _number(section, "concurrency", MAX_CONCURRENT, where, []) > MAX_CONCURRENT):
        problems.append(f"{where}: Graph allows batch_size <= {MAX_BATCH} and concurrency <= {MAX_CONCURRENT}.")
    return problems


def parse_settings(name: str, section: dict[str, Any], ctx: ConnectorContext) -> OutlookSettings:
    """Validate one Outlook section; raise PermanentError listing every problem and its fix."""
    where = f"[calendars.{name}]"
    problems = check_section(name, section)
    tenant = str(section.get("tenant") or "").strip()
    client_id = str(section.get("client_id") or "").strip()
    mailbox = str(section.get("mailbox") or "").strip()
    mode = str(section.get("auth") or ("app" if _has_credential(section) else "device-code"))
    secret = cert = None
    if mode == "app":
        secret = _read_secret(section, ctx, "client_secret_file", "client_secret_credential", where, problems)
        cert = _read_secret(section, ctx, "certificate_file", "certificate_credential", where, problems)
        if secret is None and cert is None and not problems:
            problems.append(f"{where}: app-only auth needs client_secret_file or certificate_file.")
        if cert is not None and ("PRIVATE KEY" not in cert or "CERTIFICATE" not in cert):
            problems.append(f"{where}: certificate_file must hold the PEM private key and certificate together.")
    tz = section.get("timezone") or None
    ca = section.get("ca_bundle")
    verify: str | bool = True
    if ca:
        ca_path = Path(str(ca)) if Path(str(ca)).is_absolute() else Path(ctx.config_dir) / str(ca)
        if not ca_path.is_file():
            problems.append(f"{where}: ca_bundle {ca_path} does not exist.")
        verify = str(ca_path)
    value = {key: _number(section, key, default, where, []) for key, default in NUMBERS.items()}
    budget, backoff, timeout = value["retry_budget_seconds"], value["backoff_seconds"], value["timeout_seconds"]
    batch, conc, page = int(value["batch_size"]), int(value["concurrency"]), int(value["page_size"])
    if problems:
        raise PermanentError(" ".join(problems))
    custom = bool(section.get("authority"))
    authority = str(section.get("authority") or f"{LOGIN}/{tenant}").rstrip("/")
    account = str(section.get("account") or mailbox)
    auth = AuthSettings(
        calendar=name,
        mode=mode,
        tenant=tenant,
        client_id=client_id,
        authority=authority,
        account=account,
        cache_path=cache_path(Path(ctx.state_dir), mode, client_id, account),
        secret=secret if cert is None else None,
        certificate_pem=cert,
        verify=verify,
        custom_authority=custom,
        mailbox=mailbox,
    )
    return OutlookSettings(
        name=name,
        mailbox=mailbox,
        calendar_id=str(section.get("calendar_id") or ""),
        timezone=str(tz) if tz else None,
        graph_endpoint=str(section.get("graph_endpoint") or GRAPH).rstrip("/"),
        auth=auth,
        verify=verify,
        policy=RetryPolicy(budget_seconds=budget, base_seconds=backoff),
        batch_size=batch,
        concurrency=conc,
        timeout=timeout,
        page_size=page,
    )
