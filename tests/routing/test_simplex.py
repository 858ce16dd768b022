"""The network simplex (``_simplex_kernels``) against OR-Tools' min-cost flow: the same least
cost on random networks of any shape, a flow that keeps every constraint, potentials that
prove it optimal, infeasibility found; and which solver a min-cost flow goes to."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.graph.python import min_cost_flow

from evacplan.routing import _objectives, _parametric
from evacplan.routing._objectives import _network_simplex, _simplex, _simplex_suits, _solve_min_cost
from tests.routing import test_least_harm as harm_tests
from tests.routing import test_property as property_tests
from tests.routing.test_least_harm import harmful_instances
from tests.routing.test_maxflow import _network
from tests.routing.test_property import instances, risky_instances

pytestmark = pytest.mark.skipif(not _parametric.AVAILABLE, reason="Numba is not installed")


@st.composite
def flows(
    draw: st.DrawFn,
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Any directed network (cycles, parallel arcs, empty arcs, loops none), with supplies
    and demands at several nodes that sum to zero."""
    n = draw(st.integers(2, 9))
    m = draw(st.integers(1, 30))
    ends = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(1, n - 1)), min_size=m, max_size=m)
    )
    tails = np.array([a for a, _ in ends], dtype=np.int64)
    heads = (tails + np.array([d for _, d in ends], dtype=np.int64)) % n
    caps = np.array(draw(st.lists(st.integers(0, 12), min_size=m, max_size=m)), dtype=np.int64)
    costs = np.array(draw(st.lists(st.integers(0, 25), min_size=m, max_size=m)), dtype=np.int64)
    supply = np.zeros(n, dtype=np.int64)
    for a, b, q in draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(1, 9)), max_size=4
        )
    ):
        supply[a] += q
        supply[b] -= q
    return n, tails, heads, caps, costs, supply


def _ortools(
    tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, costs: np.ndarray, supply: np.ndarray
) -> int | None:
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    solver.set_nodes_supplies(np.arange(supply.size, dtype=np.int32), supply)
    return int(solver.optimal_cost()) if solver.solve() == solver.OPTIMAL else None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flows(), st.integers(1, 12))
def test_the_least_cost_of_any_network_is_or_tools(case: Any, block: int) -> None:
    """Block searches of any size, down to one arc at a time."""
    n, tails, heads, caps, costs, supply = case
    flow, pi, status, _ = _simplex().solve(n, tails, heads, caps, costs, supply, block)
    best = _ortools(tails, heads, caps, costs, supply)
    assert status == (0 if best is None else 1)
    if best is None:
        return
    assert int(costs @ flow) == best
    assert ((flow >= 0) & (flow <= caps)).all()
    net_out = np.bincount(tails, flow, minlength=n) - np.bincount(heads, flow, minlength=n)
    assert np.array_equal(net_out, supply)
    # The potentials prove it: no arc with room costs less than nothing, none with flow more.
    reduced = costs + pi[tails] - pi[heads]
    assert (reduced[flow < caps] >= 0).all() and (reduced[flow > 0] <= 0).all()


