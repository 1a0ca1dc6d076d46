"""The everyday commands on a PostgreSQL docket (issue 16): sync --once, status, check, agenda and export read
the docket from `[state] url` and never look for a SQLite file."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from tests.e2e.daemon_proc import write_config
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
