"""Families in the differential fuzzer: parties of one to five, which the reference splits.

``ten.py``'s network moves people one by one, so for parties of more than one
its optimum is a bound, not the answer: whole parties may waste seats and
room (docs/routing.md, "People" and "Objectives"), and a plan may fare worse
than the bound without being wrong. It may never fare better: for the parties
it saves, no plan beats the reference's optimum for those parties alone (in
the objective's order of figures), nor saves more of a tier than the
reference's most, and its lower bound on harm never exceeds its own harm when
it saves as many as the reference. (Its bounds may exceed the reference's
optimum: they are proven for whole parties, and only tallied.) Whatever
else ``fuzz.py`` asks of every plan (:func:`~tests.routing.fuzz._sound`:
``verify()``, the replay's figures, the bound met when ``optimal``, the queue
among parties of one size) is asked here too, and each party is accounted for
once: moved, stranded or standing down.

:func:`~tests.routing.fuzz.compare` hands a case here when any party is of more
than one (a case of parties of one is compared exactly).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence

from evacplan.routing import EvacuationPlan

from . import fuzz
from .fuzz import BETTER, TOLERANCE, _least_egress, _least_harm_optimum, _plan, _reach, _Run, _sound
from .ten import TEN, replay

Figure = float | int | None
ABOVE = "bound above the split optimum (whole parties, fine)"


def is_families(case: fuzz.Case) -> bool:
    """Whether ``case`` has a party of more than one (then the reference is only a bound)."""
    return any(p[1] > 1 for p in case.get("parties", ()))


def _beats(
    run: _Run, kind: str, names: Sequence[str], ours: Sequence[Figure], bound: Sequence[Figure]
) -> list[str]:
    """A mismatch if the plan's figures come before the reference's bound in their order
    (each figure the less the better, beyond rounding); a plan after it is tallied."""
    for name, a, b in zip(names, ours, bound, strict=True):
        if a is None or b is None:
            return []
        if abs(a - b) >= TOLERANCE:
            if a > b:
                run.tally["worse than the split optimum (fine)"] += 1
                return []
            return [f"{kind}:{name}: evacplan {name} {a}, reference bound {b} {BETTER}"]
    return []


def _saved(run: _Run, plan: EvacuationPlan) -> TEN:
    """The reference for the parties the plan saves, alone (the whole case if it saves all)."""
    saved = {pid for m in plan.movements for pid in m.parties}
    if len(saved) == len(run.case["parties"]):
        return run.ten
    run.tally["stranded parties"] += 1
    return fuzz.TEN({**run.case, "parties": [p for p in run.case["parties"] if p[0] in saved]})


def _more(run: _Run, kind: str, plan: EvacuationPlan, people: int) -> list[str]:
    """A mismatch if the plan moves more people than the reference can (fewer: tallied)."""
    if plan.people > people:
        return [
            f"{kind}:people: evacplan moved {plan.people}, reference max flow {people} {BETTER}"
        ]
    if plan.people < people:
        run.tally["fewer saved than split (fine)"] += 1
    return []


def _accounted(run: _Run, kind: str, plan: EvacuationPlan) -> list[str]:
    """Each party once: in one movement, stranded (with its size) or standing down."""
    size = {p[0]: p[1] for p in run.case["parties"]}
    seen: Counter[str] = Counter()
    for m in plan.movements:
        seen.update(m.parties)
    for x in plan.stranded:
        seen.update(x.parties)
        if x.count != sum(size.get(pid, 0) for pid in x.parties):
            return [f"{kind}:accounted: {x.count} stranded as parties {x.parties}"]
    seen.update(plan.standing_down)
    wrong = sorted(pid for pid in size.keys() | seen.keys() if seen[pid] != 1)
    return [f"{kind}:accounted: parties {wrong} not accounted for once"] if wrong else []


def _checked(run: _Run, kind: str, plan: EvacuationPlan, people: int) -> list[str]:
    """What every families plan must satisfy: :func:`_sound`, each party once, the count."""
    return _sound(run, kind, plan) + _accounted(run, kind, plan) + _more(run, kind, plan, people)


def _replayed(run: _Run, plan: EvacuationPlan) -> tuple[float, float, int]:
    """The risk, harm and arrivals the plan's movements take (``ten.replay``), to judge it
    by: where they differ from its own figures, the replay's mismatch says so (once)."""
    again = replay(run.ten, plan.movements)
    if again.problems:
        return plan.risk_exposure, plan.harm, plan.arrival_sum_minutes
    return again.risk, again.harm, again.arrivals


def _quickest(run: _Run) -> list[str]:
    """No earlier egress, then less risk, then earlier arrivals than the split optimum."""
    plan = _plan(run, "quickest")
    out = _checked(run, "quickest", plan, run.reach)
    ten = _saved(run, plan)
    people, _, least = _reach(run, ten)
    more = _more(run, "quickest", plan, people)
    if not people or more:
        return out + more
    best = ten.min_cost(least, people, "risk")
    assert best is not None
    if (plan.lower_bound_minutes or 0) > least * ten.step:
        run.tally[ABOVE] += 1
    risk, _, arrivals = _replayed(run, plan)
    figures = (plan.egress_minutes, risk, arrivals)
    bound = (least * ten.step, best.risk, best.arrivals)
    return out + _beats(run, "quickest", ("egress", "risk", "arrivals"), figures, bound)


