"""A docket on real SQLite and rule packs with one person on the in-memory calendar, for in-process tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.memory import MemoryConnector
from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.engine.rulebook import RuleBook
from daemon.settings.config import parse_config
from daemon.state.store import Store
from daemon.sync.dispatcher import ConnectorPool, Dispatcher

PERSON = "jdoe@firm.com"
_RULES: list[RuleBook] = []


def shared_rules() -> RuleBook:
    """The shipped rule book, loaded once per test process."""
    if not _RULES:
        _RULES.append(load_rulebook())
    return _RULES[0]


class MemoryDocket:
    """Config, store, docket and dispatcher for `jdoe@firm.com` on the calendar `mem` (kind memory)."""

    def __init__(self, tmp: Path, *, reminders: tuple[str, ...] = ("1d",), calendar: dict[str, Any] | None = None,
                 extra: dict[str, Any] | None = None, stamp: str = "2026-01-06T09:00:00") -> None:
        raw: dict[str, Any] = {
            "daemon": {"inbox": str(tmp / "inbox"), "state": str(tmp / "state.db")},
            "calendars": {"mem": {"kind": "memory", **(calendar or {})}},
            "people": {PERSON: {"calendars": ["mem"], "reminders": list(reminders)}},
        }
        raw.update(extra or {})
        self.tmp = tmp
        self.config = parse_config(raw, tmp / "docketd.toml", tmp)
        self.config.inbox.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.config.state)
        self.docket = Docket(self.config, self.store, shared_rules())
        self.pool = ConnectorPool(self.config)
        self.dispatcher = Dispatcher(self.config, self.store, self.pool, lambda: stamp)
        self.n = 0

    @property
    def cal(self) -> MemoryConnector:
        """The in-memory calendar the dispatcher writes to."""
        c = self.pool.get("mem")
        assert isinstance(c, MemoryConnector)
        return c
