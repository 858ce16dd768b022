"""Differential fuzzing of :func:`evacplan.routing.evacuate` against ``ten.py``'s network.

:func:`generate` makes a random small case (a few places, two-way links and
services, gates, link windows, threats off the step boundaries, plain counts
or parties of one with priority tiers and releases, sometimes in two waves
far apart); :func:`compare` plans it under each objective and checks the plan
against the independent reference of ``tests/routing/ten.py`` by the rules of
docs/routing.md. A campaign::

    python -m tests.routing.fuzz SEED N [plain|parties] [objective]

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

from evacplan.models import Network, ThreatEvent
from evacplan.results import Party
from evacplan.routing import EvacuationPlan, evacuate

from .ten import TEN, Case, Optimum, replay

USAGE = "usage: python -m tests.routing.fuzz SEED N [plain|parties] [objective]"
OBJECTIVES = ("quickest", "safest", "most_saved", "least_harm")
TOLERANCE = 1e-6
WORSE, BETTER = "[evacplan worse]", "[evacplan better]"

Solve = Callable[..., EvacuationPlan]
Figures = Callable[["_Run", TEN, EvacuationPlan], list[str]]


# -- cases ------------------------------------------------------------------------------


def generate(rng: random.Random, mode: str = "plain") -> Case:
    """A random small case (``ten.py``'s :data:`~tests.routing.ten.Case`), drawn from ``rng``.

    ``mode`` is ``"plain"`` (counts at up to three sources) or ``"parties"``
    (parties of one, priorities 0 to 2, released over the first 40 minutes,
    a third of the time with a second wave hours later). One case in four
    is crowded with gates, services, parallel links and threats.
    """
    heavy = rng.random() < 0.25
    p = {"gate": 0.5, "service": 0.4, "one_way": 0.3, "twin": 0.6, "threats": 0.8}
    if not heavy:
        p = {"gate": 0.3, "service": 0.22, "one_way": 0.6, "twin": 0.2, "threats": 0.55}
    step = rng.choice([1, 2, 3, 5, 5, 5, 10, 10, 15, 30])
    n = rng.randint(3, 7)
    ids = [f"p{i}" for i in range(n)]
    safe = ids[-(rng.randint(1, 2) if n > 3 else 1) :]
    sources = ids[: rng.randint(1, min(3, n - len(safe)))]
    places = _places(rng, ids, safe, sources, p["gate"])
    links = _links(rng, ids, safe, sources, step, p)
    case: Case = {
        "step": step,
        "places": places,
        "links": links,
        "threats": _threats(rng, ids, safe, places, links, p["threats"]),
        "hazard": rng.choice([0.0, 0.006, 0.06, 0.06, 0.12]),
    }
    if mode == "parties":
        wave = rng.randint(200, 1000) if rng.random() < 0.3 else None
        case["parties"] = [
            [f"{src}-{j}", 1, src, release, rng.choice([0, 0, 1, 2])]
            for src in sources
            for j in range(rng.randint(1, 8))
            for release in [rng.randint(0, 40) + (wave if wave and rng.random() < 0.5 else 0)]
        ]
    else:
        case["supply"] = {src: rng.randint(1, 30) for src in sources}
    return case


def _places(
    rng: random.Random, ids: list[str], safe: list[str], sources: list[str], gate: float
) -> list[dict[str, Any]]:
    regions = rng.random() < 0.3
    places: list[dict[str, Any]] = []
    for pid in ids:
        d: dict[str, Any]
        if pid in safe:
            d = {"id": pid, "kind": "safe_haven"}
            if rng.random() < 0.2:
                d = {"id": pid, "kind": "airport", "safe": True}
        else:
            d = {"id": pid, "kind": "residence" if pid in sources else "waypoint"}
            if rng.random() < gate:
                d["throughput_per_hour"] = rng.choice([6, 10, 12, 20, 30, 45, 60, 90, 7.5, 100])
        if regions:
            d["region"] = rng.choice(["r1", "r2"])
        places.append(d)
    return places


def _links(
    rng: random.Random,
    ids: list[str],
    safe: list[str],
    sources: list[str],
    step: int,
    p: dict[str, float],
) -> list[dict[str, Any]]:
    caps: list[float] = [60, 120, 180, 30, 20, 10, 90, 100, 45, 7.5]
    if step > 1:
        caps = [12, 24, 36, 60, 10, 30, 50, 100, 7, 20]
    links: list[dict[str, Any]] = []
    ways: set[tuple[str, str]] = set()

    def add(u: str, v: str) -> None:
        minutes = rng.randint(1, 30) if rng.random() < 0.9 else rng.randint(2, 40) + 0.5
        link: dict[str, Any] = {
            "id": f"l{len(links)}",
            "source": u,
            "target": v,
            "minutes": 0 if rng.random() < 0.03 else minutes,
            "risk": 0.0 if rng.random() < 0.5 else rng.randint(1, 30) / 100,
        }
        if rng.random() < p["service"]:
            link["departures"] = sorted(rng.sample(range(121), rng.randint(1, 4)))
            link["seats"] = rng.randint(1, 6)
            if (draw := rng.random()) < 0.6:  # else left out: a service runs one way
                link["two_way"] = draw >= 0.4
        else:
            link["capacity_per_hour"] = rng.choice(caps)
            if (draw := rng.random()) < 0.9:  # else left out: a road runs both ways
                link["two_way"] = draw >= p["one_way"]
        if rng.random() < 0.2:
            link["opens"] = rng.randint(1, 70)
        if rng.random() < 0.2:
            link["closes"] = link.get("opens", 0) + rng.randint(1, 90)
        both = link.get("two_way", "departures" not in link)
        if (u, v) in ways or (both and (v, u) in ways):
            return
        links.append(link)
        ways.update([(u, v), (v, u)] if both else [(u, v)])

    for src in sources:
        here = src
        middle = [q for q in ids if q not in safe and q != src]
        rng.shuffle(middle)
        for m in middle[: rng.randint(0, 2)]:
            add(here, m)
            here = m
        add(here, rng.choice(safe))
    for _ in range(rng.randint(0, len(ids) + 2)):
        u, v = rng.choice([q for q in ids if q not in safe]), rng.choice(ids)
        if u != v:
            add(u, v)
    if rng.random() < p["twin"] and links:
        links.append(_twin(rng, rng.choice(links), len(links), caps))
    return links


def _twin(
    rng: random.Random, base: dict[str, Any], number: int, caps: list[float]
) -> dict[str, Any]:
    """A link parallel to ``base`` (same ends, transit, risk and ways), another capacity."""
    keep = ("id", "source", "target", "minutes", "risk")
    twin = {k: base[k] for k in keep} | {"id": f"l{number}"}
    twin["two_way"] = base.get("two_way", "departures" not in base)
    if rng.random() < 0.5:
        twin["capacity_per_hour"] = rng.choice(caps)
    else:
        twin["departures"] = sorted(rng.sample(range(121), rng.randint(1, 3)))
        twin["seats"] = rng.randint(1, 5)
    if rng.random() < 0.3:
        twin["opens"] = rng.randint(1, 70)
    return twin


def _threats(
    rng: random.Random,
    ids: list[str],
    safe: list[str],
    places: list[dict[str, Any]],
    links: list[dict[str, Any]],
    chance: float,
) -> list[dict[str, Any]]:
    """Up to two threats; none names one of parallel links (they must share one risk)."""
    if rng.random() >= chance:
        return []
    ends = Counter(frozenset((lk["source"], lk["target"])) for lk in links)
    single = [lk for lk in links if ends[frozenset((lk["source"], lk["target"]))] == 1]
    regions = sorted({p["region"] for p in places if "region" in p})
    threats = []
    for i in range(rng.randint(1, 2)):
        threat: dict[str, Any] = {"id": f"t{i}", "at": rng.randint(0, 80)}
        if rng.random() < 0.7:
            threat["until"] = threat["at"] + rng.randint(1, 60)
        what = rng.random()
        if what < 0.4 and single:
            threat["links"] = [rng.choice(single)["id"]]
        elif what < 0.85 or not regions:
            threat["places"] = [rng.choice([q for q in ids if q not in safe])]
        else:
            threat["regions"] = [rng.choice(regions)]
        if rng.random() < 0.3:
            threat["closes"] = True
        else:
            if rng.random() < 0.6 or "links" in threat:
                threat["risk"] = rng.randint(1, 40) / 100
            if "links" not in threat and rng.random() < 0.6:
                threat["risk_per_hour"] = rng.randint(1, 10) * 0.06
            if "risk" not in threat and "risk_per_hour" not in threat:
                threat["risk"] = 0.2
        threats.append(threat)
    return threats


def build(case: Case) -> tuple[Network, dict[str, Any]]:
    """The case as evacplan's input: the network, and ``evacuate()``'s other arguments."""
    network = Network(places=case["places"], links=case["links"])
    threats = [
        ThreatEvent(**{k: tuple(v) if isinstance(v, list) else v for k, v in t.items()})
        for t in case["threats"]
    ]
    options: dict[str, Any] = {
        "step_minutes": case["step"],
        "threats": threats,
        "hazard_per_hour": case["hazard"],
        "time_limit": 30,
    }
    if "parties" in case:
        options["parties"] = [
            Party(pid, size, place, release_minute=release, priority=priority)
            for pid, size, place, release, priority in case["parties"]
        ]
    else:
        options["supply"] = case["supply"]
    return network, options


def settled(case: Case) -> int:
    """The last minute at which anything changes: windows, threats, departures, releases."""
    events = [0]
    for lk in case["links"]:
        events += [lk.get("opens") or 0, lk.get("closes") or 0, *lk.get("departures", ())]
    for t in case["threats"]:
        events += [t["at"], t.get("until") or 0]
    events += [p[3] for p in case.get("parties", ())]
    return max(events)


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
    """What every plan must satisfy: verify(), the accounting, the replay, the count moved."""
    out = [f"{kind}:verify: {v}" for v in plan.verify()[:3]]
    moved = plan.people + sum(x.count for x in plan.stranded) + len(plan.standing_down)
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
    if plan.people != people:
        out.append(f"{kind}:people: evacplan moved {plan.people}, reference max flow {people}")
    low, egress = plan.lower_bound_minutes, plan.egress_minutes
    if (
        low is not None
        and egress is not None
        and (low > egress or (plan.status == "optimal" and low != egress))
    ):
        out.append(f"{kind}:bound: lower bound {low}, egress {egress}, {plan.status}")
    return out + _queue(run, kind, plan)


def _queue(run: _Run, kind: str, plan: EvacuationPlan) -> list[str]:
    """People leave their source in the order they came, by priority first (docs/routing.md)."""
    if "parties" not in run.case:
        return []
    s = run.case["step"]
    leaves = {pid: m.itinerary[0].leave for m in plan.movements for pid in m.parties}
    parties = run.case["parties"]
    for x in parties:
        for y in parties:
            ahead = (x[4], math.ceil(x[3] / s)) < (y[4], math.ceil(y[3] / s))
            if x[2] != y[2] or not ahead or y[0] not in leaves:
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
        low, high = ten.least_horizon(people, 0, horizon), (best.egress or 0) // s
        while low < high:  # the least egress of the least (harm, arrivals)
            mid = (low + high) // 2
            at = ten.min_cost(mid, people, "harm")
            if at and (at.harm_units, at.arrivals) == (best.harm_units, best.arrivals):
                high = mid
            else:
                low = mid + 1
        return _differ(f"{kind}:egress", "egress", plan.egress_minutes, low * s)

    people = run.reach if deadline is None else run.ten.max_flow(deadline // s)
    return _common(run, kind, plan, people) + _judged(run, plan, figures)


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


def _least_harm_by(run: _Run) -> list[str]:
    """Least harm with a deadline (drawn between half the least egress and past the
    least-harm schedule's own)."""
    s = run.case["step"]
    best = _least_harm_optimum(run.ten, run.reach, run.horizon, open_end=True)
    deadline = s * max(1, run.draw.randint(max(1, run.quickest // 2), best.egress // s + 2))
    deadline += run.draw.randint(0, s - 1) if run.draw.random() < 0.5 else 0
    return _least_harm(run, deadline)


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

    Objectives are skipped when nobody can ever be safe. ``solve`` stands in for
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
        out: list[str] = []
        for objective in objectives:
            if objective == "quickest" or run.reach:
                out += CHECKS[objective](run)
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
    """``python -m tests.routing.fuzz SEED N [plain|parties] [objective]``."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) < 2 or not all(a.isdigit() for a in args[:2]):
        print(USAGE, file=sys.stderr)
        return 2
    mode = args[2] if len(args) > 2 else "plain"
    objectives = (args[3],) if len(args) > 3 else tuple(CHECKS)
    if mode not in ("plain", "parties") or not set(objectives) <= set(CHECKS):
        print(f"mode is plain or parties; objectives: {', '.join(CHECKS)}", file=sys.stderr)
        return 2
    campaign(int(args[0]), int(args[1]), mode, objectives)
    return 0


if __name__ == "__main__":
    sys.exit(main())
