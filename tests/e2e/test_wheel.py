"""The package installs: a built wheel and a plain `pip install .` each give a working docketd.

Each case copies the source tree (no .venv, .git, build output) to a temp folder, installs docketd
from it into a fresh venv and runs `docketd rules list` and `docketd preview FILE --json` from a
folder outside the checkout, so every pack, court and template comes from the installed package.

Why the fresh venv reuses the project venv's dependencies: resolving google-api-python-client and
friends from the registry would make this test slow and need the network. The fresh venv gets a
.pth line naming the project venv's site-packages (a plain path entry: that folder's own .pth files,
among them the editable install of the checkout, are NOT processed), and docketd itself is
installed with --no-deps --no-build-isolation from the copy. `pip check` then proves every declared
dependency resolves, and each run asserts `daemon` was imported from the fresh venv.
"""

from __future__ import annotations

import grp
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SKIP = shutil.ignore_patterns(".venv", ".git", "var", "build", "dist", "*.egg-info", "__pycache__",
                              ".mypy_cache", ".ruff_cache", ".pytest_cache", "bench", "tests")
INTAKE = (
    "matter,title,court,event,date,service,attorney\n"
    "2026-0142,Acme v. Widget,federal,summons_served,2026-01-05,personal,jdoe@firm.com\n"
    "2026-0157,Baker v. Coastal,ca-superior,summons_served,2026-01-05,personal,asmith@firm.com\n"
    "2026-0160,Firm v. Court,firm-court,summons_served,2026-01-05,personal,jdoe@firm.com\n"
)
# A firm's own court in its own folder ([rules] dirs), read next to the shipped packs.
FIRM_COURT = "court: firm-court\ntimezone: America/Los_Angeles\npacks: [frcp]\nholidays: federal\n"


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done


def _fresh_venv(where: Path) -> Path:
    """A new venv (no pip of its own) that sees the project venv's dependencies as a plain path."""
    venv.EnvBuilder(with_pip=False).create(where)
    py = where / "bin" / "python"
    site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          capture_output=True, text=True, check=True).stdout.strip()
    (Path(site) / "_project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    return py


def _clean_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "DOCKETD_", "VIRTUAL_ENV"))}
    env["HOME"] = str(tmp / "home")  # no ~/.config or pip config of the person running the tests
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


@pytest.mark.parametrize("how", ["wheel", "pip-install-dot"])
def test_installed_package_lists_rules_and_previews_outside_the_checkout(tmp_path: Path, how: str) -> None:
    src = tmp_path / "src"
    shutil.copytree(REPO, src, ignore=SKIP)
    env = _clean_env(tmp_path)
    pip = [sys.executable, "-m", "pip"]
    py = _fresh_venv(tmp_path / "venv")
    if how == "wheel":
        wheels = tmp_path / "wheels"
        _run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(src)], tmp_path, env)
        (wheel,) = wheels.glob("docketd-*.whl")
        target = str(wheel)
    else:
        target = str(src)
    _run([*pip, "--python", str(py), "install", "--no-deps", "--no-build-isolation", "--no-index", target],
         tmp_path, env)
    _run([*pip, "--python", str(py), "check"], tmp_path, env)

    away = tmp_path / "elsewhere"
    away.mkdir()
    where = _run([str(py), "-c", "import daemon; print(daemon.__file__)"], away, env).stdout.strip()
    assert Path(where).is_relative_to(tmp_path / "venv"), where
    templates = _run([str(py), "-c", "from daemon.views.html import environment as e; print(*e().list_templates())"],
                     away, env).stdout.split()
    assert {"agenda.html.j2", "digest.html.j2", "digest_test_banner.html.j2"} <= set(templates), templates
    docketd = str(tmp_path / "venv" / "bin" / "docketd")

    listed = _run([docketd, "rules", "list"], away, env).stdout
    rules = {line.split()[0] for line in listed.splitlines()[1:] if line.strip()}
    assert {"frcp.answer", "ca.answer"} <= rules, listed
    assert any(r.startswith("frap.") for r in rules), listed

    (away / "firm-rules").mkdir()
    (away / "firm-rules" / "firm-court.yaml").write_text(FIRM_COURT, encoding="utf-8")
    (away / "docketd.toml").write_text('[daemon]\nstate = "state.db"\n\n[rules]\ndirs = ["firm-rules"]\n',
                                       encoding="utf-8")
    (away / "intake.csv").write_text(INTAKE, encoding="utf-8")
    out = json.loads(_run([docketd, "preview", "intake.csv", "--json", "--today", "2026-01-06"], away, env).stdout)
    answers = {d["matter"]: d for d in out["deadlines"] if d["rule"] in ("frcp.answer", "ca.answer")}
    # FRCP 12(a)(1)(A)(i): 21 days after personal service on Mon 2026-01-05 -> Mon 2026-01-26.
    assert answers["2026-0142"]["due"] == "2026-01-26"
    assert answers["2026-0142"]["citation"].startswith("Fed. R. Civ. P. 12(a)(1)(A)(i)")
    # CCP 412.20(a)(3): 30 days after personal service on 2026-01-05 -> Wed 2026-02-04.
    assert answers["2026-0157"]["due"] == "2026-02-04"
    # The firm's court counts under FRCP like `federal`: the same 2026-01-26.
    assert answers["2026-0160"]["due"] == "2026-01-26" and answers["2026-0160"]["court"] == "firm-court"

    # `docketd install` from the installed package (no checkout): the unit and config come from package data.
    if os.geteuid() == 0:
        root = tmp_path / "root"
        group = next(g.gr_name for g in grp.getgrall() if g.gr_gid > 0)  # install refuses gid 0
        done = _run([docketd, "install", "--root", str(root), "--group", group, "--shared", "/srv/docket"],
                    away, env)
        unit = (root / "etc/systemd/system/docketd.service").read_text(encoding="utf-8")
        assert f"ExecStart={tmp_path / 'venv' / 'bin' / 'docketd'}" in unit, unit
        config = (root / "etc/docketd/docketd.toml").read_text(encoding="utf-8")
        assert 'inbox = "/srv/docket/inbox"' in config, done.stdout
