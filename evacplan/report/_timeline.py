"""The report's timeline: a Gantt chart of ``_facts``' :class:`Bar` records, as inline SVG.

:func:`timeline_svg` draws a row per ``Bar.row``, its bars and point events on
one time axis (:mod:`._charts`' :func:`~._charts.svg` and axes), and writes each
bar's label where it covers nothing: inside its bar, else beside it, else in a
smaller font, each spot checked against every bar, marker and label already
placed, in points, before the figure is drawn (its size is fixed, so the
spots hold in the SVG). A label with no free spot becomes a number placed the
same way, its words in a numbered key under the chart. ``_page`` calls it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.textpath import text_to_path

from evacplan.report._charts import (
    _RC,
    BLACK,
    BLUE,
    GREEN,
    ORANGE,
    VERMILLION,
    _short,
    _time_axis,
    _width,
    svg,
)
from evacplan.report._records import Bar

# Each kind of bar: colour, marker (as a point event), text colour on it, name in the legend.
_KIND_STYLE: dict[str, tuple[str, str, str, str]] = {
    "threat": ("#CC79A7", "o", BLACK, "threat"),
    "closure": ("#FFFFFF", "s", BLACK, "closure"),  # hatched
    "window": ("#56B4E9", "o", BLACK, "open window"),
    "decision": (BLUE, "D", "#FFFFFF", "decision"),
    "posture:normal": (GREEN, "o", "#FFFFFF", "posture: normal"),
    "posture:reduced": ("#F0E442", "o", BLACK, "posture: reduced"),
    "posture:minimal": (ORANGE, "o", BLACK, "posture: minimal"),
    "posture:suspended": (VERMILLION, "o", "#FFFFFF", "posture: suspended"),
    "departures": (BLUE, "o", "#FFFFFF", "departures"),
    "last-out": (BLACK, "^", "#FFFFFF", "last out"),
    "breach": (VERMILLION, "X", "#FFFFFF", "breach"),
    "deadline": (BLACK, "|", "#FFFFFF", "deadline"),
}
KINDS = tuple(_KIND_STYLE)
_ROW_INCHES, _BAR = 0.35, 0.3  # a row's height; a bar's half-height, in rows
_FONTS = (7.0, 6.0)  # a label's font, then a smaller one inside its bar
_PAD, _MARK = 3.0, 5.0  # points between a bar and its label; a marker's half-width
_Box = tuple[float, float, float, float]  # (x0, y0, x1, y1) in points, y down from the top row


def timeline_svg(
    bars: Sequence[Bar],
    *,
    clock: Callable[[float], str] | None = None,
    end: float | None = None,
    prefix: str = "tl-",
    title: str = "Timeline of the plan",
) -> str:
    """A Gantt chart of a plan's timeline, as inline SVG.

    One row per distinct ``Bar.row`` (first appearance at the top), one time
    axis in hours from the start; a marker for a point event (a deadline's also
    a dashed line down the chart). A label sits inside its bar when it fits (in
    a smaller font if need be), else beside it (level with it, or just above or
    below) where it covers no bar, marker or other label; failing all, a number
    takes its place and a key under the chart gives its words. Labels are cut
    with "…" past 28 characters. A legend names the kinds used.

    Parameters
    ----------
    bars
        The bars, in any order; a kind not in :data:`KINDS` raises ValueError.
    clock
        A minute as a wall-clock string (``"Fri 3 Jan 12:00 +03:00"``): adds a local time axis.
    end
        The right edge, in minutes; by default the latest end or point, plus 5%.
    prefix, title
        As :func:`~._charts.svg`'s.

    Returns
    -------
    str
        The ``<svg>`` element: 8 inches wide (legible on A4), 0.35 inch a row. A bar's
        ``id`` is ``<prefix>bar_<n>`` (a point's ``<prefix>event_<n>``), its label's
        ``<prefix>label_<n>``, ``n`` its index in ``bars``.

    Examples
    --------
    >>> bars = [Bar("threat: strike", 60, 600, "threat"), Bar("decisions", 120, None, "decision")]
    >>> out = timeline_svg(bars)
    >>> out.startswith("<svg"), ">threat: strike</text>" in out
    (True, True)
    """
    bars = list(bars)
    unknown = sorted({b.kind for b in bars} - set(KINDS))
    if unknown:
        raise ValueError(f"unknown bar kind(s) {unknown}; expected one of {list(KINDS)}")
    rows = list(dict.fromkeys(b.row for b in bars))
    lo = min([0.0, *(b.start for b in bars)]) / 60
    latest = max([b.start if b.end is None else max(b.start, b.end) for b in bars], default=60)
    hi = latest / 60 + 0.05 * (latest / 60 - lo) if end is None else end / 60
    hi = hi if hi > lo else lo + 1.0
    kinds = [k for k in KINDS if any(b.kind == k for b in bars)]
    # The layout in inches: row labels on the left, the clock on top, the legend and key below.
    width, right, top, n = 8.0, 0.25, (0.7 if clock else 0.15), max(len(rows), 1)
    left = max(0.8, max((_width(_short(r), 8.5) for r in rows), default=0) / 72 + 0.2)
    per_hour = (width - left - right) * 72 / (hi - lo)  # points an hour
    labels, notes = _place_labels(bars, rows, per_hour, lo, hi)
    ncol = max(1, min(len(kinds), 5))
    key = 0.2 * math.ceil(len(notes) / 2) + 0.1 if notes else 0.0
    bottom = 0.5 + key + (0.2 * math.ceil(len(kinds) / ncol) + 0.1 if kinds else 0)
    height = top + _ROW_INCHES * n + bottom
    with rc_context(_RC):
        fig = Figure(figsize=(width, height))
        box = (left / width, bottom / height, 1 - (left + right) / width, _ROW_INCHES * n / height)
        ax = fig.add_axes(box)
        ax.set(ylim=(n - 0.5, -0.5), yticks=[])
        _time_axis(ax, lo, hi, clock)
        for i, row in enumerate(rows):
            if i % 2:
                ax.axhspan(i - 0.5, i + 0.5, color="#f3f3f3", zorder=0, linewidth=0)
            at = ax.get_yaxis_transform()
            ax.text(-0.01, i, _short(row), transform=at, ha="right", va="center", gid=f"row_{i}")
        if not bars:
            ax.text(0.5, 0.5, "nothing on the timeline", transform=ax.transAxes, ha="center")
        _draw_bars(ax, bars, rows, per_hour)
        for k, (x, y, words, ha, size, style) in labels.items():
            label = ax.text(x, y, words, ha=ha, va="center", fontsize=size, zorder=5, **style)
            label.set(gid=f"label_{k}", clip_on=True)
        handles: list[Any] = []  # a patch for a kind drawn as bars, else its marker
        for kind in kinds:
            colour, marker, _, name = _KIND_STYLE[kind]
            if any(b.kind == kind and b.end is not None for b in bars):
                hatch, edge = ("////", BLACK) if kind == "closure" else ("", "#333333")
                handles.append(Patch(facecolor=colour, edgecolor=edge, hatch=hatch, label=name))
            else:
                edge = colour if marker == "|" else BLACK
                handles.append(Line2D([], [], c=colour, marker=marker, mec=edge, ls="", label=name))
        if kinds:
            above = (0.5, key / height)  # the key, if any, below the legend
            fig.legend(handles=handles, loc="lower center", bbox_to_anchor=above, ncol=ncol)
            fig.legends[-1].set(frame_on=False)
        if notes:
            entries = [Line2D([], [], ls="none", label=note) for note in notes]
            fig.legend(
                handles=entries,
                loc="lower center",
                ncol=2,
                handlelength=0,
                handletextpad=0,
                frameon=False,
                fontsize=7,
            )
        return svg(fig, title=title, prefix=prefix)


def _draw_bars(ax: Any, bars: list[Bar], rows: list[str], per_hour: float) -> None:
    """Draw every bar (``bar_<n>``) and point event's marker (``event_<n>``)."""
    for n, b in enumerate(bars):
        i, (s, e) = rows.index(b.row), _span(b, per_hour)
        colour, marker, _, _ = _KIND_STYLE[b.kind]
        if b.end is None:
            bold, x = marker == "|", b.start / 60  # a deadline's tick
            (dot,) = ax.plot([x], [i], marker=marker, markersize=8, color=colour, zorder=4)
            dot.set(mec=colour if bold else BLACK, mew=2.5 if bold else 0.8, gid=f"event_{n}")
            if b.kind == "deadline":
                ax.axvline(x, color=colour, linestyle="--", linewidth=0.9, zorder=1.5)
        else:
            hatch, edge = ("////", BLACK) if b.kind == "closure" else ("", "#333333")
            patch = Rectangle((s, i - _BAR), e - s, 2 * _BAR, facecolor=colour, hatch=hatch)
            ax.add_patch(patch).set(edgecolor=edge, linewidth=0.6, zorder=3, gid=f"bar_{n}")


def _span(b: Bar, per_hour: float) -> tuple[float, float]:
    """The hours a bar takes (at least a sliver), or a marker (5 points either side)."""
    s = b.start / 60
    if b.end is None:
        return (s - _MARK / per_hour, s + _MARK / per_hour)
    return (s, max(b.end / 60, s + 1.5 / per_hour))


def _height(size: float) -> float:
    """The height of a line of text at ``size`` points, as matplotlib lays it out ("lp")."""
    with rc_context(_RC):
        prop = FontProperties(size=size)
        return float(text_to_path.get_text_width_height_descent("lp", prop, ismath=False)[1])


def _place_labels(
    bars: list[Bar], rows: list[str], per_hour: float, lo: float, hi: float
) -> tuple[dict[int, tuple[float, float, str, str, float, dict[str, Any]]], list[str]]:
    """Where each bar's label goes: bar index to (hours, row, words, alignment, font size,
    style); and the key's lines (``"1: suspended (post kabul)"``) for labels that became
    numbers. Everything is measured in points, y down from the top row's middle."""
    row_pt = _ROW_INCHES * 72
    shapes: list[tuple[int, _Box]] = []  # every bar and marker, by its index
    for n, b in enumerate(bars):
        (s, e), y = _span(b, per_hour), rows.index(b.row) * row_pt
        half = _BAR * row_pt if b.end is not None else _MARK
        shapes.append((n, ((s - lo) * per_hour, y - half, (e - lo) * per_hour, y + half)))
    frame = (0.0, -row_pt / 2, (hi - lo) * per_hour, (len(rows) - 0.5) * row_pt)
    placed: list[_Box] = []
    out: dict[int, tuple[float, float, str, str, float, dict[str, Any]]] = {}
    notes: list[str] = []
    for n, b in enumerate(bars):
        text = words = _short(b.label)
        if not words:
            continue
        spots = list(_spots(b, text, shapes[n][1]))
        free = [spot for spot in spots if _clear(spot[0], n, shapes, placed, frame)]
        if not free:  # a number instead, its words in the key
            notes.append(f"{len(notes) + 1}: {words} ({_short(b.row)})")
            text = str(len(notes))
            spots = list(_spots(b, text, shapes[n][1]))
            free = [spot for spot in spots if _clear(spot[0], n, shapes, placed, frame)]
        box, ha, size = (free or spots)[0]
        placed.append(box)
        inside, ha = ha == "inside", "center" if ha == "inside" else ha
        x = {"left": box[0], "right": box[2], "center": (box[0] + box[2]) / 2}[ha] / per_hour
        _, _, ink, _ = _KIND_STYLE[b.kind]
        style: dict[str, Any] = {"color": ink if inside else BLACK}
        if not free or (inside and b.kind == "closure"):  # on a white ground
            style = {"color": BLACK, "bbox": {"boxstyle": "square,pad=0.1", "fc": "white", "lw": 0}}
        if text != words:
            style["fontweight"] = "bold"
        out[n] = (x + lo, (box[1] + box[3]) / 2 / row_pt, text, ha, size, style)
    return out, notes


def _spots(b: Bar, words: str, shape: _Box) -> Any:
    """The boxes ``words`` may take for bar ``b`` (its own ``shape``), best first, with their
    alignment (``"inside"``: centred in it) and font size: inside it (a bar's; a number may
    fill it, in a font down to 5 points); beside it, right then left; above it, then below it
    (centred on a marker, from its start, to its end)."""
    x0, y0, x1, y1 = shape
    middle, number = (y0 + y1) / 2, words.isdigit()
    for size in () if b.end is None else (*_FONTS, 5.0) if number else _FONTS:
        w, h = _width(words, size), _height(size)
        if w + (1 if number else 2 * _PAD) <= x1 - x0:
            c = (x0 + x1) / 2
            yield (c - w / 2, middle - h / 2, c + w / 2, middle + h / 2), "inside", size
    size = _FONTS[0]
    w, h = _width(words, size), _height(size)
    yield (x1 + _PAD, middle - h / 2, x1 + _PAD + w, middle + h / 2), "left", size
    yield (x0 - _PAD - w, middle - h / 2, x0 - _PAD, middle + h / 2), "right", size
    c = (x0 + x1) / 2
    for top in (y0 - 0.5 - h, y1 + 0.5):  # touching its top, then its foot
        if b.end is None:
            yield (c - w / 2, top, c + w / 2, top + h), "center", size
        yield (x0, top, x0 + w, top + h), "left", size
        yield (x1 - w, top, x1, top + h), "right", size


def _clear(
    box: _Box, n: int, shapes: list[tuple[int, _Box]], placed: list[_Box], frame: _Box
) -> bool:
    """Whether ``box`` lies in the frame, over no other bar or marker than bar ``n``'s own
    (a label inside its bar covers it), and over no label placed."""
    inside = frame[0] <= box[0] and box[2] <= frame[2] and frame[1] <= box[1] and box[3] <= frame[3]
    hit = [other for k, other in shapes if k != n] + placed
    return inside and not any(
        min(box[2], o[2]) > max(box[0], o[0]) and min(box[3], o[3]) > max(box[1], o[1]) for o in hit
    )
