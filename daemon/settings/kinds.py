"""The keys of each kind of [calendars.NAME] and [sources.NAME] section, checked when the config loads.

The common keys of these sections have their types in schema.py; what a kind takes beyond them is
here (sources) and in connectors/keys.py (calendars, read by the connectors too). A typo is refused
at start, on SIGHUP (the old config stays) and by `docketd validate`, never found later as failing
calendar or intake work.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from connectors.keys import unknown_keys
from connectors.registry import section_problems

SOURCE_COMMON = frozenset({"kind", "poll_seconds", "vanish_share", "vanish_floor"})
SOURCE_KEYS: dict[str, frozenset[str]] = {
    "google-sheet": SOURCE_COMMON | {
        "spreadsheet_id", "range", "auth", "credentials", "subject", "token_file", "account", "status_column",
        "change_detection", "api_endpoint", "drive_endpoint", "timeout_seconds", "retry_budget_seconds",
        "retry_base_seconds", "requests_per_minute"},
    "excel": SOURCE_COMMON | {"path", "sheet", "settle_seconds"},
    "imap": frozenset({"kind", "host", "port", "tls", "username", "password_file", "password_credential",
                       "folder", "senders", "poll_seconds", "mark_seen", "ca_file", "timeout_seconds", "batch",
                       "bankruptcy"}),
}


def _bare(name: str, text: str) -> str:
    # The connectors' sentences start with "[calendars.NAME]"; the config error names the section itself.
    return re.sub(rf"^\[calendars\.{re.escape(name)}\]:?\s*", "", text)


def calendar_problems(name: str, kind: str, section: Mapping[str, Any]) -> list[str]:
    """What is wrong in a [calendars.NAME] section of a known kind, each without the section prefix."""
    return [_bare(name, p) for p in section_problems(kind, name, dict(section))]


def source_problems(name: str, section: Mapping[str, Any]) -> list[str]:
    """What is wrong in the keys of a [sources.NAME] section of a known kind."""
    kind = str(section.get("kind") or "")
    known = SOURCE_KEYS.get(kind)
    if known is None:
        return []  # an unknown kind is named by parse_config's own check of [sources.NAME] kind
    return [p.removeprefix(f"[sources.{name}] ") for p in unknown_keys(f"[sources.{name}]", section, known)]
