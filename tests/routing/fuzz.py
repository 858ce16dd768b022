"""Differential fuzzing of :func:`evacplan.routing.evacuate` against ``ten.py``'s network.

:func:`generate` (``fuzz_cases.py``) makes a random small case (a few places,
two-way links and services, gates, link windows, threats off the step
boundaries, plain counts, parties of one or families of one to five with
priority tiers and releases, sometimes in two waves far apart); :func:`compare`
plans it under each objective and checks the plan against the independent
reference of ``tests/routing/ten.py`` by the rules of docs/routing.md (families,
for which the reference is only a bound, by ``fuzz_families.py``). A campaign::

    python -m tests.routing.fuzz SEED N [plain|parties|families] [objective]

prints a table of mismatches by kind and writes each failing case as a JSON
line to the file it names; ``compare(json.loads(line)["case"])`` reruns one.

Who is stranded, when not everyone can go, is left to the queue (docs/routing.md,
"Queues"), and the harm counts each person's hours from their own release, so
a plan that leaves others behind than the reference's optimum may fare worse
on the figures without being wrong. There the plan is compared with the
reference's optimum for the very parties it saves (and may never beat the
optimum over every choice), and the queue order is checked on its own.
"""

from __future__ import annotations

import json
import math
import random
import re
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evacplan.models import Network
from evacplan.routing import EvacuationPlan, evacuate

from .fuzz_cases import MODES, build, generate, settled
from .ten import TEN, Case, Optimum, replay

__all__ = ["build", "compare", "generate", "settled"]

USAGE = "usage: python -m tests.routing.fuzz SEED N [plain|parties|families] [objective]"
OBJECTIVES = ("quickest", "safest", "most_saved", "least_harm")
TOLERANCE = 1e-6
WORSE, BETTER = "[evacplan worse]", "[evacplan better]"

Solve = Callable[..., EvacuationPlan]
Figures = Callable[["_Run", TEN, EvacuationPlan], list[str]]


# -- the comparison ---------------------------------------------------------------------


@dataclass
class _Run:
    """One case being compared: its inputs, the reference and what is known of it."""

    case: Case
    network: Network
    options: dict[str, Any]
    solve: Solve
    tally: Counter[str]
    ten: TEN
    draw: random.Random
    reach: int = 0
    horizon: int = 0
    quickest: int = 0


def _reach(run: _Run, ten: TEN) -> tuple[int, int, int]:
    """(people who can ever be safe, a horizon carrying them, their least egress step)."""
    people, horizon = ten.reachable(math.ceil(settled(run.case) / ten.step) + 2)
    return people, horizon, ten.least_horizon(people, 0, horizon) if people else 0


def _differ(kind: str, what: str, ours: float | None, theirs: float | None) -> list[str]:
    """A mismatch if the figures differ (beyond rounding), saying which way."""
    if ours is not None and theirs is not None and abs(ours - theirs) < TOLERANCE:
        return []
    side = WORSE if (ours or 0) > (theirs or 0) else BETTER
    return [f"{kind}: evacplan {what} {ours}, reference {theirs} {side}"]


def _common(run: _Run, kind: str, plan: EvacuationPlan, people: int) -> list[str]:
    """What every plan must satisfy (:func:`_sound`), and the count moved."""
    out = _sound(run, kind, plan)
    if plan.people != people:
        out.append(f"{kind}:people: evacplan moved {plan.people}, reference max flow {people}")
    return out


def _sound(run: _Run, kind: str, plan: EvacuationPlan) -> list[str]:
    """What any plan must satisfy: verify(), the accounting, the replay, the bound, the queue."""
    out = [f"{kind}:verify: {v}" for v in plan.verify()[:3]]
    size = {p[0]: p[1] for p in run.case.get("parties", ())}
    standing = sum(size.get(pid, 1) for pid in plan.standing_down)
    moved = plan.people + sum(x.count for x in plan.stranded) + standing
    if moved != run.ten.total:
        out.append(f"{kind}:accounted: {moved} accounted for, {run.ten.total} released")
    again = replay(run.ten, plan.movements)
    out += [f"{kind}:replay: {p}" for p in again.problems[:3]]
    if not again.problems:
        out += _differ(f"{kind}:replay-risk", "risk", plan.risk_exposure, again.risk)
        out += _differ(f"{kind}:replay-harm", "harm", plan.harm, again.harm)
        out += _differ(
            f"{kind}:replay-arrivals", "arrivals", plan.arrival_sum_minutes, again.arrivals
        )
    low, egress = plan.lower_bound_minutes, plan.egress_minutes
    if (
        low is not None
        and egress is not None
        and (low > egress or (plan.status == "optimal" and low != egress))
    ):
        out.append(f"{kind}:bound: lower bound {low}, egress {egress}, {plan.status}")
    return out + _queue(run, kind, plan)


