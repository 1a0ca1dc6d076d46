"""Load and validate docketd's TOML config; every problem names the file, the key and the fix."""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from daemon.errors import ConfigError, redact_password
from daemon.settings.addresses import is_email
from daemon.settings.kinds import calendar_problems, source_problems
from daemon.settings.net import check_serve, check_url_credentials
from daemon.settings.people import Person, parse_reminder
from daemon.settings.schema import check_shape
from daemon.settings.state_url import parse_state_url

ON_EDIT_POLICIES = ("restore", "keep")
@dataclass(frozen=True)
class SyncSettings:
    """How the dispatcher treats hand edits, mass deletions and retries."""

    on_edit: str = "restore"
    max_delete_share: float = 0.5
    max_delete_floor: int = 10
    verify_minutes: float = 15.0
    batch_size: int = 100  # ops per connector call; Google batches up to 100 of them in one request
    max_backoff_seconds: float = 600.0  # cap of the retry backoff for transient calendar errors


@dataclass(frozen=True)
class Config:
    """The whole validated configuration."""

    path: Path
    base_dir: Path
    inbox: Path
    state: Path
    timezone: str
    state_url: str | None = None  # a PostgreSQL address ([state] url); None: the SQLite file `state`
    lease_seconds: float = 15.0  # [state] lease_seconds (PostgreSQL only); = daemon/state/leadership.py LEASE_SECONDS
    ics_dir: Path | None = None
    ics_serve: tuple[str, int] | None = None
    people: dict[str, Person] = field(default_factory=dict)
    calendars: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    routing_default: tuple[str, ...] = ()
    header_aliases: dict[str, str] = field(default_factory=dict)
    rule_dirs: tuple[Path, ...] = ()
    closures: dict[str, tuple[date, ...]] = field(default_factory=dict)
    sync: SyncSettings = field(default_factory=SyncSettings)
    flags: dict[str, Any] = field(default_factory=dict)
    digest: dict[str, Any] = field(default_factory=dict)
    default_reminders: tuple[str, ...] = ("14d", "7d", "1d")
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def processed_dir(self) -> Path:
        """Where successfully read intake files are moved (beside the inbox)."""
        return self.inbox.parent / "processed"

    @property
    def rejected_dir(self) -> Path:
        """Where intake files with problems are moved, with their error reports (beside the inbox)."""
        return self.inbox.parent / "rejected"

    @property
    def has_state(self) -> bool:
        """True when there may be a docket to open: the SQLite file exists, or [state] url names PostgreSQL
        (there, opening the store tells: it creates the tables of a new database or names why it cannot)."""
        return self.state_url is not None or self.state.exists()

    @property
    def state_label(self) -> str:
        """Where the docket is kept, as people see it: the file, or the address without its password."""
        return str(self.state) if self.state_url is None else redact_password(self.state_url)

    @property
    def state_dir(self) -> Path:
        """Folder of the state database; tokens and caches live here too."""
        return self.state.parent


