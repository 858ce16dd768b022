"""plan() at airlift scale: groups queue at a gate for scheduled flights; ``most_saved``.

The tiny seed with its daily flight replaced by a timetable (8 seats every
6 hours from 2 h to 30 h), a gate of 30 an hour before the airport, and two
groups called forward at 20 h: 30 nationals (priority 1, families of 3) and
40 eligible people (priority 2, families of 4).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from evacplan import Scenario, ScenarioError, plan
from evacplan.io import seed_path
from evacplan.results import Status


@pytest.fixture(scope="module")
def airlift() -> Scenario:
    raw: dict[str, Any] = yaml.safe_load(seed_path("tiny").read_text())
    raw["links"][4] = {
        "id": "flight",
        "source": "airport",
        "target": "haven",
        "minutes": 60,
        "mode": "air",
        "seats": 8,
        "departures": {"every": "6h", "from": "2h", "until": "30h"},
    }
    raw["places"].append({"id": "gate", "kind": "waypoint", "throughput_per_hour": 30})
    raw["links"] += [
        {
            "id": "queue",
            "source": "residence",
            "target": "gate",
            "minutes": 20,
            "capacity_per_hour": 600,
        },
        {
            "id": "gate-in",
            "source": "gate",
            "target": "airport",
            "minutes": 10,
            "capacity_per_hour": 600,
        },
    ]
    raw["groups"] = [
        {
            "id": "brits",
            "location": "residence",
            "count": 30,
            "category": "national",
            "priority": 1,
            "party_size": 3,
            "release": "20h",
        },
        {
            "id": "arap",
            "location": "residence",
            "count": 40,
            "category": "eligible",
            "priority": 2,
            "party_size": 4,
            "release": "20h",
        },
    ]
    return Scenario(**raw)


def test_most_saved_fills_the_last_flight_with_staff_first(airlift: Scenario) -> None:
    """The deadline defaults to the last flight's landing (26 h + 60 min = minute 1620).

    Staff leave at 25 h (go-minimal at 24 h plus an hour's muster): too late
    for the desert road by 27 h, so only the 26 h flight's 8 seats can take
    them. The 9 people of their 4 parties cannot all go; a family of 4 and of
    3 and one more fill the 8 seats exactly, and the one left is listed with
    why. The two people on their own tie: both released at 25 h, both can
    reach the 26 h flight by the riskless way through the residence's gate
    (the officer at the embassy by the short road back to it), so either
    costs the same harm; one flies, the other is left behind. The groups,
    called at 20 h, go by road in time.
    """
    cp = plan(airlift, objective="most_saved")
    assert cp.verify() == []
    ev = cp.evacuation
    assert ev.deadline_minutes == 1620
    (behind,) = cp.left_behind
    assert (behind.count, behind.priority) == (1, 0)
    assert (behind.who, behind.place, behind.category) in [
        ("cap-01/dependants", "residence", "dependant"),
        ("cap-05", "embassy", "diplomat"),
    ]
    assert behind.reason == (
        "by the deadline (Sat 4 Jan 09:00 +00:00) the routes out carry 8 of the 9 people of staff and "
        "their dependants"
    )
    on_flight = sum(m.count for m in ev.movements if "flight" in m.links)
    assert on_flight == 8
    assert "1 left behind" in cp.summary()
    assert "safe by Sat 4 Jan 09:00 +00:00" in cp.summary()
    assert ") LEFT BEHIND: by the deadline (Sat 4 Jan 09:00 +00:00)" in str(cp)
    assert "STRANDED" not in str(cp)
    assert "staff and their dependants 8 of 9, priority 1 30 of 30, priority 2 40 of 40" in ev.proof


def test_a_later_deadline_saves_everyone(airlift: Scenario) -> None:
    """With until 40 h, the desert road saves the ninth person too: nobody is left behind.

    Nobody can have everyone safe before minute 1650 (the proven bound);
    with families whole the schedule is not proven quickest, and the plan
    says what is proven.
    """
    cp = plan(airlift, objective="most_saved", deadline="40h")
    assert cp.verify() == []
    assert cp.left_behind == []
    ev = cp.evacuation
    assert ev.lower_bound_minutes == 1650 <= ev.egress_minutes <= 40 * 60
    assert ev.status is Status.FEASIBLE
    (note,) = ev.notes
    assert note.startswith("parties are never split: the counts safe by the deadline are the most")


def test_most_saved_needs_a_deadline_without_services() -> None:
    """The tiny seed as it is has no scheduled service: plan() says what to give."""
    from evacplan.io import load_scenario

    with pytest.raises(ScenarioError, match="'most_saved' needs a deadline"):
        plan(load_scenario(seed_path("tiny")), objective="most_saved")


def test_an_unknown_objective_names_the_four(airlift: Scenario) -> None:
    with pytest.raises(
        ScenarioError, match="use 'least_harm', 'quickest', 'safest' or 'most_saved'"
    ):
        plan(airlift, objective="most_safe")
