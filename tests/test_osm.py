"""OpenStreetMap in: minutes and capacities worked out by hand, one-way tags, chains, bad files.

The small extracts are written here as OSM XML, on the equator, where a
thousandth of a degree of longitude is 6,371,009 m x pi / 180,000 = 111.195 m
(osmnx's great-circle distance with the mean earth radius).
"""

from __future__ import annotations

import bz2
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("osmnx")
pytest.importorskip("osmium")

from evacplan import ScenarioError, evacuate  # noqa: E402
from evacplan.io import load_network, osm_path, read_osm  # noqa: E402

METRES_PER_MILLIDEGREE = 6_371_009 * math.pi / 180_000


def _xml(
    nodes: dict[int, float] | dict[int, tuple[float, float]],
    ways: list[tuple[int, list[int], dict[str, str]]],
) -> str:
    """An OSM XML file: nodes on the equator at the given longitudes (or at (lat, lon)), and
    ways with tags."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for node, where in nodes.items():
        lat, lon = where if isinstance(where, tuple) else (0.0, where)
        lines.append(f'<node id="{node}" version="1" lat="{lat}" lon="{lon}"/>')
    for way, refs, tags in ways:
        lines.append(f'<way id="{way}" version="1">')
        lines += [f'<nd ref="{r}"/>' for r in refs]
        lines += [f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("</way>")
    lines.append("</osm>")
    return "\n".join(lines)


def _write(tmp_path: Path, text: str, name: str = "roads.osm") -> Path:
    path = tmp_path / name
    if name.endswith(".bz2"):
        path.write_bytes(bz2.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def _minutes(metres: float, kmh: float) -> float:
    return round(metres / (kmh / 3.6) / 60, 2)


def test_a_two_way_primary_road_by_hand(tmp_path: Path) -> None:
    """1 km of primary road, 50 km/h, 4 lanes: 1.2 min, 2 lanes each way x 1,000 x 2 people."""
    path = _write(
        tmp_path,
        _xml(
            {1: 0.0, 2: 0.009},
            [(10, [1, 2], {"highway": "primary", "maxspeed": "50", "lanes": "4", "name": "Main"})],
        ),
    )
    net = read_osm(path)
    (link,) = net.links
    metres = 9 * METRES_PER_MILLIDEGREE
    assert (link.source, link.target, link.two_way) == ("n1", "n2", True)
    assert link.minutes == _minutes(metres, 50) == 1.2
    assert link.capacity_per_hour == 2 * 1000 * 2.0
    assert link.name == "Main"
    assert {(p.id, p.lat, p.lon) for p in net.places} == {("n1", 0.0, 0.0), ("n2", 0.0, 0.009)}


@pytest.mark.parametrize(
    ("oneway", "source", "target"),
    [("yes", "n1", "n2"), ("-1", "n2", "n1"), ("true", "n1", "n2")],
)
def test_one_way_tags(tmp_path: Path, oneway: str, source: str, target: str) -> None:
    """oneway=yes runs along the way; oneway=-1 against it; all its lanes go one way."""
    path = _write(
        tmp_path,
        _xml(
            {1: 0.0, 2: 0.005},
            [(10, [1, 2], {"highway": "secondary", "oneway": oneway, "lanes": "2"})],
        ),
    )
    (link,) = read_osm(path, people_per_vehicle=1.5).links
    assert (link.source, link.target, link.two_way) == (source, target, False)
    assert link.capacity_per_hour == 2 * 900 * 1.5
    assert link.minutes == _minutes(5 * METRES_PER_MILLIDEGREE, 55)  # the OSRM table's 55 km/h


def test_lanes_each_way_and_mph(tmp_path: Path) -> None:
    """lanes:forward/backward differ: one one-way link each; maxspeed in mph is converted."""
    tags = {
        "highway": "tertiary",
        "lanes:forward": "2",
        "lanes:backward": "1",
        "maxspeed": "30 mph",
    }
    path = _write(tmp_path, _xml({1: 0.0, 2: 0.01}, [(10, [1, 2], tags)]))
    links = {(link.source, link.target): link for link in read_osm(path).links}
    assert set(links) == {("n1", "n2"), ("n2", "n1")}
    assert links[("n1", "n2")].capacity_per_hour == 2 * 800 * 2
    assert links[("n2", "n1")].capacity_per_hour == 1 * 800 * 2
    assert not any(link.two_way for link in links.values())
    assert links[("n1", "n2")].minutes == _minutes(10 * METRES_PER_MILLIDEGREE, 30 * 1.609344)


def test_a_chain_of_ways_is_one_link_with_the_same_time(tmp_path: Path) -> None:
    """A bend node between two ways goes; times add up, the narrowest capacity holds."""
    path = _write(
        tmp_path,
        _xml(
            {1: 0.0, 2: 0.004, 3: 0.01},
            [
                (10, [1, 2], {"highway": "primary", "maxspeed": "60", "lanes": "2"}),
                (11, [2, 3], {"highway": "residential"}),
            ],
        ),
    )
    (link,) = read_osm(path).links
    seconds = 4 * METRES_PER_MILLIDEGREE / (60 / 3.6) + 6 * METRES_PER_MILLIDEGREE / (25 / 3.6)
    assert (link.source, link.target) == ("n1", "n3")
    assert link.minutes == round(seconds / 60, 2)
    assert link.capacity_per_hour == min(1 * 1000 * 2, 1 * 600 * 2)
    assert link.geometry == ((0.0, 0.0), (0.004, 0.0), (0.01, 0.0))


def test_a_junction_drawn_as_two_nodes_is_one_place_when_consolidated(tmp_path: Path) -> None:
    """A primary road east along the equator, with side streets north from n2 and south from n3,
    5.6 m further east: two junctions, and a link of 0.01 minutes between them. With
    ``consolidate_m=15`` they are one place (the least OSM id, between them), the side
    streets meet the road there, and every other link keeps its minutes."""
    nodes = {1: (0.0, 0.0), 2: (0.0, 0.005), 3: (0.0, 0.00505), 4: (0.0, 0.01)}
    nodes |= {5: (0.005, 0.005), 6: (-0.005, 0.00505)}
    ways = [
        (10, [1, 2, 3, 4], {"highway": "primary"}),
        (11, [2, 5], {"highway": "residential"}),
        (12, [3, 6], {"highway": "residential"}),
    ]
    path = _write(tmp_path, _xml(nodes, ways))
    apart, merged = read_osm(path), read_osm(path, consolidate_m=15)

    def links(network: Any) -> dict[tuple[str, str], float]:
        return {(link.source, link.target): link.minutes for link in network.links}

    assert sorted(p.id for p in apart.places) == ["n1", "n2", "n3", "n4", "n5", "n6"]
    assert links(apart)[("n2", "n3")] == 0.01
    assert sorted(p.id for p in merged.places) == ["n1", "n2", "n4", "n5", "n6"]
    junction = next(p for p in merged.places if p.id == "n2")
    assert (junction.lat, junction.lon, junction.osm_id) == (0.0, 0.005025, 2)
    side = _minutes(5 * METRES_PER_MILLIDEGREE, 25)
    road = _minutes(5 * METRES_PER_MILLIDEGREE, 65)  # (primary: 65 km/h by default)
    assert links(merged) == pytest.approx(
        {("n1", "n2"): road, ("n2", "n4"): road, ("n2", "n5"): side, ("n2", "n6"): side}, abs=0.011
    )


def test_network_types_keep_their_ways(tmp_path: Path) -> None:
    """A footway is walked, not driven; private roads are neither; on foot, both ways."""
    path = _write(
        tmp_path,
        _xml(
            {1: 0.0, 2: 0.002, 3: 0.004, 4: 0.006},
            [
                (10, [1, 2], {"highway": "residential", "oneway": "yes"}),
                (11, [2, 3], {"highway": "footway", "width": "3"}),
                (12, [3, 4], {"highway": "residential", "access": "private"}),
            ],
        ),
    )
    drive = read_osm(path)
    assert [(link.source, link.target) for link in drive.links] == [("n1", "n2")]
    walk = read_osm(path, network_type="walk", keep_all=True)
    assert {link.mode for link in walk.links} == {"walk"}
    assert all(link.two_way for link in walk.links)
    (footway,) = [link for link in walk.links if {link.source, link.target} == {"n1", "n3"}] or [
        link for link in walk.links if link.capacity_per_hour == 3 * 4500 / 2
    ]
    assert footway.capacity_per_hour == 3 * 4500 / 2


def test_the_bundled_extracts(tmp_path: Path) -> None:
    """West Oakland (OSM XML, bzip2) and Monaco (PBF) read; everyone can leave Monaco by road."""
    oakland = read_osm(osm_path("West-Oakland"))
    assert len(oakland.places) > 20 and all(p.lat and p.lon for p in oakland.places)
    monaco = read_osm(osm_path("monaco"))
    assert len(monaco.links) > 1000
    places = {p.id: p for p in monaco.places}
    west = min(places.values(), key=lambda p: p.lon or 0.0)
    east = max(places.values(), key=lambda p: p.lon or 0.0)
    plan = evacuate(monaco, {east.id: 300}, {west.id}, step_minutes=1)
    assert plan.verify() == [] and plan.people == 300 and not plan.stranded


@pytest.mark.parametrize(
    ("name", "text", "words"),
    [
        ("missing.osm", None, "no such file"),
        ("roads.txt", "hello", "not an OpenStreetMap file"),
        ("broken.osm", "<osm><node id=", "cannot be read as OpenStreetMap data"),
        ("empty.osm", _xml({1: 0.0}, []), "no ways of a 'drive' network"),
        ("holes.osm", _xml({1: 0.0}, [(10, [1, 2], {"highway": "primary"})]), "not in the file"),
    ],
)
def test_bad_files_are_named(tmp_path: Path, name: str, text: str | None, words: str) -> None:
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        read_osm(path)
    assert str(path) in str(caught.value) and words in str(caught.value)


def test_bad_arguments_are_named(tmp_path: Path) -> None:
    path = _write(tmp_path, _xml({1: 0.0, 2: 0.01}, [(10, [1, 2], {"highway": "primary"})]))
    with pytest.raises(ScenarioError) as caught:
        read_osm(path, network_type="cycle", bbox=(1, 2, 0, 3), people_per_vehicle=0)
    text = str(caught.value)
    assert "network_type" in text and "bbox" in text and "people_per_vehicle" in text
    with pytest.raises(ScenarioError, match="no roads inside the box"):
        read_osm(path, bbox=(10, 10, 11, 11))


def test_import_osm_validate_evacuate(tmp_path: Path) -> None:
    """The command line: import-osm writes a network file that validate and evacuate take."""
    out = tmp_path / "oakland.yaml"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "evacplan", *args], capture_output=True, text=True, check=False
        )

    made = run("import-osm", str(osm_path("West-Oakland")), "-o", str(out))
    assert made.returncode == 0, made.stderr
    assert "OpenStreetMap contributors" in made.stdout and "OpenStreetMap" in out.read_text()
    checked = run("validate", str(out))
    assert checked.returncode == 0 and "ok:" in checked.stdout, checked.stderr
    net = load_network(out)
    assert net == read_osm(osm_path("West-Oakland")).model_copy(update={"name": net.name})
    first, last = net.places[0].id, net.places[-1].id
    routed = run("evacuate", str(out), "--supply", f"{first}=50", "--safe", last)
    assert routed.returncode == 0, routed.stderr
    assert "50 reach safety" in routed.stdout
    bad = run("import-osm", str(osm_path("West-Oakland")), "-o", str(out), "--bbox", "1,2,3")
    assert bad.returncode == 1 and "--bbox" in bad.stderr


def test_without_the_extra_the_error_names_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without osmnx, reading OSM says which extra to install (in the CLI too, exit 1)."""
    import builtins

    from evacplan.errors import MissingExtraError

    real = builtins.__import__

    def no_osmnx(name: str, *args: object, **kwargs: object) -> object:
        if name == "osmnx":
            raise ImportError("No module named 'osmnx'", name="osmnx")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_osmnx)
    path = _write(tmp_path, _xml({1: 0.0, 2: 0.01}, [(10, [1, 2], {"highway": "primary"})]))
    with pytest.raises(
        MissingExtraError, match=r"osmnx is missing\): pip install 'evacplan\[osm\]'"
    ):
        read_osm(path)
    from evacplan.cli import main

    assert main(["import-osm", str(path), "-o", str(tmp_path / "out.yaml")]) == 1
    assert not (tmp_path / "out.yaml").exists()
