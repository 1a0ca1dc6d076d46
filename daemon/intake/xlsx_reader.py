"""Excel intake workbooks (.xlsx/.xlsm) through openpyxl, read-only and values-only.

Formulas are never evaluated: docketd uses the value Excel saved with the workbook (data_only).
The sheet is the one named `Intake` (any case) if there is one, else the first worksheet.
The zip directory is checked for bombs before openpyxl opens anything.
"""

from __future__ import annotations

import logging
import warnings
import zipfile
from collections.abc import Mapping
from io import BytesIO

from daemon.intake.limits import xlsx_zip_problem
from daemon.intake.result import RowError
from daemon.intake.table import Records, records_from_table
from daemon.intake.values import Uncalculated

log = logging.getLogger(__name__)
DEFAULT_SHEET = "intake"


def _has_formulas(data: bytes) -> bool:
    with zipfile.ZipFile(BytesIO(data)) as archive:
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                xml = archive.read(info)
                if b"<f>" in xml or b"<f " in xml:
                    return True
    return False


def _mark_uncalculated(data: bytes, title: str, table: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    """Cells that are empty only because their formula was never calculated get an Uncalculated marker."""
    import openpyxl  # only for a workbook: it costs every command's start-up (see read_xlsx)

    workbook = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=False, keep_links=False)
    try:
        formulas = list(workbook[title].iter_rows(values_only=True))
    finally:
        workbook.close()
    marked: list[tuple[object, ...]] = []
    for values, raw in zip(table, formulas, strict=False):
        marked.append(tuple(
            Uncalculated(f) if v is None and isinstance(f, str) and f.startswith("=") else v
            for v, f in zip(values, list(raw) + [None] * (len(values) - len(raw)), strict=False)))
    return marked + table[len(marked):]


def read_xlsx(data: bytes, source: str, *, sheet: str | None = None,
              header_aliases: Mapping[str, str] | None = None, as_grid: bool = False) -> Records:
    """Rows of a workbook's intake sheet keyed by header (or, with as_grid, as read: see Records.grid), or a
    file-level error naming the fix."""
    # Imported here, not at the top: every command and the daemon's start import this module through
    # daemon.intake, and openpyxl took a fifth of `docketd run`'s imports (make bench, start-up to READY).
    import openpyxl

    problem = xlsx_zip_problem(data)
    if problem:
        return Records(errors=[RowError(source, None, None, problem)])
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about data validation, styles, etc.
            workbook = openpyxl.load_workbook(BytesIO(data), read_only=True, data_only=True, keep_links=False)
    # openpyxl raises whatever its XML and zip layers raise for a damaged workbook (KeyError,
    # ValueError, lxml and zipfile errors); all of them mean the same thing to the person.
    except Exception as exc:  # noqa: BLE001
        log.debug("openpyxl could not open %s: %r", source, exc)
        return Records(errors=[RowError(source, None, None,
            "The file is not a readable Excel workbook (it is damaged or only partly saved); open it in "
            "Excel and save it again as .xlsx, or export the intake sheet as CSV.")])
    try:
        names = workbook.sheetnames
        wanted = (sheet or DEFAULT_SHEET).lower()
        chosen = next((n for n in names if n.lower() == wanted), None)
        if chosen is None and sheet is not None:
            return Records(errors=[RowError(source, None, None,
                f"The workbook has no sheet named '{sheet}' (sheets: {', '.join(names)}); rename the "
                "intake sheet or fix the sheet name in the config.")])
        worksheets = workbook.worksheets
        if chosen is None and not worksheets:
            return Records(errors=[RowError(source, None, None,
                "The workbook has no worksheet; put the intake rows on a sheet named Intake.")])
        ws = workbook[chosen] if chosen is not None else worksheets[0]
        try:
            table = list(ws.iter_rows(values_only=True))
        except Exception as exc:  # noqa: BLE001 - same reason as above: any parse failure is a damaged file
            log.debug("openpyxl could not read %s: %r", source, exc)
            return Records(errors=[RowError(source, None, None,
                f"The sheet '{ws.title}' cannot be read (the workbook is damaged or only partly saved); "
                "open it in Excel and save it again, or export it as CSV.")])
        if _has_formulas(data) and any(c is None for r in table for c in r):
            try:
                table = _mark_uncalculated(data, ws.title, table)
            except Exception as exc:  # noqa: BLE001 - only a better message is lost; the values stand
                log.debug("Could not look for uncalculated formulas in %s: %r", source, exc)
        # read_only worksheets start at the first row the file declares; number rows as Excel shows them.
        first = ws.min_row if isinstance(getattr(ws, "min_row", None), int) else 1
        return records_from_table(table, source, first_number=first, header_aliases=header_aliases, as_grid=as_grid)
    finally:
        workbook.close()
