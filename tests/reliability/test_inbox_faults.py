"""Intake folder faults: 1,000 files at once, slow writers, renames, and kill -9 mid-ingest."""

from __future__ import annotations

import os
import random
import re
import shutil
import threading
import time
from pathlib import Path

from tests.e2e.daemon_proc import wait_until
from tests.reliability.helpers import (
    clean_stop,
    count,
    daemon,
    db_rows,
    intake_csv,
    plain_config,
    spawn,
    write_atomically,
)


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) if folder.exists() else []


def _assert_each_once(var: Path, expected: list[str]) -> None:
    """Every file processed once: in processed/ under its own name, one files row, one trigger each."""
    state = var / "state.db"
    assert _names(var / "inbox") == []
    assert _names(var / "rejected") == []
    assert _names(var / "processed") == sorted(expected)  # no "name.1.csv": nothing moved twice
    assert count(state, "files") == len(expected)
    assert count(state, "files", "status='processed'") == len(expected)
    assert count(state, "triggers") == len(expected)
    assert count(state, "matters") == len(expected)


def test_a_thousand_files_dropped_at_once(tmp_path: Path) -> None:
    cfg = plain_config(tmp_path)
    var = tmp_path / "var"
    staging = tmp_path / "staging"
    staging.mkdir()
    names = [f"intake-{i:04d}.csv" for i in range(1000)]
    for i, name in enumerate(names):
        (staging / name).write_text(intake_csv([f"2026-{i:04d}"], first=i), encoding="utf-8")
    d = daemon(cfg)
    try:
        d.start()
        for name in names:  # renamed in as fast as the file system allows: "dropped at once"
            os.replace(staging / name, var / "inbox" / name)
        wait_until(lambda: count(var / "state.db", "files") >= 1000 and not _names(var / "inbox"),
                   timeout=240, interval=0.5, what="1,000 files processed")
        clean_stop(d)
    finally:
        d.close()
    _assert_each_once(var, names)
    assert "Traceback" not in d.log


