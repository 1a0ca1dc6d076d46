"""Free/busy: the optional connector capability `busy_days(start, end) -> set[date]`.

A connector that can read its calendar's free/busy (Google freeBusy.query, Graph getSchedule,
CalDAV free-busy-query) may implement `busy_days`; docketd then flags deadlines that fall on a day
the person is out or busy all day. Connectors without it are skipped silently: the configured
`out_of_office` list still works for everyone. Fetched days are cached in the store (flag_store).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Protocol, runtime_checkable

log = logging.getLogger("docketd.busy")


@runtime_checkable
class SupportsBusyDays(Protocol):
    """A calendar connector that can tell which days its owner is out or busy all day."""

    def busy_days(self, start: date, end: date) -> set[date]:
        """Days from start to end (inclusive) on which the calendar shows the person out or busy all day."""
        ...


def fetch_busy(calendars_of: Mapping[str, Sequence[str]], connector: Callable[[str], object],
               start: date, end: date) -> dict[str, set[date]]:
    """Busy days per person from every one of their calendars that supports free/busy.

    A calendar that cannot be reached is logged and left out; that person's cached days are kept.
    """
    out: dict[str, set[date]] = {}
    for person, names in calendars_of.items():
        for name in names:
            try:
                conn = connector(name)
                if not isinstance(conn, SupportsBusyDays):
                    continue
                out.setdefault(person, set()).update(conn.busy_days(start, end))
            except Exception as exc:  # noqa: BLE001 - free/busy is advisory; one calendar must not stop others
                log.warning("Could not read free/busy of calendar %s for %s: %s", name, person, exc)
    return out
