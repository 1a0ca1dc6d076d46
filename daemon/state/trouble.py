"""docketd's own storage failing (a full disk, no file handles left, a read-only or locked state
database): told apart from a bad intake file.

A dropped file is never rejected for our failure: it waits in the inbox, and the daemon stays up,
says so (STATUS=, `docketd status`) and retries (issue 18, B9).
"""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

from daemon.errors import redact_password
from daemon.state.handle import StoreUnreachable, pg_module

FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
HANDLE_ERRNOS = (errno.EMFILE, errno.ENFILE)
LOW_SPACE_BYTES = 1 << 20  # below this, `docketd status` calls a disk full


def storage_trouble(exc: BaseException) -> str | None:
    """A sentence when `exc` is docketd's own storage failing, else None (the file's own problem)."""
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc)
        if "full" in text or "disk I/O error" in text:
            return f"the state database cannot be written ({text}): the disk is probably full"
        if any(word in text for word in ("readonly", "read-only", "locked", "unable to open")):
            # Issue 18 B11: a read-only or locked state (or its -shm/-wal) is ours to fix, not the file's.
            return (f"docketd cannot write its state database ({text}); run `docketd check` as the service "
                    "user for the fix")
        return None
    if isinstance(exc, StoreUnreachable):
        return ("the PostgreSQL state database cannot be reached just now; docketd retries on its own, and "
                "`docketd check` tells whether the server can be reached")
    psycopg = pg_module()
    if psycopg is not None and isinstance(exc, psycopg.OperationalError):
        # PostgreSQL: unreachable, a failover, a deadlock or serialization failure, or the server's disk full.
        text = redact_password(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
        return (f"the PostgreSQL state database cannot be written just now ({text}); docketd retries on its own, "
                "and `docketd check` tells whether the server can be reached")
    if isinstance(exc, OSError):
        if exc.errno in FULL_ERRNOS:
            where = f" ({exc.filename})" if exc.filename else ""
            return f"the disk is full{where}"
        if exc.errno in HANDLE_ERRNOS:
            return "docketd is out of file handles"
    return None


def disk_warnings(paths: dict[str, Path]) -> list[str]:
    """For `docketd status`: a sentence for each of these folders whose file system is (nearly) full."""
    out = []
    for what, path in paths.items():
        probe = path if path.exists() else path.parent
        try:
            st = os.statvfs(probe)
        except OSError:
            continue
        free = st.f_bavail * st.f_frsize
        if free < LOW_SPACE_BYTES:
            out.append(f"The disk holding the {what} ({probe}) is full ({free:,} bytes free): docketd cannot "
                       "record dropped files, which wait in the inbox. Free some space; docketd retries on "
                       "its own.")
    return out
