"""The daily digest e-mail: once per person per day at `[digest] time`, over SMTP with STARTTLS and auth.

Never twice: before a person's message is handed to the SMTP server, `digest:<day>:<email>` is set to
"sending" in the store; after the server accepts it, to "sent" (with the snapshot that tells
"new" and "changed" next time). A restart the same day skips both. If docketd died between the two,
it cannot know whether the message went out, and it does not resend (a warning says so): a
duplicate is what this module promises never to produce. A refused or unreachable server clears
the mark so the digest is retried `retry_minutes` later.

`compose_for` is the one way a digest is composed: the scheduled send and `docketd digest` (preview
and --send-test) both call it, and it only reads the store.
"""

from __future__ import annotations

import json
import logging
import smtplib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as dtime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from daemon.errors import ConfigError, DocketdError
from daemon.planning.planner import FIRM_DOCKET
from daemon.service.smtp import SmtpStepError, open_smtp
from daemon.settings.config import Config
from daemon.state import kv
from daemon.state.handle import Db
from daemon.state.store import Store
from daemon.views.agenda import Agenda, load_agenda
from daemon.views.digest import Digest, compose

if TYPE_CHECKING:
    from daemon.service.main import Service

log = logging.getLogger("docketd.digest")


@dataclass(frozen=True)
class DigestSettings:
    """The validated [digest] section."""

    at: dtime
    smtp_host: str
    smtp_port: int = 587
    starttls: bool = True
    username: str = ""
    password_file: Path | None = None
    sender: str = "docketd@localhost"
    days: int = 14
    cafile: Path | None = None
    timeout: float = 30.0
    retry_minutes: float = 5.0
    people: tuple[str, ...] = ()
    docket: str = ""  # where the firm docket's digest goes (matters with nobody to route to)


def settings_from(config: Config) -> DigestSettings | None:
    """The digest settings, or None when no [digest] smtp_host is configured; ConfigError names bad keys."""
    if not config.digest.get("smtp_host"):
        return None
    return parse_settings(config)


def parse_settings(config: Config) -> DigestSettings:
    """The [digest] section as settings (smtp_host may be empty); ConfigError names every bad key."""
    raw: dict[str, Any] = config.digest
    problems = []
    try:
        at = dtime.fromisoformat(str(raw.get("time", "07:00")))
    except ValueError:
        problems.append(f"time = {raw.get('time')!r} must be a time of day like \"07:00\"")
        at = dtime(7, 0)
    if raw.get("username") and not raw.get("password_file"):
        problems.append("username is set but password_file is not; point password_file at a file of "
                        "mode 0600 holding the SMTP password")

    def path(key: str) -> Path | None:
        value = raw.get(key)
        if not value:
            return None
        p = Path(str(value)).expanduser()
        return p if p.is_absolute() else config.base_dir / p

    if problems:
        raise ConfigError(f"{config.path}: [digest] " + "; ".join(problems) + ".")
    return DigestSettings(
        at=at, smtp_host=str(raw.get("smtp_host", "")), smtp_port=int(raw.get("smtp_port", 587)),
        starttls=bool(raw.get("starttls", True)), username=str(raw.get("username", "")),
        password_file=path("password_file"), sender=str(raw.get("from", "docketd@localhost")),
        days=int(raw.get("days", 14)), cafile=path("cafile"), timeout=float(raw.get("timeout", 30)),
        retry_minutes=float(raw.get("retry_minutes", 5)),
        people=tuple(str(p).lower() for p in raw.get("people", ())), docket=str(raw.get("docket", "")))


def build_message(d: Digest, sender: str, now: datetime, to: str | None = None) -> EmailMessage:
    """The multipart/alternative e-mail (plain text first, then HTML)."""
    msg = EmailMessage()
    msg["Subject"] = d.subject
    msg["From"] = sender
    msg["To"] = to or d.person
    msg["Date"] = format_datetime(now)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or "docketd")
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to a machine's mail
    msg.set_content(d.text)
    msg.add_alternative(d.html, subtype="html")
    return msg


def _state(store: Store, day: str, person: str) -> str | None:
    return store.get_kv(f"digest:{day}:{person}")


def _mark(store: Store, day: str, person: str, value: str | None,
          snapshot: dict[str, Any] | None = None) -> None:
    with store.transaction() as db:
        if value is None:
            store.drop_kv(db, f"digest:{day}:{person}")
        else:
            store.set_kv(db, f"digest:{day}:{person}", value)
        if snapshot is not None:
            store.set_kv(db, f"digest:snapshot:{person}", json.dumps(snapshot, sort_keys=True))


