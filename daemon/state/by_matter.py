"""Rows keyed `matter|...` (outbox, sync) read for a batch of matters at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from daemon.state.handle import Db, Row, in_chunks

T = TypeVar("T")
KEYED_TABLES = frozenset({"outbox", "sync"})
CHUNK = 200  # matters per query: two bound values each


def rows_by_matter(db: Db, table: str, matters: list[str], build: Callable[[Row], T]) -> dict[str, list[T]]:
    """Every row of `table` whose key starts with `matter|`, per matter, in one query per 200 matters."""
    if table not in KEYED_TABLES:
        raise ValueError(f"{table!r} is not a table keyed by matter")
    out: dict[str, list[T]] = {m: [] for m in matters}
    for chunk, _marks in in_chunks(matters, CHUNK):
        where = " OR ".join("(key >= ? AND key < ?)" for _ in chunk)
        args = [b for m in chunk for b in (m + "|", m + "}")]
        for r in db.execute(f"SELECT * FROM {table} WHERE {where} ORDER BY key, target, uid", args):
            # Intake refuses '|' in a matter id: the key's first part is its matter.
            out[r["key"].split("|", 1)[0]].append(build(r))
    return out
