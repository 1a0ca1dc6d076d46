"""Intake sources besides the inbox: a Google Sheet or an Excel workbook kept as the living intake list.

Mirror semantics: the source's rows are the current truth. Each poll that finds the source changed
hands all its rows to `daemon.pipeline.ingest_mirror`, which applies new and edited rows, withdraws
the future deadlines of rows that vanished, and holds back (with a `source-vanished` flag) when a
large share vanished at once until `docketd confirm-source NAME`. A source that cannot be read, or
whose header lost a required column, is never mirrored: that would look like every row vanishing.
Feedback goes where the paralegal works: the sheet's status column, or a sidecar CSV beside the
workbook (`<name>.docketd-status.csv`); docketd never edits any other cell and never moves a workbook.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from connectors.base import ConnectorContext, ConnectorError, PermanentError, TransientError
from daemon.config import Config, credentials_dir
from daemon.docket import Docket, now_iso
from daemon.intake import IntakeResult, parse_records
from daemon.intake.csv_reader import read_csv
from daemon.intake.rows import column_of, normalize_header
from daemon.intake.table import Records, records_from_table
from daemon.intake.xlsx_reader import read_xlsx
from daemon.pipeline import MirrorReport, event_checker, ingest_mirror
from daemon.source_status import row_statuses

log = logging.getLogger(__name__)

DEFAULT_STATUS_COLUMN = "docketd"
COMMON_KEYS = {"kind", "poll_seconds", "vanish_share", "vanish_floor"}
KNOWN_KEYS = {
    "google-sheet": {"spreadsheet_id", "range", "auth", "credentials", "subject", "token_file", "account",
                     "status_column", "change_detection", "api_endpoint", "drive_endpoint", "timeout_seconds",
                     "retry_budget_seconds", "retry_base_seconds", "requests_per_minute"},
    "excel": {"path", "sheet", "settle_seconds"},
}
SIDECAR_SUFFIX = ".docketd-status.csv"


@dataclass
class PollResult:
    """What one poll of a source did."""

    source: str
    read: bool = False  # False: unchanged since the last poll, nothing read or applied
    report: MirrorReport | None = None
    statuses: dict[int, str] = field(default_factory=dict)  # sheet row -> status text
    written: int = 0  # status cells (or sidecar lines) written
    problem: str | None = None  # why nothing was applied this time


class Source(Protocol):
    """A mirrored intake source the daemon polls."""

    name: str
    poll_seconds: float
    docket: Docket

    def poll(self, now: datetime, *, force: bool = False) -> PollResult:
        """Read the source if it changed and mirror its rows; `force` reads even if unchanged."""
        ...


def confirmation_pending(docket: Docket, name: str) -> bool:
    """True once `docketd confirm-source NAME` acknowledged this source's source-vanished flag."""
    row = docket.store.db.execute(
        "SELECT 1 FROM flags WHERE scope=? AND kind='source-vanished' AND acked_at IS NOT NULL", (name,)
    ).fetchone()
    return row is not None


def _mirror(docket: Docket, name: str, records: Records, now: datetime, checksum: str,
            header_aliases: dict[str, str], confirmed: bool, vanish: dict[str, Any]) -> tuple[
                IntakeResult | None, MirrorReport | None, str | None]:
    """Validate a source's rows and mirror them; (result, report, None) or (None, None, problem)."""
    fatal = [e for e in records.errors if e.row is None or e.row == records.header_row]
    if records.no_data:
        result = IntakeResult()  # every row is gone: a mirror's legitimate (and guarded) case
    elif fatal:
        return None, None, fatal[0].message
    else:
        result = parse_records(records.rows, name, first_row=records.first_row, header_aliases=header_aliases,
                               checksum=checksum, check_event=event_checker(docket))
        header_problems = [e for e in result.errors if e.row is None]
        if header_problems:
            return None, None, header_problems[0].message
        result.errors = sorted([*records.errors, *result.errors], key=lambda e: e.row or 0)
        result.rows += records.rejected
    report = ingest_mirror(docket, name, result, now, confirmed=confirmed,
                           vanish_share=float(vanish.get("vanish_share", 0.5)),
                           vanish_floor=int(vanish.get("vanish_floor", 5)))
    return result, report, None


