"""`docketd digest`: preview a person's (or the firm docket's) daily digest, or send a marked test message.

Both only read the store: nothing is marked as sent, no snapshot moves, so the scheduled digest
goes out exactly as it would have. The preview composes with `daemon.service.digest.compose_for`, the
function the scheduled send uses.
"""

from __future__ import annotations

import argparse
import smtplib
import sys
from datetime import date, datetime
from html import escape
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from daemon.errors import DocketdError, UsageError
from daemon.planning.planner import FIRM_DOCKET
from daemon.service.digest import (
    DigestSettings,
    build_message,
    compose_for,
    day_state,
    next_send_day,
    parse_settings,
    recipients,
)
from daemon.service.smtp import SmtpStepError, deliver, open_smtp
from daemon.settings.config import Config
from daemon.state.store import Store
from daemon.views.digest import Digest, as_test


def register(sub: Any) -> None:
    """Add `docketd digest` to the parser."""
    p = sub.add_parser("digest", help="preview a person's or the firm docket's daily digest, or send a "
                                      "test message through the configured SMTP server")
    p.add_argument("--person", metavar="EMAIL", help="preview this person's digest")
    p.add_argument("--firm", action="store_true", help="preview the firm docket's digest ([digest] docket)")
    p.add_argument("--send-test", metavar="EMAIL", help="send a message marked TEST to EMAIL now and report "
                                                        "each step of the SMTP conversation")
    p.add_argument("--date", metavar="DAY", help="the day the digest is sent, YYYY-MM-DD (default: the next "
                                                 "scheduled send)")
    p.add_argument("--html", metavar="FILE", help="write the preview's HTML to FILE instead of printing the text")
    p.add_argument("--now", help=argparse.SUPPRESS)  # tests pin the clock: an ISO date-time in the firm's zone
    p.set_defaults(func=cmd_digest)


def _now(args: argparse.Namespace, config: Config) -> datetime:
    from daemon.cli.common import today_for

    zone = ZoneInfo(config.timezone)
    if not args.now:
        return today_for(config)
    try:
        value = datetime.fromisoformat(args.now)
    except ValueError:
        raise UsageError(f"--now {args.now!r} is not a date-time like 2026-03-02T06:59.") from None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)


def _day(args: argparse.Namespace, now: datetime, store: Store | None, view: str) -> date:
    if not args.date:
        handled = store is not None and day_state(store, now.date(), view) is not None
        return next_send_day(now.date(), handled)
    try:
        day = date.fromisoformat(args.date)
    except ValueError:
        raise UsageError(f"--date {args.date!r} is not a date like 2026-03-02.") from None
    if day < now.date():
        raise UsageError(f"--date {day.isoformat()} is in the past; a digest is composed from the docket as it "
                         f"stands now, so give today ({now.date().isoformat()}) or a later day.")
    return day


def _view(config: Config, s: DigestSettings, person: str) -> str:
    """A --person that gets a digest, lower-cased; a usage error naming the recipients otherwise."""
    who = person.strip().lower()
    known = recipients(config, s)
    if who not in known:
        where = "[digest] people" if s.people else "[people] and [routing] default"
        raise UsageError(f"{person} gets no daily digest: it is not in {where} of {config.path} (recipients: "
                         f"{', '.join(known) or 'none'}). Check the address, or add the person there.")
    return who


def _when(day: date, now: datetime, s: DigestSettings, handled: bool) -> str:
    at = s.at.strftime("%H:%M")
    if day == now.date() and now.timetz().replace(tzinfo=None) >= s.at and not handled:
        return f"today, {day:%A} {day.isoformat()} (past {at}: a running daemon sends it at once)"
    return f"on {day:%A} {day.isoformat()} at {at}"


def _note(text: str) -> None:
    print(f"Note: {text}", file=sys.stderr)


def _open_store(config: Config, required: bool) -> Store | None:
    if config.has_state:
        return Store(config.state, url=config.state_url)
    if required:
        raise UsageError(f"No state database at {config.state} yet; start the daemon (`docketd run`) or run "
                         "`docketd sync --once` first, so there is a docket to preview.")
    return None


