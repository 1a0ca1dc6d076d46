"""Free/busy read from a real Radicale (CALDAV:free-busy-query) turns into out-of-office flags."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import requests

from connectors.caldav.busy import caldav_busy_days
from connectors.caldav.calendar import CaldavConnector
from daemon.service.digest import make_ticker
from daemon.service.main import Service
from daemon.sources.inbox import ingest_file
from daemon.state.flags import flag_rows
from daemon.sync.busy import BusyTicker
from tests.integration.radicale_server import RadicaleServer, radicale  # noqa: F401  (fixture)

TZ = "America/Los_Angeles"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=ZoneInfo(TZ))


def _put(server: RadicaleServer, url: str, uid: str, lines: str) -> None:
    body = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//test//EN\r\nBEGIN:VEVENT\r\n"
            f"UID:{uid}\r\nDTSTAMP:20260101T000000Z\r\n{lines}END:VEVENT\r\nEND:VCALENDAR\r\n")
    resp = requests.put(f"{url}{uid}.ics", data=body.encode(), auth=server.auth, timeout=10,
                        headers={"Content-Type": "text/calendar; charset=utf-8"})
    assert resp.status_code in (201, 204), resp.text


def _calendar(server: RadicaleServer) -> str:
    url = server.make_calendar()
    # Out of office Mon 16 and Tue 17 March (all day, busy); a one-hour meeting on the 25th; a
    # transparent all-day entry (like docketd's own deadlines) on the 23rd.
    _put(server, url, "ooo", "DTSTART;VALUE=DATE:20260316\r\nDTEND;VALUE=DATE:20260318\r\nSUMMARY:Out\r\n")
    _put(server, url, "meet", "DTSTART:20260325T170000Z\r\nDTEND:20260325T180000Z\r\nSUMMARY:Meeting\r\n")
    _put(server, url, "transp", "DTSTART;VALUE=DATE:20260323\r\nDTEND;VALUE=DATE:20260324\r\n"
                                "TRANSP:TRANSPARENT\r\nSUMMARY:Answer due\r\n")
    return url


def test_caldav_free_busy_query_gives_the_days_out(radicale: RadicaleServer, tmp_path: Path) -> None:  # noqa: F811
    url = _calendar(radicale)
    conn = CaldavConnector("jdoe-caldav", url, radicale.username, radicale.password)
    try:
        days = caldav_busy_days(conn, date(2026, 3, 1), date(2026, 3, 31), TZ)
    finally:
        conn.close()
    assert days == {date(2026, 3, 16), date(2026, 3, 17)}


def test_busy_day_from_caldav_flags_the_deadline(radicale: RadicaleServer, tmp_path: Path) -> None:  # noqa: F811
    url = _calendar(radicale)
    pw = radicale.write_password_file(tmp_path)
    (tmp_path / "docketd.toml").write_text(
        '[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n\n'
        f'[calendars.jdoe-caldav]\nkind = "caldav"\nurl = "{url}"\nusername = "{radicale.username}"\n'
        f'password_file = "{pw}"\n\n'
        '[people."jdoe@firm.com"]\nname = "Jane Doe"\ncalendars = ["jdoe-caldav"]\n', encoding="utf-8")
    svc = Service(tmp_path / "docketd.toml", tmp_path)
    try:
        intake = tmp_path / "intake.csv"
        # Served 2026-02-23: the answer is due Mon 2026-03-16, the first day Jane is out.
        intake.write_text("matter,court,event,date,service,attorney\n"
                          "2026-0142,federal,summons_served,2026-02-23,personal,jdoe@firm.com\n",
                          encoding="utf-8")
        assert not ingest_file(svc.docket, intake, NOW).errors
        tick = make_ticker(svc)
        assert isinstance(tick, BusyTicker)
        assert tick(NOW) is True
        (flag,) = [f for f in flag_rows(svc.store.db) if f.kind == "out-of-office"]
        assert flag.scope == "2026-0142|frcp.answer|summons_served|"
        assert "The calendar of Jane Doe (jdoe@firm.com) shows them out or busy all day on 2026-03-16 (Mon)" \
            in flag.message
    finally:
        svc.pool.close()
        svc.store.close()
