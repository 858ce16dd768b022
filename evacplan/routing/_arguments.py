"""The front door's argument checks: every problem with a call to ``evacuate`` at once.

:func:`_check` reads what the user passed (a Network or a Scenario, supply,
safe places, parties, step, threats, objective, deadline, time limit),
collects every problem as a :class:`~evacplan.errors.Problem` with the
argument's path and a suggestion, raises one
:class:`~evacplan.errors.ScenarioError`, or hands :mod:`._evacuate` the
cleaned :class:`_Inputs`. Nothing past this module checks arguments again.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from evacplan._time import MAX_STEP_MINUTES
from evacplan._validate import reference_problems, suggest
from evacplan.errors import Problem, ScenarioError
from evacplan.models import Network, Scenario, ThreatEvent
from evacplan.results import DEFAULT_HAZARD_PER_HOUR, Party
from evacplan.routing._arrays import _EPS

_OBJECTIVES = ("quickest", "least_harm", "safest", "most_saved")
_WHERE = "invalid arguments to evacuate()"
"""The heading of an error about arguments: the call, not a file, is at fault."""


@dataclass(slots=True)
class _Inputs:
    network: Network
    threats: tuple[ThreatEvent, ...]
    step: int
    supply: dict[str, int]
    safe: list[str]
    parties: list[Party]
    objective: str
    deadline: float | None
    time_limit: float | None
    max_memory: int
    """Bytes the time-expanded networks may take; larger ones are refused before they are built."""
    households: dict[str, tuple[int, int]]
    """With a Scenario: each staff member's id, their party's size and their dependants."""
    hazard: float = DEFAULT_HAZARD_PER_HOUR
    """The chance of harm each hour a person is released but not yet safe."""


_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)


def default_max_memory() -> int:
    """Half of this machine's physical memory (4 GiB where it cannot be read)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) // 2
    except (AttributeError, ValueError, OSError):
        return 4 << 30


def _memory(value: Any) -> int | None:
    """Bytes from a whole number or a size such as ``"6GiB"``, ``"512M"``, ``"2 GB"`` (binary units)."""
    whole = _whole(value)
    if whole is not None:
        return whole if whole > 0 else None
    if isinstance(value, str) and (m := _SIZE.match(value)):
        size = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
        return size if size > 0 else None
    return None


