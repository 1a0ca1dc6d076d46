"""`docketd example`: write an intake file dated relative to today, for a first look at docketd."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from daemon.cli.common import find_config, today_for
from daemon.errors import UsageError
from daemon.intake.example import example_csv


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `example [--today DAY] [--out FILE]` to the docketd command line."""
    p = subparsers.add_parser("example", help="write an example intake file dated relative to today "
                                              "(drop it in the inbox to see upcoming deadlines)")
    p.add_argument("--today", help="date the example relative to this day (YYYY-MM-DD; default: today in "
                                   "the config's time zone)")
    p.add_argument("--out", help="file to write, or a folder (e.g. the inbox) to write example-DAY.csv "
                                 "into; default: standard output")
    p.set_defaults(func=cmd_example)


def cmd_example(args: argparse.Namespace) -> int:
    """Print or write the example intake file."""
    try:
        today = date.fromisoformat(args.today) if args.today else today_for(find_config(args, False)).date()
    except ValueError:
        raise UsageError(f"--today {args.today!r} is not a date like 2026-01-05.") from None
    text = example_csv(today)
    if not args.out:
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    if out.is_dir():
        out = out / f"example-{today.isoformat()}.csv"
    if not out.parent.is_dir():
        raise UsageError(f"Cannot write {out}: folder {out.parent} does not exist; create it or pick another "
                         "--out (`make run` creates var/inbox).")
    try:
        # One write and a close: the watcher reads the file when it is closed after writing.
        with out.open("x", encoding="utf-8", newline="") as handle:
            handle.write(text)
    except FileExistsError:
        raise UsageError(f"{out} already exists; docketd never overwrites a file. Remove it or pick "
                         "another --out.") from None
    except OSError as exc:
        raise UsageError(f"Cannot write {out}: {exc.strerror}; pick another --out.") from None
    print(f"Wrote {out}: {text.count(chr(10)) - 1} intake rows dated around {today.isoformat()}.")
    return 0
