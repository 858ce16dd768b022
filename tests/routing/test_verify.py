"""``verify()`` is no rubber stamp: a broken schedule is caught, rule by rule."""

from __future__ import annotations

import dataclasses

import pytest

from evacplan.routing import Movement, Stop, evacuate
from tests.routing.helpers import checked, network


def test_verify_catches_a_broken_schedule() -> None:
    """Over capacity, wrong arrival, lost people: each shows up under its rule."""
    net = network(
        [{"id": "road", "source": "s", "target": "h", "minutes": 10, "capacity_per_hour": 60}],
        ["s", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"s": 10}))
    crammed = dataclasses.replace(
        plan, movements=[Movement(10, [Stop("s", 0), Stop("h", 10)], links=["road"])]
    )
    assert "capacity" in {v.rule for v in crammed.verify()}
    late = dataclasses.replace(
        plan,
        movements=[
            Movement(5, [Stop("s", 0), Stop("h", 15)], links=["road"]),
            Movement(5, [Stop("s", 5), Stop("h", 15)], links=["road"]),
        ],
    )
    assert "route" in {v.rule for v in late.verify()}
    lost = dataclasses.replace(plan, movements=plan.movements[:1])
    assert {v.rule for v in lost.verify()} >= {"accounted"}
    with pytest.raises(AssertionError, match="capacity"):
        crammed.verify(strict=True)
