"""Determinism and stability: same input, same plan; re-planning; workers and time limits."""

from __future__ import annotations

from evacplan.models import Scenario
from evacplan.results import Status
from evacplan.staffing import drawdown

from .helpers import build, need, ok, tamper


def test_same_input_same_plan() -> None:
    """Two runs with one worker and the same seed give identical plans and reports."""
    from evacplan._generate import generate_scenario

    scenario = generate_scenario(posts=6, staff_per_post=40, seed=3)
    a, b = drawdown(scenario, "minimal"), drawdown(scenario, "minimal")
    assert (a.retained, a.covers, a.parties, a.levels) == (
        b.retained,
        b.covers,
        b.parties,
        b.levels,
    )
    assert str(a) == str(b)


def test_previous_unchanged_scenario_gives_unchanged_plan() -> None:
    """Re-planning an unchanged scenario with previous=plan changes nothing, covers included."""
    from evacplan._generate import generate_scenario

    for max_functions in (1, 2):
        scenario = generate_scenario(
            posts=5, staff_per_post=30, seed=7, max_functions_per_person=max_functions
        )
        first = ok(drawdown(scenario, "minimal"))
        again = ok(drawdown(scenario, "minimal", previous=first))
        assert (again.retained, again.covers, again.parties) == (
            first.retained,
            first.covers,
            first.parties,
        )
        assert again.objective == (*first.objective[:2], 0, 0)


def test_previous_keeps_a_non_preferred_choice_only_when_preference_allows(tiny: Scenario) -> None:
    """Previous is level 3: it never overrides fewer people or the volunteer preference."""
    plan = ok(drawdown(tiny, "minimal", previous={"capital": ["cap-01", "cap-04", "cap-05"]}))
    assert plan.retained["capital"] == ["cap-01", "cap-03"]
    assert plan.objective == (2, 1, 3, 0)  # cap-03 in; cap-04 and cap-05 out


def test_previous_breaks_ties_between_interchangeable_people() -> None:
    """Two identical officers: the previous plan's choice wins over file order."""
    staff = [{"id": "first", "skills": ["a"]}, {"id": "second", "skills": ["a"]}]
    scenario = build(staff, [need("fa", "a", 1)])
    assert drawdown(scenario, "minimal").retained["p"] == ["first"]
    plan = ok(drawdown(scenario, "minimal", previous=["second"]))
    assert plan.retained["p"] == ["second"] and plan.objective[2] == 0
    assert "interchangeable" in drawdown(scenario, "minimal").explain("first")


def test_replanning_when_a_key_person_must_leave(tiny: Scenario) -> None:
    """cap-03 must leave: cap-04 replaces them; two decisions change and nothing else."""
    first = drawdown(tiny, "minimal")
    staff = [m.model_copy(update={"must_leave": m.id == "cap-03"}) for m in tiny.staff]
    changed = tiny.model_copy(update={"staff": tuple(staff)})
    plan = ok(drawdown(changed, "minimal", previous=first))
    assert plan.retained["capital"] == ["cap-01", "cap-04"]
    assert plan.objective == (2, 3, 2, 0)


def test_previous_covers_are_kept_when_possible() -> None:
    """Two people who can each cover either function keep their previous duties (level 4)."""
    staff = [{"id": "x", "skills": ["a", "b"]}, {"id": "y", "skills": ["a", "b"]}]
    scenario = build(staff, [need("fa", "a", 1), need("fb", "b", 1)])
    first = drawdown(scenario, "minimal")
    assert first.covers == {"x": "fa", "y": "fb"}
    swapped = tamper(first, covers={"x": "fb", "y": "fa"}, assignments={"x": ("fb",), "y": ("fa",)})
    plan = ok(drawdown(scenario, "minimal", previous=swapped))
    assert plan.covers == {"x": "fb", "y": "fa"}
    assert plan.objective == (2, 2, 0, 0)


def test_more_workers_same_optimum(tiny: Scenario) -> None:
    """Two workers prove the same objective (the choice among ties may differ)."""
    assert ok(drawdown(tiny, "minimal", workers=2)).objective == drawdown(tiny, "minimal").objective


def test_time_limit_still_gives_a_valid_plan() -> None:
    """A very short time limit gives a valid plan, optimal or feasible with honest bounds."""
    from evacplan._generate import generate_scenario

    plan = ok(
        drawdown(generate_scenario(posts=10, staff_per_post=50, seed=2), "minimal", time_limit=1e-6)
    )
    assert plan.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert all(lv.bound is not None and lv.bound <= lv.value for lv in plan.levels)
    assert all(g is not None and g >= 0 for g in plan.gap)
    assert (plan.status is Status.OPTIMAL) == (plan.gap == (0, 0, 0, 0))


def test_suspending_counts_everyone_the_previous_plan_kept_as_a_change(tiny: Scenario) -> None:
    """At suspended everyone leaves: the two the previous plan kept are two changes, proven."""
    plan = drawdown(tiny, "suspended", previous={"capital": ["cap-01", "cap-03"]})
    changes = next(level for level in plan.levels if level.name == "changes")
    assert (changes.value, changes.bound) == (2, 2)
    assert plan.verify() == []
