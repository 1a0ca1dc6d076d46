"""`docketd check`, `docketd install`, and the start-up checks `docketd run` makes before READY=1."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from pathlib import Path

from daemon.errors import ConfigError, DocketdError
from daemon.service.preflight import Finding, blocking_parent, check_calendars, check_readable, run_checks, shared_group
from daemon.settings.config import Config

log = logging.getLogger("docketd")


class StartupRefused(DocketdError):
    """A start-up check found a problem docketd must not run with; the message says which and the fix."""

    exit_code = 1


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `check` and `install`, and `run --fresh-state`."""
    p = subparsers.add_parser("check", help="can docketd, as this user, read its config and secrets, use its "
                                            "folders and state, and reach its calendars?")
    p.add_argument("--fresh-state", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-network", action="store_true", help="skip the calendar reachability probes")
    p.set_defaults(func=cmd_check)
    run = subparsers.choices.get("run")
    if run is not None:
        run.add_argument("--fresh-state", action="store_true",
                         help="accept an empty (0-byte) state database and start a new, empty docket in it")
    p = subparsers.add_parser("install", help="set docketd up as a systemd service (run as root): the docket "
                                              "group, /etc/docketd, the shared folder, the unit")
    from daemon.cli.install import add_arguments

    add_arguments(p)
    p.set_defaults(func=cmd_install)


def config_path_of(args: argparse.Namespace) -> Path | None:
    """The config file `docketd` would use: --config, $DOCKETD_CONFIG, else the first default place that exists."""
    from daemon.cli.common import DEFAULT_CONFIG_PLACES

    explicit = getattr(args, "config", None) or os.environ.get("DOCKETD_CONFIG")
    if explicit:
        return Path(explicit)
    return next((Path(p) for p in DEFAULT_CONFIG_PLACES if os.path.exists(Path(p))), None)


def load_checked_config(args: argparse.Namespace) -> Config:
    """The config, or a ConfigError whose sentence names the file, its owner and mode, the user and the fix."""
    from daemon.cli.common import find_config

    path = config_path_of(args)
    if path is not None and (os.path.exists(path) or blocking_parent(path) is not None):
        group = shared_group()
        found = check_readable(path, "its config file", "config",
                               f"chgrp {group} {path} && chmod 0640 {path} (and the folder {path.parent}: chgrp "
                               f"{group}, chmod 0750) and give the service SupplementaryGroups={group}, or run "
                               "`sudo docketd install`.", fatal=True)
        if not found.ok:
            raise ConfigError(found.text)
    return find_config(args, required=True)


def _print(findings: list[Finding]) -> None:
    for f in findings:
        print(("ok       " if f.ok else "PROBLEM  ") + f.text, file=sys.stdout if f.ok else sys.stderr)


def cmd_check(args: argparse.Namespace) -> int:
    """Check everything docketd needs, as the user it runs as; exit 1 on any problem."""
    from daemon.service.preflight import whoami

    print(f"Checking as {whoami()}.")
    try:
        config = load_checked_config(args)
    except ConfigError as exc:
        print(f"PROBLEM  {exc}", file=sys.stderr)
        return 1
    print(f"ok       The config file {config.path} can be read and is valid.")
    findings = run_checks(config, fresh=args.fresh_state, network=not args.no_network)
    _print(findings)
    problems = [f for f in findings if not f.ok]
    print(f"{len(problems)} problems found." if problems else "Everything docketd needs is in order.")
    return 1 if problems else 0


def startup_config(args: argparse.Namespace) -> Config:
    """For `docketd run`: the config and every check; a fatal problem raises StartupRefused (no READY=1).

    Problems that do not stop the daemon (an unreachable calendar, an unreadable secret, a dropped
    file it cannot read) are logged as warnings; the affected work waits and is retried.
    """
    from daemon.service.sdnotify import Notifier

    try:
        config = load_checked_config(args)
    except ConfigError as exc:
        Notifier().status(f"Not started: {str(exc).splitlines()[0]}")
        raise
    findings = run_checks(config, fresh=bool(getattr(args, "fresh_state", False)), network=False)
    fatal = [f for f in findings if not f.ok and f.fatal]
    _log_problems(findings)
    if fatal:
        Notifier().status(f"Not started: {fatal[0].text}")
        raise StartupRefused("Not started:\n" + "\n".join(f"  - {f.text}" for f in fatal))
    if getattr(args, "fresh_state", False) and os.path.isfile(config.state) and not os.path.getsize(config.state):
        from daemon.state.store import Store

        # Asked for: a new, empty docket in the empty file.
        Store(config.state, url=config.state_url, allow_empty=True).close()
        log.warning("Started a new, empty docket in the empty state database %s (--fresh-state).", config.state)
    # Calendars are probed beside the start, never before it: a slow DNS or a dead server must not
    # hold up READY or the inbox (issue 18 B6); their changes wait in the outbox either way.
    threading.Thread(target=lambda: _log_problems(check_calendars(config)), name="calendar-check",
                     daemon=True).start()
    return config


def _log_problems(findings: list[Finding]) -> None:
    for f in findings:
        if not f.ok and not f.fatal:
            log.warning("%s", f.text)


def cmd_install(args: argparse.Namespace) -> int:
    """Set docketd up as a systemd service; see daemon/cli/install.py."""
    from daemon.cli.install import install

    return install(args)
