"""Rule ``categories``: a function that names staff categories is filled only by staff of those.

Hand-worked on one-post scenarios. The post needs its head of mission (who must
remain) and post security at minimal; a locally engaged volunteer guard and a
diplomat who is not a volunteer both have the skill ``security``. Without
categories the volunteer guard stays (preference 1 against 2); with
``categories: [diplomat, military]`` the diplomat must.
"""

from __future__ import annotations

from typing import Any

from evacplan.models import Scenario
from evacplan.results import Party, Status
from evacplan.staffing import RULES, drawdown

from .helpers import build, need, ok

HEAD = {"id": "hom", "name": "Head of mission", "skills": ["leadership"], "must_remain": True}
GUARD = {
    "id": "guard",
    "name": "Guard",
    "skills": ["security"],
    "category": "locally_engaged",
    "volunteer": True,
}
DIPLOMAT = {"id": "dip", "skills": ["security"]}
UK_BASED = ["diplomat", "military"]


def security(slots: int = 1, categories: list[str] | None = None) -> dict[str, Any]:
    req = need("post-security", "security", slots)
    return req if categories is None else {**req, "categories": categories}


def post(*staff: dict[str, Any], categories: list[str] | None = None, slots: int = 1) -> Scenario:
    requirements = [need("head-of-mission", "leadership", 1), security(slots, categories)]
    return build(list(staff), requirements, min_retained=2)


def test_the_rule_has_an_id() -> None:
    """The rule is named like every other drawdown rule."""
    assert RULES["categories"].text == (
        "a function that names categories is covered only by staff of those categories"
    )


def test_without_categories_the_volunteer_guard_stays() -> None:
    """The baseline: any category may fill post security, and the volunteer is preferred."""
    plan = ok(drawdown(post(HEAD, GUARD, DIPLOMAT), "minimal"))
    assert plan.retained == {"p": ["hom", "guard"]}
    assert plan.covers == {"hom": "head-of-mission", "guard": "post-security"}
    assert plan.objective == (2, 1, 0, 0)  # hom is not a volunteer; the guard is
    assert "[categories]" not in plan.explain("dip") + plan.explain("guard")


def test_categories_change_who_stays() -> None:
    """[diplomat, military]: the diplomat covers post security; the guard stands down at home."""
    plan = ok(drawdown(post(HEAD, GUARD, DIPLOMAT, categories=UK_BASED), "minimal"))
    assert plan.status is Status.OPTIMAL
    assert plan.retained == {"p": ["hom", "dip"]}
    assert plan.covers == {"hom": "head-of-mission", "dip": "post-security"}
    assert plan.objective == (2, 2, 0, 0)  # neither hom nor dip is a volunteer
    assert Party("guard", 1, "home", "p", relocate=False) in plan.parties


def test_empty_categories_mean_any() -> None:
    """``categories: []`` is the default: the same plan as without the key."""
    plan = ok(drawdown(post(HEAD, GUARD, DIPLOMAT, categories=[]), "minimal"))
    assert plan.retained == {"p": ["hom", "guard"]}


def test_categories_decide_who_covers_what() -> None:
    """Two people with both skills: the category rule, not the file order, assigns them.

    Post security admits the military only; driving admits anyone. Without the rule the
    first in the file (the locally engaged driver) could take security; with it, the
    military member must, and the driver drives.
    """
    staff = [
        {"id": "le", "skills": ["security", "driving"], "category": "locally_engaged"},
        {"id": "mil", "skills": ["security", "driving"], "category": "military"},
    ]
    requirements = [security(1, ["military"]), need("transport", "driving", 1)]
    plan = ok(drawdown(build(staff, requirements), "minimal"))
    assert plan.covers == {"le": "transport", "mil": "post-security"}


