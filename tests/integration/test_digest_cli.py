"""`docketd digest`: preview and --send-test through the real CLI entry point and a real aiosmtpd server.

The clock is pinned with the command's hidden `--now` (as `docketd agenda --today` is pinned); the
store is filled through the real intake pipeline with a pinned `now`. Nothing here reads the real date.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from daemon.cli.main import main
from daemon.service.digest import next_send_day, send_due, settings_from
from daemon.service.main import Service
from daemon.settings.config import load_config
from daemon.sources.inbox import ingest_file
from daemon.state.store import Store
from tests.integration.smtp_server import SmtpServer

TZ = ZoneInfo("America/Los_Angeles")
DAY1 = datetime(2026, 3, 2, 6, 59, tzinfo=TZ)  # a Monday, one minute before the 07:00 digest
HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
ROWS1 = ("2026-0142,Acme v. Widget,federal,summons_served,2026-02-16,personal,jdoe@firm.com,pat@firm.com,open\n"
         "2026-0150,Baker v. Coastal,federal,summons_served,2026-02-16,personal,jdoe@firm.com,,open\n"
         "2026-0200,Orphan v. Nobody,federal,summons_served,2026-02-16,personal,,,open\n")
EVERYONE = ["docket", "jdoe@firm.com", "lee@firm.com", "pat@firm.com"]  # who gets a digest: [people] + docket
ROWS2 = ("2026-0150,,federal,summons_served,2026-02-17,personal,,,\n"
         "2026-0170,Dale v. Eve,federal,summons_served,2026-02-27,personal,jdoe@firm.com,,open\n")


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path).start()
    yield server
    server.stop()


def _config(tmp_path: Path, port: int, cert: Path | None, password: str = "s3cret") -> Path:
    (tmp_path / "smtp-password").write_text(password + "\n", encoding="utf-8")
    (tmp_path / "smtp-password").chmod(0o600)
    (tmp_path / "var" / "inbox").mkdir(parents=True, exist_ok=True)
    cafile = f'cafile = "{cert}"\n' if cert else ""
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

[people."lee@firm.com"]
name = "Lee Associate"

[digest]
time = "07:00"
smtp_host = "127.0.0.1"
smtp_port = {port}
starttls = true
username = "docketd"
password_file = "smtp-password"
from = "docket@firm.com"
docket = "docketing@firm.com"
timeout = 10
{cafile}""", encoding="utf-8")
    return path


def _docket(tmp_path: Path, cfg: Path) -> None:
    """Fill the store through the real intake pipeline on DAY1, as the daemon would."""
    svc = Service(cfg, tmp_path)
    try:
        path = tmp_path / "a.csv"
        path.write_text(HEADER + ROWS1, encoding="utf-8")
        assert not ingest_file(svc.docket, path, DAY1).errors
        with svc.store.transaction() as db:
            svc.docket.recompute(db, [], DAY1.date(), DAY1.isoformat(timespec="seconds"))
    finally:
        svc.store.close()


