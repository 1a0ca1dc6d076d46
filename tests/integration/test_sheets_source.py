"""A Google Sheet as the living intake list, through the real google-api-python-client and a local fake.

Real parts throughout: the Sheets/Drive clients built from their static discovery documents, a
service-account key whose JWTs the fake verifies, the docket's SQLite store and rule book.
"""

from __future__ import annotations

import argparse
import json
import logging
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import TransientError
from connectors.google.sheets import SheetsClient, column_letter, parse_returned_range, serial_to_date, serial_to_time
from daemon.cli.sources import cmd_confirm_source, cmd_sources
from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.settings.config import Config, load_config
from daemon.sources.living import Poller, SheetSource, build_sources
from daemon.state.store import Store
from tests.e2e.daemon_proc import write_config
from tests.fakes.google_calendar import FakeGoogle
from tests.fakes.google_keys import SA_EMAIL, make_service_account_key
from tests.fakes.google_sheets import FakeSheets

SHEET_ID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
HEADER = ["Matter #", "Caption", "Court", "Event", "Date", "Service", "Attorney", "docketd", "Notes"]
NOW = datetime(2026, 1, 6, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))


def row(matter: str, event: str, when: object, service: str = "personal", court: str = "federal") -> list[object]:
    return [matter, f"Case {matter}", court, event, when, service, "jdoe@firm.com", None, "typed by Pat"]


SIX = [row("2026-0142", "summons_served", date(2026, 1, 5)),
       row("2026-0143", "summons_served", date(2026, 1, 7)),
       row("2026-0144", "complaint_filed", date(2026, 1, 5), service=""),
       row("2026-0145", "judgment_entered", date(2026, 1, 2), service=""),
       row("2026-0146", "summons_served", date(2026, 1, 9)),
       row("2026-0147", "summons_served", date(2026, 1, 12))]


@pytest.fixture
def google() -> Iterator[FakeGoogle]:
    with FakeGoogle(rate_limit_per_minute=100_000) as fake:
        yield fake


@pytest.fixture
def sheets(google: FakeGoogle) -> FakeSheets:
    fake = FakeSheets(google)
    fake.set_rows(SHEET_ID, "Intake", [HEADER, *SIX])
    return fake


def _config(tmp_path: Path, google: FakeGoogle, sheets: FakeSheets, **extra: object) -> Config:
    key = tmp_path / "sa.json"
    google.add_service_account(SA_EMAIL, make_service_account_key(key, google.token_uri, SA_EMAIL))
    keys: dict[str, object] = {"kind": "google-sheet", "spreadsheet_id": SHEET_ID, "range": "Intake",
                               "credentials": str(key), "api_endpoint": sheets.api_endpoint,
                               "retry_base_seconds": 0.01, "retry_budget_seconds": 5, "timeout_seconds": 5,
                               "requests_per_minute": 100000, **extra}
    lines = ["[sources.intake]"] + [f"{k} = {json.dumps(v)}" for k, v in keys.items()]
    path = write_config(tmp_path, "\n".join(lines) + "\n", jdoe_calendars=[], pat_calendars=[])
    return load_config(path, tmp_path)


@pytest.fixture
def docket(tmp_path: Path, google: FakeGoogle, sheets: FakeSheets) -> Iterator[Docket]:
    config = _config(tmp_path, google, sheets)
    store = Store(config.state)
    yield Docket(config, store, load_rulebook(config.rule_dirs, config.closures))
    store.close()


@pytest.fixture
def source(docket: Docket) -> SheetSource:
    (built,) = build_sources(docket.config, docket)
    assert isinstance(built, SheetSource)
    return built


def triggers(docket: Docket) -> dict[str, str]:
    rows = docket.store.db.execute("SELECT matter, payload FROM triggers WHERE source='intake'").fetchall()
    return {str(m): str(p) for m, p in rows}


def due(docket: Docket, matter: str, rule: str) -> str | None:
    found = docket.store.db.execute("SELECT due FROM deadlines WHERE matter=? AND rule=?", (matter, rule)).fetchone()
    return str(found[0]) if found else None


