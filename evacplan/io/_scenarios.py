"""Scenario files: load (validated, with warnings of likely mistakes), save, JSON Schema.

Reads through :mod:`._files` and hands back a validated
:class:`~evacplan.models.Scenario`; plans are archived with :func:`save_plan`.
"""

from __future__ import annotations

import json
import os
import warnings
from collections import deque
from pathlib import Path
from typing import Any

import yaml

from evacplan._validate import sort_problems, suggest
from evacplan.errors import Problem, ScenarioError, ScenarioWarning
from evacplan.io._files import _JSON, _YAML, _read_data, _write_whole, _yaml_lines
from evacplan.io._osm_scenario import _with_osm_roads
from evacplan.models import Scenario


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load and validate a scenario file (YAML or JSON, chosen by extension).

    Parameters
    ----------
    path
        A ``.yaml``, ``.yml`` or ``.json`` file.

    Returns
    -------
    Scenario
        The validated scenario.

    Raises
    ------
    ScenarioError
        Listing every problem in the file, each with its path
        (``staff[3].post: 'bagdad' is not a post; did you mean 'baghdad'?``).

    Warns
    -----
    ScenarioWarning
        For each likely mistake in a valid file, with the file, the path and,
        in YAML, the line: a staff skill that no requirement uses but is close
        to one that does; a place from which no safe place can be reached over
        the links (threats and link windows aside); a link that admits under
        one person per time step; a ``start`` without a UTC offset.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> scenario = load_scenario(seed_path("uk-iraq-iran-2020"))
    >>> sorted(post.id for post in scenario.posts)
    ['baghdad', 'tehran']

    >>> import pathlib, tempfile, warnings
    >>> text = seed_path("tiny").read_text().replace("[crypto]", "[crytpo]", 1)
    >>> typo = pathlib.Path(tempfile.mkdtemp()) / "typo.yaml"
    >>> _ = typo.write_text(text)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = load_scenario(typo)
    >>> print(str(caught[0].message).replace(str(typo), "typo.yaml"))
    typo.yaml: staff[2].skills[0] (line 44): skill 'crytpo' is not required anywhere; did you mean 'crypto'?
    """
    path = Path(path)
    data = _read_data(path)
    roads: list[Problem] = []
    own = (
        len(data["places"])
        if isinstance(data, dict) and isinstance(data.get("places"), list)
        else 0
    )
    if isinstance(data, dict) and "network" in data:
        try:
            data, roads = _with_osm_roads(data, path)
        except ScenarioError as err:
            if err.source != str(path) or path.suffix.lower() not in _YAML:
                raise
            raise err.with_source(str(path), _yaml_lines(path)) from None
    try:
        scenario = Scenario.model_validate(data)
    except ScenarioError as err:
        lines = _yaml_lines(path) if path.suffix.lower() in _YAML else None
        raise err.with_source(str(path), lines) from None
    mistakes = likely_mistakes(scenario)
    if own < len(scenario.places):  # roads from network.osm
        mistakes = sort_problems(_on_roads(mistakes, own) + roads)
    if mistakes:
        lines = _yaml_lines(path) if path.suffix.lower() in _YAML else None
        for problem in ScenarioError(mistakes).with_source(str(path), lines).problems:
            warnings.warn(f"{path}: {problem}", ScenarioWarning, stacklevel=2)
    return scenario


def _on_roads(mistakes: list[Problem], own: int) -> list[Problem]:
    """The mistakes of a scenario with roads from ``network.osm``, less those of the road nodes
    (the places after the file's own ``own``): a junction at the edge of the extract that
    leads out of it is no mistake of the author's, and whoever is placed there is named by
    the plan."""
    return [
        m
        for m in mistakes
        if not (m.path.startswith("places[") and int(m.path[7:].split("]")[0]) >= own)
    ]


def likely_mistakes(scenario: Scenario) -> list[Problem]:
    """What in a valid scenario is probably not what its author meant, each with its path.

    The checks behind the warnings of :func:`load_scenario` (which lists them),
    in the order of the file. Building a scenario in Python does not warn (the
    solvers, ``replace`` and tests build many on purpose); call this to see
    the same findings for one.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> tiny = load_scenario(seed_path("tiny"))
    >>> likely_mistakes(tiny)
    []
    >>> narrow = [
    ...     link.model_copy(update={"capacity_per_hour": 10}) if link.id == "crossing" else link
    ...     for link in tiny.links
    ... ]
    >>> for problem in likely_mistakes(tiny.replace(links=narrow)):
    ...     print(problem)
    links[3].capacity_per_hour: 10 people an hour is under one person per 5-minute step: the link lets one person in every 6 minutes (every 1.2 steps)
    """
    problems: list[Problem] = []
    if scenario.start.tzinfo is None:
        written = scenario.start.isoformat()
        problems.append(
            Problem(
                "start",
                f"{written} has no UTC offset, so it and every time without one are read as "
                f"UTC: write {written}+00:00 if that is meant, or the local offset (e.g. +03:00)",
            )
        )
    required = {r.skill for post in scenario.posts for r in post.requirements}
    for i, member in enumerate(scenario.staff):
        for j, skill in enumerate(member.skills):
            hint = "" if skill in required else suggest(skill, required, cutoff=0.8)
            if hint:
                problems.append(
                    Problem(
                        f"staff[{i}].skills[{j}]",
                        f"skill {skill!r} is not required anywhere{hint}",
                    )
                )
    problems += _cut_off(scenario)
    step = scenario.step_minutes
    gated = {p.id: i for i, p in enumerate(scenario.places) if p.throughput_per_hour}
    for i, link in enumerate(scenario.links):
        if link.capacity_per_hour is not None:
            problems += _slow(link.capacity_per_hour, step, f"links[{i}].capacity_per_hour", "link")
        elif link.source in gated:
            problems.append(
                Problem(
                    f"links[{i}].departures",
                    f"the service leaves from {link.source}, a place with a throughput: only "
                    "the people it lets out in a departure's step can board; put the "
                    "throughput on a gate before the place the service leaves from",
                )
            )
    for i in gated.values():
        rate = scenario.places[i].throughput_per_hour or 0.0
        problems += _slow(rate, step, f"places[{i}].throughput_per_hour", "place")
    return sort_problems(problems)


def _slow(rate: float, step: int, path: str, what: str) -> list[Problem]:
    """A rate under one person a step, in words (the capacity rule still lets them through)."""
    per_step = rate * step / 60
    if per_step >= 1:
        return []
    minutes, steps = round(60 / rate, 2), round(1 / per_step, 2)
    verb = "lets one person in" if what == "link" else "lets one person out"
    return [
        Problem(
            path,
            f"{rate:g} {'person' if rate == 1 else 'people'} an hour is under one person "
            f"per {step}-minute step: the {what} {verb} every {minutes:g} "
            f"minutes (every {steps:g} steps)",
        )
    ]


def _cut_off(scenario: Scenario) -> list[Problem]:
    """Places from which no safe place can be reached over the links (threats and windows aside)."""
    safe = [p.id for p in scenario.places if p.is_safe]
    if not safe:
        return [Problem("places", "no place is safe: give a place kind safe_haven, or safe: true")]
    towards: dict[str, list[str]] = {p.id: [] for p in scenario.places}
    for link in scenario.links:
        towards[link.target].append(link.source)
        if link.two_way:
            towards[link.source].append(link.target)
    reach, queue = set(safe), deque(safe)
    while queue:
        for before in towards[queue.popleft()]:
            if before not in reach:
                reach.add(before)
                queue.append(before)
    return [
        Problem(f"places[{i}]", f"no safe place can be reached from {p.id!r} over the links")
        for i, p in enumerate(scenario.places)
        if p.id not in reach
    ]


def save_plan(plan: Any, path: str | os.PathLike[str]) -> Path:
    """Write a plan as JSON (its ``to_json()``), all at once or not at all, for the archive.

    ``plan`` is a :class:`~evacplan.contingency.ContingencyPlan` (or anything
    with a ``to_json()``), so that plans can be kept and compared.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> import json, tempfile, pathlib
    >>> from evacplan import plan
    >>> out = save_plan(plan(load_scenario(seed_path("tiny"))),
    ...                 pathlib.Path(tempfile.mkdtemp()) / "plan.json")
    >>> json.loads(out.read_text())["status"]
    'optimal'
    """
    path = Path(path)
    if not callable(getattr(plan, "to_json", None)):
        raise ScenarioError(
            [Problem("plan", f"expected a plan with to_json() (got {type(plan).__name__})")],
            source="invalid arguments to save_plan()",
        )
    text = plan.to_json() + "\n"
    return _write_whole(path, text)


def save_scenario(scenario: Scenario, path: str | os.PathLike[str]) -> Path:
    """Write a scenario to YAML or JSON (by extension), all at once or not at all.

    The file is written to a temporary name beside the target and renamed
    into place, so a failure never leaves half a file.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> import tempfile, pathlib
    >>> scenario = load_scenario(seed_path("tiny"))
    >>> out = save_scenario(scenario, pathlib.Path(tempfile.mkdtemp()) / "copy.json")
    >>> load_scenario(out) == scenario
    True
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _YAML | _JSON:
        raise ScenarioError(
            [Problem("", f"unknown file type {suffix or '(none)'!r}: use .yaml, .yml or .json")],
            source=str(path),
        )
    data = scenario.model_dump(mode="json", exclude_defaults=True)
    data = {"name": scenario.name, "start": scenario.start.isoformat(), **data}
    if suffix in _JSON:
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    else:
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    return _write_whole(path, text)


def scenario_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a scenario file.

    Examples
    --------
    >>> schema = scenario_json_schema()
    >>> sorted(schema["required"])
    ['name', 'places', 'posts', 'start']
    """
    schema = Scenario.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "evacplan scenario"
    return schema
