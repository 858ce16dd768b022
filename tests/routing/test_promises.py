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


def test_a_family_makes_the_deadline_over_a_narrow_road_not_late_by_a_wide_one() -> None:
    """Trickle and long road, deadline 90: not 'optimal' at minute 100, but by the trickle at 65."""
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
    assert not plan.stranded and plan.egress_minutes == 65  # by the trickle, one a step
    assert plan.risk_exposure == 0


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


def test_safest_takes_the_least_risky_way_the_family_can_go_together() -> None:
    """All three roads, deadline 120: the trickle, one member a step, risk 0, by minute 65.

    Not the risky road (1.0), nor the long road (0.2): a family larger than
    what the trickle admits in a step crosses it over two steps and goes on
    together.
    """
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
    assert plan.status is not Status.INFEASIBLE
    assert plan.risk_exposure == 0
    assert plan.egress_minutes == plan.lower_bound_minutes == 65
    (m,) = plan.movements
    assert m.links == ["trickle"] and m.spread == {0: [(0, 1), (5, 1)]}


@pytest.mark.parametrize("objective", ["quickest", "safest"])
def test_verify_catches_an_arrival_after_the_deadline(objective: str) -> None:
    """A movement moved past the deadline is a ``deadline`` violation."""
    plan = checked(
        evacuate(
            roads("risky-road"), parties=FAMILY, step_minutes=5, objective=objective, deadline=30
        )
    )
    late = Movement(
        2, [Stop("home", 0, 30), Stop("haven", 40, 40)], parties=["fam"], links=["risky-road"]
    )
    broken = dataclasses.replace(plan, movements=[late], egress_minutes=40)
    assert any(v.rule == "deadline" for v in broken.verify())


def test_a_family_that_cannot_make_the_deadline_is_stranded_with_the_reason() -> None:
    """Only the long road, deadline 90: it arrives at 100, so the family is stranded, and why."""
    plan = promised(
        evacuate(
            roads("long-road"), parties=FAMILY, step_minutes=5, objective="safest", deadline=90
        ),
        90,
    )
    assert plan.status is Status.OPTIMAL and not plan.movements  # nobody can make it
    assert "deadline" in plan.stranded[0].reason
