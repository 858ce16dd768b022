"""Cases settled by max flows over the baseline's time-expanded network, without a re-plan.

Takes the checked inputs (:mod:`._arguments`) and the baseline plan from
:mod:`._analyze`; gives :mod:`._analyze` a case's figures (:class:`_Figures`)
when max flows prove them, or None, and the case is re-planned.

Where it applies: a Network with plain counts (no parties), all of them
brought to safety by the baseline but those no route leads from, no risk on any link or place, no
deadline, and the objective ``quickest`` or ``least_harm``. Then a plan's
figures follow from F(t), the most people safe by step t, for every t: the
least sum of arrivals has F(t) people safe by every t (an earliest-arrival
flow reaches them all at once, docs/routing.md), so ``quickest`` (the least
egress, then no risk, then the least sum of arrivals) and ``least_harm``
(``hazard_per_hour`` times the person-hours, then the sum of arrivals, then
the egress) both arrive by F's steps; the egress is the first t with
F(t) = everyone, and the person-hours and harm are F's arrivals times their
minutes.

The baseline's network is compiled and expanded to its egress T once
(:func:`evacplan.routing._compile._compile`, :class:`~evacplan.routing._search._Splittable`),
and F(t) found for t up to T (:func:`evacplan.routing._maxflow._prefix_flows`);
the baseline's own arrivals must follow it, else nothing is settled here. A
case closes its links' move arcs from the step ``at`` falls in on (a link
open at a step's first minute is open for it), and F(t) is found again over
the same arrays. Closing never adds a way, so the baseline's copies and
pruning still hold every way the case has. When the case still brings
everyone to safety by T, its egress is the baseline's (closing never makes
anyone faster) and its person-hours and harm are its own F's. When it does
not (a delay, or people cut off), the case is re-planned.

A case also needs people who must change their route: a plain count whose
route enters a closed link at a step it cannot reach before the closure
(the sum of the transits before it, from minute 0, is ``at`` or later). Some
people's route or arrival then changes in every plan of the case, so it is
``rerouted``; the count is those people, the least a re-plan would report.
A case without them is re-planned (its outcome could be ``unaffected``).
Closing one of several parallel links (a group whose capacities add up)
lowers its capacity rather than removing it: such a case is re-planned too.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from evacplan.closures._arguments import _Inputs
from evacplan.contingency import ContingencyPlan
from evacplan.models import Network
from evacplan.network import arcs
from evacplan.results import Status
from evacplan.routing import EvacuationPlan
from evacplan.routing._arguments import _check as _check_evacuate
from evacplan.routing._arrays import _FOREVER, _ceil_div
from evacplan.routing._compile import _compile, _Net
from evacplan.routing._maxflow import _prefix_flows
from evacplan.routing._search import _Splittable

ENABLED = True
"""False re-plans every case the baseline needs (the tests compare the two)."""

_OBJECTIVES = ("quickest", "least_harm")


@dataclass(frozen=True, slots=True)
class _Figures:
    """A case settled by max flows: what it changes for the baseline's people."""

    hours_change: float
    """The change in person-hours not yet safe (everyone still gets out, by the same egress)."""
    harm_change: float
    """The change in harm: ``hazard_per_hour`` times ``hours_change`` (no link has risk)."""
    same: bool
    """Whether F(t) is the baseline's at every step: nobody arrives later."""
    forced: int
    """People whose route enters a closed link that they cannot reach before it closes."""
    seconds: float


@dataclass(frozen=True, slots=True)
class _Legs:
    """A plain count's route in the baseline: its people, and each link key with the
    steps of transit before it (from minute 0)."""

    count: int
    keys: tuple[str, ...]
    before: tuple[int, ...]


