"""The files table: every dropped intake file docketd handled, by the checksum of its bytes."""

from __future__ import annotations

from daemon.state.handle import Db


def seen(db: Db, checksum: str) -> tuple[str, str] | None:
    """A file's last outcome and when it was read, or None: its claim mark.

    Several instances on one docket read the same inbox. An instance reads this before it parses a file and
    again first thing in the transaction that would commit its rows; that transaction holds the write lock,
    so a change in between means another instance handled the file meanwhile, and this one only moves it.
    """
    row = db.execute("SELECT status, received_at FROM files WHERE checksum=?", (checksum,)).fetchone()
    return (str(row[0]), str(row[1])) if row else None


def record(db: Db, *, checksum: str, name: str, stamp: str, status: str, rows: int, errors: int) -> None:
    """Record a file as read (or read again): its outcome replaces the old one, not yet moved."""
    db.execute("INSERT INTO files (checksum, name, received_at, status, rows, errors) VALUES (?, ?, ?, ?, ?, ?) "
               "ON CONFLICT(checksum) DO UPDATE SET name=excluded.name, received_at=excluded.received_at, "
               "status=excluded.status, rows=excluded.rows, errors=excluded.errors, moved_to=NULL",
               (checksum, name, stamp, status, rows, errors))


def set_moved_to(db: Db, checksum: str, moved_to: str) -> None:
    """Where a recorded file was moved (processed/ or rejected/)."""
    db.execute("UPDATE files SET moved_to=? WHERE checksum=?", (moved_to, checksum))


def record_unreadable(db: Db, *, checksum: str, name: str, stamp: str, moved_to: str) -> None:
    """Record a file that could not be read as rejected (one problem, no rows) and where it went."""
    db.execute("INSERT INTO files (checksum, name, received_at, status, rows, errors, moved_to) "
               "VALUES (?, ?, ?, 'rejected', 0, 1, ?) ON CONFLICT(checksum) DO UPDATE SET "
               "received_at=excluded.received_at, moved_to=excluded.moved_to",
               (checksum, name, stamp, moved_to))
