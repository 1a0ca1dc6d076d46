"""`docketd rules check|list|show`: validate and print the rule packs a firm's docket runs on."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from daemon.engine import EngineError, Rule, RuleBook, load_rulebook
from daemon.engine.checks import check, version_span
from daemon.engine.rulebook import read_all


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


def _dirs(args: argparse.Namespace) -> list[Path]:
    dirs = [Path(d) for d in (getattr(args, "rule_dirs", None) or ())]
    return dirs + [Path(d) for d in (getattr(args, "extra_rule_dirs", None) or ())]


def _book(args: argparse.Namespace) -> RuleBook | None:
    try:
        return load_rulebook(_dirs(args))
    except EngineError as exc:
        print(f"docketd: {exc}", file=sys.stderr)
        return None


def cmd_check(args: argparse.Namespace) -> int:
    """Print every problem in the packs and courts; exit 1 if there is any."""
    loaded = read_all(_dirs(args))
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
        n = str(days) if days >= 0 else "/".join(str(v.days) for v in rule.versions)
        parts.append(f"{event}: {n}{unit} days {rule.direction}")
    return "; ".join(parts)


def _table(rows: Sequence[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def cmd_list(args: argparse.Namespace) -> int:
    """Print one line per rule."""
    book = _book(args)
    if book is None:
        return 1
    rules = book.rules()
    if getattr(args, "court", None):
        try:
            packs = set(book.court(args.court).packs)
        except EngineError as exc:
            print(f"docketd: {exc}", file=sys.stderr)
            return 2
        rules = [r for r in rules if r.pack in packs]
    rows = [("RULE", "PERIOD", "SERVICE", "CITATION")]
    rows += [(r.id, _period(r), r.service or "-", r.cite_short) for r in rules]
    for line in _table(rows):
        print(line)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print everything about one rule."""
    book = _book(args)
    if book is None:
        return 1
    found = [r for r in book.rules() if r.id == args.rule]
    if not found:
        print(f"docketd: no rule {args.rule!r}; `docketd rules list` shows the ids.", file=sys.stderr)
        return 2
    r = found[0]
    courts = [c for c in book.court_ids() if r.pack in book.court(c).packs]
    lines = [
        f"{r.id}: {r.title}",
        f"  pack:       {r.pack} ({r.file})",
        f"  citation:   {r.citation}  [{r.cite_short}]",
        f"  period:     {_period(r)}" + (" (CCP 2016.060 roll toward trial)" if r.roll == "2016.060" else ""),
        f"  counting:   {r.counting}",
        f"  service:    {r.service or 'no service-method extension'}",
        f"  reminders:  {', '.join(r.reminders) or '-'}",
        f"  critical:   {'yes' if r.critical else 'no'}",
        f"  courts:     {', '.join(courts) or '-'}",
    ]
    for v in r.versions:
        extra = f", {v.days} days" if v.days is not None else ""
        lines.append(f"  version:    {version_span(v)}{extra}" + (f", {v.citation}" if v.citation else ""))
    for f in r.followups:
        anchor = "the deadline" if f.anchor == "due" else "the trigger"
        lines.append(f"  follow-up:  {r.id}/{f.id}: {f.title}, {f.days:+d} days from {anchor}")
    if r.notes:
        lines.append(f"  notes:      {r.notes}")
    for line in lines:
        print(line)
    return 0
