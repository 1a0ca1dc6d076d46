"""The column-by-column check of plain rows (issue 17) accepts exactly the rows the full check accepts.

`_PlainRows.fields` (down each column) and `.trigger` must give, for every row they accept, the very
TriggerEvent `_parse_row` gives with no error and the same court carried on; every other row goes to
`_parse_row`. Random rows over good and bad cells of every column (non-ASCII, formula errors, non-string
cells, blank and missing cells) check both.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time

from daemon.intake.rows import _ABSENT, COLUMNS, _Memo, _parse_row, _PlainRows

_CELLS: dict[str, list[object]] = {
    "matter": ["2026-0142", " 2026-0143 ", "2026\u20110142", "\uff12\uff10\uff12\uff16-1", "a|b", "=1+1", "-5",
               "2026-01\u200b42", "", "#REF!", 142, 142.0, None, "x" * 3000],
    "title": ["Acme v. Widget", "A\u200dB v. C", "\u00dcn\u00efcode", "", "#N/A", ["a"], "caf\u00e9"],
    "court": ["federal", "cand", "CAND", "nocourt", "Bad Court!", "", "  federal ", "\uff46ederal", 5],
    "event": ["summons_served", "Summons Served", "motion_hearing", "no_such", "bad event!", "", "trial",
              "MOTION  HEARING"],
    "date": ["2026-01-05", "1/5/2026", "13/01/2026", "05/01/2026", "January 5, 2026", "2026-02-30", "soon", "",
             " 2026-01-05 ", "\uff12026-01-05", date(2026, 1, 5), datetime(2026, 1, 5, 9), 46000],
    "time": ["09:00", "9:30 AM", "25:00", "", "13:00 PM", time(9, 30)],
    "service": ["mail", "Mail", "mail_out_of_state", "e mail", "pigeon", "", "overnight", "fax"],
    "ref": ["", "set one", "a|b", "x\x01y", "1"],
    "attorney": ["", "a@firm.com", "B@Firm.com; c@firm.com", "bad email", "x@y.com,z@w.com", ["a@firm.com"]],
    "paralegal": ["", "p@firm.com", "=p@firm.com"],
    "status": ["", "open", "closed", "Closed", "maybe"],
    "notes": ["", "call", "\u202enote", "#DIV/0!"],
    "case_number": ["", "3:24-cv-01234", "bad*number"],
    "lower_court": ["", "nysd", "Bad Court"],
}


def _fields(plain: _PlainRows, rows: list[dict[str, object]]) -> list[tuple[object, ...] | None]:
    """plain.fields of rows given as mappings, column by column as parse_records hands them over."""
    present = [c for c in COLUMNS if any(c in row for row in rows)]
    return plain.fields({c: [row.get(c, _ABSENT) for row in rows] for c in present}, len(rows))


def _check(court: str, event: str) -> str | None:
    if court not in ("federal", "cand"):
        return f"court {court!r} is not configured"
    return None if event in ("summons_served", "motion_hearing", "trial") else f"event {event!r} is unknown"


def test_plain_rows_accept_what_the_full_check_accepts() -> None:
    rnd = random.Random(17)
    for day_first in (None, "13/01/2026"):
        memo = _Memo()
        plain = _PlainRows("x.csv", "sum", day_first, _check, memo)
        plain_courts: dict[str, str] = {}
        full_courts: dict[str, str] = {}
        accepted = 0
        for number in range(2, 4000):
            columns = [c for c in COLUMNS if c in ("matter", "event", "date") or rnd.random() < 0.7]
            # Mostly good cells, so that many rows are accepted and the carry of courts is exercised.
            row = {c: (_CELLS[c][rnd.randrange(2)] if rnd.random() < 0.95 else rnd.choice(_CELLS[c]))
                   for c in columns}
            fields = _fields(plain, [row])[0]
            fast = None if fields is None else plain.trigger(fields, number, plain_courts)
            full, errors = _parse_row(row, number, "x.csv", "sum", full_courts, day_first, _check, _Memo())
            if fast is None:
                # The full check runs instead (as parse_records does), with the same courts carried.
                _parse_row(row, number, "x.csv", "sum", plain_courts, day_first, _check, memo)
            else:
                accepted += 1
                assert errors == [] and fast == full, row
            assert plain_courts == full_courts, row
        assert accepted > 500


def test_plain_rows_fields_of_a_whole_file_are_each_rows_own() -> None:
    """Down each column at once (as parse_records asks) or one row at a time: the same fields."""
    rnd = random.Random(18)
    rows = []
    for _ in range(3000):
        columns = [c for c in COLUMNS if c in ("matter", "event", "date") or rnd.random() < 0.7]
        rows.append({c: (_CELLS[c][rnd.randrange(2)] if rnd.random() < 0.9 else rnd.choice(_CELLS[c]))
                     for c in columns})
    whole = _fields(_PlainRows("x.csv", "sum", None, _check, _Memo()), rows)
    single = _PlainRows("x.csv", "sum", None, _check, _Memo())
    assert whole == [_fields(single, [row])[0] for row in rows]
    assert sum(f is not None for f in whole) > 500
