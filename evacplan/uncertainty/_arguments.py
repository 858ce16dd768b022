"""Every problem with :func:`~evacplan.uncertainty.simulate`'s arguments, raised at once.

The plan (an evacuation or contingency plan that knows its network), the
number of runs and the seed, the uncertainty (travel factor, late arrivals,
no-shows, closures with their probabilities), the policy, the executor and
the progress flag. Each fault is a :class:`~evacplan.errors.Problem` at its
argument's name (``closures[1].links[0]``), all raised together in one
:class:`~evacplan.errors.ScenarioError` headed "invalid arguments to
simulate():"; the cleaned values come back as :class:`_Inputs`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from evacplan._time import parse_when
from evacplan._validate._words import path_of
from evacplan.contingency import ContingencyPlan
from evacplan.errors import Problem, ScenarioError
from evacplan.models import Network, ThreatEvent, Uncertainty
from evacplan.models._uncertainty import _percent as percent
from evacplan.routing import EvacuationPlan
from evacplan.routing._arguments import threat_problems
from evacplan.uncertainty._draws import _Spread

__all__ = ["POLICIES", "_Inputs", "check"]

POLICIES = ("follow", "replan")
"""The policies :func:`simulate` knows."""

_WHERE = "invalid arguments to simulate()"
_MAX_RUNS = 1_000_000


@dataclass(frozen=True)
class _Inputs:
    """simulate()'s arguments, checked."""

    plan: EvacuationPlan
    contingency: ContingencyPlan | None
    runs: int
    seed: int
    spread: _Spread
    closures: tuple[ThreatEvent, ...]
    unnamed: frozenset[str]
    """The ids simulate() gave closures that came without one."""
    policy: str
    executor: Any
    progress: bool


def check(
    plan: Any,
    runs: Any,
    seed: Any,
    travel_factor: Any,
    late: Any,
    no_show: Any,
    closures: Any,
    policy: Any,
    executor: Any,
    progress: Any,
) -> _Inputs:
    """The cleaned arguments, or every problem at once."""
    problems: list[Problem] = []
    evacuation, contingency = _plan(plan, problems)
    n = _whole(runs, "runs", 1, _MAX_RUNS, problems)
    s = _whole(seed, "seed", 0, 2**63 - 1, problems)
    section = _section(contingency)
    factor = _factor(travel_factor, problems) if travel_factor is not None else None
    if late is None and section is not None and section.late is not None:
        late = section.late
    share, up_to = _late(late, problems)
    if no_show is None:
        no_show = section.no_show if section is not None and section.no_show is not None else 0
    absent = _share(no_show, "no_show", problems)
    if closures is None and contingency is not None:
        possible = [t for t in contingency.scenario.threats if not t.certain and t.closes]
        threats, chances = tuple(possible), tuple(float(t.probability or 1) for t in possible)
    else:
        threats, chances = _closures(closures, evacuation, problems)
    if policy not in POLICIES:
        problems.append(
            Problem("policy", f"must be one of {', '.join(map(repr, POLICIES))} (got {policy!r})")
        )
    if executor is not None and not callable(getattr(executor, "submit", None)):
        problems.append(
            Problem(
                "executor",
                f"expected a concurrent.futures.Executor (got {type(executor).__name__})",
            )
        )
    if not isinstance(progress, bool):
        problems.append(Problem("progress", f"must be True or False (got {progress!r})"))
    if problems:
        raise ScenarioError(problems, source=_WHERE)
    assert evacuation is not None
    return _Inputs(
        plan=evacuation,
        contingency=contingency,
        runs=n,
        seed=s,
        spread=_spread(factor, section, share, up_to, absent, chances),
        closures=threats,
        unnamed=frozenset(
            t.id
            for t, item in zip(threats, closures or (), strict=False)
            if isinstance(item, Mapping) and "id" not in item
        ),
        policy=str(policy),
        executor=executor,
        progress=progress,
    )


def _section(contingency: ContingencyPlan | None) -> Uncertainty | None:
    """The scenario's ``uncertainty`` section, when the plan has a scenario."""
    return contingency.scenario.uncertainty if contingency is not None else None


def _spread(
    factor: tuple[float, float, float] | None,
    section: Uncertainty | None,
    share: float,
    up_to: float,
    absent: float,
    chances: tuple[float, ...],
) -> _Spread:
    """The uncertainty drawn: a travel factor given in the call covers every link; else the
    scenario's section (by link, region and mode, and its default)."""
    if factor is not None or section is None:
        return _Spread(factor or (1.0, 1.0, 1.0), share, up_to, absent, chances)
    return _Spread(
        section.travel_factor or (1.0, 1.0, 1.0),
        share,
        up_to,
        absent,
        chances,
        modes={str(k): v for k, v in section.modes.items()},
        regions=dict(section.regions),
        links={str(k): v for k, v in section.links.items()},
    )


