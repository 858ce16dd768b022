"""The HTML report: sections by what a plan has, what each says, escaping, offline, writing.

The browser opens the page in ``test_browser.py``; here the page is read as text
and parsed with the standard library's HTML parser.
"""

from __future__ import annotations

import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from evacplan import drawdown, plan
from evacplan._time import duration
from evacplan.contingency import ContingencyPlan
from evacplan.errors import EvacplanError
from evacplan.io import load_scenario, seed_path
from evacplan.models import Scenario
from evacplan.report import SECTIONS, sections
from evacplan.report._facts import _close_up
from evacplan.routing import evacuate
from evacplan.testing import with_closure

REPO = Path(__file__).resolve().parents[2]


class _Page(HTMLParser):
    """The page's section ids (in order), every src/href, every element name, and its text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.refs: list[str] = []
        self.tags: set[str] = set()
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        found = dict(attrs)
        if tag == "section" and "report-section" in (found.get("class") or ""):
            self.sections.append(found.get("id") or "")
        self.refs += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "action")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def words(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture(scope="module")
def founding() -> ContingencyPlan:
    return plan(load_scenario(seed_path("uk-iraq-iran-2020")))


@pytest.fixture(scope="module")
def founding_page(founding: ContingencyPlan) -> str:
    return founding.to_html()


def test_the_founding_page_has_the_sections_its_plan_calls_for(founding_page: str) -> None:
    page = _Page(founding_page)
    # Nobody is left behind and no closure analysis is given: those sections are absent.
    assert page.sections == ["headline", "timeline", "map", "posts", "arrivals", "assumptions"]
    assert page.sections == [s for s in SECTIONS if s in page.sections]  # page order
    assert len(founding_page.encode()) < 5_000_000
    assert founding_page.startswith("<!DOCTYPE html>")


def test_every_post_every_retained_id_and_the_egress_clock_time_appear(
    founding: ContingencyPlan, founding_page: str
) -> None:
    words = _Page(founding_page).words
    sc = founding.scenario
    for post in sc.posts:
        assert post.id in words and (post.name or post.id) in words
    retained = {sid for ids in founding.stages[-1].retained.values() for sid in ids}
    assert len(retained) == 12
    for sid in retained:
        assert re.search(rf"\b{re.escape(sid)}\b", words), sid
    egress = founding.evacuation.egress_minutes
    assert egress is not None
    assert f"Last person safe: {sc.clock(egress)} ({duration(egress)} from the start)" in words
    # Who stays says what they cover and why, in the explanation's words.
    assert "head-of-mission, political-reporting" in words
    assert "They must remain while the post is open [must-remain]" in words
    # Who leaves: party, stage, route and arrival, for a party of the first stage.
    assert "bgd-007" in words and "bgd-embassy →" in words
    # Under the timeline, its stages as a table a screen reader can follow.
    assert "Stages: what fired, which posts rose, people released" in words
    assert "1 Mon 6 Jan 06:00 +00:00 (3 d from the start) ordered-departure" in words
    # The assumptions: step, capacity rule, muster time, the proof.
    for phrase in (
        "5 minutes",
        "rounded down",
        "Muster time",
        "1 h: people released at a stage",
        "min-cost flow",
    ):
        assert phrase in words, phrase


def test_nothing_is_fetched_from_anywhere(founding_page: str) -> None:
    page = _Page(founding_page)
    assert "script" not in page.tags and "iframe" not in page.tags and "link" not in page.tags
    assert page.refs, "the SVG markers refer to their definitions"
    assert all(ref.startswith("#") for ref in page.refs), [
        r for r in page.refs if not r.startswith("#")
    ]
    for attr in re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', founding_page):
        assert not attr.startswith(("http://", "https://", "//")), attr
    assert "@import" not in founding_page and "url(http" not in founding_page
    assert "image" not in page.tags  # vectors only: no raster embedded in the charts


def test_a_print_stylesheet_breaks_pages_between_sections(founding_page: str) -> None:
    assert "@page { size: A4" in founding_page
    assert "break-before: page" in founding_page


def _hostile(tiny: dict[str, Any]) -> Scenario:
    raw = dict(tiny)
    raw["name"] = "<script>alert('name')</script>"
    raw["posts"] = [{**raw["posts"][0], "name": "<script>alert('post')</script>"}]
    raw["staff"] = [
        {**s, "name": '<img src="http://evil.example/x.png" onerror="alert(1)">'}
        if s["id"] == "cap-01"
        else s
        for s in raw["staff"]
    ]
    raw["threats"] = [{**raw["threats"][0], "description": "</section><script>alert(2)</script>"}]
    return Scenario(**raw)


def test_names_that_hold_markup_are_shown_as_text() -> None:
    tiny = yaml.safe_load(seed_path("tiny").read_text())
    cp = plan(_hostile(tiny))
    text = cp.to_html()
    page = _Page(text)
    assert "script" not in page.tags and "img" not in page.tags
    assert page.sections == ["headline", "timeline", "map", "posts", "arrivals", "assumptions"]
    assert "<script>alert('post')</script>" in page.words  # as text, decoded by the parser
    assert "&lt;script&gt;" in text
    assert not any(r.startswith("http") for r in page.refs)
    assert "<script" not in text.lower()
    fragment = cp._repr_html_()
    assert "<script" not in fragment.lower() and "&lt;script&gt;" in fragment


def test_a_closure_that_strands_people_adds_who_is_left_behind_and_why() -> None:
    tiny = load_scenario(seed_path("tiny"))
    cp = plan(with_closure(tiny, "residence-embassy", at="25h"))
    page = _Page(cp.to_html())
    assert "left-behind" in page.sections
    assert page.sections.index("left-behind") == len(page.sections) - 2  # before assumptions
    words = page.words
    for row in cp.left_behind:
        assert row.who in words
    assert "cut off when residence-embassy closes at Sat 4 Jan 07:00 +00:00" in words


def test_an_airlift_page_sums_groups_and_shows_the_deadline() -> None:
    from tests.contingency.test_airlift import airlift

    cp = plan(airlift.__wrapped__(), objective="most_saved")  # type: ignore[attr-defined]
    assert sections(cp) == [
        "headline",
        "timeline",
        "map",
        "posts",
        "groups",
        "arrivals",
        "left-behind",
        "assumptions",
    ]
    words = _Page(cp.to_html()).words
    assert "brits" in words and "arap" in words
    assert "left behind 1" in words  # the headline figure under most_saved
    assert "by the deadline" in words


def test_an_evacuation_page_has_movements_and_no_posts() -> None:
    ev = evacuate(load_scenario(seed_path("tiny")), supply={"embassy": 10})
    page = _Page(ev.to_html())
    assert page.sections == ["headline", "map", "movements", "arrivals", "assumptions"]
    assert "minute 95 (1 h 35 from the start)" in page.words
    assert "all be safe by minute 90" in page.words  # the quickest possible, alone


def test_a_drawdown_page_explains_who_stays() -> None:
    dd = drawdown(load_scenario(seed_path("tiny")), posture="minimal")
    page = _Page(dd.to_html())
    assert page.sections == ["headline", "posts", "assumptions"]
    for sid in dd.retained["capital"]:
        assert sid in page.words
        assert dd.explain(sid) in page.words


def test_the_report_is_written_whole_or_not_at_all(
    founding: ContingencyPlan, tmp_path: Path
) -> None:
    out = tmp_path / "plan.html"
    text = founding.to_html(out)
    assert out.read_text() == text
    with pytest.raises(EvacplanError, match="the folder .*missing.* does not exist"):
        founding.to_html(tmp_path / "missing" / "plan.html")
    with pytest.raises(EvacplanError, match="it is a directory"):
        founding.to_html(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.html"]


def test_the_command_line_writes_the_report(tmp_path: Path) -> None:
    out = tmp_path / "plan.html"
    seed = REPO / "seeds" / "tiny.yaml"
    run = subprocess.run(
        [sys.executable, "-m", "evacplan", "plan", str(seed), "--html", str(out)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert f"report: {out}" in run.stdout
    assert _Page(out.read_text()).sections[0] == "headline"
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "evacplan",
            "plan",
            str(seed),
            "--html",
            str(tmp_path / "no" / "x.html"),
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert "--html: the folder" in bad.stderr and "does not exist" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_notebooks_get_the_same_tables_without_charts(founding: ContingencyPlan) -> None:
    fragment = founding._repr_html_()
    assert fragment.startswith('<div class="evacplan-report">')
    assert "<svg" not in fragment and '<table class="stages">' in fragment
    egress = founding.evacuation.egress_minutes
    assert egress is not None
    assert "bgd-001" in fragment and founding.scenario.clock(egress) in fragment


def test_a_far_haven_adds_a_close_up_of_the_posts_area() -> None:
    """Kabul's city is a few km across and its flights fly 2,000 km: the page draws the
    city again, closer. The founding posts' roads span the map: no close-up."""
    kabul = load_scenario(seed_path("kabul-2021"))
    west, east, south, north = _close_up(kabul.network, {p.place for p in kabul.posts}) or (
        0,
        0,
        0,
        0,
    )
    assert 69.0 < west < east < 69.4 and 34.4 < south < north < 34.7
    founding = load_scenario(seed_path("uk-iraq-iran-2020"))
    assert _close_up(founding.network, {p.place for p in founding.posts}) is None


