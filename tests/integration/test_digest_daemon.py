"""The digest from a real `docketd run` subprocess to a real SMTP server; a same-day restart sends none."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.clock import pinned_day, pinned_env
from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config
from tests.integration.smtp_server import SmtpServer

HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = SmtpServer(tmp_path).start()
    yield server
    server.stop()


def _digest_toml(tmp_path: Path, smtp: SmtpServer) -> str:
    (tmp_path / "smtp-password").write_text("s3cret\n", encoding="utf-8")
    (tmp_path / "smtp-password").chmod(0o600)
    # 00:00: the digest is due as soon as the daemon runs, whatever the time of day the test runs.
    return (f'[digest]\ntime = "00:00"\nsmtp_host = "127.0.0.1"\nsmtp_port = {smtp.port}\nstarttls = true\n'
            f'username = "docketd"\npassword_file = "smtp-password"\nfrom = "docket@firm.com"\n'
            f'cafile = "{smtp.cert}"\npeople = ["jdoe@firm.com"]\n')


@pytest.mark.pinned_day  # re-run on each of tests/clock.HARD_DAYS by `make test`
def test_daemon_sends_the_digest_once_and_not_again_after_restart(tmp_path: Path, smtp: SmtpServer) -> None:
    today = pinned_day()
    served = today - timedelta(days=10)
    cfg = write_config(tmp_path, _digest_toml(tmp_path, smtp))
    (tmp_path / "var" / "inbox" / "intake.csv").write_text(
        HEADER + f"2026-0142,Acme v. Widget,federal,summons_served,{served},personal,jdoe@firm.com,,open\n",
        encoding="utf-8")
    daemon = DaemonProcess(cfg, tmp_path, env=pinned_env())
    try:
        daemon.start()  # the start-up scan reads intake.csv before READY, so the digest sees it
        wait_until(lambda: len(smtp.inbox.messages) >= 1, timeout=60, what="the daily digest")
        (got,) = smtp.inbox.messages
        assert got.rcpt == ["jdoe@firm.com"] and got.tls and got.login == "docketd"
        text = got.message.get_body(("plain",)).get_content()
        assert f"Docket digest for Jane Doe — {today:%A} {today.isoformat()}" in text
        assert "[2026-0142] Answer due (FRCP 12(a)(1)(A)(i))" in text
        # The log line follows the fsync'd "sent" mark, a moment after the server has the message.
        wait_until(lambda: "Sent the daily digest to jdoe@firm.com" in daemon.log, what="the sent line")
        assert daemon.stop() == 0

        daemon.start()
        # Prove the restarted loop ran its periodic work: a file dropped now is processed by the same loop.
        (tmp_path / "var" / "inbox" / "more.csv").write_text(
            HEADER + f"2026-0150,,federal,summons_served,{served},personal,jdoe@firm.com,,open\n",
            encoding="utf-8")
        wait_until(lambda: (tmp_path / "var" / "processed" / "more.csv").exists(), timeout=60,
                   what="the second file to be processed")
        time.sleep(2.0)  # a few more loop turns, each of which runs the digest ticker
        assert daemon.stop() == 0
        assert len(smtp.inbox.messages) == 1, "a restart the same day must not send the digest again"
    finally:
        daemon.close()
