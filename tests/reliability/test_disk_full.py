"""A full disk under the state database: docketd stays up, says so, retries, and moves nothing it could
not record (issue 18, B9).

A real full file system: a 16 MB tmpfs mounted for the state database (root in the test sandbox; the
test is skipped where mounting is not allowed), then filled with a filler file to the last byte.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config
from tests.reliability.helpers import HEADER, clean_stop, intake_row, run_cli, spread_day, write_atomically


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "statefs"
    mnt.mkdir()
    out = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(mnt)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {out.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def _fill(disk: Path) -> Path:
    """Write a filler file until the file system has no byte left."""
    filler = disk / "filler.bin"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        for size in (65536, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)
    return filler


def _statuses(d: DaemonProcess) -> list[str]:
    with d._lock:
        return [n for n in d.notifications if "STATUS=" in n]


def test_a_full_disk_keeps_the_daemon_up_and_the_file_waiting(tmp_path: Path, small_disk: Path) -> None:
    cfg = write_config(tmp_path, verify_minutes=0)
    text = cfg.read_text().replace('state = "var/state.db"', f'state = "{small_disk}/state.db"')
    cfg.write_text(text, encoding="utf-8")
    var = tmp_path / "var"
    d = DaemonProcess(cfg, tmp_path, env={"PYTHONFAULTHANDLER": "1"})
    try:
        d.start()
        write_atomically(var / "inbox" / "first.csv", HEADER + intake_row("2026-0001", spread_day(1)))
        wait_until(lambda: (var / "processed" / "first.csv").exists(), what="a drop before the disk fills")
        filler = _fill(small_disk)
        big = HEADER + "".join(intake_row(f"2026-{n:04d}", spread_day(n)) for n in range(100, 400))
        write_atomically(var / "inbox" / "big.csv", big)
        wait_until(lambda: any("disk is" in s for s in _statuses(d)), timeout=60,
                   what="STATUS= saying the disk is full")
        assert d.proc is not None and d.proc.poll() is None, d.log[-4000:]
        # The file waits in the inbox: not moved to processed/ nor rejected/, since nothing was recorded.
        assert (var / "inbox" / "big.csv").exists()
        assert not list((var / "rejected").glob("big*")) and not (var / "processed" / "big.csv").exists()
        status = run_cli(cfg, "status")
        assert status.returncode == 0, status.stderr
        assert "is full" in status.stdout and "wait in the inbox" in status.stdout, status.stdout
        filler.unlink()  # space comes back: docketd retries on its own
        wait_until(lambda: (var / "processed" / "big.csv").exists(), timeout=60,
                   what="the waiting file processed after space came back")
        wait_until(lambda: "disk is" not in _statuses(d)[-1], timeout=30, what="STATUS= to clear")
        assert d.proc.poll() is None
        clean_stop(d)
    finally:
        d.close()
    assert not list((var / "rejected").iterdir())
    assert "Traceback" not in d.log
