"""Config validation messages, store schema and migration, sd_notify on a real socket, CLI exit codes."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from daemon.errors import ConfigError
from daemon.service.sdnotify import Notifier
from daemon.settings.config import load_config, parse_reminder
from daemon.state.store import SCHEMA_VERSION, Store

REPO = Path(__file__).resolve().parents[2]


def test_example_config_loads() -> None:
    cfg = load_config(REPO / "config" / "docketd.example.toml", REPO)
    assert cfg.inbox == REPO / "var" / "inbox"
    assert cfg.processed_dir == REPO / "var" / "processed"
    assert cfg.ics_serve == ("127.0.0.1", 8765)


def test_config_errors_name_key_and_fix(tmp_path: Path) -> None:
    p = tmp_path / "bad.toml"
    p.write_text(
        '[daemon]\ntimezone = "Mars/Olympus"\n'
        '[people."jdoe@firm.com"]\ncalendars = ["nope"]\nreminders = ["soon"]\n'
        '[calendars.x]\nkind = "exchange"\n'
        '[sync]\non_edit = "panic"\n[bogus]\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(p, tmp_path)
    text = str(info.value)
    for needle in ("[daemon] timezone 'Mars/Olympus'", "[calendars.nope]", "reminder 'soon'",
                   "kind = 'exchange'", "on_edit = 'panic'", "[bogus] unknown section", str(p)):
        assert needle in text, needle


def test_config_syntax_error_names_file(tmp_path: Path) -> None:
    p = tmp_path / "broken.toml"
    p.write_text("[daemon\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="broken.toml: not valid TOML"):
        load_config(p, tmp_path)


def test_reminder_parsing() -> None:
    assert parse_reminder("14d") == 20160
    assert parse_reminder("2h") == 120
    assert parse_reminder("1w") == 10080
    with pytest.raises(ValueError):
        parse_reminder("14 days")


def test_store_fresh_is_current_version(tmp_path: Path) -> None:
    s = Store(tmp_path / "s.db")
    assert s.schema_version() == SCHEMA_VERSION
    assert s.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_store_migrates_v1_with_backup(tmp_path: Path) -> None:
    from daemon.state.store import _SCHEMA_V1

    path = tmp_path / "old.db"
    db = sqlite3.connect(path)
    db.executescript(_SCHEMA_V1)
    db.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    db.execute("INSERT INTO triggers VALUES ('M', 'trial', '', '{}', 'x')")
    db.commit()
    db.close()
    s = Store(path)
    assert s.schema_version() == SCHEMA_VERSION
    assert (tmp_path / "old.db.v1.bak").exists()
    row = s.db.execute("SELECT matter, source, row FROM triggers").fetchone()
    assert tuple(row) == ("M", "", 0)


def test_store_from_the_future_is_refused(tmp_path: Path) -> None:
    from daemon.errors import StoreError

    path = tmp_path / "new.db"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='99'")
    db.commit()
    db.close()
    with pytest.raises(StoreError, match="newer than this docketd"):
        Store(path)


def test_sd_notify_over_a_real_datagram_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.settimeout(5)
    n = Notifier(path)
    n.ready("Watching /x")
    n.watchdog()
    n.stopping()
    got = [server.recv(1024).decode() for _ in range(3)]
    assert got[0] == "READY=1\nSTATUS=Watching /x"
    assert got[1] == "WATCHDOG=1"
    assert got[2].startswith("STOPPING=1")
    server.close()


def test_sd_notify_without_socket_is_silent() -> None:
    n = Notifier("")
    assert not n.enabled
    n.ready("x")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DOCKETD_CONFIG"}
    return subprocess.run([sys.executable, "-m", "daemon.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_preview_json_contract_and_exit_codes(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("matter,title,court,event,date,service\n"
                    "2026-0142,Acme v. Widget,federal,summons_served,2026-01-05,personal\n", encoding="utf-8")
    p = _cli("preview", str(good), "--json", "--today", "2026-01-06", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    answer = next(d for d in out["deadlines"] if d["rule"] == "frcp.answer")
    assert answer == {**answer, "matter": "2026-0142", "due": "2026-01-26", "court": "federal", "time": None,
                      "citation": answer["citation"]}
    assert answer["trigger"] == {"event": "summons_served", "date": "2026-01-05", "ref": None,
                                 "service": "personal"}
    assert answer["explanation"] and isinstance(answer["flags"], list)
    assert out["errors"] == []

    bad = tmp_path / "bad.csv"
    bad.write_text("matter,court,event,date\n2026-1,federal,summons_served,2026-13-01\n"
                   "2026-2,federal,summons_served,2026-01-05\n", encoding="utf-8")
    p = _cli("preview", str(bad), "--json", cwd=tmp_path)
    assert p.returncode == 1
    out = json.loads(p.stdout)
    assert [e["row"] for e in out["errors"]] == [2] and out["errors"][0]["column"] == "date"
    assert any(d["matter"] == "2026-2" for d in out["deadlines"])

    p = _cli("preview", str(tmp_path / "missing.csv"), cwd=tmp_path)
    assert p.returncode == 2 and "No such file" in p.stderr
    p = _cli("frobnicate", cwd=tmp_path)
    assert p.returncode == 2


def test_validate_reports_every_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("matter,court,event,date\n,federal,summons_served,2026-01-05\n"
                   "2026-1,nowhere,summons_served,2026-01-05\n", encoding="utf-8")
    p = _cli("validate", str(bad), cwd=tmp_path)
    assert p.returncode == 1
    assert "bad.csv, row 2, column matter" in p.stderr
    assert "bad.csv, row 3, column court" in p.stderr and "nowhere" in p.stderr


def test_status_and_sync_once(tmp_path: Path) -> None:
    cfg = tmp_path / "d.toml"
    cfg.write_text('[daemon]\ninbox = "in"\nstate = "s.db"\n[ics]\ndir = "cals"\n', encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.csv").write_text(
        "matter,court,event,date,service,attorney\n2026-0142,federal,summons_served,2026-01-05,personal,"
        "jdoe@firm.com\n", encoding="utf-8")
    p = _cli("--config", str(cfg), "sync", "--once", cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    assert "a.csv: processed" in p.stdout
    assert (tmp_path / "cals" / "jdoe@firm.com.ics").exists()
    p = _cli("--config", str(cfg), "status", "--json", cwd=tmp_path)
    data = json.loads(p.stdout)
    assert data["matters"] == 1 and data["outbox"] == {}
    p = _cli("--config", str(cfg), "status", cwd=tmp_path)
    assert "Every calendar is up to date." in p.stdout


def test_config_option_after_the_command(tmp_path: Path) -> None:
    cfg = tmp_path / "d.toml"
    cfg.write_text('[daemon]\nstate = "s.db"\n', encoding="utf-8")
    p = _cli("status", "--config", str(cfg), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "has not run with this config" in p.stdout
    assert not (tmp_path / "s.db").exists()
    p = _cli("rules", "list", "--config", str(cfg), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "frcp.answer" in p.stdout


def test_sd_notify_never_blocks_on_a_full_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "full.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)  # bound but never read: its queue fills up
    n = Notifier(path)
    for _ in range(5000):
        n.watchdog()  # would hang forever on a blocking send
    server.close()
