"""Tests for evacplan.plot: what plot_network draws, its colour scales and labels, and that it
never crashes on missing data."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.transforms import Bbox  # noqa: E402

from evacplan import Network, Scenario  # noqa: E402
from evacplan.io import load_scenario, read_tntp, seed_path, tntp_path  # noqa: E402
from evacplan.network import arc_schedules  # noqa: E402
from evacplan.plot import place_positions, plot_network, plot_routes, risk_scale  # noqa: E402
from evacplan.plot._maps import _risk_cmap  # noqa: E402
from evacplan.routing import evacuate  # noqa: E402

# The notebook's zoom on Iraq (examples/03_routes.ipynb): its x and y limits.
IRAQ = ((38.0, 49.0), (28.8, 38.0))


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """Close every figure a test opens."""
    yield
    plt.close("all")


def _link_lines(ax: Axes) -> dict[str, Line2D]:
    return {
        str(line.get_gid()): line for line in ax.lines if str(line.get_gid()).startswith("link:")
    }


def _marker_count(ax: Axes) -> int:
    return sum(
        len(np.asarray(c.get_offsets()))
        for c in ax.collections
        if str(c.get_gid()).startswith("places:")
    )


def _legend_texts(ax: Axes) -> list[str]:
    legend = ax.get_legend()
    return [] if legend is None else [t.get_text() for t in legend.get_texts()]


@pytest.mark.parametrize("seed", ["tiny", "uk-iraq-iran-2020"])
def test_draws_one_line_per_link_and_one_marker_per_place(seed: str) -> None:
    """Every link is one line and every place one marker when all have coordinates."""
    scenario = load_scenario(seed_path(seed))
    ax = plot_network(scenario)
    assert len(ax.lines) == len(scenario.links)
    assert len(_link_lines(ax)) == len(scenario.links)
    assert _marker_count(ax) == len(scenario.places)
    kinds = {p.kind.value for p in scenario.places}
    assert {c.get_gid() for c in ax.collections} == {f"places:{k}" for k in kinds}


def test_founding_scenario_at_every_threat(founding: Scenario) -> None:
    """At each threat's start the closed links are exactly those the schedules call closed."""
    schedules = arc_schedules(founding)
    for threat in founding.threats:
        minute = founding.minute(threat.at)
        ax = plot_network(founding, minute=minute, risk_max=0.5)
        open_links = {s.arc.link for s in schedules if s.at(minute)[0]}
        closed = {f"link:{s.arc.key}" for s in schedules if s.arc.link not in open_links}
        dotted = {gid for gid, line in _link_lines(ax).items() if line.get_linestyle() == ":"}
        assert dotted == closed, threat.id
        assert len(ax.lines) == len(founding.links)
        plt.close("all")


def test_airport_closure_greys_out_its_links(founding: Scenario) -> None:
    """Once Baghdad airport closes (96h) every link touching it is drawn closed."""
    ax = plot_network(founding, minute=100 * 60)
    lines = _link_lines(ax)
    touching = [link.id for link in founding.links if "bgw-airport" in (link.source, link.target)]
    assert touching
    for link_id in touching:
        assert lines[f"link:{link_id}"].get_linestyle() == ":"
    assert lines["link:bgd-north-highway"].get_linestyle() == "-"
    assert "closed link" in _legend_texts(ax)


def test_lines_are_coloured_by_risk(tiny: Scenario) -> None:
    """A riskier open link gets a different colour from the colour map; closed links are grey."""
    ax = plot_network(tiny, minute=12 * 60, risk_max=0.3)
    lines = _link_lines(ax)
    cmap = _risk_cmap()
    assert to_rgba(lines["link:airport-road"].get_color()) == pytest.approx(cmap(1.0))
    assert to_rgba(lines["link:crossing"].get_color()) == pytest.approx(cmap(0.0))
    assert lines["link:flight"].get_linestyle() == ":"  # its window closed at 2h
    assert len(ax.figure.axes) == 2  # the map and its colour bar


def test_draws_into_given_axes(tiny: Scenario) -> None:
    """Given an Axes, plot_network draws there and returns it."""
    fig, (left, right) = plt.subplots(1, 2)
    assert plot_network(tiny, ax=right, colorbar=False, legend=False) is right
    assert len(right.lines) == len(tiny.links)
    assert not left.lines
    assert right.get_legend() is None


