"""The ``evacplan`` command line.

::

    evacplan plan FILE [--indicator ID=TIME ...] [--json OUT] [--html OUT]
                                       the contingency plan over the scenario's timeline:
                                       stage by stage, who stays, who leaves when and how,
                                       last-out per post (the main job)
    evacplan closures FILE [--k 2] [--places | --links | --kind KIND | --close ID ...]
                       [--at TIME] [--workers N] [--json OUT]
                                       every closure (or pair) re-planned, ranked by harm;
                                       exit 4 when one strands people or breaks a post
    evacplan check FILE [--only ID ...]
                                       make the checks written in the scenario file: a PASS
                                       or FAIL line each (who, where, why); exit 1 on a failure
    evacplan validate FILE...          check scenario files (or TNTP networks); exit 1 on any problem;
                                       likely mistakes are printed as warnings (exit 0)
    evacplan show FILE                 summarise a scenario: posts, staff, places, links, threats
    evacplan drawdown FILE [--posture P | --posture POST=P ...]
                                       who stays at each post, covering what, and who leaves
    evacplan evacuate FILE [options]   the evacuation schedule of a scenario's departing parties,
                                       or of --supply on a TNTP network

Every failure is reported as a message naming the problem and exits non-zero;
``--debug`` shows the traceback of an unexpected failure.

Modules: :mod:`._show` (``validate``, ``show`` and the shared helpers),
:mod:`._commands` (the commands that plan, and ``check``); this one parses
the command line and turns errors into exit codes.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from evacplan.cli._commands import (
    _cmd_check,
    _cmd_closures,
    _cmd_drawdown,
    _cmd_evacuate,
    _cmd_plan,
)
from evacplan.cli._show import _cmd_show, _cmd_validate, scenario_summary
from evacplan.errors import EvacplanError

__all__ = ["main", "scenario_summary"]


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
    p.add_argument("--objective", choices=["quickest", "safest", "most_saved"], default="quickest")
    p.add_argument(
        "--deadline",
        default=None,
        metavar="TIME",
        help="for safest or most_saved: minutes or 36h (most_saved: by default when the last "
        "scheduled departure arrives)",
    )
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS")
    p.add_argument("--json", default=None, metavar="OUT", help="also save the plan as JSON")
    p.add_argument(
        "--html",
        default=None,
        metavar="OUT",
        help="also write the plan as one self-contained HTML page (offline, prints to A4)",
    )
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

    p = sub.add_parser("check", help="make the checks written in a scenario file")
    p.add_argument("file", metavar="FILE")
    p.add_argument("--only", action="append", metavar="ID", help="this check only (repeat)")
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS")
    p.set_defaults(run=_cmd_check)

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
    p.add_argument("--objective", choices=["quickest", "safest", "most_saved"], default="quickest")
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
