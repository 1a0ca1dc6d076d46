"""The .ics connector passes the connector contract, reading back the file it wrote."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import icalendar
import pytest

from connectors.base import Connector
from connectors.ics import IcsConnector, atomic_write
from tests.contract.connector_contract import ConnectorContract, make_entry


def _rewrite(path: Path, fn) -> None:  # type: ignore[no-untyped-def]
    cal = icalendar.Calendar.from_ical(path.read_bytes())
    for comp in cal.walk("VEVENT"):
        fn(comp)
    atomic_write(path, cal.to_ical())


class TestIcsContract(ConnectorContract):
    @pytest.fixture
    def connector(self, tmp_path: Path) -> IcsConnector:
        return IcsConnector("ics-test", tmp_path / "cal" / "jdoe.ics")

    def edit_by_hand(self, connector: Connector, uid: str) -> None:
        assert isinstance(connector, IcsConnector)

        def move(comp: icalendar.Event) -> None:
            if str(comp["UID"]).startswith(uid):
                comp["DTSTART"] = icalendar.vDDDTypes(date(2026, 2, 2))
                comp["DTEND"] = icalendar.vDDDTypes(date(2026, 2, 3))

        _rewrite(connector.path, move)

    def add_foreign(self, connector: Connector, uid: str) -> bool:
        assert isinstance(connector, IcsConnector)
        cal = icalendar.Calendar()
        cal.add("prodid", "-//someone//EN")
        cal.add("version", "2.0")
        ev = icalendar.Event()
        ev.add("uid", f"{uid}@docketd")
        ev.add("dtstart", date(2026, 1, 1))
        ev.add("summary", "Lunch")
        cal.add_component(ev)
        connector.path.parent.mkdir(parents=True, exist_ok=True)
        connector.path.write_bytes(cal.to_ical())
        return True


def test_sequence_bumps_and_file_is_valid(tmp_path: Path) -> None:
    c = IcsConnector("x", tmp_path / "a.ics")
    ref = c.create(make_entry(day=26))
    c.update(make_entry(day=27), ref)
    cal = icalendar.Calendar.from_ical((tmp_path / "a.ics").read_bytes())
    (ev,) = list(cal.walk("VEVENT"))
    assert int(ev.decoded("SEQUENCE")) == 1
    assert ev.decoded("DTSTART") == date(2026, 1, 27)
    assert ev.decoded("DTEND") == date(2026, 1, 28)
    assert len(list(ev.walk("VALARM"))) == 2
