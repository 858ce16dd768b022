"""Drawdown: who stays at each post to keep it open at a posture, and who leaves.

:func:`drawdown` decides, post by post, the smallest staff that keeps each
post open at its posture, with CP-SAT, and proves it. The result, a
:class:`DrawdownPlan`, says who stays and which function each covers, who
leaves in which party, how good the plan is proven to be, why each person
stays or goes (:meth:`DrawdownPlan.explain`), which rules conflict when no
plan exists (:attr:`DrawdownPlan.conflicts`), and can check itself against
the scenario without the solver (:meth:`DrawdownPlan.verify`).

Rules
-----
Every rule has a stable id; explanations, conflicts, violations and tests
use these ids.

``cover``
    Every function slot of an open post's posture is covered by a retained
    person with the function's skill; a function needing *k* slots needs *k*
    different people.
``max-functions``
    A person covers at most ``policy.max_functions_per_person`` functions
    (default 1).
``must-remain``
    A ``must_remain`` person stays while the post is open.
``must-leave``
    A ``must_leave`` person leaves while the post is open.
``min-retained``
    An open post keeps at least ``min_retained`` people.
``closed-post``
    At ``suspended`` the post closes and everyone leaves (``must_remain``
    no longer applies).
``dependants-leave``
    At ``reduced`` and above, dependants leave: a retained person's
    dependants leave as their own party, ``"<staff id>/dependants"``. A
    departing person always travels with their dependants as one party.
``accounted``
    Every staff member and every dependant is accounted for exactly once:
    retained, or in exactly one departing party (locally engaged staff who
    do not relocate stand down at home: ``Party(relocate=False)``).

:meth:`DrawdownPlan.verify` also checks three properties of the result
(``objective``: the reported level values are those of the plan;
``fewest-retained``: the headcount matches an independent min-cost-flow
optimum when ``max_functions_per_person`` is 1; ``conflict``: each reported
conflict is infeasible and irreducible).

Objective
---------
Lexicographic, each level proven optimal (or bounded, under a time limit)
before it is fixed and the next is optimised:

1. ``retained``: people retained.
2. ``preference``: retained non-volunteers plus retained vulnerable people
   (prefer volunteers, release the vulnerable).
3. ``changes``: people whose stay-or-leave decision differs from
   ``previous`` (0 without one).
4. ``reassigned``: duties (person, function) of the previous plan dropped by
   people who still stay (0 without a previous plan that had covers).

Every level is a sum over posts, so the lexicographic optimum of each post
is the global one: the solver works post by post. Within a post, staff who
are interchangeable (they can cover the same functions, and have the same
flags and the same previous decision) are grouped and the model counts how
many of each group stay; this removes the symmetry that makes a model of
individuals slow to prove. Within a group, the people who come first in
the staff list stay.

At ``normal`` the plan is the leanest staffing that meets the normal
requirements; retained staff's dependants stay with them.

Examples
--------
>>> from evacplan.io import load_scenario, seed_path
>>> plan = drawdown(load_scenario(seed_path("tiny")), "minimal")
>>> plan.status
<Status.OPTIMAL: 'optimal'>
>>> plan.retained, plan.covers
({'capital': ['cap-01', 'cap-03']}, {'cap-01': 'head-of-mission', 'cap-03': 'secure-comms'})
>>> plan.verify()
[]
"""

from __future__ import annotations

import difflib
import html
import math
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ortools.sat.python import cp_model

from evacplan.errors import (
    EvacplanError,
    Problem,
    ScenarioError,
    SolverError,
    VerificationError,
)
from evacplan.models import Category, Post, Posture, Scenario, StaffMember
from evacplan.results import Party, Status

__all__ = [
    "LEVELS",
    "RULES",
    "Conflict",
    "DrawdownPlan",
    "Level",
    "Rule",
    "UnknownStaffError",
    "Violation",
    "drawdown",
]


# --------------------------------------------------------------------------- rules


@dataclass(frozen=True, slots=True)
class Rule:
    """A drawdown rule: its stable id and what it says.

    Examples
    --------
    >>> RULES["cover"].text
    'every function slot is covered by a retained person with the skill'
    """

    id: str
    text: str


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule("cover", "every function slot is covered by a retained person with the skill"),
        Rule("max-functions", "a person covers at most max_functions_per_person functions"),
        Rule("must-remain", "must_remain staff stay while the post is open"),
        Rule("must-leave", "must_leave staff leave while the post is open"),
        Rule("min-retained", "an open post keeps at least min_retained people"),
        Rule("closed-post", "at suspended the post closes and everyone leaves"),
        Rule("dependants-leave", "at reduced and above, dependants leave"),
        Rule("accounted", "every staff member and dependant is accounted for exactly once"),
        Rule("objective", "the reported objective values are those of the plan"),
        Rule("fewest-retained", "no plan retains fewer people (independent min-cost flow)"),
        Rule("conflict", "a reported conflict is infeasible and irreducible"),
    )
}
"""Every rule and check by id."""

LEVELS: tuple[tuple[str, str], ...] = (
    ("retained", "people retained"),
    ("preference", "retained non-volunteers plus retained vulnerable people"),
    ("changes", "people whose stay-or-leave decision differs from the previous plan"),
    ("reassigned", "previous duties dropped by people who still stay"),
)
"""The objective levels, in order: (name, what is counted)."""


@dataclass(frozen=True, slots=True)
class Level:
    """One level of the lexicographic objective: its value in the plan and its proven bound.

    ``bound`` is a proven lower bound on ``value`` given the levels before it;
    the level is proven optimal when they are equal. Both are None for an
    infeasible plan.
    """

    name: str
    description: str
    value: int | None
    bound: int | None

    @property
    def proven(self) -> bool:
        """Whether the value is proven optimal (given the levels before it)."""
        return self.value is not None and self.value == self.bound

    def __str__(self) -> str:
        if self.value is None:
            return f"{self.name}: none"
        proof = "proven" if self.proven else f"bound {self.bound}"
        return f"{self.name} {self.value} ({proof})"


@dataclass(frozen=True, slots=True)
class Conflict:
    """One rule, as applied at one post, in a set of rules that cannot all hold.

    ``subject`` is the function (``cover``) or staff member (``must-remain``,
    ``must-leave``) the rule is about, or None for a rule of the whole post.
    """

    rule: str
    post: str
    subject: str | None
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.message}"


@dataclass(frozen=True, slots=True)
class Violation:
    """A rule a plan breaks, found by :meth:`DrawdownPlan.verify`."""

    rule: str
    post: str | None
    subject: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.post}: " if self.post else ""
        return f"[{self.rule}] {where}{self.message}"


class UnknownStaffError(EvacplanError, KeyError):
    """A staff id that is not in the scenario."""

    def __init__(self, staff_id: object, known: Iterable[str]) -> None:
        self.staff_id = staff_id
        hint = ""
        if isinstance(staff_id, str):
            near = difflib.get_close_matches(staff_id, list(known), n=1, cutoff=0.6)
            hint = f"; did you mean {near[0]!r}?" if near else ""
        super().__init__(f"{staff_id!r} is not a staff member of this scenario{hint}")

    def __str__(self) -> str:
        return str(self.args[0])


# ----------------------------------------------------------------- compiled problem


@dataclass(slots=True)
class _Group:
    """Interchangeable staff of one post: same coverable functions, flags and history."""

    members: list[int]  # indices into _PostProblem.members, in file order
    mask: tuple[bool, ...]  # can cover function j
    must_remain: bool
    must_leave: bool
    penalty: int  # (not volunteer) + vulnerable
    prev: bool | None  # retained in the previous plan; None when it did not decide
    prev_functions: tuple[int, ...]  # functions (indices) covered in the previous plan


@dataclass(slots=True)
class _PostProblem:
    post: Post
    posture: Posture
    members: list[StaffMember]
    functions: list[tuple[str, str, int]]  # (function, skill, slots), slots > 0
    capacity: int  # max functions per person
    groups: list[_Group]
    has_previous: bool


@dataclass(slots=True)
class _PostResult:
    status: Status
    counts: list[int] = field(default_factory=list)  # retained per group
    uses: list[list[int]] = field(default_factory=list)  # people of group g covering function j
    values: list[int | None] = field(default_factory=lambda: [None] * 4)
    bounds: list[int | None] = field(default_factory=lambda: [None] * 4)
    conflicts: list[Conflict] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Previous:
    known: frozenset[str]
    retained: frozenset[str]
    functions: Mapping[str, tuple[str, ...]]


def _penalty(member: StaffMember) -> int:
    return (not member.volunteer) + member.vulnerable