def status_cells(sheets: FakeSheets) -> list[object]:
    return sheets.column(SHEET_ID, "Intake", "docketd")


def assert_only_status_column_written(sheets: FakeSheets) -> None:
    letter = column_letter(HEADER.index("docketd"))
    for write in sheets.writes:
        cells = write.range.split("!")[1]
        assert [c.rstrip("0123456789") for c in cells.split(":")] == [letter, letter], write.range
        assert all(len(r) == 1 for r in write.values)


def test_rows_become_deadlines_and_each_row_gets_a_status(source: SheetSource, docket: Docket,
                                                          sheets: FakeSheets) -> None:
    result = source.poll(NOW)
    assert result.read and result.problem is None
    assert result.report is not None and result.report.changed == 6
    assert due(docket, "2026-0142", "frcp.answer") == "2026-01-26"
    statuses = status_cells(sheets)
    assert str(statuses[0]).startswith("docketed: 1 deadline, next 2026-01-26 (frcp.answer)")
    assert all(str(s).startswith("docketed: ") for s in statuses)
    assert_only_status_column_written(sheets)
    assert [r[-1] for r in sheets.rows(SHEET_ID, "Intake")[1:]] == ["typed by Pat"] * 6


def test_unchanged_sheet_costs_one_metadata_call_and_writes_nothing(source: SheetSource,
                                                                     sheets: FakeSheets) -> None:
    source.poll(NOW)
    writes = len(sheets.writes)
    # Our own status write moved the Drive version: one read proves only the status column changed.
    again = source.poll(NOW)
    assert not again.read and len(sheets.writes) == writes
    reads = sheets.reads
    for _ in range(3):
        assert not source.poll(NOW).read
    assert sheets.reads == reads and sheets.metadata_reads >= 4


def test_values_hash_mode_reads_cells_but_skips_unchanged(tmp_path: Path, google: FakeGoogle,
                                                          sheets: FakeSheets) -> None:
    config = _config(tmp_path, google, sheets, change_detection="values")
    store = Store(config.state)
    try:
        (src,) = build_sources(config, Docket(config, store, load_rulebook(config.rule_dirs, config.closures)))
        assert src.poll(NOW).read
        assert not src.poll(NOW).read
        assert sheets.metadata_reads == 0
    finally:
        store.close()


def test_an_edited_row_moves_its_deadline_and_its_status(source: SheetSource, docket: Docket,
                                                         sheets: FakeSheets) -> None:
    source.poll(NOW)
    sheets.edit(SHEET_ID, "Intake", 2, HEADER.index("Date"), date(2026, 1, 8))
    result = source.poll(NOW)
    assert result.report is not None and result.report.changed == 1
    assert due(docket, "2026-0142", "frcp.answer") == "2026-01-29"
    assert str(status_cells(sheets)[0]).startswith("docketed: 1 deadline, next 2026-01-29 (frcp.answer)")


def test_a_removed_row_withdraws_its_deadlines(source: SheetSource, docket: Docket, sheets: FakeSheets) -> None:
    source.poll(NOW)
    sheets.delete_row(SHEET_ID, "Intake", 3)  # 2026-0143
    result = source.poll(NOW)
    assert result.report is not None and result.report.withdrawn == 1
    assert "2026-0143" not in triggers(docket)
    assert due(docket, "2026-0143", "frcp.answer") is None
    assert due(docket, "2026-0142", "frcp.answer") == "2026-01-26"


def test_a_bad_row_gets_its_error_and_the_others_are_docketed(source: SheetSource, docket: Docket,
                                                              sheets: FakeSheets) -> None:
    sheets.edit(SHEET_ID, "Intake", 3, HEADER.index("Date"), "13/01/2026")
    sheets.edit(SHEET_ID, "Intake", 4, HEADER.index("Event"), "sumons_served")
    source.poll(NOW)
    statuses = status_cells(sheets)
    assert str(statuses[1]).startswith("NOT docketed — date: '13/01/2026' reads as day/month/year")
    assert "event" in str(statuses[2]) and "sumons_served" in str(statuses[2])
    assert str(statuses[0]).startswith("docketed")
    assert set(triggers(docket)) == {"2026-0142", "2026-0145", "2026-0146", "2026-0147"}
    # Fixing the cell docketes the row and replaces its status.
    sheets.edit(SHEET_ID, "Intake", 3, HEADER.index("Date"), date(2026, 1, 13))
    source.poll(NOW)
    assert str(status_cells(sheets)[1]).startswith("docketed: 1 deadline, next 2026-02-03")
    assert_only_status_column_written(sheets)


