"""Gates and scheduled services, worked by hand: throughput at places, seats on departures.

A place's ``throughput_per_hour`` lets at most the capacity rule's count leave
it a step (people queue before it); a link with ``departures`` and ``seats``
admits its seats at each departure (rounded down to the step) and nobody
else. Every plan here is replayed by ``verify()``, and ``verify()`` is shown
to catch a schedule that breaks either rule.
"""

from __future__ import annotations

import dataclasses

import pytest

from evacplan.models import Network
from evacplan.results import Party, Status
from evacplan.routing import Movement, Stop, evacuate
from evacplan.routing._ccrp import ccrp
from tests.routing.helpers import checked


def gate_network(per_hour: float = 120) -> Network:
    """camp -> gate -> haven, 5 minutes a leg, wide roads; the gate lets ``per_hour`` through."""
    return Network(
        places=[
            {"id": "camp", "kind": "assembly"},
            {"id": "gate", "kind": "waypoint", "throughput_per_hour": per_hour},
            {"id": "haven", "kind": "safe_haven"},
        ],
        links=[
            {
                "id": "lane",
                "source": "camp",
                "target": "gate",
                "minutes": 5,
                "capacity_per_hour": 6000,
            },
            {
                "id": "road",
                "source": "gate",
                "target": "haven",
                "minutes": 5,
                "capacity_per_hour": 6000,
            },
        ],
    )


def airfield_network(
    *,
    gate_per_hour: float,
    walk_minutes: float,
    gate_minutes: float,
    flight_minutes: float,
    seats: int,
    departures: object,
    risk: float = 0.0,
) -> Network:
    """town -> gate (its throughput) -> apron, then a scheduled flight to the haven bzn.

    The gate is on the way to the airfield, as at an airport: people wait airside
    for their flight, which takes ``seats`` at each of its ``departures``.
    """
    return Network(
        places=[
            {"id": "town", "kind": "assembly"},
            {"id": "gate", "kind": "waypoint", "throughput_per_hour": gate_per_hour},
            {"id": "apron", "kind": "airport"},
            {"id": "bzn", "kind": "safe_haven"},
        ],
        links=[
            {
                "id": "walk",
                "source": "town",
                "target": "gate",
                "minutes": walk_minutes,
                "capacity_per_hour": 600,
            },
            {
                "id": "in",
                "source": "gate",
                "target": "apron",
                "minutes": gate_minutes,
                "capacity_per_hour": 600,
            },
            {
                "id": "rch",
                "source": "apron",
                "target": "bzn",
                "minutes": flight_minutes,
                "seats": seats,
                "departures": departures,
                "risk": risk,
            },
        ],
    )


def flight_network(departures: object = (60, 120), seats: int = 3) -> Network:
    """An airport and a haven 30 minutes away by a flight of ``seats`` seats."""
    return Network(
        places=[{"id": "kbl", "kind": "airport"}, {"id": "bzn", "kind": "safe_haven"}],
        links=[
            {
                "id": "rch",
                "source": "kbl",
                "target": "bzn",
                "minutes": 30,
                "mode": "air",
                "seats": seats,
                "departures": list(departures) if isinstance(departures, tuple) else departures,
            }
        ],
    )


def test_a_gate_that_lets_ten_through_a_step() -> None:
    """120 an hour at 5-minute steps is 10 a step: 35 people at the gate leave over 4 steps.

    Steps 0, 1, 2 let 10 each through and step 3 the last 5, each 5 minutes
    from safety: arrivals at minutes 5, 10, 15 and 20, so the egress is 20
    (it would be 5 without the gate), and the gate is the bottleneck.
    """
    plan = checked(evacuate(gate_network(), {"gate": 35}, {"haven"}, step_minutes=5))
    assert plan.status is Status.OPTIMAL
    assert plan.egress_minutes == plan.lower_bound_minutes == 20
    leaving = sorted((m.departure_minute, m.count) for m in plan.movements)
    assert leaving == [(0, 10), (5, 10), (10, 10), (15, 5)]
    assert [(b.kind, b.link) for b in plan.bottlenecks] == [("place", "gate")]
    assert str(plan.bottlenecks[0]) == "gate (throughput): 30 people in 3 steps, minutes 0-10"


