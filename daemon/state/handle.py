"""The handle every state function takes: the connection `Store.transaction()` yields, or `Store.db` for reads.

Either a sqlite3 connection or the PostgreSQL adapter of daemon/state/pg.py: both run the state layer's one
set of `?`-placeholder SQL through `execute` / `executemany` and give rows readable by index and by name.
Code outside daemon/state/ names the type through this alias and never imports sqlite3 or psycopg itself.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import Any, Protocol

import psycopg

# A row: by index, by column name, `tuple(row)` and `dict(row)` (sqlite3.Row, or pg.PgRow).
Row = Any


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


# What the store raises when it is busy, locked, unreachable or cannot write (a full disk): docketd's trouble,
# not the input's. PostgreSQL's serialization failures and deadlocks are OperationalErrors in psycopg too.
StoreOperationalError = (sqlite3.OperationalError, psycopg.OperationalError)
