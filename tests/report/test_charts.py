"""Tests for evacplan.report._charts: the report's inline SVG charts.

Behaviour, not snapshots: each SVG is well formed, self-contained (no declaration,
DOCTYPE, metadata, page-wide style or link out), accessible (a title it is labelled
by), its ids prefixed, its text text, and user text escaped; the timeline has a row
per label, the map its scale or its schematic note, its closed and highlighted links.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from matplotlib.figure import Figure
from matplotlib.patheffects import withStroke

from evacplan import Network, Scenario
from evacplan.io import load_scenario, seed_path
from evacplan.report._charts import _laid_out, arrivals_svg, map_svg, svg
from evacplan.report._records import Bar
from evacplan.report._timeline import KINDS, timeline_svg
from evacplan.routing import evacuate

SVG = "{http://www.w3.org/2000/svg}"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def tiny() -> Scenario:
    return load_scenario(seed_path("tiny"))


@pytest.fixture(scope="module")
def founding() -> Scenario:
    return load_scenario(seed_path("uk-iraq-iran-2020"))


def _ids(out: str) -> list[str]:
    """Every id in ``out``, in document order (as a browser reads them: unescaped)."""
    return [str(el.get("id")) for el in ET.fromstring(out).iter() if el.get("id") is not None]


def _texts(out: str) -> list[str]:
    """Every <text> element's words, as a browser would show them."""
    return ["".join(t.itertext()) for t in ET.fromstring(out).iter(f"{SVG}text")]


def check(out: str, prefix: str, title: str | None = None) -> ET.Element:
    """What every SVG the charts make must be, whatever it shows; its parsed root."""
    assert out.startswith("<svg")
    for banned in ("<?xml", "<!DOCTYPE", "<metadata", "<style", "<script"):
        assert banned not in out, banned
    root = ET.fromstring(out)  # well formed
    assert root.get("role") == "img"
    assert root.get("width") == "100%" and root.get("height") is None
    assert root.get("viewBox")
    first = root[0]
    assert first.tag == f"{SVG}title" and first.get("id") == f"{prefix}title"
    assert root.get("aria-labelledby") == f"{prefix}title"
    if title is not None:
        assert first.text == title
    ids = _ids(out)
    assert ids and all(i.startswith(prefix) for i in ids), [
        i for i in ids if not i.startswith(prefix)
    ]
    assert len(ids) == len(set(ids))
    refs = re.findall(r"url\(#([^)]*)\)", out) + re.findall(r'href="#([^"]*)"', out)
    assert set(refs) <= set(
        re.findall(r'\sid="([^"]*)"', out)
    )  # every reference points at an id of this SVG
    for link in re.findall(r'(?:href|src)="([^"]*)"', out):
        assert not link.startswith(("http:", "https:", "//")), link
    return root


def test_svg_cleans_a_figure_for_a_page() -> None:
    fig = Figure(figsize=(3, 2))
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], marker="o")
    ax.set_title("costs $5 and $6")  # as written, not mathematics
    out = svg(fig, title='A "line" & <more>', prefix="one-")
    check(out, "one-", title='A "line" & <more>')
    assert "costs $5 and $6" in _texts(out)
    assert "&lt;more&gt;" in out
    assert out == svg(fig, title='A "line" & <more>', prefix="one-")  # reproducible


def test_svg_halo_stays_text_and_the_figure_is_left_as_it_was() -> None:
    fig = Figure(figsize=(3, 2))
    text = fig.add_subplot().text(0.5, 0.5, "Baghdad", path_effects=[withStroke(linewidth=3)])
    out = svg(fig, title="halo", prefix="h-")
    check(out, "h-")
    assert "Baghdad" in _texts(out)
    assert 'paint-order="stroke"' in out
    assert text.get_path_effects() and text.get_gid() is None


@pytest.mark.parametrize("prefix", ["", "1x", "a b", 'a"', "a>"])
def test_svg_refuses_a_prefix_that_cannot_start_an_id(prefix: str) -> None:
    with pytest.raises(ValueError, match="prefix"):
        svg(Figure(), title="t", prefix=prefix)


