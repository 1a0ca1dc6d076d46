"""The state store: triggers with provenance, deadlines, sync state, the outbox and flags.

SQLite by default: one file, WAL mode, a schema version with explicit migrations (a backup copy is kept
before any migration). Or PostgreSQL (`[state] url`, daemon/state/pg.py): the same tables and the same
state functions. Every change that causes calendar work writes its outbox rows in the same transaction.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from daemon.errors import StoreError, redact_password
from daemon.models import OutboxRow, SyncRow
from daemon.state import deadlines, kv, matters, outbox, sync_state
from daemon.state.handle import Db

if TYPE_CHECKING:
    from daemon.state import pg

__all__ = ["SCHEMA_VERSION", "Db", "Store", "empty_state_message", "read_only"]

SCHEMA_VERSION = 4

# Version 1 had no provenance columns on triggers and no flag acknowledgements; version 2 adds both.
_SCHEMA_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE files (checksum TEXT PRIMARY KEY, name TEXT NOT NULL, received_at TEXT NOT NULL,
    status TEXT NOT NULL, rows INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
    moved_to TEXT);
CREATE TABLE triggers (matter TEXT NOT NULL, event TEXT NOT NULL, ref TEXT NOT NULL,
    payload TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (matter, event, ref));
CREATE TABLE matters (matter TEXT PRIMARY KEY, payload TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE deadlines (key TEXT PRIMARY KEY, matter TEXT NOT NULL, rule TEXT NOT NULL,
    due TEXT NOT NULL, payload TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX deadlines_matter ON deadlines(matter);
CREATE INDEX deadlines_due ON deadlines(due);
CREATE TABLE sync (target TEXT NOT NULL, uid TEXT NOT NULL, key TEXT NOT NULL, remote_id TEXT NOT NULL,
    etag TEXT NOT NULL, hash TEXT NOT NULL, state TEXT NOT NULL, last_sync TEXT NOT NULL,
    entry TEXT NOT NULL, PRIMARY KEY (target, uid));
CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, target TEXT NOT NULL, uid TEXT NOT NULL,
    key TEXT NOT NULL, op TEXT NOT NULL, entry TEXT, force INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_at REAL NOT NULL DEFAULT 0, last_error TEXT,
    dead INTEGER NOT NULL DEFAULT 0, UNIQUE (target, uid));
CREATE TABLE flags (id INTEGER PRIMARY KEY AUTOINCREMENT, scope TEXT NOT NULL, kind TEXT NOT NULL,
    severity TEXT NOT NULL, message TEXT NOT NULL, action TEXT NOT NULL, matter TEXT,
    created_at TEXT NOT NULL, UNIQUE (scope, kind));
CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_MIGRATIONS: dict[int, str] = {
    2: """
ALTER TABLE triggers ADD COLUMN source TEXT NOT NULL DEFAULT '';
ALTER TABLE triggers ADD COLUMN row INTEGER NOT NULL DEFAULT 0;
ALTER TABLE triggers ADD COLUMN checksum TEXT NOT NULL DEFAULT '';
ALTER TABLE flags ADD COLUMN acked_at TEXT;
ALTER TABLE flags ADD COLUMN acked_by TEXT;
CREATE INDEX triggers_source ON triggers(source);
CREATE INDEX sync_key ON sync(key);
CREATE INDEX outbox_key ON outbox(key);
CREATE INDEX flags_matter ON flags(matter);
""",
    # Version 3 stores when each entry's content last changed, the DTSTAMP of its VEVENT (RFC 5545
    # 3.8.7.2). Rows written before it get their last write, the nearest time the store knows.
    3: """
ALTER TABLE sync ADD COLUMN changed_at TEXT NOT NULL DEFAULT '';
UPDATE sync SET changed_at = last_sync;
""",
    # Version 4: court e-mail notices: case-number links, every notice read (once, by identity), the review queue.
    4: """
CREATE TABLE case_links (case_number TEXT NOT NULL, matter TEXT NOT NULL, court TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (case_number, matter));
CREATE INDEX case_links_matter ON case_links(matter);
CREATE TABLE notices (identity TEXT PRIMARY KEY, message_id TEXT NOT NULL, source TEXT NOT NULL,
    received_at TEXT NOT NULL, status TEXT NOT NULL, matters TEXT NOT NULL, payload TEXT NOT NULL);
CREATE INDEX notices_message ON notices(message_id);
CREATE TABLE reviews (id INTEGER PRIMARY KEY AUTOINCREMENT, notice TEXT NOT NULL, matter TEXT,
    reason TEXT NOT NULL, proposal TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', created_at TEXT NOT NULL,
    resolved_at TEXT, resolved_by TEXT, resolution TEXT);
