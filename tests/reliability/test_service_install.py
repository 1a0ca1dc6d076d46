"""Issue 21: installed as the README says, the service reads its config and its shared inbox.

The README's "Install as a service" steps are replayed into a temporary root, then docketd runs as
an unprivileged user with the groups and UMask= of the installed unit, and a person of the shared
group drops intake files. Before the fix the service could not read its config (root-owned 0640)
nor create processed/ beside a root-owned inbox.
"""

from __future__ import annotations

import grp
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from tests.e2e.daemon_proc import wait_until
from tests.reliability.helpers import HEADER, count, intake_row, today
from tests.reliability.service_root import (
    NEEDS_ROOT,
    Accounts,
    ServiceProcess,
    accounts,
    drop_as_person,
    edit_config_as_readme_says,
    read_unit,
    replay_readme,
    root,
    state_dir_as_unit_makes_it,
)

__all__ = ["accounts", "root"]  # pytest fixtures used below
pytestmark = NEEDS_ROOT


def test_readme_install_serves_files_dropped_by_a_person_of_the_group(root: Path, accounts: Accounts) -> None:
    replay_readme(root, accounts)
    config = edit_config_as_readme_says(root)
    unit = read_unit(root)
    state_dir_as_unit_makes_it(root, accounts, unit)
    shared = root / "srv" / "docket"
    d = ServiceProcess(root, accounts, unit)
    try:
        d.start()
        good = HEADER + intake_row("2026-0142", today())
        drop_as_person(accounts, shared / "inbox" / "intake.csv", good.encode())
        drop_as_person(accounts, shared / "inbox" / "bad.csv", (HEADER + "2026-0143,x,federal,nope,,,,,\n").encode())
        wait_until(lambda: (shared / "processed" / "intake.csv").exists(), what=f"intake.csv processed:\n{d.log}")
        wait_until(lambda: (shared / "rejected" / "bad.csv.errors.txt").exists(), what=f"bad.csv rejected:\n{d.log}")
        state = Path(str(config.read_text()).split('state = "', 1)[1].split('"', 1)[0])
        wait_until(lambda: count(state, "deadlines", "matter='2026-0142'") > 0, what="the matter docketed")
        moved = (shared / "processed" / "intake.csv").stat()
        assert moved.st_uid == accounts.person_uid and moved.st_gid == accounts.gid
        assert moved.st_mode & stat.S_IRGRP, oct(moved.st_mode)
        report = (shared / "rejected" / "bad.csv.errors.txt").stat()
        assert stat.S_IMODE(report.st_mode) == 0o640, oct(report.st_mode)  # the group reads it, the world not
        assert report.st_gid == accounts.gid
        assert "Traceback" not in d.log
    finally:
        d.close()


def test_install_gives_the_owners_and_modes_the_docs_name(root: Path, accounts: Accounts) -> None:
    replay_readme(root, accounts)

    def owner_mode(p: Path) -> tuple[int, int, int]:
        st = p.stat()
        return st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)

    g = accounts.gid
    assert owner_mode(root / "etc" / "docketd") == (0, g, 0o750)
    assert owner_mode(root / "etc" / "docketd" / "docketd.toml") == (0, g, 0o640)
    for sub in ("", "inbox", "processed", "rejected"):
        assert owner_mode(root / "srv" / "docket" / sub) == (0, g, 0o2770), sub
    unit = read_unit(root)
    assert unit.groups == (accounts.group,) and unit.umask == 0o007
    text = (root / "etc" / "systemd" / "system" / "docketd.service").read_text()
    assert "ReadWritePaths=-/srv/docket" in text and "LimitNOFILE=" in text
    wants = root / "etc" / "systemd" / "system" / "multi-user.target.wants" / "docketd.service"
    assert os.readlink(wants) == "/etc/systemd/system/docketd.service"  # enabled, as systemctl enable does


def _analyze(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["systemd-analyze", *args], capture_output=True, text=True, timeout=60, check=False,
                          env={"PATH": "/usr/bin:/bin", "SYSTEMD_COLORS": "0", "SYSTEMD_PAGER": ""})


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed "
                    "(make system-deps installs Debian's systemd)")
def test_installed_unit_verifies_and_stays_hardened(root: Path, accounts: Accounts) -> None:
    secret = root / "etc" / "docketd" / "caldav-jdoe"
    replay_readme(root, accounts)
    secret.write_text("pw\n")
    config = root / "etc" / "docketd" / "docketd.toml"
    config.write_text(config.read_text() + '\n[calendars.jdoe-caldav]\nkind = "caldav"\n'
                      'url = "https://caldav.example.com/dav/jdoe/"\nusername = "jdoe"\n'
                      'password_credential = "caldav-jdoe"\n')
    replay_readme(root, accounts)  # run again after a config change, as the README says
    unit = root / "etc" / "systemd" / "system" / "docketd.service"
    text = unit.read_text()
    assert "LoadCredential=caldav-jdoe:/etc/docketd/caldav-jdoe" in text
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600 and secret.stat().st_uid == 0 and secret.stat().st_gid == 0
    out = _analyze("verify", "--man=no", str(unit))
    problems = [line for line in (out.stdout + out.stderr).splitlines() if line.strip()]
    assert problems == [], problems
    out = _analyze("security", "--offline=true", "--no-pager", str(unit))
    found = re.search(r"Overall exposure level for docketd\.service: (\d+\.\d+)", out.stdout + out.stderr)
    assert found, out.stdout + out.stderr
    assert float(found.group(1)) <= 2.0, out.stdout


def test_install_creates_the_group_on_the_running_system_only() -> None:
    from daemon.cli.install import ensure_group
    from daemon.errors import UsageError

    name = f"dk{os.getpid() % 100000}new"
    subprocess.run(["groupdel", name], capture_output=True, check=False)
    try:
        with pytest.raises(UsageError, match=f"groupadd --system {name}"):
            ensure_group(name, Path("/tmp/some-root"))  # another root: never touch this machine's groups
        gid = ensure_group(name, Path("/"))
        assert grp.getgrnam(name).gr_gid == gid and gid < 1000  # a system group
        assert ensure_group(name, Path("/")) == gid  # run again: the same group
    finally:
        subprocess.run(["groupdel", name], capture_output=True, check=False)