class _Collector:
    """Collects every config problem so the user sees them all at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.problems: list[str] = []

    def add(self, key: str, message: str) -> None:
        self.problems.append(f"{self.path}: [{key}] {message}")


def _resolve(base: Path, value: str) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else (base / p)


def _str(section: dict[str, Any], key: str, where: str, c: _Collector, default: str | None = None) -> str | None:
    value = section.get(key, default)
    if value is not None and not isinstance(value, str):
        c.add(where, f"{key} must be a text value in quotes, e.g. {key} = \"...\".")
        return default
    return value


def _parse_date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def load_config(path: Path, base_dir: Path | None = None) -> Config:
    """Read and validate a config file; raise ConfigError listing every problem."""
    base = (base_dir or Path.cwd()).resolve()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"Config file {path} does not exist; pass --config with the right path.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax at that line.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc}.") from None
    return parse_config(raw, path, base)


def parse_config(raw: dict[str, Any], path: Path, base: Path) -> Config:
    """Validate a parsed TOML document; raise ConfigError listing every problem."""
    c = _Collector(path)
    # Types and unknown keys of every section (daemon/settings/schema.py); what follows reads the copy
    # without the wrongly typed values, so each problem is reported once and nothing trips over one.
    raw = check_shape(raw, c.add)

    d = raw.get("daemon", {})
    inbox = _str(d, "inbox", "daemon", c, "var/inbox") or "var/inbox"
    state = _str(d, "state", "daemon", c, "var/state.db") or "var/state.db"
    where_state = parse_state_url(raw.get("state", {}).get("url"), _resolve(base, state), base, c.add)
    tz = _str(d, "timezone", "daemon", c, "America/Los_Angeles") or "America/Los_Angeles"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        c.add("daemon", f"timezone {tz!r} is not an IANA time zone; use e.g. \"America/Los_Angeles\".")

    ics_dir: Path | None = None
    ics_serve: tuple[str, int] | None = None
    if "ics" in raw:
        ics = raw["ics"]
        ics_dir = _resolve(base, _str(ics, "dir", "ics", c, "var/calendars") or "var/calendars")
        serve = _str(ics, "serve", "ics", c, None)
        if serve:
            ics_serve = check_serve(serve, bool(ics.get("serve_public", False)), c.add)

    calendars: dict[str, dict[str, Any]] = {}
    for name, section in raw.get("calendars", {}).items():
        if not isinstance(section, dict):
            c.add(f"calendars.{name}", "must be a table with kind = \"google\" | \"outlook\" | \"caldav\" | \"ics\".")
            continue
        kind = section.get("kind")
        for key, value in section.items():  # url, freebusy_url, api_endpoint, graph_endpoint ...
            check_url_credentials(f"calendars.{name}", key, value, c.add)
        if kind not in ("google", "outlook", "caldav", "ics", "memory"):
            c.add(f"calendars.{name}", f"kind = {kind!r} is not one of google, outlook, caldav, ics.")
        else:
            for problem in calendar_problems(name, str(kind), section):
                c.add(f"calendars.{name}", problem)
        on_edit = section.get("on_edit")
        if on_edit is not None and on_edit not in ON_EDIT_POLICIES:
            c.add(f"calendars.{name}", f"on_edit = {on_edit!r} must be \"restore\" or \"keep\".")
        calendars[name] = dict(section)

    default_reminders = tuple(raw.get("reminders", {}).get("default", ("14d", "7d", "1d")))
    for r in default_reminders:
        try:
            parse_reminder(r)
        except ValueError as exc:
            c.add("reminders", f"{exc}.")

    people: dict[str, Person] = {}
    for email, section in raw.get("people", {}).items():
        where = f'people."{email}"'
        if not is_email(email):
            c.add(where, f"{email!r} is not an e-mail address docketd accepts (letters, digits and . _ % + ' - "
                         "before the @); the table name must be the person's address, e.g. "
                         "[people.\"jdoe@firm.com\"].")
        cals = tuple(section.get("calendars", ()))
        for cal in cals:
            if cal not in calendars:
                c.add(where, f"calendars lists {cal!r}, but there is no [calendars.{cal}] section; add it "
                             "or remove the name.")
        reminders = tuple(section.get("reminders", ()))
        for r in reminders:
            try:
                parse_reminder(r)
            except ValueError as exc:
                c.add(where, f"{exc}.")
        ooo: list[tuple[date, date]] = []
        for item in section.get("out_of_office", ()):
            parts = item.split("..") if isinstance(item, str) else [item, item]
            first, last = _parse_date(parts[0].strip() if isinstance(parts[0], str) else parts[0]), \
                _parse_date(parts[-1].strip() if isinstance(parts[-1], str) else parts[-1])
            if first is None or last is None or last < first:
                c.add(where, f"out_of_office entry {item!r} must be a date or \"YYYY-MM-DD..YYYY-MM-DD\".")
            else:
                ooo.append((first, last))
        people[email.lower()] = Person(email.lower(), section.get("name", ""), cals, reminders, tuple(ooo))

    routing = raw.get("routing", {})
    routing_default = tuple(e.lower() for e in routing.get("default", ()))
    for e in routing_default:
        if not is_email(e):
            c.add("routing", f"default lists {e!r}, which is not an e-mail address; write e.g. "
                             "default = [\"docketing@firm.com\"].")

    sync_raw = raw.get("sync", {})
    on_edit = sync_raw.get("on_edit", "restore")
    if on_edit not in ON_EDIT_POLICIES:
        c.add("sync", f"on_edit = {on_edit!r} must be \"restore\" or \"keep\".")
    share = sync_raw.get("max_delete_share", 0.5)
    if not isinstance(share, int | float) or not 0 < share <= 1:
        c.add("sync", "max_delete_share must be a number above 0 and at most 1, e.g. 0.5.")
        share = 0.5
    sync = SyncSettings(
        on_edit=on_edit,
        max_delete_share=float(share),
        max_delete_floor=int(sync_raw.get("max_delete_floor", 10)),
        verify_minutes=float(sync_raw.get("verify_minutes", 15.0)),
        batch_size=int(sync_raw.get("batch_size", 100)),
        max_backoff_seconds=float(sync_raw.get("max_backoff_seconds", 600.0)),
    )

    closures: dict[str, tuple[date, ...]] = {}
    for court, days in raw.get("closures", {}).items():
        parsed = [_parse_date(x) for x in days]
        if any(p is None for p in parsed):
            c.add(f"closures.{court}", "every closure must be a date like 2026-12-24.")
        closures[court] = tuple(p for p in parsed if p is not None)

    sources = {name: dict(s) for name, s in raw.get("sources", {}).items()}
    for name, s in sources.items():
        for key, value in s.items():
            check_url_credentials(f"sources.{name}", key, value, c.add)
        for problem in source_problems(name, s):
            c.add(f"sources.{name}", problem)
        if s.get("kind") == "imap":
            for key in ("host", "username"):
                if not s.get(key):
                    c.add(f"sources.{name}", f"kind = \"imap\" needs {key} (the docketing mailbox's server and login).")
            senders = s.get("senders", [])
            if not isinstance(senders, list) or not all(isinstance(x, str) and x for x in senders):
                c.add(f"sources.{name}", "senders must be a list of addresses or domains, e.g. [\"*.uscourts.gov\"].")
            if s.get("bankruptcy", "review") not in ("review", "ignore"):
                c.add(f"sources.{name}", "bankruptcy must be \"review\" or \"ignore\".")
            if not (s.get("password_file") or s.get("password_credential")):
                c.add(f"sources.{name}", "kind = \"imap\" needs password_file (mode 0600) or password_credential "
                                         "(a systemd credential name).")
        elif s.get("kind") not in ("google-sheet", "excel"):
            c.add(f"sources.{name}", f"kind = {s.get('kind')!r} must be \"google-sheet\", \"excel\" or \"imap\".")

    rule_dirs = tuple(_resolve(base, p) for p in raw.get("rules", {}).get("dirs", ()))
    aliases = {str(k).strip().lower(): str(v).strip().lower()
               for k, v in raw.get("intake", {}).get("headers", {}).items()}

    if c.problems:
        raise ConfigError("Config has problems:\n" + "\n".join(f"  - {p}" for p in c.problems))
    return Config(
        path=path,
        base_dir=base,
        inbox=_resolve(base, inbox),
        state=where_state.path,
        state_url=where_state.url,
        lease_seconds=float(raw.get("state", {}).get("lease_seconds", Config.lease_seconds)),
        timezone=tz,
        ics_dir=ics_dir,
        ics_serve=ics_serve,
        people=people,
        calendars=calendars,
        sources=sources,
        routing_default=routing_default,
        header_aliases=aliases,
        rule_dirs=rule_dirs,
        closures=closures,
        sync=sync,
        flags=dict(raw.get("flags", {})),
        digest=dict(raw.get("digest", {})),
        default_reminders=default_reminders,
        raw=raw,
    )


def secret_file_warnings(paths: list[Path]) -> list[str]:
    """Warnings for secret files that group or others can read, naming the chmod to run."""
    warnings = []
    for p in paths:
        try:
            mode = p.stat().st_mode
        except OSError:
            continue
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            warnings.append(f"Secret file {p} can be read by other users; run: chmod 600 {p}")
    return warnings


def credentials_dir() -> Path | None:
    """$CREDENTIALS_DIRECTORY from systemd's LoadCredential=, if set."""
    value = os.environ.get("CREDENTIALS_DIRECTORY")
    return Path(value) if value else None