def _whole(value: Any) -> int | None:
    """``value`` as an int if it is a whole number (not a bool), else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, np.integer)):
        return int(value)
    if (
        isinstance(value, (float, np.floating))
        and math.isfinite(value)
        and float(value).is_integer()
    ):
        return int(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        return None
    return float(value) if math.isfinite(value) else None


def threat_problems(net: Network, threats: tuple[ThreatEvent, ...]) -> list[Problem]:
    """What is wrong with threats passed as an argument, checked as a scenario file's would be.

    Unknown places, links and regions (with the nearest valid id), duplicate
    ids, ``until`` not after ``at``, a time before the start: each at its
    path, ``threats[i]....``.
    """
    if not threats:
        return []
    # The network is valid already: only what threats refer to, not each model dumped whole.
    data: dict[str, Any] = {
        "start": net.start,
        "places": [{"id": p.id, "region": p.region} for p in net.places],
        "links": [
            {"id": k.id, "source": k.source, "target": k.target, "two_way": k.two_way}
            for k in net.links
        ],
        "posts": [],
        "staff": [],
        "threats": threats,
    }
    return [p for p in reference_problems(data, "Threats") if p.path.startswith("threats")]


def _twice(scenario: Scenario, parties: list[Any]) -> list[Problem]:
    """Parties that would move someone twice: a person's own party and their dependants' party
    together larger than the person and their dependants (two drawdowns' parties combined)."""
    staff = scenario.staff_by_id
    first: dict[str, list[tuple[int, Party]]] = {}
    seen: set[str] = set()
    for i, p in enumerate(parties):
        if isinstance(p, Party) and p.id not in seen:  # a repeated id is reported on its own
            seen.add(p.id)
            who = p.id.removesuffix("/dependants")
            if who in staff:
                first.setdefault(who, []).append((i, p))
    problems = []
    for who, mine in first.items():
        member = staff[who]
        carried = sum(p.size for _, p in mine if isinstance(p.size, int))
        dependants = [(i, p) for i, p in mine if p.id.endswith("/dependants")]
        limit = member.dependants if len(dependants) == len(mine) else member.party_size
        if len(mine) > 1 and carried > limit:
            i, p = mine[-1]
            listed = " and ".join(f"parties[{j}] ({q.id!r}, {q.size})" for j, q in mine)
            problems.append(
                Problem(
                    f"parties[{i}]",
                    f"{listed} together move {carried} people, but {who} and their "
                    f"dependants are {member.party_size}: someone would be moved twice "
                    "(are parties of two drawdowns combined?)",
                )
            )
    return problems


def last_service_arrival(network: Network, step: int) -> float | None:
    """When the last scheduled departure arrives: its minute rounded down to the step plus its
    transit (whole steps); None when the network has no scheduled services.

    The default deadline of ``most_saved``: the people on the last flight are
    safe when it lands.

    Examples
    --------
    >>> net = Network(
    ...     places=[{"id": "a", "kind": "airport"}, {"id": "b", "kind": "safe_haven"}],
    ...     links=[{"source": "a", "target": "b", "minutes": 170, "seats": 9,
    ...             "departures": [60, 605]}],
    ... )
    >>> last_service_arrival(net, 15)
    780
    """
    ends = [
        (d // step + max(1, math.ceil(link.minutes / step - _EPS))) * step
        for link in network.links
        for d in network.departures(link)
    ]
    return int(max(ends)) if ends else None


def _check(
    network: Any,
    supply: Any,
    safe: Any,
    parties: Any,
    step_minutes: Any,
    threats: Any,
    objective: Any,
    deadline: Any,
    time_limit: Any,
    max_memory: Any = None,
    hazard_per_hour: Any = None,
) -> _Inputs:
    """Every problem with the arguments at once, as one ScenarioError."""
    problems: list[Problem] = []
    if isinstance(network, Scenario):
        net = network.network
        scenario: Scenario | None = network
    elif isinstance(network, Network):
        net, scenario = network, None
    else:
        raise ScenarioError(
            [Problem("network", f"expected a Network or a Scenario, got {type(network).__name__}")],
            source=_WHERE,
        )
    places = net.place_by_id

    if step_minutes is None:
        step_minutes = scenario.step_minutes if scenario is not None else 5
    step = _whole(step_minutes)
    if step is None or not 1 <= step <= MAX_STEP_MINUTES:
        problems.append(
            Problem(
                "step_minutes",
                f"must be a whole number of minutes above 0 and at most {MAX_STEP_MINUTES}, "
                f"a day (got {step_minutes!r})",
            )
        )
        step = 1

    if objective not in _OBJECTIVES:
        problems.append(
            Problem(
                "objective",
                f"{objective!r} is not an objective; use "
                "'quickest', 'least_harm', 'safest' or 'most_saved'"
                + suggest(str(objective), _OBJECTIVES),
            )
        )
    hazard = hazard_problem(hazard_per_hour, scenario, problems)
    dl = None
    if deadline is not None:
        dl = _number(deadline)
        if dl is None or dl < 0:
            problems.append(
                Problem("deadline", f"must be minutes from the start, 0 or more (got {deadline!r})")
            )
            dl = None
    elif objective == "safest":
        problems.append(
            Problem(
                "deadline",
                "objective 'safest' needs a deadline (minutes from "
                "the start by which everyone must be safe)",
            )
        )
    elif objective == "most_saved":
        dl = last_service_arrival(net, step)
        if dl is None:
            problems.append(
                Problem(
                    "deadline",
                    "objective 'most_saved' needs a deadline (minutes from the start: the most "
                    "people safe by then); it defaults to the arrival of the last scheduled "
                    "departure, and this network has no scheduled services",
                )
            )
    tl = None
    if time_limit is not None:
        tl = _number(time_limit)
        if tl is None or tl <= 0:
            problems.append(Problem("time_limit", f"must be seconds above 0 (got {time_limit!r})"))
            tl = None

    budget = default_max_memory() if max_memory is None else _memory(max_memory)
    if budget is None:
        problems.append(
            Problem(
                "max_memory",
                f"must be bytes above 0, or a size such as '6GiB' or '512M' (got {max_memory!r})",
            )
        )
        budget = default_max_memory()

    if threats is None:
        threat_list = tuple(scenario.threats) if scenario is not None else ()
    else:
        threat_list = tuple(threats) if isinstance(threats, Iterable) else ()
        if not isinstance(threats, Iterable) or isinstance(threats, (str, bytes)):
            problems.append(Problem("threats", "must be a list of ThreatEvent"))
            threat_list = ()
        for i, t in enumerate(threat_list):
            if not isinstance(t, ThreatEvent):
                problems.append(
                    Problem(f"threats[{i}]", f"expected a ThreatEvent, got {type(t).__name__}")
                )
        threat_list = tuple(t for t in threat_list if isinstance(t, ThreatEvent))
        problems += threat_problems(net, threat_list)

    plain: dict[str, int] = {}
    if supply is not None:
        if not isinstance(supply, Mapping):
            problems.append(Problem("supply", "must map places to counts, e.g. {'3': 800}"))
        else:
            for key, count in supply.items():
                where = f"supply[{key!r}]"
                if key not in places and isinstance(key, int) and str(key) in places:
                    key = str(key)  # TNTP node numbers written as numbers
                if key not in places:
                    problems.append(
                        Problem(where, f"{key!r} is not a place" + suggest(str(key), places))
                    )
                n = _whole(count)
                if n is None:
                    problems.append(Problem(where, f"{count!r} is not a whole number of people"))
                elif n < 0:
                    problems.append(Problem(where, f"{n} people: a count cannot be negative"))
                elif key in places:
                    plain[key] = plain.get(key, 0) + n

    party_list: list[Party] = []
    if parties is not None:
        if not isinstance(parties, Iterable) or isinstance(parties, (str, bytes, Mapping)):
            problems.append(Problem("parties", "must be a list of Party"))
        else:
            seen: set[str] = set()
            for i, p in enumerate(parties):
                where = f"parties[{i}]"
                if not isinstance(p, Party):
                    problems.append(Problem(where, f"expected a Party, got {type(p).__name__}"))
                    continue
                ok = True
                if p.id in seen:
                    problems.append(Problem(f"{where}.id", f"party {p.id!r} appears twice"))
                    ok = False
                seen.add(p.id)
                size = _whole(p.size)
                if size is None or size < 1:
                    problems.append(
                        Problem(f"{where}.size", f"must be 1 or more people (got {p.size!r})")
                    )
                    ok = False
                if p.location not in places:
                    problems.append(
                        Problem(
                            f"{where}.location",
                            f"{p.location!r} is not a place" + suggest(p.location, places),
                        )
                    )
                    ok = False
                release = _number(p.release_minute)
                if release is None or release < 0:
                    problems.append(
                        Problem(
                            f"{where}.release_minute",
                            f"must be minutes from the start, 0 or more (got {p.release_minute!r})",
                        )
                    )
                    ok = False
                if ok:
                    party_list.append(p)
            if scenario is not None:
                problems += _twice(scenario, list(parties))
    elif supply is None:
        if scenario is None:
            problems.append(
                Problem("supply", "nothing to evacuate: give supply={place: count} or parties")
            )
        else:
            # Everyone in the scenario leaves: each staff member with their dependants, and
            # every group in its parties, from when it is called forward.
            party_list = [
                Party(
                    m.id,
                    m.party_size,
                    m.location,
                    m.post,
                    relocate=scenario.relocates(m),
                    urgent=m.must_leave,
                )
                for m in scenario.staff
            ] + scenario.group_parties()

    if safe is None:
        safe_list = [p.id for p in net.safe_places()]
        if not safe_list:
            problems.append(
                Problem(
                    "safe",
                    "no safe places: name them with safe={...} or mark "
                    "places safe (kind safe_haven or safe: true)",
                )
            )
    else:
        items = (
            [safe] if isinstance(safe, str) else list(safe) if isinstance(safe, Iterable) else None
        )
        if items is None:
            problems.append(Problem("safe", "must be a set of place ids"))
            items = []
        safe_list = []
        for s in items:
            if s not in places and isinstance(s, int) and str(s) in places:
                s = str(s)
            if s not in places:
                problems.append(
                    Problem(f"safe[{s!r}]", f"{s!r} is not a place" + suggest(str(s), places))
                )
            elif s not in safe_list:
                safe_list.append(s)
        if not items:
            problems.append(Problem("safe", "no safe places: name at least one"))
    if problems:
        raise ScenarioError(problems, source=_WHERE)
    households = (
        {m.id: (m.party_size, m.dependants) for m in scenario.staff} if scenario is not None else {}
    )
    return _Inputs(
        net,
        threat_list,
        step,
        plain,
        safe_list,
        party_list,
        objective,
        dl,
        tl,
        budget,
        households,
        hazard,
    )


def hazard_problem(value: Any, scenario: Scenario | None, problems: list[Problem]) -> float:
    """``hazard_per_hour`` as a number from 0 to 1: the scenario's (or the default) when None.

    A bad value is added to ``problems`` (and the default returned).
    """
    if value is None:
        return scenario.hazard_per_hour if scenario is not None else DEFAULT_HAZARD_PER_HOUR
    number = _number(value)
    if number is None or not 0 <= number <= 1:
        problems.append(
            Problem(
                "hazard_per_hour",
                "must be a chance of harm per hour from 0 to 1, e.g. 0.002 for 0.2% an hour "
                f"(got {value!r})",
            )
        )
        return DEFAULT_HAZARD_PER_HOUR
    return number
