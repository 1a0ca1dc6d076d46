"""An in-memory calendar: the test double, and the contract suite's first member."""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import Any

from connectors.base import (
    Capabilities,
    Connector,
    ConnectorContext,
    EditConflict,
    NotFound,
    UnmanagedEvent,
)
from daemon.models import CalendarEntry, RemoteEvent, RemoteRef


class MemoryConnector(Connector):
    """Keeps events in a dict keyed by uid; `edit_by_hand` simulates a person editing one."""

    capabilities = Capabilities(max_reminders=5, max_reminder_minutes=40320)

    def __init__(self, name: str = "memory") -> None:
        super().__init__(name)
        self.events: dict[str, RemoteEvent] = {}
        self.entries: dict[str, CalendarEntry] = {}
        self._versions = itertools.count(1)

    @classmethod
    def from_config(cls, name: str, section: dict[str, Any], ctx: ConnectorContext) -> MemoryConnector:
        """Build from config (no settings)."""
        return cls(name)

    def _store(self, entry: CalendarEntry) -> RemoteRef:
        etag = f'"{next(self._versions)}"'
        self.events[entry.uid] = RemoteEvent(
            uid=entry.uid,
            remote_id=entry.uid,
            etag=etag,
            start=entry.start,
            start_time=entry.start_time,
            summary=entry.summary,
        )
        self.entries[entry.uid] = entry
        return RemoteRef(entry.uid, etag)

    def create(self, entry: CalendarEntry) -> RemoteRef:
        """Create, or converge the existing event with this uid."""
        existing = self.events.get(entry.uid)
        if existing is not None and not existing.managed:
            raise UnmanagedEvent(f"Event {entry.uid} in {self.name} was not created by docketd.")
        return self._store(entry)

    def update(self, entry: CalendarEntry, ref: RemoteRef, force: bool = False) -> RemoteRef:
        """Update if unchanged since ref, else raise EditConflict."""
        existing = self.events.get(entry.uid)
        if existing is None:
            raise NotFound(f"Event {entry.uid} is not in {self.name}.")
        if not existing.managed:
            raise UnmanagedEvent(f"Event {entry.uid} in {self.name} was not created by docketd.")
        if not force and (existing.etag != ref.etag or existing.cancelled):
            raise EditConflict(f"Event {entry.uid} in {self.name} was changed by hand.", existing)
        return self._store(entry)

    def delete(self, uid: str, ref: RemoteRef | None) -> None:
        """Delete; already gone is success."""
        existing = self.events.get(uid)
        if existing is None or existing.cancelled:
            self.events.pop(uid, None)
            return
        if not existing.managed:
            raise UnmanagedEvent(f"Event {uid} in {self.name} was not created by docketd.")
        del self.events[uid]
        self.entries.pop(uid, None)

    def get(self, uid: str) -> RemoteEvent | None:
        """The event with this uid, or None."""
        return self.events.get(uid)

    def list_managed(self) -> list[RemoteEvent]:
        """All managed events."""
        return [e for e in self.events.values() if e.managed]

    # Test helpers: what a person (or another program) does to the calendar.
    def edit_by_hand(self, uid: str, **changes: Any) -> None:
        """Change an event as a person would, bumping its etag."""
        ev = self.events[uid]
        self.events[uid] = replace(ev, etag=f'"{next(self._versions)}"', **changes)

    def add_foreign(self, event: RemoteEvent) -> None:
        """Add an event docketd did not create."""
        self.events[event.uid] = replace(event, managed=False)
