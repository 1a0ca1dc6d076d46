"""The case_links table: which matters a court's docket number belongs to (numbers stored normalized)."""

from __future__ import annotations

from daemon.state.handle import Db


def link(db: Db, *, case_number: str, matter: str, court: str, source: str, stamp: str) -> None:
    """Link a (normalized) docket number to a matter; a link already there takes the new court and source."""
    db.execute("INSERT INTO case_links (case_number, matter, court, source, created_at) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT(case_number, matter) DO UPDATE SET court=excluded.court, source=excluded.source",
               (case_number, matter, court, source, stamp))


def matters_for_case(db: Db, case_number: str) -> list[tuple[str, str]]:
    """(matter, court) of every link of a (normalized) docket number, by matter."""
    rows = db.execute("SELECT matter, court FROM case_links WHERE case_number=? ORDER BY matter",
                      (case_number,)).fetchall()
    return [(str(m), str(c)) for m, c in rows]
