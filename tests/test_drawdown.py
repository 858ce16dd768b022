"""Drawdown: small cases worked out by hand, conflicts, stability, arguments, reports, CLI."""

from __future__ import annotations

import importlib
import math
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from evacplan.drawdown import (
    LEVELS,
    RULES,
    DrawdownPlan,
    UnknownStaffError,
    drawdown,
)
from evacplan.errors import EvacplanError, ScenarioError, VerificationError
from evacplan.io import load_scenario, seed_path
from evacplan.models import Posture, Scenario
from evacplan.results import Party, Status

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tiny() -> Scenario:
    return load_scenario(seed_path("tiny"))


def build(
    staff: list[dict[str, Any]],
    requirements: list[dict[str, Any]] = (),  # type: ignore[assignment]
    *,
    min_retained: int = 0,
    max_functions: int = 1,
    extra_posts: list[dict[str, Any]] = (),  # type: ignore[assignment]
    relocate_le: bool = False,
) -> Scenario:
    """A one-post scenario ('p') from short staff rows: id, skills, and flags."""
    rows = []
    for row in staff:
        full = {"post": "p", "category": "diplomat", "location": "home", **row}
        rows.append(full)
    posts = [
        {
            "id": "p",
            "name": "Post",
            "place": "office",
            "min_retained": min_retained,
            "requirements": list(requirements),
        },
        *extra_posts,
    ]
    return Scenario.model_validate(
        {
            "name": "hand",
            "start": "2020-01-03T06:00:00Z",
            "places": [
                {"id": "office", "kind": "post"},
                {"id": "home", "kind": "residence"},
                {"id": "haven", "kind": "safe_haven"},
            ],
            "posts": posts,
            "staff": rows,
            "policy": {
                "max_functions_per_person": max_functions,
                "relocate_locally_engaged": relocate_le,
            },
        }
    )


def need(function: str, skill: str, minimal: int) -> dict[str, Any]:
    return {"function": function, "skill": skill, "minimum": {"minimal": minimal}}


def ok(plan: DrawdownPlan) -> DrawdownPlan:
    assert plan.verify() == [], plan.verify()
    return plan


# ------------------------------------------------------------------ the tiny seed


def test_tiny_minimal_keeps_head_of_mission_and_volunteer_crypto(tiny: Scenario) -> None:
    """Minimal needs leadership and crypto: cap-01 must remain; the volunteer cap-03 beats cap-04."""
    plan = ok(drawdown(tiny, "minimal"))
    assert plan.status is Status.OPTIMAL
    assert plan.retained == {"capital": ["cap-01", "cap-03"]}
    assert plan.departing == {"capital": ["cap-02", "cap-04", "cap-05", "cap-06"]}
    assert plan.covers == {"cap-01": "head-of-mission", "cap-03": "secure-comms"}
    # retained 2; preference: cap-01 is not a volunteer (1), cap-03 is (0)
    assert plan.objective == (2, 1, 0, 0)
    assert plan.bound == plan.objective and plan.gap == (0, 0, 0, 0) and plan.is_optimal


def test_tiny_minimal_parties_account_for_everyone(tiny: Scenario) -> None:
    """Departing staff travel with dependants; cap-01's dependant leaves alone; the driver stays home."""
    plan = ok(drawdown(tiny, "minimal"))
    assert plan.parties == [
        Party("cap-01/dependants", 1, "residence", "capital"),
        Party("cap-02", 3, "residence", "capital"),
        Party("cap-04", 4, "residence", "capital"),
        Party("cap-05", 1, "embassy", "capital"),
        Party("cap-06", 1, "residence", "capital", relocate=False),
    ]
    people = sum(1 + m.dependants for m in tiny.staff)
    assert sum(p.size for p in plan.parties) + len(plan.retained["capital"]) == people


def test_tiny_reduced_keeps_deputy_for_consular(tiny: Scenario) -> None:
    """Reduced adds one consular slot: the volunteer cap-02 beats cap-05; both retained's dependants leave."""
    plan = ok(drawdown(tiny, "reduced"))
    assert plan.retained["capital"] == ["cap-01", "cap-02", "cap-03"]
    assert plan.covers == {
        "cap-01": "head-of-mission",
        "cap-02": "consular",
        "cap-03": "secure-comms",
    }
    assert {p.id for p in plan.parties if p.id.endswith("/dependants")} == {
        "cap-01/dependants",
        "cap-02/dependants",
    }


