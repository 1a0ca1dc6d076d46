"""The IMAP court-mail source against a real Dovecot (tests/integration/dovecot_server.py).

Under CI=true a missing Dovecot fails these tests (`make system-deps` installs dovecot-imapd).
"""

from __future__ import annotations

import imaplib
import ssl
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.base import PermanentError, TransientError
from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.settings.config import parse_config
from daemon.sources.inbox import ingest_file
from daemon.sources.notices.imap_source import ImapSource
from daemon.sources.notices.review import review_items
from daemon.state.store import Store
from tests.integration.dovecot_server import PASSWORD, USER, Dovecot, dovecot
from tests.integration.notice_mail import hearing_notice, notice
from tests.integration.tcp_cut_proxy import cut_proxy

NOW = datetime(2023, 1, 14, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
RULES = load_rulebook()
INTAKE = ("matter,title,court,event,date,attorney,case_number\n"
          "2023-0007,Simon v. City and County of San Francisco,cand,complaint_filed,2022-09-27,jdoe@firm.com,"
          "4:22-cv-05541\n")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Dovecot]:
    with dovecot(tmp_path) as d:
        yield d


def _docket(tmp: Path) -> Docket:
    raw = {"daemon": {"inbox": str(tmp / "inbox"), "state": str(tmp / "state.db")}}
    config = parse_config(raw, tmp / "docketd.toml", tmp)
    config.inbox.mkdir(parents=True, exist_ok=True)
    docket = Docket(config, Store(config.state), RULES)
    (config.inbox / "intake.csv").write_text(INTAKE)
    ingest_file(docket, config.inbox / "intake.csv", NOW)
    return docket


def _source(tmp: Path, docket: Docket, port: int, ca: Path, **extra: object) -> ImapSource:
    pw = tmp / "imap-pw"
    if not pw.exists():
        pw.write_text(PASSWORD + "\n")
        pw.chmod(0o600)
    section = {"kind": "imap", "host": "127.0.0.1", "port": port, "username": USER, "password_file": str(pw),
               "ca_file": str(ca), "senders": ["*.uscourts.gov"], **extra}
    return ImapSource("court-mail", section, docket, tmp)


def _notices(docket: Docket) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in docket.store.db.execute("SELECT source, status FROM notices ORDER BY received_at")]


def test_tls_poll_reads_each_message_once_and_a_restart_rereads_nothing(server: Dovecot, tmp_path: Path) -> None:
    docket = _docket(tmp_path)
    server.deliver(hearing_notice())
    server.deliver(notice("bankruptcy/cob_1"))
    src = _source(tmp_path, docket, server.imaps_port, server.ca_file)
    assert src.poll(NOW) == 2
    assert [s for _, s in _notices(docket)] == ["docketed", "review"]
    assert src.progress()[1] == 2
    assert any(d["title"] == "Motion Hearing" for d in docket.store.all_deadlines())
    # A restart: new objects over the same state read nothing again ...
    docket.store.close()
    again = _docket(tmp_path)
    src2 = _source(tmp_path, again, server.imaps_port, server.ca_file)
    assert src2.poll(NOW) == 0
    # ... and miss nothing: the next message, a second recipient's copy, is read and recognised as a copy.
    server.deliver(hearing_notice(message_id="copy-2@cand.uscourts.gov"))
    assert src2.poll(NOW) == 1
    assert [s for _, s in _notices(again)] == ["docketed", "review"]  # the copy stored nothing new
    assert src2.progress()[1] == 3


def test_starttls_on_143_style_port(server: Dovecot, tmp_path: Path) -> None:
    docket = _docket(tmp_path)
    server.deliver(hearing_notice())
    src = _source(tmp_path, docket, server.imap_port, server.ca_file, tls="starttls")
    assert src.poll(NOW) == 1


def test_messages_are_never_deleted_nor_marked_seen(server: Dovecot, tmp_path: Path) -> None:
    docket = _docket(tmp_path)
    server.deliver(hearing_notice())
    _source(tmp_path, docket, server.imaps_port, server.ca_file).poll(NOW)
    conn = imaplib.IMAP4_SSL("127.0.0.1", server.imaps_port,
                             ssl_context=ssl.create_default_context(cafile=str(server.ca_file)))
    conn.login(USER, PASSWORD)
    conn.select("INBOX", readonly=True)
    assert conn.uid("SEARCH", "UNSEEN")[1][0].split() == [b"1"]
    conn.logout()


def test_a_connection_lost_mid_fetch_resumes_without_loss_or_repeat(server: Dovecot, tmp_path: Path) -> None:
    docket = _docket(tmp_path)
    mails = [hearing_notice(), notice("bankruptcy/cob_1"), notice("district/laed_1")]
    for m in mails:
        server.deliver(m)
    with cut_proxy(server.imaps_port) as proxy:
        # Cut inside the second message's body: TLS set-up and login take a few kB, then message one.
        proxy.cut_after = 6000 + len(mails[0]) + len(mails[1]) // 2
        src = _source(tmp_path, docket, proxy.port, server.ca_file)
        with pytest.raises(TransientError, match="lost"):
            src.poll(NOW)
        assert proxy.cuts == 1
        first = src.progress()[1]
        assert 0 < first < 3
        assert src.poll(NOW) == 3 - first
    assert src.progress()[1] == 3
    assert len(_notices(docket)) == 3


def test_a_readable_password_file_is_refused(server: Dovecot, tmp_path: Path) -> None:
    docket = _docket(tmp_path)
    src = _source(tmp_path, docket, server.imaps_port, server.ca_file)
    (tmp_path / "imap-pw").chmod(0o644)
    with pytest.raises(PermanentError, match="chmod 600"):
        src.poll(NOW)


def test_wrong_password_and_untrusted_certificate_are_permanent(server: Dovecot, tmp_path: Path) -> None:
    docket = _docket(tmp_path)
    (tmp_path / "imap-pw").write_text("wrong\n")
    (tmp_path / "imap-pw").chmod(0o600)
    with pytest.raises(PermanentError, match="refused the login"):
        _source(tmp_path, docket, server.imaps_port, server.ca_file).poll(NOW)
    (tmp_path / "imap-pw").write_text(PASSWORD)
    src = _source(tmp_path, docket, server.imaps_port, server.ca_file)
    src.ca_file = None  # the system's CAs do not know the test CA
    with pytest.raises(PermanentError, match="not trusted"):
        src.poll(NOW)


def test_an_oversized_message_is_flagged_and_passed(server: Dovecot, tmp_path: Path) -> None:
    docket = _docket(tmp_path)
    server.deliver(b"From: x@cand.uscourts.gov\r\nSubject: big\r\n\r\n" + b"A" * (10 * 1024 * 1024 + 10))
    server.deliver(hearing_notice())
    src = _source(tmp_path, docket, server.imaps_port, server.ca_file)
    assert src.poll(NOW) == 2
    flag = docket.store.db.execute("SELECT message FROM flags WHERE kind='notice-review'").fetchone()
    assert flag is not None and "UID 1" in flag[0]
    assert review_items(docket.store.db) == []
    assert [s for _, s in _notices(docket)] == ["docketed"]
