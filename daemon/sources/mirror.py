"""What every mirrored intake source shares: the poll result, the confirmation check, the mirror step.

A source that cannot be read, or whose header lost a required column, is never mirrored: to
`daemon.sources.inbox.ingest_mirror` that would look like every row vanishing.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from daemon.docket import Docket
from daemon.intake import IntakeResult, RowError, parse_records
from daemon.intake.rows import column_of
from daemon.intake.table import Records
from daemon.intake.values import as_text
from daemon.sources.inbox import MirrorReport, event_checker, ingest_mirror
from daemon.state.mirrored import source_confirmed


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
    return source_confirmed(docket.store.db, name)


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
    guards = _typo_guards(docket, name, records, result, header_aliases)
    guarded = IntakeResult(triggers=result.triggers, errors=[*result.errors, *guards], rows=result.rows)
    report = ingest_mirror(docket, name, guarded, now, confirmed=confirmed,
                           vanish_share=float(vanish.get("vanish_share", 0.5)),
                           vanish_floor=int(vanish.get("vanish_floor", 5)))
    report.errors = [e for e in report.errors if not any(e is g for g in guards)]
    return result, report, None


def _typo_guards(docket: Docket, name: str, records: Records, result: IntakeResult,
                 header_aliases: dict[str, str]) -> list[RowError]:
    """Keep the deadlines of a known row that now has a mistake, wherever that row moved to.

    ingest_mirror spares a vanished trigger whose stored row number now holds a bad row (a typo in
    the matter or event cell leaves nothing else to link them). Row numbers move when rows above are
    inserted or deleted, so a moved row with a typo in its date would lose its deadlines. A bad row
    that still names a stored trigger (matter, event, ref as typed) therefore also guards it: a guard
    entry at the trigger's stored row number, removed from the report afterwards. When in doubt a
    deadline is kept; the bad row's status asks for the fix, and the next poll settles it.
    """
    bad_rows = {e.row for e in result.errors if e.row is not None}
    if not bad_rows:
        return []
    named: set[tuple[str, str, str]] = set()
    for number, row in enumerate(records.rows, start=records.first_row):
        if number not in bad_rows:
            continue
        cells = {column_of(str(k), header_aliases): as_text(v) for k, v in row.items()}
        matter, event = cells.get("matter", ""), re.sub(r"\s+", "_", cells.get("event", "").lower())
        if matter and event:
            named.add((matter, event, cells.get("ref", "")))
    accepted = {t.instance for t in result.triggers}
    guards: list[RowError] = []
    for instance, payload in docket.source_instances(name).items():
        row = json.loads(payload).get("row")
        if instance in named and instance not in accepted and isinstance(row, int):
            guards.append(RowError(name, row, None, "kept: the row is still there but has a mistake"))
    return guards


def fingerprint(rows: list[list[object]], skip_column: int | None) -> str:
    """A hash of a grid of cells, one column (docketd's own status column) left out."""
    cleaned = [[("" if i == skip_column else v) for i, v in enumerate(r)] for r in rows]
    return hashlib.sha256(json.dumps(cleaned, default=str, sort_keys=True).encode("utf-8")).hexdigest()


