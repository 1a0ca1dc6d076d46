"""The `[calendars.NAME]` keys of a Google calendar: defaults, and every mistake reported at once."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.base import PermanentError
from connectors.google.http import MAX_BATCH
from connectors.google.mapping import DEFAULT_COLORS, Rendering
from connectors.keys import GOOGLE, unknown_keys

AUTH_MODES = ("service-account", "oauth")
REMINDER_METHODS = ("popup", "email")
SEND_UPDATES = ("none", "externalOnly", "all")
URGENCIES = ("normal", "soon", "critical", "missed")
log = logging.getLogger(__name__)
GOOGLE_COLORS = tuple(str(i) for i in range(1, 12))

KNOWN_KEYS = GOOGLE  # one table with the daemon's load-time check: connectors/keys.py


@dataclass(frozen=True)
class GoogleSettings:
    """A Google calendar's settings, checked; credentials are loaded separately (google_auth)."""

    calendar_id: str = "primary"
    api_endpoint: str = ""
    batch_endpoint: str = ""
    rendering: Rendering = field(default_factory=Rendering)
    timeout_seconds: float = 20.0
    retry_budget_seconds: float = 30.0
    retry_base_seconds: float = 0.5
    requests_per_minute: int = 600
    batch_size: int = MAX_BATCH
    send_updates: str = "none"


def _number(section: Mapping[str, Any], key: str, default: float, problems: list[str], name: str,
            minimum: float = 0.0) -> float:
    value = section.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= minimum:
        problems.append(f"[calendars.{name}] {key} = {value!r} must be a number above {minimum:g}, "
                        f"e.g. {key} = {default:g}.")
        return default
    return float(value)


def check_section(name: str, section: Mapping[str, Any]) -> list[str]:
    """Every problem in a Google calendar section, as sentences naming the key and the fix."""
    problems = unknown_keys(f"[calendars.{name}]", section, KNOWN_KEYS)
    parse_section(name, section, problems, warn_unknown=False)
    return problems


def parse_section(name: str, section: Mapping[str, Any], problems: list[str] | None = None, *,
                  warn_unknown: bool = True) -> GoogleSettings:
    """Checked settings; raises PermanentError listing every problem, unless `problems` collects them."""
    found: list[str] = [] if problems is None else problems
    for key in sorted(set(section) - KNOWN_KEYS if warn_unknown else ()):
        # A typo in an optional key must not keep deadlines out of the calendar: warn, don't refuse.
        log.warning("[calendars.%s] has an unknown key %r; docs/connectors/google.md lists the keys a "
                    "Google calendar takes.", name, key)
    if str(section.get("auth", "service-account")) not in AUTH_MODES:
        found.append(f"[calendars.{name}] auth = {section.get('auth')!r} must be one of: "
                     f"{', '.join(AUTH_MODES)}.")
    method = str(section.get("reminder_method", "popup"))
    if method not in REMINDER_METHODS:
        found.append(f"[calendars.{name}] reminder_method = {method!r} must be \"popup\" or \"email\".")
    updates = str(section.get("send_updates", "none"))
    if updates not in SEND_UPDATES:
        found.append(f"[calendars.{name}] send_updates = {updates!r} must be one of: "
                     f"{', '.join(SEND_UPDATES)}.")
    colors = dict(DEFAULT_COLORS)
    raw_colors = section.get("colors") or {}
    if not isinstance(raw_colors, Mapping):
        found.append(f"[calendars.{name}] colors must be a table, e.g. colors = {{ soon = \"5\" }}.")
        raw_colors = {}
    for urgency, color in raw_colors.items():
        if urgency not in URGENCIES or str(color) not in (*GOOGLE_COLORS, ""):
            found.append(f"[calendars.{name}] colors.{urgency} = {color!r}: use an urgency of "
                         f"{', '.join(URGENCIES)} and a Google colour id from 1 to 11 (or \"\" for none).")
        else:
            colors[str(urgency)] = str(color)
    batch = int(_number(section, "batch_size", MAX_BATCH, found, name))
    settings = GoogleSettings(
        calendar_id=str(section.get("calendar_id") or "primary"),
        api_endpoint=str(section.get("api_endpoint") or ""),
        batch_endpoint=str(section.get("batch_endpoint") or ""),
        rendering=Rendering(reminder_method=method, colors=colors,
                            invite_attendees=bool(section.get("invite_attendees", False))),
        timeout_seconds=_number(section, "timeout_seconds", 20, found, name),
        retry_budget_seconds=_number(section, "retry_budget_seconds", 30, found, name),
        retry_base_seconds=_number(section, "retry_base_seconds", 0.5, found, name),
        requests_per_minute=int(_number(section, "requests_per_minute", 600, found, name, minimum=0.999)),
        batch_size=max(1, min(batch, MAX_BATCH)),
        send_updates=updates,
    )
    if found and problems is None:
        raise PermanentError(" ".join(found))
    return settings
