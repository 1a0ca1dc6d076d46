"""Reading one dropped file safely: one descriptor, no symbolic links, no writer, same bytes at the move.

- The file is opened once with O_NOFOLLOW and checked through that descriptor (fstat), never
  through the path again: a link re-pointed between a check and the open cannot lead anywhere.
  Symbolic links in the inbox are never read (copy the file in instead).
- A file some program still holds open for writing is not read. On a local file system the kernel
  says so exactly: a read lease (fcntl F_SETLEASE, F_RDLCK) is refused while any process has the
  file open for writing. Where a lease cannot be taken (another owner without CAP_LEASE, a file
  system without leases) /proc/*/fd is searched for a writer; on a network share a remote writer is
  invisible to both, so there the file must have kept its size and mtime (the watcher's settle wait),
  and a CSV whose last line has no line end must stay unchanged for `quiet_seconds` more.
- The checksum and the rows come from the same bytes. Before the rows are committed and before the
  file is moved, the path must still hold those bytes (same inode, same sha256); after the move, the
  moved file must be the one read, else it is put back to be read as the new file it is.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import signal
import stat
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from daemon.intake.limits import MAX_FILE_BYTES

NONE, WRITING, UNKNOWN = "none", "writing", "unknown"
TEXT_SUFFIXES = (".csv", ".tsv", ".txt")
NETWORK_FS = ("nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "fuse.sshfs",
              "fuse.glusterfs", "fuse.rclone", "davfs", "fuse.davfs2", "lustre", "gpfs")


class NotReady(Exception):
    """The file is still being written or changed while read; try again later. The message says why."""


class NotIntake(Exception):
    """The path is not a regular file docketd may read (a symbolic link, a FIFO, a device)."""


@dataclass(frozen=True)
class Snapshot:
    """The bytes of one dropped file as read through one descriptor, and which file they came from."""

    path: Path
    data: bytes
    checksum: str
    dev: int
    ino: int
    size: int
    too_large: bool = False


def _open(path: Path) -> int:
    try:
        return os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise NotIntake(f"{path.name} is a symbolic link; docketd does not follow links in the inbox. "
                            "Copy the file into the inbox instead.") from None
        raise


def _read_all(fd: int, limit: int) -> bytes:
    chunks = []
    total = 0
    while total <= limit:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _lease_state(fd: int) -> str:
    # A lease break (someone opening the file for writing while we hold the lease for these few
    # microseconds) is announced with SIGIO, whose default action ends the process: it must be ignored.
    if not hasattr(fcntl, "F_SETLEASE"):  # not Linux
        return UNKNOWN
    if signal.getsignal(signal.SIGIO) == signal.SIG_DFL:
        if threading.current_thread() is not threading.main_thread():
            return UNKNOWN
        signal.signal(signal.SIGIO, signal.SIG_IGN)
    try:
        fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_RDLCK)
    except OSError as exc:
        return WRITING if exc.errno in (errno.EAGAIN, errno.EBUSY) else UNKNOWN
    fcntl.fcntl(fd, fcntl.F_SETLEASE, fcntl.F_UNLCK)
    return NONE


def _proc_complete() -> bool:
    """True if this process sees every process's descriptors in /proc (root, and no hidepid=)."""
    if os.geteuid() != 0:
        return False
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                if left.split()[4:5] == ["/proc"] and "hidepid=" in right:
                    return all(opt in ("hidepid=0", "hidepid=off") for opt in right.split()[-1].split(",")
                               if opt.startswith("hidepid="))
    except (OSError, IndexError):
        return False
    return True


def _proc_state(st: os.stat_result) -> str:
    """Search /proc/*/fd for a descriptor of this file open for writing; UNKNOWN if some may be hidden."""
    hidden = not _proc_complete()  # other users' processes may be invisible (ProtectProc=, hidepid=)
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit()]
    except OSError:
        return UNKNOWN
    for pid in pids:
        try:
            fds = os.listdir(f"/proc/{pid}/fd")
        except PermissionError:
            hidden = True
            continue
        except OSError:
            continue
        for fd in fds:
            try:
                s = os.stat(f"/proc/{pid}/fd/{fd}")
                if (s.st_dev, s.st_ino) != (st.st_dev, st.st_ino):
                    continue
                with open(f"/proc/{pid}/fdinfo/{fd}", encoding="ascii") as info:
                    flags = next(int(line.split()[1], 8) for line in info if line.startswith("flags:"))
            except (OSError, StopIteration, ValueError):
                continue
            if flags & os.O_ACCMODE in (os.O_WRONLY, os.O_RDWR):
                return WRITING
    return UNKNOWN if hidden else NONE


_FS_CACHE: dict[int, str] = {}


def fs_type(path: Path, dev: int) -> str:
    """The file system type of the mount holding `path` (from /proc/self/mountinfo), '' if unknown."""
    if dev in _FS_CACHE:
        return _FS_CACHE[dev]
    best, kind = "", ""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                mount = left.split()[4].replace("\\040", " ")
                target = os.path.abspath(path)
                if (target == mount or target.startswith(mount.rstrip("/") + "/")) and len(mount) > len(best):
                    best, kind = mount, right.split()[0]
    except (OSError, IndexError):
        return ""
    _FS_CACHE[dev] = kind
    return kind


