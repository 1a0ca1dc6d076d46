"""A service install replayed into a temporary root, and docketd run there as an unprivileged user.

Shared by the install and check tests. Throwaway system accounts stand in for the unit's
DynamicUser= (the service) and for a person of the shared group who drops files; they are created
with groupadd/useradd (the suite runs as root) and removed afterwards. Privileges are dropped with
setpriv, with the groups and the UMask= the installed unit gives the service.
"""

from __future__ import annotations

import grp
import os
import pwd
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.daemon_proc import DaemonProcess
from tests.reliability.helpers import ROOT

SETPRIV = shutil.which("setpriv")
NEEDS_ROOT = pytest.mark.skipif(os.geteuid() != 0 or SETPRIV is None or shutil.which("useradd") is None,
                                reason="needs root, setpriv and useradd (throwaway accounts)")


@dataclass(frozen=True)
class Accounts:
    """The shared group, the service user (DynamicUser= stand-in) and a person who drops files."""

    group: str
    gid: int
    service: str
    service_uid: int
    service_gid: int
    person: str
    person_uid: int
    person_gid: int


def _run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, capture_output=True, timeout=60)


@pytest.fixture
def accounts() -> Iterator[Accounts]:
    """Create a throwaway group and two users (one in the group); remove them afterwards."""
    tag = f"dk{os.getpid() % 100000}"
    group, service, person = f"{tag}grp", f"{tag}svc", f"{tag}usr"
    for name in (service, person):
        subprocess.run(["userdel", name], capture_output=True, check=False)
    subprocess.run(["groupdel", group], capture_output=True, check=False)
    _run("groupadd", "--system", group)
    try:
        _run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", service)
        _run("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group",
             "--groups", group, person)
        svc, usr = pwd.getpwnam(service), pwd.getpwnam(person)
        yield Accounts(group, grp.getgrnam(group).gr_gid, service, svc.pw_uid, svc.pw_gid,
                       person, usr.pw_uid, usr.pw_gid)
    finally:
        for name in (service, person):
            subprocess.run(["userdel", name], capture_output=True, check=False)
        for name in (group, service, person):  # the user groups go with userdel where USERGROUPS_ENAB is set
            subprocess.run(["groupdel", name], capture_output=True, check=False)


