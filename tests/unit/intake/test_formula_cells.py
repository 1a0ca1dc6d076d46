"""Cells that look like spreadsheet formulas are refused in identity and routing columns."""

from __future__ import annotations

import pytest

from daemon.intake import parse_records


@pytest.mark.parametrize("column,value", [
    ("matter", '=HYPERLINK("http://evil","x")'),
    ("matter", "+2026-0142"),
    ("matter", "@SUM(A1)"),
    ("attorney", "+jdoe@firm.com"),
    ("attorney", "=jdoe@firm.com"),
    ("paralegal", "-pat@firm.com"),
])
def test_formula_like_cells_are_refused(column: str, value: str) -> None:
    row = {"matter": "2026-0142", "court": "federal", "event": "summons_served", "date": "2026-01-05",
           "attorney": "jdoe@firm.com", "paralegal": "pat@firm.com"}
    row[column] = value
    result = parse_records([row], "intake.csv")
    assert result.triggers == []
    (error,) = result.errors
    assert error.column == column and error.row == 2


def test_plus_addressing_inside_an_address_is_fine() -> None:
    row = {"matter": "2026-0142", "court": "federal", "event": "summons_served", "date": "2026-01-05",
           "attorney": "jdoe+docket@firm.com"}
    result = parse_records([row], "intake.csv")
    assert result.errors == [] and result.triggers[0].attorneys == ("jdoe+docket@firm.com",)
