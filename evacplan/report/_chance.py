"""How sure the plan is, for its page: a simulation's runs read into plain records.

Reads a :class:`~evacplan.uncertainty.Simulation` by its public fields and
methods (``summary``, ``party_odds``, ``binding``, ``egress``), without
importing the package that made it (it stands on a floor above the report):
the opening lines of its summary, the clearance time of every run for the
chart, the parties least often on time and what held people up, as
:class:`._records.SimulationFacts` for :mod:`._page`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from evacplan._time import percent as _pct
from evacplan.report._records import Holdup, Odds, SimulationFacts

__all__ = ["simulation_facts"]

ROWS = 10
"""Parties and links listed at most (the API and ``to_frame`` have them all)."""


def _person_time(minutes: float) -> str:
    if minutes < 1:
        return "under 1 person-min" if minutes else "none"
    return f"{minutes:.0f} person-min" if minutes < 60 else f"{minutes / 60:.1f} person-h"


def simulation_facts(sim: Any, clock: Callable[[float], str] | None) -> SimulationFacts:
    """The page's records of ``sim`` (times as clock times when ``clock`` is given)."""

    def at(minute: float) -> str:
        if math.isinf(minute):
            return "never"
        return clock(minute) if clock is not None else f"minute {minute:g}"

    words: list[str] = []
    for line in sim.summary().splitlines():
        if line.startswith(("Most often", "What holds")):
            break  # the tables below say it
        if line.startswith("  ") and words:  # why people are never safe: one paragraph
            joiner = " Why: " if "Why:" not in words[-1] else "; "
            words[-1] = words[-1].rstrip(".") + "." * (joiner == " Why: ") + joiner + line.strip()
        else:
            words.append(line)
    ranked = sorted(sim.party_odds(), key=lambda o: (-o.p_not_safe, o.p_on_time, o.party))
    odds = [
        Odds(o.party, o.people, _pct(o.p_on_time), at(o.p95), at(o.planned), _pct(o.p_not_safe))
        for o in ranked[:ROWS]
        if o.p_on_time < 1
    ]
    holdups = [
        Holdup(
            b.link,
            f"{b.source} -> {b.target}",
            _pct(b.share),
            _person_time(b.waited_hours * 60),
            f"{b.missed:.1f}" if b.service else "",
            f"{b.stuck:.1f}" if b.stuck else "",
        )
        for b in sim.binding()[:ROWS]
    ]
    finite = [float(x) for x in sim.egress if math.isfinite(x)]
    q95 = sim.quantile(0.95)
    return SimulationFacts(
        words=words,
        egress=finite,
        never=len(sim.egress) - len(finite),
        planned=float(sim.planned_egress),
        q95=q95 if math.isfinite(q95) else None,
        step=int(sim.step_minutes),
        odds=odds,
        holdups=holdups,
    )
