"""Drains the outbox into calendars and records what each calendar now holds.

Ops are at-least-once and every connector op is idempotent, so the effect is exactly once: an op
leaves the outbox only in the same transaction that records its result in the sync state.
"""

from __future__ import annotations

import json
import logging
import os
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from connectors.base import (
    AuthError,
    Connector,
    ConnectorContext,
    ConnectorError,
    EditConflict,
    NotFound,
    Op,
    OpResult,
    TransientError,
)
from connectors.ics import IcsConnector
from connectors.registry import connector_class
from daemon.errors import redact_credentials
from daemon.models import OutboxRow, RemoteEvent, RemoteRef
from daemon.serial import entry_from_dict, parse_stamp
from daemon.settings.addresses import file_stem, legacy_file_stem
from daemon.settings.config import Config, credentials_dir
from daemon.state import flags, outbox, sync_state
from daemon.state.store import Db, Store

log = logging.getLogger("docketd.dispatch")

AUTH_RETRY_SECONDS = 300.0
MAX_BACKOFF_SECONDS = 600.0


class NotLeading(Exception):  # noqa: N818 - a state, not a failure
    """This instance no longer leads: its calendar work stops, and nothing of it was committed."""


# Leader checks (daemon/service/leadership.py): before each batch's calendar call, and first thing in each
# transaction that records calendar results. Without them (one instance, `sync --once`) every call proceeds.
Check = Callable[[Db], bool]


def _always(db: Db) -> bool:
    return True


@dataclass
class DispatchReport:
    """Counts from one pass over the outbox."""

    done: int = 0
    retrying: int = 0
    failed: int = 0
    conflicts: int = 0
    by_target: dict[str, int] = field(default_factory=dict)


class ConnectorPool:
    """Builds each calendar's connector once, on first use."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self._cache: dict[str, Connector] = {}
        self.ctx = ConnectorContext(
            state_dir=str(config.state_dir),
            credentials_dir=str(credentials_dir()) if credentials_dir() else None,
            config_dir=str(config.base_dir),
        )

    def get(self, target: str) -> Connector:
        """The connector for a target name (a [calendars.NAME] or an ics:<person> file)."""
        if target not in self._cache:
            if target.startswith("ics:"):
                assert self.config.ics_dir is not None
                path = ics_path(self.config.ics_dir, target)
                self._adopt_legacy_file(target[4:], path)
                self._cache[target] = IcsConnector(target, path)
            else:
                section = self.config.calendars.get(target)
                if section is None:
                    raise ConnectorError(f"Calendar {target!r} is no longer in the config; its pending "
                                         f"changes wait until [calendars.{target}] is back.")
                cls = connector_class(section["kind"])
                self._cache[target] = cls.from_config(target, section, self.ctx)
        return self._cache[target]

    def _adopt_legacy_file(self, person: str, path: Path) -> None:
        # An address with ' or % had its calendar under the old name (those characters as '_'); move
        # it, or its entries would look deleted by hand. Not when the old name is itself someone's
        # address: then the file is theirs.
        legacy = path.with_name(f"{legacy_file_stem(person)}.ics")
        claimed = set(self.config.people) | set(self.config.routing_default)
        if legacy == path or path.exists() or not legacy.exists() or legacy.name[:-4] in claimed:
            return
        try:
            os.rename(legacy, path)
        except OSError as exc:
            log.warning("Could not rename %s to %s: %s", legacy, path, exc)
            return
        log.info("Renamed %s to %s (calendar file names now keep every address apart).", legacy.name, path.name)

    def close(self) -> None:
        """Close every connector."""
        for c in self._cache.values():
            c.close()
        self._cache.clear()


def _safe(name: str) -> str:
    """A file name for a person's calendar: their e-mail, other characters %-encoded (never colliding)."""
    return file_stem(name)


def ics_path(ics_dir: Path, target: str) -> Path:
    """Where the .ics file of an ics:<person> target lives."""
    return ics_dir / f"{_safe(target[4:])}.ics"


def backoff_seconds(attempts: int, retry_after: float | None, rng: random.Random,
                    cap: float = MAX_BACKOFF_SECONDS) -> float:
    """Jittered exponential backoff (at most `cap` s), honouring the service's Retry-After when it gives one."""
    if retry_after is not None:
        return max(retry_after, 0.5)
    base: float = min(cap, 2.0 ** min(attempts, 10))
    return float(base * (0.5 + rng.random() / 2))


