"""Outlook auth through the real msal against the fake identity endpoints: device code, refresh, dead tokens."""

from __future__ import annotations

import io
import stat
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.base import AuthError, AuthRequest, ConnectorContext, Op, PermanentError
from connectors.outlook.calendar import OutlookConnector, auth_command
from tests.contract.connector_contract import make_entry
from tests.fakes.graph import FakeGraph
from tests.fakes.graph_setup import app_connector
from tests.fakes.tls import make_client_certificate

ACCOUNT = "jdoe@firm.com"


@pytest.fixture
def graph(tmp_path: Path) -> Iterator[FakeGraph]:
    with FakeGraph(tmp_path / "graph") as fake:
        yield fake


def delegated_section(graph: FakeGraph, **extra: Any) -> dict[str, Any]:
    section: dict[str, Any] = {
        "kind": "outlook",
        "auth": "device-code",
        "tenant": graph.identity.tenant,
        "client_id": graph.identity.client_id,
        "mailbox": ACCOUNT,
        "graph_endpoint": graph.url,
        "authority": graph.authority,
        "ca_bundle": str(graph.ca_file),
        "retry_budget_seconds": 5,
        "backoff_seconds": 0.01,
    }
    section.update(extra)
    return section


def sign_in(
    graph: FakeGraph, section: dict[str, Any], ctx: ConnectorContext, as_user: str = ACCOUNT
) -> tuple[int, str]:
    """Run `docketd auth outlook --account ...` while a 'person' approves the code in the browser."""

    def approve() -> None:
        for _ in range(200):
            if graph.approve(as_user):
                return
            time.sleep(0.02)

    approver = threading.Thread(target=approve)
    approver.start()
    out = io.StringIO()
    rc = auth_command(AuthRequest(account=ACCOUNT, calendar="jdoe-outlook"), section, ctx, out)
    approver.join()
    return rc, out.getvalue()


def test_device_code_sign_in_then_silent_refresh(graph: FakeGraph, tmp_path: Path) -> None:
    ctx = ConnectorContext(state_dir=str(tmp_path / "state"))
    section = delegated_section(graph)
    rc, text = sign_in(graph, section, ctx)
    assert rc == 0, text
    assert "enter the code" in text and "Signed in as jdoe@firm.com" in text
    cache = tmp_path / "state" / "outlook-tokens" / "jdoe@firm.com.json"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert "rt-" in cache.read_text()

    conn = OutlookConnector.from_config("jdoe-outlook", section, ctx)
    conn.create(make_entry())
    graph.expire_access_tokens()  # Graph says 401: msal refreshes with the refresh token, silently
    before = graph.counters["token-requests"]
    conn.create(make_entry(day=27))
    assert graph.counters["token-requests"] == before + 1
    assert [e["start"]["dateTime"][:10] for e in graph.events(ACCOUNT)] == ["2026-01-27"]
    conn.close()


def test_no_sign_in_yet_names_the_command(graph: FakeGraph, tmp_path: Path) -> None:
    conn = OutlookConnector.from_config(
        "jdoe-outlook", delegated_section(graph), ConnectorContext(state_dir=str(tmp_path))
    )
    (result,) = conn.apply([Op("create", make_entry().uid, make_entry())])
    assert isinstance(result.error, AuthError)
    assert "docketd auth outlook --account jdoe@firm.com" in str(result.error)
    conn.close()


def test_dead_refresh_token_keeps_the_work_until_signed_in_again(graph: FakeGraph, tmp_path: Path) -> None:
    ctx = ConnectorContext(state_dir=str(tmp_path / "state"))
    section = delegated_section(graph)
    assert sign_in(graph, section, ctx)[0] == 0
    conn = OutlookConnector.from_config("jdoe-outlook", section, ctx)
    conn.create(make_entry(key="A|r|e|"))

    graph.revoke_refresh_tokens()  # 90 days unused, or consent revoked
    graph.expire_access_tokens()
    ops = [Op("create", e.uid, e) for e in (make_entry(key="B|r|e|"), make_entry(key="C|r|e|"))]
    results = conn.apply(ops)
    assert all(isinstance(r.error, AuthError) for r in results)
    message = str(results[0].error)
    assert "docketd auth outlook --account jdoe@firm.com" in message and "expired or was revoked" in message
    assert len(graph.events(ACCOUNT)) == 1  # nothing written, nothing lost: the ops are still the caller's

    assert sign_in(graph, section, ctx)[0] == 0  # a person runs the command; the daemon keeps running
    results = conn.apply(ops)
    assert all(r.error is None for r in results)
    assert len(graph.events(ACCOUNT)) == 3
    conn.close()


