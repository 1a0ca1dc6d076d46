"""The counts people see in `docketd status` and after `docketd link`."""

from __future__ import annotations

from daemon.state.handle import Db


def table_counts(db: Db) -> dict[str, int]:
    """How many matters, deadlines and intake files the store holds."""
    return {t: int(db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in ("matters", "deadlines", "files")}


def reviews_waiting_for_case(db: Db, case_number: str) -> int:
    """Open review items with no matter whose proposal names this docket number."""
    return int(db.execute("SELECT COUNT(*) FROM reviews WHERE status='open' AND matter IS NULL AND "
                          "proposal LIKE ?", (f'%"case_number": "{case_number}"%',)).fetchone()[0])
