"""Issue 13 item 6: a deadline the rules moved (a pack or holiday table changed) is flagged `rule-change`.

Real store, real docket, real rule loading from a firm rules folder. The case: summons served
2026-03-02 (Mon) by personal service in N.D. Cal.; the answer is due 21 days after service (FRCP
12(a)(1)(A)(i)), 2026-03-23 (Mon). A firm court file closing the courthouse that day moves the
answer to 2026-03-24 (Tue) (FRCP 6(a)(1)(C), 6(a)(3)); removing the closure moves it back.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.service.main import Service
from daemon.settings.config import parse_config
from daemon.sources.inbox import ingest_file
from daemon.state.flags import FlagRow, ack_flags, flag_rows
from daemon.state.store import Store
from daemon.views.agenda import load_agenda, text_table
from daemon.views.digest import compose
from tests.reliability.helpers import run_cli

TZ = ZoneInfo("America/Los_Angeles")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=TZ)
TODAY = NOW.date()
HEADER = "matter,title,court,event,date,service,attorney\n"
ROW = "2026-0142,Acme v. Widget,cand,summons_served,2026-03-02,personal,jdoe@firm.com\n"
ANSWER = "2026-0142|frcp.answer|summons_served|"
COURT = """court: cand
name: U.S. District Court, Northern District of California
state: CA
circuit: ca9
timezone: America/Los_Angeles
packs: {packs}
holidays: federal
forward_holidays: ca-state
closure_sets: [federal-executive-orders]
closures: {closures}
"""
CLOSED = "\n  - {date: 2026-03-23, reason: courthouse closed by flood (FRCP 6(a)(3))}"


def _rules(tmp_path: Path, closures: str, packs: str = "[frcp]") -> None:
    folder = tmp_path / "rules" / "courts"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cand.yaml").write_text(COURT.format(closures=closures, packs=packs), encoding="utf-8")


def _docket(tmp_path: Path, store: Store | None = None) -> Docket:
    """A docket on the rules folder as it is now (a restart or SIGHUP reloads the rules the same way)."""
    raw = {"daemon": {"inbox": "var/inbox", "state": "var/state.db"}, "ics": {"dir": "var/calendars"},
           "rules": {"dirs": ["rules"]}}
    cfg = parse_config(raw, tmp_path / "docketd.toml", tmp_path)
    return Docket(cfg, store or Store(cfg.state), load_rulebook(cfg.rule_dirs, cfg.closures))


def _drop(docket: Docket, tmp_path: Path, name: str, rows: str) -> None:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    report = ingest_file(docket, path, NOW)
    assert not report.errors, report.errors


def _recompute(docket: Docket, stamp: str = "2026-03-02T10:00:00") -> None:
    with docket.store.transaction() as db:
        docket.recompute(db, docket.all_matters(), TODAY, stamp)


def _due(docket: Docket, key: str = ANSWER) -> str | None:
    row = docket.store.db.execute("SELECT due FROM deadlines WHERE key=?", (key,)).fetchone()
    return row[0] if row else None


def _rule_changes(docket: Docket) -> list[FlagRow]:
    return [f for f in flag_rows(docket.store.db) if f.kind == "rule-change"]


def _closed_then_reopened(tmp_path: Path) -> Docket:
    _rules(tmp_path, CLOSED)
    first = _docket(tmp_path)
    _drop(first, tmp_path, "a.csv", ROW)
    assert _due(first) == "2026-03-24"
    assert _rule_changes(first) == []
    _rules(tmp_path, "[]")  # the firm removes the closure
    docket = _docket(tmp_path, first.store)
    _recompute(docket)
    return docket


def test_removed_closure_moves_the_answer_and_flags_both_dates_and_the_closure(tmp_path: Path) -> None:
    docket = _closed_then_reopened(tmp_path)
    assert _due(docket) == "2026-03-23"
    flags = _rule_changes(docket)
    assert [(f.scope, f.severity, f.matter) for f in flags] == [(ANSWER, "critical", "2026-0142")]
    msg = flags[0].message
    assert msg.startswith("Matter 2026-0142: the deadline “Answer due” moved from 2026-03-24 (Tue) to "
                          "2026-03-23 (Mon) because the court rules or holidays docketd applies changed")
    assert "courthouse closed by flood" in msg
    assert "docketd ack" in flags[0].action
    # The calendar entry moved to the new date and carries the flag mark.
    entries = [r.entry for r in docket.store.pending("ics:jdoe@firm.com") if r.key == ANSWER]
    assert entries and entries[0] is not None
    assert entries[0]["start"] == "2026-03-23"
    assert entries[0]["summary"].startswith("⚑ ")
    assert "moved from 2026-03-24 (Tue)" in entries[0]["description"]


def test_a_corrected_intake_row_is_not_a_rule_change(tmp_path: Path) -> None:
    _rules(tmp_path, "[]")
    docket = _docket(tmp_path)
    _drop(docket, tmp_path, "a.csv", ROW)
    assert _due(docket) == "2026-03-23"
    _drop(docket, tmp_path, "b.csv", ROW.replace("2026-03-02", "2026-03-03"))  # served a day later
    _recompute(docket)
    assert _due(docket) == "2026-03-24"
    assert _rule_changes(docket) == []


def test_the_flag_stays_through_recomputes_until_acknowledged(tmp_path: Path) -> None:
    docket = _closed_then_reopened(tmp_path)
    _recompute(docket, "2026-03-03T06:00:00")
    _recompute(docket, "2026-03-04T06:00:00")
    flags = _rule_changes(docket)
    assert len(flags) == 1 and "moved from 2026-03-24 (Tue) to 2026-03-23 (Mon)" in flags[0].message
    with docket.store.transaction() as db:
        assert ack_flags(db, [flags[0].id], "clerk", "2026-03-04T09:00:00").acked == [flags[0].id]
    _recompute(docket, "2026-03-05T06:00:00")
    assert _rule_changes(docket) == []
    acked = [f for f in flag_rows(docket.store.db, include_acked=True) if f.kind == "rule-change"]
    assert len(acked) == 1 and acked[0].acked_by == "clerk"


def test_a_deadline_a_rule_no_longer_computes_is_flagged_not_dropped_silently(tmp_path: Path) -> None:
    # A firm pack adds its own deadline for the summons; the firm then deletes the pack.
    pack = tmp_path / "rules" / "rules"
    pack.mkdir(parents=True)
    (pack / "firm.yaml").write_text(
        "pack: firm\ntitle: Firm local rules\ncounting: frcp\nevents:\n  summons_served: Summons served\n"
        "rules:\n  - id: firm.client-report\n    title: Report to client\n    trigger: summons_served\n"
        "    days: 10\n    direction: after\n    citation: Firm practice\n", encoding="utf-8")
    _rules(tmp_path, "[]", "[frcp, firm]")
    first = _docket(tmp_path)
    _drop(first, tmp_path, "a.csv", ROW)
    key = "2026-0142|firm.client-report|summons_served|"
    assert _due(first, key) is not None
    (pack / "firm.yaml").unlink()
    _rules(tmp_path, "[]")
    docket = _docket(tmp_path, first.store)
    _recompute(docket)
    assert _due(docket, key) is None
    flags = _rule_changes(docket)
    assert [f.scope for f in flags] == [key]
    assert "is no longer computed" in flags[0].message and flags[0].severity == "critical"


def test_closing_a_matter_is_not_a_rule_change(tmp_path: Path) -> None:
    _rules(tmp_path, "[]")
    docket = _docket(tmp_path)
    _drop(docket, tmp_path, "a.csv", ROW)
    path = tmp_path / "c.csv"
    path.write_text("matter,event,date,status\n2026-0142,summons_served,2026-03-02,closed\n", encoding="utf-8")
    ingest_file(docket, path, NOW)
    _recompute(docket)
    assert _rule_changes(docket) == []


def test_unchanged_rules_raise_nothing(tmp_path: Path) -> None:
    _rules(tmp_path, CLOSED)
    docket = _docket(tmp_path)
    _drop(docket, tmp_path, "a.csv", ROW)
    _recompute(docket)
    _recompute(docket, "2026-03-09T06:00:00")
    assert _rule_changes(docket) == []
    assert date.fromisoformat(_due(docket) or "") == date(2026, 3, 24)


class PinnedService(Service):
    """The daemon on the test's day (the clock is the one thing a test injects)."""

    def now(self) -> datetime:
        return NOW


