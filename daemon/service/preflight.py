"""Can docketd, as the user it runs as, do its job? Config, secrets, folders, state and calendars.

`docketd check` prints every finding; `docketd run` runs the same checks before READY=1 and refuses
to start on a fatal one (an unreadable config, an unusable intake folder or state). Every problem is
one sentence: the path, its owner and mode, the user docketd runs as, and the fix. Nothing here
changes a file; folders that do not exist yet only need a parent docketd may write.
"""

from __future__ import annotations

import grp
import os
import pwd
import socket
import stat
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from daemon.errors import StoreError
from daemon.settings.config import Config
from daemon.state.store import Store, empty_state_message

OVERFLOW_GID = 65534  # 'nogroup': how an unmapped group looks inside a user namespace
SHARED_GROUP = "docket"  # the group `docketd install` creates for the people and the service
CALENDAR_TIMEOUT = 3.0  # seconds per calendar reachability probe; probes run in parallel
# Where a calendar kind talks to when its section names no endpoint of its own.
DEFAULT_ENDPOINTS = {"google": "https://www.googleapis.com/", "outlook": "https://graph.microsoft.com/"}
ENDPOINT_KEYS = ("url", "api_endpoint", "graph_endpoint")


@dataclass(frozen=True)
class Finding:
    """One result of a check: a sentence, whether it is a problem, and whether it stops start-up."""

    topic: str
    ok: bool
    text: str
    fatal: bool = False


# -- who and what ---------------------------------------------------------------------------------
def _user_name(uid: int) -> str:
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def whoami() -> str:
    """The user docketd runs as, with its groups, e.g. 'user docketd (uid 61184; groups docketd, docket)'."""
    uid, gid = os.geteuid(), os.getegid()
    groups = [gid, *(g for g in os.getgroups() if g != gid)]
    return f"user {_user_name(uid)} (uid {uid}; groups {', '.join(_group_name(g) for g in groups)})"


def shared_group() -> str:
    """The group to name in fixes: a supplementary group docketd has, else 'docket'."""
    extra = [g for g in os.getgroups() if g not in (os.getegid(), OVERFLOW_GID)]
    return _group_name(extra[0]) if extra else SHARED_GROUP


def describe(path: Path) -> str:
    """'owner root:docket, mode 2770' for an existing path."""
    st = path.stat()
    return f"owner {_user_name(st.st_uid)}:{_group_name(st.st_gid)}, mode {stat.S_IMODE(st.st_mode):04o}"


def blocking_parent(path: Path) -> Path | None:
    """The first folder above `path` that docketd may not enter (no x permission), if any."""
    for parent in reversed(path.parents):
        if os.path.exists(parent) and not os.access(parent, os.X_OK):
            return parent
    return None


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if os.path.exists(candidate):
            return candidate
    return Path("/")


# -- files and folders ----------------------------------------------------------------------------
def _unreachable(path: Path, what: str, topic: str, fatal: bool) -> Finding | None:
    """The finding when a folder above `path` does not let docketd in, else None."""
    blocked = blocking_parent(path)
    if blocked is None:
        return None
    return Finding(topic, False, f"docketd cannot reach {what} {path}: the folder {blocked} "
                   f"({describe(blocked)}) does not let {whoami()} in; fix: chgrp {shared_group()} "
                   f"{blocked} && chmod g+x {blocked}, or run `sudo docketd install`.", fatal)


def check_readable(path: Path, what: str, topic: str, fix: str, fatal: bool = False) -> Finding:
    """Can docketd read the file at `path`? `fix` finishes the sentence when it cannot."""
    unreachable = _unreachable(path, what, topic, fatal)
    if unreachable is not None:
        return unreachable
    if not os.path.exists(path):
        return Finding(topic, False, f"{what.capitalize()} {path} does not exist "
                       f"(nearest folder {_nearest_existing(path)}); fix: {fix}", fatal)
    if not os.access(path, os.R_OK):
        return Finding(topic, False, f"docketd cannot read {what} {path} ({describe(path)}) as {whoami()}; "
                       f"fix: {fix}", fatal)
    return Finding(topic, True, f"{what.capitalize()} {path} can be read.")


