"""read_csv splits lines as io.StringIO(text, newline="") does (issue 17: it now uses str.splitlines when that
gives the same lines): quoted cells spanning lines, every line ending, and the other breaks splitlines knows."""

from __future__ import annotations

import csv
import io

import pytest

from daemon.intake.csv_reader import read_csv

_TEXTS = [
    'matter,event,date,notes\r\n2026-1,trial,2026-01-05,"two\r\nlines"\r\n2026-2,trial,2026-01-06,x\r\n',
    'matter,event,date,notes\r2026-1,trial,2026-01-05,"a\rb"\r2026-2,trial,2026-01-06,\r',
    'matter,event,date,notes\n2026-1,trial,2026-01-05,"a\nb\n"\n2026-2,trial,2026-01-06,"c\r\nd"',
    'matter,event,date,notes\n2026-1,trial,2026-01-05,"a\u2028b"\n2026-2,trial,2026-01-06,e\u2029f\n',
    # (long enough that its control characters stay under the share decode() takes for binary junk)
    'matter,event,date,notes\n2026-1,trial,2026-01-05,a\x0bb\x0cc\x1cd\x85e' + 'x' * 500 + '\n',
]


@pytest.mark.parametrize("text", _TEXTS)
def test_rows_as_stringio_reads_them(text: str) -> None:
    want = list(csv.reader(io.StringIO(text, newline=""), delimiter=",", quotechar='"', strict=False))
    records = read_csv(text.encode("utf-8"), "x.csv", as_grid=True)
    assert records.headers == want[0]
    assert (records.grid or [dict(zip(want[0], r, strict=False)) for r in records.rows]) in (
        want[1:], [dict(zip(want[0], r, strict=False)) for r in want[1:]])
