"""Intake file -> store -> outbox, then the file moves to processed/ or rejected/ with a report.

Crash safety: the rows, deadlines and outbox are committed in one transaction together with the
file's checksum; the file is moved only after that commit. A file found in the inbox whose checksum
is already recorded was committed before a crash and is only moved, never applied twice.
Nothing a user dropped is ever deleted: files are moved (renamed), never unlinked.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from operator import attrgetter
from pathlib import Path

from daemon.cross_flags import mark_dirty
from daemon.docket import Docket, RecomputeReport, now_iso
from daemon.engine.records import builder
from daemon.intake import IntakeResult, RowError, parse_intake, read_intake
from daemon.models import Deadline, Flag, Provenance, TriggerEvent
from daemon.planning.flags import Flagger
from daemon.planning.planner import MatterFacts
from daemon.planning.trigger_cache import CachedRules
from daemon.sources.dropped_file import NotIntake, NotReady, Snapshot, move_checked, still_there, take_snapshot
from daemon.state import files, flags

MAX_CHECKSUM_BYTES = 512 * 1024 * 1024
REPORT_MODE = 0o640  # .errors.txt beside a rejected file: the docket group reads it, the world does not
MAX_REPORT_LINE = 400  # a report quotes the cell it is about, never pages of a file
_trigger = builder(TriggerEvent)
_provenance = builder(Provenance)
_TRIGGER_FIELDS = tuple(f.name for f in fields(TriggerEvent))
_trigger_fields = attrgetter(*_TRIGGER_FIELDS)  # every field in order (TriggerEvent has slots: no vars())
_PROVENANCE = _TRIGGER_FIELDS.index("provenance")


@dataclass
class FileReport:
    """What happened to one dropped file."""

    name: str
    status: str  # processed | rejected | partial | duplicate | waiting | skipped
    rows: int = 0
    accepted: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    moved_to: Path | None = None
    recompute: RecomputeReport | None = None
    note: str = ""  # why a file waits or was skipped, or was replaced after the read

    def summary(self) -> str:
        """One line for logs and the CLI."""
        where = f" -> {self.moved_to}" if self.moved_to else ""
        if self.status in ("waiting", "skipped"):
            return f"{self.name}: {self.status}; {self.note}"
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
    """check_event for the intake readers: is the court known, and does its pack know the event?

    Answered once per (court, event) for the checker's life (one file): rows repeat them (issue 17).
    """
    courts = set(docket.rules.court_ids())
    answers: dict[tuple[str, str], str | None] = {}

    def problem(court: str, event: str) -> str | None:
        if court not in courts:
            return (f"court {court!r} is not configured; use one of {', '.join(sorted(courts))} "
                    "or add the court to your config folder.")
        if event not in docket.rules.events_for(court):
            known = ", ".join(sorted(docket.rules.events_for(court)))
            return f"event {event!r} is not a trigger in {court}'s rules; use one of: {known}."
        return None

    def check(court: str, event: str) -> str | None:
        if not court:
            return None  # the court may come from an earlier row of the matter; checked after resolution
        pair = (court, event)
        if pair not in answers:
            answers[pair] = problem(court, event)
        return answers[pair]

    return check


def resolve_rows(docket: Docket, result: IntakeResult, received: date) -> tuple[list[TriggerEvent],
                                                                                  list[RowError]]:
    """Fill courts from earlier rows of the same matter, check events, stamp the day received."""
    good: list[TriggerEvent] = []
    errors: list[RowError] = []
    pending: dict[str, str] = {}  # the court of each matter's accepted rows so far
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
        pending[t.matter] = court
        if prov is t.provenance and prov.received is not None:
            good.append(t)  # stamped when read (preview_files): the trigger as it would be rebuilt
            continue
        # What dataclasses.replace gives, twice per row, without its per-call field introspection (issue 17).
        stamped = _provenance(prov.source, prov.row, prov.checksum, prov.received or received)
        values = _trigger_fields(t)
        good.append(_trigger(*values[:_PROVENANCE], stamped, *values[_PROVENANCE + 1:]))
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
        message = e.message if len(e.message) <= MAX_REPORT_LINE else e.message[:MAX_REPORT_LINE] + "…"
        lines.append(f"- {display_name(path)}, {where}{col}: {message}")
    return "\n".join(lines) + "\n"


def write_report(dest: Path, text: str) -> None:
    """Write an .errors.txt report readable by owner and group only (0640): it may quote cells."""
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, REPORT_MODE)
    try:
        os.fchmod(fd, REPORT_MODE)  # whatever the umask, and for a report written over an old one
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def _destination(docket: Docket, path: Path, report: FileReport) -> Path:
    cfg = docket.config
    return _unique(cfg.rejected_dir if report.errors else cfg.processed_dir, path.name)


def move_done(docket: Docket, path: Path, report: FileReport, snap: Snapshot | None = None) -> bool:
    """Move the file to processed/ or rejected/ (with its .errors.txt); never delete it.

    With a snapshot, only the very file that was read is moved (see daemon.sources.dropped_file.move_checked);
    False means the path now holds another file, which stays in the inbox to be read as itself.
    """
    dest = _destination(docket, path, report)
    if snap is not None:
        if not move_checked(snap, dest):
            return False
    else:
        os.replace(path, dest)
    if report.errors:
        write_report(dest.parent / f"{dest.name}.errors.txt", _report_text(report, path))
    report.moved_to = dest
    return True


READ_ATTEMPTS = 3


def ingest_file(docket: Docket, path: Path, now: datetime, *, cross: bool = True,
                quiet_seconds: float = 10.0, unclosed: bool = False) -> FileReport:
    """Read one dropped file, commit its good rows and their calendar work, then move it.

    Status "waiting" (still being written: try later) and "skipped" (a symbolic link or not a regular
    file: left alone) touch nothing. cross=False leaves the cross-matter flags to a later `refresh`
    (the daemon does it once per loop turn, not once per file) and marks them stale in the store so
    a crash cannot lose the refresh. unclosed: the watcher saw the file modified and not closed since
    (see daemon.sources.dropped_file.hold_reason).
    """
    if path.suffix.lower() == ".eml":  # a court e-mail notice saved by a mail rule (docs/notices.md)
        from daemon.sources.notices.inbox import ingest_notice_file

        return ingest_notice_file(docket, path, now)
    store = docket.store
    for _ in range(READ_ATTEMPTS):
        try:
            snap = take_snapshot(path, quiet_seconds=quiet_seconds, unclosed=unclosed)
        except NotReady as exc:
            return FileReport(display_name(path), "waiting", note=str(exc))
        except NotIntake as exc:
            return FileReport(display_name(path), "skipped", note=str(exc))
        claim = files.seen(store.db, snap.checksum)
        if claim is not None and claim[0] == "processed":
            # Fully applied before (a crash before the move, or the same file dropped again): move only, so
            # an old file dropped again cannot undo a later correction. A file that had problems is read
            # again: the user may have fixed the config (a court, a header alias) and re-dropped it; its
            # good rows are the same facts and change nothing.
            report = FileReport(display_name(path), "duplicate")
            if _move_duplicate(docket, path, report, snap):
                return report
            continue
        result = parse_intake(snap.data, path.name, size=snap.size if snap.too_large else None,
                              header_aliases=docket.config.header_aliases, check_event=event_checker(docket))
        if not still_there(snap):
            continue  # replaced or rewritten while parsed: read what is there now
        return _commit(docket, path, snap, result, now, cross, claim)
    return FileReport(display_name(path), "waiting", note=f"{display_name(path)} kept changing while it was read; "
                      "it is read again once it stays unchanged.")


def _move_duplicate(docket: Docket, path: Path, report: FileReport, snap: Snapshot) -> bool:
    """Move a file already handled; False when the path holds another file now. Gone = moved by another
    instance of the same docket (a shared inbox): done."""
    try:
        return move_done(docket, path, report, snap) or not os.path.lexists(path)
    except FileNotFoundError:
        return True


def _commit(docket: Docket, path: Path, snap: Snapshot, result: IntakeResult, now: datetime,
            cross: bool, claim: tuple[str, str] | None) -> FileReport:
    store = docket.store
    checksum = snap.checksum
    good, late_errors = resolve_rows(docket, result, now.date())
    errors = sorted([*result.errors, *late_errors], key=lambda e: (e.row or 0, e.column or ""))
    report = FileReport(display_name(path), "processed", rows=result.rows,
                        accepted=sorted({t.provenance.row for t in good if t.provenance}), errors=errors)
    if errors:
        report.status = "partial" if good else "rejected"
    stamp = now_iso(now)
    with store.transaction() as db:
        if files.seen(db, checksum) != claim:
            # Another instance on the same docket committed this very file since it was read here: it is
            # done (exactly once); only the move is left, which that instance has probably made already.
            handled = FileReport(display_name(path), "duplicate", note=f"{display_name(path)} was read by "
                                 "another docketd instance of this docket.")
            return handled if _move_duplicate(docket, path, handled, snap) else FileReport(
                display_name(path), "waiting", note=f"{display_name(path)} was replaced; it is read again.")
        matters = docket.store_triggers(db, good, stamp)
        report.recompute = docket.recompute(db, matters, now.date(), stamp, cross=cross)
        if not cross:
            mark_dirty(db, report.recompute.scope)
        files.record(db, checksum=checksum, name=display_name(path), stamp=stamp, status=report.status,
                     rows=result.rows, errors=len(errors))
    try:
        moved = move_done(docket, path, report, snap)
    except FileNotFoundError:
        moved = False
    if not moved and not os.path.lexists(path):
        report.note = f"{display_name(path)} was moved by another docketd instance of this docket."
        return report
    if not moved:
        # The rows read are committed under the checksum of the bytes read; what is at the path now is
        # another file (or the same one rewritten), left in the inbox to be read as the file it is.
        report.note = f"{display_name(path)} was replaced after it was read; the new file is read next."
        return report
    with store.transaction() as db:
        files.set_moved_to(db, checksum, as_text(str(report.moved_to)))
    return report


def reject_unreadable(docket: Docket, path: Path, exc: BaseException, now: datetime) -> FileReport:
    """Set aside a file that could not be read after retries: rejected/ with a report, and a files row.

    A file docketd may not open (mode 000, another owner) is moved, not held: the rejected folder and
    its report are where a person looks for a drop that did not work, and the row shows in `status`.
    """
    name = display_name(path)
    if isinstance(exc, PermissionError):
        try:
            st = os.lstat(path)
            detail = f" (mode {stat.S_IMODE(st.st_mode):03o}, owner uid {st.st_uid})"
        except OSError:
            detail = ""
        message = (f"docketd may not read this file: permission denied{detail}. Give the docketd service "
                   f"user read access (e.g. chmod 644 \"{name}\"), then drop it again.")
    else:
        message = (f"docketd could not process this file ({type(exc).__name__}: {exc}); check the file "
                   "opens, then drop it again. If it keeps failing, send it with the daemon log to support.")
    report = FileReport(name, "rejected", errors=[RowError(name, None, None, message)])
    try:
        st = os.lstat(path)
        key = f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{name}"
    except OSError:
        key = f"{name}:{now_iso(now)}"
    # Its bytes could not be read, so its key is not a content checksum: a readable copy dropped
    # later has another key and is read normally.
    checksum = "unreadable:" + hashlib.sha256(key.encode()).hexdigest()
    move_done(docket, path, report)
    with docket.store.transaction() as db:
        files.record_unreadable(db, checksum=checksum, name=name, stamp=now_iso(now),
                                moved_to=as_text(str(report.moved_to)))
    return report


def preview_files(docket: Docket, paths: Sequence[Path], today: date) -> tuple[Iterator[dict[str, object]],
                                                                               list[RowError]]:
    """Compute deadlines for files without touching the store or any calendar: each deadline's dict (as
    `Deadline.as_preview` gives it), made one by one as they are read, and the errors (complete on return).

    The flags are the daemon's: each deadline's own, and the cross-matter ones (conflicts, absences)
    over every deadline of the files, from the same pure functions the daemon stores them with. A
    10,000-row preview has 21,000 dicts; written as they are made (`docketd preview --json`), they need
    not all be held at once (issue 17: 13 MB, and page faults that cost a tenth of the command's time).
    """
    errors: list[RowError] = []
    from daemon.engine.errors import NotComputed
    from daemon.planning.conflicts import deadline_cross_flags
    from daemon.planning.planner import merge_facts, plan_matter

    rules = CachedRules(docket.rules)  # rows repeat court, event, date and service (issue 17)
    every: list[Deadline] = []
    ends: list[int] = []  # where each row's deadlines end in `every`
    every_facts: dict[str, MatterFacts] = {}
    for path in paths:
        result = read_intake(path, header_aliases=docket.config.header_aliases,
                             check_event=event_checker(docket), received=today)
        good, late = resolve_rows(docket, result, today)
        errors += result.errors + late
        rows_of: dict[str, list[TriggerEvent]] = {}
        for t in good:
            listed = rows_of.get(t.matter)
            if listed is None:
                rows_of[t.matter] = [t]
            else:
                listed.append(t)
        facts: dict[str, MatterFacts] = {}
        for matter, rows in rows_of.items():  # merge_facts folds rows in order: once per matter and file
            facts[matter] = merge_facts(matter, None, rows)
            earlier = every_facts.get(matter)
            every_facts[matter] = facts[matter] if earlier is None else merge_facts(matter, earlier, rows)
        for t in good:
            try:
                every += plan_matter([t], facts[t.matter], rules, today)
            except NotComputed as exc:  # the row's other rules still show their deadlines
                every += exc.deadlines
                prov = t.provenance
                errors.append(RowError(prov.source if prov else str(path), prov.row if prov else None,
                                       "event", f"could not compute every deadline: {exc}"))
            except Exception as exc:  # noqa: BLE001 - reported as the row's error
                prov = t.provenance
                errors.append(RowError(prov.source if prov else str(path), prov.row if prov else None,
                                       "event", f"could not compute deadlines: {exc}"))
                continue
            ends.append(len(every))
    keys = [d.key for d in every]
    cfg = docket.config
    # cross_flags' flags of deadlines (the matter-wide ones, no upcoming deadline or no attorney, belong to none).
    crossed = deadline_cross_flags(every, every_facts, today=today, people=cfg.people,
                                   default_people=cfg.routing_default,
                                   conflict_threshold=int(cfg.flags.get("conflict_threshold", 2)), keys=keys)
    return _items(every, keys, ends, crossed, Flagger(today, courts=docket.rules)), errors


def _items(every: list[Deadline], keys: list[str], ends: list[int], crossed: dict[str, list[Flag]],
           flagger: Flagger) -> Iterator[dict[str, object]]:
    """The preview's deadline dicts, with each deadline's flags and then its cross-matter ones.

    As all_flags and cross_flags key their flags: a key twice in one row shows the flags of that row's last
    deadline with the key on each, and a key's cross-matter flags go to its last deadline (`ends`: where
    each row ends in `every`).
    """
    shape = _PreviewShape()
    last = dict(zip(keys, range(len(keys)), strict=True))  # each key's last deadline
    own = _own_flags_of_key(keys, ends) if len(last) != len(keys) else {}
    shown_of: dict[int, tuple[list[Flag], list[dict[str, object]]]] = {}  # by id() of a shared list, kept alive
    for i, (d, key) in enumerate(zip(every, keys, strict=True)):
        flags = flagger.flags(every[own[i]] if own and i in own else d)
        more = crossed.get(key)
        if more is not None and last[key] == i:
            shown = shown_of.get(id(more))
            if shown is None:
                shown = shown_of[id(more)] = (more, [shape.flag(f) for f in more])
            yield shape.item(d, flags, shown[1])
        else:
            yield shape.item(d, flags)


def _own_flags_of_key(keys: list[str], ends: list[int]) -> dict[int, int]:
    """For a deadline whose key comes again later in its row: the index of the row's last one with it."""
    found: dict[int, int] = {}
    start = 0
    for end in ends:
        row = dict(zip(keys[start:end], range(start, end), strict=True))
        if len(row) != end - start:
            found.update((i, row[keys[i]]) for i in range(start, end) if row[keys[i]] != i)
        start = end
    return found