def check_folder(path: Path, what: str, topic: str, fatal: bool = True) -> Finding:
    """Can docketd list, create and move files in the folder (or create it beside its parent)?"""
    group = shared_group()
    unreachable = _unreachable(path, what, topic, fatal)
    if unreachable is not None:
        return unreachable
    if not os.path.exists(path):
        parent = _nearest_existing(path)
        if os.access(parent, os.W_OK | os.X_OK):
            return Finding(topic, True, f"{what.capitalize()} {path} does not exist yet; docketd will create it.")
        return Finding(topic, False, f"{what.capitalize()} {path} does not exist and docketd cannot create it: "
                       f"{parent} ({describe(parent)}) is not writable by {whoami()}; fix: install -d -o root "
                       f"-g {group} -m 2770 {path}, or run `sudo docketd install`.", fatal)
    if not os.path.isdir(path):
        return Finding(topic, False, f"{what.capitalize()} {path} ({describe(path)}) is not a folder; fix: move "
                       f"it aside and run `sudo docketd install`.", fatal)
    if not os.access(path, os.R_OK | os.W_OK | os.X_OK):
        return Finding(topic, False, f"docketd cannot create and move files in {what} {path} ({describe(path)}) "
                       f"as {whoami()}; fix: chgrp {group} {path} && chmod 2770 {path}, and give the service "
                       f"SupplementaryGroups={group} (`sudo docketd install` does both).", fatal)
    st = os.stat(path)
    if st.st_mode & stat.S_ISVTX and st.st_uid != os.geteuid():
        # Sticky: only a file's owner may rename it, and people's files are theirs, not docketd's.
        return Finding(topic, False, f"docketd cannot move files other people drop out of {what} {path} "
                       f"({describe(path)}) as {whoami()}: the sticky bit lets only a file's owner move it; "
                       f"fix: chmod -t {path}.", fatal)
    return Finding(topic, True, f"{what.capitalize()} {path} can be written.")


def check_inbox_files(inbox: Path) -> list[Finding]:
    """Files waiting in the inbox that docketd cannot read (a person's umask or share settings)."""
    out: list[Finding] = []
    try:
        names = sorted(os.listdir(inbox))
    except OSError:
        return out  # the folder check reports why
    for name in names:
        path = inbox / name
        if name.startswith(".") or not os.path.isfile(path) or os.access(path, os.R_OK):
            continue
        out.append(Finding("inbox", False, f"docketd cannot read the dropped file {path} ({describe(path)}) as "
                           f"{whoami()}; fix: chmod g+r {path} (and have the share create files group-readable, "
                           "see docs/operations.md)."))
    return out


# -- state ----------------------------------------------------------------------------------------
def check_state(state: Path, fresh: bool = False) -> list[Finding]:
    """The state database: its folder writable, the file not empty by accident, it and its WAL files writable."""
    out = [check_folder(state.parent, "the state folder", "state")]
    if not os.path.exists(state):
        return out
    size = state.stat().st_size
    if size == 0 and not fresh:
        out.append(Finding("state", False, empty_state_message(state), True))
    for path in (state, state.with_name(state.name + "-wal"), state.with_name(state.name + "-shm")):
        if os.path.exists(path) and not os.access(path, os.R_OK | os.W_OK):
            owner = _user_name(path.parent.stat().st_uid)
            out.append(Finding("state", False, f"docketd cannot write {path} ({describe(path)}) as {whoami()}, "
                               "so it could record nothing; fix: stop docketd, then chown "
                               f"{owner} {path} && chmod 0600 {path} (SQLite gives the -wal and -shm files the "
                               "database's mode: check all three).", True))
    if len(out) == 1 and out[0].ok:
        out.append(Finding("state", True, f"The state database {state} can be written."))
    return out


def check_pg_state(config: Config) -> Finding:
    """The PostgreSQL state database ([state] url): reachable, with docketd's tables (made if absent)."""
    try:
        store = Store(config.state, url=config.state_url)
    except StoreError as exc:
        return Finding("state", False, str(exc), True)
    try:
        version = store.schema_version()
    finally:
        store.close()
    return Finding("state", True, f"The PostgreSQL state database {config.state_label} can be reached and holds "
                                  f"docketd's tables (schema version {version}).")


