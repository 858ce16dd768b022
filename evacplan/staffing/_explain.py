"""Explanations: why a person stays or leaves, in words, with the plan that decides otherwise.

:meth:`DrawdownPlan.explain <evacplan.staffing.plan.DrawdownPlan.explain>`
calls :func:`explain` with the plan. It reads the plan's decisions, its
compiled problems (from ``_compile``) and results (from ``_solve``), as
:class:`_Explained` lists; for a person not bound by a rule, it re-solves
their post's cluster (the posts sharing an extraction lift with it) with
them decided the other way (:func:`~evacplan.staffing._compile._isolate`
puts them in a group of their own;
:func:`~evacplan.staffing._solve._solve_cluster` solves it) and says how
that best alternative compares: more people, a worse choice of people, more
changes from the previous plan, a tie, or no plan at all because the
extraction seats are full. Where a requirement's ``categories`` bar someone
from a function the person could fill (or does fill), it says so, and
re-solves without that rule (``_solve_cluster(categories=False)``) to say
when the rule decides the person's fate: without it, a plan as good or
better would decide them the other way, with someone of a barred category
filling the function.
"""

from __future__ import annotations

from typing import Protocol

from evacplan.models import Category, Posture, Scenario, StaffMember
from evacplan.results import Status
from evacplan.staffing._compile import _Cluster, _isolate, _Lift, _PostProblem
from evacplan.staffing._solve import _decode, _PostResult, _solve_cluster
from evacplan.staffing._words import (
    _and,
    _categories,
    _describe,
    _is_category,
    _people,
    _who_is,
    _who_list,
)
from evacplan.staffing.rules import Conflict


class _Explained(Protocol):
    """What an explanation reads of a DrawdownPlan, the solved posts included.

    (A protocol, because ``plan`` imports this module, not the other way round.)
    """

    scenario: Scenario
    retained: dict[str, list[str]]
    assignments: dict[str, tuple[str, ...]]
    seed: int
    workers: int
    _problems: dict[str, _PostProblem]
    _results: dict[str, _PostResult]
    _clusters: dict[str, _Cluster]
    conflicts: list[Conflict]

    def _member(self, staff_id: str) -> StaffMember: ...


def explain(plan: _Explained, staff_id: str) -> str:
    """Why this person stays or leaves, in words: the body of ``DrawdownPlan.explain``."""
    member = plan._member(staff_id)
    post_id = member.post
    p = plan._problems[post_id]
    r = plan._results[post_id]
    who, posture = _describe(member), p.posture.value
    if r.status is Status.INFEASIBLE:
        together = [q.post.id for q in plan._clusters[post_id].problems]
        rules = "; ".join(c.message for c in plan.conflicts if c.post in together)
        others = [q for q in together if q != post_id]
        where = (
            f" (nor for {_and(others)}, joined to it by shared extraction lifts)" if others else ""
        )
        return (
            f"{who}: no plan exists for {post_id} at {posture}{where}, so nobody is decided. "
            f"These rules cannot all hold: {rules}."
        )
    stays = member.id in plan.assignments or member.id in set(plan.retained[post_id])
    parts: list[str] = []
    if stays:
        duties = plan.assignments.get(member.id, ())
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
            parts.extend(_categories_words(plan, member, duties, stay=True))
            parts.append(_counterfactual(plan, member, stay=False))
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
        parts.extend(_categories_words(plan, member, (), stay=False))
        parts.append(_counterfactual(plan, member, stay=True))
    parts.append(_party_words(plan, member))
    return " ".join(parts)


def _party_words(plan: _Explained, member: StaffMember) -> str:
    n = member.dependants
    company = f"with {n} dependant{'s' if n != 1 else ''} as one party" if n else "alone"
    if plan.scenario.relocates(member):
        return f"They leave from {member.location}, {company}, and are moved to a safe haven."
    why = (
        "locally engaged staff are not relocated unless the scenario says so"
        if member.category is Category.LOCALLY_ENGAGED and member.relocate is None
        else "their entry says relocate: false"
    )
    return f"They stand down at home, {company}, rather than moving to a safe haven ({why})."