BARS = [
    Bar("threat: airport-strike", 18 * 60, 72 * 60, "threat", "rocket strike on the airport"),
    Bar("link airport-road", 20 * 60, 96 * 60, "closure", "closed"),
    Bar("post baghdad", 0, 12 * 60, "posture:normal", "normal"),
    Bar("post baghdad", 12 * 60, 14 * 60, "posture:reduced", "reduced"),
    Bar("post baghdad", 14 * 60, 96 * 60, "posture:minimal", "minimal"),
    Bar("decisions", 12 * 60, None, "decision", "go to reduced"),
    Bar("decisions", 14 * 60, None, "decision", "go to minimal"),
    Bar("stage 1 departures", 12 * 60, 20 * 60, "departures", "38 people"),
    Bar("last-out bgd", 44 * 60, None, "last-out", "by road"),
    Bar("last-out bgd", 50 * 60, None, "breach", "too late"),
    Bar("decisions", 72 * 60, None, "deadline", "deadline"),
    Bar("an extremely long row label that goes on and on", 300, 540, "window", SCRIPT),
]


def test_timeline_has_a_row_per_label_in_order_and_every_bar_and_event() -> None:
    out = timeline_svg(BARS)
    check(out, "tl-", title="Timeline of the plan")
    rows = list(dict.fromkeys(b.row for b in BARS))
    row_ids = [i for i in _ids(out) if i.startswith("tl-row_")]
    assert row_ids == [f"tl-row_{n}" for n in range(len(rows))]
    texts = _texts(out)
    shown = [t for t in texts if t in rows or t.endswith("…")]
    assert shown == [*rows[:-1], "an extremely long row label…"]  # first appearance, top down
    bars = {f"tl-bar_{n}" for n, b in enumerate(BARS) if b.end is not None}
    events = {f"tl-event_{n}" for n, b in enumerate(BARS) if b.end is None}
    assert bars | events <= set(_ids(out))
    for label in ("rocket strike on the airport", "go to reduced", "go to minimal", "too late"):
        assert label in texts
    assert {"threat", "closure", "decision", "breach", "last out", "deadline"} <= set(texts)


def test_timeline_escapes_labels_and_keeps_dollars() -> None:
    bars = [Bar(SCRIPT, 0, 60, "threat", "costs $5 and $6"), Bar("x", 30, None, "breach", SCRIPT)]
    out = timeline_svg(bars, prefix="esc-")
    check(out, "esc-")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    assert SCRIPT in _texts(out) and "costs $5 and $6" in _texts(out)


def test_timeline_clock_axis_and_right_edge() -> None:
    def clock(minute: float) -> str:
        return f"Fri 3 Jan {int(minute // 60) % 24:02d}:00 +03:00"

    out = timeline_svg(BARS, clock=clock, end=120 * 60)
    check(out, "tl-")
    texts = _texts(out)
    assert "local time (+03:00)" in texts
    assert any(t.startswith("Fri 3 Jan") for t in texts)
    assert "+120 h" in texts and "hours from the start" in texts


def test_timeline_refuses_unknown_kinds_and_draws_nothing() -> None:
    with pytest.raises(ValueError, match="unknown bar kind"):
        timeline_svg([Bar("r", 0, 1, "explosion")])
    check(timeline_svg([], prefix="none-"), "none-")
    assert len(KINDS) == 12 and "posture:suspended" in KINDS


def test_every_kind_draws_as_bar_and_as_point() -> None:
    bars = [Bar(kind, 60 * n, 60 * n + 90, kind, kind) for n, kind in enumerate(KINDS)]
    bars += [Bar(f"{kind} point", 60 * n, None, kind, kind) for n, kind in enumerate(KINDS)]
    out = timeline_svg(bars, prefix="all-")
    check(out, "all-")
    assert len([i for i in _ids(out) if i.startswith("all-row_")]) == 2 * len(KINDS)


def test_arrivals_curve_with_quickest_bound_and_deadline() -> None:
    curve = [(60, 4), (150, 10), (300, 25)]
    out = arrivals_svg(
        curve,
        quickest=[(50, 10), (120, 25)],
        bound=100,
        deadline=360,
        clock=lambda m: f"Fri 3 Jan {6 + int(m // 60):02d}:00 +03:00",
    )
    check(out, "ar-", title="People safe over time")
    texts = _texts(out)
    assert "quickest possible (no congestion)" in texts and "this plan" in texts
    assert any(t.startswith("proven: not everyone can be out before +1 h 40 min") for t in texts)
    assert any(t.startswith("deadline +6 h (Fri 3 Jan 12:00") for t in texts)
    assert "25 safe by +5 h" in texts
    assert "people safe (cumulative)" in texts


def test_arrivals_without_anyone_safe() -> None:
    out = arrivals_svg([], prefix="empty-")
    check(out, "empty-")
    assert "nobody reaches safety" in _texts(out)


