"""Benchmark: does time and memory grow with what happens, not with the number of steps?

Issue 26's cases, each run in a fresh process (its peak RSS its own), median of
several runs, under a timeout (a case over it is reported as such):

- ``road 10k`` / ``road 100k``: one road (30 minutes, 60 an hour) and 10,000 or
  100,000 people at 1-minute steps; the horizon grows tenfold, so should the time
  (target: within 12x).
- ``late link``: 3 people and a road that opens at minute 10^7 (answer 10,000,022).
- ``far deadline``: most_saved with a deadline of 10^7 minutes for a 22-minute answer.
- ``crowd 1e7``: 10^7 people on the one road, as plain supply (a plan or a public
  error within seconds is the target: ten million movements are refused before the
  solve, with the step at which the plan fits; see the README).
- ``crowd by 3e6``: the same crowd under most_saved by minute 3,000,000, when some
  three million are safe one a minute: refused the same way, the deadline named.

Usage::

    python benchmarks/bench_scale.py                # every case, median of 3
    python benchmarks/bench_scale.py --repeats 5 --timeout 120
    python benchmarks/bench_scale.py --only "late link"
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import time
from typing import Any


def _road(opens: int = 0, minutes: int = 30) -> Any:
    from evacplan import Network

    link: dict[str, Any] = {"source": "a", "target": "h", "minutes": minutes}
    link |= {"capacity_per_hour": 60} | ({"opens": opens} if opens else {})
    return Network(
        name="one road",
        places=[{"id": "a", "kind": "residence"}, {"id": "h", "kind": "safe_haven"}],
        links=[link],
    )


def _case(name: str) -> Any:
    from evacplan.routing import evacuate

    if name == "road 10k":
        return evacuate(_road(), {"a": 10_000}, step_minutes=1)
    if name == "road 100k":
        return evacuate(_road(), {"a": 100_000}, step_minutes=1)
    if name == "late link":
        return evacuate(_road(opens=10**7, minutes=20), {"a": 3}, step_minutes=1)
    if name == "far deadline":
        net = _road(minutes=20)
        return evacuate(net, {"a": 3}, step_minutes=1, objective="most_saved", deadline=10**7)
    if name == "crowd 1e7":
        return evacuate(_road(minutes=20), {"a": 10**7}, step_minutes=1)
    if name == "crowd by 3e6":
        net = _road(minutes=20)
        return evacuate(net, {"a": 10**7}, step_minutes=1, objective="most_saved", deadline=3e6)
    raise ValueError(name)


CASES = ("road 10k", "road 100k", "late link", "far deadline", "crowd 1e7", "crowd by 3e6")


def _run(name: str, out: Any) -> None:
    import evacplan.routing  # noqa: F401  (imports before the clock and the memory baseline)

    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    try:
        plan = _case(name)
        answer = f"{plan.status}, egress {plan.egress_minutes:,}"
        problems = len(plan.verify())
    except Exception as err:  # a refusal is an answer too: say which
        answer, problems = f"{type(err).__module__}.{type(err).__name__}", 0
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put((seconds, peak, peak - base, answer, problems))


def measure(name: str, repeats: int, timeout: float) -> dict[str, Any]:
    """Median seconds and peak RSS of ``name`` over ``repeats`` fresh processes."""
    runs = []
    ctx = mp.get_context("spawn")
    for _ in range(repeats):
        out = ctx.Queue()
        proc = ctx.Process(target=_run, args=(name, out))
        proc.start()
        proc.join(timeout)
        if proc.is_alive():
            proc.kill()
            proc.join()
            return {"case": name, "answer": f"over {timeout:.0f} s", "runs": []}
        runs.append(out.get())
    seconds = [r[0] for r in runs]
    return {
        "case": name,
        "seconds": statistics.median(seconds),
        "runs": seconds,
        "peak_mib": max(r[1] for r in runs),
        "growth_mib": max(r[2] for r in runs),
        "answer": runs[0][3],
        "verify_problems": runs[0][4],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds a run may take")
    parser.add_argument("--only", action="append", choices=CASES)
    args = parser.parse_args()
    print("| case | median | runs | peak RSS (over imports) | answer |")
    print("|---|---:|---|---:|---|")
    for name in args.only or CASES:
        row = measure(name, args.repeats, args.timeout)
        if not row["runs"]:
            print(f"| {name} | - | - | - | {row['answer']} |", flush=True)
            continue
        runs = ", ".join(f"{s:.2f}" for s in row["runs"])
        verified = "" if row["verify_problems"] == 0 else f" ({row['verify_problems']} problems)"
        print(
            f"| {name} | {row['seconds']:.2f} s | {runs} | {row['peak_mib']:.0f} MiB "
            f"({row['growth_mib']:+.0f}) | {row['answer']}{verified} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