def _queue(run: _Run, kind: str, plan: EvacuationPlan) -> list[str]:
    """People leave their source in the order they came, by priority first (docs/routing.md);
    parties of different sizes cannot trade places, so only those of one size are compared."""
    if "parties" not in run.case:
        return []
    s = run.case["step"]
    leaves = {pid: m.itinerary[0].leave for m in plan.movements for pid in m.parties}
    parties = run.case["parties"]
    for x in parties:
        for y in parties:
            ahead = (x[4], math.ceil(x[3] / s)) < (y[4], math.ceil(y[3] / s))
            if x[2] != y[2] or x[1] != y[1] or not ahead or y[0] not in leaves:
                continue
            there = math.ceil(x[3] / s) * s <= leaves[y[0]]
            if there and leaves.get(x[0], math.inf) > leaves[y[0]]:
                when = leaves.get(x[0], "never")
                return [f"{kind}:queue: {x} leaves {when}, after {y} at {leaves[y[0]]}"]
    return []


def _judged(run: _Run, plan: EvacuationPlan, figures: Figures) -> list[str]:
    """The figures' mismatches, but for a plan that leaves behind other parties than the
    reference's optimum would: those it saves are compared with their own optimum."""
    found = figures(run, run.ten, plan)
    if not found or "parties" not in run.case or plan.people == run.ten.total:
        return found
    saved = {pid for m in plan.movements for pid in m.parties}
    alone = TEN({**run.case, "parties": [p for p in run.case["parties"] if p[0] in saved]})
    # A plan may never beat the optimum over every choice; its bound is for its own choice.
    again = [f for f in found if BETTER in f and ":bound:" not in f] + figures(run, alone, plan)
    run.tally["stranded-other-parties" + ("" if again else " (fine)")] += 1
    return again


def _plan(run: _Run, objective: str, **extra: Any) -> EvacuationPlan:
    """``objective``'s plan of the run's case (counted in the tally, with its deadline)."""
    run.tally[objective + ("@deadline" if "deadline" in extra else "")] += 1
    return run.solve(run.network, objective=objective, **run.options, **extra)


def _quickest(run: _Run) -> list[str]:
    """The least egress, T*; then the least risk at T*, then the earliest arrivals."""
    plan = _plan(run, "quickest")

    def figures(run: _Run, ten: TEN, plan: EvacuationPlan) -> list[str]:
        people, _, least = _reach(run, ten)
        if not people:
            return []
        out = _differ("quickest:egress", "egress", plan.egress_minutes, least * ten.step)
        if out or plan.status != "optimal":
            return out
        best = ten.min_cost(least, people, "risk")
        assert best is not None
        out = _differ("quickest:risk", "risk", plan.risk_exposure, best.risk)
        return out or _differ(
            "quickest:arrivals", "arrivals", plan.arrival_sum_minutes, best.arrivals
        )

    return _common(run, "quickest", plan, run.reach) + _judged(run, plan, figures)


