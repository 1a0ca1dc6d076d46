"""The handle every state function takes: the connection `Store.transaction()` yields, or `Store.db` for reads.

Either a sqlite3 connection or the PostgreSQL adapter of daemon/state/pg.py: both run the state layer's one
set of `?`-placeholder SQL through `execute` / `executemany` and give rows readable by index and by name.
Code outside daemon/state/ names the type through this alias and never imports sqlite3 or psycopg itself.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from daemon.errors import StoreError

# A row: by index, by column name, `tuple(row)` and `dict(row)` (sqlite3.Row, or pg.PgRow).
Row = Any
IN_CHUNK = 500  # values bound per query: far below SQLite's limit on bound variables


def in_chunks(values: Iterable[str], size: int = IN_CHUNK) -> Iterator[tuple[list[str], str]]:
    """The distinct values, sorted, `size` at a time, each chunk with its `?,?,...` list for an IN (...)."""
    wanted = sorted(set(values))
    for start in range(0, len(wanted), size):
        chunk = wanted[start:start + size]
        yield chunk, ",".join("?" * len(chunk))


class Cursor(Protocol):
    """What a statement returns: its rows and how many rows it changed."""

    @property
    def rowcount(self) -> int:
        """Rows the statement changed."""

    def fetchone(self) -> Any:
        """The next row, or None."""

    def fetchall(self) -> list[Any]:
        """Every remaining row."""

    def __iter__(self) -> Iterator[Any]:
        """The remaining rows, one by one."""


class Db(Protocol):
    """A connection of either backend, as the state functions use it."""

    def execute(self, sql: str, parameters: Any = (), /) -> Cursor:
        """Run one statement (`?` or `:name` placeholders)."""

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Cursor:
        """Run one statement for each parameter set."""


class StoreUnreachable(StoreError):
    """The PostgreSQL server cannot be reached (at start: the sentence; while running: retried)."""


def pg_module() -> Any:
    """psycopg if this process has loaded it, else None: it is imported only for a PostgreSQL docket, so a
    SQLite install never pays its import (a quarter second on every command), and no psycopg error can be
    raised without it."""
    return sys.modules.get("psycopg")


def store_operational_errors() -> tuple[type[Exception], ...]:
    """What the store raises when busy, locked, unreachable or unable to write (a full disk): docketd's trouble,
    not the input's. PostgreSQL's serialization failures and deadlocks are OperationalErrors in psycopg too."""
    psycopg = pg_module()
    return (sqlite3.OperationalError,) if psycopg is None else (sqlite3.OperationalError, psycopg.OperationalError)
