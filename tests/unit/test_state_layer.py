"""SQL only in the state layer (issue 14, "One state layer"; the project code rule "SQL only in the state
layer"): no module outside daemon/state runs a statement itself. import-linter keeps sqlite3 imports out
(pyproject.toml); this test catches statements run on a connection handed in (`db.execute(`)."""

from __future__ import annotations

import re
from pathlib import Path

DAEMON = Path(__file__).resolve().parents[2] / "daemon"
# daemon/sources still runs its own statements; it joins the rule when its SQL moves into daemon/state.
NOT_YET: tuple[str, ...] = ()
STATEMENT = re.compile(r"\.(execute|executemany|executescript)\(")


def test_no_statement_outside_the_state_layer() -> None:
    offenders = []
    for path in sorted(DAEMON.rglob("*.py")):
        part = path.relative_to(DAEMON).parts[0]
        if part == "state" or part in NOT_YET:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if STATEMENT.search(line):
                offenders.append(f"{path.relative_to(DAEMON.parent)}:{n}: {line.strip()}")
    assert offenders == [], "SQL outside daemon/state:\n" + "\n".join(offenders)