def test_tiny_normal_dependants_stay_with_retained_staff(tiny: Scenario) -> None:
    """Normal needs 1 + 2 + 2 people; nobody's dependants leave without them."""
    plan = ok(drawdown(tiny, "normal"))
    assert plan.retained["capital"] == ["cap-01", "cap-02", "cap-03", "cap-04", "cap-05"]
    assert plan.parties == [Party("cap-06", 1, "residence", "capital", relocate=False)]


def test_tiny_suspended_everyone_leaves_even_must_remain(tiny: Scenario) -> None:
    """A suspended post closes: must_remain no longer applies and all 12 people leave."""
    plan = ok(drawdown(tiny, "suspended"))
    assert plan.retained == {"capital": []}
    assert plan.covers == {}
    assert [p.id for p in plan.parties] == [m.id for m in tiny.staff]
    assert sum(p.size for p in plan.parties) == 12
    assert "closes and everyone leaves" in plan.explain("cap-01")


def test_default_posture_comes_from_decision_points(tiny: Scenario) -> None:
    """With posture=None, tiny's tripwire takes the capital to minimal."""
    plan = drawdown(tiny)
    assert plan.postures == {"capital": Posture.MINIMAL}
    assert plan.retained == drawdown(tiny, "minimal").retained


def test_posture_mapping_names_posts(tiny: Scenario) -> None:
    """A mapping sets the named posts' postures (Posture members and names both work)."""
    assert drawdown(tiny, {"capital": Posture.REDUCED}).postures == {"capital": Posture.REDUCED}
    assert drawdown(tiny, {"capital": "Suspended"}).postures == {"capital": Posture.SUSPENDED}


# ------------------------------------------------------------ hand-made scenarios


def test_two_functions_per_person_lets_one_person_cover_both() -> None:
    """With max 2 functions a person, 'ab' covers both a and b: 1 person instead of 2."""
    staff = [
        {"id": "ab", "skills": ["a", "b"]},
        {"id": "a1", "skills": ["a"]},
        {"id": "b1", "skills": ["b"]},
    ]
    reqs = [need("fa", "a", 1), need("fb", "b", 1)]
    one = ok(drawdown(build(staff, reqs, max_functions=1), "minimal"))
    two = ok(drawdown(build(staff, reqs, max_functions=2), "minimal"))
    assert one.objective[0] == 2
    assert two.retained == {"p": ["ab"]}
    assert two.covers == {"ab": ("fa", "fb")}
    assert two.assignments == {"ab": ("fa", "fb")}


def test_a_function_of_two_slots_needs_two_people() -> None:
    """Two slots of one function are two different people, whatever the policy allows."""
    staff = [{"id": "x", "skills": ["a"]}, {"id": "y", "skills": ["a"]}]
    plan = ok(drawdown(build(staff, [need("fa", "a", 2)], max_functions=3), "minimal"))
    assert plan.retained == {"p": ["x", "y"]}


def test_min_retained_pads_with_volunteers_then_the_not_vulnerable() -> None:
    """One slot but min_retained 3: keep the coverer, then the volunteer, then the non-vulnerable."""
    staff = [
        {"id": "cov", "skills": ["a"]},
        {"id": "frail", "vulnerable": True},
        {"id": "plain"},
        {"id": "keen", "volunteer": True},
    ]
    plan = ok(drawdown(build(staff, [need("fa", "a", 1)], min_retained=3), "minimal"))
    assert plan.retained == {"p": ["cov", "plain", "keen"]}
    assert plan.covers == {"cov": "fa"}
    # preference: cov 1 + plain 1 + keen 0
    assert plan.objective[:2] == (3, 2)
    assert "must keep at least 3 people" in plan.explain("keen")


def test_vulnerable_volunteer_ties_with_plain_non_volunteer() -> None:
    """Penalty is (not volunteer) + vulnerable: a vulnerable volunteer and a plain person both cost 1."""
    staff = [
        {"id": "vv", "skills": ["a"], "vulnerable": True, "volunteer": True},
        {"id": "pl", "skills": ["a"]},
        {"id": "vn", "skills": ["a"], "vulnerable": True},
    ]
    plan = ok(drawdown(build(staff, [need("fa", "a", 1)]), "minimal"))
    assert plan.objective[:2] == (1, 1)
    assert plan.retained["p"] != ["vn"]


def test_must_remain_without_a_needed_skill_still_stays() -> None:
    """must_remain keeps a person who covers nothing; the slot goes to someone else."""
    staff = [{"id": "boss", "must_remain": True}, {"id": "tech", "skills": ["a"]}]
    plan = ok(drawdown(build(staff, [need("fa", "a", 1)]), "minimal"))
    assert plan.retained == {"p": ["boss", "tech"]}
    assert plan.covers == {"tech": "fa"}
    assert "must remain" in plan.explain("boss")