def cmd_digest(args: argparse.Namespace) -> int:
    """Preview a digest, or send a test message; changes nothing in the store."""
    from daemon.cli.common import find_config

    if args.person and args.firm:
        raise UsageError("Give --person EMAIL or --firm, not both.")
    if args.send_test is not None:
        if args.html:
            raise UsageError("--html goes with a preview (--person or --firm), not with --send-test.")
    elif not (args.person or args.firm):
        raise UsageError("docketd digest needs --person EMAIL or --firm (a preview), or --send-test EMAIL "
                         "(a test message); see `docketd digest --help`.")
    config = find_config(args, required=True)
    s = parse_settings(config)
    now = _now(args, config)
    if args.send_test is not None:
        return _send_test(args, config, s, now)
    view = FIRM_DOCKET if args.firm else _view(config, s, args.person)
    if not s.smtp_host:
        _note(f"[digest] smtp_host is not set in {config.path}, so no digest is sent; this shows how it would "
              "look once it is.")
    if args.firm and not s.docket:
        _note(f"[digest] docket is not set in {config.path}, so the firm docket's digest is not sent; set "
              "docket = \"docketing@firm.com\" (the address that should get it) to send it.")
    store = _open_store(config, required=True)
    assert store is not None
    try:
        day = _day(args, now, store, view)
        state = day_state(store, day, view)
        d = compose_for(store, config, s, view, day)
    finally:
        store.close()
    who = "the firm docket" if view == FIRM_DOCKET else view
    if state is not None:
        _note(f"the digest for {who} on {day.isoformat()} was already handled ({state}); it is not sent again "
              "that day. This is how it would look composed now.")
    when = _when(day, now, s, state is not None)
    nothing = "" if d.upcoming else (f"Nothing is due for {who} in the next {s.days} days"
                                     + (", and no flags are open." if not d.flags else
                                        f"; {len(d.flags)} flags are open."))
    if args.html:
        from daemon.cli.agenda import _write_atomic

        _write_atomic(Path(args.html), d.html)
        print(f"Wrote the digest for {who} as it would be sent {when} to {args.html} "
              f"(subject: {d.subject}). Nothing was sent or marked.")
        if nothing:
            print(nothing)
        return 0
    print(f"Preview of the daily digest for {who} as it would be sent {when}; nothing is sent and nothing "
          "is marked.")
    if nothing:
        print(nothing)
    print(f"From: {s.sender}\nTo: {s.docket if view == FIRM_DOCKET else view}\nSubject: {d.subject}\n")
    sys.stdout.write(d.text)
    return 0


def _test_digest(config: Config, s: DigestSettings, args: argparse.Namespace, to: str, now: datetime
                 ) -> tuple[Digest, str]:
    """The test message's content: the digest asked for (or the addressee's own), else a short note."""
    view = FIRM_DOCKET if args.firm else _view(config, s, args.person) if args.person else \
        to.lower() if to.lower() in recipients(config, s) else None
    if view is None:
        text = (f"{to} gets no daily digest (it is not among the digest's recipients), so this test carries no "
                "docket content. `docketd digest --send-test EMAIL --person SOMEONE` sends a copy of "
                "someone's digest.\n")
        html = f"<html><body><p>{escape(text)}</p></body></html>"
        return Digest(to.lower(), "SMTP settings check", text, html), "It carries no digest."
    store = _open_store(config, required=False)
    try:
        day = _day(args, now, store, view)
        d = compose_for(store, config, s, view, day)
    finally:
        if store is not None:
            store.close()
    who = "the firm docket" if view == FIRM_DOCKET else view
    empty = "" if store is not None else f" (There is no docket at {config.state} yet.)"
    return d, f"Below is the digest for {who} as it would be sent on {day.isoformat()}.{empty}"


def _send_test(args: argparse.Namespace, config: Config, s: DigestSettings, now: datetime) -> int:
    to = args.send_test.strip()
    name, at, domain = to.partition("@")
    if not (name and at and domain) or any(ch.isspace() or not ch.isprintable() or ch in '<>,;"' for ch in to):
        raise UsageError(f"--send-test {args.send_test!r} is not an e-mail address like jdoe@firm.com.")
    if not s.smtp_host:
        raise UsageError(f"[digest] smtp_host is not set in {config.path}; set smtp_host, smtp_port, username, "
                         "password_file and from first (docs/digest-and-agenda.md).")
    d, note = _test_digest(config, s, args, to, now)
    test = as_test(d, note)
    msg = build_message(test, s.sender, now, to=to)
    msg["X-Docketd-Test"] = "yes"
    print(f"Sending a test message to {to} through {s.smtp_host}:{s.smtp_port} as [digest] in {config.path} "
          "says:")

    def say(step: str, sentence: str) -> None:
        print(f"{step}: {sentence}", flush=True)

    try:
        smtp = open_smtp(s, say)
        try:
            deliver(smtp, msg, s.sender, to, say)
        finally:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
    except SmtpStepError as exc:
        print(exc)
        raise DocketdError(f"the test message was not sent (the {exc.step} step failed). Nothing was marked; "
                           "the daily digest is not affected.") from exc
    print(f"Sent \"{test.subject}\" to {to}. It does not count as the day's digest: nothing was marked, and the "
          f"daily digest goes out as scheduled at {s.at:%H:%M}.")
    return 0