CREATE INDEX reviews_status ON reviews(status);
""",
}


def empty_state_message(path: Path) -> str:
    """The sentence for a 0-byte state database (issue 18 B10): never silently a new, empty docket."""
    return (f"The state database {path} is empty (0 bytes) while docketd expected its docket there; an empty "
            "file is a lost or truncated database, not a new one. Fix: stop docketd and restore the latest "
            "backup, or load the last export with `docketd import FILE`; to start an empty docket on purpose, "
            "start once with `docketd run --fresh-state` (or delete the empty file).")


def _create_whole(path: Path) -> None:
    """Create a new state database that appears whole or not at all.

    SQLite creates the file before it writes the schema, so a kill in between would leave the 0-byte
    file that B10 rightly refuses as a lost docket. The new database is built beside it, synced, and
    linked into place (a link, not a rename: a database another process created first is kept).
    """
    tmp = path.with_name(f".{path.name}.new-{os.getpid()}")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    try:
        Store(tmp, _new=True).close()
        fd = os.open(tmp, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def read_only(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection of its own to the state database (a consistent committed WAL snapshot)."""
    db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, timeout=10)
    try:
        yield db
    finally:
        db.close()



def _pg() -> Any:
    """daemon/state/pg.py, imported with psycopg only when a docket is kept on PostgreSQL."""
    from daemon.state import pg

    return pg