def _claim(store: Store, day: str, person: str, fence: Callable[[Db], bool]) -> bool:
    """Mark `person`'s digest as sending, only if this instance still leads and nobody marked it meanwhile."""
    with store.transaction() as db:
        # Several instances on one PostgreSQL docket: a deposed leader's term check fails here, and the
        # re-read under the write lock keeps two senders from both starting (at most once, even then).
        if not fence(db) or kv.get(db, f"digest:{day}:{person}") is not None:
            return False
        store.set_kv(db, f"digest:{day}:{person}", "sending")
    return True


def _leads(db: Db) -> bool:
    return True


def recipients(config: Config, s: DigestSettings) -> list[str]:
    """Who gets a digest: [digest] people if given, else everyone in [people] and [routing] default."""
    if s.people:
        return list(s.people)
    return sorted(set(config.people) | {p for p in config.routing_default if "@" in p})


def _views(config: Config, s: DigestSettings) -> list[tuple[str, str]]:
    """(routing name, address) pairs: each person's own digest, and the firm docket's if configured."""
    out = [(p, p) for p in recipients(config, s)]
    if s.docket:
        out.append((FIRM_DOCKET, s.docket))
    return out


def view_name(config: Config, person: str) -> str:
    """How the digest greets its reader: the person's [people] name, or "the firm docket"."""
    if person == FIRM_DOCKET:
        return "the firm docket"
    p = config.people.get(person)
    return p.name if p else ""


def compose_for(store: Store | None, config: Config, s: DigestSettings, person: str, day: date,
                agenda: Agenda | None = None) -> Digest:
    """The digest `person` (or FIRM_DOCKET) gets on `day`; only reads the store (None: an empty docket)."""
    # The scheduled send and `docketd digest` both compose here, so a preview is what gets sent.
    if agenda is None:
        agenda = load_agenda(store.db, config) if store is not None else Agenda([], {}, [])
    raw = store.get_kv(f"digest:snapshot:{person}") if store is not None else None
    previous = json.loads(raw) if raw else None
    return compose(agenda, person, day, days=s.days, previous=previous, name=view_name(config, person))


def day_state(store: Store, day: date, person: str) -> str | None:
    """What happened to `person`'s digest on `day`: None (not yet), sending, sent, refused or unknown."""
    return _state(store, day.isoformat(), person)


def next_send_day(today: date, handled_today: bool) -> date:
    """PURE: the day a person's next scheduled digest goes out: today until today's is handled, then tomorrow."""
    # Before [digest] time it goes out at that time; after it, a daemon that has not sent it yet sends at once.
    return today + timedelta(days=1) if handled_today else today


def send_due(store: Store, config: Config, s: DigestSettings, now: datetime,
             fence: Callable[[Db], bool] = _leads) -> list[str]:
    """Send today's digest to everyone who has not had it; returns who was sent one now.

    `fence`: on a shared PostgreSQL docket, the leader's term check (daemon/service/leadership.py).
    """
    day = now.date().isoformat()
    todo = []
    for person, address in _views(config, s):
        state = _state(store, day, person)
        if state == "sending":
            log.warning("The digest for %s on %s may not have gone out (docketd stopped while sending); "
                        "it is not sent again, so that nobody gets it twice.", person, day)
            _mark(store, day, person, "unknown")
        elif state is None:
            todo.append((person, address))
    if not todo:
        return []
    agenda = load_agenda(store.db, config)
    sent: list[str] = []
    smtp = open_smtp(s)
    try:
        for person, address in todo:
            d = compose_for(store, config, s, person, now.date(), agenda)
            if not _claim(store, day, person, fence):
                continue
            try:
                smtp.send_message(build_message(d, s.sender, now, to=address))
            except smtplib.SMTPRecipientsRefused as exc:
                # The server will not take mail for this address: retrying all day would not help.
                _mark(store, day, person, "refused")
                log.error("The SMTP server refused the digest for %s (%s); check the address in [people] "
                          "or the server's relay rules. Tomorrow's digest will try again.", person,
                          exc.recipients.get(address, exc.recipients))
                continue
            except BaseException:
                _mark(store, day, person, None)
                raise
            _mark(store, day, person, "sent", d.snapshot)
            sent.append(person)
            log.info("Sent the daily digest to %s: %s", address, d.subject)
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()
    return sent


