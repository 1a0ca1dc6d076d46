"""Intake file -> store -> outbox, then the file moves to processed/ or rejected/ with a report.

Crash safety: the rows, deadlines and outbox are committed in one transaction together with the
file's checksum; the file is moved only after that commit. A file found in the inbox whose checksum
is already recorded was committed before a crash and is only moved, never applied twice.
Nothing a user dropped is ever deleted: files are moved (renamed), never unlinked.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from daemon.docket import Docket, RecomputeReport, now_iso
from daemon.intake import IntakeResult, RowError, read_intake
from daemon.models import Provenance, TriggerEvent
from daemon.planner import MatterFacts

MAX_CHECKSUM_BYTES = 512 * 1024 * 1024
CROSS_DIRTY = "cross_dirty"  # kv key: set when cross-matter flags need a refresh
REPORT_MODE = 0o640  # .errors.txt beside a rejected file: the docket group reads it, the world does not


@dataclass
class FileReport:
    """What happened to one dropped file."""

    name: str
    status: str  # processed | rejected | partial | duplicate
    rows: int = 0
    accepted: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    moved_to: Path | None = None
    recompute: RecomputeReport | None = None

    def summary(self) -> str:
        """One line for logs and the CLI."""
        where = f" -> {self.moved_to}" if self.moved_to else ""
        return (f"{self.name}: {self.status}, {len(self.accepted)} of {self.rows} rows accepted, "
                f"{len(self.errors)} problems{where}")


def file_checksum(path: Path) -> str:
    """sha256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def event_checker(docket: Docket) -> Callable[[str, str], str | None]:
    """check_event for the intake readers: is the court known, and does its pack know the event?"""
    courts = set(docket.rules.court_ids())

    def check(court: str, event: str) -> str | None:
        if not court:
            return None  # the court may come from an earlier row of the matter; checked after resolution
        if court not in courts:
            return (f"court {court!r} is not configured; use one of {', '.join(sorted(courts))} "
                    "or add the court to your config folder.")
        if event not in docket.rules.events_for(court):
            known = ", ".join(sorted(docket.rules.events_for(court)))
            return f"event {event!r} is not a trigger in {court}'s rules; use one of: {known}."
        return None

    return check


def resolve_rows(docket: Docket, result: IntakeResult, received: date) -> tuple[list[TriggerEvent],
                                                                                  list[RowError]]:
    """Fill courts from earlier rows of the same matter, check events, stamp the day received."""
    good: list[TriggerEvent] = []
    errors: list[RowError] = []
    pending: dict[str, MatterFacts] = {}
    check = event_checker(docket)
    for t in result.triggers:
        prov = t.provenance or Provenance("?", 0)
        court = docket.resolve_court(t, pending)
        if not court:
            errors.append(RowError(prov.source, prov.row, "court",
                                   f"matter {t.matter} has no court in this row or any earlier row; "
                                   "fill the court column (e.g. federal, cand, ca-superior)."))
            continue
        problem = check(court, t.event)
        if problem:
            errors.append(RowError(prov.source, prov.row, "event" if "event" in problem[:6] else "court",
                                   problem))
            continue
        pending[t.matter] = MatterFacts(t.matter, court=court)
        good.append(replace(t, provenance=replace(prov, received=prov.received or received)))
    return good, errors


def _unique(dest_dir: Path, name: str) -> Path:
    dest_dir.mkdir(parents=True, exist_ok=True)
    candidate = dest_dir / name
    stem, suffix = os.path.splitext(name)
    n = 1
    while candidate.exists():
        candidate = dest_dir / f"{stem}.{n}{suffix}"
        n += 1
    return candidate


def as_text(name: str) -> str:
    """A file name or path as storable text: bytes that are not UTF-8 (possible on Linux) show as U+FFFD."""
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def display_name(path: Path) -> str:
    """The file's name as storable text (see `as_text`)."""
    return as_text(path.name)


