"""extraction(): one party's earliest way out, on the network as it stands, in the room left."""

from __future__ import annotations

import pytest

from evacplan.errors import ScenarioError
from evacplan.models import Scenario, ThreatEvent
from evacplan.routing import evacuate, extraction


def test_the_quickest_way_out_changes_with_the_flight_window(tiny: Scenario) -> None:
    """The flight leaves the airport until minute 120; after that the desert road is quicker."""
    early = extraction(tiny, "embassy", 2, 60)
    assert (early.minute, early.arrival, early.links) == (60, 150, ["airport-road", "flight"])
    late = extraction(tiny, "embassy", 2, 200)
    assert late.links == ["desert-road", "crossing"]
    assert late.minutes == 150  # 120 minutes of desert road, 30 across the border


def test_a_busy_schedule_leaves_less_room(tiny: Scenario) -> None:
    """Sixty people on the desert road from minute 200 push a party of 2 back."""
    busy = evacuate(tiny, supply={"embassy": 60}, safe={"haven"})
    free = extraction(tiny, "embassy", 2, 0, threats=(), step_minutes=5)
    crowded = extraction(tiny, "embassy", 2, 0, threats=(), step_minutes=5, busy=busy)
    assert crowded.arrival is not None and free.arrival is not None
    assert crowded.arrival > free.arrival


def test_no_way_out_is_an_answer_not_an_error(tiny: Scenario) -> None:
    shut = ThreatEvent(id="cordon", at=0, places=("embassy",), closes=True)
    way = extraction(tiny, "embassy", 2, 0, threats=[shut])
    assert way.arrival is None and way.minutes is None and "no way out" in str(way)


def test_an_unknown_place_is_refused_with_a_suggestion(tiny: Scenario) -> None:
    with pytest.raises(ScenarioError, match="did you mean 'embassy'"):
        extraction(tiny, "embasy", 2, 0)
