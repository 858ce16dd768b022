"""Labels on a map that do not overlap: placed whenever the figure is drawn.

:func:`_label` writes a place's name (or a route's note, a service's seats) by
its marker and hands it to the axes' label placer, an artist that, each time
the figure is drawn, gives every label in turn the first free spot by its
marker (right, left, above, below, the diagonals; then further out with a
leader line; then in a smaller font), clear of the labels placed before it,
of the other markers, the axes' other texts, the legend and the axes' edges.
A label with no free spot takes the least crowded spot over no other label
and inside the edges (by its marker if it can); if there is none, the least
crowded of all, or, when the placer is ``numbered`` (the report's maps), a
number instead, placed the same way, its words kept in ``notes`` for a key
beside the map (a label once numbered stays so). :mod:`._maps` draws the markers and calls it.
"""

from __future__ import annotations

import math
from functools import cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.backend_bases import RendererBase
    from matplotlib.text import Annotation

# The spots a label may take, in order (see above): font size, extra points out, direction.
_DIRECTIONS = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, 1), (1, -1), (-1, -1))
_FONTS = (7.0, 5.5)
_SPOTS = [(e, d) for e in (0.0, 10.0, 22.0, 36.0) for d in _DIRECTIONS]  # for each font
_GAP = 2.0  # points between a marker's edge and its label
_Box = tuple[float, float, float, float]  # (x0, y0, x1, y1) in pixels


def _label(
    ax: Axes,
    text: str,
    key: str,
    xy: Any,
    radius: float,
    gid: str,
    *,
    fonts: tuple[float, ...] = _FONTS,
    rank: int = 0,
    **style: Any,
) -> None:
    """Write ``text`` by the marker (of ``radius`` points) of place ``key`` at ``xy``, in the
    first of ``fonts`` (points) that finds room; labels of a lower ``rank`` choose first
    (places' names 0, routes' 1, marked links' 2, gates' 3, services' 4), then in the
    order they come."""
    from matplotlib import patheffects

    label = ax.annotate(text, xy, (radius + _GAP, 0), textcoords="offset points", va="center")
    halo = [patheffects.withStroke(linewidth=2.5, foreground="white", alpha=0.8)]
    label.set(fontsize=fonts[0], zorder=7, gid=gid, path_effects=halo, **style)
    _label_placer(ax).labels.append((label, key, radius, fonts, rank))


def _label_placer(ax: Axes) -> Any:
    """The artist that places ``ax``'s labels whenever it is drawn (made on first use)."""
    placer = next((a for a in ax.artists if a.get_gid() == "label-placer"), None)
    return placer if placer is not None else ax.add_artist(_new_placer())


@cache
def _placer_class() -> Any:
    """The label placer's class, made once matplotlib is imported."""
    from matplotlib.artist import Artist

    class _LabelPlacer(Artist):
        def __init__(self) -> None:
            super().__init__()
            # Every marker's (place, (x, y), radius in points); labels, in the order they choose.
            self.points: list[tuple[str, tuple[float, float], float]] = []
            self.labels: list[tuple[Annotation, str, float, tuple[float, ...], int]] = []
            # Crowded labels become numbers (see the module's notes): (number, words) each.
            self.numbered = False
            self.notes: list[tuple[str, str]] = []
            self.numbers: set[int] = set()  # the ids of the labels that are numbers now
            self.set(gid="label-placer", zorder=6.5, in_layout=False)  # before the labels (7)

        def draw(self, renderer: RendererBase) -> None:
            if self.axes is not None and self.get_visible():
                _place_labels(self, renderer)

        def __reduce__(self) -> Any:  # a local class: pickle rebuilds it by a module-level name
            return (_new_placer, (), self.__getstate__())

    return _LabelPlacer


def _new_placer() -> Any:
    """A new label placer."""
    return _placer_class()()


