"""The HTML report in a real browser: headless Chromium opens the founding plan's page.

Playwright drives Debian's ``chromium`` (no browser download): the page loads
with no console error and no network request, its screenshot is not blank, its
DOM has every section the plan calls for, and it prints on A4 pages.

Chromium is found from ``EVACPLAN_CHROMIUM``, else on PATH (``chromium``,
``chromium-browser``, ``google-chrome``). Without it (or without playwright)
these tests skip and say what is missing; with ``EVACPLAN_REQUIRE_BROWSER``
set, as ``.ci/run`` sets it, they fail instead, so CI never skips them silently.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
from PIL import Image

from evacplan import plan
from evacplan.closures import analyze
from evacplan.contingency import ContingencyPlan
from evacplan.io import load_scenario, seed_path

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# Without these, Chromium phones home (updates, sync, field trials, QUIC probes) at start:
# connections this machine refuses, and nothing to do with the page.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
INSTALL_CHROMIUM = (
    "install it with `apt-get install chromium` (Debian/Ubuntu; .ci/run does so when it is "
    "missing), or set EVACPLAN_CHROMIUM to a Chromium or Chrome binary"
)
INSTALL_PLAYWRIGHT = 'install it with `python3 -m pip install -e ".[test]"`'

# What the founding seed's page holds, in order ("left-behind" only if someone is).
FOUNDING_SECTIONS = ["headline", "timeline", "map", "posts", "arrivals", "assumptions"]
# A small closure analysis of the founding seed: a few seconds, one re-plan each at most.
CLOSED_LINKS = ["bgw-airport-road", "ibrahim-khalil-crossing", "thr-ika-road"]
CHARTS = ("timeline", "map", "arrivals")


# ---------------------------------------------------------------------------------------
# Finding and starting Chromium
# ---------------------------------------------------------------------------------------


def _find_chromium() -> tuple[str | None, str]:
    """Chromium's path, or None and what is missing."""
    given = os.environ.get("EVACPLAN_CHROMIUM")
    if given:
        if os.path.isfile(given) and os.access(given, os.X_OK):
            return given, ""
        return None, f"EVACPLAN_CHROMIUM={given} is not an executable file"
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found, ""
    return None, f"no Chromium on PATH (looked for {', '.join(CHROMIUM_NAMES)})"


def _required() -> bool:
    return os.environ.get("EVACPLAN_REQUIRE_BROWSER", "") not in ("", "0")


def _unavailable(problem: str, remedy: str) -> NoReturn:
    """Skip, saying why; or fail, if the browser is required (CI)."""
    message = f"the HTML report's browser tests need playwright and headless Chromium, but {problem}: {remedy}"
    if _required():
        pytest.fail(f"{message} (EVACPLAN_REQUIRE_BROWSER is set: not skipping)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium, started once for the module (skips or fails when it cannot be had)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError as error:
        _unavailable(f"playwright cannot be imported ({error})", INSTALL_PLAYWRIGHT)
    executable, problem = _find_chromium()
    if executable is None:
        _unavailable(problem, INSTALL_CHROMIUM)
    driver = sync_playwright().start()
    try:
        try:
            launched = driver.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, timeout=60_000
            )
        except Error as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else repr(error)
            _unavailable(f"{executable} does not start ({first})", INSTALL_CHROMIUM)
        try:
            yield launched
        finally:
            launched.close()
    finally:
        driver.stop()


# ---------------------------------------------------------------------------------------
# Opening a page, recording what it does
# ---------------------------------------------------------------------------------------


@dataclass
class Opened:
    """A page opened on a report file, with what it logged and requested while loading."""

    page: Page
    url: str
    requests: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def network(self) -> list[str]:
        """Every request but the report file itself."""
        return [u for u in self.requests if u != self.url]

    def section_ids(self) -> list[str]:
        found = self.page.query_selector_all("main#report > section.report-section")
        return [s.get_attribute("id") or "" for s in found]


