"""Bad and hostile intake: each file is rejected with a clear sentence, and the daemon stays up."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daemon.intake import EXTENSIONS, IntakeResult, read_intake
from tests.e2e.daemon_proc import wait_until
from tests.reliability.helpers import HEADER, clean_stop, count, daemon, intake_row, plain_config, spread_day
from tests.reliability.hostile_files import good_xlsx, hostile_files

# What each hostile class must be told (a sentence naming the problem and the fix).
EXPECTED = {
    "random.csv": "not a text (CSV) file",
    "random.xlsx": "not a readable Excel workbook",
    "truncated.xlsx": "not a readable Excel workbook",
    "bomb.xlsx": "a ratio no real spreadsheet has",
    "nested.json": "nested more than",
    "nested.yaml": "nested more than",
    "laughs.yaml": "aliases",
    "python-tag.yaml": "not valid YAML",
    "nul.csv": "not a text (CSV) file",
    "huge-rows.csv": "more than 100,000 data rows",
    "empty.json": "empty",
    "not-a-list.json": "must be a list of rows",
    "oversize.json": "more than the 64 MB",
}
ACCEPTED = {"bom-utf16.csv": 1, "bom-utf8.csv": 1, "mixed-encoding.csv": 2}
PWNED = Path("/tmp/docketd-pwned")


def _sentences(result: IntakeResult) -> list[str]:
    messages = [e.message for e in result.errors]
    for m in messages:
        assert m[:1].isupper() or m[:1] in "'\"", m
        assert m.rstrip().endswith((".", ")")), m
    return messages


def test_every_hostile_class_is_refused_with_a_sentence(tmp_path: Path) -> None:
    files = hostile_files(tmp_path / "in")
    for name, needle in EXPECTED.items():
        result = read_intake(files[name])
        assert not result.triggers, name
        assert any(needle in m for m in _sentences(result)), (name, result.errors)
    for name, rows in ACCEPTED.items():
        result = read_intake(files[name])
        assert len(result.triggers) == rows and not result.errors, (name, result.errors)
    # Formulas are text, never evaluated: a formula in the date column is a bad date, others stay literal.
    result = read_intake(files["formulas.csv"])
    assert any("'=TODAY()' is not a date" in m for m in _sentences(result))
    assert "=cmd|' /C calc'!A0" in {t.title for t in result.triggers}
    assert not PWNED.exists()


def _seeds() -> dict[str, bytes]:
    row = intake_row("2026-0001", spread_day(1))
    return {".csv": (HEADER + row).encode(), ".tsv": (HEADER + row).replace(",", "\t").encode(),
            ".json": b'[{"matter": "2026-0001", "court": "federal", "event": "summons_served", '
                     b'"date": "2026-05-01"}]',
            ".yaml": b"- matter: 2026-0001\n  court: federal\n  event: summons_served\n  date: 2026-05-01\n",
            ".xlsx": good_xlsx()}


SEEDS = _seeds()


def _check(path: Path) -> None:
    result = read_intake(path)  # never raises for content; only IntakeError for I/O
    assert isinstance(result, IntakeResult)
    _sentences(result)
    for t in result.triggers:
        assert t.matter and t.event


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096), ext=st.sampled_from([e for e in EXTENSIONS if e != ".xlsm"]))
def test_fuzz_random_bytes_in_every_format(tmp_path: Path, data: bytes, ext: str) -> None:
    path = tmp_path / f"fuzz{ext}"
    path.write_bytes(data)
    _check(path)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ext=st.sampled_from(sorted(SEEDS)),
       cuts=st.lists(st.tuples(st.integers(0, 10**6), st.binary(max_size=8)), min_size=1, max_size=6),
       truncate=st.one_of(st.none(), st.integers(0, 10**6)))
def test_fuzz_mutated_valid_files(tmp_path: Path, ext: str, cuts: list[tuple[int, bytes]],
                                  truncate: int | None) -> None:
    data = bytearray(SEEDS[ext])
    for pos, junk in cuts:
        at = pos % (len(data) + 1)
        data[at:at + len(junk)] = junk
    if truncate is not None:
        data = data[: truncate % (len(data) + 1)]
    path = tmp_path / f"mutant{ext}"
    path.write_bytes(bytes(data))
    _check(path)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cells=st.lists(st.text(max_size=40), min_size=9, max_size=9))
def test_fuzz_any_text_in_any_cell(tmp_path: Path, cells: list[str]) -> None:
    import csv

    buf = io.StringIO()
    csv.writer(buf).writerows([HEADER.strip().split(","), cells])
    for enc in ("utf-8", "utf-16", "latin-1"):
        path = tmp_path / "cells.csv"
        try:
            path.write_bytes(buf.getvalue().encode(enc))
        except UnicodeEncodeError:
            continue
        _check(path)


@pytest.mark.slow
def test_daemon_rejects_hostile_drops_and_keeps_working(tmp_path: Path) -> None:
    cfg = plain_config(tmp_path)
    var = tmp_path / "var"
    staging = tmp_path / "staging"
    files = hostile_files(staging)
    d = daemon(cfg)
    try:
        d.start()
        for name in files:
            if name == "empty.json":
                # Written in place (created and closed). Renamed in from outside, an empty file is seen
                # only as "created" and waits for a close event that never comes: reported as a finding
                # in docs/reliability.md; the start-up scan picks it up.
                (var / "inbox" / name).write_bytes(b"")
                continue
            os.replace(staging / name, var / "inbox" / name)
        wait_until(lambda: not [p for p in (var / "inbox").iterdir()], timeout=90, interval=0.2,
                   what="every hostile file set aside")
        good = HEADER + intake_row("2026-0777", spread_day(7))
        (var / "inbox" / "good.csv").write_text(good, encoding="utf-8")
        wait_until(lambda: (var / "processed" / "good.csv").exists(),
                   what="a good file after the hostile ones")
        assert d.proc is not None and d.proc.poll() is None
        clean_stop(d)
    finally:
        d.close()
    rejected = {p.name for p in (var / "rejected").iterdir()}
    for name in EXPECTED:
        assert name in rejected and f"{name}.errors.txt" in rejected, name
        report = (var / "rejected" / f"{name}.errors.txt").read_text(encoding="utf-8")
        assert EXPECTED[name] in report and name in report, (name, report)
    for name in ACCEPTED:
        assert (var / "processed" / name).exists(), name
    assert "Traceback" not in d.log
    assert count(var / "state.db", "matters", "matter='2026-0777'") == 1
    assert not PWNED.exists()
