"""A Hypothesis state machine over a mirrored intake list (CSV workbook source, real store and rules).

After every poll: no valid row's trigger is missing, nothing appears that no row ever named, a bad
row that still names a stored trigger keeps it, and a sheet without mistakes is mirrored exactly.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from daemon.docket import Docket
from daemon.engine import load_rulebook
from daemon.settings.config import load_config
from daemon.sources.excel import ExcelSource
from daemon.sources.living import build_sources
from daemon.state.store import Store
from tests.e2e.daemon_proc import write_config

NOW = datetime(2026, 1, 6, 9, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
MATTERS = ["M1", "M2", "M3"]
EVENTS = ["summons_served", "complaint_filed"]
DATES = ["2026-01-05", "1/7/2026", "bad-date"]
Row = tuple[str, str, str]
Instance = tuple[str, str, str]


class MirrorMachine(RuleBasedStateMachine):
    """Rows are added, edited, moved and deleted; the docket must follow the rules of the mirror."""

    def __init__(self) -> None:
        super().__init__()
        self.tmp = Path(tempfile.mkdtemp(prefix="docketd-mirror-"))
        self.sheet = self.tmp / "intake.csv"
        self.rows: list[Row] = []
        self._write()
        extra = f'[sources.list]\nkind = "excel"\npath = "{self.sheet}"\nsettle_seconds = 0\n'
        config = load_config(write_config(self.tmp, extra, jdoe_calendars=[], pat_calendars=[]), self.tmp)
        self.store = Store(config.state)
        docket = Docket(config, self.store, load_rulebook(config.rule_dirs, config.closures))
        (source,) = build_sources(config, docket)
        assert isinstance(source, ExcelSource)
        self.source = source
        self.before: set[Instance] = set()
        self.ever_named: set[Instance] = set()
        self.last_bad_named: set[Instance] = set()
        self.last_valid: set[Instance] = set()
        self.held = False
        self.clean = True

    def _write(self) -> None:
        lines = ["matter,court,event,date"] + [f"{m},federal,{e},{d}" for m, e, d in self.rows]
        self.sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def stored(self) -> set[Instance]:
        rows = self.store.db.execute("SELECT matter, event, ref FROM triggers WHERE source='list'").fetchall()
        return {(str(m), str(e), str(r)) for m, e, r in rows}

    @rule(matter=st.sampled_from(MATTERS), event=st.sampled_from(EVENTS), when=st.sampled_from(DATES))
    def add(self, matter: str, event: str, when: str) -> None:
        self.rows.append((matter, event, when))
        self.poll()

    @precondition(lambda self: self.rows)
    @rule(index=st.integers(0, 20))
    def delete(self, index: int) -> None:
        del self.rows[index % len(self.rows)]
        self.poll()

    @precondition(lambda self: self.rows)
    @rule(index=st.integers(0, 20), when=st.sampled_from(DATES))
    def edit_date(self, index: int, when: str) -> None:
        m, e, _ = self.rows[index % len(self.rows)]
        self.rows[index % len(self.rows)] = (m, e, when)
        self.poll()

    @precondition(lambda self: len(self.rows) > 1)
    @rule()
    def move_first_to_end(self) -> None:
        self.rows.append(self.rows.pop(0))
        self.poll()

    def poll(self) -> None:
        """Every change is followed by a poll, as when the daemon polls after each save."""
        self._write()
        self.before = self.stored()
        result = self.source.poll(NOW, force=True)
        assert result.problem is None and result.report is not None
        self.held = result.report.held_back > 0
        named_by_bad = {(m, e, "") for n, (m, e, _) in enumerate(self.rows, start=2)
                        if n in {err.row for err in result.report.errors}}
        self.last_bad_named = named_by_bad
        self.last_valid = {t.instance for t in result.report.good}
        self.clean = not result.report.errors
        self.ever_named |= {(m, e, "") for m, e, _ in self.rows}

    @invariant()
    def mirror_rules_hold(self) -> None:
        stored = self.stored()
        assert self.last_valid <= stored, "a valid row's trigger is missing"
        assert stored <= self.ever_named, "a trigger no row ever named"
        assert (self.before & self.last_bad_named) <= stored, "a row with a mistake lost its deadlines"
        if self.held:
            assert self.before <= stored, "a held-back poll withdrew something"
        elif self.clean:
            assert stored == self.last_valid, "a sheet without mistakes is not mirrored exactly"

    def teardown(self) -> None:
        self.store.close()
        shutil.rmtree(self.tmp, ignore_errors=True)


MirrorMachine.TestCase.settings = settings(max_examples=40, stateful_step_count=15, deadline=None)
TestMirror = MirrorMachine.TestCase