def test_passing_a_gate_takes_no_extra_step() -> None:
    """From the camp: 5 minutes to the gate, through it in the step people arrive, 5 to safety."""
    plan = checked(evacuate(gate_network(), {"camp": 10}, {"haven"}, step_minutes=5))
    assert plan.egress_minutes == 10
    (move,) = plan.movements
    assert move.itinerary == [Stop("camp", 0, 0), Stop("gate", 5, 5), Stop("haven", 10, 10)]


def test_a_slow_gate_follows_the_capacity_rule() -> None:
    """10 an hour at 5-minute steps: one person every 6 minutes, nobody lost to rounding.

    A(t) = floor(10 t / 60): the 1st passes in the step holding minute 6
    (step 1, minutes 5-10), the 2nd at minute 12 (step 2), the 3rd at 18
    (step 3); the last arrives at minute (3 + 1) * 5 = 20.
    """
    plan = checked(evacuate(gate_network(10), {"gate": 3}, {"haven"}, step_minutes=5))
    assert sorted(m.departure_minute for m in plan.movements) == [5, 10, 15]
    assert plan.egress_minutes == 20


def test_ccrp_respects_the_gate() -> None:
    """The heuristic queues at the gate too; here it finds the optimum (25 from the camp)."""
    plan = checked(ccrp(gate_network(), {"camp": 35}, {"haven"}, step_minutes=5))
    exact = checked(evacuate(gate_network(), {"camp": 35}, {"haven"}, step_minutes=5))
    assert plan.egress_minutes == exact.egress_minutes == 25


def test_a_flight_of_three_seats_and_five_waiting() -> None:
    """3 board the 60-minute flight (safe at 90); 2 wait for the 120-minute one (safe at 150)."""
    plan = checked(evacuate(flight_network(), {"kbl": 5}, {"bzn"}, step_minutes=15))
    assert plan.status is Status.OPTIMAL
    assert plan.egress_minutes == plan.lower_bound_minutes == 150
    got = sorted((m.count, m.departure_minute, m.arrival_minute) for m in plan.movements)
    assert got == [(2, 120, 150), (3, 60, 90)]
    (neck,) = plan.bottlenecks
    assert (neck.kind, neck.link, neck.minutes, neck.capacity) == ("service", "rch", (60,), 3)
    assert "rch (kbl -> bzn): 3 seats on 1 departure, at minute 60" in plan.summary()


def test_a_departure_is_rounded_down_to_its_step() -> None:
    """A flight at minute 125 with 15-minute steps boards in the step from minute 120."""
    plan = checked(evacuate(flight_network((125,)), {"kbl": 3}, {"bzn"}, step_minutes=15))
    (move,) = plan.movements
    assert (move.departure_minute, move.arrival_minute) == (120, 150)


def test_nobody_boards_between_departures_and_the_last_flight_strands_the_rest() -> None:
    """Two flights of 3 carry 6 of 8; the other 2 are stranded, and the plan says so."""
    plan = checked(evacuate(flight_network(), {"kbl": 8}, {"bzn"}, step_minutes=15))
    assert plan.status is Status.OPTIMAL  # for everyone who can be moved; the rest stranded
    assert plan.people == 6
    assert sum(s.count for s in plan.stranded) == 2
    assert {m.departure_minute for m in plan.movements} == {60, 120}


def test_a_timetable() -> None:
    """Every 6 hours from 12 h to a day: departures at 720, 1080 and 1440, 2 seats each."""
    net = flight_network({"every": "6h", "from": "12h", "until": "1d"}, seats=2)
    assert net.departures(net.links[0]) == (720, 1080, 1440)
    plan = checked(evacuate(net, {"kbl": 6}, {"bzn"}, step_minutes=60))
    assert sorted(m.departure_minute for m in plan.movements) == [720, 1080, 1440]
    assert plan.egress_minutes == 1440 + 60


def test_a_family_larger_than_a_flight_crosses_on_consecutive_departures() -> None:
    """A family of 4 and 3 seats a flight: the family is safe once its last member is.

    Under the rule for parties wider than a link (docs/routing.md: members pass as
    capacity allows, and the party goes on together once the last has
    passed), the family's members fill seats on the 60 and the 120 flights;
    everyone is safe by 150 and no party is split across movements.
    """
    parties = [Party("fam", 4, "kbl"), Party("one", 1, "kbl")]
    plan = checked(evacuate(flight_network(), parties=parties, safe={"bzn"}, step_minutes=15))
    assert plan.egress_minutes == 150
    assert sorted(p for m in plan.movements for p in m.parties) == ["fam", "one"]
    fam = next(m for m in plan.movements if m.parties == ["fam"])
    assert sum(n for _, n in fam.spread[0]) == 4
    assert fam.arrival_minute == 150


