"""The CP-SAT counting model of a cluster of open posts, and the solver settings.

Takes a :class:`~evacplan.staffing._compile._Cluster` from ``_compile`` (one
post alone, or the open posts that share extraction lifts) and builds
:class:`_Model`: how many of each group of each post stay, how many of them
cover each function, the rules as constraints (the lifts' seats across
posts) and the four objective levels as expressions, per post and summed
over the cluster. ``_solve`` optimises the levels of a model built without
rule literals; ``_conflicts`` builds it with one literal per rule
(``with_rules``) to find a core of rules that cannot all hold, then with
only some rules (``keep``, each hard, so that the LP relaxation sees them)
to shrink the core; ``_explain`` builds it without the seats
(``seats=False``) or without the requirements' categories
(``categories=False``) to tell whether they decide a fate.
All make their solvers with :func:`_new_solver`.
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from evacplan.staffing._compile import _Cluster, _PostProblem

_Fix = dict[tuple[int, int], int]  # (post index, group index) -> people of the group who stay
_Rule = tuple[str, str, str | None]  # (rule, post, subject)


class _Model:
    """The counting model of a cluster of open posts.

    ``n[k][g]`` counts the people of group ``g`` of post ``k`` who stay,
    ``y[k][g][j]`` those of them covering function ``j`` (0 where the group
    cannot); ``post_levels[k]`` are post ``k``'s level expressions and
    ``levels`` their sums. ``rule_lits`` holds (literal, rule, post, subject).
    With ``keep``, only the rules it names are in the model. A group with a
    function's skill but of a category the function does not admit has a
    ``y`` for it only where the ``categories`` rule may be off (a literal,
    left out by ``keep``, or ``categories=False``).
    """

    def __init__(
        self,
        c: _Cluster,
        *,
        with_rules: bool,
        fix: _Fix | None = None,
        seats: bool = True,
        categories: bool = True,
        keep: set[_Rule] | None = None,
    ):
        self.c = c
        self.keep = keep
        self.categories = categories
        model = self.model = cp_model.CpModel()
        self.rule_lits: list[tuple[cp_model.IntVar, str, str, str | None]] = []
        self.n: list[list[cp_model.IntVar]] = []
        self.y: list[list[list[Any]]] = []
        self.post_levels: list[list[Any]] = []
        named = None if keep is None else {post for _, post, _ in keep}
        for k, p in enumerate(c.problems):
            if named is not None and p.post.id not in named:
                # No rule of this post is kept: it may keep nobody, so it needs no variables.
                self.n.append([])
                self.y.append([])
                self.post_levels.append([0, 0, 0, 0])
                continue
            self._post(k, p, with_rules, {g: v for (q, g), v in (fix or {}).items() if q == k})
        if seats:
            for lift in c.lifts:
                heads = sum(sum(self.n[k]) for k in lift.posts)
                first = c.problems[lift.posts[0]].post.id
                on = self._lit("extraction-seats", first, lift.id, with_rules)
                if on is not None:
                    model.add(heads <= lift.seats).only_enforce_if(on)
        self.levels: list[Any] = [sum(lv[i] for lv in self.post_levels) for i in range(4)]

    def _lit(
        self, rule: str, post: str, subject: str | None, on: bool
    ) -> list[cp_model.IntVar] | None:
        """How a rule holds: ``[]`` always, ``[literal]`` when it is true, None: left out."""
        if self.keep is not None:
            return [] if (rule, post, subject) in self.keep else None
        if not on:
            return []
        b = self.model.new_bool_var(f"{rule}:{post}:{subject}")
        self.rule_lits.append((b, rule, post, subject))
        return [b]

    def _person(self, rule: str, post: str, subject: str) -> cp_model.IntVar:
        """The literal of a rule about one person (only with rule literals)."""
        lit = self._lit(rule, post, subject, True)
        assert lit, "a rule literal is made for every rule"
        return lit[0]

    def _post(self, k: int, p: _PostProblem, with_rules: bool, fix: dict[int, int]) -> None:
        model, pid = self.model, p.post.id
        F = len(p.functions)
        n: list[cp_model.IntVar] = []
        for g, grp in enumerate(p.groups):
            size = len(grp.members)
            lo, hi = 0, size
            if self.keep is not None:
                ids = [p.members[i].id for i in grp.members]
                lo = sum(("must-remain", pid, x) in self.keep for x in ids)
                hi = size - sum(("must-leave", pid, x) in self.keep for x in ids)
            elif not with_rules:
                if grp.must_leave:
                    hi = 0
                if grp.must_remain:
                    lo = size
            if g in fix:
                lo = max(lo, fix[g])
                hi = min(hi, fix[g])
            n.append(model.new_int_var(lo, max(lo, hi), f"n{k}_{g}"))
            if lo > hi:  # contradictory fix: an infeasible counterfactual
                model.add(n[-1] <= hi)
        # Rule categories, per function that bars someone with its skill: [] holds, None off.
        barred: dict[int, list[cp_model.IntVar] | None] = {}
        for j, (function, _, _) in enumerate(p.functions):
            if not any(grp.skilled[j] and not grp.mask[j] for grp in p.groups):
                continue
            if self.categories:
                barred[j] = self._lit("categories", pid, function, with_rules)
            else:
                barred[j] = None
        y: list[list[Any]] = []
        for g, grp in enumerate(p.groups):
            row: list[Any] = []
            for j, (_, _, slots) in enumerate(p.functions):
                rule = None if grp.mask[j] else barred.get(j, [])
                if grp.skilled[j] and rule != []:
                    v = model.new_int_var(0, min(len(grp.members), slots), f"y{k}_{g}_{j}")
                    model.add(v <= n[g])
                    if rule:  # barred while the rule's literal holds
                        model.add(v == 0).only_enforce_if(rule[0])
                    row.append(v)
                else:
                    row.append(0)
            y.append(row)
        self.n.append(n)
        self.y.append(y)

        for j, (function, _, slots) in enumerate(p.functions):
            terms = [y[g][j] for g in range(len(p.groups)) if not isinstance(y[g][j], int)]
            on = self._lit("cover", pid, function, with_rules)
            if on is not None:
                model.add(sum(terms) == slots).only_enforce_if(on)
        cap = self._lit("max-functions", pid, None, with_rules) if p.capacity < F else None
        if cap is not None:
            for g in range(len(p.groups)):
                terms = [v for v in y[g] if not isinstance(v, int)]
                if len(terms) > p.capacity:
                    model.add(sum(terms) <= p.capacity * n[g]).only_enforce_if(cap)
        on = self._lit("min-retained", pid, None, with_rules) if p.post.min_retained else None
        if on is not None:
            model.add(sum(n) >= p.post.min_retained).only_enforce_if(on)
        if with_rules and self.keep is None:
            for g, grp in enumerate(p.groups):
                if grp.must_remain:
                    lits = [self._person("must-remain", pid, p.members[i].id) for i in grp.members]
                    model.add(n[g] >= sum(lits))
                if grp.must_leave:
                    lits = [self._person("must-leave", pid, p.members[i].id) for i in grp.members]
                    model.add(n[g] + sum(lits) <= len(grp.members))

        self.post_levels.append(
            [
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
        )


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
