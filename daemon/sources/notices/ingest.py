"""A court notice (bytes of an e-mail) -> stored triggers and deadlines, or a review item. Once.

Order of checks, each of which sends the whole notice to a person instead of the docket:
sender outside `senders`, what the parser could not read, an unknown case, and a notice that
would move a date docketd already holds (a notice never moves or removes a deadline by itself).
A notice is identified by its docket entry (court, cases, document numbers, filed date, docket
text), not by its Message-ID, so copies to several recipients and forwarded copies count once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from typing import Any

from daemon.docket import Docket, now_iso
from daemon.models import Provenance, TriggerEvent
from daemon.sources.notices.court_set import COURT_SET, title_of
from daemon.sources.notices.links import matters_for
from daemon.sources.notices.mail import read_mail
from daemon.sources.notices.nef import Notice, NoticeCase, parse_notice
from daemon.sources.notices.recognise import recognise
from daemon.sources.notices.review import open_review, resolve
from daemon.sources.notices.senders import ignores_bankruptcy, sender_allowed, senders_of
from daemon.state import notice_triggers as stored_triggers
from daemon.state import notices, reviews
from daemon.state.handle import Db

log = logging.getLogger("docketd.notices")
SOURCE_PREFIX = "court e-mail"


@dataclass
class NoticeOutcome:
    """What became of one notice."""

    file: str
    status: str  # docketed | review | duplicate | nothing | ignored
    matters: list[str] = field(default_factory=list)
    triggers: int = 0
    review_id: int | None = None
    reason: str = ""

    def summary(self) -> str:
        """One line for logs and the CLI."""
        what = {"docketed": f"docketed {self.triggers} dates for {', '.join(self.matters)}",
                "review": f"needs review (#{self.review_id}): {self.reason}",
                "duplicate": "already read (same docket entry): ignored",
                "nothing": "nothing to docket",
                "ignored": f"ignored: {self.reason}"}[self.status]
        return f"{self.file}: {what}"


def ingest_notice(docket: Docket, raw: bytes, where: str, source: str, now: datetime,
                  on_commit: Callable[[Db], None] | None = None) -> NoticeOutcome:
    """Read one notice e-mail and docket it, queue it for review, or ignore it as a copy.

    `on_commit` runs inside the same transaction (the IMAP source records the UID it read there)."""
    notice = recognise(parse_notice(read_mail(raw, where), where))
    stamp = now_iso(now)
    store = docket.store
    with store.transaction() as db:
        if notices.seen(db, notice.identity) and not _court_copy_of_a_held_forward(docket, db, notice, stamp):
            log.info("%s: the same docket entry was read before; ignored", where)
            if on_commit:
                on_commit(db)
            return NoticeOutcome(where, "duplicate")
        outcome = _apply(docket, db, notice, source, now, stamp)
        notices.record(db, identity=notice.identity, message_id=notice.message_id, source=source, stamp=stamp,
                       status=outcome.status, matters=outcome.matters, notice=notice.as_json())
        if on_commit:
            on_commit(db)
    log.info("%s", outcome.summary())
    return outcome


def _court_copy_of_a_held_forward(docket: Docket, db: Db, notice: Notice, stamp: str) -> bool:
    """True (and the held item closed) when this is the court's own copy of a docket entry whose only
    problem was its sender: a forwarded copy that arrived first. It is then read afresh."""
    if not sender_allowed(notice.sender, senders_of(docket.config)):
        return False
    held = reviews.open_for_notice(db, notice.identity)
    if held is None:
        return False
    reasons = held.payload.get("reasons") or []
    if len(reasons) != 1 or not str(reasons[0]).startswith("The sender "):
        return False
    resolve(db, int(held.id), "superseded", "docketd", "the court's own copy arrived", stamp)
    log.info("Review item #%s: the court's own copy of the forwarded notice arrived; reading it", held.id)
    return True


def _apply(docket: Docket, db: Db, notice: Notice, source: str, now: datetime,
           stamp: str) -> NoticeOutcome:
    reasons: list[str] = []
    allowed = senders_of(docket.config)
    if notice.bankruptcy and ignores_bankruptcy(docket.config) and sender_allowed(notice.sender, allowed):
        return NoticeOutcome(notice.file, "ignored", reason="a bankruptcy-court notice (bankruptcy = \"ignore\")")
    if not sender_allowed(notice.sender, allowed):
        reasons.append(f"The sender {notice.sender or '(none)'} is not one of the court senders "
                       f"({', '.join(allowed)}); confirm the notice is genuine before docketing it.")
    if notice.review:
        reasons.append(notice.review)
    cases: dict[str, NoticeCase] = {}  # matter -> the notice's case linked to it
    for case in notice.cases:
        for m in matters_for(db, case.case_number, case.court or notice.court):
            cases.setdefault(m, case)
    matters = list(cases)
    if notice.cases and not matters and notice.kind != "other":
        numbers = ", ".join(c.case_number for c in notice.cases)
        first = notice.cases[0].case_number
        reasons.append(f"No matter is linked to case {numbers}; link it (`docketd link MATTER {first}` or the "
                       "intake case_number column), then accept this item.")
    # With no matter yet, the proposal is kept with an empty matter; `review accept` fills it in.
    pairs = list(cases.items()) or ([("", notice.cases[0])] if notice.cases else [])
    triggers = [t for m, case in pairs for t in notice_triggers(notice, m, case, docket, now)]
    reasons += _unknown_events(docket, [t for t in triggers if t.matter])
    triggers, zone_problems = _with_zones(docket, notice, triggers)
    reasons += zone_problems
    triggers, moves = _known_and_moves(db, triggers)
    if "vacated" in notice.notes:
        moves += _settings_now(db, matters)
    if moves:
        reasons.append("This notice would move dates docketd already holds: "
                       + "; ".join(f"{m['matter']} {m['what']}: {m['old']} -> {m['new']}" for m in moves)
                       + ". Accept to add the new dates (with --replace to withdraw the old ones) or reject.")
    if reasons:
        rid = open_review(db, notice, matters, reasons, triggers, moves, stamp)
        return NoticeOutcome(notice.file, "review", matters, 0, rid, reasons[0])
    if not triggers:
        return NoticeOutcome(notice.file, "nothing", matters)
    store_notice_triggers(db, triggers, stamp)
    docket.recompute(db, matters, now.date(), stamp)
    return NoticeOutcome(notice.file, "docketed", matters, len(triggers))


def notice_triggers(notice: Notice, matter: str, case: NoticeCase, docket: Docket,
                    now: datetime) -> list[TriggerEvent]:
    """The notice's triggers for one matter, with the docket entry as provenance."""
    facts = docket.facts(matter) if matter else None
    court = (facts.court if facts and facts.court else None) or notice.court
    if notice.kind == "nda":
        # A court of appeals' notice runs under FRAP whatever court the matter was opened in.
        court = notice.court if notice.court in docket.rules.court_ids() else "federal-appeals"
    doc = case.document_number
    entry = f"ECF {doc}" if doc else f"entry filed {notice.filed or notice.entered}"
    number = case.case_number
    notes = (f"Court notice: {number} docket entry {doc or '(no document)'}, filed "
             f"{notice.filed or notice.entered}. Docket text: {notice.docket_text[:1500]}"
             f" Message-ID: <{notice.message_id}>")
    out = []
    for t in notice.triggers:
        at = time.fromisoformat(t.time) if t.time else None
        ref = f"{t.title} [{entry}]" if t.court_set else entry
        out.append(TriggerEvent(
            matter=matter, event=COURT_SET if t.court_set else t.event, date=t.date, court=court, time=at,
            service="electronic" if t.event in ("motion_served",) else None, ref=ref, notes=notes,
            provenance=Provenance(f"{SOURCE_PREFIX} <{notice.message_id}>", int(doc) if doc else 0,
                                  notice.identity, now.date()),
            case_number=number or None))
    return out


