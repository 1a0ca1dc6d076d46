"""Validation of loaded packs and courts: every problem is a sentence naming file and rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from daemon.engine.calendars import CALENDARS, Holiday
from daemon.engine.packs import Loaded, RuleVersion


def _overlaps(spans: Sequence[tuple[date | None, date | None]]) -> bool:
    ordered = sorted(spans, key=lambda s: s[0] or date.min)
    for (_, end), (start, _) in zip(ordered, ordered[1:], strict=False):
        if end is None or start is None or start <= end:
            return True
    return False


def resolve_closures(loaded: Loaded) -> None:
    """Replace `closure_sets` placeholders in courts with the named sets' days."""
    for cid, court in list(loaded.courts.items()):
        days: list[Holiday] = []
        for h in court.closures:
            if h.day == date.min and h.name.startswith("@"):
                set_name = h.name[1:]
                if set_name not in loaded.closure_sets:
                    loaded.problems.append(f"{court.file}: court {cid}: closure set {set_name!r} is not "
                                           f"defined; add a file with `closure_set: {set_name}`.")
                    continue
                days += loaded.closure_sets[set_name]
            else:
                days.append(h)
        loaded.courts[cid] = replace(court, closures=tuple(days))


def check(loaded: Loaded) -> list[str]:
    """Every problem in the loaded packs and courts (empty when all is well)."""
    problems = list(loaded.problems)
    seen: dict[str, str] = {}
    for pack in loaded.packs.values():
        derived = {c.event for c in pack.chains}
        for rule in pack.rules:
            where = f"{rule.file}: rule {rule.id}"
            if rule.id in seen:
                problems.append(f"{where}: the id is also used in {seen[rule.id]}; rule ids must be unique.")
            seen[rule.id] = rule.file
            for event in rule.triggers:
                if event not in pack.events and event not in derived:
                    problems.append(f"{where}: unknown trigger event {event!r}; declare it under `events:` "
                                    f"in pack {pack.id} or fix the spelling.")
            if rule.service and rule.service not in pack.extensions:
                problems.append(f"{where}: unknown service extension {rule.service!r}; define it under "
                                f"`extensions:` in pack {pack.id} or use `service: none`.")
            if rule.roll not in ("standard", "2016.060", "monday-next"):
                problems.append(f"{where}: roll {rule.roll!r}; use standard, 2016.060 or monday-next.")
            elif rule.roll != "standard" and rule.counting != {"2016.060": "ccp", "monday-next": "trcp"}[rule.roll]:
                problems.append(f"{where}: roll {rule.roll} belongs to counting "
                                f"{ {'2016.060': 'ccp', 'monday-next': 'trcp'}[rule.roll]}, not {rule.counting}; "
                                f"fix the roll or the counting.")
            if rule.versions and _overlaps([(v.start, v.end) for v in rule.versions]):
                problems.append(f"{where}: effective dates of its versions overlap; give each version "
                                f"`from:`/`until:` dates that do not overlap.")
            if rule.versions and any(v.days is None and not v.not_computed for v in rule.versions) and any(
                d < 0 for d in rule.triggers.values()
            ):
                problems.append(f"{where}: a version has no `days:` and the rule gives none; add one.")
            for event in rule.caveats:
                if event not in rule.triggers:
                    problems.append(f"{where}: caveat for {event!r}, which is not one of its triggers; fix the "
                                    f"event name.")
            for f in rule.followups:
                if f.anchor not in ("due", "trigger"):
                    problems.append(f"{where}: follow-up {f.id} has from {f.anchor!r}; use due or trigger.")
        for ext in pack.extensions.values():
            if _overlaps([(v.start, v.end) for v in ext.versions]):
                problems.append(f"{ext.file}: extension {ext.name}: effective dates of its versions overlap; "
                                f"give each version `from:`/`until:` dates that do not overlap.")
        for chain in pack.chains:
            if chain.source not in pack.events and chain.source not in derived:
                problems.append(f"{chain.file}: chain {chain.id}: unknown trigger event {chain.source!r}; "
                                f"declare it under `events:` in pack {pack.id}.")
            if not chain.citation.strip():
                problems.append(f"{chain.file}: chain {chain.id}: has no citation; add `citation:`.")
    problems += _chain_cycles(loaded)
    known = sorted(set(CALENDARS) | set(loaded.tables))
    for court in loaded.courts.values():
        for cal in [court.holidays] + ([court.forward_holidays] if court.forward_holidays else []):
            if cal not in CALENDARS and cal not in loaded.tables:
                problems.append(f"{court.file}: court {court.id}: unknown holiday calendar {cal!r}; use one "
                                f"of {', '.join(known)}, or add a holiday table (docs/rules.md).")
        for pid in court.packs:
            if pid not in loaded.packs:
                problems.append(f"{court.file}: court {court.id}: unknown rule pack {pid!r}; "
                                f"known packs: {sorted(loaded.packs)}.")
    return problems


def _chain_cycles(loaded: Loaded) -> list[str]:
    edges: dict[str, list[tuple[str, str, str]]] = {}
    for pack in loaded.packs.values():
        for c in pack.chains:
            edges.setdefault(c.source, []).append((c.event, c.id, c.file))
    problems: list[str] = []
    reported: set[str] = set()

    def walk(node: str, path: list[tuple[str, str, str]], on_path: set[str]) -> None:
        for nxt, cid, cfile in edges.get(node, []):
            step = path + [(nxt, cid, cfile)]
            if nxt in on_path:
                ids = [s[1] for s in step]
                if cid not in reported:
                    reported.update(ids)
                    problems.append(f"{cfile}: chain {cid}: chains form a cycle ({' -> '.join(ids)}); "
                                    f"a computed date cannot trigger itself; break the loop.")
                continue
            walk(nxt, step, on_path | {nxt})

    for start in list(edges):
        walk(start, [], {start})
    return problems


def version_span(v: RuleVersion) -> str:
    """A version's effective dates as text, for `rules show`."""
    return f"{v.start.isoformat() if v.start else '...'} to {v.end.isoformat() if v.end else '...'}"
