"""OpenStreetMap files in: a road (or footpath) network with coordinates, speeds and capacities.

:func:`read_osm` reads ``.osm``, ``.osm.bz2`` and ``.osm.pbf`` files offline:
pyosmium (the ``osmium`` package, which reads all three) keeps the ways of
the network type and the nodes they use; osmnx builds the graph from them
(``graph_from_xml``: one-way tags, ``-1`` included), drops what is not
joined to the main network, and contracts chains of degree-2 nodes
(``simplify_graph``, travel times summed, the narrowest capacity kept,
the way's shape kept as its geometry); with ``consolidate_m`` it merges the
nodes of one junction (``consolidate_intersections``). Speeds and capacities
come from :mod:`._roads`. The result is a :class:`~evacplan.models.Network`
whose places carry ``lat``/``lon`` and their OSM node ids.

Both packages are the optional extra ``osm`` (``pip install 'evacplan[osm]'``).
OpenStreetMap data is © OpenStreetMap contributors, under the Open Database
License: credit it wherever the network or a map of it is shown.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from evacplan.errors import MissingExtraError, Problem, ScenarioError
from evacplan.io import _roads
from evacplan.io._osm_graph import _network, _prepare
from evacplan.models import Mode, Network

__all__ = ["OSM_CREDIT", "read_osm"]

OSM_CREDIT = "© OpenStreetMap contributors"
"""The credit the Open Database License asks for wherever OSM data or a map of it is shown."""

_ARGUMENTS = "invalid arguments to read_osm()"

_SUFFIXES = (".osm", ".osm.bz2", ".osm.pbf", ".pbf", ".osm.gz", ".xml")

_TAGS = (
    "highway",
    "name",
    "oneway",
    "junction",
    "lanes",
    "lanes:forward",
    "lanes:backward",
    "maxspeed",
    "maxspeed:forward",
    "maxspeed:backward",
    "width",
    "access",
    "service",
    "area",
)
"""Way tags osmnx keeps on each edge for :mod:`._roads` to read."""


def _modules() -> tuple[Any, Any]:
    """osmnx and osmium, or an error that names the extra to install."""
    try:
        import osmium
        import osmnx
    except ImportError as error:
        raise MissingExtraError(
            f"read_osm() needs the optional packages osmnx and osmium ({error.name} is "
            "missing): pip install 'evacplan[osm]'"
        ) from error
    return osmnx, osmium


def _refuse(path: Path | str, where: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(where, message)], source=str(path))


def _check_arguments(
    path: Path,
    network_type: str,
    bbox: Sequence[float] | None,
    people_per_vehicle: float,
    default_speed: float = 30.0,
    consolidate_m: float | None = None,
    keep_all: bool = False,
) -> tuple[float, float, float, float] | None:
    """Every problem with read_osm()'s arguments, at once."""
    problems: list[Problem] = []
    if network_type not in _roads.NETWORK_TYPES:
        problems.append(
            Problem(
                "network_type",
                f"{network_type!r} is not a network type: {', '.join(_roads.NETWORK_TYPES)}",
            )
        )
    if not (
        isinstance(people_per_vehicle, int | float)
        and math.isfinite(people_per_vehicle)
        and people_per_vehicle > 0
    ):
        problems.append(
            Problem("people_per_vehicle", f"must be a positive number (got {people_per_vehicle!r})")
        )
    for key, value in (("default_speed_kmh", default_speed), ("consolidate_m", consolidate_m)):
        if value is not None and not (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(value)
            and value > 0
        ):
            problems.append(Problem(key, f"must be a positive number (got {value!r})"))
    if not isinstance(keep_all, bool):
        problems.append(Problem("keep_all", f"must be true or false (got {keep_all!r})"))
    box = None
    if bbox is not None:
        try:
            south, west, north, east = (float(x) for x in bbox)
        except (TypeError, ValueError):
            problems.append(
                Problem("bbox", f"must be four numbers south, west, north, east (got {bbox!r})")
            )
        else:
            if not (-90 <= south < north <= 90 and -180 <= west < east <= 180):
                problems.append(
                    Problem(
                        "bbox",
                        f"({south:g}, {west:g}, {north:g}, {east:g}) is not south, west, north, "
                        "east with south < north and west < east",
                    )
                )
            box = (south, west, north, east)
    if problems:
        raise ScenarioError(problems, source=_ARGUMENTS)
    if not path.name.lower().endswith(_SUFFIXES):
        raise _refuse(path, "", f"not an OpenStreetMap file: use {', '.join(_SUFFIXES[:3])}")
    if not path.is_file():
        raise _refuse(path, "", "no such file" if not path.exists() else "is a folder, not a file")
    return box


def _filtered_xml(osmium: Any, path: Path, network_type: str, out: Path) -> int:
    """Write the ways of ``network_type`` and the nodes they use to ``out``; the ways' count."""
    ways = 0
    nodes: set[int] = set()
    try:
        for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
            tags = dict(way.tags)
            if _roads.keeps(tags, network_type) and len(way.nodes) > 1:
                ways += 1
                nodes.update(n.ref for n in way.nodes)
        if not ways:
            return 0
        with osmium.SimpleWriter(str(out)) as writer:
            for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
                if obj.is_node():
                    if obj.id in nodes:
                        writer.add(obj)
                elif _roads.keeps(dict(obj.tags), network_type) and len(obj.nodes) > 1:
                    writer.add(obj)
    except RuntimeError as error:
        raise _refuse(path, "", f"cannot be read as OpenStreetMap data: {error}") from None
    missing = nodes - _written_nodes(osmium, out)
    if missing:
        raise _refuse(
            path,
            "",
            f"{len(missing)} nodes used by its ways are not in the file (e.g. node "
            f"{min(missing)}): cut the extract with complete ways (osmium extract "
            "--strategy complete_ways)",
        )
    return ways


