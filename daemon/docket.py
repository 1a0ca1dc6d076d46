"""The docket: stores intake rows, recomputes matters and writes calendar work to the outbox.

Everything one intake change causes (triggers, matter facts, deadlines, flags, outbox rows) is
written in ONE transaction, so a crash leaves either all of it or none of it.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol

from connectors.base import Capabilities
from connectors.registry import connector_class
from daemon.engine.court_index import CourtCalendar
from daemon.engine.errors import NotComputed
from daemon.models import CalendarEntry, Deadline, Flag, OutboxRow, SyncRow, TriggerEvent
from daemon.planning.conflicts import CROSS_FLAG_KINDS
from daemon.planning.flags import TRIGGER_FLAG_KINDS, all_flags, stored_flags, trigger_scope
from daemon.planning.planner import (
    FIRM_DOCKET,
    MatterFacts,
    desired_entries,
    merge_facts,
    plan_matter,
    route,
    with_court,
)
from daemon.planning.reconciler import TargetPlan, exceeds_delete_guard, reconcile
from daemon.planning.rule_change import RULE_CHANGE, rule_change_flags
from daemon.serial import deadline_to_dict, entry_to_dict, parse_stamp, trigger_from_dict, trigger_to_dict
from daemon.settings.config import Config
from daemon.sources.notices.court_set import with_court_set
from daemon.sources.notices.links import link_cases
from daemon.state.flag_store import refresh_cross_flags, with_cross_flags
from daemon.state.store import Store

ICS_ALL = "ics:all"
# Flags the dispatcher raises; a recompute leaves them alone.
SYNC_FLAG_KINDS = frozenset({"drift", "auth", "sync-failed", "mass-delete", "source-vanished", "notice-review"})
# Flags that stay until acknowledged: the next recompute no longer sees the change that raised them.
STICKY_FLAG_KINDS = frozenset({RULE_CHANGE})


class RuleBook(Protocol):
    """What the docket needs of the rules engine."""

    def compute(self, trigger: TriggerEvent) -> list[Deadline]:
        """Every deadline the trigger implies."""
        ...

    def events_for(self, court_id: str) -> frozenset[str]:
        """Trigger events the court's packs know."""
        ...

    def court_ids(self) -> list[str]:
        """Every known court id."""
        ...

    def court_calendar(self, court_id: str) -> CourtCalendar:
        """The court's court days, indexed (flags count "due soon" in them)."""
        ...


@dataclass
class RecomputeReport:
    """What a recompute changed."""

    matters: int = 0
    deadlines: int = 0
    queued: int = 0
    refused_deletes: dict[str, int] = field(default_factory=dict)


def now_iso(clock: datetime) -> str:
    """A timestamp for the store."""
    return clock.isoformat(timespec="seconds")


