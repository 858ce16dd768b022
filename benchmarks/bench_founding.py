"""Benchmark routing the founding seed (UK posts in Baghdad and Tehran, 2020) at several steps.

The scenario is drawn down to the postures its decision points reach
(``evacplan.drawdown``, once, in this process), and the departing parties are
routed as ``evacplan evacuate seeds/uk-iraq-iran-2020.yaml --step S`` routes
them: ``evacuate(scenario, parties=plan.parties, step_minutes=S)``. Each step
runs in a fresh process, so that its peak resident memory is its own.

For each step the script reports the status, the egress time and its lower
bound, the people moved, the parties standing down (not relocating), the
people stranded (with the first reason), the median wall time of ``evacuate``
and of ``verify()`` over ``--repeats`` runs, the number of violations
``verify()`` finds, the peak RSS and its growth over the imports and the
loaded scenario, and the size of the time-expanded network at the egress
horizon (read from the solver's private stages: ``n/a`` when they change).
Infeasible plans are reported, not raised: at 1-minute steps a party of four
may not fit through a link of 60 people an hour.

Usage::

    python benchmarks/bench_founding.py                      # steps 1, 5, 15, 30; 5 runs each
    python benchmarks/bench_founding.py --repeats 1 --steps 5 15
    python benchmarks/bench_founding.py --time-limit 30 --json founding.json
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import resource
import statistics
import sys
import time
import traceback
from typing import Any

SEED = "uk-iraq-iran-2020"


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ten_size(scenario: Any, plan: Any) -> tuple[int, int] | None:
    """Nodes and arcs of the pruned time-expanded network at the plan's egress horizon."""
    import numpy as np

    from evacplan.routing._compile import _compile
    from evacplan.routing._search import _Splittable

    if not plan.egress_minutes:
        return None
    step = plan.step_minutes
    net = _compile(scenario.network, tuple(scenario.threats), step, set(plan.safe))
    index = {p: i for i, p in enumerate(net.ids)}
    src: dict[tuple[int, int], int] = {}
    for p in plan.parties:
        at, release = index[p.location], math.ceil(p.release_minute / step)
        if p.relocate and not net.safe[at]:
            src[(at, release)] = src.get((at, release), 0) + p.size
    keys = sorted(src)
    places = np.array([k[0] for k in keys], dtype=np.int64)
    sp = _Splittable(
        net, places, np.array([k[1] for k in keys], dtype=np.int64), np.array(list(src.values()))
    )
    ten = sp.ten(math.ceil(plan.egress_minutes / step))
    return ten.n_nodes, int(ten.tail.size)


def _run_step(step: int, parties: Any, repeats: int, time_limit: float) -> dict[str, Any]:
    """In a fresh process: route the parties ``repeats`` times at ``step``; times, figures, memory."""
    from evacplan.io import load_scenario, seed_path
    from evacplan.routing import evacuate

    scenario = load_scenario(seed_path(SEED))
    base = _rss_mb()
    out: dict[str, Any] = {"step": step}
    solve, check = [], []
    try:
        for _ in range(repeats):
            t0 = time.perf_counter()
            plan = evacuate(scenario, parties=parties, step_minutes=step, time_limit=time_limit)
            t1 = time.perf_counter()
            violations = plan.verify()
            check.append(time.perf_counter() - t1)
            solve.append(t1 - t0)
    except Exception as err:  # the routing is under change: report, do not stop the table
        traceback.print_exc()
        return {**out, "error": f"{type(err).__name__}: {err}"}
    stranded = plan.stranded
    out |= {
        "status": str(plan.status),
        "egress": plan.egress_minutes,
        "lower_bound": plan.lower_bound_minutes,
        "moved": plan.people,
        "standing_down": len(plan.standing_down),
        "stranded": sum(s.count for s in stranded),
        "stranded_reason": stranded[0].reason if stranded else "",
        "solve_s": statistics.median(solve),
        "verify_s": statistics.median(check),
        "violations": len(violations),
        "first_violation": str(violations[0]) if violations else "",
        "peak_rss_mb": _rss_mb(),
        "rss_growth_mb": _rss_mb() - base,
    }
    try:
        out["ten"] = _ten_size(scenario, plan)
    except Exception as err:  # private stages: optional figure
        out["ten"] = None
        print(f"step {step}: no TEN size ({type(err).__name__}: {err})", file=sys.stderr)
    return out


def run(step: int, parties: Any, repeats: int, time_limit: float) -> dict[str, Any]:
    """``_run_step`` in a fresh (spawned) process."""
    with mp.get_context("spawn").Pool(1) as pool:
        return pool.apply(_run_step, (step, parties, repeats, time_limit))


def _short(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."


def _dash(value: Any) -> str:
    return "-" if value is None else str(value)


def table(rows: list[dict[str, Any]]) -> str:
    """One row per step, as a Markdown table."""
    lines = [
        "| step min | status | egress min | lower bound | moved | stand down | stranded (first reason) "
        "| solve s (median) | verify s | violations | peak RSS MB (+ over imports) "
        "| TEN nodes / arcs |",
        "|---:|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['step']} | error: {_short(r['error'])} |" + " - |" * 10)
            continue
        stranded = str(r["stranded"])
        if r["stranded"]:
            stranded += f" ({_short(r['stranded_reason'])})"
        ten = f"{r['ten'][0]:,} / {r['ten'][1]:,}" if r["ten"] else "n/a"
        lines.append(
            f"| {r['step']} | {r['status']} | {_dash(r['egress'])} | {_dash(r['lower_bound'])} "
            f"| {r['moved']} | {r['standing_down']} | {stranded} | {r['solve_s']:.2f} | {r['verify_s']:.2f} "
            f"| {r['violations']} | {r['peak_rss_mb']:.0f} (+{r['rss_growth_mb']:.0f}) | {ten} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[1, 5, 15, 30], metavar="MIN")
    parser.add_argument("--repeats", type=int, default=5, help="runs per step (median)")
    parser.add_argument(
        "--time-limit", type=float, default=10.0, help="evacuate()'s time_limit, seconds"
    )
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)

    import evacplan
    from evacplan.io import load_scenario, seed_path

    scenario = load_scenario(seed_path(SEED))
    t0 = time.perf_counter()
    down = evacplan.drawdown(scenario)
    if str(down.status) == "infeasible":
        print(down, file=sys.stderr)
        return 3
    people = sum(p.size for p in down.parties)
    print(
        f"{SEED}: drawdown {down.status} in {time.perf_counter() - t0:.2f}s; "
        f"{len(down.parties)} parties, {people} people",
        file=sys.stderr,
    )
    rows = []
    for step in args.steps:
        row = run(step, down.parties, args.repeats, args.time_limit)
        rows.append(row)
        said = row.get("error") or f"{row['status']}, {row['violations']} violations"
        print(f"step {step:>4}: {said} {row.get('first_violation', '')}", file=sys.stderr)
    print(table(rows))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
