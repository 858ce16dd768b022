"""Benchmark: Chicago-Sketch with a million people, against one max flow at the optimum.

Issue 26's yardstick: ``evacuate`` on Chicago-Sketch with 1,000,000 people
(``bench_routing.py``'s demand: 30 seeded sources, five safe nodes, 1-minute
steps) should take at most 4x one OR-Tools max flow over the time-expanded
network at the optimal horizon T*, peak RSS within 2 GiB, and ``verify()``
within the time of ``evacuate``.

Each run is a fresh process (its peak RSS its own). A ``plan`` run times
``evacuate`` and then ``verify()``; a ``maxflow`` run builds the full
time-expanded network to T* (a copy of every place at every step, as before
condensed time; built before the clock) and times one
``SimpleMaxFlow.solve`` over it. The two kinds alternate run by run, so that
the machine's noise falls on both alike.

Usage::

    python benchmarks/bench_million.py               # median of 3 each
    python benchmarks/bench_million.py --runs 5 --people 300000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _plan(people: int) -> dict[str, Any]:
    from bench_routing import demand

    from evacplan.routing import evacuate

    net, supply, safe = demand("ChicagoSketch", people)
    base = _rss_mib()
    t0 = time.perf_counter()
    plan = evacuate(net, supply, safe, step_minutes=1)
    t1 = time.perf_counter()
    problems = plan.verify()
    t2 = time.perf_counter()
    if problems:
        raise SystemExit(f"verify() found {len(problems)} problems: {problems[:3]}")
    return {
        "solve": t1 - t0,
        "verify": t2 - t1,
        "rss": _rss_mib(),
        "base": base,
        "egress": plan.egress_minutes,
        "bound": plan.lower_bound_minutes,
        "status": str(plan.status),
        "movements": len(plan.movements),
    }


def _maxflow(people: int, horizon: int) -> dict[str, Any]:
    import numpy as np
    from bench_routing import demand

    from evacplan.routing import _expand
    from evacplan.routing._compile import _compile
    from evacplan.routing._maxflow import _solve_max_flow
    from evacplan.routing._search import _Splittable

    net, supply, safe = demand("ChicagoSketch", people)
    _expand.CONDENSE = False  # a copy of every place at every step
    c = _compile(net, (), 1, safe)
    index = {p: i for i, p in enumerate(c.ids)}
    places = np.array([index[p] for p in supply], dtype=np.int64)
    counts = np.array(list(supply.values()), dtype=np.int64)
    sp = _Splittable(c, places, np.zeros(places.size, dtype=np.int64), counts)
    ten = sp.ten(horizon)
    tails, heads, caps = ten.graph()
    t0 = time.perf_counter()
    solver = _solve_max_flow(tails, heads, caps, ten.source, ten.sink)
    seconds = time.perf_counter() - t0
    return {
        "maxflow": seconds,
        "value": int(solver.optimal_flow()),
        "arcs": int(tails.size),
        "nodes": int(ten.n_nodes),
    }


def _runs(rows: list[dict[str, Any]], key: str) -> str:
    return ", ".join(f"{r[key]:.1f}" for r in rows)


def _fresh(fn: Any, *args: Any) -> dict[str, Any]:
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--people", type=int, default=1_000_000)
    args = parser.parse_args()
    plans, flows = [], []
    for _ in range(args.runs):
        plans.append(_fresh(_plan, args.people))
        flows.append(_fresh(_maxflow, args.people, plans[0]["egress"]))
        print(
            f"  run: evacuate {plans[-1]['solve']:.1f} s, verify {plans[-1]['verify']:.1f} s, "
            f"peak {plans[-1]['rss']:.0f} MiB; max flow {flows[-1]['maxflow']:.1f} s",
            flush=True,
        )
    solve = statistics.median(p["solve"] for p in plans)
    verify = statistics.median(p["verify"] for p in plans)
    flow = statistics.median(f["maxflow"] for f in flows)
    rss = statistics.median(p["rss"] for p in plans)
    first, f0 = plans[0], flows[0]
    print(f"Chicago-Sketch, {args.people:,} people, 1-minute steps, median of {args.runs}")
    print("| what | median | runs |\n|---|---:|---|")
    print(f"| evacuate | {solve:.1f} s | {_runs(plans, 'solve')} |")
    print(f"| verify() | {verify:.1f} s | {_runs(plans, 'verify')} |")
    print(f"| one max flow, full TEN at T* | {flow:.1f} s | {_runs(flows, 'maxflow')} |")
    print(
        f"evacuate / max flow = {solve / flow:.2f}x (target 4x); verify / evacuate = "
        f"{verify / solve:.2f} (target 1); peak RSS {rss:.0f} MiB (+{rss - first['base']:.0f} "
        f"over the network and imports; target 2 GiB)"
    )
    print(
        f"plan: {first['status']}, egress {first['egress']} (bound {first['bound']}), "
        f"{first['movements']:,} movements; the full TEN at T*: {f0['nodes']:,} nodes, "
        f"{f0['arcs']:,} arcs, max flow {f0['value']:,}"
    )


if __name__ == "__main__":
    main()