class _Prefix:
    """The baseline's time-expanded network and F(t), and each case's F(t) with its links closed."""

    def __init__(
        self,
        ten_arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
        ends: tuple[int, int, np.ndarray],
        arc_group: np.ndarray,
        arc_step: np.ndarray,
        span: tuple[int, int],
        values: np.ndarray,
        link_groups: dict[int, tuple[int, ...]],
        shared: set[int],
        legs: list[_Legs],
        keys: dict[int, frozenset[str]],
        step: int,
        at: float,
        hazard: float,
    ) -> None:
        self.tail, self.head, self.cap, self.label = ten_arrays
        self.sink, self.source, self.ready = ends
        self.arc_group, self.arc_step = arc_group, arc_step
        self.t_lo, self.horizon = span
        self.values = values
        self.link_groups = link_groups
        """Per link index, the groups of its directed arcs."""
        self.shared = shared
        """Groups of several parallel links (closing one lowers the group's capacity)."""
        self.legs = legs
        self.keys = keys
        """Per link index, its arcs' keys (as movements name them)."""
        self.step, self.at, self.hazard = step, at, hazard
        self.at_step = _ceil_div(at, step) if at > 0 else 0
        self.hours = self._hours(values)

    @classmethod
    def build(cls, inp: _Inputs, baseline: ContingencyPlan | EvacuationPlan) -> _Prefix | None:
        """The baseline's F(t) when this module's conditions hold (see its docstring), else None."""
        options = inp.plan_options
        subject = inp.subject
        if (
            not ENABLED
            or inp.keep_plans
            or not isinstance(subject, Network)
            or not isinstance(baseline, EvacuationPlan)
            or options.get("objective") not in _OBJECTIVES
            or options.get("deadline") is not None
            or options.get("parties")
            or baseline.status is not Status.OPTIMAL
            or baseline.parties
            or not baseline.movements
            or baseline.egress_minutes is None
        ):
            return None
        route = _check_evacuate(
            subject,
            options.get("supply"),
            options.get("safe"),
            None,
            options.get("step_minutes"),
            options.get("threats"),
            options["objective"],
            None,
            None,
        )
        s = route.step
        net = _compile(route.network, route.threats, s, set(route.safe))
        if net.risky or baseline.egress_minutes % s:
            return None
        index = {p: i for i, p in enumerate(net.ids)}
        src = [(index[p], n) for p, n in route.supply.items() if n > 0 and not net.safe[index[p]]]
        if not src:
            return None
        place = np.array([p for p, _ in src], dtype=np.int64)
        count = np.array([n for _, n in src], dtype=np.int64)
        sources = _routable(net, place, count, baseline)
        if sources is None:
            return None
        horizon = baseline.egress_minutes // s
        ten = sources.ten(horizon)
        count = sources.src_count
        tail, head, cap = ten.graph()
        label = np.concatenate([ten.label, np.full(tail.size - ten.label.size, -1, dtype=np.int64)])
        into = head == ten.sink
        if not into.any():
            return None
        t_lo = int(label[into].min())
        values, _ = _prefix_flows(
            tail, head, cap, label, ten.sink, ten.source, t_lo, horizon, ten.ready
        )
        if int(values[-1]) != int(count.sum()) or not _follows(baseline, values, t_lo, s):
            return None
        arc_group = np.full(tail.size, -1, dtype=np.int64)
        arc_group[ten.moves] = net.k_group[ten.m_tpl]
        arc_step = np.full(tail.size, -1, dtype=np.int64)
        arc_step[ten.moves] = ten.m_step
        group_of: dict[str, list[int]] = {}
        for g, members in enumerate(net.g_members):
            for key in members:
                group_of.setdefault(key, []).append(g)
        link_groups: dict[int, tuple[int, ...]] = {}
        keys: dict[int, set[str]] = {}
        minutes: dict[str, float] = {}
        for arc in arcs(route.network):
            link_groups[arc.link] = tuple(
                sorted({*link_groups.get(arc.link, ()), *group_of.get(arc.key, ())})
            )
            keys.setdefault(arc.link, set()).add(arc.key)
            minutes[arc.key] = arc.minutes
        prefix = cls(
            (tail, head, cap, label),
            (ten.sink, ten.source, ten.ready),
            arc_group,
            arc_step,
            (t_lo, horizon),
            values,
            link_groups,
            {g for g, members in enumerate(net.g_members) if len(members) > 1},
            [_legs_of(m.count, m.links, minutes, s) for m in baseline.movements],
            {j: frozenset(k) for j, k in keys.items()},
            s,
            inp.at,
            baseline.hazard_per_hour,
        )
        if not math.isclose(prefix.hours, baseline.hours_not_safe, rel_tol=1e-12, abs_tol=1e-9):
            return None  # the baseline's arrivals are not F's after all: settle nothing here
        return prefix

    def settle(self, links: frozenset[int]) -> _Figures | None:
        """The figures of closing ``links`` from ``at``, when max flows prove them; else None."""
        started = time.perf_counter()
        groups = {g for j in links for g in self.link_groups.get(j, ())}
        if not groups or groups & self.shared:
            return None
        forced = self._forced(links)
        if not forced:
            return None
        shut = np.isin(self.arc_group, list(groups)) & (self.arc_step >= self.at_step)
        shut &= self.cap > 0
        # Nobody who crosses a closed arc is safe before its head's earliest step to safety:
        # F(t) is the baseline's below the least of them.
        first = max(self.t_lo, int(self.ready[self.head[shut]].min())) if shut.any() else None
        values = self.values
        if first is not None and first <= self.horizon:
            cap = self.cap.copy()
            cap[shut] = 0
            later, _ = _prefix_flows(
                self.tail,
                self.head,
                cap,
                self.label,
                self.sink,
                self.source,
                first,
                self.horizon,
                self.ready,
            )
            values = np.concatenate([self.values[: first - self.t_lo], later])
        if values[-1] < self.values[-1]:
            return None  # later, or people cut off: the case is re-planned
        hours = self._hours(values) - self.hours
        return _Figures(
            hours_change=hours,
            harm_change=self.hazard * hours,
            same=bool((values == self.values).all()),
            forced=forced,
            seconds=time.perf_counter() - started,
        )

    def _hours(self, values: np.ndarray) -> float:
        """Person-hours not yet safe of the arrivals F gives (everyone leaves at minute 0)."""
        arrivals = np.diff(values, prepend=0)
        steps = np.arange(self.t_lo, self.t_lo + values.size, dtype=np.int64)
        return float(int((arrivals * steps).sum()) * self.step) / 60

    def _forced(self, links: frozenset[int]) -> int:
        """People whose baseline route enters one of ``links`` where it is closed in any plan."""
        closed = frozenset().union(*(self.keys.get(j, frozenset()) for j in links))
        forced = 0
        for legs in self.legs:
            for key, before in zip(legs.keys, legs.before, strict=True):
                if key in closed and before * self.step >= self.at:
                    forced += legs.count
                    break
        return forced


