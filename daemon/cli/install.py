"""`docketd install`: set docketd up as a systemd service, the way docs/operations.md describes.

One command, run as root from the source checkout: the `docket` group for the people and the
service; /etc/docketd (root:docket 0750) with the config (root:docket 0640, written from the example
with service paths if absent, never overwritten); the shared folder with inbox/, processed/ and
rejected/ (root:docket, setgid 2770, so every file in it belongs to the group); secrets named as
credentials handed over with LoadCredential=; the unit installed and enabled. `--root DIR` performs
it into another root (an image, or a test); systemctl then is not called and the unit is enabled by
its symlink, as `systemctl --root` would.
"""

from __future__ import annotations

import argparse
import grp
import os
import re
import subprocess
import sys
import tomllib
from importlib.resources import files
from pathlib import Path

from daemon.errors import ConfigError, UsageError

# The example config and the unit ship inside the package (copies of config/docketd.example.toml and
# systemd/docketd.service, kept equal by tests/unit/test_install_files.py), so a wheel installs too.
SHIPPED = files("daemon") / "data" / "install"
UNIT_NAME = "docketd.service"
CONFIG = Path("/etc/docketd/docketd.toml")
STATE = Path("/var/lib/docketd")  # StateDirectory=docketd
DEFAULT_SHARED = Path("/srv/docket")
DIR_MODE_CONFIG, FILE_MODE_CONFIG, SHARED_MODE, SECRET_MODE = 0o750, 0o640, 0o2770, 0o600


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of `docketd install`."""
    p.add_argument("--root", default="/", help="perform the install into this root directory (default /)")
    p.add_argument("--group", default="docket", help="the group of the people and the service (default docket)")
    p.add_argument("--shared", default=str(DEFAULT_SHARED),
                   help="the shared intake folder for a new config (default /srv/docket; inbox/ goes inside)")


def _in(root: Path, path: Path) -> Path:
    return root / path.relative_to("/")


def _say(text: str) -> None:
    print(text)


def _owned(path: Path, uid: int, gid: int, mode: int) -> None:
    os.chown(path, uid, gid, follow_symlinks=False)
    os.chmod(path, mode)  # after chown: a chown may clear the setgid bit


def _dir(path: Path, gid: int, mode: int, shown: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    _owned(path, 0, gid, mode)
    _say(f"  {shown}/  root:{grp.getgrgid(gid).gr_name} {mode:04o}")


def ensure_group(name: str, root: Path) -> int:
    """The group's id; created as a system group when installing into the running system."""
    try:
        return grp.getgrnam(name).gr_gid
    except KeyError:
        pass
    if root != Path("/"):
        raise UsageError(f"The group {name} does not exist on this machine; create it first "
                         f"(groupadd --system {name}) or pass --group with an existing one.")
    subprocess.run(["groupadd", "--system", name], check=True)
    _say(f"Created the system group {name}.")
    return grp.getgrnam(name).gr_gid


def service_config_text(example: str, shared: Path) -> str:
    """The example config with the service's paths: the shared inbox, the state and .ics under /var/lib/docketd."""
    text = re.sub(r'(?m)^inbox = "[^"]*"', f'inbox = "{shared / "inbox"}"', example)
    text = re.sub(r'(?m)^state = "[^"]*"', f'state = "{STATE / "state.db"}"', text)
    return re.sub(r'(?m)^dir = "[^"]*"', f'dir = "{STATE / "calendars"}"', text)


def unit_text(template: str, group: str, shared: Path, docketd: Path, credentials: list[str]) -> str:
    """The shipped unit with this machine's group, shared folder, program path and credentials."""
    text = template.replace("SupplementaryGroups=docket", f"SupplementaryGroups={group}")
    text = text.replace("ReadWritePaths=-/srv/docket", f"ReadWritePaths=-{shared}")
    text = text.replace("/opt/docketd/.venv/bin/docketd", str(docketd))
    lines = "".join(f"LoadCredential={name}:/etc/docketd/{name}\n" for name in credentials)
    return re.sub(r"(?m)^(# Secrets:.*\n)", lambda m: m.group(1) + lines, text, count=1)


def _credentials(config_path: Path, root: Path) -> tuple[list[str], list[str]]:
    """(credential names whose file is in /etc/docketd, advice lines) from the installed config."""
    from daemon.service.preflight import credential_names
    from daemon.settings.config import load_config
    from daemon.settings.secrets import secret_paths

    try:
        config = load_config(config_path, _in(root, STATE))
    except ConfigError as exc:
        return [], [f"The config has problems; fix them, then run `docketd install` again:\n{exc}"]
    names, advice = [], []
    for section, name in credential_names(config):
        source = _in(root, Path("/etc/docketd") / name)
        if source.is_file():
            _owned(source, 0, 0, SECRET_MODE)
            names.append(name)
        else:
            advice.append(f"{section} expects the credential {name!r}: put the secret in /etc/docketd/{name} "
                          "(root-only) and run `docketd install` again.")
    for path in secret_paths(config):
        if path != config.path:
            advice.append(f"{path} is a secret file the service user cannot read when it is root-only: name it as "
                          "a credential instead (e.g. password_credential = \"NAME\" with the file at "
                          "/etc/docketd/NAME) and run `docketd install` again.")
    return sorted(set(names)), advice


