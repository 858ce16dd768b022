"""Conflicts: the irreducible set of rules that cannot all hold at a post without a plan."""

from __future__ import annotations

from evacplan.results import Status
from evacplan.staffing import DrawdownPlan, drawdown

from .helpers import build, need, ok


def conflict_rules(plan: DrawdownPlan) -> set[tuple[str, str | None]]:
    return {(c.rule, c.subject) for c in plan.conflicts}


def test_nobody_has_the_skill() -> None:
    """A function whose skill nobody has: the cover rule alone cannot hold."""
    plan = ok(
        drawdown(build([{"id": "x", "skills": ["a"]}], [need("comms", "crypto", 1)]), "minimal")
    )
    assert plan.status is Status.INFEASIBLE
    assert conflict_rules(plan) == {("cover", "comms")}
    assert plan.conflicts[0].message == (
        "nobody at p has the skill 'crypto' that comms needs at minimal (1 person)"
    )
    assert plan.retained == {"p": []} and plan.undecided == {"p": ["x"]}
    assert plan.parties == [] and plan.objective == (None, None, None, None)


def test_only_skilled_person_must_leave() -> None:
    """The one crypto holder must leave: cover and must-leave conflict, nothing else."""
    staff = [{"id": "c", "skills": ["crypto"], "must_leave": True}, {"id": "x"}]
    plan = ok(drawdown(build(staff, [need("comms", "crypto", 1)], min_retained=1), "minimal"))
    assert conflict_rules(plan) == {("cover", "comms"), ("must-leave", "c")}
    text = " ".join(str(c) for c in plan.conflicts)
    assert "c must leave while p is open, though they have crypto" in text


def test_one_person_two_functions_under_one_function_policy() -> None:
    """One person has both skills; one function each: cover, cover and max-functions conflict."""
    staff = [{"id": "ab", "skills": ["a", "b"]}, {"id": "z"}]
    plan = ok(drawdown(build(staff, [need("fa", "a", 1), need("fb", "b", 1)]), "minimal"))
    assert conflict_rules(plan) == {("cover", "fa"), ("cover", "fb"), ("max-functions", None)}


def test_too_few_staff_for_min_retained() -> None:
    """min_retained 3 with 2 staff: min-retained alone."""
    plan = ok(drawdown(build([{"id": "x"}, {"id": "y"}], min_retained=3), "minimal"))
    assert conflict_rules(plan) == {("min-retained", None)}
    assert "p must keep at least 3 people while open; it has 2 staff" in str(plan.conflicts[0])


def test_min_retained_with_must_leave() -> None:
    """3 staff, min_retained 3, one must leave: min-retained and that must-leave."""
    staff = [{"id": "x"}, {"id": "y"}, {"id": "z", "must_leave": True}]
    plan = ok(drawdown(build(staff, min_retained=3), "minimal"))
    assert conflict_rules(plan) == {("min-retained", None), ("must-leave", "z")}


def test_two_slots_one_holder() -> None:
    """A function of two slots with one holder: cover alone, in words naming the holder."""
    plan = ok(drawdown(build([{"id": "x", "skills": ["a"]}], [need("fa", "a", 2)]), "minimal"))
    assert conflict_rules(plan) == {("cover", "fa")}
    assert "fa needs 2 people with the skill 'a' at minimal; at p, 1 person has it (x)" in str(
        plan.conflicts[0]
    )


def test_infeasible_post_does_not_stop_the_others() -> None:
    """One post without a plan: the other is still planned; the status is infeasible."""
    scenario = build(
        [{"id": "x"}, {"id": "q1", "post": "q", "skills": ["b"]}],
        [need("fa", "a", 1)],
        extra_posts=[
            {
                "id": "q",
                "name": "Q",
                "place": "office",
                "min_retained": 1,
                "requirements": [need("fb", "b", 1)],
            }
        ],
    )
    plan = ok(drawdown(scenario, "minimal"))
    assert plan.status is Status.INFEASIBLE
    assert plan.post_status == {"p": Status.INFEASIBLE, "q": Status.OPTIMAL}
    assert plan.retained["q"] == ["q1"] and plan.undecided["p"] == ["x"]
    assert "no plan exists for p" in plan.explain("x")
    assert "no plan; these rules cannot all hold" in str(plan)


def test_suspension_resolves_a_conflict() -> None:
    """A post that cannot stay open can still be suspended."""
    plan = ok(drawdown(build([{"id": "x"}], [need("fa", "a", 1)]), "suspended"))
    assert plan.status is Status.OPTIMAL and plan.departing == {"p": ["x"]}
