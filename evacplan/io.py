"""Reading and writing scenarios and networks.

- :func:`load_scenario` / :func:`save_scenario`: scenario files in YAML or
  JSON (by extension), read with safe loading only.
- :func:`scenario_json_schema`: the JSON Schema of a scenario file, for
  editors and other tools.
- :func:`read_tntp`: a road network in the TNTP format of the public
  TransportationNetworks collection.
- :func:`seed_path` / :func:`tntp_path`: files that ship with evacplan.

Every reader raises :class:`~evacplan.errors.ScenarioError` listing every
problem with its place in the file, never a bare parser traceback. A valid
scenario with a likely mistake loads with a
:class:`~evacplan.errors.ScenarioWarning` for each, naming its path.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections import deque
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from evacplan._time import _plural
from evacplan._validate import sort_problems, suggest
from evacplan.errors import Problem, ScenarioError, ScenarioWarning
from evacplan.models import Link, Mode, Network, Place, PlaceKind, Scenario

__all__ = [
    "likely_mistakes",
    "load_scenario",
    "read_tntp",
    "save_plan",
    "save_scenario",
    "scenario_json_schema",
    "seed_path",
    "tntp_path",
]

_YAML = {".yaml", ".yml"}
_JSON = {".json"}


class _StrictLoader(yaml.SafeLoader):
    """A safe loader that rejects duplicate keys instead of silently keeping the last."""


def _construct_mapping(
    loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False
) -> dict[Any, Any]:
    seen: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        try:
            hash(key)
        except TypeError:
            continue
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (first on line {seen[key] + 1})",
                key_node.start_mark,
            )
        seen[key] = key_node.start_mark.line
    loader.flatten_mapping(node)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)  # type: ignore[arg-type]


_COLON_IN_VALUE = {
    "mapping values are not allowed here",  # name: Gate: north
    "expected ',' or '}', but got ':'",  # {name: Gate: north}
}
"""What PyYAML says of an unquoted ': ' inside a value."""


def _read_data(path: Path) -> Any:
    """Parse a YAML or JSON file into plain data, or raise ScenarioError."""
    suffix = path.suffix.lower()
    if suffix not in _YAML | _JSON:
        raise ScenarioError(
            [Problem("", f"unknown file type {suffix or '(none)'!r}: use .yaml, .yml or .json")],
            source=str(path),
        )
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ScenarioError([Problem("", "no such file")], source=str(path)) from None
    except IsADirectoryError:
        raise ScenarioError([Problem("", "is a folder, not a file")], source=str(path)) from None
    except UnicodeDecodeError as err:
        raise ScenarioError(
            [Problem("", f"not UTF-8 text ({err.reason} at byte {err.start})")], source=str(path)
        ) from None
    except OSError as err:
        raise ScenarioError(
            [Problem("", f"cannot be read: {err.strerror}")], source=str(path)
        ) from None
    if not text.strip():
        raise ScenarioError([Problem("", "the file is empty")], source=str(path))
    if suffix in _JSON:
        try:
            return json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as err:
            raise ScenarioError(
                [Problem(f"line {err.lineno}, column {err.colno}", f"invalid JSON: {err.msg}")],
                source=str(path),
            ) from None
        except ValueError as err:
            raise ScenarioError([Problem("", str(err))], source=str(path)) from None
    try:
        return yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = err.problem or err.context or "malformed YAML"
        if what in _COLON_IN_VALUE:
            what += (
                "; a ':' and a space inside a value (name: Gate: north) start a new key: "
                'quote this value (name: "Gate: north")'
            )
        raise ScenarioError([Problem(where, f"invalid YAML: {what}")], source=str(path)) from None
    except yaml.YAMLError as err:
        raise ScenarioError([Problem("", f"invalid YAML: {err}")], source=str(path)) from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON: {name} is not a number a scenario may hold")


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
    try:
        scenario = Scenario.model_validate(data)
    except ScenarioError as err:
        lines = _yaml_lines(path) if path.suffix.lower() in _YAML else None
        raise err.with_source(str(path), lines) from None
    mistakes = likely_mistakes(scenario)
    if mistakes:
        lines = _yaml_lines(path) if path.suffix.lower() in _YAML else None
        for problem in ScenarioError(mistakes).with_source(str(path), lines).problems:
            warnings.warn(f"{path}: {problem}", ScenarioWarning, stacklevel=2)
    return scenario


def likely_mistakes(scenario: Scenario) -> list[Problem]:
    """What in a valid scenario is probably not what its author meant, each with its path.

    The checks behind the warnings of :func:`load_scenario` (which lists them),
    in the order of the file. Building a scenario in Python does not warn (the
    solvers, ``replace`` and tests build many on purpose); call this to see
    the same findings for one.

    Examples
    --------
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


def _yaml_lines(path: Path) -> dict[str, int]:
    """Map each key path of a YAML file (``staff[3].post``) to its 1-based line."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return {}
    lines: dict[str, int] = {}

    def walk(node: yaml.Node, where: str) -> None:
        if where:
            lines.setdefault(where, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                name = str(key.value)
                here = f"{where}.{name}" if where else name
                lines.setdefault(here, key.start_mark.line + 1)
                walk(value, here)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                walk(item, f"{where}[{i}]")

    if root is not None:
        walk(root, "")
    return lines


def _write_whole(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` all at once or not at all (a temporary file renamed)."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def save_plan(plan: Any, path: str | os.PathLike[str]) -> Path:
    """Write a plan as JSON (its ``to_json()``), all at once or not at all, for the archive.

    ``plan`` is a :class:`~evacplan.contingency.ContingencyPlan` (or anything
    with a ``to_json()``), so that plans can be kept and compared.

    Examples
    --------
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


