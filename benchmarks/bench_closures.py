"""Benchmark evacplan.closures.analyze: N-1 on Chicago-Sketch, N-2 on the founding scenario.

Cases:

- ``chicago``: every link of Chicago-Sketch closed from minute 0 (2,950
  cases), 10,000 people from 30 seeded sources to five safe nodes, 1-minute
  steps (the demand of ``bench_routing.py``), with one worker (no executor)
  and with two (a process pool), side by side;
- ``founding``: every pair of the founding scenario's links (946 cases),
  each case re-planning the contingency plan with ``--time-limit`` seconds
  a plan (default 2). The egress is proven by the flows within it; without
  a limit, the cases whose whole-party MIP is just small enough to try spend
  its full 10 s on it (two of eight pairs sampled), for a schedule that
  cannot be proven anyway (families wider than a road's step).

For each it reports the median wall time over ``--repeats`` runs, how the
cases were settled (skipped without a solve, settled by max flows over the
baseline's time-expanded network, reused from a single closure's plan,
re-planned) and the solver seconds the re-plans took, the baseline's time
(median) and the wall time in baselines, and the outcomes. ``--compare``
also runs every case the baseline needs as a full re-plan (no max flows,
as before 2026-12-05), alternating the two run by run so that both see the
same load.

Measured 2026-12-05, Chicago-Sketch N-1, one worker, median of 3 runs each,
alternating in one invocation (``--case chicago --workers 1 --repeats 3
--compare``), on the 2-core machine shared with other jobs (load 5 to 7)::

    max flows (now)      30.4 s (21.8, 30.4, 31.5)     87 baselines of 0.35 s
                         2,635 skipped, 315 settled by max flows, 0 re-planned
    re-plan every case  148.5 s (141.0, 148.5, 149.9)  414 baselines of 0.36 s
                         2,635 skipped, 315 re-planned at 0.47 s each

Both give the same answer for every case (egress, stranded, harm and
person-hours added, outcome; checked case by case on this run's demand, and
on a quarter of the used links under ``least_harm`` at minutes 0 and 20).
A case settled by max flows costs 30 to 80 ms here (about 29 max flows over
pieces of the baseline's 144,000-arc network), a re-plan 0.3 to 0.6 s. The
issue's target, 40 baselines, is not reached under this load: the max flows
are the whole cost now.

Tried, with its figures (same machine and load, 315 used links):

- one max flow at the baseline's egress with each step's arrivals held to the
  baseline's (the arcs' case compiled and expanded each time): settles only
  the 88 cases where nobody arrives later, 0.13 s each (the compile most of
  it): no gain over re-plans once the 227 failures are paid for;
- the same over the baseline's arrays with the case's arcs closed: 48 ms a
  case; warm-started from the baseline's flow less what crossed the closed
  arcs (one max flow over the residual network, sources at their tails and
  sinks at their heads): 25 ms, still 88 cases only;
- F(t) over the baseline's arrays (what is kept): 286 cases at 56 ms each,
  then 52 max flows a case; starting from the first step a closed arc can
  matter halved that to 29;
- bounding that first step by the baseline's earliest-arrival flow instead
  (the least arrival reachable along its arcs from a closed arc's head): the
  range shrank from 46.7 to 44.6 steps on average, dropped;
- re-plans run here no longer rebuild the link groups each (10 ms), and
  their seconds now count reading their fates (``harm_by_party``, 70 ms):
  together the 21 s the old wall time spent outside its re-plans.

Measured 2026-12-06 (afternoon), Chicago-Sketch N-1, one worker, each run a
fresh process, this version alternating with the one before it, 3 each:
15.0 s (12.7, 15.0, 15.7) against 23.2 s (23.2, 21.9, 23.4). Each case now
copies the baseline's max flow at its egress, takes back what the closed arcs
carried (``routing._parametric``'s ``_Run.close``) and lowers t by the
parametric push-relabel down to the first step the closure can matter: about
30 ms a case where the divide and conquer took about 60. The baseline plan
takes 0.26 s in a warm process (51-62 baselines), 0.6-0.76 s when it loads
Numba (21).

Measured 2026-12-06 (evening), Chicago-Sketch N-1, one worker, each run a
fresh process, this version alternating with the one before it, 4 each (the
baseline plan timed 5 times in the same warm process, median): 5.58 s (6.60,
5.69, 5.46, 5.38) against 10.04 s (10.80, 9.88, 9.37, 10.20), the baseline
0.13-0.15 s: 35 to 49 baselines (median 42.5) against 64 to 72. The cases
are now taken together, in one pass down the baseline's steps: each goes on
from the baseline's max preflow at the greatest step its closed arcs carry
flow (where that preflow carries none, it is the case's too), 34 steps a
case on average instead of 48; the cases later than the baseline are looked
for first up to 9/8 of its egress (all sixteen are there: 0.4 s where twice
the egress took 1.0 s). Tried and dropped, on the same cases: stopping a
step's push-relabel once the sink holds the baseline's F(t) (reached at 82%
of the steps, but highest-label-first does the costly lifting first: no
gain); also stopping each case at the lowest step its arcs carry flow (1.2
steps fewer); restarting a case from the baseline wherever its arcs carry
nothing (30.3 steps instead of 33.2, each restart a copy and a search); 32-bit
residual arrays (3%); other relabelling budgets (within the noise).

Measured 2026-12-07, the founding scenario's 946 pairs, one worker, time limit
2 s, one run of each version side by side (same load): 321.0 s against 413.5 s
before (commit 76905f7), the same outcomes (208 infeasible, 114 stranded, 3
delayed, 431 rerouted, 190 unaffected; 373 plans made, 0.86 s each against
1.11). The whole-party MIPs' rows are now set coefficient by coefficient, and
a MIP solved before (a window a closure leaves alone) is recalled from
``routing._mipmemo`` instead of solved again.

Usage::

    python benchmarks/bench_closures.py                    # both, one run each
    python benchmarks/bench_closures.py --case chicago --repeats 3 --workers 1 --compare
    python benchmarks/bench_closures.py --case founding --workers 2 --time-limit 2
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_routing import demand  # noqa: E402

from evacplan.closures import ClosureAnalysis, analyze  # noqa: E402
from evacplan.closures import _flows as flows  # noqa: E402
from evacplan.io import load_scenario, seed_path  # noqa: E402


def _once(workers: int, job: Any) -> tuple[float, ClosureAnalysis]:
    began = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            result = job(pool)
    else:
        result = job(None)
    return time.perf_counter() - began, result


def _report(
    name: str, workers: int, walls: list[float], bases: list[float], result: ClosureAnalysis
) -> dict[str, Any]:
    methods = ("skipped", "max-flow", "reused", "re-planned")
    by = {m: sum(1 for c in result.cases if c.method == m) for m in methods}
    base = statistics.median(bases)
    row = {
        "case": name,
        "workers": workers,
        "cases": len(result.cases),
        "wall_s": statistics.median(walls),
        "walls": walls,
        "runs": len(walls),
        "baseline_s": base,
        **by,
        "max_flow_s": result.timing.get("max-flow", 0.0),
        "replan_cpu_s": result.timing.get("re-planned", 0.0),
        "solves": result.solves,
        "outcomes": result.counts,
    }
    print(
        f"{name:9s} workers={workers} cases={row['cases']:5d} wall={row['wall_s']:7.1f} s "
        f"(median of {len(walls)}: {', '.join(f'{w:.1f}' for w in walls)}) "
        f"baseline={base:.2f} s ({row['wall_s'] / base:.0f} baselines) | "
        + ", ".join(f"{m} {by[m]}" for m in methods)
        + f" | max flows {row['max_flow_s']:.1f} s; {result.solves} plans made, "
        f"{row['replan_cpu_s']:.1f} s of solver time, "
        f"{row['replan_cpu_s'] / max(1, result.solves):.2f} s each | {result.counts}",
        flush=True,
    )
    return row


def chicago(workers: int, repeats: int, compare: bool) -> list[dict[str, Any]]:
    net, supply, safe = demand("ChicagoSketch", 10_000)

    def job(pool: Any) -> ClosureAnalysis:
        return analyze(net, supply=supply, safe=safe, step_minutes=1, executor=pool)

    return _repeat("chicago", workers, repeats, job, compare)


def founding(workers: int, repeats: int, time_limit: float | None) -> list[dict[str, Any]]:
    scenario = load_scenario(seed_path("uk-iraq-iran-2020"))

    def job(pool: Any) -> ClosureAnalysis:
        return analyze(scenario, k=2, time_limit=time_limit, executor=pool)

    return _repeat("founding", workers, repeats, job, False)


def _repeat(name: str, workers: int, repeats: int, job: Any, compare: bool) -> list[dict[str, Any]]:
    """Run ``job`` ``repeats`` times on ``workers`` processes (with ``compare``, alternating
    with every needed case re-planned); the median wall time and the last result of each."""
    modes = [True, False] if compare else [True]
    walls: dict[bool, list[float]] = {m: [] for m in modes}
    bases: dict[bool, list[float]] = {m: [] for m in modes}
    results: dict[bool, ClosureAnalysis] = {}
    for _ in range(repeats):
        for mode in modes:
            flows.ENABLED = mode
            try:
                wall, results[mode] = _once(workers, job)
            finally:
                flows.ENABLED = True
            walls[mode].append(wall)
            bases[mode].append(results[mode].timing.get("baseline", 0.0))
    return [
        _report(
            name if mode else f"{name} (re-planned)",
            workers,
            walls[mode],
            bases[mode],
            results[mode],
        )
        for mode in modes
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=["chicago", "founding", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--time-limit", type=float, default=2.0)
    parser.add_argument(
        "--compare", action="store_true", help="also re-plan every needed case (the old way)"
    )
    args = parser.parse_args()
    for workers in args.workers:
        if args.case in ("chicago", "both"):
            chicago(workers, args.repeats, args.compare)
    for workers in args.workers:
        if args.case in ("founding", "both"):
            founding(workers, args.repeats, args.time_limit)


if __name__ == "__main__":
    main()