@pytest.fixture
def root() -> Iterator[Path]:
    """An empty temporary root that other users may traverse (pytest's tmp_path is root-only)."""
    path = Path(tempfile.mkdtemp(prefix="docketd-root-"))
    path.chmod(0o755)
    for skeleton in ("etc/systemd/system", "var/lib", "srv"):  # what a fresh Debian box already has
        (path / skeleton).mkdir(parents=True, mode=0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def readme_install_lines() -> list[str]:
    """The shell lines of README.md's "Install as a service" section, in order."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Install as a service", 1)[1].split("\n## ", 1)[0]
    return [line.strip() for line in section.splitlines() if line.startswith("    ") and line.strip()]


def in_root(root: Path, text: str) -> str:
    """Absolute system paths in a command or config, as seen from a temporary root."""
    return re.sub(r"(?<![\w./-])/(etc|srv|var)/", lambda m: f"{root}/{m.group(1)}/", text)


def replay_readme(root: Path, acc: Accounts) -> None:
    """Perform the README's install steps into `root` (as root), the way a new user would type them.

    The clone and the venv already exist (this checkout); systemctl and journalctl need systemd as
    PID 1 and are replaced by `start_as_unit`; sudoedit is `edit_config_as_readme_says`; adding the
    people to the group was done when the accounts were created. `docketd install` gets `--root` and
    `--group` so that it installs into the temporary root for the throwaway group.
    """
    for line in readme_install_lines():
        command = line.split("#", 1)[0].strip()
        words = shlex.split(command)
        if words and words[0] == "sudo":
            words = words[1:]
        if not words or words[0] in ("git", "make", "cd", "systemctl", "journalctl", "sudoedit", "usermod"):
            continue
        if words[0].endswith("bin/docketd") and "install" in words:
            words = [sys.executable, "-m", "daemon.cli", *words[1:], "--root", str(root), "--group", acc.group]
            out = subprocess.run(words, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
        elif words[0] in ("install", "cp", "mkdir", "chmod", "chown", "chgrp"):
            out = subprocess.run(shlex.split(in_root(root, shlex.join(words))), cwd=ROOT, capture_output=True,
                                 text=True, timeout=60, check=False)
        else:
            raise AssertionError(f"README step not understood by this test: {line}")
        assert out.returncode == 0, f"{line}\n{out.stdout}\n{out.stderr}"


def edit_config_as_readme_says(root: Path) -> Path:
    """sudoedit /etc/docketd/docketd.toml: the paths the README names, and a free port for the feed."""
    path = root / "etc" / "docketd" / "docketd.toml"
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^inbox = "var/inbox"', 'inbox = "/srv/docket/inbox"', text)
    text = re.sub(r'(?m)^state = "var/state.db"', 'state = "/var/lib/docketd/state.db"', text)
    text = re.sub(r'(?m)^serve = "[^"]*"', 'serve = "127.0.0.1:0"', text)
    # The test's daemon runs without a mount namespace: it sees the root's files at their real paths.
    path.write_text(in_root(root, text), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Unit:
    """What the installed unit says about how the service runs."""

    umask: int
    groups: tuple[str, ...]
    state_mode: int
    workdir: str
    config: str


def read_unit(root: Path) -> Unit:
    """Parse the installed docketd.service in `root`."""
    text = (root / "etc" / "systemd" / "system" / "docketd.service").read_text(encoding="utf-8")

    def value(key: str, default: str) -> str:
        found = re.findall(rf"(?m)^{key}=(.*)$", text)
        return found[-1].strip() if found else default

    exec_start = value("ExecStart", "")
    config = shlex.split(exec_start)[shlex.split(exec_start).index("--config") + 1]
    groups = tuple(g for line in re.findall(r"(?m)^SupplementaryGroups=(.*)$", text) for g in line.split())
    return Unit(int(value("UMask", "0022"), 8), groups, int(value("StateDirectoryMode", "0755"), 8),
                value("WorkingDirectory", "/"), config)


def service_python(uid: int, gid: int) -> list[str]:
    """An interpreter the service user can run with this checkout's packages (the venv may sit under /root)."""
    site = next((ROOT / ".venv" / "lib").glob("python3.*/site-packages"), None)
    for exe in (sys.executable, f"/usr/bin/python3.{sys.version_info.minor}"):
        probe = subprocess.run([SETPRIV or "setpriv", f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                                exe, "-c", "import sys"], capture_output=True, timeout=60, check=False)
        if probe.returncode == 0:
            return [exe]
    pytest.skip(f"no Python 3.{sys.version_info.minor} the service user can run (site-packages {site})")


class ServiceProcess(DaemonProcess):
    """`docketd run` as the unit would start it: its user, its groups, its UMask, its working directory."""

    def __init__(self, root: Path, acc: Accounts, unit: Unit, extra: tuple[str, ...] = ()) -> None:
        self.unit = unit
        self.acc = acc
        self.extra = extra
        workdir = Path(in_root(root, unit.workdir))
        super().__init__(Path(in_root(root, unit.config)), workdir)
        self.log_path = root / "daemon.log"
        # systemd's notify socket is writable by the service; so is this stand-in.
        os.chmod(os.path.dirname(self.sock_path), 0o755)
        os.chmod(self.sock_path, 0o777)

    def command(self) -> list[str]:
        """The setpriv command line for the service."""
        gids = [str(grp.getgrnam(g).gr_gid) for g in self.unit.groups]
        drop = [f"--reuid={self.acc.service_uid}", f"--regid={self.acc.service_gid}",
                f"--groups={','.join(gids)}" if gids else "--clear-groups", "--inh-caps=-all"]
        python = service_python(self.acc.service_uid, self.acc.service_gid)
        return [SETPRIV or "setpriv", *drop, *python, "-m", "daemon.cli", "--config", str(self.config), "run",
                *self.extra]

    def start(self, timeout: float = 60.0) -> None:
        """Start as the service user and wait for READY=1."""
        site = next((ROOT / ".venv" / "lib").glob("python3.*/site-packages"))
        env = {"PATH": "/usr/bin:/bin", "NOTIFY_SOCKET": self.sock_path, "PYTHONUNBUFFERED": "1",
               "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": f"{ROOT}:{site}", "LANG": "C.UTF-8"}
        with self._lock:
            self.notifications.clear()
        self._log = self.log_path.open("ab")
        umask = self.unit.umask
        self.proc = subprocess.Popen(self.command(), cwd=self.cwd, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, preexec_fn=lambda: os.umask(umask))
        self.wait_notify("READY=1", timeout)

    def statuses(self) -> list[str]:
        """Every STATUS= the daemon sent."""
        with self._lock:
            return [line[7:] for n in self.notifications for line in n.splitlines() if line.startswith("STATUS=")]


def state_dir_as_unit_makes_it(root: Path, acc: Accounts, unit: Unit) -> Path:
    """StateDirectory=docketd: systemd creates it owned by the service user with StateDirectoryMode=."""
    state = root / "var" / "lib" / "docketd"
    state.mkdir(parents=True, exist_ok=True)
    os.chown(state, acc.service_uid, acc.service_gid)
    state.chmod(unit.state_mode)
    return state


def drop_as_person(acc: Accounts, path: Path, data: bytes, umask: int = 0o007) -> None:
    """Write a file the way a person of the shared group does (their own uid, the group, a share's mask)."""
    subprocess.run([SETPRIV or "setpriv", f"--reuid={acc.person_uid}", f"--regid={acc.person_gid}",
                    f"--groups={acc.gid}", "--inh-caps=-all", "/bin/sh", "-c", 'cat > "$1"', "sh", str(path)],
                   input=data, check=True, timeout=60, preexec_fn=lambda: os.umask(umask))
