"""The report's pictures: matplotlib figures as inline SVG strings for one HTML page.

:func:`svg` makes a figure an ``<svg>`` element to inline (text as text, ids
prefixed, nothing fetched); the charts use it: :func:`arrivals_svg` (people safe
over time), :func:`map_svg` (:mod:`evacplan.plot`'s map with routes, closed and
highlighted links, its labels clear of each other: a crowded one becomes a number
in a key under the map) and ``_timeline``'s Gantt chart, which shares the axes and
words here. ``_page`` puts the strings in the templates. Figures are ``Figure``
objects, never pyplot's, so rendering never touches the user's backend; colours
are Okabe and Ito's colour-blind-safe palette.
"""

from __future__ import annotations

import html
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

import networkx as nx
from matplotlib import rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.textpath import text_to_path
from matplotlib.ticker import FuncFormatter, MaxNLocator
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

from evacplan._time import duration
from evacplan.models import Link, Network, PlaceKind, Scenario, ThreatEvent
from evacplan.network import _network_and_threats
from evacplan.plot import plot_network, plot_routes
from evacplan.plot._labels import _label, _label_placer

# Okabe and Ito's palette (with #56B4E9, #F0E442, #CC79A7 below).
BLACK, ORANGE, GREEN, BLUE, VERMILLION = "#000000", "#E69F00", "#009E73", "#0072B2", "#D55E00"
_RC: Any = {  # text as text, reproducible ids, a short list of fonts in every <text>
    "svg.fonttype": "none",
    "svg.hashsalt": "evacplan-report",
    "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
    "font.size": 8.5,
    "axes.titlesize": 10,
    "legend.fontsize": 7.5,
}
_PREFIX = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")
_HALO = 'stroke="#ffffff" stroke-width="2.5" stroke-opacity="0.8" paint-order="stroke"'
_QUICKEST = "quickest possible (no congestion)"
# map_svg's marked links: colour, width, dashes.
_MARKS: Any = {"closed": (BLACK, 2.2, (0, (4, 2))), "highlighted": (VERMILLION, 5.0, "-")}


def svg(fig: Figure, *, title: str, prefix: str) -> str:
    """A figure as an inline ``<svg>`` element for an HTML page.

    Text stays text (``svg.fonttype: none``), ids come from a fixed hash salt
    (the same figure, the same string); no XML declaration, DOCTYPE or
    ``<metadata>``. The root has ``role="img"``, a ``<title>`` it is labelled by,
    ``width="100%"`` and its ``viewBox``. Every ``id`` and reference to one
    (``url(#…)``, ``href="#…"``) starts with ``prefix``; no ``href`` leaves the
    document. A label's white halo (a path effect) becomes an SVG stroke. Text
    is drawn as written: ``$…$`` is not read as mathematics.

    Parameters
    ----------
    fig
        A matplotlib Figure (made with ``Figure()``: nothing to close).
    title
        What the picture shows, in words (escaped here).
    prefix
        Put before every id: a letter or ``_``, then letters, digits or ``_.-``.

    Returns
    -------
    str
        The ``<svg …>…</svg>`` element.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> out = svg(fig, title="A <line>", prefix="x-")
    >>> out.startswith("<svg"), '<title id="x-title">A &lt;line&gt;</title>' in out
    (True, True)
    """
    if not _PREFIX.match(prefix):
        raise ValueError(f"an SVG id prefix must match {_PREFIX.pattern!r}, got {prefix!r}")
    haloed: dict[str, tuple[Any, Any, Any]] = {}  # gid: (text, its path effects, its own gid)
    for i, text in enumerate(fig.findobj(Text)):
        text.set_parse_math(False)  # as written: names are input, "$" no mathematics
        if not text.get_path_effects():
            continue
        gid = text.get_gid() or f"halo_{i}"
        haloed[gid] = (text, text.get_path_effects(), text.get_gid())
        text.set(path_effects=[], gid=gid)  # with path effects, text is drawn as paths
    for artist in fig.findobj(lambda a: a.get_rasterized()):
        artist.set_rasterized(False)  # a colour bar's gradient: vectors, not an embedded PNG
    buf = io.StringIO()
    try:
        with rc_context(_RC):
            fig.savefig(buf, format="svg", bbox_inches="tight", pad_inches=0.05)
    finally:
        for text, effects, gid in haloed.values():
            text.set(path_effects=effects, gid=gid)
    out = buf.getvalue()
    out = re.sub(r"\s*<metadata>.*?</metadata>", "", out[out.index("<svg") :], count=1, flags=re.S)
    # matplotlib's "*{...}" style would reach the whole page: the root carries it instead.
    out = re.sub(r'\s*<defs>\s*<style type="text/css">[^<]*</style>\s*</defs>', "", out, count=1)
    if haloed:
        names = "|".join(re.escape(html.escape(gid, quote=False)) for gid in haloed)
        halo = lambda m: m[1] + m[2].replace("<text ", f"<text {_HALO} ")  # noqa: E731
        out = re.sub(rf'(<g id="(?:{names})">)(.*?</g>)', halo, out, flags=re.S)
    out = re.sub(r"<[^>]+>", lambda m: _prefixed(m[0], prefix), out)
    root = re.match(r"<svg\b([^>]*)>", out)
    assert root is not None  # matplotlib always writes one
    attributes = re.sub(r'\s(?:width|height)="[^"]*"', "", root[1])
    return (
        f'<svg{attributes} width="100%" style="height:auto" role="img"'
        f' aria-labelledby="{prefix}title" stroke-linejoin="round" stroke-linecap="butt">'
        f'\n <title id="{prefix}title">{html.escape(title)}</title>{out[root.end() :].rstrip()}\n'
    )


