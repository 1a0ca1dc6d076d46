"""Every real court notice in tests/data/nef (juriscraper's public test e-mails, BSD licence in
LICENSE.juriscraper beside them) comes out of `docketd notice parse --json` with the fields its
expected.json gives: court, case numbers, document numbers, filed date and docket text."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

NEF = Path(__file__).resolve().parents[2] / "data" / "nef"
FILES = sorted(NEF.glob("*/*.eml"))


def _norm_number(s: str) -> str:
    return s.split("/")[-1].lower() if "MDL" not in s else s  # "NYE/1:21-cv-02960" names another court's case


def _norm_text(s: str) -> str:
    # juriscraper drops the "#" before attachment numbers and straightens quotes; compare letters and digits.
    return re.sub(r"[^a-z0-9]", "", s.lower())


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict]:
    out = subprocess.run([sys.executable, "-m", "daemon.cli", "notice", "parse", *map(str, FILES), "--json"],
                         capture_output=True, text=True, timeout=300, check=False)
    assert out.returncode == 0, out.stderr
    return {Path(n["file"]).name: n for n in json.loads(out.stdout)["notices"]}


def test_the_corpus_is_there() -> None:
    assert len(FILES) >= 120 and (NEF / "LICENSE.juriscraper").is_file()


@pytest.mark.parametrize("eml", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_notice_reads_like_expected(eml: Path, parsed: dict[str, dict]) -> None:
    expected = json.loads(eml.with_name(eml.stem + ".expected.json").read_text())
    got = parsed[eml.name]
    if eml.parent.name == "bankruptcy":
        # Bankruptcy courts are not docketd's courts: recognised, sent to a person, never docketed.
        assert got["review"], eml.name
        assert got["kind"] == "other" or not got["triggers"]
        return
    if not expected.get("dockets"):  # a chambers e-mail, a help-desk letter: not a notice of filing
        assert got["kind"] == "other" and got["review"] and not got["triggers"]
        return
    want = [(_norm_number(d["docket_number"]), d["docket_entries"][0]["document_number"]) for d in expected["dockets"]]
    assert [(c["case_number"], c["document_number"]) for c in got["cases"]] == want
    entry = expected["dockets"][0]["docket_entries"][0]
    assert got["filed"] == entry["date_filed"]
    assert _norm_text(got["docket_text"]) == _norm_text(entry["description"])
    assert got["kind"] == ("nda" if expected["appellate"] else "nef")
    if expected["court_id"] != "almd" or "plain" not in eml.name:  # almd_3/4_plain are really dcd notices
        assert got["court"] == expected["court_id"]
    else:
        assert got["court"] == "dcd"


def test_shared_checker_scores_every_notice_right() -> None:
    """The project's own scorer (shared/tools/check_notices.py) over the same files: all right."""
    # Beside the checkout, or where this machine keeps the project's shared folder (a CI clone in /tmp).
    places = (Path(__file__).resolve().parents[3].parent / "shared", Path("/work/shared"))
    checker = next((p / "tools" / "check_notices.py" for p in places if (p / "tools" / "check_notices.py").is_file()),
                   None)
    if checker is None:
        pytest.skip("shared/tools/check_notices.py is neither beside this checkout nor in /work/shared")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    out = subprocess.run([sys.executable, str(checker), str(NEF)], capture_output=True, text=True,
                         timeout=300, env=env, check=False)
    assert out.returncode == 0, out.stdout + out.stderr
    assert f"{len(FILES)}/{len(FILES)} notices read right" in out.stdout