def _routable(
    net: _Net, place: np.ndarray, count: np.ndarray, baseline: EvacuationPlan
) -> _Splittable | None:
    """The sources some route leads from, when the baseline strands exactly the others (no
    closure gives them a way); None when it strands anyone else, or everyone."""
    sources = _Splittable(net, place, np.zeros(place.size, dtype=np.int64), count)
    cut = sources.to_safe[place] >= _FOREVER
    stranded: dict[str, int] = {}
    for s in baseline.stranded:
        stranded[s.place] = stranded.get(s.place, 0) + s.count
    if stranded != {net.ids[p]: int(n) for p, n in zip(place[cut], count[cut], strict=True)}:
        return None
    if cut.all():
        return None
    if not cut.any():
        return sources
    return _Splittable(net, place[~cut], np.zeros(int((~cut).sum()), dtype=np.int64), count[~cut])


def _follows(baseline: EvacuationPlan, values: np.ndarray, t_lo: int, step: int) -> bool:
    """Whether the baseline's arrivals are F's: ``values[i]`` people safe by step ``t_lo + i``."""
    arrived = np.zeros(values.size, dtype=np.int64)
    for m in baseline.movements:
        if not m.links:
            continue  # safe where they start: no arrival for F to count
        minute = m.arrival_minute
        if minute % step or not t_lo <= minute // step < t_lo + values.size:
            return False
        arrived[minute // step - t_lo] += m.count
    return bool((np.cumsum(arrived) == values).all())


def _legs_of(count: int, keys: list[str], minutes: dict[str, float], step: int) -> _Legs:
    """A movement's links with the steps of transit before each."""
    before, total = [], 0
    for key in keys:
        before.append(total)
        total += max(1, _ceil_div(minutes[key], step))
    return _Legs(count, tuple(keys), tuple(before))