def _with_zones(docket: Docket, notice: Notice, triggers: list[TriggerEvent]) -> tuple[list[TriggerEvent], list[str]]:
    """Give each timed trigger the zone the court set it in.

    The notice's own entry time names the court's zone ("12:42 PM CDT"); a matter filed under a
    generic court id (`federal`) has no zone of its own, so that one is used. A configured court whose
    zone disagrees with the notice's, or a time with no zone at all, goes to a person."""
    out: list[TriggerEvent] = []
    problems: list[str] = []
    courts = set(docket.rules.court_ids())
    for t in triggers:
        if t.time is None:
            out.append(t)
            continue
        # The Docket protocol names only what planning needs; the real RuleBook also has court().
        configured = str(docket.rules.court(t.court).timezone) if t.court in courts else None  # type: ignore[attr-defined]
        if t.court == notice.court and configured:
            if notice.timezone and notice.timezone != configured:
                problems.append(f"The notice gives times in {notice.timezone} but court {t.court} is set up in "
                                f"{configured}; check the court's time zone.")
            out.append(t)
        elif notice.timezone:
            out.append(replace(t, timezone=notice.timezone))
        else:
            problems.append(f"The time {t.time:%H:%M} on {t.date.isoformat()} has no time zone docketd can be sure "
                            "of (the notice names none and the matter's court is not the notice's); enter it.")
            out.append(t)
    return out, sorted(set(problems), key=problems.index)


