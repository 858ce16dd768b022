"""What an OpenStreetMap way is worth to an evacuation: which ways count, their speed, their capacity.

The tables :func:`evacplan.io.read_osm` reads each way by, documented here
with their sources so that a planner can check them and set their own:

- :data:`NETWORK_TYPES`: which ways belong to a ``drive``, ``drive_service``
  or ``walk`` network (the filters of osmnx's network types, written out);
- :data:`SPEED_KMH`: the speed on a way with no usable ``maxspeed`` tag, by
  highway class (the OSRM car profile's speeds; walking speed on foot);
- :data:`LANES`: lanes each way when ``lanes`` is not tagged;
- :data:`VEHICLES_PER_LANE_HOUR`: how many vehicles a lane lets through an
  hour, by highway class (planning figures from the Highway Capacity Manual);
- :data:`WALK_WIDTH_M` and :data:`PEOPLE_PER_METRE_HOUR`: on foot, a way's
  usable width and how many people a metre of it passes an hour.

:func:`capacity_per_hour` and :func:`speed_kmh` apply them to one way's tags
and one direction; :mod:`._osm` calls them for every edge of the graph.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "LANES",
    "NETWORK_TYPES",
    "PEOPLE_PER_METRE_HOUR",
    "SPEED_KMH",
    "VEHICLES_PER_LANE_HOUR",
    "WALK_SPEED_KMH",
    "WALK_WIDTH_M",
    "capacity_per_hour",
    "keeps",
    "speed_kmh",
]

_NOT_DRIVEN = frozenset(
    [
        "abandoned",
        "bridleway",
        "bus_guideway",
        "construction",
        "corridor",
        "cycleway",
        "elevator",
        "escalator",
        "footway",
        "no",
        "path",
        "pedestrian",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
        "rest_area",
        "services",
        "steps",
        "track",
    ]
)
_NOT_WALKED = frozenset(
    [
        "abandoned",
        "bus_guideway",
        "construction",
        "cycleway",
        "motor",
        "no",
        "planned",
        "platform",
        "proposed",
        "raceway",
        "razed",
    ]
)

NETWORK_TYPES: dict[str, dict[str, Any]] = {
    "drive": {
        "exclude_highway": _NOT_DRIVEN | {"service"},
        "exclude_tags": {
            "area": {"yes"},
            "access": {"private", "no"},
            "motor_vehicle": {"no"},
            "motorcar": {"no"},
        },
        "two_way_always": False,
    },
    "drive_service": {
        "exclude_highway": _NOT_DRIVEN,
        "exclude_tags": {
            "area": {"yes"},
            "access": {"private", "no"},
            "motor_vehicle": {"no"},
            "motorcar": {"no"},
            "service": {"parking", "parking_aisle", "private", "emergency_access"},
        },
        "two_way_always": False,
    },
    "walk": {
        "exclude_highway": _NOT_WALKED,
        "exclude_tags": {
            "area": {"yes"},
            "access": {"private", "no"},
            "foot": {"no"},
            "service": {"private"},
        },
        "two_way_always": True,
    },
}
"""Which ways each network type keeps (osmnx 2's ``drive``, ``drive_service`` and ``walk``
filters, written out): a way with a ``highway`` tag not in ``exclude_highway`` and none of
the ``exclude_tags`` values. On foot every way is walked both ways."""

SPEED_KMH: dict[str, float] = {
    "motorway": 90,
    "motorway_link": 45,
    "trunk": 85,
    "trunk_link": 40,
    "primary": 65,
    "primary_link": 30,
    "secondary": 55,
    "secondary_link": 25,
    "tertiary": 40,
    "tertiary_link": 20,
    "unclassified": 25,
    "residential": 25,
    "living_street": 10,
    "service": 15,
    "road": 25,
}
"""Speed (km/h) by highway class when a way has no usable ``maxspeed``: the OSRM car
profile's ``speed_profile`` (Project OSRM, ``profiles/car.lua``), which reflects the
speeds driven in towns rather than the limits. Any other class: ``default_speed``."""

WALK_SPEED_KMH = 4.5
"""Walking speed (km/h): 1.25 m/s, between the Highway Capacity Manual's 1.2 m/s design
speed and the 1.34 m/s average of adults; on ``steps`` half of it."""

LANES: dict[str, int] = {"motorway": 2, "trunk": 2}
"""Lanes each way when a way has no ``lanes`` tag; any other class: 1."""

VEHICLES_PER_LANE_HOUR: dict[str, float] = {
    "motorway": 2000,
    "motorway_link": 1500,
    "trunk": 1800,
    "trunk_link": 1200,
    "primary": 1000,
    "primary_link": 800,
    "secondary": 900,
    "secondary_link": 700,
    "tertiary": 800,
    "tertiary_link": 600,
    "unclassified": 600,
    "residential": 600,
    "road": 600,
    "living_street": 300,
    "service": 300,
}
"""Vehicles a lane lets through an hour, by highway class: planning figures below the
Highway Capacity Manual's capacities (HCM, 6th edition: 2,400 passenger cars an hour a lane
on a basic freeway segment, 2,200 on a multilane highway, a saturation flow of 1,900 at a
signal of which a street gets about half as green time), lowered for mixed and stop-start
traffic in an evacuation. Any other class: ``default_vehicles_per_lane_hour``. Set your own
where counts are known."""

WALK_WIDTH_M: dict[str, float] = {
    "pedestrian": 6.0,
    "footway": 2.0,
    "path": 1.5,
    "steps": 1.5,
    "track": 2.0,
    "cycleway": 1.5,
    "living_street": 4.0,
    "service": 2.0,
}
"""Usable width (m) on foot by highway class when a way has no ``width`` tag; any other
class (streets with pavements): 3 m."""

PEOPLE_PER_METRE_HOUR = 4500.0
"""People a metre of walkway passes an hour: the Highway Capacity Manual's walkway
capacity of about 75 pedestrians a minute a metre."""

_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(mph|km/h|kmh|kph)?\s*$")


def _first(value: Any) -> Any:
    """The first of a tag's values (osmnx gives a list where merged ways differ)."""
    if isinstance(value, list | tuple):
        return value[0] if value else None
    return value


