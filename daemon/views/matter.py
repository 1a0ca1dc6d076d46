"""The whole picture of one matter, as a docketing clerk keeps it (`docketd matter`, the agenda page).

Triggers with their source file and row, every deadline past and upcoming with its explanation,
follow-ups, open flags, and where each entry was pushed (calendar, state, last sync, pending work).
`load_picture` reads the store; `matter_text` is pure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from daemon.models import Deadline, MatterFacts
from daemon.state.deadlines import load_deadlines
from daemon.state.flags import FlagRow, flag_rows
from daemon.state.matters import all_facts as load_facts
from daemon.state.outbox import waiting_ops
from daemon.state.store import Db
from daemon.state.sync_state import synced_entries
from daemon.state.triggers import TriggerRow, trigger_rows

if TYPE_CHECKING:
    from daemon.settings.config import Config


@dataclass(frozen=True)
class Push:
    """Where one entry (a deadline, or one of its ticklers) went: a calendar and its sync state."""

    target: str
    state: str  # ok | kept (a hand edit docketd kept) | pending | failed
    last_sync: str = ""
    detail: str = ""
    tickler: bool = False


@dataclass
class MatterPicture:
    """Everything stored about one matter."""

    matter: str
    facts: MatterFacts | None
    triggers: list[TriggerRow] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    flags: list[FlagRow] = field(default_factory=list)
    pushes: dict[str, list[Push]] = field(default_factory=dict)

    def flags_for(self, key: str) -> list[FlagRow]:
        """Open flags on one deadline."""
        return [f for f in self.flags if f.scope == key]


def _like(matter: str) -> str:
    return matter.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "|%"


def load_picture(db: Db, config: Config, matter: str) -> MatterPicture:
    """Read one matter's triggers, deadlines, flags and sync state from the store."""
    return _load(db, matter)[matter]


def load_pictures(db: Db, config: Config) -> list[MatterPicture]:
    """Every matter's picture, read with one query per table (the agenda page shows them all)."""
    pics = _load(db, None)
    return [pics[m] for m in sorted(pics)]


def _load(db: Db, matter: str | None) -> dict[str, MatterPicture]:
    facts = load_facts(db)
    names = [matter] if matter is not None else list(facts)
    pics = {m: MatterPicture(m, facts.get(m)) for m in names}
    for m, trow in trigger_rows(db, matter):
        if m in pics:
            pics[m].triggers.append(trow)
    owner: dict[str, str] = {}
    for d in load_deadlines(db, matter):
        if d.matter in pics:
            pics[d.matter].deadlines.append(d)
            owner[d.key] = d.matter
    for f in flag_rows(db, matter=matter):
        if f.matter in pics:
            pics[f.matter].flags.append(f)
    # Sync and outbox rows are keyed by deadline key (+ "#tickler-..."); withdrawn ones have no owner now.
    like = _like(matter) if matter is not None else None
    for s in synced_entries(db, like):
        base, _, tick = s.key.partition("#")
        if base in owner:
            push = Push(s.target, s.state, s.last_sync, "", bool(tick))
            pics[owner[base]].pushes.setdefault(base, []).append(push)
    for w in waiting_ops(db, like):
        base, _, tick = w.key.partition("#")
        if base in owner:
            detail = f"{w.op} waiting" + (f" (attempt {w.attempts}: {w.last_error})" if w.last_error else "")
            pics[owner[base]].pushes.setdefault(base, []).append(
                Push(w.target, "failed" if w.dead else "pending", "", detail, bool(tick)))
    return pics


def _when(due: date, today: date) -> str:
    left = (due - today).days
    return "today" if left == 0 else f"in {left} days" if left > 0 else f"{-left} days ago"


def push_line(pushes: Sequence[Push]) -> str:
    """'ics:jdoe@firm.com ok 2026-03-02T09:00:00; jdoe-google pending (upsert waiting)'."""
    if not pushes:
        return "not pushed to any calendar yet"
    parts = []
    for p in pushes:
        what = f"{p.target}{' tickler' if p.tickler else ''} {p.state}"
        if p.last_sync:
            what += f" {p.last_sync}"
        if p.detail:
            what += f" ({p.detail})"
        parts.append(what)
    return "; ".join(parts)


def _deadline_lines(pic: MatterPicture, d: Deadline, today: date) -> list[str]:
    cite = f"  [{d.label}]" if d.kind == "deadline" else ""
    at = f" at {d.time:%H:%M}" if d.time else ""
    lines = [f"  {d.due.isoformat()} {d.due:%a}{at}  {d.title}{cite}  ({_when(d.due, today)})"]
    lines += [f"      {step}" for step in d.explanation]
    for f in pic.flags_for(d.key):
        action = f" Action: {f.action}" if f.action else ""
        lines.append(f"      FLAG #{f.id} {f.severity}: {f.message}{action}")
    lines.append(f"      Pushed: {push_line(pic.pushes.get(d.key, []))}")
    return lines


def matter_text(pic: MatterPicture, today: date) -> str:
    """PURE: the matter as a clerk reads it, for the terminal."""
    f = pic.facts
    if f is None:
        return f"Matter {pic.matter} is not in the docket."
    lines = [f"Matter {pic.matter}" + (f" — {f.title}" if f.title else ""),
             f"Court: {f.court or '(none)'}   Status: {f.status}",
             f"Attorneys: {', '.join(f.attorneys) or '(none)'}   "
             f"Paralegals: {', '.join(f.paralegals) or '(none)'}"]
    if f.notes:
        lines.append(f"Notes: {f.notes}")
    lines += ["", "Triggers:"]
    for t in pic.triggers:
        extra = "".join([f" at {t.time}" if t.time else "", f" ({t.service})" if t.service else "",
                         f", ref {t.ref}" if t.ref else ""])
        lines.append(f"  {t.date}  {t.event}{extra}  — from {t.source or '?'} row {t.row}, "
                     f"stored {t.updated_at}")
    matter_flags = [fl for fl in pic.flags if fl.scope not in {d.key for d in pic.deadlines}]
    lines += ["", f"Open flags: {len(pic.flags)}"]
    for fl in matter_flags:
        action = f" Action: {fl.action}" if fl.action else ""
        lines.append(f"  #{fl.id} {fl.severity}: {fl.message}{action}")
    sections = (
        ("Upcoming deadlines", [d for d in pic.deadlines if d.kind == "deadline" and d.due >= today]),
        ("Follow-ups", [d for d in pic.deadlines if d.kind != "deadline"]),
        ("Past deadlines", [d for d in pic.deadlines if d.kind == "deadline" and d.due < today]),
    )
    for title, items in sections:
        lines += ["", f"{title}: {len(items)}"]
        for d in items:
            lines += _deadline_lines(pic, d, today)
    return "\n".join(lines)
