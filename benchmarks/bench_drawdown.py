"""Benchmark drawdown: 100 posts x 10, 100 and 1,000 staff, median wall time and peak memory.

Run from the repository root::

    python benchmarks/bench_drawdown.py                 # the table (about a minute)
    python benchmarks/bench_drawdown.py --before        # also the per-person model, for comparison
    python benchmarks/bench_drawdown.py --sizes 100 --runs 7 --max-functions 2
    python benchmarks/bench_drawdown.py --lifts 10      # 100 posts under 10 shared lifts, 10,000 staff

Each size runs in a fresh process, so that its resident-memory high-water
mark is its own. For each size the script generates a seeded scenario
(:func:`evacplan._generate.generate_scenario`), times ``drawdown`` several
times (median, one worker, seed 0), measures the peak of Python allocations
in one more run (tracemalloc: the models, the plan, not CP-SAT's C++ memory),
reads the process's peak resident memory, and checks that every plan is
proven optimal and passes ``verify()`` (timed too).

``--lifts N`` puts the posts under ``N`` shared emergency lifts (blocks of
neighbouring posts; the generator seats each for its posts' minimal staffing,
every third one exactly, so that it is full), so each block is solved as one
coupled CP-SAT model (rule ``extraction-seats``); without ``--sizes`` it runs
100 staff a post: 100 posts under 10 lifts of 10 posts, 10,000 staff. The
target is every plan proven optimal, median under 10 s on two cores.

``--before`` also solves each size with a per-person model of the same rules
(one boolean per person, one per person and function they could cover,
post by post, the same lexicographic levels): the model before symmetry
removal. It runs once per size under a time limit.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _rss_mib() -> float:
    """This process's peak resident memory, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def per_person_drawdown(
    scenario: Any, posture: str, *, time_limit: float, presolve: bool = True
) -> dict[str, Any]:
    """The same rules and levels 1-2 with one boolean per person: the model before grouping."""
    from ortools.sat.python import cp_model

    from evacplan.models import Posture

    posture_ = Posture(posture)
    started = time.perf_counter()
    deadline = started + time_limit
    totals = [0, 0]
    proven = True
    by_post: dict[str, list[Any]] = {p.id: [] for p in scenario.posts}
    for m in scenario.staff:
        by_post[m.post].append(m)
    limit = scenario.policy.max_functions_per_person
    for post in scenario.posts:
        members = by_post[post.id]
        functions = [(r.skill, r.slots(posture_)) for r in post.requirements if r.slots(posture_)]
        model = cp_model.CpModel()
        x = [model.new_bool_var(f"x{i}") for i in range(len(members))]
        cover: list[list[Any]] = [[] for _ in functions]
        for i, m in enumerate(members):
            if m.must_remain:
                model.add(x[i] == 1)
            if m.must_leave:
                model.add(x[i] == 0)
            mine = []
            for j, (skill, _) in enumerate(functions):
                if skill in m.skills:
                    a = model.new_bool_var(f"a{i}_{j}")
                    model.add_implication(a, x[i])
                    cover[j].append(a)
                    mine.append(a)
            if len(mine) > limit:
                model.add(sum(mine) <= limit)
        for j, (_, slots) in enumerate(functions):
            model.add(sum(cover[j]) == slots)
        model.add(sum(x) >= post.min_retained)
        levels = [
            sum(x),
            sum(((not m.volunteer) + m.vulnerable) * x[i] for i, m in enumerate(members)),
        ]
        for k, expr in enumerate(levels):
            model.clear_objective()
            model.minimize(expr)
            solver = cp_model.CpSolver()
            solver.parameters.num_workers = 1
            solver.parameters.random_seed = 0
            solver.parameters.cp_model_presolve = presolve
            solver.parameters.max_time_in_seconds = max(deadline - time.perf_counter(), 0.001)
            status = solver.solve(model)
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return {"seconds": time.perf_counter() - started, "proven": False, "done": False}
            proven &= status == cp_model.OPTIMAL
            value = round(solver.objective_value)
            totals[k] += value
            model.add(expr <= value)
    return {
        "seconds": time.perf_counter() - started,
        "proven": proven,
        "done": True,
        "objective": totals,
    }