def _plan(
    plan: Any, problems: list[Problem]
) -> tuple[EvacuationPlan | None, ContingencyPlan | None]:
    if isinstance(plan, ContingencyPlan):
        return plan.evacuation, plan
    if isinstance(plan, EvacuationPlan):
        if plan.network is None:
            problems.append(
                Problem("plan", "the plan does not know its network (made by evacuate()?)")
            )
            return None, None
        return plan, None
    problems.append(
        Problem(
            "plan",
            f"expected an EvacuationPlan or a ContingencyPlan (got {type(plan).__name__})",
        )
    )
    return None, None


def _whole(value: Any, name: str, low: int, high: int, problems: list[Problem]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        problems.append(
            Problem(name, f"must be a whole number from {low:,} to {high:,} (got {value!r})")
        )
        return low
    return int(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _share(value: Any, name: str, problems: list[Problem]) -> float:
    """A share of 0 to 1; ``"5%"`` is read as 0.05."""
    x = _percent(value)
    if x is None or not 0 <= x <= 1:
        problems.append(
            Problem(name, f"must be a share from 0 to 1, or a percentage like '5%' (got {value!r})")
        )
        return 0.0
    return x


def _percent(value: Any) -> float | None:
    """A share as a number, ``"5%"`` read as a scenario file reads it; None if neither."""
    try:
        return _number(percent(value))
    except ValueError:
        return None


def _factor(value: Any, problems: list[Problem]) -> tuple[float, float, float]:
    numbers = (
        [_number(v) for v in value]
        if isinstance(value, Sequence) and not isinstance(value, str)
        else []
    )
    if len(numbers) != 3 or any(x is None for x in numbers):
        problems.append(
            Problem(
                "travel_factor",
                f"must be three numbers (low, mode, high), like (0.9, 1, 1.5) (got {value!r})",
            )
        )
        return (1.0, 1.0, 1.0)
    low, mode, high = (float(x) for x in numbers)  # type: ignore[arg-type]
    if not 0 < low <= mode <= high:
        problems.append(
            Problem(
                "travel_factor",
                f"needs 0 < low <= mode <= high (got {low:g}, {mode:g}, {high:g})",
            )
        )
        return (1.0, 1.0, 1.0)
    return (low, mode, high)


def _late(value: Any, problems: list[Problem]) -> tuple[float, float]:
    """(share, up_to minutes); None is nobody late."""
    if value is None:
        return 0.0, 0.0
    if not isinstance(value, Sequence) or isinstance(value, str) or len(value) != 2:
        problems.append(
            Problem(
                "late",
                f"must be (share, up_to), like (0.05, '2h') (got {value!r})",
            )
        )
        return 0.0, 0.0
    share = _share(value[0], "late[0]", problems)
    try:
        up_to = parse_when(value[1]) if not isinstance(value[1], (int, float)) else value[1]
    except ValueError as error:
        problems.append(Problem("late[1]", str(error)))
        return share, 0.0
    if isinstance(up_to, datetime) or up_to < 0:
        problems.append(
            Problem("late[1]", f"must be a duration like '2h' or minutes (got {value[1]!r})")
        )
        return share, 0.0
    return share, float(up_to)


def _closures(
    value: Any, plan: EvacuationPlan | None, problems: list[Problem]
) -> tuple[tuple[ThreatEvent, ...], tuple[float, ...]]:
    """Each closure as a threat that closes what it names, and its probability."""
    if value is None:
        return (), ()
    if not isinstance(value, Sequence) or isinstance(value, (str, Mapping)):
        problems.append(
            Problem(
                "closures",
                "must be a list of closures, like [{'links': ['a-b'], "
                "'at': '2h', 'probability': 0.3}]",
            )
        )
        return (), ()
    threats: list[ThreatEvent] = []
    chances: list[float] = []
    for i, item in enumerate(value):
        where = f"closures[{i}]"
        if isinstance(item, ThreatEvent):
            threats.append(item.model_copy(update={"closes": True}))
            chances.append(1.0)
            continue
        if not isinstance(item, Mapping):
            problems.append(
                Problem(where, f"expected a mapping or a ThreatEvent (got {type(item).__name__})")
            )
            continue
        data = dict(item)
        chance = _share(data.pop("probability", 1.0), f"{where}.probability", problems)
        if "id" not in data:
            taken = {t.id for t in (plan._threats if plan is not None else ())}
            data["id"] = next(
                f"closure-{n}"
                for n in range(i + 1, i + 2 + len(taken))
                if f"closure-{n}" not in taken
            )
        data["closes"] = True
        try:
            threats.append(ThreatEvent.model_validate(data))
        except ValidationError as error:
            for e in error.errors():
                problems.append(Problem(f"{where}.{path_of(e['loc'])}", e["msg"]))
            continue
        chances.append(chance)
    if plan is not None and isinstance(plan.network, Network) and len(threats) == len(value):
        for p in threat_problems(plan.network, tuple(threats)):
            problems.append(Problem(p.path.replace("threats", "closures", 1), p.message))
    return tuple(threats), tuple(chances)
