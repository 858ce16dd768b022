"""F(t) by one parametric push-relabel (``_parametric``) is one max flow per step: checked
against OR-Tools at every t on random networks, with its min cut, its warm start from a
probe's max flow, and whole plans made through it against the divide and conquer."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan.routing import _parametric, evacuate
from evacplan.routing._maxflow import _flows_by_step, _solve_max_flow
from tests.routing.test_maxflow import _network
from tests.routing.test_property import instances

pytestmark = pytest.mark.skipif(not _parametric.AVAILABLE, reason="Numba is not installed")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.integers(0, 30), st.integers(0, 3))
def test_every_step_is_a_max_flow_and_the_cut_a_min_cut(case: Any, extra: int, short: int) -> None:
    ten, tails, heads, caps, labels = _network(case, extra)
    into = heads == ten.sink
    if not into.any() or not (tails == ten.source).any():
        return
    t_lo = int(labels[into].min())
    total = int(caps[tails == ten.source].sum())
    below = max(total - short, 0)
    values, side = _parametric._parametric_flows(
        tails, heads, caps, labels, ten.sink, ten.source, t_lo, ten.horizon, cut_below=below
    )
    for t in range(t_lo, ten.horizon + 1):
        open_ = ~into | (labels <= t)
        one = _solve_max_flow(tails[open_], heads[open_], caps[open_], ten.source, ten.sink)
        assert values[t - t_lo] == one.optimal_flow(), t
    short_of = np.flatnonzero(values < below)
    assert (side is None) == (short_of.size == 0)
    if side is not None:  # the cut at the greatest t short of ``below``: capacity F(t)
        t = t_lo + int(short_of[-1])
        assert side[ten.source] and not side[ten.sink]
        crossing = (~into | (labels <= t)) & side[tails] & ~side[heads]
        assert int(caps[crossing].sum()) == values[t - t_lo]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.integers(0, 20))
def test_going_on_from_a_max_flow_gives_the_same(case: Any, extra: int) -> None:
    """A run stopped at the horizon's max flow (a probe's) and lowered later: the same F."""
    ten, tails, heads, caps, labels = _network(case, extra)
    into = heads == ten.sink
    if not into.any():
        return
    t_lo = int(labels[into].min())
    fresh, _ = _parametric._parametric_flows(
        tails, heads, caps, labels, ten.sink, ten.source, t_lo, ten.horizon
    )
    run = _parametric._Run.start(tails, heads, caps, labels, ten.sink, ten.source)
    run.lower(ten.horizon, ten.horizon)
    assert run.value() == fresh[-1]
    warm, _ = _flows_by_step(
        tails, heads, caps, labels, (ten.sink, ten.source), (t_lo, ten.horizon), warm=run
    )
    assert warm.tolist() == fresh.tolist()


def test_a_cut_off_crowd_keeps_its_excess() -> None:
    """Five people, a road for two: F is 2 at every step, and the cut is the road."""
    tail, head = np.array([0, 1, 2]), np.array([1, 2, 3])
    cap, label = np.array([5, 2, 9]), np.array([-1, -1, 1])
    values, side = _parametric._parametric_flows(tail, head, cap, label, 3, 0, 0, 3, cut_below=5)
    assert values.tolist() == [0, 2, 2, 2]
    assert side is not None and side.tolist() == [True, True, False, False]


def _plans(case: Any, patch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    net, supply, safe, step = case
    divided = evacuate(net, supply, safe, step_minutes=step)
    patch.setattr(_parametric, "MIN_ARCS", 0)
    pushed = evacuate(net, supply, safe, step_minutes=step)
    return divided, pushed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True))
def test_plans_through_it_match_the_divide_and_conquer(case: Any) -> None:
    """Every network through the push-relabel (probes, F(t), the bottleneck cut): the same
    egress, bound, arrivals and bottlenecks as by the divide and conquer, and it verifies.
    (Both name the min cut nearest the sources, which is unique.)"""
    with pytest.MonkeyPatch.context() as patch:
        divided, pushed = _plans(case, patch)
    assert pushed.verify() == []
    assert pushed.status == divided.status
    assert pushed.egress_minutes == divided.egress_minutes
    assert pushed.lower_bound_minutes == divided.lower_bound_minutes
    assert pushed.hours_not_safe == pytest.approx(divided.hours_not_safe)
    assert pushed.stranded == divided.stranded
    cut = [(b.link, b.capacity, b.minutes) for b in pushed.bottlenecks]
    assert cut == [(b.link, b.capacity, b.minutes) for b in divided.bottlenecks]
