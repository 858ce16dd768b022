"""Routing on networks solved by hand: the semantics of docs/routing.md, exactly."""

from __future__ import annotations

import pytest

from evacplan.io import read_tntp, tntp_path
from evacplan.models import Scenario, ThreatEvent
from evacplan.results import Party, Status
from evacplan.routing import Movement, Stop, evacuate
from tests.routing.helpers import checked, closing_roads, network
from tests.routing.reference import reference_quickest


@pytest.mark.parametrize(
    ("people", "per_hour", "minutes", "step", "expected_steps"),
    [
        (10, 60, 30, 5, 6 + 2 - 1),
        (1, 60, 0, 1, 1),
        (1000, 3600, 12, 1, 12 + 17 - 1),
        (7, 90, 7, 2, 4 + 3 - 1),
        (60, 600, 59, 60, 1 + 1 - 1),
    ],
)
def test_one_path_last_person_arrives_at_tau_plus_ceil_q_over_c_minus_one(
    people: int, per_hour: int, minutes: int, step: int, expected_steps: int
) -> None:
    """One link: the last of q people arrives at tau + ceil(q / c) - 1 steps."""
    net = network(
        [{"source": "a", "target": "h", "minutes": minutes, "capacity_per_hour": per_hour}],
        ["a", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"a": people}, step_minutes=step))
    assert plan.status is Status.OPTIMAL
    assert plan.egress_minutes == expected_steps * step == plan.lower_bound_minutes
    assert plan.people == people


def test_two_paths_share_the_load_and_arrivals_are_earliest() -> None:
    """A direct road (2 steps, 3 a step) and a detour (4 steps, 2 a step) carry 20 people by 6."""
    net = network(
        [
            {"source": "s", "target": "h", "minutes": 2, "capacity_per_hour": 180},
            {"source": "s", "target": "w", "minutes": 1, "capacity_per_hour": 600},
            {"source": "w", "target": "h", "minutes": 3, "capacity_per_hour": 120},
        ],
        ["s", "w", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"s": 20}, step_minutes=1))
    assert plan.egress_minutes == 6 == plan.lower_bound_minutes
    # The most people safe by every minute: F(2)=3, F(3)=6, F(4)=11, F(5)=16, then all 20.
    assert plan.arrival_curve == [(0, 0), (1, 0), (2, 3), (3, 6), (4, 11), (5, 16), (6, 20)]
    assert {m.itinerary[1].place for m in plan.movements} == {"h", "w"}


def test_parallel_links_with_equal_transit_act_as_one() -> None:
    """Two 50-an-hour links admit what one of 100 an hour does: 3 people by minute 2, not 4."""
    links = [
        {"source": "s", "target": "h", "minutes": 1, "capacity_per_hour": 50, "id": k}
        for k in ("old-road", "new-road")
    ]
    plan = checked(
        evacuate(network(links, ["s", "h"], safe=("h",)), supply={"s": 3}, step_minutes=1)
    )
    assert plan.egress_minutes == 2  # floor(100 * 2 / 60) = 3 have entered by minute 2
    apart = [
        {"source": "s", "target": "h", "minutes": m, "capacity_per_hour": 50, "id": f"r{m}"}
        for m in (1, 3)
    ]
    plan = checked(
        evacuate(network(apart, ["s", "h"], safe=("h",)), supply={"s": 3}, step_minutes=1)
    )
    # Different transit steps: each link keeps its own 50 an hour (1 by minute 2, 2 by 3, ...).
    assert plan.status is Status.OPTIMAL and plan.egress_minutes == 4


def test_a_place_closed_from_the_start_strands_its_people_and_says_so(tiny: Scenario) -> None:
    """People at a place a threat closes at minute 0 are stranded: the links are named as closed."""
    shut = ThreatEvent(id="shut", at=0, places=["airport"], closes=True)
    plan = checked(evacuate(tiny, supply={"airport": 2, "embassy": 3}, threats=[shut]))
    assert plan.status is Status.OPTIMAL  # for everyone who can be moved; the rest stranded
    (stranded,) = plan.stranded
    assert stranded.place == "airport" and stranded.count == 2
    assert "airport-road, flight are closed for the whole scenario" in stranded.reason
    assert "admit nobody" not in stranded.reason
    assert sum(m.count for m in plan.movements) == 3


def test_closure_mid_evacuation() -> None:
    """The fast road closes at minute 20: 20 people take it, the other 10 the slow road."""
    net = closing_roads()
    assert checked(evacuate(net, supply={"s": 30})).egress_minutes == 35  # no closure
    threat = ThreatEvent(id="ambush", at=20, links=("fast",), closes=True)
    plan = checked(evacuate(net, supply={"s": 30}, threats=[threat]))
    assert plan.status is Status.OPTIMAL
    assert plan.egress_minutes == 60 == plan.lower_bound_minutes
    fast = sum(m.count for m in plan.movements if m.links == ["fast"])
    assert fast == 20
    assert all(m.departure_minute < 20 for m in plan.movements if m.links == ["fast"])


