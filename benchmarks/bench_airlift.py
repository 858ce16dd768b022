"""Benchmark airlifts: the Kabul seed, and generated airlifts of up to 50,000 people over 14 days.

Cases (each run in a fresh process, so that its peak memory is its own):

- ``kabul``: ``evacplan.plan(seeds/kabul-2021.yaml, objective="most_saved")``,
  the contingency plan of the UK's 2021 airlift (15,838 people, about 100
  flights over 14 days at 15-minute steps). Target: 30 s, 4 GiB.
- ``airlift-Nd``: ``evacuate(..., objective="most_saved")`` on a generated
  airlift over N days: 20 city districts whose people (families of 1 to 5)
  are called forward over the first two thirds of the horizon, three gates
  with a throughput each in front of an airfield, and flights of 100 to 200
  seats (300 over 14 days) to two safe havens; the deadline is the last
  flight's landing. ``airlift-14d`` is 50,000 people and 300 flights at
  15-minute steps (1,344 steps): target 120 s. The 3.5- and 7-day cases
  scale people and flights with the horizon, to show how time and memory
  grow with it.

Prints, per case, the median wall time and peak memory (RSS) of the runs,
the people saved and left behind, and the plan's status; ``verify()`` is
run on every plan (outside the timing) and must find nothing.

Run from the repository root::

    python benchmarks/bench_airlift.py                      # every case, median of 3
    python benchmarks/bench_airlift.py --cases kabul --runs 5
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CASES = ("kabul", "airlift-3.5d", "airlift-7d", "airlift-14d")


def one(case: str) -> dict[str, Any]:
    """Run one case once, in this process: time, peak memory, figures."""
    started = time.perf_counter()
    if case == "kabul":
        from evacplan import plan
        from evacplan.io import load_scenario

        scenario = load_scenario(ROOT / "seeds" / "kabul-2021.yaml")
        started = time.perf_counter()
        result = plan(scenario, objective="most_saved")
        seconds = time.perf_counter() - started
        ev = result.evacuation
        problems = result.verify()
    else:
        from evacplan._generate import generate_airlift
        from evacplan.routing import evacuate

        net, parties = generate_airlift(float(case.split("-")[1].rstrip("d")))
        started = time.perf_counter()
        ev = evacuate(net, parties=parties, step_minutes=15, objective="most_saved")
        seconds = time.perf_counter() - started
        problems = ev.verify()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return {
        "seconds": seconds,
        "peak_mib": peak,
        "saved": ev.people,
        "left_behind": sum(s.count for s in ev.stranded),
        "status": str(ev.status),
        "deadline": ev.deadline_minutes,
        "problems": len(problems),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=CASES)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", choices=CASES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one)))
        return
    print(
        f"{'case':<14} {'median s':>9} {'runs (s)':<24} {'peak MiB':>9} {'saved':>7} "
        f"{'left':>6}  status"
    )
    for case in args.cases:
        runs = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--one", case],
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        last = runs[-1]
        assert all(r["problems"] == 0 for r in runs), f"{case}: verify() found problems"
        times = [r["seconds"] for r in runs]
        print(
            f"{case:<14} {statistics.median(times):>9.1f} "
            f"{', '.join(f'{t:.1f}' for t in times):<24} "
            f"{max(r['peak_mib'] for r in runs):>9.0f} {last['saved']:>7} "
            f"{last['left_behind']:>6}  {last['status']} (deadline minute {last['deadline']:g})",
            flush=True,
        )


if __name__ == "__main__":
    main()
