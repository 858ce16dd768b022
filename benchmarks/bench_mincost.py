"""Benchmark the two min-cost flow engines on the same flows: the network simplex against cost scaling.

Each case runs a plan up to its first min-cost flow of a crowd (2,000 people
or more, whichever engine the plan would give it: see
``routing._objectives._SIMPLEX_MIN_STEPS``), keeps that flow's network, costs
and value, and stops the plan there; the flow is then solved by both engines in the same process, one
after the other, ``--runs`` times each (alternating), and the median seconds
printed with the flow's size (arcs, nodes, steps, the bits its costs need),
whether both found the same least cost, and which engine the plan gives it. The engines:

- ``simplex``: :func:`evacplan.routing._objectives._network_simplex`, the
  network simplex of ``routing._simplex_kernels`` (loaded before timing);
- ``scaling``: OR-Tools' ``SimpleMinCostFlow`` (cost scaling) with the same
  supplies, as ``_solve_min_cost`` calls it.

Cases (see the README's "Min-cost flows"):

- ``kabul``: the Kabul seed, ``objective="quickest"`` (15-minute steps);
- ``kabul-harm``: the Kabul seed, ``objective="least_harm"`` (its weighted costs);
- ``crowd``: the tiny seed with 100,000 people in parties of 1,000 at the
  residence, 15-minute steps (a long queue over ~6,700 steps);
- ``anaheim``, ``chicago-10k``, ``chicago``: ``bench_routing.py``'s demand
  (100,000 or 10,000 people), 1-minute steps, every link a seeded risk and a
  threat on a third of the places (up to 40) from minute 20 (``bench_risk.py``'s case);
- ``chicago-harm``: ``bench_harm.py``'s Chicago case under ``least_harm``.

Usage::

    python benchmarks/bench_mincost.py                      # every case, median of 3
    python benchmarks/bench_mincost.py --cases kabul crowd --runs 5
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


class _Caught(Exception):
    """Stops a plan at its first min-cost flow of a crowd, with that flow's arguments."""


def _catch(plan: Any) -> tuple[Any, ...]:
    """The arguments of the first min-cost flow of 2,000 people or more that ``plan()`` solves."""
    from evacplan.routing import _harm, _objectives

    real = _objectives._solve_min_cost

    def spy(
        tails: Any,
        heads: Any,
        caps: Any,
        costs: Any,
        source: int,
        sink: int,
        carry: Any = None,
        steps: Any = None,
    ) -> Any:
        if carry is None:
            carry = int(
                _objectives._solve_max_flow(tails, heads, caps, source, sink).optimal_flow()
            )
        if carry >= _objectives._SIMPLEX_MIN_PEOPLE:  # (whichever engine the plan would use)
            raise _Caught(tails, heads, caps, costs, source, sink, carry, steps)
        return real(tails, heads, caps, costs, source, sink, carry, steps)

    _objectives._solve_min_cost = spy
    _harm._solve_min_cost = spy
    try:
        plan()
    except _Caught as caught:
        return caught.args
    finally:
        _objectives._solve_min_cost = real
        _harm._solve_min_cost = real
    raise SystemExit("the plan solved no min-cost flow of 2,000 people or more")


def _risky(network: str, people: int) -> Any:
    from bench_risk import case

    from evacplan.routing import evacuate

    net, supply, safe, threats = case(True, people, network)
    return lambda: evacuate(net, supply, safe, step_minutes=1, threats=threats)


def _case(name: str) -> Any:
    from evacplan.io import load_scenario, seed_path
    from evacplan.routing import evacuate

    if name in ("kabul", "kabul-harm"):
        kabul = load_scenario(seed_path("kabul-2021"))
        objective = "quickest" if name == "kabul" else "least_harm"
        return lambda: evacuate(kabul, objective=objective)
    if name == "crowd":
        crowd = {"id": "city", "location": "residence", "count": 10**5, "category": "national"}
        tiny = load_scenario(seed_path("tiny")).replace(groups=[crowd | {"party_size": 1_000}])
        return lambda: evacuate(tiny, step_minutes=15)
    if name == "chicago-harm":
        from bench_harm import chicago

        net, supply, safe = chicago(100_000)
        return lambda: evacuate(
            net, supply, safe, step_minutes=1, objective="least_harm", hazard_per_hour=0.01
        )
    network = {"anaheim": "Anaheim", "chicago-10k": "ChicagoSketch", "chicago": "ChicagoSketch"}
    return _risky(network[name], 10_000 if name == "chicago-10k" else 100_000)


CASES = ("kabul", "kabul-harm", "crowd", "anaheim", "chicago-10k", "chicago", "chicago-harm")


def _scaling(
    tails: Any, heads: Any, caps: Any, costs: Any, source: int, sink: int, carry: int
) -> int:
    from ortools.graph.python import min_cost_flow

    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs
    )
    solver.set_nodes_supplies(
        np.array([source, sink], dtype=np.int32), np.array([carry, -carry], dtype=np.int64)
    )
    assert solver.solve() == solver.OPTIMAL
    return int(solver.optimal_cost())


def main() -> None:
    from evacplan.routing import _objectives

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", choices=CASES, default=list(CASES))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    _objectives._simplex()  # (loaded before any timing)
    print(
        "| case | arcs | nodes | steps | people | cost bits | simplex s (runs) | scaling s (runs) "
        "| same cost | the plan uses |"
    )
    print("|---|---:|---:|---:|---:|---:|---|---|---|---|")
    for name in args.cases:
        tails, heads, caps, costs, source, sink, carry, steps = _catch(_case(name))
        nodes = int(max(int(tails.max()), int(heads.max()), source, sink)) + 1
        suits = _objectives._simplex_suits(tails.size, costs, nodes, carry, steps)
        times: dict[str, list[float]] = {"simplex": [], "scaling": []}
        found: dict[str, int] = {}
        for _ in range(args.runs):
            started = time.perf_counter()
            flows = _objectives._network_simplex(
                tails, heads, caps, costs, source, sink, carry, nodes
            )
            times["simplex"].append(time.perf_counter() - started)
            assert flows is not None
            found["simplex"] = int(costs @ flows)
            started = time.perf_counter()
            found["scaling"] = _scaling(tails, heads, caps, costs, source, sink, carry)
            times["scaling"].append(time.perf_counter() - started)
        cells = [
            f"{statistics.median(t):.2f} ({', '.join(f'{x:.2f}' for x in t)})"
            for t in times.values()
        ]
        bits = _objectives._bits(int(costs.max()), nodes)
        print(
            f"| {name} | {tails.size:,} | {nodes:,} | {steps:,} | {carry:,} | {bits:.0f} | {cells[0]} "
            f"| {cells[1]} | {found['simplex'] == found['scaling']} "
            f"| {'simplex' if suits else 'cost scaling'} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
