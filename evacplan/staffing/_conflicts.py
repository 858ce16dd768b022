"""Irreducible conflicts: which rules of an infeasible post cannot all hold, in words.

When ``_solve`` finds no plan for a post, it asks :func:`_conflicts` why. This
builds the post's :class:`~evacplan.staffing._model._Model` with one literal
per rule (as applied to a function, a person or the whole post), takes
CP-SAT's infeasible core of those literals and shrinks it with a deletion
filter until dropping any rule makes the rest satisfiable. Each rule left
becomes a :class:`~evacplan.staffing.rules.Conflict` with a message naming
the post, the function or person, and the numbers; ``_solve`` hands them on
in its result and ``plan`` reports them as ``DrawdownPlan.conflicts``.
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from evacplan.staffing._compile import _PostProblem
from evacplan.staffing._model import _Model, _new_solver
from evacplan.staffing._words import _describe, _names, _people
from evacplan.staffing.rules import Conflict

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
        who = _describe(member)
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
