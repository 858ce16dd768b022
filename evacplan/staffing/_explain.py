"""Explanations: why a person stays or leaves, in words, with the plan that decides otherwise.

:meth:`DrawdownPlan.explain <evacplan.staffing.plan.DrawdownPlan.explain>`
calls :func:`explain` with the plan. It reads the plan's decisions, its
compiled problems (from ``_compile``) and results (from ``_solve``), as
:class:`_Explained` lists; for a person not bound by a rule, it re-solves
their post with them decided the other way
(:func:`~evacplan.staffing._compile._isolate` puts them in a group of their
own; :func:`~evacplan.staffing._solve._solve_post` solves it) and says how
that best alternative compares: more people, a worse choice of people, more
changes from the previous plan, or a tie.
"""

from __future__ import annotations

from typing import Protocol

from evacplan.models import Category, Posture, Scenario, StaffMember
from evacplan.results import Status
from evacplan.staffing._compile import _isolate, _PostProblem
from evacplan.staffing._solve import _decode, _PostResult, _solve_post
from evacplan.staffing._words import _and, _describe, _people, _who_list


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

    def _member(self, staff_id: str) -> StaffMember: ...


def explain(plan: _Explained, staff_id: str) -> str:
    """Why this person stays or leaves, in words: the body of ``DrawdownPlan.explain``."""
    member = plan._member(staff_id)
    post_id = member.post
    p = plan._problems[post_id]
    r = plan._results[post_id]
    who, posture = _describe(member), p.posture.value
    if r.status is Status.INFEASIBLE:
        rules = "; ".join(c.message for c in r.conflicts)
        return (
            f"{who}: no plan exists for {post_id} at {posture}, so nobody is decided. "
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
    p = plan._problems[post_id]
    r = plan._results[post_id]
    index = next(i for i, m in enumerate(p.members) if m.id == member.id)
    q, g = _isolate(p, index)
    alt = _solve_post(
        q, workers=plan.workers, seed=plan.seed, deadline=None, fix={g: 1 if stay else 0}
    )
    name, posture = member.id, p.posture.value
    if alt.status is Status.INFEASIBLE:
        if stay:  # pragma: no cover - keeping one more person breaks no rule here
            return f"Keeping {name} would break the post's rules."
        return f"Without {name}, no plan could keep {post_id} open at {posture}."
    kept, _ = _decode(q, alt)
    mine = set(plan.retained[post_id])
    theirs = {q.members[i].id for i in kept}
    staff = plan.scenario.staff_by_id
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
    return _tie(plan, member, removed if stay else added, stay=stay)


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
