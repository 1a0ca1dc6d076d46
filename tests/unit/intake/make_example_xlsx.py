"""Regenerate config/examples/intake-example.xlsx from the CSV example.

Run: .venv/bin/python -m tests.unit.intake.make_example_xlsx

The workbook is what a firm's Excel intake looks like: a sheet named Intake, real date and time
cells, the firm's own header names, a frozen header row. It is committed; a test checks it still
says exactly what the CSV says.
"""

from __future__ import annotations

import csv
from datetime import date, time
from pathlib import Path

import openpyxl
from openpyxl.styles import Font

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "config" / "examples"
FIRM_HEADERS = {"matter": "Matter #", "title": "Caption", "event": "Trigger Event", "date": "Event Date",
                "service": "Service Method", "attorney": "Responsible Attorney"}


def build(target: Path) -> None:
    """Write the example workbook to `target`."""
    with (EXAMPLES / "intake-example.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    workbook = openpyxl.Workbook()
    notes = workbook.active
    notes.title = "Read me"
    notes["A1"] = "Intake rows are on the Intake sheet; docketd reads that sheet."
    sheet = workbook.create_sheet("Intake")
    header = rows[0]
    sheet.append([FIRM_HEADERS.get(h, h.capitalize()) for h in header])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows[1:]:
        values: list[object] = []
        for name, value in zip(header, row, strict=True):
            if name == "date":
                values.append(date.fromisoformat(value))
            elif name == "time" and value:
                hour, minute = value.split(":")
                values.append(time(int(hour), int(minute)))
            else:
                values.append(value or None)
        sheet.append(values)
    for cell in sheet["E"][1:]:
        cell.number_format = "mm/dd/yyyy"
    for cell in sheet["F"][1:]:
        cell.number_format = "hh:mm"
    sheet.freeze_panes = "A2"
    workbook.save(target)


if __name__ == "__main__":
    build(EXAMPLES / "intake-example.xlsx")
