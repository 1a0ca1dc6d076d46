"""Issue 18 B1, B2, B3 and the unreadable-file finding: what docketd reads is exactly what it records and moves.

The races are driven at the exact moment through Python audit hooks (`sys.addaudithook`): the hook
runs just before docketd's own open() or rename() reaches the kernel, and there it does what a
person or a hostile program would do at that instant (rename another file over the path, re-point a
symbolic link). Nothing of docketd's is replaced; the file system really changes under it.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.settings.config import parse_config
from daemon.sources.inbox import ingest_file
from daemon.state.store import Store

NOW = datetime(2026, 1, 6, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
HEADER = "matter,court,event,date\n"
RULES = load_rulebook()

_HOOK: list[Callable[[str, tuple[Any, ...]], None]] = []


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _HOOK and event in ("open", "os.rename"):
        _HOOK[0](event, args)


sys.addaudithook(_audit)  # audit hooks cannot be removed; it is inert while _HOOK is empty


@pytest.fixture
def on_event() -> Iterator[Callable[[Callable[[str, tuple[Any, ...]], None]], None]]:
    def install(fn: Callable[[str, tuple[Any, ...]], None]) -> None:
        _HOOK[:] = [fn]

    yield install
    _HOOK.clear()


def _path_of(arg: object) -> str:
    return os.fsdecode(arg) if isinstance(arg, str | bytes | os.PathLike) else ""


@pytest.fixture
def docket(tmp_path: Path) -> Iterator[Docket]:
    raw = {"daemon": {"inbox": str(tmp_path / "var" / "inbox"), "state": str(tmp_path / "var" / "state.db")}}
    config = parse_config(raw, tmp_path / "docketd.toml", tmp_path)
    config.inbox.mkdir(parents=True)
    store = Store(config.state)
    yield Docket(config, store, RULES)
    store.close()


def _csv(matter: str, day: str = "2026-01-05") -> bytes:
    return f"{HEADER}{matter},federal,summons_served,{day}\n".encode()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _files(d: Docket) -> dict[str, str]:
    return {r[0]: r[1] for r in d.store.db.execute("SELECT checksum, status FROM files")}


def _matters(d: Docket) -> set[str]:
    return {r[0] for r in d.store.db.execute("SELECT DISTINCT matter FROM triggers")}


def test_b2a_a_file_renamed_over_between_checksum_and_parse(docket: Docket, tmp_path: Path, on_event: Any) -> None:
    path = docket.config.inbox / "intake.csv"
    old, new = _csv("2026-0001"), _csv("2026-0002")
    path.write_bytes(old)
    staged = tmp_path / "staged.csv"
    staged.write_bytes(new)
    opens = []

    def swap_on_second_open(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and _path_of(args[0]) == str(path):
            opens.append(1)
            if len(opens) == 2:
                os.replace(staged, path)

    on_event(swap_on_second_open)
    report = ingest_file(docket, path, NOW)
    on_event(lambda e, a: None)
    # Whatever was read is what was recorded: the new file's rows under the new file's checksum.
    assert report.status == "processed"
    assert _matters(docket) == {"2026-0002"}
    assert _files(docket) == {_sha(new): "processed"}
    # The old file dropped again is read, not skipped as a duplicate.
    path.write_bytes(old)
    assert ingest_file(docket, path, NOW).status == "processed"
    assert _matters(docket) == {"2026-0001", "2026-0002"}


def test_b2b_a_file_replaced_after_the_read_is_read_as_the_new_file(docket: Docket, tmp_path: Path,
                                                                  on_event: Any) -> None:
    path = docket.config.inbox / "intake.csv"
    path.write_bytes(_csv("2026-0001"))
    staged = tmp_path / "staged.csv"
    staged.write_bytes(_csv("2026-0002"))

    def replace_just_before_the_move(event: str, args: tuple[Any, ...]) -> None:
        if event == "os.rename" and _path_of(args[0]) == str(path) and staged.exists():
            os.replace(staged, path)

    on_event(replace_just_before_the_move)
    ingest_file(docket, path, NOW)
    on_event(lambda e, a: None)
    assert _matters(docket) == {"2026-0001"}
    # The replacement was not moved away unread: it waits in the inbox and is read as the file it is.
    assert path.read_bytes() == _csv("2026-0002")
    assert not any(p.read_bytes() == _csv("2026-0002") for p in docket.config.processed_dir.glob("*"))
    assert ingest_file(docket, path, NOW).status == "processed"
    assert _matters(docket) == {"2026-0001", "2026-0002"}
    assert not path.exists()


def test_b1_a_file_open_for_writing_is_not_read(docket: Docket) -> None:
    path = docket.config.inbox / "slow.csv"
    with path.open("wb") as writer:
        writer.write(f"{HEADER}2026-0001,federal,summons_served,2026-11-1".encode())
        writer.flush()
        report = ingest_file(docket, path, NOW)
        assert report.status == "waiting" and path.exists()
        assert _files(docket) == {} and _matters(docket) == set()
        writer.write(b"6\n2026-0002,federal,summons_served,2026-11-17\n")
    report = ingest_file(docket, path, NOW)
    assert report.status == "processed" and report.rows == 2
    dates = {r[0] for r in docket.store.db.execute("SELECT json_extract(payload, '$.date') FROM triggers")}
    assert dates == {"2026-11-16", "2026-11-17"}
    moved = docket.config.processed_dir / "slow.csv"
    assert _files(docket) == {_sha(moved.read_bytes()): "processed"}  # the bytes read are the bytes moved


def test_b3_a_symlink_re_pointed_at_a_secret_is_never_read(docket: Docket, tmp_path: Path, on_event: Any) -> None:
    inbox = docket.config.inbox
    (inbox / ".harmless").write_text("nothing here\n", encoding="utf-8")
    secret = tmp_path / "secret.env"
    secret.write_text("DB_PASSWORD=hunter2\n", encoding="utf-8")
    secret.chmod(0o600)
    link = inbox / "evil2.csv"
    link.symlink_to(inbox / ".harmless")

    def repoint(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and _path_of(args[0]) in (str(link), str(inbox / ".harmless")):
            staged = inbox / ".evil-next"
            staged.symlink_to(secret)
            os.replace(staged, link)
            on_event(lambda e, a: None)

    on_event(repoint)
    report = ingest_file(docket, link, NOW)
    assert report.status == "skipped"
    for folder in (docket.config.rejected_dir, docket.config.processed_dir):
        for p in folder.glob("*") if folder.exists() else []:
            assert "hunter2" not in p.read_text(errors="replace")
    assert "hunter2" not in "\n".join(docket.store.db.iterdump())
    assert link.is_symlink() and secret.read_text() == "DB_PASSWORD=hunter2\n"  # left alone


def test_b3_error_reports_quote_no_header_of_an_unreadable_file_and_are_0640(docket: Docket) -> None:
    path = docket.config.inbox / "notes.csv"
    path.write_text("DB_PASSWORD=hunter2,API_KEY=sk-live-123\nfoo,bar\n", encoding="utf-8")
    report = ingest_file(docket, path, NOW)
    assert report.status == "rejected" and report.moved_to is not None
    errors = report.moved_to.parent / f"{report.moved_to.name}.errors.txt"
    text = errors.read_text(encoding="utf-8")
    assert "hunter2" not in text and "sk-live" not in text
    assert "matter" in text  # it still says which columns an intake file needs
    assert stat.S_IMODE(errors.stat().st_mode) == 0o640


# -- the daemon as a real subprocess ---------------------------------------------------------------------


def _sql(state: Path, query: str) -> list[tuple[Any, ...]]:
    import sqlite3

    con = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=30)
    try:
        return [tuple(r) for r in con.execute(query)]
    finally:
        con.close()


def test_b1_a_stalled_writer_is_waited_for_not_read_at_the_safety_net(tmp_path: Path) -> None:
    """The writer stalls mid-line past the 10 s safety net: docketd waits, then reads the whole file."""
    from tests.e2e.daemon_proc import wait_until
    from tests.reliability.helpers import clean_stop, count, daemon, plain_config

    cfg = plain_config(tmp_path)
    var = tmp_path / "var"
    d = daemon(cfg)
    try:
        d.start()
        with (var / "inbox" / "slow.csv").open("wb") as writer:
            writer.write(f"{HEADER}2026-0001,federal,summons_served,2026-11-02\n"
                         "2026-0002,federal,summons_served,2026-11-1".encode())
            writer.flush()
            wait_until(lambda: "Waiting for slow.csv" in d.log or count(var / "state.db", "files") > 0,
                       timeout=60, what="the safety net to look at the open file")
            writer.write(b"6\n2026-0003,federal,summons_served,2026-11-17\n")
        wait_until(lambda: count(var / "state.db", "files", "moved_to IS NOT NULL") == 1, timeout=60,
                   what="the finished file processed")
        clean_stop(d)
    finally:
        d.close()
    state = var / "state.db"
    rows = _sql(state, "SELECT matter, json_extract(payload, '$.date') FROM triggers ORDER BY matter")
    assert rows == [("2026-0001", "2026-11-02"), ("2026-0002", "2026-11-16"), ("2026-0003", "2026-11-17")]
    moved = var / "processed" / "slow.csv"
    assert _sql(state, "SELECT checksum FROM files") == [(_sha(moved.read_bytes()),)]


def test_an_unreadable_file_is_rejected_with_a_report_and_recorded(tmp_path: Path) -> None:
    """A mode-000 drop once logged "will retry" three times and was never recorded as rejected."""
    import shutil
    import subprocess

    from tests.e2e.daemon_proc import wait_until
    from tests.reliability.helpers import clean_stop, daemon, plain_config

    prefix: list[str] = []
    if os.geteuid() == 0:  # root reads mode-000 files: run the daemon without the override capabilities
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv(1), so a mode-000 file stays readable")
        prefix = ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]
    cfg = plain_config(tmp_path)
    var = tmp_path / "var"
    staged = tmp_path / "locked.csv"
    staged.write_bytes(_csv("2026-0001"))
    staged.chmod(0)
    d = daemon(cfg)
    try:
        env = dict(os.environ, NOTIFY_SOCKET=d.sock_path, PYTHONUNBUFFERED="1", **d.env)
        d._log = d.log_path.open("ab")
        d.proc = subprocess.Popen([*prefix, sys.executable, "-m", "daemon.cli", "--config", str(cfg), "run"],
                                  cwd=tmp_path, env=env, stdout=d._log, stderr=subprocess.STDOUT)
        d.wait_notify("READY=1", 60)
        os.rename(staged, var / "inbox" / "locked.csv")
        wait_until(lambda: (var / "rejected" / "locked.csv.errors.txt").exists(), timeout=60,
                   what="the unreadable file set aside")
        clean_stop(d)
    finally:
        d.close()
    rows = _sql(var / "state.db", "SELECT name, status, moved_to FROM files")
    assert rows == [("locked.csv", "rejected", str(var / "rejected" / "locked.csv"))]
    report = var / "rejected" / "locked.csv.errors.txt"
    assert "permission denied (mode 000" in report.read_text(encoding="utf-8")
    assert "chmod 644" in report.read_text(encoding="utf-8")
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    assert not (var / "inbox" / "locked.csv").exists()
