"""`[state] url` (issue 16): the SQLite file by default, `postgresql://` for PostgreSQL, and every bad address
a sentence naming the file, the key and the fix, never with its password in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from daemon.errors import ConfigError, redact_password
from daemon.settings.config import load_config
from tests.reliability.helpers import run_cli

BASE = '[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n\n[people."jdoe@firm.com"]\nname = "Jane Doe"\n'


def _config(tmp: Path, url: str | None) -> Path:
    path = tmp / "docketd.toml"
    extra = "" if url is None else f'\n[state]\nurl = "{url}"\n'
    path.write_text(BASE + extra, encoding="utf-8")
    return path


def test_without_a_url_the_state_is_the_sqlite_file(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, None))
    assert config.state_url is None
    assert config.state == config.base_dir / "var" / "state.db"


def test_a_sqlite_url_names_the_file(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, "sqlite:///srv/docket/state.db"))
    assert (config.state_url, config.state) == (None, Path("/srv/docket/state.db"))
    relative = load_config(_config(tmp_path, "sqlite:other.db"))
    assert relative.state == relative.base_dir / "other.db"


def test_a_postgresql_url_selects_postgresql(tmp_path: Path) -> None:
    config = load_config(_config(tmp_path, "postgresql://docketd@db.firm.com:5432/docketd"))
    assert config.state_url == "postgresql://docketd@db.firm.com:5432/docketd"
    assert config.state == config.base_dir / "var" / "state.db"  # the state folder (tokens, caches) stays


@pytest.mark.parametrize(("url", "words"), [
    ("mysql://db/docket", "is not a state database address"),
    ("postgresql://docketd@db.firm.com:port/docketd", "is not a valid address"),
    ("postgresql://docketd@db.firm.com", "names no database"),
    ("sqlite:", "names no file"),
])
def test_a_bad_url_is_a_sentence_naming_file_key_and_fix(tmp_path: Path, url: str, words: str) -> None:
    cfg = _config(tmp_path, url)
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    text = str(err.value)
    assert f"{cfg}: [state] url = {url!r}" in text and words in text
    assert "postgresql://USER@HOST:5432/DATABASE" in text or "e.g." in text


def test_a_password_in_the_url_is_refused_and_never_shown(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "postgresql://docketd:hunter2@db.firm.com/docketd")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    text = str(err.value)
    assert "hunter2" not in text
    assert "'postgresql://docketd:***@db.firm.com/docketd' has a password in it" in text and "PGPASSFILE" in text
    out = run_cli(cfg, "validate")  # the CLI's own sentence, not only the exception
    assert out.returncode == 2
    assert "hunter2" not in out.stdout + out.stderr and "[state] url" in out.stdout + out.stderr


def test_a_bad_url_with_a_password_hides_it_too(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "postgresql://docketd:hunter2@db.firm.com:port/docketd")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert "hunter2" not in str(err.value) and "docketd:***@" in str(err.value)


def test_a_password_in_the_query_string_is_refused_too(tmp_path: Path) -> None:
    cfg = _config(tmp_path, "postgresql://docketd@db.firm.com/docketd?sslmode=require&password=hunter2")
    with pytest.raises(ConfigError) as err:
        load_config(cfg)
    assert "hunter2" not in str(err.value) and "password=***" in str(err.value)


def test_redact_password_keeps_the_user() -> None:
    assert redact_password("cannot reach postgresql://u:p@ss@h/db now") == "cannot reach postgresql://u:***@h/db now"
    assert redact_password("postgresql://u@h:5432/db") == "postgresql://u@h:5432/db"
