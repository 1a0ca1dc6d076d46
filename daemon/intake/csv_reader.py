"""CSV/TSV intake files: encoding and delimiter sniffing, then the shared row validation.

Encodings, in order: a BOM (UTF-8, UTF-16 — Excel's "Unicode text" export), strict UTF-8, then
Windows-1252 (Excel's "CSV" on Windows), then Latin-1. Delimiters: an Excel `sep=X` first line,
else whichever of comma, semicolon, tab or pipe makes the header row name the most intake columns.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping

from daemon.intake.result import RowError
from daemon.intake.rows import BUILTIN_ALIASES, COLUMNS, normalize_header
from daemon.intake.table import Records, records_from_table

DELIMITERS = (",", ";", "\t", "|")
# Unicode category Cc (U+0000-U+001F, U+007F-U+009F) but tab, CR, LF and form feed, as one regex: the
# per-character category look-up took longer than parsing the rest of a 10,000-row file.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")
_SNIFF_LINES = 50
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")  # str.splitlines() breaks but \n and \r


class NotText(ValueError):
    """The bytes are not a text file (binary junk or an unknown encoding)."""


def decode(data: bytes) -> str:
    """The text of a CSV file's bytes; raises NotText for binary content."""
    if data.startswith(b"\xef\xbb\xbf"):
        text = data[3:].decode("utf-8", errors="strict")
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16")
    elif b"\x00" in data[:65536]:
        raise NotText("NUL bytes")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError:
                text = data.decode("latin-1")
    sample = text[:65536]
    controls = len(_CONTROLS.findall(sample))
    if sample and (controls > len(sample) // 100 or "\x00" in sample):
        raise NotText("control characters")
    return text


def _known_headers(header_aliases: Iterable[str]) -> set[str]:
    return set(COLUMNS) | set(BUILTIN_ALIASES) | {normalize_header(h) for h in header_aliases}


def sniff_delimiter(text: str, header_aliases: Iterable[str] = ()) -> str:
    """The delimiter under which the first non-blank line names the most intake columns."""
    known = _known_headers(header_aliases)
    lines = [line for line in text.splitlines()[:_SNIFF_LINES] if line.strip()]
    if not lines:
        return ","

    def score(delimiter: str) -> tuple[int, float, int]:
        records = list(csv.reader(lines, delimiter=delimiter))
        named, at = max((sum(1 for h in r if normalize_header(h) in known), i) for i, r in enumerate(records[:20]))
        header = records[at] if named else records[0]
        same = sum(1 for r in records[at + 1:] if len(r) == len(header)) / max(len(records) - at - 1, 1)
        return (named, same, len(header))

    return max(DELIMITERS, key=score)


def read_csv(data: bytes, source: str, *, delimiter: str | None = None,
             header_aliases: Mapping[str, str] | None = None, as_grid: bool = False) -> Records:
    """Rows of a CSV/TSV file's bytes keyed by header (or, with as_grid, as read: see Records.grid), or a
    file-level error."""
    try:
        text = decode(data)
    except (NotText, UnicodeDecodeError):
        return Records(errors=[RowError(source, None, None,
            "The file is not a text (CSV) file: it holds binary data; export the intake sheet as CSV "
            "(or save it as .xlsx) and drop that instead.")])
    first_number = 1
    first_line, _, rest = text.partition("\n")
    if first_line.strip().lower().startswith("sep=") and len(first_line.strip()) == 5:
        delimiter, text, first_number = first_line.strip()[4], rest, 2  # Excel's delimiter hint line
    if not text.strip():
        return Records(errors=[RowError(source, None, None,
            "The file is empty (or only blank lines); put a header row and one row per event in it.")])
    chosen = delimiter or sniff_delimiter(text, header_aliases or {})
    # The lines StringIO(text, newline="") gives: split after \n, \r and \r\n, endings kept. splitlines()
    # splits there too unless the text holds one of the other line breaks it knows; it skips StringIO's copy
    # of the text at four bytes a character (issue 17).
    lines: Iterable[str] = (io.StringIO(text, newline="") if _OTHER_BREAKS.search(text)
                            else text.splitlines(keepends=True))
    reader = csv.reader(lines, delimiter=chosen, quotechar='"', strict=False)
    try:
        table = list(reader)
    except csv.Error as exc:
        return Records(errors=[RowError(source, reader.line_num + first_number - 1, None,
            f"The CSV cannot be read there ({exc}); check for an unclosed quote or a very long value.")])
    return records_from_table(table, source, first_number=first_number, header_aliases=header_aliases,
                              as_grid=as_grid)
