"""`docketd export [FILE]` and `docketd import FILE [--replace]`: the whole docket as one JSON file;
`docketd migrate --to postgresql://...`: the whole docket copied from the SQLite file into PostgreSQL."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from daemon.cli.common import find_config, today_for
from daemon.errors import UsageError, redact_password
from daemon.settings.state_url import is_postgres_url
from daemon.state.export import dump_export, export_docket, import_docket, load_export, row_counts, write_export
from daemon.state.migrate import MAX_SHOWN, migrate_docket
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
    p = subparsers.add_parser("migrate", help="copy the SQLite docket into a PostgreSQL database, then compare "
                                              "every row of the two")
    p.add_argument("--to", required=True, metavar="URL", help="the target, postgresql://USER@HOST/DATABASE")
    p.add_argument("--from", dest="source", metavar="FILE",
                   help="the SQLite state file to copy (default: [daemon] state of the config)")
    p.add_argument("--replace", action="store_true",
                   help="replace what the target already holds (an export of it is kept beside the state file)")
    p.set_defaults(func=cmd_migrate)


def cmd_export(args: argparse.Namespace) -> int:
    """Export the state database as JSON."""
    config = find_config(args, required=True)
    if config.state_url is None and not config.state.exists():
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
        print(f"Exported {store.where} to {args.file}: {counts}.", file=sys.stderr)
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
    print(f"Imported {path} into {store.where}: {counts}.")
    if backup is not None:
        print(f"The previous contents are kept in {backup}.")
    print("Start (or restart) the daemon; it picks up the imported outbox and flags.")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    """Copy the SQLite docket into PostgreSQL, print counts and the row-by-row comparison; 1 on any difference."""
    config = find_config(args, required=True)
    url = str(args.to)
    shown = redact_password(url)
    if not is_postgres_url(url):
        raise UsageError(f"--to {shown!r} is not a PostgreSQL address; give postgresql://USER@HOST/DATABASE.")
    if shown != url:
        raise UsageError(f"--to {shown!r} has a password in it, which would show in the process list and logs; "
                         "remove it and put it in a 0600 file named by PGPASSFILE (libpq's ~/.pgpass format).")
    source_path = Path(args.source) if args.source else config.state
    if not source_path.is_file():
        raise UsageError(f"There is no SQLite state database at {source_path} to migrate; check [daemon] state in "
                         f"{config.path} or give --from FILE.")
    source = Store(source_path)
    try:
        target = Store(source_path, url=url)
        try:
            report = migrate_docket(source, target, today_for(config).isoformat(timespec="seconds"),
                                    replace=args.replace)
        finally:
            target.close()
    finally:
        source.close()
    print(f"Copied {source_path} into {shown}:")
    width = max(len(t) for t in report.counts)
    for table, (n_source, n_target) in report.counts.items():
        mark = "" if n_source == n_target else "   <- differs"
        print(f"  {table:<{width}}  {n_source:>7} -> {n_target:>7}{mark}")
    if report.differences:
        print(f"Compared {report.compared} rows: {len(report.differences)} differ.")
        for line in report.differences[:MAX_SHOWN]:
            print(f"  {line}")
        if len(report.differences) > MAX_SHOWN:
            print(f"  ... and {len(report.differences) - MAX_SHOWN} more.")
        print("The copy is not faithful: keep running on SQLite and report this.")
        return 1
    print(f"Compared {report.compared} rows (every deadline, flag, outbox, sync and other row): identical.")
    print(f'Next: stop docketd, set [state] url = "{shown}" in {config.path}, and start it again.')
    return 0
