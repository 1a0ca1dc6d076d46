"""Small persistent values in the kv table; here the free/busy days read from calendars (`busy:<email>`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

from daemon.state.handle import Db


def busy_days(db: Db) -> dict[str, set[date]]:
    """Cached free/busy days per person (`busy:<email>` in kv)."""
    out: dict[str, set[date]] = {}
    for key, value in db.execute("SELECT key, value FROM kv WHERE key LIKE 'busy:%'"):
        out[key[5:]] = {date.fromisoformat(d) for d in json.loads(value).get("days", ())}
    return out


def save_busy_days(db: Db, person: str, days: Iterable[date], stamp: str) -> bool:
    """Cache one person's busy days; True when they differ from the cached ones."""
    key = f"busy:{person}"
    wanted = sorted(d.isoformat() for d in set(days))
    row = db.execute("SELECT value FROM kv WHERE key=?", (key,)).fetchone()
    if row is not None and json.loads(row[0]).get("days") == wanted:
        return False
    db.execute("INSERT INTO kv VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
               (key, json.dumps({"fetched": stamp, "days": wanted})))
    return True
