"""`docketd check` and the same checks at start-up (issue 21; issue 18 B10 and B11).

Each broken permission is made on a real install in a temporary root and checked as the
unprivileged service user (root would read everything): one sentence naming the path, its owner
and mode, the user docketd runs as and the fix, exit 1, never a traceback. At start-up a fatal
problem keeps the daemon from sending READY=1 and says why in STATUS=.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.helpers import HEADER, ROOT, intake_row, today
from tests.reliability.service_root import (
    NEEDS_ROOT,
    SETPRIV,
    Accounts,
    ServiceProcess,
    Unit,
    accounts,
    edit_config_as_readme_says,
    read_unit,
    replay_readme,
    root,
    service_python,
    state_dir_as_unit_makes_it,
)

__all__ = ["accounts", "root"]  # pytest fixtures used below
pytestmark = NEEDS_ROOT


def installed(root: Path, acc: Accounts) -> tuple[Path, Unit]:
    """The README install in `root`, the config edited as the README says, the state folder made."""
    replay_readme(root, acc)
    config = edit_config_as_readme_says(root)
    unit = read_unit(root)
    state_dir_as_unit_makes_it(root, acc, unit)
    return config, unit


def check_as_service(root: Path, acc: Accounts, unit: Unit, config: Path, *extra: str,
                     env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`docketd check` as the service user, with the unit's groups and umask."""
    import grp

    site = next((ROOT / ".venv" / "lib").glob("python3.*/site-packages"))
    gids = ",".join(str(grp.getgrnam(g).gr_gid) for g in unit.groups)
    cmd = [SETPRIV or "setpriv", f"--reuid={acc.service_uid}", f"--regid={acc.service_gid}",
           f"--groups={gids}" if gids else "--clear-groups", "--inh-caps=-all",
           *service_python(acc.service_uid, acc.service_gid), "-m", "daemon.cli", "--config", str(config),
           "check", *extra]
    full_env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT}:{site}", "PYTHONDONTWRITEBYTECODE": "1",
                "LANG": "C.UTF-8", **(env or {})}
    return subprocess.run(cmd, cwd=root / "var" / "lib" / "docketd", env=full_env, capture_output=True,
                          text=True, timeout=120, check=False)


def _chmod(path: Path, mode: int) -> None:
    path.chmod(mode)


def _chown_root(path: Path) -> None:
    os.chown(path, 0, 0)


def _readonly_state(state: Path) -> None:
    state.write_bytes(b"")
    con = sqlite3.connect(state)
    con.execute("CREATE TABLE t (x)")
    con.close()
    os.chown(state, *_owner(state.parent))
    state.chmod(0o444)


def _owner(p: Path) -> tuple[int, int]:
    st = p.stat()
    return st.st_uid, st.st_gid


BREAKS: dict[str, tuple[Callable[[Path], None], str, str]] = {
    # name: (how to break it, given the root; the path the sentence must name; the mode it must show)
    "config unreadable": (lambda r: _chmod(r / "etc/docketd/docketd.toml", 0o600), "etc/docketd/docketd.toml",
                          "0600"),
    "config folder closed": (lambda r: _chmod(r / "etc/docketd", 0o700), "etc/docketd", "0700"),
    "inbox not writable": (lambda r: _chmod(r / "srv/docket/inbox", 0o2750), "srv/docket/inbox", "2750"),
    "inbox sticky": (lambda r: _chmod(r / "srv/docket/inbox", 0o3770), "srv/docket/inbox", "3770"),
    "processed not writable": (lambda r: _chmod(r / "srv/docket/processed", 0o2750), "srv/docket/processed",
                               "2750"),
    "rejected owned by root": (lambda r: _chown_root(r / "srv/docket/rejected"), "srv/docket/rejected", "2770"),
    "state folder not writable": (lambda r: _chown_root(r / "var/lib/docketd"), "var/lib/docketd", "0750"),
    "state read-only": (lambda r: _readonly_state(r / "var/lib/docketd/state.db"), "var/lib/docketd/state.db",
                        "0444"),
}


@pytest.mark.parametrize("name", sorted(BREAKS))
def test_check_names_each_broken_permission(root: Path, accounts: Accounts, name: str) -> None:
    config, unit = installed(root, accounts)
    ok = check_as_service(root, accounts, unit, config)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    breaker, where, mode = BREAKS[name]
    breaker(root)
    out = check_as_service(root, accounts, unit, config)
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert "Traceback" not in text, text
    lines = [line for line in text.splitlines() if f"{root}/{where} " in line or f"{root}/{where}:" in line
             or f"{root}/{where}," in line or f"{root}/{where}(" in line]
    assert lines, text
    sentence = lines[0]
    assert f"mode {mode}" in sentence, sentence
    assert f"user {accounts.service}" in sentence, sentence
    assert "fix:" in sentence.lower() or "run:" in sentence.lower(), sentence


def test_check_reports_an_unreadable_secret_and_an_unreachable_calendar(root: Path, accounts: Accounts) -> None:
    config, unit = installed(root, accounts)
    secret = root / "etc" / "docketd" / "caldav-pw"
    secret.write_text("hunter2\n")
    secret.chmod(0o600)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config.write_text(config.read_text() + f"""
[calendars.jdoe-caldav]
kind = "caldav"
url = "http://127.0.0.1:{port}/dav/jdoe/"
username = "jdoe"
password_file = "{secret}"
""")
    out = check_as_service(root, accounts, unit, config)
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    assert "Traceback" not in text and "hunter2" not in text
    secret_line = next(line for line in text.splitlines() if str(secret) in line)
    assert "owner root:root" in secret_line and "mode 0600" in secret_line and accounts.service in secret_line
    assert "LoadCredential=" in secret_line  # the fix: hand it over as a systemd credential
    cal_line = next(line for line in text.splitlines() if f"127.0.0.1:{port}" in line)
    assert "jdoe-caldav" in cal_line and "cannot be reached" in cal_line


