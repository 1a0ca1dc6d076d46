"""The daemon's hook for [sources.*] kind = "imap" (daemon.service.main TICKER_MODULES): poll each mailbox.

Failures are reported like every intake source's (daemon.sources.living.Poller): a `source-failed` flag after
repeated transient failures, at once for a permanent one (a refused login, an untrusted certificate).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from daemon.docket import Docket
from daemon.errors import ConfigError
from daemon.settings.config import Config
from daemon.sources.living import Poller
from daemon.sources.mirror import PollResult
from daemon.sources.notices.imap_source import ImapSource

log = logging.getLogger("docketd.imap")


class _Polled:
    """An ImapSource as the intake Poller sees it."""

    def __init__(self, source: ImapSource) -> None:
        self.source = source
        self.name = source.name
        self.poll_seconds = source.poll_seconds
        self.docket = source.docket

    def poll(self, now: datetime, *, force: bool = False) -> PollResult:
        """Read the new messages."""
        return PollResult(self.name, read=bool(self.source.poll(now)))


def build_imap_sources(config: Config, docket: Docket) -> list[ImapSource]:
    """One ImapSource per [sources.NAME] with kind = "imap"; a broken section is logged and skipped."""
    out = []
    for name, section in config.sources.items():
        if section.get("kind") != "imap":
            continue
        try:
            out.append(ImapSource(name, dict(section), docket, config.base_dir))
        except ConfigError as exc:
            log.error("Court-mail source %s is not polled: %s", name, exc)
    return out


def make_ticker(service: Any) -> Any:
    """A tick polling every IMAP source, rebuilt after a config reload; None without one."""
    if not any(s.get("kind") == "imap" for s in service.config.sources.values()):
        return None
    state: dict[str, Any] = {"docket": None, "poller": None}

    def tick(now: datetime) -> None:
        if state["docket"] is not service.docket:
            state["docket"] = service.docket
            state["poller"] = Poller([_Polled(s) for s in build_imap_sources(service.config, service.docket)])
        state["poller"].tick(now)

    tick.__name__ = "court-mail"
    return tick
