"""When a dropped file may be read (issue 18 B1): the decision, for every combination of facts.

The facts come from the kernel (a read lease, /proc), the watcher (modified and not closed since)
and the bytes (a last line without a line end); tests/reliability/test_attack_intake.py drives the
real cases. Here: the rule itself, including the network-share case no local test can produce.
"""

from __future__ import annotations

import pytest

from daemon.sources.dropped_file import NONE, UNKNOWN, WRITING, hold_reason


def _hold(state: str, *, unclosed: bool = False, mid_line: bool = False, quiet_for: float = 0.0) -> str | None:
    return hold_reason("x.csv", state, unclosed=unclosed, mid_line=mid_line, quiet_for=quiet_for,
                       quiet_seconds=10.0, lost_close_seconds=600.0)


@pytest.mark.parametrize("unclosed", [False, True])
@pytest.mark.parametrize("mid_line", [False, True])
@pytest.mark.parametrize("quiet_for", [0.0, 5000.0])
def test_the_kernel_knows_best(unclosed: bool, mid_line: bool, quiet_for: float) -> None:
    assert _hold(NONE, unclosed=unclosed, mid_line=mid_line, quiet_for=quiet_for) is None
    reason = _hold(WRITING, unclosed=unclosed, mid_line=mid_line, quiet_for=quiet_for)
    assert reason is not None and "still open for writing" in reason


def test_without_the_kernel_an_unclosed_file_waits_for_its_close() -> None:
    assert "not closed" in (_hold(UNKNOWN, unclosed=True, quiet_for=13.0) or "")
    assert _hold(UNKNOWN, unclosed=True, quiet_for=600.0) is None  # a lost close event: read in the end


def test_without_the_kernel_a_half_written_last_line_is_not_a_row() -> None:
    assert "middle of a line" in (_hold(UNKNOWN, mid_line=True, quiet_for=3.0) or "")
    assert _hold(UNKNOWN, mid_line=True, quiet_for=10.0) is None
    assert _hold(UNKNOWN, mid_line=False, quiet_for=0.0) is None  # whole lines, settled by the watcher