def read_tntp(
    path: str | os.PathLike[str], *, people_per_vehicle: float = 1.0, time_unit_minutes: float = 1.0
) -> Network:
    """Read a road network in TNTP format (``*_net.tntp``).

    Place ids are the node numbers as strings; every place is a waypoint
    (say which are safe when routing). Each line is a one-way link.
    Zone nodes (below ``<FIRST THRU NODE>``) are read as ordinary places.

    Parameters
    ----------
    path
        A ``*_net.tntp`` file: metadata up to ``<END OF METADATA>``, then one
        link per line, ``init_node term_node capacity length free_flow_time ...;``.
    people_per_vehicle
        People per vehicle: link capacity in people per hour is the file's
        vehicles per hour times this.
    time_unit_minutes
        Minutes per unit of the file's free-flow time.

    Raises
    ------
    ScenarioError
        Naming every malformed line.

    Examples
    --------
    >>> net = read_tntp(tntp_path("SiouxFalls"))
    >>> len(net.places), len(net.links)
    (24, 76)
    >>> net.links[0].source, net.links[0].target, net.links[0].minutes
    ('1', '2', 6.0)
    """
    for name, value in (
        ("people_per_vehicle", people_per_vehicle),
        ("time_unit_minutes", time_unit_minutes),
    ):
        if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
            raise ScenarioError(
                [Problem(name, f"must be a positive number (got {value!r})")], source=str(path)
            )
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise ScenarioError(
            [Problem("", f"cannot be read: {err.strerror}")], source=str(path)
        ) from None

    lines = text.splitlines()
    meta: dict[str, str] = {}
    body_from = None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("<END OF METADATA>"):
            body_from = i + 1
            break
        if stripped.startswith("<") and ">" in stripped:
            label, _, text_value = stripped[1:].partition(">")
            meta[label.strip().upper()] = text_value.strip()
    problems: list[Problem] = []
    if body_from is None:
        raise ScenarioError(
            [Problem("", "no <END OF METADATA> line: not a TNTP network file")], source=str(path)
        )

    links: list[Link] = []
    nodes: set[int] = set()
    for i in range(body_from, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("~"):
            continue
        fields = stripped.rstrip(";").split()
        where = f"line {i + 1}"
        if len(fields) < 5:
            problems.append(
                Problem(
                    where,
                    f"expected at least 5 fields (init term capacity length time), got {len(fields)}",
                )
            )
            continue
        try:
            source, target = int(fields[0]), int(fields[1])
            capacity, minutes = float(fields[2]), float(fields[4])
        except ValueError:
            problems.append(Problem(where, f"cannot read numbers from {stripped[:60]!r}"))
            continue
        if not (math.isfinite(capacity) and capacity > 0):
            problems.append(Problem(where, f"capacity must be positive (got {fields[2]})"))
            continue
        if not (math.isfinite(minutes) and minutes >= 0):
            problems.append(Problem(where, f"free-flow time must be >= 0 (got {fields[4]})"))
            continue
        if source == target:
            problems.append(Problem(where, f"link joins node {source} to itself"))
            continue
        nodes.update((source, target))
        links.append(
            Link.model_construct(
                source=str(source),
                target=str(target),
                minutes=minutes * time_unit_minutes,
                capacity_per_hour=capacity * people_per_vehicle,
                mode=Mode.ROAD,
                risk=0.0,
                two_way=False,
            )
        )
    declared = meta.get("NUMBER OF NODES", "")
    if declared.isdigit():
        nodes.update(range(1, int(declared) + 1))
    declared_links = meta.get("NUMBER OF LINKS", "")
    if not problems and declared_links.isdigit() and int(declared_links) != len(links):
        problems.append(
            Problem(
                "",
                f"the header declares {_plural(int(declared_links), 'link')} "
                f"but the file has {len(links)}",
            )
        )
    if problems:
        raise ScenarioError(problems, source=str(path))
    places = [Place.model_construct(id=str(n), kind=PlaceKind.WAYPOINT) for n in sorted(nodes)]
    stem = path.name.removesuffix(".tntp").removesuffix("_net")
    # Fields were checked above: skip pydantic's per-item validation on thousands of links.
    return Network.model_construct(name=stem, places=tuple(places), links=tuple(links), start=None)


# Seed scenarios live in the repository's seeds/ folder, beside the package.
_SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_path(name: str) -> Path:
    """The path of a seed scenario in the repository's ``seeds/`` folder (``"tiny"``, ``"uk-iraq-iran-2020"``).

    Examples
    --------
    >>> seed_path("tiny").name
    'tiny.yaml'
    """
    root = _SEEDS
    path = root / f"{name}.yaml"
    if not path.exists():
        known = sorted(p.stem for p in root.glob("*.yaml"))
        raise ScenarioError([Problem("", f"no seed scenario {name!r}; seeds: {', '.join(known)}")])
    return path


def tntp_path(name: str) -> Path:
    """The path of a TNTP network that ships with evacplan (``"SiouxFalls"``, ``"Anaheim"``, ``"ChicagoSketch"``).

    Examples
    --------
    >>> tntp_path("SiouxFalls").name
    'SiouxFalls_net.tntp'
    """
    path = Path(str(resources.files("evacplan") / "data" / "tntp" / f"{name}_net.tntp"))
    if not path.exists():
        raise ScenarioError(
            [Problem("", f"no bundled TNTP network {name!r}: SiouxFalls, Anaheim, ChicagoSketch")]
        )
    return path
