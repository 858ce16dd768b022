"""Benchmark risk on a real network: Chicago-Sketch, 100,000 people, with and without risks.

The same case as ``bench_routing.py``'s Chicago-Sketch 100,000 (30 seeded
sources, five safe nodes, 1-minute steps), run side by side in one process
per case: once as it is (no risk: an earliest-arrival flow settles the
arrivals) and once with risks (every link a seeded risk of 0.01 to 0.2, and
a threat raising the links of 40 places to 0.3 from minute 20 on: the
min-cost flow path, least risk then earliest arrivals). The target is the
risky case within twice the time of the riskless one, with the same proven
egress.

Prints each case's median wall time of ``evacuate`` over the runs (each in a
fresh process), the egress and its bound, the risk exposure and the status;
every plan is checked with ``verify()`` outside the timing.

Usage::

    python benchmarks/bench_risk.py              # median of 3 runs
    python benchmarks/bench_risk.py --runs 5 --people 10000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def case(
    risky: bool, people: int, network: str = "ChicagoSketch"
) -> tuple[Any, dict[str, int], set[str], list[Any]]:
    """``network`` (a TNTP name) with ``people`` at 30 sources; with ``risky``, link risks and
    a threat (on 40 places, or a third of them where there are fewer than 120)."""
    import numpy as np
    from bench_routing import demand

    from evacplan.models import ThreatEvent

    net, supply, safe = demand(network, people)
    if not risky:
        return net, supply, safe, []
    rng = np.random.default_rng(7)
    links = tuple(
        link.model_copy(update={"risk": float(rng.choice([0.01, 0.02, 0.05, 0.1, 0.2]))})
        for link in net.links
    )
    net = net.model_copy(update={"links": links})
    ids = [p.id for p in net.places if p.id not in safe]
    hot = tuple(rng.choice(ids, min(40, len(ids) // 3), replace=False).tolist())
    threat = ThreatEvent(id="unrest", at=20, places=hot, risk=0.3)
    return net, supply, safe, [threat]


def one(risky: bool, people: int) -> dict[str, Any]:
    from evacplan.routing import evacuate

    net, supply, safe, threats = case(risky, people)
    started = time.perf_counter()
    plan = evacuate(net, supply, safe, step_minutes=1, threats=threats)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "egress": plan.egress_minutes,
        "bound": plan.lower_bound_minutes,
        "risk": plan.risk_exposure,
        "status": str(plan.status),
        "problems": len(plan.verify()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--one", choices=["plain", "risky"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one == "risky", args.people)))
        return
    medians = {}
    for name in ("plain", "risky"):
        runs = []
        for _ in range(args.runs):
            out = subprocess.run(
                [sys.executable, __file__, "--one", name, "--people", str(args.people)],
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        assert all(r["problems"] == 0 for r in runs), f"{name}: verify() found problems"
        times = [r["seconds"] for r in runs]
        medians[name] = statistics.median(times)
        r = runs[-1]
        print(
            f"{name:<6} median {medians[name]:6.1f} s  runs {', '.join(f'{t:.1f}' for t in times)}"
            f"  egress {r['egress']} (bound {r['bound']})  risk {r['risk']:.4g}  {r['status']}",
            flush=True,
        )
    print(f"risky / plain: {medians['risky'] / medians['plain']:.2f}x")


if __name__ == "__main__":
    main()
