"""Every problem with a call to :func:`~evacplan.closures.analyze` at once, as files are checked.

:func:`_check` reads the subject (a Scenario, or a Network with what
:func:`evacplan.evacuate` needs), the closures (``"links"``, ``"places"``, a
kind of place, or a list of ids and tuples of ids, each resolved to the
links it closes, an unknown id with the nearest valid one), ``k``, ``at``
(minutes, a duration or a datetime, as in scenario files), the executor and
the flags; the arguments it passes on are checked by :func:`evacplan.plan`'s
or :func:`evacplan.evacuate`'s own checks, and every problem is raised in
one :class:`~evacplan.errors.ScenarioError` headed "invalid arguments to
analyze():".
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from evacplan._time import parse_when
from evacplan._validate import suggest
from evacplan.contingency._arguments import _check as _check_plan
from evacplan.errors import Problem, ScenarioError
from evacplan.models import Network, PlaceKind, Scenario
from evacplan.routing._arguments import _check as _check_evacuate

_WHERE = "invalid arguments to analyze()"
_MAX_CASES = 200_000


@dataclass(frozen=True, slots=True)
class _Item:
    """One thing a case closes: a link (by label) or a place, and the links that closes."""

    name: str
    links: frozenset[int]
    place: str | None = None


@dataclass(frozen=True)
class _Inputs:
    subject: Scenario | Network
    network: Network
    items: list[tuple[_Item, ...]]
    """Each entry of the closures list: the items closed together."""
    k: int
    at: float
    executor: Any
    progress: bool
    keep_plans: bool
    time_limit: float | None
    plan_options: dict[str, Any] = field(default_factory=dict)
    """Keyword arguments of the baseline's :func:`evacplan.plan` or :func:`evacplan.evacuate`."""


def _names(network: Network) -> tuple[dict[str, frozenset[int]], dict[str, frozenset[int]]]:
    """Link names (labels, and ``a->b`` / ``b->a`` for an unnamed two-way link) and place ids,
    each with the indices of the links it closes."""
    links: dict[str, set[int]] = defaultdict(set)
    at_place: dict[str, set[int]] = {p.id: set() for p in network.places}
    aliases: dict[str, set[int]] = defaultdict(set)
    for i, link in enumerate(network.links):
        links[link.label].add(i)
        at_place[link.source].add(i)
        at_place[link.target].add(i)
        if link.id is None and link.two_way:
            aliases[f"{link.source}->{link.target}"].add(i)
            aliases[f"{link.target}->{link.source}"].add(i)
    for name, found in aliases.items():
        if name not in links:
            links[name] = found
    return (
        {k: frozenset(v) for k, v in links.items()},
        {k: frozenset(v) for k, v in at_place.items()},
    )


def _refs(network: Network, links: Iterable[int]) -> list[str]:
    """How a threat names these links: each one's id, or its label when it has none."""
    return [network.links[i].id or network.links[i].label for i in sorted(links)]


def _fresh_id(taken: set[str], stem: str) -> str:
    """``stem``, or ``stem-2``, ``stem-3``, ...: the first not in ``taken``."""
    name, n = stem, 1
    while name in taken:
        n += 1
        name = f"{stem}-{n}"
    return name


