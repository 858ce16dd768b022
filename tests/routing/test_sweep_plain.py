"""The sweep of plain counts in arrays (``_sweep_plain``) is the parcel-by-parcel sweep's twin.

Every flow the solver makes for plain supply is swept both ways, and the two must agree
exactly: the same parcels safe (people, itinerary id, origin, release, place, step) in the
same order (the array sweep gives parcels alike in all but their people as one), the same
parcels left, the same history entries and the same room used.
"""

from __future__ import annotations

from dataclasses import astuple, replace
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan.routing import _evacuate, _round_trips, _sweep_plain, evacuate
from evacplan.routing._movements import _Histories, _sweep
from tests.routing.helpers import checked
from tests.routing.test_property import instances


def _flows_of(monkeypatch: pytest.MonkeyPatch, **call: Any) -> list[tuple[Any, ...]]:
    """The arguments of every plain sweep ``evacuate(**call)`` makes (and its plan checked)."""
    seen: list[tuple[Any, ...]] = []
    real = _evacuate._plain_sweep

    def spy(net: Any, groups: Any, steps: Any, amounts: Any, start: Any, *rest: Any) -> Any:
        seen.append((net, groups, steps, amounts, [(at, replace(p)) for at, p in start]))
        return real(net, groups, steps, amounts, start, *rest)

    monkeypatch.setattr(_evacuate, "_plain_sweep", spy)
    checked(evacuate(**call))
    return seen


def _alike_as_one(finished: Any) -> list[tuple[Any, ...]]:
    """(people, history, party, reached, origin, release, place, step) of the parcels safe, in
    order of arrival, those alike in all but their people as one (the array sweep's form)."""
    merged: dict[tuple[Any, ...], int] = {}
    for p, at, t in finished:
        key = (*astuple(p)[1:], at, t)
        merged[key] = merged.get(key, 0) + p.count
    return [(n, *key) for key, n in merged.items()]


def _both_ways(net: Any, groups: Any, steps: Any, amounts: Any, start: Any) -> None:
    fast_hist, slow_hist = _Histories(), _Histories()
    fast_used: dict[tuple[int, int], int] = {}
    slow_used: dict[tuple[int, int], int] = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sweep_plain, "MIN_DEPARTURES", 0)
        fast = _sweep_plain._plain_sweep(
            net, groups, steps, amounts, [(a, replace(p)) for a, p in start], fast_hist, fast_used
        )
    assert fast is not None
    slow = _sweep(
        net, groups, steps, amounts, [(a, replace(p)) for a, p in start], slow_hist, slow_used
    )
    assert _alike_as_one(fast[0]) == _alike_as_one(slow[0])
    assert len(fast[0]) == len(_alike_as_one(slow[0]))
    assert [(astuple(p), at) for p, at in fast[1]] == [(astuple(p), at) for p, at in slow[1]]
    for name in ("place", "step", "group", "parent"):
        assert list(getattr(fast_hist, name)) == list(getattr(slow_hist, name)), name
    assert fast_used == slow_used


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.sampled_from(["quickest", "most_saved", "least_harm"]))
def test_the_array_sweep_is_the_parcel_sweep(case: Any, objective: str) -> None:
    """Random networks with windows, services and gates; most_saved leaves people behind."""
    net, supply, safe, step = case
    deadline = 30 if objective == "most_saved" else None
    call = {"network": net, "supply": supply, "safe": safe, "step_minutes": step}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sweep_plain, "MIN_DEPARTURES", 0)
        flows = _flows_of(patch, **call, objective=objective, deadline=deadline)
        for flow in flows:
            _both_ways(*flow)


def _grid() -> tuple[Any, dict[str, int]]:
    """Thousands at the corners of a 5 x 5 grid of two-way streets, safe at two corners."""
    from evacplan.models import Network

    n = 5
    ids = [f"c{i}{j}" for i in range(n) for j in range(n)]
    links = []
    for i in range(n):
        for j in range(n):
            for di, dj in ((0, 1), (1, 0)):
                if i + di < n and j + dj < n:
                    links.append(
                        {
                            "source": f"c{i}{j}",
                            "target": f"c{i + di}{j + dj}",
                            "minutes": 1 + (i * 7 + j * 3) % 4,
                            "capacity_per_hour": 600 + 300 * ((i + j) % 3),
                            "two_way": True,
                        }
                    )
    net = Network(
        places=[
            {"id": p, "kind": "safe_haven" if p in ("c00", "c44") else "waypoint"} for p in ids
        ],
        links=links,
    )
    rng = np.random.default_rng(3)
    return net, {p: int(rng.integers(200, 2_000)) for p in ids if p not in ("c00", "c44")}