class _PreviewShape:
    """Deadline.as_preview for the deadlines of one preview, with the parts deadlines share built once.

    A 10,000-row preview builds 20,000 deadline dicts (issue 17); a trigger's JSON part and a flag are
    the same for many of them, and the dicts are only read (as JSON or text), so equal parts are one
    shared object. Dates and traces stay the date and tuple they are: orjson writes a date as its ISO
    form and a tuple as an array, and text output prints a date as its ISO form, so copying each into a
    string and a list (as_preview does) was most of an item's cost. tests/unit/test_preview_shape.py holds
    each item's JSON equal to `as_preview`'s.
    """

    def __init__(self) -> None:
        # Keyed by id(): each object is kept alive in the value beside its part, so its id stays its own.
        self._flags: dict[int, tuple[Flag, dict[str, object]]] = {}
        self._equal_flags: dict[Flag, dict[str, object]] = {}
        self._last_trigger: TriggerEvent | None = None
        self._last_part: dict[str, object] = {}

    def flag(self, flag: Flag) -> dict[str, object]:
        """flag.as_dict(), one dict per distinct flag."""
        found = self._flags.get(id(flag))
        if found is not None:
            return found[1]
        shown = self._equal_flags.get(flag)
        if shown is None:
            shown = self._equal_flags[flag] = flag.as_dict()
        self._flags[id(flag)] = (flag, shown)
        return shown

    def item(self, d: Deadline, flags: list[Flag], more: list[dict[str, object]] | None = None) -> dict[str, object]:
        """d.as_preview([f.as_dict() for f in flags] + more), as JSON (see the class docstring)."""
        t = d.trigger
        if t is not self._last_trigger:  # a trigger's deadlines come one after another
            self._last_trigger = t
            self._last_part = {"event": t.event, "date": t.date, "ref": t.ref, "service": t.service}
        at = d.time
        shown = [self.flag(f) for f in flags] if flags else []
        if more:
            shown += more
        return {
            "matter": d.matter,
            "rule": d.rule,
            "title": d.title,
            "kind": d.kind,
            "due": d.due,
            "time": None if at is None else at.strftime("%H:%M"),
            "court": d.court,
            "citation": d.citation,
            "trigger": self._last_part,
            "explanation": d.explanation,
            "flags": shown,
        }


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
            flags.upsert(
                db, scope=source, kind="source-vanished", severity="critical",
                message=(f"Intake source {source} is now empty: all {len(vanished)} of its rows vanished at "
                         "once; their deadlines were kept." if emptied else
                         f"{len(vanished)} of {len(previous)} rows vanished from intake source {source} at "
                         "once; their deadlines were kept."),
                action=(f"If the rows were removed on purpose, run `docketd confirm-source {source}`; otherwise "
                        "restore the rows (check filters and the tab)."),
                matter=None, stamp=stamp)
        else:
            matters |= docket.withdraw_triggers(db, vanished)
            report.withdrawn = len(vanished)
            flags.delete_kind(db, source, "source-vanished")
        if matters:
            report.recompute = docket.recompute(db, matters, now.date(), stamp, cross=cross)
            if not cross:
                mark_dirty(db, report.recompute.scope)
    return report


def _row_of(payload: str) -> int | None:
    import json

    return json.loads(payload).get("row")


def _same_row(old_payload: str, t: TriggerEvent) -> bool:
    import json

    from daemon.docket import same_facts

    return same_facts(json.loads(old_payload), t)