class Docket:
    """Ties config, store and rule book together; all methods run on the caller's thread."""

    def __init__(self, config: Config, store: Store | None, rules: RuleBook) -> None:
        self.config = config
        self._store = store
        self.rules = rules

    @property
    def store(self) -> Store:
        """The state store (a preview Docket has none)."""
        if self._store is None:
            raise RuntimeError("this Docket was built for preview and has no store")
        return self._store

    # -- routing --------------------------------------------------------------------------------
    def capabilities(self, target: str) -> Capabilities:
        """What a calendar can hold, without connecting to it."""
        if target.startswith("ics:"):
            return Capabilities()
        kind = self.config.calendars[target]["kind"]
        return connector_class(kind).capabilities

    def targets_for(self, person: str) -> list[tuple[str, Capabilities]]:
        """The calendars one person's deadlines go to."""
        out: list[tuple[str, Capabilities]] = []
        cfg = self.config.people.get(person)
        if cfg is not None:
            out += [(name, self.capabilities(name)) for name in cfg.calendars]
        if self.config.ics_dir is not None:
            out.append((f"ics:{person}", Capabilities()))
        return out

    # -- intake ---------------------------------------------------------------------------------
    def resolve_court(self, trigger: TriggerEvent, pending: dict[str, MatterFacts]) -> str | None:
        """The trigger's court: its own, else the matter's from earlier rows."""
        if trigger.court:
            return trigger.court
        facts = pending.get(trigger.matter) or self.facts(trigger.matter)
        return facts.court if facts else None

    def facts(self, matter: str) -> MatterFacts | None:
        """A matter's stored facts (None in preview, which has no store)."""
        if self._store is None:
            return None
        raw = self.store.matter(matter)
        if raw is None:
            return None
        raw["attorneys"] = tuple(raw.get("attorneys", ()))
        raw["paralegals"] = tuple(raw.get("paralegals", ()))
        return MatterFacts(**raw)

    def store_triggers(self, db: sqlite3.Connection, triggers: Sequence[TriggerEvent],
                       stamp: str, source: str | None = None) -> set[str]:
        """Upsert triggers (a same-identity row is a correction) and fold them into matter facts."""
        by_matter: dict[str, list[TriggerEvent]] = {}
        for t in triggers:
            by_matter.setdefault(t.matter, []).append(t)
            old = db.execute("SELECT payload FROM triggers WHERE matter=? AND event=? AND ref=?",
                             t.instance).fetchone()
            if old is not None and same_facts(json.loads(old[0]), t):
                continue  # the same row again: keep its first provenance (and first-received day)
            prov = t.provenance
            db.execute(
                "INSERT INTO triggers (matter, event, ref, payload, updated_at, source, row, checksum) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(matter, event, ref) DO UPDATE SET "
                "payload=excluded.payload, updated_at=excluded.updated_at, source=excluded.source, "
                "row=excluded.row, checksum=excluded.checksum",
                (t.matter, t.event, t.ref or "", json.dumps(trigger_to_dict(t)), stamp,
                 source or (prov.source if prov else ""), prov.row if prov else 0,
                 prov.checksum if prov else ""))
        for matter, rows in by_matter.items():
            self.write_facts(db, merge_facts(matter, self.facts(matter), rows), stamp)
        link_cases(db, triggers, stamp)
        return set(by_matter)

    def write_facts(self, db: sqlite3.Connection, facts: MatterFacts, stamp: str) -> None:
        """Store a matter's merged facts."""
        db.execute(
            "INSERT INTO matters VALUES (?, ?, ?) ON CONFLICT(matter) DO UPDATE SET "
            "payload=excluded.payload, updated_at=excluded.updated_at",
            (facts.matter, json.dumps(asdict(facts)), stamp))

    def source_instances(self, source: str) -> dict[tuple[str, str, str], str]:
        """Trigger identities a mirrored source owns now, with their stored payloads."""
        rows = self.store.db.execute("SELECT matter, event, ref, payload FROM triggers WHERE source=?", (source,))
        return {(r[0], r[1], r[2]): r[3] for r in rows}

    def withdraw_triggers(self, db: sqlite3.Connection, instances: Iterable[tuple[str, str, str]]) -> set[str]:
        """Remove triggers (a mirrored sheet row vanished); their deadlines go at the next recompute."""
        matters = set()
        for matter, event, ref in instances:
            db.execute("DELETE FROM triggers WHERE matter=? AND event=? AND ref=?", (matter, event, ref))
            matters.add(matter)
        return matters

    # -- recompute ------------------------------------------------------------------------------
    def recompute(self, db: sqlite3.Connection, matters: Iterable[str], today: date, stamp: str,
                  force: bool = False, cross: bool = True) -> RecomputeReport:
        """Recompute matters' deadlines and flags, and queue the calendar changes they imply."""
        report = RecomputeReport()
        plans: dict[str, TargetPlan] = {}
        soon = int(self.config.flags.get("soon_court_days", 5))
        for matter in sorted(set(matters)):
            report.matters += 1
            facts = self.facts(matter) or MatterFacts(matter)
            triggers = [trigger_from_dict(p) for p in self.store.triggers_for(matter)]
            deadlines, errors = self._plan(triggers, facts, today)
            flags_of = all_flags(deadlines, today, soon, courts=self.rules)
            for key, message in errors:
                flags_of.setdefault(key, []).append(Flag("engine-error", "critical", message,
                                                         "Correct the intake row or the rule pack."))
            report.deadlines += len(deadlines)
            self._rule_changes(db, matter, triggers, deadlines, facts, flags_of, stamp)
            self._write_deadlines(db, matter, deadlines, flags_of, stamp)
            shown = self._unacked(db, matter, deadlines, flags_of)
            shown = with_cross_flags(db, matter, shown, [d.key for d in deadlines])
            desired = self._desired(deadlines, facts, today, soon, shown)
            self._plan_targets(db, matter, desired, plans)
        report.queued, report.refused_deletes = self._queue(db, plans, stamp, force)
        if cross:
            # Cross-matter flags (conflicts, out of office, what's next) need every deadline: refresh them
            # in this transaction and re-render the matters whose calendar-visible flags changed.
            again = refresh_cross_flags(self, db, today, stamp)
            if again:
                more = self.recompute(db, again, today, stamp, force, cross=False)
                report.queued += more.queued
                report.refused_deletes.update(more.refused_deletes)
        return report

    def _plan(self, triggers: Sequence[TriggerEvent], facts: MatterFacts,
              today: date) -> tuple[list[Deadline], list[tuple[str, str]]]:
        deadlines: list[Deadline] = []
        errors: list[tuple[str, str]] = []
        for t in triggers:
            try:
                deadlines += plan_matter([t], facts, with_court_set(self.rules), today)
            except NotComputed as exc:  # the row's other rules still give their deadlines
                deadlines += exc.deadlines
                some = "Not every deadline" if exc.deadlines else "No deadlines"
                errors.append((trigger_scope(t),
                               f"{some} could be computed from the {t.event} row of matter "
                               f"{t.matter} dated {t.date.isoformat()}: {_sentence(exc)}"))
            except Exception as exc:  # noqa: BLE001 - one bad trigger must not stop its matter
                errors.append((trigger_scope(t),
                               f"No deadlines could be computed from the {t.event} row of matter {t.matter} "
                               f"dated {t.date.isoformat()}: {_sentence(exc)}"))
        return deadlines, errors

    def _rule_changes(self, db: sqlite3.Connection, matter: str, triggers: Sequence[TriggerEvent],
                      deadlines: Sequence[Deadline], facts: MatterFacts, flags_of: dict[str, list[Flag]],
                      stamp: str) -> None:
        """Store `rule-change` flags for deadlines the rules moved; add every open one to flags_of."""
        if facts.status != "closed":  # closing a matter withdraws its future deadlines: not a rule change
            stored = [json.loads(r[0]) for r in db.execute("SELECT payload FROM deadlines WHERE matter=?",
                                                              (matter,))]
            changes = rule_change_flags(stored, deadlines, [with_court(t, facts) for t in triggers])
            for key, f in changes.items():
                # A new move is a new fact: raised again even if an earlier move was acknowledged.
                db.execute(
                    "INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(scope, kind) DO UPDATE SET "
                    "severity=excluded.severity, message=excluded.message, action=excluded.action, "
                    "created_at=excluded.created_at, acked_at=NULL, acked_by=NULL",
                    (key, f.kind, f.severity, f.message, f.action, matter, stamp))
        keys = {d.key for d in deadlines}
        for scope, kind, severity, message, action in db.execute(
                "SELECT scope, kind, severity, message, action FROM flags WHERE matter=? AND kind=? "
                "AND acked_at IS NULL ORDER BY id", (matter, RULE_CHANGE)):
            if scope in keys:  # the calendar entry at the new date carries the flag mark
                flags_of.setdefault(scope, []).append(Flag(kind, severity, message, action))

    def _write_deadlines(self, db: sqlite3.Connection, matter: str, deadlines: Sequence[Deadline],
                         flags_of: dict[str, list[Flag]], stamp: str) -> None:
        db.execute("DELETE FROM deadlines WHERE matter=?", (matter,))
        for d in deadlines:
            payload = deadline_to_dict(d)
            payload["flags"] = [f.as_dict() for f in flags_of.get(d.key, ())]
            db.execute("INSERT OR REPLACE INTO deadlines VALUES (?, ?, ?, ?, ?, ?)",
                       (d.key, matter, d.rule, d.due.isoformat(), json.dumps(payload), stamp))
        kinds = tuple(SYNC_FLAG_KINDS | CROSS_FLAG_KINDS | STICKY_FLAG_KINDS)
        marks = ",".join("?" * len(kinds))
        stored = stored_flags(deadlines, flags_of)
        keep = {(key, f.kind) for key, fl in stored.items() for f in fl}
        for row in db.execute(f"SELECT scope, kind FROM flags WHERE matter=? AND kind NOT IN ({marks})",
                              (matter, *kinds)).fetchall():
            if (row[0], row[1]) not in keep:
                db.execute("DELETE FROM flags WHERE scope=? AND kind=?", (row[0], row[1]))
        for key, fl in stored.items():
            for f in fl:
                db.execute(
                    "INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(scope, kind) DO UPDATE SET "
                    "severity=excluded.severity, message=excluded.message, action=excluded.action",
                    (key, f.kind, f.severity, f.message, f.action, matter, stamp))

    def _unacked(self, db: sqlite3.Connection, matter: str, deadlines: Sequence[Deadline],
                 flags_of: dict[str, list[Flag]]) -> dict[str, list[Flag]]:
        acked = {(r[0], r[1]) for r in db.execute(
            "SELECT scope, kind FROM flags WHERE matter=? AND acked_at IS NOT NULL", (matter,))}
        trig = {d.key: trigger_scope(d.trigger) for d in deadlines}

        def scope(key: str, f: Flag) -> str:  # a trigger's own flag is acknowledged once, for all its entries
            return trig.get(key, key) if f.kind in TRIGGER_FLAG_KINDS else key
        return {k: [f for f in fl if (scope(k, f), f.kind) not in acked] for k, fl in flags_of.items()}

    def _desired(self, deadlines: Sequence[Deadline], facts: MatterFacts, today: date, soon: int,
                 flags_of: dict[str, list[Flag]]) -> dict[str, dict[str, CalendarEntry]]:
        people = route(facts, self.config.routing_default)
        targets_of = {p: self.targets_for(p) for p in people}
        leads_of = {p: self.config.people[p].reminders for p in people if p in self.config.people}
        desired = desired_entries(
            deadlines, facts, targets_of=targets_of, leads_of=leads_of,
            default_leads=self.config.default_reminders, default_people=self.config.routing_default,
            today=today, soon_days=soon, flags_of=flags_of)
        if self.config.ics_dir is not None:
            merged: dict[str, CalendarEntry] = {}
            for target, entries in desired.items():
                if target.startswith("ics:") and target != ICS_ALL:
                    merged.update(entries)
            desired[ICS_ALL] = merged
        return desired

    def _plan_targets(self, db: sqlite3.Connection, matter: str,
                      desired: dict[str, dict[str, CalendarEntry]], plans: dict[str, TargetPlan]) -> None:
        # '|' ends the matter part of every key, and '}' sorts right after it: an indexed range scan.
        synced: dict[str, dict[str, SyncRow]] = {}
        for srow in self.store.sync_rows_for_matter(matter):
            synced.setdefault(srow.target, {})[srow.uid] = srow
        pending: dict[str, dict[str, OutboxRow]] = {}
        for orow in self.store.pending_for_matter(matter):
            pending.setdefault(orow.target, {})[orow.uid] = orow
        for target in set(desired) | set(synced) | set(pending):
            plan = reconcile(desired.get(target, {}), synced.get(target, {}), pending.get(target, {}))
            agg = plans.setdefault(target, TargetPlan())
            agg.upserts += plan.upserts
            agg.deletes += plan.deletes
            agg.rewrites += plan.rewrites
            agg.unwinds += plan.unwinds

    def _queue(self, db: sqlite3.Connection, plans: dict[str, TargetPlan], stamp: str,
               force: bool) -> tuple[int, dict[str, int]]:
        queued = 0
        refused: dict[str, int] = {}
        sync = self.config.sync
        for target, plan in plans.items():
            changed = parse_stamp(stamp)
            # Settle pending ops that may already have been applied (see daemon/planning/reconciler.py).
            for e in plan.rewrites:
                payload = entry_to_dict(replace(e, changed_at=changed) if changed else e)
                payload["_hash"] = e.content_hash()
                _enqueue(db, target, e.uid, e.key, "upsert", json.dumps(payload), stamp, force=True)
                queued += 1
            for q in plan.unwinds:
                _enqueue(db, target, q.uid, q.key, "delete", json.dumps(q.entry), stamp)
                queued += 1
            for e in plan.upserts:
                # Reconcile queues an upsert only when the content hash changed: `stamp` (the recompute's
                # clock) is when this entry's content last changed, its DTSTAMP (RFC 5545 3.8.7.2).
                payload = entry_to_dict(replace(e, changed_at=changed) if changed else e)
                payload["_hash"] = e.content_hash()
                _enqueue(db, target, e.uid, e.key, "upsert", json.dumps(payload), stamp)
                queued += 1
            managed = db.execute("SELECT COUNT(*) FROM sync WHERE target=?", (target,)).fetchone()[0]
            if not force and exceeds_delete_guard(len(plan.deletes), managed, sync.max_delete_share,
                                                  sync.max_delete_floor):
                refused[target] = len(plan.deletes)
                db.execute(
                    "INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) "
                    "VALUES (?, 'mass-delete', 'critical', ?, ?, NULL, ?) ON CONFLICT(scope, kind) DO UPDATE "
                    "SET message=excluded.message, acked_at=NULL",
                    (target, f"docketd held back {len(plan.deletes)} deletions from calendar {target} "
                             f"({managed} managed entries): more than the configured share at once.",
                     "If the intake change was intended, run `docketd sync --once --force`; otherwise "
                     "restore the intake rows.", stamp))
                continue
            for s in plan.deletes:
                _enqueue(db, target, s.uid, s.key, "delete", json.dumps(s.entry), stamp)
                queued += 1
        return queued, refused

    def all_matters(self) -> list[str]:
        """Every matter in the store."""
        return self.store.matter_ids()

    def person_targets(self) -> dict[str, list[str]]:
        """For status: each configured person's calendars."""
        return {p: [t for t, _ in self.targets_for(p)] for p in (*self.config.people, FIRM_DOCKET)}


