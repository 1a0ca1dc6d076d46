"""JSON intake files: a list of row objects, or an object with a `rows` (or `intake`) list."""

from __future__ import annotations

import json
from collections.abc import Sequence

from daemon.intake.limits import MAX_JSON_DEPTH, MAX_ROWS, too_many_rows
from daemon.intake.result import RowError
from daemon.intake.table import Records

ROW_LIST_KEYS = ("rows", "intake")


class _DuplicateKey(ValueError):
    pass


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _depth(value: object, level: int = 0) -> int:
    if level > MAX_JSON_DEPTH:
        return level
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def rows_from_document(document: object, source: str, kind: str) -> Records:
    """Rows of a parsed JSON/YAML document (a list of objects), numbered from 1 as list positions."""
    rows: object = document
    if isinstance(document, dict):
        key = next((k for k in ROW_LIST_KEYS if k in document), None)
        rows = document[key] if key is not None else None
    if not isinstance(rows, list):
        return Records(errors=[RowError(source, None, None,
            f"The {kind} file must be a list of rows (objects with matter, court, event, date, ...) or an "
            "object whose 'rows' key holds that list.")])
    if not rows:
        return Records(errors=[RowError(source, None, None,
            f"The {kind} file holds no rows; add one object per event.")])
    if len(rows) > MAX_ROWS:
        return Records(errors=[RowError(source, None, None, too_many_rows(len(rows)))])
    out = Records(first_row=1)
    for number, item in enumerate(rows, start=1):
        if isinstance(item, dict) and all(isinstance(k, str) for k in item):
            bad = next((k for k, v in item.items() if isinstance(v, dict) or _nested_list(v)), None)
            if bad is None:
                out.rows.append(dict(item))
                continue
            out.errors.append(RowError(source, number, bad,
                f"The value of '{bad}' is nested; give a plain value (lists only for attorney, paralegal)."))
        else:
            out.errors.append(RowError(source, number, None,
                f"Row {number} is not an object of column: value pairs; write it like "
                '{"matter": "2026-0142", "court": "federal", "event": "summons_served", '
                '"date": "2026-01-05"}.'))
        out.rejected += 1
        out.rows.append({})
    return out


def _nested_list(value: object) -> bool:
    return isinstance(value, list) and any(isinstance(v, dict | list) for v in value)


def read_json(data: bytes, source: str) -> Records:
    """Rows of a JSON intake file, or a file-level error naming the fix."""
    try:
        text = data.decode("utf-8-sig")
        document = json.loads(text, object_pairs_hook=_no_duplicates)
    except UnicodeDecodeError:
        return Records(errors=[RowError(source, None, None,
            "The file is not UTF-8 text (binary data or another encoding); save the JSON as UTF-8.")])
    except json.JSONDecodeError as exc:
        return Records(errors=[RowError(source, None, None,
            f"The file is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); fix it there "
            "or export the file again.")])
    except _DuplicateKey as exc:
        return Records(errors=[RowError(source, None, str(exc),
            f"A row gives the key '{exc}' twice; keep one.")])
    except RecursionError:
        return Records(errors=[RowError(source, None, None, _too_deep("JSON"))])
    if _depth(document) > MAX_JSON_DEPTH:
        return Records(errors=[RowError(source, None, None, _too_deep("JSON"))])
    return rows_from_document(document, source, "JSON")


def _too_deep(kind: str) -> str:
    return (f"The {kind} is nested more than {MAX_JSON_DEPTH} levels deep; intake rows are a flat list "
            "of objects.")


__all__: Sequence[str] = ("read_json", "rows_from_document")
