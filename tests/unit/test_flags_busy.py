"""Free/busy: a calendar that can tell busy days feeds out-of-office flags through the service's ticker."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from daemon.busy import BusyTicker, SupportsBusyDays, fetch_busy
from daemon.digest import make_ticker
from daemon.flag_store import flag_rows
from daemon.pipeline import ingest_file
from daemon.service import Service

TZ = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
DUE = date(2026, 3, 23)  # answer to a summons served 2026-03-02
KEY = "2026-0142|frcp.answer|summons_served|"


class BusyCalendar:
    """A calendar's free/busy as the person keeps it (the external system, not docketd code)."""

    def __init__(self, days: set[date]) -> None:
        self.days = days
        self.asked: list[tuple[date, date]] = []

    def busy_days(self, start: date, end: date) -> set[date]:
        self.asked.append((start, end))
        return {d for d in self.days if start <= d <= end}


class Unreachable:
    def busy_days(self, start: date, end: date) -> set[date]:
        raise OSError("connection refused")


def _service(tmp_path: Path) -> Service:
    (tmp_path / "docketd.toml").write_text(
        '[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n\n'
        '[calendars.jdoe-mem]\nkind = "memory"\n\n'
        '[people."jdoe@firm.com"]\nname = "Jane Doe"\ncalendars = ["jdoe-mem"]\n', encoding="utf-8")
    svc = Service(tmp_path / "docketd.toml", tmp_path)
    intake = tmp_path / "intake.csv"
    intake.write_text("matter,court,event,date,service,attorney\n"
                      "2026-0142,federal,summons_served,2026-03-02,personal,jdoe@firm.com\n",
                      encoding="utf-8")
    assert not ingest_file(svc.docket, intake, NOW).errors
    return svc


def test_protocol_and_fetch_skip_calendars_without_free_busy() -> None:
    cal = BusyCalendar({DUE})
    assert isinstance(cal, SupportsBusyDays) and not isinstance(object(), SupportsBusyDays)
    conns: dict[str, object] = {"a": cal, "b": object(), "c": Unreachable()}
    found = fetch_busy({"jdoe@firm.com": ["a", "b"], "pat@firm.com": ["c", "a"]}, conns.__getitem__,
                       date(2026, 3, 1), date(2026, 4, 1))
    assert found == {"jdoe@firm.com": {DUE}}


def test_busy_day_on_a_due_date_raises_an_out_of_office_flag(tmp_path: Path) -> None:
    svc = _service(tmp_path)
    cal = BusyCalendar({DUE})
    # The memory connector stands in for a calendar service that answers free/busy queries.
    svc.pool.get("jdoe-mem").busy_days = cal.busy_days  # type: ignore[attr-defined]
    tick = make_ticker(svc)
    assert isinstance(tick, BusyTicker)
    assert not [f for f in flag_rows(svc.store.db) if f.kind == "out-of-office"]
    assert tick(NOW) is True
    (flag,) = [f for f in flag_rows(svc.store.db) if f.kind == "out-of-office"]
    assert flag.scope == KEY and "calendar shows them out or busy all day on 2026-03-23 (Mon)" in flag.message
    summary = next(r.entry["summary"] for r in svc.store.pending("jdoe-mem") if r.key == KEY and r.entry)
    assert summary.startswith("⚑ ")
    assert cal.asked == [(NOW.date(), NOW.date() + timedelta(days=120))]
    assert tick(NOW + timedelta(minutes=5)) is False and len(cal.asked) == 1  # not due yet
    assert tick(NOW + timedelta(minutes=31)) is False and len(cal.asked) == 2  # due, nothing changed
    cal.days = set()
    assert tick(NOW + timedelta(minutes=62)) is True
    assert not [f for f in flag_rows(svc.store.db) if f.kind == "out-of-office"]
    svc.store.close()