def _unknown_events(docket: Docket, triggers: list[TriggerEvent]) -> list[str]:
    """Triggers the matter's court cannot compute: no such court, or no such event in its packs."""
    out: list[str] = []
    courts = set(docket.rules.court_ids())
    for t in triggers:
        if not t.court or t.court not in courts:
            out.append(f"Matter {t.matter} has no court docketd knows ({t.court or 'none'}); set its court "
                       "column, then accept.")
        elif t.event != COURT_SET and t.event not in docket.rules.events_for(t.court):
            out.append(f"Court {t.court} has no rule for {t.event} on {t.date.isoformat()}; calendar it by hand "
                       "or accept with --event E --date D.")
    return sorted(set(out), key=out.index)


def _existing(db: Db, t: TriggerEvent) -> list[TriggerEvent]:
    """Stored triggers of the same kind in the matter (for court-set dates: with the same title)."""
    return [old for old in stored_triggers.of_event(db, t.matter, t.event)
            if t.event != COURT_SET or title_of(old.ref) == title_of(t.ref)]


def _known_and_moves(db: Db, triggers: list[TriggerEvent]) -> tuple[
        list[TriggerEvent], list[dict[str, Any]]]:
    """Split off what the docket already holds, and find the dates this notice would change.

    A trigger of the same kind already stored on the same date and time (typed from an intake row,
    or from another notice) is not added again; one on another date is a move, for a person."""
    new: list[TriggerEvent] = []
    moves: list[dict[str, Any]] = []
    for t in triggers:
        olds = _existing(db, t)
        if any((o.date, o.time) == (t.date, t.time) or (o.date == t.date and o.time is None) for o in olds):
            continue
        new.append(t)
        for old in olds:
            what = title_of(t.ref) if t.event == COURT_SET else t.event
            moves.append({"matter": t.matter, "what": what, "event": t.event, "ref": old.ref or "",
                          "old": _when(old), "new": _when(t)})
    return new, moves


_SETTINGS = ("motion_hearing", "trial", "scheduling_conference", "oral_argument", COURT_SET)


def _settings_now(db: Db, matters: list[str]) -> list[dict[str, Any]]:
    """The hearings, trials and court-set dates a vacating or continuing notice may touch (the old dates)."""
    out = []
    for m in matters:
        for t in stored_triggers.of_events(db, m, _SETTINGS):
            what = title_of(t.ref) if t.event == COURT_SET else t.event
            out.append({"matter": m, "what": what, "event": t.event, "ref": t.ref or "", "old": _when(t),
                        "new": "vacated, continued or reset? (see the docket text)"})
    return out


def _when(t: TriggerEvent) -> str:
    return t.date.isoformat() + (f" {t.time:%H:%M}" if t.time else "")


def store_notice_triggers(db: Db, triggers: list[TriggerEvent], stamp: str) -> None:
    """Insert notice triggers; unlike intake rows they never change the matter's facts (title, notes)."""
    stored_triggers.add_new(db, triggers, stamp, default_source=SOURCE_PREFIX)
