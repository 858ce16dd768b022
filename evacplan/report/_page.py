"""A report's facts put on a page: the Jinja2 templates, the charts, the file written.

The last step of a page (:mod:`evacplan.report`): takes :class:`._facts.Facts`,
draws the charts its sections call for (:mod:`._charts`) and renders
``templates/page.html.j2`` (the whole page, with ``report.css`` inline) or
``templates/fragment.html.j2`` (the tables alone, for a notebook's
``_repr_html_``). Autoescaping is on for every template: scenario text is user
input. :func:`write` writes a page whole or not at all.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from markupsafe import Markup

from evacplan.errors import EvacplanError
from evacplan.report import _charts, _timeline
from evacplan.report._records import Facts

_TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,  # every template: names and reasons come from the scenario file
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _css() -> Markup:
    return Markup((_TEMPLATES / "report.css").read_text())


def _version() -> str:
    try:
        return version("evacplan")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "(source)"


def _charts_of(facts: Facts) -> dict[str, Markup]:
    """The SVG of every chart the page's sections call for (matplotlib escapes its text)."""
    out: dict[str, Markup] = {}
    if "timeline" in facts.sections:
        out["timeline"] = Markup(
            _timeline.timeline_svg(facts.bars, clock=facts.clock, end=facts.timeline_end)
        )
    if "map" in facts.sections:
        title, close_up = f"Map: {facts.headline.title}", facts.close_up
        out["map"] = Markup(_charts.map_svg(**facts.map, close_up=close_up, title=title))
        if facts.close_up is not None:
            out["close_up"] = Markup(
                _charts.map_svg(
                    **facts.map,
                    extent=facts.close_up,
                    title="Close-up: the posts' area",
                    prefix="close-",
                )
            )
    if "arrivals" in facts.sections and facts.arrivals is not None:
        a = facts.arrivals
        out["arrivals"] = Markup(
            _charts.arrivals_svg(
                a.curve,
                quickest=a.quickest or None,
                bound=a.bound,
                deadline=a.deadline,
                clock=facts.clock,
            )
        )
    if "simulation" in facts.sections and facts.simulation is not None:
        sim = facts.simulation
        out["simulation"] = Markup(
            _charts.clearance_svg(
                sim.egress,
                planned=sim.planned,
                q95=sim.q95,
                never=sim.never,
                step=sim.step,
                clock=facts.clock,
            )
        )
    return out


def page(facts: Facts, path: str | os.PathLike[str] | None = None) -> str:
    """The whole page: one self-contained HTML document (inline CSS and SVG, no script),
    also written to ``path`` (by :func:`write`) when one is given."""
    text = str(
        _environment()
        .get_template("page.html.j2")
        .render(
            f=facts,
            charts=_charts_of(facts),
            css=_css(),
            version=_version(),
            made=datetime.now(UTC).strftime("%d %b %Y %H:%M UTC"),
        )
    )
    if path is not None:
        write(text, path)
    return text


def fragment(facts: Facts) -> str:
    """The headline and tables alone, for a notebook (``_repr_html_``): no charts."""
    return str(_environment().get_template("fragment.html.j2").render(f=facts, css=_css()))


def write(text: str, path: str | os.PathLike[str]) -> Path:
    """Write a page to ``path`` whole or not at all (a temporary file renamed into place).

    Raises
    ------
    EvacplanError
        If the file cannot be written, naming the path and why.
    """
    target = Path(path)
    if target.is_dir():
        raise EvacplanError(f"cannot write the report to {target}: it is a directory")
    if not target.parent.is_dir():
        raise EvacplanError(
            f"cannot write the report to {target}: the folder {target.parent} does not exist"
        )
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError as err:
        temporary.unlink(missing_ok=True)
        raise EvacplanError(f"cannot write the report to {target}: {err.strerror or err}") from None
    return target