def test_categories_make_the_posture_infeasible_and_say_why() -> None:
    """Only the locally engaged guard has the skill: no plan, and the conflict names the rule."""
    plan = ok(drawdown(post(HEAD, GUARD, categories=UK_BASED), "minimal"))
    assert plan.status is Status.INFEASIBLE
    assert [str(c) for c in plan.conflicts] == [
        "[cover] no diplomat or military member at p has the skill 'security' that "
        "post-security needs at minimal (1 person)",
        "[categories] post-security may be filled only by a diplomat or military member "
        "(categories); at p, guard (locally engaged) has the skill 'security' but cannot fill it",
    ]
    assert [(c.rule, c.subject) for c in plan.conflicts] == [
        ("cover", "post-security"),
        ("categories", "post-security"),
    ]
    assert plan.undecided == {"p": ["hom", "guard"]}
    assert "may be filled only by a diplomat or military member" in plan.explain("guard")
    assert "[categories] post-security may be filled only" in str(plan)
    # At reduced post security needs nobody: the rule has nothing to bar.
    assert ok(drawdown(post(HEAD, GUARD, categories=UK_BASED), "reduced")).status is (
        Status.OPTIMAL
    )


def test_too_few_of_the_admitted_categories() -> None:
    """Two slots, one diplomat with the skill: the conflict counts those who may fill it."""
    plan = ok(drawdown(post(HEAD, GUARD, DIPLOMAT, categories=UK_BASED, slots=2), "minimal"))
    assert [str(c) for c in plan.conflicts] == [
        "[cover] post-security needs 2 people with the skill 'security' at minimal, each a "
        "diplomat or military member; at p, only dip has it",
        "[categories] post-security may be filled only by a diplomat or military member "
        "(categories); at p, guard (locally engaged) has the skill 'security' but cannot fill it",
    ]


def test_categories_with_must_leave() -> None:
    """The one diplomat with the skill must leave: cover, categories and must-leave conflict."""
    leaving = {**DIPLOMAT, "must_leave": True}
    plan = ok(drawdown(post(HEAD, GUARD, leaving, categories=UK_BASED), "minimal"))
    assert [(c.rule, c.subject) for c in plan.conflicts] == [
        ("cover", "post-security"),
        ("categories", "post-security"),
        ("must-leave", "dip"),
    ]
    assert "dip must leave while p is open, though they have security" in str(plan.conflicts[2])


def test_the_rule_is_not_blamed_when_another_rule_alone_fails() -> None:
    """The guard is barred from post security, but min-retained 3 with one person fails alone.

    min-retained alone cannot hold, so it alone is the conflict (the deletion filter tries
    dropping the category rule before min-retained and cover).
    """
    scenario = build([GUARD], [security(1, ["military"])], min_retained=3)
    plan = ok(drawdown(scenario, "minimal"))
    assert [c.rule for c in plan.conflicts] == ["min-retained"]
    with_room = ok(drawdown(build([GUARD], [security(1, ["military"])]), "minimal"))
    assert [c.rule for c in with_room.conflicts] == ["cover", "categories"]


def test_categories_against_a_lift_of_one_seat() -> None:
    """Seats and categories together: a locally engaged deputy could hold both functions alone.

    With two functions a person, the deputy (leadership and security) would be the whole
    team, within the lift's one seat; barred from post security, a second person is needed.
    The conflict is irreducible (verify() checks it with its own MIP).
    """
    staff = [
        {"id": "deputy", "skills": ["leadership", "security"], "category": "locally_engaged"},
        {"id": "dip", "skills": ["security"]},
    ]
    requirements = [need("head-of-mission", "leadership", 1), security(1, UK_BASED)]
    scenario = build(staff, requirements, max_functions=2)
    one_seat = scenario.replace(
        posts=[scenario.posts[0].model_copy(update={"extraction_seats": 1})]
    )
    plan = ok(drawdown(one_seat, "minimal"))
    assert {(c.rule, c.subject) for c in plan.conflicts} == {
        ("cover", "head-of-mission"),
        ("cover", "post-security"),
        ("categories", "post-security"),
        ("extraction-seats", None),
    }
    free = ok(drawdown(scenario, "minimal"))
    assert free.retained == {"p": ["deputy", "dip"]}
    assert free.covers == {"deputy": "head-of-mission", "dip": "post-security"}


