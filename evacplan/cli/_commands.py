"""The commands that plan: ``drawdown``, ``evacuate``, ``plan``, ``closures`` and ``check``.

Each reads its options (checked like files: every problem named), calls the
library and prints its result; :mod:`evacplan.cli` parses the command line
and turns errors into exit codes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evacplan.cli._show import _is_tntp, _load, _read_map
from evacplan.errors import Problem, ScenarioError

_OPTIONS = "invalid command-line options"


def _postures(values: list[str] | None) -> str | dict[str, str] | None:
    """``--posture minimal`` or ``--posture baghdad=minimal --posture tehran=reduced``."""
    if not values:
        return None
    pairs = [v for v in values if "=" in v]
    if not pairs:
        if len(values) > 1:
            raise ScenarioError(
                [Problem("--posture", "give one posture, or POST=POSTURE pairs")], source=_OPTIONS
            )
        return values[0]
    if len(pairs) != len(values):
        raise ScenarioError(
            [Problem("--posture", "do not mix a plain posture with POST=POSTURE pairs")],
            source=_OPTIONS,
        )
    return dict(v.split("=", 1) for v in pairs)


def _cmd_drawdown(args: argparse.Namespace) -> int:
    from evacplan.staffing import drawdown

    scenario = _load(args.file)
    plan = drawdown(scenario, _postures(args.posture), time_limit=args.time_limit)
    print(plan)
    return 0 if str(plan.status) != "infeasible" else 3


def _supply(values: list[str] | None) -> dict[str, int]:
    supply: dict[str, int] = {}
    problems = []
    for value in values or []:
        node, sep, count = value.partition("=")
        if not sep or not count.strip().lstrip("-").isdigit():
            problems.append(Problem("--supply", f"{value!r} is not NODE=COUNT (e.g. 3=800)"))
            continue
        supply[node.strip()] = supply.get(node.strip(), 0) + int(count)
    if problems:
        raise ScenarioError(problems, source=_OPTIONS)
    return supply


def _cmd_evacuate(args: argparse.Namespace) -> int:
    from evacplan.routing import evacuate

    options: dict[str, Any] = {
        "objective": args.objective,
        "time_limit": args.time_limit,
        "max_memory": args.max_memory,
        "hazard_per_hour": args.hazard_per_hour,
    }
    if args.deadline is not None:
        options["deadline"] = args.deadline
    if _is_tntp(args.file):
        if not args.supply:
            raise ScenarioError(
                [
                    Problem(
                        "--supply",
                        "a network on its own (TNTP or network file) needs --supply NODE=COUNT",
                    )
                ],
                source=_OPTIONS,
            )
        if not args.safe:
            raise ScenarioError(
                [
                    Problem(
                        "--safe",
                        "a network on its own (TNTP or network file) needs --safe NODE (one or more)",
                    )
                ],
                source=_OPTIONS,
            )
        network = _read_map(args.file)
        route = evacuate(
            network,
            _supply(args.supply),
            set(args.safe),
            step_minutes=1 if args.step is None else args.step,
            **options,
        )
    else:
        from evacplan.staffing import drawdown

        scenario = _load(args.file)
        if args.supply:
            route = evacuate(
                scenario,
                _supply(args.supply),
                set(args.safe) if args.safe else None,
                step_minutes=scenario.step_minutes if args.step is None else args.step,
                **options,
            )
        else:
            plan = drawdown(scenario, _postures(args.posture))
            if str(plan.status) == "infeasible":
                print(plan)
                return 3
            route = evacuate(
                scenario,
                safe=set(args.safe) if args.safe else None,
                parties=plan.parties,
                step_minutes=scenario.step_minutes if args.step is None else args.step,
                **options,
            )
    print(route)
    return _code(route.status, bool(route.stranded))


def _indicators(values: list[str] | None) -> dict[str, str] | None:
    """``--indicator tehran-crowds=36h`` pairs as a mapping (times are checked by plan())."""
    if not values:
        return None
    out: dict[str, str] = {}
    problems = []
    for value in values:
        key, sep, when = value.partition("=")
        if not sep or not key.strip() or not when.strip():
            problems.append(
                Problem("--indicator", f"{value!r} is not ID=TIME (e.g. tehran-crowds=36h)")
            )
            continue
        out[key.strip()] = _when(when.strip())
    if problems:
        raise ScenarioError(problems, source=_OPTIONS)
    return out


def _when(value: str | None) -> Any:
    """A time given on the command line: whole or decimal minutes as a number, else as written."""
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return value
    return int(number) if number.is_integer() else number


def _cmd_plan(args: argparse.Namespace) -> int:
    from evacplan.contingency import plan

    scenario = _load(args.file)
    for flag, out in (("--json", args.json), ("--html", args.html), ("--geojson", args.geojson)):
        _writable(flag, out)
    cp = plan(
        scenario,
        indicators=_indicators(args.indicator),
        objective=args.objective,
        deadline=_when(args.deadline),
        time_limit=args.time_limit,
        hazard_per_hour=args.hazard_per_hour,
    )
    print(cp)
    if args.json:
        from evacplan.io import save_plan

        save_plan(cp, args.json)
        print(f"\nsaved: {args.json}")
    if args.html:
        cp.to_html(args.html)
        print(f"\nreport: {args.html}")
    if args.geojson:
        cp.to_geojson(args.geojson)
        print(f"\nGeoJSON: {args.geojson}")
    return _code(cp.status, bool(cp.evacuation.stranded), bool(cp.breaches))


def _code(status: Any, stranded: bool, breached: bool = False) -> int:
    """The exit code of a plan (see ``EXIT_CODES``), the worst first: 3 when a post cannot
    hold its posture, 6 when a post's retained staff cannot get out in time (a last-out
    breach), 5 when people cannot be reached, else 0."""
    if str(status) == "infeasible":
        return 3
    if breached:
        return 6
    return 5 if stranded else 0


def _writable(flag: str, path: str | None) -> None:
    """Refuse an output path whose folder is missing before planning, not after."""
    if path is None:
        return
    out = Path(path)
    if out.is_dir():
        raise ScenarioError([Problem(flag, f"{path} is a folder; give a file name")], _OPTIONS)
    if not out.parent.is_dir():
        raise ScenarioError([Problem(flag, f"the folder {out.parent} does not exist")], _OPTIONS)


def _cmd_closures(args: argparse.Namespace) -> int:
    from evacplan.closures import Outcome, analyze

    what: Any = args.kind or ("places" if args.places else "links")
    if args.close:
        what = [tuple(c.split("+")) if "+" in c else c for c in args.close]
    options: dict[str, Any] = {
        "time_limit": args.time_limit,
        "objective": args.objective,
        "deadline": _when(args.deadline),
        "hazard_per_hour": args.hazard_per_hour,
    }
    if _is_tntp(args.file):
        problems = [
            Problem(name, f"a network on its own (TNTP or network file) needs {name} {shape}")
            for name, shape, given in (
                ("--supply", "NODE=COUNT", args.supply),
                ("--safe", "NODE (one or more)", args.safe),
            )
            if not given
        ]
        if args.indicator:
            problems.append(Problem("--indicator", "a network on its own has no decision points"))
        if problems:
            raise ScenarioError(problems, source=_OPTIONS)
        subject: Any = _read_map(args.file)
        options.update(
            supply=_supply(args.supply),
            safe=set(args.safe),
            step_minutes=1 if args.step is None else args.step,
        )
    else:
        stray = [
            Problem(name, f"{name} is for a TNTP network; a scenario moves its own staff")
            for name, given in (
                ("--supply", args.supply),
                ("--safe", args.safe),
                ("--step", args.step),
            )
            if given
        ]
        if stray:
            raise ScenarioError(stray, source=_OPTIONS)
        subject = _load(args.file)
        options["indicators"] = _indicators(args.indicator)
    if args.workers < 1:
        raise ScenarioError(
            [Problem("--workers", f"must be 1 or more (got {args.workers})")], source=_OPTIONS
        )
    executor = None
    if args.workers > 1:
        from concurrent.futures import ProcessPoolExecutor

        executor = ProcessPoolExecutor(args.workers)
    try:
        result = analyze(
            subject,
            closures=what,
            k=args.k,
            at=_when(args.at),
            executor=executor,
            progress=sys.stderr.isatty(),
            **options,
        )
    finally:
        if executor is not None:
            executor.shutdown()
    print(result.summary(limit=args.rows))
    if args.json:
        from evacplan.io import save_plan

        save_plan(result, args.json)
        print(f"\nsaved: {args.json}")
    harmful = {Outcome.STRANDED, Outcome.INFEASIBLE}
    return 4 if any(c.outcome in harmful for c in result.cases) else 0


def _cmd_check(args: argparse.Namespace) -> int:
    import json
    import time

    from evacplan.testing import run_checks

    scenario = _load(args.file)
    if not scenario.checks:
        raise ScenarioError(
            [Problem("checks", "the file has no checks: add a checks: section (see the README)")],
            source=args.file,
        )
    if args.json not in (None, "-"):
        _writable("--json", args.json)
    began = time.perf_counter()
    results = run_checks(scenario, only=args.only, time_limit=args.time_limit)
    seconds = time.perf_counter() - began
    passed = sum(r.passed for r in results)
    summary = f"{args.file}: {passed} of {len(results)} checks pass ({seconds:.1f} s)"
    if args.json is not None:
        data = {
            "file": args.file,
            "scenario": scenario.name,
            "passed": passed,
            "checks": len(results),
            "seconds": round(seconds, 2),
            "results": [r.as_dict() for r in results],
        }
        text = json.dumps(data, indent=2, default=str)
        if args.json == "-":
            print(text)
            return 0 if passed == len(results) else 1
        Path(args.json).write_text(text + "\n", encoding="utf-8")
    print(summary)
    for result in results:
        print(result.report(None if args.verbose else 10))
    if args.json is not None:
        print(f"\nsaved: {args.json}")
    return 0 if passed == len(results) else 1
