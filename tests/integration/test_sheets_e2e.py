"""End to end: `docketd run` as a subprocess mirrors a Google Sheet (on the local fake) and an Excel
workbook into the people's .ics calendars, writes statuses back, and exits cleanly on SIGTERM."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import icalendar
import openpyxl
import pytest

from daemon.engine import load_rulebook
from daemon.models import TriggerEvent
from tests.clock import pinned_day, pinned_env
from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config
from tests.fakes.google_calendar import FakeGoogle
from tests.fakes.google_keys import SA_EMAIL, make_service_account_key
from tests.fakes.google_sheets import FakeSheets

pytestmark = pytest.mark.slow
SHEET_ID = "1SheetForTheE2eTest000000000000000000000"
HEADER = ["matter", "title", "court", "event", "date", "service", "attorney", "paralegal", "docketd"]


def _today() -> date:
    return pinned_day()


def _answer_due(served: date) -> date:
    out = load_rulebook().compute(TriggerEvent("M", "summons_served", served, court="federal", service="personal"))
    return next(d.due for d in out if d.rule == "frcp.answer")


def _answers(tmp: Path, matter: str) -> list[date]:
    path = tmp / "var" / "calendars" / "jdoe@firm.com.ics"
    if not path.exists():
        return []
    events = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
    return [e.decoded("DTSTART") for e in events
            if str(e.get("X-DOCKETD-KEY", "")).startswith(f"{matter}|frcp.answer|")]


def _until(daemon: DaemonProcess, predicate: Callable[[], bool], what: str) -> None:
    """wait_until that also drains the notify socket (a full socket would block the daemon's sd_notify)."""
    def check() -> bool:
        daemon.poll_notify()
        return predicate()

    wait_until(check, what=what)


def _row(matter: str, served: date) -> list[object]:
    return [matter, f"Case {matter}", "federal", "summons_served", served, "personal", "jdoe@firm.com",
            "pat@firm.com"]


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle(rate_limit_per_minute=100_000) as fake:
        yield fake


@pytest.mark.pinned_day  # re-run on each of tests/clock.HARD_DAYS by `make test`
def test_google_sheet_through_the_daemon(tmp_path: Path, google: FakeGoogle) -> None:
    sheets = FakeSheets(google)
    served = _today() - timedelta(days=2)
    sheets.set_rows(SHEET_ID, "Intake", [HEADER, _row("2026-0901", served), _row("2026-0902", served)])
    key = tmp_path / "sa.json"
    google.add_service_account(SA_EMAIL, make_service_account_key(key, google.token_uri, SA_EMAIL))
    extra = (f'[sources.intake]\nkind = "google-sheet"\nspreadsheet_id = "{SHEET_ID}"\nrange = "Intake"\n'
             f'credentials = "{key}"\napi_endpoint = "{sheets.api_endpoint}"\npoll_seconds = 0.2\n'
             "retry_base_seconds = 0.01\nrequests_per_minute = 100000\n")
    daemon = DaemonProcess(write_config(tmp_path, extra), tmp_path, env=pinned_env())
    try:
        daemon.start()
        _until(daemon, lambda: _answers(tmp_path, "2026-0901") == [_answer_due(served)], what="the sheet's answer")
        _until(daemon, lambda: str(sheets.column(SHEET_ID, "Intake", "docketd")[0]).startswith("docketed: 1 deadline"),
                   what="the status column")
        # The first later date whose answer falls on another day (two dates can roll to one due date).
        moved = next(m for m in (served + timedelta(days=n) for n in range(1, 30))
                     if _answer_due(m) != _answer_due(served))
        sheets.edit(SHEET_ID, "Intake", 2, HEADER.index("date"), moved)
        _until(daemon, lambda: _answers(tmp_path, "2026-0901") == [_answer_due(moved)], what="the corrected date")
        sheets.delete_row(SHEET_ID, "Intake", 3)
        _until(daemon, lambda: _answers(tmp_path, "2026-0902") == [], what="the removed row's withdrawal")
        assert _answers(tmp_path, "2026-0901") == [_answer_due(moved)]
        assert all(w.range.split("!")[1][0] == "I" for w in sheets.writes)  # only the docketd column
        daemon.poll_notify()
        assert daemon.stop() == 0
    finally:
        daemon.close()


def test_excel_workbook_through_the_daemon(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    workbook = shared / "intake.xlsx"
    served = _today() - timedelta(days=3)

    def save(rows: list[list[object]]) -> None:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = "Intake"
        for r in rows:
            ws.append(r)
        wb.save(workbook)

    save([HEADER[:-1], _row("2026-0911", served), _row("2026-0912", served)])
    extra = (f'[sources.workbook]\nkind = "excel"\npath = "{workbook}"\npoll_seconds = 0.2\n'
             "settle_seconds = 0.3\n")
    daemon = DaemonProcess(write_config(tmp_path, extra), tmp_path, env=pinned_env())
    try:
        daemon.start()
        _until(daemon, lambda: _answers(tmp_path, "2026-0911") == [_answer_due(served)], what="the workbook's answer")
        sidecar = shared / "intake.xlsx.docketd-status.csv"
        _until(daemon, sidecar.exists, what="the status sidecar")
        assert "docketed: 1 deadline" in sidecar.read_text(encoding="utf-8")
        save([HEADER[:-1], _row("2026-0911", served)])
        _until(daemon, lambda: _answers(tmp_path, "2026-0912") == [], what="the removed row's withdrawal")
        assert workbook.exists() and not (tmp_path / "var" / "processed" / "intake.xlsx").exists()
        daemon.poll_notify()
        assert daemon.stop() == 0
    finally:
        daemon.close()
