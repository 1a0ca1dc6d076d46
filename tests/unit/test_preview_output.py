"""`docketd preview --json` output: UTF-8 JSON whatever the locale, the same content as json would give."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROWS = ("matter,title,court,event,date,service,attorney\n"
        "2026-0142,Müller v. Ærø Ltd,federal,summons_served,2026-01-05,personal,jdoe@firm.com\n"
        "2026-0143,Straße v. Ærø,Zürich–Obergericht,summons_served,2026-01-05,personal,jdoe@firm.com\n")


def _preview(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    path = tmp_path / "intake.csv"
    path.write_text(ROWS, encoding="utf-8")
    full = {k: v for k, v in os.environ.items() if k != "DOCKETD_CONFIG"} | env
    return subprocess.run([sys.executable, "-m", "daemon.cli", "preview", "--json", "--today", "2026-01-06",
                           str(path)], capture_output=True, env=full, cwd=tmp_path, check=False, timeout=120)


def test_non_ascii_titles_come_out_as_utf8_json_in_a_latin1_locale(tmp_path: Path) -> None:
    # json.dumps escaped non-ASCII; orjson writes it as UTF-8 bytes, which must not depend on the locale.
    out = _preview(tmp_path, {"LC_ALL": "C", "LANG": "C", "PYTHONIOENCODING": "latin-1", "PYTHONUTF8": "0"})
    assert out.returncode == 1, out.stderr.decode()  # the second row's court is refused
    data = json.loads(out.stdout.decode("utf-8"))
    assert data["deadlines"] and len(data["errors"]) == 1
    assert "Zürich" in data["errors"][0]["message"]
    assert "Zürich".encode() in out.stdout
    assert out.stdout.count(b"\n") == 1  # one line for scripts
