"""Case-number links: which matter a court's docket number belongs to (intake column or `docketd link`)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable

from daemon.models import TriggerEvent

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


def link_cases(db: sqlite3.Connection, triggers: Iterable[TriggerEvent], stamp: str) -> None:
    """Record the case_number of intake rows (inside the caller's transaction)."""
    for t in triggers:
        if t.case_number:
            link(db, t.matter, t.case_number, t.court or "", t.provenance.source if t.provenance else "intake", stamp)


def link(db: sqlite3.Connection, matter: str, case_number: str, court: str, source: str, stamp: str) -> str:
    """Link one docket number to a matter; returns the normalized number."""
    number = normalize_case_number(case_number)
    db.execute("INSERT INTO case_links (case_number, matter, court, source, created_at) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT(case_number, matter) DO UPDATE SET court=excluded.court, source=excluded.source",
               (number, matter, court.lower(), source, stamp))
    return number


def matters_for(db: sqlite3.Connection, case_number: str, court: str | None) -> list[str]:
    """Matters linked to a docket number; a link naming another court does not match."""
    rows = db.execute("SELECT matter, court FROM case_links WHERE case_number=? ORDER BY matter",
                      (normalize_case_number(case_number),)).fetchall()
    return [m for m, c in rows if not court or not c or c == court or not _is_cmecf_id(c)]


def _is_cmecf_id(court: str) -> bool:
    # Generic ids ("federal", "federal-appeals") and state courts cannot contradict a CM/ECF court id.
    return bool(re.fullmatch(r"[a-z]{2,4}d|ca\d{1,2}|cadc|cafc|jpml", court))
