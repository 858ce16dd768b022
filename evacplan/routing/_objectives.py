"""Stage 4: the secondary objectives, among schedules that meet the egress.

With no risk anywhere, :func:`_earliest_arrival` gives an earliest-arrival
flow (the most people safe by every step at once, which minimises the sum of
arrival times), exactly, from the max-flow values F(t) of :mod:`._maxflow`
and one max flow with per-step arrival quotas. With risks,
:func:`_min_cost_flow` minimises ``risk * (T + 1) + arrival step`` per person,
which is exactly lexicographic (risk, then arrivals). Min-cost flows are
solved by :func:`_solve_min_cost`: OR-Tools' cost scaling, or where that is
slow (crowds over long horizons, large networks with large costs: see
:data:`_SIMPLEX_MIN_STEPS`) a network simplex compiled with Numba
(:mod:`._simplex_kernels`). :mod:`._solve` calls them once the
horizon is known.
"""

from __future__ import annotations

import math
from functools import cache
from typing import Any

import numpy as np
from ortools.graph.python import min_cost_flow

from evacplan.errors import SolverError
from evacplan.routing import _parametric as parametric
from evacplan.routing._clock import _Clock, _within
from evacplan.routing._compile import _Net
from evacplan.routing._expand import _TEN
from evacplan.routing._express import express_graph, long
from evacplan.routing._maxflow import _flows_by_step, _flows_of, _solve_max_flow

_LP_MIN_STEPS = 400
"""From this many steps on, for at least ``_LP_MIN_PEOPLE`` people and at most
``_LP_MAX_ARCS`` arcs, a least-harm flow whose weighted costs (harm above arrivals) do
not fit in 62 bits is solved exactly as two linear programs by GLOP's simplex
(:func:`._harm._two_programs`) rather than by harm alone. Every other min-cost flow is
solved by :func:`_solve_min_cost`."""
_LP_MIN_PEOPLE = 2_000
_LP_MAX_ARCS = 200_000

_SIMPLEX_MIN_PEOPLE = 2_000
_SIMPLEX_MIN_STEPS = 400
_SIMPLEX_MIN_ARCS = 200_000
_SIMPLEX_MIN_BITS = 40
"""Where the network simplex (:func:`_network_simplex`) solves a min-cost flow instead of
OR-Tools' cost scaling: a flow of at least ``_SIMPLEX_MIN_PEOPLE`` over a horizon of at
least ``_SIMPLEX_MIN_STEPS`` steps, or over ``_SIMPLEX_MIN_ARCS`` arcs or more with costs
of ``_SIMPLEX_MIN_BITS`` bits or more (:func:`_bits`: harm weighed above arrivals); the
places where cost scaling is slow. Measured on the same flows (``bench_mincost.py``,
seconds, simplex against cost scaling): the Kabul seed, 34,975 arcs over 1,300 steps,
0.11 against 10.1 (GLOP, used there before, 2.2); its least harm, 48 bits, 0.11 against
15.7 (GLOP 4.0); the tiny seed with 100,000 people in parties of 1,000, 6,700 steps,
2.2 against 10.1 (GLOP 22-24); Chicago-Sketch's least harm, 456,395 arcs, 51 bits, 15.0
against 39.8. Elsewhere cost scaling stays, though the simplex is quicker on some: its
optimal flows are other vertices of the same face, and whole parties swept from them can
fare worse (``bench_plan.py``'s first wave, 61,836 arcs over about 160 steps, 47 bits:
0.09 s, but a swept schedule of harm 231.1 where cost scaling's gives 202.1, the bound
being 201.9); on Chicago-Sketch's risky case (281,904 arcs, 28 bits) cost scaling is
quicker (6.6 against 10.0), on Anaheim's and Chicago-Sketch's at 10,000 people slower
(4.7 against 2.7, 1.0 against 0.35). Small flows need no Numba import (1 to 2 s the
first time in a process)."""


def _min_cost_flow(
    ten: _TEN,
    net: _Net,
    weight: int,
    clock: _Clock | None = None,
    *,
    carry: int | None = None,
) -> tuple[np.ndarray, int] | None:
    """Most people to safety by the horizon, then least ``risk * weight + arrival step``.

    Returns the flow on every arc of ``ten.graph()`` and the people carried,
    or None if ``clock`` runs out first. ``carry``: the people a max flow is
    known to bring to safety by the horizon (else it is found first).
    """
    tails, heads, caps = ten.graph()
    units, arrival = _arc_costs(ten, net, False)
    # Risk in units of its greatest common divisor: the order of schedules is the same (an
    # arrival step stays under one unit of ``weight``) and the costs need fewer bits.
    unit = int(np.gcd.reduce(units)) or 1
    arc_costs = units // unit * weight + arrival
    costs = np.zeros(tails.size, dtype=np.int64)
    costs[: arc_costs.size] = arc_costs
    top = int(np.abs(costs).max(initial=0))
    if top and _bits(top, ten.n_nodes) >= 62:
        raise SolverError("risk costs too large for a min-cost flow in 62 bits; use fewer decimals")
    args = (tails, heads, caps, costs, ten.source, ten.sink)
    _load_simplex(tails, heads, costs, ten.source, ten.sink, carry, ten.horizon)
    return _within(
        clock or _Clock(None), int(tails.size), _solve_min_cost, *args, carry, ten.horizon
    )