def _write_slowly(path: Path, text: str, pieces: int = 5, pause: float = 0.3) -> None:
    step = max(1, len(text) // pieces)
    with path.open("w", encoding="utf-8") as f:
        for i in range(0, len(text), step):
            f.write(text[i:i + step])
            f.flush()
            time.sleep(pause)


def test_slow_writers_and_renames_into_place(tmp_path: Path) -> None:
    cfg = plain_config(tmp_path)
    var = tmp_path / "var"
    inbox = var / "inbox"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    big = [f"2026-{i:04d}" for i in range(300)]  # 300 rows written in slow pieces
    d = daemon(cfg)
    try:
        d.start()
        writers = [
            threading.Thread(target=_write_slowly, args=(inbox / "slow.csv", intake_csv(big))),
            threading.Thread(target=_write_slowly,
                             args=(inbox / "slow-2.csv", intake_csv(["2027-0001"]), 3, 0.6)),
        ]
        for w in writers:
            w.start()
        # An editor's way: write a hidden temp file, then rename it into place.
        write_atomically(inbox / "renamed.csv", intake_csv(["2027-0002"]))
        # A download's way: "name.csv.part" grows, then is renamed to its final name.
        part = inbox / "download.csv.part"
        _write_slowly(part, intake_csv(["2027-0003", "2027-0004"]), 3, 0.2)
        os.replace(part, inbox / "download.csv")
        # A user's way: saved elsewhere, then moved into the folder.
        (outside / "moved.csv").write_text(intake_csv(["2027-0005"]), encoding="utf-8")
        shutil.move(str(outside / "moved.csv"), str(inbox / "moved.csv"))
        for w in writers:
            w.join()
        wait_until(lambda: len(_names(var / "processed")) == 5 and not _names(inbox), timeout=60,
                   what="five files processed")
        time.sleep(1.5)  # any late second report of the same file would show up now
        clean_stop(d)
    finally:
        d.close()
    state = var / "state.db"
    assert _names(var / "processed") == ["download.csv", "moved.csv", "renamed.csv", "slow-2.csv", "slow.csv"]
    assert _names(var / "rejected") == []
    assert count(state, "files") == 5
    assert db_rows(state, "SELECT rows, errors FROM files WHERE name='slow.csv'") == [(300, 0)]  # read whole
    assert count(state, "triggers") == 300 + 5
    assert len(re.findall(r"slow\.csv: processed", d.log)) == 1


def test_kill_9_mid_ingest_then_restart_processes_each_file_once(tmp_path: Path) -> None:
    cfg = plain_config(tmp_path)
    var = tmp_path / "var"
    rounds, per_round = 8, 150
    names = [f"batch-{i:03d}.csv" for i in range(rounds * per_round)]
    rng = random.Random(7)
    busy_kills = 0
    d = daemon(cfg)
    try:
        for r in range(rounds):
            # Fresh files before every start, so each kill lands in the start-up scan or mid-ingest.
            for i in range(r * per_round, (r + 1) * per_round):
                text = intake_csv([f"2026-{i:04d}", f"2026-{i:04d}-b"], first=2 * i)
                write_atomically(var / "inbox" / names[i], text)
            spawn(d)
            time.sleep(rng.uniform(0.3, 1.0))  # start-up takes ~0.6 s; then files are being ingested
            busy_kills += bool(_names(var / "inbox"))
            d.kill()
        d.start()
        wait_until(lambda: count(var / "state.db", "files") >= len(names) and not _names(var / "inbox"),
                   timeout=120, what="every file processed after the restarts")
        clean_stop(d)
    finally:
        d.close()
    assert busy_kills >= 3  # at least three kills with files still waiting or half-done
    state = var / "state.db"
    assert _names(var / "processed") == sorted(names)
    assert count(state, "files") == len(names) and count(state, "triggers") == 2 * len(names)
    # A file committed just before a kill but not yet moved is moved on restart, never re-applied.
    for name in names:
        assert len(re.findall(rf"{re.escape(name)}: processed", d.log)) <= 1, name
    print(f"kill-9 ingest: {rounds} kills, {busy_kills} mid-work, {len(names)} files, "
          f"{d.log.count(': duplicate')} committed-but-unmoved files moved on restart")


def test_committed_but_not_moved_is_moved_not_reapplied(tmp_path: Path) -> None:
    """The state an unclean stop leaves between the commit and the move: the file is back in the inbox."""
    cfg = plain_config(tmp_path)
    var = tmp_path / "var"
    (var / "inbox" / "a.csv").write_text(intake_csv(["2026-0001", "2026-0002"]), encoding="utf-8")
    (var / "inbox" / "b.csv").write_text(intake_csv(["2026-0003"]), encoding="utf-8")
    d = daemon(cfg)
    try:
        d.start()
        wait_until(lambda: len(_names(var / "processed")) == 2, what="both files processed")
        clean_stop(d)
        stamps = db_rows(var / "state.db", "SELECT matter, updated_at FROM triggers ORDER BY matter")
        # Half-moved: a.csv committed but back in the inbox; c.csv never seen (dropped while down).
        os.replace(var / "processed" / "a.csv", var / "inbox" / "a.csv")
        (var / "inbox" / "c.csv").write_text(intake_csv(["2026-0004"]), encoding="utf-8")
        time.sleep(1.1)  # so a re-applied row would carry a later updated_at stamp
        d.start()
        wait_until(lambda: not _names(var / "inbox"), what="the inbox emptied after restart")
        clean_stop(d)
    finally:
        d.close()
    state = var / "state.db"
    assert _names(var / "processed") == ["a.csv", "b.csv", "c.csv"]
    after = db_rows(state, "SELECT matter, updated_at FROM triggers WHERE matter != '2026-0004' "
                           "ORDER BY matter")
    assert after == stamps  # a.csv's rows were not applied a second time
    assert count(state, "triggers") == 4 and count(state, "files") == 3
    assert "a.csv: duplicate" in d.log
