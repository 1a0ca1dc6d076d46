"""CalDAV discovery and credentials against a real Radicale: principal or calendar URL, password sources."""

from __future__ import annotations

import io
import logging
import uuid
from pathlib import Path

import pytest

from connectors.base import AuthError, AuthRequest, ConnectorContext, PermanentError
from connectors.caldav.calendar import CaldavConnector, auth_command, read_password
from connectors.registry import connector_class
from tests.contract.connector_contract import make_entry
from tests.integration.radicale_server import RadicaleServer, radicale  # noqa: F401  (fixture)


def new_user(radicale: RadicaleServer, calendars: dict[str, str]) -> tuple[str, str, list[str]]:  # noqa: F811
    """A fresh account with the given calendars (name -> display name); returns user, password, URLs."""
    user, password = f"u{uuid.uuid4().hex[:10]}", f"pw-{uuid.uuid4().hex}"
    radicale.add_user(user, password)
    urls = [radicale.make_calendar_for(user, password, name, display) for name, display in calendars.items()]
    return user, password, urls


def section_for(tmp_path: Path, url: str, user: str, password: str, **extra: object) -> dict[str, object]:
    pw = tmp_path / "caldav-pw"
    pw.write_text(password + "\n", encoding="utf-8")
    pw.chmod(0o600)
    return {"kind": "caldav", "url": url, "username": user, "password_file": "caldav-pw", **extra}


def build(section: dict[str, object], tmp_path: Path) -> CaldavConnector:
    conn = connector_class("caldav").from_config("jdoe-caldav", section, ConnectorContext(
        state_dir=str(tmp_path), config_dir=str(tmp_path)))
    assert isinstance(conn, CaldavConnector)
    return conn


def test_principal_url_with_one_calendar(radicale: RadicaleServer, tmp_path: Path) -> None:  # noqa: F811
    user, password, urls = new_user(radicale, {"docket": "Docket"})
    conn = build(section_for(tmp_path, f"{radicale.base_url}{user}/", user, password), tmp_path)
    assert conn.calendar_url() == urls[0]
    ref = conn.create(make_entry())
    assert ref.remote_id == f"{urls[0]}{make_entry().uid}.ics"


def test_principal_url_picks_the_named_calendar(radicale: RadicaleServer, tmp_path: Path) -> None:  # noqa: F811
    user, password, urls = new_user(radicale, {"personal": "Personal", "court": "Court Dates"})
    by_display = build(section_for(tmp_path, f"{radicale.base_url}{user}/", user, password,
                                   calendar="Court Dates"), tmp_path)
    assert by_display.calendar_url() == urls[1]
    by_segment = build(section_for(tmp_path, radicale.base_url, user, password, calendar="court"), tmp_path)
    assert by_segment.calendar_url() == urls[1]


def test_ambiguous_or_unknown_calendar_is_explained(radicale: RadicaleServer, tmp_path: Path) -> None:  # noqa: F811
    user, password, _ = new_user(radicale, {"personal": "Personal", "court": "Court Dates"})
    principal = f"{radicale.base_url}{user}/"
    with pytest.raises(PermanentError, match="more than one calendar.*Court Dates.*Personal.*calendar ="):
        build(section_for(tmp_path, principal, user, password), tmp_path).calendar_url()
    with pytest.raises(PermanentError, match="no calendar named 'Docket'"):
        build(section_for(tmp_path, principal, user, password, calendar="Docket"), tmp_path).calendar_url()


def test_wrong_password_is_an_auth_error(radicale: RadicaleServer, tmp_path: Path) -> None:  # noqa: F811
    user, _, urls = new_user(radicale, {"docket": "Docket"})
    conn = build(section_for(tmp_path, urls[0], user, "not-the-password"), tmp_path)
    with pytest.raises(AuthError, match="rejected user .*password"):
        conn.list_managed()


def test_password_from_systemd_credentials(radicale: RadicaleServer, tmp_path: Path) -> None:  # noqa: F811
    user, password, urls = new_user(radicale, {"docket": "Docket"})
    creds = tmp_path / "credentials"
    creds.mkdir()
    (creds / "caldav-jdoe").write_text(password, encoding="utf-8")
    section = {"kind": "caldav", "url": urls[0], "username": user, "password_credential": "caldav-jdoe"}
    ctx = ConnectorContext(str(tmp_path), str(creds), str(tmp_path))
    conn = CaldavConnector.from_config("c", section, ctx)
    assert conn.list_managed() == []
    with pytest.raises(AuthError, match="CREDENTIALS_DIRECTORY is not set"):
        CaldavConnector.from_config("c", section, ConnectorContext(str(tmp_path)))


def test_password_file_problems_are_sentences(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    ctx = ConnectorContext(str(tmp_path), None, str(tmp_path))
    with pytest.raises(AuthError, match=r"cannot read the password from .*missing-pw"):
        read_password("c", {"password_file": "missing-pw"}, ctx)
    with pytest.raises(AuthError, match="needs password_file"):
        read_password("c", {}, ctx)
    (tmp_path / "empty").write_text("\n", encoding="utf-8")
    (tmp_path / "empty").chmod(0o600)
    with pytest.raises(AuthError, match="is empty"):
        read_password("c", {"password_file": "empty"}, ctx)
    loose = tmp_path / "loose"
    loose.write_text("s3cret\n", encoding="utf-8")
    loose.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="connectors.caldav.calendar"):
        assert read_password("c", {"password_file": "loose"}, ctx) == "s3cret"
    assert "chmod 600" in caplog.text and "s3cret" not in caplog.text


def test_config_errors_name_the_section(tmp_path: Path) -> None:
    ctx = ConnectorContext(str(tmp_path))
    with pytest.raises(PermanentError, match=r"\[calendars.x\] needs url"):
        CaldavConnector.from_config("x", {"username": "u", "password_file": "p"}, ctx)
    with pytest.raises(PermanentError, match=r"\[calendars.x\] needs username"):
        CaldavConnector.from_config("x", {"url": "https://dav.example.com/", "password_file": "p"}, ctx)


def test_auth_command_reports_the_calendar(radicale: RadicaleServer, tmp_path: Path) -> None:  # noqa: F811
    user, password, urls = new_user(radicale, {"docket": "Docket"})
    ctx = ConnectorContext(str(tmp_path), None, str(tmp_path))
    args = AuthRequest(account=user, calendar="jdoe-caldav")
    out = io.StringIO()
    principal = f"{radicale.base_url}{user}/"
    assert auth_command(args, section_for(tmp_path, principal, user, password), ctx, out) == 0
    assert urls[0] in out.getvalue()
    out = io.StringIO()
    assert auth_command(args, section_for(tmp_path, urls[0], user, "wrong"), ctx, out) == 1
    assert "HTTP 401" in out.getvalue()
