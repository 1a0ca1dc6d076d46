"""End to end: `docketd run` with an IMAP court-mail source on a real Dovecot.

A notice setting a hearing for a linked matter lands on the attorney's .ics with the FRCP 6(c) dates
the pack derives from it; a second recipient's copy is ignored; a notice for an unknown case lands
in review (and is a flag in `docketd status`); a restart re-reads nothing from the mailbox.
The notices are real CM/ECF e-mails (tests/data/nef, juriscraper's BSD-licensed test suite); their
2023 dates are in the past on any day this runs, and past deadlines are calendared all the same.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import icalendar
import pytest

from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config
from tests.integration.dovecot_server import PASSWORD, USER, Dovecot, dovecot
from tests.integration.notice_mail import hearing_notice, notice

INTAKE = ("matter,title,court,event,date,attorney,case_number\n"
          "2023-0007,Simon v. City and County of San Francisco,cand,complaint_filed,2022-09-27,jdoe@firm.com,"
          "4:22-cv-05541-JST\n")


def _events(path: Path) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")) if path.exists() else []


def _summaries(path: Path) -> list[str]:
    return sorted(str(e["SUMMARY"]) for e in _events(path))


def _query(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        con.close()


def _last_uid(db: Path) -> int:
    rows = _query(db, "SELECT value FROM kv WHERE key LIKE 'imap:court-mail:%'")
    return int(json.loads(str(rows[0][0]))["last_uid"]) if rows else 0


@pytest.fixture
def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    with dovecot(tmp_path) as d:
        yield d


def test_court_mail_from_imap_to_the_attorneys_calendar(server: Dovecot, tmp_path: Path) -> None:
    pw = tmp_path / "imap-pw"
    pw.write_text(PASSWORD + "\n")
    pw.chmod(0o600)
    cfg = write_config(tmp_path, f"""
[sources.court-mail]
kind = "imap"
host = "127.0.0.1"
port = {server.imaps_port}
username = "{USER}"
password_file = "{pw}"
ca_file = "{server.ca_file}"
folder = "INBOX"
senders = ["*.uscourts.gov"]
poll_seconds = 0.5
""")
    var = tmp_path / "var"
    state = var / "state.db"
    jdoe = var / "calendars" / "jdoe@firm.com.ics"
    d = DaemonProcess(cfg, tmp_path)
    try:
        d.start()
        (var / "inbox" / "intake.csv").write_text(INTAKE, encoding="utf-8")
        wait_until(lambda: bool(_query(state, "SELECT 1 FROM case_links")), what="the case link from intake")

        server.deliver(hearing_notice())
        wait_until(lambda: any("Motion Hearing" in s for s in _summaries(jdoe)), what="the hearing in jdoe's .ics")
        hearing = next(e for e in _events(jdoe) if "Motion Hearing" in str(e["SUMMARY"]))
        start = hearing.decoded("DTSTART")
        assert isinstance(start, datetime) and (start.date(), start.hour, start.minute) == (date(2023, 1, 19), 14, 0)
        assert str(start.tzinfo) in ("America/Los_Angeles", "PST", "PST8PDT") or "Los_Angeles" in str(start.tzinfo)
        assert "<19886372@cand.uscourts.gov>" in str(hearing["DESCRIPTION"])
        wait_until(lambda: any("Opposing affidavits due" in s for s in _summaries(jdoe)),
                   what="the FRCP 6(c)(2) date derived from the hearing")
        before = _summaries(jdoe)

        server.deliver(hearing_notice(message_id="copy-for-pat@cand.uscourts.gov"))  # a second recipient's copy
        wait_until(lambda: _last_uid(state) == 2, what="the copy to be read")
        assert _summaries(jdoe) == before
        assert len(_query(state, "SELECT 1 FROM notices")) == 1

        server.deliver(notice("district/laed_1"))  # 2:21-cv-00080 (E.D. La.): no matter is linked to it
        wait_until(lambda: len(_query(state, "SELECT 1 FROM reviews WHERE status='open'")) == 1,
                   what="the unknown case in review")
        out = subprocess.run([sys.executable, "-m", "daemon.cli", "--config", str(cfg), "review", "--json"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
        (item,) = json.loads(out.stdout)["items"]
        assert "2:21-cv-00080" in item["reason"]
        status = subprocess.run([sys.executable, "-m", "daemon.cli", "--config", str(cfg), "status", "--json"],
                                cwd=tmp_path, capture_output=True, text=True, timeout=60, check=True)
        assert any(f["kind"] == "notice-review" for f in json.loads(status.stdout)["flags"])

        assert d.stop() == 0
        log_before = len(d.log)
        d.start()
        server.deliver(hearing_notice(message_id="late-copy@cand.uscourts.gov"))
        wait_until(lambda: _last_uid(state) == 4, what="the message delivered after the restart")
        after_restart = d.log[log_before:]
        assert "UID 4" in after_restart
        assert not any(f"UID {n}:" in after_restart or f"UID {n} " in after_restart for n in (1, 2, 3))
        assert _summaries(jdoe) == before
        assert len(_query(state, "SELECT 1 FROM reviews")) == 1
    finally:
        d.close()