def test_start_up_refuses_a_read_only_state_and_names_the_shm_file(root: Path, accounts: Accounts) -> None:
    """B11: the daemon used to start and reject every file; after chmod 644 the 0444 -shm kept it failing."""
    config, unit = installed(root, accounts)
    state = root / "var" / "lib" / "docketd" / "state.db"
    d = ServiceProcess(root, accounts, unit)
    try:
        d.start()
    finally:
        d.close()
    assert state.exists()
    state.chmod(0o444)
    shm = state.with_name("state.db-shm")
    shm.write_bytes(b"")
    os.chown(shm, accounts.service_uid, accounts.service_gid)
    shm.chmod(0o444)  # what SQLite leaves when it opened a read-only database
    for fixed_first in (False, True):
        if fixed_first:
            state.chmod(0o640)  # the obvious fix, which left the -shm behind
        d = ServiceProcess(root, accounts, unit)
        try:
            with pytest.raises(AssertionError, match="before READY=1"):
                d.start(timeout=60)
            assert d.proc is not None and d.proc.returncode == 1
            culprit = shm if fixed_first else state
            assert f"{culprit} (owner {accounts.service}:" in d.log and "mode 0444" in d.log, d.log
            assert "Traceback" not in d.log
            assert any("cannot" in s and str(culprit) in s for s in d.statuses()), d.statuses()
        finally:
            d.close()
    shm.chmod(0o640)
    d = ServiceProcess(root, accounts, unit)
    try:
        d.start()
    finally:
        d.close()


def test_start_up_refuses_an_empty_state_file_unless_told_to_start_fresh(root: Path, accounts: Accounts) -> None:
    """B10: a 0-byte state.db used to become a new, empty docket without a word."""
    config, unit = installed(root, accounts)
    state = root / "var" / "lib" / "docketd" / "state.db"
    state.write_bytes(b"")
    os.chown(state, accounts.service_uid, accounts.service_gid)
    d = ServiceProcess(root, accounts, unit)
    try:
        with pytest.raises(AssertionError, match="before READY=1"):
            d.start()
        assert d.proc is not None and d.proc.returncode == 1
        assert f"{state} is empty (0 bytes)" in d.log, d.log
        assert "docketd import" in d.log and "--fresh-state" in d.log
        assert any(str(state) in s for s in d.statuses()), d.statuses()
    finally:
        d.close()
    assert state.stat().st_size == 0  # left as found: nothing was created in it
    d = ServiceProcess(root, accounts, unit, extra=("--fresh-state",))
    try:
        d.start()
        inbox = root / "srv" / "docket" / "inbox"
        (inbox / "a.csv").write_text(HEADER + intake_row("2026-0142", today()))
        from tests.e2e.daemon_proc import wait_until

        wait_until(lambda: (root / "srv" / "docket" / "processed" / "a.csv").exists(), what=d.log)
    finally:
        d.close()


def test_check_names_a_credential_the_unit_does_not_hand_over(root: Path, accounts: Accounts) -> None:
    config, unit = installed(root, accounts)
    config.write_text(config.read_text() + '\n[calendars.jdoe-caldav]\nkind = "caldav"\n'
                      'url = "http://127.0.0.1:9/dav/jdoe/"\nusername = "jdoe"\npassword_credential = "caldav-jdoe"\n')
    creds = root / "run-credentials"
    creds.mkdir(mode=0o755)
    out = check_as_service(root, accounts, unit, config, "--no-network", env={"CREDENTIALS_DIRECTORY": str(creds)})
    text = out.stdout + out.stderr
    assert out.returncode == 1, text
    line = next(line for line in text.splitlines() if "caldav-jdoe" in line and "PROBLEM" in line)
    assert "LoadCredential=caldav-jdoe:/etc/docketd/caldav-jdoe" in line, line
    (creds / "caldav-jdoe").write_text("pw\n")
    out = check_as_service(root, accounts, unit, config, "--no-network", env={"CREDENTIALS_DIRECTORY": str(creds)})
    assert out.returncode == 0, out.stdout + out.stderr


def test_install_as_a_normal_user_says_to_run_it_as_root(root: Path, accounts: Accounts) -> None:
    site = next((ROOT / ".venv" / "lib").glob("python3.*/site-packages"))
    out = subprocess.run([SETPRIV or "setpriv", f"--reuid={accounts.person_uid}", f"--regid={accounts.person_gid}",
                          "--clear-groups", *service_python(accounts.person_uid, accounts.person_gid), "-m",
                          "daemon.cli", "install", "--root", str(root), "--group", accounts.group],
                         cwd=root, env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT}:{site}",
                                        "PYTHONDONTWRITEBYTECODE": "1"},
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 2 and "run it as root" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert not (root / "etc" / "docketd").exists()


def test_start_up_refuses_an_unreadable_config_and_says_why_in_status(root: Path, accounts: Accounts) -> None:
    config, unit = installed(root, accounts)
    config.chmod(0o600)  # what the README's old `install -m 0640` as root gave the service: nothing
    d = ServiceProcess(root, accounts, unit)
    try:
        with pytest.raises(AssertionError, match="before READY=1"):
            d.start()
        assert d.proc is not None and d.proc.returncode == 2
        assert f"docketd cannot read its config file {config} (owner root:{accounts.group}, mode 0600)" in d.log
        assert "Traceback" not in d.log
        assert any(s.startswith("Not started: ") and str(config) in s for s in d.statuses()), d.statuses()
    finally:
        d.close()
