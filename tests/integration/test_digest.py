"""The daily digest through a real SMTP server (aiosmtpd, STARTTLS + AUTH): content, once a day, restarts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from daemon.service.digest import make_ticker
from daemon.service.main import Service
from daemon.sources.inbox import ingest_file
from tests.integration.smtp_server import SmtpServer

TZ = ZoneInfo("America/Los_Angeles")
DAY1 = datetime(2026, 3, 2, 6, 59, tzinfo=TZ)  # a Monday, one minute before the digest
HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path).start()
    yield server
    server.stop()


def _config(tmp_path: Path, smtp: SmtpServer, password: str = "s3cret", extra: str = "") -> Path:
    (tmp_path / "smtp-password").write_text(password + "\n", encoding="utf-8")
    (tmp_path / "smtp-password").chmod(0o600)
    (tmp_path / "var" / "inbox").mkdir(parents=True, exist_ok=True)
    path = tmp_path / "docketd.toml"
    path.write_text(f"""
[daemon]
inbox = "var/inbox"
state = "var/state.db"
timezone = "America/Los_Angeles"

[ics]
dir = "var/calendars"

[people."jdoe@firm.com"]
name = "Jane Doe"

[people."pat@firm.com"]
name = "Pat Paralegal"

[digest]
time = "07:00"
smtp_host = "127.0.0.1"
smtp_port = {smtp.port}
starttls = true
username = "docketd"
password_file = "smtp-password"
from = "docket@firm.com"
cafile = "{smtp.cert}"
retry_minutes = 5
{extra}""", encoding="utf-8")
    return path


def _drop(service: Service, tmp_path: Path, name: str, rows: str, now: datetime) -> None:
    path = tmp_path / name
    path.write_text(HEADER + rows, encoding="utf-8")
    report = ingest_file(service.docket, path, now)
    assert not report.errors, report.errors
    with service.store.transaction() as db:  # what the daemon's loop does after intake: refresh cross flags
        service.docket.recompute(db, [], now.date(), now.isoformat(timespec="seconds"))


def _service(cfg: Path, tmp_path: Path) -> Service:
    return Service(cfg, tmp_path)


def _section(text: str, title: str) -> str:
    return text.split(title, 1)[1].split("\n\n", 1)[0]


def _bodies(received: object) -> tuple[str, str]:
    msg = received.message  # type: ignore[attr-defined]
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    return text.replace("\r\n", "\n"), html.replace("\r\n", "\n")


def test_digest_is_sent_once_a_day_with_content_and_survives_restart(tmp_path: Path,
                                                                     smtp: SmtpServer) -> None:
    cfg = _config(tmp_path, smtp)
    svc = _service(cfg, tmp_path)
    # Answer due 2026-03-09 (served 02-16), the day Jane also has another answer due: a conflict flag.
    _drop(svc, tmp_path, "a.csv",
          "2026-0142,Acme v. Widget,federal,summons_served,2026-02-16,personal,jdoe@firm.com,pat@firm.com,"
          "open\n"
          "2026-0150,Baker v. Coastal,federal,summons_served,2026-02-16,personal,jdoe@firm.com,,open\n"
          "2026-0160,Cole v. Dune,federal,summons_served,2026-03-20,personal,jdoe@firm.com,,open\n", DAY1)
    tick = make_ticker(svc)
    assert tick is not None
    assert tick(DAY1) == []
    assert smtp.inbox.messages == []

    sent = tick(DAY1 + timedelta(minutes=1))
    assert sorted(sent) == ["jdoe@firm.com", "pat@firm.com"]  # type: ignore[arg-type]
    assert len(smtp.inbox.messages) == 2
    by = {r.rcpt[0]: r for r in smtp.inbox.messages}
    jdoe = by["jdoe@firm.com"]
    assert jdoe.tls and jdoe.login == "docketd"
    assert jdoe.message["From"] == "docket@firm.com" and jdoe.message["To"] == "jdoe@firm.com"
    assert jdoe.message["Subject"].startswith("Docket digest 2026-03-02: 3 due in 14 days")
    text, html = _bodies(jdoe)
    assert "Docket digest for Jane Doe — Monday 2026-03-02" in text
    assert "Mon 2026-03-09  [2026-0142] Answer due (FRCP 12(a)(1)(A)(i))" in text
    assert "[2026-0150] Answer due" in text
    flags = _section(text, "OPEN FLAGS")
    assert flags.count("has 2 critical deadlines on 2026-03-09 (Mon)") == 1  # one line for both deadlines
    assert flags.count("in the future") == 1
    assert "NEW SINCE THE LAST DIGEST (0)" in text  # the first digest sets the baseline
    assert "<h3>Due in the next 14 days (3)</h3>" in html and "FRCP 12(a)(1)(A)(i)" in html
    assert 'class="flag flag-warning"' in html
    pat_text, _ = _bodies(by["pat@firm.com"])
    pat_due = _section(pat_text, "DUE IN THE NEXT 14 DAYS")
    assert "[2026-0142] Task: Draft answer" in pat_due and "2026-0150" not in pat_due

    # The same day, later: nothing more; and after a restart (a new Service on the same state), nothing.
    assert tick(DAY1 + timedelta(hours=3)) == []
    svc.store.close()
    svc2 = _service(cfg, tmp_path)
    tick2 = make_ticker(svc2)
    assert tick2 is not None
    assert tick2(DAY1 + timedelta(hours=5)) == []
    assert len(smtp.inbox.messages) == 2

    # Next day: a corrected service date (changed) and a new matter (new) appear as such.
    day2 = DAY1 + timedelta(days=1, minutes=1)
    _drop(svc2, tmp_path, "b.csv",
          "2026-0150,,federal,summons_served,2026-02-17,personal,,,\n"
          "2026-0170,Dale v. Eve,federal,summons_served,2026-02-27,personal,jdoe@firm.com,,open\n", day2)
    assert tick2(day2) == ["jdoe@firm.com", "pat@firm.com"]
    text, html = _bodies([r for r in smtp.inbox.messages if r.rcpt == ["jdoe@firm.com"]][-1])
    new = _section(text, "NEW SINCE THE LAST DIGEST (3)")
    assert "Fri 2026-03-20  [2026-0170] Answer due (FRCP 12(a)(1)(A)(i))" in new
    assert "Task: Draft answer" in new
    assert "CHANGED SINCE THE LAST DIGEST (3)" in text
    assert "critical deadlines" not in text  # the conflict went away with the correction
    assert "Tue 2026-03-10  [2026-0150] Answer due (FRCP 12(a)(1)(A)(i))  ⚑ flagged  (was 2026-03-09)" in text
    assert "(was 2026-03-09)" in html
    svc2.store.close()


def test_refused_login_is_retried_later_and_never_marked_sent(tmp_path: Path, smtp: SmtpServer) -> None:
    cfg = _config(tmp_path, smtp, password="wrong")
    svc = _service(cfg, tmp_path)
    tick = make_ticker(svc)
    assert tick is not None
    at = DAY1 + timedelta(minutes=2)
    assert tick(at) == []
    assert smtp.inbox.messages == []
    assert svc.store.get_kv("digest:2026-03-02:jdoe@firm.com") is None
    (tmp_path / "smtp-password").write_text("s3cret", encoding="utf-8")
    assert tick(at + timedelta(minutes=1)) == []  # still inside the retry wait
    assert sorted(tick(at + timedelta(minutes=6))) == ["jdoe@firm.com", "pat@firm.com"]  # type: ignore[arg-type]
    assert len(smtp.inbox.messages) == 2
    svc.store.close()


def test_a_digest_interrupted_while_sending_is_not_sent_again(tmp_path: Path, smtp: SmtpServer) -> None:
    cfg = _config(tmp_path, smtp)
    svc = _service(cfg, tmp_path)
    with svc.store.transaction() as db:
        svc.store.set_kv(db, "digest:2026-03-02:jdoe@firm.com", "sending")
    tick = make_ticker(svc)
    assert tick is not None
    assert tick(DAY1 + timedelta(minutes=1)) == ["pat@firm.com"]
    assert [r.rcpt for r in smtp.inbox.messages] == [["pat@firm.com"]]
    assert svc.store.get_kv("digest:2026-03-02:jdoe@firm.com") == "unknown"
    svc.store.close()


def test_bad_digest_or_flag_settings_are_named(tmp_path: Path, smtp: SmtpServer) -> None:
    from daemon.errors import ConfigError

    cfg = _config(tmp_path, smtp, extra="")
    text = cfg.read_text(encoding="utf-8").replace('time = "07:00"', 'time = "7am"')
    cfg.write_text(text + '\n[flags]\nworkday = "17:00-09:00"\nconflict_threshold = 1\n', encoding="utf-8")
    svc = _service(cfg, tmp_path)
    with pytest.raises(ConfigError) as err:
        make_ticker(svc)
    assert "[flags]" in str(err.value) and "conflict_threshold = 1" in str(err.value)
    assert "must end after it starts" in str(err.value)
    cfg.write_text(text, encoding="utf-8")
    svc.config = Service(cfg, tmp_path).config
    with pytest.raises(ConfigError) as err:
        make_ticker(svc)
    assert "[digest] time = '7am' must be a time of day" in str(err.value)
    svc.store.close()


def test_no_ticker_without_smtp_host(tmp_path: Path) -> None:
    (tmp_path / "docketd.toml").write_text('[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n',
                                           encoding="utf-8")
    svc = Service(tmp_path / "docketd.toml", tmp_path)
    assert make_ticker(svc) is None
    svc.store.close()
    time.sleep(0)


def test_a_refused_address_is_skipped_for_the_day_and_others_still_get_theirs(tmp_path: Path,
                                                                              smtp: SmtpServer) -> None:
    smtp.inbox.refuse.add("pat@firm.com")
    svc = _service(_config(tmp_path, smtp), tmp_path)
    tick = make_ticker(svc)
    assert tick is not None
    assert tick(DAY1 + timedelta(minutes=1)) == ["jdoe@firm.com"]
    assert svc.store.get_kv("digest:2026-03-02:pat@firm.com") == "refused"
    assert tick(DAY1 + timedelta(hours=2)) == []
    assert [r.rcpt for r in smtp.inbox.messages] == [["jdoe@firm.com"]]
    svc.store.close()


def test_the_firm_docket_gets_a_digest_of_matters_with_nobody_to_route_to(tmp_path: Path,
                                                                           smtp: SmtpServer) -> None:
    svc = _service(_config(tmp_path, smtp, extra='docket = "docketing@firm.com"\n'), tmp_path)
    _drop(svc, tmp_path, "a.csv", "2026-0200,Orphan v. Nobody,federal,summons_served,2026-02-16,personal,,,"
                                  "open\n", DAY1)
    tick = make_ticker(svc)
    assert tick is not None
    sent = tick(DAY1 + timedelta(minutes=1))
    assert sorted(sent) == ["docket", "jdoe@firm.com", "pat@firm.com"]  # type: ignore[arg-type]
    (docket,) = [r for r in smtp.inbox.messages if r.rcpt == ["docketing@firm.com"]]
    text, _ = _bodies(docket)
    assert "Docket digest for the firm docket" in text
    assert "[2026-0200] Answer due" in _section(text, "DUE IN THE NEXT 14 DAYS")
    assert "Matter 2026-0200 has no responsible attorney" in _section(text, "OPEN FLAGS")
    jdoe = [r for r in smtp.inbox.messages if r.rcpt == ["jdoe@firm.com"]][0]
    assert "2026-0200" not in _section(_bodies(jdoe)[0], "DUE IN THE NEXT 14 DAYS")
    svc.store.close()
