"""What a plain date change can touch: matters whose stored facts put a today-dependent answer in a window."""

from __future__ import annotations

from datetime import date

from daemon.state.handle import Db


def matters_due_between(db: Db, first: date, last: date) -> set[str]:
    """Matters with a stored deadline (or follow-up) due from `first` through `last`."""
    rows = db.execute("SELECT DISTINCT matter FROM deadlines WHERE due >= ? AND due <= ?",
                      (first.isoformat(), last.isoformat()))
    return {r[0] for r in rows}


def matters_with_trigger_dated(db: Db, windows: list[tuple[date, date]]) -> set[str]:
    """Matters with a trigger dated within one of the (first, last) windows, or received on no known day."""
    where = " OR ".join("(json_extract(payload, '$.date') >= ? AND json_extract(payload, '$.date') <= ?)"
                        for _ in windows)
    args = [d.isoformat() for w in windows for d in w]
    sql = "SELECT DISTINCT matter FROM triggers WHERE json_extract(payload, '$.received') IS NULL"
    if where:
        sql += f" OR {where}"
    return {r[0] for r in db.execute(sql, args)}


def closed_matters(db: Db) -> set[str]:
    """Matters whose stored facts say closed (their kept deadlines are cut at today)."""
    rows = db.execute("SELECT matter FROM matters WHERE json_extract(payload, '$.status') = 'closed'")
    return {r[0] for r in rows}


def trigger_courts(db: Db) -> set[str]:
    """The court ids stored triggers name (a deadline's court is its trigger's)."""
    rows = db.execute("SELECT DISTINCT json_extract(payload, '$.court') FROM triggers")
    return {str(r[0]) for r in rows if r[0]}
