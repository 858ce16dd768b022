"""``evacplan simulate``: how sure the plan of a scenario is, run many times under uncertainty.

Plans the scenario as ``evacplan plan`` does, then runs the plan with
:func:`evacplan.uncertainty.simulate` and prints its summary (and, with
``--json``, the figures per run). Options are checked like files: every
problem named, each at its flag.
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from evacplan.cli._commands import _indicators, _when, _writable
from evacplan.cli._show import _load
from evacplan.errors import Problem, ScenarioError

_OPTIONS = "invalid command-line options"


def simulate_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``evacplan simulate``."""
    p.add_argument("file", metavar="FILE", help="a scenario file (YAML or JSON)")
    p.add_argument("--runs", type=int, default=1000, metavar="N", help="runs (default 1000)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="the seed (default 0)")
    p.add_argument(
        "--travel-factor",
        default=None,
        metavar="LOW,MODE,HIGH",
        help="every link's travel time times a triangular factor, e.g. 0.9,1,1.5 (default: the "
        "scenario's uncertainty section, else none)",
    )
    p.add_argument(
        "--late",
        default=None,
        metavar="SHARE,UP_TO",
        help="that share of parties reaches its first place late by up to UP_TO, e.g. 5%%,2h "
        "(default: the scenario's, else nobody)",
    )
    p.add_argument(
        "--no-show",
        default=None,
        metavar="SHARE",
        help="the share of parties that never come (default: the scenario's, else none)",
    )
    p.add_argument(
        "--close",
        action="append",
        metavar="ID@TIME=P",
        help="a link or place that closes from TIME with probability P, e.g. bridge@36h=0.3 "
        "(repeat for more; default: the scenario's threats with a probability)",
    )
    p.add_argument(
        "--policy",
        choices=["follow", "replan"],
        default="follow",
        help="follow: everyone keeps to the plan (default); replan: at each closure, who is not "
        "yet safe is re-planned from where they are",
    )
    p.add_argument(
        "--slack",
        default="1h",
        metavar="TIME",
        help="a party is on time when safe by its planned arrival plus this (default 1h)",
    )
    p.add_argument("--workers", type=int, default=1, metavar="N", help="processes to run on")
    p.add_argument("--indicator", action="append", metavar="ID=TIME", help="as for plan")
    p.add_argument("--json", default=None, metavar="OUT", help="also save the runs as JSON")
    p.add_argument(
        "--html",
        default=None,
        metavar="OUT",
        help="also write the plan's report with a section on how sure it is (one page, offline)",
    )
    p.add_argument("--progress", action="store_true", help="show a progress bar")
    p.set_defaults(run=cmd_simulate)


def _numbers(flag: str, value: str | None, count: int) -> list[Any] | None:
    """``0.9,1,1.5`` as numbers (or as written: ``5%``, ``2h``), ``count`` of them."""
    if value is None:
        return None
    parts = [v.strip() for v in value.split(",")]
    if len(parts) != count or not all(parts):
        raise ScenarioError(
            [Problem(flag, f"{value!r} needs {count} values separated by commas")], _OPTIONS
        )
    return [_when(v) for v in parts]


def _closures(values: list[str] | None) -> list[dict[str, Any]] | None:
    """``--close bridge@36h=0.3`` as closures simulate() reads (ids checked there)."""
    if not values:
        return None
    out = []
    problems = []
    for value in values:
        what, at_sep, rest = value.partition("@")
        when, p_sep, chance = rest.partition("=")
        if not at_sep or not what.strip() or not when.strip():
            problems.append(Problem("--close", f"{value!r} is not ID@TIME=P (e.g. bridge@36h=0.3)"))
            continue
        item: dict[str, Any] = {"at": _when(when.strip()), "links": [what.strip()]}
        item["probability"] = _when(chance.strip()) if p_sep else 1
        out.append(item)
    if problems:
        raise ScenarioError(problems, _OPTIONS)
    return out


def cmd_simulate(args: argparse.Namespace) -> int:
    from concurrent.futures import ProcessPoolExecutor

    from evacplan.contingency import plan
    from evacplan.uncertainty import simulate

    scenario = _load(args.file)
    _writable("--json", args.json)
    _writable("--html", args.html)
    factor = _numbers("--travel-factor", args.travel_factor, 3)
    late = _numbers("--late", args.late, 2)
    closures = _closures(args.close)
    if closures:
        places = {p.id for p in scenario.network.places}
        for c in closures:
            if c["links"][0] in places:
                c["places"] = c.pop("links")
    if args.workers < 1:
        raise ScenarioError([Problem("--workers", "must be at least 1")], _OPTIONS)
    cp = plan(scenario, indicators=_indicators(args.indicator))
    options: dict[str, Any] = {
        "runs": args.runs,
        "seed": args.seed,
        "travel_factor": tuple(factor) if factor else None,
        "late": tuple(late) if late else None,
        "no_show": _when(args.no_show),  # None: the scenario's
        "closures": closures,
        "policy": args.policy,
        "progress": args.progress,
    }
    try:
        if args.workers > 1:
            with ProcessPoolExecutor(args.workers) as pool:
                sim = simulate(cp, executor=pool, **options)
        else:
            sim = simulate(cp, **options)
    except ScenarioError as error:
        raise ScenarioError([_flag(p, args.close) for p in error.problems], _OPTIONS) from None
    print(sim.summary(slack=_when(args.slack)))
    if args.json:
        from pathlib import Path

        from evacplan.io._files import _write_whole

        data = {
            "runs": sim.runs,
            "seed": sim.seed,
            "planned_egress_minutes": sim.planned_egress,
            "egress_quantiles": {str(k): _finite(v) for k, v in sim.egress_quantiles.items()},
            "egress_minutes": [_finite(v) for v in sim.egress.tolist()],
            "not_safe": sim.not_safe.tolist(),
            "no_show": sim.no_show.tolist(),
        }
        _write_whole(Path(args.json), json.dumps(data, indent=1) + "\n")
        print(f"\nsaved: {args.json}")
    if args.html:
        cp.to_html(args.html, simulation=sim)
        print(f"\nreport: {args.html}")
    return 0


_FLAGS = {
    "runs": "--runs",
    "seed": "--seed",
    "travel_factor": "--travel-factor",
    "late": "--late",
    "late[0]": "--late (its share)",
    "late[1]": "--late (its time)",
    "no_show": "--no-show",
}


def _flag(problem: Problem, close: list[str] | None) -> Problem:
    """A problem with simulate()'s arguments, at the command-line flag that gave it."""
    if problem.path.startswith("closures["):
        i = int(problem.path[len("closures[") :].split("]", 1)[0])
        given = (close or [])[i] if i < len(close or []) else ""
        return Problem(f"--close {given}".strip(), problem.message)
    return Problem(_FLAGS.get(problem.path, problem.path), problem.message)


def _finite(v: float) -> float | None:
    """JSON has no infinity: a run in which someone is never safe is null."""
    return None if math.isinf(v) else v
