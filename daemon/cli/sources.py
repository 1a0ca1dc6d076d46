"""`docketd confirm-source NAME` and `docketd sources`: the person's side of mirrored intake sources."""

from __future__ import annotations

import argparse
import getpass

from daemon.cli.common import find_config, today_for
from daemon.errors import UsageError
from daemon.state import flags
from daemon.state.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `confirm-source NAME` and `sources` to the docketd command line."""
    p = subparsers.add_parser("confirm-source", help="confirm that rows which vanished from an intake sheet "
                                                     "were removed on purpose (their deadlines are withdrawn)")
    p.add_argument("name", metavar="NAME", help="the [sources.NAME] whose withdrawal docketd held back")
    p.set_defaults(func=cmd_confirm_source)
    p = subparsers.add_parser("sources", help="list the configured intake sheets and workbooks")
    p.set_defaults(func=cmd_sources)


def cmd_confirm_source(args: argparse.Namespace) -> int:
    """Acknowledge a source-vanished flag; the daemon withdraws the held-back rows at its next poll."""
    config = find_config(args, required=True)
    if args.name not in config.sources:
        known = ", ".join(sorted(config.sources)) or "none configured"
        raise UsageError(f"There is no intake source named {args.name!r} in {config.path} (sources: {known}).")
    store = Store(config.state, url=config.state_url)
    try:
        stamp = today_for(config).isoformat(timespec="seconds")
        with store.transaction() as db:
            changed = flags.ack_kind(db, args.name, "source-vanished", getpass.getuser(), stamp)
    finally:
        store.close()
    if not changed:
        print(f"Nothing to confirm: docketd is not holding back any withdrawal for {args.name}.")
        return 0
    print(f"Confirmed. At its next poll of {args.name}, docketd withdraws the deadlines of the rows that "
          "vanished (rows that came back are kept).")
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    """Print each configured source and whether a withdrawal is held back."""
    config = find_config(args, required=True)
    if not config.sources:
        print("No intake sources are configured ([sources.NAME] in the config); only the inbox is watched.")
        return 0
    held: set[str] = set()
    if config.has_state:
        store = Store(config.state, url=config.state_url)
        try:
            held = flags.open_scopes(store.db, "source-vanished")
        finally:
            store.close()
    for name, section in sorted(config.sources.items()):
        where = section.get("spreadsheet_id") or section.get("path") or section.get("host") or "?"
        note = "  HELD: rows vanished; run `docketd confirm-source " + name + "` if intended" if name in held else ""
        print(f"{name}: {section.get('kind')} {where}{note}")
    return 0