def test_a_crowd_on_a_grid_sweeps_the_same_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands through a grid of two-way streets (queues split at every corner). Swept
    against a flow that moves people before they are released, the array sweep declines
    (None) and changes nothing, for the parcel sweep to do what it can."""
    net, supply = _grid()
    flows = _flows_of(monkeypatch, network=net, supply=supply, step_minutes=1)
    assert flows
    for flow in flows:
        _both_ways(*flow)
    later = [(at, replace(p, reached=at % 7, released=at % 7)) for at, p in flows[0][4]]
    hist, used = _Histories(), {(0, 0): 1}
    monkeypatch.setattr(_sweep_plain, "MIN_DEPARTURES", 0)
    assert _sweep_plain._plain_sweep(*flows[0][:4], later, hist, used) is None
    assert len(hist.place) == 0 and used == {(0, 0): 1}


def test_trips_straight_back_cancel_by_hand() -> None:
    """Five leave a for b at step 0 (2 steps away) and three of them come straight back at step
    2: those three never go (they wait at a); two of them set out again at step 4 and come
    straight back at step 6: cancelled too. Left: two a -> b at step 0, on to h at step 2."""
    from evacplan.models import Network
    from evacplan.routing._compile import _compile

    net = Network(
        places=[
            {"id": "a", "kind": "waypoint"},
            {"id": "b", "kind": "waypoint"},
            {"id": "h", "kind": "safe_haven"},
        ],  # fmt: skip
        links=[
            {"id": "ab", "source": "a", "target": "b", "minutes": 2, "capacity_per_hour": 600},
            {"id": "ba", "source": "b", "target": "a", "minutes": 2, "capacity_per_hour": 600},
            {"id": "bh", "source": "b", "target": "h", "minutes": 1, "capacity_per_hour": 600},
        ],
    )
    c = _compile(net, [], 1, {"h"})
    group = {(c.ids[c.g_tail[g]], c.ids[c.g_head[g]]): g for g in range(c.g_tail.size)}
    ab, ba, bh = group[("a", "b")], group[("b", "a")], group[("b", "h")]
    groups = np.array([ab, ba, bh, ab, ba])
    steps = np.array([0, 2, 2, 4, 6])
    amounts = np.array([5, 3, 2, 2, 2])
    for least in (10**9, 0):  # the loop as it is, then compiled
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_round_trips, "MIN_COMPILED", least)
            g, s, a = _round_trips._straight_back(c, groups, steps, amounts)
        left = sorted(zip(g.tolist(), s.tolist(), a.tolist(), strict=True))
        assert left == sorted([(ab, 0, 2), (bh, 2, 2)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(airlift=True), st.sampled_from(["quickest", "most_saved"]))
def test_trips_straight_back_cancelled_keep_every_arrival(case: Any, objective: str) -> None:
    """Random networks: with the trips straight back cancelled on every flow, each flow brings
    the same people to each safe place at each step with no more moves, and the plan still
    replays clean; the loop compiled cancels what it cancels as it is."""
    net, supply, safe, step = case
    seen: list[tuple[Any, ...]] = []
    real = _round_trips._straight_back

    def spy(c: Any, groups: Any, steps: Any, amounts: Any) -> Any:
        out = real(c, groups, steps, amounts)
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(_round_trips, "MIN_COMPILED", 0)
            compiled = real(c, groups, steps, amounts)
        assert all((x == y).all() for x, y in zip(out, compiled, strict=True))
        seen.append((c, (groups, steps, amounts), out))
        return out

    def arrivals(c: Any, flow: Any) -> dict[tuple[int, int], int]:
        groups, steps, amounts = flow
        at: dict[tuple[int, int], int] = {}
        for g, s, a in zip(groups.tolist(), steps.tolist(), amounts.tolist(), strict=True):
            if c.safe[c.g_head[g]]:
                key = (int(c.g_head[g]), s + int(c.g_tau[g]))
                at[key] = at.get(key, 0) + a
        return at

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_sweep_plain, "MIN_DEPARTURES", 0)
        patch.setattr(_evacuate, "_straight_back", spy)
        checked(
            evacuate(
                network=net, supply=supply, safe=safe, step_minutes=step, objective=objective,
                deadline=30 if objective == "most_saved" else None,
            )
        )  # fmt: skip
    for c, before, after in seen:
        assert arrivals(c, after) == arrivals(c, before)
        assert int(after[2].sum()) <= int(before[2].sum())
        assert (after[2] > 0).all()


def test_a_crowd_on_a_grid_no_longer_goes_there_and_back(monkeypatch: pytest.MonkeyPatch) -> None:
    """The grid's earliest-arrival flow sends most of its moves straight back (387,304 moves, of
    which 77,134 remain once cancelled): the plan with them cancelled brings the same people to
    each safe place at each minute, and its people travel fewer legs."""
    net, supply = _grid()
    monkeypatch.setattr(_sweep_plain, "MIN_DEPARTURES", 0)
    cancelled = checked(evacuate(net, supply, step_minutes=1))
    monkeypatch.setattr(_evacuate, "_straight_back", lambda net, *flow: flow)
    as_found = checked(evacuate(net, supply, step_minutes=1))

    def arrivals(plan: Any) -> dict[tuple[str, int], int]:
        at: dict[tuple[str, int], int] = {}
        for m in plan.movements:
            key = (m.itinerary[-1].place, m.arrival_minute)
            at[key] = at.get(key, 0) + m.count
        return at

    def legs(plan: Any) -> int:
        return sum(m.count * len(m.links) for m in plan.movements)

    assert cancelled.egress_minutes == as_found.egress_minutes == cancelled.lower_bound_minutes
    assert arrivals(cancelled) == arrivals(as_found)
    assert legs(cancelled) < legs(as_found)
