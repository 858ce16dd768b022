"""Waits: itineraries say when people arrive and leave, and waiting at a threatened place has risk."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone

import pytest

from evacplan.models import Network, Scenario, ThreatEvent
from evacplan.routing import Movement, Stop, evacuate
from tests.routing.helpers import checked, network

SHELLING = ThreatEvent(id="shelling", at=0, places=("home",), risk_per_hour=0.01)


def _one_road() -> Network:
    """home -> haven, 10 minutes, 60 an hour: 5 people a 5-minute step."""
    return network(
        [
            {
                "id": "road",
                "source": "home",
                "target": "haven",
                "minutes": 10,
                "capacity_per_hour": 60,
            }
        ],
        ["home", "haven"],
        safe=("haven",),
    )


def test_the_waiting_risk_hand_case() -> None:
    """20 people at home under 0.01 an hour; 5 leave each step, at minutes 0, 5, 10 and 15.

    Exposure: 5 x (0 + 5 + 10 + 15) / 60 x 0.01 = 0.025; link risks are nil.
    """
    plan = checked(evacuate(_one_road(), supply={"home": 20}, threats=[SHELLING]))
    assert plan.status == "optimal"
    assert plan.risk_exposure == pytest.approx(0.025, abs=1e-12)
    waits = sorted((m.itinerary[0].wait, m.count) for m in plan.movements)
    assert waits == [(0, 5), (5, 5), (10, 5), (15, 5)]
    assert all(m.itinerary[0].arrive == 0 for m in plan.movements)
    assert plan.egress_minutes == 25


def _flight_at_two_hours() -> Network:
    """home -> airport by road (10 min); the flight leaves the airport at minute 120 only."""
    return network(
        [
            {
                "id": "road",
                "source": "home",
                "target": "airport",
                "minutes": 10,
                "capacity_per_hour": 600,
            },
            {
                "id": "flight",
                "source": "airport",
                "target": "haven",
                "minutes": 60,
                "capacity_per_hour": 600,
                "opens": 120,
                "closes": 125,
            },
        ],
        ["home", "airport", "haven"],
        safe=("haven",),
    )


@pytest.mark.parametrize("objective", ["quickest", "safest"])
def test_a_family_waits_at_home_not_at_the_shelled_airport(objective: str) -> None:
    """Shelling at the airport makes waiting there risky: the family leaves home to meet the flight."""
    shelled = ThreatEvent(id="shelled", at=0, places=("airport",), risk_per_hour=0.6)
    plan = checked(
        evacuate(
            _flight_at_two_hours(),
            supply={"home": 4},
            threats=[shelled],
            objective=objective,
            deadline=600,
        )
    )
    assert plan.status == "optimal"
    assert plan.risk_exposure == 0
    (move,) = plan.movements
    assert [(s.place, s.arrive, s.leave) for s in move.itinerary] == [
        ("home", 0, 110),
        ("airport", 120, 120),
        ("haven", 180, 180),
    ]
    assert "waits 1 h 50" in str(plan)


def test_a_plan_in_words_shows_waits_and_clock_times(founding: Scenario) -> None:
    """The founding seed starts at 06:00 UTC; a start at +03:00 shows Baghdad's clock."""
    baghdad = founding.replace(
        start=datetime(2020, 1, 3, 9, 0, tzinfo=timezone(timedelta(hours=3)))
    )
    plan = checked(evacuate(baghdad, supply={"bgd-embassy": 30}, step_minutes=5))
    text = str(plan)
    assert "+03:00" in text and "Fri 3 Jan" in text, text
    assert "waits" in text, text


def test_verify_checks_arrivals_and_waiting_risk() -> None:
    plan = checked(evacuate(_one_road(), supply={"home": 20}, threats=[SHELLING]))
    first = plan.movements[0]
    stops = first.itinerary
    wrong_arrival = [stops[0], Stop(stops[1].place, stops[1].arrive + 5, stops[1].leave + 5)]
    late = dataclasses.replace(
        plan,
        movements=[Movement(first.count, wrong_arrival, links=first.links), *plan.movements[1:]],
    )
    assert "route" in {v.rule for v in late.verify()}
    # Say the last group left at once: its waiting risk no longer matches the figure.
    last = plan.movements[-1]
    rushed = [Stop("home", 0, 0), Stop("haven", 10, 10)]
    edited = dataclasses.replace(
        plan, movements=[*plan.movements[:-1], Movement(last.count, rushed, links=last.links)]
    )
    rules = {v.rule for v in edited.verify()}
    assert "figures" in rules and "capacity" in rules


def test_verify_catches_a_party_moved_twice(founding: Scenario) -> None:
    from evacplan import drawdown

    plan = checked(evacuate(founding, parties=drawdown(founding, posture="minimal").parties))
    twice = dataclasses.replace(plan, movements=[*plan.movements, plan.movements[0]])
    problems = [v for v in twice.verify() if v.rule == "accounted"]
    assert any("appears 2 times" in v.message for v in problems), problems


def test_a_release_is_the_first_stop_s_arrival() -> None:
    from evacplan.results import Party

    plan = checked(
        evacuate(_one_road(), parties=[Party("late", 3, "home", release_minute=42)], safe={"haven"})
    )
    (move,) = plan.movements
    assert move.itinerary[0].arrive == 45  # released at 42: the 5-minute step from 45
    assert move.departure_minute >= 45
