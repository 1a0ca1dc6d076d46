"""The config's shape, checked in one place: every section, key and value type, before anything reads it.

A wrong type (`batch_size = "ten"`, `default = "jdoe@firm.com"`, `daemon = "x"`) or an unknown key
(`on_edits`) is a sentence naming the [section] key and the fix, never a traceback later and never
silently ignored. Sections whose keys depend on a kind ([calendars.NAME], [sources.NAME]) get their
common keys checked here; their kind-specific keys are checked by the connector or source that reads
them. A new config key must be added to SCHEMA below, or the config that uses it is refused.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

Problem = Callable[[str, str], None]  # (where, message)


@dataclass(frozen=True)
class Kind:
    """One value type: a test and how to describe it in a sentence, with an example."""

    test: Callable[[object], bool]
    words: str
    example: str


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_strs(v: object) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _is_days(v: object) -> bool:
    return isinstance(v, list) and all(isinstance(x, str | date) for x in v)


STR = Kind(lambda v: isinstance(v, str), "a text value in quotes", '"..."')
BOOL = Kind(lambda v: isinstance(v, bool), "true or false (no quotes)", "true")
INT = Kind(_is_int, "a whole number (no quotes)", "10")
NUM = Kind(_is_num, "a number (no quotes)", "15")
STRS = Kind(_is_strs, "a list of texts in quotes", '["..."]')
DAYS = Kind(_is_days, "a list of dates", '["2026-12-24"]')
TABLE = Kind(lambda v: isinstance(v, dict), "a table", "{...}")


@dataclass(frozen=True)
class Key:
    """A known key: its type and, for numbers, the smallest value that makes sense."""

    kind: Kind
    minimum: float | None = None
    example: str = ""


SCHEMA: dict[str, dict[str, Key]] = {
    "daemon": {"inbox": Key(STR, example='"var/inbox"'), "state": Key(STR, example='"var/state.db"'),
               "timezone": Key(STR, example='"America/Los_Angeles"'), "polling": Key(BOOL)},
    "ics": {"dir": Key(STR, example='"var/calendars"'), "serve": Key(STR, example='"127.0.0.1:8765"'),
            "serve_public": Key(BOOL)},
    "reminders": {"default": Key(STRS, example='["14d", "7d", "1d"]')},
    "routing": {"default": Key(STRS, example='["docketing@firm.com"]')},
    "sync": {"on_edit": Key(STR, example='"restore"'), "max_delete_share": Key(NUM, example="0.5"),
             "max_delete_floor": Key(INT, 0), "verify_minutes": Key(NUM, 0),
             "batch_size": Key(INT, 1, "100"), "max_backoff_seconds": Key(NUM, 1, "600")},
    # Ranges of [flags] values are checked where they are read (daemon/service/digest.py check_flag_settings).
    "flags": {"soon_court_days": Key(NUM, example="5"), "conflict_threshold": Key(NUM, example="2"),
              "busy_refresh_minutes": Key(NUM, example="30"), "workday": Key(STR, example='"09:00-17:00"')},
    "digest": {"time": Key(STR, example='"07:00"'), "smtp_host": Key(STR, example='"smtp.firm.com"'),
               "smtp_port": Key(INT, 1, "587"), "starttls": Key(BOOL), "username": Key(STR),
               "password_file": Key(STR), "from": Key(STR, example='"docket@firm.com"'),
               "days": Key(INT, 1, "14"), "cafile": Key(STR), "timeout": Key(NUM, 1, "30"),
               "retry_minutes": Key(NUM, 0, "5"), "people": Key(STRS), "docket": Key(STR)},
    "intake": {"headers": Key(TABLE, example='{"matter #" = "matter"}')},
    "rules": {"dirs": Key(STRS, example='["/etc/docketd/rules"]')},
    "state": {"url": Key(STR, example='"postgresql://docketd@db.firm.com/docketd"'),
              "lease_seconds": Key(NUM, 2, "15")},
}
PERSON = {"name": Key(STR, example='"Jane Doe"'), "calendars": Key(STRS, example='["jdoe-google"]'),
          "reminders": Key(STRS, example='["14d", "7d"]'), "out_of_office": Key(DAYS)}
CALENDAR_COMMON = {"kind": Key(STR, example='"caldav"'), "on_edit": Key(STR, example='"restore"'),
                   "url": Key(STR), "path": Key(STR), "password_file": Key(STR), "username": Key(STR)}
SOURCE_COMMON = {"kind": Key(STR, example='"excel"'), "path": Key(STR), "poll_seconds": Key(NUM, 0),
                 "vanish_share": Key(NUM), "vanish_floor": Key(INT, 0)}
# Tables of tables (one sub-table per name) and plain tables whose keys are the user's own names.
NAMED = {"people", "calendars", "sources"}
FREE = {"closures"}
SECTIONS = tuple(sorted([*SCHEMA, *NAMED, *FREE]))


def _closest(word: str, options: Mapping[str, object] | tuple[str, ...]) -> str:
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f"did you mean {match[0]!r}? " if match else ""


def _value(where: str, key: str, value: object, spec: Key, add: Problem) -> bool:
    example = spec.example or spec.kind.example
    if not spec.kind.test(value):
        add(where, f"{key} = {value!r} must be {spec.kind.words}, e.g. {key} = {example}.")
        return False
    if spec.minimum is not None and isinstance(value, int | float) and value < spec.minimum:
        add(where, f"{key} = {value!r} must be at least {spec.minimum:g}, e.g. {key} = {example}.")
        return False
    return True


def _keys(where: str, table: Mapping[str, Any], known: Mapping[str, Key], add: Problem, *,
          strict: bool = True) -> dict[str, Any]:
    kept: dict[str, Any] = {}
    for key, value in table.items():
        spec = known.get(key)
        if spec is not None:
            if _value(where, key, value, spec, add):
                kept[key] = value
        elif strict:
            add(where, f"unknown key {key!r}; {_closest(key, known)}known keys are: {', '.join(sorted(known))}.")
        else:
            kept[key] = value
    return kept


def check_shape(raw: Mapping[str, Any], add: Problem) -> dict[str, Any]:
    """Report every shape problem through add(where, message); returns the config without the bad parts.

    The later, semantic checks read the returned copy, so a wrongly typed value is reported once
    (here) and never reaches code that would trip over it.
    """
    clean: dict[str, Any] = {}
    for section, body in raw.items():
        if section not in SECTIONS:
            add(section, f"unknown section; {_closest(section, SECTIONS)}known sections are: {', '.join(SECTIONS)}.")
        elif not isinstance(body, dict):
            add(section, f"{section} = {body!r} is not a section; write it as a [{section}] header with "
                         "keys under it.")
        elif section in SCHEMA:
            clean[section] = _keys(section, body, SCHEMA[section], add)
        elif section in NAMED:
            spec, strict = {"people": (PERSON, True), "calendars": (CALENDAR_COMMON, False),
                            "sources": (SOURCE_COMMON, False)}[section]
            clean[section] = {}
            for name, sub in body.items():
                where = f'{section}."{name}"' if section == "people" else f"{section}.{name}"
                if not isinstance(sub, dict):
                    add(where, f"= {sub!r} is not a section; write [{where}] as a header with its keys "
                               "under it.")
                else:
                    clean[section][name] = _keys(where, sub, spec, add, strict=strict)
        else:  # closures: court -> list of dates
            clean[section] = {court: days for court, days in body.items()
                              if _value(f"closures.{court}", court, days, Key(DAYS), add)}
    headers = clean.get("intake", {}).get("headers")
    if isinstance(headers, dict):
        clean["intake"]["headers"] = headers = dict(headers)
        for k, v in list(headers.items()):
            if not isinstance(v, str):
                add("intake.headers", f"{k!r} = {v!r} must name an intake column in quotes, e.g. \"matter\".")
                del headers[k]
    return clean