def test_signing_in_as_someone_else_is_refused(graph: FakeGraph, tmp_path: Path) -> None:
    rc, text = sign_in(
        graph, delegated_section(graph), ConnectorContext(state_dir=str(tmp_path)), as_user="pat@firm.com"
    )
    assert rc == 1
    assert "expects jdoe@firm.com" in text


def test_app_token_is_renewed_after_graph_rejects_it(graph: FakeGraph, tmp_path: Path) -> None:
    conn = app_connector(graph, ACCOUNT, tmp_path)
    conn.create(make_entry())
    graph.expire_access_tokens()
    conn.create(make_entry(day=28))
    assert len(graph.events(ACCOUNT)) == 1
    cache = tmp_path / "state" / "outlook-tokens"
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in cache.iterdir())
    conn.close()


def test_wrong_client_secret_is_an_auth_error_with_the_fix(graph: FakeGraph, tmp_path: Path) -> None:
    secret = tmp_path / "stale-secret"
    secret.write_text("expired-secret\n")
    section = {**delegated_section(graph), "auth": "app", "client_secret_file": str(secret)}
    bad = OutlookConnector.from_config("jdoe-outlook", section, ConnectorContext(state_dir=str(tmp_path)))
    (result,) = bad.apply([Op("create", make_entry().uid, make_entry())])
    assert isinstance(result.error, AuthError)
    assert "renew the client secret" in str(result.error)
    assert graph.events(ACCOUNT) == []
    bad.close()


def test_certificate_credential(graph: FakeGraph, tmp_path: Path) -> None:
    pem_path, cert_pem = make_client_certificate(tmp_path / "app")
    graph.identity.certificate_pem = cert_pem
    section = {**delegated_section(graph), "auth": "app", "certificate_file": str(pem_path)}
    conn = OutlookConnector.from_config("jdoe-outlook", section, ConnectorContext(state_dir=str(tmp_path)))
    conn.create(make_entry())
    assert len(graph.events(ACCOUNT)) == 1
    conn.close()


def test_config_problems_are_reported_together(tmp_path: Path) -> None:
    with pytest.raises(PermanentError) as info:
        OutlookConnector.from_config(
            "jdoe-outlook",
            {
                "kind": "outlook",
                "auth": "app",
                "client_secret_file": "missing",
                "timezone": "Mars/Base",
                "batch_size": 50,
                "colour": "red",
            },
            ConnectorContext(state_dir=str(tmp_path), config_dir=str(tmp_path)),
        )
    text = str(info.value)
    for fragment in (
        "tenant is required",
        "client_id is required",
        "mailbox is required",
        "cannot be read",
        "Mars/Base",
        "batch_size <= 20",
        "unknown key 'colour'",
    ):
        assert fragment in text


def test_auth_command_for_another_persons_calendar_says_which_to_name(graph: FakeGraph, tmp_path: Path) -> None:
    out = io.StringIO()
    args = AuthRequest(account="pat@firm.com", calendar="jdoe-outlook")
    rc = auth_command(args, delegated_section(graph), ConnectorContext(state_dir=str(tmp_path)), out)
    assert rc == 2
    assert "--calendar NAME" in out.getvalue() and "is for jdoe@firm.com" in out.getvalue()


def test_signing_in_for_a_shared_mailbox_asks_for_the_shared_permission(graph: FakeGraph, tmp_path: Path) -> None:
    conn = OutlookConnector.from_config(
        "team", delegated_section(graph, account="pat@firm.com"), ConnectorContext(state_dir=str(tmp_path))
    )
    assert conn.settings.auth.scopes == ["https://graph.microsoft.com/Calendars.ReadWrite.Shared"]
    (result,) = conn.apply([Op("create", make_entry().uid, make_entry())])
    assert "docketd auth outlook --account pat@firm.com --calendar team" in str(result.error)
    conn.close()
