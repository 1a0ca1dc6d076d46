"""Which connector class serves each `kind = "..."` of a [calendars.NAME] section.

Kept out of connectors/base.py so that code needing only the interface (the planner reads
`Capabilities`) does not depend on every backend; each backend is imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.base import Connector, PermanentError
from connectors.keys import KEYS, unknown_keys


def _memory() -> type[Connector]:
    from connectors.memory import MemoryConnector

    return MemoryConnector


def _ics() -> type[Connector]:
    from connectors.ics import IcsConnector

    return IcsConnector


def _google() -> type[Connector]:
    from connectors.google.calendar import GoogleConnector

    return GoogleConnector


def _outlook() -> type[Connector]:
    from connectors.outlook.calendar import OutlookConnector

    return OutlookConnector


def _caldav() -> type[Connector]:
    from connectors.caldav.calendar import CaldavConnector

    return CaldavConnector


# Imported on first use: a firm without Google calendars never loads googleapiclient.
_REGISTRY: dict[str, Callable[[], type[Connector]]] = {
    "memory": _memory,
    "ics": _ics,
    "google": _google,
    "outlook": _outlook,
    "caldav": _caldav,
}


def connector_class(kind: str) -> type[Connector]:
    """The connector class registered for a `kind = "..."` value."""
    try:
        load = _REGISTRY[kind]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY))
        raise PermanentError(f"Unknown calendar kind {kind!r}; use one of: {known}.") from None
    return load()


def _ics_problems(name: str, section: dict[str, Any]) -> list[str]:
    if not section.get("path"):
        return [f"[calendars.{name}] needs path = \"...ics\" for an .ics calendar."]
    return []


def section_problems(kind: str, name: str, section: dict[str, Any]) -> list[str]:
    """Every mistake in a [calendars.NAME] section of a known kind, found without a file read or a connection."""
    known = KEYS.get(kind)
    problems = [] if known is None else unknown_keys(f"[calendars.{name}]", section, known)
    if kind == "google":
        from connectors.google.settings import check_section as google

        return problems + google(name, section)
    if kind == "outlook":
        from connectors.outlook.settings import check_section as outlook

        return outlook(name, section)  # its own check names unknown keys too
    if kind == "caldav":
        from connectors.caldav.settings import check_section as caldav

        return caldav(name, section)
    if kind == "ics":
        return problems + _ics_problems(name, section)
    return problems