def _prefixed(tag: str, prefix: str) -> str:
    """One tag with its ids and references to ids prefixed, and links out of it cut."""
    tag = re.sub(r'(\sid=")', rf"\g<1>{prefix}", tag)
    tag = tag.replace("url(#", f"url(#{prefix}").replace('href="#', f'href="#{prefix}')
    return re.sub(r'(href|src)="(?!#|data:)[^"]*"', r'\1="#"', tag)


def _short(text: str, longest: int = 28) -> str:
    """``text`` on one line, cut to ``longest`` characters with "…"."""
    text = " ".join(text.split())
    return text if len(text) <= longest else text[: longest - 1].rstrip() + "…"


def _width(text: str, size: float) -> float:
    """The width of ``text`` in points at ``size`` points, in the report's font."""
    with rc_context(_RC):
        prop = FontProperties(size=size)
        return float(text_to_path.get_text_width_height_descent(text, prop, ismath=False)[0])


def _offset(minute: float) -> str:
    """``"+12 h"``, ``"+1 h 30 min"``, ``"+25 min"``: minutes from the start, for labels."""
    sign, (hours, rest) = "-" if minute < 0 else "+", divmod(round(abs(minute)), 60)
    if not rest:
        return f"{sign}{hours} h"
    return f"{sign}{hours} h {rest} min" if hours else f"{sign}{rest} min"


def _time_axis(ax: Axes, lo: float, hi: float, clock: Callable[[float], str] | None) -> None:
    """The x axis in hours, ``lo`` to ``hi``, with a grid; on top, ``clock``'s time at some ticks.

    ``"Fri 3 Jan 12:00 +03:00"`` is written date over time, an offset all share once.
    """
    steps = (1 / 12, 1 / 6, 0.25, 0.5, 1, 2, 3, 6, 12, 24, 48, 72, 96, 168, 336, 720)
    step = next((s for s in steps if (hi - lo) / s <= 12), steps[-1])
    ticks = [k * step for k in range(math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9) + 1)]
    ax.set(xlim=(lo, hi), xlabel="hours from the start")
    ax.set_xticks(ticks, labels=[_offset(t * 60) for t in ticks])
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    if clock is None:
        return
    shown = ticks[:: max(1, math.ceil(len(ticks) / 7))]
    words = [clock(t * 60).split() for t in shown]
    ends = {w[-1] if len(w) > 1 and w[-1][:1] in "+-" else "" for w in words}
    common = ends.pop() if len(ends) == 1 else ""
    words = [w[:-1] if common else w for w in words]
    top = ax.secondary_xaxis("top")
    top.set_xticks(shown, labels=[" ".join(w[:-1]) + "\n" + w[-1] if w else "" for w in words])
    top.tick_params(labelsize=7, length=3)
    top.set_xlabel(f"local time ({common})" if common else "local time", fontsize=7.5)


