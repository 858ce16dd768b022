"""Bad arguments to ``evacuate``: one clear error listing every problem, with its path."""

from __future__ import annotations

from typing import Any

import pytest

from evacplan.errors import ScenarioError
from evacplan.io import read_tntp, tntp_path
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
