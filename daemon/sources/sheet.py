"""A Google Sheet tab as the living intake list: polled, mirrored, with a status column written back.

Change detection: the Drive version (one small call), then a hash of the cells without the status
column, so docketd's own status writes never cause a re-apply (docs/sheets.md).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from connectors.base import PermanentError
from daemon.docket import Docket
from daemon.intake.rows import column_of, normalize_header
from daemon.intake.table import Records, records_from_table
from daemon.sources.mirror import PollResult, confirmation_pending, fingerprint, mirror
from daemon.sources.row_status import row_statuses
from daemon.state import flags

log = logging.getLogger(__name__)

DEFAULT_STATUS_COLUMN = "docketd"


class SheetSource:
    """A Google Sheet tab as the intake list: polled, mirrored, with a status column written back."""

    def __init__(self, name: str, client: Any, docket: Docket, *, status_column: str = DEFAULT_STATUS_COLUMN,
                 poll_seconds: float = 60.0, change_detection: str = "drive",
                 header_aliases: dict[str, str] | None = None, vanish: dict[str, Any] | None = None) -> None:
        if column_of(status_column) is not None:
            raise PermanentError(f"[sources.{name}] status_column = {status_column!r} is an intake column; "
                                 "name it something of docketd's own, e.g. \"docketd\".")
        self.name = name
        self.client = client
        self.docket = docket
        self.status_column = status_column
        self.poll_seconds = poll_seconds
        self.change_detection = change_detection
        self.header_aliases = header_aliases or {}
        self.vanish = vanish or {}
        self._version: str | None = None
        self._fingerprint: str | None = None
        self._warned_no_status = False
        self._write_flagged = False

    def poll(self, now: datetime, *, force: bool = False) -> PollResult:
        """Mirror the sheet if it changed (Drive version, then a hash of its cells); write statuses."""
        confirmed = confirmation_pending(self.docket, self.name)
        force = force or confirmed
        version: str | None = None
        if self.change_detection == "drive":
            try:
                version = self.client.version()
            except PermanentError as exc:
                log.warning("Intake sheet %s: no Drive version (%s); reading its cells every poll instead.",
                            self.name, exc)
                self.change_detection = "values"
            if version is not None and version == self._version and not force:
                return PollResult(self.name)
        values = self.client.read()
        header_index, status_index = self._columns(values.rows)
        cells_hash = fingerprint(values.rows, status_index)
        if cells_hash == self._fingerprint and not force:
            self._version = version  # only our own status write (or formatting) changed the version
            return PollResult(self.name)
        table = [self._typed(r, i, header_index, status_index, values.rows) for i, r in enumerate(values.rows)]
        records = records_from_table(table, self.name, first_number=values.first_row,
                                     header_aliases=self.header_aliases)
        result, report, problem = mirror(self.docket, self.name, records, now, cells_hash, self.header_aliases,
                                          confirmed, self.vanish)
        out = PollResult(self.name, read=True, report=report, problem=problem)
        if problem is not None:
            log.warning("Intake sheet %s was not applied: %s", self.name, problem)
            self._fingerprint = None  # read it again next poll
            return out
        assert result is not None and report is not None
        out.statuses = row_statuses(self.docket, report, records, now.date())
        out.written = self._write_back(values, records, status_index, out.statuses)
        self._version, self._fingerprint = version, cells_hash
        return out

    def _columns(self, rows: list[list[object]]) -> tuple[int | None, int | None]:
        """(index of the header row in `rows`, index of the status column) — header as records_from_table finds it."""
        probe = records_from_table(rows, self.name, header_aliases=self.header_aliases)
        if probe.header_row is None:
            return None, None
        header = rows[probe.header_row - 1]
        wanted = normalize_header(self.status_column)
        status = next((i for i, h in enumerate(header) if normalize_header(str(h)) == wanted), None)
        return probe.header_row - 1, status

    def _typed(self, row: list[object], index: int, header_index: int | None, status_index: int | None,
               rows: list[list[object]]) -> list[object]:
        """A row as intake sees it: the status column blanked below the header (it is docketd's own
        output, not intake) and serial numbers under date and time headers as dates and times."""
        from connectors.google.sheets import serial_to_date, serial_to_time

        out = list(row)
        if header_index is None or index <= header_index:
            return out
        header = rows[header_index]
        if status_index is not None and status_index < len(out):
            out[status_index] = None
        for i, value in enumerate(out):
            if i >= len(header) or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            column = column_of(str(header[i]), self.header_aliases)
            if column == "date":
                out[i] = serial_to_date(value)
            elif column == "time":
                out[i] = serial_to_time(value)
        return out

    def _write_back(self, values: Any, records: Records, status_index: int | None,
                    statuses: dict[int, str]) -> int:
        if status_index is None or records.header_row is None:
            if not self._warned_no_status:
                log.warning("Intake sheet %s has no %r column; add one (any position) and docketd will "
                            "report on each row there.", self.name, self.status_column)
                self._warned_no_status = True
            return 0
        first = records.header_row + 1
        last = values.first_row + len(values.rows) - 1
        current: list[str] = []
        for number in range(first, last + 1):
            row = values.rows[number - values.first_row]
            cell = row[status_index] if status_index < len(row) else ""
            current.append("" if cell is None else str(cell))
        wanted = [statuses.get(n, "") for n in range(first, last + 1)]
        changed = [i for i, (a, b) in enumerate(zip(current, wanted, strict=True)) if a != b]
        if not changed:
            return 0
        lo, hi = changed[0], changed[-1]
        try:
            self.client.write_column(values.tab, values.first_col + status_index, first + lo, wanted[lo:hi + 1])
        except PermanentError as exc:
            # Shared as Viewer (or the column protected): the rows are still docketed; say so once.
            self._flag_write_problem(exc)
            return 0
        if self._write_flagged:
            with self.docket.store.transaction() as db:
                flags.delete_kind(db, self.name, "source-status")
            self._write_flagged = False
        return hi - lo + 1

    def _flag_write_problem(self, exc: PermanentError) -> None:
        log.warning("Intake sheet %s: its rows are docketed but docketd cannot write their status: %s",
                    self.name, exc)
        if self._write_flagged:
            return
        with self.docket.store.transaction() as db:
            # The stamp SQLite's datetime('now') wrote here before issue 14: UTC, "YYYY-MM-DD HH:MM:SS".
            flags.upsert(db, scope=self.name, kind="source-status", severity="warning",
                         message=f"docketd reads intake sheet {self.name} but cannot write its status column: {exc}",
                         action="Share the sheet with docketd's account as Editor (or unprotect the status column).",
                         matter=None, stamp=datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S"))
        self._write_flagged = True


