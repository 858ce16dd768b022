"""Arguments: bad input to drawdown() and to the plan's questions raises one clear error."""

from __future__ import annotations

import math
from typing import Any

import pytest

from evacplan.errors import EvacplanError, ScenarioError
from evacplan.models import Scenario
from evacplan.staffing import UnknownStaffError, drawdown


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"posture": "minimum"}, "posture: 'minimum' is not a posture; did you mean 'minimal'?"),
        ({"posture": 3}, "posture: give a posture name, a {post id: posture} mapping, or None"),
        ({"posture": {"capital": 3}}, "posture['capital']: a posture is one of normal, reduced"),
        (
            {"posture": {"capitol": "minimal"}},
            "posture['capitol']: 'capitol' is not a post; did you mean 'capital'?",
        ),
        ({"posture": {"capital": "closed"}}, "posture['capital']: 'closed' is not a posture"),
        ({"posture": ["minimal"]}, "give a posture name, a {post id: posture} mapping, or None"),
        (
            {"previous": ["cap-01", "cap-99"]},
            "previous[1]: 'cap-99' is not a staff member; did you mean",
        ),
        ({"previous": "cap-01"}, "previous: give a DrawdownPlan"),
        (
            {"previous": {"capital": ["cap-01", "nobody"]}},
            "previous['capital'][1]: 'nobody' is not a staff member",
        ),
        ({"previous": {"elsewhere": []}}, "previous['elsewhere']: 'elsewhere' is not a post"),
        ({"previous": 5}, "previous: give a DrawdownPlan"),
        ({"time_limit": 0}, "time_limit: must be a positive number of seconds or None"),
        ({"time_limit": math.nan}, "time_limit: must be a positive number"),
        ({"workers": 0}, "workers: must be a whole number >= 1"),
        ({"seed": -1}, "seed: must be a whole number from 0"),
        ({"seed": True}, "seed: must be a whole number from 0"),
    ],
)
def test_bad_arguments_raise_one_clear_error(
    tiny: Scenario, kwargs: dict[str, Any], message: str
) -> None:
    """Bad arguments raise a ScenarioError (a ValueError) naming the argument and the fault."""
    with pytest.raises(ScenarioError) as err:
        drawdown(tiny, **kwargs)
    assert isinstance(err.value, ValueError) and isinstance(err.value, EvacplanError)
    assert message in str(err.value)
    assert str(err.value).startswith("invalid arguments to drawdown(): 1 problem")


def test_bad_arguments_are_listed_together(tiny: Scenario) -> None:
    """Several bad entries in one mapping are all reported at once."""
    with pytest.raises(ScenarioError) as err:
        drawdown(tiny, {"x": "minimal", "capital": "nope"})
    assert len(err.value.problems) == 2


def test_previous_plan_naming_unknown_staff(tiny: Scenario) -> None:
    """A previous plan made for staff no longer in the scenario is refused, by name."""
    plan = drawdown(tiny, "minimal")
    fewer = tiny.model_copy(update={"staff": tuple(m for m in tiny.staff if m.id != "cap-05")})
    with pytest.raises(ScenarioError, match="'cap-05' is not a staff member"):
        drawdown(fewer, "minimal", previous=plan)


def test_not_a_scenario() -> None:
    """Passing something else than a Scenario is a clear error."""
    with pytest.raises(ScenarioError, match="expected a Scenario"):
        drawdown({"name": "x"})  # type: ignore[arg-type]


def test_explain_unknown_staff(tiny: Scenario) -> None:
    """explain() of an unknown id raises a KeyError subclass with a suggestion."""
    plan = drawdown(tiny, "minimal")
    with pytest.raises(UnknownStaffError) as err:
        plan.explain("cap-7")
    assert isinstance(err.value, KeyError) and isinstance(err.value, EvacplanError)
    assert str(err.value).startswith("'cap-7' is not a staff member of this scenario; did you mean")
    with pytest.raises(UnknownStaffError, match="5 is not a staff member"):
        plan.explain(5)  # type: ignore[arg-type]