def _safest(run: _Run) -> list[str]:
    """With a deadline near T*: the least risk, then the least egress, then arrivals."""
    s = run.case["step"]
    deadline = s * max(1, run.quickest + run.draw.randint(-2, 6))
    deadline += run.draw.randint(0, s - 1) if run.draw.random() < 0.5 else 0
    kind = f"safest@{deadline}"
    plan = _plan(run, "safest", deadline=deadline)

    def figures(run: _Run, ten: TEN, plan: EvacuationPlan) -> list[str]:
        people = ten.max_flow(deadline // s)
        best = ten.min_cost(deadline // s, people, "risk")
        if not people or best is None or plan.people != people:
            return []
        out = _differ(f"{kind}:risk", "risk", plan.risk_exposure, best.risk)
        if out or plan.status != "optimal":
            return out
        first = ten.least_horizon(people, 0, deadline // s)
        for step in range(first, deadline // s + 1):  # the least egress at the least risk
            if (at := ten.min_cost(step, people, "risk")) and at.risk_units == best.risk_units:
                out = _differ(f"{kind}:egress", "egress", plan.egress_minutes, step * s)
                return out or _differ(
                    f"{kind}:arrivals", "arrivals", plan.arrival_sum_minutes, at.arrivals
                )
        return [f"{kind}:reference: no egress at the least risk"]

    people = run.ten.max_flow(deadline // s)
    return _common(run, kind, plan, people) + _judged(run, plan, figures)


def _most_saved(run: _Run) -> list[str]:
    """With a deadline up to T*: the most saved tier by tier, then least harm, arrivals."""
    s = run.case["step"]
    deadline = s * max(1, run.draw.randint(max(1, run.quickest // 3), run.quickest + 2))
    deadline += run.draw.randint(0, s - 1) if run.draw.random() < 0.5 else 0
    kind = f"most_saved@{deadline}"
    plan = _plan(run, "most_saved", deadline=deadline)
    caps = run.ten.tier_max(deadline // s)
    out = _common(run, kind, plan, sum(caps.values()))
    if len(run.ten.tiers) > 1:
        tier = {p[0]: p[4] for p in run.case["parties"]}
        got = Counter(tier[pid] for m in plan.movements for pid in m.parties)
        if any(got[t] != caps[t] for t in run.ten.tiers):
            out.append(f"{kind}:tiers: evacplan saves {dict(got)}, reference {caps}")

    def figures(run: _Run, ten: TEN, plan: EvacuationPlan) -> list[str]:
        caps = ten.tier_max(deadline // s)
        people = sum(caps.values())
        if not people or plan.people != people or plan.status != "optimal":
            return []
        best = ten.min_cost(deadline // s, people, "harm", caps)
        assert best is not None
        found = _differ(f"{kind}:harm", "harm", plan.harm, best.harm)
        return found or _differ(
            f"{kind}:arrivals", "arrivals", plan.arrival_sum_minutes, best.arrivals
        )

    return out + _judged(run, plan, figures)


def _least_harm(run: _Run, deadline: int | None = None) -> list[str]:
    """Least harm, then arrivals, then egress; with a deadline, nobody arrives after it."""
    s = run.case["step"]
    kind = "least_harm" if deadline is None else f"least_harm@{deadline}"
    plan = _plan(run, "least_harm", **({} if deadline is None else {"deadline": deadline}))

    def figures(run: _Run, ten: TEN, plan: EvacuationPlan) -> list[str]:
        people, horizon, _ = _reach(run, ten)
        if deadline is not None:
            horizon = deadline // s
            people = ten.max_flow(horizon)
        if not people:
            return []
        best = _least_harm_optimum(ten, people, horizon, open_end=deadline is None)
        if plan.status != "optimal":
            bound = plan.harm_lower_bound
            if bound is not None and bound > best.harm + TOLERANCE:
                return [f"{kind}:bound: harm lower bound {bound} > reference {best.harm} {BETTER}"]
            return []
        found = _differ(f"{kind}:harm", "harm", plan.harm, best.harm)
        found = found or _differ(
            f"{kind}:arrivals", "arrivals", plan.arrival_sum_minutes, best.arrivals
        )
        if found:
            return found
        least = _least_egress(ten, people, horizon, best)
        return _differ(f"{kind}:egress", "egress", plan.egress_minutes, least * s)

    people = run.reach if deadline is None else run.ten.max_flow(deadline // s)
    return _common(run, kind, plan, people) + _judged(run, plan, figures)


def _least_egress(ten: TEN, people: int, horizon: int, best: Optimum) -> int:
    """The least egress step of a schedule of ``people`` with ``best``'s harm and arrivals
    (``best``: the least (harm, arrivals) by step ``horizon``), by bisection."""
    low, high = ten.least_horizon(people, 0, horizon), (best.egress or 0) // ten.step
    while low < high:
        mid = (low + high) // 2
        at = ten.min_cost(mid, people, "harm")
        if at and (at.harm_units, at.arrivals) == (best.harm_units, best.arrivals):
            high = mid
        else:
            low = mid + 1
    return low


def _least_harm_optimum(ten: TEN, people: int, horizon: int, open_end: bool) -> Optimum:
    """The least (harm, arrivals) of ``people`` safe by step ``horizon``; with an open
    end, by a horizon long enough that growing it by half changes nothing."""
    horizon += 30 if open_end else 0
    best = ten.min_cost(horizon, people, "harm")
    while open_end:
        horizon += max(30, horizon // 2)
        longer = ten.min_cost(horizon, people, "harm")
        assert best is not None and longer is not None
        if (longer.harm_units, longer.arrivals) == (best.harm_units, best.arrivals):
            break
        best = longer
    assert best is not None
    return best


def _harm_deadline(run: _Run) -> int:
    """A deadline for least harm, drawn between half the least egress and past the
    least-harm schedule's own (a minute)."""
    s = run.case["step"]
    best = _least_harm_optimum(run.ten, run.reach, run.horizon, open_end=True)
    deadline = s * max(1, run.draw.randint(max(1, run.quickest // 2), best.egress // s + 2))
    return deadline + (run.draw.randint(0, s - 1) if run.draw.random() < 0.5 else 0)


def _least_harm_by(run: _Run) -> list[str]:
    """Least harm with a deadline (:func:`_harm_deadline`)."""
    return _least_harm(run, _harm_deadline(run))


CHECKS: dict[str, Callable[[_Run], list[str]]] = {
    "quickest": _quickest,
    "safest": _safest,
    "most_saved": _most_saved,
    "least_harm": _least_harm,
    "least_harm@deadline": _least_harm_by,
}


def compare(
    case: Case,
    objectives: Iterable[str] = (*OBJECTIVES, "least_harm@deadline"),
    *,
    solve: Solve = evacuate,
    tally: Counter[str] | None = None,
) -> list[str]:
    """Plan ``case`` under each objective and say every way each plan differs from the
    reference: ``"kind: what"``, the kind naming the objective (with its deadline) and the
    figure (``"quickest:egress: evacplan egress 65, reference 60 [evacplan worse]"``).

    Objectives are skipped when nobody can ever be safe. A case with a party of more
    than one is compared by ``fuzz_families.py`` (the reference is a bound for it). ``solve`` stands in for
    :func:`~evacplan.routing.evacuate` (the tests give it a wrong one); ``tally``
    counts the plans made and the cases left to the queue's choice of who is stranded.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a service from a gated place warns on loading
        network, options = build(case)
        draw = random.Random(json.dumps(case, sort_keys=True) + "deadline")
        tally = Counter() if tally is None else tally
        run = _Run(case, network, options, solve, tally, TEN(case), draw)
        run.reach, run.horizon, run.quickest = _reach(run, run.ten)
        from . import fuzz_families  # builds on this module, so imported when needed

        checks = fuzz_families.CHECKS if fuzz_families.is_families(case) else CHECKS
        out: list[str] = []
        for objective in objectives:
            if objective == "quickest" or run.reach:
                out += checks[objective](run)
        return out


# -- a campaign -------------------------------------------------------------------------


def campaign(seed: int, count: int, mode: str, objectives: tuple[str, ...]) -> Path:
    """Compare ``count`` cases of ``mode`` drawn from ``seed``; return the file of failures."""
    path = Path(tempfile.gettempdir()) / f"evacplan-fuzz-{mode}-{seed}.jsonl"
    kinds: Counter[str] = Counter()
    tally: Counter[str] = Counter()
    started = time.perf_counter()
    with path.open("w") as failures:
        for i in range(count):
            case = generate(random.Random(seed * 1_000_003 + i), mode)
            try:
                found = compare(case, objectives, tally=tally)
            except Exception:  # a crash is a finding too: record it and go on
                found = ["exception: " + traceback.format_exc(limit=-4)[-600:]]
            for mismatch in found:
                kinds[re.sub(r"@\d+", "@deadline", mismatch.split(": ", 1)[0])] += 1
            if found:
                failures.write(json.dumps({"i": i, "case": case, "mismatches": found}) + "\n")
                failures.flush()
            if (i + 1) % 100 == 0:
                print(
                    f"{i + 1} cases, {time.perf_counter() - started:.0f} s, {sum(kinds.values())} mismatches",
                    flush=True,
                )
    print(f"\nseed {seed}, {count} {mode} cases, {time.perf_counter() - started:.0f} s")
    print("plans made: " + ", ".join(f"{k} {v}" for k, v in sorted(tally.items())))
    print(f"\n{'failure kind':<36} {'count':>6}")
    for kind, n in sorted(kinds.items()) or [("(none)", 0)]:
        print(f"{kind:<36} {n:>6}")
    print(f"\nfailing cases: {path}")
    return path


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.routing.fuzz SEED N [plain|parties|families] [objective]``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or not all(a.isdigit() for a in args[:2]):
        print(USAGE, file=sys.stderr)
        return 2
    mode = args[2] if len(args) > 2 else "plain"
    objectives = (args[3],) if len(args) > 3 else tuple(CHECKS)
    if mode not in MODES or not set(objectives) <= set(CHECKS):
        print(f"modes: {', '.join(MODES)}; objectives: {', '.join(CHECKS)}", file=sys.stderr)
        return 2
    campaign(int(args[0]), int(args[1]), mode, objectives)
    return 0


if __name__ == "__main__":
    sys.exit(main())