def test_a_typo_in_a_known_row_does_not_withdraw_it(source: SheetSource, docket: Docket,
                                                    sheets: FakeSheets) -> None:
    source.poll(NOW)
    sheets.edit(SHEET_ID, "Intake", 2, HEADER.index("Date"), "Jan 55 2026")
    result = source.poll(NOW)
    assert result.report is not None and result.report.withdrawn == 0
    assert due(docket, "2026-0142", "frcp.answer") == "2026-01-26"


def test_mass_vanish_is_held_until_confirmed(source: SheetSource, docket: Docket, sheets: FakeSheets,
                                             capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the CLI resolves the config's relative paths against its working folder
    source.poll(NOW)
    sheets.set_rows(SHEET_ID, "Intake", [HEADER, SIX[0]])  # a filter or a bad paste: 5 of 6 rows gone
    held = source.poll(NOW)
    assert held.report is not None and held.report.held_back == 5 and held.report.withdrawn == 0
    assert len(triggers(docket)) == 6
    flag = docket.store.db.execute("SELECT message, action FROM flags WHERE scope='intake' AND "
                                   "kind='source-vanished'").fetchone()
    assert flag is not None and "confirm-source intake" in flag[1]
    assert not source.poll(NOW).read  # still held; nothing changed, nothing re-read
    assert cmd_sources(argparse.Namespace(config=str(docket.config.path))) == 0
    assert "intake: google-sheet" in (listed := capsys.readouterr().out) and "HELD" in listed
    confirm = argparse.Namespace(config=str(docket.config.path), name="intake")
    assert cmd_confirm_source(confirm) == 0
    assert "Confirmed" in capsys.readouterr().out
    done = source.poll(NOW)
    assert done.read and done.report is not None and done.report.withdrawn == 5
    assert set(triggers(docket)) == {"2026-0142"}
    assert docket.store.db.execute("SELECT COUNT(*) FROM flags WHERE kind='source-vanished'").fetchone()[0] == 0
    assert cmd_confirm_source(confirm) == 0
    assert "Nothing to confirm" in capsys.readouterr().out


def test_a_cleared_tab_is_held_too(source: SheetSource, docket: Docket, sheets: FakeSheets) -> None:
    source.poll(NOW)
    sheets.set_rows(SHEET_ID, "Intake", [])
    held = source.poll(NOW)
    assert held.report is not None and held.report.held_back == 6
    assert len(triggers(docket)) == 6


def test_a_renamed_header_is_reported_and_nothing_is_withdrawn(source: SheetSource, docket: Docket,
                                                               sheets: FakeSheets,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    source.poll(NOW)
    sheets.edit(SHEET_ID, "Intake", 1, HEADER.index("Event"), "What happened")
    with caplog.at_level(logging.WARNING):
        result = source.poll(NOW)
    assert result.report is None and result.problem is not None and "event" in result.problem
    assert len(triggers(docket)) == 6
    assert "was not applied" in caplog.text


def test_quota_errors_are_retried(source: SheetSource, docket: Docket, google: FakeGoogle) -> None:
    google.inject("429", "403", "503")  # metadata, then values: each retried with backoff
    result = source.poll(NOW)
    assert result.read and len(triggers(docket)) == 6


def test_an_outage_leaves_everything_and_the_poller_carries_on(source: SheetSource, docket: Docket,
                                                               google: FakeGoogle,
                                                               caplog: pytest.LogCaptureFixture) -> None:
    source.poll(NOW)
    source.client.retry_budget = 0.3
    google.fail_rate(1.0, kinds=("500",))
    with pytest.raises(TransientError, match="Google Sheets was unavailable"):
        source.poll(NOW)
    clock = [0.0]
    poller = Poller([source], clock=lambda: clock[0])

    def flags() -> list[tuple[str, str]]:
        return docket.store.db.execute("SELECT severity, message FROM flags WHERE kind='source-failed'").fetchall()

    with caplog.at_level(logging.WARNING):
        for _ in range(3):
            poller.tick(NOW)
            clock[0] += source.poll_seconds
            if _ < 2:
                assert flags() == []  # a passing blip is only logged
    assert "could not be read" in caplog.text
    ((severity, message),) = flags()
    assert severity == "warning" and "3 polls in a row" in message
    assert len(triggers(docket)) == 6
    google.fail_rate(0.0)
    poller.tick(NOW)
    assert flags() == []


def test_no_status_column_means_no_writes(source: SheetSource, docket: Docket, sheets: FakeSheets) -> None:
    sheets.set_rows(SHEET_ID, "Intake", [[h for h in HEADER if h != "docketd"],
                                         [c for i, c in enumerate(SIX[0]) if i != HEADER.index("docketd")]])
    result = source.poll(NOW)
    assert result.read and len(triggers(docket)) == 1 and result.written == 0
    assert sheets.writes == []


def test_stale_statuses_of_emptied_rows_are_cleared(source: SheetSource, sheets: FakeSheets) -> None:
    source.poll(NOW)
    rows = sheets.rows(SHEET_ID, "Intake")
    status = HEADER.index("docketd")
    rows[6] = [None] * status + [rows[6][status]]  # a person clears row 7 but not docketd's cell
    sheets.set_rows(SHEET_ID, "Intake", rows)
    source.poll(NOW)
    assert status_cells(sheets)[5] == ""


def test_date_and_time_cells_arrive_as_serials_whatever_the_locale(tmp_path: Path, google: FakeGoogle,
                                                                    sheets: FakeSheets) -> None:
    sheets.set_rows(SHEET_ID, "Intake", [["matter", "court", "event", "date", "time", "docketd"],
                                         ["2026-0157", "cand", "scheduling_conference", date(2026, 2, 9),
                                          time(10, 30)]])
    config = _config(tmp_path, google, sheets)
    store = Store(config.state)
    try:
        docket = Docket(config, store, load_rulebook(config.rule_dirs, config.closures))
        (src,) = build_sources(config, docket)
        src.poll(NOW)
        payload = store.db.execute("SELECT payload FROM triggers WHERE matter='2026-0157'").fetchone()[0]
        assert "2026-02-09" in payload and "10:30" in payload
    finally:
        store.close()


def test_client_pieces() -> None:
    assert parse_returned_range("'My ''Tab'''!C3:H40") == ("My 'Tab'", 2, 3)
    assert parse_returned_range("Intake!A1:L9") == ("Intake", 0, 1)
    assert column_letter(27) == "AB"
    assert serial_to_date(46027) == date(2026, 1, 5)
    assert serial_to_time(0.4375) == time(10, 30)


def test_a_missing_spreadsheet_is_a_permanent_error_naming_the_fix(tmp_path: Path, google: FakeGoogle,
                                                                   sheets: FakeSheets) -> None:
    from connectors.base import ConnectorContext, PermanentError

    key = tmp_path / "k.json"
    google.add_service_account(SA_EMAIL, make_service_account_key(key, google.token_uri, SA_EMAIL))
    client = SheetsClient.from_config("x", {"spreadsheet_id": "nope", "credentials": str(key),
                                            "api_endpoint": sheets.api_endpoint, "retry_base_seconds": 0.01},
                                      ConnectorContext(state_dir=str(tmp_path)))
    with pytest.raises(PermanentError, match="share the sheet with the service account"):
        client.read()


def test_a_sheet_shared_as_viewer_is_still_docketed_and_flagged(source: SheetSource, docket: Docket,
                                                                 sheets: FakeSheets) -> None:
    sheets.share(SHEET_ID, writers=set())
    result = source.poll(NOW)
    assert result.read and result.written == 0 and len(triggers(docket)) == 6
    flag = docket.store.db.execute("SELECT message, action FROM flags WHERE kind='source-status'").fetchone()
    assert flag is not None and "as Editor" in flag[1]
    assert not source.poll(NOW).read  # no retry loop: unchanged sheet, nothing to do
    sheets.share(SHEET_ID, writers=None)
    sheets.edit(SHEET_ID, "Intake", 2, HEADER.index("Notes"), "now shared as Editor")
    assert source.poll(NOW).written == 6
    assert docket.store.db.execute("SELECT COUNT(*) FROM flags WHERE kind='source-status'").fetchone()[0] == 0


def test_a_range_starting_off_column_a_writes_the_right_cells(tmp_path: Path, google: FakeGoogle,
                                                               sheets: FakeSheets) -> None:
    sheets.set_rows(SHEET_ID, "Intake", [["Firm intake — do not sort"], [], [None, *HEADER],
                                         [None, *SIX[0]], ["stray note in A", *SIX[1]]])
    config = _config(tmp_path, google, sheets, range="Intake!B1:Z")
    store = Store(config.state)
    try:
        (src,) = build_sources(config, Docket(config, store, load_rulebook(config.rule_dirs, config.closures)))
        result = src.poll(NOW)
        assert result.read and result.written == 2
        letter = column_letter(1 + HEADER.index("docketd"))
        assert [w.range for w in sheets.writes] == [f"'Intake'!{letter}4:{letter}5"]
        grid = sheets.rows(SHEET_ID, "Intake")
        assert str(grid[3][1 + HEADER.index("docketd")]).startswith("docketed")
        assert grid[4][0] == "stray note in A"
    finally:
        store.close()


@pytest.mark.parametrize("kept", [1, 2, 4])
def test_a_small_sheet_emptied_whole_is_held_whatever_the_floor(kept: int, source: SheetSource, docket: Docket,
                                                                 sheets: FakeSheets, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 19 item 4: below the vanish floor (5 rows) a cleared sheet used to withdraw everything at
    # the next poll. Going from rows to none is the classic accident: held until confirm-source.
    monkeypatch.chdir(tmp_path)
    sheets.set_rows(SHEET_ID, "Intake", [HEADER, *SIX[:kept]])
    source.poll(NOW)
    assert len(triggers(docket)) == kept
    sheets.set_rows(SHEET_ID, "Intake", [HEADER])  # every row deleted, the header left
    held = source.poll(NOW)
    assert held.report is not None and held.report.held_back == kept and held.report.withdrawn == 0
    assert len(triggers(docket)) == kept and due(docket, "2026-0142", "frcp.answer") == "2026-01-26"
    (message, action) = docket.store.db.execute(
        "SELECT message, action FROM flags WHERE scope='intake' AND kind='source-vanished'").fetchone()
    assert message == (f"Intake source intake is now empty: all {kept} of its rows vanished at once; "
                       "their deadlines were kept.")
    assert "docketd confirm-source intake" in action
    assert cmd_confirm_source(argparse.Namespace(config=str(docket.config.path), name="intake")) == 0
    done = source.poll(NOW)
    assert done.report is not None and done.report.withdrawn == kept
    assert triggers(docket) == {} and due(docket, "2026-0142", "frcp.answer") is None


def test_a_small_sheet_losing_some_rows_is_mirrored_at_once(source: SheetSource, docket: Docket,
                                                            sheets: FakeSheets) -> None:
    # Below the floor, a sheet that keeps at least one row is an edit, not an accident: no hold.
    sheets.set_rows(SHEET_ID, "Intake", [HEADER, *SIX[:3]])
    source.poll(NOW)
    sheets.set_rows(SHEET_ID, "Intake", [HEADER, SIX[0]])
    done = source.poll(NOW)
    assert done.report is not None and done.report.withdrawn == 2 and done.report.held_back == 0
    assert set(triggers(docket)) == {"2026-0142"}
