"""The ``evacplan`` command line.

::

    evacplan plan FILE [--indicator ID=TIME ...] [--objective O] [--hazard-per-hour P]
                       [--json OUT] [--html OUT] [--geojson OUT]
                                       the contingency plan over the scenario's timeline:
                                       stage by stage, who stays, who leaves when and how,
                                       last-out per post (the main job); least harm unless
                                       --objective says otherwise; exit 3, 6 or 5 when a post
                                       cannot hold, a last-out check fails, or people cannot
                                       be reached
    evacplan closures FILE [--k 2] [--places | --links | --kind KIND | --close ID ...]
                       [--at TIME] [--workers N] [--json OUT]
                                       every closure (or pair) re-planned, ranked by harm;
                                       exit 4 when one strands people or breaks a post
    evacplan simulate FILE [--runs N] [--seed N] [--travel-factor LOW,MODE,HIGH]
                       [--late SHARE,UP_TO] [--no-show SHARE] [--close ID@TIME=P ...]
                       [--policy follow|replan] [--workers N] [--json OUT]
                                       the plan run many times under delays, late arrivals,
                                       no-shows and closures: clearance times in 50, 90 and
                                       95 runs of 100, who is most often late, what binds
    evacplan check FILE [--only ID ...]
                                       make the checks written in the scenario file: a PASS
                                       or FAIL line each (who, where, why); exit 1 on a failure
    evacplan validate FILE...          check scenario files (or networks); exit 1 on any problem;
                                       likely mistakes are printed as warnings (exit 0)
    evacplan import-osm FILE -o OUT [--bbox S,W,N,E] [--network-type drive]
                                       an OpenStreetMap extract (.osm, .osm.bz2, .osm.pbf) as
                                       a network file (needs the osm extra)
    evacplan show FILE                 summarise a scenario: posts, staff, places, links, threats
    evacplan drawdown FILE [--posture P | --posture POST=P ...]
                                       who stays at each post, covering what, and who leaves
    evacplan evacuate FILE [options]   the evacuation schedule of a scenario's departing parties,
                                       or of --supply on a TNTP network

Every failure is reported as a message naming the problem and exits non-zero
(``EXIT_CODES``, listed by ``evacplan --help``); ``--debug`` shows the traceback of an
unexpected failure.

Modules: :mod:`._show` (``validate``, ``show`` and the shared helpers),
:mod:`._commands` (the commands that plan, and ``check``), :mod:`._simulate`
(``simulate``), :mod:`._osm` (``import-osm``); this one parses
the command line and turns errors into exit codes.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence

from evacplan.cli._commands import (
    _cmd_check,
    _cmd_closures,
    _cmd_drawdown,
    _cmd_evacuate,
    _cmd_plan,
)
from evacplan.cli._osm import _cmd_import_osm
from evacplan.cli._show import _cmd_show, _cmd_validate, scenario_summary
from evacplan.cli._simulate import simulate_arguments
from evacplan.errors import EvacplanError, SolverError

__all__ = ["main", "scenario_summary"]


def _parser() -> argparse.ArgumentParser:
    """The command line: ``--debug``, and one subcommand each with its own arguments."""
    parser = argparse.ArgumentParser(
        prog="evacplan",
        description="Plan an embassy's crisis posture: drawdown and evacuation.",
        epilog="exit codes:\n"
        + "\n".join(f"  {code:>3}  {words}" for code, words in EXIT_CODES.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks of unexpected failures"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _plan_arguments(
        sub.add_parser("plan", help="the contingency plan over the scenario's timeline")
    )
    _closures_arguments(
        sub.add_parser("closures", help="what breaks the plan: every closure re-planned")
    )
    simulate_arguments(
        sub.add_parser("simulate", help="how sure the plan is: run it many times under uncertainty")
    )
    _check_arguments(sub.add_parser("check", help="make the checks written in a scenario file"))
    _validate_arguments(
        sub.add_parser("validate", help="check scenario files (YAML/JSON) or networks")
    )
    _import_osm_arguments(
        sub.add_parser("import-osm", help="an OpenStreetMap extract as a network file")
    )
    _show_arguments(sub.add_parser("show", help="summarise a scenario"))
    _drawdown_arguments(sub.add_parser("drawdown", help="who stays at each post and who leaves"))
    _evacuate_arguments(sub.add_parser("evacuate", help="the evacuation schedule to safety"))
    return parser


def _plan_arguments(p: argparse.ArgumentParser) -> None:
    """``evacplan plan``: a scenario file, the indicators that fire, objective, deadline, outputs."""
    p.add_argument("file", metavar="FILE", help="a scenario file (YAML or JSON)")
    p.add_argument(
        "--indicator",
        action="append",
        metavar="ID=TIME",
        help="an indicator decision point that fires, and when (minutes, 36h, or a datetime)",
    )
    _objective(p, "least_harm")
    p.add_argument(
        "--deadline",
        default=None,
        metavar="TIME",
        help="for safest or most_saved: minutes or 36h (most_saved: by default when the last "
        "scheduled departure arrives)",
    )
    _time_limit(p)
    p.add_argument("--json", default=None, metavar="OUT", help="also save the plan as JSON")
    p.add_argument(
        "--html",
        default=None,
        metavar="OUT",
        help="also write the plan as one self-contained HTML page (offline, prints to A4)",
    )
    p.add_argument(
        "--geojson",
        default=None,
        metavar="OUT",
        help="also write the routes and places as GeoJSON for GIS tools (RFC 7946, lon/lat)",
    )
    p.set_defaults(run=_cmd_plan)


def _closures_arguments(p: argparse.ArgumentParser) -> None:
    """``evacplan closures``: what to close (one way of naming it), ``--k``, ``--at``, the
    workers, the options of plan (a scenario) or of evacuate (a TNTP network), outputs."""
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
    _time_limit(p)
    _objective(p, None)
    p.add_argument(
        "--deadline",
        default=None,
        metavar="TIME",
        help="for safest or most_saved: minutes or 36h, as for plan",
    )
    p.add_argument("--rows", type=int, default=20, metavar="N", help="groups of cases to print")
    p.add_argument("--json", default=None, metavar="OUT", help="also save the table as JSON")
    p.set_defaults(run=_cmd_closures)


def _check_arguments(p: argparse.ArgumentParser) -> None:
    """``evacplan check``: a scenario file with checks, which of them, how much to say."""
    p.add_argument("file", metavar="FILE", help="a scenario file with a checks: section")
    p.add_argument("--only", action="append", metavar="ID", help="this check only (repeat)")
    p.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="every line of a failing check (by default at most 10 each)",
    )
    p.add_argument(
        "--json",
        nargs="?",
        const="-",
        default=None,
        metavar="OUT",
        help="the results as JSON, every message in full: to OUT, or alone on standard "
        "output when no OUT is given",
    )
    _time_limit(p)
    p.set_defaults(run=_cmd_check)


def _validate_arguments(p: argparse.ArgumentParser) -> None:
    """``evacplan validate``: one or more scenario files or TNTP networks."""
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="scenario files (YAML or JSON) or TNTP networks"
    )
    p.set_defaults(run=_cmd_validate)


def _import_osm_arguments(p: argparse.ArgumentParser) -> None:
    """``evacplan import-osm``: the extract, the output, the box, the kind of network."""
    p.add_argument(
        "file", metavar="FILE", help="an OpenStreetMap extract: .osm, .osm.bz2, .osm.pbf"
    )
    p.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="the network file to write (.yaml, .json)",
    )
    p.add_argument(
        "--bbox",
        default=None,
        metavar="S,W,N,E",
        help="keep only the roads inside this box (degrees)",
    )
    p.add_argument(
        "--network-type",
        choices=["drive", "drive_service", "walk"],
        default="drive",
        help="drive (roads open to cars), drive_service (with service roads) or walk "
        "(default: drive)",
    )
    p.add_argument(
        "--people-per-vehicle",
        type=float,
        default=2.0,
        metavar="N",
        help="people a vehicle carries: a lane's capacity in people (default 2)",
    )
    p.set_defaults(run=_cmd_import_osm)


def _show_arguments(p: argparse.ArgumentParser) -> None:
    """``evacplan show``: a scenario file."""
    p.add_argument("file", metavar="FILE", help="a scenario file (YAML or JSON)")
    p.set_defaults(run=_cmd_show)


def _drawdown_arguments(p: argparse.ArgumentParser) -> None:
    """``evacplan drawdown``: a scenario file and the postures to hold."""
    p.add_argument("file", metavar="FILE", help="a scenario file (YAML or JSON)")
    p.add_argument(
        "--posture",
        action="append",
        metavar="P",
        help="posture for every post (normal, reduced, minimal, suspended), or POST=POSTURE; "
        "default: what the scenario's decision points reach",
    )
    _time_limit(p)
    p.set_defaults(run=_cmd_drawdown)


def _evacuate_arguments(p: argparse.ArgumentParser) -> None:
    """``evacplan evacuate``: a scenario file (with postures) or a TNTP network (with supply
    and safe places), the step, objective, deadline and limits."""
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
    _objective(p, "quickest")
    p.add_argument(
        "--deadline",
        type=int,
        default=None,
        metavar="MINUTES",
        help="for safest or most_saved: everyone (or the most people) safe by this minute",
    )
    _time_limit(p)
    p.add_argument(
        "--max-memory",
        default=None,
        metavar="SIZE",
        help="the most memory a time-expanded network, or the plan's parties or movements, "
        "may take, e.g. 6GiB or 512M (default: half of this machine's memory for the "
        "network, 2GiB for the plan)",
    )
    p.set_defaults(run=_cmd_evacuate)


_OBJECTIVES = {
    "least_harm": "the least harm: link and threat risk, and --hazard-per-hour for every hour "
    "each person is called forward but not yet safe (nobody is held for days to shave a "
    "little risk)",
    "quickest": "the earliest time the last person is safe, then the least risk",
    "safest": "the least risk with everyone safe by --deadline",
    "most_saved": "the most people safe by --deadline, staff first and then groups by "
    "priority, then the least harm",
}


def _time_limit(p: argparse.ArgumentParser) -> None:
    """The --time-limit option."""
    p.add_argument(
        "--time-limit",
        type=float,
        default=None,
        metavar="SECONDS",
        help="seconds the solvers may take in all (default: no limit); a plan cut short says "
        "so and how far from proven best it may be",
    )


def _objective(p: argparse.ArgumentParser, default: str | None) -> None:
    """The --objective and --hazard-per-hour options, with a word on each choice."""
    choices = "; ".join(f"{name}: {words}" for name, words in _OBJECTIVES.items())
    fallback = (
        "least_harm for a scenario, quickest for a TNTP network" if default is None else default
    )
    p.add_argument(
        "--objective",
        choices=list(_OBJECTIVES),
        default=default,
        help=f"what the schedule makes best (default: {fallback}). {choices}",
    )
    p.add_argument(
        "--hazard-per-hour",
        type=float,
        default=None,
        metavar="P",
        help="the chance of harm each hour a person is called forward but not yet safe, 0 to 1 "
        "(default: the scenario's hazard_per_hour, else 0.002: 0.2%% an hour)",
    )


EXIT_CODES = {
    0: "a plan for everyone: each person safe, retained at a post, or standing down at home "
    "(check: every check passes; closures: no closure strands anyone or breaks a post)",
    1: "bad input: a file or an option, every problem named (check: a check fails)",
    2: "usage: the command line cannot be read",
    3: "infeasible: a post cannot hold its posture (the rules that conflict are named)",
    4: "closures: some closure strands people or breaks a post",
    5: "people cannot be reached: the plan strands them or leaves them behind, and says why",
    6: "a last-out check fails: a post's retained staff cannot get out in time",
    70: "an internal error (rerun with --debug, and please report it)",
}
"""What each exit code of ``evacplan`` means (``evacplan --help`` lists them)."""


_OPTIONS_OF = (
    ("step", re.compile(r"\bstep_minutes=(\d+)"), r"--step \1"),
    ("step", re.compile(r"\bstep_minutes\b"), "--step"),
    ("max_memory", re.compile(r"\bmax_memory\b"), "--max-memory"),
    ("time_limit", re.compile(r"\btime_limit\b"), "--time-limit"),
    (
        "supply",
        re.compile(r"\bevacuate\(network, supply=\{place: count\}\)"),
        "--supply PLACE=COUNT",
    ),
)
"""Python arguments that a solver's refusal names (``step_minutes=5``, ``max_memory``) as
the command line's options, for a command that has that option (its ``args`` field). Not
for a scenario's problems: there ``step_minutes`` is a field of the file."""


def _as_options(message: str, args: argparse.Namespace) -> str:
    """``message`` with the Python arguments it names as this command's options.

    Examples
    --------
    >>> args = argparse.Namespace(step=None, max_memory=None)
    >>> _as_options("use step_minutes=5, or a larger max_memory", args)
    'use --step 5, or a larger --max-memory'
    >>> _as_options("use step_minutes=5", argparse.Namespace())
    'use step_minutes=5'
    """
    for field, pattern, option in _OPTIONS_OF:
        if hasattr(args, field):
            message = pattern.sub(option, message)
    return message


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return its exit code (see :data:`EXIT_CODES`).

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
        words = _as_options(str(err), args) if isinstance(err, SolverError) else str(err)
        print(f"evacplan {args.command}: {words}", file=sys.stderr)
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
        return 70


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