class DigestTicker:
    """Called about once a second by the service loop; does real work only once a day per person."""

    __name__ = "digest"

    def __init__(self, store_of: Callable[[], Store], config_of: Callable[[], Config],
                 settings: DigestSettings, fence: Callable[[Db], bool] = _leads) -> None:
        self.fence = fence
        self.store_of = store_of
        self.config_of = config_of
        self.settings = settings
        self.done_day = ""
        self.retry_at: datetime | None = None

    def __call__(self, now: datetime) -> Sequence[str]:
        """Send today's digests if it is time and they have not gone out; returns who got one."""
        day = now.date().isoformat()
        if day == self.done_day or now.timetz().replace(tzinfo=None) < self.settings.at:
            return []
        if self.retry_at is not None and now < self.retry_at:
            return []
        try:
            sent = send_due(self.store_of(), self.config_of(), self.settings, now, self.fence)
        except SmtpStepError as exc:  # already names the step that failed and the fix
            self.retry_at = now + timedelta(minutes=self.settings.retry_minutes)
            log.error("Could not send the daily digest via %s:%d: %s Retrying at %s.", self.settings.smtp_host,
                      self.settings.smtp_port, exc, self.retry_at.strftime("%H:%M"))
            return []
        except (smtplib.SMTPException, OSError, DocketdError) as exc:
            self.retry_at = now + timedelta(minutes=self.settings.retry_minutes)
            log.error("Could not send the daily digest via %s:%d (%s); retrying at %s. Check [digest] "
                      "smtp_host, smtp_port, username and password_file.", self.settings.smtp_host,
                      self.settings.smtp_port, exc, self.retry_at.strftime("%H:%M"))
            return []
        except Exception:  # noqa: BLE001 - a bug here must not repeat every second; retried like a failure
            self.retry_at = now + timedelta(minutes=self.settings.retry_minutes)
            log.exception("The daily digest failed; retrying at %s.", self.retry_at.strftime("%H:%M"))
            return []
        self.retry_at = None
        self.done_day = day
        return sent


def check_flag_settings(config: Config) -> None:
    """Raise ConfigError naming every bad [flags] value this module and the flag code read."""
    from daemon.sync.busy import parse_workday

    raw = config.flags
    problems = []
    for key, low in (("soon_court_days", 0), ("conflict_threshold", 2), ("busy_refresh_minutes", 0)):
        value = raw.get(key)
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if value is not None and (not number or value < low):
            problems.append(f"{key} = {value!r} must be a number of at least {low}")
    try:
        parse_workday(str(raw.get("workday", "09:00-17:00")))
    except ValueError as exc:
        problems.append(str(exc))
    if problems:
        raise ConfigError(f"{config.path}: [flags] " + "; ".join(problems) + ".")


def make_ticker(service: Service) -> Callable[[datetime], object] | None:
    """The service loop's hook: the daily digest (if [digest] smtp_host is set) and the free/busy refresh."""
    from daemon.sync.busy import BusyTicker

    tickers: list[Callable[[datetime], object]] = []
    check_flag_settings(service.config)
    settings = settings_from(service.config)
    if settings is not None:
        log.info("Daily digest at %s via %s:%d to %d people", settings.at.strftime("%H:%M"),
                 settings.smtp_host, settings.smtp_port, len(recipients(service.config, settings)))
        tickers.append(DigestTicker(lambda: service.store, lambda: service.config, settings,
                                    service.leadership.fence))
    minutes = float(service.config.flags.get("busy_refresh_minutes", 30))
    if minutes > 0 and any(p.calendars for p in service.config.people.values()):
        tickers.append(BusyTicker(service, minutes))
    if not tickers:
        return None
    if len(tickers) == 1:
        return tickers[0]
    return Ticks(tickers)


class Ticks:
    """Several periodic tasks behind the one make_ticker hook; one failing does not stop the others."""

    __name__ = "digest+busy"

    def __init__(self, tickers: Sequence[Callable[[datetime], object]]) -> None:
        self.tickers = list(tickers)

    def __call__(self, now: datetime) -> list[object]:
        """Run each task; returns their results."""
        out: list[object] = []
        for tick in self.tickers:
            try:
                out.append(tick(now))
            except Exception:  # noqa: BLE001 - free/busy trouble must not stop the digest, nor the reverse
                log.exception("Periodic task %s failed", getattr(tick, "__name__", tick))
                out.append(None)
        return out
