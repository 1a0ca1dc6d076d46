"""Benchmark results: one record per metric, goal checks, growth classes, and the three renderings.

Renderings: the console table, bench/results.json (one object per metric) and docs/benchmarks.md.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass
class Metric:
    """One measured quantity, its goal and (where size applies) how it grows."""

    name: str
    value: float | None
    unit: str
    goal: str  # e.g. ">= 100000", "<= 0.1"; "" for a number reported without a goal
    met: bool | None = None
    growth: dict[str, float | None] = field(default_factory=dict)  # "1x"/"4x"/"16x" -> value
    growth_class: str = "n/a"
    notes: str = ""
    suite: str = ""  # which bench suite measured it (engine, drop_ics, google, footprint)

    def check(self) -> Metric:
        """Set `met` from the value and the goal."""
        self.met = meets(self.value, self.goal)
        return self


def meets(value: float | None, goal: str) -> bool | None:
    """Whether value satisfies a goal like '<= 0.1' or '>= 100000' (None without a value or a goal)."""
    if value is None or not goal:
        return None
    op, _, number = goal.partition(" ")
    target = float(number)
    if op == "<=":
        return value <= target
    if op == ">=":
        return value >= target
    if op == "==":
        return value == target
    raise ValueError(f"goal {goal!r} must start with <=, >= or ==")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) with linear interpolation."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no values")
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    """The median."""
    return float(statistics.median(values))


def growth_class(sizes: Sequence[float], costs: Sequence[float | None]) -> str:
    """Name how a cost grows with size: flat, sublinear, linear or worse, with the fitted exponent.

    The exponent k is the slope of log(cost) against log(size) between the smallest and largest size.
    """
    pairs = [(s, c) for s, c in zip(sizes, costs, strict=True) if c is not None and c > 0]
    if len(pairs) < 2:
        return "n/a"
    (s0, c0), (s1, c1) = pairs[0], pairs[-1]
    k = math.log(c1 / c0) / math.log(s1 / s0)
    if k < 0.2:
        name = "flat"
    elif k < 0.8:
        name = "sublinear"
    elif k <= 1.25:
        name = "linear"
    else:
        name = "worse than linear"
    return f"{name} (n^{k:.2f})"


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    if value == 0:
        return "0"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 0.01:
        return f"{value:.3f}"
    return f"{value:.5f}"


def _met(m: Metric) -> str:
    if not m.goal:
        return "(no goal)"
    return {True: "yes", False: "MISSED", None: "not measured"}[m.met]


def _growth(m: Metric) -> str:
    if not m.growth:
        return "—"
    return " / ".join(f"{k}: {_fmt(v)}" for k, v in m.growth.items())


def table(metrics: Sequence[Metric]) -> str:
    """A fixed-width console table."""
    rows = [("metric", "value", "unit", "goal", "met", "growth 1x / 4x / 16x", "class")]
    rows += [(m.name, _fmt(m.value), m.unit, m.goal or "—", _met(m), _growth(m), m.growth_class) for m in metrics]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def write_json(path: Path, metrics: Sequence[Metric], context: dict[str, object]) -> None:
    """bench/results.json: a list with one object per metric (name, value, unit, goal, met, growth...).

    Each object also carries the run's context (date, machine, settings), so one entry says where it came
    from and docs/benchmarks.md can be rendered again from the file alone (`python -m bench --render`).
    """
    doc = [{**asdict(m), "run": dict(context)} for m in metrics]
    path.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")


def read_json(path: Path) -> list[Metric]:
    """The metrics of an earlier results.json (for re-running one suite and keeping the others)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    fields = set(Metric.__dataclass_fields__)
    return [Metric(**{k: v for k, v in d.items() if k in fields}) for d in doc]


def read_context(path: Path) -> dict[str, object]:
    """The run context stored with the first metric of a results.json."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    return dict(doc[0].get("run", {})) if doc else {}


def markdown(metrics: Sequence[Metric], context: dict[str, object], findings: Sequence[str]) -> str:
    """docs/benchmarks.md: the table, how it was measured, and what the numbers say."""
    out = ["# docketd benchmarks", "",
           "Generated by `make bench` (`python -m bench`); do not edit by hand — re-run instead. "
           "`python -m bench --big` adds the store footprint at 16x (80,000 matters, about 15 more minutes); "
           "`--quick` runs 1x only and writes nothing; `--only SUITE` runs one of engine, drop_ics, google, "
           "footprint. Goals are issue 10's; a missed goal says MISSED and the goal is not changed. Growth "
           "columns give the value at 1x, 4x and 16x the size; the class is the exponent k of cost ~ size^k "
           "between the smallest and largest size (flat < 0.2 <= sublinear < 0.8 <= linear <= 1.25 < worse).",
           ""]
    out += [f"- {k}: {v}" for k, v in context.items()]
    out += ["", "| metric | value | unit | goal | met | growth (1x / 4x / 16x) | growth class |",
            "|---|---|---|---|---|---|---|"]
    for m in metrics:
        out.append(f"| {m.name} | {_fmt(m.value)} | {m.unit} | {m.goal or '—'} | {_met(m)} | {_growth(m)} | "
                   f"{m.growth_class} |")
    out += ["", "## How each number was measured", ""]
    out += [f"- **{m.name}**: {m.notes}" for m in metrics if m.notes]
    if findings:
        out += ["", "## Findings", ""]
        out += [f"- {f}" for f in findings]
    return "\n".join(out) + "\n"
