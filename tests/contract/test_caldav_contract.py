"""The CalDAV connector passes the connector contract against a real Radicale server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from connectors.base import Connector, ConnectorContext
from connectors.caldav.calendar import CaldavConnector
from tests.contract.connector_contract import ConnectorContract
from tests.integration.radicale_server import RadicaleServer, radicale  # noqa: F401  (fixture)

FOREIGN = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Someone//Else//EN\r
BEGIN:VEVENT\r
UID:{uid}@docketd\r
DTSTAMP:20260101T000000Z\r
DTSTART;VALUE=DATE:20260110\r
SUMMARY:Lunch with opposing counsel\r
END:VEVENT\r
END:VCALENDAR\r
"""


def edit_on_server(connector: CaldavConnector, uid: str, old: str, new: str) -> None:
    """Rewrite the stored object the way another CalDAV client would (GET, change, PUT)."""
    url = connector.href(uid)
    auth = connector.http.session.auth
    got = requests.get(url, auth=auth, timeout=10)
    assert got.status_code == 200 and old in got.text, got.text
    put = requests.put(url, data=got.text.replace(old, new).encode(), auth=auth, timeout=10,
                       headers={"Content-Type": "text/calendar", "If-Match": got.headers["ETag"]})
    assert put.status_code in (201, 204), put.text


class TestCaldavContract(ConnectorContract):
    @pytest.fixture
    def connector(self, radicale: RadicaleServer, tmp_path: Path) -> Iterator[CaldavConnector]:  # noqa: F811
        url = radicale.make_calendar()
        section = {"kind": "caldav", "url": url, "username": radicale.username,
                   "password_file": str(radicale.write_password_file(tmp_path))}
        conn = CaldavConnector.from_config("jdoe-caldav", section, ConnectorContext(str(tmp_path)))
        yield conn
        conn.close()

    def edit_by_hand(self, connector: Connector, uid: str) -> None:
        assert isinstance(connector, CaldavConnector)
        edit_on_server(connector, uid, "DTSTART;VALUE=DATE:202601", "DTSTART;VALUE=DATE:202602")

    def add_foreign(self, connector: Connector, uid: str) -> bool:
        assert isinstance(connector, CaldavConnector)
        resp = requests.put(connector.href(uid), data=FOREIGN.format(uid=uid).encode(),
                            auth=connector.http.session.auth, timeout=10,
                            headers={"Content-Type": "text/calendar", "If-None-Match": "*"})
        assert resp.status_code == 201, resp.text
        return True
