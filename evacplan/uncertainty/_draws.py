"""What is random in a run, drawn from the run's own seed: travel factors, late and absent
people, closures.

The stage between the compiled plan (:mod:`._course`) and a run
(:mod:`._follow`). Run ``i`` draws from ``SeedSequence(seed).spawn(runs)[i]``
alone, always in the same order, so a run's draw does not depend on which
worker makes it or on what other runs it shares a batch with: the same seed
gives the same simulation on any executor.

- **Travel factors**: one per link group (parallel links of equal transit
  act as one road), triangular ``(low, mode, high)``; a link of ``m``
  minutes takes ``max(1, ceil(m x factor / step))`` steps in that run.
- **No-shows**: each party is absent with probability ``no_show``; of a
  plain count, a binomial number.
- **Late**: each party that comes is late with probability ``share``, by a
  uniform time up to ``up_to`` (added to its release, rounded up to the
  step); of a plain count, a binomial number, each late person by their own
  uniform time.
- **Closures**: each happens with its probability.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from evacplan.models import Network
from evacplan.network import Arc
from evacplan.routing._arrays import _EPS
from evacplan.uncertainty._course import _Course
from evacplan.uncertainty._follow import _Draw

__all__ = ["Triple", "_Spread", "draw", "more_factors", "transit_of"]

Triple = tuple[float, float, float]
"""``(low, mode, high)`` of a triangular factor."""


@dataclass(frozen=True, slots=True)
class _Spread:
    """The uncertainty of a simulation, checked (see :func:`simulate`)."""

    travel_factor: tuple[float, float, float]
    late_share: float
    late_up_to: float
    """Minutes."""
    no_show: float
    closure_p: tuple[float, ...]
    """Each closure's probability, in the call's order."""
    modes: dict[str, Triple] = field(default_factory=dict)
    """A travel factor by link mode (the scenario's ``uncertainty`` section)."""
    regions: dict[str, Triple] = field(default_factory=dict)
    """By the region of the place a link leaves."""
    links: dict[str, Triple] = field(default_factory=dict)
    """By link id or label: the most specific."""

    def triple(self, arcs: list[Arc], network: Network) -> Triple:
        """The travel factor of a link group (its first link's: by link, region, mode, else
        the default)."""
        arc = arcs[0]
        link = network.links[arc.link]
        for name in (link.id, link.label):
            if name is not None and name in self.links:
                return self.links[name]
        place = network.place_by_id.get(arc.source)
        if place is not None and place.region in self.regions:
            return self.regions[place.region]
        return self.modes.get(str(arc.mode), self.travel_factor)


def _factors(triples: list[Triple], rng: np.random.Generator) -> np.ndarray:
    """One triangular factor per ``(low, mode, high)``, by inverting the distribution of one
    uniform each (a degenerate triple gives its value)."""
    u = rng.random(len(triples))
    if not triples:
        return u
    a, c, b = (np.array(x, dtype=np.float64) for x in zip(*triples, strict=True))
    width = b - a
    safe = np.where(width > 0, width, 1.0)
    below = u < (c - a) / safe
    out = np.where(
        below,
        a + np.sqrt(u * width * (c - a)),
        b - np.sqrt((1 - u) * width * (b - c)),
    )
    return np.where(width > 0, out, a)


def draw(course: _Course, spread: _Spread, rng: np.random.Generator) -> _Draw:
    """One run's draw from ``rng``."""
    n_groups = len(course.group_names)
    members = course.group_members
    factor = _factors([spread.triple(members[g], course.network) for g in range(n_groups)], rng)
    transit = np.maximum(
        1, np.ceil(course.group_minutes[:n_groups] * factor / course.step - _EPS)
    ).astype(np.int64)
    units = course.units
    absent = rng.random(len(units))
    late = rng.random(len(units))
    delay = rng.uniform(0.0, spread.late_up_to, len(units)) if spread.late_up_to else None
    starts: list[tuple[int, int, int]] = []
    no_show = 0
    no_show_parties: list[int] = []
    for u, unit in enumerate(units):
        if unit.party >= 0:
            if absent[u] < spread.no_show:
                no_show += unit.people
                no_show_parties.append(unit.party)
                continue
            wait = delay[u] if delay is not None and late[u] < spread.late_share else 0.0
            starts.append((u, unit.people, _ready(course, unit.release + wait)))
            continue
        mine = _plain(course, u, spread, rng)
        starts += mine
        no_show += unit.people - sum(n for _, n, _ in mine)
    closed = frozenset(i for i, p in enumerate(spread.closure_p) if rng.random() < p)
    by_key = dict(zip(course.group_keys, factor.tolist(), strict=True))
    return _Draw(transit, starts, closed, no_show, tuple(no_show_parties), by_key)


def more_factors(
    course: _Course, spread: _Spread, rng: np.random.Generator
) -> dict[tuple[str, str, int], float]:
    """A factor for every link group of the network (in the network's order), drawn after
    everything else of the run (a re-plan may take links the plan did not)."""
    links = course.links
    triples = [spread.triple([s.arc for s in m], course.network) for m in links.members]
    return dict(zip(links.groups, _factors(triples, rng).tolist(), strict=True))


def transit_of(course: _Course, factor: dict[tuple[str, str, int], float]) -> np.ndarray:
    """Each group of ``course``'s travel steps under the run's factors."""
    f = np.array([factor.get(key, 1.0) for key in course.group_keys] or [1.0])
    n = len(course.group_keys)
    return np.maximum(1, np.ceil(course.group_minutes[:n] * f[:n] / course.step - _EPS)).astype(
        np.int64
    )


def _plain(
    course: _Course, u: int, spread: _Spread, rng: np.random.Generator
) -> list[tuple[int, int, int]]:
    """A plain count's starts: those who come on time, and the late ones by their step."""
    unit = course.units[u]
    came = unit.people - (int(rng.binomial(unit.people, spread.no_show)) if spread.no_show else 0)
    timed = spread.late_share and spread.late_up_to
    late = int(rng.binomial(came, spread.late_share)) if timed else 0
    out = [(u, came - late, _ready(course, unit.release))] if came > late else []
    if late:
        steps = [_ready(course, unit.release + w) for w in rng.uniform(0, spread.late_up_to, late)]
        values, counts = np.unique(np.array(steps, dtype=np.int64), return_counts=True)
        out += [(u, int(n), int(s)) for s, n in zip(values.tolist(), counts.tolist(), strict=True)]
    return out


def _ready(course: _Course, minute: float) -> int:
    """The step from which people ready at ``minute`` may move (rounded up)."""
    return max(0, math.ceil(minute / course.step - _EPS))
