"""End to end: `docketd run` as a subprocess on a temp folder, files dropped, .ics files read back."""

from __future__ import annotations

import signal
import sqlite3
import time
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest

from daemon.engine import load_rulebook
from daemon.models import TriggerEvent
from tests.clock import pinned_day, pinned_env
from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config

HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"


def _today() -> date:
    return pinned_day()


def _answer_due(served: date) -> date:
    rules = load_rulebook()
    out = rules.compute(TriggerEvent("M", "summons_served", served, court="federal", service="personal"))
    return next(d.due for d in out if d.rule == "frcp.answer")


def _events(path: Path) -> list[icalendar.Event]:
    if not path.exists():
        return []
    return list(icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"))


def _answer_events(path: Path, matter: str = "2026-0142") -> list[icalendar.Event]:
    return [e for e in _events(path) if str(e.get("X-DOCKETD-KEY", "")).startswith(f"{matter}|frcp.answer|")]


@pytest.fixture
def daemon(tmp_path: Path):  # type: ignore[no-untyped-def]
    cfg = write_config(tmp_path, serve=True)
    d = DaemonProcess(cfg, tmp_path, env=pinned_env())
    d.start()
    yield d
    d.close()


def _drop_slowly(path: Path, text: str, chunks: int = 4) -> None:
    step = max(1, len(text) // chunks)
    with path.open("w", encoding="utf-8") as f:
        for i in range(0, len(text), step):
            f.write(text[i:i + step])
            f.flush()
            time.sleep(0.15)


@pytest.mark.pinned_day  # re-run on each of tests/clock.HARD_DAYS by `make test`
def test_drop_correct_close_restart(daemon: DaemonProcess, tmp_path: Path) -> None:
    var = tmp_path / "var"
    jdoe = var / "calendars" / "jdoe@firm.com.ics"
    served = _today() + timedelta(days=3)
    due = _answer_due(served)
    row = f"2026-0142,Acme v. Widget,federal,summons_served,{served},personal,jdoe@firm.com,pat@firm.com,open\n"
    _drop_slowly(var / "inbox" / "intake.csv", HEADER + row)
    wait_until(lambda: len(_answer_events(jdoe)) == 1, what="the answer deadline in jdoe's .ics")
    (ev,) = _answer_events(jdoe)
    assert ev.decoded("DTSTART") == due
    assert ev.decoded("DTEND") == due + timedelta(days=1)
    summary = str(ev["SUMMARY"])
    assert summary.endswith("[2026-0142] Answer due — Acme v. Widget (FRCP 12(a)(1)(A)(i))")
    assert "12(a)(1)(A)(i)" in str(ev["DESCRIPTION"]) and "21 days" in str(ev["DESCRIPTION"])
    assert len(list(ev.walk("VALARM"))) >= 1
    uid = str(ev["UID"])
    assert (var / "processed" / "intake.csv").exists()
    uids = [str(e["UID"]) for e in _events(jdoe)]
    assert len(uids) == len(set(uids))
    # all.ics is written in its own lane after the people's files (issue 17): it follows shortly.
    wait_until(lambda: any(str(e["UID"]) == uid for e in _events(var / "calendars" / "all.ics")),
               what="the answer deadline in all.ics")

    # A corrected row (same matter and event, new date): the entry moves, no duplicate appears.
    # Two service dates can roll to one due date (the 21st day on a weekend or holiday), so the
    # correction is the first later date whose answer really falls on another day.
    served2 = next(s for s in (served + timedelta(days=n) for n in range(2, 30)) if _answer_due(s) != due)
    due2 = _answer_due(served2)
    (var / "inbox" / "correction.csv").write_text(
        HEADER + f"2026-0142,,federal,summons_served,{served2},personal,,,\n", encoding="utf-8")
    wait_until(lambda: (var / "processed" / "correction.csv").exists(), what="the correction to be processed")
    wait_until(lambda: [e.decoded("DTSTART") for e in _answer_events(jdoe)] == [due2],
               what="the answer to move")
    (ev2,) = _answer_events(jdoe)
    assert str(ev2["UID"]) == uid
    assert int(ev2.decoded("SEQUENCE")) > int(ev.decoded("SEQUENCE"))

    # Closing the matter withdraws its future entries.
    (var / "inbox" / "close.csv").write_text(
        HEADER + f"2026-0142,,federal,summons_served,{served2},personal,,,closed\n", encoding="utf-8")
    wait_until(lambda: _answer_events(jdoe) == [], what="the closed matter's entries to go")

    assert daemon.stop() == 0
    assert any("STOPPING=1" in n for n in daemon.notifications)
    before = jdoe.read_bytes()
    all_before = (var / "calendars" / "all.ics").read_bytes()

    # Restart: nothing re-created, nothing lost, nothing pending.
    daemon.start()
    time.sleep(1.0)
    assert daemon.stop() == 0
    assert jdoe.read_bytes() == before
    assert (var / "calendars" / "all.ics").read_bytes() == all_before
    db = sqlite3.connect(var / "state.db")
    assert db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 3
    assert sorted(p.name for p in (var / "processed").iterdir()) == ["close.csv", "correction.csv", "intake.csv"]


BROKEN = {
    "bad-date.csv": HEADER + "2026-0200,X v. Y,federal,summons_served,2026-02-30,personal,a@firm.com,,\n",
    "unknown-event.csv": HEADER + "2026-0201,X v. Y,federal,summons_eaten,2026-02-03,personal,a@firm.com,,\n",
    "missing-matter.csv": HEADER + ",X v. Y,federal,summons_served,2026-02-03,personal,a@firm.com,,\n",
    "junk.csv": "\x00\x01\x02\xff\xfe binary junk \x00" * 20,
    "empty.csv": "",
}


def test_broken_files_are_rejected_with_reports(daemon: DaemonProcess, tmp_path: Path) -> None:
    var = tmp_path / "var"
    for name, text in BROKEN.items():
        (var / "inbox" / name).write_bytes(text.encode("latin-1"))
    (var / "inbox" / "truncated.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    good_row = f"2026-0300,Good v. Row,federal,summons_served,{_today()},personal,g@firm.com,,\n"
    bad_row = "2026-0301,Bad v. Row,federal,summons_served,13/45/2026,personal,g@firm.com,,\n"
    (var / "inbox" / "partly.csv").write_text(HEADER + good_row + bad_row, encoding="utf-8")
    names = [*BROKEN, "truncated.xlsx", "partly.csv"]
    wait_until(lambda: all((var / "rejected" / f"{n}.errors.txt").exists() for n in names),
               what="every broken file in rejected/ with its report")
    for n in names:
        assert (var / "rejected" / n).exists(), n
    assert "row 2" in (var / "rejected" / "bad-date.csv.errors.txt").read_text()
    assert "date" in (var / "rejected" / "bad-date.csv.errors.txt").read_text()
    assert "summons_eaten" in (var / "rejected" / "unknown-event.csv.errors.txt").read_text()
    partly = (var / "rejected" / "partly.csv.errors.txt").read_text()
    assert "Rows accepted and docketed: 2." in partly and "row 3" in partly
    # The good row of the partly bad file was docketed.
    wait_until(lambda: any("2026-0300" in str(e["SUMMARY"]) for e in _events(var / "calendars" / "g@firm.com.ics")),
               what="the good row's deadline")
    assert list((var / "inbox").iterdir()) == []
    assert daemon.proc is not None and daemon.proc.poll() is None
    assert daemon.stop(signal.SIGTERM) == 0


def test_feed_server_serves_calendars_read_only(daemon: DaemonProcess, tmp_path: Path) -> None:
    import re
    import urllib.error
    import urllib.request

    var = tmp_path / "var"
    row = f"2026-0400,Feed v. Test,federal,summons_served,{_today()},personal,f@firm.com,,\n"
    (var / "inbox" / "f.csv").write_text(HEADER + row, encoding="utf-8")
    wait_until(lambda: (var / "calendars" / "f@firm.com.ics").exists(), what="the .ics file")
    m = re.search(r"http://127\.0\.0\.1:(\d+)/all\.ics", daemon.log)
    assert m, daemon.log
    base = f"http://127.0.0.1:{m.group(1)}"
    body = urllib.request.urlopen(f"{base}/f@firm.com.ics", timeout=10).read()
    assert b"BEGIN:VCALENDAR" in body and b"2026-0400" in body
    for bad in ("/../docketd.toml", "/%2e%2e/docketd.toml", "/state.db"):
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(base + bad, timeout=10)
        assert info.value.code == 404
    req = urllib.request.Request(f"{base}/all.ics", method="PUT", data=b"x")
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 501


def test_sighup_reloads_config_and_survives_a_broken_one(daemon: DaemonProcess, tmp_path: Path) -> None:
    assert daemon.proc is not None
    cfg = tmp_path / "docketd.toml"
    good = cfg.read_text()
    cfg.write_text(good.replace("[sync]", "[sync]\nmax_delete_share = 0.25"))
    daemon.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "Config reloaded" in daemon.log, what="the reload message")
    cfg.write_text(good + "\n[daemon\n")
    daemon.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "Config reload failed" in daemon.log, what="the reload failure message")
    assert "not valid TOML" in daemon.log
    # Still working on the previous config.
    row = f"2026-0500,Hup v. Test,federal,summons_served,{_today()},personal,h@firm.com,,\n"
    (tmp_path / "var" / "inbox" / "h.csv").write_text(HEADER + row, encoding="utf-8")
    wait_until(lambda: (tmp_path / "var" / "calendars" / "h@firm.com.ics").exists(), what="the .ics after reload")
    assert daemon.stop() == 0
