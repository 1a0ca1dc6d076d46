"""An Excel workbook (or CSV) in a folder as the living intake list: re-read on change, never moved.

Statuses go to a sidecar `<name>.docketd-status.csv` beside the workbook, written atomically.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import os
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from daemon.docket import Docket, now_iso
from daemon.intake.csv_reader import read_csv
from daemon.intake.xlsx_reader import read_xlsx
from daemon.sources.mirror import PollResult, confirmation_pending, mirror
from daemon.sources.row_status import row_statuses

log = logging.getLogger(__name__)

SIDECAR_SUFFIX = ".docketd-status.csv"


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
        result, report, problem = mirror(self.docket, self.name, records, now, checksum, self.header_aliases,
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