def _number(value: Any) -> float | None:
    """A tag's number (``"50"``, ``"30 mph"`` in km/h, ``"2.5"``), or None."""
    value = _first(value)
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) and value > 0 else None
    text = str(value).split(";")[0]
    found = _NUMBER.match(text)
    if not found:
        return None
    number = float(found.group(1))
    if found.group(2) == "mph":
        number *= 1.609344
    return number if number > 0 else None


def _highway(tags: Mapping[str, Any]) -> str:
    return str(_first(tags.get("highway")) or "road")


def keeps(tags: Mapping[str, str], network_type: str) -> bool:
    """Whether a way with these tags belongs to a network of ``network_type``.

    Examples
    --------
    >>> keeps({"highway": "residential"}, "drive"), keeps({"highway": "footway"}, "drive")
    (True, False)
    >>> keeps({"highway": "footway"}, "walk"), keeps({"highway": "primary", "foot": "no"}, "walk")
    (True, False)
    """
    rule = NETWORK_TYPES[network_type]
    highway = tags.get("highway")
    if highway is None or highway in rule["exclude_highway"]:
        return False
    return not any(tags.get(key) in values for key, values in rule["exclude_tags"].items())


def speed_kmh(tags: Mapping[str, Any], walk: bool, default_speed: float, forward: bool) -> float:
    """The speed on a way: ``maxspeed`` (each way's own if tagged), else the class's.

    Examples
    --------
    >>> speed_kmh({"highway": "primary", "maxspeed": "50"}, False, 30, True)
    50.0
    >>> round(speed_kmh({"highway": "primary", "maxspeed": "30 mph"}, False, 30, True), 2)
    48.28
    >>> speed_kmh({"highway": "residential"}, False, 30, True), speed_kmh({"highway": "x"}, False, 30, True)
    (25, 30)
    >>> speed_kmh({"highway": "steps"}, True, 30, True)
    2.25
    """
    highway = _highway(tags)
    if walk:
        return WALK_SPEED_KMH / 2 if highway == "steps" else WALK_SPEED_KMH
    own = tags.get("maxspeed:forward" if forward else "maxspeed:backward")
    tagged = _number(own) or _number(tags.get("maxspeed"))
    return tagged or SPEED_KMH.get(highway, default_speed)


def _lanes_each_way(tags: Mapping[str, Any], one_way: bool, forward: bool) -> int:
    own = _number(tags.get("lanes:forward" if forward else "lanes:backward"))
    if own:
        return max(1, int(own))
    total = _number(tags.get("lanes"))
    if total:
        return max(1, int(total) if one_way else int(total) // 2)
    return LANES.get(_highway(tags), 1)


def capacity_per_hour(
    tags: Mapping[str, Any],
    *,
    walk: bool,
    one_way: bool,
    forward: bool,
    people_per_vehicle: float,
    vehicles_per_lane_hour: Mapping[str, float],
    default_vehicles_per_lane_hour: float,
) -> float:
    """People an hour who may enter a way in one direction.

    By road: lanes that way (``lanes:forward``/``lanes:backward``, else half of
    ``lanes`` on a two-way road, all of it on a one-way road, else :data:`LANES`)
    times the class's vehicles a lane an hour times people a vehicle. On foot:
    the way's ``width`` (else :data:`WALK_WIDTH_M`) times
    :data:`PEOPLE_PER_METRE_HOUR`, shared by both directions.

    Examples
    --------
    >>> table = VEHICLES_PER_LANE_HOUR
    >>> capacity_per_hour({"highway": "primary", "lanes": "4"}, walk=False, one_way=False,
    ...     forward=True, people_per_vehicle=2, vehicles_per_lane_hour=table,
    ...     default_vehicles_per_lane_hour=600)
    4000.0
    >>> capacity_per_hour({"highway": "footway"}, walk=True, one_way=False, forward=True,
    ...     people_per_vehicle=2, vehicles_per_lane_hour=table, default_vehicles_per_lane_hour=600)
    4500.0
    """
    highway = _highway(tags)
    if walk:
        width = _number(tags.get("width")) or WALK_WIDTH_M.get(highway, 3.0)
        return float(width * PEOPLE_PER_METRE_HOUR / (1 if one_way else 2))
    lanes = _lanes_each_way(tags, one_way, forward)
    per_lane = vehicles_per_lane_hour.get(highway, default_vehicles_per_lane_hour)
    return float(lanes * per_lane * people_per_vehicle)