def _resolve(spec: Any, network: Network, problems: list[Problem]) -> list[tuple[_Item, ...]]:
    """The closures argument as entries of items, each problem at its path."""
    links, places = _names(network)
    if isinstance(spec, str):
        return _resolve_word(spec, network, links, places, problems)
    if not isinstance(spec, (list, tuple)) or not spec:
        problems.append(
            Problem(
                "closures",
                "give 'links', 'places', a kind of place, or a non-empty list of link and place "
                f"ids (got {spec!r})",
            )
        )
        return []
    known = [*links, *places]
    out: list[tuple[_Item, ...]] = []
    for i, entry in enumerate(spec):
        names = [entry] if isinstance(entry, str) else entry
        if not isinstance(names, (list, tuple)) or not names:
            problems.append(
                Problem(f"closures[{i}]", f"give an id or a tuple of ids (got {entry!r})")
            )
            continue
        items = []
        for j, name in enumerate(names):
            path = f"closures[{i}]" if isinstance(entry, str) else f"closures[{i}][{j}]"
            if not isinstance(name, str):
                problems.append(Problem(path, f"{name!r} is not a link or place id"))
            elif name in links and name in places:
                problems.append(
                    Problem(path, f"{name!r} is both a link and a place; rename one of them")
                )
            elif name in links:
                items.append(_Item(name, links[name]))
            elif name in places:
                items.append(_Item(name, places[name], name))
            else:
                problems.append(
                    Problem(path, f"{name!r} is not a link or a place{suggest(name, known)}")
                )
        out.append(tuple(items))
    return out


def _resolve_word(
    spec: str,
    network: Network,
    links: dict[str, frozenset[int]],
    places: dict[str, frozenset[int]],
    problems: list[Problem],
) -> list[tuple[_Item, ...]]:
    """Closures named by a word: ``"links"`` (each link label once), ``"places"``, or a kind
    of place; any other word is a problem, with the nearest valid one."""
    if spec == "links":
        seen: dict[str, _Item] = {}
        for link in network.links:
            seen.setdefault(link.label, _Item(link.label, links[link.label]))
        return [(item,) for item in seen.values()]
    if spec == "places":
        return [(_Item(p.id, places[p.id], p.id),) for p in network.places]
    kinds = {str(k) for k in PlaceKind}
    if spec in kinds:
        chosen = [p for p in network.places if str(p.kind) == spec]
        if not chosen:
            problems.append(Problem("closures", f"the network has no place of kind {spec!r}"))
        return [(_Item(p.id, places[p.id], p.id),) for p in chosen]
    problems.append(
        Problem(
            "closures",
            f"{spec!r} is not 'links', 'places' or a kind of place ({', '.join(sorted(kinds))})"
            + suggest(spec, ["links", "places", *kinds])
            + "; to close named links or places, give a list: ['bgw-airport-road']",
        )
    )
    return []


@dataclass(slots=True)
class _Baseline:
    """What the baseline plan runs on: the subject's network, and the keyword arguments of its
    :func:`evacplan.plan` or :func:`evacplan.evacuate`."""

    network: Network
    options: dict[str, Any]


def _check(
    subject: Any,
    closures: Any,
    k: Any,
    at: Any,
    executor: Any,
    progress: Any,
    keep_plans: Any,
    time_limit: Any,
    route: dict[str, Any],
    planning: dict[str, Any],
) -> _Inputs:
    """Every problem with the arguments, raised at once; else the cleaned inputs."""
    problems: list[Problem] = []
    if isinstance(subject, Scenario):
        baseline = _scenario_baseline(subject, time_limit, route, planning, problems)
    elif isinstance(subject, Network):
        baseline = _network_baseline(subject, time_limit, route, planning, problems)
    else:
        raise ScenarioError(
            [
                Problem(
                    "subject",
                    f"expected a Scenario or a Network (got {type(subject).__name__})",
                )
            ],
            source=_WHERE,
        )
    network = baseline.network
    entries = _resolve(closures, network, problems)
    k = _k(k, entries, problems)
    minute = _at(at, network, problems)
    _executor_and_flags(executor, progress, keep_plans, problems)
    if problems:
        raise ScenarioError(_unique(problems), source=_WHERE)
    return _Inputs(
        subject=subject,
        network=network,
        items=entries,
        k=int(k),
        at=float(minute),
        executor=executor,
        progress=bool(progress),
        keep_plans=bool(keep_plans),
        time_limit=None if time_limit is None else float(time_limit),
        plan_options=baseline.options,
    )


