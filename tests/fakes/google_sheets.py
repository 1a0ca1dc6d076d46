"""A local fake of the Google Sheets values API v4 and Drive files.get metadata, mounted on FakeGoogle.

Driven by the real google-api-python-client (static discovery, `api_endpoint` pointed at the fake):

- GET  /v4/spreadsheets/{id}/values/{range}: values of a tab or A1 range, trailing empty cells and
  rows trimmed as Google does; `valueRenderOption` (FORMATTED_VALUE | UNFORMATTED_VALUE) and
  `dateTimeRenderOption` (SERIAL_NUMBER | FORMATTED_STRING) honoured for date and time cells;
- PUT  /v4/spreadsheets/{id}/values/{range}?valueInputOption=RAW: writes exactly that range, bumps
  the Drive version; every write is recorded in `writes` (to prove docketd touches one column);
- GET  /drive/v3/files/{id}?fields=version,modifiedTime: the spreadsheet's version, bumped on every
  change made through the API or by `set_rows` / `edit` (a person typing).

Tokens, quota and injected faults (429, 403 rateLimitExceeded, 5xx, timeouts, resets) come from the
FakeGoogle it is mounted on.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import unquote

from tests.fakes.google_calendar import FakeGoogle, Request, Response
from tests.fakes.google_fake_store import error_body

Cell = str | int | float | bool | date | time | None
EPOCH = date(1899, 12, 30)  # Sheets' (and Excel's) day zero for serial numbers
_A1 = re.compile(r"^([A-Z]*)(\d*)$")


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """A -> 0, AA -> 26."""
    value = 0
    for ch in letters:
        value = value * 26 + ord(ch) - 64
    return value - 1


@dataclass
class Spreadsheet:
    """One spreadsheet: tabs of rows (lists of cells), a Drive version, who may read it."""

    tabs: dict[str, list[list[Cell]]] = field(default_factory=dict)
    version: int = 1
    modified: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    readers: set[str] | None = None  # None: anyone with a token
    writers: set[str] | None = None  # None: anyone who may read; else only these may write (Editor)


@dataclass
class Write:
    """One values.update as the fake received it."""

    spreadsheet_id: str
    range: str
    values: list[list[Any]]
    user: str


class FakeSheets:
    """Sheets v4 values + Drive v3 files.get, mounted on a running FakeGoogle."""

    def __init__(self, google: FakeGoogle) -> None:
        self.google = google
        self.sheets: dict[str, Spreadsheet] = {}
        self.writes: list[Write] = []
        self.reads = 0
        self.metadata_reads = 0
        self._lock = threading.Lock()
        google.mount("/v4/spreadsheets/", self._values)
        google.mount("/drive/v3/files/", self._drive)

    @property
    def api_endpoint(self) -> str:
        """The `api_endpoint` to configure for a google-sheet source."""
        return self.google.root

    # -- what a person does in the browser ----------------------------------------------------
    def set_rows(self, spreadsheet_id: str, tab: str, rows: list[list[Cell]]) -> None:
        """Replace a tab's contents (creating the spreadsheet or tab) and bump the version."""
        with self._lock:
            sheet = self.sheets.setdefault(spreadsheet_id, Spreadsheet())
            sheet.tabs[tab] = [list(r) for r in rows]
            self._touch(sheet)

    def edit(self, spreadsheet_id: str, tab: str, row: int, column: int, value: Cell) -> None:
        """Type one cell (1-based row, 0-based column) as a person would."""
        with self._lock:
            sheet = self.sheets[spreadsheet_id]
            grid = sheet.tabs[tab]
            self._put(grid, row - 1, column, value)
            self._touch(sheet)

    def delete_row(self, spreadsheet_id: str, tab: str, row: int) -> None:
        """Delete a whole row (1-based); the rows below move up."""
        with self._lock:
            sheet = self.sheets[spreadsheet_id]
            del sheet.tabs[tab][row - 1]
            self._touch(sheet)

    def share(self, spreadsheet_id: str, *, readers: set[str] | None = None,
              writers: set[str] | None = None) -> None:
        """Who may read and who may write (None: anyone with a token)."""
        with self._lock:
            sheet = self.sheets[spreadsheet_id]
            sheet.readers, sheet.writers = readers, writers

    def rows(self, spreadsheet_id: str, tab: str) -> list[list[Cell]]:
        """A copy of a tab's cells."""
        with self._lock:
            return [list(r) for r in self.sheets[spreadsheet_id].tabs[tab]]

    def column(self, spreadsheet_id: str, tab: str, header: str) -> list[Cell]:
        """The cells under a header (row 2 onwards), '' where empty."""
        grid = self.rows(spreadsheet_id, tab)
        index = [str(c) for c in grid[0]].index(header)
        return [r[index] if index < len(r) and r[index] is not None else "" for r in grid[1:]]

    # -- internals ------------------------------------------------------------------------------
    def _touch(self, sheet: Spreadsheet) -> None:
        sheet.version += 1
        sheet.modified += timedelta(seconds=1)

    @staticmethod
    def _put(grid: list[list[Cell]], r: int, c: int, value: Cell) -> None:
        while len(grid) <= r:
            grid.append([])
        row = grid[r]
        while len(row) <= c:
            row.append(None)
        row[c] = value

    def _find(self, req: Request, spreadsheet_id: str) -> Spreadsheet:
        sheet = self.sheets.get(spreadsheet_id)
        if sheet is None or (sheet.readers is not None and req.user not in sheet.readers):
            raise _Error(404, "notFound", f"Requested entity was not found: {spreadsheet_id}")
        return sheet

    def _drive(self, req: Request) -> Response:
        try:
            file_id = unquote(req.path[len("/drive/v3/files/"):])
            with self._lock:
                sheet = self._find(req, file_id)
                self.metadata_reads += 1
                return Response(200, {"kind": "drive#file", "id": file_id, "version": str(sheet.version),
                                      "modifiedTime": sheet.modified.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
        except _Error as exc:
            return Response(exc.code, error_body(exc.code, exc.reason, exc.message))

    def _values(self, req: Request) -> Response:
        try:
            rest = req.path[len("/v4/spreadsheets/"):]
            spreadsheet_id, _, a1 = rest.partition("/values/")
            spreadsheet_id, a1 = unquote(spreadsheet_id), unquote(a1)
            query = {k: v[-1] for k, v in req.query.items()}
            with self._lock:
                sheet = self._find(req, spreadsheet_id)
                tab, c0, r0, c1, r1 = self._range(sheet, a1)
                if req.method == "GET":
                    self.reads += 1
                    return Response(200, self._get(sheet, tab, c0, r0, c1, r1, query))
                if req.method == "PUT":
                    if sheet.writers is not None and req.user not in sheet.writers:
                        raise _Error(403, "forbidden", "The caller does not have permission")
                    return Response(200, self._update(req, spreadsheet_id, sheet, tab, c0, r0, c1, r1, query))
            raise _Error(405, "badRequest", f"{req.method} is not supported on {req.path}.")
        except _Error as exc:
            return Response(exc.code, error_body(exc.code, exc.reason, exc.message))

    def _range(self, sheet: Spreadsheet, a1: str) -> tuple[str, int, int, int | None, int | None]:
        tab, bang, cells = a1.partition("!")
        if not bang:
            tab, cells = a1, ""
        if tab.startswith("'") and tab.endswith("'"):
            tab = tab[1:-1].replace("''", "'")
        if tab not in sheet.tabs:
            raise _Error(400, "badRequest", f"Unable to parse range: {a1}")
        if not cells:
            return tab, 0, 0, None, None
        start, _, end = cells.partition(":")
        m0, m1 = _A1.match(start), _A1.match(end or start)
        if m0 is None or m1 is None:
            raise _Error(400, "badRequest", f"Unable to parse range: {a1}")
        c0 = column_index(m0.group(1)) if m0.group(1) else 0
        r0 = int(m0.group(2)) - 1 if m0.group(2) else 0
        c1 = column_index(m1.group(1)) if m1.group(1) else None
        r1 = int(m1.group(2)) - 1 if m1.group(2) else None
        return tab, c0, r0, c1, r1

    def _get(self, sheet: Spreadsheet, tab: str, c0: int, r0: int, c1: int | None, r1: int | None,
             query: dict[str, str]) -> dict[str, Any]:
        grid = sheet.tabs[tab]
        last_row = len(grid) - 1 if r1 is None else min(r1, len(grid) - 1)
        out: list[list[Any]] = []
        for r in range(r0, last_row + 1):
            row = grid[r]
            last_col = len(row) - 1 if c1 is None else min(c1, len(row) - 1)
            cells = [_render(row[c], query) for c in range(c0, last_col + 1)]
            while cells and cells[-1] == "":
                cells.pop()
            out.append(cells)
        while out and not out[-1]:
            out.pop()
        width = max((len(r) for r in out), default=1)
        shown = f"'{tab}'!{column_letter(c0)}{r0 + 1}:{column_letter(c0 + width - 1)}{r0 + max(len(out), 1)}"
        body: dict[str, Any] = {"range": shown, "majorDimension": "ROWS"}
        if out:
            body["values"] = out
        return body

    def _update(self, req: Request, spreadsheet_id: str, sheet: Spreadsheet, tab: str, c0: int, r0: int,
                c1: int | None, r1: int | None, query: dict[str, str]) -> dict[str, Any]:
        if query.get("valueInputOption") not in ("RAW", "USER_ENTERED"):
            raise _Error(400, "badRequest", "Invalid valueInputOption")
        body = json.loads(req.body or b"{}")
        values = body.get("values", [])
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                if (r1 is not None and r0 + i > r1) or (c1 is not None and c0 + j > c1):
                    raise _Error(400, "badRequest", "Requested writing within range but tried to write outside it")
                self._put(sheet.tabs[tab], r0 + i, c0 + j, value)
        self._touch(sheet)
        rng = unquote(req.path.partition("/values/")[2])
        self.writes.append(Write(spreadsheet_id, rng, values, req.user))
        cells = sum(len(r) for r in values)
        return {"spreadsheetId": spreadsheet_id, "updatedRange": rng, "updatedRows": len(values),
                "updatedColumns": max((len(r) for r in values), default=0), "updatedCells": cells}


def _render(value: Cell, query: dict[str, str]) -> Any:
    """A cell as the values API returns it for the requested render options."""
    if value is None:
        return ""
    unformatted = query.get("valueRenderOption") == "UNFORMATTED_VALUE"
    serial = query.get("dateTimeRenderOption", "SERIAL_NUMBER") == "SERIAL_NUMBER"
    if isinstance(value, datetime):
        days = (value - datetime.combine(EPOCH, time(0), tzinfo=value.tzinfo)).total_seconds() / 86400
        return days if unformatted and serial else value.strftime("%-m/%-d/%Y %H:%M:%S")
    if isinstance(value, date):
        return (value - EPOCH).days if unformatted and serial else f"{value.month}/{value.day}/{value.year}"
    if isinstance(value, time):
        fraction = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
        return fraction if unformatted and serial else value.strftime("%-I:%M:%S %p")
    if isinstance(value, bool):
        return value if unformatted else str(value).upper()
    if isinstance(value, int | float):
        return value if unformatted else (str(int(value)) if float(value).is_integer() else str(value))
    return value


class _Error(Exception):
    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason, self.message = code, reason, message
