"""Calendar sync off the main loop: one worker thread ("lane") per configured calendar service.

An unreachable calendar must never hold up intake, the other calendars, the systemd watchdog or a
stop (issue 18, B6). Each configured calendar gets its own thread with its own store connection
and connectors; every per-person .ics file shares one lane (local writes). The main loop only wakes lanes
when it queued work and asks whether they are alive. A lane stuck in a network call at shutdown is left
behind (daemon thread): its op stays in the outbox and is replayed, idempotently, at the next start.

all.ics has a lane of its own (issue 17): it holds every entry (8 MB at 16x the bench docket), and
rewriting it before each person's file made a drop's latency grow with the docket. Its lane writes
after the per-person files are done and at most once per ALL_ICS_WINDOW, so a burst of drops costs one
rewrite; nothing is lost, as its ops wait in the outbox, and a clean stop drains them like any lane's.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from daemon.cross_flags import CROSS_DIRTY
from daemon.settings.config import Config
from daemon.state.handle import Db
from daemon.state.store import Store
from daemon.state.trouble import storage_trouble
from daemon.sync.dispatcher import ConnectorPool, Dispatcher, DispatchReport, NotLeading

log = logging.getLogger("docketd.dispatch")

ICS_LANE = "ics"
ICS_ALL = "ics:all"  # the target (and lane) of all.ics
IDLE_WAKE_SECONDS = 1.0
STORAGE_RETRY_SECONDS = 5.0
ALL_ICS_WINDOW = 1.0  # at most one all.ics rewrite per this many seconds
ALL_ICS_MAX_WAIT = 5.0  # ...and never held back longer than this behind a steady stream of drops
# A remote calendar waits at most this long for a pending cross-flag refresh. 5 s was shorter than the
# refresh after make bench's 16x initial load (16,000 deadlines) on a shared host: the lanes sent the
# entries unmarked and then rewrote 731 of them (731 PATCHes, about 15 batches). Only a late refresh (a
# stuck or failing main loop) reaches this cap; a normal drop's refresh comes at once.
CROSS_HOLD_MAX = 30.0


class Leader(Protocol):
    """Whether this instance leads (daemon/service/leadership.py): only the leader sends calendar work."""

    def leading(self) -> bool:
        """True while this instance may do leader work."""

    def may_call(self, db: Db) -> bool:
        """Before a calendar call: still leading, in the database too."""

    def fence(self, db: Db) -> bool:
        """First in a result transaction: still leading in this term (locks the lease row)."""


def lane_of(target: str) -> str:
    """The lane a calendar target belongs to: every ics:<person> file shares one; all.ics has its own."""
    if target == ICS_ALL:
        return ICS_ALL
    return ICS_LANE if target.startswith("ics:") else target


class Lane(threading.Thread):
    """Drains one calendar's outbox (or every .ics file's) and checks it for hand edits."""

    def __init__(self, name: str, config: Config, state: Path, stamp: Callable[[], str],
                 leader: Leader | None = None) -> None:
        super().__init__(name=f"docketd-sync-{name}", daemon=True)
        self.lane = name
        self.leader = leader
        self.config = config
        self.state = state
        self.stamp = stamp
        self.wake = threading.Event()
        self.stopping = threading.Event()
        self.idle = threading.Event()  # set when the lane has nothing due
        self.last_verify = float("-inf")  # the first check comes at once, as before
        self.cross_held_since: float | None = None

    def owns(self, target: str) -> bool:
        """True for the targets this lane sends to."""
        return lane_of(target) == self.lane

    def run(self) -> None:
        """Loop until stopped: send what is due, check for hand edits when due, sleep until the next due op."""
        store = Store(self.state, url=self.config.state_url)
        pool = ConnectorPool(self.config)
        dispatcher = Dispatcher(self.config, store, pool, self.stamp, random.Random())
        if self.leader is not None:
            dispatcher.may_call, dispatcher.fence = self.leader.may_call, self.leader.fence
        trouble: str | None = None
        try:
            while not self.stopping.is_set():
                self.wake.clear()
                try:
                    wait = self._turn(store, dispatcher)
                    trouble = None
                except NotLeading:
                    log.info("Calendar sync (%s) stopped: this instance no longer leads.", self.lane)
                    self.idle.set()
                    wait = IDLE_WAKE_SECONDS
                except Exception as exc:  # noqa: BLE001 - a locked or full database is retried on the next turn
                    wait = STORAGE_RETRY_SECONDS
                    if storage_trouble(exc) is None:
                        log.exception("Calendar sync (%s) failed; retrying", self.lane)
                    elif storage_trouble(exc) != trouble:
                        log.warning("Calendar sync (%s) waits: %s.", self.lane, storage_trouble(exc))
                    trouble = storage_trouble(exc)
                self.wake.wait(wait)
        finally:
            pool.close()
            store.close()

    def _turn(self, store: Store, dispatcher: Dispatcher) -> float:
        if self.leader is not None and not self.leader.leading():
            self.idle.set()  # a standby sends nothing: the leader drains the outbox
            return IDLE_WAKE_SECONDS
        hold = self._cross_hold(store)
        if hold > 0:
            self.idle.set()  # waiting on purpose (like all.ics): the refresh is not held up by this lane
            return hold
        now = time.time()
        due = {t: at for t, at in store.next_due_by_target().items() if self.owns(t)}
        total = DispatchReport()
        for target in sorted(t for t, at in due.items() if at <= now):
            report = dispatcher.run_once(now, target=target, stop=self.stopping.is_set)
            for name in ("done", "retrying", "failed", "conflicts"):
                setattr(total, name, getattr(total, name) + getattr(report, name))
        if total.done or total.retrying or total.failed:
            log.info("Calendar sync: %d done, %d retrying, %d failed, %d hand edits", total.done,
                     total.retrying, total.failed, total.conflicts)
        self._verify_if_due(store, dispatcher)
        after = [at for t, at in store.next_due_by_target().items() if self.owns(t)]
        now = time.time()
        if not after or min(after) > now:
            self.idle.set()
        return max(0.0, min([IDLE_WAKE_SECONDS, *(at - now for at in after)]))

    def _cross_hold(self, store: Store) -> float:
        """Seconds a remote calendar holds a drop's work back while its cross-flag refresh is pending.

        The refresh marks conflicts on the drop's entries. Sent before it, every such entry goes to Google,
        Outlook or CalDAV twice, created and then rewritten with its mark (make bench: 40 requests instead
        of 21 for an initial load), and Google counts each write against the per-user quota. The .ics
        files cost nothing to rewrite and do not wait; nor does anything at a stop.
        """
        if self.lane in (ICS_LANE, ICS_ALL) or self.stopping.is_set() or store.get_kv(CROSS_DIRTY) != "1":
            self.cross_held_since = None
            return 0.0
        mono = time.monotonic()
        if self.cross_held_since is None:
            self.cross_held_since = mono
        if mono - self.cross_held_since >= CROSS_HOLD_MAX:
            return 0.0  # the refresh is late (a busy or failing main loop): send rather than wait on
        return 0.05

    def _verify_if_due(self, store: Store, dispatcher: Dispatcher) -> None:
        period = self.config.sync.verify_minutes * 60
        if period <= 0 or time.monotonic() - self.last_verify < period:
            return
        self.last_verify = time.monotonic()
        for target in store.targets():
            if not self.owns(target) or self.stopping.is_set():
                continue
            try:
                n = dispatcher.verify(target)
            except Exception as exc:  # noqa: BLE001 - an unreachable calendar is retried next period
                log.warning("Could not check calendar %s for hand edits: %s", target, exc)
                continue
            if n:
                log.warning("Calendar %s: %d entries were changed by hand", target, n)


class AllIcsLane(Lane):
    """all.ics: written after the per-person files and at most once per ALL_ICS_WINDOW (coalesced)."""

    def __init__(self, config: Config, state: Path, stamp: Callable[[], str], leader: Leader | None = None) -> None:
        super().__init__(ICS_ALL, config, state, stamp, leader)
        self.last_write = float("-inf")
        self.held_since: float | None = None

    def _turn(self, store: Store, dispatcher: Dispatcher) -> float:
        if self.leader is not None and not self.leader.leading():
            return super()._turn(store, dispatcher)  # a standby holds nothing back: it sends nothing
        wait = self._hold(store)
        if wait > 0:
            self.idle.clear()  # work is pending: a stop's drain waits for it
            return wait
        self.held_since = None
        if any(t == ICS_ALL and at <= time.time() for t, at in store.next_due_by_target().items()):
            self.last_write = time.monotonic()
        return super()._turn(store, dispatcher)

    def _hold(self, store: Store) -> float:
        """Seconds to hold all.ics back: while people's files still have due work, or within the window."""
        now, mono = time.time(), time.monotonic()
        due = store.next_due_by_target()
        if due.get(ICS_ALL, now + 1) > now:
            return 0.0  # nothing due for all.ics: the normal turn (hand-edit checks, next wake)
        if self.held_since is None:
            self.held_since = mono
        if mono - self.held_since >= ALL_ICS_MAX_WAIT:
            return 0.0
        people_busy = any(lane_of(t) == ICS_LANE and at <= now for t, at in due.items())
        window = self.last_write + ALL_ICS_WINDOW - mono
        if people_busy:
            return max(0.05, min(window, 0.2))
        return max(0.0, window)


