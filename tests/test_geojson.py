"""Plans out to GIS: GeoJSON that validates, reads back in geopandas, and adds up."""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

import pytest

from evacplan import ScenarioError, evacuate, plan
from evacplan.io import load_scenario, seed_path

geojson = pytest.importorskip("geojson")


def _valid(collection: dict) -> None:
    parsed = geojson.loads(json.dumps(collection))
    assert parsed.is_valid, parsed.errors()


def test_an_evacuation_adds_up() -> None:
    """Each line carries the people of the movements over it; points say who leaves, who arrives."""
    tiny = load_scenario(seed_path("tiny"))
    route = evacuate(tiny, {"residence": 20, "embassy": 7}, {"haven"})
    fc = route.to_geojson()
    _valid(fc)
    want: dict[tuple[str, str, str], int] = defaultdict(int)
    for m in route.movements:
        for i, key in enumerate(m.links):
            want[(key, m.itinerary[i].place, m.itinerary[i + 1].place)] += m.count
    lines = [f for f in fc["features"] if f["geometry"]["type"] == "LineString"]
    got = {
        (f["properties"]["link"], f["properties"]["from"], f["properties"]["to"]): f for f in lines
    }
    assert {k: f["properties"]["people"] for k, f in got.items()} == dict(want)
    places = {p.id: p for p in tiny.places}
    for (_, a, b), f in got.items():
        ends = f["geometry"]["coordinates"][0], f["geometry"]["coordinates"][-1]
        assert ends == ([places[a].lon, places[a].lat], [places[b].lon, places[b].lat])
        first = f["properties"]["first_use_minute"]
        assert f["properties"]["first_use"] == (tiny.start + timedelta(minutes=first)).isoformat()
    points = {
        f["properties"]["place"]: f["properties"]
        for f in fc["features"]
        if f["geometry"]["type"] == "Point"
    }
    assert points["residence"]["people_leaving"] == 20 and points["embassy"]["people_leaving"] == 7
    assert points["haven"]["people_arriving"] == 27 and points["haven"]["safe"] is True


def test_places_without_coordinates_are_listed_not_dropped() -> None:
    tiny = load_scenario(seed_path("tiny"))
    bare = [
        p.model_copy(update={"lat": None, "lon": None}) if p.id == "border" else p
        for p in tiny.places
    ]
    route = evacuate(tiny.replace(places=bare), {"embassy": 300}, {"haven"}, step_minutes=5)
    fc = route.to_geojson()
    _valid(fc)
    missing = fc.get("not_drawn", [])
    through = sum(m.count for m in route.movements if any(s.place == "border" for s in m.itinerary))
    assert through > 0
    assert any(
        x["feature"] == "link" and x["to"] == "border" and x["people"] == through for x in missing
    )


def test_a_contingency_plan_names_its_posts_and_reads_back(tmp_path: Path) -> None:
    gpd = pytest.importorskip("geopandas")
    cp = plan(load_scenario(seed_path("tiny")))
    out = tmp_path / "tiny.geojson"
    fc = cp.to_geojson(out)
    _valid(fc)
    frame = gpd.read_file(out)
    assert len(frame) == len(fc["features"])
    assert frame.crs is None or frame.crs.to_epsg() == 4326
    post = frame[frame["feature"] == "place"].set_index("place").loc["embassy"]
    assert "capital" in str(post["posts"])


def test_a_plan_built_by_hand_has_nothing_to_draw() -> None:
    tiny = load_scenario(seed_path("tiny"))
    made = evacuate(tiny, {"residence": 5}, {"haven"})
    bare = dataclasses.replace(made, _network=None)
    with pytest.raises(ScenarioError, match="built by hand"):
        bare.to_geojson()


def test_plan_writes_geojson_from_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "routes.geojson"
    done = subprocess.run(
        [sys.executable, "-m", "evacplan", "plan", str(seed_path("tiny")), "--geojson", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"GeoJSON: {out}" in done.stdout
    _valid(json.loads(out.read_text()))
