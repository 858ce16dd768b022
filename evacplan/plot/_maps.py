"""The maps themselves: a network's places and links, one risk scale for several, routes on top.

See :mod:`evacplan.plot` for what each draws and the ``gid`` of every artist;
labels are placed by :mod:`._labels`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from evacplan._time import duration
from evacplan.models import Link, Mode, Network, PlaceKind, Scenario, ThreatEvent
from evacplan.network import _network_and_threats, arc_schedules, arcs
from evacplan.plot._labels import _label, _label_placer

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize


# How each kind of place is drawn: marker, size (points^2), face colour, z-order.
_PLACE_STYLE: dict[PlaceKind, tuple[str, float, str, int]] = {
    PlaceKind.POST: ("*", 260, "#c1121f", 6),
    PlaceKind.SAFE_HAVEN: ("s", 90, "#2a9d8f", 5),
    PlaceKind.AIRPORT: ("^", 90, "#1d4e89", 5),
    PlaceKind.PORT: ("v", 90, "#1d4e89", 5),
    PlaceKind.BORDER: ("D", 60, "#f4a261", 5),
    PlaceKind.ASSEMBLY: ("P", 70, "#7b2cbf", 5),
    PlaceKind.RESIDENCE: ("o", 30, "#6c757d", 4),
    PlaceKind.WAYPOINT: (".", 60, "#343a40", 4),
}
_RADIUS = {kind: math.sqrt(style[1]) / 2 for kind, style in _PLACE_STYLE.items()}  # points
_RING = math.sqrt(260) / 2  # a gate's ring (a square 260 points^2), in points
_SMALL = (6.0, 5.0)  # the fonts of a gate's rate and a service's seats
_KIND_LABEL = {kind: kind.value.replace("_", " ") for kind in PlaceKind} | {
    PlaceKind.BORDER: "border crossing",
    PlaceKind.ASSEMBLY: "assembly area",
}
# Kinds whose names are written beside their marker when annotating.
_ANNOTATED = {
    PlaceKind.POST,
    PlaceKind.SAFE_HAVEN,
    PlaceKind.AIRPORT,
    PlaceKind.PORT,
    PlaceKind.BORDER,
}
_MODE_STYLE: dict[Mode, Any] = {
    Mode.ROAD: "-",
    Mode.WALK: "-",
    Mode.AIR: (0, (6, 3)),
    Mode.SEA: (0, (1, 2)),
}
_MODE_WIDTH = {Mode.ROAD: 2.0, Mode.WALK: 1.2, Mode.AIR: 1.4, Mode.SEA: 1.4}
_CLOSED_COLOUR = "#b0b0b0"
_CLOSED_STYLE: Any = ":"
_CMAP = "evacplan-risk"
"""Risk from none to the top of the scale: slate blue, sand, orange, dark red (no green on
the way: told apart with any colour vision, unlike red against green; Okabe and Ito's
orange in the middle)."""
_CMAP_COLOURS = ("#4F6D8C", "#D9C49A", "#E69F00", "#8B1A00")
_RISK_LABEL = "link risk per traversal"
_LOWEST_TOP = 0.05  # the least risk at the top of a colour scale


def _risk_cmap() -> Any:
    """The risk colour map (``_CMAP``), made on first use (matplotlib loads on call)."""
    from matplotlib.colors import LinearSegmentedColormap

    return LinearSegmentedColormap.from_list(_CMAP, _CMAP_COLOURS)


def place_positions(network: Network | Scenario) -> dict[str, tuple[float, float]]:
    """The ``(lon, lat)`` of every place that has both coordinates.

    Parameters
    ----------
    network
        A Network or a Scenario.

    Returns
    -------
    dict
        Place id to ``(x, y) = (lon, lat)``, the coordinates :func:`plot_network` draws in.
        Places missing either coordinate are left out.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> place_positions(load_scenario(seed_path("tiny")))["haven"]
    (42.0, 32.0)
    """
    net, _ = _network_and_threats(network, ())
    return {
        p.id: (float(p.lon), float(p.lat))
        for p in net.places
        if p.lat is not None and p.lon is not None
    }


def _link_states(
    net: Network, threats: list[ThreatEvent], minute: float | None
) -> dict[int, tuple[str, bool, float]]:
    """For each link index: its arc key, whether it is open, and its risk (at ``minute``).

    A link is open when either of its directions is, and carries the higher
    of its directions' risks. Without a minute, links are as written.
    """
    states: dict[int, tuple[str, bool, float]] = {}
    if minute is None:
        for arc in arcs(net):
            states.setdefault(arc.link, (arc.key, True, arc.risk))
        return states
    for schedule in arc_schedules(net, threats):
        is_open, risk = schedule.at(minute)
        arc = schedule.arc
        key, was_open, was_risk = states.get(arc.link, (arc.key, False, 0.0))
        states[arc.link] = (key, was_open or is_open, max(was_risk, risk))
    return states


def _highest_risk(net: Network, states: dict[int, Any], positions: dict[str, Any]) -> float:
    """The highest risk of an open link drawn (both ends placed), and at least ``_LOWEST_TOP``."""
    drawn = (i for i, k in enumerate(net.links) if {k.source, k.target} <= positions.keys())
    return max([_LOWEST_TOP, *(states[i][2] for i in drawn if states[i][1])])


def risk_scale(
    network_or_scenario: Network | Scenario,
    *,
    minutes: Sequence[float | None] = (None,),
    threat_sets: Sequence[Sequence[ThreatEvent] | None] = (None,),
) -> ScalarMappable:
    """One colour scale for link risk, shared by several maps of a network.

    :func:`plot_network` scales each map to its own riskiest link, so the same
    colour would mean different risks on two maps. Draw each with
    ``norm=scale.norm`` and ``colorbar=False`` instead, then add one colour
    bar for the figure with ``fig.colorbar(scale, ax=axes, label=...)``.

    Parameters
    ----------
    network_or_scenario
        A Network, or a Scenario.
    minutes
        The minutes the maps show, as :func:`plot_network`'s ``minute``
        (None: the links as written).
    threat_sets
        The threats the maps apply, as :func:`plot_network`'s ``threats``
        (None: a scenario's own).

    Returns
    -------
    matplotlib.cm.ScalarMappable
        The colour map links are drawn in, with a ``norm`` from 0 to the highest
        risk of an open link drawn at any of the ``minutes`` under any of the
        ``threat_sets`` (at least 0.05), as :func:`plot_network` would scale each.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from evacplan.io import load_scenario, seed_path
    >>> scenario = load_scenario(seed_path("tiny"))  # the airport road's risk: 0.1, 0.3 from 12h
    >>> scale = risk_scale(scenario, minutes=[0, 12 * 60])
    >>> scale.norm.vmin, scale.norm.vmax
    (0.0, 0.3)
    >>> fig, axes = plt.subplots(1, 2, layout="constrained")
    >>> for ax, minute in zip(axes, [0, 12 * 60]):
    ...     _ = plot_network(scenario, ax=ax, minute=minute, norm=scale.norm, colorbar=False)
    >>> bar = fig.colorbar(scale, ax=axes, shrink=0.7, label="link risk per traversal")
    >>> len(fig.axes)  # two maps, one colour bar
    3
    >>> plt.close(fig)
    """
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    tops = []
    for threats in threat_sets:
        net, events = _network_and_threats(network_or_scenario, threats)
        positions = place_positions(net)
        tops += [_highest_risk(net, _link_states(net, events, m), positions) for m in minutes]
    norm = Normalize(vmin=0.0, vmax=max(tops, default=_LOWEST_TOP))
    return ScalarMappable(norm=norm, cmap=_risk_cmap())


def plot_network(
    network_or_scenario: Network | Scenario,
    *,
    ax: Axes | None = None,
    minute: float | None = None,
    threats: Sequence[ThreatEvent] | None = None,
    annotate: bool = True,
    risk_max: float | None = None,
    norm: Normalize | None = None,
    colorbar: bool = True,
    legend: bool = True,
) -> Axes:
    """Draw places and links on a longitude/latitude plot, links coloured by risk.

    Each place with coordinates gets a marker by kind (posts, safe havens,
    airports, ports, border crossings, assembly areas, residences,
    waypoints). Each link whose two ends have coordinates is one straight
    line, coloured by its risk on a colour bar; air links are dashed, sea
    links dotted. With ``minute``, link windows and threats apply: risks are
    those in force then, and links closed then are drawn grey and dotted.
    Places with a ``throughput_per_hour`` get a purple square ring (and
    their rate, with ``annotate``); a scheduled service is labelled with its
    departures and seats.
    Places without coordinates, and links that touch them, are skipped and
    counted in the legend; they never cause an error.

    Parameters
    ----------
    network_or_scenario
        A Network, or a Scenario (whose threats apply unless ``threats`` is given).
    ax
        Axes to draw on; a new figure is made when None.
    minute
        Minutes from the start at which to show the network. None shows the
        links as written: base risks, every link open.
    threats
        Threat events to apply instead of the scenario's (only with ``minute``).
    annotate
        Write the names of posts, safe havens, airports, ports and border
        crossings, clear of each other (see the module's notes).
    risk_max
        The risk at the top of the colour scale (from 0); by default the
        highest risk drawn (at least 0.05). Risks above it take the top colour.
    norm
        The colour scale itself, a :class:`matplotlib.colors.Normalize`
        (not with ``risk_max``): to draw several maps on one scale, give each
        the ``norm`` of one :func:`risk_scale`, and the figure one colour bar.
    colorbar, legend
        Whether to add the risk colour bar (beside these axes) and the legend.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn on. Link lines are in ``ax.lines`` with ``gid``
        ``"link:<key>"``; place markers are in ``ax.collections`` with ``gid``
        ``"places:<kind>"``.

    Raises
    ------
    TypeError
        If ``network_or_scenario`` is neither a Network nor a Scenario.
    ValueError
        If both ``risk_max`` and ``norm`` are given.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> from evacplan.io import load_scenario, seed_path
    >>> scenario = load_scenario(seed_path("tiny"))
    >>> ax = plot_network(scenario, minute=48 * 60)    # the airport has closed by now
    >>> len(ax.lines)                                  # one line per link
    5
    >>> sorted(line.get_gid() for line in ax.lines if line.get_linestyle() == ":")
    ['link:airport-road', 'link:flight']
    >>> [text.get_gid() for text in ax.texts]
    ['label:embassy', 'label:haven', 'label:airport', 'label:border']
    >>> plt.close(ax.figure)
    """
    import matplotlib.pyplot as plt
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize

    if norm is not None and risk_max is not None:
        raise ValueError("give plot_network risk_max or norm, not both")
    net, events = _network_and_threats(network_or_scenario, threats)
    positions = place_positions(net)
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 7), layout="constrained")
    states = _link_states(net, events, minute)
    drawn = [(i, k) for i, k in enumerate(net.links) if {k.source, k.target} <= positions.keys()]
    if norm is None:
        top = risk_max if risk_max is not None else _highest_risk(net, states, positions)
        norm = Normalize(vmin=0.0, vmax=top)
    cmap = _risk_cmap()
    drawing = _Drawing(ax, net, positions, states, drawn, annotate)

    _draw_links(drawing, cmap, norm)  # links first, so markers sit on top
    placer = _label_placer(ax)
    if annotate:  # scheduled services: how often and how many seats
        _service_labels(ax, net, drawn, states, positions)
    handles = _draw_places(drawing, placer)
    handles += _draw_gates(drawing)
    handles += _link_keys(drawing)
    _frame(drawing, minute)
    if colorbar and drawn:
        mappable = ScalarMappable(norm=norm, cmap=cmap)
        ax.figure.colorbar(mappable, ax=ax, shrink=0.7, label=_RISK_LABEL)
    if legend and handles:
        ax.legend(handles=handles, loc="best", fontsize=7, framealpha=0.85)
    return ax


@dataclass(slots=True)
class _Drawing:
    """What the parts of :func:`plot_network` share.

    The axes, the network, where its places are (``positions``), each link's
    (key, open, risk) (``states``), the (index, link) of the links drawn
    (``drawn``: both ends placed), and whether to write labels.
    """

    ax: Axes
    net: Network
    positions: dict[str, tuple[float, float]]
    states: dict[int, tuple[str, bool, float]]
    drawn: list[tuple[int, Link]]
    annotate: bool


def _draw_links(drawing: _Drawing, cmap: Any, norm: Normalize) -> None:
    """One straight line per link drawn: open links by risk and mode, closed ones grey."""
    ax, states, positions = drawing.ax, drawing.states, drawing.positions
    # The riskiest open links drawn last, on top.
    order = sorted(drawing.drawn, key=lambda item: (states[item[0]][1], states[item[0]][2]))
    for i, link in order:
        key, is_open, risk = states[i]
        xs, ys = _shape(link, positions)
        colour: Any
        if is_open:
            colour, style, alpha, z = cmap(norm(risk)), _MODE_STYLE[link.mode], 0.95, 2
        else:
            colour, style, alpha, z = _CLOSED_COLOUR, _CLOSED_STYLE, 0.8, 1
        width, gid = _MODE_WIDTH[link.mode], f"link:{key}"
        (line,) = ax.plot(xs, ys, color=colour, linestyle=style, linewidth=width)
        line.set(alpha=alpha, zorder=z, gid=gid, label=f"_{gid}")


def _shape(
    link: Link, positions: dict[str, tuple[float, float]]
) -> tuple[list[float], list[float]]:
    """The link's line, source to target: its road's shape where it has one, else straight."""
    if link.geometry:
        return [x for x, _ in link.geometry], [y for _, y in link.geometry]
    (x0, y0), (x1, y1) = positions[link.source], positions[link.target]
    return [x0, x1], [y0, y1]


def _draw_places(drawing: _Drawing, placer: Any) -> list[Any]:
    """A marker per place by kind (names beside some); returns the legend's handles.

    Every marker is told to the label ``placer``, so that no label covers it.
    """
    from matplotlib.lines import Line2D

    ax, net, positions, annotate = drawing.ax, drawing.net, drawing.positions, drawing.annotate
    handles: list[Any] = []
    ringed = {p.id for p in net.places if p.throughput_per_hour and p.id in positions}
    for kind, (marker, size, colour, z) in _PLACE_STYLE.items():
        places = [
            p
            for p in net.places
            if p.kind == kind and p.id in positions and p.id not in net.junctions
        ]  # (a road junction read from OpenStreetMap: the roads draw it)
        if not places:
            continue
        radius = {
            p.id: max(_RADIUS[kind], _RING) if p.id in ringed else _RADIUS[kind] for p in places
        }
        placer.points += [(p.id, positions[p.id], radius[p.id]) for p in places]
        xs, ys = zip(*(positions[p.id] for p in places), strict=True)
        edges = [
            "#2a9d8f" if p.is_safe and kind != PlaceKind.SAFE_HAVEN else "black" for p in places
        ]
        dots = ax.scatter(xs, ys, s=size, marker=marker, c=colour, edgecolors=edges, zorder=z)
        dots.set(linewidths=0.8, gid=f"places:{kind.value}", label=f"_places:{kind.value}")
        handle = Line2D([], [], linestyle="none", marker=marker, markersize=8, mfc=colour)
        handle.set(markeredgecolor="black", label=_KIND_LABEL[kind])
        handles.append(handle)
        for p in places if annotate else ():
            if kind in _ANNOTATED or p.is_safe:
                name, gid = _short_name(p.name or p.id), f"label:{p.id}"
                _label(ax, name, p.id, positions[p.id], radius[p.id], gid)
    return handles


def _draw_gates(drawing: _Drawing) -> list[Any]:
    """A ring round each place that lets only so many through an hour (and its rate).

    Returns the legend's handle, if any place has such a limit.
    """
    from matplotlib.lines import Line2D

    ax, positions = drawing.ax, drawing.positions
    gates = [p for p in drawing.net.places if p.throughput_per_hour and p.id in positions]
    if not gates:
        return []
    xs, ys = zip(*(positions[p.id] for p in gates), strict=True)
    ring = ax.scatter(xs, ys, s=260, marker="s", facecolors="none", edgecolors="#7b3294")
    ring.set(linewidths=1.4, zorder=5, gid="gates", label="_gates")
    handle = Line2D([], [], linestyle="none", marker="s", markersize=10, mfc="none")
    handle.set(markeredgecolor="#7b3294", label="throughput limit")
    for p in gates if drawing.annotate else ():
        words, gid = f"{p.throughput_per_hour:g}/h", f"gate:{p.id}"
        _label(ax, words, p.id, positions[p.id], _RING, gid, fonts=_SMALL, rank=3, color="#7b3294")
    return [handle]


def _link_keys(drawing: _Drawing) -> list[Any]:
    """The legend's entries for air, sea and closed links, and for what was not drawn."""
    from matplotlib.lines import Line2D

    net, drawn = drawing.net, drawing.drawn
    handles: list[Any] = []
    modes = {link.mode for _, link in drawn}
    for mode, label in ((Mode.AIR, "air link"), (Mode.SEA, "sea link")):
        if mode in modes:
            handles.append(Line2D([], [], color="black", linestyle=_MODE_STYLE[mode], label=label))
    if any(not drawing.states[i][1] for i, _ in drawn):
        handles.append(
            Line2D([], [], color=_CLOSED_COLOUR, linestyle=_CLOSED_STYLE, label="closed link")
        )
    missing = len(net.places) - len(drawing.positions)
    skipped = len(net.links) - len(drawn)
    if missing:
        note = f"{missing} place{'s' if missing != 1 else ''} without coordinates not drawn"
        if skipped:
            note += f" ({skipped} link{'s' if skipped != 1 else ''} skipped)"
        handles.append(Line2D([], [], linestyle="none", label=note))
    return handles


def _frame(drawing: _Drawing, minute: float | None) -> None:
    """The map's proportions, axis labels and title (with the minute shown)."""
    ax, positions = drawing.ax, drawing.positions
    if positions:
        mean_lat = sum(y for _, y in positions.values()) / len(positions)
        # Keep a degree of longitude shorter than one of latitude, as on the ground.
        ax.set_aspect(1.0 / max(math.cos(math.radians(mean_lat)), 0.1), adjustable="box")
    else:
        note = "no place has coordinates"
        ax.text(0.5, 0.5, note, transform=ax.transAxes, ha="center", va="center", color="grey")
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    title = drawing.net.name or "network"
    if minute is not None:
        title += f" at {_hours(minute)}"
    ax.set_title(title)
    if any(p.osm_id is not None for p in drawing.net.places):  # the ODbL's credit
        ax.text(
            0.99,
            0.01,
            "Roads © OpenStreetMap contributors",
            transform=ax.transAxes,
            ha="right",
            va="bottom",
            fontsize=7,
            color="#444444",
            gid="osm-credit",
        )


def _service_labels(
    ax: Axes, net: Network, drawn: list[Any], states: dict[int, Any], positions: dict[str, Any]
) -> None:
    """Label each pair of places that scheduled services join, once by its links' middle:
    ``"20 × 130 seats"`` (departures × seats), or for several services the sums."""
    pairs: dict[frozenset[str], list[Any]] = {}
    for i, link in drawn:
        if net.departures(link):
            pairs.setdefault(frozenset((link.source, link.target)), []).append((i, link))
    for links in pairs.values():
        i, first = links[0]
        times = [len(net.departures(link)) for _, link in links]
        seats = sum(n * (link.seats or 0) for n, (_, link) in zip(times, links, strict=True))
        words = f"{times[0]} × {first.seats} seats"
        if len(links) > 1:
            words = f"{len(links)} services: {sum(times)} departures, {seats:,} seats"
        (x0, y0), (x1, y1) = positions[first.source], positions[first.target]
        key = states[i][0]
        middle = ((x0 + x1) / 2, (y0 + y1) / 2)
        gid = f"service:{key}"
        _label(ax, words, gid, middle, 1.0, gid, fonts=_SMALL, rank=4, color="#444444")


def _short_name(name: str) -> str:
    """A place's name without its parenthetical, for a map label.

    Examples
    --------
    >>> _short_name("British Embassy Baghdad (International Zone)")
    'British Embassy Baghdad'
    """
    return name.split(" (", 1)[0].strip() or name


def _hours(minute: float) -> str:
    """``"+12 h"``, ``"+3 d 7 h 20"``: a minute offset for a title or a label, as a planner
    says a span (:func:`evacplan._time.duration`).

    Examples
    --------
    >>> _hours(0), _hours(720), _hours(90), _hours(45), _hours(0.5), _hours(11670)
    ('+0 min', '+12 h', '+1 h 30', '+45 min', '+0.5 min', '+8 d 2 h 30')
    """
    return "+" + duration(minute)