def _fingerprint(rows: list[list[object]], skip_column: int | None) -> str:
    cleaned = [[("" if i == skip_column else v) for i, v in enumerate(r)] for r in rows]
    return hashlib.sha256(json.dumps(cleaned, default=str, sort_keys=True).encode("utf-8")).hexdigest()


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
        fingerprint = _fingerprint(values.rows, status_index)
        if fingerprint == self._fingerprint and not force:
            self._version = version  # only our own status write (or formatting) changed the version
            return PollResult(self.name)
        table = [self._typed(r, i, header_index, status_index, values.rows) for i, r in enumerate(values.rows)]
        records = records_from_table(table, self.name, first_number=values.first_row,
                                     header_aliases=self.header_aliases)
        result, report, problem = _mirror(self.docket, self.name, records, now, fingerprint, self.header_aliases,
                                          confirmed, self.vanish)
        out = PollResult(self.name, read=True, report=report, problem=problem)
        if problem is not None:
            log.warning("Intake sheet %s was not applied: %s", self.name, problem)
            self._fingerprint = None  # read it again next poll
            return out
        assert result is not None and report is not None
        out.statuses = row_statuses(self.docket, report, records, now.date())
        out.written = self._write_back(values, records, status_index, out.statuses)
        self._version, self._fingerprint = version, fingerprint
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
        from connectors.sheets import serial_to_date, serial_to_time

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
                db.execute("DELETE FROM flags WHERE scope=? AND kind='source-status'", (self.name,))
            self._write_flagged = False
        return hi - lo + 1

    def _flag_write_problem(self, exc: PermanentError) -> None:
        log.warning("Intake sheet %s: its rows are docketed but docketd cannot write their status: %s",
                    self.name, exc)
        if self._write_flagged:
            return
        with self.docket.store.transaction() as db:
            db.execute(
                "INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) "
                "VALUES (?, 'source-status', 'warning', ?, ?, NULL, datetime('now')) ON CONFLICT(scope, kind) "
                "DO UPDATE SET message=excluded.message, acked_at=NULL",
                (self.name, f"docketd reads intake sheet {self.name} but cannot write its status column: {exc}",
                 "Share the sheet with docketd's account as Editor (or unprotect the status column)."))
        self._write_flagged = True