def writer_state(fd: int, st: os.stat_result, path: Path) -> str:
    """NONE when no process has the file open for writing, WRITING when one has, else UNKNOWN."""
    if fs_type(path, st.st_dev) in NETWORK_FS:
        return UNKNOWN  # the writer may be another machine: only the settle wait can tell
    state = _lease_state(fd)
    return _proc_state(st) if state == UNKNOWN else state


_SEEN: dict[Path, tuple[tuple[int, int, int], float]] = {}


def hold_reason(name: str, state: str, *, unclosed: bool, mid_line: bool, quiet_for: float,
                quiet_seconds: float, lost_close_seconds: float) -> str | None:
    """Why a file must not be read yet, or None. Pure: the facts come from take_snapshot.

    state: what the kernel says about writers (NONE / WRITING / UNKNOWN). unclosed: the watcher saw
    the file modified and no close since (a writer may hold it, or the close event was lost).
    mid_line: a text file whose last line has no line end. quiet_for: seconds it has stayed unchanged.
    """
    if state == WRITING:
        return f"{name} is still open for writing by another program; it is read once closed."
    if state == NONE:
        return None
    if unclosed and quiet_for < lost_close_seconds:
        return (f"{name} was changed and not closed since, and docketd cannot ask the system who has it "
                f"open; it is read once closed (or after {lost_close_seconds:g} s without a change).")
    if mid_line and quiet_for < quiet_seconds:
        return (f"{name} ends in the middle of a line and may still be growing; it is read once it has "
                f"stayed unchanged for {quiet_seconds:g} s.")
    return None


def take_snapshot(path: Path, *, quiet_seconds: float = 10.0, unclosed: bool = False,
                  lost_close_seconds: float = 600.0) -> Snapshot:
    """Read the file at `path` through one descriptor; NotReady if it may still be being written."""
    fd = _open(path)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise NotIntake(f"{path.name} is not a regular file; drop a file (CSV, XLSX, JSON, YAML).")
        state = writer_state(fd, st, path)
        if state == WRITING:
            raise NotReady(f"{path.name} is still open for writing by another program; it is read once closed.")
        data = _read_all(fd, MAX_FILE_BYTES)
        after = os.fstat(fd)
    finally:
        os.close(fd)
    if (st.st_size, st.st_mtime_ns) != (after.st_size, after.st_mtime_ns):
        raise NotReady(f"{path.name} changed while it was read; it is read again once it stays unchanged.")
    # How long the file has been exactly so, on this machine's monotonic clock (a share's mtimes come
    # from another machine's clock).
    signature = (after.st_size, after.st_mtime_ns, after.st_ino)
    first = _SEEN.get(path)
    if first is None or first[0] != signature:
        if len(_SEEN) > 10_000:  # files that vanished while waiting: forget them all, at worst a new wait
            _SEEN.clear()
        first = _SEEN[path] = (signature, time.monotonic())
    mid_line = path.suffix.lower() in TEXT_SUFFIXES and bool(data) and not data.endswith((b"\n", b"\r"))
    reason = hold_reason(path.name, state, unclosed=unclosed, mid_line=mid_line,
                         quiet_for=time.monotonic() - first[1], quiet_seconds=quiet_seconds,
                         lost_close_seconds=lost_close_seconds)
    if reason:
        raise NotReady(reason)
    _SEEN.pop(path, None)
    too_large = len(data) > MAX_FILE_BYTES
    checksum = hashlib.sha256(data).hexdigest() if not too_large else \
        hashlib.sha256(f"too-large:{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()
    return Snapshot(path, b"" if too_large else data, checksum, st.st_dev, st.st_ino, after.st_size, too_large)


def still_there(snap: Snapshot) -> bool:
    """True if the path still holds the same file with the same bytes as the snapshot."""
    try:
        fd = _open(snap.path)
    except (OSError, NotIntake):
        return False
    try:
        st = os.fstat(fd)
        if (st.st_dev, st.st_ino) != (snap.dev, snap.ino) or st.st_size != snap.size:
            return False
        if snap.too_large:
            return True
        return hashlib.sha256(_read_all(fd, MAX_FILE_BYTES)).hexdigest() == snap.checksum
    finally:
        os.close(fd)


def move_checked(snap: Snapshot, dest: Path) -> bool:
    """Move the snapshot's file to `dest`; False (nothing moved) if the path now holds another file."""
    if not still_there(snap):
        return False
    os.replace(snap.path, dest)
    st = os.lstat(dest)
    if (st.st_dev, st.st_ino) == (snap.dev, snap.ino):
        return True
    # Replaced in the instant between the check and the rename: that is a new file, not the one read.
    # Put it back under its name (or beside it if a newer one arrived meanwhile) to be read as itself.
    back = snap.path
    n = 1
    while os.path.lexists(back):
        back = snap.path.with_name(f"{snap.path.stem}.{n}{snap.path.suffix}")
        n += 1
    os.rename(dest, back)
    return False
