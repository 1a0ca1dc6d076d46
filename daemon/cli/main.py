"""`docketd` command line: the one place that turns errors into messages and exit codes.

Exit codes: 0 ok; 1 some input was rejected (good rows still reported) or work failed; 2 usage or
config errors.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from daemon.cli.common import find_config, open_docket, today_for
from daemon.errors import DocketdError, UsageError

if TYPE_CHECKING:
    from daemon.state.handle import Db

log = logging.getLogger("docketd")

# -- commands ---------------------------------------------------------------------------------------
def cmd_run(args: argparse.Namespace) -> int:
    """Run the daemon until SIGTERM."""
    from daemon.cli.service import startup_config
    from daemon.service.main import Service, setup_logging

    setup_logging(args.log_level)
    config = startup_config(args)  # refuses to start (no READY=1) on an unusable config, folder or state
    return Service(config.path, Path.cwd()).run()


def cmd_sync(args: argparse.Namespace) -> int:
    """Process the inbox once, recompute, and push every pending change now."""
    from daemon.cross_flags import clear_dirty
    from daemon.docket import DAY_BASIS_KV, now_iso
    from daemon.service.rules_stamp import KV_KEY as RULES_KV
    from daemon.service.rules_stamp import rules_fingerprint
    from daemon.sources.inbox import ingest_file
    from daemon.sources.watcher import InboxWatcher
    from daemon.sync.dispatcher import ConnectorPool, Dispatcher

    if not args.once:
        raise UsageError("docketd sync needs --once (the daemon syncs continuously with `docketd run`).")
    config = find_config(args, required=True)
    docket = open_docket(config)
    now = today_for(config)
    for folder in (config.inbox, config.processed_dir, config.rejected_dir):
        folder.mkdir(parents=True, exist_ok=True)
    paths = InboxWatcher(config.inbox, lambda p: None).scan()
    for i, path in enumerate(paths, 1):
        report = ingest_file(docket, path, now, cross=False)  # the full recompute below refreshes them
        print(f"[{i}/{len(paths)}] {report.summary()}")
    with docket.store.transaction() as db:
        rc = docket.recompute(db, docket.all_matters(), now.date(), now_iso(now), force=args.force)
        docket.store.set_kv(db, "last_recompute_day", now.date().isoformat())
        docket.store.set_kv(db, DAY_BASIS_KV, docket.day_basis())
        clear_dirty(db)
        # Every matter was just computed under the current rules: the daemon's first start need not do it again.
        docket.store.set_kv(db, RULES_KV, rules_fingerprint(config.rule_dirs, config.closures))
    if args.retry_failed:
        from daemon.state import outbox

        with docket.store.transaction() as db:
            outbox.revive_dead(db)
    for target, n in rc.refused_deletes.items():
        print(f"Held back {n} deletions in {target}: more than the configured share; "
              "re-run with --force if intended.")
    pool = ConnectorPool(config)
    dispatcher = Dispatcher(config, docket.store, pool, lambda: now_iso(today_for(config)))
    for target in docket.store.targets():
        try:
            dispatcher.verify(target)
        except Exception as exc:  # noqa: BLE001 - reported; sync goes on with other calendars
            print(f"Could not check {target} for hand edits: {exc}", file=sys.stderr)
    sent = dispatcher.run_once(time.time())
    pool.close()
    print(f"Recomputed {rc.matters} matters ({rc.deadlines} deadlines). Calendar changes: {sent.done} "
          f"done, {sent.retrying} waiting to retry, {sent.failed} failed, {sent.conflicts} hand edits.")
    if sent.retrying:
        # One pass: a change whose calendar was busy or slow stays queued (exit 0: nothing is lost).
        print(f"{sent.retrying} changes are still queued for a calendar that was busy or slow; run "
              "`docketd sync --once` again, or let the running daemon send them.")
    return 1 if sent.failed else 0


@contextmanager
def _collector_off() -> Iterator[None]:
    """The cyclic garbage collector off while a preview makes its rows and deadlines.

    Issue 17: a third of a 10,000-row preview went to the collector walking the rows and deadlines it kept
    making (none of them garbage until the command ends); a one-shot command can do without.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            # Everything made while it was off would be one young generation, walked whole by the first
            # collection after: 0.03 s for a 10,000-row preview. It lives until the command ends anyway.
            gc.freeze()
            gc.enable()