def _compile_post(
    scenario: Scenario, post: Post, posture: Posture, previous: _Previous | None
) -> _PostProblem:
    members = scenario.staff_by_post[post.id]
    functions = [
        (r.function, r.skill, r.slots(posture)) for r in post.requirements if r.slots(posture) > 0
    ]
    position = {f: j for j, (f, _, _) in enumerate(functions)}
    masks: dict[tuple[str, ...], tuple[bool, ...]] = {}
    groups: dict[tuple[Any, ...], _Group] = {}
    for i, m in enumerate(members):
        mask = masks.get(m.skills)
        if mask is None:
            have = set(m.skills)
            mask = masks[m.skills] = tuple(skill in have for _, skill, _ in functions)
        prev: bool | None = None
        prev_functions: tuple[int, ...] = ()
        if previous is not None and m.id in previous.known:
            prev = m.id in previous.retained
            if prev:
                prev_functions = tuple(
                    sorted(position[f] for f in previous.functions.get(m.id, ()) if f in position)
                )
        key = (mask, m.must_remain, m.must_leave, _penalty(m), prev, prev_functions)
        group = groups.get(key)
        if group is None:
            group = groups[key] = _Group([], mask, *key[1:])
        group.members.append(i)
    return _PostProblem(
        post=post,
        posture=posture,
        members=members,
        functions=functions,
        capacity=scenario.policy.max_functions_per_person,
        groups=list(groups.values()),
        has_previous=previous is not None,
    )


def _isolate(problem: _PostProblem, member: int) -> tuple[_PostProblem, int]:
    """The same problem with ``member`` alone in a group of their own (last)."""
    groups = []
    alone = None
    for g in problem.groups:
        if member in g.members:
            alone = replace(g, members=[member])
            rest = [i for i in g.members if i != member]
            if rest:
                groups.append(replace(g, members=rest))
        else:
            groups.append(g)
    assert alone is not None
    groups.append(alone)
    return replace(problem, groups=groups), len(groups) - 1


# ------------------------------------------------------------------------- solving


class _Model:
    """The counting model of one open post."""

    def __init__(self, p: _PostProblem, *, with_rules: bool, fix: dict[int, int] | None = None):
        self.p = p
        model = self.model = cp_model.CpModel()
        self.rule_lits: list[tuple[cp_model.IntVar, str, str | None]] = []
        fix = fix or {}
        F = len(p.functions)
        n: list[cp_model.IntVar] = []
        for g, grp in enumerate(p.groups):
            size = len(grp.members)
            lo, hi = 0, size
            if not with_rules:
                if grp.must_leave:
                    hi = 0
                if grp.must_remain:
                    lo = size
            if g in fix:
                lo = max(lo, fix[g])
                hi = min(hi, fix[g])
            n.append(model.new_int_var(lo, max(lo, hi), f"n{g}"))
            if lo > hi:  # contradictory fix: an infeasible counterfactual
                model.add(n[-1] <= hi)
        self.n = n
        y: list[list[Any]] = []
        for g, grp in enumerate(p.groups):
            row: list[Any] = []
            for j, (_, _, slots) in enumerate(p.functions):
                if grp.mask[j]:
                    v = model.new_int_var(0, min(len(grp.members), slots), f"y{g}_{j}")
                    model.add(v <= n[g])
                    row.append(v)
                else:
                    row.append(0)
            y.append(row)
        self.y = y

        def lit(rule: str, subject: str | None) -> list[cp_model.IntVar]:
            if not with_rules:
                return []
            b = model.new_bool_var(f"{rule}:{subject}")
            self.rule_lits.append((b, rule, subject))
            return [b]

        for j, (function, _, slots) in enumerate(p.functions):
            terms = [y[g][j] for g in range(len(p.groups)) if p.groups[g].mask[j]]
            model.add(sum(terms) == slots).only_enforce_if(lit("cover", function))
        if p.capacity < F:
            cap = lit("max-functions", None)
            for g in range(len(p.groups)):
                terms = [v for v in y[g] if not isinstance(v, int)]
                if len(terms) > p.capacity:
                    model.add(sum(terms) <= p.capacity * n[g]).only_enforce_if(cap)
        if p.post.min_retained > 0:
            model.add(sum(n) >= p.post.min_retained).only_enforce_if(lit("min-retained", None))
        if with_rules:
            for g, grp in enumerate(p.groups):
                if grp.must_remain:
                    lits = [lit("must-remain", p.members[i].id)[0] for i in grp.members]
                    model.add(n[g] >= sum(lits))
                if grp.must_leave:
                    lits = [lit("must-leave", p.members[i].id)[0] for i in grp.members]
                    model.add(n[g] + sum(lits) <= len(grp.members))

        self.levels: list[Any] = [
            sum(n),
            sum(grp.penalty * n[g] for g, grp in enumerate(p.groups) if grp.penalty),
            sum(
                (len(grp.members) - n[g]) if grp.prev else n[g]
                for g, grp in enumerate(p.groups)
                if grp.prev is not None
            ),
            sum(
                len(grp.prev_functions) * n[g] - sum(y[g][j] for j in grp.prev_functions)
                for g, grp in enumerate(p.groups)
                if grp.prev_functions
            ),
        ]


def _bound(solver: cp_model.CpSolver) -> int:
    """The solver's proven lower bound on the objective as an integer (levels are >= 0)."""
    bound = solver.best_objective_bound
    return max(0, math.ceil(bound - 1e-6)) if math.isfinite(bound) else 0


def _new_solver(workers: int, seed: int, seconds: float | None) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    # The counting models are tiny; presolve costs more than it saves (measured:
    # 100 posts x 1,000 staff, two functions a person: 11.6 s with it, 2.1 s without).
    solver.parameters.cp_model_presolve = False
    if seconds is not None:
        solver.parameters.max_time_in_seconds = max(seconds, 1e-3)
    return solver


def _solve_post(
    p: _PostProblem,
    *,
    workers: int,
    seed: int,
    deadline: float | None,
    fix: dict[int, int] | None = None,
) -> _PostResult:
    """Solve one post lexicographically; infeasible posts get their conflicts."""
    G = len(p.groups)
    if not p.posture.is_open:
        return _PostResult(Status.OPTIMAL, [0] * G, [[0] * len(p.functions)] * G, [0] * 4, [0] * 4)
    m = _Model(p, with_rules=False, fix=fix)
    model = m.model
    result = _PostResult(Status.OPTIMAL)
    active = [True, True, p.has_previous, any(g.prev_functions for g in p.groups)]
    solution: list[int] | None = None
    last: cp_model.CpSolver | None = None  # the solver holding ``solution``
    variables = [*m.n, *(v for row in m.y for v in row if not isinstance(v, int))]
    for k, expr in enumerate(m.levels):
        if not active[k] or isinstance(expr, int):
            result.values[k] = result.bounds[k] = int(expr) if isinstance(expr, int) else 0
            continue
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0 and last is not None:
            # Out of time: keep the plan found so far; every level is >= 0.
            result.bounds[k] = 0
            result.status = Status.FEASIBLE
            continue
        model.clear_objective()
        model.minimize(expr)
        solver = _new_solver(workers, seed, left)
        status = solver.solve(model)
        if status == cp_model.MODEL_INVALID:  # pragma: no cover - a bug, not an answer
            raise SolverError(f"CP-SAT rejected the model of {p.post.id}: {model.validate()}")
        bound = _bound(solver)
        if status != cp_model.OPTIMAL:
            result.status = Status.FEASIBLE
        if status == cp_model.UNKNOWN:
            if last is not None:  # out of time at this level: keep the plan found so far
                result.bounds[k] = bound
                continue
            # Out of time before any plan: find a first one regardless of the limit.
            model.clear_objective()
            solver = _new_solver(workers, seed, None)
            status = solver.solve(model)
        if status == cp_model.INFEASIBLE:
            if k > 0:  # pragma: no cover - fixing a level keeps the solution found
                raise SolverError(f"fixing a level made {p.post.id} infeasible")
            conflicts = [] if fix is not None else _conflicts(p, seed)
            return _PostResult(Status.INFEASIBLE, conflicts=conflicts)
        value = int(solver.value(expr))
        result.values[k], result.bounds[k] = value, min(value, bound)
        model.add(expr <= value)
        last = solver
        solution = [int(solver.value(v)) for v in variables]
        model.clear_hints()
        for v, x in zip(variables, solution, strict=True):
            model.add_hint(v, x)
    if last is None or solution is None:  # every level was constant: find any plan
        last = _new_solver(workers, seed, None)
        if last.solve(model) == cp_model.INFEASIBLE:
            conflicts = [] if fix is not None else _conflicts(p, seed)
            return _PostResult(Status.INFEASIBLE, conflicts=conflicts)
        solution = [int(last.value(v)) for v in variables]
    # A later level may improve an earlier one that was not proven (under a time
    # limit): report every level's value in the final solution.
    for k, expr in enumerate(m.levels):
        if not isinstance(expr, int) and active[k]:
            final = int(last.value(expr))
            proven = result.bounds[k]
            result.values[k] = final
            result.bounds[k] = final if proven is None else min(final, proven)
    if all(v == b for v, b in zip(result.values, result.bounds, strict=True)):
        # Every level meets a proven bound: optimal, even if a search timed out.
        result.status = Status.OPTIMAL
    result.counts = solution[:G]
    it = iter(solution[G:])
    result.uses = [[0 if isinstance(v, int) else next(it) for v in row] for row in m.y]
    return result


