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
cases were settled (skipped without a solve, reused from a single closure's
plan, re-planned) and the solver seconds the re-plans took, the baseline's
time, and the outcomes.

Usage::

    python benchmarks/bench_closures.py                    # both, one run each
    python benchmarks/bench_closures.py --case chicago --repeats 3
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
from evacplan.io import load_scenario, seed_path  # noqa: E402


def _once(workers: int, job: Any) -> tuple[float, ClosureAnalysis]:
    began = time.perf_counter()
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            result = job(pool)
    else:
        result = job(None)
    return time.perf_counter() - began, result


def _report(name: str, workers: int, walls: list[float], result: ClosureAnalysis) -> dict[str, Any]:
    by = {
        m: sum(1 for c in result.cases if c.method == m)
        for m in ("skipped", "reused", "re-planned")
    }
    row = {
        "case": name,
        "workers": workers,
        "cases": len(result.cases),
        "wall_s": statistics.median(walls),
        "runs": len(walls),
        "baseline_s": result.timing.get("baseline", 0.0),
        "skipped": by["skipped"],
        "reused": by["reused"],
        "re-planned": by["re-planned"],
        "replan_cpu_s": result.timing.get("re-planned", 0.0),
        "solves": result.solves,
        "outcomes": result.counts,
    }
    print(
        f"{name:9s} workers={workers} cases={row['cases']:5d} wall={row['wall_s']:7.1f} s "
        f"(median of {len(walls)}) baseline={row['baseline_s']:.2f} s | skipped {by['skipped']}, "
        f"reused {by['reused']}, re-planned {by['re-planned']} ({result.solves} plans made, "
        f"{row['replan_cpu_s']:.1f} s of solver time, "
        f"{row['replan_cpu_s'] / max(1, result.solves):.2f} s each) | {result.counts}",
        flush=True,
    )
    return row


def chicago(workers: int, repeats: int) -> dict[str, Any]:
    net, supply, safe = demand("ChicagoSketch", 10_000)

    def job(pool: Any) -> ClosureAnalysis:
        return analyze(net, supply=supply, safe=safe, step_minutes=1, executor=pool)

    return _repeat("chicago", workers, repeats, job)


def founding(workers: int, repeats: int, time_limit: float | None) -> dict[str, Any]:
    scenario = load_scenario(seed_path("uk-iraq-iran-2020"))

    def job(pool: Any) -> ClosureAnalysis:
        return analyze(scenario, k=2, time_limit=time_limit, executor=pool)

    return _repeat("founding", workers, repeats, job)


def _repeat(name: str, workers: int, repeats: int, job: Any) -> dict[str, Any]:
    """Run ``job`` ``repeats`` times on ``workers`` processes; the median wall time and the last result."""
    walls, result = [], None
    for _ in range(repeats):
        wall, result = _once(workers, job)
        walls.append(wall)
    assert result is not None
    return _report(name, workers, walls, result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=["chicago", "founding", "both"], default="both")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--time-limit", type=float, default=2.0)
    args = parser.parse_args()
    for workers in args.workers:
        if args.case in ("chicago", "both"):
            chicago(workers, args.repeats)
    for workers in args.workers:
        if args.case in ("founding", "both"):
            founding(workers, args.repeats, args.time_limit)


if __name__ == "__main__":
    main()