def _preview(args: argparse.Namespace) -> tuple[Iterator[dict[str, object]], list[dict[str, object]]]:
    """The deadline dicts of the files (made as they are read: call inside _collector_off) and the errors."""
    from daemon.docket import Docket
    from daemon.engine import load_rulebook
    from daemon.sources.inbox import preview_files

    config = find_config(args, required=False)
    missing = [p for p in args.files if not Path(p).is_file()]
    if missing:
        raise UsageError(f"No such file: {', '.join(missing)}.")
    rules = load_rulebook(config.rule_dirs, config.closures)
    docket = Docket(config, None, rules)  # preview never touches the store
    try:
        today = (date.fromisoformat(args.today) if getattr(args, "today", None) else today_for(config).date())
    except ValueError:
        raise UsageError(f"--today {args.today!r} is not a date like 2026-01-05.") from None
    deadlines, errors = preview_files(docket, [Path(p) for p in args.files], today)
    return deadlines, [e.as_dict() for e in errors]


def cmd_preview(args: argparse.Namespace) -> int:
    """Compute deadlines for intake files without touching the store or any calendar."""
    if args.json and not sys.stdout.isatty():
        # One line for scripts: each deadline written as it is made (write_json_object; issue 17).
        with _collector_off():
            made, errors = _preview(args)
            write_json_object({"deadlines": made, "errors": errors})
        return 1 if errors else 0
    with _collector_off():
        made, errors = _preview(args)
        deadlines = list(made)
    if args.json:
        # Indented for a person at a terminal: DESIGN.md's contract fixes the content, not the layout.
        # orjson writes a 10,000-row preview's 20 MB about eight times faster than json's encoder.
        write_json(orjson.dumps({"deadlines": deadlines, "errors": errors}, option=orjson.OPT_INDENT_2))
    else:
        for d in sorted(deadlines, key=lambda d: (str(d["matter"]), str(d["due"]))):
            print(f"{d['due']}  [{d['matter']}] {d['title']} ({d['citation']})  rule {d['rule']}")
            for line in d["explanation"]:  # type: ignore[attr-defined]
                print(f"      {line}")
            for f in d["flags"]:  # type: ignore[attr-defined]
                print(f"      FLAG {f['severity']}: {f['message']}")
        _print_errors(errors)
        print(f"{len(deadlines)} deadlines, {len(errors)} problems.")
    return 1 if errors else 0


JSON_LIST_CHUNK = 500  # items per orjson call when a long list is written piece by piece


def write_json_object(members: dict[str, Iterable[Any]]) -> None:
    """orjson.dumps of members (compact, each iterable as a list) to standard output, each list written a
    few hundred items at a time: the same bytes without holding them all at once (a 10,000-row preview is
    21,000 dicts and 20 MB of JSON, and the memory for them, faulted in page by page, was a tenth of the
    command's time; issue 17)."""
    out = getattr(sys.stdout, "buffer", None)
    if out is None:
        write_json(orjson.dumps({name: list(items) for name, items in members.items()}))
        return
    sys.stdout.flush()
    opening = b"{"
    for name, items in members.items():
        out.write(opening + orjson.dumps(name) + b":[")
        opening = b","
        items = iter(items)
        between = b""
        while piece := list(islice(items, JSON_LIST_CHUNK)):
            out.write(between)
            between = b","
            out.write(memoryview(orjson.dumps(piece))[1:-1])  # the items without the list's brackets
        out.write(b"]")
    out.write(b"}\n" if members else b"{}\n")
    out.flush()


def write_json(data: bytes) -> None:
    """JSON to standard output as UTF-8 bytes (RFC 8259), whatever the terminal's locale."""
    out = getattr(sys.stdout, "buffer", None)
    if out is None:  # a text-only stream (an embedding program's): it takes str
        print(data.decode("utf-8"))
        return
    sys.stdout.flush()
    out.write(data)  # not data + b"\n": a preview's 20 MB copied once more (issue 17)
    out.write(b"\n")
    out.flush()


