"""Free/busy: the optional connector capabilities `busy_days` and `free_busy_days` (typed protocols below).

A connector that can read its calendar's free/busy may implement `busy_days(start, end)`; the CalDAV
connector implements `free_busy_days` (a free-busy-query REPORT, connectors/caldav/busy.py), which
also takes the zone, another collection's URL and the working hours.
docketd then flags deadlines that fall on a day the person is out or busy all day. Calendars that
cannot tell are skipped silently: the configured `out_of_office` list still works for everyone.
Fetched days are cached in the store (daemon/state/kv.py). Google (freeBusy.query) and Outlook (Graph
getSchedule) are not read yet.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from daemon.errors import redact_credentials

if TYPE_CHECKING:
    from daemon.service.main import Service

log = logging.getLogger("docketd.busy")


@runtime_checkable
class SupportsBusyDays(Protocol):
    """A calendar connector that can tell which days its owner is out or busy all day."""

    def busy_days(self, start: date, end: date) -> set[date]:
        """Days from start to end (inclusive) on which the calendar shows the person out or busy all day."""
        ...


@runtime_checkable
class SupportsFreeBusyQuery(Protocol):
    """A calendar connector that answers a free/busy query for a span of days (CalDAV)."""

    def free_busy_days(self, start: date, end: date, tz: str, url: str | None,
                       workday: tuple[time, time]) -> set[date]:
        """Days from start to end on which the owner is out or busy all day, read in zone `tz`."""
        ...


BusyReader = Callable[[date, date], set[date]]
# How long the service loop waits for a free/busy fetch before going on (the result is used at a later
# turn): an unreachable calendar must not hold up intake or the watchdog (issue 18, B6).
FETCH_WAIT_SECONDS = 2.0


def busy_reader(conn: object, section: Mapping[str, Any], tz: str,
                workday: tuple[time, time]) -> BusyReader | None:
    """How to read one calendar's busy days: its own `busy_days`, the CalDAV free-busy query, or None.

    `[calendars.NAME] freebusy = false` turns it off; `freebusy_url` queries another CalDAV collection.
    """
    if section.get("freebusy", True) is False:
        return None
    if isinstance(conn, SupportsBusyDays):
        return conn.busy_days
    if isinstance(conn, SupportsFreeBusyQuery):
        url = section.get("freebusy_url") or None
        return lambda start, end: conn.free_busy_days(start, end, tz, url, workday)
    return None


def fetch_busy(calendars_of: Mapping[str, Sequence[str]], reader_of: Callable[[str], BusyReader | None],
               start: date, end: date) -> dict[str, set[date]]:
    """Busy days per person from every one of their calendars that can tell.

    When one of a person's calendars cannot be read, that person is left out (their cached days stay).
    """
    out: dict[str, set[date]] = {}
    failed: set[str] = set()
    for person, names in calendars_of.items():
        for name in names:
            try:
                read = reader_of(name)
                if read is None:
                    continue
                days = read(start, end)
                out.setdefault(person, set()).update(days)
            except Exception as exc:  # noqa: BLE001 - free/busy is advisory; one calendar must not stop others
                log.warning("Could not read free/busy of calendar %s for %s: %s", name, person,
                            redact_credentials(str(exc)))
                failed.add(person)
    # Half an answer would erase the days the unreachable calendar knows: keep that person's cache.
    return {p: days for p, days in out.items() if p not in failed}


def parse_workday(text: str) -> tuple[time, time]:
    """'09:00-17:00' -> (09:00, 17:00); ValueError with a sentence otherwise."""
    first, _, last = text.partition("-")
    try:
        lo, hi = time.fromisoformat(first.strip()), time.fromisoformat(last.strip())
    except ValueError:
        raise ValueError(f"workday = {text!r} must look like \"09:00-17:00\"") from None
    if hi <= lo:
        raise ValueError(f"workday = {text!r} must end after it starts")
    return lo, hi


class BusyTicker:
    """Every `[flags] busy_refresh_minutes` (default 30), re-read free/busy and re-flag if it changed.

    Runs on the service loop's thread, so the fetch and the recompute never race a file ingest.
    Does nothing (and costs nothing) while no configured calendar supports free/busy.
    """

    __name__ = "busy"

    def __init__(self, service: Service, minutes: float, horizon_days: int = 120) -> None:
        self.service = service
        self.period = timedelta(minutes=minutes)
        self.horizon = timedelta(days=horizon_days)
        self.next_at: datetime | None = None
        self._fetch: threading.Thread | None = None
        self._found: dict[str, set[date]] = {}

    def __call__(self, now: datetime) -> bool:
        """Refresh when due; True when busy days changed and cross-matter flags were recomputed."""
        if self._fetch is None:
            if self.next_at is not None and now < self.next_at:
                return False
            self.next_at = now + self.period
            self._start_fetch(now.date())
        assert self._fetch is not None
        # The network reads run on their own thread; the store is written here, on the service loop's.
        self._fetch.join(FETCH_WAIT_SECONDS)
        if self._fetch.is_alive():
            return False
        self._fetch = None
        return self._apply(now, self._found)

    def _start_fetch(self, today: date) -> None:
        svc = self.service
        calendars_of = {p: list(who.calendars) for p, who in svc.config.people.items() if who.calendars}
        cfg = svc.config
        workday = parse_workday(str(cfg.flags.get("workday", "09:00-17:00")))
        pool = svc.pool

        def reader_of(name: str) -> BusyReader | None:
            return busy_reader(pool.get(name), cfg.calendars.get(name, {}), cfg.timezone, workday)

        def fetch() -> None:
            self._found = fetch_busy(calendars_of, reader_of, today, today + self.horizon)

        self._found = {}
        self._fetch = threading.Thread(target=fetch, name="docketd-busy-fetch", daemon=True)
        self._fetch.start()

    def _apply(self, now: datetime, found: dict[str, set[date]]) -> bool:
        from daemon.docket import now_iso
        from daemon.state.kv import save_busy_days

        svc = self.service
        today = now.date()
        if not found:
            return False
        stamp = now_iso(now)
        with svc.store.transaction() as db:
            changed = [p for p, days in found.items() if save_busy_days(db, p, days, stamp)]
            if changed:
                # An empty recompute still refreshes the cross-matter flags (and re-renders what they touch).
                svc.docket.recompute(db, [], today, stamp)
        if changed:
            log.info("Free/busy changed for %s; out-of-office flags refreshed", ", ".join(changed))
        return bool(changed)