class ExcelSource:
    """An Excel workbook (or CSV) in a folder as the intake list: re-read on change, never moved."""

    def __init__(self, name: str, path: Path, docket: Docket, *, sheet: str | None = None,
                 poll_seconds: float = 5.0, settle_seconds: float = 1.0,
                 header_aliases: dict[str, str] | None = None, vanish: dict[str, Any] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.path = path
        self.docket = docket
        self.sheet = sheet
        self.poll_seconds = poll_seconds
        self.settle_seconds = settle_seconds
        self.header_aliases = header_aliases or {}
        self.vanish = vanish or {}
        self._clock = clock
        self._applied: tuple[int, int, int] | None = None
        self._seen: tuple[tuple[int, int, int], float] | None = None

    @property
    def sidecar(self) -> Path:
        """Where statuses go: `<workbook name>.docketd-status.csv` beside the workbook."""
        return self.path.with_name(self.path.name + SIDECAR_SUFFIX)

    def poll(self, now: datetime, *, force: bool = False) -> PollResult:
        """Mirror the workbook once it changed and then stayed unchanged for settle_seconds."""
        confirmed = confirmation_pending(self.docket, self.name)
        force = force or confirmed
        try:
            st = self.path.stat()
        except FileNotFoundError:
            return PollResult(self.name, problem=f"The workbook {self.path} is missing; docketd keeps every "
                                                 "deadline until it is back (restore it, or fix `path`).")
        signature = (st.st_size, st.st_mtime_ns, st.st_ino)
        if signature == self._applied and not force:
            return PollResult(self.name)
        # Excel saves by writing a temp file and renaming it; wait until the file stops changing.
        if self._seen is None or self._seen[0] != signature:
            self._seen = (signature, self._clock())
        if self._clock() - self._seen[1] < self.settle_seconds and not force:
            return PollResult(self.name)
        try:
            data = self.path.read_bytes()
        except OSError as exc:
            return PollResult(self.name, problem=f"The workbook {self.path} cannot be read ({exc.strerror}); "
                                                 "check its permissions for docketd's user.")
        checksum = hashlib.sha256(data).hexdigest()
        if self.path.suffix.lower() in (".csv", ".tsv", ".txt"):
            records = read_csv(data, self.name, header_aliases=self.header_aliases)
        else:
            records = read_xlsx(data, self.name, sheet=self.sheet, header_aliases=self.header_aliases)
        result, report, problem = _mirror(self.docket, self.name, records, now, checksum, self.header_aliases,
                                          confirmed, self.vanish)
        out = PollResult(self.name, read=True, report=report, problem=problem)
        if problem is not None:
            log.warning("Intake workbook %s was not applied: %s", self.name, problem)
            out.written = self._write_sidecar(now, {}, problem)
            return out
        assert result is not None and report is not None
        out.statuses = row_statuses(self.docket, report, records, now.date())
        out.written = self._write_sidecar(now, out.statuses, None)
        self._applied = signature
        return out

    def _write_sidecar(self, now: datetime, statuses: dict[int, str], problem: str | None) -> int:
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["row", "status"])
        if problem is not None:
            writer.writerow(["", f"NOT READ: {problem}"])
        for row, text in sorted(statuses.items()):
            writer.writerow([row, text])
        text = buffer.getvalue()
        try:
            if self.sidecar.read_text(encoding="utf-8") == text:
                return 0
        except FileNotFoundError:
            pass
        _atomic_write(self.sidecar, text)
        log.info("Intake workbook %s: wrote %s at %s", self.name, self.sidecar.name, now_iso(now))
        return len(statuses) + (1 if problem else 0)


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def build_sources(config: Config, docket: Docket, ctx: ConnectorContext | None = None) -> list[Source]:
    """One Source per [sources.NAME] section; a section that cannot be built is logged and skipped."""
    from connectors.sheets import SheetsClient

    ctx = ctx or ConnectorContext(state_dir=str(config.state_dir),
                                  credentials_dir=str(credentials_dir()) if credentials_dir() else None,
                                  config_dir=str(config.base_dir))
    out: list[Source] = []
    for name, section in config.sources.items():
        known = KNOWN_KEYS.get(str(section.get("kind")), set()) | COMMON_KEYS
        for key in sorted(set(section) - known):
            log.warning("[sources.%s] has the key %r, which docketd does not use (a typo?); known keys: %s.",
                        name, key, ", ".join(sorted(known)))
        vanish = {k: section[k] for k in ("vanish_share", "vanish_floor") if k in section}
        try:
            if section.get("kind") == "google-sheet":
                out.append(SheetSource(
                    name, SheetsClient.from_config(name, section, ctx), docket,
                    status_column=str(section.get("status_column") or DEFAULT_STATUS_COLUMN),
                    poll_seconds=float(section.get("poll_seconds", 60)),
                    change_detection=str(section.get("change_detection", "drive")),
                    header_aliases=config.header_aliases, vanish=vanish))
            elif section.get("kind") == "excel":
                out.append(_excel(name, section, config, docket, vanish))
        except ConnectorError as exc:
            log.error("Intake source %s is not polled: %s", name, exc)
    return out