def test_scheduled_flight_window() -> None:
    """A flight boards 5 a step from minute 60 to 120: 60 seats, then nobody else gets out."""
    net = network(
        [
            {
                "id": "flight",
                "source": "airport",
                "target": "cyprus",
                "minutes": 60,
                "capacity_per_hour": 60,
                "mode": "air",
                "opens": 60,
                "closes": 120,
            }
        ],
        ["airport", "cyprus"],
        safe=("cyprus",),
    )
    plan = checked(evacuate(net, supply={"airport": 40}))
    assert plan.egress_minutes == 60 + 7 * 5 + 60 == plan.lower_bound_minutes
    assert min(m.departure_minute for m in plan.movements) == 60
    plan = checked(evacuate(net, supply={"airport": 70}))
    assert plan.status is Status.OPTIMAL  # for everyone who can be moved; the rest stranded
    assert plan.people == 60
    assert [(s.place, s.count) for s in plan.stranded] == [("airport", 10)]
    assert "flight" in plan.stranded[0].reason and "120" in plan.stranded[0].reason


def test_a_route_closed_before_it_can_be_used_is_named() -> None:
    """People released after the only road closes are cut off, and the plan says why."""
    net = network(
        [
            {
                "id": "bridge",
                "source": "s",
                "target": "h",
                "minutes": 5,
                "capacity_per_hour": 600,
                "closes": 30,
            }
        ],
        ["s", "h"],
        safe=("h",),
    )
    parties = [Party("early", 2, "s"), Party("late", 3, "s", release_minute=45)]
    plan = checked(evacuate(net, parties=parties))
    assert plan.status is Status.OPTIMAL  # for everyone who can be moved; the rest stranded
    assert [m.parties for m in plan.movements] == [["early"]]
    assert plan.stranded[0].parties == ["late"]
    assert plan.stranded[0].reason == (
        "cut off when bridge closes at minute 30; they may leave only from minute 45"
    )


def test_sources_with_no_way_out_are_named_and_counted() -> None:
    """An island's people are stranded with the reason; the others still get out."""
    net = network(
        [{"source": "a", "target": "h", "minutes": 5, "capacity_per_hour": 60}],
        ["a", "island", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"a": 2, "island": 7}))
    assert plan.status is Status.OPTIMAL  # for everyone who can be moved; the rest stranded
    assert plan.people == 2
    assert [(s.place, s.count, s.reason) for s in plan.stranded] == [
        ("island", 7, "no route to any safe place")
    ]
    assert plan.egress_minutes == 5
    assert "stranded" in str(plan)


def test_people_already_safe_arrive_at_once() -> None:
    """Supply at a safe place is safe at minute 0, with a one-stop itinerary."""
    net = network(
        [{"source": "a", "target": "h", "minutes": 5, "capacity_per_hour": 60}],
        ["a", "h"],
        safe=("h",),
    )
    plan = checked(evacuate(net, supply={"h": 4}))
    assert plan.egress_minutes == 0
    assert plan.movements == [Movement(4, [Stop("h", 0, 0)])]
    assert checked(evacuate(net, supply={})).egress_minutes == 0


def test_sioux_falls_example_from_the_readme() -> None:
    """The README's call: optimal, proven, 1,200 people, T* matching a networkx check."""
    net = read_tntp(tntp_path("SiouxFalls"))
    supply = {"3": 800, "20": 400}
    plan = checked(evacuate(net, supply=supply, safe={"1", "13"}, step_minutes=1))
    assert plan.status == "optimal"
    assert plan.egress_minutes == plan.lower_bound_minutes == 17
    assert sum(m.count for m in plan.movements) == 1200
    assert all(m.itinerary[-1].place in {"1", "13"} for m in plan.movements)
    same = evacuate(net, supply={3: 800, 20: 400}, safe=[1, 13], step_minutes=1)
    assert same.egress_minutes == 17  # node numbers as numbers are read as place ids
    horizon, arrivals = reference_quickest(net, supply, {"1", "13"}, 1, limit=30)
    assert horizon == 17
    assert sum(m.count * m.arrival_minute for m in plan.movements) == arrivals
    assert plan.bottlenecks and "max flow" in plan.proof
    text = str(plan)
    assert "optimal" in text and "17" in text
    assert '<table class="movements">' in plan._repr_html_()


def test_people_on_a_slow_link_when_the_last_ways_close_still_arrive() -> None:
    """Found by closure analysis: a fast road (1 min) and a slow one (5 min) from p1, 30 an hour
    each (one person a step, every other minute), both closed from minute 2. One person takes
    the fast road at minute 1 (safe at 2), the other the slow one at minute 1 (safe at 6): the
    search for who can get out at all must wait for people still on a link when the map stops
    changing, not strand them."""
    net = network(
        [
            {"id": "fast", "source": "p1", "target": "p0", "minutes": 1, "capacity_per_hour": 30},
            {"id": "slow", "source": "p1", "target": "p0", "minutes": 5, "capacity_per_hour": 30},
        ],
        ["p0", "p1"],
        safe=("p0",),
    )
    shut = ThreatEvent(id="shut", at=2, links=("fast", "slow"), closes=True)
    plan = checked(evacuate(net, supply={"p1": 2}, step_minutes=1, threats=[shut]))
    assert (plan.status, plan.egress_minutes, plan.stranded) == (Status.OPTIMAL, 6, [])