def _print_errors(errors: Sequence[dict[str, object]]) -> None:
    for e in errors:
        where = f"row {e['row']}" if e.get("row") is not None else "file"
        col = f", column {e['column']}" if e.get("column") else ""
        print(f"{e['file']}, {where}{col}: {e['message']}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    """Check intake files and report every problem (file, row, column, fix); with no file, the config."""
    if not args.files:
        return _validate_config(args)
    with _collector_off():
        made, errors = _preview(args)
        deadlines = list(made)
    if args.json:
        print(json.dumps({"ok": not errors, "deadlines": len(deadlines), "errors": errors}, indent=2))
    else:
        _print_errors(errors)
        print(("OK: " if not errors else "Problems found: ")
              + f"{len(errors)} problems; the good rows give {len(deadlines)} deadlines.")
    return 1 if errors else 0


def _validate_config(args: argparse.Namespace) -> int:
    """`docketd validate --config FILE`: the schema, rule packs and every calendar section, started nothing."""
    from daemon.settings.check import config_problems

    config = find_config(args, required=True)  # schema problems are raised here, all of them at once
    problems = config_problems(config)
    if args.json:
        print(json.dumps({"ok": not problems, "config": str(config.path), "problems": problems}, indent=2))
    else:
        for p in problems:
            print(f"- {p}")
        print(f"OK: {config.path} is usable." if not problems
              else f"Problems found in {config.path}: {len(problems)}.")
    return 2 if problems else 0


def cmd_status(args: argparse.Namespace) -> int:
    """What the daemon holds: matters, deadlines, pending calendar work, open flags."""
    config = find_config(args, required=True)
    from dataclasses import asdict

    from daemon.state import flags, status
    from daemon.state import outbox as outbox_table
    from daemon.state.store import Store
    from daemon.state.trouble import disk_warnings

    if not config.has_state:
        print(f"No state at {config.state} yet: docketd has not run with this config.")
        return 0
    store = Store(config.state, url=config.state_url)
    db = store.db
    counts = status.table_counts(db)
    open_rows = flags.flag_rows(db)
    data: dict[str, Any] = {
        "state": config.state_label,
        "matters": counts["matters"],
        "deadlines": counts["deadlines"],
        "files": counts["files"],
        "outbox": store.outbox_counts(),
        "open_flags": len(open_rows),
        "last_errors": [asdict(e) for e in outbox_table.last_errors(db, 10)],
        "flags": [{"id": f.id, "kind": f.kind, "severity": f.severity, "message": f.message, "action": f.action}
                  for f in open_rows[:20]],
        "storage": disk_warnings({"state database": config.state, "inbox": config.inbox}),
    }
    if store.backend == "postgresql":
        data["leadership"] = _leadership(db, float(config.raw.get("state", {}).get("lease_seconds", 15.0)))
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(f"State: {data['state']}")
    for warning in data["storage"]:
        print(f"PROBLEM: {warning}")
    for line in _leadership_lines(data.get("leadership")):
        print(line)
    print(f"{data['matters']} matters, {data['deadlines']} deadlines, {data['files']} intake files read.")
    outbox = data["outbox"]
    assert isinstance(outbox, dict)
    if outbox:
        for target, c in sorted(outbox.items()):
            print(f"Calendar {target}: {c['pending']} changes waiting, {c['failed']} failed.")
    else:
        print("Every calendar is up to date.")
    for e in data["last_errors"]:
        print(f"  {e['target']}: {e['key']} (attempt {e['attempts']}): {e['last_error']}")
    print(f"{data['open_flags']} open flags.")
    from daemon.views.flag_groups import group_flags

    # One line per distinct flag, with every id it sits under (a conflict is on each deadline of the day),
    # as `docketd flags` lists them.
    for f, ids in group_flags(open_rows)[:20]:
        print(f"  {', '.join(f'#{i}' for i in ids)} {f.severity}: {f.message} {f.action}")
    return 0


def _leadership(db: Db, lease_seconds: float) -> dict[str, Any]:
    """Who leads and who stands by (several instances on one PostgreSQL docket), for `status`.

    An instance is alive while its last heartbeat is younger than one lease (three missed beats).
    """
    from dataclasses import asdict

    from daemon.state import leadership

    lease = leadership.current(db)
    rows = leadership.instances(db)
    return {"leader": lease.holder if lease.holder and not lease.expired else None, "term": lease.term,
            "since": lease.since, "last_holder": lease.holder,
            "instances": [{**asdict(i), "alive": i.seen_seconds_ago <= lease_seconds,
                           "leading": i.instance == lease.holder and not lease.expired} for i in rows]}


def _ago(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _leadership_lines(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return []
    lines = []
    by_id = {i["instance"]: i for i in data["instances"]}
    if data["leader"] is not None:
        me = by_id.get(data["leader"])
        where = f" (host {me['host']}, pid {me['pid']})" if me else ""
        lines.append(f"Leader: {data['leader']}{where}, leading since {data['since']} UTC, term {data['term']}.")
    elif data["last_holder"]:
        lines.append(f"Leader: none at the moment ({data['last_holder']} led in term {data['term']}; its lease ran "
                     "out or it stopped); a running standby takes over within seconds.")
    else:
        lines.append("Leader: none yet; the first `docketd run` on this docket takes the lead.")
    for i in data["instances"]:
        if i["leading"]:
            continue
        seen = f"seen {_ago(i['seen_seconds_ago'])} ago" if i["alive"] else \
            f"not seen for {_ago(i['seen_seconds_ago'])}"
        problem = f": {i['problem']} (its last report)" if i["problem"] else ""
        lines.append(f"Standby: {i['instance']} ({i['host']}, pid {i['pid']}), {seen}{problem}.")
    return lines


def cmd_auth(args: argparse.Namespace) -> int:
    """Sign in to a calendar service and store the token."""
    from connectors.base import AuthRequest
    from connectors.registry import connector_class
    from daemon.sync.dispatcher import ConnectorPool

    config = find_config(args, required=True)
    names = [n for n, s in config.calendars.items() if s.get("kind") == args.kind
             and (args.calendar is None or n == args.calendar)]
    if not names:
        raise UsageError(f"No [calendars.*] section with kind = \"{args.kind}\""
                         + (f" named {args.calendar}" if args.calendar else "") + f" in {config.path}.")
    if len(names) > 1:
        # Several calendars of this kind: pick the one whose mailbox/account is the one signing in.
        account = args.account.lower()
        mine = [n for n in names if account in {str(config.calendars[n].get(k, "")).lower()
                                                for k in ("mailbox", "account", "subject", "username")}]
        if len(mine) != 1:
            raise UsageError(f"Several [calendars.*] sections have kind = \"{args.kind}\" "
                             f"({', '.join(names)}); pass --calendar NAME to say which one to sign in for.")
        names = mine
    pool = ConnectorPool(config)
    request = AuthRequest(account=args.account, calendar=args.calendar)
    code = connector_class(args.kind).sign_in(request, config.calendars[names[0]], pool.ctx, sys.stdout)
    if code is None:
        raise UsageError(f"Calendars of kind {args.kind} need no sign-in command.")
    if code == 0 and config.has_state:
        from daemon.state import flags, outbox
        from daemon.state.store import Store

        store = Store(config.state, url=config.state_url)
        with store.transaction() as db:
            # Changes that waited for this sign-in go out on the daemon's next turn, not after backoff.
            outbox.wake(db, names[0])
            flags.ack_kind(db, names[0], "auth", "docketd auth")
        store.close()
    return code


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    p = argparse.ArgumentParser(prog="docketd", description="Court deadlines, computed and calendared.")
    p.add_argument("--config", help="config file (default: $DOCKETD_CONFIG, ./docketd.toml, "
                                    "/etc/docketd/docketd.toml)")
    p.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING (default INFO)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("run", help="run the daemon")
    s.set_defaults(func=cmd_run)
    s = sub.add_parser("sync", help="process the inbox and push every pending change now")
    s.add_argument("--once", action="store_true", help="run one pass and exit")
    s.add_argument("--force", action="store_true", help="allow a mass deletion the guard held back")
    s.add_argument("--retry-failed", action="store_true", help="retry changes a calendar refused")
    s.set_defaults(func=cmd_sync)
    for name, func, text in (("preview", cmd_preview, "compute deadlines for files, touching nothing"),
                             ("validate", cmd_validate, "check intake files (or, with no file, the config) "
                                                        "and list every problem")):
        s = sub.add_parser(name, help=text)
        s.add_argument("files", nargs="+" if name == "preview" else "*", metavar="FILE")
        s.add_argument("--json", action="store_true", help="machine-readable output")
        s.add_argument("--today", help="compute flags as of this date (YYYY-MM-DD)")
        s.set_defaults(func=func)
    s = sub.add_parser("status", help="matters, pending calendar work and open flags")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_status)
    s = sub.add_parser("auth", help="sign in to Google or Outlook (or check a CalDAV login) and store the token")
    s.add_argument("kind", choices=["google", "outlook", "caldav"])
    s.add_argument("--account", required=True, help="the mailbox to sign in as, e.g. you@firm.com")
    s.add_argument("--calendar", help="the [calendars.NAME] to use (default: the first of that kind)")
    s.set_defaults(func=cmd_auth)
    # Imported here, not at the top: these modules import find_config/today_for from this one.
    from daemon.cli import admin as cli_admin
    from daemon.cli import agenda as cli_agenda
    from daemon.cli import courts as cli_courts
    from daemon.cli import digest as cli_digest
    from daemon.cli import example as cli_example
    from daemon.cli import notices as cli_notices
    from daemon.cli import rules as cli_rules
    from daemon.cli import service as cli_service
    from daemon.cli import sources as cli_sources

    for group in (cli_rules, cli_agenda, cli_sources, cli_admin, cli_digest, cli_service, cli_example,
                  cli_notices, cli_courts):
        group.register(sub)
    _accept_global_options(sub)
    return p


def _accept_global_options(sub: argparse._SubParsersAction) -> None:
    """`docketd run --config FILE` reads as naturally as `docketd --config FILE run`: accept both."""
    for command in sub.choices.values():
        for name in ("--config", "--log-level"):
            if not any(name in a.option_strings for a in command._actions):
                command.add_argument(name, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        for action in command._actions:
            if isinstance(action, argparse._SubParsersAction):
                _accept_global_options(action)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `docketd` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except DocketdError as exc:  # the root of every user-facing error (daemon/errors.py)
        print(f"docketd: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
