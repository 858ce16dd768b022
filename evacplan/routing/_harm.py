"""Stage 4 for ``least_harm``: the least harm over every horizon, and its proof.

Harm is what a planner weighs: the risk of the links people enter and of
the threatened places they wait at, and ``hazard_per_hour`` for every hour
from their release to safety (:mod:`._objectives` prices each arc of a
time-expanded network so). Waiting may pay (a safer road opens in two days),
so no horizon is given; one that provably holds a least-harm schedule is
found by relaxation:

1. The min-cost flow over the network expanded to a horizon H (first 1.4
   T*, T* being the quickest egress) with an *open end*
   (:func:`._expand._expand`): late arcs that stand for every way of
   reaching safety after H, priced below any of them (an arrival at H + 1
   by the least risky way still open then, :class:`._expand._LateRisk`).
   Its cost is a lower bound on the harm of every schedule, over any
   horizon. Ties in harm go to the least arrivals, exactly (:func:`_weighted`,
   or two linear programs where its weights overflow, :func:`_two_programs`).
2. If nobody takes a late arc, that flow is a schedule meeting the bound:
   least harm, then least arrivals, proven. Otherwise H grows (by half, and
   never past the last change of the network without stopping there first)
   and the flow is solved again.
3. Among the schedules as good, the least egress: the flow's node
   potentials (:func:`_potentials`) describe them all (complementary
   slackness, :class:`_Face`); max flows over them find the soonest step by
   which everyone can be safe (bisection, from one step sooner).

:func:`_least_harm` returns the flow and what it proved; :mod:`._solve`
wraps it in its :class:`~._solve._FlowResult`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from evacplan.errors import SolverError
from evacplan.routing._arrays import _FOREVER, _dijkstra, _ramp
from evacplan.routing._clock import _Clock, _within
from evacplan.routing._compile import _Net
from evacplan.routing._expand import _TEN
from evacplan.routing._maxflow import _flows_of, _solve_max_flow
from evacplan.routing._objectives import (
    _LP_MAX_ARCS,
    _LP_MIN_PEOPLE,
    _LP_MIN_STEPS,
    _arc_costs,
    _bits,
    _load_simplex,
    _network_lp,
    _solve_min_cost,
)
from evacplan.routing._search import _Splittable


@dataclass(slots=True)
class _Harmless:
    """A least-harm flow and what is proven of it (harm in risk units, from minute 0)."""

    ten: _TEN | None
    """The network the flow is over (None: no schedule found in time)."""
    flows: np.ndarray | None
    harm_low: int | None
    """A lower bound on every schedule's harm (its open end's cost); the harm when proven."""
    egress_low: int
    """A lower bound (step) on the egress of every least-harm schedule."""
    proven: int
    """How many of (harm, arrivals, egress) the flow is proven best in, in order."""
    unproven: str
    """Why the rest are not proven, in words."""
    horizons: list[int]
    """The horizons tried, in order (the last proven, when ``proven``)."""


def _harm_flow(
    ten: _TEN, net: _Net, carry: int, clock: _Clock
) -> tuple[np.ndarray, int, bool] | None:
    """The least-harm flow of ``carry`` people over ``ten``, ties broken by the arrivals.

    Returns the flow on every arc of ``ten.graph()``, the people carried, and
    whether the arrivals broke ties in harm exactly; None if ``clock`` runs
    out first. One min-cost flow weighs harm above every difference in
    arrivals (:func:`_weighted`). Where those weights do not fit in 62 bits
    (a crowd over a long horizon: see :data:`._objectives._LP_MIN_STEPS`),
    two linear programs by GLOP instead: the least harm, then the least
    arrivals among the flows of that harm (those that keep its reduced
    costs' complementary slackness: arcs of positive reduced cost empty, of
    negative full).
    """
    tails, heads, caps = ten.graph()
    units, arrival = _harm_terms(ten, net, tails.size)
    args = (tails, heads, caps, units, arrival, ten.source, ten.sink, carry, ten.horizon)
    big = carry >= _LP_MIN_PEOPLE and ten.horizon >= _LP_MIN_STEPS
    costs, exact = _weighted_costs(units, arrival, carry, int(heads.max(initial=0)))
    if not exact and big and tails.size <= _LP_MAX_ARCS and int(units.max()) * (carry + 1) < 2**52:
        return _within(clock, int(tails.size), _two_programs, *args)
    _load_simplex(tails, heads, costs, ten.source, ten.sink, carry, ten.horizon)
    return _within(clock, int(tails.size), _weighted, *args)


def _harm_terms(ten: _TEN, net: _Net, arcs: int) -> tuple[np.ndarray, np.ndarray]:
    """Per arc of ``ten.graph()`` (``arcs`` of them): harm units over their greatest common
    divisor, and arrival steps (:func:`._objectives._arc_costs`); the source's arcs after the
    network's cost nothing."""
    units, arrival = _arc_costs(ten, net, True)
    units //= int(np.gcd.reduce(units)) or 1
    pad = np.zeros(arcs - units.size, dtype=np.int64)
    return np.concatenate([units, pad]), np.concatenate([arrival, pad])


