"""The deadlines table: each matter's current deadlines and follow-ups, with the flags they carry."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from daemon.models import Deadline
from daemon.serial import deadline_from_dict
from daemon.state.handle import Db, in_chunks


@dataclass(frozen=True)
class DeadlineRow:
    """The few fields of a stored deadline the cross-matter checks need (read without parsing payloads)."""

    key: str
    matter: str
    title: str
    due: date
    kind: str
    critical: bool


def load_deadlines(db: Db, matter: str | None = None) -> list[Deadline]:
    """Current deadlines (and follow-ups) as records, by due date."""
    if matter is None:
        rows = db.execute("SELECT payload FROM deadlines ORDER BY due, key")
    else:
        rows = db.execute("SELECT payload FROM deadlines WHERE matter=? ORDER BY due, key", (matter,))
    return [deadline_from_dict(json.loads(r[0])) for r in rows]


def load_deadline_rows(db: Db) -> list[DeadlineRow]:
    """Every stored deadline, lightly: about ten times faster than `load_deadlines` on a large docket."""
    rows = db.execute("SELECT key, matter, json_extract(payload, '$.title'), due, "
                      "json_extract(payload, '$.kind'), json_extract(payload, '$.critical') "
                      "FROM deadlines ORDER BY due, key")
    # json_extract gives SQLite's 1/0 for a JSON boolean and PostgreSQL's text 'true'/'false' (state/pg.py).
    return [DeadlineRow(k, m, t or "", date.fromisoformat(d), kind or "deadline", crit not in (0, "false"))
            for k, m, t, d, kind, crit in rows]


_ROW_SELECT = ("SELECT key, matter, json_extract(payload, '$.title'), due, json_extract(payload, '$.kind'), "
               "json_extract(payload, '$.critical') FROM deadlines ")


def _rows(found: Iterable[Any]) -> list[DeadlineRow]:
    return [DeadlineRow(k, m, t or "", date.fromisoformat(d), kind or "deadline", crit is None or bool(crit))
            for k, m, t, d, kind, crit in found]


def rows_on_days(db: Db, days: Iterable[date]) -> list[DeadlineRow]:
    """Stored deadlines due on these days, lightly (an incremental cross-flag refresh reads only these)."""
    out: list[DeadlineRow] = []
    for chunk, marks in in_chunks(d.isoformat() for d in days):
        out += _rows(db.execute(_ROW_SELECT + f"WHERE due IN ({marks})", chunk))
    return sorted(out, key=lambda r: (r.due, r.key))


def day_counts(db: Db) -> list[tuple[date, int]]:
    """Every day with stored deadlines and how many, in date order."""
    return [(date.fromisoformat(d), int(n))
            for d, n in db.execute("SELECT due, COUNT(*) FROM deadlines GROUP BY due ORDER BY due")]


def matters_due_from(db: Db, day: date) -> set[str]:
    """Matters with a stored deadline on or after `day`."""
    return {r[0] for r in db.execute("SELECT DISTINCT matter FROM deadlines WHERE due >= ?", (day.isoformat(),))}


def due_days_of(db: Db, matters: Iterable[str]) -> set[date]:
    """The days on which these matters have stored deadlines."""
    out: set[date] = set()
    for chunk, marks in in_chunks(matters):
        out |= {date.fromisoformat(r[0])
                for r in db.execute(f"SELECT DISTINCT due FROM deadlines WHERE matter IN ({marks})", chunk)}
    return out


def replace_matter(db: Db, matter: str, rows: Iterable[tuple[Deadline, dict[str, Any]]], stamp: str) -> None:
    """Replace one matter's deadlines with these (deadline, payload) pairs."""
    values = [(d.key, matter, d.rule, d.due.isoformat(), json.dumps(payload), stamp) for d, payload in rows]
    stored = db.execute("SELECT key, rule, due, payload FROM deadlines WHERE matter=?", (matter,)).fetchall()
    if sorted(tuple(r) for r in stored) == sorted((k, rule, due, text) for k, _m, rule, due, text, _s in values):
        # The same rows (most matters on a new day; compared in any order, as PostgreSQL keeps none): only
        # the stamp moves. Rewriting every row was the largest share of the new-day pass (6.5 of 18 CPU s).
        db.execute("UPDATE deadlines SET updated_at=? WHERE matter=?", (stamp, matter))
        return
    db.execute("DELETE FROM deadlines WHERE matter=?", (matter,))
    db.executemany("INSERT INTO deadlines VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET "
                   "matter=excluded.matter, rule=excluded.rule, due=excluded.due, payload=excluded.payload, "
                   "updated_at=excluded.updated_at", values)


def rewrite_payloads(db: Db, rows: Iterable[tuple[Deadline, dict[str, Any]]], stamp: str) -> None:
    """Store new payloads for deadlines whose key, rule and due stay (a new day moved only their flags)."""
    values = [(json.dumps(p), stamp, d.key) for d, p in rows]
    if values:
        db.executemany("UPDATE deadlines SET payload=?, updated_at=? WHERE key=?", values)


def payloads_by_due(db: Db, matter: str | None) -> list[dict[str, Any]]:
    """Current deadline payloads of one matter (by due date, then rule) or of all (by due date, then key)."""
    if matter is None:
        rows = db.execute("SELECT payload FROM deadlines ORDER BY due, key")
    else:
        rows = db.execute("SELECT payload FROM deadlines WHERE matter=? ORDER BY due, rule", (matter,))
    return [json.loads(r[0]) for r in rows]


def payloads_of(db: Db, matters: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Several matters' stored deadline payloads, each matter's in table order (a rule change is measured on them)."""
    out: dict[str, list[dict[str, Any]]] = {m: [] for m in set(matters)}
    for chunk, marks in in_chunks(out):
        for m, p in db.execute(f"SELECT matter, payload FROM deadlines WHERE matter IN ({marks})", chunk):
            out[m].append(json.loads(p))
    return out
