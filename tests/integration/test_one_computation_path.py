"""One computation path (issue 14): `docketd preview --json` and `docketd sync --once` give the same
deadlines and the same deadline flags for the same intake and the same day.

Checked on every public, audit, federal and state worked case, and on a seeded random docket of many
matters sharing attorneys (so cross-matter conflicts arise). Both run as subprocesses on the pinned
day (tests/clock.py); the store is read back with `docketd export`. The same comparison runs against the
long-running daemon (`docketd run`, the file dropped into its watched inbox).
"""

from __future__ import annotations

import csv
import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.clock import pinned_day
from tests.e2e.daemon_proc import wait_until
from tests.reliability.helpers import clean_stop, count, daemon, run_cli
from tests.unit.engine.worked import load_cases

HEADER = ["matter", "title", "court", "event", "date", "service", "attorney", "lower_court"]
CONFIG = ('[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n\n[ics]\ndir = "var/calendars"\n\n'
          '[people."a@firm.com"]\nname = "A"\n\n[people."b@firm.com"]\nname = "B"\n')
# (court, event, service) triples the shipped packs take, for the random docket.
EVENTS = [("federal", "summons_served", "personal"), ("nysd", "summons_served", "mail"),
          ("txsd", "judgment_entered", ""), ("ca-superior", "summons_served", "personal"),
          ("cand", "motion_hearing", "electronic"), ("tx-district", "summons_served", "personal"),
          ("ny-supreme", "interrogatories_served", "mail"), ("fl-circuit", "summons_served", "personal"),
          ("il-circuit", "summons_served", "mail"), ("ca9", "appellate_judgment_entered", "")]


def _worked_rows() -> list[list[str]]:
    rows = []
    for name, prefix in (("public_cases.csv", "P"), ("audit_cases.csv", "A"), ("federal_cases.csv", "F"),
                         ("state_cases.csv", "S")):
        for c in load_cases(name):
            rows.append([f"{prefix}-{c['case']}", f"Case {c['case']}", c["court"], c["event"], c["date"],
                         c["service"], "a@firm.com", c.get("lower_court", "")])
    return rows


def _random_rows(seed: int, today: date) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for n in range(120):
        court, event, service = rng.choice(EVENTS)
        day = today + timedelta(days=rng.randint(-60, 20))
        rows.append([f"R-{seed}-{n:03d}", f"Random {n}", court, event, day.isoformat(), service,
                     rng.choice(["a@firm.com", "b@firm.com"]), "nysd" if court == "ca9" else ""])
    return rows


def _by_deadline_from_preview(out: dict[str, Any]) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    return {(d["matter"], d["rule"]): (d["due"], tuple(sorted(f["kind"] for f in d["flags"])))
            for d in out["deadlines"]}


def _by_deadline_from_store(doc: dict[str, Any]) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    tables = doc["tables"]
    keys = {d["key"]: (d["matter"], d["rule"]) for d in tables["deadlines"]}
    kinds: dict[tuple[str, str], list[str]] = {mr: [] for mr in keys.values()}
    by_trigger: dict[str, list[tuple[str, str]]] = {}
    for key, mr in keys.items():
        matter, _rule, event, ref = key.split("|", 3)
        by_trigger.setdefault(f"{matter}|{event}|{ref}", []).append(mr)
    for f in tables["flags"]:
        # A deadline's own flags, and its trigger's (stored once per intake row, shown on each deadline);
        # matter-wide flags (no upcoming deadline, missing attorney) have no deadline to compare with.
        for mr in ([keys[f["scope"]]] if f["scope"] in keys else by_trigger.get(f["scope"], [])):
            kinds[mr].append(f["kind"])
    due = {keys[d["key"]]: d["due"] for d in tables["deadlines"]}
    return {mr: (due[mr], tuple(sorted(k))) for mr, k in kinds.items()}


def _docket(tmp_path: Path, today: date) -> tuple[Path, Path]:
    """The intake file (every worked case plus a random docket) and a config beside it."""
    rows = _worked_rows() + _random_rows(7, today)
    intake = tmp_path / "docket.csv"
    with intake.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEADER, *rows])
    cfg = tmp_path / "docketd.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    (tmp_path / "var" / "inbox").mkdir(parents=True)
    return intake, cfg


def _same(preview_out: str, exported_out: str) -> None:
    want = _by_deadline_from_preview(json.loads(preview_out))
    got = _by_deadline_from_store(json.loads(exported_out))
    assert len(want) > 500
    assert sorted(set(want) ^ set(got)) == []
    differ = {mr: (want[mr], got[mr]) for mr in want if want[mr] != got[mr]}
    assert differ == {}
    assert any("conflict" in kinds for _, kinds in got.values())  # the random docket did make conflicts


@pytest.mark.pinned_day  # re-run on each of tests/clock.HARD_DAYS by `make test`
def test_preview_and_sync_once_compute_the_same_deadlines_and_flags(tmp_path: Path) -> None:
    today = pinned_day()
    intake, cfg = _docket(tmp_path, today)
    preview = run_cli(cfg, "preview", str(intake), "--json", "--today", today.isoformat())
    assert preview.returncode == 0, preview.stderr[-2000:]
    (tmp_path / "var" / "inbox" / "docket.csv").write_bytes(intake.read_bytes())
    synced = run_cli(cfg, "sync", "--once", timeout=300)
    assert synced.returncode == 0, synced.stdout[-2000:] + synced.stderr[-2000:]
    exported = run_cli(cfg, "export")
    assert exported.returncode == 0, exported.stderr
    _same(preview.stdout, exported.stdout)


def test_preview_and_the_running_daemon_compute_the_same_deadlines_and_flags(tmp_path: Path) -> None:
    """`docketd run` watching its inbox stores what preview shows, deadline by deadline (on the pinned day;
    the hard days are covered through `sync --once` above, which runs the daemon's own Docket code)."""
    today = pinned_day()
    intake, cfg = _docket(tmp_path, today)
    preview = run_cli(cfg, "preview", str(intake), "--json", "--today", today.isoformat())
    assert preview.returncode == 0, preview.stderr[-2000:]
    d = daemon(cfg)
    d.start()
    try:
        (tmp_path / "docket.tmp").write_bytes(intake.read_bytes())
        (tmp_path / "docket.tmp").rename(tmp_path / "var" / "inbox" / "docket.csv")
        state = tmp_path / "var" / "state.db"
        # The file is stored, then the cross-matter flags it made stale are refreshed (kv cross_dirty).
        wait_until(lambda: count(state, "files", "status IN ('processed', 'partial')") == 1
                   and count(state, "kv", "key='cross_dirty' AND value='1'") == 0, timeout=300)
        exported = run_cli(cfg, "export")
    finally:
        clean_stop(d)
    assert exported.returncode == 0, exported.stderr
    _same(preview.stdout, exported.stdout)
