"""Irreducible conflicts: which rules of an infeasible cluster cannot all hold, in words.

When ``_solve`` finds no plan for a cluster (one post, or the open posts
that share extraction lifts), it asks :func:`_conflicts` why. This builds
the cluster's :class:`~evacplan.staffing._model._Model` with one literal per
rule (as applied to a function, a person, a whole post or a lift), takes
CP-SAT's infeasible core of those literals and shrinks it with a deletion
filter until dropping any rule makes the rest satisfiable. Each rule left
becomes a :class:`~evacplan.staffing.rules.Conflict` with a message naming
the post, the function, person or lift, and the numbers; ``_solve`` hands
them on in its results and ``plan`` reports them as
``DrawdownPlan.conflicts``.
"""

from __future__ import annotations

from typing import Any

from ortools.sat.python import cp_model

from evacplan.staffing._compile import _Cluster, _PostProblem
from evacplan.staffing._model import _Model, _new_solver
from evacplan.staffing._words import _and, _categories, _describe, _names, _people, _who_is
from evacplan.staffing.rules import Conflict

# Rules tried for deletion first are the likeliest to be left out of the conflict.
_DELETION_ORDER = (
    "extraction-seats",
    "must-remain",
    "must-leave",
    "max-functions",
    "categories",
    "min-retained",
    "cover",
)
_ORDER = (
    "cover",
    "categories",
    "max-functions",
    "min-retained",
    "extraction-seats",
    "must-leave",
    "must-remain",
)

_Lit = tuple[Any, str, str, str | None]  # (literal, rule, post, subject)


def _conflicts(c: _Cluster, seed: int) -> list[Conflict]:
    """An irreducible set of the cluster's rules that cannot all hold (core, then deletion filter).

    The core comes from one model with a literal per rule; each deletion is
    tried on a model holding just the rules left, as hard constraints. Both
    keep the rules in the LP relaxation, without which proving that too few
    seats are left takes CP-SAT hundreds of thousands of branches.
    """
    m = _Model(c, with_rules=True)
    model = m.model
    model.add_assumptions([b for b, *_ in m.rule_lits])
    solver = _new_solver(1, seed, None)
    # Constraints that wait on a literal reach the LP only at level 2; at level 1 a
    # cluster of 10 posts whose lift is a few seats short ran past a minute.
    solver.parameters.linearization_level = 2
    if solver.solve(model) != cp_model.INFEASIBLE:  # pragma: no cover - defensive
        return []
    core_idx = set(solver.sufficient_assumptions_for_infeasibility())
    core: list[_Lit] = [t for t in m.rule_lits if t[0].index in core_idx]
    core.sort(key=lambda t: _DELETION_ORDER.index(t[1]))
    i = 0
    while i < len(core):
        trial = core[:i] + core[i + 1 :]
        keep = {(rule, post, subject) for _, rule, post, subject in trial}
        if _new_solver(1, seed, None).solve(_Model(c, with_rules=False, keep=keep).model) == (
            cp_model.INFEASIBLE
        ):
            core = trial
        else:
            i += 1
    post_of = {p.post.id: k for k, p in enumerate(c.problems)}
    place: dict[str, int] = {}
    for p in c.problems:
        place.update({f: j for j, (f, _, _) in enumerate(p.functions)})
        place.update({m.id: i for i, m in enumerate(p.members)})
    # A post's rules in post order; a shared lift's after them all.
    core.sort(
        key=lambda t: (
            t[1] == "extraction-seats" and t[3] is not None,
            post_of[t[2]],
            _ORDER.index(t[1]),
            place.get(t[3] or "", -1),
        )
    )
    problem = {p.post.id: p for p in c.problems}
    return [_conflict(c, problem[post], rule, subject, core) for _, rule, post, subject in core]


def _conflict(
    c: _Cluster, p: _PostProblem, rule: str, subject: str | None, core: list[_Lit]
) -> Conflict:
    post, posture = p.post.id, p.posture.value
    if rule == "extraction-seats":
        msg = _seats_words(c, p, subject)
    elif rule == "categories":
        j = next(j for j, f in enumerate(p.functions) if f[0] == subject)
        skill, cats = p.functions[j][1], p.categories[j]
        barred = [m for m in p.members if skill in m.skills and m.category not in cats]
        msg = (
            f"{subject} may be filled only by a {_categories(cats)} (categories); at {post}, "
            f"{_who_is(barred)} {'has' if len(barred) == 1 else 'have'} the skill {skill!r} "
            f"but cannot fill it"
        )
    elif rule == "cover" and any(
        r == "categories" and q == post and s == subject for _, r, q, s in core
    ):
        j = next(j for j, f in enumerate(p.functions) if f[0] == subject)
        _, skill, slots = p.functions[j]
        cats = p.categories[j]
        fit = [m for m in p.members if skill in m.skills and m.category in cats]
        if not fit:
            msg = (
                f"no {_categories(cats)} at {post} has the skill {skill!r} that {subject} "
                f"needs at {posture} ({_people(slots)})"
            )
        else:
            msg = (
                f"{subject} needs {_people(slots)} with the skill {skill!r} at {posture}, "
                f"each a {_categories(cats)}; at {post}, only {_names(fit)} "
                f"{'has' if len(fit) == 1 else 'have'} it"
            )
    elif rule == "cover":
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
            for f, cats in zip(p.functions, p.categories, strict=True)
            if f[1] in member.skills
            and (not cats or member.category in cats)
            and any(r == "cover" and q == post and s == f[0] for _, r, q, s in core)
        ]
        if rule == "must-leave" and needed:
            msg += f", though they have {', '.join(dict.fromkeys(needed))}"
    return Conflict(rule, post, subject, msg)


def _seats_words(c: _Cluster, p: _PostProblem, lift_id: str | None) -> str:
    """A lift's seats in words: a post's own (``lift_id`` None) or one shared by posts."""
    if lift_id is None:
        seats = p.post.extraction_seats or 0
        return (
            f"{p.post.id}'s own extraction lift seats {_people(seats)} (extraction_seats), "
            f"so at most {_people(seats)} can stay while it is open"
        )
    lift = next(x for x in c.lifts if x.id == lift_id)
    posts = [c.problems[k].post.id for k in lift.posts]
    where = posts[0] if len(posts) == 1 else _and(posts) + " together"
    return (
        f"the shared extraction lift {lift_id} seats {_people(lift.seats)} "
        f"(policy extraction), so at most {_people(lift.seats)} can stay at {where}"
    )
