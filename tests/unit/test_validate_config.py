"""`docketd validate --config FILE` (issue 14): every problem of a config, found without starting anything."""

from __future__ import annotations

import json
from pathlib import Path

from tests.reliability.helpers import run_cli

BASE = '[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n\n[people."jdoe@firm.com"]\nname = "Jane Doe"\n'


def _config(tmp: Path, extra: str = "") -> Path:
    path = tmp / "docketd.toml"
    path.write_text(BASE + extra, encoding="utf-8")
    return path


def test_a_usable_config_is_ok_and_nothing_is_started(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    out = run_cli(cfg, "validate")
    assert out.returncode == 0, out.stderr
    assert f"OK: {cfg} is usable." in out.stdout
    assert not (tmp_path / "var").exists()  # no inbox, no state, no calendars made


def test_calendar_sections_are_checked_before_any_calendar_work(tmp_path: Path) -> None:
    # A CalDAV section without a url and a Google section whose key file is missing: before, both
    # surfaced only as failing calendar work once the daemon ran. The missing url is the config's own
    # mistake, refused when it loads (as every command and the daemon load it); the Google key file is
    # the world's, found by validate's look at each calendar as its connector reads it.
    dav = '\n[calendars.team-dav]\nkind = "caldav"\nusername = "jdoe"\npassword_file = "pw"\n'
    google = ('\n[calendars.jdoe-google]\nkind = "google"\ncalendar_id = "primary"\n'
              'auth = "service-account"\ncredentials = "missing-sa.json"\n')
    out = run_cli(_config(tmp_path, dav + google), "validate")
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stdout + out.stderr
    assert "[calendars.team-dav] needs url" in out.stderr
    cfg = _config(tmp_path, google)
    out = run_cli(cfg, "validate")
    assert out.returncode == 2, out.stdout + out.stderr
    assert "[calendars.jdoe-google] needs `subject`" in out.stdout
    assert f"Problems found in {cfg}: 1." in out.stdout
    data = json.loads(run_cli(cfg, "validate", "--json").stdout)
    assert data["ok"] is False and len(data["problems"]) == 1


def test_a_broken_firm_rule_folder_is_a_problem(tmp_path: Path) -> None:
    cfg = _config(tmp_path, '\n[rules]\ndirs = ["firm-rules"]\n')
    out = run_cli(cfg, "validate")
    assert out.returncode == 2
    assert "firm-rules" in out.stdout and "does not exist" in out.stdout


def test_a_typo_in_a_key_is_a_sentence_with_exit_2(tmp_path: Path) -> None:
    cfg = _config(tmp_path, '\n[sync]\non_edits = "restore"\n')
    out = run_cli(cfg, "validate")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "on_edits" in out.stderr and "on_edit" in out.stderr
