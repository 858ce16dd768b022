"""Extraction seats: a post's own lift and lifts shared by posts cap the staff who stay."""

from __future__ import annotations

from itertools import combinations, product
from typing import Any

import pytest

from evacplan.models import Posture, Scenario
from evacplan.results import Status
from evacplan.staffing import DrawdownPlan, drawdown

from .helpers import build, need, ok, tamper


def seated(tiny: Scenario, seats: int | None) -> Scenario:
    """The tiny seed with its post's own extraction seats."""
    return tiny.replace(posts=[tiny.posts[0].model_copy(update={"extraction_seats": seats})])


def twins(
    tiny: Scenario, *lifts: tuple[str, tuple[str, ...], int], copies: tuple[str, ...] = ("north",)
) -> Scenario:
    """The tiny seed and copies of its post ('north': staff nor-01..06), under the given lifts."""
    posts, staff = list(tiny.posts), list(tiny.staff)
    for name in copies:
        posts.append(tiny.posts[0].model_copy(update={"id": name, "name": f"Embassy in {name}"}))
        staff += [
            m.model_copy(update={"id": m.id.replace("cap", name[:3]), "post": name})
            for m in tiny.staff
        ]
    return tiny.replace(
        posts=posts,
        staff=staff,
        policy={"extraction": [{"id": i, "posts": list(p), "seats": s} for i, p, s in lifts]},
    )


def rules_of(plan: DrawdownPlan) -> set[tuple[str, str, str | None]]:
    return {(c.rule, c.post, c.subject) for c in plan.conflicts}


# ------------------------------------------------------------------ a post's own lift


def test_too_few_seats_leave_no_plan(tiny: Scenario) -> None:
    """One seat where minimal needs two people: no plan, and the conflict names the seats."""
    plan = ok(drawdown(seated(tiny, 1), "minimal"))
    assert plan.status is Status.INFEASIBLE
    assert ("extraction-seats", "capital", None) in rules_of(plan)
    seats = next(c for c in plan.conflicts if c.rule == "extraction-seats")
    assert seats.message == (
        "capital's own extraction lift seats 1 person (extraction_seats), "
        "so at most 1 person can stay while it is open"
    )
    assert plan.undecided["capital"] == [m.id for m in tiny.staff]
    assert f"[extraction-seats] {seats.message}" in str(plan)
    assert "no plan at capital" in plan.summary()
    assert seats.message in plan.explain("cap-05")


def test_seats_for_min_retained_alone() -> None:
    """min_retained 3 with 2 seats: exactly min-retained and extraction-seats conflict."""
    staff = [{"id": x} for x in ("x", "y", "z")]
    scenario = build(staff, min_retained=3)
    scenario = scenario.replace(
        posts=[scenario.posts[0].model_copy(update={"extraction_seats": 2})]
    )
    plan = ok(drawdown(scenario, "minimal"))
    assert rules_of(plan) == {("min-retained", "p", None), ("extraction-seats", "p", None)}


def test_seats_that_fit_exactly(tiny: Scenario) -> None:
    """Two seats, two needed: the plan without seats, full seats in the summary and explain."""
    plan = ok(drawdown(seated(tiny, 2), "minimal"))
    free = drawdown(tiny, "minimal")
    assert plan.status is Status.OPTIMAL
    assert plan.retained == free.retained == {"capital": ["cap-01", "cap-03"]}
    assert plan.objective == free.objective
    assert (
        "extraction seats full (nobody more can stay) [extraction-seats]: capital (2 seats)"
        in plan.summary()
    )
    assert plan.explain("cap-05") == (
        "cap-05 (Consular officer) leaves capital (minimal). Keeping cap-05 would take 3 people "
        "at capital, but its own extraction lift seats only 2 people [extraction-seats]. They "
        "leave from embassy, alone, and are moved to a safe haven."
    )
    # The seats do not decide between equally sized plans: the preference still does.
    assert "with cap-04 (vulnerable, not a volunteer) in place of cap-03" in plan.explain("cap-03")


def test_spare_seats_do_not_show(tiny: Scenario) -> None:
    """Three seats for two people: no full-seats line, and keeping one more only costs a person."""
    plan = ok(drawdown(seated(tiny, 3), "minimal"))
    assert "extraction seats" not in plan.summary()
    assert "Keeping cap-05 would take 3 people instead of 2" in plan.explain("cap-05")


def test_a_suspended_post_takes_no_seat(tiny: Scenario) -> None:
    """At suspended nobody stays, so even no seats at all leave a plan."""
    plan = ok(drawdown(seated(tiny, 0), "suspended"))
    assert plan.status is Status.OPTIMAL and plan.retained == {"capital": []}
    assert "extraction seats" not in plan.summary()


