"""`[state] url`: where the docket lives, the SQLite file (the default) or a PostgreSQL database.

The address is checked here, once, into a sentence naming the file, `[state] url` and the fix. A password
never belongs in it (docs/several-instances-design.md: libpq's PGPASSFILE holds it); every message quotes
the address with its password replaced by ***.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from daemon.errors import redact_password

PG_SCHEMES = ("postgresql", "postgres")
Problem = Callable[[str, str], None]  # (where, message)
_FIX = ('use "postgresql://USER@HOST:5432/DATABASE" for PostgreSQL, or "sqlite:///PATH/state.db" (or no url '
        "at all: the [daemon] state file) for SQLite")


@dataclass(frozen=True)
class StateLocation:
    """The SQLite file, or a PostgreSQL address (url is None for SQLite)."""

    path: Path
    url: str | None = None


def is_postgres_url(url: str) -> bool:
    """True for a postgresql:// (or postgres://) address."""
    return url.split(":", 1)[0].lower() in PG_SCHEMES and "://" in url


def parse_state_url(url: str | None, sqlite_path: Path, base: Path, add: Problem) -> StateLocation:
    """The state location `[state] url` names; None keeps the SQLite file `sqlite_path` ([daemon] state)."""
    if url is None:
        return StateLocation(sqlite_path)
    shown = redact_password(url)
    if url.lower().startswith("sqlite:"):
        rest = url[len("sqlite:"):]
        rest = rest[2:] if rest.startswith("//") else rest
        if not rest:
            add("state", f"url = {shown!r} names no file; {_FIX}.")
            return StateLocation(sqlite_path)
        p = Path(os.path.expanduser(rest))
        return StateLocation(p if p.is_absolute() else base / p)
    if not is_postgres_url(url):
        add("state", f"url = {shown!r} is not a state database address docketd knows; {_FIX}.")
        return StateLocation(sqlite_path)
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises here
    except ValueError as exc:
        add("state", f"url = {shown!r} is not a valid address ({redact_password(str(exc))}); {_FIX}.")
        return StateLocation(sqlite_path)
    if parts.password is not None or "password=" in parts.query.lower():
        add("state", f"url = {shown!r} has a password in it; docketd would show it in logs and errors. Remove "
                     "it from the address and put it in a 0600 password file named by PGPASSFILE in docketd's "
                     "environment (libpq's ~/.pgpass format).")
        return StateLocation(sqlite_path)
    if not parts.path.strip("/"):
        add("state", f"url = {shown!r} names no database; add it after the host, e.g. "
                     "\"postgresql://docketd@db.firm.com/docketd\".")
        return StateLocation(sqlite_path)
    return StateLocation(sqlite_path, url)