class Store:
    """A connection to the state database; use `transaction()` for every write.

    `path` is the SQLite file; with `url` (a postgresql:// address) the docket lives in PostgreSQL instead,
    and `path` only names where backups beside the state go.
    """

    db: Db

    def __init__(self, path: Path, *, url: str | None = None, allow_empty: bool = False,
                 _new: bool = False) -> None:
        self.path = path
        self.url = url
        self._pg: pg.PgDb | None = None
        if url is not None:
            self._open_pg(url)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # SQLite would take a 0-byte file as a new database: every matter forgotten without a word,
        # while their entries stay in the calendars, unmanaged. Only `import` and --fresh-state may.
        if not allow_empty and os.path.isfile(path) and os.path.getsize(path) == 0:
            raise StoreError(empty_state_message(path))
        if not _new and not os.path.lexists(path):
            _create_whole(path)
        try:
            self._sqlite = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
            self.db = self._sqlite
            self._sqlite.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"State database {path} cannot be opened ({exc}). If it is damaged, move it aside and "
                "restore the latest backup or re-import an export (`docketd import`)."
            ) from None

    def _open_pg(self, url: str) -> None:
        pg = _pg()
        self._pg = pg.PgDb(url)
        self.db = self._pg
        try:
            pg.migrate(self._pg, SCHEMA_VERSION, self.where)
        except pg.psycopg.Error as exc:
            self._pg.close()
            raise StoreError(f"The PostgreSQL state database {self.where} cannot be prepared "
                             f"({redact_password(str(exc).strip())}). Fix: give docketd's role the right to create "
                             "tables in it, or restore it from an export (`docketd import`).") from None

    @property
    def backend(self) -> str:
        """"sqlite" or "postgresql"."""
        return "sqlite" if self._pg is None else "postgresql"

    @property
    def where(self) -> str:
        """The state database as people see it: the file, or the address with its password hidden."""
        return str(self.path) if self.url is None else redact_password(self.url)

    def close(self) -> None:
        """Close the connection."""
        if self._pg is not None:
            self._pg.close()
        else:
            self._sqlite.close()

    @contextmanager
    def transaction(self) -> Iterator[Db]:
        """An immediate (write-locking) transaction; rolls back on any exception."""
        if self._pg is not None:
            with self._pg_transaction(self._pg) as db:
                yield db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self._sqlite.in_transaction:  # SQLite has already rolled back after e.g. SQLITE_FULL
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @contextmanager
    def _pg_transaction(self, db: pg.PgDb) -> Iterator[Db]:
        db.execute("BEGIN")
        try:
            _pg().lock_writes(db)
            yield db
        except BaseException:
            if db.in_transaction and not db.conn.closed:
                db.conn.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[Db]:
        """One consistent read of the whole docket (export, migrate's comparison)."""
        self.db.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" if self._pg is not None else "BEGIN")
        try:
            yield self.db
        finally:
            self.db.execute("COMMIT")

    @contextmanager
    def reader(self) -> Iterator[Db]:
        """A read-only connection of its own (another thread's consistent committed snapshot)."""
        if self.url is not None:
            with _pg().read_only(self.url) as db:
                yield db
        else:
            with read_only(self.path) as sdb:
                yield sdb

    def backup_to(self, target: sqlite3.Connection) -> None:
        """Copy the SQLite database into another connection (SQLite only)."""
        self._sqlite.backup(target)

    def columns(self, table: str) -> list[str]:
        """The column names of one state table, in order."""
        if self._pg is not None:
            return _pg().columns(self._pg, table)
        return [r[1] for r in self.db.execute(f"PRAGMA table_info({table})")]

    def after_copy(self, db: Db) -> None:
        """After rows were copied in with their own ids (import, migrate): new ids follow the highest."""
        if self._pg is not None:
            _pg().follow_identities(self._pg)

    # -- schema ---------------------------------------------------------------------------------
    def schema_version(self) -> int:
        """The schema version of the open database (0 = empty)."""
        if self._pg is not None:
            return _pg().schema_version(self._pg)
        row = self.db.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
        if row is None:
            return 0
        v = self.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        return int(v[0]) if v else 0

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"State database {self.path} has schema version {version}, newer than this docketd "
                f"({SCHEMA_VERSION}); upgrade docketd or restore an older backup.")
        if version == SCHEMA_VERSION:
            return
        if version == 0:
            # executescript commits on its own, so the script carries its own transaction.
            self._sqlite.executescript("BEGIN IMMEDIATE;" + _SCHEMA_V1
                                  + "INSERT INTO meta VALUES ('schema_version', '1'); COMMIT;")
            version = 1
        else:
            backup = self.path.with_name(f"{self.path.name}.v{version}.bak")
            self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            shutil.copy2(self.path, backup)
        for target in range(version + 1, SCHEMA_VERSION + 1):
            with self.transaction() as db:
                for statement in filter(None, (s.strip() for s in _MIGRATIONS[target].split(";"))):
                    db.execute(statement)
                db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (str(target),))

    # -- key/value ------------------------------------------------------------------------------
    def get_kv(self, key: str) -> str | None:
        """A small persistent value (e.g. the last digest day)."""
        return kv.get(self.db, key)

    def set_kv(self, db: Db, key: str, value: str) -> None:
        """Set a small persistent value inside a transaction."""
        kv.put(db, key, value)

    def drop_kv(self, db: Db, key: str) -> None:
        """Forget a small persistent value inside a transaction (absent is fine)."""
        kv.drop(db, key)

    # -- matters and deadlines (daemon/state/matters.py, daemon/state/deadlines.py) --------------
    def matter(self, matter: str) -> dict[str, Any] | None:
        """The merged facts of one matter (title, court, people, status)."""
        return matters.payload(self.db, matter)

    def matter_ids(self) -> list[str]:
        """Every matter number in the store."""
        return matters.ids(self.db)

    def deadlines_for(self, matter: str) -> list[dict[str, Any]]:
        """Current deadlines of one matter (as dicts), by due date."""
        return deadlines.payloads_by_due(self.db, matter)

    def all_deadlines(self) -> list[dict[str, Any]]:
        """Every current deadline (as dicts), by due date."""
        return deadlines.payloads_by_due(self.db, None)

    # -- sync state and outbox (daemon/state/sync_state.py, daemon/state/outbox.py) ----------------
    def sync_rows(self, target: str) -> dict[str, SyncRow]:
        """What docketd last wrote to one calendar, by uid."""
        return sync_state.rows(self.db, target)

    def sync_rows_for_uids(self, target: str, uids: list[str]) -> dict[str, SyncRow]:
        """What docketd last wrote to one calendar for these uids only (a primary-key lookup each)."""
        return sync_state.rows_for_uids(self.db, target, uids)

    def sync_rows_for_matter(self, matter: str) -> list[SyncRow]:
        """Sync state of every entry of one matter, in every calendar."""
        return sync_state.rows_for_matter(self.db, matter)

    def pending_for_matter(self, matter: str) -> list[OutboxRow]:
        """Outbox rows (dead ones too) of one matter's entries, in every calendar."""
        return outbox.rows_for_matter(self.db, matter)

    def targets(self) -> list[str]:
        """Every calendar that has sync state or pending work."""
        return sync_state.targets(self.db)

    def pending(self, target: str | None = None, *, due_by: float | None = None,
                limit: int | None = None, include_dead: bool = False) -> list[OutboxRow]:
        """Outbox rows, oldest first; optionally only one calendar's and only those due by a time."""
        return outbox.pending(self.db, target, due_by=due_by, limit=limit, include_dead=include_dead)

    def outbox_counts(self) -> dict[str, dict[str, int]]:
        """Pending and dead outbox rows per calendar."""
        return outbox.counts(self.db)

    def next_due_by_target(self) -> dict[str, float]:
        """When each calendar's earliest retryable outbox row is due (epoch seconds)."""
        return outbox.next_due_by_target(self.db)
