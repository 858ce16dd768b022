"""``verify()`` is no rubber stamp: a broken schedule is caught, rule by rule."""

from __future__ import annotations

import dataclasses

import pytest

from evacplan import drawdown
from evacplan.models import Scenario
from evacplan.results import Party
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
        plan, movements=[Movement(10, [Stop("s", 0, 0), Stop("h", 10, 10)], links=["road"])]
    )
    assert "capacity" in {v.rule for v in crammed.verify()}
    late = dataclasses.replace(
        plan,
        movements=[
            Movement(5, [Stop("s", 0, 0), Stop("h", 15, 15)], links=["road"]),
            Movement(5, [Stop("s", 0, 5), Stop("h", 15, 15)], links=["road"]),
        ],
    )
    assert "route" in {v.rule for v in late.verify()}
    lost = dataclasses.replace(plan, movements=plan.movements[:1])
    assert {v.rule for v in lost.verify()} >= {"accounted"}
    with pytest.raises(AssertionError, match="capacity"):
        crammed.verify(strict=True)


def test_verify_catches_a_household_moved_twice(founding: Scenario) -> None:
    """A staff member's party and a second party of their dependants: the dependants move twice."""
    plan = checked(evacuate(founding, parties=drawdown(founding, posture="minimal").parties))
    members = founding.staff_by_id
    party = next(p for p in plan.parties if p.id in members and members[p.id].dependants)
    extra = Party(
        f"{party.id}/dependants", members[party.id].dependants, party.location, party.post
    )
    carrying = next(m for m in plan.movements if party.id in m.parties)
    doubled = dataclasses.replace(
        plan,
        parties=(*plan.parties, extra),
        movements=[
            *plan.movements,
            Movement(extra.size, carrying.itinerary, [extra.id], carrying.links),
        ],
    )
    found = [v.message for v in doubled.verify() if v.rule == "accounted"]
    assert any("moved twice" in m and party.id in m for m in found), found


def test_parallel_links_are_open_while_either_is() -> None:
    """Found by hypothesis: parties crossing two parallel links, one closing, one opening.

    Parallel links of equal transit act as one: a leg is named by the link
    its first member takes, and a member entering after that link closes
    (by the other, still open) breaks no rule.
    """
    net = network(
        [
            {
                "id": "l0",
                "source": "p0",
                "target": "p1",
                "minutes": 0,
                "capacity_per_hour": 30,
                "closes": 10,
            },
            {
                "id": "l1",
                "source": "p0",
                "target": "p1",
                "minutes": 0,
                "capacity_per_hour": 30,
                "opens": 2,
            },
        ],
        ["p0", "p1"],
        safe=("p1",),
    )
    sizes = [2, 1, 3]
    parties = [
        Party(f"x{i}", size, ["p0", "p1"][i % 2], release_minute=3 * i)
        for i, size in enumerate(sizes)
    ]
    plan = checked(evacuate(net, safe={"p1"}, parties=parties, step_minutes=2))
    assert sum(m.count for m in plan.movements) == 6