def _safest(run: _Run) -> list[str]:
    """With a deadline near T*: no less risk, then no earlier egress, then arrivals."""
    s = run.case["step"]
    deadline = s * max(1, run.quickest + run.draw.randint(-2, 6))
    deadline += run.draw.randint(0, s - 1) if run.draw.random() < 0.5 else 0
    kind, horizon = f"safest@{deadline}", deadline // s
    plan = _plan(run, "safest", deadline=deadline)
    out = _checked(run, kind, plan, run.ten.max_flow(horizon))
    ten = _saved(run, plan)
    people = ten.max_flow(horizon)
    best = ten.min_cost(horizon, people, "risk")
    more = _more(run, kind, plan, people)
    if not people or best is None or more:
        return out + more
    for step in range(ten.least_horizon(people, 0, horizon), horizon + 1):
        if (at := ten.min_cost(step, people, "risk")) and at.risk_units == best.risk_units:
            risk, _, arrivals = _replayed(run, plan)
            figures = (risk, plan.egress_minutes, arrivals)
            bound = (best.risk, step * s, at.arrivals)
            return out + _beats(run, kind, ("risk", "egress", "arrivals"), figures, bound)
    return out + [f"{kind}:reference: no egress at the least risk"]


def _most_saved(run: _Run) -> list[str]:
    """With a deadline up to T*: no more saved tier by tier, then no less harm, arrivals."""
    s = run.case["step"]
    deadline = s * max(1, run.draw.randint(max(1, run.quickest // 3), run.quickest + 2))
    deadline += run.draw.randint(0, s - 1) if run.draw.random() < 0.5 else 0
    kind, horizon = f"most_saved@{deadline}", deadline // s
    plan = _plan(run, "most_saved", deadline=deadline)
    caps = run.ten.tier_max(horizon)
    out = _checked(run, kind, plan, sum(caps.values()))
    size = {p[0]: p[1] for p in run.case["parties"]}
    tier = {p[0]: p[4] for p in run.case["parties"]}
    got = Counter[int]()
    for pid in (pid for m in plan.movements for pid in m.parties):
        got[tier[pid]] += size[pid]
    tiers = [f"tier {t}" for t in run.ten.tiers]
    out += _beats(run, kind, tiers, [-got[t] for t in run.ten.tiers], [-caps[t] for t in caps])
    full = got == +Counter(caps)  # the bound on harm is for schedules that save as many
    ten = _saved(run, plan)
    caps = ten.tier_max(horizon)
    people = sum(caps.values())
    more = _more(run, kind, plan, people)
    if not people or more:
        return out + more
    best = ten.min_cost(horizon, people, "harm", caps)
    assert best is not None
    _, harm, arrivals = _replayed(run, plan)
    out += _harm_bound(run, kind, plan, best.harm, harm if full else None)
    return out + _beats(
        run, kind, ("harm", "arrivals"), (harm, arrivals), (best.harm, best.arrivals)
    )


def _harm_bound(
    run: _Run, kind: str, plan: EvacuationPlan, least: float, harm: float | None
) -> list[str]:
    """A mismatch if the plan's proven lower bound on harm exceeds its own ``harm`` (given
    when it saves as many as the reference could: the bound is for such schedules).

    A bound above the reference's ``least`` is tallied, not a mismatch: proven for whole
    parties, it may exceed the least harm of people split (a family of four crossing a
    road one a step goes on when the last is across: docs/routing.md, "People").
    """
    bound = plan.harm_lower_bound
    if bound is None:
        return []
    if bound > least + TOLERANCE:
        run.tally[ABOVE] += 1
    if harm is not None and bound > harm + TOLERANCE:
        return [f"{kind}:bound: harm lower bound {bound} > the plan's own harm {harm} {BETTER}"]
    return []


def _least_harm(run: _Run, deadline: int | None = None) -> list[str]:
    """No less harm, then no earlier arrivals, then no earlier egress than the split optimum;
    with a deadline, nobody arrives after it."""
    s = run.case["step"]
    kind = "least_harm" if deadline is None else f"least_harm@{deadline}"
    plan = _plan(run, "least_harm", **({} if deadline is None else {"deadline": deadline}))
    reach = run.reach if deadline is None else run.ten.max_flow(deadline // s)
    out = _checked(run, kind, plan, reach)
    ten = _saved(run, plan)
    people, horizon, _ = _reach(run, ten)
    if deadline is not None:
        horizon = deadline // s
        people = ten.max_flow(horizon)
    more = _more(run, kind, plan, people)
    if not people or more:
        return out + more
    best = _least_harm_optimum(ten, people, horizon, open_end=deadline is None)
    _, harm, arrivals = _replayed(run, plan)
    out += _harm_bound(run, kind, plan, best.harm, harm if plan.people == reach else None)
    found = _beats(run, kind, ("harm", "arrivals"), (harm, arrivals), (best.harm, best.arrivals))
    if found or abs(harm - best.harm) >= TOLERANCE or arrivals != best.arrivals:
        return out + found
    least = _least_egress(ten, people, horizon, best)
    return out + _beats(run, kind, ("egress",), (plan.egress_minutes,), (least * s,))


def _least_harm_by(run: _Run) -> list[str]:
    """Least harm with a deadline, drawn as ``fuzz.py`` draws it."""
    return _least_harm(run, fuzz._harm_deadline(run))


CHECKS: dict[str, Callable[[_Run], list[str]]] = {
    "quickest": _quickest,
    "safest": _safest,
    "most_saved": _most_saved,
    "least_harm": _least_harm,
    "least_harm@deadline": _least_harm_by,
}
