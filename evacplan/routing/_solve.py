"""Stages 3 and 4 together: the splittable optimum for an objective, and why it is optimal.

:func:`_solve_flows` takes a :class:`~._search._Splittable` and an
objective and returns a :class:`_FlowResult`: flows per (link group,
departure step), the egress horizon and its proven lower bound, the proof in
words, the bottleneck cut, and why anyone who cannot get out is cut off
(closures named). It finds the horizon with :mod:`._search`, honours a
deadline, then picks among equally quick schedules with :mod:`._objectives`.
The front door (:mod:`._evacuate`) turns the flows into movements
(:mod:`._movements`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from evacplan._time import _plural
from evacplan.errors import SolverError, TooLargeError
from evacplan.routing._arrays import _FOREVER
from evacplan.routing._clock import _Clock, _OutOfTime
from evacplan.routing._expand import _TEN
from evacplan.routing._express import express_graph
from evacplan.routing._harm import _Harmless, _least_harm
from evacplan.routing._maxflow import _flows_of, _solve_max_flow
from evacplan.routing._objectives import _earliest_arrival, _min_cost_flow
from evacplan.routing._on_face import _LeastFlow
from evacplan.routing._reasons import (
    _cut_off,
    _distance_words,
    _harm_words,
    _waves_words,
)
from evacplan.routing._search import _Splittable
from evacplan.routing._waves import _by_waves, _Waves


@dataclass(slots=True)
class _FlowResult:
    """A splittable schedule as flows per (group, departure step), with its proof."""

    target: int
    horizon: int | None
    quickest: int | None
    lower: int | None
    move_group: np.ndarray
    move_step: np.ndarray
    move_flow: np.ndarray
    src_out: np.ndarray
    risk_int: int
    arrival_sum: int
    proof: str
    cut: list[tuple[int, int, int]]
    reasons: dict[int, str]
    reach: int | None = None
    """For safest: a horizon (step) past which no schedule has less risk, when one is proven."""
    proven: int = 3
    """How many of the objective's figures, in order, the flow is proven best in (3: all)."""
    unproven: str = ""
    """Why the rest are not proven (the time limit ran out), in words."""
    distance: bool = False
    """Whether the egress is set by travel time alone (the farthest people), not capacity."""
    harm_low: int | None = None
    """For least_harm: a lower bound on every schedule's harm, in risk units counted from
    minute 0 (the flow's own harm when proven)."""
    floor: int | None = None
    """A proven bound (step) on the egress of every schedule that carries ``target``."""
    least: tuple[_LeastFlow, ...] = ()
    """As :attr:`_Schedule.least`: the faces the whole-party MIP first looks on (:mod:`._on_face`)."""


def _any_flow(sp: _Splittable, horizon: int) -> tuple[_TEN, np.ndarray]:
    """A max flow to ``horizon`` (no objective beyond getting people out): its TEN and arc flows."""
    ten = sp.ten(horizon)
    g = express_graph(ten, sp.net.n, at_sources=True)
    flows = _flows_of(_solve_max_flow(g.tail, g.head, g.cap, ten.source, ten.sink), g.tail.size)
    return ten, g.fold(flows)


_OUT_OF_TIME = "the time limit ran out before "
_EARLIEST = "; the schedule is an earliest-arrival flow (the most people safe by every minute)"


class _Bounds(NamedTuple):
    """What the sources alone say about the egress, before any flow is solved."""

    far_src: int
    """The source farthest from safety of those whose people must all get out."""
    far: int
    """The step by which its people can at the earliest be safe."""
    near: int
    """The least such step of any source: no flow carries anyone sooner."""
    start: int
    """The first horizon worth trying: ``far``, or the cut bound if later."""
    cut_words: str
    """Why no schedule ends before the cut bound, in words."""
    exact: bool
    """Whether the search must find the least horizon itself (a min-cost flow needs it)."""


