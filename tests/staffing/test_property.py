"""Drawdown against brute force: every subset of up to 10 staff, every way to cover the slots.

Functions may name the staff categories that can fill them (rule ``categories``).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan.models import Scenario
from evacplan.results import Status
from evacplan.staffing import drawdown

SKILLS = ("a", "b", "c")
CATEGORIES = ("diplomat", "locally_engaged")


@dataclass(frozen=True)
class Person:
    id: str
    skills: frozenset[str]
    must_remain: bool
    must_leave: bool
    volunteer: bool
    vulnerable: bool
    category: str = "diplomat"


@dataclass(frozen=True)
class Case:
    people: tuple[Person, ...]
    functions: tuple[tuple[str, str, int], ...]  # (function, skill, slots)
    categories: tuple[tuple[str, ...], ...]  # who may fill each function; (): anyone
    min_retained: int
    max_functions: int
    posture: str
    previous: frozenset[str] | None

    def scenario(self) -> Scenario:
        minimum = {"normal": 0, "reduced": 0, "minimal": 0}
        requirements = [
            {
                "function": f,
                "skill": skill,
                "minimum": {**minimum, self.posture: slots},
                "categories": list(cats),
            }
            for (f, skill, slots), cats in zip(self.functions, self.categories, strict=True)
        ]
        staff = [
            {
                "id": p.id,
                "post": "p",
                "category": p.category,
                "location": "home",
                "skills": sorted(p.skills),
                "dependants": i % 3,
                "must_remain": p.must_remain,
                "must_leave": p.must_leave,
                "volunteer": p.volunteer,
                "vulnerable": p.vulnerable,
            }
            for i, p in enumerate(self.people)
        ]
        return Scenario.model_validate(
            {
                "name": "brute",
                "start": "2020-01-01T00:00:00Z",
                "places": [{"id": "office", "kind": "post"}, {"id": "home", "kind": "residence"}],
                "posts": [
                    {
                        "id": "p",
                        "name": "P",
                        "place": "office",
                        "min_retained": self.min_retained,
                        "requirements": requirements,
                    }
                ],
                "staff": staff,
                "policy": {"max_functions_per_person": self.max_functions},
            }
        )


@st.composite
def cases(draw: Any) -> Case:
    n_functions = draw(st.integers(0, 3))
    functions = tuple(
        (f"f{j}", draw(st.sampled_from(SKILLS)), draw(st.integers(0, 3)))
        for j in range(n_functions)
    )
    categories = tuple(
        draw(st.sampled_from(((), (), ("diplomat",), ("locally_engaged",)))) for _ in functions
    )
    people = []
    for i in range(draw(st.integers(0, 10))):
        flag = draw(st.sampled_from(("", "", "", "", "", "remain", "leave")))
        people.append(
            Person(
                id=f"s{i}",
                skills=frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=3))),
                must_remain=flag == "remain",
                must_leave=flag == "leave",
                volunteer=draw(st.booleans()),
                vulnerable=draw(st.booleans()),
                category=draw(st.sampled_from(CATEGORIES)),
            )
        )
    ids = [p.id for p in people]
    previous = draw(st.none() | st.frozensets(st.sampled_from(ids)) if ids else st.none())
    return Case(
        people=tuple(people),
        functions=functions,
        categories=categories,
        min_retained=draw(st.integers(0, 4)),
        max_functions=draw(st.integers(1, 3)),
        posture=draw(st.sampled_from(("normal", "reduced", "minimal"))),
        previous=previous,
    )


def can_cover(
    case: Case,
    kept: list[Person],
    functions: list[tuple[str, str, int]],
    limit: int,
    barring: set[str] | None = None,
) -> bool:
    """Backtracking: give each slot a different kept person with the skill, each within limit.

    A function in ``barring`` (default: every function) admits only its categories.
    """
    admitted = {
        f: cats for (f, _, _), cats in zip(case.functions, case.categories, strict=True) if cats
    }
    if barring is not None:
        admitted = {f: cats for f, cats in admitted.items() if f in barring}
    slots = [(f, skill) for f, skill, n in functions for _ in range(n)]
    load = {p.id: set() for p in kept}  # type: dict[str, set[str]]

    def place(t: int) -> bool:
        if t == len(slots):
            return True
        f, skill = slots[t]
        for p in kept:
            duties = load[p.id]
            if f in admitted and p.category not in admitted[f]:
                continue
            if skill in p.skills and f not in duties and len(duties) < limit:
                duties.add(f)
                if place(t + 1):
                    return True
                duties.remove(f)
        return False

    return place(0)


def brute_optimum(case: Case) -> tuple[int, int, int] | None:
    """The lexicographic minimum (retained, preference, changes) over every subset, or None."""
    best = None
    people = case.people
    for size in range(len(people) + 1):
        for kept in combinations(people, size):
            ids = {p.id for p in kept}
            if any(p.must_remain and p.id not in ids for p in people):
                continue
            if any(p.must_leave and p.id in ids for p in people):
                continue
            if size < case.min_retained:
                continue
            key = (
                size,
                sum((not p.volunteer) + p.vulnerable for p in kept),
                0 if case.previous is None else len(ids ^ case.previous),
            )
            if best is not None and key >= best:
                continue
            if can_cover(case, list(kept), list(case.functions), case.max_functions):
                best = key
        if best is not None:
            return best  # no larger subset can beat a smaller one
    return best


def brute_feasible(case: Case, rules: set[tuple[str, str | None]]) -> bool:
    """Whether some subset keeps just the given rules (for checking conflicts by brute force)."""
    leave = {s for r, s in rules if r == "must-leave"}
    remain = {s for r, s in rules if r == "must-remain"}
    if leave & remain:
        return False
    available = [p for p in case.people if p.id not in leave]
    if ("min-retained", None) in rules and len(available) < case.min_retained:
        return False
    functions = [f for f in case.functions if ("cover", f[0]) in rules]
    limit = case.max_functions if ("max-functions", None) in rules else len(functions) or 1
    barring = {s for r, s in rules if r == "categories" and s is not None}
    # Keeping everyone available is the best chance to cover.
    return can_cover(case, available, functions, limit, barring)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(cases())
def test_drawdown_matches_brute_force(case: Case) -> None:
    """Same optimum per level as brute force; verify() passes; conflicts are irreducible."""
    scenario = case.scenario()
    previous = None if case.previous is None else sorted(case.previous)
    plan = drawdown(scenario, case.posture, previous=previous)
    assert plan.verify() == []
    best = brute_optimum(case)
    if best is None:
        assert plan.status is Status.INFEASIBLE
        rules = {(c.rule, c.subject) for c in plan.conflicts}
        assert rules
        assert not brute_feasible(case, rules)
        for rule in rules:
            assert brute_feasible(case, rules - {rule}), (rule, rules)
        return
    assert plan.status is Status.OPTIMAL
    assert plan.objective == (*best, 0)
    assert plan.bound == plan.objective
    for person in case.people:
        assert plan.explain(person.id)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(cases())
def test_replanning_with_the_plan_itself_changes_nothing(case: Case) -> None:
    """Re-planning with previous=plan keeps the plan, covers and parties included."""
    scenario = case.scenario()
    first = drawdown(scenario, case.posture)
    again = drawdown(scenario, case.posture, previous=first)
    assert again.verify() == []
    assert (again.retained, again.covers, again.parties) == (
        first.retained,
        first.covers,
        first.parties,
    )
    if first.status is not Status.INFEASIBLE:
        assert again.objective == (*first.objective[:2], 0, 0)
