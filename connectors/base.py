"""The one interface every calendar connector implements.

Glossary
- entry: a `CalendarEntry` docketd wants in a calendar; `entry.uid` is its deterministic identity.
- ref: a `RemoteRef` (remote id + etag/changeKey) remembered from the last successful write.
- managed: an event docketd created (it carries docketd's identity marker); nothing else is touched.

Semantics every connector must honour (the contract suite in tests/contract checks them):
- `create(entry)` is idempotent: if an event with that identity exists (even cancelled), it is
  brought to `entry`'s content and returned; never a second copy.
- `update(entry, ref)` is conditional on `ref.etag`: if the remote event changed since docketd
  wrote it, it raises `EditConflict` carrying what is there now, unless `force=True`.
  If the event is gone, it raises `NotFound`.
- `delete(uid, ref)` treats "already gone" as success; it refuses to delete unmanaged events.
- `get(uid)` returns the event (cancelled ones with `cancelled=True`) or None.
- `list_managed()` returns only docketd's events.
- `apply(ops)` runs many ops, batching where the service allows; one op's failure is reported
  in its `OpResult`, never raised for the batch.
Errors: `TransientError` (retry later; the op stays in the outbox), `AuthError` (a person must
re-authorise; the op stays), `PermanentError` (the op cannot succeed as written).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, TextIO

from daemon.errors import DocketdError
from daemon.models import CalendarEntry, RemoteEvent, RemoteRef


class ConnectorError(DocketdError):
    """Base of every error a connector raises; the message is a sentence for a person."""


class TransientError(ConnectorError):
    """The service is down, slow or throttling; the same op may succeed later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthError(ConnectorError):
    """Credentials are missing, expired or revoked; the message names the command that fixes it."""


class PermanentError(ConnectorError):
    """The service refused the op for good (bad request, forbidden calendar)."""


class NotFound(ConnectorError):
    """The event is not in the calendar."""


class EditConflict(ConnectorError):
    """Someone changed or deleted docketd's event in the calendar since docketd wrote it."""

    def __init__(self, message: str, current: RemoteEvent | None) -> None:
        super().__init__(message)
        self.current = current


class UnmanagedEvent(PermanentError):
    """The event with that identity was not created by docketd; docketd will not touch it."""


@dataclass(frozen=True)
class Capabilities:
    """What a calendar can hold per event; the planner turns the rest into tickler entries."""

    max_reminders: int | None = None
    max_reminder_minutes: int | None = None
    timed_events: bool = True


@dataclass(frozen=True)
class Op:
    """One change for one calendar: create, update or delete an entry."""

    kind: str  # create | update | delete
    uid: str
    entry: CalendarEntry | None = None
    ref: RemoteRef | None = None
    force: bool = False


@dataclass(frozen=True)
class OpResult:
    """The outcome of one op: the new ref on success, or the error."""

    op: Op
    ref: RemoteRef | None = None
    error: ConnectorError | None = None


@dataclass(frozen=True)
class AuthRequest:
    """What `docketd auth KIND` hands a connector's sign-in: who signs in, for which [calendars.NAME]."""

    account: str
    calendar: str | None = None  # the --calendar the person named, if any
    port: int = 0  # Google's loopback redirect port when the section sets none; 0 picks a free one


class Connector(ABC):
    """A calendar docketd writes to. One instance per configured [calendars.NAME]."""

    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(self, name: str) -> None:
        self.name = name

    @classmethod
    def from_config(cls, name: str, section: dict[str, Any], ctx: ConnectorContext) -> Connector:
        """Build the connector from its [calendars.NAME] config section."""
        raise NotImplementedError(f"{cls.__name__} cannot be configured from a file")

    @classmethod
    def sign_in(cls, request: AuthRequest, section: dict[str, Any], ctx: ConnectorContext,
                out: TextIO) -> int | None:
        """`docketd auth KIND`: sign in (or check a login), report to `out`; exit code, or None if not needed."""
        return None

    @abstractmethod
    def create(self, entry: CalendarEntry) -> RemoteRef:
        """Create the entry (or converge an existing one with the same identity)."""

    @abstractmethod
    def update(self, entry: CalendarEntry, ref: RemoteRef, force: bool = False) -> RemoteRef:
        """Update the entry if it is unchanged since `ref`; raise EditConflict otherwise."""

    @abstractmethod
    def delete(self, uid: str, ref: RemoteRef | None) -> None:
        """Delete the entry; already gone is success."""

    @abstractmethod
    def get(self, uid: str) -> RemoteEvent | None:
        """Find an entry by its identity."""

    @abstractmethod
    def list_managed(self) -> list[RemoteEvent]:
        """Every event in this calendar that docketd created."""

    def apply(self, ops: Sequence[Op]) -> list[OpResult]:
        """Run ops one by one; connectors with batch endpoints override this."""
        results: list[OpResult] = []
        for op in ops:
            results.append(run_op(self, op))
        return results

    def close(self) -> None:  # noqa: B027 - optional hook; most connectors hold nothing to release
        """Release connections; the default has none."""


def run_op(connector: Connector, op: Op) -> OpResult:
    """Run one op against a connector, turning connector errors into an OpResult."""
    try:
        if op.kind == "create":
            assert op.entry is not None
            return OpResult(op, connector.create(op.entry))
        if op.kind == "update":
            assert op.entry is not None
            if op.ref is None:
                return OpResult(op, connector.create(op.entry))
            return OpResult(op, connector.update(op.entry, op.ref, force=op.force))
        if op.kind == "delete":
            connector.delete(op.uid, op.ref)
            return OpResult(op, None)
        raise ValueError(f"unknown op kind {op.kind!r}")
    except ConnectorError as exc:
        return OpResult(op, None, exc)


@dataclass(frozen=True)
class ConnectorContext:
    """What a connector may need from the daemon: where state and credentials live."""

    state_dir: str
    credentials_dir: str | None = None
    config_dir: str = "."
