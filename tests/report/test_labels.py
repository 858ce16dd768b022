"""No label drawn over another on the report's charts (issue 25, item 9).

The seeds' pages and Khartoum's (with a closure analysis) are made with every text the
SVG backend draws recorded (``conftest.drawn_texts``): each line's box, measured from
the string, font, place and angle the backend is given, clipped as it is clipped. No two
boxes of a chart overlap: labels, legends, ticks, titles alike; and on the timeline, no
bar's label lies over another bar or marker. ``test_browser.py`` measures the same pages
as Chromium draws them.
"""

from __future__ import annotations

import re

import pytest

from evacplan import Network
from evacplan.report._charts import map_svg
from evacplan.report._records import Bar
from evacplan.report._timeline import timeline_svg
from tests.report.conftest import PAGES, Page, drawn_texts, overlaps


@pytest.mark.parametrize("name", PAGES)
def test_no_text_is_drawn_over_another(label_pages: dict[str, Page], name: str) -> None:
    page = label_pages[name]
    assert len(page.charts) >= 3, [c.name for c in page.charts]
    assert all(chart.texts for chart in page.charts)
    found = {chart.name: overlaps(chart.texts) for chart in page.charts}
    assert {k: v for k, v in found.items() if v} == {}


@pytest.mark.parametrize("name", PAGES)
def test_no_timeline_label_lies_over_another_bar(label_pages: dict[str, Page], name: str) -> None:
    """A bar's label (``label_<n>``) covers no bar or marker but its own (``bar_<n>``,
    ``event_<n>``): Khartoum's "suspended" once lay over its "minimal" bar."""
    (timeline,) = [c for c in label_pages[name].charts if c.shapes]
    labels = [t for t in timeline.texts if (t.gid or "").startswith("label_")]
    assert labels
    covered = []
    for text in labels:
        n = text.gid.removeprefix("label_") if text.gid else ""
        for gid, box in timeline.shapes.items():
            if gid not in (f"bar_{n}", f"event_{n}"):
                wide = min(text.box.x1, box.x1) - max(text.box.x0, box.x0)
                tall = min(text.box.y1, box.y1) - max(text.box.y0, box.y0)
                if wide > 0.5 and tall > 0.5:
                    covered.append((text.words, gid))
    assert covered == []


def _crowd() -> Network:
    """Twelve crossings a few hundred metres apart, with long names, and a haven 500 km away:
    on one map, most names find no room."""
    places = [{"id": "far", "kind": "safe_haven", "lat": 30.0, "lon": 40.0, "name": "Far haven"}]
    places += [
        {
            "id": f"p{i}",
            "kind": "border",
            "lat": 33.0 + 0.002 * (i % 4),
            "lon": 44.0 + 0.002 * (i // 4),
            "name": f"Crossing number {i} with a long name",
        }
        for i in range(12)
    ]
    links = [
        {"source": f"p{i}", "target": "far", "minutes": 60, "capacity_per_hour": 10}
        for i in range(12)
    ]
    return Network(name="crowd", places=places, links=links)


def test_a_crowded_map_numbers_its_labels_and_keys_them() -> None:
    """The names with no room become numbers by their places, and a key under the map gives
    each number's words; nothing overlaps, and no name is both on the map and in the key."""
    with drawn_texts() as recording:
        out = map_svg(_crowd(), prefix="crowd-")
    (chart,) = recording.charts
    drawn = [t.words for t in chart.texts]
    key = [w for w in drawn if re.fullmatch(r"\d+: Crossing number \d+ with a long name", w)]
    assert len(key) >= 3, drawn
    numbers = [w.split(":")[0] for w in key]
    assert numbers == [str(i) for i in range(1, len(key) + 1)]
    assert all(n in drawn for n in numbers)  # each number is on the map
    named = {w for w in drawn if w.startswith("Crossing number")}
    assert not named & {w.split(": ", 1)[1] for w in key}
    assert len(named) + len(key) == 12
    assert overlaps(chart.texts) == []
    assert all(f">{w}</text>" in out for w in key)


def test_a_crowded_timeline_numbers_its_labels_and_keys_them() -> None:
    """Three postures on one row, the middle one of two hours in a week: its name fits
    neither in it, nor beside it (its neighbours), nor above or below it (the chart's edge),
    so a number takes its place and the key under the chart gives its words."""
    bars = [
        Bar("post x", 0, 600, "posture:normal", "normal"),
        Bar("post x", 600, 720, "posture:reduced", "reduced"),
        Bar("post x", 720, 10_000, "posture:minimal", "minimal"),
    ]
    with drawn_texts() as recording:
        timeline_svg(bars, prefix="crowd-")
    (chart,) = recording.charts
    drawn = [t.words for t in chart.texts]
    assert "1: reduced (post x)" in drawn and "1" in drawn and "reduced" not in drawn
    assert overlaps(chart.texts) == []


def test_each_group_has_a_row_of_departures_on_the_timeline(label_pages: dict[str, Page]) -> None:
    """Khartoum's two groups of nationals (230 of its 273 people) are called forward apart
    from the stages: each has its row, from its first departure to its last arrival."""
    (timeline,) = [c for c in label_pages["khartoum-2023"].charts if c.shapes]
    words = {t.words for t in timeline.texts}
    assert {"group nationals-1", "200 people", "group nationals-2", "30 people"} <= words, words