def _scenario_baseline(
    scenario: Scenario,
    time_limit: Any,
    route: dict[str, Any],
    planning: dict[str, Any],
    problems: list[Problem],
) -> _Baseline:
    """A Scenario's baseline: :func:`evacplan.plan`'s options, checked by its own checks; the
    options of :func:`evacplan.evacuate` are refused, as the scenario brings its own."""
    for name in [name for name, value in route.items() if value is not None]:
        problems.append(
            Problem(
                name,
                "a Scenario's plan moves its own staff over its own threats; give "
                f"{name} only with a Network",
            )
        )
    options = {**planning, "time_limit": time_limit}
    if options["objective"] is None:
        options["objective"] = "least_harm"  # as plan()
    try:
        _check_plan(
            scenario,
            options["indicators"],
            options["objective"],
            options["deadline"],
            time_limit,
            1,
            0,
            options["hazard_per_hour"],
        )
    except ScenarioError as error:
        problems += error.problems
    return _Baseline(scenario.network, options)


def _network_baseline(
    network: Network,
    time_limit: Any,
    route: dict[str, Any],
    planning: dict[str, Any],
    problems: list[Problem],
) -> _Baseline:
    """A Network's baseline: :func:`evacplan.evacuate`'s options, checked by its own checks;
    indicators are refused, as a network has no decision points."""
    for name in ("indicators",):
        if planning.get(name) is not None:
            problems.append(Problem(name, f"{name} need a Scenario (its decision points)"))
    options = {
        **route,
        "objective": planning["objective"] or "quickest",  # as evacuate()
        "deadline": planning["deadline"],
        "time_limit": time_limit,
        "hazard_per_hour": planning["hazard_per_hour"],
    }
    try:
        _check_evacuate(
            network,
            route["supply"],
            route["safe"],
            route["parties"],
            route["step_minutes"],
            route["threats"],
            options["objective"],
            planning["deadline"],
            time_limit,
            None,
            planning["hazard_per_hour"],
        )
    except ScenarioError as error:
        problems += error.problems
    return _Baseline(network, options)


def _k(k: Any, entries: list[tuple[_Item, ...]], problems: list[Problem]) -> int:
    """``k``: 1 or 2, no more than the entries to close, and not too many cases (1 when bad)."""
    if isinstance(k, bool) or not isinstance(k, int) or k not in (1, 2):
        problems.append(
            Problem("k", f"must be 1 (every single closure) or 2 (every pair), not {k!r}")
        )
        return 1
    if entries and k > len(entries):
        problems.append(Problem("k", f"{k} closures together, but only {len(entries)} to close"))
    elif entries and math.comb(len(entries), k) > _MAX_CASES:
        problems.append(
            Problem(
                "k",
                f"{math.comb(len(entries), k):,} cases is more than {_MAX_CASES:,}; "
                "name fewer closures",
            )
        )
    return k


def _at(at: Any, network: Network, problems: list[Problem]) -> float:
    """``at`` as minutes from the network's start (minutes, a duration or a datetime)."""
    minute = 0.0
    try:
        minute = network.minute(parse_when(at))
        if minute < 0 or not math.isfinite(minute):
            problems.append(Problem("at", f"{at!s} is before the start"))
    except (ValueError, TypeError) as error:
        problems.append(Problem("at", str(error)))
    return minute


def _executor_and_flags(
    executor: Any, progress: Any, keep_plans: Any, problems: list[Problem]
) -> None:
    """The executor has ``submit`` (None: none); ``progress`` and ``keep_plans`` are bools."""
    if executor is not None and not callable(getattr(executor, "submit", None)):
        problems.append(
            Problem(
                "executor",
                f"expected a concurrent.futures.Executor (got {type(executor).__name__})",
            )
        )
    for name, value in (("progress", progress), ("keep_plans", keep_plans)):
        if not isinstance(value, bool):
            problems.append(Problem(name, f"must be True or False (got {value!r})"))


def _unique(problems: Iterable[Problem]) -> list[Problem]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        key = (p.path, p.message)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