def test_must_remain_person_covers_when_able() -> None:
    """A must_remain person with the skill covers the slot, saving a second person."""
    staff = [
        {"id": "keen", "skills": ["a"], "volunteer": True},
        {"id": "boss", "skills": ["a"], "must_remain": True},
    ]
    plan = ok(drawdown(build(staff, [need("fa", "a", 1)]), "minimal"))
    assert plan.retained == {"p": ["boss"]}


def test_locally_engaged_relocation_follows_policy_and_flag() -> None:
    """LE staff stand down at home unless the policy or their own flag says relocate."""
    staff = [
        {"id": "le1", "category": "locally_engaged"},
        {"id": "le2", "category": "locally_engaged", "relocate": True},
        {"id": "dip", "relocate": False},
    ]
    home = ok(drawdown(build(staff), "minimal"))
    assert {p.id: p.relocate for p in home.parties} == {"le1": False, "le2": True, "dip": False}
    moved = ok(drawdown(build(staff, relocate_le=True), "minimal"))
    assert {p.id: p.relocate for p in moved.parties} == {"le1": True, "le2": True, "dip": False}
    assert "stand down at home" in home.explain("le1")


def test_two_posts_are_solved_independently_and_levels_sum() -> None:
    """Levels are sums over posts; each post keeps its own staff."""
    scenario = build(
        [
            {"id": "a1", "skills": ["a"]},
            {"id": "b1", "skills": ["b"], "post": "q"},
            {"id": "b2", "skills": ["b"], "post": "q", "volunteer": True},
        ],
        [need("fa", "a", 1)],
        extra_posts=[
            {
                "id": "q",
                "name": "Q",
                "place": "office",
                "min_retained": 0,
                "requirements": [need("fb", "b", 1)],
            }
        ],
    )
    plan = ok(drawdown(scenario, "minimal"))
    assert plan.retained == {"p": ["a1"], "q": ["b2"]}
    assert plan.objective[:2] == (2, 1)
    assert [lv.value for lv in plan.post_levels["q"]][:2] == [1, 0]


# --------------------------------------------------------------------- conflicts


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


# ------------------------------------------------------ determinism and stability


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


# ------------------------------------------------------------------- explaining


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


# ----------------------------------------------------------------- verification


def tamper(plan: DrawdownPlan, **changes: Any) -> DrawdownPlan:
    """A shallow copy of the plan with some attributes replaced."""
    copy = object.__new__(DrawdownPlan)
    copy.__dict__.update(plan.__dict__)
    copy.__dict__.update(changes)
    return copy


@pytest.mark.parametrize(
    ("change", "rules"),
    [
        ({"retained": {"capital": ["cap-03"]}}, {"must-remain", "accounted", "cover", "objective"}),
        ({"retained": {"capital": ["cap-01", "cap-03", "cap-04"]}}, {"accounted", "objective"}),
        ({"covers": {"cap-01": "head-of-mission", "cap-03": "consular"}}, {"cover"}),
        ({"assignments": {"cap-01": ("head-of-mission",), "cap-05": ("secure-comms",)}}, {"cover"}),
        ({"parties": []}, {"accounted", "dependants-leave"}),
    ],
)
def test_verify_catches_a_broken_plan(
    tiny: Scenario, change: dict[str, Any], rules: set[str]
) -> None:
    """verify() names the rules a tampered plan breaks, and strict=True raises them."""
    plan = drawdown(tiny, "minimal")
    broken = tamper(plan, **change)
    found = {v.rule for v in broken.verify()}
    assert rules <= found, found
    with pytest.raises(VerificationError) as err:
        broken.verify(strict=True)
    assert isinstance(err.value, AssertionError)


def test_verify_catches_a_wrong_party(tiny: Scenario) -> None:
    """A party of the wrong size, or a retained person's dependants left behind, is caught."""
    plan = drawdown(tiny, "minimal")
    parties = [
        Party(p.id, p.size + 1, p.location, p.post, relocate=p.relocate) if p.id == "cap-02" else p
        for p in plan.parties
    ]
    assert {v.rule for v in tamper(plan, parties=parties).verify()} == {"accounted"}
    parties = [p for p in plan.parties if p.id != "cap-01/dependants"]
    assert {v.rule for v in tamper(plan, parties=parties).verify()} == {"dependants-leave"}


