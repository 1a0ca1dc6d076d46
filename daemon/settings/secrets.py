"""Secret files: find the ones a config names, warn when others can read them, read systemd credentials.

Secrets come either from files of mode 0600 named in the config (`credentials`, `password_file`,
`client_secret_file`, `certificate_file`, ...) or from systemd credentials (`LoadCredential=` puts
them, readable only by the service, under $CREDENTIALS_DIRECTORY). Nothing here logs a secret's
content; warnings name only the file and the command that fixes it.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from daemon.errors import ConfigError
from daemon.settings.config import Config

log = logging.getLogger("docketd")

# Keys of [calendars.*] and [sources.*] sections whose value is the path of a secret file.
SECRET_FILE_KEYS = ("credentials", "password_file", "client_secret_file", "certificate_file", "token_file",
                    "key_file", "client_secrets")
# Keys whose value is a secret itself; keeping one in the config makes the config a secret file.
INLINE_SECRET_KEYS = ("password", "client_secret", "token", "api_key", "refresh_token")
# Files the connectors write in the state folder that hold tokens (connectors/google/auth.py,
# connectors/outlook/auth.py).
STATE_SECRET_GLOBS = ("google-oauth-*.json", "outlook-tokens/*.json")


def _section_paths(sections: Mapping[str, Mapping[str, Any]], base: Path) -> list[Path]:
    out: list[Path] = []
    for section in sections.values():
        for key in SECRET_FILE_KEYS:
            value = section.get(key)
            if isinstance(value, str) and value:
                p = Path(os.path.expanduser(value))
                out.append(p if p.is_absolute() else base / p)
    return out


def has_inline_secrets(config: Config) -> bool:
    """True if any calendar or source section holds a password or token in the config file itself."""
    sections = [*config.calendars.values(), *config.sources.values()]
    return any(isinstance(s.get(k), str) and s.get(k) for s in sections for k in INLINE_SECRET_KEYS)


def secret_paths(config: Config) -> list[Path]:
    """Every file the config says holds a secret (plus the config itself if it holds one inline)."""
    base = config.base_dir
    paths = _section_paths(config.calendars, base) + _section_paths(config.sources, base)
    if has_inline_secrets(config):
        paths.append(config.path)
    state_dir = config.state_dir
    if state_dir.is_dir():
        for pattern in STATE_SECRET_GLOBS:
            paths += sorted(state_dir.glob(pattern))
    seen: set[Path] = set()
    unique = []
    for p in paths:
        if p not in seen:
            seen.add(p)
            unique.append(p)
    return unique


def readable_by_others(mode: int) -> bool:
    """True if a file mode lets the group or other users read or write the file."""
    return bool(mode & (stat.S_IRWXG | stat.S_IRWXO))


def permission_warnings(paths: Iterable[Path]) -> list[str]:
    """One sentence per secret file that the group or others can read, naming the chmod to run."""
    warnings = []
    for p in paths:
        try:
            mode = p.stat().st_mode
        except OSError:
            continue  # a missing file is the connector's error to report, with its own fix
        if stat.S_ISREG(mode) and readable_by_others(mode):
            who = "other users" if mode & stat.S_IRWXO else "its group"
            warnings.append(f"Secret file {p} can be read by {who} (mode {stat.S_IMODE(mode):04o}); "
                            f"run: chmod 600 {p}")
    return warnings


def secret_warnings(config: Config) -> list[str]:
    """Warnings for every group- or world-readable secret file the config uses."""
    return permission_warnings(secret_paths(config))


def log_secret_warnings(config: Config) -> list[str]:
    """Log (at WARNING) and return the warnings for readable secret files; called at service start."""
    warnings = secret_warnings(config)
    for w in warnings:
        log.warning("%s", w)
    return warnings


def credentials_directory(environ: Mapping[str, str] | None = None) -> Path | None:
    """The folder systemd's LoadCredential= filled ($CREDENTIALS_DIRECTORY), if the service has one."""
    value = (os.environ if environ is None else environ).get("CREDENTIALS_DIRECTORY")
    return Path(value) if value else None


def credential_path(name: str, environ: Mapping[str, str] | None = None) -> Path | None:
    """The path of systemd credential `name`, if $CREDENTIALS_DIRECTORY is set and holds it."""
    folder = credentials_directory(environ)
    if folder is None or not name or "/" in name or name in (".", ".."):
        return None
    path = folder / name
    return path if path.is_file() else None


def read_secret(name: str, fallback: Path | None = None, environ: Mapping[str, str] | None = None) -> str:
    """A secret's text: systemd credential `name` first, else the file `fallback`; trailing newline cut."""
    path = credential_path(name, environ) or fallback
    if path is None:
        raise ConfigError(f"Secret {name!r} was not found: $CREDENTIALS_DIRECTORY does not hold it and no "
                          f"file is configured; add LoadCredential={name}:/etc/docketd/{name} to the unit "
                          "or name a file of mode 0600 in the config.")
    try:
        return path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise ConfigError(f"Secret file {path} cannot be read ({exc.strerror or exc}); check that it exists "
                          "and that the docketd user may read it.") from None
