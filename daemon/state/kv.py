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
    cached = get(db, key)
    if cached is not None and json.loads(cached).get("days") == wanted:
        return False
    put(db, key, json.dumps({"fetched": stamp, "days": wanted}))
    return True


def get(db: Db, key: str) -> str | None:
    """A small persistent value (e.g. the last digest day)."""
    row = db.execute("SELECT value FROM kv WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def put(db: Db, key: str, value: str) -> None:
    """Set a small persistent value."""
    db.execute("INSERT INTO kv VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))


def drop(db: Db, key: str) -> None:
    """Forget a small persistent value (absent is fine)."""
    db.execute("DELETE FROM kv WHERE key=?", (key,))
