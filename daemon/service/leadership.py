"""Which instance leads, as this one sees it (issue 16; design: docs/several-instances-design.md).

Several `docketd run` on one PostgreSQL docket: one leads (sends calendar work, polls sheets and mailboxes,
sends the digest, recomputes at the day change), the others stand by and only ingest files. A thread of its
own renews or takes the lease row every third of the lease (5 s) on a connection of its own, so a slow file or a busy
write lock on the main loop never costs the lease. The leader stops leader work at its own deadline
(renewal start + lease - SAFETY_SECONDS, on its monotonic clock) even when it cannot reach the database to
learn that it lost; every calendar-work transaction also confirms the term (`fence`), so a deposed leader
cannot commit. With SQLite there is one instance, always leading (term 0), and no thread.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from daemon.state import leadership
from daemon.state.handle import Db
from daemon.state.store import Store

log = logging.getLogger("docketd.leadership")

# The leader renews, a standby tries to take over, every instance beats every third of the lease (5 s of
# 15 s: three renewals may fail before it runs out); `[state] lease_seconds` sets the lease.
SAFETY_SHARE = 0.2  # the leader's own deadline comes this share of the lease before the database could
                    # give the lease away (3 s of 15 s)
FORGET_SECONDS = 24 * 3600.0  # heartbeats silent this long are dropped (a killed instance's id never returns)


def _version() -> str:
    try:
        return metadata.version("docketd")
    except metadata.PackageNotFoundError:
        return "unknown"


def instance_id() -> str:
    """This run's identity: host:pid:random (new at every start, so a restarted process is a new instance)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Leadership:
    """This instance's view of the lease: leading in which term, or standby under whom, or cut off."""

    def __init__(self, state: Path, url: str | None, lease_seconds: float = leadership.LEASE_SECONDS) -> None:
        self.state = state
        self.url = url
        self.me = instance_id()
        self.lease_seconds = lease_seconds
        self.renew_seconds = lease_seconds / 3
        self._lock = threading.Lock()
        self._term: int | None = 0 if url is None else None
        self._deadline = float("inf") if url is None else 0.0
        self.leader: leadership.Lease | None = None  # the lease as last read while standing by
        self.problem: str | None = None  # "cannot reach the database since ..." while cut off
        self._store: Store | None = None
        self.trouble: Callable[[], str | None] = lambda: None  # the instance's own problem, for its heartbeat
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None

    @property
    def shared(self) -> bool:
        """True on PostgreSQL, where several instances may run."""
        return self.url is not None

    def term(self) -> int | None:
        """The term this instance leads in now, or None while standing by (or past its own deadline)."""
        with self._lock:
            if self._term is not None and time.monotonic() < self._deadline:
                return self._term
            return None

    def leading(self) -> bool:
        """True while this instance may do leader work."""
        return self.term() is not None

    def fence(self, db: Db) -> bool:
        """First thing in a calendar-work transaction: True while this instance still leads in its term.

        On PostgreSQL the lease row stays locked FOR SHARE until the transaction ends, so no takeover
        happens between this check and the commit.
        """
        term = self.term()
        if term is None:
            return False
        return not self.shared or leadership.confirm(db, self.me, term)

    def may_call(self, db: Db) -> bool:
        """Before a calendar call: this instance leads, on its own clock and in the database."""
        term = self.term()
        if term is None:
            return False
        return not self.shared or leadership.holds(db, self.me, term)

    def status(self) -> str:
        """STATUS= words: leading (term N), standby (leader: X since T), or cut off from the database."""
        if self.problem is not None:
            return f"standby: {self.problem}"
        term = self.term()
        if term is not None:
            return f"leading (term {term})"
        lease = self.leader
        if lease is None or not lease.holder or lease.expired:
            return "standby (no leader at the moment; taking over)"
        return f"standby (leader: {lease.holder} since {lease.since} UTC)"

    # -- the thread ------------------------------------------------------------------------------
    def start(self) -> None:
        """Take or follow the lease at once, then keep it up on a thread (PostgreSQL only)."""
        if not self.shared:
            return
        self.tick()
        self.thread = threading.Thread(target=self._run, name="docketd-leadership", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.renew_seconds):
            self.tick()

    def tick(self) -> None:
        """Renew (leader) or try to take over (standby), and beat; a lost database means standby."""
        start = time.monotonic()
        try:
            db = self._db()
            with self._lock:
                term = self._term
            if term is not None:
                if leadership.renew(db, self.me, term, self.lease_seconds):
                    self._lead(term, start)
                else:
                    self._step_down(f"another instance took over after term {term}")
            if self.term() is None:
                taken = leadership.acquire(db, self.me, self.lease_seconds)
                if taken is not None:
                    self._lead(taken, start)
                    log.info("This instance (%s) now leads, term %d: it sends calendar work from now on.",
                             self.me, taken)
                else:
                    self.leader = leadership.current(db)
            if self.problem is not None:
                log.info("The PostgreSQL state database can be reached again; %s.", self.status())
            self.problem = None
            leadership.heartbeat(db, self.me, socket.gethostname(), os.getpid(), _version(), self.trouble())
            leadership.forget_silent(db, FORGET_SECONDS)
        except Exception as exc:  # noqa: BLE001 - any failure to reach the database: retried next tick
            self._lost_database(exc)
        with self._lock:
            past = self._term is not None and time.monotonic() >= self._deadline
        if past:
            self._step_down("its lease could not be renewed in time")

    def _lead(self, term: int, renewal_start: float) -> None:
        with self._lock:
            self._term = term
            self._deadline = renewal_start + self.lease_seconds * (1 - SAFETY_SHARE)

    def _step_down(self, why: str) -> None:
        with self._lock:
            term, self._term = self._term, None
        if term is not None:
            log.warning("This instance (%s) no longer leads (term %d): %s. It stops calendar work and stands by.",
                        self.me, term, why)

    def _lost_database(self, exc: BaseException) -> None:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if self.problem is None:
            since = datetime.now(UTC).strftime("%H:%M:%S")
            self.problem = f"cannot reach the database since {since} UTC ({text[:160]}), retrying"
            log.error("Leadership: the PostgreSQL state database cannot be reached (%s); this instance sends no "
                      "calendar work until it can confirm its lease, and retries every %.0f s.", text,
                      self.renew_seconds)
        if self._store is not None:
            try:
                self._store.close()
            except Exception:  # noqa: BLE001,S110 - a broken connection may fail to close; it is dropped anyway
                pass
            self._store = None

    def _db(self) -> Db:
        if self._store is None:
            self._store = Store(self.state, url=self.url)
        return self._store.db

    def stop(self) -> None:
        """A clean stop: hand the lease over at once and leave the instances list."""
        if not self.shared:
            return
        self._stop.set()
        if self.thread is not None:
            self.thread.join(timeout=self.renew_seconds + 15)
        with self._lock:
            term, self._term = self._term, None
        try:
            db = self._db()
            if term is not None:
                leadership.release(db, self.me, term)
            leadership.leave(db, self.me)
        except Exception as exc:  # noqa: BLE001 - the lease then runs out on its own
            log.warning("Could not hand the lease over at the stop (%s); another instance takes over when it "
                        "runs out.", exc)
        if self._store is not None:
            self._store.close()
            self._store = None
