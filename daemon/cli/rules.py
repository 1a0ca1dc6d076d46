"""`docketd rules check|list|show`: validate and print the rule packs a firm's docket runs on."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from daemon.engine import Rule, RuleBook, load_rulebook
from daemon.engine.checks import check, version_span
from daemon.engine.rulebook import read_all
from daemon.errors import NotFoundError, UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `rules check`, `rules list` and `rules show RULE` to the docketd command line."""
    rules = subparsers.add_parser("rules", help="check, list and show the rule packs")
    sub = rules.add_subparsers(dest="rules_command", metavar="{check,list,show}")
    sub.required = True
    p = sub.add_parser("check", help="validate every pack and court (shipped and the firm's)")
    p.add_argument("--rules-dir", action="append", default=[], dest="extra_rule_dirs", type=Path,
                   help="a firm's folder of packs/courts (repeatable)")
    p.set_defaults(func=cmd_check)
    p = sub.add_parser("list", help="list every rule: id, trigger, period, citation")
    p.add_argument("--court", help="only the rules that apply in this court")
    p.add_argument("--rules-dir", action="append", default=[], dest="extra_rule_dirs", type=Path)
    p.set_defaults(func=cmd_list)
    p = sub.add_parser("show", help="show one rule in full")
    p.add_argument("rule", help="rule id, e.g. frcp.answer")
    p.add_argument("--rules-dir", action="append", default=[], dest="extra_rule_dirs", type=Path)
    p.set_defaults(func=cmd_show)


    p = subparsers.add_parser("explain", help="print how a matter's stored deadlines were computed")
    p.add_argument("matter", help="matter number, e.g. 2026-0142")
    p.add_argument("rule", nargs="?", help="only this rule (and its follow-ups), e.g. frcp.answer")
    p.set_defaults(func=cmd_explain)


def _config(args: argparse.Namespace) -> Any:
    """The firm's config when one is named or found (for its rule folders and closures), else None."""
    if not hasattr(args, "config") and not os.environ.get("DOCKETD_CONFIG"):
        return None
    from daemon.cli.common import find_config

    return find_config(args, required=False)


def _dirs(args: argparse.Namespace) -> tuple[list[Path], dict[str, Sequence[date]]]:
    dirs = [Path(d) for d in (getattr(args, "rule_dirs", None) or ())]
    closures: dict[str, Sequence[date]] = {}
    config = _config(args)
    if config is not None:
        dirs += [Path(d) for d in config.rule_dirs if Path(d) not in dirs]
        closures = dict(config.closures)
    return dirs + [Path(d) for d in (getattr(args, "extra_rule_dirs", None) or ())], closures


def _book(args: argparse.Namespace) -> RuleBook:
    return load_rulebook(*_dirs(args))  # a PackError reaches daemon.cli.main.main, which reports it


def cmd_check(args: argparse.Namespace) -> int:
    """Print every problem in the packs and courts; exit 1 if there is any."""
    loaded = read_all(*_dirs(args))
    problems = check(loaded)
    for line in problems:
        print(line)
    if problems:
        print(f"{len(problems)} problem(s) found; the daemon will not start until they are fixed.")
        return 1
    n_rules = sum(len(p.rules) for p in loaded.packs.values())
    print(f"OK: {len(loaded.packs)} packs, {n_rules} rules, {len(loaded.courts)} courts.")
    return 0


