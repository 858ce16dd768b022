"""Scenario files whose roads come from OpenStreetMap: ``network: {osm: ...}`` and snapping."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import pytest
import yaml

pytest.importorskip("osmnx")
pytest.importorskip("osmium")

from evacplan import ScenarioError, ScenarioWarning, plan  # noqa: E402
from evacplan.io import load_scenario, osm_path  # noqa: E402

METRES_PER_MILLIDEGREE = 6_371_009 * math.pi / 180_000

ROADS = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
<node id="1" version="1" lat="0.0" lon="0.0"/>
<node id="2" version="1" lat="0.0" lon="0.01"/>
<node id="3" version="1" lat="0.0" lon="0.02"/>
<way id="10" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="primary"/>
<tag k="maxspeed" v="60"/><tag k="name" v="Coast Road"/></way>
<way id="11" version="1"><nd ref="2"/><nd ref="3"/><tag k="highway" v="residential"/>
<tag k="name" v="Hill Street"/></way>
</osm>
"""


def _scenario(tmp_path: Path, places: list[dict], network: dict | None = None, **more) -> Path:
    (tmp_path / "roads.osm").write_text(ROADS)
    data = {
        "name": "coast",
        "start": "2026-06-01T08:00:00+00:00",
        "step_minutes": 1,
        "network": network or {"osm": "roads.osm"},
        "places": places,
        "posts": [{"id": "p", "name": "Post", "place": "embassy", "min_retained": 0}],
        "staff": [
            {
                "id": "s1",
                "post": "p",
                "name": "Officer",
                "category": "diplomat",
                "location": "embassy",
            }
        ],
        "decision_points": [{"id": "go", "posture": "suspended", "posts": ["p"], "at": 0}],
        **more,
    }
    path = tmp_path / "coast.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


EMBASSY = {"id": "embassy", "kind": "post", "lat": 0.001, "lon": 0.0}
BORDER = {"id": "border", "kind": "border", "safe": True, "lat": 0.0, "lon": 0.0205}


def test_places_join_their_nearest_road_node(tmp_path: Path) -> None:
    """The embassy 111 m north of node 1: a two-way connector of 111 m at 20 km/h."""
    scenario = load_scenario(_scenario(tmp_path, [EMBASSY, BORDER]))
    links = {link.id: link for link in scenario.links}
    road = links["embassy:road"]
    assert (road.source, road.target, road.two_way) == ("embassy", "n1", True)
    assert road.minutes == round(METRES_PER_MILLIDEGREE / (20 / 3.6) / 60, 2) == 0.33
    # Node 2 joins two ways only: the chain is one link, as narrow as Hill Street (1 lane
    # each way x 600 x 2); the connector admits what the roads at node 1 admit together.
    assert links["n1-n3"].capacity_per_hour == 1200.0
    assert road.capacity_per_hour == 1200.0
    assert links["border:road"].target == "n3"
    ids = {p.id for p in scenario.places}
    assert {"embassy", "border", "n1", "n3"} <= ids and "n2" not in ids
    assert next(p for p in scenario.places if p.id == "n3").osm_id == 3


def test_a_plan_over_the_roads(tmp_path: Path) -> None:
    """The officer drives Coast Road then Hill Street to the border; the plan verifies."""
    contingency = plan(load_scenario(_scenario(tmp_path, [EMBASSY, BORDER])))
    assert contingency.verify() == []
    (move,) = contingency.evacuation.movements
    assert [s.place for s in move.itinerary] == ["embassy", "n1", "n3", "border"]
    assert move.links == ["embassy:road", "n1-n3", "border:road"]


def test_a_far_place_warns_with_the_distance(tmp_path: Path) -> None:
    far = {**EMBASSY, "lat": 0.005}  # 556 m north of node 1
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_scenario(_scenario(tmp_path, [far, BORDER]))
    words = [str(w.message) for w in caught if issubclass(w.category, ScenarioWarning)]
    assert any("places[0]" in w and "556 m from the nearest road node (n1)" in w for w in words)