_DELETION_ORDER = ("must-remain", "must-leave", "max-functions", "min-retained", "cover")


def _conflicts(p: _PostProblem, seed: int) -> list[Conflict]:
    """An irreducible set of the post's rules that cannot all hold (core, then deletion filter)."""
    m = _Model(p, with_rules=True)
    model = m.model

    def infeasible(lits: list[cp_model.IntVar]) -> bool:
        model.clear_assumptions()
        model.add_assumptions(lits)
        return _new_solver(1, seed, None).solve(model) == cp_model.INFEASIBLE

    lits = [b for b, _, _ in m.rule_lits]
    model.add_assumptions(lits)
    solver = _new_solver(1, seed, None)
    if solver.solve(model) != cp_model.INFEASIBLE:  # pragma: no cover - defensive
        return []
    core_idx = set(solver.sufficient_assumptions_for_infeasibility())
    core = [(b, r, s) for b, r, s in m.rule_lits if b.index in core_idx]
    core.sort(key=lambda t: _DELETION_ORDER.index(t[1]))
    i = 0
    while i < len(core):
        trial = core[:i] + core[i + 1 :]
        if infeasible([b for b, _, _ in trial]):
            core = trial
        else:
            i += 1
    order = {
        rule: k
        for k, rule in enumerate(
            ("cover", "max-functions", "min-retained", "must-leave", "must-remain")
        )
    }
    place = {f: j for j, (f, _, _) in enumerate(p.functions)}
    place.update({m.id: i for i, m in enumerate(p.members)})
    core.sort(key=lambda t: (order[t[1]], place.get(t[2] or "", -1)))
    return [_conflict(p, rule, subject, core) for _, rule, subject in core]


def _names(members: list[StaffMember], limit: int = 6) -> str:
    ids = [m.id for m in members]
    if len(ids) > limit:
        return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"
    return ", ".join(ids)


def _people(k: int) -> str:
    return f"{k} {'person' if k == 1 else 'people'}"


def _conflict(
    p: _PostProblem, rule: str, subject: str | None, core: list[tuple[Any, str, str | None]]
) -> Conflict:
    post, posture = p.post.id, p.posture.value
    if rule == "cover":
        _, skill, slots = next(f for f in p.functions if f[0] == subject)
        have = [m for m in p.members if skill in m.skills]
        if not have:
            msg = f"nobody at {post} has the skill {skill!r} that {subject} needs at {posture}"
            msg += f" ({_people(slots)})"
        else:
            msg = (
                f"{subject} needs {_people(slots)} with the skill {skill!r} at {posture}; "
                f"at {post}, {_people(len(have))} {'has' if len(have) == 1 else 'have'} it "
                f"({_names(have)})"
            )
    elif rule == "max-functions":
        k = p.capacity
        msg = (
            f"a person covers at most {k} function{'s' if k != 1 else ''} "
            f"(policy max_functions_per_person)"
        )
    elif rule == "min-retained":
        msg = (
            f"{post} must keep at least {_people(p.post.min_retained)} while open; "
            f"it has {len(p.members)} staff"
        )
    else:
        member = next(m for m in p.members if m.id == subject)
        who = f"{member.id} ({member.name})" if member.name else member.id
        verb = "must remain" if rule == "must-remain" else "must leave"
        msg = f"{who} {verb} while {post} is open"
        needed = [
            f[1]
            for f in p.functions
            if f[1] in member.skills and any(r == "cover" and s == f[0] for _, r, s in core)
        ]
        if rule == "must-leave" and needed:
            msg += f", though they have {', '.join(dict.fromkeys(needed))}"
    return Conflict(rule, post, subject, msg)


# ----------------------------------------------------------------- argument checks


def _bad(problems: list[Problem]) -> ScenarioError:
    return ScenarioError(problems, source="drawdown()")


_POSTURE_NAMES = ", ".join(p.value for p in Posture)


def _posture(value: Any, path: str, problems: list[Problem]) -> Posture | None:
    if isinstance(value, Posture):
        return value
    if isinstance(value, str):
        try:
            return Posture(value.strip().lower())
        except ValueError:
            near = difflib.get_close_matches(value, [p.value for p in Posture], n=1, cutoff=0.5)
            hint = f"; did you mean {near[0]!r}?" if near else ""
            problems.append(Problem(path, f"{value!r} is not a posture{hint} ({_POSTURE_NAMES})"))
            return None
    problems.append(
        Problem(path, f"a posture is one of {_POSTURE_NAMES} (got {type(value).__name__})")
    )
    return None


def _unknown(value: Any, what: str, known: Iterable[str]) -> str:
    hint = ""
    if isinstance(value, str):
        near = difflib.get_close_matches(value, list(known), n=1, cutoff=0.6)
        hint = f"; did you mean {near[0]!r}?" if near else ""
    return f"{value!r} is not {what}{hint}"


def _resolve_postures(scenario: Scenario, posture: Any) -> dict[str, Posture]:
    problems: list[Problem] = []
    result = dict(scenario.postures())
    if posture is None:
        return result
    if isinstance(posture, (str, Posture)):
        one = _posture(posture, "posture", problems)
        if problems:
            raise _bad(problems)
        assert one is not None
        return {p: one for p in result}
    if not isinstance(posture, Mapping):
        raise _bad(
            [
                Problem(
                    "posture",
                    "give a posture name, a {post id: posture} mapping, or None "
                    f"(got {type(posture).__name__})",
                )
            ]
        )
    for key, value in posture.items():
        path = f"posture[{key!r}]"
        if key not in result:
            problems.append(Problem(path, _unknown(key, "a post", result)))
            continue
        chosen = _posture(value, path, problems)
        if chosen is not None:
            result[key] = chosen
    if problems:
        raise _bad(problems)
    return result


def _resolve_previous(scenario: Scenario, previous: Any) -> _Previous | None:
    if previous is None:
        return None
    staff = scenario.staff_by_id
    problems: list[Problem] = []
    if isinstance(previous, DrawdownPlan):
        known: set[str] = set()
        retained: set[str] = set()
        for ids in previous.retained.values():
            retained.update(ids)
            known.update(ids)
        for ids in previous.departing.values():
            known.update(ids)
        for sid in sorted(known):
            if sid not in staff:
                problems.append(Problem("previous", _unknown(sid, "a staff member", staff)))
        if problems:
            raise _bad(problems)
        return _Previous(frozenset(known), frozenset(retained), previous.assignments)
    if isinstance(previous, (str, bytes)):
        raise _bad(
            [
                Problem(
                    "previous",
                    "give a DrawdownPlan, a {post id: [staff ids]} mapping or a list of staff ids",
                )
            ]
        )
    if isinstance(previous, Mapping):
        known_ids: set[str] = set()
        kept: set[str] = set()
        for post_id, ids in previous.items():
            if post_id not in scenario.post_by_id:
                problems.append(
                    Problem(
                        f"previous[{post_id!r}]", _unknown(post_id, "a post", scenario.post_by_id)
                    )
                )
                continue
            known_ids.update(m.id for m in scenario.staff_by_post[post_id])
            if isinstance(ids, (str, bytes)) or not isinstance(ids, Iterable):
                problems.append(Problem(f"previous[{post_id!r}]", "give a list of staff ids"))
                continue
            for k, sid in enumerate(ids):
                path = f"previous[{post_id!r}][{k}]"
                if sid not in staff:
                    problems.append(Problem(path, _unknown(sid, "a staff member", staff)))
                elif staff[sid].post != post_id:
                    problems.append(
                        Problem(
                            path, f"{sid!r} is on the staff of {staff[sid].post!r}, not {post_id!r}"
                        )
                    )
                else:
                    kept.add(sid)
        if problems:
            raise _bad(problems)
        return _Previous(frozenset(known_ids), frozenset(kept), {})
    if not isinstance(previous, Iterable):
        raise _bad(
            [
                Problem(
                    "previous",
                    "give a DrawdownPlan, a {post id: [staff ids]} mapping or a list of staff ids "
                    f"(got {type(previous).__name__})",
                )
            ]
        )
    kept = set()
    for k, sid in enumerate(previous):
        if sid not in staff:
            problems.append(Problem(f"previous[{k}]", _unknown(sid, "a staff member", staff)))
        else:
            kept.add(sid)
    if problems:
        raise _bad(problems)
    return _Previous(frozenset(staff), frozenset(kept), {})


