"""Helpers that wire the Outlook connector to a FakeGraph (shared by contract, integration and e2e tests)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.base import ConnectorContext
from connectors.outlook.calendar import OutlookConnector
from tests.fakes.graph import FakeGraph


def outlook_section(graph: FakeGraph, mailbox: str, secret_file: Path, **extra: Any) -> dict[str, Any]:
    """A [calendars.NAME] section for app-only auth against the fake (fast retries for tests)."""
    secret_file.write_text(graph.identity.client_secret + "\n", encoding="utf-8")
    secret_file.chmod(0o600)
    section: dict[str, Any] = {
        "kind": "outlook",
        "tenant": graph.identity.tenant,
        "client_id": graph.identity.client_id,
        "client_secret_file": str(secret_file),
        "mailbox": mailbox,
        "graph_endpoint": graph.url,
        "authority": graph.authority,
        "ca_bundle": str(graph.ca_file),
        "retry_budget_seconds": 10,
        "backoff_seconds": 0.01,
    }
    section.update(extra)
    return section


def app_connector(graph: FakeGraph, mailbox: str, tmp: Path, name: str = "outlook", **extra: Any) -> OutlookConnector:
    """An app-only Outlook connector for `mailbox` on the fake, with state under `tmp`."""
    tmp.mkdir(parents=True, exist_ok=True)
    section = outlook_section(graph, mailbox, tmp / "graph-secret", **extra)
    return OutlookConnector.from_config(name, section, ConnectorContext(state_dir=str(tmp / "state")))
