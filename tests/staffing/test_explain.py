"""Explanations: why a person stays or leaves, in words."""

from __future__ import annotations

from evacplan.models import Scenario
from evacplan.staffing import drawdown

from .helpers import build, need


def test_explain_words(tiny: Scenario) -> None:
    """Explanations name the function, the proven minimum, the alternative and the party."""
    plan = drawdown(tiny, "minimal")
    text = plan.explain("cap-03")
    assert "to cover secure-comms (skill 'crypto')" in text
    assert "fewer than 2 people (proven)" in text
    assert "with cap-04 (vulnerable, not a volunteer) in place of cap-03 (a volunteer)" in text
    assert "(score 3 instead of 1)" in text
    assert "Keeping cap-04, the best plan would still keep 2 people" in plan.explain("cap-04")
    assert "with 3 dependants as one party" in plan.explain("cap-04")
    assert "Their dependant leaves as their own party, cap-01/dependants" in plan.explain("cap-01")


def test_explain_must_leave_and_irreplaceable() -> None:
    """must_leave staff are told the rule; the sole holder of a skill is told the post needs them."""
    staff = [{"id": "only", "skills": ["a"]}, {"id": "gone", "skills": ["a"], "must_leave": True}]
    plan = drawdown(build(staff, [need("fa", "a", 1)]), "minimal")
    assert "must leave while the post is open [must-leave]" in plan.explain("gone")
    assert "Without only, no plan could keep p open at minimal" in plan.explain("only")


def test_explain_changes_from_the_previous_plan() -> None:
    """When only the previous plan decides, explain says how many decisions would change."""
    staff = [{"id": "first", "skills": ["a"]}, {"id": "second", "skills": ["a"]}]
    plan = drawdown(build(staff, [need("fa", "a", 1)]), "minimal", previous=["second"])
    assert plan.explain("first").startswith(
        "first leaves p (minimal). Keeping first, the best plan would change 2 decisions of "
        "the previous plan instead of 0 (with first (not a volunteer) in place of second"
    )


def test_explain_more_people_without_them() -> None:
    """A person covering two functions saves a person: explain says how many it would take."""
    staff = [
        {"id": "ab", "skills": ["a", "b"]},
        {"id": "a1", "skills": ["a"]},
        {"id": "b1", "skills": ["b"]},
    ]
    plan = drawdown(
        build(staff, [need("fa", "a", 1), need("fb", "b", 1)], max_functions=2), "minimal"
    )
    assert "Without ab, the best plan would keep 2 people instead of 1" in plan.explain("ab")
