"""parse_records on a file's rows as read (CSV, XLSX: `headers=`, issue 17) gives what it gives on the same
rows as header -> cell mappings (what records_from_table made of them before): every trigger and error.

Random grids over good and bad cells of every column, with aliased and unknown headers, short rows, blank
rows and columns only a blank row reaches.
"""

from __future__ import annotations

import random
from datetime import date

from daemon.intake.rows import COLUMNS, parse_records
from daemon.intake.values import Uncalculated

from .test_plain_rows import _CELLS, _check

_HEADERS = {c: [c] for c in COLUMNS}
_HEADERS["matter"] += ["Matter #", "File Number"]
_HEADERS["title"] += ["Case Name"]
_HEADERS["date"] += ["Date"]


def _grid(rnd: random.Random) -> tuple[list[str], list[list[object]]]:
    columns = [c for c in COLUMNS if c in ("matter", "event", "date") or rnd.random() < 0.6]
    rnd.shuffle(columns)
    headers = [rnd.choice(_HEADERS[c]) for c in columns]
    if rnd.random() < 0.3:
        headers.append("internal notes")  # not an intake column
    if rnd.random() < 0.2 and "paralegal" not in headers:
        headers.append("Paralegal")  # the same column under a second name once in a while
    # records_from_table refuses a header row that names one header twice; the rest is for parse_records.
    assert len(set(headers)) == len(headers)
    rows: list[list[object]] = []
    for _ in range(rnd.randrange(1, 60)):
        if rnd.random() < 0.05:
            rows.append([""] * rnd.randrange(0, len(headers) + 1))  # a blank row, maybe as wide as the header
            continue
        row: list[object] = []
        for h in headers:
            column = next((c for c, names in _HEADERS.items() if h in names), None)
            cells = _CELLS[column] if column else ["x", ""]
            row.append(cells[rnd.randrange(2)] if rnd.random() < 0.9 else rnd.choice(cells))
        if rnd.random() < 0.02:
            row[0] = Uncalculated("=A1")
        if rnd.random() < 0.1:
            row = row[:rnd.randrange(1, len(row) + 1)]  # a short row
        rows.append(row)
    return headers, rows


def test_grid_and_mappings_give_the_same_result() -> None:
    rnd = random.Random(19)
    aliases = {"Case Name": "title"}
    accepted = 0
    for _ in range(400):
        headers, rows = _grid(rnd)
        mappings = [dict(zip(headers, cells, strict=False)) for cells in rows]
        kwargs = {"first_row": 3, "header_aliases": aliases, "checksum": "sum", "check_event": _check,
                  "received": date(2026, 12, 3)}
        want = parse_records(mappings, "x.csv", **kwargs)  # type: ignore[arg-type]
        got = parse_records(rows, "x.csv", headers=headers, **kwargs)  # type: ignore[arg-type]
        assert (got.triggers, got.errors, got.rows) == (want.triggers, want.errors, want.rows), (headers, rows)
        accepted += len(got.triggers)
    assert accepted > 400
