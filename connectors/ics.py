"""The embedded default calendar: one .ics file per calendar, written atomically.

Each file is a VCALENDAR a desktop calendar can subscribe to (served read-only by `feed_server`).
An event's etag is a hash of its VEVENT text, so a hand edit of the file is seen as drift.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import icalendar

from connectors.base import (
    Capabilities,
    Connector,
    ConnectorContext,
    EditConflict,
    NotFound,
    Op,
    OpResult,
    PermanentError,
    UnmanagedEvent,
    run_op,
)
from connectors.ical_render import ical_uid, parse_vevent, render_calendar, render_vevent, vtimezone_for
from daemon.models import CalendarEntry, RemoteEvent, RemoteRef


def atomic_write(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write a file so readers see the old or the new content, never a torn one (fsync file and folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _etag(event: icalendar.Component) -> str:
    # A hash of what a person can change, read the same way whether just rendered or re-parsed.
    ev = parse_vevent(event)
    parts = [ev.start.isoformat(), str(ev.start_time), ev.summary, str(ev.cancelled),
             *(f"{k}={v}" for k, v in sorted(ev.extra.items()))]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


_LOCKS: dict[Path, threading.Lock] = {}

# Rendered VEVENT bytes by (entry, SEQUENCE), shared by every .ics file in the process: the embedded
# default writes each entry to a person's file and to all.ics, and serialising VEVENTs was the largest
# part of a drop's dispatch (make bench). render_vevent is deterministic in (entry, sequence), and
# CalendarEntry is frozen, so the key compares every field.
_RENDERED: OrderedDict[tuple[CalendarEntry, int], bytes] = OrderedDict()
_RENDERED_MAX = 4096


def _rendered_bytes(entry: CalendarEntry, sequence: int, comp: icalendar.Event) -> bytes:
    key = (entry, sequence)
    data = _RENDERED.get(key)
    if data is None:
        data = _RENDERED[key] = bytes(comp.to_ical())
        if len(_RENDERED) > _RENDERED_MAX:
            _RENDERED.popitem(last=False)
    return data


@dataclass(frozen=True)
class _Held:
    """One event of the file as the connector keeps it: its bytes, sort key, zone, sequence, read-back.

    Parsed icalendar components are not kept: thousands of them (every entry of all.ics) made each
    full garbage collection of the daemon walk a few million objects, a pause that grew with the
    docket (make bench: drop -> .ics p95). Bytes are not tracked by the collector.
    """

    data: bytes
    start: str  # DTSTART text, the file's sort key
    tzid: str | None
    sequence: int
    remote: RemoteEvent


def _held(comp: icalendar.Component, data: bytes) -> _Held:
    dtstart = comp.get("DTSTART")
    tzid = dtstart.params.get("TZID")
    return _Held(data, str(dtstart.to_ical()), str(tzid) if tzid else None, int(comp.decoded("SEQUENCE", 0)),
                 parse_vevent(comp, remote_id=str(comp.get("UID")), etag=_etag(comp)))


class IcsConnector(Connector):
    """A calendar kept as one .ics file."""

    capabilities = Capabilities(max_reminders=None, max_reminder_minutes=None)

    def __init__(self, name: str, path: Path) -> None:
        super().__init__(name)
        self.path = path
        self._lock = _LOCKS.setdefault(path.resolve(), threading.Lock())
        self._events: dict[str, _Held] | None = None
        self._stamp: tuple[int, int, int] | None = None
        self._batching = False

    @classmethod
    def from_config(cls, name: str, section: dict[str, Any], ctx: ConnectorContext) -> IcsConnector:
        """[calendars.NAME] kind = "ics", path = "calendars/jdoe.ics"."""
        raw = section.get("path")
        if not raw:
            raise PermanentError(f"[calendars.{name}] needs path = \"...ics\" for an .ics calendar.")
        p = Path(raw)
        return cls(name, p if p.is_absolute() else Path(ctx.config_dir) / p)

    # -- file I/O -------------------------------------------------------------------------------
    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return None
        return (st.st_mtime_ns, st.st_size, st.st_ino)

    def _load(self) -> dict[str, _Held]:
        # The file's events are kept between calls, but only while the file is exactly as docketd last
        # wrote it: a person (or another process) editing it is seen at once.
        if self._events is not None and (self._batching or self._file_stamp() == self._stamp):
            return self._events
        events: dict[str, _Held] = {}
        stamp = self._file_stamp()
        if stamp is not None:
            try:
                cal = icalendar.Calendar.from_ical(self.path.read_bytes())
            except (ValueError, OSError) as exc:
                raise PermanentError(
                    f"Calendar file {self.path} cannot be read ({exc}); move it aside and run "
                    "`docketd sync --once` to write it anew.") from None
            for comp in cal.walk("VEVENT"):
                events[parse_vevent(comp).uid] = _held(comp, bytes(comp.to_ical()))
        self._events = events
        self._stamp = stamp
        return events

    def _save(self) -> None:
        if self._batching or self._events is None:
            return
        # Assemble the file from kept VEVENT bytes: re-rendering thousands of events per write
        # made a large docket's all.ics the slowest part of a sync.
        order = sorted(self._events.items(), key=lambda kv: (kv[1].start, kv[0]))
        tzids = sorted({h.tzid for _, h in order if h.tzid})
        head = bytes(render_calendar([]).to_ical()).replace(b"END:VCALENDAR\r\n", b"")
        parts = [head, *(bytes(vtimezone_for(t).to_ical()) for t in tzids),
                 *(h.data for _, h in order), b"END:VCALENDAR\r\n"]
        atomic_write(self.path, b"".join(parts))
        self._stamp = self._file_stamp()

    # -- connector interface --------------------------------------------------------------------
    def _put(self, entry: CalendarEntry, previous: _Held | None) -> RemoteRef:
        seq = previous.sequence + 1 if previous is not None else 0
        comp = render_vevent(entry, seq)
        held = _held(comp, _rendered_bytes(entry, seq, comp))
        self._load()[entry.uid] = held
        self._save()
        return RemoteRef(ical_uid(entry.uid), held.remote.etag)

    def create(self, entry: CalendarEntry) -> RemoteRef:
        """Write the event; an existing docketd event with this uid is converged, not duplicated."""
        with self._lock:
            previous = self._load().get(entry.uid)
            if previous is not None and not previous.remote.managed:
                raise UnmanagedEvent(f"{self.path} holds event {entry.uid} that docketd did not write.")
            return self._put(entry, previous)

    def update(self, entry: CalendarEntry, ref: RemoteRef, force: bool = False) -> RemoteRef:
        """Rewrite the event, bumping SEQUENCE, if nobody edited it since `ref`."""
        with self._lock:
            previous = self._load().get(entry.uid)
            if previous is None:
                raise NotFound(f"Event {entry.uid} is not in {self.path}.")
            current = previous.remote
            if not current.managed:
                raise UnmanagedEvent(f"{self.path} holds event {entry.uid} that docketd did not write.")
            if not force and current.etag != ref.etag:
                if _etag(render_vevent(entry, previous.sequence)) == current.etag:
                    # docketd's own earlier write (its result never recorded, e.g. a kill -9): not a hand edit.
                    return RemoteRef(ical_uid(entry.uid), current.etag)
                raise EditConflict(f"Event {entry.uid} in {self.path} was edited by hand.", current)
            return self._put(entry, previous)

    def delete(self, uid: str, ref: RemoteRef | None) -> None:
        """Remove the event; already gone is success."""
        with self._lock:
            events = self._load()
            held = events.get(uid)
            if held is None:
                return
            if not held.remote.managed:
                raise UnmanagedEvent(f"{self.path} holds event {uid} that docketd did not write.")
            del events[uid]
            self._save()

    def get(self, uid: str) -> RemoteEvent | None:
        """The event with this identity, read from the file."""
        with self._lock:
            held = self._load().get(uid)
            return held.remote if held is not None else None

    def list_managed(self) -> list[RemoteEvent]:
        """Every docketd event in the file."""
        with self._lock:
            return [h.remote for h in self._load().values() if h.remote.managed]

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        """Apply many ops with one read and one atomic write of the file."""
        with self._lock:
            self._load()
        self._batching = True
        try:
            results = [run_op(self, op) for op in ops]
        finally:
            self._batching = False
        with self._lock:
            self._save()
        return results
