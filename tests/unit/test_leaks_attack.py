"""Issue 18 B13/B14: a password in a CalDAV URL never reaches logs, stored errors or `export`, and two
different addresses never share an .ics file.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from connectors.caldav.http import DavTransport, RetryPolicy
from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.intake import parse_records
from daemon.settings.config import parse_config
from daemon.settings.net import redact_credentials
from daemon.sources.inbox import ingest_file
from daemon.state.export import export_docket
from daemon.state.store import Store
from daemon.sync.dispatcher import ConnectorPool, Dispatcher, ics_path
from tests.reliability.helpers import closed_port

NOW = datetime(2026, 1, 6, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
SECRET = "s3cr3t-Pa55"


def test_url_password_is_redacted_in_every_text() -> None:
    assert redact_credentials(f"GET http://pat:{SECRET}@dav.firm.com/cal/ failed") == \
        "GET http://***@dav.firm.com/cal/ failed"
    assert redact_credentials("mail jdoe@firm.com at https://dav.firm.com/") == \
        "mail jdoe@firm.com at https://dav.firm.com/"
    t = DavTransport("c", f"http://pat:{SECRET}@127.0.0.1:{closed_port()}/cal/", "pat", "pw", timeout=2,
                     retry=RetryPolicy(budget_seconds=0))
    for err in (t.auth_error(), t.unreachable("refused")):
        assert SECRET not in str(err) and "127.0.0.1" in str(err)
    with pytest.raises(Exception) as info:
        t.send("GET", t.url)
    assert SECRET not in str(info.value)


def test_a_url_password_from_an_old_config_is_not_stored_logged_or_exported(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    raw = {"daemon": {"inbox": str(tmp_path / "inbox"), "state": str(tmp_path / "state.db")},
           "calendars": {"dav": {"kind": "caldav", "url": "http://127.0.0.1/cal/", "username": "pat",
                                 "password_file": "pw", "retry_seconds": 0, "timeout_seconds": 2}},
           "people": {"jdoe@firm.com": {"calendars": ["dav"]}}}
    config = parse_config(raw, tmp_path / "docketd.toml", tmp_path)
    # A URL with a password can no longer pass load_config; an older config (or state) may still hold one.
    leaky = dict(config.calendars["dav"], url=f"http://pat:{SECRET}@127.0.0.1:{closed_port()}/cal/")
    config = dataclasses.replace(config, calendars={"dav": leaky})
    (tmp_path / "pw").write_text("pw\n", encoding="utf-8")
    (tmp_path / "pw").chmod(0o600)
    config.inbox.mkdir(parents=True)
    store = Store(config.state)
    docket = Docket(config, store, load_rulebook())
    drop = config.inbox / "a.csv"
    drop.write_text("matter,court,event,date,attorney\n2026-0142,federal,summons_served,2026-01-05,"
                    "jdoe@firm.com\n", encoding="utf-8")
    ingest_file(docket, drop, NOW)
    pool = ConnectorPool(config)
    with caplog.at_level(logging.DEBUG):
        report = Dispatcher(config, store, pool, lambda: "2026-01-06T09:00:00").run_once(1e12)
    pool.close()
    assert report.retrying or report.failed
    errors = [r[0] for r in store.db.execute("SELECT last_error FROM outbox")]
    assert errors and all(e and SECRET not in e for e in errors), errors
    dumped = json.dumps(export_docket(store, "2026-01-06T09:00:00"))
    store.close()
    assert SECRET not in dumped
    assert SECRET not in caplog.text


def test_export_redacts_text_an_older_version_stored(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    with store.transaction() as db:
        db.execute("INSERT INTO outbox (target, uid, key, op, created_at, last_error) VALUES "
                   "('dav', 'u1', 'k', 'create', 'x', ?)", (f"http://pat:{SECRET}@host/cal/ refused",))
        db.execute("INSERT INTO flags (scope, kind, severity, message, action, created_at) VALUES "
                   "('dav', 'auth', 'critical', ?, 'fix', 'x')", (f"Calendar dav: http://pat:{SECRET}@host/",))
    dumped = json.dumps(export_docket(store, "2026-01-06T09:00:00"))
    store.close()
    assert SECRET not in dumped and "http://***@host/cal/ refused" in dumped


def test_ics_file_names_cannot_collide(tmp_path: Path) -> None:
    names = ["a/b@firm.com", "a_b@firm.com", "a%2Fb@firm.com", "a?b@firm.com", "../x@firm.com", ".x@firm.com"]
    paths = [ics_path(tmp_path, f"ics:{n}") for n in names]
    assert len(set(paths)) == len(paths)
    assert all(p.parent == tmp_path and not p.name.startswith(".") for p in paths)
    assert ics_path(tmp_path, "ics:jdoe@firm.com").name == "jdoe@firm.com.ics"  # plain names unchanged


def test_intake_refuses_addresses_that_would_share_a_file() -> None:
    result = parse_records([{"matter": "2026-0142", "court": "federal", "event": "summons_served",
                             "date": "2026-01-05", "attorney": "a/b@firm.com"}], "x.csv")
    assert not result.triggers
    assert [(e.row, e.column) for e in result.errors] == [(2, "attorney")]
    assert "'a/b@firm.com' is not an e-mail address" in result.errors[0].message


def test_a_calendar_under_its_old_file_name_is_adopted_not_lost(tmp_path: Path) -> None:
    """O'Brien's .ics was o_brien@firm.com.ics before names became collision-free; it is renamed."""
    raw = {"daemon": {"inbox": str(tmp_path / "inbox"), "state": str(tmp_path / "state.db")},
           "ics": {"dir": str(tmp_path / "cal")}}
    config = parse_config(raw, tmp_path / "docketd.toml", tmp_path)
    assert config.ics_dir is not None
    config.ics_dir.mkdir()
    old = config.ics_dir / "o_brien@firm.com.ics"
    old.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    pool = ConnectorPool(config)
    pool.get("ics:o'brien@firm.com")
    pool.close()
    assert not old.exists() and (config.ics_dir / "o'brien@firm.com.ics").exists()
