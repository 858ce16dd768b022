"""Benchmark evacplan.routing.evacuate on real road networks, beside the CCRP heuristic.

Networks: the TNTP networks bundled with evacplan (Sioux Falls, Anaheim,
Chicago-Sketch). Demand: seeded random sources (30, or 8 on Sioux Falls)
sharing 10,000 or 100,000 people, and five random safe nodes (three on
Sioux Falls), with 1-minute steps. Every case runs in a fresh process, so
that its peak resident memory is its own.

For each case the script reports the optimal egress T* (proven: the plan's
lower bound equals it), the median wall time of ``evacuate`` and of
``verify()`` over several runs, the peak RSS and its growth over the
imports, the size of the time-expanded network at T*, and the same figures
for CCRP (Lu, George and Shekhar 2005; ``evacplan.routing._ccrp``, pure Python) with
its egress gap. ``--growth`` sweeps the number of people on Chicago-Sketch
and fits how time and memory grow with people and with the horizon.

Usage::

    python benchmarks/bench_routing.py                 # the six cases, CCRP once each
    python benchmarks/bench_routing.py --repeats 7 --ccrp-repeats 3
    python benchmarks/bench_routing.py --growth        # people sweep on Chicago-Sketch
    python benchmarks/bench_routing.py --quick         # 10,000 people only, no CCRP
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
from typing import Any

NETWORKS = ("SiouxFalls", "Anaheim", "ChicagoSketch")


def demand(name: str, people: int, seed: int = 1) -> tuple[Any, dict[str, int], set[str]]:
    """The network, a seeded random supply of ``people`` and a few safe nodes."""
    import numpy as np

    from evacplan.io import read_tntp, tntp_path

    net = read_tntp(tntp_path(name))
    rng = np.random.default_rng(seed)
    ids = [p.id for p in net.places]
    k = 8 if len(ids) < 100 else 30
    sources = rng.choice(ids, k, replace=False).tolist()
    others = [i for i in ids if i not in set(sources)]
    safe = set(rng.choice(others, 3 if len(ids) < 100 else 5, replace=False).tolist())
    counts = rng.multinomial(people, np.ones(k) / k).tolist()
    return net, dict(zip(sources, counts, strict=True)), safe


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _ten_size(net: Any, supply: dict[str, int], safe: set[str], horizon: int) -> tuple[int, int]:
    """Nodes and arcs of the pruned time-expanded network at ``horizon`` steps."""
    import numpy as np

    from evacplan.routing._compile import _compile
    from evacplan.routing._search import _Splittable

    c = _compile(net, (), 1, safe)
    index = {p: i for i, p in enumerate(c.ids)}
    places = np.array([index[p] for p in supply], dtype=np.int64)
    sp = _Splittable(
        c, places, np.zeros(places.size, dtype=np.int64), np.array(list(supply.values()))
    )
    ten = sp.ten(horizon)
    return ten.n_nodes, int(ten.tail.size)


def _run_case(name: str, people: int, repeats: int, method: str, seed: int) -> dict[str, Any]:
    """In a fresh process: solve the case ``repeats`` times; times, figures, peak memory."""
    import evacplan.routing  # noqa: F401  (imports count in the baseline)
    from evacplan.routing import evacuate
    from evacplan.routing._ccrp import ccrp

    net, supply, safe = demand(name, people, seed)
    base = _rss_mb()
    solve, check = [], []
    plan = None
    for _ in range(repeats):
        plan = None
        t0 = time.perf_counter()
        if method == "exact":
            plan = evacuate(net, supply, safe, step_minutes=1)
        else:
            plan = ccrp(net, supply, safe, step_minutes=1)
        t1 = time.perf_counter()
        problems = plan.verify()
        t2 = time.perf_counter()
        if problems:
            raise SystemExit(f"{method} {name} {people}: verify() failed: {problems[:3]}")
        solve.append(t1 - t0)
        check.append(t2 - t1)
    assert plan is not None
    out = {
        "network": name,
        "people": people,
        "method": method,
        "status": str(plan.status),
        "egress": plan.egress_minutes,
        "lower_bound": plan.lower_bound_minutes,
        "movements": len(plan.movements),
        "solve_s": statistics.median(solve),
        "verify_s": statistics.median(check),
        "solve_all": solve,
        "peak_rss_mb": _rss_mb(),
        "rss_growth_mb": _rss_mb() - base,
    }
    if method == "exact" and plan.egress_minutes:
        out["ten_nodes"], out["ten_arcs"] = _ten_size(net, supply, safe, plan.egress_minutes)
    return out


def run(name: str, people: int, repeats: int, method: str, seed: int = 1) -> dict[str, Any]:
    """``_run_case`` in a fresh (spawned) process."""
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(_run_case, (name, people, repeats, method, seed))


def table(rows: list[dict[str, Any]]) -> str:
    """The exact plans beside CCRP, as a Markdown table."""
    lines = [
        "| network | people | T* (min) | status | solve s (median) | verify s | peak RSS MB "
        "(+ over imports) | TEN nodes / arcs | CCRP egress | CCRP gap | CCRP s |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    exact = [r for r in rows if r["method"] == "exact"]
    for r in exact:
        c = next(
            (
                x
                for x in rows
                if x["method"] == "ccrp"
                and x["network"] == r["network"]
                and x["people"] == r["people"]
            ),
            None,
        )
        gap = (
            f"{100 * (c['egress'] - r['egress']) / r['egress']:+.1f}%"
            if c and r["egress"]
            else "n/a"
        )
        lines.append(
            f"| {r['network']} | {r['people']:,} | {r['egress']} | {r['status']}"
            f"{' (bound ' + str(r['lower_bound']) + ')' if r['lower_bound'] != r['egress'] else ''}"
            f" | {r['solve_s']:.2f} | {r['verify_s']:.2f} | {r['peak_rss_mb']:.0f} "
            f"(+{r['rss_growth_mb']:.0f}) | {r.get('ten_nodes', 0):,} / {r.get('ten_arcs', 0):,} | "
            + (f"{c['egress']} | {gap} | {c['solve_s']:.2f} |" if c else "- | - | - |")
        )
    return "\n".join(lines)


def slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) on log(x): y grows like x to this power."""
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True)) / sum(
        (a - mx) ** 2 for a in lx
    )


