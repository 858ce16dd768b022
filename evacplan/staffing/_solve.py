"""The lexicographic levels: solving a cluster of posts, level by level; decoding the counts.

Takes a :class:`~evacplan.staffing._compile._Cluster` from ``_compile`` (one
post alone, or the open posts that share extraction lifts), builds its
:class:`~evacplan.staffing._model._Model`, and minimises each objective
level, summed over the cluster, in turn, fixing each optimum (or keeping the
plan found so far when the time limit runs out) before the next. The result
is a :class:`_PostResult` per post: how many of each group stay and cover
each function, each level's value and proven bound, and, for an infeasible
cluster, the conflicts from ``_conflicts``. :func:`_decode` turns the counts
into people and their functions. ``_drawdown`` solves every cluster with
:func:`_solve_cluster` and ``plan`` decodes the results; ``_explain``
re-solves a cluster with a person fixed the other way.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from evacplan.errors import SolverError
from evacplan.results import Status
from evacplan.staffing._compile import _Cluster, _PostProblem
from evacplan.staffing._conflicts import _conflicts
from evacplan.staffing._model import _Fix, _Model, _new_solver
from evacplan.staffing.rules import Conflict


@dataclass(slots=True)
class _PostResult:
    """One post solved: the counts per group, each level's value and bound, any conflicts."""

    status: Status
    counts: list[int] = field(default_factory=list)  # retained per group
    uses: list[list[int]] = field(default_factory=list)  # people of group g covering function j
    values: list[int | None] = field(default_factory=lambda: [None] * 4)
    bounds: list[int | None] = field(default_factory=lambda: [None] * 4)
    conflicts: list[Conflict] = field(default_factory=list)


def _bound(solver: cp_model.CpSolver) -> int:
    """The solver's proven lower bound on the objective as an integer (levels are >= 0)."""
    bound = solver.best_objective_bound
    return max(0, math.ceil(bound - 1e-6)) if math.isfinite(bound) else 0


def _solve_cluster(
    c: _Cluster,
    *,
    workers: int,
    seed: int,
    deadline: float | None,
    fix: _Fix | None = None,
    seats: bool = True,
    categories: bool = True,
) -> list[_PostResult]:
    """Solve a cluster lexicographically: one result per post; infeasible ones get conflicts.

    The levels are the cluster's totals. Each post reports its own value of
    each level, and as its bound that value less the cluster's gap: the
    lifts only cap headcounts, so each post of an optimal cluster is at its
    own optimum, and a post can be no better than its value by more than the
    cluster's gap. ``seats=False`` and ``categories=False`` leave those rules out (the
    questions ``_explain`` asks).
    """
    if len(c.problems) == 1 and not c.problems[0].posture.is_open:
        p = c.problems[0]
        G, F = len(p.groups), len(p.functions)
        # Everyone leaves: whoever the previous plan kept counts as a change.
        changes = sum(len(g.members) for g in p.groups if g.prev is True)
        levels: list[int | None] = [0, 0, changes, 0]
        return [_PostResult(Status.OPTIMAL, [0] * G, [[0] * F] * G, levels, list(levels))]
    m = _Model(c, with_rules=False, fix=fix, seats=seats, categories=categories)
    model = m.model
    status = Status.OPTIMAL
    values: list[int | None] = [None] * 4
    bounds: list[int | None] = [None] * 4
    active = [
        True,
        True,
        any(p.has_previous for p in c.problems),
        any(g.prev_functions for p in c.problems for g in p.groups),
    ]
    solution: list[int] | None = None
    last: cp_model.CpSolver | None = None  # the solver holding ``solution``
    variables = [
        *(v for n in m.n for v in n),
        *(v for y in m.y for row in y for v in row if not isinstance(v, int)),
    ]
    names = ", ".join(p.post.id for p in c.problems)
    for k, expr in enumerate(m.levels):
        if not active[k] or isinstance(expr, int):
            values[k] = bounds[k] = int(expr) if isinstance(expr, int) else 0
            continue
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0 and last is not None:
            # Out of time: keep the plan found so far; every level is >= 0.
            bounds[k] = 0
            status = Status.FEASIBLE
            continue
        model.clear_objective()
        model.minimize(expr)
        solver = _new_solver(workers, seed, left)
        answer = solver.solve(model)
        if answer == cp_model.MODEL_INVALID:  # pragma: no cover - a bug, not an answer
            raise SolverError(f"CP-SAT rejected the model of {names}: {model.validate()}")
        bound = _bound(solver)
        if answer != cp_model.OPTIMAL:
            status = Status.FEASIBLE
        if answer == cp_model.UNKNOWN:
            if last is not None:  # out of time at this level: keep the plan found so far
                bounds[k] = bound
                continue
            # Out of time before any plan: find a first one regardless of the limit.
            model.clear_objective()
            solver = _new_solver(workers, seed, None)
            answer = solver.solve(model)
        if answer == cp_model.INFEASIBLE:
            if k > 0:  # pragma: no cover - fixing a level keeps the solution found
                raise SolverError(f"fixing a level made {names} infeasible")
            return _infeasible(c, seed, fix)
        value = int(solver.value(expr))
        values[k], bounds[k] = value, min(value, bound)
        model.add(expr <= value)
        last = solver
        solution = [int(solver.value(v)) for v in variables]
        model.clear_hints()
        for v, x in zip(variables, solution, strict=True):
            model.add_hint(v, x)
    if last is None or solution is None:  # every level was constant: find any plan
        last = _new_solver(workers, seed, None)
        if last.solve(model) == cp_model.INFEASIBLE:
            return _infeasible(c, seed, fix)
        solution = [int(last.value(v)) for v in variables]
    # A later level may improve an earlier one that was not proven (under a time
    # limit): report every level's value in the final solution.
    gaps = [0] * 4
    for k, expr in enumerate(m.levels):
        if not isinstance(expr, int) and active[k]:
            final = int(last.value(expr))
            proven = bounds[k]
            values[k] = final
            bounds[k] = final if proven is None else min(final, proven)
        gaps[k] = (values[k] or 0) - (bounds[k] or 0)
    if not any(gaps):
        # Every level meets a proven bound: optimal, even if a search timed out.
        status = Status.OPTIMAL
    results = []
    it = iter(solution)
    counts = [[next(it) for _ in n] for n in m.n]
    for k, y in enumerate(m.y):
        mine = [int(last.value(e)) if not isinstance(e, int) else e for e in m.post_levels[k]]
        results.append(
            _PostResult(
                status,
                counts[k],
                [[0 if isinstance(v, int) else next(it) for v in row] for row in y],
                [*mine],
                [max(0, v - gap) for v, gap in zip(mine, gaps, strict=True)],
            )
        )
    return results


def _infeasible(c: _Cluster, seed: int, fix: _Fix | None) -> list[_PostResult]:
    """Every post of an infeasible cluster, each with the conflicts that name it first."""
    conflicts = [] if fix is not None else _conflicts(c, seed)
    return [
        _PostResult(Status.INFEASIBLE, conflicts=[x for x in conflicts if x.post == p.post.id])
        for p in c.problems
    ]


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