def _report_text(report: FileReport, path: Path) -> str:
    lines = [f"docketd could not use all of {display_name(path)}.", ""]
    if report.accepted:
        rows = ", ".join(str(r) for r in report.accepted)
        lines.append(f"Rows accepted and docketed: {rows}.")
    else:
        lines.append("No rows were docketed from this file.")
    lines += ["", "Problems (fix them and drop the corrected rows again; accepted rows need not be re-sent):"]
    for e in report.errors:
        where = f"row {e.row}" if e.row is not None else "file"
        col = f", column {e.column}" if e.column else ""
        lines.append(f"- {display_name(path)}, {where}{col}: {e.message}")
    return "\n".join(lines) + "\n"


def write_report(path: Path, text: str) -> None:
    """Write an error report readable by the shared folder's group, never by the world (mode 0640)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, REPORT_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        os.fchmod(f.fileno(), REPORT_MODE)  # whatever the umask, and for a report written over an old one
        f.write(text)


def move_done(docket: Docket, path: Path, report: FileReport) -> None:
    """Move the file to processed/ or rejected/ (with its .errors.txt); never delete it."""
    cfg = docket.config
    if report.errors:
        dest = _unique(cfg.rejected_dir, path.name)
        write_report(dest.parent / f"{dest.name}.errors.txt", _report_text(report, path))
    else:
        dest = _unique(cfg.processed_dir, path.name)
    os.replace(path, dest)
    report.moved_to = dest


def ingest_file(docket: Docket, path: Path, now: datetime, *, cross: bool = True) -> FileReport:
    """Read one dropped file, commit its good rows and their calendar work, then move it.

    cross=False leaves the cross-matter flags to a later `refresh` (the daemon does it once per loop
    turn, not once per file) and marks them stale in the store so a crash cannot lose the refresh.
    """
    store = docket.store
    checksum = file_checksum(path)
    prior = store.file_status(checksum)
    if prior == "processed":
        # Fully applied before (a crash before the move, or the same file dropped again): move only, so
        # an old file dropped again cannot undo a later correction. A file that had problems is read
        # again: the user may have fixed the config (a court, a header alias) and re-dropped it; its good
        # rows are the same facts and change nothing.
        report = FileReport(display_name(path), "duplicate")
        move_done(docket, path, report)
        return report
    result = read_intake(path, header_aliases=docket.config.header_aliases, check_event=event_checker(docket))
    good, late_errors = resolve_rows(docket, result, now.date())
    errors = sorted([*result.errors, *late_errors], key=lambda e: (e.row or 0, e.column or ""))
    report = FileReport(display_name(path), "processed", rows=result.rows,
                        accepted=sorted({t.provenance.row for t in good if t.provenance}), errors=errors)
    if errors:
        report.status = "partial" if good else "rejected"
    stamp = now_iso(now)
    with store.transaction() as db:
        matters = docket.store_triggers(db, good, stamp)
        report.recompute = docket.recompute(db, matters, now.date(), stamp, cross=cross)
        if not cross:
            docket.store.set_kv(db, CROSS_DIRTY, "1")
        db.execute("INSERT INTO files (checksum, name, received_at, status, rows, errors) VALUES (?, ?, ?, ?, ?, ?) "
                   "ON CONFLICT(checksum) DO UPDATE SET name=excluded.name, received_at=excluded.received_at, "
                   "status=excluded.status, rows=excluded.rows, errors=excluded.errors, moved_to=NULL",
                   (checksum, display_name(path), stamp, report.status, result.rows, len(errors)))
    move_done(docket, path, report)
    with store.transaction() as db:
        db.execute("UPDATE files SET moved_to=? WHERE checksum=?", (as_text(str(report.moved_to)), checksum))
    return report


def preview_files(docket: Docket, paths: Sequence[Path], today: date) -> tuple[list[dict[str, object]],
                                                                               list[RowError]]:
    """Compute deadlines for files without touching the store or any calendar."""
    out: list[dict[str, object]] = []
    errors: list[RowError] = []
    from daemon.flags import all_flags
    from daemon.planner import merge_facts, plan_matter

    for path in paths:
        result = read_intake(path, header_aliases=docket.config.header_aliases,
                             check_event=event_checker(docket))
        good, late = resolve_rows(docket, result, today)
        errors += result.errors + late
        facts: dict[str, MatterFacts] = {}
        for t in good:
            facts[t.matter] = merge_facts(t.matter, facts.get(t.matter), [t])
        for t in good:
            try:
                deadlines = plan_matter([t], facts[t.matter], docket.rules, today)
            except Exception as exc:  # noqa: BLE001 - reported as the row's error
                prov = t.provenance
                errors.append(RowError(prov.source if prov else str(path), prov.row if prov else None,
                                       "event", f"could not compute deadlines: {exc}"))
                continue
            flags_of = all_flags(deadlines, today, courts=docket.rules)
            for d in deadlines:
                item = d.as_preview()
                item["flags"] = [f.as_dict() for f in flags_of.get(d.key, ())]
                out.append(item)
    return out, errors


@dataclass
class MirrorReport:
    """What one poll of a mirrored intake source (a sheet or workbook) changed."""

    source: str
    rows: int = 0
    changed: int = 0
    withdrawn: int = 0
    held_back: int = 0
    errors: list[RowError] = field(default_factory=list)
    good: list[TriggerEvent] = field(default_factory=list)
    recompute: RecomputeReport | None = None


def ingest_mirror(docket: Docket, source: str, result: IntakeResult, now: datetime, *,
                  confirmed: bool = False, vanish_share: float = 0.5, vanish_floor: int = 5,
                  cross: bool = True) -> MirrorReport:
    """Make a mirrored source's rows the current truth: new/edited rows apply, vanished rows withdraw.

    If a large share of the source's rows vanish at once (a broken filter), or every row does however
    few there were (a cleared tab), nothing is withdrawn: a `source-vanished` flag asks a person to
    run `docketd confirm-source NAME`.
    """
    good, late = resolve_rows(docket, result, now.date())
    report = MirrorReport(source, rows=result.rows, errors=[*result.errors, *late], good=good)
    previous = docket.source_instances(source)
    current = {t.instance: t for t in good}
    vanished = [i for i in previous if i not in current]
    # Rows with errors are not "vanished": a typo in one cell must not withdraw that row's deadlines.
    bad_rows = {e.row for e in report.errors}
    vanished = [i for i in vanished if _row_of(previous[i]) not in bad_rows]
    changed = []
    for t in good:
        old = previous.get(t.instance)
        if old is None or _same_row(old, t) is False:
            changed.append(t)
    report.changed = len(changed)
    stamp = now_iso(now)
    # A source that goes from rows to none (a cleared sheet, the wrong tab) is the classic accident:
    # held whatever the floor, like vdirsyncer's refusal to sync an emptied storage (issue 19).
    emptied = bool(vanished) and not current and len(vanished) == len(previous)
    held = not confirmed and (emptied or (len(previous) >= vanish_floor
                                          and len(vanished) > vanish_share * len(previous)))
    with docket.store.transaction() as db:
        matters = docket.store_triggers(db, changed, stamp, source=source)
        if held:
            report.held_back = len(vanished)
            db.execute(
                "INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) "
                "VALUES (?, 'source-vanished', 'critical', ?, ?, NULL, ?) ON CONFLICT(scope, kind) DO UPDATE "
                "SET message=excluded.message, acked_at=NULL",
                (source, (f"Intake source {source} is now empty: all {len(vanished)} of its rows vanished at "
                          "once; their deadlines were kept." if emptied else
                          f"{len(vanished)} of {len(previous)} rows vanished from intake source {source} at "
                          "once; their deadlines were kept."),
                 f"If the rows were removed on purpose, run `docketd confirm-source {source}`; otherwise "
                 "restore the rows (check filters and the tab).", stamp))
        else:
            matters |= docket.withdraw_triggers(db, vanished)
            report.withdrawn = len(vanished)
            db.execute("DELETE FROM flags WHERE scope=? AND kind='source-vanished'", (source,))
        if matters:
            report.recompute = docket.recompute(db, matters, now.date(), stamp, cross=cross)
            if not cross:
                docket.store.set_kv(db, CROSS_DIRTY, "1")
    return report


def _row_of(payload: str) -> int | None:
    import json

    return json.loads(payload).get("row")


def _same_row(old_payload: str, t: TriggerEvent) -> bool:
    import json

    from daemon.docket import same_facts

    return same_facts(json.loads(old_payload), t)
