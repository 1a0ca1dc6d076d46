"""Shared fixtures for the engine tests: one rule book loaded once per session."""

from __future__ import annotations

import pytest

from daemon.engine import RuleBook, load_rulebook


@pytest.fixture(scope="session")
def book() -> RuleBook:
    """The shipped rule packs and courts."""
    return load_rulebook()
