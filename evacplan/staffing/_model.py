"""The CP-SAT counting model of one open post, and the solver settings.

Takes a :class:`~evacplan.staffing._compile._PostProblem` from ``_compile``
and builds :class:`_Model`: how many of each group stay, how many of them
cover each function, the rules as constraints and the four objective levels
as expressions. ``_solve`` optimises the levels of a model built without rule
literals; ``_conflicts`` builds it with one literal per rule (``with_rules``)
to find an irreducible conflict. Both make their solvers with
:func:`_new_solver`.
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from evacplan.staffing._compile import _PostProblem


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
