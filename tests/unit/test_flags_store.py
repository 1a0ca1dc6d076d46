"""Flags through the real docket and store: cross-matter flags stored, shown on entries, acknowledged."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.settings.config import parse_config
from daemon.sources.inbox import ingest_file
from daemon.state.flags import ack_flags, flag_rows
from daemon.state.kv import save_busy_days
from daemon.state.store import Store

TZ = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
J = "summons_served,2026-03-02,personal,jdoe@firm.com,,open\n"


def _docket(tmp_path: Path) -> Docket:
    raw = {
        "daemon": {"inbox": "var/inbox", "state": "var/state.db"},
        "ics": {"dir": "var/calendars"},
        "people": {"jdoe@firm.com": {"name": "Jane Doe", "out_of_office": ["2026-03-30..2026-04-03"]}},
    }
    cfg = parse_config(raw, tmp_path / "docketd.toml", tmp_path)
    return Docket(cfg, Store(cfg.state), load_rulebook())


def _drop(docket: Docket, tmp_path: Path, name: str, rows: str) -> None:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    report = ingest_file(docket, path, NOW)
    assert not report.errors, report.errors
    # Whether intake refreshes cross-matter flags itself or leaves it to the daemon's next loop turn,
    # a recompute of no matters refreshes them (that is what the daemon runs).
    with docket.store.transaction() as db:
        docket.recompute(db, [], NOW.date(), "2026-03-02T09:00:01")


def _pending_summaries(docket: Docket, matter: str) -> dict[str, str]:
    out = {}
    for r in docket.store.pending("ics:jdoe@firm.com"):
        if r.entry and r.entry["matter"] == matter:
            out[r.key] = r.entry["summary"]
    return out


def _kinds(docket: Docket) -> set[tuple[str, str]]:
    return {(f.kind, f.scope) for f in flag_rows(docket.store.db)}


def test_conflict_across_matters_is_stored_and_shown_on_both_entries(tmp_path: Path) -> None:
    docket = _docket(tmp_path)
    # Two answers served the same day, same attorney: both due 2026-03-23.
    _drop(docket, tmp_path, "a.csv", "2026-0142,Acme v. Widget,federal,summons_served,2026-03-02,personal,"
                                     "jdoe@firm.com,,open\n")
    assert not [k for k in _kinds(docket) if k[0] == "conflict"]
    _drop(docket, tmp_path, "b.csv", "2026-0150,Baker v. Coastal,federal,summons_served,2026-03-02,personal,"
                                     "jdoe@firm.com,,open\n")
    conflicts = [f for f in flag_rows(docket.store.db) if f.kind == "conflict"]
    assert {f.scope for f in conflicts} == {"2026-0142|frcp.answer|summons_served|",
                                            "2026-0150|frcp.answer|summons_served|"}
    # The first matter's entry was re-rendered although only the second file touched it.
    for matter in ("2026-0142", "2026-0150"):
        summary = _pending_summaries(docket, matter)[f"{matter}|frcp.answer|summons_served|"]
        assert summary.startswith("⚑ ["), summary
    # The deadline payload is untouched by cross flags; `docketd matter` reads them from the flags table.
    row = docket.store.db.execute("SELECT payload FROM deadlines WHERE key=?",
                                  ("2026-0142|frcp.answer|summons_served|",)).fetchone()
    assert "conflict" not in [f["kind"] for f in json.loads(row[0])["flags"]]

    # Acknowledging both drops the prefix at the re-render, and a later recompute does not resurrect them.
    with docket.store.transaction() as db:
        result = ack_flags(db, [f.id for f in conflicts], "Pat", "2026-03-02T09:05:00")
        docket.recompute(db, result.matters, NOW.date(), "2026-03-02T09:05:00")
    assert result.matters == {"2026-0142", "2026-0150"}
    for matter in ("2026-0142", "2026-0150"):
        assert _pending_summaries(docket, matter)[f"{matter}|frcp.answer|summons_served|"].startswith("[")
    with docket.store.transaction() as db:
        docket.recompute(db, docket.all_matters(), NOW.date(), "2026-03-02T10:00:00")
    assert not [f for f in flag_rows(docket.store.db) if f.kind == "conflict"]
    acked = [f for f in flag_rows(docket.store.db, include_acked=True) if f.kind == "conflict"]
    assert len(acked) == 2 and all(f.acked_by == "Pat" for f in acked)


def test_conflict_goes_away_when_the_date_is_corrected(tmp_path: Path) -> None:
    docket = _docket(tmp_path)
    _drop(docket, tmp_path, "a.csv", "2026-0142,,federal," + J + "2026-0150,,federal," + J)
    assert len([f for f in flag_rows(docket.store.db) if f.kind == "conflict"]) == 2
    _drop(docket, tmp_path, "fix.csv", "2026-0150,,federal,summons_served,2026-03-03,personal,,,\n")
    assert [f for f in flag_rows(docket.store.db) if f.kind == "conflict"] == []
    summary = _pending_summaries(docket, "2026-0142")["2026-0142|frcp.answer|summons_served|"]
    assert not summary.startswith("⚑")


def test_out_of_office_missing_attorney_and_busy_days(tmp_path: Path) -> None:
    docket = _docket(tmp_path)
    # Served 2026-03-09 -> answer due 2026-03-30, the first day Jane is out.
    _drop(docket, tmp_path, "a.csv", "2026-0142,,federal," + J.replace("03-02", "03-09")
                                     + "2026-0160,,federal,summons_served,2026-03-02,personal,,,open\n"
                                     "2026-0170,,federal," + J)
    kinds = _kinds(docket)
    assert ("out-of-office", "2026-0170|frcp.answer|summons_served|") not in kinds
    assert ("out-of-office", "2026-0142|frcp.answer|summons_served|") in kinds
    assert ("no-attorney", "2026-0160") in kinds
    # The docket calendar shows the missing attorney on the matter's entries.
    docket_entries = [r.entry for r in docket.store.pending("ics:docket") if r.entry]
    assert docket_entries and all(e["summary"].startswith("⚑ ") for e in docket_entries)
    assert any("no responsible attorney" in e["description"] for e in docket_entries)

    # Free/busy read from a calendar: a busy day on the other matter's due date raises the flag.
    with docket.store.transaction() as db:
        assert save_busy_days(db, "jdoe@firm.com", {date(2026, 3, 23)}, "2026-03-02T09:00:00")
        docket.recompute(db, [], NOW.date(), "2026-03-02T09:00:00")
    busy = [f for f in flag_rows(docket.store.db) if f.scope == "2026-0170|frcp.answer|summons_served|"]
    assert [f.kind for f in busy] == ["out-of-office"] and "busy all day" in busy[0].message
    assert _pending_summaries(docket, "2026-0170")["2026-0170|frcp.answer|summons_served|"].startswith("⚑ ")
    assert not save_busy_days(docket.store.db, "jdoe@firm.com", {date(2026, 3, 23)}, "x")


def test_per_matter_recompute_keeps_cross_and_drift_flags(tmp_path: Path) -> None:
    docket = _docket(tmp_path)
    _drop(docket, tmp_path, "a.csv", "2026-0142,,federal," + J.replace("03-02", "03-09"))
    with docket.store.transaction() as db:
        db.execute("INSERT INTO flags (scope, kind, severity, message, action, matter, created_at) VALUES "
                   "('2026-0142|frcp.answer|summons_served|', 'drift', 'warning', 'moved by hand', '', "
                   "'2026-0142', 'x')")
    before = _kinds(docket)
    with docket.store.transaction() as db:
        docket.recompute(db, ["2026-0142"], NOW.date(), "2026-03-02T11:00:00", cross=False)
    assert before == _kinds(docket)
    assert ("drift", "2026-0142|frcp.answer|summons_served|") in before
    assert ("out-of-office", "2026-0142|frcp.answer|summons_served|") in before


def test_follow_ups_are_the_paralegals_ticklers_and_go_with_their_deadline(tmp_path: Path) -> None:
    import icalendar

    from daemon.sync.dispatcher import ConnectorPool, Dispatcher

    docket = _docket(tmp_path)
    served = "2026-03-09"  # answer due 2026-03-30; draft answer 7 days before; confirm service 3 days after
    _drop(docket, tmp_path, "a.csv", f"2026-0142,Acme,federal,summons_served,{served},personal,"
                                     "jdoe@firm.com,pat@firm.com,open\n")
    pool = ConnectorPool(docket.config)
    Dispatcher(docket.config, docket.store, pool, lambda: "2026-03-02T09:00:00").run_once(1e12)

    def summaries(person: str) -> list[str]:
        path = docket.config.ics_dir / f"{person}.ics"  # type: ignore[operator]
        cal = icalendar.Calendar.from_ical(path.read_bytes())
        return sorted(str(e["SUMMARY"]) for e in cal.walk("VEVENT"))

    pat, jdoe = summaries("pat@firm.com"), summaries("jdoe@firm.com")
    assert any("[2026-0142] Draft answer" in s for s in pat)
    assert any("[2026-0142] Confirm proof of service is filed" in s for s in pat)
    assert not any("Draft answer" in s for s in jdoe)  # tasks are the paralegal's, not the attorney's
    # Closing the matter withdraws the deadline and its follow-ups from every calendar.
    _drop(docket, tmp_path, "close.csv", f"2026-0142,,federal,summons_served,{served},personal,,,closed\n")
    Dispatcher(docket.config, docket.store, pool, lambda: "2026-03-02T09:05:00").run_once(1e12)
    assert not any("Draft answer" in s or "Answer due" in s for s in summaries("pat@firm.com"))
    pool.close()


def test_a_future_dated_trigger_is_one_flag_not_one_per_deadline(tmp_path: Path) -> None:
    # Issue 19 item 2: a future-dated summons_served row implies an answer and two follow-ups; the
    # row's date is one fact, so `status` and `docketd flags` must show one flag, not one per deadline.
    docket = _docket(tmp_path)
    _drop(docket, tmp_path, "a.csv", "2026-0201,Rivera v. Sunset,federal,summons_served,2026-04-01,personal,"
                                     "jdoe@firm.com,pat@firm.com,open\n")
    futures = [f for f in flag_rows(docket.store.db) if f.kind == "future-trigger"]
    assert len(futures) == 1, futures
    assert futures[0].scope == "2026-0201|summons_served|"
    status = docket.store.db.execute("SELECT COUNT(*) FROM flags WHERE kind='future-trigger'").fetchone()[0]
    assert status == 1
    # Every entry of the trigger still shows the flag on the calendar ...
    summaries = _pending_summaries(docket, "2026-0201")
    assert summaries["2026-0201|frcp.answer|summons_served|"].startswith("⚑ [")
    # ... and acknowledging the one flag clears it from all of them, for good.
    with docket.store.transaction() as db:
        result = ack_flags(db, [futures[0].id], "Pat", "2026-03-02T09:05:00")
        docket.recompute(db, result.matters, NOW.date(), "2026-03-02T09:05:00")
    assert not _pending_summaries(docket, "2026-0201")["2026-0201|frcp.answer|summons_served|"].startswith("⚑")
    with docket.store.transaction() as db:
        docket.recompute(db, ["2026-0201"], NOW.date(), "2026-03-02T09:06:00")
    assert [f.kind for f in flag_rows(docket.store.db) if f.matter == "2026-0201"
            and f.kind == "future-trigger"] == []