def _weighted(
    tails: np.ndarray,
    heads: np.ndarray,
    caps: np.ndarray,
    units: np.ndarray,
    arrival: np.ndarray,
    source: int,
    sink: int,
    carry: int,
    steps: int,
) -> tuple[np.ndarray, int, bool]:
    """One min-cost flow of ``units * W + arrival``, ``W`` more than any two flows of ``carry``
    people can differ in their sum of arrival steps, so that harm comes first and the arrivals
    break its ties exactly. Where that would overflow 62 bits (a million people over
    hundreds of steps), the harm alone: still least, its ties broken as the solver finds them."""
    costs, exact = _weighted_costs(units, arrival, carry, int(heads.max(initial=0)))
    if not exact and _bits(int(units.max(initial=0)), int(heads.max(initial=0))) >= 62:
        raise SolverError("harm costs too large for a min-cost flow in 62 bits; use fewer decimals")
    flows, carried = _solve_min_cost(tails, heads, caps, costs, source, sink, carry, steps)
    return flows, carried, exact


def _weighted_costs(
    units: np.ndarray, arrival: np.ndarray, carry: int, nodes: int
) -> tuple[np.ndarray, bool]:
    """``units * W + arrival``, ``W`` a weight on harm units above any difference two flows of
    ``carry`` people can have in their sum of arrival steps, and True; the units alone and
    False where those costs would need 62 bits or more (:func:`._objectives._bits`)."""
    weight = carry * (int(arrival.max(initial=0)) + 1) + 1
    top = int(units.max(initial=0)) * weight + int(arrival.max(initial=0))
    if _bits(top, nodes) >= 62:
        return units, False
    return units * weight + arrival, True


def _two_programs(
    tails: np.ndarray,
    heads: np.ndarray,
    caps: np.ndarray,
    units: np.ndarray,
    arrival: np.ndarray,
    source: int,
    sink: int,
    carry: int,
    steps: int,
) -> tuple[np.ndarray, int, bool]:
    """The least harm, then the least arrivals among its optima, by two of GLOP's linear
    programs (see :func:`_harm_flow`); :func:`_weighted` if either is not clean."""
    zero = np.zeros_like(caps)
    first = _network_lp(tails, heads, zero, caps, units, source, sink, carry)
    if first is not None:
        flows, reduced = first
        whole = np.rint(reduced)
        if np.abs(reduced - whole).max(initial=0.0) < 1e-6:
            lower = np.where(whole < 0, caps, 0)
            upper = np.where(whole > 0, 0, caps)
            second = _network_lp(tails, heads, lower, upper, arrival, source, sink, carry)
            if second is not None:
                return second[0], carry, True
    return _weighted(tails, heads, caps, units, arrival, source, sink, carry, steps)


def _harm_of(ten: _TEN, sp: _Splittable, flows: np.ndarray) -> tuple[int, int, int]:
    """(harm units, arrival steps, late people) of a flow over ``ten``."""
    units, arrival = _arc_costs(ten, sp.net, True)
    arcs = units.size
    late = int(flows[ten.late].sum()) if ten.late_place is not None else 0
    return int(units @ flows[:arcs]), int(arrival @ flows[:arcs]), late


_GROWTH = 1.5
"""How much longer the next open-ended horizon is when someone would rather arrive after the
last (measured on the founding seed: a flow's time grows faster than its horizon, and a
schedule that ends past T* mostly ends soon after it: 1.5 proves it in two flows where
doubling spent 3.5 times the first's time on the second)."""


