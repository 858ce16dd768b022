"""Road networks in the TNTP format of the public TransportationNetworks collection."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import NamedTuple

from evacplan._time import _plural
from evacplan.errors import Problem, ScenarioError
from evacplan.models import Link, Mode, Network, Place, PlaceKind

__all__ = ["read_tntp"]


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
    >>> from evacplan.io import tntp_path
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
        _check_positive(name, value, path)
    path = Path(path)
    lines = _read_lines(path)
    header = _header(lines, path)
    body = _body(lines, header.body_from, people_per_vehicle, time_unit_minutes)
    problems = body.problems or _count_mismatch(header.meta, len(body.links))
    if problems:
        raise ScenarioError(problems, source=str(path))
    places = _places(body.links, header.meta)
    stem = path.name.removesuffix(".tntp").removesuffix("_net")
    # Fields were checked in _link: skip pydantic's per-item validation on thousands of links.
    return Network.model_construct(name=stem, places=places, links=tuple(body.links), start=None)


class _Header(NamedTuple):
    """A TNTP file's metadata (labels in capitals), and the index of its first body line."""

    meta: dict[str, str]
    body_from: int


class _Body(NamedTuple):
    """The links read from a TNTP file's body, and the problems of its malformed lines."""

    links: list[Link]
    problems: list[Problem]


def _check_positive(name: str, value: object, path: str | os.PathLike[str]) -> None:
    """Raise a ScenarioError unless ``value`` (argument ``name``) is a finite positive number."""
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise ScenarioError(
            [Problem(name, f"must be a positive number (got {value!r})")], source=str(path)
        )


def _read_lines(path: Path) -> list[str]:
    """The lines of ``path`` (bytes that are not UTF-8 replaced); a ScenarioError if unreadable."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as err:
        raise ScenarioError(
            [Problem("", f"cannot be read: {err.strerror}")], source=str(path)
        ) from None
    return text.splitlines()


def _header(lines: list[str], path: Path) -> _Header:
    """The ``<LABEL> value`` lines up to ``<END OF METADATA>``; a ScenarioError without it."""
    meta: dict[str, str] = {}
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped.startswith("<END OF METADATA>"):
            return _Header(meta, i + 1)
        if stripped.startswith("<") and ">" in stripped:
            label, _, text_value = stripped[1:].partition(">")
            meta[label.strip().upper()] = text_value.strip()
    raise ScenarioError(
        [Problem("", "no <END OF METADATA> line: not a TNTP network file")], source=str(path)
    )


def _body(
    lines: list[str], body_from: int, people_per_vehicle: float, time_unit_minutes: float
) -> _Body:
    """One-way links from the lines from ``body_from`` on, skipping blanks and ``~`` comments."""
    links: list[Link] = []
    problems: list[Problem] = []
    for i in range(body_from, len(lines)):
        stripped = lines[i].strip()
        if not stripped or stripped.startswith("~"):
            continue
        read = _link(stripped, f"line {i + 1}", people_per_vehicle, time_unit_minutes)
        if isinstance(read, Problem):
            problems.append(read)
        else:
            links.append(read)
    return _Body(links, problems)


def _link(
    stripped: str, where: str, people_per_vehicle: float, time_unit_minutes: float
) -> Link | Problem:
    """The link on one body line (``init term capacity length time ...;``), or its problem."""
    fields = stripped.rstrip(";").split()
    if len(fields) < 5:
        return Problem(
            where,
            f"expected at least 5 fields (init term capacity length time), got {len(fields)}",
        )
    try:
        source, target = int(fields[0]), int(fields[1])
        capacity, minutes = float(fields[2]), float(fields[4])
    except ValueError:
        return Problem(where, f"cannot read numbers from {stripped[:60]!r}")
    if not (math.isfinite(capacity) and capacity > 0):
        return Problem(where, f"capacity must be positive (got {fields[2]})")
    if not (math.isfinite(minutes) and minutes >= 0):
        return Problem(where, f"free-flow time must be >= 0 (got {fields[4]})")
    if source == target:
        return Problem(where, f"link joins node {source} to itself")
    return Link.model_construct(
        source=str(source),
        target=str(target),
        minutes=minutes * time_unit_minutes,
        capacity_per_hour=capacity * people_per_vehicle,
        mode=Mode.ROAD,
        risk=0.0,
        two_way=False,
    )


def _count_mismatch(meta: dict[str, str], links: int) -> list[Problem]:
    """A problem if the header's ``<NUMBER OF LINKS>`` is not the number of links read."""
    declared = meta.get("NUMBER OF LINKS", "")
    if declared.isdigit() and int(declared) != links:
        return [
            Problem(
                "",
                f"the header declares {_plural(int(declared), 'link')} but the file has {links}",
            )
        ]
    return []


def _places(links: list[Link], meta: dict[str, str]) -> tuple[Place, ...]:
    """A waypoint for each node of a link and each of the header's ``<NUMBER OF NODES>``."""
    nodes = {int(end) for link in links for end in (link.source, link.target)}
    declared = meta.get("NUMBER OF NODES", "")
    if declared.isdigit():
        nodes.update(range(1, int(declared) + 1))
    return tuple(Place.model_construct(id=str(n), kind=PlaceKind.WAYPOINT) for n in sorted(nodes))