def _service(tmp_path: Path) -> PinnedService:
    cfg = tmp_path / "docketd.toml"
    cfg.write_text('[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n\n[ics]\ndir = "var/calendars"\n\n'
                   '[rules]\ndirs = ["rules"]\n', encoding="utf-8")
    return PinnedService(cfg, tmp_path)


def _daily(svc: Service) -> None:
    for _ in range(10):
        svc.recompute_if_new_day()
        if svc.store.get_kv("last_recompute_day") == TODAY.isoformat() and not svc.day_backlog:
            return
    raise AssertionError("the day's recompute did not finish")


def test_a_restart_on_changed_rules_recomputes_the_same_day_and_flags(tmp_path: Path) -> None:
    # An upgrade (or a firm's edit) takes effect at the restart, not at the next day's recompute.
    _rules(tmp_path, CLOSED)
    svc = _service(tmp_path)
    (tmp_path / "a.csv").write_text(HEADER + ROW, encoding="utf-8")
    assert not ingest_file(svc.docket, tmp_path / "a.csv", NOW).errors
    _daily(svc)
    svc.store.close()
    svc = _service(tmp_path)  # a restart, same rules: the day's work is already done
    assert svc.store.get_kv("last_recompute_day") == TODAY.isoformat()
    svc.store.close()
    _rules(tmp_path, "[]")
    svc = _service(tmp_path)  # a restart on the edited rules, the same day
    _daily(svc)
    assert _due(svc.docket) == "2026-03-23"
    assert [f.scope for f in _rule_changes(svc.docket)] == [ANSWER]
    svc.store.close()


def test_status_flags_agenda_and_digest_list_it_until_acknowledged(tmp_path: Path) -> None:
    docket = _closed_then_reopened(tmp_path)
    config = tmp_path / "docketd.toml"
    config.write_text('[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n\n[ics]\ndir = "var/calendars"\n\n'
                      '[rules]\ndirs = ["rules"]\n', encoding="utf-8")
    docket.store.close()
    moved = "moved from 2026-03-24 (Tue) to 2026-03-23 (Mon)"
    status = run_cli(config, "status")
    assert status.returncode == 0 and moved in status.stdout and "critical" in status.stdout
    flags = run_cli(config, "flags")
    assert flags.returncode == 0 and "rule-change" in flags.stdout and moved in flags.stdout
    store = Store(tmp_path / "var" / "state.db")
    agenda = load_agenda(store.db, docket.config)
    (item,) = [i for i in agenda.items if i.deadline.key == ANSWER]
    assert [f.kind for f in item.flags] == ["rule-change"] and item.worst == "critical"
    assert moved in text_table([item], TODAY)
    digest = compose(agenda, "jdoe@firm.com", TODAY, days=30)
    assert "(1 critical)" in digest.subject and moved in digest.text
    store.close()
