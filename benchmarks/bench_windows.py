"""Benchmark the whole-party MIP of ``least_harm`` window by window beside one model over the horizon.

``evacplan.plan()`` (``least_harm``, no time limit: the whole-party MIP gets
its default 10 s) on the founding seed, ``--runs`` times each way, the two
ways interleaved in one process so that the machine's noise falls on both
alike:

- ``windows``: as shipped (``routing._windows``): parties released at one
  step on one part of the network are solved apart, each over the steps from
  their release to (about) their last arrival, merged where their schedules
  would share a link or gate at a step;
- ``whole horizon``: as before, one MIP over the whole horizon, from the
  first release to the last arrival (``routing._settle._exact_whole``
  replaced by ``_exact_parties`` with an open end).

For each way: the median seconds of ``plan()``, the runs, the plan's status,
harm and proven harm bound, and the whole-party model's note when it proves
nothing. Every plan is checked with ``verify()`` outside the timing.
With ``--plan``, ``bench_plan.py``'s generated timeline (12,837 people) is
run once each way as well (each run takes minutes: its splittable min-cost
flow alone is most of it).

Measured 2026-12-05 on the shared 2-core machine (load 4-7 from other
work), 5 runs each, interleaved (README, "Whole parties under least_harm"):

| case | way | median | runs (s) | status | harm (bound) |
|---|---|---:|---|---|---|
| founding | windows | 7.1 s | 8.3, 7.1, 7.1, 7.0, 8.3 | optimal | 16.2745 (16.2745) |
| founding | whole horizon | 3.6 s | 3.5, 3.6, 3.5, 4.1, 4.8 | feasible | 16.2748 (16.2745) |

Usage::

    python benchmarks/bench_windows.py                # founding seed, 5 runs each way
    python benchmarks/bench_windows.py --runs 3 --plan
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from unittest import mock

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import evacplan  # noqa: E402
from evacplan.io import load_scenario, seed_path  # noqa: E402
from evacplan.routing import _settle  # noqa: E402
from evacplan.routing._parties import _exact_parties  # noqa: E402


def _whole_horizon(
    net: Any,
    chosen: Any,
    order: str,
    horizon: int,
    seconds: float,
    bound: Any,
    deadline: int | None,
    travelled: Any,
    least: Any = (),
) -> Any:
    """The whole-party MIP as it was before windows: one model to ``horizon`` (open-ended for
    ``least_harm``), not on the least-harm flows' faces."""
    open_end = order == "least_harm" and horizon != deadline
    return _exact_parties(net, chosen, order, horizon, seconds, bound, open_end=open_end)


def _once(scenario: Any, way: str) -> tuple[float, Any]:
    """Seconds of one ``plan()`` made ``way``, and the plan (verified outside the timing)."""
    swap = _whole_horizon if way == "whole horizon" else _settle._exact_whole
    with mock.patch.object(_settle, "_exact_whole", swap):
        began = time.perf_counter()
        cp = evacplan.plan(scenario)
        seconds = time.perf_counter() - began
    problems = cp.verify()
    if problems:
        raise SystemExit(f"{way}: the plan does not verify: {problems[:3]}")
    return seconds, cp


def run(case: str, scenario: Any, runs: int) -> list[dict[str, Any]]:
    """Each way ``runs`` times, interleaved; a row per way."""
    ways = ("windows", "whole horizon")
    times: dict[str, list[float]] = {w: [] for w in ways}
    last: dict[str, Any] = {}
    for _ in range(runs):
        for way in ways:
            seconds, last[way] = _once(scenario, way)
            times[way].append(seconds)
    rows = []
    for way in ways:
        ev = last[way].evacuation
        rows.append(
            {
                "case": case,
                "way": way,
                "median": statistics.median(times[way]),
                "runs": times[way],
                "status": str(ev.status),
                "harm": ev.harm,
                "bound": ev.harm_lower_bound,
                "notes": ev.notes,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--plan", action="store_true", help="bench_plan.py's timeline too")
    args = parser.parse_args(argv)
    rows = run("founding", load_scenario(seed_path("uk-iraq-iran-2020")), args.runs)
    if args.plan:
        from bench_plan import scenario

        rows += run("bench_plan", scenario(), 1)
    print("| case | way | median | runs (s) | status | harm (bound) |")
    print("|---|---|---:|---|---|---|")
    for r in rows:
        runs = ", ".join(f"{s:.1f}" for s in r["runs"])
        print(
            f"| {r['case']} | {r['way']} | {r['median']:.1f} s | {runs} | {r['status']} "
            f"| {r['harm']:.6g} ({r['bound']:.6g}) |"
        )
    for r in rows:
        for note in r["notes"]:
            print(f"  {r['case']}, {r['way']}: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
