"""Intake rows (one mapping of header -> cell per row) to validated TriggerEvents.

Shared by every reader (CSV, XLSX, JSON, YAML) and by the sheet sources, so one row means the
same thing wherever it was typed. Pure: no I/O, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import fields as dataclass_fields
from datetime import date
from itertools import chain, zip_longest
from operator import itemgetter
from typing import TypeVar, cast

from daemon.engine.records import builder
from daemon.intake.limits import MAX_CELL_CHARS, MAX_ROWS, too_many_rows
from daemon.intake.result import IntakeResult, RowError
from daemon.intake.values import (
    EXCEL_ERRORS,
    Uncalculated,
    ValueProblem,
    as_text,
    char_name,
    has_text,
    hidden_char,
    is_day_first,
    normalize_text,
    parse_date,
    parse_emails,
)
from daemon.intake.values import parse_time as _parse_time
from daemon.models import SERVICE_METHODS, Provenance, TriggerEvent

CheckEvent = Callable[[str, str], "str | None"]

COLUMNS = ("matter", "title", "court", "event", "date", "time", "service", "ref", "attorney", "paralegal",
           "status", "notes", "case_number", "lower_court")
# court is not required: a row without one takes its matter's court from an earlier row of the same
# file here, or from the stored matter in the pipeline (which reports it if the matter has none).
REQUIRED_COLUMNS = ("matter", "event", "date")
STATUSES = ("open", "closed")
FREE_TEXT = ("title", "notes")  # free text: normalised (NFKC) but dashes kept, joiners allowed

# Headers firms commonly use; a config's [intake.headers] table adds its own (and wins).
BUILTIN_ALIASES: dict[str, str] = {
    "matter #": "matter", "matter no": "matter", "matter no.": "matter", "matter number": "matter",
    "matter id": "matter", "file number": "matter", "file #": "matter",
    "caption": "title", "case name": "title", "matter name": "title", "case title": "title",
    "court id": "court", "forum": "court",
    "trigger": "event", "trigger event": "event", "event type": "event", "event id": "event",
    "event date": "date", "trigger date": "date", "date served": "date", "service date": "date",
    "event time": "time", "hearing time": "time",
    "service method": "service", "method of service": "service", "served by": "service",
    "reference": "ref",
    "attorneys": "attorney", "responsible attorney": "attorney", "attorney email": "attorney",
    "paralegals": "paralegal", "paralegal email": "paralegal",
    "matter status": "status",
    "note": "notes", "comments": "notes", "comment": "notes",
    "case number": "case_number", "case no": "case_number", "case no.": "case_number", "case #": "case_number",
    "docket number": "case_number", "docket no": "case_number", "docket no.": "case_number",
    "civil action no.": "case_number",
    "lower court": "lower_court", "district court": "lower_court", "appeal from": "lower_court",
}

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f]")  # the characters below ' ' (ord < 32)
_CASE_NUMBER = re.compile(r"[\w.:/ -]{2,60}")


# One definition per cell rule, read by both checks of a row (_PlainRows and _parse_row): each takes the
# cell's stripped text and gives the value it stands for, or None when the rule refuses it.
def _court_id(shown: str) -> str | None:
    court = shown.lower()
    return court if _ID.match(court) else None


def _event_id(shown: str) -> str | None:
    event = _SPACES.sub("_", shown.lower())
    return event if _ID.match(event) else None


def _service_method(shown: str) -> str | None:
    service = shown.lower().replace("_", "-").replace(" ", "-")
    return service if service in SERVICE_METHODS else None


def _status(shown: str) -> str | None:
    status = shown.lower()
    return status if status in STATUSES else None


def _case_number(shown: str) -> str | None:
    return shown if _CASE_NUMBER.fullmatch(shown) else None


def _marked(shown: str) -> bool:
    """A matter or ref holding '|' (the identity keys' separator) or a control character."""
    return "|" in shown or bool(_CONTROL.search(shown))


def _formula_like(matter: str) -> bool:
    """A matter starting like a spreadsheet formula, which an export would evaluate when opened."""
    return matter[0] in "=+-@"
_trigger = builder(TriggerEvent)  # one record per row: the dataclass __init__ cost a tenth of a row's parse
_provenance = builder(Provenance)
_TRIGGER_ORDER = ("matter", "event", "date", "court", "time", "service", "ref", "title", "attorneys", "paralegals",
                  "status", "notes", "provenance", "case_number", "timezone", "lower_court")
assert tuple(f.name for f in dataclass_fields(TriggerEvent)) == _TRIGGER_ORDER  # _PlainRows.trigger's order


def normalize_header(header: str) -> str:
    """A header as compared: lower case, '_' and runs of spaces as one space, trimmed."""
    return re.sub(r"\s+", " ", header.replace("_", " ").replace("\ufeff", "")).strip().lower()


def column_of(header: str, header_aliases: Mapping[str, str] | None = None) -> str | None:
    """The intake column a header means (through built-in and configured aliases), or None."""
    key = normalize_header(header)
    if key in COLUMNS:
        return key
    own = {normalize_header(k): normalize_header(v) for k, v in (header_aliases or {}).items()}
    found = own.get(key) or BUILTIN_ALIASES.get(key)
    return found if found in COLUMNS else None


@dataclass(frozen=True)
class _Header:
    mapping: dict[str, str]  # raw header -> canonical column
    errors: list[RowError]


def _map_headers(raw_headers: list[str], source: str, header_aliases: Mapping[str, str]) -> _Header:
    errors: list[RowError] = []
    aliases = dict(BUILTIN_ALIASES)
    for own, target in header_aliases.items():
        target_column = normalize_header(target)
        if target_column not in COLUMNS:
            errors.append(RowError(source, None, None,
                f"The configured header alias '{own}' points at '{target}', which is not an intake column; "
                f"use one of: {', '.join(COLUMNS)}."))
            continue
        aliases[normalize_header(own)] = target_column
    mapping: dict[str, str] = {}
    owner: dict[str, str] = {}
    for raw in raw_headers:
        key = normalize_header(raw)
        canonical: str | None = key if key in COLUMNS else aliases.get(key)
        if canonical is None:
            continue  # extra columns (a firm's own notes, a status column) are allowed and ignored
        if canonical in owner:
            errors.append(RowError(source, None, canonical,
                f"The columns '{owner[canonical]}' and '{raw}' both mean '{canonical}'; "
                "remove or rename one of them."))
            continue
        owner[canonical] = raw
        mapping[raw] = canonical
    missing = [c for c in REQUIRED_COLUMNS if c not in owner]
    if missing and raw_headers and not owner:
        # Nothing here is an intake header: the file is probably not an intake file at all (a stray
        # .env or notes), so its first line is not quoted back into a report others may read.
        errors.append(RowError(source, None, missing[0],
            f"The first row names none of the intake columns ({', '.join(REQUIRED_COLUMNS)} are needed); "
            "is this an intake file? Put a header row (matter, court, event, date, ...) on top, or map "
            "your headers to them under [intake.headers] in the config."))
    elif missing and raw_headers:
        seen = ", ".join(f"'{_clip(h)}'" for h in raw_headers if h.strip()) or "none"
        errors.append(RowError(source, None, missing[0],
            f"The header row has no {' / '.join(missing)} column (headers seen: {seen}); "
            "add the column, or map your header to it under [intake.headers] in the config."))
    return _Header(mapping, errors)


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def parse_records(records: Iterable[Mapping[str, object]] | Iterable[Sequence[object]], source: str, *,
                  first_row: int = 2,
                  header_aliases: Mapping[str, str] | None = None, checksum: str = "",
                  check_event: CheckEvent | None = None, received: date | None = None,
                  headers: Sequence[str] | None = None) -> IntakeResult:
    """Validate intake rows into TriggerEvents; bad rows become RowErrors, good rows are kept.

    Rows are header -> cell mappings, or with `headers` the cells as read under those headers (a row no
    longer than them; how records_from_table hands a CSV or XLSX over without a dict per row).

    Rows are numbered from `first_row` in order (pass blank rows through so numbers match what a
    person sees); blank rows are skipped and not counted. `received` goes into each row's provenance.
    """
    result = IntakeResult()
    listed = list(records)
    table = (_Grid(cast("list[Sequence[object]]", listed), headers, first_row) if headers is not None
             else _Mappings(cast("list[Mapping[str, object]]", listed), first_row))
    if len(table.numbers) > MAX_ROWS:
        result.rows = MAX_ROWS + 1
        result.errors.append(RowError(source, None, None, too_many_rows(MAX_ROWS + 1)))
        return result
    result.rows = len(table.numbers)
    header = _map_headers(table.headers, source, header_aliases or {})
    if header.errors:
        result.errors.extend(header.errors)
        return result
    columns = table.columns(header.mapping)
    dates: Iterable[object] = [d for d in columns.get("date", ()) if d is not _ABSENT]
    try:
        dates = dict.fromkeys(dates)  # each distinct cell once, in order of first appearance
    except TypeError:  # a list or mapping in a JSON or YAML row
        pass
    day_first = next((text for d in dates if is_day_first(text := as_text(d))), None)
    courts: dict[str, str] = {}
    parsed: list[TriggerEvent] = []
    memo = _Memo()
    plain = _PlainRows(source, checksum, day_first, check_event, memo, received)
    for i, (number, fields) in enumerate(zip(table.numbers, plain.fields(columns, len(table.numbers)),
                                             strict=True)):
        trigger = None if fields is None else plain.trigger(fields, number, courts)
        if trigger is None:  # a row with a problem (or an unusual cell): the full checks word its errors
            trigger, errors = _parse_row(table.row(i, header.mapping), number, source, checksum, courts, day_first,
                                         check_event, memo, received)
            result.errors.extend(errors)
        if trigger is not None:
            parsed.append(trigger)
    kept, conflicts = _resolve_repeats(parsed, source)
    result.triggers = kept
    result.errors.extend(conflicts)
    result.errors.sort(key=lambda e: (e.row is not None, e.row or 0))
    return result


class _Mappings:
    """A file's rows as header -> cell mappings (JSON, YAML, sheets): the rows with text, by number."""

    def __init__(self, records: list[Mapping[str, object]], first_row: int) -> None:
        # Rows are only read from here on: a dict is kept as it is (10,000 copies in a big file, issue 17).
        kept = [(number, record if type(record) is dict else dict(record))
                for number, record in enumerate(records, start=first_row) if has_text(record.values())]
        self.numbers = [n for n, _ in kept]
        self._rows = [r for _, r in kept]
        # Every row's headers, in order of first appearance.
        self.headers = [str(h) for h in dict.fromkeys(chain.from_iterable(records))]

    def columns(self, mapping: Mapping[str, str]) -> dict[str, Sequence[object]]:
        """Each intake column's cells, one per row (_ABSENT where a row has none)."""
        raw = {canonical: header for header, canonical in mapping.items()}
        present = [c for c in COLUMNS if c in raw]
        if len(present) > 1:
            try:  # every row has every column (the usual file): transposed in C
                cells = zip(*map(itemgetter(*[raw[c] for c in present]), self._rows), strict=True)
                return dict(zip(present, cells, strict=True))
            except KeyError:
                pass
        return {c: [row.get(raw[c], _ABSENT) for row in self._rows] for c in present}

    def row(self, i: int, mapping: Mapping[str, str]) -> Mapping[str, object]:
        """Row i as canonical column -> cell, for the full checks."""
        row = self._rows[i]
        if all(mapping.get(k) == k for k in row):  # the headers are the column names: the row as read
            return row
        return {mapping[k]: v for k, v in row.items() if k in mapping}


class _Grid:
    """A file's rows as read (CSV, XLSX): cells under `headers`, no row longer than them."""

    def __init__(self, records: list[Sequence[object]], headers: Sequence[str], first_row: int) -> None:
        kept = [(number, cells) for number, cells in enumerate(records, start=first_row) if has_text(cells)]
        self.numbers = [n for n, _ in kept]
        self._rows = [r for _, r in kept]
        # The headers some row reaches, as a row mapping would have them (dict(zip(headers, cells))).
        self.headers = [str(h) for h in headers[:max(map(len, records), default=0)]]

    def columns(self, mapping: Mapping[str, str]) -> dict[str, Sequence[object]]:
        """Each intake column's cells, one per row (_ABSENT where a short row has none)."""
        where = {mapping[h]: i for i, h in enumerate(self.headers) if h in mapping}
        cells: list[Sequence[object]] = list(zip_longest(*self._rows, fillvalue=_ABSENT))
        none = [_ABSENT] * len(self._rows)  # a column only blank rows reach
        return {c: cells[where[c]] if where[c] < len(cells) else none for c in COLUMNS if c in where}

    def row(self, i: int, mapping: Mapping[str, str]) -> Mapping[str, object]:
        """Row i as canonical column -> cell, for the full checks."""
        return {mapping[h]: v for h, v in zip(self.headers, self._rows[i], strict=False) if h in mapping}


_T = TypeVar("_T")


def _remembered(cache: dict[str, _T | str], value: str, parse: Callable[[str], _T]) -> _T:
    """parse(value), or the problem it raised, kept for the next cell with the same text."""
    found = cache.get(value)
    if found is None:
        try:
            found = parse(value)
        except ValueProblem as problem:
            found = str(problem)
        cache[value] = found
    if isinstance(found, str):
        raise ValueProblem(found)
    return found


class _Memo:
    """One file's parsed date and e-mail cells: columns repeat their values row after row (issue 17)."""

    def __init__(self) -> None:
        self._dates: dict[str, date | str] = {}
        self._emails: dict[str, tuple[str, ...] | str] = {}

    def day(self, value: object, day_first: str | None) -> date:
        """parse_date(value, day_first_example=day_first); day_first is the same for the whole file."""
        if type(value) is not str:
            return parse_date(value, day_first_example=day_first)
        return _remembered(self._dates, value, lambda v: parse_date(v, day_first_example=day_first))

    def addresses(self, value: object) -> tuple[str, ...]:
        """parse_emails(value)."""
        if type(value) is not str:
            return parse_emails(value)
        return _remembered(self._emails, value, parse_emails)


_RULES: dict[str, Callable[[str], str | None]] = {
    "court": _court_id, "lower_court": _court_id, "event": _event_id, "service": _service_method,
    "status": _status, "case_number": _case_number,
}
_BAD = object()  # a cell _parse_row would report: the row goes the full way
_EMPTY = object()  # a blank cell: as if the column were absent
_ABSENT = object()  # no such key in the row's mapping, no such cell in a short row
_NOT_TEXT = object()  # a cell that is not a plain string (a number, date, list...): the full way
Fields = tuple[object, ...]  # a plain row's fields in COLUMNS order, None where blank or absent


class _PlainRows:
    """The good rows of a file, checked column by column: each distinct cell of a column is checked once.

    Columns repeat their values row after row (court, event, service, status, people; issue 17), and
    every check but the court carried from an earlier row and check_event looks at one cell alone. So
    `fields` works down each column with C-level maps and checks each distinct cell once; a row with
    any problem, or any cell that is not a plain string, gets None there and goes through `_parse_row`,
    which words the errors. A row `trigger` accepts is the very TriggerEvent `_parse_row` gives
    (tests/unit/intake/test_plain_rows.py).
    """

    def __init__(self, source: str, checksum: str, day_first: str | None, check_event: CheckEvent | None,
                 memo: _Memo, received: date | None = None) -> None:
        self._source = source
        self._received = received
        self._checksum = checksum
        self._day_first = day_first
        self._check_event = check_event
        self._memo = memo
        self._seen: dict[str, dict[object, object]] = {c: {_ABSENT: None} for c in COLUMNS}

    def fields(self, cells: Mapping[str, Sequence[object]], n: int) -> list[Fields | None]:
        """Each of n rows' fields in COLUMNS order (None where blank or absent), or None for a row with a
        problem; `cells`: each intake column's n cells (_ABSENT where a row has none)."""
        bad: set[int] = set()
        columns = {c: self._column(c, list(column)) for c, column in cells.items()}
        for c, column in columns.items():
            if any(found is _BAD for found in self._seen[c].values()):
                bad.update(i for i, found in enumerate(column) if found is _BAD)
        nothing = [None] * n
        out: list[Fields | None] = list(zip(*[columns.get(c, nothing) for c in COLUMNS], strict=True))
        for i in bad:
            out[i] = None
        return out

    def _column(self, column: str, cells: list[object]) -> list[object]:
        """What each cell of one column gives its field: a value, None (blank or absent), or _BAD."""
        known = self._seen[column]
        if not set(map(type, cells)) <= {str, object}:  # object: _ABSENT
            cells = [c if type(c) is str or c is _ABSENT else _NOT_TEXT for c in cells]
        for value in dict.fromkeys(cells):
            if value in known:
                continue
            if value is _NOT_TEXT:
                known[value] = _BAD
            else:
                assert isinstance(value, str)
                found = self._cell(column, value)
                known[value] = None if found is _EMPTY else found
        return list(map(known.__getitem__, cells))

    def trigger(self, fields: Fields, number: int, courts: dict[str, str]) -> TriggerEvent | None:
        """The row's TriggerEvent if it has no problem at all, else None (nothing changed)."""
        (matter, title, own, event, when, at, service, ref, attorneys, paralegals, status, notes, case_number,
         lower_court) = fields
        if matter is None or event is None or when is None:
            return None
        assert isinstance(matter, str) and isinstance(event, str)
        assert own is None or isinstance(own, str)
        court = courts.get(matter) if own is None else own  # carried from an earlier row of the matter
        if court is not None and self._check_event is not None and self._check_event(court, event):
            return None
        if own is not None:
            courts[matter] = own
        # In TriggerEvent's field order, positional: matching 15 names was a tenth of the read (issue 17).
        return _trigger(
            matter, event, when, court, at, service, ref, title, () if attorneys is None else attorneys,
            () if paralegals is None else paralegals, "open" if status is None else status, notes,
            _provenance(self._source, number, self._checksum, self._received), case_number, None, lower_court,
        )

    def _cell(self, column: str, value: str) -> object:
        """What one cell gives its field (as _parse_row works it out), _EMPTY, or _BAD for any problem."""
        if value.isascii():
            shown = value.strip()
        else:
            if _hidden(value, column):
                return _BAD
            value = normalize_text(value, identifier=column not in FREE_TEXT)
            shown = value.strip()
        if shown in EXCEL_ERRORS or len(shown) > MAX_CELL_CHARS:
            return _BAD
        if not shown:
            return _EMPTY
        try:
            if column in ("matter", "ref"):
                refused = _marked(shown) or (column == "matter" and _formula_like(shown))
                return _BAD if refused else shown
            if column == "date":
                return self._memo.day(value, self._day_first)
            if column == "time":
                return _parse_time(value)
            if column in ("attorney", "paralegal"):
                return self._memo.addresses(value)
            if column in FREE_TEXT:
                return shown
            rule = _RULES.get(column)
            if rule is not None:
                found = rule(shown)
                return _BAD if found is None else found
        except ValueProblem:
            return _BAD
        return _BAD  # a column this check does not know


def _parse_row(
    row: Mapping[str, object], number: int, source: str, checksum: str, courts: dict[str, str],
    day_first: str | None, check_event: CheckEvent | None, memo: _Memo, received: date | None = None,
) -> tuple[TriggerEvent | None, list[RowError]]:
    errors: list[RowError] = []

    def bad(column: str | None, message: str) -> None:
        errors.append(RowError(source, number, column, message))

    cells: dict[str, object] = {}
    text: dict[str, str] = {}  # the cells as stripped text
    for column, value in row.items():
        if type(value) is str and value.isascii():
            shown = value.strip()  # ASCII holds no hidden character and is its own NFKC form (values.py)
        else:
            hidden = _hidden(value, column)
            if hidden:
                bad(column, f"The cell holds an invisible or text-direction character ({char_name(hidden)}); "
                            "it cannot be seen on screen but makes the value differ from what you read. "
                            "Retype the value without it.")
                continue
            value = _normalized(value, column)
            shown = as_text(value)
        if isinstance(value, Uncalculated):
            bad(column, f"The cell holds the formula {shown} but the workbook has no saved value for it; open "
                        "the workbook in Excel (or LibreOffice) and save it, or type the value.")
        elif shown in EXCEL_ERRORS:
            bad(column, f"The cell shows the spreadsheet error {shown}; fix the formula or type the value.")
        elif len(shown) > MAX_CELL_CHARS:
            bad(column, f"The cell holds {len(shown):,} characters, over {MAX_CELL_CHARS:,}; shorten it.")
        elif isinstance(value, dict) or (isinstance(value, list) and column not in ("attorney", "paralegal")):
            bad(column, "The value is a list or nested object; give one plain value.")
        elif shown:
            cells[column] = value
            text[column] = shown

    matter = text.get("matter", "")
    errored = {e.column for e in errors}
    if not matter:
        if "matter" not in errored:
            bad("matter", "The matter number is missing; every row needs one, e.g. 2026-0142.")
    elif _marked(matter):
        bad("matter", f"The matter number '{matter}' contains '|' or a control character; remove it.")
    elif _formula_like(matter):
        # A cell starting like a spreadsheet formula would be evaluated by whoever opens an export later.
        bad("matter", f"The matter number '{matter}' starts with '{matter[0]}' and looks like a spreadsheet "
                      "formula; type the matter number itself, e.g. 2026-0142.")

    court: str | None = None
    if "court" in text:
        court = _court_id(text["court"])
        if court is None:
            bad("court", f"'{text['court']}' is not a court id; use e.g. federal, cand or ca-superior.")
        elif matter:
            courts[matter] = court
    elif matter in courts:
        court = courts[matter]  # carried from an earlier row of the same matter (DESIGN.md, intake contract)

    event = ""
    if "event" not in text:
        if "event" not in errored:
            bad("event", "The event is missing; give the trigger event id, e.g. summons_served.")
    elif (event := _event_id(text["event"]) or "") == "":
        bad("event", f"'{text['event']}' is not an event id; use an id such as summons_served.")
    elif court and check_event is not None:
        problem = check_event(court, event)
        if problem:
            bad("court" if problem.startswith("court ") else "event", problem)

    when = None
    if "date" not in cells:
        if "date" not in errored:
            bad("date", "The date is missing; write the date of the event, e.g. 2026-01-05.")
    else:
        try:
            when = memo.day(cells["date"], day_first)
        except ValueProblem as problem:
            bad("date", str(problem))

    at = None
    if "time" in cells:
        try:
            at = _parse_time(cells["time"])
        except ValueProblem as problem:
            bad("time", str(problem))

    service = _service_method(text["service"]) if "service" in text else None
    if service is None and "service" in text:
        methods = ", ".join(SERVICE_METHODS)
        bad("service", f"'{text['service']}' is not a service method; use one of: {methods}.")

    people: dict[str, tuple[str, ...]] = {}
    for column in ("attorney", "paralegal"):
        try:
            people[column] = memo.addresses(cells[column]) if column in cells else ()
        except ValueProblem as problem:
            bad(column, str(problem))

    status = _status(text["status"]) if "status" in text else "open"
    if status is None:
        bad("status", f"'{text['status']}' is not a status; use open or closed.")

    ref = text.get("ref") or None
    if ref is not None and _marked(ref):
        bad("ref", f"The ref '{ref}' contains '|' or a control character; remove it.")

    case_number = text.get("case_number") or None
    if case_number is not None and _case_number(case_number) is None:
        bad("case_number", f"'{case_number}' is not a docket number; write it as the court does, "
                           "e.g. 3:24-cv-01234.")
    lower = _court_id(text["lower_court"]) if "lower_court" in text else None
    if lower is None and "lower_court" in text:
        bad("lower_court", f"'{text['lower_court']}' is not a court id; give the district court's id, e.g. nysd.")

    if errors or when is None or status is None:
        return None, errors
    return _trigger(
        matter=matter, event=event, date=when, court=court, time=at, service=service, ref=ref,
        title=text.get("title") or None, attorneys=people.get("attorney", ()),
        paralegals=people.get("paralegal", ()), status=status, notes=text.get("notes") or None,
        provenance=_provenance(source=source, row=number, checksum=checksum, received=received),
        case_number=case_number,
        lower_court=lower,
    ), []


def _hidden(value: object, column: str) -> str | None:
    if type(value) is str:  # nearly every cell
        return hidden_char(value, free_text=column in FREE_TEXT)
    texts = value if isinstance(value, list) else [value]
    free = column in FREE_TEXT
    return next((ch for t in texts if isinstance(t, str) and (ch := hidden_char(t, free_text=free))), None)


def _normalized(value: object, column: str) -> object:
    # Issue 18 B12: '2026\u20110142' and fullwidth digits are the matter 2026-0142, not new matters.
    identifier = column not in FREE_TEXT
    if isinstance(value, Uncalculated):
        return value
    if isinstance(value, str):
        return normalize_text(value, identifier=identifier)
    if isinstance(value, list):
        return [normalize_text(v, identifier=identifier) if isinstance(v, str) else v for v in value]
    return value


def _resolve_repeats(triggers: list[TriggerEvent], source: str) -> tuple[list[TriggerEvent], list[RowError]]:
    """Drop exact repeats of a row; refuse rows that give one trigger instance two different facts.

    Without a ref, two rows for the same (matter, event) in one file are either a typo or two
    separate events that need refs; guessing which date is right could lose a deadline.
    """
    first: dict[tuple[str, str, str], TriggerEvent] = {}  # nearly every instance has one row
    repeated: dict[tuple[str, str, str], list[TriggerEvent]] = {}
    for trigger in triggers:
        instance = (trigger.matter, trigger.event, trigger.ref or "")  # trigger.instance, inline (issue 17)
        if instance not in first:
            first[instance] = trigger
        elif instance in repeated:
            repeated[instance].append(trigger)
        else:
            repeated[instance] = [first[instance], trigger]
    conflicted = {i: g for i, g in repeated.items() if len({_facts(t) for t in g}) > 1}
    errors: list[RowError] = []
    for (matter, event, ref), group in conflicted.items():
        # Every row of the instance is refused, exact repeats included: none of them can be trusted.
        rows = [t.provenance.row for t in group if t.provenance]
        for trigger in group:
            others = ", ".join(str(r) for r in rows if trigger.provenance and r != trigger.provenance.row)
            label = f"matter {matter}, event {event}" + (f", ref {ref}" if ref else "")
            errors.append(RowError(source, trigger.provenance.row if trigger.provenance else None, "event",
                f"Row(s) {others} also give {label} but with different details; if these are separate "
                "events give each a different ref, otherwise delete the stale row."))
    kept = list(first.values()) if not conflicted else [t for i, t in first.items() if i not in conflicted]
    return kept, errors


def _facts(t: TriggerEvent) -> tuple[object, ...]:
    return (t.date, t.time, t.court, t.service, t.status, t.title, t.attorneys, t.paralegals, t.notes,
            t.lower_court)