@dataclass(slots=True)
class _Goal:
    """Stages 1 and 2's answer: how many people the flows carry, by when, and why not all."""

    target: int
    """The people the flows bring to safety."""
    hi: int | None = None
    """A horizon (step) by which they can all be safe; None if nobody can."""
    quickest: int | None = None
    """The least such horizon, when it is known."""
    complete: bool = True
    """Whether ``target`` is everyone (no one is cut off, no deadline leaves anyone)."""
    cut: list[tuple[int, int, int]] = field(default_factory=list)
    """The bottleneck cut the proof names: (group, step, capacity)."""
    reasons: dict[int, str] = field(default_factory=dict)
    """Per source cut off (its index), why, in words."""
    floor: int | None = None
    """A proven bound on the egress of every schedule that carries ``target`` (any risk)."""


@dataclass(slots=True)
class _Schedule:
    """Stages 3 and 4's schedule: its horizon, its flows, and its proof so far."""

    horizon: int
    """The step by which everyone it carries is safe."""
    lower: int | None
    """A proven lower bound on the egress (None: not proven)."""
    ten: _TEN | None = None
    """The network of the earliest-arrival flow (no risk), else None."""
    flows: np.ndarray | None = None
    """The earliest-arrival flow on every arc of ``ten.graph()``, else None."""
    ea_cut: list[tuple[int, int, int]] = field(default_factory=list)
    """The earliest-arrival flow's min cut proving that one step sooner falls short."""
    proof: str = ""
    """Why no schedule does better, in words (:attr:`_FlowResult.proof`)."""
    by_distance: bool = False
    """Whether the farthest people's travel time alone sets the egress."""
    parts: tuple[np.ndarray, ...] = ()
    """The flows per (group, step) as :meth:`~._search._Splittable.arc_flows` gives them."""
    settled: int | None = None
    """For safest: a horizon past which no schedule has less risk, when one is proven."""
    proven: int = 3
    """How many of the objective's figures the flow is proven best in (3: all)."""
    unproven: str = ""
    """Why the rest are not proven, in words."""
    harm_low: int | None = None
    """For least_harm: a lower bound on every schedule's harm (risk units)."""
    least: tuple[_LeastFlow, ...] = ()
    """For least_harm, when proven: the least-harm flows (one per wave) and their sources."""


class _LeastCost(NamedTuple):
    """A min-cost flow to a horizon, for ``safest``."""

    horizon: int
    ten: _TEN
    flows: np.ndarray
    carried: int
    parts: tuple[np.ndarray, ...]

    @property
    def risk(self) -> int:
        """The flow's risk exposure (risk units)."""
        return int(self.parts[4][0])


def _solve_flows(
    sp: _Splittable, objective: str, deadline: int | None, clock: _Clock | None = None
) -> _FlowResult:
    """The splittable optimum for ``objective``, with its proof (see "How it works" in :mod:`evacplan.routing`).

    With a ``clock`` that runs out, the stages still to run are cut short:
    the result is a valid flow with ``proven`` below 3 and the reason in
    ``unproven``, and ``lower`` the bound proven so far.
    """
    clock = clock or _Clock(None)
    sp.clock = clock
    bounds = _bounds(sp)
    goal = _horizon(sp, bounds)  # 1. A horizon by which everyone who can get out at all is safe.
    _meet_deadline(sp, bounds, goal, deadline)  # 2. A deadline may leave room for fewer people.
    hi = goal.hi
    if hi is None or goal.target == 0:
        return _nobody(sp, goal)
    # 3. The schedule for the objective: first the quickest, then the objective's pick.
    if sp.unsure is not None or (clock.out() and not sp.net.risky):
        return _cut_short(sp, objective, bounds, goal, hi)
    sched = _quickest(sp, goal, hi, clock)
    if sched is None:
        return _cut_short(sp, objective, bounds, goal, hi)
    _prove_egress(sp, bounds, goal, sched)  # 4. Why nobody can be faster.
    goal.floor = sched.lower
    if sp.net.risky and objective == "safest":
        assert deadline is not None
        _choose_safest(sp, goal, sched, deadline, clock)
    elif sp.net.risky and objective == "least_harm":
        _choose_least_harm(sp, goal, sched, deadline, clock)
    elif sp.net.risky:
        _choose_least_risk(sp, goal, sched, clock)
    else:
        assert sched.ten is not None and sched.flows is not None
        sched.parts = sp.arc_flows(sched.ten, sched.flows)
    return _result(goal, sched)