def install(args: argparse.Namespace) -> int:
    """Perform the service install; returns the exit code."""
    root = Path(args.root).resolve()
    if os.geteuid() != 0:
        raise UsageError("docketd install sets owners and modes under /etc and /srv: run it as root, e.g. "
                         "sudo .venv/bin/docketd install")
    example, template = SHIPPED / "docketd.example.toml", SHIPPED / UNIT_NAME
    if not example.is_file() or not template.is_file():
        raise UsageError(f"This docketd installation lacks its shipped example config and unit ({example}); "
                         "reinstall docketd (pip install --force-reinstall docketd) and run again.")
    gid = ensure_group(args.group, root)
    if gid == 0:
        raise UsageError(f"--group {args.group} is gid 0: the service and every person in it would get root's group; "
                         "use a group of their own, e.g. --group docket.")
    _say(f"Installing docketd into {root} for the group {args.group}:")
    _dir(_in(root, CONFIG.parent), gid, DIR_MODE_CONFIG, CONFIG.parent)
    config = _in(root, CONFIG)
    if not config.exists():
        config.write_text(service_config_text(example.read_text(encoding="utf-8"), Path(args.shared)),
                          encoding="utf-8")
    _owned(config, 0, gid, FILE_MODE_CONFIG)
    _say(f"  {CONFIG}  root:{args.group} {FILE_MODE_CONFIG:04o} (people in {args.group} can read it: keep "
         "secrets out of it, as credentials)")
    raw = tomllib.loads(config.read_text(encoding="utf-8"))
    inbox = Path(str(raw.get("daemon", {}).get("inbox", "")))
    if not inbox.is_absolute():
        raise UsageError(f"{CONFIG}: [daemon] inbox = {str(inbox)!r} must be an absolute path to the shared "
                         f"folder, e.g. inbox = \"{DEFAULT_SHARED / 'inbox'}\"; fix it and run again.")
    shared = inbox.parent
    for folder in (shared, inbox, shared / "processed", shared / "rejected"):
        _dir(_in(root, folder), gid, SHARED_MODE, folder)
    credentials, advice = _credentials(config, root)
    docketd = Path(sys.executable).parent / "docketd"
    if not docketd.is_file():
        advice.append(f"{docketd} does not exist, so ExecStart= points there anyway; install docketd into that "
                      "virtual environment (make .venv/.installed) before starting the service.")
    unit = _in(root, Path("/etc/systemd/system") / UNIT_NAME)
    unit.parent.mkdir(parents=True, exist_ok=True)
    unit.write_text(unit_text(template.read_text(encoding="utf-8"), args.group, shared, docketd, credentials),
                    encoding="utf-8")
    _owned(unit, 0, 0, 0o644)
    _say(f"  /etc/systemd/system/{UNIT_NAME}  (SupplementaryGroups={args.group}, ReadWritePaths=-{shared}"
         + "".join(f", LoadCredential={n}" for n in credentials) + ")")
    for line in advice:
        _say(f"Note: {line}")
    code = _enable(root)
    _say(f"Next: add each person who drops files to the group (sudo usermod -aG {args.group} NAME; they log in "
         f"again), set people and calendars in {CONFIG}, then: sudo systemctl restart docketd; "
         "systemctl status docketd (the STATUS line shows what `docketd check` found).")
    return code


def _enable(root: Path) -> int:
    live = root == Path("/") and Path("/run/systemd/system").is_dir()
    if live:
        for cmd in (["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", UNIT_NAME]):
            done = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if done.returncode != 0:
                _say(f"`{' '.join(cmd)}` failed: {done.stderr.strip()}; see journalctl -u docketd.")
                return 1
        _say(f"Enabled and started {UNIT_NAME}.")
        return 0
    wants = _in(root, Path("/etc/systemd/system/multi-user.target.wants"))
    wants.mkdir(parents=True, exist_ok=True)
    link = wants / UNIT_NAME
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(Path("/etc/systemd/system") / UNIT_NAME)
    why = "systemd is not PID 1 here" if root == Path("/") else f"installing into {root}"
    _say(f"Enabled {UNIT_NAME} (multi-user.target.wants), but did not start it: {why}. On the machine that "
         "runs it: sudo systemctl daemon-reload && sudo systemctl start docketd")
    return 0
