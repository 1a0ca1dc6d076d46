"""Records that flow through docketd: trigger events in, deadlines and calendar entries out.

Glossary
- TriggerEvent: one intake row, a thing that happened (or is set) in a matter.
- Deadline: one date a rule derives from a trigger, with citation and explanation.
- CalendarEntry: what one connector writes for one deadline (or follow-up / tickler).
- Flag: something a careful paralegal would raise about a deadline or matter.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

SERVICE_METHODS = (
    "personal",
    "electronic",
    "mail",
    "mail-out-of-state",
    "mail-international",
    "overnight",
    "fax",
    "clerk",
    "consent",
)

SEVERITIES = ("info", "warning", "critical")


@dataclass(frozen=True, slots=True)  # slots: one per intake row, built by engine/records.py's builder
class Provenance:
    """Where an intake row came from: file (or sheet), row number and file checksum."""

    source: str
    row: int
    checksum: str = ""
    received: date | None = None  # the day docketd first read the row (for "missed at intake")


@dataclass(frozen=True, slots=True)  # slots: one per intake row, built by engine/records.py's builder
class TriggerEvent:
    """One validated intake row: a matter event that may start deadlines running."""

    matter: str
    event: str
    date: date
    court: str | None = None
    time: time | None = None
    service: str | None = None
    ref: str | None = None
    title: str | None = None
    attorneys: tuple[str, ...] = ()
    paralegals: tuple[str, ...] = ()
    status: str = "open"
    notes: str | None = None
    provenance: Provenance | None = None
    case_number: str | None = None  # the court's docket number; links court e-mail notices to the matter
    timezone: str | None = None  # the zone of `time` when it is not the court's configured one (court notices)
    lower_court: str | None = None  # in a court of appeals: the district court whose judgment is appealed

    @property
    def instance(self) -> tuple[str, str, str]:
        """The trigger's identity: (matter, event, ref); a new row with the same one is a correction."""
        return (self.matter, self.event, self.ref or "")


@dataclass(frozen=True)
class Flag:
    """A problem worth a person's attention, with what to do about it."""

    kind: str
    severity: str
    message: str
    action: str = ""
    alternative: date | None = None

    def as_dict(self) -> dict[str, object]:
        """The flag as JSON-ready data."""
        return {
            "kind": self.kind,
            "severity": self.severity,
            "message": self.message,
            "action": self.action,
            "alternative": self.alternative.isoformat() if self.alternative else None,
        }


@dataclass(frozen=True, slots=True)  # slots: built by the engine ~100,000 times a second (records.py)
class Deadline:
    """A computed date under one rule for one trigger, with the steps that prove it."""

    # The field order is relied on: daemon/engine/rulebook.py builds deadlines positionally
    # (tests/unit/engine/test_records.py pins it).

    matter: str
    rule: str
    title: str
    due: date
    court: str
    citation: str
    trigger: TriggerEvent
    explanation: tuple[str, ...]
    cite_short: str = ""  # e.g. "FRCP 12(a)(1)(A)(i)" for calendar titles
    time: time | None = None
    flags: tuple[Flag, ...] = ()
    reminders: tuple[str, ...] = ()
    kind: str = "deadline"  # deadline | followup
    critical: bool = True
    timezone: str = "America/Los_Angeles"

    @property
    def key(self) -> str:
        """Stable identity: (matter, rule, trigger instance); the same key is always the same entry."""
        # Trigger.instance spelled out: read three times per deadline in a preview (issue 17). Not a
        # cached_property: a set attribute gives each record its own dict (daemon/engine/records.py).
        t = self.trigger
        return f"{t.matter}|{self.rule}|{t.event}|{t.ref or ''}"

    @property
    def label(self) -> str:
        """The short citation if the pack gives one, else the full citation."""
        return self.cite_short or self.citation

    def as_preview(self, flags: list[dict[str, object]] | None = None) -> dict[str, object]:
        """The `docketd preview --json` shape of this deadline (a stable contract); `flags`, already as
        dicts, in place of the deadline's own when given."""
        t = self.trigger
        return {
            "matter": self.matter,
            "rule": self.rule,
            "title": self.title,
            "kind": self.kind,
            "due": self.due.isoformat(),
            "time": self.time.strftime("%H:%M") if self.time else None,
            "court": self.court,
            "citation": self.citation,
            "trigger": {
                "event": t.event,
                "date": t.date.isoformat(),
                "ref": t.ref,
                "service": t.service,
            },
            "explanation": list(self.explanation),
            "flags": [f.as_dict() for f in self.flags] if flags is None else flags,
        }


def key_hash(key: str) -> str:
    """A 32-character lowercase hex digest of an identity key (valid as a Google id and a UID)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class CalendarEntry:
    """One event as a connector writes it. `uid` is derived from `key` and never changes."""

    key: str
    summary: str
    description: str
    start: date
    start_time: time | None = None
    duration_minutes: int = 60
    timezone: str = "America/Los_Angeles"
    reminders_minutes: tuple[int, ...] = ()
    attendees: tuple[str, ...] = ()
    urgency: str = "normal"  # normal | soon | critical | missed
    categories: tuple[str, ...] = ("Docket",)
    matter: str = ""
    rule: str = ""
    source: str = ""
    # When the content last changed (the VEVENT's DTSTAMP). Not content itself: not in content_hash.
    changed_at: datetime | None = None

    @property
    def uid(self) -> str:
        """Deterministic remote identity for this entry (hex, 32 chars)."""
        return key_hash(self.key)

    @property
    def all_day(self) -> bool:
        """True for date-only deadlines (written as all-day events)."""
        return self.start_time is None

    def content_hash(self) -> str:
        """Hash of everything rendered; unchanged hash means no API call is needed."""
        parts = [
            self.key,
            self.summary,
            self.description,
            self.start.isoformat(),
            self.start_time.isoformat() if self.start_time else "",
            str(self.duration_minutes),
            self.timezone,
            ",".join(str(m) for m in self.reminders_minutes),
            ",".join(self.attendees),
            self.urgency,
            ",".join(self.categories),
        ]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class RemoteRef:
    """What a connector remembers about an entry it wrote: its remote id and version tag."""

    remote_id: str
    etag: str = ""


@dataclass(frozen=True)
class RemoteEvent:
    """An event as read back from a calendar (to find drift and managed events)."""

    uid: str
    remote_id: str
    etag: str
    start: date
    summary: str
    start_time: time | None = None
    cancelled: bool = False
    managed: bool = True
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SyncRow:
    """What docketd last wrote for one entry in one calendar."""

    target: str
    uid: str
    key: str
    remote_id: str
    etag: str
    hash: str
    state: str
    last_sync: str
    entry: dict[str, Any]
    changed_at: str = ""  # when the entry's content last changed (its DTSTAMP); ISO 8601


@dataclass(frozen=True)
class OutboxRow:
    """One pending calendar change."""

    id: int
    target: str
    uid: str
    key: str
    op: str
    entry: dict[str, Any] | None
    force: bool
    attempts: int
    next_at: float
    last_error: str | None
    dead: bool


@dataclass(frozen=True)
class MatterFacts:
    """What the rows of one matter say about it, latest value winning."""

    matter: str
    title: str = ""
    court: str | None = None
    attorneys: tuple[str, ...] = ()
    paralegals: tuple[str, ...] = ()
    status: str = "open"
    notes: str = ""
    closed_on: str | None = None  # ISO day the matter was closed (the closing row's receipt day)
