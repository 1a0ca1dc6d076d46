"""The benchmark report's pure parts: goal checks, percentiles, growth classes and the renderings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.report import Metric, growth_class, markdown, meets, percentile, table, write_json


def test_goals_are_checked_as_written() -> None:
    assert meets(0.09, "<= 0.1") is True
    assert meets(0.11, "<= 0.1") is False
    assert meets(100_000, ">= 100000") is True
    assert meets(0, "<= 0") is True
    assert meets(None, "<= 1") is None
    assert meets(3.0, "") is None
    with pytest.raises(ValueError):
        meets(1.0, "about 1")


def test_percentiles_interpolate() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 95) == pytest.approx(95.05)
    assert percentile([0.2], 95) == 0.2


@pytest.mark.parametrize(("costs", "name"), [
    ([1.0, 1.1, 1.2], "flat"),
    ([1.0, 2.0, 4.0], "sublinear"),
    ([1.0, 4.0, 16.0], "linear"),
    ([1.0, 16.0, 256.0], "worse than linear"),
])
def test_growth_classes(costs: list[float], name: str) -> None:
    assert growth_class([1, 4, 16], costs).startswith(name)


def test_growth_needs_two_positive_points() -> None:
    assert growth_class([1], [1.0]) == "n/a"
    assert growth_class([1, 4], [0.0, 0.0]) == "n/a"


def test_renderings_say_missed_and_keep_the_goal(tmp_path: Path) -> None:
    ok = Metric("fast thing", 0.05, "s", "<= 0.1").check()
    bad = Metric("slow thing", 0.3, "s", "<= 0.1", growth={"1x": 0.3, "4x": 1.2}, growth_class="linear (n^1.00)",
                 notes="how it was measured").check()
    info = Metric("just a number", 12.0, "s", "").check()
    text = table([ok, bad, info])
    assert "MISSED" in text and "<= 0.1" in text and "(no goal)" in text
    md = markdown([ok, bad, info], {"machine": "test"}, ["a finding"])
    assert "| slow thing | 0.300 | s | <= 0.1 | MISSED | 1x: 0.300 / 4x: 1.200 | linear (n^1.00) |" in md
    assert "how it was measured" in md and "a finding" in md
    out = tmp_path / "results.json"
    write_json(out, [ok, bad, info], {"date": "2026-11-27", "machine": "test"})
    doc = json.loads(out.read_text())
    assert [d["name"] for d in doc] == ["fast thing", "slow thing", "just a number"]
    assert {k: doc[1][k] for k in ("value", "unit", "goal", "met")} == {"value": 0.3, "unit": "s", "goal": "<= 0.1",
                                                                        "met": False}