def _marks(
    ax: Axes,
    marks: Sequence[tuple[float | None, str, str, str]],
    clock: Callable[[float], str] | None,
) -> None:
    """Vertical lines at minutes (those not None), each labelled with its words and time:
    ``(minute, words, colour, dash)``."""
    for minute, words, colour, dash in marks:
        if minute is not None:
            when = _offset(minute) + (f" ({clock(minute)})" if clock else "")
            ax.axvline(minute / 60, color=colour, ls=dash, lw=1.8, label=f"{words} {when}")


def arrivals_svg(
    curve: Sequence[tuple[float, int]],
    *,
    quickest: Sequence[tuple[float, int]] | None = None,
    bound: float | None = None,
    deadline: float | None = None,
    clock: Callable[[float], str] | None = None,
    prefix: str = "ar-",
    title: str = "People safe over time",
) -> str:
    """People safe against time, as inline SVG.

    The plan's cumulative count is a solid step line, the quickest possible (no
    congestion) a dashed one; the proven bound and the deadline vertical lines.

    Parameters
    ----------
    curve, quickest
        ``(minute, people safe so far)`` in time order: ``EvacuationPlan.arrival_curve``
        and ``quickest_curve()`` (or None).
    bound, deadline
        Minutes from the start (None: no line).
    clock, prefix, title
        As :func:`timeline_svg`'s.

    Returns
    -------
    str
        The ``<svg>`` element, 8 by 3.6 inches.

    Examples
    --------
    >>> out = arrivals_svg([(60, 4), (150, 10)], quickest=[(50, 6), (90, 10)], bound=120)
    >>> out.startswith("<svg"), "quickest possible (no congestion)" in out
    (True, True)
    """
    curves = [list(curve), list(quickest or ())]
    xs = [m / 60 for points in curves for m, _ in points]
    xs += [m / 60 for m in (bound, deadline) if m is not None]
    lo, hi = min([0.0, *xs]), max([1.0, *xs])
    hi += 0.06 * (hi - lo)
    with rc_context(_RC):
        fig = Figure(figsize=(8, 3.6), layout="constrained")
        ax = fig.add_subplot()
        styles = [("this plan", BLUE, "-", 2.0, 3), (_QUICKEST, ORANGE, "--", 1.6, 2.5)]
        for points, (name, colour, dash, lw, z) in zip(curves, styles, strict=True):
            if points:
                steps = [(lo, 0)] if points[0][0] / 60 > lo else []
                steps += [(m / 60, n) for m, n in points] + [(hi, points[-1][1])]
                xs_, ys_ = zip(*steps, strict=True)
                ax.step(xs_, ys_, where="post", color=colour, ls=dash, lw=lw, label=name, zorder=z)
        if curves[0]:
            total = curves[0][-1][1]
            last = next(m for m, n in curves[0] if n == total)
            words = f"{total:,} safe by +{duration(last)}"  # (as the page says spans)
            ax.annotate(words, (last / 60, total), (4, 5), textcoords="offset points")
            ax.set_ylim(0, max([total, 1, *(n for _, n in curves[1])]) * 1.15)
        else:
            ax.text(0.5, 0.5, "nobody reaches safety", transform=ax.transAxes, ha="center")
        _marks(
            ax,
            [
                (bound, "proven: not everyone can be out before", GREEN, ":"),
                (deadline, "deadline", VERMILLION, "-."),
            ],
            clock,
        )
        _time_axis(ax, lo, hi, clock)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("people safe (cumulative)")
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(loc="lower right", framealpha=0.9)
        return svg(fig, title=title, prefix=prefix)