class Lanes:
    """Every lane of one config; started, woken, drained and stopped together."""

    def __init__(self, config: Config, stamp: Callable[[], str], leader: Leader | None = None) -> None:
        names = [*sorted(config.calendars)]
        if config.ics_dir is not None:
            names.append(ICS_LANE)
        self.lanes = [Lane(n, config, config.state, stamp, leader) for n in names]
        if config.ics_dir is not None:
            self.lanes.append(AllIcsLane(config, config.state, stamp, leader))

    def start(self) -> None:
        """Start every lane's thread."""
        for lane in self.lanes:
            lane.start()

    def wake(self) -> None:
        """New work was queued: look now instead of at the next tick."""
        for lane in self.lanes:
            lane.idle.clear()
            lane.wake.set()

    def sending(self) -> bool:
        """True while a calendar lane (all.ics aside, which waits on purpose) still has due work."""
        return any(not lane.idle.is_set() for lane in self.lanes
                   if not isinstance(lane, AllIcsLane) and lane.is_alive())

    def dead(self) -> list[str]:
        """Names of lanes whose thread died (a bug: the daemon must then restart)."""
        return [lane.name for lane in self.lanes if not lane.is_alive() and not lane.stopping.is_set()]

    def stop(self, drain_seconds: float) -> None:
        """Give every lane up to `drain_seconds` to send what is due, then stop them; a stuck one is left."""
        self.wake()
        end = time.monotonic() + drain_seconds
        pause = threading.Event()  # never set: a wait that, unlike time.sleep, also works under libfaketime
        while time.monotonic() < end and not all(lane.idle.is_set() or not lane.is_alive() for lane in self.lanes):
            pause.wait(0.05)
        for lane in self.lanes:
            lane.stopping.set()
            lane.wake.set()
        for lane in self.lanes:
            lane.join(timeout=max(0.1, end - time.monotonic()))
            if lane.is_alive() and drain_seconds > 0:  # (a reload starts new lanes at once; no warning)
                log.warning("Calendar %s did not answer before the stop; its pending changes wait in the outbox "
                            "for the next start.", lane.lane)
