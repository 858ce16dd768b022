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
and F(t) found for t up to T (:func:`evacplan.routing._maxflow._flows_by_step`);
the baseline's own arrivals must follow it, else nothing is settled here. A
case closes its links' move arcs from the step ``at`` falls in on (a link
open at a step's first minute is open for it), and F(t) is found again over
the same arrays, from the first step a closed arc can matter (the least
step to safety from its head; F is the baseline's below it). Closing never
adds a way, so the baseline's copies and pruning still hold every way the
case has. When the case still brings everyone to safety by T, its egress is
the baseline's (closing never makes anyone faster) and its person-hours and
harm are its own F's. When it does not, the same is done over the baseline
expanded to ``1 + 1/NEARER`` times T, then to ``WIDER`` times T (each made
once, when a case first needs it): the case is delayed to the first t with
F(t) = everyone, which the max flow at t - 1 proves; past that horizon the
case is re-planned. On a large network the cases are taken together
(:meth:`_Prefix.prepare`, :meth:`_Expanded.closed_all`): each goes on from
the baseline's max preflow at the greatest step its closed arcs carry flow
that cannot be sent another way, where taking them away first matters. A
closure from
minute 0 that leaves a source no way to safety (a search over the links
left) strands its people, as a re-plan would; everyone else is compared
with the same people in the baseline. From a later minute, a source cut
off is re-planned (some of its people may leave before the closure).

A case's ``rerouted`` counts the people who must change their route: a
plain count whose route enters a closed link at a step it cannot reach
before the closure (the sum of the transits before it, from minute 0, is
``at`` or later), the least a re-plan would report. A case that strands
nobody and delays nobody needs some of them to be ``rerouted`` (some
people's route or arrival then changes in every plan of the case); without
them it is re-planned (its outcome could be ``unaffected``).
Closing one of several parallel links (a group whose capacities add up)
lowers its capacity rather than removing it: such a case is re-planned too.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from evacplan._time import _plural
from evacplan.closures._arguments import _Inputs
from evacplan.closures._expanded import _Expanded
from evacplan.contingency import ContingencyPlan
from evacplan.models import Network
from evacplan.network import arcs
from evacplan.results import Status
from evacplan.routing import EvacuationPlan, Movement
from evacplan.routing._arguments import _check as _check_evacuate
from evacplan.routing._arrays import _FOREVER, _ceil_div, _dijkstra
from evacplan.routing._compile import _compile, _Net
from evacplan.routing._search import _Splittable

ENABLED = True
"""False re-plans every case the baseline needs (the tests compare the two)."""

_OBJECTIVES = ("quickest", "least_harm")


WIDER = 2
"""A case later than the baseline is looked for up to this many times its egress..."""

NEARER = 8
"""...first up to 1 + 1/``NEARER`` times it (at least a step more): most cases are a few
minutes later (on Chicago-Sketch's N-1 at 10,000 people, all sixteen by 1.11 times), and
the lowering from twice the egress costs them about two and a half times as much."""


@dataclass(frozen=True, slots=True)
class _Figures:
    """A case settled by max flows: what it changes for the baseline's people."""

    hours_change: float
    """The change in person-hours not yet safe (everyone still gets out)."""
    harm_change: float
    """The change in harm: ``hazard_per_hour`` times ``hours_change`` (no link has risk)."""
    same: bool
    """Whether F(t) is the baseline's at every step: nobody arrives later."""
    forced: int
    """People whose route enters a closed link that they cannot reach before it closes."""
    seconds: float
    egress: int = 0
    """When the last person who gets out is safe (minutes)."""
    delay: int = 0
    """Minutes by which the last of them is safe later than the same people in the
    baseline (negative when the people cut off leave the roads to the others)."""
    stranded: tuple[tuple[str, int], ...] = ()
    """(place, people) of the sources the closure leaves no way out, in place order."""
    harm: float = 0.0
    """The case's harm: ``hazard_per_hour`` times its person-hours."""

    def proof(self, at: float, egress: int) -> str:
        """Why the case has these figures, in words (``egress``: its own, in minutes)."""
        hours = (
            "as many people are safe by every minute as in the baseline"
            if self.same
            else f"{self.hours_change:+,.1f} person-hours not yet safe, the least any plan "
            "can have (the most people safe by every minute)"
        )
        when = (
            f"by minute {egress}, the baseline's egress (closing links never makes anyone faster)"
            if not self.delay and not self.stranded
            else f"by minute {egress}, and a max flow shows that not all of them can be safe a "
            "step sooner"
        )
        who = "everyone still reaches"
        if self.stranded:
            cut = ", ".join(f"{n} at {place}" for place, n in self.stranded)
            who = f"no route is left from {cut}; everyone else reaches"
        return (
            f"settled by max flows over the time-expanded network, without a re-plan: with "
            f"these links closed from minute {at:g}, {who} safety {when}; "
            f"{hours}; {_plural(self.forced, 'person', 'people')} must take another route "
            "(theirs enters a closed link after it closes)"
        )


@dataclass(frozen=True, slots=True)
class _Legs:
    """A plain count's route in the baseline: its people, and each link key with the
    steps of transit before it (from minute 0)."""

    count: int
    source: str
    arrival: int
    """Minutes."""
    keys: tuple[str, ...]
    before: tuple[int, ...]


class _Prefix:
    """The baseline's F(t), and each case's F(t) with its links closed."""

    def __init__(
        self,
        net: _Net,
        network: Network,
        sources: _Splittable,
        narrow: _Expanded,
        baseline: EvacuationPlan,
        at: float,
    ) -> None:
        self.net, self.sources, self.narrow = net, sources, narrow
        self.wider: dict[int, _Expanded | None] = {}
        """The same to later horizons (:meth:`_horizons`), each made when first needed."""
        self.people = int(narrow.values[-1])
        self.step, self.at, self.hazard = net.step, at, baseline.hazard_per_hour
        self.at_step = _ceil_div(at, net.step) if at > 0 else 0
        self.hours = self._hours(narrow.values, narrow.t_lo)
        self.can_delay = baseline.lower_bound_minutes == baseline.egress_minutes
        """Whether the plans of later cases prove their egress as the baseline does."""
        group_of: dict[str, list[int]] = {}
        for g, members in enumerate(net.g_members):
            for key in members:
                group_of.setdefault(key, []).append(g)
        self.shared = {g for g, members in enumerate(net.g_members) if len(members) > 1}
        """Groups of several parallel links (closing one lowers the group's capacity)."""
        self.link_groups: dict[int, set[int]] = {}
        """Per link index, the groups of its directed arcs."""
        self.keys: dict[int, set[str]] = {}
        """Per link index, its arcs' keys (as movements name them)."""
        minutes: dict[str, float] = {}
        for arc in arcs(network):
            self.link_groups.setdefault(arc.link, set()).update(group_of.get(arc.key, ()))
            self.keys.setdefault(arc.link, set()).add(arc.key)
            minutes[arc.key] = arc.minutes
        self.legs = [_legs_of(m, minutes, net.step) for m in baseline.movements]
        self.entering: dict[str, list[int]] = {}
        """Per link key, the legs whose route enters it where it is closed in any plan."""
        for i, legs in enumerate(self.legs):
            for key, before in zip(legs.keys, legs.before, strict=True):
                if before * self.step >= at:
                    self.entering.setdefault(key, []).append(i)
        self.found: dict[frozenset[int], tuple[np.ndarray, float]] = {}
        """Per case's link groups, its F(t) to the egress and the seconds it took
        (:meth:`prepare`)..."""
        self.found_later: dict[frozenset[int], tuple[_Expanded, np.ndarray, float]] = {}
        """...to a later horizon, for the cases later than the baseline (with that network)..."""
        self.lost: dict[frozenset[int], np.ndarray] = {}
        """...and the sources it leaves no way to safety (:meth:`_cut_off`)."""

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
        narrow = _Expanded.of(net, sources, baseline.egress_minutes // s)
        if (
            narrow is None
            or int(narrow.values[-1]) != int(sources.src_count.sum())
            or not _follows(baseline, narrow.values, narrow.t_lo, s)
        ):
            return None
        prefix = cls(net, route.network, sources, narrow, baseline, inp.at)
        if not math.isclose(prefix.hours, baseline.hours_not_safe, rel_tol=1e-12, abs_tol=1e-9):
            return None  # the baseline's arrivals are not F's after all: settle nothing here
        return prefix

    def prepare(self, cases: list[frozenset[int]]) -> None:
        """Find F(t) up to the baseline's egress for each case (the links it closes) at once,
        for :meth:`settle` (:meth:`_Expanded.closed_all`)."""
        keys = list(dict.fromkeys(g for links in cases if (g := self._groups(links))))
        found = self.narrow.closed_all([(set(g), self.at_step) for g in keys])
        self.found.update(zip(keys, found, strict=True))
        # The cases later than the baseline, then over later horizons, together too.
        later = [
            g
            for g, (values, _) in zip(keys, found, strict=True)
            if values[-1] < self.people and self.can_delay and values[-1] < self._people(g) > 0
        ]
        for horizon in self._horizons():
            wide = self._wide(horizon) if later else None
            if wide is None:
                break
            found = wide.closed_all([(set(g), self.at_step) for g in later])
            for g, (values, seconds) in zip(later, found, strict=True):
                self.found_later[g] = (wide, values, seconds)
            later = [g for g in later if self.found_later[g][1][-1] < self._people(g)]

    def settle(self, links: frozenset[int]) -> _Figures | None:
        """The figures of closing ``links`` from ``at``, when max flows prove them; else None."""
        started = time.perf_counter()
        groups = self._groups(links)
        if not groups:
            return None
        narrow = self.narrow
        values, spent = self.found.get(groups) or (narrow.closed(set(groups), self.at_step), 0.0)
        started -= spent
        t_lo = narrow.t_lo
        lost = np.zeros(self.sources.src_place.size, dtype=bool)
        if values[-1] < self.people:
            # Later, or people cut off: a plan that proves its egress is needed to compare.
            if not self.can_delay:
                return None
            lost = self._cut_off(groups)
        people = self._people(groups) if lost.any() else self.people
        gone = {self.net.ids[p] for p in self.sources.src_place[lost].tolist()}
        forced = self._forced(links, gone)
        if not people:
            return None
        if values[-1] < people:
            found = self.found_later.get(groups) or self._later(groups, people)
            if found is None:
                return None
            wide, values, spent = found
            started -= spent
            t_lo = wide.t_lo
            if values[-1] < people:
                return None  # later still, or cut off from after minute 0: re-planned
        values = values[: int(np.argmax(values >= people)) + 1]
        hours_before, last_before = self._before(gone)
        total = self._hours(values, t_lo)
        hours = total - hours_before
        egress = (t_lo + values.size - 1) * self.step
        if not forced and not lost.any() and egress <= last_before:
            return None  # nobody stranded or later, and maybe nothing changes: re-planned
        places = self.sources.src_place[lost].tolist()
        counts = self.sources.src_count[lost].tolist()
        return _Figures(
            hours_change=hours,
            harm_change=self.hazard * hours,
            same=values.shape == narrow.values.shape and bool((values == narrow.values).all()),
            forced=forced,
            seconds=time.perf_counter() - started,
            egress=egress,
            delay=egress - last_before,
            stranded=tuple(
                (self.net.ids[p], int(n)) for p, n in sorted(zip(places, counts, strict=True))
            ),
            harm=self.hazard * total,
        )

    def _groups(self, links: frozenset[int]) -> frozenset[int]:
        """The link groups closing ``links`` closes; empty when it closes none, or one of several
        parallel links (which lowers a group's capacity: re-planned)."""
        groups = frozenset(g for j in links for g in self.link_groups.get(j, ()))
        return frozenset() if groups & self.shared else groups

    def _horizons(self) -> list[int]:
        """The later horizons a case later than the baseline is looked for to, in turn."""
        egress = self.narrow.horizon
        near = egress + max(1, -(-egress // NEARER))
        return sorted({min(near, WIDER * egress), WIDER * egress} - {egress})

    def _wide(self, horizon: int) -> _Expanded | None:
        """The baseline's network expanded to ``horizon`` (made when first needed; None if
        nobody arrives)."""
        if horizon not in self.wider:
            self.wider[horizon] = _Expanded.of(self.net, self.sources, horizon)
        return self.wider[horizon]

    def _later(
        self, groups: frozenset[int], people: int
    ) -> tuple[_Expanded, np.ndarray, float] | None:
        """F(t) with ``groups`` closed over the first later network by whose horizon
        ``people`` are safe, else over the last (None if there is none)."""
        found = None
        for horizon in self._horizons():
            wide = self._wide(horizon)
            if wide is None:
                break
            found = (wide, wide.closed(set(groups), self.at_step), 0.0)
            if found[1][-1] >= people:
                break
        return found

    def _people(self, groups: frozenset[int]) -> int:
        """The people closing ``groups`` leaves a way to safety."""
        return self.people - int(self.sources.src_count[self._cut_off(groups)].sum())

    def _cut_off(self, groups: frozenset[int]) -> np.ndarray:
        """Per source, whether closing ``groups`` from minute 0 leaves it no way to safety
        (all False for a closure from a later minute: some may leave before it)."""
        net = self.net
        if self.at_step:
            return np.zeros(self.sources.src_place.size, dtype=bool)
        if groups in self.lost:
            return self.lost[groups]
        used = np.zeros(net.g_tail.size, dtype=bool)
        used[net.k_group] = True
        used[list(groups)] = False
        safe = {int(p): 0 for p in np.flatnonzero(net.safe)}
        to_safe = _dijkstra(net.n, net.g_head[used], net.g_tail[used], net.g_tau[used], safe)
        self.lost[groups] = np.asarray(to_safe[self.sources.src_place] >= _FOREVER)
        return self.lost[groups]

    def _before(self, gone: set[str]) -> tuple[float, int]:
        """The baseline's person-hours and last arrival (minutes) of everyone not from ``gone``."""
        if not gone:
            return self.hours, self.narrow.horizon * self.step
        kept = [legs for legs in self.legs if legs.source not in gone and legs.keys]
        hours = sum(legs.count * legs.arrival for legs in kept) / 60
        return hours, max((legs.arrival for legs in kept), default=0)

    def _hours(self, values: np.ndarray, t_lo: int) -> float:
        """Person-hours not yet safe of the arrivals F gives (everyone leaves at minute 0)."""
        arrivals = np.diff(values, prepend=0)
        steps = np.arange(t_lo, t_lo + values.size, dtype=np.int64)
        return float(int((arrivals * steps).sum()) * self.step) / 60

    def _forced(self, links: frozenset[int], gone: set[str]) -> int:
        """People not from ``gone`` whose baseline route enters one of ``links`` where it is
        closed in any plan."""
        closed = set().union(*(self.keys.get(j, set()) for j in links))
        hit = {i for key in closed for i in self.entering.get(key, ())}
        return sum(self.legs[i].count for i in hit if self.legs[i].source not in gone)


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


def _legs_of(m: Movement, minutes: dict[str, float], step: int) -> _Legs:
    """A movement's links with the steps of transit before each."""
    before, total = [], 0
    for key in m.links:
        before.append(total)
        total += max(1, _ceil_div(minutes[key], step))
    return _Legs(m.count, m.source, m.arrival_minute, tuple(m.links), tuple(before))