def test_a_hand_solved_network() -> None:
    """s -> a -> t costs 1 + 1 but carries 3; s -> b -> t costs 2 + 5 and carries 10; s -> t
    directly costs 10. Five units: 3 by a (6), 2 by b (14): 20; eleven units: 3 by a, 8 by b
    (56), none direct: 62; fourteen: 3 by a, 10 by b, 1 direct: 6 + 70 + 10 = 86."""
    s, a, b, t = 0, 1, 2, 3
    tails = np.array([s, a, s, b, s])
    heads = np.array([a, t, b, t, t])
    caps = np.array([3, 5, 10, 10, 1])
    costs = np.array([1, 1, 2, 5, 10])
    for carry, cost in ((5, 20), (11, 62), (14, 86)):
        flow = _network_simplex(tails, heads, caps, costs, s, t, carry, 4)
        assert flow is not None and int(costs @ flow) == cost
    assert _network_simplex(tails, heads, caps, costs, s, t, 15, 4) is None  # 14 at most


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.integers(0, 15), st.integers(0, 2**31))
def test_time_expanded_networks_cost_the_same_either_way(case: Any, extra: int, seed: int) -> None:
    """``_solve_min_cost`` by the simplex (whatever the people) and by OR-Tools' cost scaling:
    the same flow value (a max flow, found first) and the same least cost."""
    ten, tails, heads, caps, _ = _network(case, extra)
    if not (tails == ten.source).any():
        return
    costs = np.random.default_rng(seed).integers(0, 50, tails.size)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_objectives, "_SIMPLEX_MIN_PEOPLE", 0)
        long = _objectives._SIMPLEX_MIN_STEPS
        flows, value = _solve_min_cost(tails, heads, caps, costs, ten.source, ten.sink, None, long)
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32), caps, costs
    )
    total = int(caps[tails == ten.source].sum())
    ends = np.array([ten.source, ten.sink], dtype=np.int32)
    solver.set_nodes_supplies(ends, np.array([total, -total]))
    assert solver.solve_max_flow_with_min_cost() == solver.OPTIMAL
    assert value == solver.maximum_flow()
    assert int(costs @ flows) == solver.optimal_cost()


def test_which_solver_a_min_cost_flow_goes_to(monkeypatch: pytest.MonkeyPatch) -> None:
    """The simplex for crowds over long horizons, or over large networks with large costs;
    never for costs that its 62 bits cannot hold or that are negative."""
    small, crowd = np.array([0, 3, 3_500]), _objectives._SIMPLEX_MIN_PEOPLE
    long = _objectives._SIMPLEX_MIN_STEPS
    large, big = _objectives._SIMPLEX_MIN_ARCS, np.array([0, 2**35])
    assert _simplex_suits(1_000, small, 1_000, crowd, long)
    assert _simplex_suits(1_000, small, 1_000, None, long)  # (a max flow finds how many first)
    assert not _simplex_suits(1_000, small, 1_000, crowd - 1, long)
    assert not _simplex_suits(1_000, small, 1_000, crowd, long - 1)
    assert not _simplex_suits(large, small, 70_000, crowd, 111)  # (Chicago's risky case)
    assert _simplex_suits(large, big, 111_000, crowd, 156)  # (Chicago's least harm)
    assert not _simplex_suits(large - 1, big, 20_000, crowd, 160)  # (bench_plan's first wave)
    assert not _simplex_suits(1_000, np.array([0, 2**50]), 2**12, crowd, long)  # 62 bits or more
    assert not _simplex_suits(1_000, np.array([-1, 3]), 1_000, crowd, long)
    monkeypatch.setattr(_parametric, "AVAILABLE", False)
    assert not _simplex_suits(1_000, small, 1_000, crowd, long)


def _by_the_simplex(test: Any, *args: Any) -> None:
    """Run a property test's body with every min-cost flow of its plans by the simplex."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_objectives, "_SIMPLEX_MIN_PEOPLE", 0)
        patch.setattr(_objectives, "_SIMPLEX_MIN_STEPS", 0)
        test.hypothesis.inner_test(*args)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(harmful_instances())
def test_least_harm_by_the_simplex_matches_networkx(case: Any) -> None:
    _by_the_simplex(harm_tests.test_least_harm_matches_networkx, case)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(risky_instances())
def test_least_risk_by_the_simplex_matches_networkx(case: Any) -> None:
    _by_the_simplex(property_tests.test_risk_exposure_and_arrivals_match_networkx, case)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(risky_instances(), st.integers(0, 6))
def test_safest_by_the_simplex_matches_networkx(case: Any, slack: int) -> None:
    _by_the_simplex(property_tests.test_safest_matches_networkx, case, slack)