def map_svg(
    network: Network | Scenario,
    *,
    plan: Any | None = None,
    minute: float | None = None,
    threats: Sequence[ThreatEvent] | None = None,
    closed: Mapping[str, str] | None = None,
    highlight: Mapping[str, str] | None = None,
    extent: tuple[float, float, float, float] | None = None,
    close_up: tuple[float, float, float, float] | None = None,
    title: str = "",
    prefix: str = "map-",
) -> str:
    """The network (and a plan's routes) on a map, as inline SVG.

    :func:`evacplan.plot.plot_network` draws places and links coloured by risk,
    :func:`evacplan.plot.plot_routes` the plan's routes on top. Closed links are
    black and dashed, highlighted ones thick and vermillion, each with its text
    by its middle; a km scale bar sits above the top right corner. If a place
    lacks coordinates, networkx lays out the missing ones (seeded; known ones
    fixed when there are two or more): "schematic: not to scale", no scale bar.
    Labels are placed clear of each other, of markers and of the map's edges
    (:mod:`evacplan.plot`); one that finds no room becomes a number, and a key
    under the map gives its words.

    Parameters
    ----------
    network
        A Network, or a Scenario (whose threats apply unless ``threats`` is given).
    plan
        An evacuation plan (anything with ``movements``), or None.
    minute, threats
        As :func:`~evacplan.plot.plot_network`'s.
    closed, highlight
        Link id (or label) to a note (``"closed from Sat 4 Jan 06:00"``) or a label
        (``"#1 strands 12"``); an unknown link raises ValueError.
    extent
        ``(west, east, south, north)`` in degrees: a close-up (labels outside are clipped).
    close_up
        ``(west, east, south, north)``: an area another map draws closer, outlined here
        ("close-up below"); its labels are left to that map, but for posts' names.
    title, prefix
        The map's title (by default the network's name); as :func:`svg`'s.

    Returns
    -------
    str
        The ``<svg>`` element, 8 inches wide, as tall as the map's shape needs.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> out = map_svg(load_scenario(seed_path("tiny")), closed={"flight": "closed from +48 h"})
    >>> out.startswith("<svg"), "closed from +48 h" in out, " km</text>" in out
    (True, True, True)
    """
    net, events = _network_and_threats(network, threats)
    marks = _link_marks(net, closed, highlight)
    net, schematic = _laid_out(net)
    with rc_context(_RC):
        fig = Figure(figsize=(8, 6), layout="constrained")
        ax = fig.add_subplot()
        _label_placer(ax).numbered = True  # a crowded label: a number, its words in a key
        plot_network(net, ax=ax, minute=minute, threats=events)
        if plan is not None:
            plot_routes(plan, net, ax=ax)
        for mark in marks:
            _mark(ax, net, mark.link, mark.key, mark.note, mark.kind)
        if close_up is not None and not schematic:
            _outline(ax, net, close_up)
        ax.set(title=title or ax.get_title(), xlabel="", ylabel="", anchor="E")
        _frame(ax, extent if not schematic else None)
        _map_axes(ax, net, schematic)
        entries = _legend_below(ax, {mark.kind for mark in marks}, schematic)
        height = _map_height(ax, entries)
        fig.set_size_inches(8, height)
        title = title or f"Map of {net.name or 'the network'}"
        return _svg_with_key(fig, ax, height, title=title, prefix=prefix)


class _LinkMark(NamedTuple):
    """A link for :func:`map_svg` to mark: its kind (a key of ``_MARKS``), key and note."""

    kind: str
    key: str
    note: str
    link: Link


