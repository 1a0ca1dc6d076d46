"""`docketd notice parse`, `link` and `review` as a user runs them (real subprocess, real SQLite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.integration.notice_mail import NEF, hearing_notice

HEADER = "matter,title,court,event,date,attorney,case_number\n"
ROW = "2023-0007,Simon v. City and County of San Francisco,cand,complaint_filed,2022-09-27,jdoe@firm.com,\n"


def run(cfg: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    pre = ["--config", str(cfg)] if cfg else []
    return subprocess.run([sys.executable, "-m", "daemon.cli", *pre, *args], capture_output=True, text=True,
                          timeout=120, check=False,
                          env={k: v for k, v in os.environ.items() if k != "DOCKETD_CONFIG"})


def _config(tmp: Path) -> Path:
    cfg = tmp / "docketd.toml"
    cfg.write_text(f'[daemon]\ninbox = "{tmp}/inbox"\nstate = "{tmp}/state.db"\n[ics]\ndir = "{tmp}/cal"\n')
    (tmp / "inbox").mkdir()
    return cfg


def test_parse_prints_what_it_reads_and_stores_nothing(tmp_path: Path) -> None:
    out = run(None, "notice", "parse", str(NEF / "district" / "arwd_4.eml"))
    assert out.returncode == 0, out.stderr
    assert "nef arwd 2:21-cv-02107 (doc 10); filed 2021-06-28" in out.stdout
    assert "-> Rule 26 Meeting Report due 2021-08-04" in out.stdout
    assert "REVIEW: The sender driscoll@everettlawfirm.com" in out.stdout  # a forwarded copy
    assert not (tmp_path / "state.db").exists()


def test_parse_of_a_file_that_is_no_email_exits_1_with_a_sentence(tmp_path: Path) -> None:
    empty = tmp_path / "empty.eml"
    empty.write_bytes(b"")
    out = run(None, "notice", "parse", str(empty), "--json")
    assert out.returncode == 1
    (n,) = json.loads(out.stdout)["notices"]
    assert n["kind"] == "other" and "empty" in n["review"]
    missing = run(None, "notice", "parse", str(tmp_path / "nope.eml"))
    assert missing.returncode == 2 and "No such file" in missing.stderr


def test_link_review_accept_and_reject(tmp_path: Path) -> None:
    cfg = _config(tmp_path)
    (tmp_path / "inbox" / "intake.csv").write_text(HEADER + ROW)
    assert run(cfg, "sync", "--once").returncode == 0
    (tmp_path / "inbox" / "n.eml").write_bytes(hearing_notice())
    assert run(cfg, "sync", "--once").returncode == 0
    listed = run(cfg, "review")
    assert "#1 [open] cand 4:22-cv-05541 (ECF 45)" in listed.stdout
    assert "No matter is linked to case 4:22-cv-05541" in listed.stdout
    bad = run(cfg, "link", "2099-0001", "4:22-cv-05541")
    assert bad.returncode == 2 and "no matter '2099-0001'" in bad.stderr
    linked = run(cfg, "link", "2023-0007", "4:22-CV-05541-JST")
    assert "Linked case 4:22-cv-05541 to matter 2023-0007." in linked.stdout
    assert "1 notices for this case wait in review" in linked.stdout
    wrong = run(cfg, "review", "accept", "1", "--event", "no_such_event", "--date", "2023-01-19")
    assert wrong.returncode == 2 and "not a trigger event of court cand" in wrong.stderr
    ok = run(cfg, "review", "accept", "1")
    assert ok.returncode == 0 and "docketed 3 dates for 2023-0007" in ok.stdout, ok.stderr
    again = run(cfg, "review", "reject", "1")
    assert again.returncode == 2 and "already accepted" in again.stderr
    assert "No court notices wait for review." in run(cfg, "review").stdout
    items = json.loads(run(cfg, "review", "--json", "--all").stdout)["items"]
    assert [i["status"] for i in items] == ["accepted"]