def test_explain_says_the_rule_decided_who_leaves() -> None:
    """The barred guard is told why, and what the plan would be without the rule."""
    plan = drawdown(post(HEAD, GUARD, DIPLOMAT, categories=UK_BASED), "minimal")
    assert plan.explain("guard") == (
        "guard (Guard) leaves p (minimal). They are locally engaged and cannot fill "
        "post-security: it must be filled by a diplomat or military member [categories]. "
        "Without that rule, the best plan would keep guard (a volunteer) in place of dip "
        "(not a volunteer). Keeping guard would take 3 people instead of 2: p's needs at "
        "minimal are met without them. They stand down at home, alone, rather than moving to a safe "
        "haven (locally engaged staff are not relocated unless the scenario says so)."
    )


def test_explain_says_the_rule_decided_who_stays() -> None:
    """The diplomat kept in the guard's place is told the rule, who it bars, and the alternative."""
    plan = drawdown(post(HEAD, GUARD, DIPLOMAT, categories=UK_BASED), "minimal")
    assert plan.explain("dip") == (
        "dip stays at p (minimal) to cover post-security (skill 'security'). No plan keeps p "
        "open at minimal with fewer than 2 people (proven). Only a diplomat or military member "
        "may fill post-security [categories]: guard (locally engaged), who has the skill "
        "'security', cannot. Without that rule, the best plan would keep guard (a volunteer) in "
        "place of dip (not a volunteer). Without dip, no plan could keep p open at minimal."
    )
    assert "[categories]" not in plan.explain("hom")


def test_explain_says_when_the_rule_saves_a_person() -> None:
    """Without the rule one person would do; with it, two stay, and explain counts them."""
    staff = [
        {"id": "deputy", "skills": ["leadership", "security"], "category": "contractor"},
        {"id": "mil", "skills": ["security"], "category": "military", "volunteer": True},
    ]
    requirements = [need("head-of-mission", "leadership", 1), security(1, ["military"])]
    plan = ok(drawdown(build(staff, requirements, max_functions=2), "minimal"))
    assert plan.retained == {"p": ["deputy", "mil"]}
    text = plan.explain("mil")
    assert "Only a military member may fill post-security [categories]: deputy (contractor)" in (
        text
    )
    assert text.endswith(
        "Without that rule, the best plan would keep 1 person instead of 2, without mil. "
        "Without mil, no plan could keep p open at minimal."
    )


def test_explain_names_the_rule_but_not_a_decision_it_did_not_make() -> None:
    """A volunteer diplomat would stay anyway: the rule is named, but not as what decided."""
    volunteer = {**DIPLOMAT, "volunteer": True}
    guard = {**GUARD, "volunteer": False}
    plan = ok(drawdown(post(HEAD, guard, volunteer, categories=UK_BASED), "minimal"))
    assert plan.retained == {"p": ["hom", "dip"]}
    assert plan.explain("guard") == (
        "guard (Guard) leaves p (minimal). They are locally engaged and cannot fill "
        "post-security: it must be filled by a diplomat or military member [categories]. "
        "Keeping guard would take 3 people instead of 2: p's needs at minimal are met without "
        "them. They stand down at home, alone, rather than moving to a safe haven (locally "
        "engaged staff are not relocated unless the scenario says so)."
    )
    assert "Without that rule" not in plan.explain("dip")
    assert "Only a diplomat or military member may fill post-security [categories]" in (
        plan.explain("dip")
    )


def test_explain_a_tie_the_rule_breaks() -> None:
    """Neither is a volunteer: without the rule an equally good plan could keep the guard."""
    plan = ok(
        drawdown(
            post(HEAD, {**GUARD, "volunteer": False}, DIPLOMAT, categories=UK_BASED), "minimal"
        )
    )
    assert (
        "Without that rule, an equally good plan could keep guard (not a volunteer) in place of "
        "dip (not a volunteer)."
    ) in plan.explain("guard")
