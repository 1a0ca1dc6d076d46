"""The triggers court notices read and write: stored triggers of a kind, notice triggers added, withdrawn."""

from __future__ import annotations

import json
from collections.abc import Sequence

from daemon.models import TriggerEvent
from daemon.serial import trigger_from_dict, trigger_to_dict
from daemon.state.handle import Db


def of_event(db: Db, matter: str, event: str) -> list[TriggerEvent]:
    """Every stored trigger of one event in a matter."""
    rows = db.execute("SELECT payload FROM triggers WHERE matter=? AND event=?", (matter, event))
    return [trigger_from_dict(json.loads(payload)) for (payload,) in rows]


def of_events(db: Db, matter: str, events: Sequence[str]) -> list[TriggerEvent]:
    """Every stored trigger of these events in a matter, by event and ref."""
    marks = ",".join("?" * len(events))
    rows = db.execute(f"SELECT payload FROM triggers WHERE matter=? AND event IN ({marks}) ORDER BY event, ref",
                      (matter, *events))
    return [trigger_from_dict(json.loads(payload)) for (payload,) in rows]


def add_new(db: Db, triggers: Sequence[TriggerEvent], stamp: str, *, default_source: str) -> None:
    """Store triggers not stored yet (same matter, event and ref): a stored one is left as it is."""
    for t in triggers:
        prov = t.provenance
        db.execute(
            "INSERT INTO triggers (matter, event, ref, payload, updated_at, source, row, checksum) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(matter, event, ref) DO NOTHING",
            (t.matter, t.event, t.ref or "", json.dumps(trigger_to_dict(t)), stamp,
             prov.source if prov else default_source, prov.row if prov else 0, prov.checksum if prov else ""))


def withdraw(db: Db, matter: str, event: str, ref: str) -> int:
    """Remove one stored trigger; returns how many were removed (0 or 1)."""
    return db.execute("DELETE FROM triggers WHERE matter=? AND event=? AND ref=?", (matter, event, ref)).rowcount