def test_verify_catches_a_wrong_conflict() -> None:
    """A conflict set with an extra rule is not irreducible; one that can hold is caught."""
    staff = [{"id": "c", "skills": ["crypto"], "must_leave": True}, {"id": "x"}]
    plan = drawdown(build(staff, [need("comms", "crypto", 1)], min_retained=1), "minimal")
    extra = type(plan.conflicts[0])("min-retained", "p", None, "padding")
    assert {v.rule for v in tamper(plan, conflicts=[*plan.conflicts, extra]).verify()} == {
        "conflict"
    }
    assert {v.rule for v in tamper(plan, conflicts=plan.conflicts[1:]).verify()} == {"conflict"}


def test_verify_catches_a_headcount_that_is_not_minimal(tiny: Scenario) -> None:
    """A plan claiming 3 is the optimum at minimal fails the independent min-cost flow."""
    plan = drawdown(tiny, "reduced")
    fake = drawdown(tiny, "normal")  # keeps more than needed at reduced
    broken = tamper(
        fake,
        postures=plan.postures,
        post_levels={
            "capital": tuple(
                type(lv)(lv.name, lv.description, lv.value, lv.value)
                for lv in fake.post_levels["capital"]
            )
        },
    )
    rules = {v.rule for v in broken.verify()}
    assert "fewest-retained" in rules


# --------------------------------------------------------------------- arguments


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
    assert str(err.value).startswith("drawdown(): 1 problem")


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


# ---------------------------------------------------------------------- reports


def test_str_is_the_per_post_report(tiny: Scenario) -> None:
    """__str__: per post, who stays covering what, who leaves, and lone dependants."""
    text = str(drawdown(tiny, "minimal"))
    assert text.splitlines()[0] == (
        "Drawdown of tiny: optimal, 2 stay, 4 leave (retained 2, proven minimal)"
    )
    assert "capital (Embassy in the capital) at minimal: 2 stay, 4 leave" in text
    assert "cap-03  Communications officer  secure-comms     volunteer" in text
    assert "cap-06  Driver                  stands down at home" in text
    assert "cap-01/dependants  1 person, from residence" in text


def test_summary_repr_and_html(tiny: Scenario) -> None:
    """summary() gives the levels and runtime; the HTML is a table per post."""
    plan = drawdown(tiny, "minimal")
    assert "objective: retained 2 (proven); preference 1 (proven)" in plan.summary()
    assert repr(plan) == "<DrawdownPlan optimal: 2 retained, 4 departing, 1 post>"
    page = plan._repr_html_()
    assert page.count("<table>") == 1 and "<td>secure-comms</td>" in page


def test_reports_of_an_infeasible_plan() -> None:
    """An infeasible plan's summary, text and HTML name the post and its conflicting rules."""
    plan = drawdown(build([{"id": "x"}], [need("fa", "a", 1)]), "minimal")
    assert "no plan at p: 1 conflicting rule" in plan.summary()
    assert "1 undecided (no plan at their post)" in plan.summary()
    assert "<code>cover</code> nobody at p has the skill &#x27;a&#x27;" in plan._repr_html_()
    assert repr(plan) == "<DrawdownPlan infeasible: 0 retained, 0 departing, 1 post>"


def test_party_of(tiny: Scenario) -> None:
    """party_of gives a departing person's party, None for someone who stays."""
    plan = drawdown(tiny, "minimal")
    assert plan.party_of("cap-04") == Party("cap-04", 4, "residence", "capital")
    assert plan.party_of("cap-03") is None
    with pytest.raises(UnknownStaffError):
        plan.party_of("nobody")


def test_rules_and_levels_are_documented() -> None:
    """Every rule id and level name appears in the module documentation."""
    # `import evacplan.drawdown as module` would give the function evacplan re-exports.
    module = importlib.import_module("evacplan.drawdown")

    for rule in RULES:
        assert f"``{rule}``" in (module.__doc__ or "")
    for name, _ in LEVELS:
        assert f"``{name}``" in (module.__doc__ or "")


# --------------------------------------------------------------------------- CLI


def test_cli_prints_the_plan(cli: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    """`python -m evacplan drawdown seeds/tiny.yaml --posture minimal` prints str(plan)."""
    run = cli("drawdown", "seeds/tiny.yaml", "--posture", "minimal")
    assert run.returncode == 0, run.stderr
    expected = str(drawdown(load_scenario(ROOT / "seeds" / "tiny.yaml"), "minimal"))
    assert expected.splitlines()[2:] == run.stdout.strip().splitlines()[2:]
    assert "cap-03" in run.stdout and "secure-comms" in run.stdout