def _link_marks(
    net: Network, closed: Mapping[str, str] | None, highlight: Mapping[str, str] | None
) -> list[_LinkMark]:
    """The closed links, then the highlighted ones, found by id or label.

    Raises ValueError naming every key that is no link of ``net``.
    """
    links = {**{k.label: k for k in net.links}, **{k.id: k for k in net.links if k.id}}
    unknown = [key for key in [*(closed or {}), *(highlight or {})] if key not in links]
    if unknown:
        raise ValueError(f"no link {', '.join(map(repr, unknown))} in the network")
    marks = [_LinkMark("closed", k, note, links[k]) for k, note in (closed or {}).items()]
    marks += [_LinkMark("highlighted", k, note, links[k]) for k, note in (highlight or {}).items()]
    return marks


def _frame(ax: Axes, extent: tuple[float, float, float, float] | None) -> None:
    """Close in on ``extent`` (if any), clipping labels; keep labels out of the layout."""
    if extent is not None:
        ax.set(xlim=extent[:2], ylim=extent[2:])
        for text in ax.texts:
            text.set_clip_on(True)
    for text in ax.texts:  # the placer keeps labels inside the map when drawing them
        text.set_in_layout(False)


def _map_axes(ax: Axes, net: Network, schematic: bool) -> None:
    """Axes in degrees east and north with a scale bar, or, if schematic, none and a note."""
    if schematic:
        ax.set(xticks=[], yticks=[])
        note = "schematic: not to scale"
        ax.text(0.01, 0.01, note, transform=ax.transAxes, color="#555555", gid="schematic")
    else:  # degrees east and north
        for axis, sides in ((ax.xaxis, "EW"), (ax.yaxis, "NS")):
            degrees = FuncFormatter(lambda v, _, s=sides: f"{abs(v):g}°{s[int(v < 0)]}")
            axis.set_major_formatter(degrees)
        if len({(p.lon, p.lat) for p in net.places}) > 1:
            _scale_bar(ax)


def _legend_below(ax: Axes, used: set[str], schematic: bool) -> int:
    """Move the legend under the map (clear of it), with entries for the ``used`` kinds of
    marked link; return how many entries it has."""
    old = ax.get_legend()
    new = [Line2D([], [], color=c, ls=d, lw=w, label=k) for k, (c, w, d) in _MARKS.items()]
    handles = [*(old.legend_handles if old else []), *(h for h in new if h.get_label() in used)]
    if old is not None:
        old.remove()
    if handles:  # below the map's tick labels
        pad = 0.8 if schematic else 2.4
        below = {"bbox_to_anchor": (0.5, 0), "ncol": 4, "frameon": False, "fontsize": 7}
        ax.legend(handles=[h for h in handles if h], loc="upper center", borderaxespad=pad, **below)
    return len(handles)


def _map_height(ax: Axes, entries: int) -> float:
    """The figure's height in inches: as tall as the map's shape needs beside its colour bar
    (about 6.3 inches wide), with the legend's ``entries`` four to a row."""
    shape = float(ax.get_aspect()) * ax.get_data_ratio() if ax.get_aspect() != "auto" else 0.75
    return min(max(6.3 * shape + 0.3 + 0.17 * math.ceil(entries / 4), 3.5), 9.5)


def _svg_with_key(fig: Figure, ax: Axes, height: float, *, title: str, prefix: str) -> str:
    """The map as :func:`svg`, with a key under it giving the words of labels drawn as numbers.

    Drawing places the labels, so the figure is drawn again (up to three more times) until
    the key's numbers stop changing; each key line adds to ``height``.
    """
    placer, keyed = _label_placer(ax), 0
    out = svg(fig, title=title, prefix=prefix)  # drawing it places the labels
    for _ in range(3):  # numbers for crowded labels, their words in a key under the map
        if len(placer.notes) == keyed:
            break
        keyed = len(placer.notes)
        for old_key in fig.legends:
            old_key.remove()
        entries = [Line2D([], [], ls="none", label=f"{n}: {w}") for n, w in placer.notes]
        fig.legend(
            handles=entries,
            loc="outside lower center",
            frameon=False,
            ncol=2,
            handlelength=0,
            handletextpad=0,
            fontsize=7,
        )
        fig.set_size_inches(8, height + 0.17 * math.ceil(keyed / 2) + 0.15)
        out = svg(fig, title=title, prefix=prefix)
    return out


