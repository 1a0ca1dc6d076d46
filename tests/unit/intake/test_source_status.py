"""Status texts written back to intake sheets."""

from __future__ import annotations

from datetime import date

from daemon.intake import RowError
from daemon.sources.row_status import MAX_STATUS_CHARS, docketed_text, error_text

TODAY = date(2026, 1, 10)


def test_docketed_texts() -> None:
    one = [(date(2026, 1, 26), "frcp.answer", "deadline")]
    assert docketed_text(one, TODAY) == "docketed: 1 deadline, next 2026-01-26 (frcp.answer)"
    mixed = [(date(2026, 1, 8), "frcp.answer/confirm-service", "followup"), *one,
             (date(2026, 1, 27), "frcp.answer/check", "followup")]
    assert docketed_text(mixed, TODAY) == "docketed: 1 deadline, next 2026-01-26 (frcp.answer); 2 follow-ups"
    past = [(date(2025, 12, 1), "a", "deadline"), (date(2025, 12, 5), "b", "deadline")]
    assert docketed_text(past, TODAY) == "docketed: 2 deadlines, all before today (last 2025-12-05)"
    assert docketed_text([], TODAY).startswith("docketed: no deadlines")
    only_followups = [(date(2026, 2, 1), "x/remind", "followup")]
    assert docketed_text(only_followups, TODAY) == "docketed: 1 follow-up, next 2026-02-01 (x/remind)"


def test_error_text_names_columns_and_stays_readable() -> None:
    errors = [RowError("s", 3, "date", "Bad date; write 2026-01-05."), RowError("s", 3, None, "Too many values.")]
    assert error_text(errors) == ("NOT docketed — date: Bad date; write 2026-01-05. | Too many values. "
                                  "(fix the cell; docketd reads the row again)")
    long = error_text([RowError("s", 3, "notes", "x" * 5000)])
    assert len(long) == MAX_STATUS_CHARS and long.endswith("…")