def test_without_someone_the_seats_are_too_few() -> None:
    """One seat and a person covering both functions: without them, two would not fit."""
    staff = [
        {"id": "ab", "skills": ["a", "b"]},
        {"id": "a1", "skills": ["a"]},
        {"id": "b1", "skills": ["b"]},
    ]
    scenario = build(staff, [need("fa", "a", 1), need("fb", "b", 1)], max_functions=2)
    scenario = scenario.replace(
        posts=[scenario.posts[0].model_copy(update={"extraction_seats": 1})]
    )
    plan = ok(drawdown(scenario, "minimal"))
    assert plan.retained == {"p": ["ab"]}
    assert plan.explain("ab").endswith(
        "Without ab, p would need 2 people at minimal, but its own extraction lift seats only "
        "1 person [extraction-seats]."
    )


# ---------------------------------------------------------------------- shared lifts


def test_a_shared_lift_that_fits_exactly(tiny: Scenario) -> None:
    """Four seats for two posts of two: both keep what they keep alone; the lift is full."""
    plan = ok(drawdown(twins(tiny, ("heli", ("capital", "north"), 4)), "minimal"))
    assert plan.status is Status.OPTIMAL
    assert plan.retained == {"capital": ["cap-01", "cap-03"], "north": ["nor-01", "nor-03"]}
    assert "lift heli (4 seats: capital 2, north 2)" in plan.summary()
    assert (
        "Keeping cap-05 would take 3 people at capital, but the extraction lift heli, shared "
        "with north (keeping 2), seats only 4 people [extraction-seats]."
    ) in plan.explain("cap-05")


def test_a_shared_lift_couples_posts_that_fit_alone(tiny: Scenario) -> None:
    """Three seats: each post fits alone, but not both together, so neither has a plan."""
    scenario = twins(tiny, ("heli", ("capital", "north"), 3))
    for post in ("capital", "north"):  # each post alone under the lift has a plan
        alone = scenario.replace(
            posts=[p for p in scenario.posts if p.id == post],
            staff=[m for m in scenario.staff if m.post == post],
            policy={"extraction": [{"id": "heli", "posts": [post], "seats": 3}]},
            decision_points=[],
        )
        assert drawdown(alone, "minimal").status is Status.OPTIMAL
    plan = ok(drawdown(scenario, "minimal"))
    assert plan.post_status == {"capital": Status.INFEASIBLE, "north": Status.INFEASIBLE}
    assert ("extraction-seats", "capital", "heli") in rules_of(plan)
    assert {c.post for c in plan.conflicts} == {"capital", "north"}
    lift = next(c for c in plan.conflicts if c.subject == "heli")
    assert lift.message == (
        "the shared extraction lift heli seats 3 people (policy extraction), "
        "so at most 3 people can stay at capital and north together"
    )
    text = plan.explain("nor-02")
    assert "no plan exists for north at minimal (nor for capital, joined to it" in text
    assert lift.message in text


def test_a_shared_lift_over_two_postures(tiny: Scenario) -> None:
    """capital at reduced keeps 3, north at minimal 2: five seats fit, four do not."""
    postures = {"capital": "reduced", "north": "minimal"}
    fits = ok(drawdown(twins(tiny, ("heli", ("capital", "north"), 5)), postures))
    assert fits.status is Status.OPTIMAL
    assert {p: len(ids) for p, ids in fits.retained.items()} == {"capital": 3, "north": 2}
    short = ok(drawdown(twins(tiny, ("heli", ("capital", "north"), 4)), postures))
    assert short.status is Status.INFEASIBLE
    assert ("extraction-seats", "capital", "heli") in rules_of(short)


def test_only_open_posts_count(tiny: Scenario) -> None:
    """With north suspended, the two seats of a shared lift are capital's alone."""
    scenario = twins(tiny, ("heli", ("capital", "north"), 2))
    plan = ok(drawdown(scenario, {"capital": "minimal", "north": "suspended"}))
    assert plan.status is Status.OPTIMAL
    assert plan.retained == {"capital": ["cap-01", "cap-03"], "north": []}
    assert "lift heli (2 seats: capital 2)" in plan.summary()


def test_a_post_under_two_lifts_joins_them(tiny: Scenario) -> None:
    """north under both lifts: east, under the other lift only, is solved with capital."""
    lifts = [("heli", ("capital", "north"), 4), ("boat", ("north", "east"), 3)]
    scenario = twins(tiny, *lifts, copies=("north", "east"))
    plan = ok(drawdown(scenario, "minimal"))
    # boat cannot take north's two and east's two; capital is joined to them through north.
    assert set(plan.post_status.values()) == {Status.INFEASIBLE}
    assert ("extraction-seats", "north", "boat") in rules_of(plan)
    assert "nor for north and east" in plan.explain("cap-01")
    lifts[1] = ("boat", ("north", "east"), 4)
    plan = ok(drawdown(twins(tiny, *lifts, copies=("north", "east")), "minimal"))
    assert plan.status is Status.OPTIMAL
    assert [len(ids) for ids in plan.retained.values()] == [2, 2, 2]
    assert "lift heli (4 seats: capital 2, north 2); lift boat (4 seats: north 2, east 2)" in (
        plan.summary()
    )


