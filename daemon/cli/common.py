"""What every `docketd` command shares: finding the config, the firm's clock, opening the docket."""

from __future__ import annotations

import argparse
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from daemon.errors import ConfigError
from daemon.settings.config import Config, load_config, parse_config

DEFAULT_CONFIG_PLACES = ("docketd.toml", "/etc/docketd/docketd.toml")


def find_config(args: argparse.Namespace, required: bool) -> Config:
    """The config named by --config or $DOCKETD_CONFIG, else a default place, else built-in defaults."""
    explicit = getattr(args, "config", None) or os.environ.get("DOCKETD_CONFIG")
    if explicit:
        return load_config(Path(explicit))
    for place in DEFAULT_CONFIG_PLACES:
        if Path(place).is_file():
            return load_config(Path(place))
    if required:
        raise ConfigError("No config file found; pass --config FILE (start from "
                          "config/docketd.example.toml) or set DOCKETD_CONFIG.")
    return parse_config({}, Path("<built-in defaults>"), Path.cwd())


def today_for(config: Config) -> datetime:
    """Now in the firm's time zone (the CLI's clock edge)."""
    return datetime.now(ZoneInfo(config.timezone))


def open_docket(config: Config):  # type: ignore[no-untyped-def]
    """The docket on the configured state store, with the configured rule book."""
    from daemon.docket import Docket
    from daemon.engine import load_rulebook
    from daemon.state.store import Store

    store = Store(config.state, url=config.state_url)
    return Docket(config, store, load_rulebook(config.rule_dirs, config.closures))
