"""`docketd agenda`, `matter`, `flags` and `ack`: what the docket holds, as people read it."""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from daemon.errors import UsageError
from daemon.settings.config import Config
from daemon.state.store import Store


def register(sub: Any) -> None:
    """Add this module's subcommands to the `docketd` parser."""
    p = sub.add_parser("agenda", help="what is due in the next days (terminal table or HTML page)")
    p.add_argument("--person", metavar="EMAIL", help="only this person's deadlines and tasks")
    p.add_argument("--days", type=int, default=14, help="how many days ahead (default 14)")
    p.add_argument("--html", metavar="FILE", help="write the HTML agenda (month grid, list, matters) to FILE")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_agenda)
    p = sub.add_parser("matter", help="one matter in full: triggers, deadlines, flags, calendars")
    p.add_argument("matter", metavar="MATTER")
    p.add_argument("--today", help=argparse.SUPPRESS)
    p.set_defaults(func=cmd_matter)
    p = sub.add_parser("flags", help="open flags: what needs a person's attention, and what to do")
    p.add_argument("--all", action="store_true", help="include acknowledged flags")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_flags)
    p = sub.add_parser("ack", help="acknowledge flags by number (calendar entries drop their flag mark)")
    p.add_argument("ids", nargs="+", metavar="ID", help="flag numbers as shown by `docketd flags`")
    p.add_argument("--by", metavar="NAME", default=None, help="who acknowledges (default: $USER)")
    p.set_defaults(func=cmd_ack)
    # `docketd explain MATTER [RULE]` (the stored trace) is registered by daemon/cli/rules.py.


def _config(args: argparse.Namespace) -> Config:
    from daemon.cli.common import find_config

    return find_config(args, required=True)


def _store(config: Config) -> Store:
    if not config.has_state:
        raise UsageError(f"No state database at {config.state} yet; start the daemon (`docketd run`) or run "
                         "`docketd sync --once` first.")
    return Store(config.state, url=config.state_url)


def _today(args: argparse.Namespace, config: Config) -> date:
    from daemon.cli.common import today_for

    value = getattr(args, "today", None)
    if not value:
        return today_for(config).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--today {value!r} is not a date like 2026-01-05.") from None


def cmd_agenda(args: argparse.Namespace) -> int:
    """Print the next days' deadlines, or write the HTML agenda."""
    from daemon.views.agenda import load_agenda, text_table, upcoming
    from daemon.views.agenda_html import agenda_html
    from daemon.views.matter import load_pictures

    if args.days < 0:
        raise UsageError("--days must be 0 or more.")
    config = _config(args)
    store = _store(config)
    today = _today(args, config)
    agenda = load_agenda(store.db, config)
    if args.person and args.person.lower() not in config.people:
        known = ", ".join(sorted(config.people)) or "none configured"
        print(f"Note: {args.person} is not in [people] (known: {known}); showing what is routed to them.")
    if args.html:
        pictures = load_pictures(store.db, config)
        page = agenda_html(agenda, today, days=args.days, person=args.person, pictures=pictures)
        _write_atomic(Path(args.html), page)
        print(f"Wrote the agenda to {args.html}.")
        return 0
    items = upcoming(agenda, today, args.days, args.person)
    who = f" for {args.person}" if args.person else ""
    print(f"Due from {today.isoformat()} through the next {args.days} days{who}: {len(items)}")
    print(text_table(items, today, agenda.people_names))
    open_flags = len(agenda.flags)
    if open_flags:
        print(f"\n{open_flags} open flags in all; see `docketd flags`.")
    return 0


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)


def cmd_matter(args: argparse.Namespace) -> int:
    """Print one matter as a clerk keeps it."""
    from daemon.views.matter import load_picture, matter_text

    config = _config(args)
    store = _store(config)
    pic = load_picture(store.db, config, args.matter)
    if pic.facts is None:
        raise UsageError(f"Matter {args.matter} is not in the docket; check the number "
                         "(`docketd agenda` lists matters with deadlines).")
    print(matter_text(pic, _today(args, config)))
    return 0


def cmd_flags(args: argparse.Namespace) -> int:
    """List open (or all) flags, most severe first."""
    from daemon.state.flags import flag_rows
    from daemon.views.flag_groups import group_flags

    config = _config(args)
    store = _store(config)
    rows = flag_rows(store.db, include_acked=args.all)
    if args.json:
        print(json.dumps([r.as_dict() for r in rows], indent=2))
        return 0
    if not rows:
        print("No open flags." if not args.all else "No flags.")
        return 0
    for r, ids in group_flags(rows) if not args.all else [(r, [r.id]) for r in rows]:
        where = f" [{r.matter}]" if r.matter else ""
        acked = f" (acknowledged by {r.acked_by or '?'} {r.acked_at})" if r.acked_at else ""
        print(" ".join(f"#{i}" for i in ids) + f" {r.severity} {r.kind}{where}{acked}: {r.message}")
        if r.action:
            print(f"    Action: {r.action}")
    if not args.all:
        print(f"{len(rows)} open flags. Acknowledge with `docketd ack ID...` once handled.")
    return 0


def cmd_ack(args: argparse.Namespace) -> int:
    """Acknowledge flags and re-render their matters' calendar entries without the flag mark."""
    from daemon.cli.common import today_for
    from daemon.docket import Docket, now_iso
    from daemon.engine import load_rulebook
    from daemon.state.flags import ack_flags

    ids = []
    for raw in args.ids:
        text = raw.lstrip("#")
        if not text.isdigit():
            raise UsageError(f"{raw!r} is not a flag number; `docketd flags` shows them (e.g. 12).")
        ids.append(int(text))
    config = _config(args)
    store = _store(config)
    docket = Docket(config, store, load_rulebook(config.rule_dirs, config.closures))
    now = today_for(config)
    by = args.by or os.environ.get("USER") or "unknown"
    with store.transaction() as db:
        result = ack_flags(db, ids, by, now_iso(now))
        if result.matters:
            docket.recompute(db, result.matters, now.date(), now_iso(now))
    for i in result.acked:
        print(f"Acknowledged flag #{i}.")
    for i in result.already:
        print(f"Flag #{i} was already acknowledged.")
    for i in result.unknown:
        print(f"There is no flag #{i}; `docketd flags --all` lists them.")
    if result.matters:
        print("Calendar entries of matter(s) " + ", ".join(sorted(result.matters))
              + " drop the flag mark at the next sync (the running daemon does it within seconds).")
    return 1 if result.unknown else 0

