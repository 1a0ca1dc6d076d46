"""Google auth end to end against the fake's token and consent endpoints: service accounts and OAuth."""

from __future__ import annotations

import io
import json
import logging
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from connectors.base import AuthError, AuthRequest, ConnectorContext, Op, PermanentError
from connectors.google.calendar import GoogleConnector, auth_command
from tests.contract.connector_contract import make_entry
from tests.fakes.google_calendar import FakeGoogle
from tests.fakes.google_keys import (
    SA_EMAIL,
    make_client_secrets,
    make_service_account_key,
    service_account_section,
)

ACCOUNT = "jdoe@firm.com"


@pytest.fixture
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(rate_limit_per_minute=100_000) as server:
        yield server


class _UrlCatcher(io.StringIO):
    """The command's output stream; tells the test when the consent URL has been printed."""

    def __init__(self) -> None:
        super().__init__()
        self.printed = threading.Event()

    def write(self, s: str) -> int:
        n = super().write(s)
        if "http" in self.getvalue() and "\n" in s:
            self.printed.set()
        return n

    def url(self) -> str:
        return next(line for line in self.getvalue().splitlines() if line.startswith("http"))


def consent(fake: FakeGoogle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, object], str]:
    """Run `docketd auth google --account jdoe@firm.com` and play the person's browser."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # the fake speaks plain http on loopback
    secrets = make_client_secrets(tmp_path / "client.json", fake.auth_uri, fake.token_uri)
    section: dict[str, object] = {"kind": "google", "auth": "oauth", "account": ACCOUNT,
                                  "client_secrets": str(secrets), "api_endpoint": fake.url,
                                  "token_uri": fake.token_uri,
                                  "oauth_timeout_seconds": 30, "retry_base_seconds": 0.01}
    out = _UrlCatcher()
    rc: list[int] = []
    ctx = ConnectorContext(str(tmp_path / "state"))
    args = AuthRequest(account=ACCOUNT)
    worker = threading.Thread(target=lambda: rc.append(auth_command(args, section, ctx, out)))
    worker.start()
    assert out.printed.wait(10), out.getvalue()
    url = out.url()
    assert "login_hint=jdoe%40firm.com" in url and "access_type=offline" in url
    page = requests.get(url, timeout=10)  # consent page redirects to docketd's loopback listener
    worker.join(10)
    assert page.status_code == 200 and rc == [0], out.getvalue()
    return section, out.getvalue()


def test_installed_app_flow_saves_a_private_token_and_writes_events(
        fake: FakeGoogle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    section, printed = consent(fake, tmp_path, monkeypatch)
    token = tmp_path / "state" / "google-oauth-jdoe@firm.com.json"
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    saved = json.loads(token.read_text())
    assert saved["refresh_token"] and saved["token"]
    assert "ssh -L" in printed and str(token) in printed
    conn = GoogleConnector.from_config("jdoe-google", section, ConnectorContext(str(tmp_path / "state")))
    conn.create(make_entry())
    assert len(fake.events(ACCOUNT)) == 1  # "primary" is the consenting user's calendar
    assert saved["token"] not in caplog.text and saved["refresh_token"] not in caplog.text


def test_refreshed_tokens_are_saved_atomically(fake: FakeGoogle, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    section, _ = consent(fake, tmp_path, monkeypatch)
    token = tmp_path / "state" / "google-oauth-jdoe@firm.com.json"
    before = json.loads(token.read_text())["token"]
    conn = GoogleConnector.from_config("jdoe-google", section, ConnectorContext(str(tmp_path / "state")))
    fake.expire_access_tokens()
    conn.create(make_entry())
    after = json.loads(token.read_text())
    assert after["token"] != before and after["refresh_token"]
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    assert [p.name for p in token.parent.iterdir()] == [token.name]  # no temp files left behind


def test_revoked_refresh_token_is_an_auth_error_naming_the_fix(fake: FakeGoogle, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    section, _ = consent(fake, tmp_path, monkeypatch)
    conn = GoogleConnector.from_config("jdoe-google", section, ConnectorContext(str(tmp_path / "state")))
    fake.revoke_refresh_tokens()
    asked = fake.tokens.requests
    entries = [make_entry(key=f"M-{i}|r|e|") for i in range(10)]
    results = conn.apply([Op("create", e.uid, e) for e in entries])
    assert all(isinstance(r.error, AuthError) for r in results)
    assert "docketd auth google --account jdoe@firm.com --calendar jdoe-google" in str(results[0].error)
    assert fake.tokens.requests - asked <= 2  # one refusal ends the pass; Google is not asked ten times


def test_token_from_the_credentials_directory_is_used_read_only(fake: FakeGoogle, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    section, _ = consent(fake, tmp_path, monkeypatch)
    creds_dir = tmp_path / "credentials"
    creds_dir.mkdir()
    (tmp_path / "state" / "google-oauth-jdoe@firm.com.json").rename(creds_dir / "google-oauth-jdoe@firm.com.json")
    ctx = ConnectorContext(str(tmp_path / "state"), credentials_dir=str(creds_dir))
    conn = GoogleConnector.from_config("jdoe-google", section, ctx)
    fake.expire_access_tokens()
    conn.create(make_entry())
    assert not (tmp_path / "state" / "google-oauth-jdoe@firm.com.json").exists()


def test_missing_oauth_token_says_which_command_to_run(tmp_path: Path) -> None:
    section = {"kind": "google", "auth": "oauth", "account": ACCOUNT}
    with pytest.raises(AuthError, match="docketd auth google --account jdoe@firm.com --calendar jdoe-google"):
        GoogleConnector.from_config("jdoe-google", section, ConnectorContext(str(tmp_path)))


def test_auth_command_without_client_secrets_explains(tmp_path: Path) -> None:
    out = io.StringIO()
    rc = auth_command(AuthRequest(account=ACCOUNT), {}, ConnectorContext(str(tmp_path)), out)
    assert rc == 2 and "client_secrets" in out.getvalue()


def test_service_account_impersonates_the_subject(fake: FakeGoogle, tmp_path: Path) -> None:
    conn = GoogleConnector.from_config("pat-google", service_account_section(fake, tmp_path, subject="pat@firm.com"),
                                       ConnectorContext(str(tmp_path)))
    conn.create(make_entry())
    assert len(fake.events("pat@firm.com")) == 1 and fake.events("jdoe@firm.com") == []


def test_service_account_with_a_wrong_key_is_an_auth_error(fake: FakeGoogle, tmp_path: Path) -> None:
    section = service_account_section(fake, tmp_path)  # registers the right key with the fake
    make_service_account_key(tmp_path / "sa.json", fake.token_uri, SA_EMAIL, fresh=True)  # ...then replace it
    conn = GoogleConnector.from_config("jdoe-google", section, ConnectorContext(str(tmp_path)))
    with pytest.raises(AuthError, match="delegation"):
        conn.create(make_entry())


@pytest.mark.parametrize(("changes", "error", "text"), [
    ({"credentials": "missing.json"}, AuthError, "does not exist"),
    ({"subject": ""}, PermanentError, "subject"),
    ({"auth": "device"}, PermanentError, "service-account, oauth"),
    ({"reminder_method": "sms"}, PermanentError, "reminder_method = 'sms' must be"),
    ({"colors": {"soon": "99"}}, PermanentError, "colour id from 1 to 11"),
    ({"send_updates": "everyone", "batch_size": 0}, PermanentError, "send_updates .* batch_size = 0"),
])
def test_config_mistakes_are_explained(fake: FakeGoogle, tmp_path: Path, changes: dict[str, str],
                                       error: type[Exception], text: str) -> None:
    section = service_account_section(fake, tmp_path, **changes)
    with pytest.raises(error, match=text):
        GoogleConnector.from_config("jdoe-google", section, ConnectorContext(str(tmp_path)))


def test_unknown_keys_are_warned_about_not_fatal(fake: FakeGoogle, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    section = service_account_section(fake, tmp_path, calender_id="typo")
    GoogleConnector.from_config("jdoe-google", section, ConnectorContext(str(tmp_path)))
    assert "unknown key 'calender_id'" in caplog.text
