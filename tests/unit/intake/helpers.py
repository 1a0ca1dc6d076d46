"""Shared bits for the intake tests: a stand-in rulebook check and a file writer."""

from __future__ import annotations

from pathlib import Path

KNOWN = {
    "federal": {"summons_served", "interrogatories_served", "judgment_entered", "counterclaim_served",
                "scheduling_conference", "trial"},
    "cand": {"summons_served", "scheduling_conference", "counterclaim_served"},
    "federal-appeals": {"appellee_brief_served"},
    "ca-superior": {"summons_served", "interrogatories_served", "motion_hearing"},
}

HEADER = "matter,title,court,event,date,time,service,ref,attorney,paralegal,status,notes"
GOOD = "2026-0142,Acme v. Widget,federal,summons_served,2026-01-05,,personal,,jdoe@firm.com,pat@firm.com,open,"


def check_event(court: str, event: str) -> str | None:
    """What the lead's rulebook check answers: None if known, else a sentence."""
    if court not in KNOWN:
        return f"The court '{court}' is not configured; use one of: {', '.join(sorted(KNOWN))}."
    if event not in KNOWN[court]:
        return f"The court '{court}' has no rule for the event '{event}'; check the spelling."
    return None


def write(tmp: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    """Write `content` to tmp/name and return the path."""
    path = tmp / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path