def _counterfactual(plan: _Explained, member: StaffMember, *, stay: bool) -> str:
    """Compare the plan with the best plan that decides ``member`` the other way."""
    post_id = member.post
    c = plan._clusters[post_id]
    at = next(k for k, q in enumerate(c.problems) if q.post.id == post_id)
    p = c.problems[at]
    r = plan._results[post_id]
    index = next(i for i, m in enumerate(p.members) if m.id == member.id)
    q, g = _isolate(p, index)
    alone = _Cluster([*c.problems[:at], q, *c.problems[at + 1 :]], c.lifts)
    fix = {(at, g): 1 if stay else 0}
    alts = _solve_cluster(alone, workers=plan.workers, seed=plan.seed, deadline=None, fix=fix)
    alt = alts[at]
    name, posture = member.id, p.posture.value
    if alt.status is Status.INFEASIBLE:
        if stay:  # keeping one more person breaks a rule only if the seats are full
            heads = [len(plan.retained[x.post.id]) + (k == at) for k, x in enumerate(c.problems)]
            full = _over(c, heads)
            if full is None:  # pragma: no cover - no other rule caps a headcount
                return f"Keeping {name} would break the post's rules."
            return (
                f"Keeping {name} would take {_people(heads[at])} at {post_id}, "
                f"but {_seats(c, full, heads, at)}."
            )
        if c.lifts:  # would the post have a plan if the seats were not limited?
            free = _solve_cluster(
                alone, workers=plan.workers, seed=plan.seed, deadline=None, fix=fix, seats=False
            )
            if free[at].status is not Status.INFEASIBLE:
                heads = [x.values[0] or 0 for x in free]
                full = _over(c, heads)  # some lift: without seats the plan exists
                assert full is not None, "a plan that fits every lift was found infeasible"
                return (
                    f"Without {name}, {post_id} would need {_people(heads[at])} at {posture}, "
                    f"but {_seats(c, full, heads, at)}."
                )
        return f"Without {name}, no plan could keep {post_id} open at {posture}."
    kept, _ = _decode(q, alt)
    mine = set(plan.retained[post_id])
    theirs = {q.members[i].id for i in kept}
    staff = plan.scenario.staff_by_id
    added = [staff[s] for s in sorted(theirs - mine)]
    removed = [staff[s] for s in sorted(mine - theirs)]
    swap = f"with {_who_list(added)} in place of {_who_list(removed)}" if removed else ""
    mv, av = r.values, alt.values
    # Which level decides is a question about the cluster's totals (the levels summed).
    ours = [sum(plan._results[x.post.id].values[k] or 0 for x in c.problems) for k in range(4)]
    best = [sum(x.values[k] or 0 for x in alts) for k in range(4)]
    worse = next((k for k in range(4) if best[k] != ours[k]), None)
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
    return _tie(plan, member, removed if stay else added, stay=stay)


def _categories_words(
    plan: _Explained, member: StaffMember, duties: tuple[str, ...], *, stay: bool
) -> list[str]:
    """The rule ``categories`` where it touches ``member``, in words; ``[]`` where it does not.

    For someone who leaves: the needed functions whose skill they have but whose
    categories bar them. For someone who stays: the functions they cover whose
    categories bar someone else with the skill. Then, when the rule decides their
    fate, a sentence saying so: the best plan without the rule that decides
    ``member`` the other way is at least as good as this one, and has someone of a
    barred category fill one of those functions.
    """
    post_id = member.post
    c = plan._clusters[post_id]
    at = next(k for k, q in enumerate(c.problems) if q.post.id == post_id)
    p = c.problems[at]
    barred: dict[int, list[StaffMember]] = {}
    for j, (function, skill, _) in enumerate(p.functions):
        cats = p.categories[j]
        if not cats or (stay and function not in duties):
            continue
        who = [m for m in p.members if skill in m.skills and m.category not in cats]
        if who and (stay or any(m.id == member.id for m in who)):
            barred[j] = who
    if not barred:
        return []
    if stay:
        said = [
            f"Only a {_categories(p.categories[j])} may fill {p.functions[j][0]} "
            f"[categories]: {_who_is(who)}, who {'has' if len(who) == 1 else 'have'} the skill "
            f"{p.functions[j][1]!r}, cannot."
            for j, who in barred.items()
        ]
    else:
        named = [(p.functions[j][0], _categories(p.categories[j])) for j in barred]
        if len(named) == 1:
            what = f"{named[0][0]}: it must be filled by a {named[0][1]}"
        else:
            what = _and([f"{f} (only a {words} may)" for f, words in named])
        said = [f"They are {_is_category(member)} and cannot fill {what} [categories]."]
    decided = _without_categories(plan, member, set(barred), stay=stay)
    return said + ([decided] if decided else [])