def _bounds(sp: _Splittable) -> _Bounds:
    """The sources' distances from safety and the cut bound: where the search starts."""
    reach = sp.src_step + sp.to_safe[sp.src_place]
    # The farthest source bounds the egress only if its people must all get out: under
    # most_saved a tier's quota may leave some sources behind (then the nearest bounds it).
    must = np.where(sp.required > 0, reach, -1)
    far_src = int(np.argmax(must)) if (must >= 0).any() else int(np.argmin(reach))
    far = int(reach[far_src])
    by_cut, cut_words = sp.cut_bound()
    # A min-cost flow needs the least horizon; the divide and conquer finds it itself.
    exact = sp.net.risky
    return _Bounds(far_src, far, int(reach.min()), max(far, by_cut), cut_words, exact)


def _horizon(sp: _Splittable, bounds: _Bounds) -> _Goal:
    """Stage 1: a horizon by which everyone who can get out at all is safe.

    Anyone no horizon brings out is cut off: the goal shrinks to who can get
    out, with each cut-off source's reason and the cut that stops them.
    """
    net, total = sp.net, sp.total
    goal = _Goal(target=total)
    limit = None
    if sp.time_varying:
        limit = (
            max(net.last_change, int(sp.src_step.max()))
            + int(sp.to_safe[sp.to_safe < _FOREVER].max(initial=0))
            + 1
        )
    probe = _first_probe(bounds)
    # Past ``limit`` the network stands still: a horizon there either comes (found below)
    # or never does (people cut off): with the bound past it, no probe before it is needed.
    hi = None if limit is not None and probe > limit else _least(sp, bounds, probe, limit)
    if hi is None:
        reachable, ten_inf, solver = sp.infinite()
        if reachable < total:
            goal.complete = False
            goal.target = reachable
            goal.cut, goal.reasons = _cut_off(sp, ten_inf, solver)
            hi = (
                sp.least_horizon(reachable, bounds.near, None, exact=bounds.exact)
                if reachable
                else None
            )
        else:
            assert limit is not None
            hi = _least(sp, bounds, max(probe, limit + 1), None, floor=limit + 1)
    goal.hi = hi
    goal.quickest = hi if bounds.exact else None
    return goal


def _least(
    sp: _Splittable, bounds: _Bounds, probe: int, limit: int | None, *, floor: int = 0
) -> int | None:
    """:meth:`._search._Splittable.least_horizon` for everyone from ``probe`` (at most
    ``limit``; no horizon below ``floor`` suffices); too large a little past the bound, it
    says so of the least horizon that could do."""
    try:
        return sp.least_horizon(sp.total, probe, limit, exact=bounds.exact)
    except TooLargeError:
        least = max(bounds.start, floor)
        if probe <= least:
            raise
        return sp.least_horizon(sp.total, least, limit, exact=bounds.exact)


_OVERSHOOT = 0.05
"""Without risk, the first horizon probed lies this share past the lower bound (at least a
step): the divide and conquer of :func:`._maxflow._prefix_flows` finds the least horizon
below any horizon that suffices, and a network a few percent longer costs it a few percent,
while each probe that falls short costs a max flow over the whole network. Chicago-Sketch,
1,000,000 people: the cut bound is step 668 and the egress 690; probes from the bound took
four max flows (668, 675, 686, 703), the first probe at 702 suffices."""


def _first_probe(bounds: _Bounds) -> int:
    """The first horizon the search probes: the lower bound, or a little past it without risk.

    A min-cost flow needs the least horizon itself (``bounds.exact``): the search then
    starts at the bound and bisects. Otherwise any horizon that suffices will do, and one a
    little past the bound usually does.
    """
    if bounds.exact:
        return bounds.start
    return bounds.start + max(1, math.ceil(_OVERSHOOT * (bounds.start - bounds.near)))


