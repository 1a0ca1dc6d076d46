"""[sources.NAME] kind = "imap": every problem named with its key, before the daemon starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.errors import ConfigError
from daemon.settings.config import parse_config
from daemon.sources.notices.imap_source import ImapSource


def _parse(section: dict) -> None:
    parse_config({"sources": {"court-mail": section}}, Path("/etc/docketd/docketd.toml"), Path("/etc/docketd"))


def test_missing_keys_and_bad_values_are_named() -> None:
    with pytest.raises(ConfigError) as err:
        _parse({"kind": "imap", "senders": "*.uscourts.gov", "bankruptcy": "drop"})
    text = str(err.value)
    for needle in ("needs host", "needs username", "needs password_file", "senders must be a list",
                   "bankruptcy must be"):
        assert needle in text
    assert "[sources.court-mail]" in text


def test_a_complete_section_is_accepted() -> None:
    _parse({"kind": "imap", "host": "imap.firm.com", "username": "docketing@firm.com",
            "password_credential": "imap-pw", "senders": ["*.uscourts.gov"]})


def test_plain_text_logins_are_refused() -> None:
    with pytest.raises(ConfigError, match="never sends a password unencrypted"):
        ImapSource("court-mail", {"host": "h", "username": "u", "password_file": "p", "tls": "none"},
                   None, Path("/tmp"))  # type: ignore[arg-type]


def test_port_143_means_starttls() -> None:
    src = ImapSource("court-mail", {"host": "h", "port": 143, "username": "u", "password_file": "p"},
                     None, Path("/etc/docketd"))  # type: ignore[arg-type]
    assert src.tls == "starttls" and src.password_file == Path("/etc/docketd/p")
