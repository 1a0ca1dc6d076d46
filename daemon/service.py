"""The long-running daemon: watch the inbox, ingest, recompute at midnight, drain the outbox.

Control flow: start-up scan of the inbox -> READY -> loop { files, outbox, day change, verify,
tickers (sheet sources, digest) , watchdog } until SIGTERM -> drain -> exit 0. SIGHUP reloads config.
"""

from __future__ import annotations

import logging
import os
import queue
import random
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from types import FrameType
from zoneinfo import ZoneInfo

from daemon import digest, sources
from daemon.agenda import render_page
from daemon.config import Config, load_config
from daemon.dispatcher import ConnectorPool, Dispatcher
from daemon.docket import Docket, now_iso
from daemon.engine import load_rulebook
from daemon.errors import ConfigError, DocketdError, StoreError, redact_credentials
from daemon.feed_server import FeedServer
from daemon.notices import imap_ticker
from daemon.pipeline import CROSS_DIRTY, FileReport, ingest_file
from daemon.sdnotify import Notifier
from daemon.store import Store
from daemon.watcher import InboxWatcher, is_candidate

log = logging.getLogger("docketd")

DRAIN_SECONDS = 10.0
DAY_CHUNK = 250  # matters recomputed per loop turn on a new day
MAX_FILE_ATTEMPTS = 3
STORAGE_RETRY_SECONDS = 5.0  # a file waits this long before another try while the state cannot be written


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
        self.day_total = 0
        self.last_verify = 0.0
        self.last_cross = 0.0
        self.feed: FeedServer | None = None
        self.watcher: InboxWatcher | None = None
        self.tickers: list[Callable[[datetime], object]] = []
        self.processed = 0
        self.storage_problem: str | None = None
        self._open()

    def _open(self) -> None:
        cfg = self.config
        for folder in (cfg.inbox, cfg.processed_dir, cfg.rejected_dir):
            folder.mkdir(parents=True, exist_ok=True)
        if cfg.ics_dir is not None:
            cfg.ics_dir.mkdir(parents=True, exist_ok=True)
        self.store = Store(cfg.state)
        self.rules = load_rulebook(cfg.rule_dirs, cfg.closures)
        self.docket = Docket(cfg, self.store, self.rules)
        self.pool = ConnectorPool(cfg)
        self.dispatcher = Dispatcher(cfg, self.store, self.pool, lambda: now_iso(self.now()), random.Random())

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
        self.dispatcher = Dispatcher(new, self.store, self.pool, lambda: now_iso(self.now()), random.Random())
        self.last_day = None  # recompute everything under the new config
        with self.store.transaction() as db:
            # Fixed credentials or settings: retry waiting changes now, not after their backoff.
            db.execute("UPDATE outbox SET next_at=0 WHERE dead=0")
            # New people, calendars or reminders change entries: recompute every matter, in chunks.
            db.execute("DELETE FROM kv WHERE key='last_recompute_day'")
        log.info("Config reloaded from %s", self.config_path)

    # -- work -----------------------------------------------------------------------------------
    def handle_file(self, path: Path) -> FileReport | None:
        """Ingest one dropped file; unexpected failures retry, then set the file aside with a report."""
        if not path.exists() or not is_candidate(path):
            return None
        try:
            unclosed = self.watcher.unclosed(path) if self.watcher is not None else False
            report = ingest_file(self.docket, path, self.now(), cross=False, unclosed=unclosed)
        except (sqlite3.OperationalError, StoreError) as exc:  # read-only, locked, full: ours, not the file's
            self._storage_failed(path, exc)
            return None
        except OSError as exc:
            log.warning("Could not read %s yet (%s); will retry.", path, exc)
            return self._retry_or_reject(path, exc)
        except Exception as exc:  # noqa: BLE001 - one bad file must not stop the daemon
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
        if self.storage_problem is not None:
            log.info("docketd can write its state %s again; waiting files are being read.", self.config.state)
            self.storage_problem = None
        self.processed += 1
        (log.warning if report.errors else log.info)("%s", report.summary())
        if report.note:
            log.info("%s", report.note)
        return report

    def _storage_failed(self, path: Path, exc: Exception) -> None:
        """Our own state cannot be written: the file is not to blame, so it waits in the inbox and is retried."""
        if self.storage_problem is None:
            log.error("docketd cannot write its state %s (%s); dropped files wait in the inbox and are retried "
                      "every %.0f s. Run `docketd check` as the service user for the fix.", self.config.state, exc,
                      STORAGE_RETRY_SECONDS)
        self.storage_problem = f"docketd cannot write its state {self.config.state} ({exc})"
        retry = threading.Timer(STORAGE_RETRY_SECONDS, self.files.put, args=(path,))
        retry.daemon = True
        retry.start()

    def _retry_or_reject(self, path: Path, exc: BaseException) -> FileReport | None:
        n = self.attempts.get(path, 0) + 1
        self.attempts[path] = n
        if n < MAX_FILE_ATTEMPTS:
            threading.Timer(1.0 * n, self.files.put, args=(path,)).start()
            return None
        from daemon.pipeline import reject_unreadable

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
        today = self.now().date()
        if self.last_day != today:
            self.last_day = today
            if self.store.get_kv("last_recompute_day") == today.isoformat():
                self.day_backlog = []
                return
            self.day_backlog = self.docket.all_matters()
            self.day_total = 0
            if not self.day_backlog:
                with self.store.transaction() as db:
                    self.store.set_kv(db, "last_recompute_day", today.isoformat())
                return
        if not self.day_backlog:
            return
        chunk, self.day_backlog = self.day_backlog[:DAY_CHUNK], self.day_backlog[DAY_CHUNK:]
        last = not self.day_backlog
        with self.store.transaction() as db:
            # Cross-matter flags need every deadline current: refresh them with the last chunk only.
            report = self.docket.recompute(db, chunk, today, now_iso(self.now()), cross=last)
            if last:
                self.store.set_kv(db, "last_recompute_day", today.isoformat())
        self.day_total += report.queued
        if last:
            log.info("Recomputed every matter for %s (%d calendar changes queued)", today, self.day_total)

    def refresh_cross_if_dirty(self, min_interval: float = 1.0) -> None:
        """Refresh cross-matter flags (conflicts, out of office...) after intake changed, at most once a second."""
        if time.monotonic() - self.last_cross < min_interval or self.store.get_kv(CROSS_DIRTY) != "1":
            return
        self.last_cross = time.monotonic()
        with self.store.transaction() as db:
            self.docket.recompute(db, [], self.now().date(), now_iso(self.now()))
            self.store.set_kv(db, CROSS_DIRTY, "0")

    def dispatch(self) -> None:
        """Send due outbox ops to calendars."""
        report = self.dispatcher.run_once(time.time(), stop=self.stop_event.is_set)
        if report.done or report.retrying or report.failed:
            log.info("Calendar sync: %d done, %d retrying, %d failed, %d hand edits", report.done,
                     report.retrying, report.failed, report.conflicts)

    def verify_if_due(self) -> None:
        """Every few minutes, look for hand edits in the calendars."""
        period = self.config.sync.verify_minutes * 60
        if period <= 0 or time.monotonic() - self.last_verify < period:
            return
        self.last_verify = time.monotonic()
        for target in self.store.targets():
            try:
                n = self.dispatcher.verify(target)
            except Exception as exc:  # noqa: BLE001 - an unreachable calendar is retried next period
                log.warning("Could not check calendar %s for hand edits: %s", target,
                            redact_credentials(str(exc)))
                continue
            if n:
                log.warning("Calendar %s: %d entries were changed by hand", target, n)

    def status_line(self) -> str:
        """The STATUS= line for systemd."""
        counts = self.store.outbox_counts()
        pending = sum(c["pending"] for c in counts.values())
        failed = sum(c["failed"] for c in counts.values())
        line = f"Watching {self.config.inbox}; {self.processed} files processed; {pending} calendar " \
               f"changes pending; {failed} failed"
        return line if self.storage_problem is None else f"Waiting: {self.storage_problem}; {line}"

    def _load_tickers(self) -> None:
        # Periodic work: each factory returns a tick, or None when its config section is absent.
        self.tickers = []
        for make in (sources.make_ticker, digest.make_ticker, imap_ticker.make_ticker):
            ticker = make(self)
            if ticker is not None:
                self.tickers.append(ticker)

    def run_tickers(self) -> None:
        """Periodic work from optional modules (sheet sources, digests)."""
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
                 " (with a .errors.txt report)."]
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
        # whose default action would end the daemon (daemon/intake_file.py).
        signal.signal(signal.SIGIO, signal.SIG_IGN)
        cfg = self.config
        from daemon.secrets import log_secret_warnings

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
        self.watcher = InboxWatcher(cfg.inbox, self.files.put, polling=bool(cfg.raw.get("daemon", {})
                                                                             .get("polling", False)))
        self.watcher.start()
        for path in self.watcher.scan():
            self.files.put(path)
        self.drain_files()
        self.recompute_if_new_day()
        self.refresh_cross_if_dirty(min_interval=0.0)
        self._load_tickers()
        log.info("%s", self.banner())
        self.notifier.ready(self.status_line())
        try:
            self._loop()
        finally:
            self.notifier.stopping()
            self._shutdown()
        return 0

    def _loop(self) -> None:
        tick = 1.0
        if self.notifier.watchdog_seconds:
            tick = min(tick, self.notifier.watchdog_seconds / 3)
        last_status = ""
        while not self.stop_event.is_set():
            if self.reload_requested:
                self.reload()
            wait = 0.0 if self.day_backlog else tick
            nxt = self.store.next_due()
            if nxt is not None:
                wait = max(0.0, min(tick, nxt - time.time()))
            try:
                path = self.files.get(timeout=wait)
                self.handle_file(path)
                self.drain_files()
            except queue.Empty:
                pass
            if self.stop_event.is_set():
                break
            self.refresh_cross_if_dirty()
            self.dispatch()
            self.recompute_if_new_day()
            self.verify_if_due()
            self.run_tickers()
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
        deadline = time.monotonic() + DRAIN_SECONDS
        self.dispatcher.run_once(time.time(), stop=lambda: time.monotonic() > deadline)
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
