"""Independent optima for the checks: who could stay at a post, by flows and a small MIP.

``_verify`` judges a plan against these, never against the solver's models:
:func:`_feasible` (a max flow: can some plan keep these rules?),
:func:`_fewest_retained` (a min-cost flow: the fewest staff any plan keeps,
with one function a person), both with networkx, and :func:`_fewest` (the
fewest staff a plan keeping some rules retains, with any number of
functions a person: a small MIP solved by CBC, not CP-SAT), which judges a
conflict that names extraction seats. A person may fill a function when
they have its skill and, under the rule ``categories``, are of a category
it admits (:meth:`~evacplan.models.Requirement.admits`). Each reads the
scenario's models and imports nothing else from the package.
"""

from __future__ import annotations

from typing import Any

from evacplan.models import Post, Posture, Requirement, Scenario, StaffMember


def _fills(m: StaffMember, r: Requirement, categories: bool) -> bool:
    """Whether ``m`` may fill ``r``: its skill, and (with the rule) a category it admits."""
    return r.skill in m.skills and (not categories or r.admits(m.category))


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
        r for r in post.requirements if ("cover", r.function) in rules and r.slots(posture) > 0
    ]
    if not needed:
        return True
    capped = ("max-functions", None) in rules
    limit = scenario.policy.max_functions_per_person if capped else len(needed)
    graph = nx.DiGraph()
    for r in needed:
        graph.add_edge("source", ("f", r.function), capacity=r.slots(posture))
        barred = ("categories", r.function) in rules
        for m in available:
            if _fills(m, r, barred):
                graph.add_edge(("f", r.function), ("p", m.id), capacity=1)
                graph.add_edge(("p", m.id), "sink", capacity=limit)
    if "sink" not in graph:
        return False
    value = nx.maximum_flow_value(graph, "source", "sink")
    return bool(value == sum(r.slots(posture) for r in needed))


def _fewest_retained(members: list[StaffMember], post: Post, posture: Posture) -> int | None:
    """The fewest people a plan can retain when each person covers one function, or None.

    With one function per person, the coverers are ``S`` distinct people
    (``S`` the slots), the ``must_remain`` staff ``M`` stay anyway, and the
    headcount is ``max(min_retained, |M| + S - (must_remain people among the
    coverers))``. A min-cost flow from functions to people, costing 1 for
    each coverer who is not ``must_remain``, maximises that overlap. People
    with the same needed skills and the same ``must_remain`` flag are one
    node of capacity their number (an exact aggregation for unit capacities).
    Every rule holds, ``categories`` among them.
    """
    import networkx as nx

    needed = [r for r in post.requirements if r.slots(posture) > 0]
    members = [m for m in members if not m.must_leave]
    remain = sum(1 for m in members if m.must_remain)
    total = sum(r.slots(posture) for r in needed)
    if not needed:
        return max(post.min_retained, remain) if len(members) >= post.min_retained else None
    classes: dict[tuple[frozenset[str], bool], int] = {}
    for m in members:
        key = (frozenset(r.function for r in needed if _fills(m, r, True)), m.must_remain)
        classes[key] = classes.get(key, 0) + 1
    graph = nx.DiGraph()
    for r in needed:
        f = r.function
        graph.add_edge("source", ("f", f), capacity=r.slots(posture), weight=0)
        for (held, must), size in classes.items():
            if f in held:
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


def _fewest(
    scenario: Scenario,
    members: list[StaffMember],
    post: Post,
    posture: Posture,
    rules: set[tuple[str, str | None]],
) -> int | None:
    """The fewest staff a plan keeping ``rules`` retains at ``post``, or None if none does.

    A small MIP over classes of staff (same functions they may fill under
    ``rules``, same ``must-remain`` rule), solved by CBC: ``keep[c]`` of class ``c`` stay, ``use[c, f]`` of
    them cover function ``f``; ``use[c, f] <= keep[c]`` (a function once a
    person) and ``sum_f use[c, f] <= limit * keep[c]`` let each class share
    its duties out in turn, so the counts are a plan.
    """
    from ortools.linear_solver import pywraplp

    leave = {s for r, s in rules if r == "must-leave"}
    remain = {s for r, s in rules if r == "must-remain"}
    if leave & remain:
        return None
    available = [m for m in members if m.id not in leave]
    floor = post.min_retained if ("min-retained", None) in rules else 0
    if len(available) < floor:
        return None
    needed = [
        r for r in post.requirements if ("cover", r.function) in rules and r.slots(posture) > 0
    ]
    capped = ("max-functions", None) in rules
    limit = scenario.policy.max_functions_per_person if capped else max(1, len(needed))
    classes: dict[tuple[frozenset[str], bool], int] = {}
    for m in available:
        fills = (r.function for r in needed if _fills(m, r, ("categories", r.function) in rules))
        key = (frozenset(fills), m.id in remain)
        classes[key] = classes.get(key, 0) + 1
    solver = pywraplp.Solver.CreateSolver("CBC") or pywraplp.Solver.CreateSolver("SCIP")
    keep = {c: solver.IntVar(size if c[1] else 0, size, "") for c, size in classes.items()}
    duties: dict[tuple[frozenset[str], bool], list[Any]] = {c: [] for c in classes}
    for r in needed:
        slots = r.slots(posture)
        uses = []
        for c, size in classes.items():
            if r.function in c[0]:
                use = solver.IntVar(0, min(size, slots), "")
                solver.Add(use <= keep[c])
                uses.append(use)
                duties[c].append(use)
        if not uses:
            return None
        solver.Add(solver.Sum(uses) == slots)
    for c, uses in duties.items():
        if len(uses) > limit:
            solver.Add(solver.Sum(uses) <= limit * keep[c])
    solver.Minimize(solver.Sum(list(keep.values())))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return max(floor, round(solver.Objective().Value()))
