"""Intake readers: an intake file (CSV, TSV, XLSX, JSON, YAML) to validated TriggerEvents.

The one entry point for files is `read_intake(path)`; sheet sources hand their rows to
`parse_records`. Bad content never raises: every problem is a RowError naming file, row, column
and the fix, and the good rows of a partly bad file are still returned.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path

from daemon.intake.csv_reader import read_csv
from daemon.intake.json_reader import read_json
from daemon.intake.limits import MAX_ROWS, file_size_problem
from daemon.intake.result import IntakeError, IntakeResult, RowError
from daemon.intake.rows import COLUMNS, parse_records
from daemon.intake.table import Records, records_from_table
from daemon.intake.xlsx_reader import read_xlsx
from daemon.intake.yaml_reader import read_yaml

__all__ = [
    "COLUMNS",
    "EXTENSIONS",
    "MAX_ROWS",
    "IntakeError",
    "IntakeResult",
    "RowError",
    "parse_intake",
    "parse_records",
    "read_intake",
    "records_from_table",
]

EXTENSIONS = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".json", ".yaml", ".yml")


def read_intake(path: Path, *, header_aliases: Mapping[str, str] | None = None,
                check_event: Callable[[str, str], str | None] | None = None,
                sheet: str | None = None, received: date | None = None) -> IntakeResult:
    """Read one intake file; its format comes from the extension. Raises IntakeError only for I/O.

    `check_event(court, event)` returns None when the court's rules know the event, else a
    sentence saying what is wrong. `sheet` picks a workbook's sheet (default: Intake, else the first).
    `received`, when given, is stamped on each row's provenance as the day docketd first read it.
    (The daemon reads dropped files through daemon.sources.dropped_file and hands the bytes to parse_intake.)
    """
    if path.suffix.lower() not in EXTENSIONS:
        return parse_intake(b"", path.name, header_aliases=header_aliases, check_event=check_event,
                            received=received)
    try:
        size = path.stat().st_size
        data = b"" if file_size_problem(size) else path.read_bytes()
    except OSError as exc:
        raise IntakeError(f"Could not read the intake file {path}: {exc.strerror or exc}.") from exc
    return parse_intake(data, path.name, size=size, header_aliases=header_aliases, check_event=check_event,
                        sheet=sheet, received=received)


def parse_intake(data: bytes, name: str, *, size: int | None = None,
                 header_aliases: Mapping[str, str] | None = None,
                 check_event: Callable[[str, str], str | None] | None = None,
                 sheet: str | None = None, received: date | None = None) -> IntakeResult:
    """Validate the bytes of an intake file named `name` (its format comes from the extension)."""
    source = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")  # non-UTF-8 names
    suffix = Path(name).suffix.lower()
    if suffix not in EXTENSIONS:
        hint = (" Old .xls workbooks are not read; open it in Excel and save it as .xlsx."
                if suffix == ".xls" else "")
        return _file_error(source, f"docketd does not read '{suffix or 'no extension'}' files; save the "
                           f"intake as .csv, .xlsx, .json or .yaml.{hint}")
    problem = file_size_problem(len(data) if size is None else size)
    if problem:
        return _file_error(source, problem)
    if not data.strip():
        return _file_error(source, "The file is empty; put a header row and one row per event in it.")
    checksum = hashlib.sha256(data).hexdigest()
    records = _records(data, source, suffix, header_aliases or {}, sheet)
    result = IntakeResult(errors=list(records.errors))
    if records.usable() and not any(e.row is None for e in records.errors):
        grid = records.grid
        parsed = parse_records(records.rows if grid is None else grid, source, first_row=records.first_row,
                               header_aliases=header_aliases, checksum=checksum, check_event=check_event,
                               received=received, headers=None if grid is None else records.headers)
        result.triggers = parsed.triggers
        result.errors.extend(parsed.errors)
        result.rows = parsed.rows
    result.rows += records.rejected
    result.errors.sort(key=lambda e: (e.row is not None, e.row or 0))
    return result


def _records(data: bytes, source: str, suffix: str, aliases: Mapping[str, str], sheet: str | None) -> Records:
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data, source, sheet=sheet, header_aliases=aliases, as_grid=True)
    if suffix == ".json":
        return read_json(data, source)
    if suffix in (".yaml", ".yml"):
        return read_yaml(data, source)
    return read_csv(data, source, delimiter="\t" if suffix == ".tsv" else None, header_aliases=aliases,
                    as_grid=True)


def _file_error(source: str, message: str) -> IntakeResult:
    return IntakeResult(errors=[RowError(source, None, None, message)])