def _mark(ax: Axes, net: Network, link: Link, key: str, note: str, kind: str) -> None:
    """Draw a closed or highlighted link (``kind``, a key of ``_MARKS``) and its note."""
    ends = [net.place_by_id[link.source], net.place_by_id[link.target]]
    xs, ys = [float(p.lon or 0) for p in ends], [float(p.lat or 0) for p in ends]
    colour, width, dash = _MARKS[kind]
    (line,) = ax.plot(xs, ys, color=colour, ls=dash, lw=width, gid=f"{kind}:{key}", alpha=0.9)
    line.set(zorder=3.4 if kind == "highlighted" else 3.2, solid_capstyle="round")
    middle, gid = (sum(xs) / 2, sum(ys) / 2), f"{kind}-label:{key}"
    along = [
        (xs[0] + (xs[1] - xs[0]) * t / 40, ys[0] + (ys[1] - ys[0]) * t / 40) for t in range(41)
    ]
    _label_placer(ax).points += [
        (f"{kind}-line:{key}", xy, width / 2) for xy in along
    ]  # kept clear
    if note:  # (links closed together are noted once)
        _label(ax, _short(note, 40), f"{kind}:{key}", middle, 3.0, gid, rank=2, color=colour)


def _outline(ax: Axes, net: Network, area: tuple[float, float, float, float]) -> None:
    """Outline ``area`` (drawn closer below) and hide the labels in it, but posts' names."""
    west, east, south, north = area
    posts = {f"label:{p.id}" for p in net.places if p.kind == PlaceKind.POST}
    for text in ax.texts:
        x, y = getattr(text, "xy", (math.nan, math.nan))
        if west <= x <= east and south <= y <= north and text.get_gid() not in posts:
            text.set_visible(False)
    box = Rectangle((west, south), east - west, north - south, fill=False, zorder=6, lw=0.9)
    ax.add_patch(box).set(edgecolor="#444444", linestyle="--", gid="close-up")
    _label_placer(ax).points += [("close-up", (x, y), 1.0) for x in area[:2] for y in area[2:]]
    _label(ax, "close-up below", "close-up", (east, north), 1.0, "close-up-label", color="#444444")


def _scale_bar(ax: Axes) -> None:
    """A scale bar in km, about a fifth of the map's width, above it (hiding nothing) at right."""
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    km = 111.32 * math.cos(math.radians((y0 + y1) / 2))  # in a degree of longitude
    rough = (x1 - x0) * km / 5
    if rough > 0:  # the largest 1, 2 or 5 times a power of ten up to it
        power = 10 ** math.floor(math.log10(rough))
        length = max(s * power for s in (1, 2, 5) if s * power <= rough * (1 + 1e-9))
        style = {"frameon": False, "borderpad": 0, "fontproperties": FontProperties(size=7.5)}
        corner = {"bbox_to_anchor": (1, 1.01), "bbox_transform": ax.transAxes}
        words = f"{length:g} km"
        bar = AnchoredSizeBar(ax.transData, length / km, words, "lower right", **style, **corner)
        ax.add_artist(bar)