def test_closures_of_places_rank_in_a_table_and_mark_their_links_on_the_map() -> None:
    """Closing the border breaks the post (its last way out): first in the table, its links
    marked on the map; the residence, which strands its people, comes after."""
    from evacplan.closures import analyze

    analysis = analyze(load_scenario(seed_path("tiny")), closures="places")
    text = analysis.baseline_plan.to_html(closures=analysis)
    page = _Page(text)
    assert page.sections[-3:] == ["arrivals", "closures", "assumptions"]
    assert [c.closed for c in analysis.worst(4)] == [
        ("border",),
        ("embassy",),
        ("haven",),
        ("residence",),
    ]
    assert "1 border infeasible" in page.words  # rank, what is closed, outcome
    assert "4 residence stranded" in page.words
    assert "#1 infeasible" in page.words  # the label beside its links on the map
    assert 'id="map-highlighted:crossing"' in text and 'id="map-highlighted:desert-road"' in text
    assert 'id="map-highlighted:residence-embassy"' in text  # the embassy's (#2)


def test_a_network_without_coordinates_and_a_post_with_no_plan_still_make_a_page() -> None:
    """No latitude or longitude anywhere: a schematic map, said so. Both crypto officers
    gone: the post cannot hold minimal, and its rules that cannot all hold are listed."""
    raw = yaml.safe_load(seed_path("tiny").read_text())
    raw["places"] = [{k: v for k, v in p.items() if k not in ("lat", "lon")} for p in raw["places"]]
    raw["staff"] = [s for s in raw["staff"] if s["id"] not in ("cap-03", "cap-04")]
    cp = plan(Scenario(**raw))
    assert str(cp.status) == "infeasible"
    text = cp.to_html()
    assert "schematic: not to scale" in text and " km</text>" not in text
    words = _Page(text).words
    assert "No plan holds this post; these rules cannot all hold:" in words
    assert "no plan meets every rule" in words