def test_skips_places_without_coordinates() -> None:
    """Places without lat/lon, and links touching them, are skipped and noted in the legend."""
    net = Network(
        name="partial",
        places=[
            {"id": "a", "kind": "post", "lat": 33.3, "lon": 44.4},
            {"id": "b", "kind": "waypoint"},
            {"id": "c", "kind": "safe_haven", "lat": 36.2, "lon": 44.0},
        ],
        links=[
            {"source": "a", "target": "b", "minutes": 10, "capacity_per_hour": 60},
            {"source": "b", "target": "c", "minutes": 10, "capacity_per_hour": 60},
            {"source": "a", "target": "c", "minutes": 300, "capacity_per_hour": 60, "risk": 0.2},
        ],
    )
    ax = plot_network(net, minute=0)
    assert list(_link_lines(ax)) == ["link:a<->c"]
    assert _marker_count(ax) == 2
    assert set(place_positions(net)) == {"a", "c"}
    assert "1 place without coordinates not drawn (2 links skipped)" in _legend_texts(ax)


def test_network_without_any_coordinates() -> None:
    """A TNTP network has no coordinates: nothing is drawn, nothing crashes."""
    net = read_tntp(tntp_path("SiouxFalls"))
    ax = plot_network(net)
    assert not ax.lines
    assert _marker_count(ax) == 0
    assert "24 places without coordinates not drawn (76 links skipped)" in _legend_texts(ax)


def test_rejects_other_objects() -> None:
    """Anything but a Network or Scenario is a TypeError naming what it got."""
    with pytest.raises(TypeError, match="got dict"):
        plot_network({"places": []})  # type: ignore[arg-type]


def _label_boxes(ax: Axes, prefix: str = "label:") -> dict[str, Bbox]:
    """The drawn extent of every label whose gid starts with ``prefix`` and whose place is in view."""
    ax.figure.canvas.draw()
    return {
        str(t.get_gid()): t.get_window_extent()
        for t in ax.texts
        if str(t.get_gid()).startswith(prefix) and ax.contains_point(ax.transData.transform(t.xy))
    }


def _overlapping(boxes: dict[str, Bbox]) -> list[tuple[str, str]]:
    names = sorted(boxes)
    return [
        (a, b) for i, a in enumerate(names) for b in names[i + 1 :] if boxes[a].overlaps(boxes[b])
    ]


@pytest.mark.parametrize("limits", [None, IRAQ], ids=["default extent", "notebook zoom"])
def test_place_labels_do_not_overlap(founding: Scenario, limits: tuple[Any, Any] | None) -> None:
    """No two place labels of the founding scenario overlap, nor leave the axes, at either zoom."""
    fig, ax = plt.subplots(figsize=(7, 6), layout="constrained")
    plot_network(founding, ax=ax, minute=0, colorbar=False)
    fig.canvas.draw()  # placed once at the default extent; zooming must place them again
    if limits is not None:
        ax.set_xlim(*limits[0])
        ax.set_ylim(*limits[1])
    boxes = _label_boxes(ax)
    expected = {"label:bgd-embassy", "label:bgw-airport", "label:erbil", "label:erbil-airport"}
    assert expected <= set(boxes)
    if limits is None:
        assert len(boxes) == sum(1 for t in ax.texts if str(t.get_gid()).startswith("label:"))
    assert _overlapping(boxes) == []
    frame = ax.bbox
    for gid, box in boxes.items():
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, gid
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, gid


def test_labels_keep_clear_of_other_markers(founding: Scenario) -> None:
    """A label covers no other place's marker: Baghdad's airport label leaves the embassy clear."""
    fig, ax = plt.subplots(figsize=(7, 6), layout="constrained")
    plot_network(founding, ax=ax, colorbar=False, legend=False)
    boxes = _label_boxes(ax)
    positions = place_positions(founding)
    for gid, box in boxes.items():
        own = gid.removeprefix("label:")
        for place, xy in positions.items():
            if place != own:
                assert not box.contains(*ax.transData.transform(xy)), (gid, place)


def test_route_labels_join_the_placement(founding: Scenario) -> None:
    """plot_routes' "people safe by" labels overlap neither each other nor the place labels."""
    plan = evacuate(founding, supply={"bgd-embassy": 40, "thr-embassy": 20}, time_limit=30)
    fig, axes = plt.subplots(1, 2, figsize=(14, 6), sharex=True, sharey=True, layout="constrained")
    for ax, limits in zip(axes, [None, IRAQ], strict=True):
        plot_network(founding, ax=ax, minute=0, legend=False, colorbar=False)
        plot_routes(plan, founding, ax=ax, legend=False)
        if limits is not None:
            ax.set_xlim(*limits[0])
            ax.set_ylim(*limits[1])
    for ax in axes:
        boxes = _label_boxes(ax, prefix="")
        assert "route-label:erbil" in boxes
        assert _overlapping(boxes) == []