def _open(browser: Browser, path: Path) -> Opened:
    url = path.resolve().as_uri()
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.set_default_timeout(30_000)
    opened = Opened(page, url)

    def on_console(message: Any) -> None:
        if message.type in ("error", "warning"):
            opened.problems.append(f"console {message.type}: {message.text} ({message.location})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: opened.problems.append(f"page error: {error}"))
    page.on("request", lambda request: opened.requests.append(request.url))
    page.on("requestfailed", lambda request: opened.problems.append(f"failed: {request.url}"))
    # Only the report file may load: anything else is aborted, so it never leaves the machine
    # (and is still recorded by the "request" listener above, to fail the test).
    page.route(
        "**/*", lambda route: route.continue_() if route.request.url == url else route.abort()
    )
    page.goto(url, wait_until="load")
    return opened


def _assert_clean(opened: Opened) -> None:
    """No console error or warning, no page error, no request but the file itself."""
    assert opened.requests[:1] == [opened.url], opened.requests
    assert not opened.network, "the page requested:\n" + "\n".join(opened.network)
    assert not opened.problems, "the page logged:\n" + "\n".join(opened.problems)


def _founding_expected(cp: ContingencyPlan, *, closures: bool = False) -> list[str]:
    expected = FOUNDING_SECTIONS[:-1]
    if closures:
        expected.append("closures")
    if cp.left_behind:
        expected.append("left-behind")
    return [*expected, FOUNDING_SECTIONS[-1]]


def _sections(cp: ContingencyPlan, closures: Any = None) -> list[str]:
    from evacplan.report import sections  # the report's own say (lead's API)

    return list(sections(cp, closures=closures))


@pytest.fixture(scope="module")
def founding_plan() -> ContingencyPlan:
    return plan(load_scenario(seed_path("uk-iraq-iran-2020")))


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("report")


@pytest.fixture(scope="module")
def founding_report(founding_plan: ContingencyPlan, report_dir: Path) -> Path:
    path = report_dir / "plan.html"
    founding_plan.to_html(path)
    assert path.is_file()
    return path


@pytest.fixture(scope="module")
def founding_page(browser: Browser, founding_report: Path) -> Iterator[Opened]:
    opened = _open(browser, founding_report)
    yield opened
    opened.page.close()


# ---------------------------------------------------------------------------------------
# The founding report
# ---------------------------------------------------------------------------------------


def test_loads_with_no_console_error_and_no_network_request(founding_page: Opened) -> None:
    _assert_clean(founding_page)
    assert founding_page.page.query_selector_all("script") == []


def test_screenshot_is_not_blank(founding_page: Opened, report_dir: Path) -> None:
    shot = report_dir / "plan.png"
    png = founding_page.page.screenshot(full_page=True, path=shot)
    with Image.open(io.BytesIO(png)) as decoded:
        image = decoded.convert("RGB")
    width, height = image.size
    assert height > 1500, f"a full-page screenshot only {height} px tall ({shot})"
    colours = image.getcolors(maxcolors=width * height) or []
    background = max(count for count, _ in colours)
    drawn = 1 - background / (width * height)
    assert drawn >= 0.02, f"only {drawn:.1%} of the page differs from its background ({shot})"
    assert len(colours) >= 20, f"only {len(colours)} colours on the page ({shot})"


def test_has_every_section_the_plan_calls_for(
    founding_page: Opened, founding_plan: ContingencyPlan
) -> None:
    page = founding_page.page
    ids = founding_page.section_ids()
    assert ids == _founding_expected(founding_plan)
    assert ids == _sections(founding_plan)
    for section in page.query_selector_all("main#report > section.report-section"):
        name = section.get_attribute("id")
        assert section.evaluate("s => s.firstElementChild?.tagName") == "H2", name
        heading = section.query_selector(":scope > h2")
        assert heading is not None and heading.is_visible(), name
        assert heading.inner_text().strip(), name
    for name in CHARTS:
        svgs = page.query_selector_all(f"#{name} svg")
        assert any(svg.is_visible() for svg in svgs), f"no visible <svg> in #{name}"


def test_headline_says_when_everyone_is_out(
    founding_page: Opened, founding_plan: ContingencyPlan
) -> None:
    egress = founding_plan.evacuation.egress_minutes
    assert egress is not None
    clock = founding_plan.scenario.clock(egress)
    text = " ".join((founding_page.page.text_content("#headline") or "").split())
    assert clock in text, f"{clock!r} not in the headline: {text!r}"


def test_prints_on_a4_a_section_a_page(
    browser: Browser, founding_report: Path, report_dir: Path
) -> None:
    opened = _open(browser, founding_report)
    try:
        pdf = opened.page.pdf(path=report_dir / "plan.pdf", format="A4")
        pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
        assert pages > 1, f"the report prints on {pages} page(s)"
        opened.page.emulate_media(media="print")
        breaks = opened.page.eval_on_selector_all(
            "main#report > section.report-section",
            """sections => sections.slice(1).map(s => {
                const style = getComputedStyle(s);
                return [s.id, style.breakBefore, style.pageBreakBefore];
            })""",
        )
        unbroken = [
            name for name, after, legacy in breaks if after != "page" and legacy != "always"
        ]
        assert unbroken == [], f"in print, no page break before {unbroken}"
        assert pages >= len(breaks) + 1
        _assert_clean(opened)
    finally:
        opened.page.close()


# ---------------------------------------------------------------------------------------
# With a closure analysis
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def closure_analysis(founding_plan: ContingencyPlan) -> Any:
    return analyze(founding_plan.scenario, closures=CLOSED_LINKS, k=1)


def test_report_with_closure_analysis(
    browser: Browser, founding_plan: ContingencyPlan, closure_analysis: Any, report_dir: Path
) -> None:
    path = report_dir / "plan-closures.html"
    founding_plan.to_html(path, closures=closure_analysis)
    opened = _open(browser, path)
    try:
        ids = opened.section_ids()
        assert "closures" in ids
        assert ids == _founding_expected(founding_plan, closures=True)
        assert ids == _sections(founding_plan, closures=closure_analysis)
        heading = opened.page.query_selector("#closures > h2")
        assert heading is not None and heading.is_visible()
        _assert_clean(opened)
    finally:
        opened.page.close()


# ---------------------------------------------------------------------------------------
# No label drawn over another, as the browser draws the charts
# ---------------------------------------------------------------------------------------

# Every <text> of every chart on the page: its words and its box on the screen (CSS px).
_TEXT_BOXES = """() => [...document.querySelectorAll('.figure svg')].map(svg => ({
    title: svg.querySelector('title')?.textContent ?? '',
    texts: [...svg.querySelectorAll('text')].map(t => {
        const r = t.getBoundingClientRect();
        return [t.textContent, r.left, r.top, r.right, r.bottom];
    }),
}))"""


@pytest.mark.parametrize("name", ["tiny", "uk-iraq-iran-2020", "kabul-2021", "khartoum-2023"])
def test_no_text_is_drawn_over_another_in_the_browser(
    browser: Browser, label_pages: dict[str, Any], name: str
) -> None:
    """The pages ``test_labels.py`` measures in matplotlib, measured again as Chromium lays
    out their text (its own font metrics): no two boxes of a chart overlap by more than a
    pixel both ways (the browser's boxes are the font's full height, a little taller)."""
    opened = _open(browser, label_pages[name].path)
    try:
        charts = opened.page.evaluate(_TEXT_BOXES)
        assert len(charts) >= 3
        found = {}
        for chart in charts:
            texts = chart["texts"]
            assert texts, chart["title"]
            found[chart["title"]] = [
                (a[0], b[0])
                for i, a in enumerate(texts)
                for b in texts[i + 1 :]
                if min(a[3], b[3]) - max(a[1], b[1]) > 1 and min(a[4], b[4]) - max(a[2], b[2]) > 1
            ]
        assert {k: v for k, v in found.items() if v} == {}
        _assert_clean(opened)
    finally:
        opened.page.close()
