"""`docketd courts [--json]`: every court id with its name, rule packs and holiday calendars."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from daemon.cli.rules import _book, _table
from daemon.engine import RuleBook


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `courts` to the docketd command line."""
    p = subparsers.add_parser("courts", help="list every court: name, rule packs and holiday calendar")
    p.add_argument("--json", action="store_true", help="print JSON (a stable shape for scripts)")
    p.add_argument("--rules-dir", action="append", default=[], dest="extra_rule_dirs", type=Path)
    p.set_defaults(func=cmd_courts)


def holiday_source(book: RuleBook, calendar: str | None) -> str | None:
    """Where a forward-count holiday calendar comes from: a state table's statute, or the built-in name."""
    if not calendar:
        return None
    table = book.tables().get(calendar)
    if table is not None:
        return table.source
    return {"ca-state": "Cal. Gov. Code 6700, 6701", "ca-judicial": "CCP 135, Gov. Code 6700, CRC 1.11",
            "federal": "5 U.S.C. 6103(a)"}.get(calendar, calendar)


def court_rows(book: RuleBook) -> list[dict[str, Any]]:
    """One JSON-ready record per court, sorted by id."""
    out = []
    for cid in book.court_ids():
        c = book.court(cid)
        out.append({"court": cid, "name": c.name, "state": c.state or None, "packs": list(c.packs),
                    "holidays": c.holidays, "forward_holidays": c.forward_holidays,
                    "holiday_source": holiday_source(book, c.forward_holidays), "timezone": c.timezone,
                    "rules": sum(1 for r in book.rules() if r.pack in c.packs)})
    return out


def cmd_courts(args: argparse.Namespace) -> int:
    """Print every court."""
    book = _book(args)
    if book is None:
        return 1
    rows = court_rows(book)
    if getattr(args, "json", False):
        print(json.dumps({"courts": rows}, indent=1))
        return 0
    table = [("COURT", "NAME", "PACKS", "HOLIDAYS", "FORWARD COUNTS ALSO SKIP")]
    table += [(r["court"], r["name"], ",".join(r["packs"]), r["holidays"],
               f"{r['forward_holidays']} ({r['holiday_source']})" if r["forward_holidays"] else "-") for r in rows]
    for line in _table(table):
        print(line)
    return 0
