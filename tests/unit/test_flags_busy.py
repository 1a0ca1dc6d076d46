"""Free/busy: a calendar that can tell busy days feeds out-of-office flags through the service's ticker."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from daemon.service.digest import make_ticker
from daemon.service.main import Service
from daemon.sources.inbox import ingest_file
from daemon.state.flags import flag_rows
from daemon.sync.busy import BusyTicker, SupportsBusyDays, busy_reader, fetch_busy

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
    conns: dict[str, object] = {"a": cal, "b": object(), "c": Unreachable(), "off": cal}
    sections = {"off": {"freebusy": False}}

    def reader(name: str):  # type: ignore[no-untyped-def]
        return busy_reader(conns[name], sections.get(name, {}), "America/Los_Angeles", (time(9), time(17)))

    assert reader("b") is None and reader("off") is None
    found = fetch_busy({"jdoe@firm.com": ["a", "b"], "pat@firm.com": ["c", "a"]}, reader,
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
    assert flag.scope == KEY and "shows them out or busy all day on 2026-03-23 (Mon)" in flag.message
    summary = next(r.entry["summary"] for r in svc.store.pending("jdoe-mem") if r.key == KEY and r.entry)
    assert summary.startswith("⚑ ")
    assert cal.asked == [(NOW.date(), NOW.date() + timedelta(days=120))]
    assert tick(NOW + timedelta(minutes=5)) is False and len(cal.asked) == 1  # not due yet
    assert tick(NOW + timedelta(minutes=31)) is False and len(cal.asked) == 2  # due, nothing changed
    cal.days = set()
    assert tick(NOW + timedelta(minutes=62)) is True
    assert not [f for f in flag_rows(svc.store.db) if f.kind == "out-of-office"]
    svc.store.close()


def test_freebusy_reply_parsing_and_whole_working_day_rule() -> None:
    from connectors.caldav.busy import busy_days_from_periods, parse_freebusy

    raw = (b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\nBEGIN:VFREEBUSY\r\n"
           b"DTSTAMP:20260101T000000Z\r\n"
           b"FREEBUSY;FBTYPE=BUSY:20260316T000000Z/20260318T000000Z\r\n"
           b"FREEBUSY;FBTYPE=BUSY-TENTATIVE:20260319T000000Z/20260321T000000Z\r\n"
           b"FREEBUSY;FBTYPE=BUSY-UNAVAILABLE:20260324T150000Z/PT10H\r\n"
           b"FREEBUSY:20260326T160000Z/20260326T200000Z,20260326T200000Z/20260327T000000Z\r\n"
           b"END:VFREEBUSY\r\nEND:VCALENDAR\r\n")
    periods = parse_freebusy(raw)
    assert len(periods) == 4  # the tentative period is not "out"
    days = busy_days_from_periods(periods, date(2026, 3, 1), date(2026, 3, 31), "America/Los_Angeles")
    # 16th and 17th: all day; 24th: 08:00-18:00 PDT covers 09-17; 26th: two adjoining periods cover it.
    assert days == {date(2026, 3, 16), date(2026, 3, 17), date(2026, 3, 24), date(2026, 3, 26)}
    # Read in a far-east zone, the 24th's and 26th's periods fall in Tokyo's night: not days out.
    tokyo = busy_days_from_periods(periods, date(2026, 3, 1), date(2026, 3, 31), "Asia/Tokyo")
    assert tokyo == {date(2026, 3, 16), date(2026, 3, 17)}
