"""An osmnx graph of OpenStreetMap ways made into evacplan's network.

:func:`_prepare` gives each edge of the graph :mod:`._osm` read its travel
time and capacity (by :mod:`._roads`), cuts it to a box, keeps the main
piece, contracts chains of degree-2 nodes and optionally merges junctions;
:func:`_network` turns the result into places and links: the two directions
of a road become one two-way link when they take the same time and admit the
same people, else a one-way link each.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evacplan.errors import Problem, ScenarioError
from evacplan.io import _roads
from evacplan.models import Link, Mode, Network, Place, PlaceKind


def _prepare(
    osmnx: Any,
    graph: Any,
    path: Path,
    *,
    box: tuple[float, float, float, float] | None,
    walk: bool,
    people_per_vehicle: float,
    vehicles: Mapping[str, float],
    default_speed: float,
    consolidate_m: float | None,
    keep_all: bool,
) -> Any:
    """Travel times and capacities on every edge, then the graph cut, pruned and simplified."""
    if box is not None:
        south, west, north, east = box
        try:
            graph = osmnx.truncate.truncate_graph_bbox(graph, (west, south, east, north))
        except ValueError:  # osmnx: "Found no graph nodes within the requested polygon."
            graph = graph.subgraph(()).copy()
        if not graph.number_of_edges():
            raise ScenarioError(
                [Problem("", f"no roads inside the box {south:g}, {west:g}, {north:g}, {east:g}")],
                source=str(path),
            )
    for _, _, data in graph.edges(data=True):
        forward = not bool(data.get("reversed", False))
        one_way = not walk and bool(data.get("oneway", False))
        speed = _roads.speed_kmh(data, walk, default_speed, forward)
        data["travel_time"] = float(data["length"]) / (speed / 3.6)  # seconds
        data["capacity"] = _roads.capacity_per_hour(
            data,
            walk=walk,
            one_way=one_way,
            forward=forward,
            people_per_vehicle=people_per_vehicle,
            vehicles_per_lane_hour=vehicles,
            default_vehicles_per_lane_hour=600.0,
        )
    if not keep_all:
        graph = osmnx.truncate.largest_component(graph, strongly=False)
    graph = osmnx.simplify_graph(
        graph, edge_attr_aggs={"length": sum, "travel_time": sum, "capacity": min}
    )
    if consolidate_m is not None:
        projected = osmnx.project_graph(graph)
        projected = osmnx.consolidate_intersections(
            projected, tolerance=consolidate_m, rebuild_graph=True, dead_ends=True
        )
        graph = osmnx.project_graph(projected, to_latlong=True)
    return graph


def _osm_id(node: Any, data: Mapping[str, Any]) -> int:
    """The node's OSM id; a merged junction takes the least id of its nodes."""
    original = data.get("osmid_original", node)
    if isinstance(original, str):  # osmnx may write a merged junction's ids as text
        original = [int(x) for x in original.strip("[]").split(",") if x.strip()]
    if isinstance(original, list | tuple | set):
        original = min(original)
    return int(original)


def _minutes(data: Mapping[str, Any]) -> float:
    return round(float(data["travel_time"]) / 60.0, 2)


def _geometry(
    data: Mapping[str, Any], start: tuple[float, float]
) -> tuple[tuple[float, float], ...] | None:
    """The edge's shape from its source, as (lon, lat); None for a straight edge."""
    shape = data.get("geometry")
    if shape is None:
        return None
    points = [(round(float(x), 6), round(float(y), 6)) for x, y in shape.coords]
    if len(points) <= 2:
        return None
    first, last = points[0], points[-1]
    if (last[0] - start[0]) ** 2 + (last[1] - start[1]) ** 2 < (first[0] - start[0]) ** 2 + (
        first[1] - start[1]
    ) ** 2:
        points.reverse()
    return tuple(points)


def _name(data: Mapping[str, Any]) -> str | None:
    name = data.get("name")
    if isinstance(name, list | tuple | set):  # merged ways: osmnx gives a set's order
        return " / ".join(sorted({str(n) for n in name})) or None
    return str(name) if name else None


def _network(graph: Any, name: str, mode: Mode) -> Network:
    """Places and links of a prepared graph (see the module's docstring)."""
    osm = {node: _osm_id(node, data) for node, data in graph.nodes(data=True)}
    ids = {node: f"n{number}" for node, number in osm.items()}
    where = {node: (float(data["x"]), float(data["y"])) for node, data in graph.nodes(data=True)}
    places = [
        Place.model_construct(
            id=ids[node],
            kind=PlaceKind.WAYPOINT,
            lat=round(y, 7) + 0.0,  # (+ 0.0: never -0.0 in a file)
            lon=round(x, 7) + 0.0,
            osm_id=osm[node],
        )
        for node, (x, y) in where.items()
    ]
    pairs: dict[tuple[Any, Any], list[tuple[Any, Any, dict[str, Any]]]] = defaultdict(list)
    for u, v, data in graph.edges(data=True):
        if u != v:  # a loop back to its own node leads nowhere
            pairs[(u, v) if ids[u] <= ids[v] else (v, u)].append((u, v, data))
    links: list[Link] = []
    seen: dict[tuple[str, str], int] = defaultdict(int)

    def add(u: Any, v: Any, data: dict[str, Any], two_way: bool) -> None:
        source, target = ids[u], ids[v]
        seen[(source, target)] += 1
        count = seen[(source, target)]
        links.append(
            Link.model_construct(
                id=f"{source}-{target}" + (f"-{count}" if count > 1 else ""),
                source=source,
                target=target,
                minutes=_minutes(data),
                capacity_per_hour=float(data["capacity"]),
                mode=mode,
                risk=0.0,
                two_way=two_way,
                name=_name(data),
                geometry=_geometry(data, where[u]),
            )
        )

    for (a, _), edges in pairs.items():
        back = [e for e in edges if e[0] != a]
        for u, v, data in (e for e in edges if e[0] == a):
            twin = next(
                (
                    e
                    for e in back
                    if _minutes(e[2]) == _minutes(data) and e[2]["capacity"] == data["capacity"]
                ),
                None,
            )
            if twin is not None:
                back.remove(twin)
            add(u, v, data, twin is not None)
        for u, v, data in back:
            add(u, v, data, False)
    return Network.model_construct(name=name, start=None, places=tuple(places), links=tuple(links))
