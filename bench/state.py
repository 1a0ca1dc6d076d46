"""Read a running daemon's state database (read-only) to tell when it has nothing left to do."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def count(state: Path, sql: str) -> int:
    """The single number a COUNT query returns, read through a read-only connection."""
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=30)
    try:
        return int(db.execute(sql).fetchone()[0])
    finally:
        db.close()


def settled(state: Path) -> bool:
    """Nothing left to do: no pending cross-matter flag refresh and an empty outbox."""
    return count(state, "SELECT COUNT(*) FROM kv WHERE key='cross_dirty' AND value='1'") == 0 and \
        count(state, "SELECT COUNT(*) FROM outbox WHERE dead=0") == 0


def settled_pg(dsn: str) -> bool:
    """`settled` for a docket kept on PostgreSQL (`[state] url`)."""
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        dirty = conn.execute("SELECT COUNT(*) FROM kv WHERE key='cross_dirty' AND value='1'").fetchone()
        waiting = conn.execute("SELECT COUNT(*) FROM outbox WHERE dead=0").fetchone()
    return dirty is not None and waiting is not None and dirty[0] == 0 and waiting[0] == 0
