"""Copy a whole docket from one state store into another (`docketd migrate --to postgresql://...`, issue 16)
and prove the copy: every row of every table compared, not only counted.

The copy is an export read in one snapshot and imported in one transaction (daemon/state/export.py), so it
is all or nothing; the comparison then exports the target afresh and diffs the two documents row by row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from daemon.state.export import ORDER_BY, TABLES, export_docket, import_docket
from daemon.state.store import Store

MAX_SHOWN = 20  # differences listed one by one; the rest are counted


@dataclass
class MigrateReport:
    """Per table: rows in the source and in the target; and every difference found, in words."""

    counts: dict[str, tuple[int, int]] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)
    compared: int = 0


def _key(table: str, row: dict[str, Any]) -> tuple[str, ...]:
    return tuple(str(row.get(col.strip())) for col in ORDER_BY[table].split(","))


def diff_docs(source: dict[str, Any], target: dict[str, Any]) -> tuple[int, list[str]]:
    """(rows compared, differences) between two export documents, table by table and row by row."""
    out: list[str] = []
    compared = 0
    for table in TABLES:
        a = {_key(table, r): r for r in source["tables"].get(table, [])}
        b = {_key(table, r): r for r in target["tables"].get(table, [])}
        for key in sorted(a.keys() | b.keys()):
            compared += 1
            name = f"{table} row {'/'.join(key)}"
            if key not in b:
                out.append(f"{name} is missing from the target.")
            elif key not in a:
                out.append(f"{name} is in the target but not in the source.")
            elif a[key] != b[key]:
                cols = sorted(c for c in a[key].keys() | b[key].keys() if a[key].get(c) != b[key].get(c))
                out.append(f"{name} differs in {', '.join(cols)}.")
    return compared, out


def migrate_docket(source: Store, target: Store, stamp: str, *, replace: bool = False) -> MigrateReport:
    """Copy every row of `source` into `target` (empty, unless replace) and compare the two afterwards."""
    doc = export_docket(source, stamp)
    import_docket(target, doc, replace=replace, backup_label="migrate", what="The target state database")
    copied = export_docket(target, stamp)
    report = MigrateReport()
    for table in TABLES:
        report.counts[table] = (len(doc["tables"][table]), len(copied["tables"][table]))
    report.compared, report.differences = diff_docs(doc, copied)
    return report
