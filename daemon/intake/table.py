"""A grid of cells (CSV records, worksheet rows, Sheets API values) to header-keyed row mappings."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat

from daemon.intake.limits import MAX_ROWS, too_many_rows
from daemon.intake.result import RowError
from daemon.intake.rows import BUILTIN_ALIASES, COLUMNS, normalize_header
from daemon.intake.values import as_text, has_text


@dataclass
class Records:
    """Rows keyed by header, numbered from `first_row`, plus problems found while reading them.

    A row the reader could not use is passed on as an empty mapping (so numbering stays right)
    and its problem is in `errors`; `rejected` counts such rows.
    """

    rows: list[dict[str, object]] = field(default_factory=list)
    first_row: int = 2
    errors: list[RowError] = field(default_factory=list)
    rejected: int = 0
    header_row: int | None = None
    headers: list[str] = field(default_factory=list)
    no_data: bool = False  # no rows at all, or a header with nothing under it (a mirror's "all rows gone")
    # With as_grid, when every row after the header has each cell under a named column: the rows as read
    # (cell lists under `headers`, none longer), and `rows` stays empty. parse_records(grid, headers=...)
    # reads them without a dict per row (issue 17).
    grid: list[Sequence[object]] | None = None

    def usable(self) -> bool:
        """Whether there are rows to validate (as mappings or as the grid)."""
        return bool(self.rows) or bool(self.grid)


HEADER_SEARCH_ROWS = 20


def _names_columns(cells: Sequence[object], known: set[str]) -> bool:
    return sum(1 for c in cells if normalize_header(as_text(c)) in known) >= 2


def records_from_table(table: Iterable[Sequence[object]], source: str, *, first_number: int = 1,
                       header_aliases: Mapping[str, str] | None = None, as_grid: bool = False) -> Records:
    """The header is the first row naming two intake columns (title rows above it are skipped; if no
    row in the first 20 does, the first non-blank row); the rows after it become header -> cell maps
    (with as_grid, usual rows stay the cell lists they are: see Records.grid).

    Columns with an empty header are ignored unless a row puts a value there, which is an error
    (a value with no column name is probably shifted by a missing or extra separator).
    """
    out = Records()
    known = set(COLUMNS) | set(BUILTIN_ALIASES) | {normalize_header(h) for h in (header_aliases or {})}
    rows = list(table) if not isinstance(table, list) else table
    start = next((i for i, cells in enumerate(rows[:HEADER_SEARCH_ROWS]) if _names_columns(cells, known)), 0)
    headers: list[str] | None = None
    all_named = False
    data_rows = 0
    for number, cells in enumerate(rows[start:], start=first_number + start):
        if headers is None:
            if all(as_text(c) == "" for c in cells):
                continue
            headers = [as_text(c) for c in cells]
            out.headers = headers
            out.header_row = number
            out.first_row = number + 1
            problem = _duplicate_header(headers)
            if problem:
                out.errors.append(RowError(source, number, None, problem))
                return out
            all_named = all(headers)
            continue
        body = rows[number - first_number:] if all_named and number == out.first_row else ()
        if body and max(map(len, body)) <= len(headers):
            # Every row from here has every cell under a named column (nearly every file): the rows are
            # made and counted in C-level maps rather than one by one (issue 17).
            data_rows = sum(map(has_text, body))
            if data_rows > MAX_ROWS:
                out.errors.append(RowError(source, None, None, too_many_rows(MAX_ROWS + 1)))
                return out
            if as_grid:
                out.grid = body
            else:
                out.rows = list(map(dict, map(zip, repeat(headers), body)))
            break
        row: dict[str, object]
        stray = False
        if len(cells) <= len(headers) and all_named:  # the usual row: every cell under a named column
            row = dict(zip(headers, cells, strict=False))  # a short row fills the first columns
        else:
            row = {}
            for index, value in enumerate(cells):
                if index < len(headers) and headers[index]:
                    row[headers[index]] = value
                elif as_text(value):
                    stray = True
        if stray or has_text(row.values()):
            data_rows += 1
            if data_rows > MAX_ROWS:
                out.errors.append(RowError(source, None, None, too_many_rows(data_rows)))
                out.rows.clear()
                return out
        if stray:
            out.errors.append(RowError(source, number, None,
                f"The row has {sum(1 for c in cells if as_text(c))} values, some beyond the "
                f"{sum(1 for h in headers if h)} named columns; a separator inside a value needs "
                "quotes, or a column header is missing."))
            out.rejected += 1
            row = {}
        out.rows.append(row)
    out.no_data = headers is None or data_rows == 0
    if headers is None:
        out.errors.append(RowError(source, None, None,
            "The file has no rows at all; put a header row (matter, court, event, date, ...) and one "
            "row per event in it."))
    elif data_rows == 0:
        out.errors.append(RowError(source, None, None,
            "The file has a header row but no data rows; add one row per event under the header."))
    return out


def _duplicate_header(headers: list[str]) -> str | None:
    seen: set[str] = set()
    for header in headers:
        key = normalize_header(header)
        if key and key in seen:
            return f"The header '{header}' appears twice; rename or remove one of the columns."
        seen.add(key)
    return None
