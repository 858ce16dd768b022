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

from evacplan.routing import _evacuate, _sweep_plain, evacuate
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


def test_a_crowd_on_a_grid_sweeps_the_same_both_ways(monkeypatch: pytest.MonkeyPatch) -> None:
    """Thousands through a grid of two-way streets (queues split at every corner). Swept
    against a flow that moves people before they are released, the array sweep declines
    (None) and changes nothing, for the parcel sweep to do what it can."""
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
    supply = {p: int(rng.integers(200, 2_000)) for p in ids if p not in ("c00", "c44")}
    flows = _flows_of(monkeypatch, network=net, supply=supply, step_minutes=1)
    assert flows
    for flow in flows:
        _both_ways(*flow)
    later = [(at, replace(p, reached=at % 7, released=at % 7)) for at, p in flows[0][4]]
    hist, used = _Histories(), {(0, 0): 1}
    monkeypatch.setattr(_sweep_plain, "MIN_DEPARTURES", 0)
    assert _sweep_plain._plain_sweep(*flows[0][:4], later, hist, used) is None
    assert len(hist.place) == 0 and used == {(0, 0): 1}
