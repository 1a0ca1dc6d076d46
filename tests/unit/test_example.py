"""`docketd example`: an intake file dated relative to today shows upcoming work on any day.

Issue 19 item 1: on 2026-12-02 the fixed-date example gave 15 "missed" flags, a future-dated summons
and an empty agenda. The generated example, through the real intake reader, rule book and planner,
must give upcoming deadlines, several inside the agenda's 14 days, and no "missed" or
"future-dated" flag, whatever the day: the days pinned below (Christmas Eve, New Year's Eve, Fridays
before a Monday holiday, a leap day) and, as a property, any day the rule book covers.
"""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.cli.example import cmd_example
from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.errors import UsageError
from daemon.intake.example import ROWS, example_csv
from daemon.settings.config import parse_config
from daemon.sources.inbox import ingest_file, preview_files
from daemon.state.flags import flag_rows
from daemon.state.store import Store
from daemon.views.agenda import load_agenda, upcoming

RULES = load_rulebook()
BAD = {"missed", "future-trigger", "far-past-trigger", "engine-error", "missing-service"}
MIN_UPCOMING = 15  # the nine rows give 16 deadlines (and follow-ups); every deadline is today or later
MIN_IN_AGENDA = 3  # due within the agenda's default 14 days
PINNED = [
    date(2026, 12, 2),   # the day the issue was filed
    date(2026, 12, 24),  # Christmas Eve: Christmas and a weekend close by
    date(2026, 12, 31),  # New Year's Eve
    date(2027, 1, 15),   # Friday before Martin Luther King Jr. Day (Mon 2027-01-18)
    date(2026, 5, 22),   # Friday before Memorial Day (Mon 2026-05-25)
    date(2026, 11, 27),  # the day after Thanksgiving (a California judicial holiday)
    date(2028, 2, 29),   # a leap day
    date(2026, 7, 4),    # a Saturday holiday
]


def _preview(tmp: Path, today: date) -> list[dict[str, object]]:
    cfg = parse_config({}, tmp / "docketd.toml", tmp)
    path = tmp / f"example-{today.isoformat()}.csv"
    path.write_text(example_csv(today), encoding="utf-8")
    made, errors = preview_files(Docket(cfg, None, RULES), [path], today)
    deadlines = list(made)
    assert errors == [], errors
    return deadlines


def _check(deadlines: list[dict[str, object]], today: date) -> None:
    flags = [(d["rule"], f["kind"]) for d in deadlines for f in d["flags"]]  # type: ignore[attr-defined]
    assert [f for f in flags if f[1] in BAD] == [], today
    dues = [date.fromisoformat(str(d["due"])) for d in deadlines if d["kind"] == "deadline"]
    assert all(due >= today for due in dues), (today, sorted(dues)[:3])
    assert len(dues) >= MIN_UPCOMING, (today, len(dues))
    assert sum(1 for due in dues if due <= today + timedelta(days=14)) >= MIN_IN_AGENDA, today
    # Every matter in the example has something upcoming (no "what happens next?" on a first look).
    assert {d["matter"] for d in deadlines} == {r.matter for r in ROWS}
    triggers = [date.fromisoformat(str(d["trigger"]["date"])) for d in deadlines]  # type: ignore[index]
    assert all(t <= today for t, d in zip(triggers, deadlines, strict=True)
               if d["trigger"]["event"] not in ("scheduling_conference", "motion_hearing"))  # type: ignore[index]


@pytest.mark.parametrize("today", PINNED, ids=str)
def test_pinned_days(tmp_path: Path, today: date) -> None:
    _check(_preview(tmp_path, today), today)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(today=st.dates(min_value=date(2021, 1, 1), max_value=date(2035, 12, 31)))
def test_any_day(tmp_path_factory: pytest.TempPathFactory, today: date) -> None:
    _check(_preview(tmp_path_factory.mktemp("day"), today), today)


def test_through_the_docket_the_agenda_shows_upcoming_work(tmp_path: Path) -> None:
    # The README's first run, in process: the file dropped, stored, flagged; the agenda is not empty.
    now = datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    raw = {"daemon": {"inbox": "var/inbox", "state": "var/state.db"}, "ics": {"dir": "var/calendars"}}
    cfg = parse_config(raw, tmp_path / "docketd.toml", tmp_path)
    cfg.inbox.mkdir(parents=True)
    store = Store(cfg.state)
    docket = Docket(cfg, store, RULES)
    path = cfg.inbox / "example.csv"
    path.write_text(example_csv(now.date()), encoding="utf-8")
    assert not ingest_file(docket, path, now).errors
    kinds = {f.kind for f in flag_rows(store.db)}
    assert not kinds & (BAD | {"no-upcoming", "no-court"}), kinds
    items = upcoming(load_agenda(store.db, cfg), now.date(), 14)
    assert len([i for i in items if i.deadline.kind == "deadline"]) >= MIN_IN_AGENDA
    store.close()


def test_the_command_writes_into_a_folder_and_never_overwrites(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    args = argparse.Namespace(config=None, today="2026-12-24", out=str(inbox))
    assert cmd_example(args) == 0
    written = inbox / "example-2026-12-24.csv"
    assert written.read_text(encoding="utf-8") == example_csv(date(2026, 12, 24))
    assert "9 intake rows" in capsys.readouterr().out
    with pytest.raises(UsageError, match="already exists"):
        cmd_example(args)
    with pytest.raises(UsageError, match="does not exist"):
        cmd_example(argparse.Namespace(config=None, today="2026-12-24", out=str(tmp_path / "nope" / "x.csv")))
    with pytest.raises(UsageError, match="is not a date"):
        cmd_example(argparse.Namespace(config=None, today="24/12/2026", out=None))
    assert cmd_example(argparse.Namespace(config=None, today="2026-12-24", out=None)) == 0
    assert capsys.readouterr().out == example_csv(date(2026, 12, 24))


def test_status_lists_one_line_per_distinct_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # The example's judgment gives four post-judgment motions due the same day (FRCP 50(b), 52(b),
    # 59(b), 59(e): 28 days each): a conflict flag on each of them, one situation. `status` lists it once.
    from daemon.cli.main import main

    monkeypatch.chdir(tmp_path)
    cfg_path = tmp_path / "docketd.toml"
    cfg_path.write_text('[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n[ics]\ndir = "var/calendars"\n',
                        encoding="utf-8")
    now = datetime(2026, 12, 2, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    cfg = parse_config({"daemon": {"inbox": "var/inbox", "state": "var/state.db"},
                        "ics": {"dir": "var/calendars"}}, cfg_path, tmp_path)
    cfg.inbox.mkdir(parents=True)
    store = Store(cfg.state)
    path = cfg.inbox / "example.csv"
    path.write_text(example_csv(now.date()), encoding="utf-8")
    assert not ingest_file(Docket(cfg, store, RULES), path, now).errors
    conflicts = [f for f in flag_rows(store.db) if f.kind == "conflict" and f.matter == "2025-0988"]
    store.close()
    assert len(conflicts) == 4 and len({f.message for f in conflicts}) == 1
    assert main(["--config", str(cfg_path), "status"]) == 0
    out = capsys.readouterr().out
    assert out.count(conflicts[0].message) == 1
    assert ", ".join(f"#{f.id}" for f in sorted(conflicts, key=lambda f: f.id)) + " warning:" in out