def test_outside_the_extract(tmp_path: Path) -> None:
    """A place far off with no links is an error naming the distance; with its own links, fine."""
    haven = {"id": "haven", "kind": "safe_haven", "lat": 0.5, "lon": 0.5}
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_scenario(tmp_path, [EMBASSY, BORDER, haven]))
    text = str(caught.value)
    assert "coast.yaml" in text and "places[2] (line" in text and "77.1 km" in text
    flight = {
        "id": "flight",
        "source": "border",
        "target": "haven",
        "minutes": 60,
        "capacity_per_hour": 100,
        "mode": "air",
    }
    scenario = load_scenario(_scenario(tmp_path, [EMBASSY, BORDER, haven], links=[flight]))
    assert "haven:road" not in {link.id for link in scenario.links}


@pytest.mark.parametrize(
    ("network", "path", "words"),
    [
        ({"osm": "roads.osm", "netwrok_type": "walk"}, "network.netwrok_type", "network_type"),
        ({"file": "roads.osm"}, "network.osm", "required key is missing"),
        ({"osm": "roads.osm", "bbox": [1, 2]}, "network.bbox", "south, west, north, east"),
        ({"osm": "roads.osm", "warn_m": -1}, "network.warn_m", "positive number"),
        ({"osm": "nowhere.osm"}, "", "no such file"),
    ],
)
def test_bad_network_keys(tmp_path: Path, network: dict, path: str, words: str) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(_scenario(tmp_path, [EMBASSY, BORDER], network=network))
    text = str(caught.value)
    assert path in text and words in text


def test_monaco_from_the_bundled_extract(tmp_path: Path) -> None:
    """The whole of Monaco read from PBF; two people leave for the French border."""
    places = [
        {"id": "embassy", "kind": "post", "lat": 43.7396, "lon": 7.4266},
        {"id": "beausoleil", "kind": "border", "safe": True, "lat": 43.7447, "lon": 7.4240},
    ]
    scenario = load_scenario(_scenario(tmp_path, places, network={"osm": str(osm_path("monaco"))}))
    assert len(scenario.places) > 1000
    contingency = plan(scenario)
    assert contingency.verify() == []


def test_a_threat_closes_a_street_by_its_name(tmp_path: Path) -> None:
    """West Oakland: 8th Street closes 20 minutes in, while 400 nationals leave the embassy.

    Every stretch of 8th Street closes (nobody enters one from minute 20);
    those who cannot leave by then are stranded, with the street named in
    words (not its stretches' ids), and the GeoJSON counts them at the
    embassy. A misspelt street is an error that suggests the name.
    """
    places = [
        {"id": "embassy", "kind": "post", "lat": 37.8077, "lon": -122.3005},
        {"id": "north", "kind": "border", "safe": True, "lat": 37.8176, "lon": -122.2908},
        {"id": "east", "kind": "border", "safe": True, "lat": 37.8056, "lon": -122.2913},
    ]
    group = {"id": "nationals", "location": "embassy", "count": 400, "category": "national"}
    threat = {"id": "overpass", "at": 20, "closes": True, "streets": ["8th Street"]}
    network = {"osm": str(osm_path("West-Oakland"))}
    path = _scenario(
        tmp_path, places, network=network, groups=[{**group, "release": 10}], threats=[threat]
    )
    scenario = load_scenario(path)
    street = {link.id for link in scenario.links if link.name == "8th Street"}
    assert len(street) == 4
    contingency = plan(scenario)
    assert contingency.verify() == []
    ev = contingency.evacuation
    for m in ev.movements:
        for link, stop in zip(m.links, m.itinerary, strict=False):
            assert link not in street or stop.leave < 20, (link, stop)
    stranded = sum(s.count for s in ev.stranded if s.place == "embassy")
    assert 0 < stranded < 400
    assert all("8th Street closes at" in s.reason for s in ev.stranded)
    assert not any(link in s.reason for s in ev.stranded for link in street)
    point = next(
        f["properties"]
        for f in contingency.to_geojson()["features"]
        if f["properties"].get("place") == "embassy"
    )
    assert point["people_stranded"] == stranded and "8th Street" in point["stranded_why"]

    misspelt = yaml.safe_load(path.read_text())
    misspelt["threats"][0]["streets"] = ["8th Stret"]
    path.write_text(yaml.safe_dump(misspelt, sort_keys=False))
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "threats[0].streets[0] (line" in str(caught.value)
    assert "did you mean '8th Street'" in str(caught.value)
