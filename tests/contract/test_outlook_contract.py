"""The Outlook connector passes the connector contract against a local fake of Microsoft Graph."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.base import Connector
from connectors.outlook.calendar import OutlookConnector
from connectors.outlook.mapping import KEY_PROP
from tests.contract.connector_contract import ConnectorContract
from tests.fakes.graph import FakeGraph
from tests.fakes.graph_setup import app_connector

_mailboxes = itertools.count(1)


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FakeGraph]:
    with FakeGraph(tmp_path_factory.mktemp("graph")) as fake:
        yield fake


class TestOutlookContract(ConnectorContract):
    @pytest.fixture
    def connector(self, graph: FakeGraph, tmp_path: Path) -> Iterator[OutlookConnector]:
        conn = app_connector(graph, f"attorney{next(_mailboxes)}@firm.com", tmp_path)
        yield conn
        conn.close()
        assert graph.counters["missing-immutable-id"] == 0

    @pytest.fixture(autouse=True)
    def _graph(self, graph: FakeGraph) -> None:
        self.graph = graph

    def _find(self, connector: Connector, uid: str) -> str:
        assert isinstance(connector, OutlookConnector)
        got = connector.get(uid)
        assert got is not None
        return got.remote_id

    def edit_by_hand(self, connector: Connector, uid: str) -> None:
        assert isinstance(connector, OutlookConnector)
        event_id = self._find(connector, uid)
        self.graph.edit_by_hand(
            connector.settings.mailbox,
            event_id,
            start={"dateTime": "2026-02-02T00:00:00", "timeZone": "America/Los_Angeles"},
            end={"dateTime": "2026-02-03T00:00:00", "timeZone": "America/Los_Angeles"},
        )

    def add_foreign(self, connector: Connector, uid: str) -> bool:
        # Another program copied docketd's key property onto its own event, without docketd's marker.
        assert isinstance(connector, OutlookConnector)
        self.graph.add_event(
            connector.settings.mailbox,
            {
                "subject": "Lunch",
                "start": {"dateTime": "2026-01-01T12:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2026-01-01T13:00:00", "timeZone": "UTC"},
                "singleValueExtendedProperties": [{"id": KEY_PROP, "value": uid}],
            },
        )
        return True
