"""Which connector class serves each `kind = "..."` of a [calendars.NAME] section.

Kept out of connectors/base.py so that code needing only the interface (the planner reads
`Capabilities`) does not depend on every backend; each backend is imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from connectors.base import Connector, PermanentError
from connectors.keys import ICS, unknown_keys

SectionCheck = Callable[[str, Mapping[str, Any]], list[str]]


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


def _ics_check() -> SectionCheck:
    def check_section(name: str, section: Mapping[str, Any]) -> list[str]:
        where = f"[calendars.{name}]"
        problems = unknown_keys(where, section, ICS)
        if not section.get("path"):
            problems.append(f"{where} needs path = \"...ics\" for an .ics calendar.")
        return problems

    return check_section


def _google_check() -> SectionCheck:
    from connectors.google.settings import check_section

    return check_section


def _outlook_check() -> SectionCheck:
    from connectors.outlook.settings import check_section

    return check_section


def _caldav_check() -> SectionCheck:
    from connectors.caldav.settings import check_section

    return check_section


# Each kind's own pure check names unknown keys, missing keys and bad values alike, the same
# check its connector runs when it starts; the in-memory test connector takes any key.
_CHECKS: dict[str, Callable[[], SectionCheck]] = {
    "ics": _ics_check,
    "google": _google_check,
    "outlook": _outlook_check,
    "caldav": _caldav_check,
}


def section_problems(kind: str, name: str, section: dict[str, Any]) -> list[str]:
    """Every mistake in a [calendars.NAME] section of a known kind, found without a file read or a connection."""
    check = _CHECKS.get(kind)
    return [] if check is None else check()(name, section)