def brute_force(scenario: Scenario, posture: str, seats: int) -> tuple[int, int] | None:
    """The least (retained, preference) of the twins under one lift, over every pair of subsets."""

    def options(post_id: str) -> list[tuple[int, int]]:
        post, members = scenario.post_by_id[post_id], scenario.staff_by_post[post_id]
        slots = [r.skill for r in post.requirements for _ in range(r.slots(Posture(posture)))]
        found = []
        for k in range(post.min_retained, len(members) + 1):
            for kept in combinations(members, k):
                if any(m.must_remain and m not in kept for m in members):
                    continue
                if _assign(list(kept), slots):  # one function a person: distinct people
                    found.append((k, sum((not m.volunteer) + m.vulnerable for m in kept)))
        return found

    pairs = [
        (a[0] + b[0], a[1] + b[1])
        for a, b in product(options("capital"), options("north"))
        if a[0] + b[0] <= seats
    ]
    return min(pairs, default=None)


def _assign(people: list[Any], skills: list[str]) -> bool:
    if not skills:
        return True
    return any(
        skills[0] in p.skills and _assign(people[:i] + people[i + 1 :], skills[1:])
        for i, p in enumerate(people)
    )


@pytest.mark.parametrize("seats", range(7))
@pytest.mark.parametrize("posture", ["minimal", "reduced"])
def test_shared_lift_against_brute_force(tiny: Scenario, seats: int, posture: str) -> None:
    """The coupled optimum is the least (retained, preference) over every pair of subsets."""
    scenario = twins(tiny, ("heli", ("capital", "north"), seats))
    plan = ok(drawdown(scenario, posture))
    best = brute_force(scenario, posture, seats)
    if best is None:
        assert plan.status is Status.INFEASIBLE
        assert any(c.rule == "extraction-seats" for c in plan.conflicts)
    else:
        assert plan.status is Status.OPTIMAL
        assert plan.objective[:2] == best


# ---------------------------------------------------------------------------- verify


def test_verify_catches_a_plan_over_its_own_seats(tiny: Scenario) -> None:
    """A plan edited to keep a third person in two seats breaks extraction-seats."""
    plan = drawdown(seated(tiny, 2), "minimal")
    departing = [s for s in plan.departing["capital"] if s != "cap-05"]
    broken = tamper(
        plan,
        retained={"capital": ["cap-01", "cap-03", "cap-05"]},
        departing={"capital": departing},
        parties=[p for p in plan.parties if p.id != "cap-05"],
    )
    found = [v for v in broken.verify() if v.rule == "extraction-seats"]
    assert [(v.post, v.subject) for v in found] == [("capital", None)]
    assert found[0].message == "keeps 3 people; its own extraction lift seats 2"
    # The same edit under spare seats breaks other rules, not the seats.
    spare = drawdown(seated(tiny, 3), "minimal")
    edited = tamper(
        spare,
        retained={"capital": ["cap-01", "cap-03", "cap-05"]},
        departing={"capital": departing},
        parties=[p for p in spare.parties if p.id != "cap-05"],
    )
    assert "extraction-seats" not in {v.rule for v in edited.verify()}


def test_verify_catches_a_plan_over_a_shared_lift(tiny: Scenario) -> None:
    """Keeping a third person at north overfills the shared lift; verify names the lift."""
    plan = drawdown(twins(tiny, ("heli", ("capital", "north"), 4)), "minimal")
    broken = tamper(
        plan,
        retained={**plan.retained, "north": ["nor-01", "nor-03", "nor-05"]},
        departing={
            **plan.departing,
            "north": [s for s in plan.departing["north"] if s != "nor-05"],
        },
        parties=[p for p in plan.parties if p.id != "nor-05"],
    )
    found = [v for v in broken.verify() if v.rule == "extraction-seats"]
    assert [(v.post, v.subject) for v in found] == [(None, "heli")]
    assert "lift heli seats 4 people; its posts keep 5 (capital 2, north 3)" in found[0].message


def test_verify_judges_conflicts_that_name_seats(tiny: Scenario) -> None:
    """Dropping the seats from a conflict leaves rules that hold; padding it is not irreducible."""
    plan = drawdown(twins(tiny, ("heli", ("capital", "north"), 3)), "minimal")
    assert plan.verify() == []
    without = [c for c in plan.conflicts if c.rule != "extraction-seats"]
    assert {v.rule for v in tamper(plan, conflicts=without).verify()} == {"conflict"}
    extra = type(plan.conflicts[0])("must-leave", "north", "nor-06", "padding")
    padded = tamper(plan, conflicts=[*plan.conflicts, extra]).verify()
    assert [(v.rule, v.subject) for v in padded] == [("conflict", "nor-06")]
