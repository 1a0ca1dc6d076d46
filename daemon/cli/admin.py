"""`docketd export [FILE]` and `docketd import FILE [--replace]`: the whole docket as one JSON file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from daemon.cli.common import find_config, today_for
from daemon.errors import UsageError
from daemon.state.export import dump_export, export_docket, import_docket, load_export, row_counts, write_export
from daemon.state.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `export` and `import` to the docketd command line."""
    p = subparsers.add_parser("export", help="write every matter, deadline, sync state, outbox row and flag "
                                             "as JSON (to FILE, or standard output)")
    p.add_argument("file", nargs="?", metavar="FILE", help="where to write (default: standard output)")
    p.set_defaults(func=cmd_export)
    p = subparsers.add_parser("import", help="load a `docketd export` file into an empty state database")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--replace", action="store_true",
                   help="replace a non-empty state database (a backup copy is kept beside it)")
    p.set_defaults(func=cmd_import)


def cmd_export(args: argparse.Namespace) -> int:
    """Export the state database as JSON."""
    config = find_config(args, required=True)
    if not config.state.exists():
        raise UsageError(f"There is no state database at {config.state} to export; check [daemon] state "
                         f"in {config.path}.")
    store = Store(config.state, url=config.state_url)
    try:
        doc = export_docket(store, today_for(config).isoformat(timespec="seconds"))
    finally:
        store.close()
    if args.file and args.file != "-":
        write_export(doc, Path(args.file))
        counts = ", ".join(f"{n} {t}" for t, n in doc["counts"].items())
        print(f"Exported {config.state} to {args.file}: {counts}.", file=sys.stderr)
    else:
        sys.stdout.write(dump_export(doc))
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import an export file into the state database (empty, or replaced with --replace)."""
    config = find_config(args, required=True)
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"Cannot read the export file {path} ({exc}); give the file `docketd export` "
                         "wrote.") from None
    doc = load_export(text, str(path))
    # Restoring into an emptied state file is the documented fix.
    store = Store(config.state, url=config.state_url, allow_empty=True)
    try:
        label = today_for(config).strftime("%Y%m%dT%H%M%S")
        backup = import_docket(store, doc, replace=args.replace, backup_label=label)
        counts = ", ".join(f"{n} {t}" for t, n in row_counts(store).items())
    finally:
        store.close()
    print(f"Imported {path} into {config.state}: {counts}.")
    if backup is not None:
        print(f"The previous contents are kept in {backup}.")
    print("Start (or restart) the daemon; it picks up the imported outbox and flags.")
    return 0