def _meet_deadline(sp: _Splittable, bounds: _Bounds, goal: _Goal, deadline: int | None) -> None:
    """Stage 2: a deadline before the horizon may leave room for fewer people.

    If everyone fits by the deadline, it becomes the horizon; else the goal
    shrinks to who can be safe by then, and everyone else has the reason.
    """
    if deadline is None or (goal.hi is not None and goal.hi <= deadline):
        return
    by_deadline = sp.flow_value(deadline) if deadline >= bounds.near else 0
    if by_deadline >= goal.target:
        goal.hi = deadline
        if sp.unsure is not None:
            sp.unsure = (sp.unsure[0], deadline)
        return
    if goal.hi is not None and not bounds.exact:
        goal.quickest = sp.least_horizon(goal.target, deadline + 1, None, exact=True)
    when = (
        "nobody can get out at any time"
        if goal.quickest is None
        else f"everyone who can get out could be safe by minute {goal.quickest * sp.net.step}"
    )
    for i in range(sp.src_count.size):
        goal.reasons.setdefault(
            i, f"cannot reach safety by the deadline (minute {deadline * sp.net.step}); " + when
        )
    goal.complete = False
    goal.target = by_deadline
    goal.hi = (
        sp.least_horizon(by_deadline, bounds.near, deadline, exact=bounds.exact)
        if by_deadline
        else None
    )


def _nobody(sp: _Splittable, goal: _Goal) -> _FlowResult:
    """The result when nobody can reach safety (by the deadline, or at all)."""
    empty, no_src = np.zeros(0, dtype=np.int64), np.zeros(sp.src_count.size, dtype=np.int64)
    moved = (0, None, goal.quickest, None, empty, empty, empty, no_src, 0, 0)
    return _FlowResult(*moved, "nobody can reach safety", goal.cut, goal.reasons)


def _cut_short(
    sp: _Splittable, objective: str, bounds: _Bounds, goal: _Goal, hi: int
) -> _FlowResult:
    """Any max flow to ``hi``, when time runs out before the horizon or arrivals are settled."""
    risky, s = sp.net.risky, sp.net.step
    lo = (
        sp.unsure[0]
        if sp.unsure is not None
        else max(
            [t for t, v in sp.values.items() if v < goal.target and t < hi],
            default=bounds.start - 1,
        )
    )
    ten, flows = _any_flow(sp, hi)
    groups, steps, amounts, src_out, totals = sp.arc_flows(ten, flows)
    proven = 0 if lo + 1 < hi or (objective == "safest" and risky) else 1 + (not risky)
    what = (
        "the risk exposure was minimised"
        if objective == "safest" and risky
        else f"the egress was proven least; it lies in minutes {(lo + 1) * s}-{hi * s}"
        if lo + 1 < hi
        else "the arrivals were made earliest"
        if not risky
        else "the risk exposure was minimised"
    )
    return _FlowResult(
        goal.target,
        hi,
        goal.quickest if lo + 1 == hi else None,
        lo + 1 if goal.complete else None,
        groups,
        steps,
        amounts,
        src_out,
        int(totals[0]),
        int(totals[1]),
        f"a max flow over the network expanded to minute {hi * s} brings everyone out"
        + (f"; a max flow to minute {lo * s} falls short" if lo >= 0 else ""),
        goal.cut,
        goal.reasons,
        proven=proven,
        unproven=_OUT_OF_TIME + what,
    )


def _quickest(sp: _Splittable, goal: _Goal, hi: int, clock: _Clock) -> _Schedule | None:
    """Stage 3's first step: the quickest schedule, or None if time runs out first.

    With no risk, an earliest-arrival flow (it finds the least horizon on the
    way); with risk, only the horizon ``hi``, for the objective's min-cost flow.
    """
    if sp.net.risky:
        sp.warm = None  # (a min-cost flow follows: the probe's max flow is of no use to it)
        return _Schedule(horizon=hi, lower=hi)
    try:
        horizon, values, ten, flows, ea_cut = _earliest_arrival(
            *sp.warm_at(hi), goal.target, sp.ten, sp.net, clock
        )
    except _OutOfTime:
        return None
    if goal.complete:
        goal.quickest = horizon
    # F(horizon - 1) is known now (``values`` ends at F(horizon)): no probe needs it again.
    sp.values.setdefault(horizon - 1, int(values[-2]) if values.size > 1 else 0)
    return _Schedule(horizon=horizon, lower=horizon, ten=ten, flows=flows, ea_cut=ea_cut)


