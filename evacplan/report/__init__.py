"""The plan a minister reads: one self-contained HTML page (``to_html``).

A plan's page is built in three steps, one module each:

- ``_facts``: what the page says, read from a plan's public fields into the
  plain records of ``_records`` (the headline, the per-post tables, who is left
  behind, the assumptions, the timeline's bars), and which sections it has
  (``_solo`` does the same for an evacuation or a drawdown on its own);
- ``_charts``: the pictures, as inline SVG drawn by matplotlib (the timeline,
  the map, the arrival curve), in a colour-blind-safe palette;
- ``_page``: the Jinja2 templates (``templates/``, autoescaped: scenario text is
  user input) that put them together with the stylesheet (screen and A4 print).

The package stands below the solvers (floor 5 of ARCHITECTURE.md): it names no
class of theirs and reads plans by their public fields, so that
``ContingencyPlan.to_html``, ``EvacuationPlan.to_html`` and
``DrawdownPlan.to_html`` can call it.
"""

from __future__ import annotations

from typing import Any

from evacplan.report._facts import contingency_facts
from evacplan.report._page import fragment, page, write
from evacplan.report._records import SECTIONS, Facts
from evacplan.report._solo import drawdown_facts, evacuation_facts

__all__ = [
    "SECTIONS",
    "Facts",
    "contingency_facts",
    "drawdown_facts",
    "evacuation_facts",
    "fragment",
    "page",
    "sections",
    "write",
]


def sections(plan: Any, closures: Any = None) -> list[str]:
    """The sections a plan's page has, in page order (see :data:`SECTIONS`).

    Parameters
    ----------
    plan
        A ContingencyPlan (from :func:`evacplan.plan`), an EvacuationPlan
        (:func:`evacplan.evacuate`) or a DrawdownPlan (:func:`evacplan.drawdown`).
    closures
        For a ContingencyPlan, a ClosureAnalysis of it (adds ``closures``).

    Examples
    --------
    >>> from evacplan import plan
    >>> from evacplan.io import load_scenario, seed_path
    >>> sections(plan(load_scenario(seed_path("tiny"))))
    ['headline', 'timeline', 'map', 'posts', 'arrivals', 'assumptions']
    """
    if hasattr(plan, "stages"):
        return contingency_facts(plan, closures=closures).sections
    if hasattr(plan, "movements"):
        return evacuation_facts(plan).sections
    return drawdown_facts(plan).sections
