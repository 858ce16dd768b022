"""Extraction seats, as properties: generated networks with lifts, and brute force on small posts."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations, product
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from evacplan._generate import generate_scenario
from evacplan.models import Scenario
from evacplan.results import Status
from evacplan.staffing import DrawdownPlan, drawdown

SKILLS = ("a", "b", "c")


def within_seats(scenario: Scenario, plan: DrawdownPlan) -> bool:
    """Each post's retained staff fit its own seats; each lift's posts fit its seats together."""
    heads = {post_id: len(ids) for post_id, ids in plan.retained.items()}
    own = all(
        heads[p.id] <= p.extraction_seats for p in scenario.posts if p.extraction_seats is not None
    )
    shared = all(
        sum(heads[p] for p in set(lift.posts)) <= lift.seats for lift in scenario.policy.extraction
    )
    return own and shared


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    posts=st.integers(2, 6),
    seed=st.integers(0, 10_000),
    lifts=st.integers(1, 3),
    shift=st.lists(st.integers(-3, 2), min_size=3, max_size=3),
    posture=st.sampled_from(("minimal", "minimal", "reduced")),
    max_functions=st.integers(1, 2),
)
def test_generated_lifts(
    posts: int, seed: int, lifts: int, shift: list[int], posture: str, max_functions: int
) -> None:
    """Optimal plans fit every seat; no plan only with a conflict; seats never change an optimum."""
    base = generate_scenario(
        posts, 10, seed=seed, lifts=min(lifts, posts), max_functions_per_person=max_functions
    )
    policy = base.policy.model_dump()
    for lift, delta in zip(policy["extraction"], shift, strict=False):
        lift["seats"] = max(0, lift["seats"] + delta)
    scenario = base.replace(policy=policy)
    plan = drawdown(scenario, posture)
    assert plan.verify() == []
    unseated = drawdown(
        scenario.replace(
            posts=[p.model_copy(update={"extraction_seats": None}) for p in scenario.posts],
            policy={**policy, "extraction": []},
        ),
        posture,
    )
    if plan.status is Status.INFEASIBLE:
        assert plan.conflicts
        assert {c.post for c in plan.conflicts} <= {
            p for p, s in plan.post_status.items() if s is Status.INFEASIBLE
        }
        if unseated.status is Status.OPTIMAL:  # only the seats can be to blame
            assert any(c.rule == "extraction-seats" for c in plan.conflicts)
        return
    assert plan.status is Status.OPTIMAL and not plan.conflicts
    assert within_seats(scenario, plan)
    # Seats only cap headcounts, which the first level minimises: a plan that fits is the
    # same optimum as without them.
    assert plan.objective == unseated.objective


# ------------------------------------------------------------------------ brute force


@dataclass(frozen=True)
class Person:
    id: str
    post: str
    skills: frozenset[str]
    must_remain: bool
    must_leave: bool
    penalty: int  # (not a volunteer) + vulnerable


@dataclass(frozen=True)
class Site:
    id: str
    functions: tuple[tuple[str, str, int], ...]  # (function, skill, slots at minimal)
    min_retained: int
    seats: int | None
    open: bool


@dataclass(frozen=True)
class Case:
    sites: tuple[Site, ...]
    people: tuple[Person, ...]
    lifts: tuple[tuple[str, tuple[str, ...], int], ...]
    max_functions: int

    def scenario(self) -> Scenario:
        return Scenario.model_validate(
            {
                "name": "seats",
                "start": "2020-01-01T00:00:00Z",
                "places": [{"id": "office", "kind": "post"}, {"id": "home", "kind": "residence"}],
                "posts": [
                    {
                        "id": s.id,
                        "name": s.id,
                        "place": "office",
                        "min_retained": s.min_retained,
                        "extraction_seats": s.seats,
                        "requirements": [
                            {"function": f, "skill": k, "minimum": {"minimal": n}}
                            for f, k, n in s.functions
                        ],
                    }
                    for s in self.sites
                ],
                "staff": [
                    {
                        "id": p.id,
                        "post": p.post,
                        "category": "diplomat",
                        "location": "home",
                        "skills": sorted(p.skills),
                        "must_remain": p.must_remain,
                        "must_leave": p.must_leave,
                        "volunteer": p.penalty == 0,
                        "vulnerable": p.penalty == 2,
                    }
                    for p in self.people
                ],
                "policy": {
                    "max_functions_per_person": self.max_functions,
                    "extraction": [
                        {"id": i, "posts": list(posts), "seats": n} for i, posts, n in self.lifts
                    ],
                },
            }
        )

    def postures(self) -> dict[str, str]:
        return {s.id: "minimal" if s.open else "suspended" for s in self.sites}


@st.composite
def cases(draw: Any) -> Case:
    sites, people = [], []
    for k in range(draw(st.integers(2, 3))):
        functions = tuple(
            (f"f{j}", draw(st.sampled_from(SKILLS)), draw(st.sampled_from((1, 1, 2))))
            for j in range(draw(st.integers(0, 2)))
        )
        site = Site(
            f"p{k}",
            functions,
            draw(st.integers(0, 2)),
            draw(st.none() | st.none() | st.integers(0, 4)),
            draw(st.sampled_from((True, True, True, False))),
        )
        sites.append(site)
        for i in range(draw(st.integers(2, 5))):
            flag = draw(st.sampled_from(("",) * 8 + ("remain", "leave")))
            people.append(
                Person(
                    f"p{k}s{i}",
                    site.id,
                    frozenset(draw(st.sets(st.sampled_from(SKILLS), min_size=1, max_size=2))),
                    flag == "remain",
                    flag == "leave",
                    draw(st.integers(0, 2)),
                )
            )
    ids = [s.id for s in sites]
    lifts = tuple(
        (f"l{k}", tuple(draw(st.sets(st.sampled_from(ids), min_size=2))), draw(st.integers(1, 10)))
        for k in range(draw(st.integers(1, 2)))
    )
    return Case(tuple(sites), tuple(people), lifts, draw(st.integers(1, 2)))


def covers(kept: list[Person], functions: list[tuple[str, str, int]], limit: int) -> bool:
    """Backtracking: each slot a different kept person with the skill, each within the limit."""
    slots = [(f, skill) for f, skill, n in functions for _ in range(n)]
    load: dict[str, set[str]] = {p.id: set() for p in kept}

    def place(t: int) -> bool:
        if t == len(slots):
            return True
        f, skill = slots[t]
        for p in kept:
            if skill in p.skills and f not in load[p.id] and len(load[p.id]) < limit:
                load[p.id].add(f)
                if place(t + 1):
                    return True
                load[p.id].remove(f)
        return False

    return place(0)


Rules = set[tuple[str, str, str | None]]


def options(case: Case, site: Site, rules: Rules | None) -> list[tuple[int, int]]:
    """(size, preference) of every subset of the site's staff keeping its rules (all if None)."""
    if not site.open:
        return [(0, 0)]

    def on(rule: str, subject: str | None = None) -> bool:
        return rules is None or (rule, site.id, subject) in rules

    staff = [p for p in case.people if p.post == site.id]
    functions = [f for f in site.functions if on("cover", f[0])]
    limit = case.max_functions if on("max-functions") else max(1, len(functions))
    cap = site.seats if site.seats is not None and on("extraction-seats") else len(staff)
    found = []
    for k in range(min(cap, len(staff)) + 1):
        if on("min-retained") and k < site.min_retained:
            continue
        for kept in combinations(staff, k):
            if any(p.must_remain and p not in kept and on("must-remain", p.id) for p in staff):
                continue
            if any(p.must_leave and p in kept and on("must-leave", p.id) for p in staff):
                continue
            if covers(list(kept), functions, limit):
                found.append((k, sum(p.penalty for p in kept)))
    return found


