"""The triggers table: intake rows with their provenance, one per (matter, event, ref)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from daemon.models import TriggerEvent
from daemon.serial import trigger_to_dict
from daemon.state.handle import Db, in_chunks

Instance = tuple[str, str, str]  # (matter, event, ref)


@dataclass(frozen=True)
class TriggerRow:
    """One stored trigger with where it came from (`docketd matter`, the agenda page)."""

    event: str
    date: str
    ref: str
    service: str | None
    time: str | None
    source: str
    row: int
    updated_at: str


def payload(db: Db, instance: Instance) -> dict[str, Any] | None:
    """The stored payload of one trigger identity, if stored."""
    row = db.execute("SELECT payload FROM triggers WHERE matter=? AND event=? AND ref=?", instance).fetchone()
    return json.loads(row[0]) if row else None


def upsert(db: Db, t: TriggerEvent, stamp: str, source: str | None = None) -> None:
    """Store a trigger; a stored one of the same identity is replaced (a correction)."""
    prov = t.provenance
    db.execute(
        "INSERT INTO triggers (matter, event, ref, payload, updated_at, source, row, checksum) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(matter, event, ref) DO UPDATE SET "
        "payload=excluded.payload, updated_at=excluded.updated_at, source=excluded.source, "
        "row=excluded.row, checksum=excluded.checksum",
        (t.matter, t.event, t.ref or "", json.dumps(trigger_to_dict(t)), stamp,
         source or (prov.source if prov else ""), prov.row if prov else 0, prov.checksum if prov else ""))


def by_source(db: Db, source: str) -> dict[Instance, str]:
    """Trigger identities one source owns, with their stored payload text."""
    rows = db.execute("SELECT matter, event, ref, payload FROM triggers WHERE source=?", (source,))
    return {(r[0], r[1], r[2]): r[3] for r in rows}


def delete(db: Db, instances: Iterable[Instance]) -> None:
    """Remove triggers by identity."""
    db.executemany("DELETE FROM triggers WHERE matter=? AND event=? AND ref=?", list(instances))


def trigger_rows(db: Db, matter: str | None) -> list[tuple[str, TriggerRow]]:
    """(matter, row) for one matter's triggers (or every matter's), by matter, trigger date, event, ref."""
    where, args = ("WHERE matter=? ", (matter,)) if matter is not None else ("", ())
    out = []
    for m, event, ref, raw, updated, source, row in db.execute(
            f"SELECT matter, event, ref, payload, updated_at, source, row FROM triggers {where}"
            "ORDER BY matter, json_extract(payload, '$.date'), event, ref", args):
        p = json.loads(raw)
        out.append((m, TriggerRow(event, p["date"], ref, p.get("service"), p.get("time"),
                                  source or p.get("source") or "", row or p.get("row") or 0, updated)))
    return out


def payloads_of(db: Db, matters: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
    """Several matters' trigger payloads (each matter's by event and ref)."""
    out: dict[str, list[dict[str, Any]]] = {m: [] for m in set(matters)}
    for chunk, marks in in_chunks(out):
        sql = f"SELECT matter, payload FROM triggers WHERE matter IN ({marks}) ORDER BY matter, event, ref"
        for m, p in db.execute(sql, chunk):
            out[m].append(json.loads(p))
    return out
