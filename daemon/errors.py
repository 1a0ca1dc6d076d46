"""Typed errors docketd raises; each message is a sentence for a person (what, where, fix)."""

from __future__ import annotations


class DocketdError(Exception):
    """Base of docketd's own errors; the CLI turns these into messages and exit codes."""

    exit_code = 1


class ConfigError(DocketdError):
    """The config file is missing or invalid."""

    exit_code = 2


class UsageError(DocketdError):
    """The command line asks for something that cannot be done."""

    exit_code = 2


class StoreError(DocketdError):
    """The state database cannot be opened or migrated."""
