"""`docketd validate --config`: every problem of a config, found without starting anything.

The typed schema, the rule packs and courts, and each calendar's own settings (a connector reads its
section when it is built, which opens no connection) are checked together, so a typo in a
[calendars.NAME] section is a sentence now, not failing calendar work after the daemon has started.
"""

from __future__ import annotations

from daemon.engine import load_rulebook
from daemon.errors import DocketdError
from daemon.settings.config import Config
from daemon.sync.dispatcher import ConnectorPool


def config_problems(config: Config) -> list[str]:
    """Sentences for what is wrong in a loaded config's rules and calendar sections (empty: all usable)."""
    problems: list[str] = []
    try:
        load_rulebook(config.rule_dirs, config.closures)
    except DocketdError as exc:
        problems.append(str(exc))
    pool = ConnectorPool(config)
    try:
        for name in sorted(config.calendars):
            try:
                pool.get(name)
            except DocketdError as exc:
                text = str(exc)
                problems.append(text if text.startswith(f"[calendars.{name}]") else f"[calendars.{name}]: {text}")
    finally:
        pool.close()
    return problems
