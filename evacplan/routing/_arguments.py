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
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evacplan._time import MAX_STEP_MINUTES
from evacplan._validate import reference_problems, suggest
from evacplan.errors import Problem, ScenarioError, TooLargeError
from evacplan.models import Network, Place, Scenario, ThreatEvent
from evacplan.results import DEFAULT_HAZARD_PER_HOUR, Party
from evacplan.routing._arrays import _EPS
from evacplan.routing._expand import _size
from evacplan.routing._fits import DEFAULT_PLAN_BYTES

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
    memory_given: bool = False
    """Whether the caller set ``max_memory`` (else a plan's parties and movements get their
    own default budget, :data:`._fits.DEFAULT_PLAN_BYTES`)."""


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


@dataclass(slots=True)
class _Call:
    """What every argument's check reads: the network, the scenario it came from (None for a
    bare Network), its places by id, and the problems found so far, in argument order."""

    net: Network
    scenario: Scenario | None
    places: dict[str, Place]
    problems: list[Problem] = field(default_factory=list)


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
    call = _subject(network)
    step = _step(call, step_minutes)
    _objective(call, objective)
    hazard = hazard_problem(hazard_per_hour, call.scenario, call.problems)
    dl = _deadline(call, deadline, objective, step)
    tl = _time_limit(call, time_limit)
    budget = _max_memory(call, max_memory)
    threat_list = _threats(call, threats)
    plain = _supply(call, supply)
    party_list = _parties(call, parties, supply)
    safe_list = _safe(call, safe)
    if call.problems:
        raise ScenarioError(call.problems, source=_WHERE)
    scenario = call.scenario
    if party_list is None:  # (None only for a scenario: a bare network is a problem above)
        assert scenario is not None
        groups_fit(scenario, budget if max_memory is not None else None)
        party_list = _everyone(scenario)
    households = (
        {m.id: (m.party_size, m.dependants) for m in scenario.staff} if scenario is not None else {}
    )
    return _Inputs(
        call.net,
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
        max_memory is not None,
    )


def _subject(network: Any) -> _Call:
    """The network to route over, and its scenario when a Scenario is given.

    Raises
    ------
    ScenarioError
        At once, when ``network`` is neither: nothing else can be checked without it.
    """
    if isinstance(network, Scenario):
        net, scenario = network.network, network
    elif isinstance(network, Network):
        net, scenario = network, None
    else:
        raise ScenarioError(
            [Problem("network", f"expected a Network or a Scenario, got {type(network).__name__}")],
            source=_WHERE,
        )
    return _Call(net, scenario, net.place_by_id)


def _step(call: _Call, step_minutes: Any) -> int:
    """``step_minutes`` as whole minutes up to a day: the scenario's (else 5) when None, 1 when
    bad so that the checks after it can go on."""
    if step_minutes is None:
        step_minutes = call.scenario.step_minutes if call.scenario is not None else 5
    step = _whole(step_minutes)
    if step is None or not 1 <= step <= MAX_STEP_MINUTES:
        call.problems.append(
            Problem(
                "step_minutes",
                f"must be a whole number of minutes above 0 and at most {MAX_STEP_MINUTES}, "
                f"a day (got {step_minutes!r})",
            )
        )
        return 1
    return step


def _objective(call: _Call, objective: Any) -> None:
    """``objective`` is one of :data:`_OBJECTIVES`, with the nearest one suggested if not."""
    if objective not in _OBJECTIVES:
        call.problems.append(
            Problem(
                "objective",
                f"{objective!r} is not an objective; use "
                "'quickest', 'least_harm', 'safest' or 'most_saved'"
                + suggest(str(objective), _OBJECTIVES),
            )
        )


def _deadline(call: _Call, deadline: Any, objective: Any, step: int) -> float | None:
    """``deadline`` as minutes from the start (None when bad); when None, the default of
    ``most_saved`` (:func:`last_service_arrival`), and a problem if ``safest`` has none."""
    if deadline is not None:
        dl = _number(deadline)
        if dl is None or dl < 0:
            call.problems.append(
                Problem("deadline", f"must be minutes from the start, 0 or more (got {deadline!r})")
            )
            return None
        return dl
    if objective == "safest":
        call.problems.append(
            Problem(
                "deadline",
                "objective 'safest' needs a deadline (minutes from "
                "the start by which everyone must be safe)",
            )
        )
    elif objective == "most_saved":
        default = last_service_arrival(call.net, step)
        if default is None:
            call.problems.append(
                Problem(
                    "deadline",
                    "objective 'most_saved' needs a deadline (minutes from the start: the most "
                    "people safe by then); it defaults to the arrival of the last scheduled "
                    "departure, and this network has no scheduled services",
                )
            )
        return default
    return None