class Dispatcher:
    """Runs outbox ops against connectors and records results."""

    def __init__(self, config: Config, store: Store, pool: ConnectorPool,
                 stamp: Callable[[], str], rng: random.Random | None = None, *,
                 may_call: Check = _always, fence: Check = _always) -> None:
        self.config = config
        self.store = store
        self.pool = pool
        self.stamp = stamp
        self.rng = rng or random.Random()
        self.may_call = may_call
        self.fence = fence

    def policy(self, target: str) -> str:
        """restore or keep: what to do when a person edited docketd's entry."""
        section = self.config.calendars.get(target, {})
        return str(section.get("on_edit", self.config.sync.on_edit))

    def run_once(self, now: float, *, target: str | None = None, stop: Callable[[], bool] = lambda: False,
                 max_batches: int | None = None) -> DispatchReport:
        """One pass: every due op of every calendar (or one), in batches."""
        report = DispatchReport()
        targets = [target] if target else sorted({r.target for r in self.store.pending(due_by=now)})
        batches = 0
        for t in targets:
            seen: dict[int, int] = {}
            while not stop():
                # An op may come straight back (a restore after a hand edit); never loop on one forever.
                rows = [r for r in self.store.pending(t, due_by=now, limit=self.config.sync.batch_size * 2)
                        if seen.get(r.id, 0) < 3][: self.config.sync.batch_size]
                if not rows:
                    break
                for r in rows:
                    seen[r.id] = seen.get(r.id, 0) + 1
                if not self.may_call(self.store.db):
                    raise NotLeading
                self._run_batch(t, rows, now, report)
                batches += 1
                if max_batches is not None and batches >= max_batches:
                    return report
        return report

    def _ops(self, target: str, rows: list[OutboxRow]) -> list[Op]:
        # Only the batch's own rows: reading the whole calendar's sync state per batch made every
        # dispatch grow with the docket (make bench: 29% of a drop's dispatch time at 400 matters).
        synced = self.store.sync_rows_for_uids(target, [r.uid for r in rows])
        ops = []
        for r in rows:
            s = synced.get(r.uid)
            ref = RemoteRef(s.remote_id, s.etag) if s else None
            if r.op == "delete":
                ops.append(Op("delete", r.uid, None, ref))
            else:
                assert r.entry is not None
                entry = entry_from_dict(r.entry)
                if entry.changed_at is None and s is not None:  # queued before changed_at was kept
                    entry = replace(entry, changed_at=parse_stamp(s.changed_at))
                ops.append(Op("update" if ref else "create", r.uid, entry, ref, r.force))
        return ops

    def _run_batch(self, target: str, rows: list[OutboxRow], now: float, report: DispatchReport) -> None:
        try:
            connector = self.pool.get(target)
            results = connector.apply(self._ops(target, rows))
        except ConnectorError as exc:
            results = [OpResult(op, None, exc) for op in self._ops(target, rows)]
        except Exception as exc:  # noqa: BLE001 - a connector bug must not stop the daemon
            log.error("connector %s failed: %s", target, redact_credentials(f"{type(exc).__name__}: {exc}"),
                      exc_info=log.isEnabledFor(logging.DEBUG))
            results = [OpResult(op, None, TransientError(redact_credentials(f"{type(exc).__name__}: {exc}")))
                       for op in self._ops(target, rows)]
        by_uid = {r.uid: r for r in rows}
        with self.store.transaction() as db:
            if not self.fence(db):
                # Deposed meanwhile: record nothing; the new leader sends these ops again (idempotent).
                raise NotLeading
            for res in results:
                row = by_uid[res.op.uid]
                self._record(db, target, row, res, now, report)
        report.by_target[target] = report.by_target.get(target, 0) + len(rows)

    def _record(self, db: Db, target: str, row: OutboxRow, res: OpResult, now: float,
                report: DispatchReport) -> None:
        err = res.error
        stamp = self.stamp()
        text = redact_credentials(str(err)) if err is not None else ""  # never store a URL's password
        if err is None:
            if row.op == "delete":
                sync_state.forget(db, target, row.uid)
            else:
                assert row.entry is not None and res.ref is not None
                sync_state.write(db, target, row, res.ref, "ok", stamp)
            outbox.ack(db, row)
            report.done += 1
            return
        if isinstance(err, EditConflict | NotFound) and row.op != "delete":
            report.conflicts += 1
            current = err.current if isinstance(err, EditConflict) else None
            self._conflict(db, target, row, current, stamp)
            return
        if isinstance(err, TransientError):
            delay = backoff_seconds(row.attempts + 1, err.retry_after, self.rng,
                                    self.config.sync.max_backoff_seconds)
            outbox.retry(db, row.id, now + delay, text)
            report.retrying += 1
            return
        if isinstance(err, AuthError):
            outbox.retry(db, row.id, now + AUTH_RETRY_SECONDS, text)
            _flag(db, target, "auth", "critical", f"Calendar {target}: {text}",
                  "Fix the credentials as the message says; the pending changes wait in the outbox.", stamp)
            report.retrying += 1
            return
        outbox.dead(db, row.id, text)
        reason = text.rstrip(".")
        _flag(db, f"{target}|{row.uid}", "sync-failed", "critical",
              f"Matter {row.key.split('|', 1)[0]}: calendar {target} refused the entry {entry_name(row)}: "
              f"{reason}.",
              "Check the calendar's settings and permissions, then run `docketd sync --once --retry-failed`.",
              stamp, matter=row.key.split("|", 1)[0])
        report.failed += 1

    def _conflict(self, db: Db, target: str, row: OutboxRow, current: RemoteEvent | None,
                  stamp: str) -> None:
        matter = row.key.split("|", 1)[0]
        what = "deleted" if current is None or current.cancelled else (
            f"moved to {current.start.isoformat()}" if row.entry and current.start.isoformat()
            != row.entry.get("start") else "edited")
        if self.policy(target) == "keep":
            # Keep the person's edit: remember it as synced so docketd does not fight it, and flag it.
            assert row.entry is not None
            ref = RemoteRef(current.remote_id, current.etag) if current else RemoteRef("", "")
            sync_state.write(db, target, row, ref, "kept", stamp)
            outbox.remove(db, row.id)
            action = "docketd kept the calendar as the person left it; check that the computed date is right."
        else:
            if current is None or current.cancelled:
                sync_state.forget(db, target, row.uid)
            outbox.force_now(db, row.id)
            action = "docketd restored its computed entry; if the change was a real extension, enter it as " \
                     "an intake row (e.g. a new trigger) instead of editing the calendar."
        _flag(db, row.key, "drift", "warning",
              f"Matter {matter}: the entry {entry_name(row)} in calendar {target} was {what} by hand.", action,
              stamp, matter=matter)

    def verify(self, target: str) -> int:
        """Compare a calendar with the sync state; hand edits and deletions go through the edit policy."""
        connector = self.pool.get(target)
        remote = {e.uid: e for e in connector.list_managed()}
        drifted = 0
        stamp = self.stamp()
        with self.store.transaction() as db:
            if not self.fence(db):
                raise NotLeading
            # Read under the write lock: intake on another thread may queue a change meanwhile.
            synced = self.store.sync_rows(target)
            pending = {p.uid for p in self.store.pending(target, include_dead=True)}
            for uid, s in synced.items():
                if uid in pending or s.state == "kept":
                    continue
                ev = remote.get(uid)
                if ev is not None and not ev.cancelled and ev.etag == s.etag:
                    continue
                drifted += 1
                entry = dict(s.entry)
                outbox.enqueue_if_idle(db, target, uid, s.key, json.dumps(entry), stamp)
                row = next(r for r in self.store.pending(target, include_dead=True) if r.uid == uid)
                self._conflict(db, target, row, ev, stamp)
        return drifted


def entry_name(row: OutboxRow) -> str:
    """How a clerk names a calendar entry in a sentence: its title as docketd wrote it, flag marks aside."""
    summary = str((row.entry or {}).get("summary") or "")
    for mark in ("MISSED: ", "⚑ "):
        summary = summary.removeprefix(mark)
    return f"“{summary}”" if summary else f"for {row.key.split('|')[1] if '|' in row.key else row.key}"



def _flag(db: Db, scope: str, kind: str, severity: str, message: str, action: str,
          stamp: str, matter: str | None = None) -> None:
    flags.upsert(db, scope=scope, kind=kind, severity=severity, message=message, action=action, matter=matter,
                 stamp=stamp)