# -- secrets and calendars ------------------------------------------------------------------------
def credential_names(config: Config) -> list[tuple[str, str]]:
    """(section, credential name) for every `*_credential` key and implied Google key in the config."""
    out: list[tuple[str, str]] = []
    for kind, sections in (("calendars", config.calendars), ("sources", config.sources)):
        for name, section in sections.items():
            for key, value in section.items():
                if key.endswith("_credential") and isinstance(value, str) and value:
                    out.append((f"[{kind}.{name}]", value))
            if section.get("kind") in ("google", "google-sheet") and not section.get("credentials") \
                    and section.get("auth", "service-account") == "service-account":
                out.append((f"[{kind}.{name}]", "google-sa.json"))
    cred = config.digest.get("password_credential")
    if isinstance(cred, str) and cred:
        out.append(("[digest]", cred))
    return out


def check_secrets(config: Config) -> list[Finding]:
    """Every secret file the config names, and every systemd credential it expects, can be read."""
    from daemon.settings.secrets import credentials_directory, secret_paths

    out: list[Finding] = []
    for path in secret_paths(config):
        if path == config.path:
            continue
        name = path.name
        out.append(check_readable(path, "the secret file", "secret",
                                  f"hand it to the service as a systemd credential: LoadCredential={name}:{path} "
                                  f"in the unit and {name!r} as the section's *_credential name (`sudo docketd "
                                  "install` adds the line), or chown the file to the service user with mode 0600."))
    folder = credentials_directory()
    for section, name in credential_names(config):
        if folder is None:
            out.append(Finding("secret", True, f"{section} expects the systemd credential {name!r}; it can only be "
                               "checked under the unit (`systemctl status docketd` shows this check at start)."))
            continue
        out.append(check_readable(folder / name, f"the credential {name!r} of {section}", "secret",
                                  f"add LoadCredential={name}:/etc/docketd/{name} to the unit (`sudo docketd "
                                  f"install` does) and keep /etc/docketd/{name} root-only, mode 0600."))
    return out


def _endpoint(section: dict[str, object]) -> str | None:
    for key in ENDPOINT_KEYS:
        value = section.get(key)
        if isinstance(value, str) and value:
            return value
    return DEFAULT_ENDPOINTS.get(str(section.get("kind")))


def _probe(name: str, url: str, timeout: float) -> Finding:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    where = f"{host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        return Finding("calendar", False, f"Calendar [calendars.{name}] at {where} cannot be reached from this "
                       f"machine as {whoami()} ({reason}); changes for it wait in the outbox. Fix: check the "
                       "address in the config, the network and any firewall (the unit allows AF_INET/AF_INET6).")
    return Finding("calendar", True, f"Calendar [calendars.{name}] at {where} can be reached.")


def check_calendars(config: Config, timeout: float = CALENDAR_TIMEOUT) -> list[Finding]:
    """Each networked calendar answers a TCP connection within `timeout` seconds (probed in parallel)."""
    jobs = [(name, url) for name, section in config.calendars.items() if (url := _endpoint(section))]
    out: list[Finding] = []
    if config.ics_dir is not None:
        out.append(check_folder(config.ics_dir, "the .ics calendar folder", "calendar", fatal=False))
    if not jobs:
        return out
    with ThreadPoolExecutor(max_workers=min(8, len(jobs))) as pool:
        out += list(pool.map(lambda job: _probe(job[0], job[1], timeout), jobs))
    return out


def run_checks(config: Config, *, fresh: bool = False, network: bool = True) -> list[Finding]:
    """Every check, in the order a person would fix them: secrets, folders, state, calendars."""
    findings = check_secrets(config)
    findings.append(check_folder(config.inbox, "the intake folder", "inbox"))
    findings += check_inbox_files(config.inbox)
    findings.append(check_folder(config.processed_dir, "the processed/ folder", "processed"))
    findings.append(check_folder(config.rejected_dir, "the rejected/ folder", "rejected"))
    findings += check_state(config.state, fresh)
    if network:
        if config.state_url is not None:
            findings.append(check_pg_state(config))
        findings += check_calendars(config)
    return findings