def _cli(cfg: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(cfg), "digest", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _dump(state: Path) -> tuple[list[str], bytes]:
    """Every row of every table, and the database file's bytes (all connections closed)."""
    con = sqlite3.connect(state)
    try:
        rows = list(con.iterdump())
    finally:
        con.close()
    return rows, state.read_bytes()


def _send(tmp_path: Path, cfg: Path, now: datetime) -> list[str]:
    """The scheduled send itself (what the daemon's digest ticker calls at [digest] time)."""
    config = load_config(cfg, tmp_path)
    settings = settings_from(config)
    assert settings is not None
    store = Store(config.state)
    try:
        return send_due(store, config, settings, now)
    finally:
        store.close()


def _bodies(received: object) -> tuple[str, str]:
    msg = received.message  # type: ignore[attr-defined]
    return (msg.get_body(("plain",)).get_content().replace("\r\n", "\n"),
            msg.get_body(("html",)).get_content().replace("\r\n", "\n"))


@pytest.fixture
def cfg(tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # relative paths in the config resolve against the working directory
    path = _config(tmp_path, smtp.port, smtp.cert)
    _docket(tmp_path, path)
    return path


def test_send_test_arrives_marked_reports_each_step_and_is_not_the_days_digest(
        tmp_path: Path, cfg: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "var" / "state.db"
    before = _dump(state)
    code, out, err = _cli(cfg, capsys, "--send-test", "jdoe@firm.com", "--now", DAY1.isoformat())
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[1].startswith(f'Connection: connected to 127.0.0.1:{smtp.port}; the server said "220 ')
    assert lines[2].startswith("STARTTLS: the connection is encrypted (TLSv1.")
    assert "certificate is verified for 127.0.0.1; the server said \"220 " in lines[2]
    assert lines[3] == 'Authentication: logged in as docketd; the server said "235 2.7.0 Authentication successful".'
    assert lines[4] == ('Acceptance: the server accepted the message for jdoe@firm.com; it said '
                        '"250 Message accepted for delivery".')
    assert "does not count as the day's digest" in lines[5]

    (got,) = smtp.inbox.messages
    assert got.rcpt == ["jdoe@firm.com"] and got.tls and got.login == "docketd"
    # (a long subject is folded after "Subject:"; RFC 5322 unfolding leaves the fold's space)
    assert got.message["Subject"].strip().startswith("[docketd test] Docket digest 2026-03-02: ")
    assert got.message["X-Docketd-Test"] == "yes"
    text, html = _bodies(got)
    assert text.startswith("[docketd test] TEST MESSAGE")
    assert "It is not the daily digest and does not count as one" in text
    assert "Docket digest for Jane Doe — Monday 2026-03-02" in text  # the person's own digest, marked
    assert "[docketd test] TEST MESSAGE" in html
    assert _dump(state) == before  # no "sent" mark, no snapshot

    # The scheduled send that day still goes out to everyone, jdoe included, unmarked.
    assert sorted(_send(tmp_path, cfg, DAY1 + timedelta(minutes=1))) == EVERYONE
    real = [r for r in smtp.inbox.messages[1:] if r.rcpt == ["jdoe@firm.com"]]
    assert len(real) == 1 and "[docketd test]" not in real[0].message["Subject"]


def test_send_test_to_someone_without_a_digest_carries_no_docket(
        tmp_path: Path, cfg: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(cfg, capsys, "--send-test", "it@firm.com", "--now", DAY1.isoformat())
    assert code == 0, out
    (got,) = smtp.inbox.messages
    text, _ = _bodies(got)
    assert got.message["Subject"].strip() == "[docketd test] SMTP settings check"
    assert "carries no docket content" in text and "2026-0142" not in text
    # --firm: the firm docket's digest, marked, to the address given.
    code, out, _ = _cli(cfg, capsys, "--send-test", "it@firm.com", "--firm", "--now", DAY1.isoformat())
    assert code == 0, out
    text, _ = _bodies(smtp.inbox.messages[1])
    assert text.startswith("[docketd test]") and "Docket digest for the firm docket" in text
    assert "[2026-0200] Answer due" in text


def test_wrong_password_names_the_login_step_and_exits_1(
        tmp_path: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = _config(tmp_path, smtp.port, smtp.cert, password="wrong")
    code, out, err = _cli(cfg, capsys, "--send-test", "jdoe@firm.com", "--now", DAY1.isoformat())
    assert code == 1
    assert "STARTTLS: the connection is encrypted" in out
    assert ('Authentication: failed — the server refused the login for docketd: "535 5.7.8 Authentication '
            'credentials invalid". Fix: check [digest] username and the password in '
            f"{tmp_path / 'smtp-password'}") in out
    assert "Acceptance" not in out
    assert "the test message was not sent (the Authentication step failed)" in err
    assert smtp.inbox.messages == []
    assert not (tmp_path / "var" / "state.db").exists()  # a test send with no docket yet creates none


def test_a_server_without_starttls_is_refused_when_starttls_is_required(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    server = SmtpServer(tmp_path, starttls=False).start()
    try:
        cfg = _config(tmp_path, server.port, server.cert)
        code, out, err = _cli(cfg, capsys, "--send-test", "jdoe@firm.com", "--now", DAY1.isoformat())
        assert code == 1
        assert out.splitlines()[1].startswith(f"Connection: connected to 127.0.0.1:{server.port}")
        assert (f"STARTTLS: failed — the server at 127.0.0.1:{server.port} does not offer STARTTLS, and "
                "[digest] starttls = true requires it") in out
        assert "Authentication" not in out  # the password never went out in clear text
        assert "(the STARTTLS step failed)" in err
        assert server.inbox.messages == []
    finally:
        server.stop()


def test_an_unreachable_host_names_the_connection_step(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    cfg = _config(tmp_path, port, None)
    code, out, err = _cli(cfg, capsys, "--send-test", "jdoe@firm.com", "--now", DAY1.isoformat())
    assert code == 1
    assert (f"Connection: failed — 127.0.0.1:{port} refused the connection (nothing listens there). Fix: check "
            "[digest] smtp_host and smtp_port") in out
    assert "STARTTLS:" not in out
    assert "(the Connection step failed)" in err


def test_an_unverifiable_certificate_names_cafile(
        tmp_path: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    cfg = _config(tmp_path, smtp.port, None)  # self-signed certificate, no cafile
    code, out, _ = _cli(cfg, capsys, "--send-test", "jdoe@firm.com", "--now", DAY1.isoformat())
    assert code == 1
    assert "STARTTLS: failed — the server's certificate could not be verified (" in out
    assert "set [digest] cafile" in out
    assert smtp.inbox.messages == []


def test_the_preview_is_the_message_the_scheduled_send_sends(
        tmp_path: Path, cfg: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str]) -> None:
    assert len(_send(tmp_path, cfg, DAY1 + timedelta(minutes=1))) == 4  # day 1: sets the baseline
    day2 = DAY1 + timedelta(days=1)
    svc = Service(cfg, tmp_path)
    try:  # day 2, before the digest: a corrected service date (changed) and a new matter (new)
        (tmp_path / "b.csv").write_text(HEADER + ROWS2, encoding="utf-8")
        assert not ingest_file(svc.docket, tmp_path / "b.csv", day2 - timedelta(hours=1)).errors
    finally:
        svc.store.close()

    now = (day2 - timedelta(minutes=30)).isoformat()  # 06:29: the next send is today's
    code, out, _ = _cli(cfg, capsys, "--person", "jdoe@firm.com", "--now", now)
    assert code == 0
    assert out.startswith("Preview of the daily digest for jdoe@firm.com as it would be sent on Tuesday "
                          "2026-03-03 at 07:00; nothing is sent and nothing is marked.")
    assert "NEW SINCE THE LAST DIGEST (3)" in out and "CHANGED SINCE THE LAST DIGEST (3)" in out
    html_file = tmp_path / "jdoe.html"
    assert _cli(cfg, capsys, "--person", "jdoe@firm.com", "--now", now, "--html", str(html_file))[0] == 0
    code, firm_out, _ = _cli(cfg, capsys, "--firm", "--date", "2026-03-03", "--now", now)
    assert code == 0
    firm_html = tmp_path / "firm.html"
    assert _cli(cfg, capsys, "--firm", "--now", now, "--html", str(firm_html))[0] == 0

    assert sorted(_send(tmp_path, cfg, day2 + timedelta(minutes=1))) == EVERYONE
    sent = {r.rcpt[0]: r for r in smtp.inbox.messages[4:]}
    for addr, preview, html_path in (("jdoe@firm.com", out, html_file), ("docketing@firm.com", firm_out,
                                                                           firm_html)):
        text, html = _bodies(sent[addr])
        head, body = preview.split("\n\n", 1)
        assert body == text  # the whole plain-text body, byte for byte
        assert f"Subject: {sent[addr].message['Subject'].strip()}" in head and f"To: {addr}" in head
        assert html_path.read_text(encoding="utf-8").rstrip("\n") == html.rstrip("\n")


def test_previewing_twice_changes_no_state(tmp_path: Path, cfg: Path, smtp: SmtpServer,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    assert len(_send(tmp_path, cfg, DAY1 + timedelta(minutes=1))) == 4  # a snapshot and "sent" marks exist
    state = tmp_path / "var" / "state.db"
    con = sqlite3.connect(state)
    with con:  # a digest the daemon was sending when it stopped: only the real send may turn it "unknown"
        con.execute("INSERT INTO kv VALUES ('digest:2026-03-03:pat@firm.com', 'sending')")
    con.close()
    before = _dump(state)
    now = (DAY1 + timedelta(days=1, hours=2)).isoformat()
    for _ in range(2):
        for args in (("--person", "jdoe@firm.com"), ("--person", "pat@firm.com", "--date", "2026-03-03"),
                     ("--firm",), ("--person", "jdoe@firm.com", "--html", str(tmp_path / "p.html"))):
            code, _, err = _cli(cfg, capsys, *args, "--now", now)
            assert code == 0, err
    assert _dump(state) == before
    code, out, err = _cli(cfg, capsys, "--person", "pat@firm.com", "--date", "2026-03-03", "--now", now)
    assert "was already handled (sending); it is not sent again that day" in err
    assert len(smtp.inbox.messages) == 4


def test_default_day_is_the_next_send(tmp_path: Path, cfg: Path, smtp: SmtpServer,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    late = (DAY1 + timedelta(hours=1)).isoformat()  # 07:59, today's digest not sent yet
    _, out, _ = _cli(cfg, capsys, "--person", "jdoe@firm.com", "--now", late)
    assert "as it would be sent today, Monday 2026-03-02 (past 07:00: a running daemon sends it at once)" in out
    _send(tmp_path, cfg, DAY1 + timedelta(minutes=1))
    _, out, _ = _cli(cfg, capsys, "--person", "jdoe@firm.com", "--now", late)
    assert "as it would be sent on Tuesday 2026-03-03 at 07:00" in out
    assert next_send_day(date(2026, 12, 31), True) == date(2027, 1, 1)


def test_a_person_with_nothing_due_is_told_so(tmp_path: Path, cfg: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _cli(cfg, capsys, "--person", "LEE@firm.com", "--now", DAY1.isoformat())
    assert code == 0
    assert "Nothing is due for lee@firm.com in the next 14 days" in out
    assert "Docket digest for Lee Associate — Monday 2026-03-02" in out
    assert "DUE IN THE NEXT 14 DAYS (0)\n  Nothing due." in out


@pytest.mark.parametrize(("args", "message"), [
    ((), "needs --person EMAIL or --firm"),
    (("--person", "jdoe@firm.com", "--firm"), "not both"),
    (("--person", "nobody@firm.com"), "nobody@firm.com gets no daily digest"),
    (("--person", "jdoe@firm.com", "--date", "3/3/2026"), "is not a date like"),
    (("--person", "jdoe@firm.com", "--date", "2026-03-01"), "is in the past"),
    (("--send-test", "jdoe@firm.com\nBcc: x@evil.example"), "is not an e-mail address"),
    (("--send-test", "jdoe"), "is not an e-mail address"),
    (("--send-test", "jdoe@firm.com", "--html", "x.html"), "--html goes with a preview"),
])
def test_usage_errors_exit_2(cfg: Path, smtp: SmtpServer, capsys: pytest.CaptureFixture[str],
                             args: tuple[str, ...], message: str) -> None:
    code, out, err = _cli(cfg, capsys, *args, "--now", DAY1.isoformat())
    assert code == 2
    assert message in err and "Traceback" not in err
    assert smtp.inbox.messages == []


def test_the_daemon_logs_the_same_step_sentence(tmp_path: Path, smtp: SmtpServer,
                                                caplog: pytest.LogCaptureFixture) -> None:
    from daemon.service.digest import make_ticker

    svc = Service(_config(tmp_path, smtp.port, smtp.cert, password="wrong"), tmp_path)
    try:
        tick = make_ticker(svc)
        assert tick is not None
        with caplog.at_level("ERROR", logger="docketd.digest"):
            assert tick(DAY1 + timedelta(minutes=1)) == []
        assert "Authentication: failed — the server refused the login for docketd" in caplog.text
        assert "Retrying at 07:05." in caplog.text
    finally:
        svc.store.close()


def test_server_replies_are_printed_as_one_safe_line() -> None:
    from daemon.service.smtp import said

    assert said(550, b"5.1.1 \x1b[2Jgone\r\n550 really") == "550 5.1.1 [2Jgone 550 really"
    assert len(said(250, "x" * 500)) == 200


def test_a_deposed_leader_sends_no_digest_on_a_shared_postgresql_docket(
        tmp_path: Path, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch, pg_database: str) -> None:
    """Several instances (issue 16): the 'sending' mark is written only in a transaction that confirms the term."""
    import psycopg

    from daemon.service.leadership import Leadership

    monkeypatch.chdir(tmp_path)
    path = _config(tmp_path, smtp.port, smtp.cert)
    path.write_text(path.read_text(encoding="utf-8") + f'\n[state]\nurl = "{pg_database}"\n', encoding="utf-8")
    _docket(tmp_path, path)
    config = load_config(path, tmp_path)
    settings = settings_from(config)
    assert settings is not None
    zombie, leader = Leadership(config.state, pg_database, 60.0), Leadership(config.state, pg_database, 60.0)
    zombie.tick()
    with psycopg.connect(pg_database, autocommit=True) as conn:  # the zombie was paused past its lease
        conn.execute("UPDATE leadership SET expires = now() - interval '1 s'")
    leader.tick()
    assert (zombie.term(), leader.term()) == (1, 2)
    store = Store(config.state, url=pg_database)
    try:
        assert send_due(store, config, settings, DAY1 + timedelta(minutes=1), zombie.fence) == []
        assert smtp.inbox.messages == [] and store.get_kv("digest:2026-03-02:jdoe@firm.com") is None
        assert sorted(send_due(store, config, settings, DAY1 + timedelta(minutes=1), leader.fence)) == EVERYONE
        assert len(smtp.inbox.messages) == len(EVERYONE)
    finally:
        store.close()
        zombie.stop()
        leader.stop()