def _check_options(time_limit: Any, workers: Any, seed: Any) -> None:
    problems = []
    if time_limit is not None and (
        isinstance(time_limit, bool)
        or not isinstance(time_limit, (int, float))
        or not math.isfinite(time_limit)
        or time_limit <= 0
    ):
        problems.append(
            Problem(
                "time_limit", f"must be a positive number of seconds or None (got {time_limit!r})"
            )
        )
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        problems.append(Problem("workers", f"must be a whole number >= 1 (got {workers!r})"))
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31:
        problems.append(
            Problem("seed", f"must be a whole number from 0 to 2**31 - 1 (got {seed!r})")
        )
    if problems:
        raise _bad(problems)


# ---------------------------------------------------------------------- the solver


def drawdown(
    scenario: Scenario,
    posture: Posture | str | Mapping[str, Posture | str] | None = None,
    *,
    previous: DrawdownPlan | Mapping[str, Iterable[str]] | Iterable[str] | None = None,
    time_limit: float | None = None,
    workers: int = 1,
    seed: int = 0,
) -> DrawdownPlan:
    """Decide who stays at each post and who leaves, with a proof of optimality.

    Parameters
    ----------
    scenario
        The scenario: posts, their requirements, and their staff.
    posture
        One posture for every post (``"minimal"``), a ``{post id: posture}``
        mapping (posts not named take their default), or None: each post's
        posture under the scenario's decision points, else its current one
        (:meth:`~evacplan.models.Scenario.postures`).
    previous
        A plan to stay close to when re-planning (objective levels 3 and 4):
        a :class:`DrawdownPlan` (its retained and departing staff count as
        decided, and its covers as duties); a ``{post id: [retained staff
        ids]}`` mapping (every staff member of the named posts counts as
        decided); or the retained staff ids (every staff member counts).
        A change is a decided person whose stay-or-leave decision differs.
    time_limit
        Seconds for the whole solve; when it cuts a proof short the plan is
        ``feasible`` and each level reports its bound. A first plan for every
        post is always found. None (the default): prove everything.
    workers
        CP-SAT search workers per post. One (the default) is deterministic.
    seed
        CP-SAT's random seed.

    Returns
    -------
    DrawdownPlan
        ``optimal``, ``feasible`` or ``infeasible`` (with its
        :attr:`~DrawdownPlan.conflicts`); never None.

    Raises
    ------
    ScenarioError
        For a bad argument: an unknown post or posture, a ``previous`` naming
        unknown staff, a non-positive time limit; every problem at once.

    Examples
    --------
    >>> from evacplan.io import load_scenario, seed_path
    >>> scenario = load_scenario(seed_path("tiny"))
    >>> plan = drawdown(scenario, {"capital": "reduced"})
    >>> plan.retained["capital"], [str(level) for level in plan.levels[:2]]
    (['cap-01', 'cap-02', 'cap-03'], ['retained 3 (proven)', 'preference 1 (proven)'])
    >>> drawdown(scenario, "suspended").departing["capital"][:3]
    ['cap-01', 'cap-02', 'cap-03']
    """
    started = time.perf_counter()
    if not isinstance(scenario, Scenario):
        raise _bad([Problem("scenario", f"expected a Scenario (got {type(scenario).__name__})")])
    _check_options(time_limit, workers, seed)
    postures = _resolve_postures(scenario, posture)
    prev = _resolve_previous(scenario, previous)
    deadline = None if time_limit is None else started + float(time_limit)
    problems: dict[str, _PostProblem] = {}
    results: dict[str, _PostResult] = {}
    for post in scenario.posts:
        p = problems[post.id] = _compile_post(scenario, post, postures[post.id], prev)
        results[post.id] = _solve_post(p, workers=workers, seed=seed, deadline=deadline)
    return DrawdownPlan._build(
        scenario,
        postures,
        problems,
        results,
        prev,
        runtime=time.perf_counter() - started,
        seed=seed,
        workers=workers,
        time_limit=time_limit,
    )


def _decode(p: _PostProblem, r: _PostResult) -> tuple[list[int], dict[int, list[int]]]:
    """Retained member indices (file order) and the functions each covers."""
    retained: list[int] = []
    duties: dict[int, list[int]] = {}
    for g, grp in enumerate(p.groups):
        chosen = grp.members[: r.counts[g]]
        retained.extend(chosen)
        if not chosen:
            continue
        # Round robin over each function's copies: nobody gets a function twice,
        # and nobody more than ceil(total / n) <= capacity functions.
        items = [j for j in range(len(p.functions)) for _ in range(r.uses[g][j])]
        for k, j in enumerate(items):
            duties.setdefault(chosen[k % len(chosen)], []).append(j)
    retained.sort()
    return retained, duties


# ------------------------------------------------------------------------ the plan


def _describe(m: StaffMember) -> str:
    return f"{m.id} ({m.name})" if m.name else m.id


