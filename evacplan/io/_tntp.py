"""Road networks in the TNTP format of the public TransportationNetworks collection."""

from __future__ import annotations

import math
import os
from pathlib import Path

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
