"""The lexicographic levels: solving one post, level by level, and decoding the counts.

Takes a :class:`~evacplan.staffing._compile._PostProblem` from ``_compile``,
builds its :class:`~evacplan.staffing._model._Model`, and minimises each
objective level in turn, fixing each optimum (or keeping the plan found so
far when the time limit runs out) before the next. The result is a
:class:`_PostResult`: how many of each group stay and cover each function,
each level's value and proven bound, and, for an infeasible post, the
conflicts from ``_conflicts``. :func:`_decode` turns the counts into people
and their functions. ``_drawdown`` solves every post with :func:`_solve_post`
and ``plan`` decodes the results; ``_explain`` re-solves one post with a
person fixed the other way.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from evacplan.errors import SolverError
from evacplan.results import Status
from evacplan.staffing._compile import _PostProblem
from evacplan.staffing._conflicts import _conflicts
from evacplan.staffing._model import _Model, _new_solver
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
