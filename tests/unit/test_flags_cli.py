"""`docketd flags`, `ack`, `matter` and `agenda` against a real store, through the real CLI.

The CLI runs as a subprocess on the pinned day (time-machine, tests/clock.py): "due soon" and
"future-dated" are judged against the day the CLI reads, which the test must know.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest

from tests.clock import pinned_day
from tests.reliability.helpers import run_cli

pytestmark = pytest.mark.pinned_day  # re-run on tests/clock.HARD_DAYS by `make test`

HEADER = "matter,title,court,event,date,service,attorney,paralegal,status\n"
KEY = "2026-0142|frcp.answer|summons_served|"


def _today() -> date:
    return pinned_day()


def _sync(cfg: Path) -> None:
    out = run_cli(cfg, "sync", "--once")
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.fixture
def cfg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "var" / "inbox").mkdir(parents=True)
    path = tmp_path / "docketd.toml"
    path.write_text('[daemon]\ninbox = "var/inbox"\nstate = "var/state.db"\n\n'
                    '[ics]\ndir = "var/calendars"\n\n[people."jdoe@firm.com"]\nname = "Jane Doe"\n',
                    encoding="utf-8")
    served = _today() - timedelta(days=19)  # the answer is due within days: "due soon"
    future = _today() + timedelta(days=30)  # a summons served in the future: a likely typo
    (tmp_path / "var" / "inbox" / "intake.csv").write_text(
        HEADER + f"2026-0142,Acme v. Widget,federal,summons_served,{served},personal,jdoe@firm.com,,open\n"
        f"2026-0160,Cole v. Dune,federal,summons_served,{future},personal,,,open\n", encoding="utf-8")
    _sync(path)
    return path


def _run(cfg: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    out = run_cli(cfg, *args)
    return out.returncode, out.stdout + out.stderr


def _summaries(cfg: Path) -> dict[str, str]:
    cal = icalendar.Calendar.from_ical((cfg.parent / "var" / "calendars" / "jdoe@firm.com.ics").read_bytes())
    return {str(e["X-DOCKETD-KEY"]): str(e["SUMMARY"]) for e in cal.walk("VEVENT")}


def test_flags_lists_grouped_with_actions_and_json(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(cfg, capsys, "flags")
    assert code == 0
    assert "warning due-soon [2026-0142]: Answer due for matter 2026-0142 is due" in out
    assert "Action: Confirm the work is on track" in out
    future = [line for line in out.splitlines() if "future-trigger" in line]
    assert len(future) == 1 and future[0].count("#") >= 2  # one line for the trigger's several deadlines
    assert "warning no-attorney [2026-0160]" in out
    code, out = _run(cfg, capsys, "flags", "--json")
    rows = json.loads(out)
    assert {"due-soon", "future-trigger", "no-attorney"} <= {r["kind"] for r in rows}
    assert all(r["acked_at"] is None for r in rows)


def test_ack_drops_the_flag_and_the_entry_mark(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _summaries(cfg)[KEY].startswith("⚑ [2026-0142] Answer due")
    rows = json.loads(_run(cfg, capsys, "flags", "--json")[1])
    (soon,) = [r for r in rows if r["kind"] == "due-soon" and r["scope"] == KEY]
    code, out = _run(cfg, capsys, "ack", f"#{soon['id']}", "--by", "Pat")
    assert code == 0 and f"Acknowledged flag #{soon['id']}." in out and "2026-0142" in out
    _, out = _run(cfg, capsys, "flags")
    assert "due-soon" not in out
    _, out = _run(cfg, capsys, "flags", "--all")
    assert "due-soon [2026-0142] (acknowledged by Pat" in out
    _sync(cfg)
    assert _summaries(cfg)[KEY].startswith("[2026-0142] Answer due")
    code, out = _run(cfg, capsys, "ack", str(soon["id"]), "99999")
    assert code == 1 and "already acknowledged" in out and "There is no flag #99999" in out
    code, out = _run(cfg, capsys, "ack", "abc")
    assert code == 2 and "'abc' is not a flag number" in out


def test_matter_shows_the_whole_picture(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(cfg, capsys, "matter", "2026-0142")
    assert code == 0
    assert out.startswith("Matter 2026-0142 — Acme v. Widget")
    assert "summons_served (personal)  — from intake.csv row 2" in out
    assert "Answer due  [FRCP 12(a)(1)(A)(i)]" in out and "21 days after" in out
    assert "FLAG #" in out and "within 5 court days" in out
    assert "Pushed: ics:all ok" in out and "ics:jdoe@firm.com ok" in out
    assert "Follow-ups: 2" in out and "Draft answer" in out
    code, out = _run(cfg, capsys, "matter", "1999-0001")
    assert code == 2 and "Matter 1999-0001 is not in the docket" in out


def test_agenda_table_person_filter_and_html(cfg: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _run(cfg, capsys, "agenda", "--days", "14")
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split() == ["Due", "Day", "When", "Matter", "What", "Rule", "Who", "Flag"]
    answer = next(line for line in lines if "2026-0142" in line and "Answer due" in line)
    assert "FRCP 12(a)(1)(A)(i)" in answer and "Jane Doe" in answer and answer.rstrip().endswith("⚑")
    _, out = _run(cfg, capsys, "agenda", "--person", "nobody@firm.com")
    assert "Nothing due in this period." in out and "not in [people]" in out
    html = cfg.parent / "out" / "agenda.html"
    code, out = _run(cfg, capsys, "agenda", "--html", str(html), "--person", "jdoe@firm.com")
    assert code == 0 and html.exists()
    page = html.read_text(encoding="utf-8")
    assert "<h1>Docket agenda for jdoe@firm.com</h1>" in page and 'id="matter-2026-0142"' in page


def test_read_commands_need_a_state_database(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "docketd.toml"
    path.write_text('[daemon]\nstate = "var/none.db"\n', encoding="utf-8")
    code, out = _run(path, capsys, "flags")
    assert code == 2 and "No state database at" in out and "docketd sync --once" in out


def test_a_hand_edit_in_the_calendar_shows_as_a_drift_flag(cfg: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    ics = cfg.parent / "var" / "calendars" / "jdoe@firm.com.ics"
    cal = icalendar.Calendar.from_ical(ics.read_bytes())
    for event in cal.walk("VEVENT"):
        if str(event["X-DOCKETD-KEY"]) == KEY:
            event["SUMMARY"] = icalendar.vText("Answer due (moved by hand)")
    ics.write_bytes(cal.to_ical())
    _sync(cfg)
    code, out = _run(cfg, capsys, "flags")
    assert code == 0 and "warning drift [2026-0142]" in out and "by hand" in out
    _, out = _run(cfg, capsys, "matter", "2026-0142")
    answer = out.split("Answer due  [FRCP 12(a)(1)(A)(i)]", 1)[1]
    assert "FLAG #" in answer and "was edited by hand" in answer.split("Pushed:", 1)[0]
    # The default policy restores docketd's entry.
    assert _summaries(cfg)[KEY].endswith("(FRCP 12(a)(1)(A)(i))")