def _excel(name: str, section: dict[str, Any], config: Config, docket: Docket,
           vanish: dict[str, Any]) -> ExcelSource:
    raw = str(section.get("path") or "")
    if not raw:
        raise PermanentError(f"[sources.{name}] needs `path` = the workbook, e.g. \"/srv/docket/intake.xlsx\".")
    path = Path(raw).expanduser()
    path = path if path.is_absolute() else config.base_dir / path
    inbox = config.inbox.resolve()
    if path.resolve().parent == inbox:
        raise PermanentError(f"[sources.{name}] path {path} is inside the inbox, where dropped files are "
                             "moved away after reading; keep the workbook in another folder.")
    return ExcelSource(name, path, docket, sheet=str(section["sheet"]) if section.get("sheet") else None,
                       poll_seconds=float(section.get("poll_seconds", 5)),
                       settle_seconds=float(section.get("settle_seconds", 1)),
                       header_aliases=config.header_aliases, vanish=vanish)


FLAG_AFTER_TRANSIENT = 3  # consecutive failed polls before a passing outage becomes a flag


class Poller:
    """Polls each source when its interval has passed; one failing source never stops the others.

    A source that keeps failing (or cannot authenticate at all) raises a `source-failed` flag that
    `docketd status` shows; the first good poll clears it.
    """

    def __init__(self, sources: list[Source], clock: Callable[[], float] = time.monotonic) -> None:
        self.sources = sources
        self._clock = clock
        self._next: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._clean: set[str] = set()
        self.last: dict[str, PollResult] = {}

    def tick(self, now: datetime) -> None:
        """Poll every source that is due."""
        for source in self.sources:
            at = self._clock()
            if at < self._next.get(source.name, 0.0):
                continue
            self._next[source.name] = at + source.poll_seconds
            try:
                self.last[source.name] = source.poll(now)
            except ConnectorError as exc:
                failures = self._failures[source.name] = self._failures.get(source.name, 0) + 1
                log.warning("Intake source %s could not be read: %s", source.name, exc)
                if not isinstance(exc, TransientError) or failures >= FLAG_AFTER_TRANSIENT:
                    _raise_failure(source, exc, failures, now)
                    self._clean.discard(source.name)
                continue
            self._failures.pop(source.name, None)
            if source.name not in self._clean:
                with source.docket.store.transaction() as db:
                    db.execute("DELETE FROM flags WHERE scope=? AND kind='source-failed'", (source.name,))
                self._clean.add(source.name)


def _raise_failure(source: Source, exc: ConnectorError, failures: int, now: datetime) -> None:
    severity = "warning" if isinstance(exc, TransientError) else "critical"
    with source.docket.store.transaction() as db:
        db.execute(
            "INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) "
            "VALUES (?, 'source-failed', ?, ?, ?, NULL, ?) ON CONFLICT(scope, kind) DO UPDATE "
            "SET severity=excluded.severity, message=excluded.message, action=excluded.action, acked_at=NULL",
            (source.name, severity, f"Intake source {source.name} could not be read ({failures} polls in a row): "
                                    f"{exc}", "Fix what the message names; docketd keeps trying and keeps "
                                              "every deadline it has.", now_iso(now)))


def make_ticker(service: Any) -> Callable[[datetime], None] | None:
    """The daemon's hook (daemon.service TICKER_MODULES): a tick polling every configured source.

    After a config reload (SIGHUP) the service holds a new Docket; the sources are rebuilt from the
    new config on the next tick, so added, removed or edited [sources.*] sections take effect.
    """
    if not service.config.sources:
        return None
    state: dict[str, Any] = {"docket": None, "poller": None}

    def tick(now: datetime) -> None:
        if state["docket"] is not service.docket:
            state["docket"] = service.docket
            state["poller"] = Poller(build_sources(service.config, service.docket))
            service.source_poller = state["poller"]
        state["poller"].tick(now)

    tick.__name__ = "intake-sources"
    return tick


__all__ = ["ExcelSource", "PollResult", "Poller", "SheetSource", "Source", "build_sources", "make_ticker"]