def _time_limit(call: _Call, time_limit: Any) -> float | None:
    """``time_limit`` as seconds above 0; None when not given, or bad."""
    if time_limit is None:
        return None
    tl = _number(time_limit)
    if tl is None or tl <= 0:
        call.problems.append(Problem("time_limit", f"must be seconds above 0 (got {time_limit!r})"))
        return None
    return tl


def _max_memory(call: _Call, max_memory: Any) -> int:
    """``max_memory`` in bytes: :func:`default_max_memory` when None, or bad."""
    budget = default_max_memory() if max_memory is None else _memory(max_memory)
    if budget is None:
        call.problems.append(
            Problem(
                "max_memory",
                f"must be bytes above 0, or a size such as '6GiB' or '512M' (got {max_memory!r})",
            )
        )
        return default_max_memory()
    return budget


def _threats(call: _Call, threats: Any) -> tuple[ThreatEvent, ...]:
    """The threats to route under: the scenario's when None; else each a ThreatEvent, checked
    as a file's would be (:func:`threat_problems`), the ones that are not left out."""
    if threats is None:
        return call.scenario.planned_threats if call.scenario is not None else ()
    threat_list = tuple(threats) if isinstance(threats, Iterable) else ()
    if not isinstance(threats, Iterable) or isinstance(threats, (str, bytes)):
        call.problems.append(Problem("threats", "must be a list of ThreatEvent"))
        threat_list = ()
    for i, t in enumerate(threat_list):
        if not isinstance(t, ThreatEvent):
            call.problems.append(
                Problem(f"threats[{i}]", f"expected a ThreatEvent, got {type(t).__name__}")
            )
    threat_list = tuple(t for t in threat_list if isinstance(t, ThreatEvent))
    call.problems += threat_problems(call.net, threat_list)
    return threat_list


def _supply(call: _Call, supply: Any) -> dict[str, int]:
    """``supply`` as people by place id (counts at the same place added up); empty when None."""
    plain: dict[str, int] = {}
    if supply is None:
        return plain
    if not isinstance(supply, Mapping):
        call.problems.append(Problem("supply", "must map places to counts, e.g. {'3': 800}"))
        return plain
    places = call.places
    for key, count in supply.items():
        where = f"supply[{key!r}]"
        if key not in places and isinstance(key, int) and str(key) in places:
            key = str(key)  # TNTP node numbers written as numbers
        if key not in places:
            call.problems.append(
                Problem(where, f"{key!r} is not a place" + suggest(str(key), places))
            )
        n = _whole(count)
        if n is None:
            call.problems.append(Problem(where, f"{count!r} is not a whole number of people"))
        elif n < 0:
            call.problems.append(Problem(where, f"{n} people: a count cannot be negative"))
        elif key in places:
            plain[key] = plain.get(key, 0) + n
    return plain


def _parties(call: _Call, parties: Any, supply: Any) -> list[Party] | None:
    """The parties to move: those given that are sound; with neither parties nor supply, None
    for a scenario's everyone (:func:`_everyone`), and a problem for a bare network."""
    if parties is not None:
        return _given_parties(call, parties)
    if supply is not None:
        return []
    if call.scenario is None:
        call.problems.append(
            Problem("supply", "nothing to evacuate: give supply={place: count} or parties")
        )
        return []
    return None  # everyone in the scenario, once the arguments are known to be sound


def _given_parties(call: _Call, parties: Any) -> list[Party]:
    """The parties given, each checked (:func:`_party_problems`); with a scenario, those that
    would move someone twice (:func:`_twice`)."""
    if not isinstance(parties, Iterable) or isinstance(parties, (str, bytes, Mapping)):
        call.problems.append(Problem("parties", "must be a list of Party"))
        return []
    party_list: list[Party] = []
    seen: set[str] = set()
    for i, p in enumerate(parties):
        where = f"parties[{i}]"
        if not isinstance(p, Party):
            call.problems.append(Problem(where, f"expected a Party, got {type(p).__name__}"))
            continue
        found = _party_problems(call, p, where, seen)
        seen.add(p.id)
        call.problems += found
        if not found:
            party_list.append(p)
    if call.scenario is not None:
        call.problems += _twice(call.scenario, list(parties))
    return party_list


