"""The docket: stores intake rows, recomputes matters and writes calendar work to the outbox.

Everything one intake change causes (triggers, matter facts, deadlines, flags, outbox rows) is
written in ONE transaction, so a crash leaves either all of it or none of it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from connectors.base import Capabilities
from connectors.registry import connector_class
from daemon.cross_flags import (
    CrossScope,
    refresh_cross_after_date_change,
    refresh_cross_flags,
    with_cross_flags,
)
from daemon.engine.court_index import CourtCalendar
from daemon.engine.errors import NotComputed
from daemon.models import CalendarEntry, Deadline, Flag, MatterFacts, OutboxRow, SyncRow, TriggerEvent
from daemon.planning.conflicts import CROSS_FLAG_KINDS
from daemon.planning.flags import (
    ADDED_FLAG_KINDS,
    FAR_PAST_DAYS,
    TRIGGER_FLAG_KINDS,
    all_flags,
    stored_flags,
    trigger_scope,
)
from daemon.planning.planner import (
    FIRM_DOCKET,
    desired_entries,
    merge_facts,
    plan_matter,
    route,
    with_court,
)
from daemon.planning.reconciler import TargetPlan, exceeds_delete_guard, reconcile
from daemon.planning.rule_change import RULE_CHANGE, rule_change_flags
from daemon.serial import (
    deadline_from_dict,
    deadline_to_dict,
    entry_to_dict,
    parse_stamp,
    trigger_from_dict,
    trigger_to_dict,
)
from daemon.settings.config import Config
from daemon.sources.notices.court_set import with_court_set
from daemon.sources.notices.links import link_cases
from daemon.state import day_scope, outbox, sync_state
from daemon.state import deadlines as deadline_table
from daemon.state import flags as flag_table
from daemon.state import matters as matter_table
from daemon.state import triggers as trigger_table
from daemon.state.flags import StoredFlag
from daemon.state.store import Db, Store

ICS_ALL = "ics:all"
# kv: day_basis() as of the last full pass (last_recompute_day); a new day narrows the pass only if it holds.
DAY_BASIS_KV = "day_basis"
READ_BATCH = 250  # matters read at once by a recompute (memory stays flat on a full pass)
# Flags the dispatcher raises; a recompute leaves them alone.
SYNC_FLAG_KINDS = frozenset({"drift", "auth", "sync-failed", "mass-delete", "source-vanished", "notice-review"})
# Flags that stay until acknowledged: the next recompute no longer sees the change that raised them.
STICKY_FLAG_KINDS = frozenset({RULE_CHANGE})
# Kinds a per-matter recompute neither drops nor owns: raised by the dispatcher, the cross checks, or sticky.
KEPT_FLAG_KINDS = SYNC_FLAG_KINDS | CROSS_FLAG_KINDS | STICKY_FLAG_KINDS


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


@dataclass(frozen=True)
class MatterRead:
    """Everything a recompute of one matter reads from the store, read before anything is written."""

    facts: MatterFacts
    trigger_payloads: list[dict[str, Any]] | None  # None: not read (a dates-only pass reuses the stored plan)
    stored_deadlines: list[dict[str, Any]]
    flags: list[StoredFlag]  # every stored flag of the matter, oldest first
    synced: dict[str, dict[str, SyncRow]]
    pending: dict[str, dict[str, OutboxRow]]

    @property
    def triggers(self) -> list[TriggerEvent]:
        """The matter's stored triggers (rebuilt on use: a dates-only pass of an open matter needs none)."""
        if self.trigger_payloads is None:
            raise RuntimeError(f"the triggers of matter {self.facts.matter} were not read for this recompute")
        return [trigger_from_dict(p) for p in self.trigger_payloads]


