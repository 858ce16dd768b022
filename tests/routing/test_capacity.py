"""The capacity rule: a link of c an hour admits floor(c * t / 60) people by minute t, nothing lost.

docs/routing.md: step k admits A((k + 1) s) - A(k s), counted
from the scenario start, so rounding never eats capacity and a slow link
never admits nobody for ever.
"""

from __future__ import annotations

from collections import Counter

import pytest

from evacplan.results import Status
from evacplan.routing import Movement, Stop, evacuate
from tests.routing.helpers import checked, network


def entries(plan_movements: list[Movement]) -> Counter[int]:
    """People entering the first leg, by departure minute."""
    out: Counter[int] = Counter()
    for m in plan_movements:
        out[m.departure_minute] += m.count
    return out


def one_link(per_hour: float, minutes: float) -> object:
    """A single one-way road from ``s`` to the haven ``h``."""
    return network(
        [
            {
                "id": "road",
                "source": "s",
                "target": "h",
                "minutes": minutes,
                "capacity_per_hour": per_hour,
            }
        ],
        ["s", "h"],
        safe=("h",),
    )


def test_100_an_hour_at_5_minute_steps_admits_100_in_12_steps() -> None:
    """8 or 9 a step, 100 an hour: the 100th person enters in the twelfth step."""
    plan = checked(evacuate(one_link(100, 5), supply={"s": 100}, step_minutes=5))
    assert plan.status is Status.OPTIMAL
    assert plan.egress_minutes == 60  # the last enters at minute 55 and takes one step
    per_step = [entries(plan.movements)[5 * k] for k in range(12)]
    assert per_step == [8, 8, 9, 8, 8, 9, 8, 8, 9, 8, 8, 9]
    assert sum(per_step) == 100


def test_10_an_hour_moves_10_people_over_a_10_minute_road_in_65_minutes() -> None:
    """The issue's example: one person in each 5-minute step but the first of each half hour."""
    plan = checked(evacuate(one_link(10, 10), supply={"s": 10}, step_minutes=5))
    assert plan.status is Status.OPTIMAL
    assert plan.egress_minutes == plan.lower_bound_minutes == 65
    per_step = [entries(plan.movements)[5 * k] for k in range(12)]
    assert per_step == [0, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1]


@pytest.mark.parametrize(("per_hour", "step", "egress"), [(2, 1, 90), (2, 5, 90), (0.5, 30, 360)])
def test_a_link_slower_than_one_a_step_still_moves_everyone(
    per_hour: float, step: int, egress: int
) -> None:
    """3 people over a 1-minute road admitting ``per_hour``: the third enters by A(t) = 3."""
    plan = checked(evacuate(one_link(per_hour, 1), supply={"s": 3}, step_minutes=step))
    assert plan.status is Status.OPTIMAL
    assert plan.egress_minutes == egress


def test_fractional_capacities_are_not_rounded_per_step() -> None:
    """1.5 an hour at 20-minute steps: A(40) = 1, A(80) = 2, A(120) = 3."""
    plan = checked(evacuate(one_link(1.5, 20), supply={"s": 3}, step_minutes=20))
    assert sorted(m.departure_minute for m in plan.movements for _ in range(m.count)) == [
        20,
        60,
        100,
    ]
    assert plan.egress_minutes == 120


def test_safer_parallel_link_is_taken_first_and_never_loses_a_place() -> None:
    """A safe and a risky road of 30 an hour each act as one of 60: one person a minute.

    In the first minute only the summed rate admits anyone (A_30(1) = 0), so
    the first person takes the risky road; in the second the safe road's own
    30 an hour admits one, and it is taken.
    """
    net = network(
        [
            {"id": "safe", "source": "s", "target": "h", "minutes": 1, "capacity_per_hour": 30},
            {
                "id": "risky",
                "source": "s",
                "target": "h",
                "minutes": 1,
                "capacity_per_hour": 30,
                "risk": 0.25,
            },
        ],
        ["s", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"s": 2}, step_minutes=1))
    assert plan.egress_minutes == 2
    assert plan.risk_exposure == pytest.approx(0.25)  # one person on the risky road, once


def test_verify_counts_a_step_by_the_rule() -> None:
    """Moving 9 people in a step that admits 8 is a capacity violation."""
    plan = checked(evacuate(one_link(100, 5), supply={"s": 100}, step_minutes=5))
    first = next(m for m in plan.movements if m.departure_minute == 0)
    assert first.count == 8
    bigger = Movement(9, [Stop("s", 0, 0), Stop("h", 5, 5)], links=["road"])
    rest = [m for m in plan.movements if m is not first]
    plan.movements = [bigger, *rest]
    found = plan.verify()
    assert any(v.rule == "capacity" and "admit 8" in v.message for v in found), found