def brute(case: Case, rules: Rules | None = None) -> tuple[int, int] | None:
    """The least (retained, preference) over every choice of subsets that keeps the rules."""
    where = {s.id: k for k, s in enumerate(case.sites)}
    lifts = []
    for i, posts, seats in case.lifts:
        on = sorted(where[p] for p in posts if case.sites[where[p]].open)
        # A shared lift's conflict names the first of its open posts.
        if on and (rules is None or ("extraction-seats", case.sites[on[0]].id, i) in rules):
            lifts.append((seats, on))
    best = None
    for choice in product(*(options(case, s, rules) for s in case.sites)):
        if all(sum(choice[k][0] for k in on) <= seats for seats, on in lifts):
            key = (sum(c[0] for c in choice), sum(c[1] for c in choice))
            best = key if best is None or key < best else best
    return best


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(cases())
def test_seats_against_brute_force(case: Case) -> None:
    """Same (retained, preference) as brute force over all posts together; conflicts irreducible."""
    scenario = case.scenario()
    plan = drawdown(scenario, case.postures())
    assert plan.verify() == []
    assert within_seats(scenario, plan)
    best = brute(case)
    if best is not None:
        assert plan.status is Status.OPTIMAL
        assert plan.objective[:2] == best
        return
    assert plan.status is Status.INFEASIBLE
    # One irreducible set per group of posts joined by lifts: check each on its own.
    group = {s.id: {s.id} for s in case.sites}
    for _, posts, _ in case.lifts:
        on = set().union(*(group[p] for p in posts if case.sites[int(p[1:])].open))
        for p in on:
            group[p] = on
    assert plan.conflicts
    for posts in {frozenset(g) for g in group.values()}:
        rules = {(c.rule, c.post, c.subject) for c in plan.conflicts if c.post in posts}
        if not rules:
            assert all(plan.post_status[p] is not Status.INFEASIBLE for p in posts)
            continue
        assert brute(case, rules) is None
        for rule in rules:
            assert brute(case, rules - {rule}) is not None, (rule, rules)
