"""Pure parsers for intake cell values: dates, times, e-mail lists, plain text.

Each parser returns the value or raises `ValueProblem` whose message is a sentence with the fix.

The date rule (see docs/intake.md): ISO `2026-01-05` always; slashed dates are US month/day/year
with a four-digit year (`1/5/2026` is January 5); month names (`January 5, 2026`, `5 Jan 2026`).
Anything that could be read two ways is refused, never guessed:
- a two-digit year (`1/5/26`), dashes or dots between non-ISO parts (`01-05-2026`, `05.01.2026`);
- a slashed date whose first number is over 12 (`13/01/2026` is day/month/year);
- in a file that holds such a day-first date, every other slashed date whose day is 12 or less,
  because that file evidently writes day/month/year and `05/01/2026` could be May 1 or January 5.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from datetime import date, datetime, time

from daemon.settings.addresses import EMAIL

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_ISO_MIDNIGHT = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[T ]00:00(:00(\.0+)?)?(Z|[+-]00:?00)?$")
_SLASH = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d+)$")
_OTHER_NUMERIC = re.compile(r"^\d{1,4}[-./]\d{1,2}[-./]\d{1,4}$")
_MONTH_FIRST = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_DAY_FIRST = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]+)\.?,?\s+(\d{4})$")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::00)?\s*([AaPp]\.?[Mm]\.?)?$")
# One rule with the config (daemon/settings/addresses.py): a/b@x and a_b@x must never both be accepted, and the
# local part may not start with a spreadsheet formula character (= + - @): refused, not guessed.
_EMAIL = EMAIL
EXCEL_ERRORS = frozenset({"#REF!", "#VALUE!", "#N/A", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!"})
MIN_YEAR, MAX_YEAR = 1900, 2199
ISO_HINT = "write it as year-month-day, e.g. 2026-01-05"


class Uncalculated(str):
    """A workbook formula whose value was never saved (the file was written but never calculated)."""


class ValueProblem(ValueError):
    """A cell value that cannot be used; the message says what is wrong and how to fix it."""


def is_day_first(text: str) -> bool:
    """True if `text` is a slashed date that can only be day/month/year (first number over 12)."""
    m = _SLASH.match(text.strip())
    return m is not None and int(m.group(1)) > 12 and int(m.group(2)) <= 12


def _build(year: int, month: int, day: int, shown: str) -> date:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueProblem(f"The year in '{shown}' is {year}, which cannot be right; {ISO_HINT}.")
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueProblem(f"'{shown}' is not a date on the calendar; check the day and month.") from None


def parse_date(value: object, *, day_first_example: str | None = None) -> date:
    """A date from an ISO, US month/day/year or month-name value, or a spreadsheet date cell.

    `day_first_example` is a day-first date seen elsewhere in the same file; when given, slashed
    dates whose day is 12 or less are refused as ambiguous.
    """
    if isinstance(value, datetime):
        if value.time() != time(0, 0):
            raise ValueProblem(
                f"The date cell holds a date and a time ({value:%Y-%m-%d %H:%M}); keep only the date "
                "here and put the time in the time column."
            )
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float):  # bool is an int too
        raise ValueProblem(
            f"The date is the number {value:g}; format the cell as a date or type the date as text, "
            "e.g. 2026-01-05."
        )
    text = str(value).strip()
    if m := _ISO.match(text):
        return _build(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    if m := _ISO_MIDNIGHT.match(text):
        return _build(int(m.group(1)), int(m.group(2)), int(m.group(3)), text)
    if m := _SLASH.match(text):
        first, second, year_text = int(m.group(1)), int(m.group(2)), m.group(3)
        if len(year_text) != 4:
            raise ValueProblem(
                f"'{text}' has a {len(year_text)}-digit year, which docketd will not guess; "
                f"write the full year (1/5/2026) or {ISO_HINT}."
            )
        if first > 12:
            raise ValueProblem(
                f"'{text}' reads as day/month/year, but docketd reads slashed dates as US month/day/year; "
                f"{ISO_HINT}."
            )
        if day_first_example is not None and second <= 12:
            raise ValueProblem(
                f"'{text}' is ambiguous: this file also has '{day_first_example}', which is day/month/year, "
                f"so this could be either {first}/{second} or {second}/{first}; {ISO_HINT}."
            )
        return _build(int(year_text), first, second, text)
    if m := _MONTH_FIRST.match(text):
        return _named(m.group(1), int(m.group(2)), int(m.group(3)), text)
    if m := _DAY_FIRST.match(text):
        return _named(m.group(2), int(m.group(1)), int(m.group(3)), text)
    if _OTHER_NUMERIC.match(text):
        raise ValueProblem(
            f"'{text}' could be read more than one way (day and month order); {ISO_HINT}, "
            "or month/day/year with slashes (1/5/2026)."
        )
    raise ValueProblem(f"'{text}' is not a date docketd understands; {ISO_HINT}.")


def _named(month_name: str, day: int, year: int, shown: str) -> date:
    month = MONTHS.get(month_name.lower())
    if month is None:
        raise ValueProblem(f"'{month_name}' in '{shown}' is not a month name; {ISO_HINT}.")
    return _build(year, month, day, shown)


def parse_time(value: object) -> time:
    """A time of day from `HH:MM` (24-hour), `9:30 AM`, or a spreadsheet time cell."""
    if isinstance(value, datetime):
        return value.time().replace(second=0, microsecond=0)
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0)
    text = str(value).strip()
    m = _TIME.match(text)
    if m is None:
        raise ValueProblem(f"'{text}' is not a time; write it as HH:MM on the 24-hour clock, e.g. 09:30.")
    hour, minute, meridiem = int(m.group(1)), int(m.group(2)), m.group(3)
    if meridiem is not None:
        if not 1 <= hour <= 12:
            raise ValueProblem(f"'{text}' is not a time; with AM/PM the hour runs from 1 to 12.")
        hour = hour % 12 + (12 if meridiem.lower().startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise ValueProblem(f"'{text}' is not a time; write it as HH:MM on the 24-hour clock, e.g. 14:30.")
    return time(hour, minute)


def parse_emails(value: object) -> tuple[str, ...]:
    """E-mail addresses from a `;`-separated cell (or a list), lower-cased, in order, without repeats."""
    parts = [str(p) for p in value] if isinstance(value, list | tuple) else str(value).split(";")
    found: list[str] = []
    for part in parts:
        address = part.strip().lower()
        if not address:
            continue
        if not _EMAIL.match(address):
            hint = " (separate several addresses with ';')" if "," in address or " " in address else ""
            raise ValueProblem(f"'{part.strip()}' is not an e-mail address{hint}; write e.g. jdoe@firm.com.")
        if address not in found:
            found.append(address)
    return tuple(found)


def as_text(value: object) -> str:
    """A cell value as stripped text; whole-number floats (Excel's 142.0) lose their '.0'."""
    if type(value) is str:  # nearly every cell: the checks below cannot apply to a plain string
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value).strip()


