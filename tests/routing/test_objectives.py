"""Objectives beyond the quickest egress: less risk among equally quick plans, safest by a deadline."""

from __future__ import annotations

import pytest

from evacplan.models import Network
from evacplan.results import Status
from evacplan.routing import evacuate
from tests.routing.helpers import checked, closing_roads, network


def risky_and_safe() -> Network:
    """A risky 10-minute road and a safe 40-minute one, 5 a step each."""
    return network(
        [
            {
                "id": "risky",
                "source": "s",
                "target": "h",
                "minutes": 10,
                "capacity_per_hour": 60,
                "risk": 0.5,
            },
            {"id": "safe", "source": "s", "target": "h", "minutes": 40, "capacity_per_hour": 60},
        ],
        ["s", "h"],
        safe=("h",),
    )


def test_safest_waits_for_the_safe_road_and_quickest_does_not() -> None:
    """Quickest rushes down the risky road; safest takes the safe one when the deadline allows."""
    net = risky_and_safe()
    quick = checked(evacuate(net, supply={"s": 5}))
    assert (quick.egress_minutes, quick.risk_exposure) == (10, 2.5)
    safe = checked(evacuate(net, supply={"s": 5}, objective="safest", deadline=60))
    assert safe.status is Status.OPTIMAL
    assert (safe.egress_minutes, safe.risk_exposure) == (40, 0.0)
    assert safe.lower_bound_minutes == 40 and safe.quickest_minutes == 10
    rushed = checked(evacuate(net, supply={"s": 5}, objective="safest", deadline=20))
    assert rushed.risk_exposure == 2.5
    late = checked(evacuate(net, supply={"s": 5}, objective="safest", deadline=5))
    assert late.status is Status.OPTIMAL and not late.movements  # nobody can make it
    assert "deadline" in late.stranded[0].reason


def test_quickest_prefers_less_risk_among_equally_quick_schedules() -> None:
    """Two roads of 2 steps, one risky: 5 people take the safe one; 10 need both."""
    net = network(
        [
            {
                "id": "a",
                "source": "s",
                "target": "h",
                "minutes": 10,
                "capacity_per_hour": 60,
                "risk": 0.2,
            },
            {"id": "b", "source": "s", "target": "w", "minutes": 5, "capacity_per_hour": 60},
            {"id": "c", "source": "w", "target": "h", "minutes": 0, "capacity_per_hour": 600},
        ],
        ["s", "w", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"s": 5}))
    assert (plan.egress_minutes, plan.risk_exposure) == (10, 0.0)
    assert plan.movements[0].links == ["b", "c"]
    more = checked(evacuate(net, supply={"s": 10}))
    assert more.egress_minutes == 10 and more.risk_exposure == pytest.approx(1.0)


def test_a_deadline_too_early_moves_as_many_as_possible() -> None:
    """With a deadline before T*, the plan gets the most people out by then and names the rest."""
    net = closing_roads()
    plan = checked(evacuate(net, supply={"s": 30}, deadline=15))
    assert plan.status is Status.OPTIMAL  # for everyone who can be moved; the rest stranded
    assert plan.people == 10  # the fast road, departures at 0 and 5
    assert sum(s.count for s in plan.stranded) == 20
    assert "minute 35" in plan.stranded[0].reason


def test_safest_short_of_the_deadline_bounds_the_egress_of_those_who_go() -> None:
    """One road of a step (risk 0.1, 1 a minute), 3 people, deadline minute 2: 2 go, proven
    optimal with its bound (it had none: verify() flagged the optimal plan)."""
    net = network(
        [{"source": "a", "target": "h", "minutes": 1, "capacity_per_hour": 60, "risk": 0.1}],
        ["a", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, {"a": 3}, step_minutes=1, objective="safest", deadline=2))
    assert (plan.status.value, plan.egress_minutes, plan.lower_bound_minutes) == ("optimal", 2, 2)
    assert sum(s.count for s in plan.stranded) == 1


@pytest.mark.parametrize(
    ("supply", "deadline", "egress"),
    [({"a": 1, "b": 3}, 15, 15), ({"a": 1, "b": 3}, 10, 10), ({"a": 1, "b": 2}, 10, 10)],
)
def test_safest_short_of_the_deadline_strands_whom_the_flow_strands(
    supply: dict[str, int], deadline: int, egress: int
) -> None:
    """a -> b (5 minutes, 1 a step), b -> h (5 minutes, 1 a step), waiting at b 0.12 an
    hour: fewer than all reach h by the deadline. The plan was 'feasible' with a bound of the
    egress of everyone (20, past its own 15: verify() flagged it) and a note on parties
    where there were none; now it moves whom the flow moves, proven."""
    from evacplan.models import ThreatEvent

    net = network(
        [
            {"source": "a", "target": "b", "minutes": 5, "capacity_per_hour": 60},
            {"source": "b", "target": "h", "minutes": 5, "capacity_per_hour": 12},
        ],
        ["a", "b", "h"],
        safe=("h",),
    )
    threat = ThreatEvent(id="t", at=0, places=("b",), risk_per_hour=0.12)
    plan = checked(
        evacuate(
            net, supply, step_minutes=5, threats=[threat], objective="safest", deadline=deadline
        )
    )
    assert (plan.status.value, plan.egress_minutes, plan.lower_bound_minutes) == (
        "optimal",
        egress,
        egress,
    )
    assert sum(m.count for m in plan.movements) + sum(s.count for s in plan.stranded) == sum(
        supply.values()
    )
    assert not plan.notes