def test_a_closure_cancels_the_departures_it_covers() -> None:
    """The airport closes at minute 90: the 120 flight does not leave; 2 of 5 are stranded."""
    from evacplan.models import ThreatEvent

    closing = ThreatEvent(id="shut", at=90, places=("kbl",), closes=True)
    plan = checked(
        evacuate(flight_network(), {"kbl": 5}, {"bzn"}, step_minutes=15, threats=[closing])
    )
    assert plan.people == 3
    assert sum(s.count for s in plan.stranded) == 2


def test_services_run_one_way_unless_told() -> None:
    """A flight without two_way carries nobody back; with two_way: true it does."""
    assert flight_network().links[0].two_way is False
    both = Network(
        places=[{"id": "a", "kind": "airport"}, {"id": "b", "kind": "airport"}],
        links=[
            {
                "source": "a",
                "target": "b",
                "minutes": 5,
                "seats": 1,
                "departures": [0],
                "two_way": True,
            }
        ],
    )
    assert both.links[0].two_way is True


def test_verify_catches_an_overfull_flight_and_a_boarding_without_departure() -> None:
    """5 on a 3-seat departure breaks capacity; boarding at minute 15 breaks the route."""
    plan = checked(evacuate(flight_network(), {"kbl": 5}, {"bzn"}, step_minutes=15))
    crammed = dataclasses.replace(
        plan, movements=[Movement(5, [Stop("kbl", 0, 60), Stop("bzn", 90, 90)], links=["rch"])]
    )
    (over,) = [v for v in crammed.verify() if v.rule == "capacity"]
    assert over.message == (
        "5 people enter kbl -> bzn at minute 60; its links admit 3 in the 15-minute step from then"
    )
    early = dataclasses.replace(
        plan,
        movements=[
            Movement(3, [Stop("kbl", 0, 60), Stop("bzn", 90, 90)], links=["rch"]),
            Movement(2, [Stop("kbl", 0, 15), Stop("bzn", 45, 45)], links=["rch"]),
        ],
    )
    problems = early.verify()
    assert "route" in {v.rule for v in problems}
    assert any("closed at minute 15" in v.message for v in problems)


def test_verify_catches_too_many_through_a_gate() -> None:
    """35 leaving the gate at once, where 10 a step may: a throughput violation."""
    plan = checked(evacuate(gate_network(), {"gate": 35}, {"haven"}, step_minutes=5))
    rushed = dataclasses.replace(
        plan,
        movements=[Movement(35, [Stop("gate", 0, 0), Stop("haven", 5, 5)], links=["road"])],
        egress_minutes=5,
        lower_bound_minutes=5,
        hours_not_safe=35 * 5 / 60,
        harm=plan.hazard_per_hour * 35 * 5 / 60,
    )
    (problem,) = rushed.verify()
    assert problem.rule == "throughput"
    assert problem.message == (
        "35 people leave gate at minute 0; its throughput (120 an hour) lets 10 through in "
        "the 5-minute step from then"
    )


@pytest.mark.parametrize("step", [1, 5, 15])
def test_families_through_a_gate_onto_flights_at_any_step(step: int) -> None:
    """Parties of 4 through a gate of 30 an hour, then onto 3-seat hourly flights, at any step.

    The gate is on the way to the airfield, as at an airport: people wait
    airside for their flight. (A flight leaving from the gated place itself
    would take only those the gate lets out in the departure's step.)
    """
    net = airfield_network(
        gate_per_hour=30,
        walk_minutes=10,
        gate_minutes=5,
        flight_minutes=60,
        seats=3,
        departures={"every": 60, "from": 60, "until": 600},
    )
    parties = [Party(f"f{i}", 4, "town") for i in range(3)]
    plan = checked(evacuate(net, parties=parties, safe={"bzn"}, step_minutes=step))
    assert plan.people == 12
    assert not plan.stranded
    # 3 seats an hour from minute 60 carry 12 people by the 4th flight (minute 240), safe at 300.
    assert plan.egress_minutes == 300
