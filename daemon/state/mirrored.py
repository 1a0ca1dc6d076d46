"""What mirrored intake sources (sheets, workbooks) read back: confirmations and the entries a row led to."""

from __future__ import annotations

import json
from dataclasses import dataclass

from daemon.state.handle import Db


@dataclass(frozen=True)
class EntryRow:
    """The few fields of a stored deadline (or follow-up) a row's status names."""

    key: str  # Deadline.key: "matter|rule|event|ref"
    due: str
    kind: str


def source_confirmed(db: Db, source: str) -> bool:
    """True once `docketd confirm-source NAME` acknowledged this source's source-vanished flag."""
    row = db.execute("SELECT 1 FROM flags WHERE scope=? AND kind='source-vanished' AND acked_at IS NOT NULL",
                     (source,)).fetchone()
    return row is not None


def entries_of_matter(db: Db, matter: str) -> list[EntryRow]:
    """Every stored deadline and follow-up of one matter, in no particular order."""
    rows = db.execute("SELECT key, due, payload FROM deadlines WHERE matter=?", (matter,))
    return [EntryRow(str(key), str(due), str(json.loads(payload).get("kind", "deadline")))
            for key, due, payload in rows]