@dataclass
class MatterWrite:
    """Everything a recompute of one matter writes, computed purely from a MatterRead."""

    matter: str
    rule_changes: dict[str, Flag]  # raised again (a new fact) under these deadline keys
    deadlines: list[tuple[Deadline, dict[str, Any]]]
    drop: list[tuple[str, str]]  # (scope, kind) of flags the matter no longer has
    stored: dict[str, list[Flag]]  # flags by the scope they are stored under
    desired: dict[str, dict[str, CalendarEntry]]
    # A dates-only pass of an open matter: its deadline rows stay; only these (payloads with new flags) change.
    reused: list[tuple[Deadline, dict[str, Any]]] | None = None


@dataclass
class RecomputeReport:
    """What a recompute changed."""

    matters: int = 0
    deadlines: int = 0
    queued: int = 0
    refused_deletes: dict[str, int] = field(default_factory=dict)
    # The matters recomputed and every day they had or have deadlines on: what cross flags to refresh.
    scope: CrossScope = field(default_factory=CrossScope)


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
    def resolve_court(self, trigger: TriggerEvent, earlier: Mapping[str, str]) -> str | None:
        """The trigger's court: its own, else its matter's from earlier rows (`earlier`: matter -> court),
        else the stored matter's."""
        if trigger.court:
            return trigger.court
        court = earlier.get(trigger.matter)
        if court:
            return court
        facts = self.facts(trigger.matter)
        return facts.court if facts else None

    def facts(self, matter: str) -> MatterFacts | None:
        """A matter's stored facts (None in preview, which has no store)."""
        if self._store is None:
            return None
        return matter_table.facts(self.store.db, matter)

    def store_triggers(self, db: Db, triggers: Sequence[TriggerEvent],
                       stamp: str, source: str | None = None) -> set[str]:
        """Upsert triggers (a same-identity row is a correction) and fold them into matter facts."""
        by_matter: dict[str, list[TriggerEvent]] = {}
        for t in triggers:
            by_matter.setdefault(t.matter, []).append(t)
            old = trigger_table.payload(db, t.instance)
            if old is not None and same_facts(old, t):
                continue  # the same row again: keep its first provenance (and first-received day)
            trigger_table.upsert(db, t, stamp, source)
        for matter, rows in by_matter.items():
            self.write_facts(db, merge_facts(matter, matter_table.facts(db, matter), rows), stamp)
        link_cases(db, triggers, stamp)
        return set(by_matter)

    def write_facts(self, db: Db, facts: MatterFacts, stamp: str) -> None:
        """Store a matter's merged facts."""
        matter_table.write(db, facts, stamp)

    def source_instances(self, source: str) -> dict[tuple[str, str, str], str]:
        """Trigger identities a mirrored source owns now, with their stored payloads."""
        return trigger_table.by_source(self.store.db, source)

    def withdraw_triggers(self, db: Db, instances: Iterable[tuple[str, str, str]]) -> set[str]:
        """Remove triggers (a mirrored sheet row vanished); their deadlines go at the next recompute."""
        instances = list(instances)
        trigger_table.delete(db, instances)
        return {matter for matter, _event, _ref in instances}

    # -- recompute ------------------------------------------------------------------------------
    def recompute(self, db: Db, matters: Iterable[str], today: date, stamp: str,
                  force: bool = False, cross: bool = True, dates_only: bool = False) -> RecomputeReport:
        """Recompute matters' deadlines and flags, and queue the calendar changes they imply.

        Each matter is read, then computed purely, then written; the outbox is written last.
        `dates_only`: only the date changed since these matters were computed (rules, config, triggers
        and facts the same), so an open matter's stored deadlines are what the engine would give again.
        """
        report = RecomputeReport()
        plans: dict[str, TargetPlan] = {}
        soon = int(self.config.flags.get("soon_court_days", 5))
        wanted = sorted(set(matters))
        for start in range(0, len(wanted), READ_BATCH):
            batch = wanted[start:start + READ_BATCH]
            # A matter's writes touch only its own rows, and calendar work is queued after every matter:
            # reading a batch of matters first reads what reading each just before its compute would.
            reads = self._read_many(db, batch, dates_only)
            for matter in batch:
                self._recompute_one(matter, reads[matter], today, soon, stamp, dates_only, plans, report, db)
        report.queued, report.refused_deletes = self._queue(db, plans, stamp, force)
        if cross:
            # Cross-matter flags (conflicts, out of office, what's next) need every deadline: refresh them
            # in this transaction and re-render the matters whose calendar-visible flags changed.
            more = self.refresh_cross(db, today, stamp, None, force)
            report.queued += more.queued
            report.refused_deletes.update(more.refused_deletes)
        return report

    def day_basis(self) -> str:
        """A fingerprint of the configuration a recompute reads: a change means every matter, not a day's scope."""
        text = json.dumps(self.config.raw, sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()

    def day_scope(self, db: Db, since: date, today: date) -> list[str] | None:
        """The matters whose recompute can differ between `since` and `today`, rules unchanged (None: all).

        Every stored matter was last computed on some day from `since` (the last full pass) through
        today, from the triggers stored now. With the rules the same, what depends on the day is: a
        closed matter's cut (every closed matter is taken), the missed flag of a trigger received on no
        known day (taken), future- and far-past-trigger flags (trigger dates in the windows where they
        turn), and due-soon flags and entry urgency (deadlines due from `since` up to the farthest day that
        can still be within `soon_court_days` court days, or `soon` calendar days, of `since`). Outside
        those, each of these answers is the same on every day from `since` to today.
        """
        if today <= since:
            return None
        soon = int(self.config.flags.get("soon_court_days", 5))
        reach = soon + 1  # urgency: (due - today).days <= soon
        # Only the courts the docket uses (a deadline's court is its trigger's, RuleBook.compute): building
        # every court's day index (114 courts, some with lunar holiday tables) held READY up by a second.
        present = day_scope.trigger_courts(db)
        known = set(self.rules.court_ids())
        if not present <= known:
            return None  # a stored deadline of a court the rules no longer know: recompute everything
        for court in sorted(present):
            cal = self.rules.court_calendar(court)
            k = next((k for k in range(soon + 1, 400) if cal.between(today, today + timedelta(days=k)) > soon),
                     None)
            if k is None:
                return None  # a court (nearly) never sits: no bound, recompute everything
            reach = max(reach, k)
        matters = day_scope.matters_due_between(db, since, today + timedelta(days=reach))
        matters |= day_scope.matters_with_trigger_dated(db, [
            (since, today),  # future-trigger: date > day
            (since - timedelta(days=FAR_PAST_DAYS + 1), today - timedelta(days=FAR_PAST_DAYS - 1)),  # far past
        ])
        matters |= day_scope.closed_matters(db)
        return sorted(matters)

    def _recompute_one(self, matter: str, seen: MatterRead, today: date, soon: int, stamp: str,
                       dates_only: bool, plans: dict[str, TargetPlan], report: RecomputeReport, db: Db) -> None:
        """Compute and write one matter, adding its calendar work to `plans`."""
        report.matters += 1
        out = self._compute(matter, seen, today, soon, reuse=dates_only and seen.facts.status != "closed")
        report.deadlines += len(out.deadlines)
        report.scope.matters.add(matter)
        report.scope.days.update(date.fromisoformat(p["due"]) for p in seen.stored_deadlines)
        report.scope.days.update(d.due for d, _payload in out.deadlines)
        _merge_plans(plans, seen, out.desired)
        self._write(db, out, stamp, seen.flags)

    def refresh_cross(self, db: Db, today: date, stamp: str, scope: CrossScope | None,
                      force: bool = False) -> RecomputeReport:
        """Refresh cross-matter flags (all, or those `scope` covers) and re-render the matters they change."""
        again = refresh_cross_flags(self, db, today, stamp, scope)
        if not again:
            return RecomputeReport()
        return self.recompute(db, again, today, stamp, force, cross=False)

    def refresh_cross_for_new_day(self, db: Db, since: date, today: date, stamp: str) -> RecomputeReport:
        """Refresh cross flags after a plain date change (only what the date moved; else all of them)."""
        again = refresh_cross_after_date_change(self, db, since, today, stamp)
        if again is None:
            again = refresh_cross_flags(self, db, today, stamp, None)
        if not again:
            return RecomputeReport()
        return self.recompute(db, again, today, stamp, cross=False)

    def _read_many(self, db: Db, batch: Sequence[str], dates_only: bool = False) -> dict[str, MatterRead]:
        """Everything these matters' recomputes need, with one query per table for the batch."""
        facts = matter_table.facts_of(db, batch)
        # A dates-only pass reuses an open matter's stored plan (_recompute_one): only closed ones need triggers.
        planned = [m for m in batch if not dates_only or (facts.get(m) or MatterFacts(m)).status == "closed"]
        triggers = trigger_table.payloads_of(db, planned)
        stored = deadline_table.payloads_of(db, batch)
        flags = flag_table.of_matters(db, batch)
        sync_rows = sync_state.rows_for_matters(db, list(batch))
        outbox_rows = outbox.rows_for_matters(db, list(batch))
        out: dict[str, MatterRead] = {}
        for matter in batch:
            synced: dict[str, dict[str, SyncRow]] = {}
            for srow in sync_rows[matter]:
                synced.setdefault(srow.target, {})[srow.uid] = srow
            pending: dict[str, dict[str, OutboxRow]] = {}
            for orow in outbox_rows[matter]:
                pending.setdefault(orow.target, {})[orow.uid] = orow
            out[matter] = MatterRead(
                facts=facts.get(matter) or MatterFacts(matter),
                trigger_payloads=triggers.get(matter),
                stored_deadlines=stored[matter], flags=flags[matter], synced=synced, pending=pending)
        return out

    def _compute(self, matter: str, seen: MatterRead, today: date, soon: int, reuse: bool = False) -> MatterWrite:
        """PURE (given the rule book and config): one matter's deadlines, flags and calendar entries.

        `reuse`: the stored deadlines (and engine-error flags) are the engine's answer: rebuild them from
        the store instead of computing them again (a closed matter's cut moves with today: never reused).
        """
        facts = seen.facts
        triggers = [] if reuse else seen.triggers  # a reused plan reads no trigger (no rule-change check)
        if reuse:
            deadlines, errors = _stored_plan(seen)
        else:
            deadlines, errors = self._plan(triggers, facts, today)
        flags_of = all_flags(deadlines, today, soon, courts=self.rules)
        for key, message in errors:
            flags_of.setdefault(key, []).append(Flag("engine-error", "critical", message,
                                                     "Correct the intake row or the rule pack."))
        changes: dict[str, Flag] = {}
        # Closing a matter withdraws its future deadlines: not a rule change. Reused deadlines are the stored ones.
        if facts.status != "closed" and not reuse:
            changes = rule_change_flags(seen.stored_deadlines, deadlines, [with_court(t, facts) for t in triggers])
        keys = {d.key for d in deadlines}
        for scope, f in _open_rule_changes(seen.flags, changes):
            if scope in keys:  # the calendar entry at the new date carries the flag mark
                flags_of.setdefault(scope, []).append(f)
        rows = []
        reused: list[tuple[Deadline, dict[str, Any]]] | None = None
        if reuse:
            # The stored payloads are deadline_to_dict of these deadlines (key order kept by json.loads):
            # only their flags can differ with the day, so only rows whose flags moved are rewritten.
            reused = []
            for d, old in zip(deadlines, seen.stored_deadlines, strict=True):
                new_flags = [f.as_dict() for f in flags_of.get(d.key, ())]
                payload = {**old, "flags": new_flags}
                rows.append((d, payload))
                if old.get("flags") != new_flags:
                    reused.append((d, payload))
        else:
            for d in deadlines:
                payload = deadline_to_dict(d)
                payload["flags"] = [f.as_dict() for f in flags_of.get(d.key, ())]
                rows.append((d, payload))
        stored = stored_flags(deadlines, flags_of)
        keep = {(key, f.kind) for key, fl in stored.items() for f in fl}
        drop = [s.ident for s in seen.flags if s.kind not in KEPT_FLAG_KINDS and s.ident not in keep]
        # What is acknowledged once this matter's flags are written: raised-again moves and dropped flags are not.
        acked = ({s.ident for s in seen.flags if s.acked}
                 - {(key, f.kind) for key, f in changes.items()} - set(drop))
        shown = _unacked(acked, deadlines, flags_of)
        shown = with_cross_flags(seen.flags, matter, shown, [d.key for d in deadlines])
        desired = self._desired(deadlines, facts, today, soon, shown)
        return MatterWrite(matter, changes, rows, drop, stored, desired, reused)

    def _write(self, db: Db, out: MatterWrite, stamp: str, had: Sequence[StoredFlag] = ()) -> None:
        """Store one matter's recomputed deadlines and flags (its calendar work is queued after all matters)."""
        matter = out.matter
        for key, f in out.rule_changes.items():
            # A new move is a new fact: raised again even if an earlier move was acknowledged.
            flag_table.upsert(db, scope=key, kind=f.kind, severity=f.severity, message=f.message, action=f.action,
                              matter=matter, stamp=stamp, restamp=True)
        if out.reused is None:
            deadline_table.replace_matter(db, matter, out.deadlines, stamp)
        else:  # rows left as they are keep their stamp: restamping every row cost 0.3 of 2.9 CPU s at 1x
            deadline_table.rewrite_payloads(db, out.reused, stamp)
        flag_table.delete_idents(db, out.drop)
        # A flag stored with the same text already: its upsert (reraise=False) would write what is there.
        same = {(s.scope, s.kind, s.severity, s.message, s.action) for s in had}
        raised = {(key, f.kind) for key, f in out.rule_changes.items()}
        for key, fl in out.stored.items():
            for f in fl:
                if (key, f.kind, f.severity, f.message, f.action) in same and (key, f.kind) not in raised:
                    continue
                flag_table.upsert(db, scope=key, kind=f.kind, severity=f.severity, message=f.message,
                                  action=f.action, matter=matter, stamp=stamp, reraise=False)

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

    def _queue(self, db: Db, plans: dict[str, TargetPlan], stamp: str,
               force: bool) -> tuple[int, dict[str, int]]:
        queued = 0
        refused: dict[str, int] = {}
        sync = self.config.sync
        managed_of = {target: sync_state.managed_count(db, target) for target in plans}
        for target, plan in plans.items():
            changed = parse_stamp(stamp)
            # Settle pending ops that may already have been applied (see daemon/planning/reconciler.py).
            for e in plan.rewrites:
                payload = entry_to_dict(replace(e, changed_at=changed) if changed else e)
                payload["_hash"] = e.content_hash()
                outbox.enqueue(db, target, e.uid, e.key, "upsert", json.dumps(payload), stamp, force=True)
                queued += 1
            for q in plan.unwinds:
                outbox.enqueue(db, target, q.uid, q.key, "delete", json.dumps(q.entry), stamp)
                queued += 1
            for e in plan.upserts:
                # Reconcile queues an upsert only when the content hash changed: `stamp` (the recompute's
                # clock) is when this entry's content last changed, its DTSTAMP (RFC 5545 3.8.7.2).
                payload = entry_to_dict(replace(e, changed_at=changed) if changed else e)
                payload["_hash"] = e.content_hash()
                outbox.enqueue(db, target, e.uid, e.key, "upsert", json.dumps(payload), stamp)
                queued += 1
            managed = managed_of[target]
            if not force and exceeds_delete_guard(len(plan.deletes), managed, sync.max_delete_share,
                                                  sync.max_delete_floor):
                refused[target] = len(plan.deletes)
                flag_table.upsert(
                    db, scope=target, kind="mass-delete", severity="critical",
                    message=f"docketd held back {len(plan.deletes)} deletions from calendar {target} "
                            f"({managed} managed entries): more than the configured share at once.",
                    action="If the intake change was intended, run `docketd sync --once --force`; otherwise "
                           "restore the intake rows.", matter=None, stamp=stamp)
                continue
            for s in plan.deletes:
                outbox.enqueue(db, target, s.uid, s.key, "delete", json.dumps(s.entry), stamp)
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



# Flags a recompute adds to the engine's own in a stored payload (all_flags, and a rule change's mark).
DERIVED_FLAG_KINDS = ADDED_FLAG_KINDS | {RULE_CHANGE}


def _stored_plan(seen: MatterRead) -> tuple[list[Deadline], list[tuple[str, str]]]:
    """PURE: the engine's last answer for a matter, from its stored deadlines and engine-error flags."""
    deadlines = []
    # A matter's deadlines share a few triggers: rebuild each once (a dict compare is far cheaper).
    triggers: list[tuple[dict[str, Any], TriggerEvent]] = []
    for p in seen.stored_deadlines:
        raw = p["trigger_full"]
        trigger = next((t for seen_raw, t in triggers if seen_raw == raw), None)
        if trigger is None:
            trigger = trigger_from_dict(raw)
            triggers.append((raw, trigger))
        d = deadline_from_dict({**p, "trigger_full": None, "flags": [f for f in p.get("flags", ())
                                                                   if f["kind"] not in DERIVED_FLAG_KINDS]},
                               trigger)
        deadlines.append(d)
    errors = [(s.scope, s.message) for s in seen.flags if s.kind == "engine-error"]
    return deadlines, errors


def _open_rule_changes(stored: Sequence[StoredFlag], changes: dict[str, Flag]) -> list[tuple[str, Flag]]:
    """PURE: the matter's unacknowledged rule-change flags once `changes` are raised, oldest first."""
    out: list[tuple[str, Flag]] = []
    have = set()
    for s in stored:
        if s.kind != RULE_CHANGE:
            continue
        have.add(s.scope)
        new = changes.get(s.scope)
        if new is not None and new.kind == RULE_CHANGE:  # raised again: open, with the new text
            out.append((s.scope, Flag(new.kind, new.severity, new.message, new.action)))
        elif not s.acked:
            out.append((s.scope, s.flag()))
    out += [(key, Flag(f.kind, f.severity, f.message, f.action)) for key, f in changes.items()
            if f.kind == RULE_CHANGE and key not in have]
    return out


def _unacked(acked: set[tuple[str, str]], deadlines: Sequence[Deadline],
             flags_of: dict[str, list[Flag]]) -> dict[str, list[Flag]]:
    """PURE: flags_of without the flags someone acknowledged."""
    trig = {d.key: trigger_scope(d.trigger) for d in deadlines}

    def scope(key: str, f: Flag) -> str:  # a trigger's own flag is acknowledged once, for all its entries
        return trig.get(key, key) if f.kind in TRIGGER_FLAG_KINDS else key
    return {k: [f for f in fl if (scope(k, f), f.kind) not in acked] for k, fl in flags_of.items()}


def _merge_plans(plans: dict[str, TargetPlan], seen: MatterRead,
                 desired: dict[str, dict[str, CalendarEntry]]) -> None:
    """PURE: reconcile one matter's desired entries with its sync state and add the ops to `plans`."""
    for target in set(desired) | set(seen.synced) | set(seen.pending):
        plan = reconcile(desired.get(target, {}), seen.synced.get(target, {}), seen.pending.get(target, {}))
        agg = plans.setdefault(target, TargetPlan())
        agg.upserts += plan.upserts
        agg.deletes += plan.deletes
        agg.rewrites += plan.rewrites
        agg.unwinds += plan.unwinds
