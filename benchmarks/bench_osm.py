"""Benchmark: Monaco from OpenStreetMap, read and simplified, then 5,000 people routed out.

Issue 27's speed targets, each case run in a fresh process (imports before the
clock), median of several runs, under a timeout (a case over it is reported as
such):

- ``read``: :func:`evacplan.io.read_osm` on the bundled Monaco extract
  (``monaco.osm.pbf``, 1.7 MB; © OpenStreetMap contributors, ODbL), network type
  ``drive_service``: the ways filtered by pyosmium, the graph built and its
  degree-2 chains contracted by osmnx, speeds and capacities from the tags
  (target: within 20 s).
- ``route 5k``: on that network (read before the clock), 5,000 people, 1,000 at
  each of 5 road nodes (by the embassy, Larvotto, Fontvieille, Moneghetti and
  Port Hercule), to 2 safe road nodes (the border crossings at Cap-d'Ail and
  Beausoleil), 1-minute steps, ``evacuate`` (quickest) and ``plan.verify()``
  both on the clock (target: within 10 s more, optimal, no problems).

Figures on this 2-core machine (shared with other work while measured), median
of 3 runs each, 5 December 2026:

| case | median | runs | peak RSS (over imports) | answer |
|---|---:|---|---:|---|
| read | 4.93 s | 4.56, 5.03, 4.93 | 266 MiB (+98) | 1,734 places, 2,176 links |
| route 5k | 0.63 s | 0.68, 0.63, 0.60 | 331 MiB (+68) | optimal, egress 121 |

Both targets are met: the read in a quarter of its 20 s, the routing (verified, no
problems) in a sixteenth of its 10 s. The 5,000 people need 121 minutes: the two
crossings' roads, not the solver, set the pace.

Usage::

    python benchmarks/bench_osm.py                  # both cases, median of 3
    PYTHONPATH=. python benchmarks/bench_osm.py     # from a git worktree: its own evacplan
    python benchmarks/bench_osm.py --repeats 5 --timeout 120
    python benchmarks/bench_osm.py --only read
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import statistics
import time
from typing import Any

SOURCES = ("n1868723952", "n25242946", "n1629860459", "n1682354812", "n357299793")
"""Road nodes nearest the embassy, Larvotto, Fontvieille, Moneghetti and Port Hercule of
``examples/monaco.yaml``; 1,000 people at each."""

SAFE = ("n254470916", "n25243273")
"""Road nodes nearest the border crossings at Cap-d'Ail and Beausoleil."""

CASES = ("read", "route 5k")


def _read() -> Any:
    from evacplan.io import osm_path, read_osm

    return read_osm(osm_path("monaco"), network_type="drive_service")


def _run(name: str, out: Any) -> None:
    import osmium  # noqa: F401
    import osmnx  # noqa: F401

    import evacplan.io  # noqa: F401  (imports before the clock and the memory baseline)
    import evacplan.routing

    net = _read() if name == "route 5k" else None
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    try:
        if name == "read":
            net = _read()
            answer, problems = f"{len(net.places):,} places, {len(net.links):,} links", 0
        else:
            supply = {node: 1_000 for node in SOURCES}
            plan = evacplan.routing.evacuate(net, supply, safe=set(SAFE), step_minutes=1)
            problems = len(plan.verify())
            answer = f"{plan.status}, egress {plan.egress_minutes:,}"
    except Exception as err:  # a refusal is an answer too: say which
        answer, problems = f"{type(err).__module__}.{type(err).__name__}: {err}", 0
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out.put((seconds, peak, peak - base, answer, problems))


def measure(name: str, repeats: int, timeout: float) -> dict[str, Any]:
    """Median seconds and peak RSS of case ``name`` over ``repeats`` fresh processes.

    Parameters
    ----------
    name : str
        One of :data:`CASES`.
    repeats : int
        How many fresh processes to run it in.
    timeout : float
        Seconds a run may take; past it the run is killed and the case reported as over.

    Returns
    -------
    dict
        ``case``, ``seconds`` (the median), ``runs`` (each run's seconds; empty when a
        run timed out), ``peak_mib``, ``growth_mib``, ``answer`` and ``verify_problems``.
    """
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
    """Run the cases asked for and print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds a run may take")
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
