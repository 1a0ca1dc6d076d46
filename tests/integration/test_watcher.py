"""The inbox watcher against the real filesystem: inotify and polling observers, real threads."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.sources.watcher import InboxWatcher, is_candidate

CONTENT = b"matter,court,event,date\n" + b"2026-0142,federal,summons_served,2026-01-05\n" * 200


class Seen:
    """Collects on_ready calls with the file's bytes at that moment (to prove the file was complete)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bytes]] = []
        self.cond = threading.Condition()

    def __call__(self, path: Path) -> None:
        data = path.read_bytes()
        with self.cond:
            self.calls.append((path.name, data))
            self.cond.notify_all()

    def wait_for(self, count: int, timeout: float = 15.0) -> list[tuple[str, bytes]]:
        deadline = time.monotonic() + timeout
        with self.cond:
            while len(self.calls) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"expected {count} on_ready calls, saw {self.names}")
                self.cond.wait(left)
            return list(self.calls)

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.calls]


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    path = tmp_path / "var" / "inbox"
    path.mkdir(parents=True)
    return path


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture(params=[False, True], ids=["inotify", "polling"])
def watcher(request: pytest.FixtureRequest, inbox: Path, seen: Seen) -> Iterator[InboxWatcher]:
    w = InboxWatcher(inbox, seen, polling=request.param, settle_seconds=0.05, slow_settle_seconds=1.0,
                     writing_settle_seconds=5.0, poll_interval=0.1)
    w.start()
    yield w
    w.stop()


def _write_slowly(path: Path, data: bytes, chunks: int = 5, pause: float = 0.15) -> None:
    size = len(data) // chunks + 1
    with path.open("wb") as handle:
        for start in range(0, len(data), size):
            handle.write(data[start:start + size])
            handle.flush()
            time.sleep(pause)


def test_file_written_slowly_is_reported_once_and_complete(watcher: InboxWatcher, inbox: Path,
                                                           seen: Seen) -> None:
    _write_slowly(inbox / "intake.csv", CONTENT)
    (inbox / "marker.csv").write_bytes(b"x")  # reported after intake.csv has had every chance to repeat
    calls = seen.wait_for(2)
    by_name = {name: data for name, data in calls}
    assert by_name["intake.csv"] == CONTENT
    time.sleep(0.5)
    assert seen.names.count("intake.csv") == 1


def test_rename_from_part_file_reports_only_the_final_name(watcher: InboxWatcher, inbox: Path,
                                                           seen: Seen) -> None:
    part = inbox / "upload.csv.part"
    _write_slowly(part, CONTENT, chunks=3, pause=0.05)
    part.rename(inbox / "upload.csv")
    calls = seen.wait_for(1)
    assert calls[0] == ("upload.csv", CONTENT)


def test_file_moved_in_from_elsewhere_is_reported(watcher: InboxWatcher, inbox: Path, seen: Seen,
                                                  tmp_path: Path) -> None:
    outside = tmp_path / "desk" / "moved.csv"
    outside.parent.mkdir()
    outside.write_bytes(CONTENT)
    shutil.move(outside, inbox / "moved.csv")
    assert seen.wait_for(1)[0] == ("moved.csv", CONTENT)


def test_temp_and_lock_files_are_never_reported(watcher: InboxWatcher, inbox: Path, seen: Seen) -> None:
    for name in ("~$intake.xlsx", ".~lock.intake.xlsx#", ".hidden.csv", "x.tmp", "x.csv.crdownload",
                 ".intake.csv.swp", "x.part", "old.csv~"):
        (inbox / name).write_bytes(CONTENT)
    (inbox / "sub").mkdir()
    (inbox / "sub" / "nested.csv").write_bytes(CONTENT)
    (inbox / "real.csv").write_bytes(CONTENT)
    seen.wait_for(1)
    time.sleep(0.6)
    assert seen.names == ["real.csv"]


def test_same_name_dropped_again_after_it_was_moved_away_is_reported_again(
        watcher: InboxWatcher, inbox: Path, seen: Seen, tmp_path: Path) -> None:
    processed = tmp_path / "var" / "processed"
    processed.mkdir()
    (inbox / "a.csv").write_bytes(CONTENT)
    seen.wait_for(1)
    (inbox / "a.csv").rename(processed / "a.csv")
    time.sleep(0.3)  # let the observer see the move-away before the new drop
    (inbox / "a.csv").write_bytes(CONTENT + b"2026-0143,federal,summons_served,2026-01-06\n")
    calls = seen.wait_for(2)
    assert calls[1][1].endswith(b"2026-01-06\n")


