"""A plan as GeoJSON for GIS tools (QGIS, ArcGIS, geopandas): RFC 7946, longitude first.

:func:`feature_collection` reads a plan's public fields (its movements, the
network's places and links) into one ``FeatureCollection``:

- a ``LineString`` per link used, one per direction used, along the road's
  shape where the network has it (read from OpenStreetMap) or straight
  between its ends, with ``people`` (who enter it that way), the first and
  last entry (``first_use``/``last_use`` as ISO 8601 times when the plan has
  a clock, and always as minutes from the start), its ``risk``, capacity and mode;
- a ``Point`` per place with coordinates, with its ``kind``, name, whether it
  is safe, and who is there: ``people_leaving`` (who start there),
  ``people_arriving`` (who reach safety there), ``people_stranded`` (who
  cannot leave it, with ``stranded_why``), and what the caller adds (a
  contingency plan adds each post's retained staff).

A place without ``lat``/``lon`` cannot be drawn: it, and every link that
touches it, is listed in the collection's ``not_drawn`` member (a foreign
member, which RFC 7946 allows) with the people it carries, so that nobody
in the plan is silently missing from the map.
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from evacplan.io import OSM_CREDIT
from evacplan.io._files import _write_whole
from evacplan.models import Network
from evacplan.network import arcs

__all__ = ["feature_collection", "save"]


def _iso(start: datetime | None, minute: float) -> str | None:
    return None if start is None else (start + timedelta(minutes=float(minute))).isoformat()


def _usage(network: Network, movements: Any) -> dict[tuple[int, str, str], dict[str, Any]]:
    """Per (link index, from, to): people, first and last minute of entry."""
    link_of = {arc.key: arc.link for arc in arcs(network)}
    used: dict[tuple[int, str, str], dict[str, Any]] = {}
    for m in movements:
        stops = m.itinerary
        for i, key in enumerate(m.links):
            a, b = stops[i].place, stops[i + 1].place
            entry = used.setdefault(
                (link_of[key], a, b), {"people": 0, "first": stops[i].leave, "last": stops[i].leave}
            )
            entry["people"] += m.count
            entry["first"] = min(entry["first"], stops[i].leave)
            entry["last"] = max(entry["last"], stops[i].leave)
    return used


def feature_collection(
    network: Network,
    movements: Any,
    *,
    start: datetime | None = None,
    extra: Mapping[str, Mapping[str, Any]] | None = None,
    name: str | None = None,
    stranded: Any = (),
) -> dict[str, Any]:
    """The plan's ``FeatureCollection`` (see the module's docstring) as plain data.

    ``extra`` adds properties to the points of the places it names; ``stranded`` is the
    plan's :class:`~evacplan.routing.records.Stranded` records.
    """
    where = {
        p.id: (p.lon, p.lat) for p in network.places if p.lat is not None and p.lon is not None
    }
    features: list[dict[str, Any]] = []
    not_drawn: list[dict[str, Any]] = []
    for (index, a, b), use in sorted(_usage(network, movements).items(), key=lambda kv: kv[0]):
        link = network.links[index]
        props = {
            "feature": "link",
            "link": link.label,
            "name": link.name,
            "from": a,
            "to": b,
            "people": use["people"],
            "first_use": _iso(start, use["first"]),
            "last_use": _iso(start, use["last"]),
            "first_use_minute": use["first"],
            "last_use_minute": use["last"],
            "risk": link.risk,
            "capacity_per_hour": link.capacity_per_hour,
            "mode": str(link.mode),
        }
        if a not in where or b not in where:
            not_drawn.append({**props, "why": "an end has no lat/lon"})
            continue
        points = (
            [list(p) for p in link.geometry]
            if link.geometry
            else [where[link.source], where[link.target]]
        )
        if (a, b) != (link.source, link.target):
            points = points[::-1]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [list(p) for p in points]},
                "properties": props,
            }
        )
    leaving: dict[str, int] = defaultdict(int)
    arriving: dict[str, int] = defaultdict(int)
    for m in movements:
        leaving[m.source] += m.count
        arriving[m.destination] += m.count
    left: dict[str, int] = defaultdict(int)
    why: dict[str, list[str]] = defaultdict(list)
    for s in stranded:
        left[s.place] += s.count
        if s.reason not in why[s.place]:
            why[s.place].append(s.reason)
    for place in network.places:
        busy = place.id in leaving or place.id in arriving or place.id in left
        busy = busy or bool(extra and place.id in extra)
        if place.osm_id is not None and not place.name and not busy:
            continue  # a road junction: the lines draw it
        props = {
            "feature": "place",
            "place": place.id,
            "name": place.name,
            "kind": str(place.kind),
            "safe": place.is_safe,
            "people_leaving": leaving.get(place.id, 0),
            "people_arriving": arriving.get(place.id, 0),
            "people_stranded": left.get(place.id, 0),
            **({"stranded_why": "; ".join(why[place.id])} if place.id in left else {}),
            **({"osm_id": place.osm_id} if place.osm_id is not None else {}),
            **dict((extra or {}).get(place.id, {})),
        }
        if place.id not in where:
            if busy:
                not_drawn.append({**props, "why": "no lat/lon"})
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": list(where[place.id])},
                "properties": props,
            }
        )
    out: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if name:
        out["name"] = name
    if any(p.osm_id is not None for p in network.places):
        out["attribution"] = f"Roads {OSM_CREDIT}, ODbL 1.0"
    if not_drawn:
        out["not_drawn"] = not_drawn
    return out


def save(collection: Mapping[str, Any], path: str | os.PathLike[str]) -> Path:
    """Write the collection as JSON (UTF-8), all at once or not at all."""
    return _write_whole(Path(path), json.dumps(collection, ensure_ascii=False) + "\n")