def _laid_out(net: Network) -> tuple[Network, bool]:
    """``net`` with a position for every place, and whether any had to be made up.

    With two or more known, each other place goes to its neighbours' middle (a harmonic layout),
    then a short seeded spring layout; with fewer, Kamada-Kawai lays out all in a unit box
    (a seeded spring layout past 200 places, where all pairs' distances cost seconds).
    """
    known: dict[str, Any] = {
        p.id: (p.lon, p.lat) for p in net.places if p.lat is not None and p.lon is not None
    }
    if len(known) == len(net.places):
        return net, False
    graph = nx.Graph([(link.source, link.target) for link in net.links])
    graph.add_nodes_from(p.id for p in net.places)
    fixed = list(known) if len(known) >= 2 else []
    if not fixed:  # nothing to keep: Kamada-Kawai (all pairs' distances: small networks only)
        small = 2 < len(graph) <= 200
        known = nx.kamada_kawai_layout(graph) if small else nx.spring_layout(graph, seed=7)
    xs, ys = zip(*known.values(), strict=True)
    x0, y0 = min(xs), min(ys)
    span = max(max(xs) - x0, max(ys) - y0) or 1.0
    start = {k: ((x - x0) / span, (y - y0) / span) for k, (x, y) in known.items()}
    free = [p for p in graph if p not in start]
    for n, place in enumerate(free):  # a little apart, mid-box ...
        start[place] = (0.5 + 0.05 * math.cos(n * 2.4), 0.5 + 0.05 * math.sin(n * 2.4))
    for place in [p for _ in range(30) for p in free]:  # ... at their neighbours' middle
        near = [start[v] for v in graph[place]] or [start[place]]
        start[place] = (sum(x for x, _ in near) / len(near), sum(y for _, y in near) / len(near))
    if fixed:  # ... then pushed a little apart
        start = nx.spring_layout(graph, pos=start, fixed=fixed, k=0.03, iterations=15, seed=7)
    else:  # in a unit box
        x0, y0, span = 0.0, 0.0, 1.0
    where = {
        k: {"lon": float(x0 + x * span), "lat": float(y0 + y * span)} for k, (x, y) in start.items()
    }
    places = tuple(p.model_copy(update=where[p.id]) for p in net.places)
    return net.model_copy(update={"places": places}), True


def clearance_svg(
    egress: Sequence[float],
    *,
    planned: float,
    q95: float | None = None,
    never: int = 0,
    step: int = 1,
    clock: Callable[[float], str] | None = None,
    prefix: str = "sim-",
    title: str = "Everyone safe: the runs",
) -> str:
    """The clearance times of simulated runs as a histogram, the plan's own marked, as SVG.

    Bins are whole numbers of ``step`` minutes (no bin falls between two steps);
    runs in which someone is never safe are counted in the legend, not drawn.

    Examples
    --------
    >>> out = clearance_svg([60, 65, 65, 70], planned=60, q95=70, never=1, step=5)
    >>> out.startswith("<svg"), "1 run with someone never safe" in out
    (True, True)
    """
    xs = [float(x) for x in egress]
    with rc_context(_RC):
        fig = Figure(figsize=(8, 3.2), layout="constrained")
        ax = fig.add_subplot()
        if xs:
            lo, hi = min(xs), max(xs)
            width = step * max(1, math.ceil(max(step, hi - lo) / step / 40))
            first = math.floor(lo / width) * width
            edges = [
                (first + k * width - width / 2) / 60 for k in range(int((hi - first) / width) + 2)
            ]
            ax.hist([x / 60 for x in xs], bins=edges, color=BLUE, alpha=0.85, label="runs")
        _marks(
            ax,
            [(planned, "the plan", VERMILLION, "-"), (q95, "95 runs in 100 by", GREEN, "--")],
            clock,
        )
        if never:
            ax.plot(
                [], [], " ", label=f"{never} run{'s' if never > 1 else ''} with someone never safe"
            )
        xs_h = [x / 60 for x in xs] + [planned / 60] + ([q95 / 60] if q95 is not None else [])
        pad = max(0.05 * (max(xs_h) - min(xs_h)), 0.25)  # a quarter of an hour at least
        _time_axis(ax, min(xs_h) - pad, max(xs_h) + pad, clock)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("runs")
        ax.grid(axis="y", color="#dddddd", linewidth=0.6)
        ax.legend(loc="upper right", framealpha=0.9)
        return svg(fig, title=title, prefix=prefix)
