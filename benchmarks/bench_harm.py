"""Benchmark the ``least_harm`` objective beside ``quickest`` (and ``most_saved``), side by side.

Three cases, each objective run ``--runs`` times in a fresh process (the
objectives of a case interleaved, so that the machine's noise falls on each
alike), reporting the median wall time of the solve:

1. ``chicago``: ``bench_routing.py``'s Chicago-Sketch case (``demand``:
   ``--people``, 100,000 by default, at 30 seeded sources, five safe nodes),
   1-minute steps, with 20% of the links risky: ``numpy.random.default_rng(7)``
   picks ``round(0.2 * links)`` of the links without replacement (in the
   network's link order), then draws each one's risk, in the same order, from
   ``{0.01, 0.02, 0.05, 0.1, 0.2}`` (equally likely); the other links keep
   risk 0. No threats; ``hazard_per_hour=0.01``. ``evacuate(...)`` with
   ``objective="quickest"`` and ``objective="least_harm"``.
   Target: least_harm within 3x the time of quickest.
2. ``founding``: ``evacplan.plan(load_scenario(seed_path("uk-iraq-iran-2020")))``
   (least_harm, the default), and the same with ``objective="quickest"``.
   Target: least_harm within 10 s.
3. ``kabul``: ``evacplan.plan(load_scenario(seed_path("kabul-2021")))``, and the
   same with ``objective="quickest"`` and ``objective="most_saved"``.
   Target: least_harm within 30 s.

For each run: the seconds of ``evacuate`` / ``plan`` (the network, seed and
scenario are built before the clock starts), the status, the egress, the
harm, the person-hours not safe, the risk exposure, the proven harm lower
bound (least_harm only), the people stranded (not safe at the end), and the
peak RSS of the process (``ru_maxrss``; the whole-party MIP's forked worker is
reported apart). Every plan is checked with ``verify()`` outside the timing:
any violation fails the run. Prints a table per case, each objective's
median seconds and its ratio (x) to the case's quickest, then the targets.

Usage::

    python benchmarks/bench_harm.py                  # median of 3 runs, every case
    python benchmarks/bench_harm.py --runs 5 --people 10000
    python benchmarks/bench_harm.py --cases founding kabul
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

RISKS = (0.01, 0.02, 0.05, 0.1, 0.2)
"""The risks drawn (equally likely) for the risky links of the Chicago case."""
RISKY_SHARE = 0.2
HAZARD = 0.01

CASES: dict[str, tuple[str, ...]] = {
    "chicago": ("quickest", "least_harm"),
    "founding": ("least_harm", "quickest"),
    "kabul": ("least_harm", "quickest", "most_saved"),
}
SEEDS = {"founding": "uk-iraq-iran-2020", "kabul": "kabul-2021"}
TARGETS = {"founding": 10.0, "kabul": 30.0}
"""Seconds within which ``plan()`` (least_harm) should return."""
CHICAGO_RATIO = 3.0
"""least_harm within this many times quickest on the Chicago case."""


def chicago(people: int) -> tuple[Any, dict[str, int], set[str]]:
    """Chicago-Sketch with ``people`` at 30 sources, 20% of its links risky (see the docstring)."""
    import numpy as np
    from bench_routing import demand

    net, supply, safe = demand("ChicagoSketch", people)
    rng = np.random.default_rng(7)
    n = len(net.links)
    picked = sorted(rng.choice(n, round(RISKY_SHARE * n), replace=False).tolist())
    risks = dict(zip(picked, (float(rng.choice(RISKS)) for _ in picked), strict=True))
    links = tuple(
        link.model_copy(update={"risk": risks[i]}) if i in risks else link
        for i, link in enumerate(net.links)
    )
    return net.model_copy(update={"links": links}), supply, safe


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _figures(ev: Any) -> dict[str, Any]:
    """What a table row shows of an evacuation plan."""
    return {
        "egress": ev.egress_minutes,
        "harm": ev.harm,
        "hours": ev.hours_not_safe,
        "risk": ev.risk_exposure,
        "harm_low": ev.harm_lower_bound,
        "stranded": sum(s.count for s in ev.stranded),
    }


def one(case: str, objective: str, people: int) -> dict[str, Any]:
    """In this (fresh) process: one solve of ``case`` by ``objective``; its figures."""
    if case == "chicago":
        from evacplan.routing import evacuate

        net, supply, safe = chicago(people)
        started = time.perf_counter()
        ev = evacuate(
            net, supply, safe, step_minutes=1, objective=objective, hazard_per_hour=HAZARD
        )
        seconds = time.perf_counter() - started
        checked = time.perf_counter()
        problems = ev.verify()
        out = {"status": str(ev.status), **_figures(ev), "left_behind": 0}
    else:
        import evacplan
        from evacplan.io import load_scenario, seed_path

        scenario = load_scenario(seed_path(SEEDS[case]))
        started = time.perf_counter()
        cp = evacplan.plan(scenario, objective=objective)
        seconds = time.perf_counter() - started
        checked = time.perf_counter()
        problems = cp.verify()
        ev = cp.evacuation
        out = {
            "status": str(cp.status),
            **(_figures(ev) if ev is not None else {}),
            "left_behind": sum(x.count for x in cp.left_behind),
        }
    out.update(
        seconds=seconds,
        verify_s=time.perf_counter() - checked,
        problems=[str(p) for p in problems[:3]],
        rss_mb=_rss_mb(resource.RUSAGE_SELF),
        child_rss_mb=_rss_mb(resource.RUSAGE_CHILDREN),
    )
    return out


def _spawn(case: str, objective: str, people: int) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--one", f"{case}:{objective}", "--people", str(people)]
    out = subprocess.run(argv, capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"{case} {objective}: exit {out.returncode}\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _num(x: Any, fmt: str) -> str:
    return "-" if x is None else format(x, fmt)


def table(case: str, runs: dict[str, list[dict[str, Any]]]) -> tuple[str, dict[str, float]]:
    """A case's objectives side by side (Markdown), and their median seconds."""
    medians = {o: statistics.median(r["seconds"] for r in rs) for o, rs in runs.items()}
    base = medians["quickest"]
    lines = [
        f"{case}:",
        "| objective | median s | runs s | x | verify s | status | egress min | harm "
        "| harm bound | hours not safe | risk | stranded | peak RSS MB |",
        "|---|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for objective, rs in runs.items():
        r = rs[-1]
        child = max(x["child_rss_mb"] for x in rs)
        rss = f"{max(x['rss_mb'] for x in rs):.0f}" + (f" (MIP {child:.0f})" if child > 1 else "")
        lines.append(
            f"| {objective} | {medians[objective]:.2f} | "
            f"{', '.join(format(x['seconds'], '.1f') for x in rs)} | "
            f"{medians[objective] / base:.2f} | {statistics.median(x['verify_s'] for x in rs):.2f} "
            f"| {r['status']} | {_num(r.get('egress'), 'd')} | {_num(r.get('harm'), '.6g')} | "
            f"{_num(r.get('harm_low'), '.6g')} | {_num(r.get('hours'), '.6g')} | "
            f"{_num(r.get('risk'), '.5g')} | {r.get('stranded', 0)} | {rss} |"
        )
    varied = [o for o, rs in runs.items() if len({json.dumps(_same(x)) for x in rs}) > 1]
    if varied:
        lines.append(f"(figures differ between runs for: {', '.join(varied)}; the last is shown)")
    return "\n".join(lines), medians


def _same(r: dict[str, Any]) -> dict[str, Any]:
    """The figures of a run that should not change between runs."""
    keys = ("status", "egress", "harm", "harm_low", "hours", "risk", "left_behind", "stranded")
    return {k: r.get(k) for k in keys}


def _revision() -> str:
    """The evacplan benchmarked: its commit, and whether it has changes not committed."""
    spec = importlib.util.find_spec("evacplan")
    package = Path(spec.origin).parent if spec and spec.origin else HERE.parent / "evacplan"
    git = ["git", "-C", str(package)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    if head.returncode != 0:
        return f"{package} (not in a git checkout)"
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "."], capture_output=True, text=True
    )
    changed = len(dirty.stdout.splitlines())
    return f"{package} at {head.stdout.strip()}" + (
        f" + {changed} files changed, not committed" if changed else ""
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per objective (median)")
    parser.add_argument("--people", type=int, default=100_000, help="people on Chicago-Sketch")
    parser.add_argument("--cases", nargs="+", choices=list(CASES), default=list(CASES))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        case, objective = args.one.split(":")
        print(json.dumps(one(case, objective, args.people)))
        return
    print(f"evacplan: {_revision()}; {args.runs} runs per objective\n", flush=True)
    met: list[str] = []
    for case in args.cases:
        runs: dict[str, list[dict[str, Any]]] = {o: [] for o in CASES[case]}
        for k in range(args.runs):
            for objective in CASES[case]:
                r = _spawn(case, objective, args.people)
                if r["problems"]:
                    raise SystemExit(f"{case} {objective}: verify() found {r['problems']}")
                runs[objective].append(r)
                print(f"  {case} {objective} run {k + 1}: {r['seconds']:.1f} s", file=sys.stderr)
        text, medians = table(case, runs)
        print(text + "\n", flush=True)
        if case == "chicago":
            ratio = medians["least_harm"] / medians["quickest"]
            ok = ratio <= CHICAGO_RATIO
            met.append(
                f"chicago {args.people:,}: least_harm {ratio:.1f}x quickest "
                f"(target {CHICAGO_RATIO:g}x): {'met' if ok else 'NOT met'}"
            )
        else:
            ok = medians["least_harm"] <= TARGETS[case]
            met.append(
                f"{case}: plan() least_harm {medians['least_harm']:.1f} s "
                f"(target {TARGETS[case]:g} s): {'met' if ok else 'NOT met'}"
            )
    print("targets:\n" + "\n".join(f"  {m}" for m in met))


if __name__ == "__main__":
    main()