def _prove_egress(sp: _Splittable, bounds: _Bounds, goal: _Goal, sched: _Schedule) -> None:
    """Stage 4: why no schedule ends sooner, in words, and the bottleneck cut that shows it."""
    horizon = sched.horizon
    sched.by_distance = goal.complete and horizon == bounds.far and horizon > 0
    sched.proof = _egress_words(sp, bounds, goal, horizon)
    if goal.complete and horizon - 1 >= bounds.far and horizon > 0:
        if not sp.net.risky and sched.ea_cut:
            goal.cut = sched.ea_cut
        else:
            if sp.short is None or sp.short[0] != horizon - 1:
                sp.values.pop(horizon - 1, None)  # probe it for the bottleneck cut
                sp.flow_value(horizon - 1)
            if sp.short is not None and sp.short[0] == horizon - 1:
                goal.cut = sp.cut_of(sp.short[1], sp.short[2])
    if not sp.net.risky:
        sched.proof += _EARLIEST


def _egress_words(sp: _Splittable, bounds: _Bounds, goal: _Goal, horizon: int) -> str:
    """Why no schedule brings everyone out before ``horizon``, in words."""
    if horizon == 0:
        return "everyone starts at a safe place"
    if horizon == bounds.far and goal.complete:
        return _distance_words(sp, bounds.far_src)
    if horizon == bounds.start and goal.complete and horizon - 1 not in sp.values:
        return f"no schedule ends sooner: {bounds.cut_words}"
    short = sp.values.get(horizon - 1)
    if short is None:
        short = sp.flow_value(horizon - 1)
    return (
        f"a max flow over the network expanded to minute {(horizon - 1) * sp.net.step} brings "
        f"only {short:,} of {_plural(goal.target, 'person', 'people')} to safety"
    )


def _least_cost(sp: _Splittable, h: int, clock: _Clock) -> _LeastCost | None:
    """The min-cost flow to horizon ``h``; None if the time limit runs out first."""
    ten = sp.ten(h)
    found = _min_cost_flow(ten, sp.net, h + 1, clock)
    if found is None:
        return None
    return _LeastCost(h, ten, found[0], found[1], sp.arc_flows(ten, found[0]))


def _choose_safest(
    sp: _Splittable, goal: _Goal, sched: _Schedule, deadline: int, clock: _Clock
) -> None:
    """For ``safest``: the least risk exposure by the deadline, then the least egress with it."""
    enough = _risk_settled(sp, goal, sched.horizon, deadline, clock)
    best = enough if enough is not None else _least_cost(sp, deadline, clock)
    if best is None:
        ten, flows = _any_flow(sp, sched.horizon)
        sched.parts = sp.arc_flows(ten, flows)
        sched.proven, sched.unproven = 0, _OUT_OF_TIME + "the risk exposure was minimised"
        sched.proof = f"no schedule at all finishes sooner: {sched.proof}"
    else:
        # (Short of everyone, the most who can be safe by the deadline: ``best`` carries
        # them, as does every max flow from the least horizon that can.)
        goal.target = best.carried
        _least_egress(sp, goal, sched, best, enough is not None, clock)


def _risk_settled(
    sp: _Splittable, goal: _Goal, horizon: int, deadline: int, clock: _Clock
) -> _LeastCost | None:
    """For ``safest``: a min-cost flow before the deadline that no later horizon beats in risk.

    None if none is found (or time runs out): the deadline's own flow decides.
    """
    # A deadline later than can matter: once a horizon reaches a risk no schedule beats
    # at any horizon, later ones change nothing. Doubling from the quickest egress finds
    # such a horizon in a few min-cost flows; the deadline's own flow is the fallback.
    floor = sp.least_risk_bound() if goal.complete and 2 * horizon < deadline else None
    trial = max(1, 2 * horizon)
    while floor is not None and trial < deadline:
        found = _least_cost(sp, trial, clock)
        if found is None:
            return None
        if found.carried == goal.target and found.risk == floor:
            return found
        trial *= 2
    return None


