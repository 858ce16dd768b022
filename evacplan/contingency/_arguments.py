"""Every problem with a call to :func:`~evacplan.contingency.plan` at once, as files are checked.

:func:`_check` reads the indicators (decision point ids with the time they
fire: minutes, durations or datetimes, as in scenario files), the objective,
its deadline, the time limit, workers and seed, and raises one
:class:`~evacplan.errors.ScenarioError` headed "invalid arguments to
plan():" listing each problem with its path and a suggestion.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evacplan._time import parse_when
from evacplan._validate import suggest
from evacplan.errors import Problem, ScenarioError
from evacplan.models import Scenario
from evacplan.routing._arguments import hazard_problem, last_service_arrival
from evacplan.staffing._arguments import _search_problems

_OBJECTIVES = ("least_harm", "quickest", "safest", "most_saved")
_WHERE = "invalid arguments to plan()"


@dataclass(frozen=True, slots=True)
class _Inputs:
    indicators: dict[str, float]
    objective: str
    deadline: float | None
    time_limit: float | None
    workers: int
    seed: int
    hazard: float


def _check(
    scenario: Any,
    indicators: Any,
    objective: Any,
    deadline: Any,
    time_limit: Any,
    workers: Any,
    seed: Any,
    hazard_per_hour: Any = None,
) -> _Inputs:
    if not isinstance(scenario, Scenario):
        raise ScenarioError(
            [Problem("scenario", f"expected a Scenario (got {type(scenario).__name__})")],
            source=_WHERE,
        )
    problems: list[Problem] = []
    fired: dict[str, float] = {}
    watched = {p.id for p in scenario.decision_points if p.indicator is not None}
    if indicators is not None:
        if not isinstance(indicators, Mapping):
            problems.append(
                Problem(
                    "indicators",
                    "give a mapping of decision point ids to when they fire, "
                    "e.g. {'tehran-crowds': '36h'}",
                )
            )
        else:
            for key, value in indicators.items():
                path = f"indicators[{key!r}]"
                if key not in watched:
                    known = {p.id for p in scenario.decision_points}
                    what = (
                        "is a decision point with no indicator (it fires on its own time)"
                        if key in known
                        else "is not a decision point on an indicator"
                        + suggest(str(key), watched or known)
                    )
                    problems.append(Problem(path, f"{key!r} {what}"))
                    continue
                try:
                    minute = scenario.minute(parse_when(value))
                except (ValueError, TypeError) as error:
                    problems.append(Problem(path, str(error)))
                    continue
                if minute < 0:
                    problems.append(Problem(path, f"{value!s} is before the scenario's start"))
                    continue
                fired[str(key)] = minute
    if objective not in _OBJECTIVES:
        problems.append(
            Problem(
                "objective",
                f"{objective!r} is not an objective; use 'least_harm', 'quickest', 'safest' "
                "or 'most_saved'" + suggest(str(objective), _OBJECTIVES),
            )
        )
    limit = None
    if deadline is not None:
        try:
            limit = scenario.minute(parse_when(deadline))
        except (ValueError, TypeError) as error:
            problems.append(Problem("deadline", str(error)))
    elif objective == "safest":
        problems.append(
            Problem("deadline", "objective 'safest' needs a deadline by which everyone is safe")
        )
    elif objective == "most_saved":
        limit = last_service_arrival(scenario.network, scenario.step_minutes)
        if limit is None:
            problems.append(
                Problem(
                    "deadline",
                    "objective 'most_saved' needs a deadline (the most people safe by then); it "
                    "defaults to the arrival of the last scheduled departure, and this "
                    "scenario has no scheduled services",
                )
            )
    seconds = None
    if time_limit is not None:
        ok = isinstance(time_limit, (int, float)) and not isinstance(time_limit, bool)
        if not ok or not math.isfinite(time_limit) or time_limit <= 0:
            problems.append(Problem("time_limit", f"must be seconds above 0 (got {time_limit!r})"))
        else:
            seconds = float(time_limit)
    problems += _search_problems(workers, seed)
    hazard = hazard_problem(hazard_per_hour, scenario, problems)
    if problems:
        raise ScenarioError(problems, source=_WHERE)
    return _Inputs(fired, str(objective), limit, seconds, int(workers), int(seed), hazard)
