"""Bad arguments to ``evacuate``: one clear error listing every problem, with its path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from evacplan import drawdown
from evacplan.errors import ScenarioError
from evacplan.io import read_tntp, tntp_path
from evacplan.models import Scenario, ThreatEvent
from evacplan.results import Party
from evacplan.routing import evacuate

SIOUX = read_tntp(tntp_path("SiouxFalls"))


@pytest.mark.parametrize(
    ("kwargs", "path", "words"),
    [
        ({"supply": {"3x": 5}, "safe": {"1"}}, "supply['3x']", "not a place; did you mean '3'"),
        ({"supply": {"3": -5}, "safe": {"1"}}, "supply['3']", "cannot be negative"),
        ({"supply": {"3": 2.5}, "safe": {"1"}}, "supply['3']", "not a whole number"),
        ({"supply": {"3": 5}, "safe": {"100"}}, "safe['100']", "not a place"),
        ({"supply": {"3": 5}, "safe": set()}, "safe", "no safe places"),
        ({"supply": {"3": 5}}, "safe", "no safe places"),
        ({"supply": {"3": 5}, "safe": {"1"}, "objective": "fastest"}, "objective", "quickest"),
        ({"supply": {"3": 5}, "safe": {"1"}, "objective": "safest"}, "deadline", "needs"),
        ({"supply": {"3": 5}, "safe": {"1"}, "deadline": -1}, "deadline", "0 or more"),
        ({"supply": {"3": 5}, "safe": {"1"}, "step_minutes": 0}, "step_minutes", "above 0"),
        ({"supply": {"3": 5}, "safe": {"1"}, "step_minutes": -5}, "step_minutes", "above 0"),
        ({"supply": {"3": 5}, "safe": {"1"}, "step_minutes": 2.5}, "step_minutes", "whole"),
        ({"supply": {"3": 5}, "safe": {"1"}, "step_minutes": 1441}, "step_minutes", "at most 1440"),
        (
            {"supply": {"3": 5}, "safe": {"1"}, "step_minutes": 10**6},
            "step_minutes",
            "at most 1440",
        ),
        ({"supply": {"3": 5}, "safe": {"1"}, "step_minutes": True}, "step_minutes", "whole"),
        ({"supply": {"3": 5}, "safe": {"1"}, "step_minutes": "5"}, "step_minutes", "whole"),
        ({"supply": {"3": 5}, "safe": {"1"}, "time_limit": 0}, "time_limit", "above 0"),
        ({"supply": {"3": 5}, "safe": {"1"}, "max_memory": "lots"}, "max_memory", "'6GiB'"),
        ({"supply": {"3": 5}, "safe": {"1"}, "max_memory": 0}, "max_memory", "above 0"),
        ({"supply": {"3": 5}, "safe": {"1"}, "max_memory": -1}, "max_memory", "above 0"),
        ({"supply": {"3": 5}, "safe": {"1"}, "max_memory": True}, "max_memory", "above 0"),
        ({"safe": {"1"}}, "supply", "nothing to evacuate"),
        (
            {"safe": {"1"}, "parties": [Party("a", 2, "nowhere")]},
            "parties[0].location",
            "not a place",
        ),
        ({"safe": {"1"}, "parties": [Party("a", 0, "3")]}, "parties[0].size", "1 or more"),
        (
            {"safe": {"1"}, "parties": [Party("a", 1, "3"), Party("a", 1, "3")]},
            "parties[1].id",
            "twice",
        ),
    ],
)
def test_bad_input_raises_one_clear_error(kwargs: dict[str, Any], path: str, words: str) -> None:
    """Each bad argument gives a ScenarioError naming where it is and what is wrong."""
    with pytest.raises(ScenarioError) as err:
        evacuate(SIOUX, **kwargs)
    assert isinstance(err.value, ValueError)
    assert any(p.path == path and words in p.message for p in err.value.problems), str(err.value)


def test_every_bad_argument_is_listed_at_once() -> None:
    """Several faults: one error lists them all."""
    with pytest.raises(ScenarioError) as err:
        evacuate(SIOUX, supply={"x": -1}, safe={"y"}, objective="safest", step_minutes=0)
    paths = {p.path for p in err.value.problems}
    assert {"supply['x']", "safe['y']", "deadline", "step_minutes"} <= paths


def test_a_network_must_be_a_network() -> None:
    """Anything else is a ScenarioError, not a crash deep inside."""
    with pytest.raises(ScenarioError, match="Network or a Scenario"):
        evacuate({"places": []}, supply={})  # type: ignore[arg-type]


def _threat(**fields: Any) -> ThreatEvent:
    return ThreatEvent(**{"id": "t", "at": 0, "risk": 0.5, **fields})


@pytest.mark.parametrize(
    ("threats", "path", "words"),
    [
        ([_threat(places=("bgw-airprt",))], "threats[0].places[0]", "did you mean 'bgw-airport'"),
        ([_threat(links=("bgd-bgw-rd",))], "threats[0].links[0]", "is not a link"),
        ([_threat(regions=("bagdad",))], "threats[0].regions[0]", "did you mean 'baghdad'"),
        (
            [_threat(places=("bgw-airport",)), _threat(places=("ika-airport",))],
            "threats[1].id",
            "duplicate threat id 't'",
        ),
        ([_threat(places=("bgw-airport",), at=60, until=30)], "threats[0].until", "after at"),
        (
            [_threat(places=("bgw-airport",), at=datetime(2019, 12, 31, tzinfo=UTC))],
            "threats[0].at",
            "before the start",
        ),
    ],
)
def test_threat_arguments_are_checked_like_a_file(
    founding: Scenario, threats: list[ThreatEvent], path: str, words: str
) -> None:
    """A misspelt place in a threat passed to evacuate() is an error, not a threat ignored."""
    with pytest.raises(ScenarioError) as err:
        evacuate(founding, threats=threats)
    assert str(err.value).startswith("invalid arguments to evacuate():"), str(err.value)
    assert any(p.path == path and words in p.message for p in err.value.problems), str(err.value)


def test_parties_of_two_drawdowns_combined_are_refused(founding: Scenario) -> None:
    """Dependants who left at 'reduced' and a staff member with them again at 'minimal'."""
    reduced = drawdown(founding, posture="reduced")
    minimal = drawdown(founding, posture="minimal")
    first = {p.id for p in reduced.parties}
    combined = [*reduced.parties, *(p for p in minimal.parties if p.id not in first)]
    with pytest.raises(ScenarioError) as err:
        evacuate(founding, parties=combined)
    twice = [p for p in err.value.problems if "moved twice" in p.message]
    assert twice, str(err.value)
    for problem in twice:
        staff_id = problem.message.split("but ")[1].split(" and")[0]
        assert f"'{staff_id}/dependants'" in problem.message
        assert f"'{staff_id}'" in problem.message


def test_a_party_repeated_by_hand_is_reported_once(founding: Scenario) -> None:
    plan = drawdown(founding, posture="minimal")
    with pytest.raises(ScenarioError) as err:
        evacuate(founding, parties=[*plan.parties, plan.parties[0]])
    assert len(err.value.problems) == 1, str(err.value)
    assert "appears twice" in err.value.problems[0].message
