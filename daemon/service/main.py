"""The long-running daemon: watch the inbox, ingest, recompute at midnight, drain the outbox.

Control flow: start-up scan of the inbox -> READY -> loop { files, outbox, day change, verify,
tickers (sheet sources, digest) , watchdog } until SIGTERM -> drain -> exit 0. SIGHUP reloads config.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from types import FrameType
from zoneinfo import ZoneInfo

from daemon.cross_flags import CROSS_DIRTY, clear_dirty, pending_scope
from daemon.docket import DAY_BASIS_KV, Docket, now_iso
from daemon.engine import load_rulebook
from daemon.errors import ConfigError, DocketdError
from daemon.service import digest
from daemon.service.feed_server import FeedServer
from daemon.service.leadership import Leadership
from daemon.service.rules_stamp import KV_KEY as RULES_KV
from daemon.service.rules_stamp import rules_fingerprint
from daemon.service.sdnotify import Notifier
from daemon.settings.config import Config, load_config
from daemon.sources import living as sources
from daemon.sources.inbox import FileReport, ingest_file
from daemon.sources.notices import imap_ticker
from daemon.sources.watcher import InboxWatcher, is_candidate
from daemon.state import outbox
from daemon.state.store import Store
from daemon.state.trouble import storage_trouble
from daemon.sync.dispatcher import ConnectorPool
from daemon.sync.lanes import Lanes
from daemon.views.agenda import render_page

log = logging.getLogger("docketd")

DRAIN_SECONDS = 10.0
DAY_CHUNK = 250  # matters recomputed per loop turn on a new day
CROSS_MAX_WAIT = 3.0  # seconds a pending cross-flag refresh waits at most for calendar lanes to settle
MAX_FILE_ATTEMPTS = 3
STORAGE_RETRY_SECONDS = 5.0  # how often files held back by our own storage trouble are tried again


class Service:
    """One running docketd."""

    def __init__(self, config_path: Path, base_dir: Path | None = None) -> None:
        self.config_path = config_path
        self.base_dir = base_dir or Path.cwd()
        self.config: Config = load_config(config_path, self.base_dir)
        self.notifier = Notifier()
        self.files: queue.Queue[Path] = queue.Queue()
        self.stop_event = threading.Event()
        self.reload_requested = False
        self.attempts: dict[Path, int] = {}
        self.waiting: set[Path] = set()
        self.last_day: date | None = None
        self.day_backlog: list[str] = []
        self.day_since: date | None = None  # the last full pass's day, when this pass is narrowed
        self.day_pending = False  # a new day's pass has chunks (perhaps an empty last one) left
        self.day_total = 0
        self.day_matters = 0  # matters the day's pass recomputes (all of them, or the narrowed scope)
        self.last_cross = 0.0
        self.feed: FeedServer | None = None
        self.watcher: InboxWatcher | None = None
        self.tickers: list[Callable[[datetime], object]] = []
        self.lanes: Lanes | None = None  # calendar sync threads, started by run()
        self.unhealthy: str | None = None
        self.storage_problem: str | None = None  # our own storage failing (disk full): files wait
        self.held: set[Path] = set()  # files waiting for storage to come back
        self.storage_retry_at = 0.0
        self.processed = 0
        self._open()

    def _open(self) -> None:
        cfg = self.config
        for folder in (cfg.inbox, cfg.processed_dir, cfg.rejected_dir):
            folder.mkdir(parents=True, exist_ok=True)
        if cfg.ics_dir is not None:
            cfg.ics_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(cfg.state, url=cfg.state_url)
        # Several instances on one PostgreSQL docket: only the leader does calendar work (issue 16).
        self.leadership = Leadership(cfg.state, cfg.state_url, cfg.lease_seconds)
        self.leadership.trouble = lambda: self.storage_problem or self.unhealthy
        self.rules = load_rulebook(cfg.rule_dirs, cfg.closures)
        self.docket = Docket(cfg, self.store, self.rules)
        self.pool = ConnectorPool(cfg)  # the main thread's own connectors (free/busy reads)
        self._recompute_if_rules_changed()

    def _recompute_if_rules_changed(self) -> None:
        """Rules changed since the deadlines were stored (upgrade, firm edit): recompute every matter now."""
        stamp = rules_fingerprint(self.config.rule_dirs, self.config.closures)
        if self.store.get_kv(RULES_KV) == stamp:
            return
        with self.store.transaction() as db:
            self.store.drop_kv(db, "last_recompute_day")
            self.store.set_kv(db, RULES_KV, stamp)
        self.last_day = None

    # -- clock (the only place docketd reads it) ------------------------------------------------
    def now(self) -> datetime:
        """Now in the firm's time zone."""
        return datetime.now(ZoneInfo(self.config.timezone))

    # -- signals --------------------------------------------------------------------------------
    def _on_term(self, signum: int, frame: FrameType | None) -> None:
        self.stop_event.set()

    def _on_hup(self, signum: int, frame: FrameType | None) -> None:
        self.reload_requested = True

    def reload(self) -> None:
        """Re-read the config (SIGHUP); a broken config is reported and the old one kept."""
        self.reload_requested = False
        try:
            new = load_config(self.config_path, self.base_dir)
            rules = load_rulebook(new.rule_dirs, new.closures)
        except DocketdError as exc:
            log.error("Config reload failed; still running on the previous config. %s", exc)
            return
        # A config check that misses a case must still never stop the daemon on a reload (issue 18, B7).
        except Exception as exc:  # noqa: BLE001
            log.error("Config reload failed (%s: %s); still running on the previous config. Fix %s and "
                      "send SIGHUP again.", type(exc).__name__, exc, self.config_path)
            return
        self.pool.close()
        self.config = new
        self.rules = rules
        self.docket = Docket(new, self.store, rules)
        self.pool = ConnectorPool(new)
        if self.lanes is not None:
            self.lanes.stop(0.0)
            self._start_lanes()
        self.last_day = None  # recompute everything under the new config
        self._recompute_if_rules_changed()
        with self.store.transaction() as db:
            # Fixed credentials or settings: retry waiting changes now, not after their backoff.
            outbox.wake(db)
            # New people, calendars or reminders change entries: recompute every matter, in chunks.
            self.store.drop_kv(db, "last_recompute_day")
        log.info("Config reloaded from %s", self.config_path)

    # -- work -----------------------------------------------------------------------------------
    def handle_file(self, path: Path) -> FileReport | None:
        """Ingest one dropped file; unexpected failures retry, then set the file aside with a report."""
        if not path.exists() or not is_candidate(path):
            self.held.discard(path)  # gone meanwhile (e.g. moved before a failed bookkeeping write)
            return None
        try:
            unclosed = self.watcher.unclosed(path) if self.watcher is not None else False
            report = ingest_file(self.docket, path, self.now(), cross=False, unclosed=unclosed)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the daemon
            if self._storage_failed(exc, path):
                return None
            if isinstance(exc, OSError):
                log.warning("Could not read %s yet (%s); will retry.", path, exc)
            else:
                log.exception("Unexpected error while reading %s", path)
            return self._retry_or_reject(path, exc)
        if report.status == "waiting":
            # Still open for writing (issue 18 B1): its close event reports it again; the retry is a
            # safety net for a lost event. Said once per file, not at every retry.
            if path not in self.waiting:
                self.waiting.add(path)
                log.info("Waiting for %s", report.note)
            if self.watcher is not None:
                self.watcher.retry_later(path)
            return report
        self.waiting.discard(path)
        if report.status == "skipped":
            log.warning("Skipping %s", report.note)
            return report
        self.attempts.pop(path, None)
        self.processed += 1
        (log.warning if report.errors else log.info)("%s", report.summary())
        if report.note:
            log.info("%s", report.note)
        self.held.discard(path)
        if self.storage_problem is not None and not self.held:
            self._storage_recovered()
        return report

    def _storage_failed(self, exc: BaseException, path: Path | None = None) -> bool:
        """True (and the file held back, the problem told) when `exc` is our own storage failing."""
        trouble = storage_trouble(exc)
        if trouble is None:
            return False
        if path is not None:
            self.held.add(path)
        if self.storage_problem != trouble and self.config.state_url is not None:
            log.error("docketd cannot record its work: %s. Dropped files wait in the inbox (nothing is moved "
                      "or rejected) and are read again once the database answers. docketd retries every "
                      "%.0f s.", trouble, STORAGE_RETRY_SECONDS)
        elif self.storage_problem != trouble:
            log.error("docketd cannot record its work: %s. Dropped files wait in the inbox (nothing is moved "
                      "or rejected) and are read again once there is room; free some space. docketd retries "
                      "every %.0f s.", trouble, STORAGE_RETRY_SECONDS)
        self.storage_problem = trouble
        self.storage_retry_at = time.monotonic() + STORAGE_RETRY_SECONDS
        return True

    def _storage_recovered(self) -> None:
        log.info("docketd can record its work again; files held back by the storage problem are read.")
        self.storage_problem = None

    def retry_storage_if_due(self) -> None:
        """While storage is failing, every few seconds: hand held-back files back, or probe with a tiny write."""
        if self.storage_problem is None or time.monotonic() < self.storage_retry_at:
            return
        self.storage_retry_at = time.monotonic() + STORAGE_RETRY_SECONDS
        if self.held:
            for path in sorted(self.held):
                self.files.put(path)
            return
        try:
            with self.store.transaction() as db:
                self.store.set_kv(db, "storage_probe", now_iso(self.now()))
        except Exception as exc:  # noqa: BLE001 - anything but storage trouble is re-raised below
            if not self._storage_failed(exc):
                raise
            return
        self._storage_recovered()

    def _guarded(self, step: Callable[[], None]) -> None:
        # Periodic store work survives our own storage failing (it is retried next turn); bugs still raise.
        try:
            step()
        except Exception as exc:
            if not self._storage_failed(exc):
                raise

    def _retry_or_reject(self, path: Path, exc: BaseException) -> FileReport | None:
        n = self.attempts.get(path, 0) + 1
        self.attempts[path] = n
        if n < MAX_FILE_ATTEMPTS:
            threading.Timer(1.0 * n, self.files.put, args=(path,)).start()
            return None
        from daemon.sources.inbox import reject_unreadable

        self.attempts.pop(path, None)
        try:
            report = reject_unreadable(self.docket, path, exc, self.now())
        except Exception:  # noqa: BLE001 - setting one file aside must not stop the daemon
            log.exception("Could not set %s aside in rejected/", path)
            return None
        log.warning("%s", report.summary())
        return report

    def drain_files(self) -> None:
        """Process every file waiting in the queue."""
        while True:
            try:
                path = self.files.get_nowait()
            except queue.Empty:
                return
            self.handle_file(path)

    def recompute_if_new_day(self) -> None:
        """Time-relative flags (missed, due soon) change with the date: recompute every matter once a day.

        The work goes in chunks, one per loop turn, so drops and calendar pushes are not held up for
        the whole docket; the day counts as done (kv last_recompute_day) only after the last chunk,
        so a crash part-way starts the day's recompute again.
        """
        if not self.leadership.leading():
            self.last_day = None  # on taking over, the new leader checks the day again
            return
        today = self.now().date()
        if self.last_day != today:
            self.last_day = today
            last_done = self.store.get_kv("last_recompute_day")
            if last_done == today.isoformat():
                self.day_backlog = []
                self.day_pending = False
                return
            # Rules unchanged since the last full pass (a rules change drops last_recompute_day) and the same
            # config: only the matters whose answers can turn with the date are recomputed; the rest are
            # provably the same (tests/unit/test_new_day_scope.py).
            since = date.fromisoformat(last_done) if last_done else None
            scope = None
            if since is not None and self.store.get_kv(DAY_BASIS_KV) == self.docket.day_basis():
                scope = self.docket.day_scope(self.store.db, since, today)
            self.day_backlog = self.docket.all_matters() if scope is None else scope
            self.day_since = since if scope is not None else None
            self.day_total = 0
            self.day_matters = len(self.day_backlog)
            self.day_pending = True
        if not self.day_pending:
            return
        chunk, self.day_backlog = self.day_backlog[:DAY_CHUNK], self.day_backlog[DAY_CHUNK:]
        last = not self.day_backlog
        self.day_pending = not last
        with self.store.transaction() as db:
            # Cross-matter flags need every deadline current: refresh them with the last chunk only.
            stamp = now_iso(self.now())
            since = self.day_since
            report = self.docket.recompute(db, chunk, today, stamp, cross=last and since is None,
                                           dates_only=since is not None)
            if last and since is not None:  # a plain date change: the cross flags the date moves
                more = self.docket.refresh_cross_for_new_day(db, since, today, stamp)
                report.queued += more.queued
            if last:
                self.store.set_kv(db, "last_recompute_day", today.isoformat())
                self.store.set_kv(db, DAY_BASIS_KV, self.docket.day_basis())
        self.day_total += report.queued
        if last:
            log.info("Recomputed %d matters for %s (%d calendar changes queued)", self.day_matters, today,
                     self.day_total)

    def refresh_cross_if_dirty(self, min_interval: float = 1.0) -> None:
        """Refresh cross-matter flags (conflicts, out of office...) after intake changed, at most once a second."""
        if time.monotonic() - self.last_cross < min_interval or self.store.get_kv(CROSS_DIRTY) != "1":
            return
        if min_interval > 0 and self.lanes is not None and self.lanes.sending() and \
                time.monotonic() - self.last_cross < CROSS_MAX_WAIT:
            return  # a drop's entries are being written: the refresh would only slow them (one GIL)
        self.last_cross = time.monotonic()
        with self.store.transaction() as db:
            # Only the (person, day) groups and matters intake touched, unless a full refresh is due.
            self.docket.refresh_cross(db, self.now().date(), now_iso(self.now()), pending_scope(db))
            clear_dirty(db)

    def _start_lanes(self) -> None:
        self.lanes = Lanes(self.config, lambda: now_iso(self.now()), self.leadership)
        self.lanes.start()

    def health_problem(self) -> str | None:
        """Why the daemon can no longer do its job (a worker thread died), or None when healthy."""
        dead = []
        if self.watcher is not None:
            dead += self.watcher.dead_threads()
        if self.feed is not None and not self.feed.thread.is_alive():
            dead.append("the calendar feed server")
        if self.lanes is not None:
            dead += self.lanes.dead()
        if self.leadership.thread is not None and not self.leadership.thread.is_alive():
            dead.append("the leadership thread")
        return f"{', '.join(dead)} stopped" if dead else None

    def status_line(self) -> str:
        """The STATUS= line for systemd."""
        try:
            counts = self.store.outbox_counts()
        except Exception as exc:
            if storage_trouble(exc) is None:
                raise
            counts = {}
        pending = sum(c["pending"] for c in counts.values())
        failed = sum(c["failed"] for c in counts.values())
        line = f"Watching {self.config.inbox}; {self.processed} files processed; {pending} calendar " \
               f"changes pending; {failed} failed"
        if self.leadership.shared:
            line = f"{self.leadership.status()}; {line}"
        if self.storage_problem is not None:
            line = f"STORAGE PROBLEM: {self.storage_problem}; {len(self.held)} dropped files wait in the " \
                   f"inbox; retrying. " + line
        return line

    def _load_tickers(self) -> None:
        # Periodic work: each factory returns a tick, or None when its config section is absent.
        self.tickers = []
        for make in (sources.make_ticker, digest.make_ticker, imap_ticker.make_ticker):
            ticker = make(self)
            if ticker is not None:
                self.tickers.append(ticker)

    def run_tickers(self) -> None:
        """Periodic work from optional modules (sheet sources, digests, mailboxes): the leader's alone."""
        if not self.leadership.leading():
            return
        now = self.now()
        for tick in self.tickers:
            try:
                tick(now)
            except Exception:  # noqa: BLE001 - one failing source must not stop the daemon
                log.exception("Periodic task %s failed", getattr(tick, "__name__", tick))

    # -- main loop ------------------------------------------------------------------------------
    def banner(self) -> str:
        """Where to drop files and where to look, printed at start-up."""
        cfg = self.config
        lines = [f"docketd is running with {cfg.path}.",
                 f"  Drop intake files (CSV, XLSX, JSON, YAML) into: {cfg.inbox}",
                 f"  Read files move to {cfg.processed_dir}; files with problems to {cfg.rejected_dir}"
                 " (with a .errors.txt report).",
                 f"  The docket is kept in: {self.store.where}"]
        if cfg.ics_dir is not None:
            lines.append(f"  Calendars (.ics, one per person, plus all.ics): {cfg.ics_dir}")
        if self.feed is not None:
            host, port = self.feed.address
            lines.append(f"  Subscribe from a desktop calendar: http://{host}:{port}/all.ics "
                         f"(or /<email>.ics)")
        lines.append(f"  A first look: `docketd example --out {cfg.inbox}` drops an example dated around today.")
        lines.append("  Stop with Ctrl-C.")
        return "\n".join(lines)

    def run(self) -> int:
        """Run until SIGTERM/SIGINT; returns the exit code."""
        signal.signal(signal.SIGTERM, self._on_term)
        signal.signal(signal.SIGINT, self._on_term)
        signal.signal(signal.SIGHUP, self._on_hup)
        # The intake writer check takes a read lease for a moment; a lease break is signalled with SIGIO,
        # whose default action would end the daemon (daemon/sources/dropped_file.py).
        signal.signal(signal.SIGIO, signal.SIG_IGN)
        cfg = self.config
        from daemon.settings.secrets import log_secret_warnings

        log_secret_warnings(cfg)
        if cfg.ics_dir is not None and cfg.ics_serve is not None:
            try:
                self.feed = FeedServer(cfg.ics_serve[0], cfg.ics_serve[1], cfg.ics_dir, pages=self._pages())
            except OSError as exc:
                self.store.close()
                raise ConfigError(
                    f"{cfg.path}: [ics] serve = '{cfg.ics_serve[0]}:{cfg.ics_serve[1]}' cannot be used "
                    f"({exc.strerror or exc}); the port is in use by another program (another docketd?) or "
                    "the address is not this machine's. Pick a free port or stop the other program.") from None
            self.feed.start()
        self.leadership.start()
        self.watcher = InboxWatcher(cfg.inbox, self.files.put, polling=bool(cfg.raw.get("daemon", {})
                                                                             .get("polling", False)))
        self.watcher.start()
        for path in self.watcher.scan():
            self.files.put(path)
        self.drain_files()
        self.recompute_if_new_day()
        self.refresh_cross_if_dirty(min_interval=0.0)
        self._load_tickers()
        self._start_lanes()
        log.info("%s", self.banner())
        self.notifier.ready(self.status_line())
        try:
            self._loop()
        finally:
            self.notifier.stopping()
            self._shutdown()
        if self.unhealthy is not None:
            # Exit non-zero so systemd (Restart=on-failure) starts a fresh, whole daemon.
            log.error("docketd exited because %s; it must be restarted (systemd does so on its own).",
                      self.unhealthy)
            return 1
        return 0

    def _loop(self) -> None:
        tick = 1.0
        if self.notifier.watchdog_seconds:
            tick = min(tick, self.notifier.watchdog_seconds / 3)
        last_status = ""
        while not self.stop_event.is_set():
            if self.reload_requested:
                self.reload()
            wait = 0.0 if self.day_pending else tick
            try:
                path = self.files.get(timeout=wait)
                self.handle_file(path)
                self.drain_files()
                if self.lanes is not None:
                    # The drop's entries are in the outbox: the .ics files go now, not after the cross-flag
                    # refresh (whose own re-renders follow on the next wake)...
                    self.lanes.wake()
                    if self.config.calendars:
                        # ...while [calendars] hold the drop's work until its conflicts are marked (one
                        # write per entry, daemon/sync/lanes.py): mark them at once, then let them send.
                        self._guarded(lambda: self.refresh_cross_if_dirty(min_interval=0.0))
                        self.lanes.wake()
            except queue.Empty:
                pass
            if self.stop_event.is_set():
                break
            self.retry_storage_if_due()
            self._guarded(self.refresh_cross_if_dirty)
            self._guarded(self.recompute_if_new_day)
            if self.lanes is not None:
                self.lanes.wake()  # calendar sync runs on its own threads; it never holds up this loop
            self.run_tickers()
            problem = self.health_problem()
            if problem is not None:
                # A dead worker (the inbox watcher, say) means files sit unseen: no more watchdog pings.
                log.error("docketd is no longer healthy: %s. Stopping so it can be restarted.", problem)
                self.unhealthy = problem
                break
            self.notifier.watchdog()
            status = self.status_line()
            if status != last_status:
                self.notifier.status(status)
                last_status = status

    def _shutdown(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
        # Finish what was already handed to us, then give the outbox a bounded last chance.
        self.stop_event.clear()
        self.drain_files()
        # Calendars outside this machine hold a drop's work until its conflicts are marked (daemon/sync/lanes.py).
        self._guarded(lambda: self.refresh_cross_if_dirty(min_interval=0.0))
        if self.lanes is not None:
            self.lanes.stop(DRAIN_SECONDS)
        self.leadership.stop()  # after the last outbox pass: hand over at once
        if self.feed is not None:
            self.feed.stop()
        self.pool.close()
        self.store.close()
        log.info("docketd stopped cleanly.")

    def _pages(self) -> dict[str, Callable[[], tuple[str, bytes]]]:
        return {"/agenda": lambda: ("text/html; charset=utf-8", render_page(self.store, self.config, self.now()))}


def setup_logging(level: str = "INFO") -> None:
    """Log to stderr; under journald (JOURNAL_STREAM) without our own timestamps."""
    fmt = "%(levelname)s %(name)s: %(message)s" if os.environ.get("JOURNAL_STREAM") else \
        "%(asctime)s %(levelname)s %(name)s: %(message)s"
    logging.basicConfig(level=getattr(logging, level.upper(), logging.INFO), format=fmt)
