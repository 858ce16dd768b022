"""Benchmark: how time and memory of ``evacuate`` grow with people, horizon and network size.

Issue 26 asks for fitted exponents. Four sweeps, every case run in a fresh
(spawned) process, median of several runs, under a per-run timeout (a case over
it is reported as such, and the larger cases of that sweep are not run):

- ``people``: Chicago-Sketch with ``bench_routing.py``'s demand (30 seeded
  sources, five safe nodes) and 10,000 to 1,000,000 people at 1-minute steps.
  The horizon grows with the people here (the egress is printed); x = people.
- ``horizon``: ``bench_scale.py``'s one road (30 minutes, 60 an hour) with
  10,000 to 1,000,000 people at 1-minute steps: the horizon is about the
  people count in minutes; x = the egress in steps.
- ``checkpoint``: a port city of five places, two sources (old town, the
  harbour) and two bridges to one camp, the north one a checkpoint of 900 an
  hour (:func:`port_city`), with 70,000 to 1,120,000 people at 1-minute steps:
  queues thousands of steps long; x = the egress in steps.
- ``network``: 100,000 people on each TNTP network the package ships (Sioux
  Falls, Anaheim, Chicago-Sketch) and 20,000 on generated k x k grids (two-way
  streets of 5 minutes and 600 an hour, supply in one corner's quarter, safe at
  the opposite corner), 1-minute steps; x = one-way links x egress steps, the
  size of the time-expanded network.

Only ``evacuate`` is timed: imports and building the network come before the
clock and before the memory baseline, so "RSS growth" is the peak resident
memory that ``evacuate`` adds. ``plan.verify()`` runs afterwards, outside both,
and its number of problems is printed (should be 0). For each sweep the
exponent b of ``time ~ a * x^b`` and of ``RSS growth ~ a * x^b`` is fitted by
least squares on log-log (growth under 1 MiB counted as 1 MiB).

Usage::

    python benchmarks/bench_growth.py                  # all four sweeps, median of 3
    python benchmarks/bench_growth.py --repeats 5 --timeout 600
    python benchmarks/bench_growth.py --only horizon
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import queue
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

COUNTS = (10_000, 30_000, 100_000, 300_000, 1_000_000)
SWEEPS: dict[str, tuple[tuple[str, int], ...]] = {
    "people": tuple(("ChicagoSketch", n) for n in COUNTS),
    "horizon": tuple(("road", n) for n in COUNTS),
    "checkpoint": tuple(("port", n) for n in (70_000, 140_000, 280_000, 560_000, 1_120_000)),
    "network": (
        ("grid 5", 20_000),
        ("grid 10", 20_000),
        ("SiouxFalls", 100_000),
        ("grid 20", 20_000),
        ("Anaheim", 100_000),
        ("grid 40", 20_000),
        ("ChicagoSketch", 100_000),
    ),
}
X_LABEL = {
    "people": "people",
    "horizon": "egress steps",
    "checkpoint": "egress steps",
    "network": "links x egress steps",
}


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def grid(k: int, people: int) -> tuple[Any, dict[str, int], set[str]]:
    """A k x k grid of two-way streets, people in one corner's quarter, safe at the other corner.

    Parameters
    ----------
    k : int
        Places per side; streets of 5 minutes and 600 people an hour join neighbours.
    people : int
        Shared evenly (the remainder to the corner) among the ``ceil(k / 4)^2`` places
        of the corner region around ``g0_0``.

    Returns
    -------
    tuple
        The network, the supply and the safe place ``g{k-1}_{k-1}``.
    """
    from evacplan import Network

    ids = [f"g{i}_{j}" for i in range(k) for j in range(k)]
    links = [
        {"source": f"g{i}_{j}", "target": f"g{i + di}_{j + dj}", "minutes": 5}
        | {"capacity_per_hour": 600, "two_way": True}
        for i in range(k)
        for j in range(k)
        for di, dj in ((0, 1), (1, 0))
        if i + di < k and j + dj < k
    ]
    safe = f"g{k - 1}_{k - 1}"
    places = [{"id": p, "kind": "safe_haven" if p == safe else "waypoint"} for p in ids]
    net = Network(name=f"grid {k}x{k}", places=places, links=links)
    side = -(-k // 4)
    region = [f"g{i}_{j}" for i in range(side) for j in range(side)]
    supply = dict.fromkeys(region, people // len(region))
    supply[region[0]] += people - sum(supply.values())
    return net, supply, {safe}


def port_city(people: int) -> tuple[Any, dict[str, int], set[str]]:
    """Two sources and two bridges to one camp, the north bridge a checkpoint.

    Old town (145 in 280 of the people) reaches the north bridge in 25 minutes
    (1,500 an hour) and the south bridge in 40 (600); the harbour (the rest)
    the south bridge in 15 (1,200). From the north bridge, a border post that
    passes 900 an hour, the camp is 50 minutes on (1,200 an hour); from the
    south bridge 70 (800).
    """
    from evacplan import Network

    places = [
        {"id": "old-town", "kind": "residence"},
        {"id": "harbour", "kind": "residence"},
        {"id": "north-bridge", "kind": "border", "throughput_per_hour": 900},
        {"id": "south-bridge", "kind": "waypoint"},
        {"id": "hills-camp", "kind": "safe_haven"},
    ]
    roads = [
        ("old-town", "north-bridge", 25, 1500),
        ("old-town", "south-bridge", 40, 600),
        ("harbour", "south-bridge", 15, 1200),
        ("north-bridge", "hills-camp", 50, 1200),
        ("south-bridge", "hills-camp", 70, 800),
    ]
    links = [
        {"source": a, "target": b, "minutes": m, "capacity_per_hour": c} for a, b, m, c in roads
    ]
    net = Network(name="port city, two bridges", places=places, links=links)
    old_town = people * 145 // 280
    return net, {"old-town": old_town, "harbour": people - old_town}, {"hills-camp"}


def _build(where: str, people: int) -> tuple[Any, dict[str, int], set[str] | None]:
    """The network, supply and safe places of one case (None: the network's havens)."""
    from bench_routing import demand
    from bench_scale import _road

    if where == "road":
        return _road(), {"a": people}, None
    if where == "port":
        return port_city(people)
    if where.startswith("grid "):
        return grid(int(where.split()[1]), people)
    return demand(where, people)


def _run(where: str, people: int, out: Any) -> None:
    """In a fresh process: build, time ``evacuate``, then verify; put the figures on ``out``."""
    import evacplan.routing  # noqa: F401  (imports before the clock and the memory baseline)
    from evacplan.routing import evacuate

    net, supply, safe = _build(where, people)
    links = sum(2 if link.two_way else 1 for link in net.links)
    base = _rss_mib()
    start = time.perf_counter()
    try:
        plan = evacuate(net, supply, safe, step_minutes=1)
    except Exception as err:  # a refusal is an answer too: say which
        out.put({"answer": f"{type(err).__module__}.{type(err).__name__}"})
        return
    seconds = time.perf_counter() - start
    peak = _rss_mib()
    row = dict(seconds=seconds, growth=peak - base, peak=peak, egress=plan.egress_minutes)
    row |= dict(movements=len(plan.movements), places=len(net.places), links=links)
    out.put(row | {"problems": len(plan.verify())})  # verify() after the figures


def measure(where: str, people: int, repeats: int, timeout: float) -> dict[str, Any]:
    """Median figures of one case over ``repeats`` fresh processes.

    Parameters
    ----------
    where : str
        ``"road"``, ``"grid K"`` or a TNTP network's name.
    people : int
        The people to evacuate.
    repeats, timeout : int, float
        Runs (each a spawned process) and the seconds each may take.

    Returns
    -------
    dict
        The first run's figures with the median ``seconds`` and ``growth`` (MiB),
        the largest ``peak`` (MiB) and every run's ``runs``; only ``answer`` (why
        not) when a run was over the timeout, failed or raised.
    """
    runs: list[dict[str, Any]] = []
    ctx = mp.get_context("spawn")
    for _ in range(repeats):
        out = ctx.Queue()
        proc = ctx.Process(target=_run, args=(where, people, out))
        proc.start()
        proc.join(timeout)
        if proc.is_alive():
            proc.kill()
            proc.join()
            return {"answer": f"over {timeout:.0f} s"}
        try:
            runs.append(out.get(timeout=10))
        except queue.Empty:
            return {"answer": f"process died (exit code {proc.exitcode})"}
        if "seconds" not in runs[-1]:
            return runs[-1]
    row = dict(runs[0])
    row["runs"] = [r["seconds"] for r in runs]
    row["seconds"] = statistics.median(row["runs"])
    row["growth"] = statistics.median(r["growth"] for r in runs)
    row["peak"] = max(r["peak"] for r in runs)
    return row


def fit(xs: list[float], ys: list[float]) -> float:
    """The exponent b of ``y ~ a * x^b``: least squares on log-log (numpy.polyfit)."""
    import numpy as np

    return float(np.polyfit(np.log(xs), np.log(ys), 1)[0])


def sweep(name: str, repeats: int, timeout: float) -> None:
    """Run one sweep and print its Markdown table and fitted exponents."""
    print(f"\n### {name} (x = {X_LABEL[name]})\n")
    print(
        "| case | people | places | links | egress (min) | movements | x | median s | runs "
        "| RSS growth MiB (peak) | verify problems |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    points: list[tuple[float, float, float, float]] = []
    stopped = ""
    for where, people in SWEEPS[name]:
        row: dict[str, Any] = (
            {"answer": stopped} if stopped else measure(where, people, repeats, timeout)
        )
        if "runs" not in row:
            print(f"| {where} | {people:,} | | | | | | - | - | - | {row['answer']} |", flush=True)
            if name != "network" and not stopped:
                stopped = "not run (a smaller case was over the timeout or failed)"
            continue
        steps = row["egress"]  # 1-minute steps
        x = {"people": people, "network": row["links"] * steps}.get(name, steps)
        points.append((x, row["seconds"], max(row["growth"], 1.0), steps))
        runs = ", ".join(f"{s:.2f}" for s in row["runs"])
        print(
            f"| {where} | {people:,} | {row['places']:,} | {row['links']:,} | {steps:,} "
            f"| {row['movements']:,} | {x:,} | {row['seconds']:.2f} | {runs} "
            f"| {row['growth']:+.0f} ({row['peak']:.0f}) | {row['problems']} |",
            flush=True,
        )
    if len(points) < 2:
        print(f"\n{name}: too few cases for a fit")
        return
    points.sort()
    xs, secs, mem, steps_ = ([p[i] for p in points] for i in range(4))
    horizon = f", egress ~ x^{fit(xs, steps_):.2f}" if name == "people" else ""
    print(
        f"\n{name}: time ~ x^{fit(xs, secs):.2f}, RSS growth ~ x^{fit(xs, mem):.2f}{horizon} "
        f"(x = {X_LABEL[name]}, {xs[0]:,.0f} to {xs[-1]:,.0f}, {len(xs)} cases)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per case (median)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds a run may take")
    parser.add_argument("--only", action="append", choices=tuple(SWEEPS))
    args = parser.parse_args()
    start = time.perf_counter()
    for name in args.only or SWEEPS:
        sweep(name, args.repeats, args.timeout)
    print(f"\ntotal {time.perf_counter() - start:,.0f} s")


if __name__ == "__main__":
    main()
