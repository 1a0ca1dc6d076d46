"""Intake sources besides the inbox: a Google Sheet or an Excel workbook kept as the living intake list.

Mirror semantics: the source's rows are the current truth. Each poll that finds the source changed
hands all its rows to `daemon.sources.inbox.ingest_mirror`, which applies new and edited rows, withdraws
the future deadlines of rows that vanished, and holds back (with a `source-vanished` flag) when a
large share vanished at once until `docketd confirm-source NAME`. A source that cannot be read, or
whose header lost a required column, is never mirrored: that would look like every row vanishing.
Feedback goes where the paralegal works: the sheet's status column, or a sidecar CSV beside the
workbook (`<name>.docketd-status.csv`); docketd never edits any other cell and never moves a workbook.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.base import ConnectorContext, ConnectorError, PermanentError, TransientError
from daemon.docket import Docket, now_iso
from daemon.settings.config import Config, credentials_dir
from daemon.sources.excel import ExcelSource
from daemon.sources.mirror import PollResult, Source
from daemon.sources.sheet import DEFAULT_STATUS_COLUMN, SheetSource
from daemon.state import flags

log = logging.getLogger(__name__)


def build_sources(config: Config, docket: Docket, ctx: ConnectorContext | None = None) -> list[Source]:
    """One Source per [sources.NAME] section; a section that cannot be built is logged and skipped."""
    from connectors.google.sheets import SheetsClient

    ctx = ctx or ConnectorContext(state_dir=str(config.state_dir),
                                  credentials_dir=str(credentials_dir()) if credentials_dir() else None,
                                  config_dir=str(config.base_dir))
    out: list[Source] = []
    for name, section in config.sources.items():
        if section.get("kind") == "imap":
            continue  # court e-mail: daemon/sources/notices/imap_source.py has its own ticker
        vanish = {k: section[k] for k in ("vanish_share", "vanish_floor") if k in section}
        try:
            if section.get("kind") == "google-sheet":
                out.append(SheetSource(
                    name, SheetsClient.from_config(name, section, ctx), docket,
                    status_column=str(section.get("status_column") or DEFAULT_STATUS_COLUMN),
                    poll_seconds=float(section.get("poll_seconds", 60)),
                    change_detection=str(section.get("change_detection", "drive")),
                    header_aliases=config.header_aliases, vanish=vanish))
            elif section.get("kind") == "excel":
                out.append(_excel(name, section, config, docket, vanish))
        except ConnectorError as exc:
            log.error("Intake source %s is not polled: %s", name, exc)
    return out


def _excel(name: str, section: dict[str, Any], config: Config, docket: Docket,
           vanish: dict[str, Any]) -> ExcelSource:
    raw = str(section.get("path") or "")
    if not raw:
        raise PermanentError(f"[sources.{name}] needs `path` = the workbook, e.g. \"/srv/docket/intake.xlsx\".")
    path = Path(raw).expanduser()
    path = path if path.is_absolute() else config.base_dir / path
    inbox = config.inbox.resolve()
    if path.resolve().parent == inbox:
        raise PermanentError(f"[sources.{name}] path {path} is inside the inbox, where dropped files are "
                             "moved away after reading; keep the workbook in another folder.")
    return ExcelSource(name, path, docket, sheet=str(section["sheet"]) if section.get("sheet") else None,
                       poll_seconds=float(section.get("poll_seconds", 5)),
                       settle_seconds=float(section.get("settle_seconds", 1)),
                       header_aliases=config.header_aliases, vanish=vanish)


FLAG_AFTER_TRANSIENT = 3  # consecutive failed polls before a passing outage becomes a flag


class Poller:
    """Polls each source when its interval has passed; one failing source never stops the others.

    A source that keeps failing (or cannot authenticate at all) raises a `source-failed` flag that
    `docketd status` shows; the first good poll clears it.
    """

    def __init__(self, sources: list[Source], clock: Callable[[], float] = time.monotonic) -> None:
        self.sources = sources
        self._clock = clock
        self._next: dict[str, float] = {}
        self._failures: dict[str, int] = {}
        self._clean: set[str] = set()
        self.last: dict[str, PollResult] = {}

    def tick(self, now: datetime) -> None:
        """Poll every source that is due."""
        for source in self.sources:
            at = self._clock()
            if at < self._next.get(source.name, 0.0):
                continue
            self._next[source.name] = at + source.poll_seconds
            try:
                self.last[source.name] = source.poll(now)
            except ConnectorError as exc:
                failures = self._failures[source.name] = self._failures.get(source.name, 0) + 1
                log.warning("Intake source %s could not be read: %s", source.name, exc)
                if not isinstance(exc, TransientError) or failures >= FLAG_AFTER_TRANSIENT:
                    _raise_failure(source, exc, failures, now)
                    self._clean.discard(source.name)
                continue
            self._failures.pop(source.name, None)
            if source.name not in self._clean:
                with source.docket.store.transaction() as db:
                    flags.delete_kind(db, source.name, "source-failed")
                self._clean.add(source.name)


def _raise_failure(source: Source, exc: ConnectorError, failures: int, now: datetime) -> None:
    severity = "warning" if isinstance(exc, TransientError) else "critical"
    with source.docket.store.transaction() as db:
        flags.upsert(db, scope=source.name, kind="source-failed", severity=severity,
                     message=f"Intake source {source.name} could not be read ({failures} polls in a row): {exc}",
                     action="Fix what the message names; docketd keeps trying and keeps every deadline it has.",
                     matter=None, stamp=now_iso(now))


def make_ticker(service: Any) -> Callable[[datetime], None] | None:
    """The daemon's hook (Service._load_tickers): a tick polling every configured source.

    After a config reload (SIGHUP) the service holds a new Docket; the sources are rebuilt from the
    new config on the next tick, so added, removed or edited [sources.*] sections take effect.
    """
    if not service.config.sources:
        return None
    state: dict[str, Any] = {"docket": None, "poller": None}

    def tick(now: datetime) -> None:
        if state["docket"] is not service.docket:
            state["docket"] = service.docket
            state["poller"] = Poller(build_sources(service.config, service.docket))
            service.source_poller = state["poller"]
        state["poller"].tick(now)

    tick.__name__ = "intake-sources"
    return tick


__all__ = ["DEFAULT_STATUS_COLUMN", "ExcelSource", "PollResult", "Poller", "SheetSource", "Source", "build_sources",
           "make_ticker"]
