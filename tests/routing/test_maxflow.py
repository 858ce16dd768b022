"""F(t) by divide and conquer over nested min cuts (``_maxflow._prefix_flows``) is one max
flow per step, done faster: checked against a max flow for every t on random networks, with
upper halves started from their parent's flow and from nothing, cuts included."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan.routing import _maxflow
from evacplan.routing._compile import _compile
from evacplan.routing._maxflow import _cut_side, _prefix_flows, _solve_max_flow
from evacplan.routing._search import _Splittable
from tests.routing.test_property import instances


def _network(case: Any, extra: int) -> tuple[Any, ...]:
    net, supply, safe, step = case
    c = _compile(net, [], step, safe)
    index = {p: i for i, p in enumerate(c.ids)}
    places = np.array([index[p] for p in supply], dtype=np.int64)
    counts = np.array(list(supply.values()), dtype=np.int64)
    sp = _Splittable(c, places, np.zeros(places.size, dtype=np.int64), counts)
    reach = sp.to_safe[places]
    horizon = int(reach[reach < 10**9].max(initial=0)) + extra
    ten = sp.ten(horizon)
    tails, heads, caps = ten.graph()
    labels = np.concatenate([ten.label, np.full(tails.size - ten.label.size, -1, dtype=np.int64)])
    return ten, tails, heads, caps, labels


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.integers(0, 30), st.booleans())
def test_f_of_t_is_a_max_flow_at_every_t(case: Any, extra: int, warm: bool) -> None:
    ten, tails, heads, caps, labels = _network(case, extra)
    into = heads == ten.sink
    if not into.any() or not (tails == ten.source).any():
        return
    t_lo = int(labels[into].min())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_maxflow, "WARM", warm)
        patch.setattr(_maxflow, "WARM_MIN_ARCS", 0)
        values, cuts = _prefix_flows(
            tails, heads, caps, labels, ten.sink, ten.source, t_lo, ten.horizon, ten.ready, True
        )
    for t in range(t_lo, ten.horizon + 1):
        open_ = ~into | (labels <= t)
        one = _solve_max_flow(tails[open_], heads[open_], caps[open_], ten.source, ten.sink)
        assert values[t - t_lo] == one.optimal_flow(), t
        if t in cuts:  # a recorded cut is a min cut: its capacity is F(t)
            side = _cut_side(cuts[t], ten.n_nodes + 2) | (ten.ready > t)
            side[ten.source] = True
            crossing = open_ & side[tails] & ~side[heads]
            assert int(caps[crossing].sum()) == values[t - t_lo], t


def test_f_of_t_on_a_crowded_grid_both_ways() -> None:
    """A crowd on a grid of two-way streets, where later max flows send flow back along
    arcs the earlier ones used: F(t) the same from the parent's flow, from nothing, and by a
    max flow at each t."""
    from evacplan.models import Network

    n = 6
    ids = [f"c{i}{j}" for i in range(n) for j in range(n)]
    links = [
        {
            "source": f"c{i}{j}",
            "target": f"c{i + di}{j + dj}",
            "minutes": 1 + (i * 7 + j * 3) % 4,
            "capacity_per_hour": 300 + 240 * ((i + 2 * j) % 3),
            "two_way": True,
        }
        for i in range(n)
        for j in range(n)
        for di, dj in ((0, 1), (1, 0))
        if i + di < n and j + dj < n
    ]
    safe = {"c00", "c55", "c05"}
    net = Network(places=[{"id": p, "kind": "waypoint"} for p in ids], links=links)
    rng = np.random.default_rng(5)
    supply = {p: int(rng.integers(50, 400)) for p in ids if p not in safe}
    ten, tails, heads, caps, labels = _network((net, supply, safe, 1), 40)
    into = heads == ten.sink
    t_lo = int(labels[into].min())
    found = []
    for warm in (True, False):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_maxflow, "WARM", warm)
            patch.setattr(_maxflow, "WARM_MIN_ARCS", 0)
            found.append(
                _prefix_flows(
                    tails,
                    heads,
                    caps,
                    labels,
                    ten.sink,
                    ten.source,
                    t_lo,
                    ten.horizon,
                    ten.ready,
                    True,
                )
            )
    assert np.array_equal(found[0][0], found[1][0])
    values, cuts = found[0]
    for t in range(t_lo, ten.horizon + 1):
        open_ = ~into | (labels <= t)
        one = _solve_max_flow(tails[open_], heads[open_], caps[open_], ten.source, ten.sink)
        assert values[t - t_lo] == one.optimal_flow(), t
        side = _cut_side(cuts[t], ten.n_nodes + 2) | (ten.ready > t)
        side[ten.source] = True
        crossing = open_ & side[tails] & ~side[heads]
        assert int(caps[crossing].sum()) == values[t - t_lo], t