def _bits(top: int, nodes: int) -> float:
    """Bits a min-cost flow's costs need: OR-Tools' cost scaling multiplies them by the nodes."""
    return math.log2(top + 1) + math.log2(nodes + 3)


def _arc_costs(ten: _TEN, net: _Net, harm: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per arc of ``ten`` (the sources' arcs after them cost nothing): risk units, or for
    ``least_harm`` harm units, and the arrival step of arcs into the sink (else 0).

    Harm units: the risk of links and waits, and ``net.hazard_int`` for each step from
    the scenario start to the arrival (less the release, which is the same for every
    schedule of the same people). A late arc costs its ``late_risk`` and an arrival at
    ``horizon + 1``: no way to safety after the horizon costs less.
    """
    n_arcs = ten.tail.size
    units = np.zeros(n_arcs, dtype=np.int64)
    arrival = np.zeros(n_arcs, dtype=np.int64)
    moves = ten.moves
    lab = ten.label[moves]
    units[moves] = net.k_risk_int[ten.m_tpl]
    units[: ten.n_hold] = ten.h_cost
    arrival[moves] = np.where(lab >= 0, lab, 0)
    if ten.late_risk is not None:
        units[ten.late] = ten.late_risk
        arrival[ten.late] = ten.horizon + 1
    if harm:
        units += net.hazard_int * arrival
    return units, arrival


def _network_lp(
    tails: np.ndarray,
    heads: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    costs: np.ndarray,
    source: int,
    sink: int,
    carry: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """A least-cost flow of ``carry`` within arc bounds, by GLOP's simplex, and its reduced costs.

    A network matrix: a basic optimum is integral, and so are its reduced costs
    (the costs are whole numbers). Returns None unless GLOP says optimal and the
    flow is integral, within its bounds and conserved at every node.
    """
    import importlib

    import scipy.sparse as sparse

    # Untyped here: the helper's stubs confuse mypy about ortools.linear_solver elsewhere.
    mb: Any = importlib.import_module("ortools.linear_solver.python.model_builder_helper")

    n = parametric._nodes(tails, heads, source, sink)
    m = tails.size
    arcs = np.arange(m)
    incidence = sparse.csr_matrix(
        (np.repeat([-1.0, 1.0], m), (np.concatenate([tails, heads]), np.concatenate([arcs, arcs]))),
        shape=(n, m),
    )
    balance = np.zeros(n)
    balance[source], balance[sink] = -carry, carry
    model = mb.ModelBuilderHelper()
    model.fill_model_from_sparse_data(
        lower.astype(np.float64),
        upper.astype(np.float64),
        costs.astype(np.float64),
        balance,
        balance,
        incidence,
    )
    solver = mb.ModelSolverHelper("glop")
    solver.solve(model)
    if solver.status() != mb.SolveStatus.OPTIMAL:
        return None
    values = np.asarray(solver.variable_values())
    flows = np.rint(values).astype(np.int64)
    if not (
        np.abs(values - flows).max(initial=0.0) < 1e-6
        and _is_flow(tails, heads, flows, lower, upper, -balance.astype(np.int64))
    ):
        return None
    return flows, np.asarray(solver.reduced_costs())


def _solve_min_cost(
    tails: np.ndarray,
    heads: np.ndarray,
    caps: np.ndarray,
    costs: np.ndarray,
    source: int,
    sink: int,
    carry: int | None = None,
    steps: int | None = None,
) -> tuple[np.ndarray, int]:
    """The max flow of least cost from ``source`` to ``sink``: arc flows, flow value.

    With ``carry`` (the max flow's value, when known), the flow of exactly that value is
    solved for. By OR-Tools' cost scaling, where ``carry`` skips the solver's own max flow
    (about a tenth of the time on Chicago-Sketch; should it not be feasible after all, the
    max flow is), or where that is slow by the network simplex (:func:`_network_simplex`,
    which needs the value: a max flow finds it when not given); ``steps`` (the network's
    horizon) is part of that choice (:data:`_SIMPLEX_MIN_STEPS`).
    """
    nodes = parametric._nodes(tails, heads, source, sink)
    if _simplex_suits(tails.size, costs, nodes, carry, steps):
        if carry is None:  # (the simplex needs the flow's value: a max flow finds it)
            carry = int(_solve_max_flow(tails, heads, caps, source, sink).optimal_flow())
        if carry >= _SIMPLEX_MIN_PEOPLE:
            flows = _network_simplex(tails, heads, caps, costs, source, sink, carry, nodes)
            if flows is not None:
                return flows, carry
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64), costs
    )
    ends = np.array([source, sink], dtype=np.int32)
    if carry is not None:
        solver.set_nodes_supplies(ends, np.array([carry, -carry], dtype=np.int64))
        if solver.solve() == solver.OPTIMAL:
            return _flows_of(solver, tails.size), carry
    total = int(caps[tails == source].sum())
    solver.set_nodes_supplies(ends, np.array([total, -total], dtype=np.int64))
    status = solver.solve_max_flow_with_min_cost()
    if status != solver.OPTIMAL:
        raise SolverError(f"OR-Tools min-cost flow failed with status {status}")
    return _flows_of(solver, tails.size), int(solver.maximum_flow())


def _simplex_suits(
    arcs: int, costs: np.ndarray, nodes: int, carry: int | None, steps: int | None
) -> bool:
    """Whether a min-cost flow of ``carry`` people (None: not known) over ``steps`` goes to
    the network simplex (see :data:`_SIMPLEX_MIN_STEPS`): Numba at hand, costs not negative
    and within its 62 bits, a crowd, and a long horizon or a large network with large costs."""
    bits = _bits(int(costs.max(initial=0)), nodes)
    return (
        parametric.AVAILABLE
        and (carry is None or carry >= _SIMPLEX_MIN_PEOPLE)
        and int(costs.min(initial=0)) >= 0
        and bits < 60
        and (
            (steps or 0) >= _SIMPLEX_MIN_STEPS
            or (arcs >= _SIMPLEX_MIN_ARCS and bits >= _SIMPLEX_MIN_BITS)
        )
    )


def _network_simplex(
    tails: np.ndarray,
    heads: np.ndarray,
    caps: np.ndarray,
    costs: np.ndarray,
    source: int,
    sink: int,
    carry: int,
    nodes: int,
) -> np.ndarray | None:
    """The least-cost flow of ``carry`` from ``source`` to ``sink`` by the network simplex
    (:mod:`._simplex_kernels`), over ``nodes`` nodes; None if no flow of ``carry`` fits.

    Its costs and potentials stay within 62 bits where :func:`_bits` of the costs is under
    60. The flow is checked (within capacity, conserved, ``carry`` out of the source):
    a wrong one raises :class:`~evacplan.errors.SolverError`.
    """
    supply = np.zeros(nodes, dtype=np.int64)
    supply[source] += carry
    supply[sink] -= carry
    block = max(int(math.sqrt(tails.size)), 10)  # LEMON's block search: about sqrt(m) arcs
    arrays = (tails, heads, caps, costs, supply)
    flows, _, status, _ = _simplex().solve(nodes, *(a.astype(np.int64) for a in arrays), block)
    if status != 1:
        return None
    if not _is_flow(tails, heads, flows, np.zeros_like(caps), caps, supply):
        raise SolverError("the network simplex returned a flow that breaks its constraints")
    return np.asarray(flows, dtype=np.int64)


def _is_flow(
    tails: np.ndarray,
    heads: np.ndarray,
    flows: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    out: np.ndarray,
) -> bool:
    """Whether ``flows`` lie within their arcs' bounds and leave every node ``out`` more than
    enters it (its supply: negative where it is a demand)."""
    n = out.size
    net_out = np.bincount(tails, flows, minlength=n) - np.bincount(heads, flows, minlength=n)
    return bool((flows >= lower).all() and (flows <= upper).all() and np.array_equal(net_out, out))


@cache
def _simplex() -> Any:
    """The network simplex's compiled loops, loaded (Numba compiles them on first use, then
    caches them on disk: importing Numba and loading them takes 1 to 2 s)."""
    from evacplan.routing import _simplex_kernels

    one = np.ones(1, dtype=np.int64)
    _simplex_kernels.solve(2, 0 * one, one, one, one, np.array([1, -1]), 10)
    return _simplex_kernels


def _load_simplex(
    tails: np.ndarray,
    heads: np.ndarray,
    costs: np.ndarray,
    source: int,
    sink: int,
    carry: int | None,
    steps: int | None,
) -> None:
    """Load the network simplex here if :func:`_solve_min_cost` is about to use it on these
    arcs: in a child forked to keep a time limit (:func:`._clock._within`) it would be
    loaded again for every flow."""
    if _simplex_suits(
        tails.size, costs, parametric._nodes(tails, heads, source, sink), carry, steps
    ):
        _simplex()


_REUSE_PAST = 0.05
"""The earliest-arrival flow is solved over the network F(t) was found on when its horizon
lies at most this share past T (no arc after T can carry flow that arrives by it), else over
the network expanded to T: Chicago-Sketch with a million people, T = 690 and the probe at
702, saves expanding 2.5 million arcs again (about a second)."""


def _earliest_arrival(
    ten: _TEN,
    run: parametric._Run | None,
    target: int,
    expand: Any,
    net: _Net,
    clock: _Clock | None = None,
) -> tuple[int, np.ndarray, _TEN, np.ndarray, list[tuple[int, int, int]]]:
    """An earliest-arrival flow of ``target`` people: the most people safe by every step.

    ``ten`` reaches a horizon by which ``target`` people can be safe; the
    least such horizon T is found on the way, and the flow is computed on
    ``expand(T)``, or on ``ten`` itself when it reaches only a little past T
    (:data:`_REUSE_PAST`). Returns T, F(t) for every t up to T (from the least
    arrival step), that network, the flow on every arc of its ``graph()``, and
    the move arcs (group, step, capacity) of a min cut proving F(T - 1) < target.
    ``run`` is a push-relabel that holds the max flow over ``ten`` already
    (:attr:`._search._Splittable.warm`). Raises :class:`~._clock._OutOfTime`
    if ``clock`` runs out on the way.
    """
    g = express_graph(ten, net.n)
    tails, heads, caps, labels = g.tail, g.head, g.cap, g.label
    t_lo = int(labels[heads == ten.sink].min())
    values, below = _flows_by_step(
        tails,
        heads,
        caps,
        labels,
        (ten.sink, ten.source),
        (t_lo, ten.horizon),
        ten.ready,
        clock,
        cut_below=target,
        warm=run,
        rising=long(ten, net.n),
    )
    del run
    if values[-1] < target:
        raise SolverError(f"the horizon carries {values[-1]} of {target} people")
    least = t_lo + int(np.argmax(values >= target))
    cut: list[tuple[int, int, int]] = []
    if below is not None and least > t_lo:
        side = np.zeros(ten.n_nodes + 2, dtype=bool)
        side[: below.size] = below[: side.size]
        side |= ten.ready > least - 1
        side[ten.source] = True
        crossing = ten.crossing(net.k_group, side, before=least)
        src_ok = ten.src_node >= 0
        src_cut = ~side[ten.src_node[src_ok]]
        capacity = sum(c for _, _, c in crossing) + int(ten.src_cap[src_ok][src_cut].sum())
        if capacity == values[least - 1 - t_lo]:  # a min cut indeed: it certifies F(T - 1)
            cut = crossing
    values = values[: least - t_lo + 1]
    if ten.horizon - least > _REUSE_PAST * least:
        ten = expand(least)
    # The flow itself: express arcs at the sources only, so that people wait at home.
    g = express_graph(ten, net.n, at_sources=True)
    tails, heads, caps, labels = g.tail, g.head, g.cap, g.label
    into_sink = heads == ten.sink
    quota = np.diff(values, prepend=0)
    quota[-1] = target - values[-2] if values.size > 1 else target
    layers = np.flatnonzero(quota)
    layer_node = np.full(values.size, -1, dtype=np.int64)
    layer_node[layers] = ten.n_nodes + 2 + np.arange(layers.size)
    late = into_sink & (labels > least)  # (a network a little past T: what arrives after it)
    heads2 = np.where(into_sink, layer_node[np.clip(labels - t_lo, 0, values.size - 1)], heads)
    # Arrivals at a step with no quota, or after T, cannot happen in an earliest-arrival flow.
    usable = (~into_sink | (heads2 >= 0)) & ~late
    solver = _solve_max_flow(
        np.concatenate([tails[usable], layer_node[layers]]),
        np.concatenate([heads2[usable], np.full(layers.size, ten.sink, dtype=np.int64)]),
        np.concatenate([caps[usable], quota[layers]]),
        ten.source,
        ten.sink,
    )
    if solver.optimal_flow() != target:
        raise SolverError(f"arrival quotas carry {solver.optimal_flow()} of {target} people")
    flows = np.zeros(tails.size, dtype=np.int64)
    flows[usable] = _flows_of(solver, int(usable.sum()))
    return least, values, ten, g.fold(flows), cut