def _place_labels(placer: Any, renderer: RendererBase) -> None:
    """Give each of ``placer.labels`` in turn its first free spot, and draw its leader line."""
    from matplotlib.path import Path
    from matplotlib.transforms import IdentityTransform

    ax, px = placer.axes, cast(float, renderer.points_to_pixels(1.0))
    markers: list[tuple[str, _Box]] = []  # plain tuples, for speed
    for key, xy, radius in placer.points:
        (x, y), r = ax.transData.transform(xy), radius * px
        markers.append((key, (x - r, y - r, x + r, y + r)))
    legend, frame = ax.get_legend(), tuple(ax.bbox.extents)  # keep clear of the legend, too
    placed: list[_Box] = [tuple(legend.get_window_extent(renderer).extents)] if legend else []
    mine = {id(text) for text, *_ in placer.labels}
    for other in ax.texts:  # and of the axes' other texts (a note in a corner)
        if id(other) not in mine and other.get_visible() and other.get_text().strip():
            placed.append(tuple(other.get_window_extent(renderer).extents))
    gc = renderer.new_gc()  # for the leader lines
    gc.set_foreground("#555555")
    gc.set_linewidth(0.6)
    for text, key, radius, fonts, _ in sorted(placer.labels, key=lambda label: label[4]):
        x, y = ax.transData.transform(text.xy)
        if not (text.get_visible() and ax.contains_point((x, y))):
            continue
        others = (placed, [box for k, box in markers if k != key])
        best = _best_spot(text, (x, y), radius, fonts, others, frame, renderer)
        if best[0][0] and placer.numbered and id(text) not in placer.numbers:
            number = str(len(placer.notes) + 1)  # crowded: a number, its words in the key
            placer.notes.append((number, text.get_text()))
            placer.numbers.add(id(text))
            text.set(text=number, fontweight="bold")
            best = _best_spot(text, (x, y), radius, fonts, others, frame, renderer)
        _, (font, _, (ux, uy)), offset, leader = best
        text.xyann = offset
        text.set(fontsize=font, ha=("right", "center", "left")[ux + 1])
        text.set_verticalalignment(("top", "center", "bottom")[uy + 1])
        placed.append(tuple(text.get_window_extent(renderer).extents))
        if leader is not None:
            renderer.draw_path(gc, Path(leader), IdentityTransform())
    gc.restore()


def _best_spot(
    text: Annotation,
    xy: tuple[float, float],
    radius: float,
    fonts: tuple[float, ...],
    others: tuple[list[_Box], list[_Box]],
    frame: _Box,
    renderer: RendererBase,
) -> tuple[tuple[float, float], Any, tuple[float, float], Any]:
    """The first free spot for ``text`` by its marker at ``xy`` (pixels), clear of ``others``
    (the labels placed, the other markers): its crowding (see :func:`_crowding`; (0, 0) when
    free), (font, extra points out, direction), offset in points, and leader line (or None).

    With no free spot, the spot over no label and inside the frame that is next to the marker
    (a leader would only add clutter), or failing that further out; the least crowded of them.
    """
    (x, y), px = xy, cast(float, renderer.points_to_pixels(1.0))
    sizes = {}  # the label's width and height in pixels, at each font size
    for font in fonts:
        text.set_fontsize(font)
        sizes[font] = text.get_window_extent(renderer).size
    tried = []
    for font, extra, (ux, uy) in [(f, e, d) for f in fonts for e, d in _SPOTS]:
        k = (radius + _GAP + extra) / math.hypot(ux, uy)  # along each axis, in points
        (w, h), end = sizes[font], (x + ux * k * px, y + uy * k * px)
        x0, y0 = end[0] - w * (1 - ux) / 2 - px, end[1] - h * (1 - uy) / 2 - px
        box = (x0, y0, x0 + w + 2 * px, y0 + h + 2 * px)  # a pixel wider all round
        edge = radius / (radius + _GAP + extra)  # a leader starts at the marker's edge
        leader = [(x + (end[0] - x) * edge, y + (end[1] - y) * edge), end] if extra else None
        cost = _crowding(box, leader, others, frame)
        tried.append((cost, (font, extra, (ux, uy)), (ux * k, uy * k), leader))
        if not any(cost):
            return tried[-1]
    return min(tried, key=lambda t: (t[0][0], t[1][1] > 0, t[0][1]))


def _crowding(
    box: _Box, leader: Any, others: tuple[list[_Box], list[_Box]], frame: _Box
) -> tuple[float, float]:
    """A label's area (pixels squared) over the labels placed and out of ``frame``; and over
    the other markers, with the boxes its leader crosses."""

    def overlap(a: _Box, b: _Box) -> float:
        return max(min(a[2], b[2]) - max(a[0], b[0]), 0) * max(min(a[3], b[3]) - max(a[1], b[1]), 0)

    labels, markers = others
    hard = sum(overlap(box, other) for other in labels) + overlap(box, box) - overlap(box, frame)
    soft = sum(overlap(box, other) for other in markers)
    if leader is not None:
        (x0, y0), (x1, y1) = leader
        steps = [(x0 + (x1 - x0) * t / 8, y0 + (y1 - y0) * t / 8) for t in range(9)]
        crossed = [
            o
            for o in [*labels, *markers]
            if any(o[0] <= x <= o[2] and o[1] <= y <= o[3] for x, y in steps)
        ]
        soft += len(crossed)
    return hard, soft