_FIRST = 1.4
"""The first open-ended horizon, as a multiple of T* (measured: Chicago-Sketch with 100,000
people and risky links ends at 1.39 T*, the founding seed at 1.07 T*; a first flow at T*
that someone would rather leave cost a third of the whole)."""


_STILL = 4
"""Past this many times the step from which the network stands still, the open end is grown
no further than :func:`_ceiling` (after which nobody in a least-harm schedule arrives): people
who would rather arrive later then wait for room on safer roads, not for the network to change
(a guard; see :func:`_least_harm`)."""


def _next_horizon(horizon: int, settle: int) -> int:
    """A longer horizon, but stopping at ``settle`` (from which the network stands still)."""
    longer = max(horizon + 1, math.ceil(horizon * _GROWTH))
    return min(longer, settle) if horizon < settle else longer


def _least_harm(
    sp: _Splittable, quickest: int, target: int, deadline: int | None, clock: _Clock
) -> _Harmless:
    """The least-harm flow of ``target`` people, from horizon ``quickest`` (T*) on.

    With a ``deadline`` (a step), nobody may arrive later: the horizon stops
    there, and the flow to it is exact without an open end. Past ``_STILL``
    times the step from which the network stands still, the horizon grows no
    further than :func:`_ceiling`, and is solved closed there should someone
    still prefer the open end (exact too: no least-harm schedule ends later).
    Without a hazard no step bounds it: past ``_STILL`` times that step and the
    first horizon, the least harm by then, not proven (:func:`_unbounded`).
    """
    net = sp.net
    reach = sp.to_safe[sp.to_safe < _FOREVER]
    settle = max(net.last_change, int(sp.src_step.max(initial=0)))
    settle += max(int(reach.max(initial=0)), _safest_travel(sp)) + 1
    # Least-harm schedules mostly end past T* (safer roads are slower): start a step of
    # growth beyond it, but not past the point from which the network stands still.
    first = max(quickest, math.ceil(quickest * _FIRST))
    horizon = first if quickest >= settle else max(quickest, min(first, settle))
    horizon = horizon if deadline is None else min(horizon, deadline)
    tried: list[int] = []
    low: int | None = None
    ceiling: int | None = None  # no least-harm schedule has anyone arrive after it
    while True:
        if deadline is not None and horizon >= deadline:
            horizon = deadline
        capped = horizon in (deadline, ceiling)
        tried.append(horizon)
        ten = sp.ten(horizon, open_end=not capped)
        solved = _harm_flow(ten, net, target, clock)
        if solved is None:
            return _Harmless(None, None, low, quickest, 0, _LATE, tried)
        flows, _, exact = solved
        harm, arrivals, late = _harm_of(ten, sp, flows)
        low = harm if low is None else max(low, harm)
        if capped or not late:
            break
        if net.hazard_int <= 0 and horizon >= _STILL * max(settle, first):
            return _unbounded(sp, horizon, target, low, quickest, tried, clock)
        if ceiling is None and net.hazard_int > 0 and horizon >= _STILL * settle:
            # Someone still prefers the open end long after anything can change: they
            # wait for room on a safer road. A schedule closed at this horizon bounds how
            # long anyone in a least-harm one can take.
            ceiling = _ceiling(sp, horizon, target, clock)
            if ceiling is None:
                return _Harmless(None, None, low, quickest, 0, _LATE, tried)
        horizon = _next_horizon(horizon, settle)
        if ceiling is not None:
            horizon = min(horizon, max(ceiling, tried[-1] + 1))
    if not exact:
        return _Harmless(
            ten,
            flows,
            harm,
            quickest,
            1,
            "its costs are too large to break ties in harm by the arrivals exactly",
            tried,
        )
    return _least_egress(sp, quickest, target, ten, flows, (harm, arrivals), tried, clock)


_LATE = "the time limit ran out before the harm was least"


