"""Size limits that keep a hostile or mistaken intake file from exhausting the daemon.

Every limit is checked before the expensive step it protects (reading, unzipping, parsing),
and a file over a limit is refused with a sentence that says how to split or fix it.
"""

from __future__ import annotations

import zipfile
from io import BytesIO

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ROWS = 100_000
# An .xlsx is a zip: its directory declares each member's uncompressed size, and Python's zipfile
# never inflates a member past its declared size, so checking the directory bounds the real work.
MAX_XLSX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_XLSX_MEMBER_RATIO = 200  # real worksheets compress ~10-30x; a zip bomb compresses ~1000x
MAX_XLSX_MEMBERS = 10_000
MAX_YAML_DEPTH = 10
MAX_YAML_ALIASES = 20  # bounds "billion laughs" expansion when the rows are walked
MAX_JSON_DEPTH = 10
MAX_CELL_CHARS = 10_000


def file_size_problem(size: int) -> str | None:
    """A sentence if a file of `size` bytes is too large to read, else None."""
    if size > MAX_FILE_BYTES:
        return (
            f"The file is {size / 1_048_576:.1f} MB, more than the {MAX_FILE_BYTES // 1_048_576} MB "
            "docketd reads at once; split it into smaller files."
        )
    return None


def too_many_rows(seen: int) -> str:
    """The sentence for a file with more data rows than MAX_ROWS."""
    return (
        f"The file has more than {MAX_ROWS:,} data rows ({seen:,} seen); split it into files of at most "
        f"{MAX_ROWS:,} rows each."
    )


def xlsx_zip_problem(data: bytes) -> str | None:
    """A sentence if `data` is not a zip or its declared contents are too large (zip bomb), else None."""
    try:
        with zipfile.ZipFile(BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return (
            "The file is not a readable Excel workbook (it is damaged, truncated, password-protected "
            "or not really .xlsx); open it in Excel and save it again as .xlsx, or export it as CSV."
        )
    if len(members) > MAX_XLSX_MEMBERS:
        return (
            f"The workbook holds {len(members):,} parts, more than the {MAX_XLSX_MEMBERS:,} docketd "
            "accepts; save the intake sheet alone in a new workbook."
        )
    total = 0
    for info in members:
        total += info.file_size
        if info.file_size > 1_048_576 and info.file_size > MAX_XLSX_MEMBER_RATIO * max(info.compress_size, 1):
            return (
                f"The workbook part {info.filename} unpacks to {info.file_size:,} bytes from "
                f"{info.compress_size:,}, a ratio no real spreadsheet has; docketd will not open it. "
                "Save the intake sheet again from Excel or export it as CSV."
            )
    if total > MAX_XLSX_UNCOMPRESSED:
        return (
            f"The workbook unpacks to {total / 1_048_576:.0f} MB, more than the "
            f"{MAX_XLSX_UNCOMPRESSED // 1_048_576} MB docketd opens; save the intake sheet alone "
            "in a smaller workbook or export it as CSV."
        )
    return None
