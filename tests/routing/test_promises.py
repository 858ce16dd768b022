"""The promises every plan makes, on the small cases where they used to bend.

Home and haven; a ``trickle`` (60 min, 12 an hour, no risk), a ``risky-road``
(10 min, 60 an hour, risk 0.5) and a ``long-road`` (100 min, 60 an hour, risk
0.1); a family of two; ``safest`` at 5-minute steps. Whatever the roads: the
lower bound never exceeds the egress, nobody moved arrives after the
deadline (who cannot make it is stranded, with the reason), ``optimal`` is
claimed only when proven for the family whole, and ``verify()`` is clean.
"""

from __future__ import annotations

import dataclasses

import pytest

from evacplan.models import Network
from evacplan.results import Party, Status
from evacplan.routing import EvacuationPlan, Movement, Stop, evacuate
from tests.routing.helpers import checked

ROADS = {
    "trickle": {"minutes": 60, "capacity_per_hour": 12},
    "risky-road": {"minutes": 10, "capacity_per_hour": 60, "risk": 0.5},
    "long-road": {"minutes": 100, "capacity_per_hour": 60, "risk": 0.1},
}
FAMILY = [Party("fam", 2, "home")]


def roads(*names: str) -> Network:
    """Home and haven joined by the named roads (one way)."""
    return Network(
        places=[{"id": "home", "kind": "residence"}, {"id": "haven", "kind": "safe_haven"}],
        links=[
            {"id": n, "source": "home", "target": "haven", "two_way": False, **ROADS[n]}
            for n in names
        ],
    )


def promised(plan: EvacuationPlan, deadline: int) -> EvacuationPlan:
    """The plan, after checking the promises that hold for every plan."""
    checked(plan)
    assert all(m.arrival_minute <= deadline for m in plan.movements)
    moved = {p for m in plan.movements for p in m.parties}
    stranded = {p for s in plan.stranded for p in s.parties}
    assert moved | stranded == {"fam"} and not moved & stranded
    if plan.egress_minutes is not None and plan.lower_bound_minutes is not None:
        assert plan.lower_bound_minutes <= plan.egress_minutes
    return plan


def test_a_family_that_cannot_make_the_deadline_whole_is_stranded_not_late() -> None:
    """Trickle and long road, deadline 90: not 'optimal' at minute 100; stranded, and why."""
    plan = promised(
        evacuate(
            roads("trickle", "long-road"),
            parties=FAMILY,
            step_minutes=5,
            objective="safest",
            deadline=90,
        ),
        90,
    )
    if plan.stranded:
        assert plan.status is Status.INFEASIBLE
        assert "deadline (minute 90)" in plan.stranded[0].reason


def test_a_cut_short_search_keeps_its_bound_below_the_egress() -> None:
    """Trickle and risky road, deadline 90, no time to search: an honest feasible plan."""
    plan = promised(
        evacuate(
            roads("trickle", "risky-road"),
            parties=FAMILY,
            step_minutes=5,
            objective="safest",
            deadline=90,
            time_limit=0.01,
        ),
        90,
    )
    assert plan.status in (Status.OPTIMAL, Status.FEASIBLE)


def test_safest_takes_the_less_risky_road_the_family_can_take_whole() -> None:
    """All three roads, deadline 120: not the risky road (1.0) when the long one (0.2) is in time."""
    plan = promised(
        evacuate(
            roads("trickle", "risky-road", "long-road"),
            parties=FAMILY,
            step_minutes=5,
            objective="safest",
            deadline=120,
        ),
        120,
    )
    assert plan.status is Status.OPTIMAL
    assert plan.risk_exposure <= 0.2 + 1e-9


@pytest.mark.parametrize("objective", ["quickest", "safest"])
def test_verify_catches_an_arrival_after_the_deadline(objective: str) -> None:
    """A movement moved past the deadline is a ``deadline`` violation."""
    plan = checked(
        evacuate(
            roads("risky-road"), parties=FAMILY, step_minutes=5, objective=objective, deadline=30
        )
    )
    late = Movement(2, [Stop("home", 30), Stop("haven", 40)], parties=["fam"], links=["risky-road"])
    broken = dataclasses.replace(plan, movements=[late], egress_minutes=40)
    assert any(v.rule == "deadline" for v in broken.verify())
