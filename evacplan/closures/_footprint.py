"""What a plan still needs after a moment: the links it enters from minute ``at`` on.

A closure at minute ``at`` stops people entering a link from then on
(docs/routing.md: a link's state at a step is its state at the step's first
minute). A plan that enters none of the closed links from ``at`` on is still
a valid plan with them closed; closing links never makes a plan possible
that was not possible before, so a plan that was best stays best. This
module reads a plan's public fields (movements, last-out checks) and returns
the indices of the links it uses from ``at`` on, for :mod:`._analyze` to
test against each closure without solving.

Parallel links of equal transit act as one (docs/routing.md), so a leg
counts against every link of its group: closing one of them takes capacity
the plan may have counted on.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from evacplan.contingency import ContingencyPlan
from evacplan.models import Network
from evacplan.network import arcs
from evacplan.routing import EvacuationPlan
from evacplan.routing._arrays import _ceil_div
from evacplan.routing.columns import Movements


class _Groups:
    """Link indices by leg: a leg's link key and ends give its group of parallel links."""

    def __init__(self, network: Network, step: int) -> None:
        self.step = step
        group: dict[tuple[str, str, int], set[int]] = defaultdict(set)
        self._arc: dict[tuple[str, str, str], tuple[str, str, int]] = {}
        for arc in arcs(network):
            key = (arc.source, arc.target, max(1, _ceil_div(arc.minutes, step)))  # as routing
            group[key].add(arc.link)
            self._arc[(arc.key, arc.source, arc.target)] = key
        self._group = {k: frozenset(v) for k, v in group.items()}

    def links(self, key: str, here: str, there: str) -> frozenset[int]:
        """The links of the group a leg from ``here`` to ``there`` by link ``key`` belongs to."""
        where = self._arc.get((key, here, there))
        return self._group[where] if where is not None else frozenset()


def evacuation_footprint(plan: EvacuationPlan, groups: _Groups, at: float) -> frozenset[int]:
    """Indices of the links ``plan``'s movements enter from minute ``at`` on (read from the
    movements' columns: each leg by its last entry, the legs' links once each)."""
    ms = Movements.of(plan.movements)
    near = ms.leg_stop
    last = ms.stop_leave[near]
    if ms.spread_leg.size:  # (a leg crossed over several steps: its last entry)
        last[ms.spread_leg] = np.maximum.reduceat(ms.spread_minute, ms.spread_start[:-1])
    late = last >= at
    ends = np.stack([ms.leg_link[late], ms.stop_place[near[late]], ms.stop_place[near[late] + 1]])
    used: set[int] = set()
    for k, here, there in np.unique(ends, axis=1).T.tolist():
        used |= groups.links(ms.link_names[k], ms.place_names[here], ms.place_names[there])
    return frozenset(used)


def contingency_footprint(plan: ContingencyPlan, groups: _Groups, at: float) -> frozenset[int]:
    """The joint schedule's links from ``at`` on, and every last-out way out that matters then.

    A last-out check counts when its way out runs past ``at``, or when ``at``
    falls in its stage (before the next stage): a closure touching that way
    out prompts a new check at ``at`` (see :mod:`evacplan.contingency._lastout`).
    """
    used = set(evacuation_footprint(plan.evacuation, groups, at))
    starts = [stage.minute for stage in plan.stages]
    for checks in plan.last_out.values():
        for check in checks:
            later = [m for m in starts if m > check.minute]
            window_end = min(later, default=math.inf)
            runs_to = check.minute + (check.minutes if check.minutes is not None else math.inf)
            if max(window_end, runs_to) > at:
                stops = check.itinerary
                for i, key in enumerate(check.links):
                    if i + 1 < len(stops):
                        used |= groups.links(key, stops[i].place, stops[i + 1].place)
    return frozenset(used)