def _without_categories(
    plan: _Explained, member: StaffMember, barred: set[int], *, stay: bool
) -> str | None:
    """What the best plan without the rule ``categories`` would do, if it decides otherwise.

    Re-solves ``member``'s cluster without the rule, with ``member`` decided the other
    way; None unless that plan is at least as good as this one and has someone of a
    barred category fill one of the functions ``barred`` (indices).
    """
    post_id = member.post
    c = plan._clusters[post_id]
    at = next(k for k, q in enumerate(c.problems) if q.post.id == post_id)
    p = c.problems[at]
    index = next(i for i, m in enumerate(p.members) if m.id == member.id)
    q, g = _isolate(p, index)
    alone = _Cluster([*c.problems[:at], q, *c.problems[at + 1 :]], c.lifts)
    fix = {(at, g): 0 if stay else 1}
    alts = _solve_cluster(
        alone, workers=plan.workers, seed=plan.seed, deadline=None, fix=fix, categories=False
    )
    alt = alts[at]
    if alt.status is Status.INFEASIBLE:
        return None
    ours = [sum(plan._results[x.post.id].values[k] or 0 for x in c.problems) for k in range(4)]
    best = [sum(x.values[k] or 0 for x in alts) for k in range(4)]
    filled = any(
        alt.uses[h][j] > 0 and grp.skilled[j] and not grp.mask[j]
        for h, grp in enumerate(q.groups)
        for j in barred
    )
    if best > ours or not filled:
        return None
    kept, _ = _decode(q, alt)
    mine = set(plan.retained[post_id])
    theirs = {q.members[i].id for i in kept}
    staff = plan.scenario.staff_by_id
    added = [staff[x] for x in sorted(theirs - mine)]
    removed = [staff[x] for x in sorted(mine - theirs)]
    swap = f"{_who_list(added)} in place of {_who_list(removed)}"
    if best == ours:
        return f"Without that rule, an equally good plan could keep {swap}."
    if best[0] < ours[0]:
        fewer = f"{_people(alt.values[0] or 0)} instead of {plan._results[post_id].values[0]}"
        what = f": {swap}" if added else f", without {_who_list(removed, flags=False)}"
        return f"Without that rule, the best plan would keep {fewer}{what}."
    return f"Without that rule, the best plan would keep {swap}."


def _over(c: _Cluster, heads: list[int]) -> _Lift | None:
    """The first of the cluster's lifts that ``heads`` (people kept per post) would overfill."""
    return next((x for x in c.lifts if sum(heads[k] for k in x.posts) > x.seats), None)


def _seats(c: _Cluster, lift: _Lift, heads: list[int], at: int) -> str:
    """Words for a lift that is too small: whose it is, what else it carries, its seats."""
    if lift.id is None:
        return f"its own extraction lift seats only {_people(lift.seats)} [extraction-seats]"
    others = [
        f"{c.problems[k].post.id} (keeping {heads[k]})" for k in lift.posts if k != at and heads[k]
    ]
    shared = f", shared with {_and(others)}," if others else ""
    return (
        f"the extraction lift {lift.id}{shared} seats only {_people(lift.seats)} [extraction-seats]"
    )


def _tie(plan: _Explained, member: StaffMember, others: list[StaffMember], *, stay: bool) -> str:
    """Words for a tie: an equally good plan decides ``member`` the other way."""
    if not others:  # pragma: no cover - a swap always involves someone else
        return "An equally good plan decides them the other way."
    p = plan._problems[member.post]
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