def growth(repeats: int) -> str:
    """Chicago-Sketch with more and more people: time and memory against people and horizon."""
    rows = [
        run("ChicagoSketch", n, repeats, "exact")
        for n in (12_500, 25_000, 50_000, 100_000, 200_000)
    ]
    lines = [
        "| people | T* (min) | TEN arcs | solve s | verify s | RSS growth MB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r['people']:,} | {r['egress']} | {r['ten_arcs']:,} | {r['solve_s']:.2f} | "
            f"{r['verify_s']:.2f} | {r['rss_growth_mb']:.0f} |"
        )
    people = [r["people"] for r in rows]
    horizon = [r["egress"] for r in rows]
    arcs = [r["ten_arcs"] for r in rows]
    secs = [r["solve_s"] for r in rows]
    mem = [max(r["rss_growth_mb"], 1.0) for r in rows]
    lines.append("")
    lines.append(
        f"time ~ people^{slope(people, secs):.2f}, ~ horizon^{slope(horizon, secs):.2f}, "
        f"~ TEN arcs^{slope(arcs, secs):.2f}; horizon ~ people^{slope(people, horizon):.2f}; "
        f"memory growth ~ TEN arcs^{slope(arcs, mem):.2f}"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="runs per case (median)")
    parser.add_argument("--ccrp-repeats", type=int, default=1, help="CCRP runs per case")
    parser.add_argument("--quick", action="store_true", help="10,000 people, no CCRP")
    parser.add_argument("--no-ccrp", action="store_true")
    parser.add_argument("--growth", action="store_true", help="people sweep on Chicago-Sketch")
    parser.add_argument("--json", help="also write the rows to this file")
    args = parser.parse_args(argv)

    if args.growth:
        print(growth(args.repeats))
        return 0
    rows = []
    for name in NETWORKS:
        for people in (10_000,) if args.quick else (10_000, 100_000):
            row = run(name, people, args.repeats, "exact")
            rows.append(row)
            print(
                f"{name:>14} {people:>7,}: T*={row['egress']} {row['status']} "
                f"{row['solve_s']:.2f}s (+verify {row['verify_s']:.2f}s)",
                file=sys.stderr,
            )
            if not (args.quick or args.no_ccrp):
                c = run(name, people, args.ccrp_repeats, "ccrp")
                rows.append(c)
                print(f"{'':>14} {'':>7}  CCRP {c['egress']} {c['solve_s']:.2f}s", file=sys.stderr)
    print(table(rows))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(rows, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