def _least_egress(
    sp: _Splittable, goal: _Goal, sched: _Schedule, best: _LeastCost, enough: bool, clock: _Clock
) -> None:
    """For ``safest``: the least horizon whose min-cost flow matches ``best``'s risk.

    Bisection between the quickest egress and ``best``'s horizon; ``enough``
    says ``best`` is a risk no later deadline lowers (:func:`_risk_settled`).
    """
    s, horizon = sp.net.step, sched.horizon
    lo, top = horizon - 1, best.horizon
    chosen = best
    while top - lo > 1:
        mid = (lo + top) // 2
        found = _least_cost(sp, mid, clock)
        if found is None:
            sched.proven = 1
            sched.unproven = _OUT_OF_TIME + "the least risky schedules' egress was made least"
            break
        if found.carried == goal.target and found.risk == best.risk:
            top, chosen = mid, found
        else:
            lo = mid
    sched.parts = chosen.parts
    sched.proof = "the least risk exposure by the deadline comes from a min-cost flow; " + (
        f"no schedule at all finishes sooner: {sched.proof}"
        if top == horizon
        else f"none with that exposure finishes sooner (a min-cost flow to minute "
        f"{(top - 1) * s} cannot match it)"
        if sched.proven == 3
        else f"none with that exposure finishes by minute {lo * s}"
    )
    if enough:
        sched.settled = best.horizon
        sched.proof += (
            f"; a later deadline could not lower it: by minute {best.horizon * s} it equals "
            "the sum of each person's least risky way out, capacity aside"
        )
    sched.horizon, sched.lower = top, lo + 1


def _choose_least_harm(
    sp: _Splittable, goal: _Goal, sched: _Schedule, deadline: int | None, clock: _Clock
) -> None:
    """For ``least_harm``: the least-harm flow (:mod:`._harm`), with its proof; released in
    waves far apart, wave by wave where their flows fit together (:mod:`._waves`)."""
    waves = _by_waves(sp, deadline, clock) if goal.complete else None
    found: _Waves | _Harmless = waves or _least_harm(
        sp, sched.horizon, goal.target, deadline, clock
    )
    sched.harm_low, sched.proven, sched.unproven = found.harm_low, found.proven, found.unproven
    if isinstance(found, _Waves):
        sched.parts = found.parts
        sched.proof = _waves_words(sp, found, sched.horizon) + f"; {sched.proof}"
        sched.least = found.least
    elif found.ten is None or found.flows is None:
        sched.parts = sp.arc_flows(*_any_flow(sp, sched.horizon))
    else:
        sched.proof = _harm_words(sp, found, sched.horizon, goal.complete) + f"; {sched.proof}"
        sched.parts = sp.arc_flows(found.ten, found.flows)
        where = (found.ten, found.flows, sp.src_place, sp.src_step, found.egress_low)
        sched.least = (_LeastFlow(*where),) if found.proven == 3 else ()
    sched.lower = found.egress_low  # (for as many as the routes carry, when some cannot go)
    sched.horizon = sp.last_arrival(sched.parts)


def _choose_least_risk(sp: _Splittable, goal: _Goal, sched: _Schedule, clock: _Clock) -> None:
    """For any other objective over risk: among the quickest schedules, a min-cost flow."""
    ten = sp.ten(sched.horizon)
    solved = _min_cost_flow(ten, sp.net, sched.horizon + 1, clock, carry=goal.target)
    if solved is None:
        ten, flows = _any_flow(sp, sched.horizon)
        sched.proven, sched.unproven = 1, _OUT_OF_TIME + "the risk exposure was minimised"
    else:
        flows, carried = solved
        if carried != goal.target:
            raise SolverError(f"min-cost flow carries {carried} of {goal.target} people")
        sched.proof += (
            "; among schedules that fast, a min-cost flow gives the least risk "
            "exposure, then the earliest arrivals"
        )
    sched.parts = sp.arc_flows(ten, flows)


def _result(goal: _Goal, sched: _Schedule) -> _FlowResult:
    """The settled schedule as a :class:`_FlowResult`."""
    groups, steps, amounts, src_out, totals = sched.parts
    return _FlowResult(
        goal.target,
        sched.horizon,
        goal.quickest,
        sched.lower,
        groups,
        steps,
        amounts,
        src_out,
        int(totals[0]),
        int(totals[1]),
        sched.proof,
        goal.cut,
        goal.reasons,
        reach=sched.settled,
        proven=sched.proven,
        unproven=sched.unproven,
        distance=sched.by_distance,
        harm_low=sched.harm_low,
        floor=goal.floor,
        least=sched.least,
    )