def _party_problems(call: _Call, p: Party, where: str, seen: set[str]) -> list[Problem]:
    """What is wrong with one party at ``where``: an id already ``seen``, its size, its
    location, its release minute."""
    problems = []
    if p.id in seen:
        problems.append(Problem(f"{where}.id", f"party {p.id!r} appears twice"))
    size = _whole(p.size)
    if size is None or size < 1:
        problems.append(Problem(f"{where}.size", f"must be 1 or more people (got {p.size!r})"))
    if p.location not in call.places:
        problems.append(
            Problem(
                f"{where}.location",
                f"{p.location!r} is not a place" + suggest(p.location, call.places),
            )
        )
    release = _number(p.release_minute)
    if release is None or release < 0:
        problems.append(
            Problem(
                f"{where}.release_minute",
                f"must be minutes from the start, 0 or more (got {p.release_minute!r})",
            )
        )
    return problems


BYTES_PER_PARTY = 3_000
"""Peak memory per party planned one by one, measured over the whole evacuate(): a group
of 10,000 parties of one in the tiny seed peaks at 133 MiB, of 100,000 at 396 MiB."""


def groups_fit(scenario: Scenario, budget: int | None = None) -> None:
    """Refuse, before they are made, groups cut into more parties than memory allows
    (``budget`` bytes, when the caller set one; else the 2 GiB a plan may take by default,
    :data:`._fits.DEFAULT_PLAN_BYTES`, as for its movements).

    A group becomes ``count / party_size`` parties, each planned and accounted for
    one by one: ten million people in parties of one would take tens of GiB and
    hours, so they are refused at once with what to change. The time grows faster
    than the parties (the tiny seed's crowd in parties of one: 100,000 in 6.1 s,
    500,000 in 67.5 s), so the default allows about 700,000 of them.

    Raises
    ------
    TooLargeError
        When the parties would need more than the budget, naming the largest group.
    """
    if not scenario.groups:
        return
    parties = sum(g.parties for g in scenario.groups)
    need = parties * BYTES_PER_PARTY
    if need <= (DEFAULT_PLAN_BYTES if budget is None else budget):
        return
    g = max(scenario.groups, key=lambda g: g.parties)
    given = budget is not None
    over = (
        f"the memory budget of {_size(budget)} (max_memory)"
        if budget is not None
        else f"the {_size(DEFAULT_PLAN_BYTES)} a plan may take by default"
    )
    raise TooLargeError(
        f"the groups make {parties:,} parties (group {g.id!r}: {g.count:,} people in parties "
        f"of {g.party_size}), planned one by one in about {_size(need)}, over {over}; "
        "give groups a larger party_size (the people who travel together), or plan a crowd "
        "as evacuate(network, supply={place: count})" + (", or raise max_memory" if given else "")
    )


def _everyone(scenario: Scenario) -> list[Party]:
    """Everyone in the scenario leaves: each staff member with their dependants, and every
    group in its parties, from when it is called forward."""
    return [
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


def _safe(call: _Call, safe: Any) -> list[str]:
    """The safe place ids, each once in the order given; the network's safe places when None."""
    places = call.places
    if safe is None:
        safe_list = [p.id for p in call.net.safe_places()]
        if not safe_list:
            call.problems.append(
                Problem(
                    "safe",
                    "no safe places: name them with safe={...} or mark "
                    "places safe (kind safe_haven or safe: true)",
                )
            )
        return safe_list
    items = [safe] if isinstance(safe, str) else list(safe) if isinstance(safe, Iterable) else None
    if items is None:
        call.problems.append(Problem("safe", "must be a set of place ids"))
        items = []
    safe_list = []
    for s in items:
        if s not in places and isinstance(s, int) and str(s) in places:
            s = str(s)
        if s not in places:
            call.problems.append(
                Problem(f"safe[{s!r}]", f"{s!r} is not a place" + suggest(str(s), places))
            )
        elif s not in safe_list:
            safe_list.append(s)
    if not items:
        call.problems.append(Problem("safe", "no safe places: name at least one"))
    return safe_list


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
