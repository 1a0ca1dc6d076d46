"""The everyday commands on a PostgreSQL docket (issue 16): sync --once, status, check, agenda, export and
import use the docket at `[state] url` and never look for a SQLite file."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.e2e.daemon_proc import write_config
from tests.integration.pg_server import PgServer
from tests.reliability.helpers import HEADER, intake_row, run_cli, today


def _pg_config(tmp: Path, url: str) -> Path:
    cfg = write_config(tmp, f'[state]\nurl = "{url}"\n')
    rows = [intake_row(f"2026-{i:04d}", today() + timedelta(days=i)) for i in range(1, 4)]
    (tmp / "var" / "inbox" / "intake.csv").write_text(HEADER + "".join(rows), encoding="utf-8")
    return cfg


def test_status_check_and_export_read_the_postgresql_docket(tmp_path: Path, pg_database: str) -> None:
    cfg = _pg_config(tmp_path, pg_database)
    out = run_cli(cfg, "sync", "--once")
    assert out.returncode == 0 and "Recomputed 3 matters" in out.stdout, out.stdout + out.stderr
    assert not (tmp_path / "var" / "state.db").exists()

    out = run_cli(cfg, "status", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["state"] == pg_database and data["matters"] == 3 and data["deadlines"] > 0

    out = run_cli(cfg, "check", "--no-network")
    assert "PostgreSQL" not in out.stdout  # without the network nothing is dialled
    out = run_cli(cfg, "check")
    assert f"The PostgreSQL state database {pg_database} can be reached" in out.stdout, out.stdout + out.stderr

    out = run_cli(cfg, "agenda")
    assert out.returncode == 0 and "2026-0001" in out.stdout, out.stdout + out.stderr
    doc = json.loads(run_cli(cfg, "export").stdout)
    assert doc["counts"]["matters"] == 3


def test_an_unreachable_postgresql_is_one_sentence_naming_the_key(tmp_path: Path) -> None:
    cfg = _pg_config(tmp_path, "postgresql://docketd@127.0.0.1:1/docketd")
    out = run_cli(cfg, "sync", "--once")
    assert out.returncode != 0
    assert "postgresql://docketd@127.0.0.1:1/docketd ([state] url) cannot be reached" in out.stderr, out.stderr
    assert "Traceback" not in out.stderr
    out = run_cli(cfg, "check")
    assert out.returncode != 0 and "([state] url) cannot be reached" in out.stdout + out.stderr


def test_export_and_import_between_postgresql_databases(tmp_path: Path, pg_server: PgServer) -> None:
    first, second = pg_server.new_database(), pg_server.new_database()
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    cfg_a = _pg_config(a, first)
    assert "Recomputed 3 matters" in run_cli(cfg_a, "sync", "--once").stdout
    exported = tmp_path / "docket.json"
    out = run_cli(cfg_a, "export", str(exported))
    assert out.returncode == 0 and f"Exported {first} to" in out.stderr, out.stderr

    cfg_b = write_config(b, f'[state]\nurl = "{second}"\n')
    out = run_cli(cfg_b, "import", str(exported))
    assert out.returncode == 0 and f"into {second}" in out.stdout, out.stdout + out.stderr
    assert json.loads(run_cli(cfg_b, "export").stdout)["tables"] == json.loads(exported.read_text())["tables"]
    out = run_cli(cfg_b, "import", str(exported))
    assert out.returncode == 1 and "is not empty" in out.stderr
    out = run_cli(cfg_b, "import", "--replace", str(exported))
    assert out.returncode == 0, out.stdout + out.stderr
    assert list((b / "var").glob("state.db.before-import-*.json"))  # the replaced docket, as an export
