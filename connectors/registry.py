"""Which connector class serves each `kind = "..."` of a [calendars.NAME] section.

Kept out of connectors/base.py so that code needing only the interface (the planner reads
`Capabilities`) does not depend on every backend; each backend is imported on first use.
"""

from __future__ import annotations

from collections.abc import Callable

from connectors.base import Connector, PermanentError


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