def test_a_failing_callback_does_not_stop_the_watcher(inbox: Path, seen: Seen,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    def on_ready(path: Path) -> None:
        if path.name == "bad.csv":
            raise RuntimeError("pipeline bug")
        seen(path)

    with caplog.at_level(logging.ERROR), InboxWatcher(inbox, on_ready, settle_seconds=0.05) as w:
        assert w.inbox == inbox
        (inbox / "bad.csv").write_bytes(CONTENT)
        time.sleep(0.3)
        (inbox / "good.csv").write_bytes(CONTENT)
        seen.wait_for(1)
    assert seen.names == ["good.csv"]
    assert "bad.csv" in caplog.text


def test_stop_joins_every_thread_it_started(inbox: Path, seen: Seen) -> None:
    before = set(threading.enumerate())
    for polling in (False, True):
        w = InboxWatcher(inbox, seen, polling=polling, poll_interval=0.1)
        w.start()
        w.stop()
    assert set(threading.enumerate()) - before == set()


def test_scan_lists_candidates_oldest_first_and_skips_links(
        inbox: Path, tmp_path: Path, seen: Seen, caplog: pytest.LogCaptureFixture) -> None:
    for age, name in ((30, "newer.csv"), (60, "older.xlsx"), (10, "newest.json")):
        (inbox / name).write_bytes(CONTENT)
        stamp = time.time() - age
        os.utime(inbox / name, (stamp, stamp))
    (inbox / "~$older.xlsx").write_bytes(b"lock")
    (inbox / "folder").mkdir()
    secret = tmp_path / "secret.csv"
    secret.write_bytes(CONTENT)
    (inbox / "link-out.csv").symlink_to(secret)
    (inbox / "link-in.csv").symlink_to(inbox / "newer.csv")
    (inbox / "dangling.csv").symlink_to(tmp_path / "missing.csv")
    w = InboxWatcher(inbox, seen, exclude=[inbox / "newest.json"])
    with caplog.at_level(logging.WARNING):
        found = w.scan()
    names = [p.name for p in found]
    assert names[0] == "older.xlsx" and names.index("older.xlsx") < names.index("newer.csv")
    # No symbolic link is followed, not even one into the inbox (issue 18 B3: a link can be re-pointed
    # between any check and the open); each is named once in the log.
    assert sorted(names) == ["newer.csv", "older.xlsx"]
    assert "link-out.csv" in caplog.text and "link-in.csv" in caplog.text


def test_scan_of_a_missing_inbox_is_empty(tmp_path: Path, seen: Seen) -> None:
    assert InboxWatcher(tmp_path / "nope", seen).scan() == []


@pytest.mark.parametrize("name", ["intake.csv", "Intake 2026-01.xlsx", "rows.json", "notes.pdf", "README"])
def test_candidates(tmp_path: Path, name: str) -> None:
    assert is_candidate(tmp_path / name)


@pytest.mark.parametrize("name", ["~$intake.xlsx", ".~lock.intake.xlsx#", ".DS_Store", "a.tmp", "a.TMP",
                                  "a.part", "a.crdownload", "a.swp", "a.csv~", "#a.csv#",
                                  "a.csv.errors.txt", "intake.docketd-status.csv"])
def test_not_candidates(tmp_path: Path, name: str) -> None:
    assert not is_candidate(tmp_path / name)


def test_directories_are_not_candidates(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    assert not is_candidate(tmp_path / "dir.csv")


def test_periodic_rescan_finds_files_whose_events_were_lost(inbox: Path, seen: Seen) -> None:
    (inbox / "handled-by-caller.csv").write_bytes(CONTENT)
    w = InboxWatcher(inbox, seen, slow_settle_seconds=0.1, rescan_seconds=0.2)
    assert [p.name for p in w.scan()] == ["handled-by-caller.csv"]  # the caller's start-up scan
    (inbox / "missed.csv").write_bytes(CONTENT)  # written while nothing watched: no event will come
    with w:
        calls = seen.wait_for(1)
        time.sleep(0.6)  # several more rescans
    assert [name for name, _ in calls] == ["missed.csv"] and seen.names == ["missed.csv"]


def test_an_empty_file_moved_in_is_reported_so_it_can_be_rejected(watcher: InboxWatcher, inbox: Path,
                                                                  seen: Seen, tmp_path: Path) -> None:
    # An empty drop must reach the pipeline (which rejects it with a report), never sit unseen.
    elsewhere = Path("/dev/shm") if Path("/dev/shm").is_dir() else tmp_path
    src = Path(tempfile.mkdtemp(dir=elsewhere)) / "empty.csv"
    src.write_bytes(b"")
    shutil.move(str(src), str(inbox / "empty.csv"))
    assert seen.wait_for(1) == [("empty.csv", b"")]
    shutil.rmtree(src.parent, ignore_errors=True)


def test_a_file_renamed_in_from_another_folder_takes_the_fast_path(inbox: Path, tmp_path: Path, seen: Seen) -> None:
    """Issue 19 item 5: an unpaired IN_MOVED_TO is a complete file, not a creation to settle slowly.

    The slow and writing waits are an hour here: the file can only be reported through the fast path.
    """
    outside = tmp_path / "drafts"
    outside.mkdir()
    (outside / "intake.csv").write_bytes(CONTENT)
    w = InboxWatcher(inbox, seen, settle_seconds=0.05, slow_settle_seconds=3600, writing_settle_seconds=3600,
                     rescan_seconds=None)
    with w:
        os.rename(outside / "intake.csv", inbox / "intake.csv")
        assert seen.wait_for(1, timeout=30) == [("intake.csv", CONTENT)]


def test_the_watcher_knows_a_file_written_and_not_closed(inbox: Path, seen: Seen) -> None:
    """The fact the intake reader uses when the kernel cannot say who has a file open (issue 18 B1)."""
    w = InboxWatcher(inbox, seen, settle_seconds=0.05, slow_settle_seconds=3600, writing_settle_seconds=3600,
                     rescan_seconds=None)
    path = inbox / "slow.csv"
    with w:
        with path.open("wb") as writer:
            writer.write(CONTENT[:100])
            writer.flush()
            deadline = time.monotonic() + 15
            while not w.unclosed(path) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert w.unclosed(path)
        seen.wait_for(1)
        assert not w.unclosed(path)
        os.chmod(path, 0o600)  # an attribute change after the close (cp -p) is no write
        deadline = time.monotonic() + 15
        while path not in w._pending and time.monotonic() < deadline:  # the attribute event was handled
            time.sleep(0.02)
        assert path in w._pending and not w.unclosed(path)
