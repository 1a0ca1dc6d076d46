"""What every mirrored intake source shares: the poll result, the confirmation check, the mirror step.

A source that cannot be read, or whose header lost a required column, is never mirrored: to
`daemon.pipeline.ingest_mirror` that would look like every row vanishing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from daemon.docket import Docket
from daemon.intake import IntakeResult, parse_records
from daemon.intake.table import Records
from daemon.pipeline import MirrorReport, event_checker, ingest_mirror


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


def mirror(docket: Docket, name: str, records: Records, now: datetime, checksum: str,
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


def fingerprint(rows: list[list[object]], skip_column: int | None) -> str:
    """A hash of a grid of cells, one column (docketd's own status column) left out."""
    cleaned = [[("" if i == skip_column else v) for i, v in enumerate(r)] for r in rows]
    return hashlib.sha256(json.dumps(cleaned, default=str, sort_keys=True).encode("utf-8")).hexdigest()


