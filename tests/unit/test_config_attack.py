"""Issue 18 B8/B13/B14: mistyped, misspelled or dangerous config values are refused with a sentence.

Each config below once gave a traceback (exit 1) or was accepted silently; now every one is a
sentence naming the [section] key and the fix, and `docketd` exits 2.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from daemon.cli.main import main
from daemon.errors import ConfigError
from daemon.settings.config import load_config

BASE = '[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n'

# (extra TOML, text the error must contain)
REFUSED = [
    ('daemon = "x"\n', "daemon = 'x' is not a section"),
    ('[people]\n"x@firm.com" = "y"\n', '[people."x@firm.com"] = \'y\' is not a section'),
    ('[intake]\nheaders = "x"\n', "[intake] headers = 'x' must be a table"),
    ("[routing]\ndefault = [14]\n", "[routing] default = [14] must be a list of texts"),
    ('[routing]\ndefault = "jdoe@firm.com"\n', "[routing] default = 'jdoe@firm.com' must be a list of texts"),
    ('[sync]\nbatch_size = "ten"\n', "[sync] batch_size = 'ten' must be a whole number"),
    ('[sync]\nmax_delete_floor = "5"\n', "[sync] max_delete_floor = '5' must be a whole number"),
    ('[sync]\nverify_minutes = "15"\n', "[sync] verify_minutes = '15' must be a number"),
    ("[sync]\nbatch_size = 0\n", "[sync] batch_size = 0 must be at least 1"),
    ('[daemon]\nx = 1\n', "[daemon] unknown key 'x'"),
    ('[sync]\non_edits = "keep"\n', "[sync] unknown key 'on_edits'; did you mean 'on_edit'?"),
    ('[ics]\ndir = "var/cal"\nserve = "[::1]:8765"\n', "[ics] serve = '[::1]:8765': the feed server listens on IPv4"),
    ('[ics]\ndir = "var/cal"\nserve = "0.0.0.0:8765"\n', "serve_public = true"),
    ('[people."a/b@firm.com"]\nname = "A"\n', "'a/b@firm.com' is not an e-mail address"),
    ('[routing]\ndefault = ["a/b@firm.com"]\n', "default lists 'a/b@firm.com', which is not an e-mail address"),
    ('[calendars.c]\nkind = "caldav"\nurl = "http://pat:secret@dav.firm.com/cal/"\nusername = "pat"\n',
     "has a user name or password in it"),
    ('[people."jdoe@firm.com"]\nremiders = ["7d"]\n', "unknown key 'remiders'; did you mean 'reminders'?"),
]


def _config(tmp_path: Path, extra: str) -> Path:
    p = tmp_path / "docketd.toml"
    # A config that sets [daemon] itself (or daemon = "x") must not get a second one: TOML refuses that.
    p.write_text(("" if extra.startswith(("daemon", "[daemon]")) else BASE) + extra, encoding="utf-8")
    return p


@pytest.mark.parametrize(("extra", "needle"), REFUSED, ids=[r[1][:40] for r in REFUSED])
def test_bad_config_is_a_sentence_and_exit_2(tmp_path: Path, extra: str, needle: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    path = _config(tmp_path, extra)
    code = main(["--config", str(path), "status"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    assert needle in err, err
    assert "secret" not in err  # B14: not even the refusal quotes the password


def test_polling_yes_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "docketd.toml"
    p.write_text(BASE + 'polling = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[daemon\] polling = 'yes' must be true or false"):
        load_config(p, tmp_path)


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    p = tmp_path / "docketd.toml"
    p.write_text(BASE + 'polling = "yes"\n[sync]\nbatch_size = 0\non_edits = "keep"\n'
                 '[routing]\ndefault = "jdoe@firm.com"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(p, tmp_path)
    text = str(info.value)
    for needle in ("polling", "batch_size", "on_edits", "[routing] default"):
        assert needle in text, needle


def test_public_feed_needs_the_opt_in(tmp_path: Path) -> None:
    p = tmp_path / "docketd.toml"
    p.write_text(BASE + '[ics]\ndir = "var/cal"\nserve = "0.0.0.0:8765"\nserve_public = true\n', encoding="utf-8")
    assert load_config(p, tmp_path).ics_serve == ("0.0.0.0", 8765)


def test_loopback_names_need_no_opt_in(tmp_path: Path) -> None:
    p = tmp_path / "docketd.toml"
    p.write_text(BASE + '[ics]\ndir = "var/cal"\nserve = "localhost:8765"\n', encoding="utf-8")
    assert load_config(p, tmp_path).ics_serve == ("localhost", 8765)


def test_port_in_use_is_a_sentence_and_exit_2(tmp_path: Path) -> None:
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]
    try:
        p = tmp_path / "docketd.toml"
        p.write_text(BASE + f'[ics]\ndir = "var/cal"\nserve = "127.0.0.1:{port}"\n', encoding="utf-8")
        proc = subprocess.run([sys.executable, "-m", "daemon.cli", "--config", str(p), "run"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
    finally:
        busy.close()
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert f"[ics] serve = '127.0.0.1:{port}'" in proc.stderr and "in use" in proc.stderr