def _written_nodes(osmium: Any, out: Path) -> set[int]:
    return {n.id for n in osmium.FileProcessor(str(out), osmium.osm.NODE)}


@contextmanager
def _way_tags(osmnx: Any) -> Any:
    """osmnx keeping the way tags :mod:`._roads` reads, for the duration."""
    before = osmnx.settings.useful_tags_way
    osmnx.settings.useful_tags_way = list(dict.fromkeys([*before, *_TAGS]))
    try:
        yield
    finally:
        osmnx.settings.useful_tags_way = before


def read_osm(
    path: str | os.PathLike[str],
    *,
    network_type: str = "drive",
    bbox: Sequence[float] | None = None,
    people_per_vehicle: float = 2.0,
    vehicles_per_lane_hour: Mapping[str, float] | None = None,
    default_speed_kmh: float = 30.0,
    consolidate_m: float | None = None,
    keep_all: bool = False,
    name: str | None = None,
) -> Network:
    """Read an OpenStreetMap extract into a road (or footpath) network, offline.

    Parameters
    ----------
    path
        An ``.osm`` or ``.osm.bz2`` (OSM XML) or ``.osm.pbf`` file, cut with
        complete ways (as Geofabrik's and the HOT Export Tool's extracts are).
    network_type
        ``"drive"`` (roads open to cars, without service roads),
        ``"drive_service"`` (with service roads, e.g. a compound's access road)
        or ``"walk"`` (every way on foot, walked both ways); see
        :data:`evacplan.io._roads.NETWORK_TYPES`.
    bbox
        ``(south, west, north, east)`` in degrees: keep only the roads inside.
    people_per_vehicle
        People a vehicle carries: a lane's vehicles an hour times this is its
        people an hour (a planning default of 2; set it from your registrations).
    vehicles_per_lane_hour
        Vehicles a lane lets through an hour, by highway class, replacing
        entries of :data:`~evacplan.io._roads.VEHICLES_PER_LANE_HOUR`.
    default_speed_kmh
        Speed on a way of a class the speed table does not list, with no ``maxspeed``.
    consolidate_m
        Merge the nodes of a junction that lie within this many metres
        (osmnx's ``consolidate_intersections``); None keeps every node.
    keep_all
        Keep pieces of road not joined to the main network (by default only
        the largest joined piece is kept, so that every place can reach every other).
    name
        The network's name (default: the file's name).

    Returns
    -------
    Network
        Places ``n<OSM node id>`` (waypoints with ``lat``/``lon``) and links
        ``n<a>-n<b>`` with ``minutes`` (length over speed, to 0.01 min),
        ``capacity_per_hour``, ``two_way``, the street's ``name`` and its
        ``geometry`` where the road bends.

    Raises
    ------
    ScenarioError
        Naming the file: missing, not OSM data, ways without their nodes, no
        roads of the type (inside ``bbox``); or the arguments that are wrong.
    MissingExtraError
        Naming the extra to install when osmnx or osmium is missing (an ImportError too).

    Examples
    --------
    >>> from evacplan.io import osm_path
    >>> net = read_osm(osm_path("West-Oakland"))
    >>> len(net.places) > 10, all(p.lat and p.lon for p in net.places)
    (True, True)
    >>> road = next(link for link in net.links if link.name == "Wood Street")
    >>> road.capacity_per_hour, road.two_way  # residential: 1 lane each way x 600 an hour x 2
    (1200.0, True)
    """
    path = Path(path)
    given = vehicles_per_lane_hour or {}
    if not isinstance(given, Mapping) or not all(
        isinstance(v, int | float) and not isinstance(v, bool) and v > 0 for v in given.values()
    ):
        raise ScenarioError(
            [
                Problem(
                    "vehicles_per_lane_hour",
                    f"must map highway classes to positive numbers, e.g. {{primary: 900}} "
                    f"(got {given!r})",
                )
            ],
            source=_ARGUMENTS,
        )
    vehicles = {**_roads.VEHICLES_PER_LANE_HOUR, **given}
    box = _check_arguments(
        path, network_type, bbox, people_per_vehicle, default_speed_kmh, consolidate_m, keep_all
    )
    osmnx, osmium = _modules()
    walk = network_type == "walk"
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "ways.osm"
        if not _filtered_xml(osmium, path, network_type, xml):
            raise _refuse(path, "", f"no ways of a {network_type!r} network in the file")
        with _way_tags(osmnx):
            graph = osmnx.graph_from_xml(xml, bidirectional=walk, simplify=False, retain_all=True)
    graph = _prepare(
        osmnx,
        graph,
        path,
        box=box,
        walk=walk,
        people_per_vehicle=people_per_vehicle,
        vehicles=vehicles,
        default_speed=default_speed_kmh,
        consolidate_m=consolidate_m,
        keep_all=keep_all,
    )
    return _network(graph, name or path.name, Mode.WALK if walk else Mode.ROAD)