def test_one_norm_maps_one_risk_to_one_colour_on_every_panel(tiny: Scenario) -> None:
    """Two panels on risk_scale's norm give a link of equal risk one colour; on their own they do not."""
    minutes = [0, 12 * 60]  # the airport road's risk is 0.1, then 0.3: each panel's own top
    scale = risk_scale(tiny, minutes=minutes)
    assert (scale.norm.vmin, scale.norm.vmax) == (0.0, pytest.approx(0.3))

    def desert_road(**options: Any) -> list[tuple[float, ...]]:
        _, axes = plt.subplots(1, 2)
        for ax, minute in zip(axes, minutes, strict=True):
            plot_network(tiny, ax=ax, minute=minute, colorbar=False, **options)
        return [to_rgba(_link_lines(ax)["link:desert-road"].get_color()) for ax in axes]

    shared = desert_road(norm=scale.norm)  # its risk is 0.05 on both panels
    assert shared[0] == shared[1] == pytest.approx(scale.to_rgba(0.05))
    alone = desert_road()
    assert alone[0] != pytest.approx(alone[1])
    assert alone[1] == pytest.approx(shared[1])  # the riskier panel's own scale is the shared one


def test_one_colour_bar_for_the_figure(tiny: Scenario) -> None:
    """risk_scale is the mappable for one colour bar shared by every panel."""
    scale = risk_scale(tiny, minutes=[0, 12 * 60], threat_sets=[None, []])
    fig, axes = plt.subplots(1, 2, layout="constrained")
    for ax in axes:
        plot_network(tiny, ax=ax, minute=12 * 60, norm=scale.norm, colorbar=False)
    bar = fig.colorbar(scale, ax=axes, label="link risk per traversal")
    assert len(fig.axes) == 3
    assert bar.norm is scale.norm
    assert bar.cmap.name == "evacplan-risk"


def test_risk_max_and_norm_are_exclusive(tiny: Scenario) -> None:
    """Both a top risk and a whole scale is one too many."""
    with pytest.raises(ValueError, match="risk_max or norm"):
        plot_network(tiny, risk_max=0.3, norm=risk_scale(tiny).norm)


KABUL_CITY = ((69.07, 69.27), (34.47, 34.62))  # the report's close-up of Kabul


def test_services_and_gates_join_the_placement() -> None:
    """Kabul's nine flights to Al Minhad are two labels (one per pair of places, summed), and
    its gates' rates are placed like the names: in the city, no two labels overlap."""
    kabul = load_scenario(seed_path("kabul-2021"))
    fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    plot_network(kabul, ax=ax, colorbar=False)
    services = sorted(t.get_text() for t in ax.texts if str(t.get_gid()).startswith("service:"))
    assert services == [
        "2 services: 38 departures, 965 seats",
        "7 services: 100 departures, 14,660 seats",
    ]
    ax.set_xlim(*KABUL_CITY[0])
    ax.set_ylim(*KABUL_CITY[1])
    boxes = _label_boxes(ax, prefix="")
    assert {"gate:abbey-gate", "gate:baron-hotel", "label:embassy-hkia"} <= set(boxes), sorted(
        boxes
    )
    assert _overlapping(boxes) == []


def test_a_numbered_placer_puts_crowded_labels_in_its_notes() -> None:
    """Two places a hair apart, each with a long name, on axes too small for either: a
    numbered placer writes a number by each crowded place and keeps its words in its notes,
    once (drawn again, nothing is numbered twice)."""
    from evacplan.plot._labels import _label_placer

    names = {"A long name for a post", "Another long name"}
    net = Network(
        name="crowd",
        places=[
            {"id": "a", "kind": "post", "lat": 0.0, "lon": 0.0, "name": "A long name for a post"},
            {
                "id": "b",
                "kind": "safe_haven",
                "lat": 0.0,
                "lon": 0.001,
                "name": "Another long name",
            },
        ],
        links=[{"source": "a", "target": "b", "minutes": 5, "capacity_per_hour": 10}],
    )
    fig, ax = plt.subplots(figsize=(1.6, 1.2))
    _label_placer(ax).numbered = True
    plot_network(net, ax=ax, colorbar=False, legend=False)
    fig.canvas.draw()
    placer = _label_placer(ax)
    notes = list(placer.notes)
    assert notes and [n for n, _ in notes] == [str(i + 1) for i in range(len(notes))]
    assert {words for _, words in notes} <= names
    shown = {t.get_text() for t in ax.texts}
    assert {n for n, _ in notes} <= shown and not {w for _, w in notes} & shown
    fig.canvas.draw()
    assert placer.notes == notes
