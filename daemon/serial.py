"""JSON round-trips for records kept in the store and the outbox."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, time
from typing import Any

from daemon.models import CalendarEntry, Deadline, Flag, MatterFacts, Provenance, TriggerEvent


def _t(value: time | None) -> str | None:
    return value.strftime("%H:%M") if value else None


def _pt(value: Any) -> time | None:
    return time.fromisoformat(value) if value else None


def trigger_to_dict(t: TriggerEvent) -> dict[str, Any]:
    """A trigger as JSON-ready data (`lower_court` only when set, so older records keep their shape)."""
    out = {
        "matter": t.matter,
        "event": t.event,
        "date": t.date.isoformat(),
        "court": t.court,
        "time": _t(t.time),
        "service": t.service,
        "ref": t.ref,
        "title": t.title,
        "attorneys": list(t.attorneys),
        "paralegals": list(t.paralegals),
        "status": t.status,
        "notes": t.notes,
        "source": t.provenance.source if t.provenance else None,
        "row": t.provenance.row if t.provenance else None,
        "checksum": t.provenance.checksum if t.provenance else None,
        "received": t.provenance.received.isoformat() if t.provenance and t.provenance.received else None,
        "case_number": t.case_number,
        "timezone": t.timezone,
    }
    if t.lower_court:
        out["lower_court"] = t.lower_court
    return out


def trigger_from_dict(d: dict[str, Any]) -> TriggerEvent:
    """Rebuild a trigger from `trigger_to_dict` output."""
    received = date.fromisoformat(d["received"]) if d.get("received") else None
    prov = (Provenance(d["source"], d["row"] or 0, d.get("checksum") or "", received)
            if d.get("source") else None)
    return TriggerEvent(
        matter=d["matter"],
        event=d["event"],
        date=date.fromisoformat(d["date"]),
        court=d.get("court"),
        time=_pt(d.get("time")),
        service=d.get("service"),
        ref=d.get("ref"),
        title=d.get("title"),
        attorneys=tuple(d.get("attorneys") or ()),
        paralegals=tuple(d.get("paralegals") or ()),
        status=d.get("status") or "open",
        notes=d.get("notes"),
        provenance=prov,
        case_number=d.get("case_number"),
        timezone=d.get("timezone"),
        lower_court=d.get("lower_court"),
    )


def flag_from_dict(d: dict[str, Any]) -> Flag:
    """Rebuild a flag from `Flag.as_dict` output."""
    alt = d.get("alternative")
    return Flag(d["kind"], d["severity"], d["message"], d.get("action", ""),
                date.fromisoformat(alt) if alt else None)


def deadline_to_dict(dl: Deadline) -> dict[str, Any]:
    """A deadline as JSON-ready data (the preview shape plus what the store needs)."""
    d = dl.as_preview()
    d.update({
        "key": dl.key,
        "cite_short": dl.cite_short,
        "reminders": list(dl.reminders),
        "critical": dl.critical,
        "timezone": dl.timezone,
        "trigger_full": trigger_to_dict(dl.trigger),
    })
    return d


def deadline_from_dict(d: dict[str, Any], trigger: TriggerEvent | None = None) -> Deadline:
    """Rebuild a deadline from `deadline_to_dict` output (`trigger`: its trigger, already rebuilt)."""
    return Deadline(
        matter=d["matter"],
        rule=d["rule"],
        title=d["title"],
        due=date.fromisoformat(d["due"]),
        court=d["court"],
        citation=d["citation"],
        trigger=trigger if trigger is not None else trigger_from_dict(d["trigger_full"]),
        explanation=tuple(d["explanation"]),
        cite_short=d.get("cite_short", ""),
        time=_pt(d.get("time")),
        flags=tuple(flag_from_dict(f) for f in d.get("flags", ())),
        reminders=tuple(d.get("reminders", ())),
        kind=d.get("kind", "deadline"),
        critical=d.get("critical", True),
        timezone=d.get("timezone", "America/Los_Angeles"),
    )


def entry_to_dict(e: CalendarEntry) -> dict[str, Any]:
    """A calendar entry as JSON-ready data."""
    return {
        "key": e.key,
        "summary": e.summary,
        "description": e.description,
        "start": e.start.isoformat(),
        "start_time": _t(e.start_time),
        "duration_minutes": e.duration_minutes,
        "timezone": e.timezone,
        "reminders_minutes": list(e.reminders_minutes),
        "attendees": list(e.attendees),
        "urgency": e.urgency,
        "categories": list(e.categories),
        "matter": e.matter,
        "rule": e.rule,
        "source": e.source,
        **({"changed_at": e.changed_at.isoformat()} if e.changed_at else {}),
    }


def entry_from_dict(d: dict[str, Any]) -> CalendarEntry:
    """Rebuild a calendar entry from `entry_to_dict` output."""
    return CalendarEntry(
        key=d["key"],
        summary=d["summary"],
        description=d["description"],
        start=date.fromisoformat(d["start"]),
        start_time=_pt(d.get("start_time")),
        duration_minutes=d.get("duration_minutes", 60),
        timezone=d.get("timezone", "America/Los_Angeles"),
        reminders_minutes=tuple(d.get("reminders_minutes", ())),
        attendees=tuple(d.get("attendees", ())),
        urgency=d.get("urgency", "normal"),
        categories=tuple(d.get("categories", ("Docket",))),
        matter=d.get("matter", ""),
        rule=d.get("rule", ""),
        source=d.get("source", ""),
        changed_at=parse_stamp(d.get("changed_at")),
    )


def parse_stamp(raw: object) -> datetime | None:
    """A stored ISO timestamp as an aware datetime (a naive one is UTC); None when absent or not a time."""
    if not isinstance(raw, str) or not raw:
        return None
    try:
        stamp = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=UTC)


def facts_to_dict(f: MatterFacts) -> dict[str, Any]:
    """A matter's facts as stored (the matters table's payload)."""
    return asdict(f)


def facts_from_dict(d: dict[str, Any]) -> MatterFacts:
    """A matter's facts from their stored payload (lists back to tuples)."""
    raw = dict(d)
    raw["attorneys"] = tuple(raw.get("attorneys", ()))
    raw["paralegals"] = tuple(raw.get("paralegals", ()))
    return MatterFacts(**raw)