def _period(rule: Rule) -> str:
    unit = " court" if rule.unit == "court" else ""
    parts = []
    for event, days in rule.triggers.items():
        if rule.direction == "at":
            parts.append(f"{event}: the event itself, at its time")
            continue
        n = str(days) if days >= 0 else "/".join(str(v.days) for v in rule.versions if v.days is not None)
        parts.append(f"{event}: {n}{unit} days {rule.direction}")
    return "; ".join(parts)


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def cmd_list(args: argparse.Namespace) -> int:
    """Print one line per rule."""
    book = _book(args)
    rules = book.rules()
    if getattr(args, "court", None):
        packs = set(book.court(args.court).packs)  # UnknownCourt: exit 2 with the known ids
        rules = [r for r in rules if r.pack in packs]
        c = book.court(args.court)
        extra = f"; forward counts also skip {c.forward_holidays}" if c.forward_holidays else ""
        print(f"{c.id}: {c.name} ({c.timezone}); packs {', '.join(c.packs)}; holidays {c.holidays}{extra}; "
              f"{len(c.closures)} closure day(s).")
    rows = [("RULE", "PERIOD", "SERVICE", "CITATION")]
    rows += [(r.id, _period(r), r.service or "-", r.cite_short) for r in rules]
    for line in _table(rows):
        print(line)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print everything about one rule."""
    book = _book(args)
    found = [r for r in book.rules() if r.id == args.rule]
    if not found:
        raise UsageError(f"no rule {args.rule!r}; `docketd rules list` shows the ids.")
    r = found[0]
    courts = [c for c in book.court_ids() if r.pack in book.court(c).packs]
    lines = [
        f"{r.id}: {r.title}",
        f"  pack:       {r.pack} ({r.file})",
        f"  citation:   {r.citation}  [{r.cite_short}]",
        f"  period:     {_period(r)}" + {"2016.060": " (CCP 2016.060 roll toward trial)",
                                             "monday-next": ", then the Monday next after (TRCP 99(b))"}.get(r.roll, "")
        + (f", by {r.due_time:%H:%M}" if r.due_time else ""),
        f"  counting:   {r.counting}",
        f"  service:    {r.service or 'no service-method extension'}",
        f"  reminders:  {', '.join(r.reminders) or '-'}",
        f"  critical:   {'yes' if r.critical else 'no'}",
        f"  courts:     {', '.join(courts) or '-'}",
    ]
    for v in r.versions:
        extra = f", {v.days} days" if v.days is not None else ""
        extra += f", not computed: {v.not_computed}" if v.not_computed else ""
        lines.append(f"  version:    {version_span(v)}{extra}" + (f", {v.citation}" if v.citation else ""))
    for f in r.followups:
        anchor = "the deadline" if f.anchor == "due" else "the trigger"
        lines.append(f"  follow-up:  {r.id}/{f.id}: {f.title}, {f.days:+d} days from {anchor}")
    if r.notes:
        lines.append(f"  notes:      {r.notes}")
    for line in lines:
        print(line)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    """Print the stored trace of a matter's deadlines (all, or one rule and its follow-ups)."""
    from daemon.cli.common import find_config
    from daemon.state.store import Store

    config = find_config(args, required=False)
    if config.state_url is None and not Path(config.state).is_file():
        raise NotFoundError(f"no state database at {config.state}; run `docketd sync --once` first, or pass "
                            f"--config.")
    store = Store(Path(config.state), url=config.state_url)
    try:
        rows = store.deadlines_for(args.matter)
    finally:
        store.close()
    if args.rule:
        rows = [r for r in rows if r["rule"] == args.rule or str(r["rule"]).startswith(args.rule + "/")]
    if not rows:
        what = f"rule {args.rule} of matter {args.matter}" if args.rule else f"matter {args.matter}"
        raise NotFoundError(f"no stored deadlines for {what}; `docketd status` lists the matters, "
                            f"`docketd preview FILE` shows what an intake row would give.")
    for r in rows:
        label = r.get("cite_short") or r["citation"]
        print(f"{r['matter']}  {r['rule']}  {r['title']}: {r['due']}  [{label}]")
        for step in r.get("explanation", []):
            print(f"  {step}")
        for f in r.get("flags", []):
            alt = f" (other reading: {f['alternative']})" if f.get("alternative") else ""
            print(f"  ! {f['kind']} ({f['severity']}): {f['message']}{alt} {f.get('action', '')}".rstrip())
    return 0
