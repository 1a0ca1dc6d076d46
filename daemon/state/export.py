"""Export a whole docket to one JSON document and import it back: backups, moves and upgrades.

The document holds every row of every state table (intake files seen, triggers with provenance,
matters, deadlines, sync state, the outbox, flags and small kv values), with the JSON columns
unpacked so a person can read it. Import writes into an empty state database in one transaction
(or, with `replace=True`, empties it first after keeping a backup copy), so export -> import ->
export gives the same document.
"""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from daemon.errors import DocketdError, redact_credentials
from daemon.state.handle import pg_module
from daemon.state.store import SCHEMA_VERSION, Store

FORMAT = "docketd-export"
FORMAT_VERSION = 1
# Order matters for reading, not for SQLite (no foreign keys between these tables).
TABLES = ("files", "matters", "triggers", "deadlines", "sync", "outbox", "flags", "kv", "case_links", "notices",
          "reviews")
JSON_COLUMNS = {("matters", "payload"), ("triggers", "payload"), ("deadlines", "payload"),
                ("sync", "entry"), ("outbox", "entry"), ("notices", "payload"), ("notices", "matters"),
                ("reviews", "proposal")}
# Error texts that may quote a calendar URL; a password in one is never exported.
REDACTED_COLUMNS = {("outbox", "last_error"), ("flags", "message")}
ORDER_BY = {"files": "checksum", "matters": "matter", "triggers": "matter, event, ref", "deadlines": "key",
            "sync": "target, uid", "outbox": "id", "flags": "id", "kv": "key",
            "case_links": "case_number, matter", "notices": "identity", "reviews": "id"}


def _bad_row_errors() -> tuple[type[Exception], ...]:
    """What a damaged row raises on insert, on either backend."""
    found: tuple[type[Exception], ...] = (sqlite3.IntegrityError, sqlite3.InterfaceError)
    psycopg = pg_module()
    if psycopg is not None:
        found += (psycopg.IntegrityError, psycopg.DataError, psycopg.ProgrammingError)
    return found


class ImportRefused(DocketdError):
    """The export file cannot be imported as it stands; the message says why and what to do."""

    exit_code = 1


def export_docket(store: Store, exported_at: str) -> dict[str, Any]:
    """Every row of every state table as a JSON-ready document."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with store.snapshot() as db:  # one read snapshot, so a running daemon cannot tear the export
        for table in TABLES:
            rows = []
            for r in db.execute(f"SELECT * FROM {table} ORDER BY {ORDER_BY[table]}"):
                row = dict(r)
                for col in row:
                    if (table, col) in JSON_COLUMNS and row[col] is not None:
                        row[col] = json.loads(row[col])
                    elif (table, col) in REDACTED_COLUMNS and isinstance(row[col], str):
                        row[col] = redact_credentials(row[col])  # stored by an older version, maybe
                rows.append(row)
            tables[table] = rows
    counts = {t: len(rows) for t, rows in tables.items()}
    return {"format": FORMAT, "version": FORMAT_VERSION, "schema_version": store.schema_version(),
            "exported_at": exported_at, "counts": counts, "tables": tables}


def dump_export(doc: dict[str, Any]) -> str:
    """The export document as stable, readable JSON text."""
    return json.dumps(doc, indent=1, ensure_ascii=False, sort_keys=False) + "\n"


def write_export(doc: dict[str, Any], path: Path) -> None:
    """Write the export atomically with mode 0600 (it names clients and matters)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(dump_export(doc))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_export(text: str, source: str) -> dict[str, Any]:
    """Parse and check an export document; raise ImportRefused with a sentence if it is not one."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRefused(f"{source} is not JSON ({exc}); give the file `docketd export` wrote.") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT or not isinstance(doc.get("tables"), dict):
        raise ImportRefused(f"{source} is not a docketd export (no \"format\": \"{FORMAT}\" with tables); "
                            "give the file `docketd export` wrote.")
    if doc.get("version") != FORMAT_VERSION:
        raise ImportRefused(f"{source} is export format version {doc.get('version')!r}; this docketd reads "
                            f"version {FORMAT_VERSION}. Import it with the docketd version that wrote it.")
    schema = doc.get("schema_version")
    if not isinstance(schema, int) or schema > SCHEMA_VERSION:
        raise ImportRefused(f"{source} comes from state schema {schema!r}, newer than this docketd's "
                            f"({SCHEMA_VERSION}); upgrade docketd before importing it.")
    unknown = sorted(set(doc["tables"]) - set(TABLES))
    if unknown:
        raise ImportRefused(f"{source} has tables docketd does not know ({', '.join(unknown)}); "
                            "it was not written by `docketd export`.")
    return doc


def row_counts(store: Store) -> dict[str, int]:
    """How many rows each state table holds."""
    return {t: int(store.db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]) for t in TABLES}


def _backup(store: Store, label: str, exported_at: str) -> Path:
    # SQLite: a copy of the database file. PostgreSQL: an export document beside the state folder.
    suffix = ".bak" if store.backend == "sqlite" else ".json"
    dest = store.path.with_name(f"{store.path.name}.before-import-{label}{suffix}")
    n = 1
    while dest.exists():
        dest = store.path.with_name(f"{store.path.name}.before-import-{label}.{n}{suffix}")
        n += 1
    if store.backend != "sqlite":
        write_export(export_docket(store, exported_at), dest)
        return dest
    target = sqlite3.connect(str(dest))
    try:
        store.backup_to(target)
    finally:
        target.close()
    return dest


def import_docket(store: Store, doc: dict[str, Any], *, replace: bool = False,
                  backup_label: str = "", what: str = "The state database") -> Path | None:
    """Load an export into the store in one transaction; returns the backup made with `replace`."""
    existing = {t: n for t, n in row_counts(store).items() if n}
    backup: Path | None = None
    if existing and not replace:
        held = ", ".join(f"{n} {t}" for t, n in existing.items())
        raise ImportRefused(f"{what} {store.where} is not empty ({held}); import only into an "
                            "empty one, or pass --replace to replace its contents (a backup copy is kept).")
    if existing:
        backup = _backup(store, backup_label or "replace", str(doc.get("exported_at", "")))
    with store.transaction() as db:
        for table in TABLES:
            db.execute(f"DELETE FROM {table}")
        for table in TABLES:
            columns = set(store.columns(table))
            for i, row in enumerate(doc["tables"].get(table, [])):
                if not isinstance(row, dict) or not row:
                    raise ImportRefused(f"Row {i + 1} of table {table} in the export is not an object of "
                                        "columns; the file is damaged.")
                bad = sorted(set(row) - columns)
                if bad:
                    raise ImportRefused(f"Row {i + 1} of table {table} has columns this docketd does not "
                                        f"know ({', '.join(bad)}); import it with the docketd that wrote it.")
                names = list(row)
                values = [json.dumps(row[c]) if (table, c) in JSON_COLUMNS and row[c] is not None else row[c]
                          for c in names]
                try:
                    db.execute(f"INSERT INTO {table} ({', '.join(names)}) VALUES "
                               f"({', '.join('?' * len(names))})", values)
                except _bad_row_errors() as exc:
                    raise ImportRefused(f"Row {i + 1} of table {table} cannot be stored ({exc}); the export "
                                        "is damaged or was edited by hand. Nothing was imported.") from None
        # An export from before schema 3 has no change times: the last write is the nearest (as migrating).
        db.execute("UPDATE sync SET changed_at = last_sync WHERE changed_at = ''")
        store.after_copy(db)
    return backup
