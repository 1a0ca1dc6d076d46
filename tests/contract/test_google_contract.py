"""The Google Calendar connector passes the connector contract against the local Calendar v3 fake."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.base import Connector, ConnectorContext
from connectors.google.calendar import GoogleConnector
from tests.contract.connector_contract import ConnectorContract
from tests.fakes.google_calendar import FakeGoogle
from tests.fakes.google_keys import make_service_account_key

SA_EMAIL = "docketd@firm-docket.iam.gserviceaccount.com"
CALENDAR = "jdoe@firm.com"


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(rate_limit_per_minute=100_000) as server:
        yield server


class TestGoogleContract(ConnectorContract):
    @pytest.fixture(autouse=True)
    def _server(self, fake: FakeGoogle) -> None:
        self.fake = fake

    @pytest.fixture
    def connector(self, fake: FakeGoogle, tmp_path: Path) -> Iterator[GoogleConnector]:
        key = tmp_path / "sa.json"
        fake.add_service_account(SA_EMAIL, make_service_account_key(key, fake.token_uri, SA_EMAIL))
        calendar = f"docket-{tmp_path.name}@group.calendar.google.com"
        section = {"kind": "google", "auth": "service-account", "credentials": str(key),
                   "subject": CALENDAR, "calendar_id": calendar, "api_endpoint": fake.url,
                   "requests_per_minute": 100_000, "retry_base_seconds": 0.01}
        conn = GoogleConnector.from_config("jdoe-google", section, ConnectorContext(str(tmp_path)))
        yield conn
        conn.close()

    def edit_by_hand(self, connector: Connector, uid: str) -> None:
        assert isinstance(connector, GoogleConnector)
        self.fake.edit_by_hand(connector.calendar_id, uid,
                               start={"date": "2026-02-02"}, end={"date": "2026-02-03"})

    def add_foreign(self, connector: Connector, uid: str) -> bool:
        assert isinstance(connector, GoogleConnector)
        self.fake.put_event(connector.calendar_id, {"id": uid, "summary": "Lunch",
                                                    "start": {"date": "2026-01-01"},
                                                    "end": {"date": "2026-01-02"}})
        return True
