"""One root error: every error a user can see derives from DocketdError, and daemon.cli.main.main is the one
place that turns it into a `docketd: ...` line on stderr and an exit code (issue 14)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.base import AuthError, ConnectorError, PermanentError, TransientError
from daemon.cli.main import main
from daemon.engine import EngineError, PackError, UnknownCourt, UnknownEvent
from daemon.errors import ConfigError, DocketdError, NotFoundError, StoreError, UsageError
from daemon.intake import IntakeError
from daemon.service.main import Service
from daemon.service.smtp import SmtpStepError
from tests.reliability.helpers import plain_config

COURT = "court: firm-court\ntimezone: America/Los_Angeles\npacks: [frcp]\nholidays: federal\n"


@pytest.mark.parametrize("cls", [ConfigError, UsageError, StoreError, NotFoundError, EngineError, PackError,
                                 UnknownCourt, UnknownEvent, IntakeError, ConnectorError, AuthError,
                                 PermanentError, TransientError, SmtpStepError])
def test_every_user_facing_error_derives_from_the_root(cls: type) -> None:
    assert issubclass(cls, DocketdError)


def test_reload_with_a_broken_firm_pack_keeps_the_running_config(tmp_path: Path) -> None:
    """SIGHUP with a rule pack made invalid: logged, the old rules stay (a PackError used to escape)."""
    rules = tmp_path / "firm-rules"
    rules.mkdir()
    (rules / "firm-court.yaml").write_text(COURT, encoding="utf-8")
    config = plain_config(tmp_path, f'[rules]\ndirs = ["{rules}"]\n')
    svc = Service(config, tmp_path)
    try:
        before = svc.rules
        assert "firm-court" in before.court_ids()
        (rules / "firm-court.yaml").write_text(COURT.replace("[frcp]", "[nosuch]"), encoding="utf-8")
        svc.reload()
        assert svc.rules is before
    finally:
        svc.pool.close()
        svc.store.close()


def test_main_reports_command_errors_as_one_line_and_an_exit_code(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no ./docketd.toml: built-in defaults, state in tmp_path
    monkeypatch.delenv("DOCKETD_CONFIG", raising=False)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.yaml").write_text(COURT.replace("[frcp]", "[nosuch]"), encoding="utf-8")
    cases = [
        (["rules", "show", "nope.rule"], 2, "docketd: no rule 'nope.rule'"),
        (["rules", "list", "--court", "nowhere"], 2, "docketd: "),
        (["rules", "list", "--rules-dir", str(broken)], 2, "unknown rule pack 'nosuch'"),
        (["--config", str(tmp_path / "missing.toml"), "status"], 2, "docketd: "),
    ]
    for argv, code, text in cases:
        assert main(argv) == code, argv
        err = capsys.readouterr().err
        assert err.startswith("docketd: ") and text in err and "Traceback" not in err, (argv, err)
