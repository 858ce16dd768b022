"""The independent checks: a plan against every rule, reading the scenario, without CP-SAT.

:meth:`DrawdownPlan.verify <evacplan.staffing.plan.DrawdownPlan.verify>`
calls :func:`verify` with the plan. It reads only the scenario and the plan's
public fields (and the ``previous`` plan it was given), never the solver's
models (:class:`_Checked` lists what it may read), and returns every broken
rule as a :class:`~evacplan.staffing.rules.Violation`. The optimum headcount is checked
with an independent min-cost flow (:func:`_fewest_retained`) and each
reported conflict with a max flow (:func:`_feasible`), both with networkx.
"""

from __future__ import annotations

from typing import Protocol

from evacplan.errors import VerificationError
from evacplan.models import Post, Posture, Scenario, StaffMember
from evacplan.results import Party, Status
from evacplan.staffing._compile import _penalty, _Previous
from evacplan.staffing._words import _people
from evacplan.staffing.rules import Conflict, Level, Violation


class _Checked(Protocol):
    """What verify() reads of a DrawdownPlan: its public fields and its previous plan.

    Never the solver's models: mypy holds :func:`verify` to these. (A protocol, because
    ``plan`` imports this module, not the other way round.)
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
    _previous: _Previous | None


def verify(plan: _Checked, *, strict: bool = False) -> list[Violation]:
    """Run every check of ``DrawdownPlan.verify``, in order; raise them all if ``strict``."""
    out: list[Violation] = []
    out += _verify_accounting(plan)
    out += _verify_rules(plan)
    out += _verify_parties(plan)
    out += _verify_objective(plan)
    out += _verify_conflicts(plan)
    if strict and out:
        raise VerificationError(out)
    return out


def _verify_accounting(plan: _Checked) -> list[Violation]:
    sc, out = plan.scenario, []
    seen: dict[str, str] = {}
    for post in sc.posts:
        for name, mapping in (("retained", plan.retained), ("departing", plan.departing)):
            if post.id not in mapping:
                out.append(
                    Violation("accounted", post.id, None, f"the post is missing from {name}")
                )
    for name, mapping in (
        ("retained", plan.retained),
        ("departing", plan.departing),
        ("undecided", plan.undecided),
    ):
        for post_id, ids in mapping.items():
            if post_id not in sc.post_by_id:
                out.append(Violation("accounted", post_id, None, f"{name} names an unknown post"))
                continue
            if (
                name == "undecided"
                and ids
                and plan.post_status.get(post_id) is not Status.INFEASIBLE
            ):
                out.append(
                    Violation(
                        "accounted", post_id, None, "staff are undecided at a post with a plan"
                    )
                )
            for sid in ids:
                member = sc.staff_by_id.get(sid)
                if member is None:
                    out.append(Violation("accounted", post_id, sid, f"{sid!r} is not on the staff"))
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
                Violation("accounted", member.post, member.id, f"{member.id} is not accounted for")
            )
    return out


def _verify_rules(plan: _Checked) -> list[Violation]:
    sc, out = plan.scenario, []
    limit = sc.policy.max_functions_per_person
    needs: dict[str, dict[str, tuple[str, int]]] = {}
    kept: dict[str, set[str]] = {}
    for post in sc.posts:
        posture = plan.postures.get(post.id)
        if posture is None or plan.post_status.get(post.id) is Status.INFEASIBLE:
            continue
        stay = kept[post.id] = set(plan.retained.get(post.id, ()))
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
                out.append(Violation("must-leave", post.id, m.id, f"{m.id} must leave but stays"))
        if len(stay) < post.min_retained:
            out.append(
                Violation(
                    "min-retained",
                    post.id,
                    None,
                    f"keeps {_people(len(stay))}, fewer than min_retained {post.min_retained}",
                )
            )
    count: dict[tuple[str, str], int] = {}
    for sid, functions in plan.assignments.items():
        member = sc.staff_by_id.get(sid)
        if member is None:
            out.append(Violation("cover", None, sid, f"{sid!r} covers a function but is not staff"))
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
                        f"{post_id} needs at {plan.postures[post_id].value}",
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
    expected = {sid: (fs[0] if len(fs) == 1 else fs) for sid, fs in plan.assignments.items()}
    if expected != plan.covers:
        out.append(Violation("cover", None, None, "covers disagrees with assignments"))
    return out


def _verify_parties(plan: _Checked) -> list[Violation]:
    sc, out = plan.scenario, []
    expected: dict[str, Party] = {}
    for post in sc.posts:
        posture = plan.postures.get(post.id)
        if posture is None or plan.post_status.get(post.id) is Status.INFEASIBLE:
            continue
        stay = set(plan.retained.get(post.id, ()))
        for m in sc.staff_by_post[post.id]:
            relocate = sc.relocates(m)
            if m.id not in stay:
                expected[m.id] = Party(m.id, m.party_size, m.location, post.id, 0, relocate)
            elif posture >= Posture.REDUCED and m.dependants:
                pid = f"{m.id}/dependants"
                expected[pid] = Party(pid, m.dependants, m.location, post.id, 0, relocate)
    actual: dict[str, Party] = {}
    for party in plan.parties:
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


def _verify_objective(plan: _Checked) -> list[Violation]:
    sc, out = plan.scenario, []
    prev = plan._previous
    limit = sc.policy.max_functions_per_person
    totals = [0, 0, 0, 0]
    for post in sc.posts:
        status = plan.post_status.get(post.id)
        levels = plan.post_levels.get(post.id)
        if status is None or levels is None or status is Status.INFEASIBLE:
            continue
        stay = set(plan.retained.get(post.id, ()))
        members = sc.staff_by_post[post.id]
        posture = plan.postures[post.id]
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
                if f not in plan.assignments.get(m.id, ())
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
    if plan.status is not Status.INFEASIBLE:
        for k, level in enumerate(plan.levels):
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


def _verify_conflicts(plan: _Checked) -> list[Violation]:
    sc, out = plan.scenario, []
    for post in sc.posts:
        if plan.post_status.get(post.id) is not Status.INFEASIBLE:
            continue
        rules = [(c.rule, c.subject) for c in plan.conflicts if c.post == post.id]
        posture = plan.postures[post.id]
        if not rules:
            out.append(Violation("conflict", post.id, None, "infeasible, but no conflict given"))
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