def has_text(values: Collection[object]) -> bool:
    """True when any of the cells (read twice at most) has text: as_text of it is not empty."""
    try:
        return any(map(str.strip, values))  # type: ignore[arg-type]  # plain strings (nearly every row), in C
    except TypeError:  # a number, date or list among them
        return any(map(as_text, values))


# Dashes NFKC leaves alone (U+2011 NON-BREAKING HYPHEN becomes U+2010, not '-'): folded in identifiers.
_DASHES = {ord(c): "-" for c in "\u2010\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"}
_JOINERS = frozenset("\u200c\u200d")  # ZWNJ/ZWJ: ordinary writing in Persian, Indic scripts and emoji


def char_name(ch: str) -> str:
    """'U+200B ZERO WIDTH SPACE': how a character is named in an error."""
    return f"U+{ord(ch):04X} {unicodedata.name(ch, 'unnamed character')}"


def hidden_char(text: str, *, free_text: bool = False) -> str | None:
    """The first invisible or text-direction character in `text` (format, line/paragraph separators,
    private use, unassigned), else None; free text may keep ZWJ/ZWNJ."""
    if text.isascii():  # no ASCII character is in those categories (ASCII controls are Cc)
        return None
    for ch in text:
        if unicodedata.category(ch) in ("Cf", "Zl", "Zp", "Co", "Cn") and not (free_text and ch in _JOINERS):
            return ch
    return None


def normalize_text(text: str, *, identifier: bool = False) -> str:
    """NFKC (UAX #15: fullwidth digits, compatibility forms -> plain ones); identifiers fold dashes to '-'."""
    if type(text) is str and text.isascii():  # ASCII is its own NFKC form and holds none of those dashes
        return text
    out = unicodedata.normalize("NFKC", text)
    return out.translate(_DASHES) if identifier else out
