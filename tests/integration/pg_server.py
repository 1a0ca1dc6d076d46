"""A real PostgreSQL server for tests: a throwaway cluster in a temp folder, on a loopback port.

Debian's PostgreSQL (installed by `make system-deps`; the binaries live in /usr/lib/postgresql/<ver>/bin)
is initialised with initdb into a fresh folder and run in the foreground as a child of the test, never
as the system service. PostgreSQL refuses to run as root, and the suite runs as root: then initdb and
postgres run as `nobody` through setpriv (the folder is chowned to it); otherwise as the current user.

The server listens on 127.0.0.1 (a free port, kept across restarts so the DSN stays valid) and on a
Unix socket in its own folder; authentication is `trust` (a loopback-only throwaway holding test data).
`fsync=off`: stop, kill -9 and restart tests kill the server, not the machine, so what the server wrote
is in the page cache either way and crash recovery is exercised all the same.

    with running_postgres() as pg:   # or the fixtures `pg_server`, `pg_dsn`, `pg_database` in tests/conftest.py
        dsn = pg.new_database()      # a fresh, empty database for one test
        pg.stop(); pg.start()        # fast shutdown, then start on the same port and data
        pg.kill(); pg.start()        # SIGKILL to every server process, then crash recovery
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

SETPRIV = shutil.which("setpriv")
SUPERUSER = "docketd"
DATABASE = "docketd"
UNPRIVILEGED = "nobody"  # who runs the server when the suite runs as root (PostgreSQL refuses uid 0)


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", path.parent.parent.name)) or (0,)


def find_bindir() -> Path | None:
    """The folder with initdb and postgres: Debian's newest /usr/lib/postgresql/<ver>/bin, else $PATH."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=_version_key)
    if candidates:
        return candidates[-1].parent
    found = shutil.which("postgres")
    if found and shutil.which("initdb"):
        return Path(found).resolve().parent
    return None


def require_postgres() -> Path:
    """The PostgreSQL bin folder; missing fails under CI=true (make system-deps installs it) and skips elsewhere."""
    bindir = find_bindir()
    message = ""
    if bindir is None:
        message = "PostgreSQL is not installed: run `make system-deps` (Debian's postgresql package)."
    elif os.geteuid() == 0 and SETPRIV is None:
        message = "PostgreSQL refuses to run as root and setpriv is missing: install Debian's util-linux."
    if message:
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    assert bindir is not None
    return bindir