def test_no_id_is_shared_by_two_charts_on_a_page(tiny: Scenario) -> None:
    outs = [
        timeline_svg(BARS),
        arrivals_svg([(60, 3)]),
        map_svg(tiny),
        timeline_svg(BARS, prefix="b-"),
    ]
    ids = [i for out in outs for i in _ids(out)]
    assert len(ids) == len(set(ids))


def test_map_of_the_tiny_seed(tiny: Scenario) -> None:
    out = map_svg(tiny, minute=48 * 60)
    check(out, "map-", title="Map of tiny")
    texts = _texts(out)
    for name in ("Embassy", "International airport", "Border crossing", "Safe haven"):
        assert name in texts  # names as text, not outlines
    assert any(re.fullmatch(r"[\d.]+ km", t) for t in texts)  # a scale bar
    assert "tiny at +2 d" in texts
    assert "schematic: not to scale" not in texts


def test_map_of_the_founding_seed_with_closed_and_highlighted_links(founding: Scenario) -> None:
    closed = {"bgw-airport-road": "closed from Sat 4 Jan 06:00"}
    highlight = {"anbar-highway": "#1 strands 12"}
    out = map_svg(founding, minute=24 * 60, closed=closed, highlight=highlight, title=SCRIPT)
    check(out, "map-", title=SCRIPT)
    texts = _texts(out)
    assert "British Embassy Baghdad" in texts and "British Embassy Tehran" in texts
    assert "closed from Sat 4 Jan 06:00" in texts and "#1 strands 12" in texts
    assert {"closed", "highlighted"} <= set(texts)  # in the legend
    assert {"map-closed:bgw-airport-road", "map-highlighted:anbar-highway"} <= set(_ids(out))
    assert "&lt;script&gt;" in out


def test_map_refuses_an_unknown_link(tiny: Scenario) -> None:
    with pytest.raises(ValueError, match="no link 'nowhere'"):
        map_svg(tiny, closed={"nowhere": "closed"})


def test_map_draws_a_plans_routes(tiny: Scenario) -> None:
    plan = evacuate(tiny, supply={"residence": 6})
    out = map_svg(tiny, plan=plan, prefix="plan-")
    check(out, "plan-")
    routes = {i for i in _ids(out) if i.startswith("plan-route:")}
    assert routes == {
        "plan-route:residence->embassy",
        "plan-route:embassy->airport",
        "plan-route:airport->haven",
    }
    assert any(t.startswith("6 safe by") for t in _texts(out))


def _without(network: Network, ids: set[str] | None) -> Network:
    """``network`` with the coordinates of places ``ids`` (None: all) removed."""
    places = tuple(
        p.model_copy(update={"lat": None, "lon": None}) if ids is None or p.id in ids else p
        for p in network.places
    )
    return network.model_copy(update={"places": places})


@pytest.mark.parametrize("missing", [None, {"airport", "border"}])
def test_map_without_coordinates_is_schematic(tiny: Scenario, missing: Any) -> None:
    network = _without(tiny.network, missing)
    out = map_svg(network, highlight={"flight": "#1 strands 12"})
    check(out, "map-")
    texts = _texts(out)
    assert "schematic: not to scale" in texts
    assert not any(t.endswith(" km") for t in texts)  # no scale bar
    assert "Embassy" in texts and "#1 strands 12" in texts


def test_schematic_layout_keeps_the_known_places(tiny: Scenario) -> None:
    network = _without(tiny.network, {"airport", "border"})
    laid, schematic = _laid_out(network)
    assert schematic
    before = {p.id: (p.lon, p.lat) for p in tiny.places}
    after = {p.id: (p.lon, p.lat) for p in laid.places}
    assert all(after[k] == before[k] for k in ("embassy", "residence", "haven"))
    assert all(isinstance(x, float) and isinstance(y, float) for x, y in after.values())
    assert _laid_out(network)[0].places == laid.places  # seeded: the same every time
    whole, schematic = _laid_out(tiny.network)
    assert whole is tiny.network and not schematic


def test_a_place_name_is_escaped(tiny: Scenario) -> None:
    places = tuple(
        p.model_copy(update={"name": SCRIPT}) if p.id == "haven" else p for p in tiny.places
    )
    out = map_svg(tiny.network.model_copy(update={"places": places}), prefix="x-")
    check(out, "x-")
    assert SCRIPT in _texts(out) and "&lt;script&gt;" in out
