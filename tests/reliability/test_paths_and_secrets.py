"""Paths stay inside the configured folders; secrets are private, come from systemd, never reach logs."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from daemon.errors import ConfigError
from daemon.settings.config import load_config
from daemon.settings.secrets import credential_path, permission_warnings, read_secret, secret_warnings
from tests.e2e.daemon_proc import wait_until
from tests.fakes.google_calendar import FakeGoogle
from tests.integration.radicale_server import RadicaleServer, radicale  # noqa: F401  (fixture)
from tests.reliability.google_env import google_config, live_events
from tests.reliability.helpers import HEADER, clean_stop, count, daemon, intake_row, plain_config, spread_day

ODD_NAMES = ["Matter #12 (final) – ñ 日本.csv", " leading space.csv", "-rf.csv", "$(touch pwned).csv",
             "semi;colon'quote\".csv", "new\nline.csv", "very-" + "long-" * 45 + ".csv"]


def test_symlinks_out_of_the_inbox_are_not_followed_and_odd_names_work(tmp_path: Path) -> None:
    cfg = plain_config(tmp_path)
    var = tmp_path / "var"
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "not-intake.csv"
    secret.write_text(HEADER + intake_row("2099-0001", spread_day(1)), encoding="utf-8")
    (outside / "dir").mkdir()
    os.symlink(secret, var / "inbox" / "link-out.csv")  # present at start-up: the scan must skip it
    raw_name = os.fsencode(str(var / "inbox")) + b"/bad-utf8-\xff.csv"  # a name that is not UTF-8
    d = daemon(cfg)
    try:
        d.start()
        os.symlink(Path("/etc/passwd"), var / "inbox" / "passwd.csv")
        os.symlink(outside / "dir", var / "inbox" / "dir-link.csv")
        os.symlink(Path("..") / ".." / "outside" / "not-intake.csv", var / "inbox" / "relative.csv")
        for i, name in enumerate(ODD_NAMES):
            text = HEADER + intake_row(f"2026-{i:04d}", spread_day(i))
            (var / "inbox" / name).write_text(text, encoding="utf-8")
        with open(raw_name, "wb") as f:
            f.write((HEADER + intake_row("2026-0100", spread_day(100))).encode())
        wait_until(lambda: count(var / "state.db", "files") == len(ODD_NAMES) + 1,
                   what="the odd names processed")
        wait_until(lambda: "passwd.csv" in d.log and "relative.csv" in d.log, what="the symlink warnings")
        clean_stop(d)
    finally:
        d.close()
    state = var / "state.db"
    assert count(state, "matters", "matter LIKE '2099-%'") == 0  # the linked file was never read
    assert count(state, "matters") == len(ODD_NAMES) + 1
    assert secret.exists() and (var / "inbox" / "link-out.csv").is_symlink()  # left alone, not moved
    assert sorted(os.listdir(outside)) == ["dir", "not-intake.csv"]  # nothing written outside
    processed = set(os.listdir(var / "processed"))
    assert set(ODD_NAMES) <= processed
    assert os.fsdecode(b"bad-utf8-\xff.csv") in processed
    assert count(state, "files", "name='bad-utf8-\ufffd.csv'") == 1
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()
    assert re.search(r"Skipping link-out\.csv: it is a symbolic link to .*outside the inbox", d.log)
    assert "Traceback" not in d.log


def test_group_or_world_readable_secret_files_are_named_with_the_chmod(tmp_path: Path) -> None:
    key = tmp_path / "google-sa.json"
    key.write_text("{}", encoding="utf-8")
    pw = tmp_path / "caldav-pw"
    pw.write_text("hunter2\n", encoding="utf-8")
    extra = (f'[calendars.g]\nkind = "google"\ncredentials = "{key}"\n'
             f'[calendars.c]\nkind = "caldav"\nurl = "http://127.0.0.1:9/"\nusername = "u"\n'
             f'password_file = "{pw}"\n')
    cfg = load_config(plain_config(tmp_path, extra), tmp_path)
    os.chmod(key, 0o644)
    os.chmod(pw, 0o640)
    warnings = secret_warnings(cfg)
    assert f"Secret file {key} can be read by other users (mode 0644); run: chmod 600 {key}" in warnings
    assert f"Secret file {pw} can be read by its group (mode 0640); run: chmod 600 {pw}" in warnings
    os.chmod(key, 0o600)
    os.chmod(pw, 0o400)
    assert secret_warnings(cfg) == []
    assert permission_warnings([tmp_path / "missing"]) == []


def test_secrets_from_systemd_credentials(tmp_path: Path) -> None:
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "caldav-pw").write_text("from-systemd\n", encoding="utf-8")
    env = {"CREDENTIALS_DIRECTORY": str(creds)}
    assert credential_path("caldav-pw", env) == creds / "caldav-pw"
    assert credential_path("../etc/passwd", env) is None
    assert read_secret("caldav-pw", None, env) == "from-systemd"
    fallback = tmp_path / "pw"
    fallback.write_text("from-file\n", encoding="utf-8")
    assert read_secret("other", fallback, env) == "from-file"
    with pytest.raises(ConfigError, match="LoadCredential=missing:/etc/docketd/missing"):
        read_secret("missing", None, {})


def test_a_full_run_never_logs_tokens_or_passwords(tmp_path: Path, radicale: RadicaleServer) -> None:  # noqa: F811
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "caldav-pw").write_text(radicale.password + "\n", encoding="utf-8")
    os.chmod(creds / "caldav-pw", 0o600)
    caldav = (f'[calendars.jdoe-caldav]\nkind = "caldav"\nurl = "{radicale.make_calendar()}"\n'
              f'username = "{radicale.username}"\npassword_credential = "caldav-pw"\n')
    with FakeGoogle(rate_limit_per_minute=10**9) as fake:
        cfg = google_config(tmp_path, fake, "secrets@group.calendar.google.com", extra=caldav,
                            calendars=("jdoe-google", "jdoe-caldav"))
        os.chmod(tmp_path / "google-sa.json", 0o644)  # a careless install: must be warned about
        d = daemon(cfg, env={"CREDENTIALS_DIRECTORY": str(creds)})
        try:
            d.start()
            rows = "".join(intake_row(f"2026-{n:04d}", spread_day(n)) for n in range(5))
            (tmp_path / "var" / "inbox" / "a.csv").write_text(HEADER + rows, encoding="utf-8")
            wait_until(lambda: len(live_events(fake, "secrets@group.calendar.google.com")) == 5
                       and count(tmp_path / "var" / "state.db", "outbox") == 0, what="both calendars written")
            clean_stop(d)
        finally:
            d.close()
        tokens = list(fake.tokens._access)
    assert tokens, "the fake issued no access token; the run did not authenticate"
    key_text = (tmp_path / "google-sa.json").read_text(encoding="utf-8")
    pem_lines = [ln for ln in key_text.split("\\n") if len(ln) > 40 and "PRIVATE KEY" not in ln]
    log = d.log
    assert f"Secret file {tmp_path / 'google-sa.json'} can be read by other users" in log
    assert f"chmod 600 {tmp_path / 'google-sa.json'}" in log
    for secret in [*tokens, radicale.password, *pem_lines[:5]]:
        assert secret not in log, "a secret reached the log"
    assert "PRIVATE KEY" not in log and "ya29." not in log and "Bearer " not in log