def _scratch() -> str | None:
    """Where clusters go: /dev/shm when it is a roomy tmpfs (initdb 2 s instead of 6 s, a copy 0.2 s instead
    of 4 s on the shared machine's disk), else the default temp folder. Losing them with the machine is fine."""
    try:
        st = os.statvfs("/dev/shm")
    except OSError:
        return None
    roomy = st.f_bavail * st.f_frsize >= 1 << 30
    return "/dev/shm" if roomy and os.access("/dev/shm", os.W_OK | os.X_OK) else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _proc_stat(pid: int) -> tuple[str, int] | None:
    """A process's state letter and parent pid from /proc, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[0], int(fields[1])


def _alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    stat = _proc_stat(pid)
    return stat is not None and stat[0] != "Z"


def _children(ppid: int) -> list[int]:
    """The live (non-zombie) child processes of a process."""
    pids = (int(entry.name) for entry in Path("/proc").glob("[0-9]*"))
    return [pid for pid in pids if (stat := _proc_stat(pid)) is not None and stat[1] == ppid and stat[0] != "Z"]


class PgServer:
    """One throwaway PostgreSQL cluster: its folder, port, process, and the DSN of its `docketd` database."""

    def __init__(self, bindir: Path, root: Path) -> None:
        self.bindir = bindir
        self.root = root
        self.data = root / "data"
        self.socket_dir = root / "sock"
        self.log_path = root / "postgres.log"
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self._databases = 0
        if os.geteuid() == 0:
            account = pwd.getpwnam(UNPRIVILEGED)
            self.uid, self.gid = account.pw_uid, account.pw_gid
        else:
            self.uid, self.gid = os.getuid(), os.getgid()

    @property
    def dsn(self) -> str:
        """The DSN of the `docketd` database (shared by everything that uses this server)."""
        return self.dsn_for(DATABASE)

    def dsn_for(self, database: str) -> str:
        """The DSN of one database of this server, over TCP on 127.0.0.1 (no password: trust auth)."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _as_server_user(self, argv: list[str]) -> list[str]:
        if os.geteuid() != 0:
            return argv
        return [SETPRIV or "setpriv", f"--reuid={self.uid}", f"--regid={self.gid}", "--clear-groups",
                "--inh-caps=-all", *argv]

    def _env(self) -> dict[str, str]:
        # A clean environment: no LD_PRELOAD/FAKETIME or time-machine pins from the test; the server keeps real time.
        return {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "LANG": "C", "TZ": "UTC", "HOME": str(self.root)}

    def _make_folders(self) -> None:
        for folder in (self.root, self.socket_dir):
            folder.mkdir(parents=True, exist_ok=True)
            os.chown(folder, self.uid, self.gid)
            folder.chmod(0o700)

    def initdb(self) -> None:
        """Create the cluster: a copy of this process's pristine initdb output (initdb runs once per process)."""
        self._make_folders()
        template = _pristine_cluster(self.bindir)
        # cp -a keeps the owner (the server user) and the 0700 mode PostgreSQL insists on.
        subprocess.run(["cp", "-a", str(template), str(self.data)], check=True, capture_output=True, timeout=120)

    def run_initdb(self) -> None:
        """Run initdb into this server's data folder (owned by the server user), UTF-8, C locale, trust auth."""
        self._make_folders()
        cmd = [str(self.bindir / "initdb"), "--pgdata", str(self.data), "--username", SUPERUSER,
               "--auth", "trust", "--encoding", "UTF8", "--locale", "C", "--no-sync"]
        out = subprocess.run(self._as_server_user(cmd), env=self._env(), cwd=self.root, capture_output=True,
                             text=True, timeout=120, check=False)
        if out.returncode != 0:
            raise RuntimeError(f"initdb failed ({out.returncode}) in {self.data}:\n{out.stdout}\n{out.stderr}")

    def start(self, timeout: float = 60.0) -> None:
        """Start postgres as a child process on the same port and data, and wait until it accepts connections."""
        if self.proc is not None and self.proc.poll() is None:
            raise RuntimeError("this PostgreSQL is already running")
        cmd = [str(self.bindir / "postgres"), "-D", str(self.data), "-p", str(self.port), "-k", str(self.socket_dir),
               "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=50",
               "-c", "shared_buffers=16MB", "-c", "log_min_messages=warning"]
        log = self.log_path.open("ab")
        try:
            self.proc = subprocess.Popen(self._as_server_user(cmd), env=self._env(), cwd=self.root, stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        finally:
            log.close()
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        # pg_ctl -w waits the same way: the postmaster writes "ready" as the status line of postmaster.pid.
        deadline = time.monotonic() + timeout
        pidfile = self.data / "postmaster.pid"
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited ({self.proc.returncode}):\n{self.log_tail()}")
            try:
                lines = pidfile.read_text().splitlines()
            except OSError:
                lines = []
            if len(lines) >= 8 and lines[0].strip() == str(self.proc.pid) and lines[7].strip() == "ready":
                return
            time.sleep(0.05)
        raise RuntimeError(f"postgres did not become ready within {timeout:.0f} s:\n{self.log_tail()}")

    def stop(self, timeout: float = 60.0) -> None:
        """Fast shutdown (SIGINT: roll back open transactions, disconnect clients, checkpoint) and wait."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL the postmaster and every server process at once (a crash); the next start() recovers from WAL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        # Each backend is its own process group (PostgreSQL calls setsid() in every child), so the
        # children are found through /proc and killed with the postmaster, as a power cut would.
        victims = [self.proc.pid, *_children(self.proc.pid)]
        for pid in victims:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait(timeout=30)
        # A new postmaster refuses to start while the old shared memory is attached; a killed process
        # detaches when it exits. Zombies hold no memory (a container's PID 1 may never reap them).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(pid) for pid in victims):
            time.sleep(0.05)

    @property
    def running(self) -> bool:
        """Whether the postmaster process is alive."""
        return self.proc is not None and self.proc.poll() is None

    def new_database(self, prefix: str = "t") -> str:
        """Create a fresh, empty database and return its DSN (one per test keeps tests independent)."""
        import psycopg

        self._databases += 1
        name = f"{prefix}_{os.getpid()}_{self._databases}"
        with psycopg.connect(self.dsn_for("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.dsn_for(name)

    def log_tail(self, lines: int = 40) -> str:
        """The end of the server log, for failure messages."""
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"


_PRISTINE: dict[Path, Path] = {}


def _pristine_cluster(bindir: Path) -> Path:
    """A data folder fresh from initdb, made once per test process and copied for every server.

    initdb takes 2 s on the shared two-core machine (tmpfs), a copy 0.2 s; failover tests start many
    servers. Removed when the process exits.
    """
    if bindir not in _PRISTINE:
        parent = Path(tempfile.mkdtemp(prefix="docketd-pg-template-", dir=_scratch()))
        parent.chmod(0o755)
        atexit.register(shutil.rmtree, parent, ignore_errors=True)
        PgServer(bindir, parent / "pg").run_initdb()
        _PRISTINE[bindir] = parent / "pg" / "data"
    return _PRISTINE[bindir]


@contextmanager
def running_postgres() -> Iterator[PgServer]:
    """initdb a throwaway cluster, start it with a `docketd` database, yield it; stop it and remove its folder."""
    bindir = require_postgres()
    # pytest's tmp folders are root-only (0700); the server user needs its own folder under a traversable one.
    parent = Path(tempfile.mkdtemp(prefix="docketd-pg-", dir=_scratch()))
    parent.chmod(0o755)
    server = PgServer(bindir, parent / "pg")
    try:
        server.initdb()
        for attempt in range(3):
            try:
                server.start()
                break
            except RuntimeError:
                # Another process may have taken the free port between choosing it and binding it.
                tail = server.log_tail()
                if attempt == 2 or ("could not bind" not in tail and "in use" not in tail):
                    raise
                server.port = _free_port()
        import psycopg

        with psycopg.connect(server.dsn_for("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        yield server
    finally:
        server.stop()
        if server.running:
            server.kill()
        shutil.rmtree(parent, ignore_errors=True)
