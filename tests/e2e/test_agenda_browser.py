"""The daemon's /agenda page opened in a real headless Chromium: DOM content checked, screenshot saved.

Chromium is Debian's package (`make test` installs it through the system-deps target). Outside CI the
test is skipped, with that reason, when no chromium binary is on the PATH; in CI ($CI set) it fails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import urllib.request
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from daemon.engine import load_rulebook
from daemon.models import TriggerEvent
from tests.clock import pinned_day, pinned_env
from tests.e2e.daemon_proc import DaemonProcess, wait_until, write_config

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                       reason="chromium is not installed (run `make system-deps` as root)"),
    pytest.mark.pinned_day,  # re-run on tests/clock.HARD_DAYS by `make test`
]


class Dom(HTMLParser):
    """Every element of the dumped DOM with its attributes and the text directly inside it."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str], list[str]]] = []
        self._stack: list[int] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {k: v or "" for k, v in attrs}, []))
        if tag not in ("meta", "br", "link", "img", "input"):
            self._stack.append(len(self.elements) - 1)

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            i = self._stack.pop()
            if self.elements[i][0] == tag:
                break

    def handle_data(self, data: str) -> None:
        for i in self._stack:
            self.elements[i][2].append(data)

    def find(self, tag: str, **attrs: str) -> list[tuple[dict[str, str], str]]:
        """Elements of a tag whose attributes contain the given values (class: one of its classes)."""
        out = []
        for t, a, texts in self.elements:
            if t != tag:
                continue
            ok = all((v in a.get("class", "").split()) if k == "cls" else a.get(k.replace("_", "-")) == v
                     for k, v in attrs.items())
            if ok:
                out.append((a, " ".join("".join(texts).split())))
        return out


def _today() -> date:
    return pinned_day()


def _answer_due(served: date) -> date:
    trig = TriggerEvent("M", "summons_served", served, court="federal", service="personal")
    out = load_rulebook().compute(trig)
    return next(d.due for d in out if d.rule == "frcp.answer")


def _chromium(*args: str, profile: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None, "chromium is not installed: run `make system-deps` as root"
    return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_agenda_page_in_headless_chromium(tmp_path: Path) -> None:
    today = _today()
    # An answer due within a few days (flagged "due soon"), and two answers for Jane on one later day
    # (a conflict); the two triggers on the same day share their due date.
    soon_served = today - timedelta(days=19)
    soon_due = _answer_due(soon_served)
    later_served = today + timedelta(days=0)
    later_due = _answer_due(later_served)
    cfg = write_config(tmp_path, serve=True)
    daemon = DaemonProcess(cfg, tmp_path, env=pinned_env())
    daemon.start()
    try:
        match = re.search(r"http://127\.0\.0\.1:(\d+)/all\.ics", daemon.log)
        assert match, daemon.log
        base = f"http://127.0.0.1:{match.group(1)}"
        rows = (f"2026-0142,Acme v. Widget,federal,summons_served,{soon_served},personal,jdoe@firm.com,"
                "pat@firm.com,open\n"
                f"2026-0150,Baker v. Coastal,federal,summons_served,{later_served},personal,jdoe@firm.com,,"
                "open\n"
                f"2026-0151,Cole v. Dune,federal,summons_served,{later_served},personal,jdoe@firm.com,,"
                "open\n")
        (tmp_path / "var" / "inbox" / "intake.csv").write_text(HEADER + rows, encoding="utf-8")

        def page() -> str:
            with urllib.request.urlopen(f"{base}/agenda", timeout=10) as resp:
                return str(resp.read().decode("utf-8"))

        wait_until(lambda: "matter-2026-0151" in page() and "critical deadlines" in page(), timeout=60,
                   what="the three matters and their conflict on /agenda")

        dumped = _chromium("--dump-dom", f"{base}/agenda", profile=tmp_path / "chromium-dom")
        assert dumped.returncode == 0, dumped.stderr[-2000:]
        dom = Dom(dumped.stdout)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "agenda.png"
        shot.unlink(missing_ok=True)
        taken = _chromium(f"--screenshot={shot}", "--window-size=1280,1024", f"{base}/agenda",
                          profile=tmp_path / "chromium-shot")
        assert taken.returncode == 0, taken.stderr[-2000:]
    finally:
        assert daemon.stop() == 0
        daemon.close()

    assert [t for _, t in dom.find("h1")] == ["Docket agenda"]
    assert dom.find("table", cls="month", data_month=f"{today:%Y-%m}")
    # The month grid: the due day's cell holds the matter, highlighted as flagged (due soon).
    cells = dom.find("td", data_date=soon_due.isoformat())
    assert cells and "2026-0142 Answer due" in cells[0][1]
    flagged = [a for a, _ in dom.find("span", cls="flagged")
               if a.get("data-key") == "2026-0142|frcp.answer|summons_served|"]
    assert flagged and "flag-warning" in flagged[0]["class"]
    # The list of the next 14 days has the soon answer; the later ones are in the matters' sections.
    listed = {a.get("data-key") for a, _ in dom.find("tr", cls="item")}
    assert "2026-0142|frcp.answer|summons_served|" in listed
    # Open flags: due soon, and the conflict of Jane's two answers, each as a highlighted item.
    flag_text = " | ".join(t for _, t in dom.find("li", cls="flag"))
    assert f"is due {soon_due.isoformat()}" in flag_text and "within 5 court days" in flag_text
    assert f"Jane Doe (jdoe@firm.com) has 2 critical deadlines on {later_due.isoformat()}" in flag_text
    assert dom.find("li", cls="flag-warning", data_kind="conflict")
    # The matter page: triggers with source file and row, the explanation, and where it was pushed.
    section = dom.find("section", id="matter-2026-0142")
    assert section
    text = section[0][1]
    assert "Matter 2026-0142 — Acme v. Widget" in text and "from intake.csv row 2" in text
    assert "21 days after" in text and "Fed. R. Civ. P. 12(a)(1)(A)(i)" in text
    assert "ics:jdoe@firm.com ok" in text
    assert shot.exists() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
