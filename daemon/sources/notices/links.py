"""Case-number links: which matter a court's docket number belongs to (intake column or `docketd link`)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from daemon.models import TriggerEvent
from daemon.state import case_links
from daemon.state.handle import Db

_DISTRICT = re.compile(r"(\d{1,2}:\d{2}-[a-z]{2,4}-\d{1,6})")
_SHORT = re.compile(r"(\d{2}-\d{1,6})")


def normalize_case_number(raw: str) -> str:
    """The form notices are matched on: "3:24-CV-01234-ABC" -> "3:24-cv-01234"; "MDL No. 2967" kept."""
    s = " ".join(raw.split())
    low = s.lower()
    if low.startswith("mdl"):
        digits = re.findall(r"\d+", s)
        return f"MDL No. {digits[0]}" if digits else s
    m = _DISTRICT.search(low)
    if m:
        office, rest = m.group(1).split(":", 1)
        return f"{int(office)}:{rest}"
    m = _SHORT.match(low)
    return m.group(1) if m else low


def link_cases(db: Db, triggers: Iterable[TriggerEvent], stamp: str) -> None:
    """Record the case_number of intake rows (inside the caller's transaction)."""
    for t in triggers:
        if t.case_number:
            link(db, t.matter, t.case_number, t.court or "", t.provenance.source if t.provenance else "intake", stamp)


def link(db: Db, matter: str, case_number: str, court: str, source: str, stamp: str) -> str:
    """Link one docket number to a matter; returns the normalized number."""
    number = normalize_case_number(case_number)
    case_links.link(db, case_number=number, matter=matter, court=court.lower(), source=source, stamp=stamp)
    return number


def matters_for(db: Db, case_number: str, court: str | None) -> list[str]:
    """Matters linked to a docket number; a link naming another court does not match."""
    rows = case_links.matters_for_case(db, normalize_case_number(case_number))
    return [m for m, c in rows if not court or not c or c == court or not _is_cmecf_id(c)]


def _is_cmecf_id(court: str) -> bool:
    # Generic ids ("federal", "federal-appeals") and state courts cannot contradict a CM/ECF court id.
    return bool(re.fullmatch(r"[a-z]{2,4}d|ca\d{1,2}|cadc|cafc|jpml", court))
