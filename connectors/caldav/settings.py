"""The `[calendars.NAME]` keys of a CalDAV calendar, checked without reading a file or opening a connection."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.keys import CALDAV, unknown_keys

# Every number a CalDAV section takes: its default, and whether 0 is allowed (a retry budget of 0
# sends a failed request back to the outbox at once; a timeout of 0 would fail every request).
NUMBERS: dict[str, tuple[float, bool]] = {"timeout_seconds": (30.0, False), "retry_seconds": (30.0, True)}


def check_section(name: str, section: Mapping[str, Any]) -> list[str]:
    """Every problem in a CalDAV calendar section, as sentences naming the key and the fix."""
    where = f"[calendars.{name}]"
    problems = unknown_keys(where, section, CALDAV)
    if not str(section.get("url") or "").startswith(("http://", "https://")):
        problems.append(f"{where} needs url = the CalDAV calendar or principal URL (http[s]://...).")
    if not str(section.get("username") or ""):
        problems.append(f"{where} needs username = the CalDAV account name.")
    verify = section.get("verify_tls", True)
    if not isinstance(verify, bool | str):
        problems.append(f"{where} verify_tls = {verify!r} must be true, false or the path of a CA bundle in quotes.")
    for key, (default, zero_ok) in NUMBERS.items():
        value = section.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or (value == 0 and not zero_ok):
            words = "0 or more" if zero_ok else "above 0"
            problems.append(f"{where} {key} = {value!r} must be a number of seconds {words}, e.g. {key} = {default:g}.")
    return problems
