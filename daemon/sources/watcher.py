"""The inbox watcher: tells the pipeline when a dropped intake file is complete, once.

A file is complete when its writer closed it (inotify IN_CLOSE_WRITE, watchdog's "closed" event) or
it was renamed into the inbox (from this folder or another one on the same file system), and its
size and mtime then stay the same for `settle_seconds`. Symbolic links are never reported.
Files seen only as created or modified (a move from another filesystem, polling on a network
share) must stay unchanged for the longer `slow_settle_seconds`; files still being written
(modified, never closed) wait `writing_settle_seconds` as a safety net for a lost close event.
Temp and lock files are never reported (see `is_candidate`); at start-up call `start()` then
`scan()`, because events are missed while the service is down.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from watchdog.events import (
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

try:
    from watchdog.observers.inotify import InotifyEmitter
    from watchdog.observers.inotify_buffer import InotifyBuffer
except ImportError:  # not Linux: the platform's default observer is used as is
    InotifyEmitter = None  # type: ignore[assignment,misc]

log = logging.getLogger(__name__)

IGNORED_PREFIXES = (".", "~", "#")  # dotfiles and LibreOffice's .~lock.x#, Office's ~$x.xlsx, emacs #x#
IGNORED_SUFFIXES = (
    ".part", ".partial", ".tmp", ".temp", ".crdownload", ".download", ".swp", ".swx", ".lock", ".bak", "~",
    ".errors.txt", ".docketd-status.csv",  # docketd's own reports, should anyone put them here
)
FAST, SLOW, WRITING = "closed", "created", "writing"

Signature = tuple[int, int, int]  # size, mtime_ns, inode


def is_candidate(path: Path) -> bool:
    """True if `path` may be an intake file: not a directory, temp, lock, backup or hidden file."""
    name = path.name
    lower = name.lower()
    if not name or name.startswith(IGNORED_PREFIXES) or lower.endswith(IGNORED_SUFFIXES):
        return False
    return not path.is_dir()


def _signature(path: Path) -> Signature | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ino)


@dataclass
class _Pending:
    due: float
    signature: Signature
    kind: str


_ATTRIB_ONLY: Counter[str] = Counter()  # path -> attribute-only events not yet handled
_ATTRIB_LOCK = threading.Lock()


def _attrib_only(path: str) -> bool:
    with _ATTRIB_LOCK:
        if _ATTRIB_ONLY[path] > 0:
            _ATTRIB_ONLY[path] -= 1
            if not _ATTRIB_ONLY[path]:
                del _ATTRIB_ONLY[path]
            return True
    return False


if InotifyEmitter is not None:
    class _PromptBuffer(InotifyBuffer):
        def read_event(self):  # type: ignore[no-untyped-def]  # watchdog's own signature
            event = super().read_event()
            # watchdog reports IN_ATTRIB (chmod, utime: `cp -p` after its close) as "modified", like a
            # write; the handler needs to know it was no write, so a closed file is not thought open.
            if (event is not None and not isinstance(event, tuple) and event.is_attrib and not event.is_modify
                    and not event.is_directory):
                with _ATTRIB_LOCK:
                    _ATTRIB_ONLY[os.fsdecode(event.src_path)] += 1
            return event

        # watchdog holds an unpaired IN_MOVED_FROM for 0.5 s, hoping to pair it with an IN_MOVED_TO, and
        # every event queued behind it waits as well. Each processed file leaving the inbox is such an
        # event, so a file dropped within 0.5 s of the previous one was seen up to 0.5 s late (make bench:
        # back-to-back drops took 0.55 s instead of 0.2 s). Both halves of a rename come in the same
        # read, so a short wait still pairs them; an unpaired half is handled as delete/create anyway.
        delay = 0.02

    class _PromptEmitter(InotifyEmitter):
        def on_thread_start(self) -> None:
            self._inotify = _PromptBuffer(os.fsencode(self.watch.path), recursive=self.watch.is_recursive,
                                          event_mask=self.get_event_mask_from_filter())

        def queue_events(self, timeout: float, *, full_events: bool = False) -> None:
            # Issue 19 item 5: an unpaired IN_MOVED_TO (a file renamed in from another folder) is a move,
            # not a creation: the file is complete the moment it appears, so it takes the fast path.
            # (A file still open for writing is held back by the pipeline's writer check all the same.)
            super().queue_events(timeout, full_events=True)


def _native_observer() -> BaseObserver:
    """The OS's observer; on Linux, inotify without watchdog's half-second hold on moves."""
    if InotifyEmitter is None:
        return Observer()
    return BaseObserver(_PromptEmitter)


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: InboxWatcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory:
            return
        w = self.watcher
        src = Path(os.fsdecode(event.src_path)) if event.src_path else None
        if isinstance(event, FileMovedEvent):
            if src is not None:
                w._forget(src)
            dest = Path(os.fsdecode(event.dest_path)) if event.dest_path else None
            if dest is not None and dest.parent == w.inbox:
                w._note(dest, SLOW if w.polling else FAST)
        elif src is None:
            return
        elif isinstance(event, FileDeletedEvent):
            w._forget(src)
        elif isinstance(event, FileClosedEvent):
            w._note(src, FAST)
        elif isinstance(event, FileCreatedEvent):
            w._note(src, SLOW)
        elif isinstance(event, FileModifiedEvent):
            w._note(src, SLOW if w.polling else WRITING, written=not _attrib_only(os.fsdecode(event.src_path)))


class InboxWatcher:
    """Watches one inbox folder (not its subfolders) and calls `on_ready(path)` for complete files."""

    def __init__(self, inbox: Path, on_ready: Callable[[Path], None], *, polling: bool = False,
                 settle_seconds: float = 0.05, slow_settle_seconds: float = 1.0,
                 writing_settle_seconds: float = 10.0, poll_interval: float = 0.5,
                 exclude: Collection[Path] = (), rescan_seconds: float | None = 60.0) -> None:
        self.inbox = Path(os.path.abspath(inbox))
        self.on_ready = on_ready
        self.polling = polling
        self.settle = {FAST: settle_seconds, SLOW: slow_settle_seconds,
                       WRITING: max(writing_settle_seconds, slow_settle_seconds)}
        self.poll_interval = poll_interval
        # A safety net for lost events (inotify queue overflow, shares that stop notifying): files
        # that were never reported are picked up by a periodic listing and settle like created ones.
        self.rescan_seconds = rescan_seconds
        self.exclude = {Path(os.path.abspath(p)) for p in exclude}
        self._pending: dict[Path, _Pending] = {}
        self._reported: dict[Path, Signature] = {}
        self._warned: set[Path] = set()
        self._unclosed: set[Path] = set()  # modified and not closed since: a writer may still hold it
        self._cond = threading.Condition()
        self._stopping = False
        self._observer: BaseObserver | None = None
        self._worker: threading.Thread | None = None

    def __enter__(self) -> InboxWatcher:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        """Start watching (creating the inbox if needed); call scan() afterwards for files already there."""
        self.inbox.mkdir(parents=True, exist_ok=True)
        self._stopping = False
        observer: BaseObserver = (PollingObserver(timeout=self.poll_interval) if self.polling
                                  else _native_observer())
        observer.schedule(_Handler(self), str(self.inbox), recursive=False)
        self._worker = threading.Thread(target=self._run, name="docketd-inbox-settle", daemon=True)
        self._worker.start()
        observer.start()
        self._observer = observer

    def stop(self) -> None:
        """Stop watching and join both threads; files still settling are found by the next scan()."""
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()
            self._observer = None
        with self._cond:
            self._stopping = True
            self._pending.clear()
            self._cond.notify_all()
        if self._worker is not None:
            self._worker.join()
            self._worker = None

    def dead_threads(self) -> list[str]:
        """Which of the watcher's threads died (e.g. the inbox was removed, or a bug): files would go unseen."""
        if self._stopping or self._observer is None:
            return []
        dead = [] if self._worker is not None and self._worker.is_alive() else ["the inbox settle thread"]
        if not self._observer.is_alive() or not all(e.is_alive() for e in self._observer.emitters):
            dead.append(f"the inbox watcher of {self.inbox}")
        return dead

    def scan(self) -> list[Path]:
        """Candidate files in the inbox now, oldest first (for the start-up rescan).

        The caller handles these; they are not reported again through on_ready unless they change.
        """
        found = self._list()
        with self._cond:
            for signature, path in found:
                self._reported[path] = signature
        return [path for _, path in found]

    def _list(self) -> list[tuple[Signature, Path]]:
        found: list[tuple[int, str, Signature, Path]] = []
        try:
            entries = list(os.scandir(self.inbox))
        except FileNotFoundError:
            return []
        for entry in entries:
            path = self.inbox / entry.name
            if not self._acceptable(path):
                continue
            signature = _signature(path)
            if signature is not None:
                found.append((signature[1], entry.name, signature, path))
        return [(signature, path) for _, _, signature, path in sorted(found)]

    def _rescan(self) -> None:
        for signature, path in self._list():
            with self._cond:
                known = self._reported.get(path) == signature or path in self._pending
            if not known:
                self._note(path, SLOW)

    def _acceptable(self, path: Path) -> bool:
        if path.parent != self.inbox or path in self.exclude or not is_candidate(path):
            return False
        if path.is_symlink():
            # Never followed (issue 18 B3): a link can be re-pointed between any check and the open.
            if path not in self._warned:
                self._warned.add(path)
                target = path.resolve()
                where = "inside" if target.parent == self.inbox.resolve() else "outside"
                log.warning("Skipping %s: it is a symbolic link to %s, %s the inbox; docketd does not follow "
                            "links. Copy the file into the inbox instead.", path.name, target, where)
            return False
        return path.is_file()

    def retry_later(self, path: Path, seconds: float | None = None) -> None:
        """Report `path` again after `seconds` (default: the writing wait) even if it does not change.

        For a file the pipeline could not read yet (still open for writing): its close event also
        reports it, at once.
        """
        signature = _signature(path)
        if signature is None:
            return
        with self._cond:
            self._reported.pop(path, None)
            wait = self.settle[WRITING] if seconds is None else seconds
            self._pending[path] = _Pending(time.monotonic() + wait, signature, WRITING)
            self._cond.notify_all()

    def unclosed(self, path: Path) -> bool:
        """True if the last thing seen of `path` was a write with no close after it (inotify only)."""
        with self._cond:
            return path in self._unclosed

    def _note(self, path: Path, kind: str, *, written: bool = True) -> None:
        if path.parent != self.inbox or not is_candidate(path) or path in self.exclude:
            return
        with self._cond:
            if kind == WRITING and written:
                self._unclosed.add(path)
            elif kind == FAST:
                self._unclosed.discard(path)
        signature = _signature(path)
        if signature is None:
            return
        with self._cond:
            pending = self._pending.get(path)
            if pending is not None and pending.kind == FAST and kind != FAST:
                kind = FAST  # already closed: later attribute changes (cp -p) only restart the short wait
            self._pending[path] = _Pending(time.monotonic() + self.settle[kind], signature, kind)
            self._cond.notify_all()

    def _forget(self, path: Path) -> None:
        with self._cond:
            self._unclosed.discard(path)
            self._pending.pop(path, None)
            self._reported.pop(path, None)

    def _run(self) -> None:
        next_rescan = time.monotonic() + (self.rescan_seconds or 0.0)
        while True:
            if self.rescan_seconds and time.monotonic() >= next_rescan:
                next_rescan = time.monotonic() + self.rescan_seconds
                try:
                    self._rescan()
                except OSError as exc:  # e.g. out of file handles (EMFILE): the thread must live on
                    log.warning("Could not list the inbox %s (%s); trying again in %.0f s.", self.inbox, exc,
                                self.rescan_seconds)
            ready: list[Path] = []
            with self._cond:
                if self._stopping:
                    return
                now = time.monotonic()
                due = [p for p, item in self._pending.items() if item.due <= now]
                for path in due:
                    item = self._pending.pop(path)
                    signature = _signature(path)
                    if signature is None:
                        continue
                    if signature != item.signature:
                        self._pending[path] = _Pending(now + self.settle[item.kind], signature, item.kind)
                    elif item.kind == SLOW and not self.polling and signature[0] == 0:
                        # Maybe still open for writing: give it the long wait. If it is still empty and
                        # unchanged then, report it anyway, so an empty drop is rejected, not ignored.
                        self._pending[path] = _Pending(now + self.settle[WRITING], signature, WRITING)
                    elif self._reported.get(path) != signature:
                        self._reported[path] = signature
                        ready.append(path)
                if not ready:
                    # Nothing settling: sleep until a file event, the next rescan or stop() notifies (an idle
                    # daemon wakes no thread once a second for nothing).
                    wake = min((item.due for item in self._pending.values()), default=None)
                    if self.rescan_seconds:
                        wake = next_rescan if wake is None else min(wake, next_rescan)
                    self._cond.wait(timeout=None if wake is None else max(wake - now, 0.005))
                    continue
            for path in ready:
                self._deliver(path)

    def _deliver(self, path: Path) -> None:
        if not self._acceptable(path):
            return
        try:
            self.on_ready(path)
        # The callback is the pipeline; a bug there must not stop the watcher from seeing the next
        # file. It is logged with its traceback, and the file stays in the inbox for the next scan.
        except Exception:  # noqa: BLE001
            log.exception("Processing %s failed; it stays in the inbox and is retried at the next start.",
                          path.name)
