"""Typed errors docketd raises; each message is a sentence for a person (what, where, fix).

`DocketdError` is the one root: engine errors (daemon.engine.errors), intake errors
(daemon.intake.result.IntakeError), connector errors (connectors.base.ConnectorError), SMTP errors
and the ones below all derive from it. `daemon.cli.main.main` is the one place that turns them into a
message on stderr and an exit code (`exit_code`); commands raise, they do not print-and-exit.
"""

from __future__ import annotations

import re


class DocketdError(Exception):
    """The root of every error a user can see; the CLI turns these into messages and exit codes."""

    exit_code = 1


class ConfigError(DocketdError):
    """The config file is missing or invalid."""

    exit_code = 2


class UsageError(DocketdError):
    """The command line asks for something that cannot be done."""

    exit_code = 2


class StoreError(DocketdError):
    """The state database cannot be opened or migrated."""


class NotFoundError(DocketdError):
    """What a command asks about is not there (no state database yet, no such matter)."""


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#]+@")


def redact_credentials(text: str) -> str:
    """`text` with the user:password@ part of every URL in it replaced by ***@ (issue 18 B14)."""
    return _USERINFO.sub(r"\1***@", text)


_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s@?#:]*):[^/\s?#]*@")


_PASSWORD_PARAM = re.compile(r"(?i)\b(password=)[^&\s'\"]*")


def redact_password(text: str) -> str:
    """`text` with the password of every URL in it (`user:***@host`, `?password=***`) replaced by ***."""
    return _PASSWORD_PARAM.sub(r"\1***", _PASSWORD.sub(r"\1:***@", text))
