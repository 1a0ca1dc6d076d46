"""The in-memory connector passes the connector contract."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.base import Connector
from connectors.memory import MemoryConnector
from daemon.models import RemoteEvent
from tests.contract.connector_contract import ConnectorContract


class TestMemoryContract(ConnectorContract):
    @pytest.fixture
    def connector(self) -> MemoryConnector:
        return MemoryConnector("mem")

    def edit_by_hand(self, connector: Connector, uid: str) -> None:
        assert isinstance(connector, MemoryConnector)
        connector.edit_by_hand(uid, start=date(2026, 2, 2))

    def add_foreign(self, connector: Connector, uid: str) -> bool:
        assert isinstance(connector, MemoryConnector)
        connector.add_foreign(RemoteEvent(uid, uid, '"x"', date(2026, 1, 1), "Lunch"))
        return True