def run_size(args: argparse.Namespace, size: int) -> dict[str, Any]:
    """Benchmark one size in this process."""
    from evacplan._generate import generate_scenario
    from evacplan.staffing import drawdown

    t = time.perf_counter()
    scenario = generate_scenario(
        posts=args.posts,
        staff_per_post=size,
        seed=args.seed,
        max_functions_per_person=args.max_functions,
        lifts=args.lifts,
    )
    generate_s = time.perf_counter() - t
    rss_before = _rss_mib()
    times = []
    plan = None
    for _ in range(args.runs):
        t = time.perf_counter()
        plan = drawdown(scenario, args.posture)
        times.append(time.perf_counter() - t)
    assert plan is not None
    tracemalloc.start()
    traced = drawdown(scenario, args.posture)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del traced
    t = time.perf_counter()
    violations = plan.verify()
    verify_s = time.perf_counter() - t
    groups = sum(len(p.groups) for p in plan._problems.values())
    models = len({id(c) for c in plan._clusters.values()})
    row: dict[str, Any] = {
        "size": size,
        "posts": args.posts,
        "staff": len(scenario.staff),
        "groups": groups,
        "lifts": len(scenario.policy.extraction),
        "models": models,
        "full_seats": len(plan._full_seats()),
        "generate_s": generate_s,
        "median_s": statistics.median(times),
        "min_s": min(times),
        "max_s": max(times),
        "runs": args.runs,
        "peak_python_mib": peak / 2**20,
        "rss_before_mib": rss_before,
        "rss_peak_mib": _rss_mib(),
        "verify_s": verify_s,
        "status": str(plan.status),
        "objective": list(plan.objective),
        "violations": len(violations),
    }
    if args.before and size <= args.before_max:
        for presolve in (True, False):
            result = per_person_drawdown(
                scenario, args.posture, time_limit=args.before_limit, presolve=presolve
            )
            key = "before" if presolve else "before_nopresolve"
            row[key] = result
            if result.get("done") and result.get("proven"):
                assert result["objective"] == list(plan.objective[:2]), (result, plan.objective)
    return row


def _fmt_before(result: dict[str, Any] | None, limit: float) -> str:
    if result is None:
        return "-"
    if not result["done"] or not result["proven"]:
        return f">{limit:.0f} s"
    return f"{result['seconds']:.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        help="staff per post (default 10 100 1000; 100 with --lifts)",
    )
    parser.add_argument(
        "--lifts",
        type=int,
        default=0,
        help="shared extraction lifts over blocks of posts (10: 10 lifts of 10 posts)",
    )
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5, help="timed runs per size (median)")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    parser.add_argument("--posture", default="minimal")
    parser.add_argument("--max-functions", type=int, default=1)
    parser.add_argument(
        "--before",
        action="store_true",
        help="also time the per-person model (before symmetry removal)",
    )
    parser.add_argument(
        "--before-limit",
        type=float,
        default=120.0,
        help="seconds allowed to the per-person model per size",
    )
    parser.add_argument(
        "--before-max", type=int, default=1000, help="largest size to try the per-person model on"
    )
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = [100] if args.lifts else [10, 100, 1000]
    if args.lifts and args.before:
        parser.error("--before compares with a per-person model that has no lifts")

    if args.one is not None:
        print(json.dumps(run_size(args, args.one)))
        return 0

    rows = []
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", str(size), *(argv or sys.argv[1:])]
        out = subprocess.run(command, capture_output=True, text=True, check=False)
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return 1
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))

    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    lifts = f" under {args.lifts} shared lifts" if args.lifts else ""
    print(
        f"drawdown to {args.posture}, {args.posts} posts{lifts}, max {args.max_functions} "
        f"function(s) a person, generator seed {args.seed}, one worker, median of {args.runs}"
    )
    head = (
        f"{'staff/post':>10} {'staff':>7} {'groups':>6} {'models':>6} {'median':>8} "
        f"{'min-max':>13} {'py peak':>8} {'RSS':>14} {'verify':>7} {'status':>8}"
    )
    if args.lifts:
        head += f" {'full seats':>10}"
    if args.before:
        head += f" {'per-person':>11} {'(no presolve)':>13}"
    print(head)
    ok = True
    for r in rows:
        line = (
            f"{r['size']:>10} {r['staff']:>7} {r['groups']:>6} {r['models']:>6} "
            f"{r['median_s']:>7.2f}s "
            f"{r['min_s']:>5.2f}-{r['max_s']:>5.2f} s {r['peak_python_mib']:>5.1f} MiB "
            f"{r['rss_before_mib']:>4.0f}->{r['rss_peak_mib']:>4.0f} MiB {r['verify_s']:>6.2f}s "
            f"{r['status']:>8}"
        )
        if args.lifts:
            line += f" {r['full_seats']:>10}"
        if args.before:
            line += (
                f" {_fmt_before(r.get('before'), args.before_limit):>11}"
                f" {_fmt_before(r.get('before_nopresolve'), args.before_limit):>13}"
            )
        print(line)
        ok &= r["status"] == "optimal" and r["violations"] == 0
    print(
        "groups: model size (groups of interchangeable staff); models: CP-SAT models (a post "
        "alone, or\nthe posts a shared lift couples); py peak: tracemalloc peak during drawdown; "
        "RSS: process peak\nresident memory after generating -> after the runs; verify: "
        "plan.verify() time."
    )
    if args.lifts:
        print(
            "full seats: seat limits (a post's own, or a shared lift's) the plan fills. Target: "
            "proven optimal\nwithin 10 s: "
            + (
                "met"
                if all(r["median_s"] < 10 and r["status"] == "optimal" for r in rows)
                else "MISSED"
            )
        )
    if not ok:
        print("FAILED: a plan was not proven optimal or did not pass verify()", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
