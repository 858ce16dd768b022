"""The ``evacplan`` command line.

::

    evacplan plan FILE [--indicator ID=TIME ...] [--json OUT]
                                       the contingency plan over the scenario's timeline:
                                       stage by stage, who stays, who leaves when and how,
                                       last-out per post (the main job)
    evacplan closures FILE [--k 2] [--places | --links | --kind KIND | --close ID ...]
                       [--at TIME] [--workers N] [--json OUT]
                                       every closure (or pair) re-planned, ranked by harm;
                                       exit 4 when one strands people or breaks a post
    evacplan validate FILE...          check scenario files (or TNTP networks); exit 1 on any problem;
                                       likely mistakes are printed as warnings (exit 0)
    evacplan show FILE                 summarise a scenario: posts, staff, places, links, threats
    evacplan drawdown FILE [--posture P | --posture POST=P ...]
                                       who stays at each post, covering what, and who leaves
    evacplan evacuate FILE [options]   the evacuation schedule of a scenario's departing parties,
                                       or of --supply on a TNTP network

Every failure is reported as a message naming the problem and exits non-zero;
``--debug`` shows the traceback of an unexpected failure.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from collections import Counter
from collections.abc import Sequence
from typing import Any

from evacplan._time import _plural
from evacplan.errors import EvacplanError, Problem, ScenarioError, ScenarioWarning
from evacplan.models import Scenario

__all__ = ["main", "scenario_summary"]


def _load(path: str) -> Scenario:
    from evacplan.io import load_scenario

    return load_scenario(path)


def _is_tntp(path: str) -> bool:
    return path.lower().endswith(".tntp")


def scenario_summary(scenario: Scenario) -> dict[str, Any]:
    """The figures ``evacplan show`` prints, as plain data.

    Returns
    -------
    dict
        ``posts``: one row per post (id, name, place, posture now, posture
        the decision points reach, staff, dependants, people, functions);
        ``staff_by_category``, ``places_by_kind``, ``links_by_mode``:
        counts; ``threats`` and ``decision_points``: counts.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> s = scenario_summary(load_scenario(seed_path("tiny")))
    >>> s["posts"][0]["staff"], s["posts"][0]["dependants"], s["posts"][0]["people"]
    (6, 6, 12)
    """
    planning = scenario.postures()
    rows = []
    for post in scenario.posts:
        members = scenario.staff_by_post[post.id]
        dependants = sum(m.dependants for m in members)
        rows.append(
            {
                "id": post.id,
                "name": post.name,
                "place": post.place,
                "posture": str(post.posture),
                "planning_posture": str(planning[post.id]),
                "staff": len(members),
                "dependants": dependants,
                "people": len(members) + dependants,
                "functions": len(post.requirements),
            }
        )
    return {
        "name": scenario.name,
        "start": scenario.start.isoformat(),
        "step_minutes": scenario.step_minutes,
        "posts": rows,
        "staff_by_category": dict(sorted(Counter(str(m.category) for m in scenario.staff).items())),
        "places_by_kind": dict(sorted(Counter(str(p.kind) for p in scenario.places).items())),
        "links_by_mode": dict(sorted(Counter(str(link.mode) for link in scenario.links).items())),
        "safe_places": [p.id for p in scenario.places if p.is_safe],
        "threats": len(scenario.threats),
        "decision_points": len(scenario.decision_points),
    }


def _table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    cells = [[str(h) for h in headers], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _format_summary(summary: dict[str, Any]) -> str:
    out = [
        f"scenario {summary['name']!r}, from {summary['start']}, steps of {summary['step_minutes']} min",
        "",
    ]
    posts = summary["posts"]
    out.append(
        _table(
            ["post", "name", "posture", "planning", "staff", "dependants", "people", "functions"],
            [
                [
                    p["id"],
                    p["name"],
                    p["posture"],
                    p["planning_posture"],
                    p["staff"],
                    p["dependants"],
                    p["people"],
                    p["functions"],
                ]
                for p in posts
            ],
        )
    )
    total_staff = sum(p["staff"] for p in posts)
    total_people = sum(p["people"] for p in posts)
    out.append(f"total: {total_staff} staff, {total_people} people")
    out.append("")

    def counts(title: str, data: dict[str, int]) -> str:
        return (
            f"{title}: " + ", ".join(f"{k} {v}" for k, v in data.items())
            if data
            else f"{title}: none"
        )

    out.append(counts("staff by category", summary["staff_by_category"]))
    out.append(counts("places by kind", summary["places_by_kind"]))
    out.append(counts("links by mode", summary["links_by_mode"]))
    out.append("safe places: " + (", ".join(summary["safe_places"]) or "none"))
    out.append(
        f"threat events: {summary['threats']}; decision points: {summary['decision_points']}"
    )
    return "\n".join(out)


def _cmd_validate(args: argparse.Namespace) -> int:
    from evacplan.io import read_tntp

    failed = 0
    for path in args.files:
        try:
            if _is_tntp(path):
                net = read_tntp(path)
                print(
                    f"ok: {path} (TNTP network: {_plural(len(net.places), 'place')}, "
                    f"{_plural(len(net.links), 'link')})"
                )
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ScenarioWarning)
                scenario = _load(path)
            found = [w for w in caught if issubclass(w.category, ScenarioWarning)]
            for w in caught:
                if w not in found:  # not ours to judge: pass it on as it was
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            counts = [
                _plural(len(scenario.posts), "post"),
                _plural(len(scenario.staff), "staff member", "staff"),
                _plural(len(scenario.places), "place"),
                _plural(len(scenario.links), "link"),
            ]
            note = f"; {_plural(len(found), 'warning')}" if found else ""
            print(f"ok: {path} ({scenario.name!r}: {', '.join(counts)}{note})")
            for w in found:
                print(f"warning: {w.message}", file=sys.stderr)
        except ScenarioError as err:
            failed += 1
            print(err, file=sys.stderr)
    return 1 if failed else 0


def _cmd_show(args: argparse.Namespace) -> int:
    print(_format_summary(scenario_summary(_load(args.file))))
    return 0


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
    }
    if args.deadline is not None:
        options["deadline"] = args.deadline
    if _is_tntp(args.file):
        from evacplan.io import read_tntp

        if not args.supply:
            raise ScenarioError(
                [Problem("--supply", "a TNTP network needs --supply NODE=COUNT")], source=_OPTIONS
            )
        if not args.safe:
            raise ScenarioError(
                [Problem("--safe", "a TNTP network needs --safe NODE (one or more)")],
                source=_OPTIONS,
            )
        network = read_tntp(args.file)
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
    return 0 if str(route.status) != "infeasible" else 3


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
    cp = plan(
        scenario,
        indicators=_indicators(args.indicator),
        objective=args.objective,
        deadline=_when(args.deadline),
        time_limit=args.time_limit,
    )
    print(cp)
    if args.json:
        from evacplan.io import save_plan

        save_plan(cp, args.json)
        print(f"\nsaved: {args.json}")
    return 0 if str(cp.status) != "infeasible" else 3


def _cmd_closures(args: argparse.Namespace) -> int:
    from evacplan.closures import Outcome, analyze

    what: Any = args.kind or ("places" if args.places else "links")
    if args.close:
        what = [tuple(c.split("+")) if "+" in c else c for c in args.close]
    options: dict[str, Any] = {"time_limit": args.time_limit}
    if _is_tntp(args.file):
        from evacplan.io import read_tntp

        problems = [
            Problem(name, f"a TNTP network needs {name} {shape}")
            for name, shape, given in (
                ("--supply", "NODE=COUNT", args.supply),
                ("--safe", "NODE (one or more)", args.safe),
            )
            if not given
        ]
        if args.indicator:
            problems.append(Problem("--indicator", "a TNTP network has no decision points"))
        if problems:
            raise ScenarioError(problems, source=_OPTIONS)
        subject: Any = read_tntp(args.file)
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="evacplan", description="Plan an embassy's crisis posture: drawdown and evacuation."
    )
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks of unexpected failures"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("plan", help="the contingency plan over the scenario's timeline")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--indicator",
        action="append",
        metavar="ID=TIME",
        help="an indicator decision point that fires, and when (minutes, 36h, or a datetime)",
    )
    p.add_argument("--objective", choices=["quickest", "safest"], default="quickest")
    p.add_argument("--deadline", default=None, metavar="TIME", help="for safest: minutes or 36h")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS")
    p.add_argument("--json", default=None, metavar="OUT", help="also save the plan as JSON")
    p.set_defaults(run=_cmd_plan)

    p = sub.add_parser("closures", help="what breaks the plan: every closure re-planned")
    p.add_argument("file", metavar="FILE", help="a scenario file, or a TNTP network (*.tntp)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--links", action="store_true", help="close each link (the default)")
    which.add_argument("--places", action="store_true", help="close each place (all its links)")
    which.add_argument("--kind", default=None, metavar="KIND", help="close each place of a kind")
    which.add_argument(
        "--close",
        action="append",
        metavar="ID[+ID...]",
        help="a link or place to close (repeat; join ids with + to close them together)",
    )
    p.add_argument("--k", type=int, default=1, help="1: each closure alone; 2: every pair")
    p.add_argument("--at", default="0", metavar="TIME", help="when they close: minutes, 96h, ...")
    p.add_argument("--workers", type=int, default=1, metavar="N", help="processes to re-plan on")
    p.add_argument("--indicator", action="append", metavar="ID=TIME", help="as for plan")
    p.add_argument("--supply", action="append", metavar="NODE=COUNT", help="TNTP: people at a node")
    p.add_argument("--safe", action="append", metavar="NODE", help="TNTP: a safe node")
    p.add_argument("--step", type=int, default=None, metavar="MINUTES", help="TNTP: default 1")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS")
    p.add_argument("--rows", type=int, default=20, metavar="N", help="groups of cases to print")
    p.add_argument("--json", default=None, metavar="OUT", help="also save the table as JSON")
    p.set_defaults(run=_cmd_closures)

    p = sub.add_parser("validate", help="check scenario files (YAML/JSON) or TNTP networks")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(run=_cmd_validate)

    p = sub.add_parser("show", help="summarise a scenario")
    p.add_argument("file", metavar="FILE")
    p.set_defaults(run=_cmd_show)

    p = sub.add_parser("drawdown", help="who stays at each post and who leaves")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--posture",
        action="append",
        metavar="P",
        help="posture for every post (normal, reduced, minimal, suspended), or POST=POSTURE; "
        "default: what the scenario's decision points reach",
    )
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS")
    p.set_defaults(run=_cmd_drawdown)

    p = sub.add_parser("evacuate", help="the evacuation schedule to safety")
    p.add_argument("file", metavar="FILE", help="a scenario file, or a TNTP network (*.tntp)")
    p.add_argument("--supply", action="append", metavar="NODE=COUNT", help="people at a place")
    p.add_argument("--safe", action="append", metavar="NODE", help="a safe place (repeat for more)")
    p.add_argument(
        "--step",
        type=int,
        default=None,
        metavar="MINUTES",
        help="minutes per time step, 1 to 1440 (default: the scenario's, or 1 for TNTP)",
    )
    p.add_argument(
        "--posture", action="append", metavar="P", help="drawdown posture (scenario only)"
    )
    p.add_argument("--objective", choices=["quickest", "safest"], default="quickest")
    p.add_argument("--deadline", type=int, default=None, metavar="MINUTES")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS")
    p.add_argument(
        "--max-memory",
        default=None,
        metavar="SIZE",
        help="the most memory a time-expanded network may take, e.g. 6GiB or 512M "
        "(default: half of this machine's memory)",
    )
    p.set_defaults(run=_cmd_evacuate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (0 ok, 1 bad input, 2 usage, 3 infeasible).

    Examples
    --------
    >>> from evacplan.io import seed_path
    >>> main(["validate", str(seed_path("tiny"))])  # doctest: +ELLIPSIS
    ok: .../tiny.yaml ('tiny': 1 post, 6 staff, 5 places, 5 links)
    0
    """
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except EvacplanError as err:
        print(f"evacplan {args.command}: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("evacplan: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`evacplan drawdown ... | head`): stop quietly, as cat does.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except Exception as err:  # a bug, not bad input: say so plainly
        if args.debug:
            raise
        print(
            f"evacplan {args.command}: internal error {type(err).__name__}: {err} "
            "(rerun with --debug for the traceback, and please report it)",
            file=sys.stderr,
        )
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
