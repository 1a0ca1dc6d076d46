"""`make bench`: measure docketd's speed, cost and footprint against the goals of issue 10.

Runs every benchmark (never part of `make test`), prints the table, and writes bench/results.json
(one object per metric: name, value, unit, goal, met, growth) and docs/benchmarks.md.

    python -m bench            # everything, growth at 1x / 4x / 16x (store footprint 1x / 4x), ~15 minutes
    python -m bench --big      # the same plus the store footprint at 16x (80,000 matters; ~15 min more)
    python -m bench --quick    # 1x only, fewer repeats (a few minutes); results are not written
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import sys
import time
from datetime import datetime
from pathlib import Path

from bench.report import Metric, markdown, read_context, read_json, table, write_json
from bench.suite import FINDINGS, SUITES, Settings

ROOT = Path(__file__).resolve().parent.parent


def _compile_sources() -> str:
    """Compile docketd's modules to bytecode first, as `pip install` does, and say so for the table."""
    # With PYTHONDONTWRITEBYTECODE=1 (set on this machine) an editable checkout compiles every changed
    # module again at each start: 0.1 s of a daemon's start-up that an installed docketd never pays.
    ok = all(compileall.compile_dir(ROOT / pkg, quiet=1) for pkg in ("daemon", "connectors"))
    return ("daemon/ and connectors/ compiled to __pycache__ before the run, as an installed docketd is"
            if ok else "compiling daemon/ and connectors/ failed; start-up rows include compiling")


def main(argv: list[str] | None = None) -> int:
    """Run the suites, print the table, write the results (missed goals are reported, not an error)."""
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="1x only, fewer repeats; do not write results")
    p.add_argument("--only", action="append", default=[], choices=sorted(SUITES),
                   help="run only this suite (repeatable)")
    p.add_argument("--big", action="store_true", help="also measure the store footprint at 16x (80,000 matters; "
                   "about 15 more minutes)")
    p.add_argument("--write", action="store_true", help="write results even with --quick/--only")
    p.add_argument("--render", action="store_true", help="measure nothing: write docs/benchmarks.md again from "
                   "bench/results.json (after editing the findings)")
    args = p.parse_args(argv)
    if args.render:
        results = ROOT / "bench" / "results.json"
        stored = read_json(results)
        (ROOT / "docs" / "benchmarks.md").write_text(markdown(stored, read_context(results), FINDINGS),
                                                     encoding="utf-8")
        print(table(stored))
        return 0
    compiled = _compile_sources()
    settings = Settings.quick() if args.quick else Settings()
    if args.big:
        settings = settings.big()
    today = datetime.now().astimezone().date()
    metrics: list[Metric] = []
    started = time.perf_counter()
    for name, suite in SUITES.items():
        if args.only and name not in args.only:
            continue
        t0 = time.perf_counter()
        print(f"== {name} ...", file=sys.stderr, flush=True)
        got = suite(settings, today)
        for m in got:
            m.suite = name
        metrics.extend(got)
        print(table(got), file=sys.stderr)
        print(f"== {name}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
    for m in metrics:
        m.check()
    print(table(metrics))
    context: dict[str, object] = {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Linux {platform.release()}",
        "python": platform.python_version(),
        "bench wall time": f"{time.perf_counter() - started:.0f} s",
        "settings": settings.describe(),
        "bytecode": compiled,
        "load": "the machine is shared with other engineers' test runs; wall-clock numbers are noisy, "
                "so each value is the median of repeated runs where the issue asks for medians",
    }
    results = ROOT / "bench" / "results.json"
    if args.only and args.write and results.exists():
        # Re-running some suites: keep the other suites' metrics from the previous full run.
        kept = [m for m in read_json(results) if m.suite not in args.only]
        order = list(SUITES)
        metrics = sorted(kept + metrics, key=lambda m: order.index(m.suite) if m.suite in order else len(order))
        rerun = f"{', '.join(args.only)} on {context['date']} ({context['bench wall time']}); the rest as above"
        context = {**read_context(results), "suites re-run": rerun}
    if (not args.quick and not args.only) or args.write:
        write_json(results, metrics, context)
        (ROOT / "docs").mkdir(exist_ok=True)
        (ROOT / "docs" / "benchmarks.md").write_text(markdown(metrics, context, FINDINGS), encoding="utf-8")
        print("wrote bench/results.json and docs/benchmarks.md")
    missed = [m.name for m in metrics if m.met is False]
    if missed:
        print(f"{len(missed)} goal(s) missed: " + "; ".join(missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