PROVENANCE_FIELDS = ("source", "row", "checksum", "received")


def same_facts(stored: dict[str, Any], t: TriggerEvent) -> bool:
    """True when a stored trigger says exactly what a new row says (provenance aside)."""
    new = trigger_to_dict(t)
    return all(stored.get(k) == v for k, v in new.items() if k not in PROVENANCE_FIELDS)


def _sentence(exc: Exception) -> str:
    """An error's text as the end of a sentence: without a leading 'Matter X: ' the caller already said."""
    text = str(exc).strip() or type(exc).__name__
    if text.startswith("Matter ") and ": " in text:
        text = text.split(": ", 1)[1]
    return text if text.endswith(".") else text + "."


def _enqueue(db: sqlite3.Connection, target: str, uid: str, key: str, op: str, entry: str, stamp: str,
             force: bool = False) -> None:
    db.execute(
        "INSERT INTO outbox (target, uid, key, op, entry, force, created_at, attempts, next_at, dead) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, 0, 0, 0) ON CONFLICT(target, uid) DO UPDATE SET op=excluded.op, "
        "key=excluded.key, entry=excluded.entry, force=excluded.force, attempts=0, next_at=0, dead=0, "
        "last_error=NULL",
        (target, uid, key, op, entry, int(force), stamp))
