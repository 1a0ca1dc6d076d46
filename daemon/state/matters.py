"""The matters table: each matter's merged facts (title, court, people, status)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from daemon.models import MatterFacts
from daemon.serial import facts_from_dict, facts_to_dict
from daemon.state.handle import Db, in_chunks


def facts(db: Db, matter: str) -> MatterFacts | None:
    """One matter's stored facts, if the matter is known."""
    raw = payload(db, matter)
    return facts_from_dict(raw) if raw is not None else None


def all_facts(db: Db) -> dict[str, MatterFacts]:
    """Every matter's stored facts."""
    return {m: facts_from_dict(json.loads(p)) for m, p in db.execute("SELECT matter, payload FROM matters")}


def facts_of(db: Db, matters: Iterable[str]) -> dict[str, MatterFacts]:
    """These matters' stored facts (unknown matters left out)."""
    out: dict[str, MatterFacts] = {}
    for chunk, marks in in_chunks(matters):
        sql = f"SELECT matter, payload FROM matters WHERE matter IN ({marks})"
        out.update((m, facts_from_dict(json.loads(p))) for m, p in db.execute(sql, chunk))
    return out


def write(db: Db, f: MatterFacts, stamp: str) -> None:
    """Store a matter's merged facts."""
    db.execute(
        "INSERT INTO matters VALUES (?, ?, ?) ON CONFLICT(matter) DO UPDATE SET "
        "payload=excluded.payload, updated_at=excluded.updated_at",
        (f.matter, json.dumps(facts_to_dict(f)), stamp))


def payload(db: Db, matter: str) -> dict[str, Any] | None:
    """One matter's stored facts as the stored dict, if the matter is known."""
    row = db.execute("SELECT payload FROM matters WHERE matter=?", (matter,)).fetchone()
    return json.loads(row[0]) if row else None


def ids(db: Db) -> list[str]:
    """Every matter number in the store."""
    return [r[0] for r in db.execute("SELECT matter FROM matters ORDER BY matter")]
