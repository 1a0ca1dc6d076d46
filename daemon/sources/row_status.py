"""The one-line status docketd reports for each row of a mirrored intake source (sheet or workbook).

Pure apart from reading the deadlines the docket just stored. Examples:
"docketed: 4 deadlines, next 2026-01-26 (frcp.answer)", "NOT docketed — date: '13/01/2026' reads as
day/month/year ...; fix the cell and docketd reads the row again".
"""

from __future__ import annotations

from datetime import date

from daemon.docket import Docket
from daemon.intake import RowError
from daemon.intake.table import Records
from daemon.intake.values import as_text
from daemon.models import TriggerEvent
from daemon.sources.inbox import MirrorReport
from daemon.state.mirrored import entries_of_matter

MAX_STATUS_CHARS = 1000  # keep a cell readable; the full report is in the daemon's log


def deadlines_of(docket: Docket, trigger: TriggerEvent) -> list[tuple[date, str, str]]:
    """(due, rule, kind) of every stored entry computed from this trigger instance, earliest first."""
    matter, event, ref = trigger.instance
    found: list[tuple[date, str, str]] = []
    for entry in entries_of_matter(docket.store.db, matter):
        parts = entry.key.split("|")
        # Deadline.key is "matter|rule|event|ref"; intake refuses '|' in matter and ref, so this split is exact.
        if len(parts) == 4 and parts[2] == event and parts[3] == ref:
            found.append((date.fromisoformat(entry.due[:10]), parts[1], entry.kind))
    return sorted(found)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def docketed_text(entries: list[tuple[date, str, str]], today: date) -> str:
    """'docketed: N deadlines, next DATE (rule); M follow-ups' or the all-past / none variants."""
    deadlines = [e for e in entries if e[2] == "deadline"]
    followups = len(entries) - len(deadlines)
    main = deadlines or entries
    if not main:
        return "docketed: no deadlines follow from this event under the court's rules"
    word = "deadline" if deadlines else "follow-up"
    upcoming = [e for e in main if e[0] >= today]
    if upcoming:
        text = f"docketed: {_count(len(main), word)}, next {upcoming[0][0].isoformat()} ({upcoming[0][1]})"
    else:
        text = f"docketed: {_count(len(main), word)}, all before today (last {main[-1][0].isoformat()})"
    return text + (f"; {_count(followups, 'follow-up')}" if deadlines and followups else "")


def error_text(errors: list[RowError]) -> str:
    """'NOT docketed — column: message | ...' with the fix in each message."""
    parts = [f"{e.column}: {e.message}" if e.column else e.message for e in errors]
    text = "NOT docketed — " + " | ".join(parts) + " (fix the cell; docketd reads the row again)"
    return text if len(text) <= MAX_STATUS_CHARS else text[: MAX_STATUS_CHARS - 1] + "…"


def row_statuses(docket: Docket, report: MirrorReport, records: Records, today: date) -> dict[int, str]:
    """Status text for every non-blank row of the source, keyed by its row number."""
    errors: dict[int, list[RowError]] = {}
    for error in report.errors:
        if error.row is not None:
            errors.setdefault(error.row, []).append(error)
    accepted = {t.provenance.row: t for t in report.good if t.provenance is not None}
    statuses: dict[int, str] = {}
    for number, row in enumerate(records.rows, start=records.first_row):
        if number in errors:
            statuses[number] = error_text(errors[number])
        elif number in accepted:
            trigger = accepted[number]
            if trigger.status == "closed":
                statuses[number] = f"closed: the future deadlines of matter {trigger.matter} are withdrawn"
            else:
                statuses[number] = docketed_text(deadlines_of(docket, trigger), today)
        elif any(as_text(v) for v in row.values()):
            statuses[number] = "counted once: this row repeats an earlier row"
    return statuses