def _and(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _who_list(people: list[StaffMember], *, flags: bool = True, limit: int = 5) -> str:
    """``cap-04 (vulnerable, not a volunteer) and cap-05 (not a volunteer)``."""

    def one(m: StaffMember) -> str:
        if not flags:
            return m.id
        words = (["vulnerable"] if m.vulnerable else []) + (
            ["a volunteer"] if m.volunteer else ["not a volunteer"]
        )
        return f"{m.id} ({', '.join(words)})"

    shown = [one(m) for m in people[:limit]]
    if len(people) > limit:
        shown.append(f"{len(people) - limit} more")
    return _and(shown) if shown else "nobody"


class DrawdownPlan:
    """Who stays at each post and who leaves: the result of :func:`drawdown`.

    Attributes
    ----------
    scenario : Scenario
        The scenario the plan was made for.
    postures : dict[str, Posture]
        The posture each post was drawn down to.
    status : Status
        ``optimal`` (every level of every post proven), ``feasible`` (a time
        limit cut a proof short; see :attr:`levels`), or ``infeasible`` (some
        post has no plan; see :attr:`conflicts`).
    retained, departing : dict[str, list[str]]
        Staff ids per post, in file order.
    undecided : dict[str, list[str]]
        The staff of infeasible posts, for whom no plan exists.
    covers : dict[str, str | tuple[str, ...]]
        Each retained person covering a slot: the function id, or a tuple of
        function ids for a person covering several (only when
        ``max_functions_per_person`` > 1). :attr:`assignments` always gives tuples.
    assignments : dict[str, tuple[str, ...]]
        Each retained person covering a slot: every function they cover.
    parties : list[Party]
        Every departing party: each departing staff member with their
        dependants, and (at reduced and above) the dependants of retained
        staff as ``"<staff id>/dependants"``. Locally engaged staff who do not
        relocate have ``relocate=False``.
    levels : tuple[Level, ...]
        The lexicographic objective (:data:`LEVELS`), summed over posts, with
        proven bounds.
    post_levels : dict[str, tuple[Level, ...]]
        The same, per post.
    post_status : dict[str, Status]
        Each post's status.
    conflicts : list[Conflict]
        For each infeasible post, an irreducible set of its rules that
        cannot all hold; empty otherwise.
    runtime : float
        Wall seconds, including compiling the models and the proofs.
    seed, workers : int
        The solver's settings.
    time_limit : float or None
        The time limit it was given.
    """

    scenario: Scenario
    postures: dict[str, Posture]
    status: Status
    retained: dict[str, list[str]]
    departing: dict[str, list[str]]
    undecided: dict[str, list[str]]
    covers: dict[str, str | tuple[str, ...]]
    assignments: dict[str, tuple[str, ...]]
    parties: list[Party]
    levels: tuple[Level, ...]
    post_levels: dict[str, tuple[Level, ...]]
    post_status: dict[str, Status]
    conflicts: list[Conflict]
    runtime: float
    seed: int
    workers: int
    time_limit: float | None
    _problems: dict[str, _PostProblem]
    _results: dict[str, _PostResult]
    _previous: _Previous | None

    def __init__(self) -> None:  # pragma: no cover - built by drawdown()
        raise TypeError("a DrawdownPlan is made by evacplan.drawdown(scenario, ...)")

    @classmethod
    def _build(
        cls,
        scenario: Scenario,
        postures: dict[str, Posture],
        problems: dict[str, _PostProblem],
        results: dict[str, _PostResult],
        previous: _Previous | None,
        **settings: Any,
    ) -> DrawdownPlan:
        self = object.__new__(cls)
        self.scenario = scenario
        self.postures = postures
        self._problems = problems
        self._results = results
        self._previous = previous
        self.retained, self.departing, self.undecided = {}, {}, {}
        self.covers, self.assignments = {}, {}
        self.parties = []
        self.post_status = {}
        self.conflicts = []
        for post_id, p in problems.items():
            r = results[post_id]
            self.post_status[post_id] = r.status
            self.retained[post_id], self.departing[post_id], self.undecided[post_id] = [], [], []
            if r.status is Status.INFEASIBLE:
                self.undecided[post_id] = [m.id for m in p.members]
                self.conflicts.extend(r.conflicts)
                continue
            kept, duties = _decode(p, r)
            kept_set = set(kept)
            leave_dependants = p.posture >= Posture.REDUCED
            for i, m in enumerate(p.members):
                relocate = scenario.relocates(m)
                if i in kept_set:
                    self.retained[post_id].append(m.id)
                    if i in duties:
                        names = tuple(p.functions[j][0] for j in sorted(duties[i]))
                        self.assignments[m.id] = names
                        self.covers[m.id] = names[0] if len(names) == 1 else names
                    if leave_dependants and m.dependants:
                        self.parties.append(
                            Party(
                                f"{m.id}/dependants",
                                m.dependants,
                                m.location,
                                post_id,
                                relocate=relocate,
                            )
                        )
                else:
                    self.departing[post_id].append(m.id)
                    self.parties.append(
                        Party(m.id, m.party_size, m.location, post_id, relocate=relocate)
                    )
        statuses = set(self.post_status.values())
        self.status = (
            Status.INFEASIBLE
            if Status.INFEASIBLE in statuses
            else Status.FEASIBLE
            if Status.FEASIBLE in statuses
            else Status.OPTIMAL
        )
        self.post_levels = {
            post_id: tuple(
                Level(name, text, r.values[k], r.bounds[k]) for k, (name, text) in enumerate(LEVELS)
            )
            for post_id, r in results.items()
        }
        if self.status is Status.INFEASIBLE:
            self.levels = tuple(Level(name, text, None, None) for name, text in LEVELS)
        else:
            self.levels = tuple(
                Level(
                    name,
                    text,
                    sum(r.values[k] or 0 for r in results.values()),
                    sum(r.bounds[k] or 0 for r in results.values()),
                )
                for k, (name, text) in enumerate(LEVELS)
            )
        for key, value in settings.items():
            setattr(self, key, value)
        return self

    # ---------------------------------------------------------------- queries

    @property
    def objective(self) -> tuple[int | None, ...]:
        """The value of each objective level (None when infeasible)."""
        return tuple(level.value for level in self.levels)

    @property
    def bound(self) -> tuple[int | None, ...]:
        """The proven lower bound of each objective level."""
        return tuple(level.bound for level in self.levels)

    @property
    def gap(self) -> tuple[int | None, ...]:
        """Value minus proven bound, per level: all 0 when optimal (None when infeasible)."""
        return tuple(
            None if lv.value is None or lv.bound is None else lv.value - lv.bound
            for lv in self.levels
        )

    @property
    def is_optimal(self) -> bool:
        """Whether every level of every post is proven optimal."""
        return self.status is Status.OPTIMAL

    def party_of(self, staff_id: str) -> Party | None:
        """The departing party a staff member travels in, or None if they stay."""
        member = self._member(staff_id)
        return next((p for p in self.parties if p.id == member.id), None)

    def _member(self, staff_id: str) -> StaffMember:
        try:
            return self.scenario.staff_by_id[staff_id]
        except (KeyError, TypeError):
            raise UnknownStaffError(staff_id, self.scenario.staff_by_id) from None

    # ------------------------------------------------------------- explaining

    def explain(self, staff_id: str) -> str:
        """Why this person stays or leaves, in words.

        For someone who stays: the functions they cover and the proven
        minimum for their post; then what the best plan would be without
        them (more people, a worse choice of people, no plan at all, or an
        equally good plan that keeps someone interchangeable instead). For
        someone who leaves: the rule that sends them, or what keeping them
        would cost; and the party they travel in.

        Raises
        ------
        UnknownStaffError
            A ``KeyError`` for an id not in the scenario.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> plan = drawdown(load_scenario(seed_path("tiny")), "minimal")
        >>> print(plan.explain("cap-03"))  # doctest: +NORMALIZE_WHITESPACE
        cap-03 (Communications officer) stays at capital (minimal) to cover secure-comms
        (skill 'crypto'). No plan keeps capital open at minimal with fewer than 2 people
        (proven). Without cap-03, the best plan would still keep 2 people, but with cap-04
        (vulnerable, not a volunteer) in place of cap-03 (a volunteer): a worse choice under
        the preference for volunteers and for releasing the vulnerable (score 3 instead of 1).
        >>> print(plan.explain("cap-05"))  # doctest: +NORMALIZE_WHITESPACE
        cap-05 (Consular officer) leaves capital (minimal). Keeping cap-05 would take 3
        people instead of 2: capital's needs at minimal are met without them. They leave
        from embassy, alone, and are moved to a safe haven.
        """
        member = self._member(staff_id)
        post_id = member.post
        p = self._problems[post_id]
        r = self._results[post_id]
        who, posture = _describe(member), p.posture.value
        if r.status is Status.INFEASIBLE:
            rules = "; ".join(c.message for c in r.conflicts)
            return (
                f"{who}: no plan exists for {post_id} at {posture}, so nobody is decided. "
                f"These rules cannot all hold: {rules}."
            )
        stays = member.id in self.assignments or member.id in set(self.retained[post_id])
        parts: list[str] = []
        if stays:
            duties = self.assignments.get(member.id, ())
            skills = {f: s for f, s, _ in p.functions}
            head = f"{who} stays at {post_id} ({posture})"
            if duties:
                what = _and([f"{f} (skill {skills[f]!r})" for f in duties])
                head += f" to cover {what}"
            parts.append(head + ".")
            if member.must_remain:
                parts.append("They must remain while the post is open [must-remain].")
            total = r.values[0]
            parts.append(
                f"No plan keeps {post_id} open at {posture} with fewer than "
                f"{_people(r.bounds[0] or 0)}"
                + (" (proven)." if r.values[0] == r.bounds[0] else f"; this plan keeps {total}.")
            )
            if not member.must_remain:
                if not duties:
                    parts.append(
                        f"They cover no function: {post_id} must keep at least "
                        f"{_people(p.post.min_retained)} while open [min-retained]."
                    )
                parts.append(self._counterfactual(member, stay=False))
            if member.dependants:
                if p.posture >= Posture.REDUCED:
                    n = member.dependants
                    whom = "Their dependant leaves" if n == 1 else f"Their {n} dependants leave"
                    parts.append(
                        f"{whom} as their own party, {member.id}/dependants, from "
                        f"{member.location} [dependants-leave]."
                    )
                else:
                    parts.append("Their dependants stay with them (the post is at normal).")
            return " ".join(parts)
        parts.append(f"{who} leaves {post_id} ({posture}).")
        if not p.posture.is_open:
            parts.append("The post is suspended: it closes and everyone leaves [closed-post].")
        elif member.must_leave:
            parts.append("They must leave while the post is open [must-leave].")
        else:
            parts.append(self._counterfactual(member, stay=True))
        parts.append(self._party_words(member))
        return " ".join(parts)

    def _party_words(self, member: StaffMember) -> str:
        n = member.dependants
        company = f"with {n} dependant{'s' if n != 1 else ''} as one party" if n else "alone"
        if self.scenario.relocates(member):
            return f"They leave from {member.location}, {company}, and are moved to a safe haven."
        why = (
            "locally engaged staff are not relocated unless the scenario says so"
            if member.category is Category.LOCALLY_ENGAGED and member.relocate is None
            else "their entry says relocate: false"
        )
        return f"They stand down at home, {company}, rather than moving to a safe haven ({why})."

    def _counterfactual(self, member: StaffMember, *, stay: bool) -> str:
        """Compare the plan with the best plan that decides ``member`` the other way."""
        post_id = member.post
        p = self._problems[post_id]
        r = self._results[post_id]
        index = next(i for i, m in enumerate(p.members) if m.id == member.id)
        q, g = _isolate(p, index)
        alt = _solve_post(
            q, workers=self.workers, seed=self.seed, deadline=None, fix={g: 1 if stay else 0}
        )
        name, posture = member.id, p.posture.value
        if alt.status is Status.INFEASIBLE:
            if stay:  # pragma: no cover - keeping one more person breaks no rule here
                return f"Keeping {name} would break the post's rules."
            return f"Without {name}, no plan could keep {post_id} open at {posture}."
        kept, _ = _decode(q, alt)
        mine = set(self.retained[post_id])
        theirs = {q.members[i].id for i in kept}
        staff = self.scenario.staff_by_id
        added = [staff[s] for s in sorted(theirs - mine)]
        removed = [staff[s] for s in sorted(mine - theirs)]
        swap = f"with {_who_list(added)} in place of {_who_list(removed)}" if removed else ""
        mv, av = r.values, alt.values
        worse = next((k for k in range(4) if (av[k] or 0) != (mv[k] or 0)), None)
        lead = f"Keeping {name}" if stay else f"Without {name}"
        if worse == 0:
            more = f" ({_who_list(added, flags=False)} in place of " if removed else ""
            more += f"{_who_list(removed, flags=False)})" if removed else ""
            if stay:
                return (
                    f"Keeping {name} would take {_people(av[0] or 0)} instead of {mv[0]}: "
                    f"{post_id}'s needs at {posture} are met without them."
                )
            return (
                f"Without {name}, the best plan would keep {_people(av[0] or 0)} instead of "
                f"{mv[0]}{more}."
            )
        if worse == 1:
            return (
                f"{lead}, the best plan would still keep {_people(av[0] or 0)}, but "
                f"{swap}: a worse choice under the preference for volunteers and for releasing "
                f"the vulnerable (score {av[1]} instead of {mv[1]})."
            )
        if worse == 2:
            return (
                f"{lead}, the best plan would change {av[2]} decisions of the previous plan "
                f"instead of {mv[2]} ({swap})."
            )
        if worse == 3:
            return (
                f"{lead}, the best plan would move {av[3]} duties of the previous plan instead "
                f"of {mv[3]}."
            )
        return self._tie(member, removed if stay else added, stay=stay)

    def _tie(self, member: StaffMember, others: list[StaffMember], *, stay: bool) -> str:
        """Words for a tie: an equally good plan decides ``member`` the other way."""
        if not others:  # pragma: no cover - a swap always involves someone else
            return "An equally good plan decides them the other way."
        p = self._problems[member.post]
        group = next(g for g in p.groups if any(p.members[i].id == member.id for i in g.members))
        same = {p.members[i].id for i in group.members}
        twins = [m.id for m in others if m.id in same]
        names = ", ".join(m.id for m in others[:4]) + (
            f" and {len(others) - 4} more" if len(others) > 4 else ""
        )
        swap = f"{member.id} instead of {names}" if stay else f"{names} instead of {member.id}"
        if twins:
            return (
                f"An equally good plan would keep {swap}: {member.id} and {twins[0]} are "
                f"interchangeable (same skills for the functions needed, same flags), and "
                f"the plan keeps whoever comes first in the staff list."
            )
        return (
            f"An equally good plan would keep {swap}; the solver chose between equally "
            f"good plans (with the same seed it always makes the same choice)."
        )

    # ---------------------------------------------------------------- checking

    def verify(self, *, strict: bool = False) -> list[Violation]:
        """Check the plan against every rule, reading the scenario, without CP-SAT.

        The checks, each reported under its rule id (see the module docs):

        - ``accounted``: every post and staff member appears once, in their
          own post's ``retained``, ``departing`` or (infeasible posts only)
          ``undecided``; the parties are exactly the departing staff with
          their dependants, with the right size, place, post and ``relocate``.
        - ``closed-post``, ``must-remain``, ``must-leave``, ``min-retained``:
          as stated.
        - ``cover`` and ``max-functions``: each needed function has enough
          covering people, each retained, with the skill, none twice; nobody
          over the policy's limit; ``covers`` agrees with ``assignments``.
        - ``dependants-leave``: at reduced and above, retained staff's
          dependants leave as ``"<id>/dependants"``.
        - ``objective``: each level's value recomputed from the plan equals
          the reported one, its bound is no higher, and an ``optimal`` post
          has every bound equal to its value.
        - ``fewest-retained`` (when ``max_functions_per_person`` is 1): the
          fewest people any plan can retain, computed by a min-cost flow
          (networkx), lies between the level-1 bound and value, and equals
          the value when the post is proven optimal.
        - ``conflict``: each infeasible post has a conflict set that no plan
          satisfies and that any plan satisfies once one rule is dropped
          (checked with a max flow).

        Parameters
        ----------
        strict
            Raise :class:`~evacplan.errors.VerificationError` (an ``AssertionError``) listing
            every violation instead of returning them.

        Returns
        -------
        list[Violation]
            Empty when the plan keeps every rule.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> drawdown(load_scenario(seed_path("tiny")), "minimal").verify(strict=True)
        []
        """
        out: list[Violation] = []
        out += self._verify_accounting()
        out += self._verify_rules()
        out += self._verify_parties()
        out += self._verify_objective()
        out += self._verify_conflicts()
        if strict and out:
            raise VerificationError(out)
        return out

    def _verify_accounting(self) -> list[Violation]:
        sc, out = self.scenario, []
        seen: dict[str, str] = {}
        for post in sc.posts:
            for name, mapping in (("retained", self.retained), ("departing", self.departing)):
                if post.id not in mapping:
                    out.append(
                        Violation("accounted", post.id, None, f"the post is missing from {name}")
                    )
        for name, mapping in (
            ("retained", self.retained),
            ("departing", self.departing),
            ("undecided", self.undecided),
        ):
            for post_id, ids in mapping.items():
                if post_id not in sc.post_by_id:
                    out.append(
                        Violation("accounted", post_id, None, f"{name} names an unknown post")
                    )
                    continue
                if (
                    name == "undecided"
                    and ids
                    and self.post_status.get(post_id) is not Status.INFEASIBLE
                ):
                    out.append(
                        Violation(
                            "accounted", post_id, None, "staff are undecided at a post with a plan"
                        )
                    )
                for sid in ids:
                    member = sc.staff_by_id.get(sid)
                    if member is None:
                        out.append(
                            Violation("accounted", post_id, sid, f"{sid!r} is not on the staff")
                        )
                    elif member.post != post_id:
                        out.append(
                            Violation(
                                "accounted",
                                post_id,
                                sid,
                                f"{sid} is listed under {post_id}, but belongs to {member.post}",
                            )
                        )
                    if sid in seen:
                        out.append(
                            Violation(
                                "accounted", post_id, sid, f"{sid} is both {seen[sid]} and {name}"
                            )
                        )
                    seen[sid] = name
        for member in sc.staff:
            if member.id not in seen:
                out.append(
                    Violation(
                        "accounted", member.post, member.id, f"{member.id} is not accounted for"
                    )
                )
        return out

    def _verify_rules(self) -> list[Violation]:
        sc, out = self.scenario, []
        limit = sc.policy.max_functions_per_person
        needs: dict[str, dict[str, tuple[str, int]]] = {}
        kept: dict[str, set[str]] = {}
        for post in sc.posts:
            posture = self.postures.get(post.id)
            if posture is None or self.post_status.get(post.id) is Status.INFEASIBLE:
                continue
            stay = kept[post.id] = set(self.retained.get(post.id, ()))
            if not posture.is_open:
                for sid in sorted(stay):
                    out.append(
                        Violation("closed-post", post.id, sid, f"{sid} stays at a suspended post")
                    )
                continue
            needs[post.id] = {
                r.function: (r.skill, r.slots(posture))
                for r in post.requirements
                if r.slots(posture) > 0
            }
            for m in sc.staff_by_post[post.id]:
                if m.must_remain and m.id not in stay:
                    out.append(
                        Violation("must-remain", post.id, m.id, f"{m.id} must remain but leaves")
                    )
                if m.must_leave and m.id in stay:
                    out.append(
                        Violation("must-leave", post.id, m.id, f"{m.id} must leave but stays")
                    )
            if len(stay) < post.min_retained:
                out.append(
                    Violation(
                        "min-retained",
                        post.id,
                        None,
                        f"keeps {len(stay)} people, fewer than min_retained {post.min_retained}",
                    )
                )
        count: dict[tuple[str, str], int] = {}
        for sid, functions in self.assignments.items():
            member = sc.staff_by_id.get(sid)
            if member is None:
                out.append(
                    Violation("cover", None, sid, f"{sid!r} covers a function but is not staff")
                )
                continue
            post_id = member.post
            if post_id not in needs:
                out.append(
                    Violation(
                        "cover",
                        post_id,
                        sid,
                        f"{sid} covers a function at a closed or infeasible post",
                    )
                )
                continue
            if sid not in kept[post_id]:
                out.append(Violation("cover", post_id, sid, f"{sid} covers {functions} but leaves"))
            if len(set(functions)) != len(functions):
                out.append(Violation("cover", post_id, sid, f"{sid} covers a function twice"))
            if len(set(functions)) > limit:
                out.append(
                    Violation(
                        "max-functions",
                        post_id,
                        sid,
                        f"{sid} covers {len(set(functions))} functions; the limit is {limit}",
                    )
                )
            for f in set(functions):
                if f not in needs[post_id]:
                    out.append(
                        Violation(
                            "cover",
                            post_id,
                            sid,
                            f"{f!r} is not a function "
                            f"{post_id} needs at {self.postures[post_id].value}",
                        )
                    )
                elif needs[post_id][f][0] not in member.skills:
                    out.append(
                        Violation(
                            "cover",
                            post_id,
                            sid,
                            f"{sid} covers {f} without the skill {needs[post_id][f][0]!r}",
                        )
                    )
                else:
                    count[post_id, f] = count.get((post_id, f), 0) + 1
        for post_id, need in needs.items():
            for f, (skill, slots) in need.items():
                have = count.get((post_id, f), 0)
                if have < slots:
                    out.append(
                        Violation(
                            "cover",
                            post_id,
                            f,
                            f"{f} needs {_people(slots)} with {skill!r}; {have} cover it",
                        )
                    )
        expected = {sid: (fs[0] if len(fs) == 1 else fs) for sid, fs in self.assignments.items()}
        if expected != self.covers:
            out.append(Violation("cover", None, None, "covers disagrees with assignments"))
        return out

    def _verify_parties(self) -> list[Violation]:
        sc, out = self.scenario, []
        expected: dict[str, Party] = {}
        for post in sc.posts:
            posture = self.postures.get(post.id)
            if posture is None or self.post_status.get(post.id) is Status.INFEASIBLE:
                continue
            stay = set(self.retained.get(post.id, ()))
            for m in sc.staff_by_post[post.id]:
                relocate = sc.relocates(m)
                if m.id not in stay:
                    expected[m.id] = Party(m.id, m.party_size, m.location, post.id, 0, relocate)
                elif posture >= Posture.REDUCED and m.dependants:
                    pid = f"{m.id}/dependants"
                    expected[pid] = Party(pid, m.dependants, m.location, post.id, 0, relocate)
        actual: dict[str, Party] = {}
        for party in self.parties:
            if party.id in actual:
                out.append(Violation("accounted", party.post, party.id, f"party {party.id} twice"))
            actual[party.id] = party
        for pid, want in expected.items():
            got = actual.get(pid)
            rule = "dependants-leave" if pid.endswith("/dependants") else "accounted"
            if got is None:
                out.append(Violation(rule, want.post, pid, f"no departing party {pid}"))
            elif got != want:
                out.append(Violation(rule, want.post, pid, f"party {got} should be {want}"))
        for pid in actual.keys() - expected.keys():
            out.append(Violation("accounted", actual[pid].post, pid, f"unexpected party {pid}"))
        return out

    def _verify_objective(self) -> list[Violation]:
        sc, out = self.scenario, []
        prev = self._previous
        limit = sc.policy.max_functions_per_person
        totals = [0, 0, 0, 0]
        for post in sc.posts:
            status = self.post_status.get(post.id)
            levels = self.post_levels.get(post.id)
            if status is None or levels is None or status is Status.INFEASIBLE:
                continue
            stay = set(self.retained.get(post.id, ()))
            members = sc.staff_by_post[post.id]
            posture = self.postures[post.id]
            needed = {r.function for r in post.requirements if r.slots(posture) > 0}
            values = [len(stay), sum(_penalty(m) for m in members if m.id in stay), 0, 0]
            if prev is not None:
                values[2] = sum(
                    (m.id in stay) != (m.id in prev.retained) for m in members if m.id in prev.known
                )
                values[3] = sum(
                    1
                    for m in members
                    if m.id in stay and m.id in prev.retained
                    for f in set(prev.functions.get(m.id, ())) & needed
                    if f not in self.assignments.get(m.id, ())
                )
            for k, level in enumerate(levels):
                totals[k] += values[k]
                if level.value != values[k]:
                    out.append(
                        Violation(
                            "objective",
                            post.id,
                            level.name,
                            f"{level.name} is {values[k]}, reported {level.value}",
                        )
                    )
                if level.bound is None or level.bound > values[k]:
                    out.append(
                        Violation(
                            "objective",
                            post.id,
                            level.name,
                            f"{level.name} bound {level.bound} exceeds {values[k]}",
                        )
                    )
                elif status is Status.OPTIMAL and level.bound != level.value:
                    out.append(
                        Violation(
                            "objective",
                            post.id,
                            level.name,
                            f"{level.name} is called optimal but not proven",
                        )
                    )
            if limit == 1 and posture.is_open:
                best = _fewest_retained(sc.staff_by_post[post.id], post, posture)
                bound = levels[0].bound
                if (
                    best is not None
                    and not ((bound is None or bound <= best) and best <= values[0])
                    or (best is not None and status is Status.OPTIMAL and best != values[0])
                ):
                    out.append(
                        Violation(
                            "fewest-retained",
                            post.id,
                            None,
                            f"an independent min-cost flow retains {best}; the plan keeps "
                            f"{values[0]} with bound {bound}",
                        )
                    )
        if self.status is not Status.INFEASIBLE:
            for k, level in enumerate(self.levels):
                if level.value != totals[k]:
                    out.append(
                        Violation(
                            "objective",
                            None,
                            level.name,
                            f"total {level.name} is {totals[k]}, reported {level.value}",
                        )
                    )
        return out

    def _verify_conflicts(self) -> list[Violation]:
        sc, out = self.scenario, []
        for post in sc.posts:
            if self.post_status.get(post.id) is not Status.INFEASIBLE:
                continue
            rules = [(c.rule, c.subject) for c in self.conflicts if c.post == post.id]
            posture = self.postures[post.id]
            if not rules:
                out.append(
                    Violation("conflict", post.id, None, "infeasible, but no conflict given")
                )
                continue
            if _feasible(sc, sc.staff_by_post[post.id], post, posture, set(rules)):
                out.append(
                    Violation("conflict", post.id, None, f"the rules {rules} can all hold together")
                )
            for rule in rules:
                if not _feasible(sc, sc.staff_by_post[post.id], post, posture, set(rules) - {rule}):
                    out.append(
                        Violation(
                            "conflict",
                            post.id,
                            rule[1],
                            f"not irreducible: without {rule} it is still infeasible",
                        )
                    )
        return out

    # -------------------------------------------------------------- reporting

    def summary(self) -> str:
        """A few lines: status, headcounts, objective levels and bounds, runtime.

        Examples
        --------
        >>> from evacplan.io import load_scenario, seed_path
        >>> print(drawdown(load_scenario(seed_path("tiny")), "minimal").summary())
        ... # doctest: +ELLIPSIS
        Drawdown of tiny: optimal
          1 post: 1 minimal
          6 staff: 2 stay, 4 leave; 5 parties, 10 people depart (1 party stands down at home)
          objective: retained 2 (proven); preference 1 (proven); changes 0 (proven); ...
          runtime ... s, seed 0, 1 worker
        """
        n_posts = len(self.postures)
        by_posture: dict[str, int] = {}
        for posture in self.postures.values():
            by_posture[posture.value] = by_posture.get(posture.value, 0) + 1
        kept = sum(map(len, self.retained.values()))
        gone = sum(map(len, self.departing.values()))
        undecided = sum(map(len, self.undecided.values()))
        people = sum(p.size for p in self.parties)
        home = sum(1 for p in self.parties if not p.relocate)
        lines = [f"Drawdown of {self.scenario.name}: {self.status.value}"]
        lines.append(
            f"  {n_posts} post{'s' if n_posts != 1 else ''}: "
            + ", ".join(f"{n} {name}" for name, n in by_posture.items())
        )
        staff = f"  {len(self.scenario.staff)} staff: {kept} stay, {gone} leave"
        if undecided:
            staff += f", {undecided} undecided (no plan at their post)"
        n_parties = len(self.parties)
        staff += f"; {n_parties} part{'y' if n_parties == 1 else 'ies'}, {_people(people)} depart"
        if home:
            staff += f" ({home} part{'y stands' if home == 1 else 'ies stand'} down at home)"
        lines.append(staff)
        if self.status is Status.INFEASIBLE:
            bad = [p for p, s in self.post_status.items() if s is Status.INFEASIBLE]
            n = len(self.conflicts)
            lines.append(
                f"  no plan at {', '.join(bad)}: {n} conflicting rule{'s' if n != 1 else ''}"
            )
        else:
            lines.append("  objective: " + "; ".join(str(level) for level in self.levels))
        lines.append(
            f"  runtime {self.runtime:.3f} s, seed {self.seed}, {self.workers} "
            f"worker{'s' if self.workers != 1 else ''}"
            + (f", time limit {self.time_limit} s" if self.time_limit is not None else "")
        )
        return "\n".join(lines)

    def _rows(
        self, post_id: str
    ) -> tuple[list[tuple[str, str, str, str]], list[tuple[str, str, str, str]]]:
        """(stay rows, leave rows) of (id, name, what, notes)."""
        sc = self.scenario
        stay, leave = [], []
        for sid in self.retained[post_id]:
            m = self.scenario.staff_by_id[sid]
            duties = self.assignments.get(sid, ())
            what = " + ".join(duties) if duties else "(keeps min_retained)"
            notes = [
                w
                for w, on in (
                    ("must remain", m.must_remain),
                    ("volunteer", m.volunteer),
                    ("vulnerable", m.vulnerable),
                )
                if on
            ]
            stay.append((sid, m.name or "", what, ", ".join(notes)))
        for sid in self.departing[post_id]:
            m = self.scenario.staff_by_id[sid]
            n = m.dependants
            company = f"with {n} dependant{'s' if n != 1 else ''}, " if n else ""
            if sc.relocates(m):
                what = f"{company}from {m.location}"
            else:
                what = f"stands down at home{', ' + company.rstrip(', ') if n else ''}"
            notes = [
                w for w, on in (("must leave", m.must_leave), ("vulnerable", m.vulnerable)) if on
            ]
            leave.append((sid, m.name or "", what, ", ".join(notes)))
        return stay, leave

    def __str__(self) -> str:
        """Per post: who stays, covering what; who leaves; dependants who leave alone."""
        sc = self.scenario
        kept = sum(map(len, self.retained.values()))
        gone = sum(map(len, self.departing.values()))
        head = f"Drawdown of {sc.name}: {self.status.value}, {kept} stay, {gone} leave"
        if self.status is not Status.INFEASIBLE:
            head += f" (retained {self.levels[0].value}, " + (
                "proven minimal)" if self.levels[0].proven else f"bound {self.levels[0].bound})"
            )
        lines = [head]
        for post in sc.posts:
            posture = self.postures[post.id].value
            status = self.post_status[post.id]
            lines.append("")
            title = f"{post.id} ({post.name}) at {posture}"
            if status is Status.INFEASIBLE:
                lines.append(f"{title}: no plan; these rules cannot all hold:")
                lines += [f"  [{c.rule}] {c.message}" for c in self.conflicts if c.post == post.id]
                continue
            stay, leave = self._rows(post.id)
            lines.append(f"{title}: {len(stay)} stay, {len(leave)} leave")
            for label, rows in (("Stay", stay), ("Leave", leave)):
                if not rows:
                    lines.append(f"  {label}: nobody")
                    continue
                lines.append(f"  {label}:")
                w = [max(len(r[k]) for r in rows) for k in range(3)]
                for sid, name, what, notes in rows:
                    line = f"    {sid:<{w[0]}}  {name:<{w[1]}}  {what:<{w[2]}}  {notes}"
                    lines.append(line.rstrip())
            alone = [p for p in self.parties if p.post == post.id and p.id.endswith("/dependants")]
            if alone:
                lines.append("  Dependants of staff who stay leave as their own party:")
                w0 = max(len(p.id) for p in alone)
                for p in alone:
                    where = f"from {p.location}" if p.relocate else "stand down at home"
                    lines.append(f"    {p.id:<{w0}}  {_people(p.size)}, {where}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        kept = sum(map(len, self.retained.values()))
        gone = sum(map(len, self.departing.values()))
        return (
            f"<DrawdownPlan {self.status.value}: {kept} retained, {gone} departing, "
            f"{len(self.postures)} post{'s' if len(self.postures) != 1 else ''}>"
        )

    def _repr_html_(self) -> str:
        esc = html.escape
        parts = [f"<pre>{esc(self.summary())}</pre>"]
        for post in self.scenario.posts:
            posture = self.postures[post.id].value
            parts.append(f"<h4>{esc(post.id)} ({esc(post.name)}) at {esc(posture)}</h4>")
            if self.post_status[post.id] is Status.INFEASIBLE:
                items = "".join(
                    f"<li><code>{esc(c.rule)}</code> {esc(c.message)}</li>"
                    for c in self.conflicts
                    if c.post == post.id
                )
                parts.append(f"<p>No plan; these rules cannot all hold:</p><ul>{items}</ul>")
                continue
            stay, leave = self._rows(post.id)
            rows = [("stays", r) for r in stay] + [("leaves", r) for r in leave]
            body = "".join(
                "<tr>"
                + "".join(f"<td>{esc(x)}</td>" for x in (r[0], r[1], d, r[2], r[3]))
                + "</tr>"
                for d, r in rows
            )
            parts.append(
                "<table><thead><tr><th>staff</th><th>name</th><th>decision</th>"
                "<th>covers / party</th><th>notes</th></tr></thead>"
                f"<tbody>{body}</tbody></table>"
            )
        return "\n".join(parts)


# ----------------------------------------------------- independent checks (no CP-SAT)


def _feasible(
    scenario: Scenario,
    members: list[StaffMember],
    post: Post,
    posture: Posture,
    rules: set[tuple[str, str | None]],
) -> bool:
    """Whether some plan keeps every rule in ``rules`` at ``post`` (a max flow, per person)."""
    import networkx as nx

    leave = {s for r, s in rules if r == "must-leave"}
    remain = {s for r, s in rules if r == "must-remain"}
    if leave & remain:
        return False
    available = [m for m in members if m.id not in leave]
    if ("min-retained", None) in rules and len(available) < post.min_retained:
        return False
    needed = [
        (r.function, r.skill, r.slots(posture))
        for r in post.requirements
        if ("cover", r.function) in rules and r.slots(posture) > 0
    ]
    if not needed:
        return True
    capped = ("max-functions", None) in rules
    limit = scenario.policy.max_functions_per_person if capped else len(needed)
    graph = nx.DiGraph()
    for f, skill, slots in needed:
        graph.add_edge("source", ("f", f), capacity=slots)
        for m in available:
            if skill in m.skills:
                graph.add_edge(("f", f), ("p", m.id), capacity=1)
                graph.add_edge(("p", m.id), "sink", capacity=limit)
    if "sink" not in graph:
        return False
    value = nx.maximum_flow_value(graph, "source", "sink")
    return bool(value == sum(s for _, _, s in needed))


def _fewest_retained(members: list[StaffMember], post: Post, posture: Posture) -> int | None:
    """The fewest people a plan can retain when each person covers one function, or None.

    With one function per person, the coverers are ``S`` distinct people
    (``S`` the slots), the ``must_remain`` staff ``M`` stay anyway, and the
    headcount is ``max(min_retained, |M| + S - (must_remain people among the
    coverers))``. A min-cost flow from functions to people, costing 1 for
    each coverer who is not ``must_remain``, maximises that overlap. People
    with the same needed skills and the same ``must_remain`` flag are one
    node of capacity their number (an exact aggregation for unit capacities).
    """
    import networkx as nx

    needed = [
        (r.function, r.skill, r.slots(posture)) for r in post.requirements if r.slots(posture) > 0
    ]
    members = [m for m in members if not m.must_leave]
    remain = sum(1 for m in members if m.must_remain)
    total = sum(s for _, _, s in needed)
    if not needed:
        return max(post.min_retained, remain) if len(members) >= post.min_retained else None
    skills = {skill for _, skill, _ in needed}
    classes: dict[tuple[frozenset[str], bool], int] = {}
    for m in members:
        key = (frozenset(skills.intersection(m.skills)), m.must_remain)
        classes[key] = classes.get(key, 0) + 1
    graph = nx.DiGraph()
    for f, skill, slots in needed:
        graph.add_edge("source", ("f", f), capacity=slots, weight=0)
        for (held, must), size in classes.items():
            if skill in held:
                graph.add_edge(("f", f), ("c", held, must), capacity=size, weight=0)
    for (held, must), size in classes.items():
        if held:
            graph.add_edge(("c", held, must), "sink", capacity=size, weight=0 if must else 1)
    if "sink" not in graph:
        return None
    flow = nx.max_flow_min_cost(graph, "source", "sink")
    if sum(flow["source"].values()) != total:
        return None
    cost = nx.cost_of_flow(graph, flow)
    best = max(post.min_retained, remain + int(cost))
    return best if len(members) >= post.min_retained else None
