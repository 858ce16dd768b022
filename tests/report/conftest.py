"""The pages whose charts the label tests measure, rendered once for the session.

:func:`drawn_texts` records every text the SVG backend draws while a page is made:
for each chart (each figure's last save, the one on the page), the box each line of
text takes, measured from what the backend is given (the string, its font, where and
at what angle), not from the code that placed it. ``test_labels.py`` checks that no
two boxes overlap; ``test_browser.py`` measures the same pages again in Chromium.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from matplotlib.backends.backend_svg import RendererSVG
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from evacplan import plan
from evacplan.contingency import ContingencyPlan
from evacplan.io import load_scenario, seed_path
from tests.shared import khartoum_closures, once

# The pages measured: the three seeds' plans, and Khartoum's with a closure analysis
# (its close-up once drew "#1 infeasible" and "closed Sat 15 Apr 11:00" over "Embassy").
PAGES = ("tiny", "uk-iraq-iran-2020", "kabul-2021", "khartoum-2023")


@dataclass
class Drawn:
    """One line of text as drawn: its words, its box in the chart's points (y up), the
    artist's gid (None for a line of a text of several lines)."""

    words: str
    box: Bbox
    gid: str | None


@dataclass
class Chart:
    """What one saved figure drew: its texts, and its timeline's bars and markers by gid."""

    figure: Figure | None
    """The figure, until :meth:`settled` (a figure with a secondary axis does not pickle)."""
    texts: list[Drawn] = field(default_factory=list)
    shapes: dict[str, Bbox] = field(default_factory=dict)
    title: str = ""

    @property
    def name(self) -> str:
        if self.figure is None:
            return self.title
        titles = [ax.get_title() for ax in self.figure.axes if ax.get_title()]
        return titles[0] if titles else "timeline" if self.shapes else "chart"

    def settled(self) -> Chart:
        """The chart as drawn, its figure let go (so that it can be pickled: tests/shared.py)."""
        self.title, self.figure = self.name, None
        return self


def _line_box(renderer: Any, x: float, y: float, words: str, prop: Any, angle: float) -> Bbox:
    """The box a line of text takes: as wide as its words, as tall as the font's line
    ("lp", as matplotlib lays text out, or the words' own if taller), rotated by ``angle``
    about its baseline's left end at (``x``, ``y``) (y up)."""
    w, h, d = renderer.get_text_width_height_descent(words, prop, ismath=False)
    _, h_lp, d_lp = renderer.get_text_width_height_descent("lp", prop, ismath=False)
    down, up = max(d, d_lp), max(h - d, h_lp - d_lp)
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    corners = [(0.0, -down), (w, -down), (w, up), (0.0, up)]
    xs = [x + cx * cos - cy * sin for cx, cy in corners]
    ys = [y + cx * sin + cy * cos for cx, cy in corners]
    return Bbox.from_extents(min(xs), min(ys), max(xs), max(ys))


@dataclass
class Recording:
    """The charts saved while :func:`drawn_texts` records: one per figure, its last save."""

    by_figure: dict[int, Chart] = field(default_factory=dict)

    @property
    def charts(self) -> list[Chart]:
        return list(self.by_figure.values())


@contextmanager
def drawn_texts() -> Iterator[Recording]:
    """Record the texts of every figure saved as SVG while the block runs: one
    :class:`Chart` per figure, from its last save (earlier saves settle the labels)."""
    recording = Recording()
    draw_text, draw_figure = RendererSVG.draw_text, Figure.draw

    def record(
        self: Any,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: Any,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> Any:
        figure = getattr(self, "_drawing", None)
        if figure is not None and s.strip():
            # The chart this save draws, kept on its renderer: a renderer's id may be reused
            # by a later save's once it is freed, so ids cannot tell saves apart.
            chart = getattr(self, "_chart", None)
            if chart is None:  # this save replaces the figure's earlier ones
                chart = self._chart = recording.by_figure[id(figure)] = Chart(figure)
                chart.shapes = _shapes(figure, self)
            y_up = self.get_canvas_width_height()[1] - y  # the backend is given y down
            box = _line_box(self, x, y_up, s, prop, angle)
            clip = gc.get_clip_rectangle()
            if clip is not None:
                box = Bbox.intersection(box, clip) or Bbox.from_bounds(0, 0, 0, 0)
            if box.width > 0 and box.height > 0:
                gid = mtext.get_gid() if mtext is not None else None
                chart.texts.append(Drawn(s, box, gid))
        return draw_text(self, gc, x, y, s, prop, angle, ismath=ismath, mtext=mtext)

    def draw(self: Figure, renderer: Any) -> Any:
        target = getattr(renderer, "_renderer", renderer)  # inside a MixedModeRenderer
        if isinstance(target, RendererSVG):
            target._drawing, target._chart = self, None
        return draw_figure(self, renderer)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(RendererSVG, "draw_text", record)
        patch.setattr(Figure, "draw", draw)
        yield recording


def _shapes(figure: Figure, renderer: Any) -> dict[str, Bbox]:
    """The timeline's bars (gid ``bar_<n>``) and markers (``event_<n>``), as drawn."""
    found: dict[str, Bbox] = {}
    for ax in figure.axes:
        for artist in [*ax.patches, *ax.lines]:
            gid = str(artist.get_gid() or "")
            if gid.startswith(("bar_", "event_")):
                found[gid] = artist.get_window_extent(renderer)
    return found


def overlaps(texts: list[Drawn], slack: float = 0.5) -> list[tuple[str, str]]:
    """Every pair of texts whose boxes overlap by more than ``slack`` points both ways."""
    found = []
    for i, a in enumerate(texts):
        for b in texts[i + 1 :]:
            wide = min(a.box.x1, b.box.x1) - max(a.box.x0, b.box.x0)
            tall = min(a.box.y1, b.box.y1) - max(a.box.y0, b.box.y0)
            if wide > slack and tall > slack:
                found.append((a.words, b.words))
    return found


@dataclass
class Page:
    """A page as written, the charts drawn for it (in page order), and its plan."""

    name: str
    path: Path
    charts: list[Chart]
    plan: ContingencyPlan


def _render(name: str, folder: Path, factory: pytest.TempPathFactory) -> Page:
    path = folder / f"{name}.html"
    analysis = khartoum_closures(factory) if name == "khartoum-2023" else None
    with drawn_texts() as recording:
        if analysis is not None:
            cp = analysis.baseline_plan
            cp.to_html(path, closures=analysis)
        else:
            cp = plan(load_scenario(seed_path(name)))
            cp.to_html(path)
    return Page(name, path, [chart.settled() for chart in recording.charts], cp)


@pytest.fixture(scope="session")
def label_pages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Page]:
    """The pages of :data:`PAGES`, written to a temporary folder, with their charts' texts."""

    def render() -> dict[str, Page]:
        folder = tmp_path_factory.mktemp("label-pages")
        return {name: _render(name, folder, tmp_path_factory) for name in PAGES}

    # Shared by the workers (tests/shared.py): test_labels, test_posts and test_browser use
    # them, and each worker would render them again (about 40 s, Khartoum's analysis most).
    return once(tmp_path_factory, "label-pages", render)
