"""A scenario's roads from OpenStreetMap: ``network: {osm: FILE, ...}``, places snapped to the roads.

:func:`_with_osm_roads` takes a scenario file's data before it is validated:
it reads the extract named by ``network.osm`` (relative to the scenario file)
with :func:`._osm.read_osm` and the options beside it, adds the road nodes and
links to the scenario's own places and links (flights, ferries, border
crossings written by hand stay as written), and joins each scenario place
with ``lat``/``lon`` to its nearest road node by a *connector* link:

- its minutes are the great-circle distance at ``connector_kmh`` (default
  20 km/h by road, 4.5 on foot), to 0.01 min; it runs both ways and admits
  what the roads at that node admit together, so it is never the bottleneck;
- farther than ``warn_m`` (default 300 m) from any road node, the place is
  still joined, with a warning naming the distance;
- farther than ``max_snap_m`` (default 2,000 m) it lies outside the extract:
  a place with links of its own (a safe haven abroad reached by a flight) is
  left as written, any other is an error naming the distance.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from evacplan._validate import suggest
from evacplan.errors import Problem, ScenarioError
from evacplan.io._osm import _ARGUMENTS, read_osm
from evacplan.models import Mode, Network

EARTH_RADIUS_M = 6_371_009.0
"""The mean earth radius osmnx measures great-circle distances with."""

_OPTIONS = {
    "osm": "the extract: .osm, .osm.bz2 or .osm.pbf, relative to the scenario file",
    "network_type": "drive, drive_service or walk",
    "bbox": "[south, west, north, east]",
    "people_per_vehicle": "a positive number",
    "vehicles_per_lane_hour": "highway class: vehicles a lane an hour",
    "consolidate_m": "metres",
    "keep_all": "true or false",
    "connector_kmh": "km/h on the way from a place to its road node",
    "warn_m": "metres",
    "max_snap_m": "metres",
}


def _spec_problems(spec: Any) -> list[Problem]:
    """What is wrong with the ``network:`` mapping itself."""
    if not isinstance(spec, Mapping):
        return [Problem("network", "must be a mapping such as {osm: roads.osm.pbf}")]
    problems = [
        Problem(f"network.{key}", f"unknown key{suggest(str(key), set(_OPTIONS))}")
        for key in spec
        if key not in _OPTIONS
    ]
    if "osm" not in spec:
        problems.append(Problem("network.osm", "required key is missing: the OSM extract's file"))
    elif not isinstance(spec["osm"], str):
        problems.append(Problem("network.osm", "must be a file name"))
    for key in ("connector_kmh", "warn_m", "max_snap_m"):
        value = spec.get(key)
        if value is not None and not (
            isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        ):
            problems.append(Problem(f"network.{key}", f"must be a positive number (got {value!r})"))
    return problems


def _distances(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Great-circle metres from one point to many (haversine)."""
    p1, p2 = math.radians(lat), np.radians(lats)
    dphi, dlmb = p2 - p1, np.radians(lons - lon)
    h = np.sin(dphi / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def _road_capacity(net: Network) -> dict[str, float]:
    """What the roads at each node admit together, both ways."""
    total: dict[str, float] = {}
    for link in net.links:
        for end in (link.source, link.target):
            total[end] = total.get(end, 0.0) + float(link.capacity_per_hour or 0.0)
    return total


def _with_osm_roads(data: dict[str, Any], path: Path) -> tuple[dict[str, Any], list[Problem]]:
    """The scenario's data with the roads of ``network.osm`` and each place joined to them.

    Returns the new data (without ``network``) and the warnings (far snaps),
    each with its path; raises :class:`ScenarioError` for a bad ``network:``
    or a place outside the extract with no links of its own.
    """
    spec = data.get("network")
    problems = _spec_problems(spec)
    if problems:
        raise ScenarioError(problems, source=str(path))
    assert isinstance(spec, Mapping)
    options = {
        k: v for k, v in spec.items() if k not in {"osm", "connector_kmh", "warn_m", "max_snap_m"}
    }
    walk = options.get("network_type") == "walk"
    speed = float(spec.get("connector_kmh") or (4.5 if walk else 20.0))
    warn_m, max_m = float(spec.get("warn_m", 300.0)), float(spec.get("max_snap_m", 2000.0))
    try:
        roads = read_osm(path.parent / str(spec["osm"]), **options)
    except ScenarioError as err:
        if err.source != _ARGUMENTS:
            raise
        raise ScenarioError(
            [Problem(f"network.{p.path}", p.message) for p in err.problems], source=str(path)
        ) from None
    places = list(data.get("places") or [])
    links = list(data.get("links") or [])
    own = {str(p.get("id")) for p in places if isinstance(p, Mapping)}
    clash = sorted(own & {p.id for p in roads.places})
    if clash:
        raise ScenarioError(
            [Problem("places", f"ids {', '.join(clash[:5])} are also road nodes of network.osm")],
            source=str(path),
        )
    linked = {
        str(end)
        for link in links
        if isinstance(link, Mapping)
        for end in (link.get("source"), link.get("target"))
    }
    ids = [p.id for p in roads.places]
    lats = np.array([p.lat for p in roads.places], dtype=float)
    lons = np.array([p.lon for p in roads.places], dtype=float)
    capacity = _road_capacity(roads)
    joined, warnings, errors = [], [], []
    for i, place in enumerate(places):
        lat, lon = (
            (place.get("lat"), place.get("lon")) if isinstance(place, Mapping) else (None, None)
        )
        if not (isinstance(lat, int | float) and isinstance(lon, int | float)):
            continue
        far = _distances(float(lat), float(lon), lats, lons)
        k = int(np.argmin(far))
        metres = float(far[k])
        where = f"places[{i}]"
        if metres > max_m:
            if str(place.get("id")) not in linked:
                errors.append(
                    Problem(
                        where,
                        f"{place.get('id')} lies {metres / 1000:.1f} km from the nearest road of "
                        f"network.osm (more than max_snap_m, {max_m:g} m): it is outside the "
                        "extract; move it, give it links of its own, or use a larger extract",
                    )
                )
            continue
        if metres > warn_m:
            warnings.append(
                Problem(
                    where,
                    f"{place.get('id')} is {metres:.0f} m from the nearest road node ({ids[k]}), "
                    f"more than warn_m ({warn_m:g} m): check its lat/lon; it is joined to that "
                    "node by a connector link",
                )
            )
        joined.append(
            {
                "id": f"{place.get('id')}:road",
                "source": str(place.get("id")),
                "target": ids[k],
                "minutes": round(metres / (speed / 3.6) / 60, 2),
                "capacity_per_hour": capacity.get(ids[k], 1.0),
                "mode": str(Mode.WALK if walk else Mode.ROAD),
                "two_way": True,
            }
        )
    if errors:
        raise ScenarioError(errors, source=str(path))
    road_data = roads.model_dump(mode="json", exclude_defaults=True)
    out = {k: v for k, v in data.items() if k != "network"}
    out["places"] = places + road_data.get("places", [])
    out["links"] = links + joined + road_data.get("links", [])
    return out, warnings