def _safest_travel(sp: _Splittable) -> int:
    """The most steps the safest way to safety (least risk once the network stands still,
    then quickest) takes from any place with people.

    Until then people late in a least-harm schedule may be on their way along a slow safe
    road rather than waiting for room (two people a 0-minute risky link or a 12-minute safe
    road from safety: the guard of :func:`_least_harm` stopped at minute 4).
    """
    net = sp.net
    first = net.span_firsts()
    final = first[net.k_to[first] >= _FOREVER]
    fg = net.k_group[final]
    tails, heads, risk, tau = net.g_tail[fg], net.g_head[fg], net.k_risk_int[final], net.g_tau[fg]
    safe = {int(x): 0 for x in np.flatnonzero(net.safe)}
    least = np.asarray(_dijkstra(net.n, heads, tails, risk, safe), dtype=np.int64)
    ok = (least[tails] < _FOREVER) & (least[heads] < _FOREVER)
    tight = ok & (least[tails] == risk + least[heads])  # links on some safest way
    time = _dijkstra(net.n, heads[tight], tails[tight], tau[tight], safe)
    at = np.asarray(time, dtype=np.int64)[np.unique(sp.src_place)]
    return int(at[at < _FOREVER].max(initial=0))


def _ceiling(sp: _Splittable, horizon: int, target: int, clock: _Clock) -> int | None:
    """A step after which nobody arrives in any least-harm schedule, from the schedule of
    least harm closed at ``horizon`` (None if the clock runs out first). Its harm C bounds
    the least; everyone in a schedule of harm C or less pays the hazard (more than 0) for
    each step from their release to safety, so arrives by the last release plus C over a
    step's hazard."""
    closed = _closed(sp, horizon, target, clock)
    if closed is None:
        return None
    harm, _, _ = _harm_of(*closed)
    return max(horizon, int(sp.src_step.max(initial=0)) + harm // sp.net.hazard_int)


def _closed(
    sp: _Splittable, horizon: int, target: int, clock: _Clock
) -> tuple[_TEN, _Splittable, np.ndarray] | None:
    """The least-harm flow over the network closed at ``horizon`` (everyone safe by it), as
    :func:`_harm_of` takes it; None if the clock runs out first."""
    ten = sp.ten(horizon, open_end=False)
    solved = _harm_flow(ten, sp.net, target, clock)
    return None if solved is None else (ten, sp, solved[0])


def _unbounded(
    sp: _Splittable,
    horizon: int,
    target: int,
    low: int | None,
    quickest: int,
    tried: list[int],
    clock: _Clock,
) -> _Harmless:
    """Where hours not safe cost nothing (no hazard) and someone would still rather arrive
    after ``horizon``, long after the network stands still and the first horizon: no step
    bounds a least-harm schedule, so the least harm of those ending by ``horizon`` (``low``
    stays the bound)."""
    closed = _closed(sp, horizon, target, clock)
    if closed is None:
        return _Harmless(None, None, low, quickest, 0, _LATE, tried)
    minute = horizon * sp.net.step
    why = (
        "with no hazard for the hours not safe, people would wait on and on for room on "
        f"safer roads: this is the least harm of the schedules ending by minute {minute:,}"
    )
    return _Harmless(closed[0], closed[2], low, quickest, 0, why, tried)


def _egress_of(ten: _TEN, flows: np.ndarray) -> int:
    """The last arrival step of a flow (0 when nobody moves)."""
    used = (flows[: ten.label.size] > 0) & (ten.label >= 0)
    return int(ten.label[used].max(initial=0))


def _least_egress(
    sp: _Splittable,
    quickest: int,
    target: int,
    ten: _TEN,
    flows: np.ndarray,
    best: tuple[int, int],
    tried: list[int],
    clock: _Clock,
) -> _Harmless:
    """Among the schedules of ``best`` (harm, arrivals), one that ends soonest.

    The flow is least for ``harm * W + arrival`` (:func:`_weighted`'s cost:
    exactly the lexicographic order), so node potentials that price its
    residual network (a Bellman-Ford from every node at once,
    :func:`_potentials`) describe every other flow as good: those that keep
    the arcs of negative reduced cost full and of positive reduced cost
    empty. Whether one of them has nobody arrive at step e or later is a max
    flow over the arcs left free; bisection finds the least such e. No
    schedule ends before ``quickest``.
    """
    if clock.out():
        return _Harmless(
            ten,
            flows,
            best[0],
            quickest,
            2,
            "the time limit ran out before the egress of the least-harm schedules was least",
            tried,
        )
    tails, heads, caps = ten.graph()
    units, arrival = _harm_terms(ten, sp.net, tails.size)
    costs = units * (target * (int(arrival.max(initial=0)) + 1) + 1) + arrival
    size = ten.n_nodes + 2
    pi = _potentials(tails, heads, caps, costs, flows, size)
    face = _Face(
        tails, heads, caps, costs + pi[tails] - pi[heads], ten.source, ten.sink, target, size
    )
    lo, hi = quickest - 1, _egress_of(ten, flows)  # none ends by lo; this one ends at hi
    first = True
    while hi - lo > 1:
        # One step sooner first: mostly it cannot be, and that settles it in one max flow.
        mid = hi - 1 if first else (lo + hi) // 2
        first = False
        found = face.without_arrivals_from(mid + 1, arrival)  # all safe by step mid
        if found is None:
            lo = mid
        else:
            flows, hi = found, _egress_of(ten, found)
    return _Harmless(ten, flows, best[0], hi, 3, "", tried)


def _potentials(
    tails: np.ndarray,
    heads: np.ndarray,
    caps: np.ndarray,
    costs: np.ndarray,
    flows: np.ndarray,
    size: int,
) -> np.ndarray:
    """Node potentials of a least-cost flow: shortest distances in its residual network from
    every node at once (Bellman-Ford; there is no negative cycle, the flow being least).
    Every residual arc's reduced cost is then 0 or more.

    Each round relaxes only the arcs out of the nodes the round before improved: a chain
    of waits undone runs back over the whole horizon, one step a round, and a pass over
    every arc each round made this quadratic in the horizon (38 s of a 15-day plan at
    1-minute steps).
    """
    forward, backward = flows < caps, flows > 0
    rt = np.concatenate([tails[forward], heads[backward]])
    rh = np.concatenate([heads[forward], tails[backward]])
    rc = np.concatenate([costs[forward], -costs[backward]])
    order = np.argsort(rt, kind="stable")
    rt, rh, rc = rt[order], rh[order], rc[order]
    ptr = np.searchsorted(rt, np.arange(size + 1))
    dist = np.zeros(size, dtype=np.int64)
    changed = np.arange(size, dtype=np.int64)
    for _ in range(size + 1):
        first = ptr[changed]
        owner, rank = _ramp(ptr[changed + 1] - first)
        arc = first[owner] + rank
        head, cost = rh[arc], dist[rt[arc]] + rc[arc]
        better = cost < dist[head]
        if not better.any():
            return dist
        head, cost = head[better], cost[better]
        np.minimum.at(dist, head, cost)
        changed = np.unique(head)
    raise SolverError("a least-cost flow's residual network has a negative cycle")


@dataclass(slots=True)
class _Face:
    """The flows as good as a least-cost one: its arcs of negative reduced cost full, of
    positive reduced cost empty, the rest free (complementary slackness)."""

    tails: np.ndarray
    heads: np.ndarray
    caps: np.ndarray
    reduced: np.ndarray
    source: int
    sink: int
    carry: int
    size: int

    def without_arrivals_from(self, step: int, arrival: np.ndarray) -> np.ndarray | None:
        """Such a flow with nobody arriving at ``step`` or later (by max flow), or None."""
        free = (self.reduced == 0) & ~(arrival >= step)
        full = self.reduced < 0
        if (full & (arrival >= step)).any():
            return None  # the face fills an arrival that late
        supply = np.zeros(self.size, dtype=np.int64)
        supply[self.source] += self.carry
        supply[self.sink] -= self.carry
        np.subtract.at(supply, self.tails[full], self.caps[full])
        np.add.at(supply, self.heads[full], self.caps[full])
        give, take = np.flatnonzero(supply > 0), np.flatnonzero(supply < 0)
        s, t = self.size, self.size + 1
        n_free = int(free.sum())
        solver = _solve_max_flow(
            np.concatenate([self.tails[free], np.full(give.size, s), take]),
            np.concatenate([self.heads[free], give, np.full(take.size, t)]),
            np.concatenate([self.caps[free], supply[give], -supply[take]]),
            s,
            t,
        )
        if solver.optimal_flow() != int(supply[give].sum()):
            return None
        flows = np.where(full, self.caps, 0)
        flows[free] = _flows_of(solver, n_free)
        return flows
