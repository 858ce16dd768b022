"""Independent references for the routing tests: plain time-expanded networks solved by networkx.

Written apart from evacplan's solver on purpose (no shared code): the
property tests in ``test_property.py`` compare the solver's egress, arrival
sum and risk exposure with these, and ``test_least_harm.py`` its least harm
with :func:`reference_least_harm` (exact fractions, to a proven horizon).
"""

from __future__ import annotations

import math
from collections import defaultdict
from fractions import Fraction
from typing import Any, NamedTuple

import networkx as nx

from evacplan.models import Network, ThreatEvent
from evacplan.results import Party


def admitted(per_hour: float, minute: int) -> int:
    """People a link of ``per_hour`` admits by ``minute`` of the scenario (docs/routing.md)."""
    return math.floor(per_hour * minute / 60 + 1e-9)


def reference(
    net: Network, supply: dict[str, int], safe: set[str], step: int, horizon: int
) -> nx.DiGraph:
    """A plain time-expanded network to ``horizon``, written apart from evacplan's solver.

    Links with the same ends and the same transit steps add their hourly
    capacities; a link is usable at a departure step if open at that minute,
    and admits by minute m of the scenario floor(rate * m / 60 + 1e-9) people
    (the capacity rule of docs/routing.md), so a step admits the difference.
    A scheduled link admits its seats at each departure whose minute, rounded
    down to the step, is that step's. A place with ``throughput_per_hour``
    has a way-out node per step: people reach and wait at the place, and at
    most the rule's count for its rate passes on to the way out in a step.
    """
    gates = {p.id: p.throughput_per_hour for p in net.places if p.throughput_per_hour}
    groups: dict[tuple[str, str, int], list[Any]] = defaultdict(list)
    for link in net.links:
        ends = [(link.source, link.target)]
        if link.two_way:
            ends.append((link.target, link.source))
        for u, v in ends:
            groups[(u, v, max(1, math.ceil(link.minutes / step - 1e-9)))].append(link)
    g = nx.DiGraph()
    g.add_node("SINK")
    for (u, v, tau), links in groups.items():
        if u in safe:
            continue
        for t in range(horizon - tau + 1):
            minute = t * step
            usable = [
                lk
                for lk in links
                if (lk.opens is None or minute >= lk.opens)
                and (lk.closes is None or minute < lk.closes)
            ]
            open_cap = sum(lk.capacity_per_hour or 0 for lk in usable)
            cap = admitted(open_cap, (t + 1) * step) - admitted(open_cap, t * step)
            cap += sum(
                lk.seats * sum(1 for d in net.departures(lk) if math.floor(d / step) == t)
                for lk in usable
                if lk.departures is not None
            )
            if cap <= 0:
                continue
            tail = ("OUT", u, t) if u in gates else (u, t)
            head = ("ARRIVE", t + tau) if v in safe else (v, t + tau)
            if g.has_edge(tail, head):
                g[tail][head]["capacity"] += cap
            else:
                g.add_edge(tail, head, capacity=cap, arrival=0)
    for u, rate in gates.items():
        for t in range(horizon + 1):
            cap = admitted(rate, (t + 1) * step) - admitted(rate, t * step)
            if cap > 0:
                g.add_edge((u, t), ("OUT", u, t), capacity=cap, arrival=0)
    for t in range(horizon + 1):
        g.add_edge(("ARRIVE", t), "SINK", arrival=t)
    for p in net.places:
        if p.id not in safe:
            for t in range(horizon):
                g.add_edge((p.id, t), (p.id, t + 1), arrival=0)
    for s, q in supply.items():
        if s not in safe and q:
            g.add_edge("SRC", (s, 0), capacity=q, arrival=0)
    return g


def reference_quickest(
    net: Network, supply: dict[str, int], safe: set[str], step: int, limit: int = 80
) -> tuple[int | None, int | None]:
    """(T*, least sum of arrival steps) by brute force, or (None, None) past ``limit`` steps."""
    need = sum(q for s, q in supply.items() if s not in safe)
    if need == 0:
        return 0, 0
    for horizon in range(limit + 1):
        g = reference(net, supply, safe, step, horizon)
        if "SRC" not in g or nx.maximum_flow_value(g, "SRC", "SINK") < need:
            continue
        g.nodes["SRC"]["demand"] = -need
        g.nodes["SINK"]["demand"] = need
        flow = nx.min_cost_flow(g, weight="arrival")
        return horizon, nx.cost_of_flow(g, flow, weight="arrival")
    return None, None


def risky_reference(
    net: Network,
    supply: dict[str, int],
    safe: set[str],
    step: int,
    horizon: int,
    threats: list[ThreatEvent],
) -> nx.DiGraph:
    """A time-expanded network with risks, written apart from evacplan's solver.

    Links' (open, risk) come from the foundation's ``arc_schedules`` at each
    departure minute. Parallel links with the same transit steps admit what
    one link of their summed hourly capacity admits (docs/routing.md), the
    safest first: each risk tier is its own arc through a tier node.
    """
    from evacplan.network import arc_schedules

    groups: dict[tuple[str, str, int], list[Any]] = defaultdict(list)
    for sched in arc_schedules(net, threats):
        a = sched.arc
        groups[(a.source, a.target, max(1, math.ceil(a.minutes / step - 1e-9)))].append(sched)
    g = nx.DiGraph()
    g.add_node("SINK")
    for (u, v, tau), members in groups.items():
        if u in safe:
            continue
        for t in range(horizon - tau + 1):
            states = sorted(
                (risk, m.arc.capacity_per_hour)
                for m in members
                for is_open, risk in [m.at(t * step)]
                if is_open
            )
            head = ("ARRIVE", t + tau) if v in safe else (v, t + tau)
            # Summed hourly rates of each risk tier and the safer ones; what each admits alone.
            cums: list[tuple[float, float]] = []
            for risk, cap in states:
                total = (cums[-1][1] if cums else 0.0) + cap
                if cums and cums[-1][0] == risk:
                    cums[-1] = (risk, total)
                else:
                    cums.append((risk, total))
            alone = [admitted(c, (t + 1) * step) - admitted(c, t * step) for _, c in cums]
            given = 0
            for k, (risk, _) in enumerate(cums):
                now = min(alone[k:])  # the safer tiers never lose a place to a riskier one
                if now > given:
                    tier = ("TIER", u, v, tau, t, risk)
                    g.add_edge((u, t), tier, capacity=now - given, risk=round(risk * 100))
                    g.add_edge(tier, head, risk=0)
                given = now
    for p in net.places:
        if p.id not in safe:
            for t in range(horizon):
                g.add_edge((p.id, t), (p.id, t + 1), risk=waiting(p.id, t, step, threats))
    for t in range(horizon + 1):
        g.add_edge(("ARRIVE", t), "SINK", risk=0, arrival=t)
    for src, q in supply.items():
        if src not in safe and q:
            g.add_edge("SRC", (src, 0), capacity=q, risk=0)
    return g


def waiting(place: str, t: int, step: int, threats: list[ThreatEvent]) -> int:
    """Hundredths of risk one person takes waiting at ``place`` through step ``t``.

    ``risk_per_hour`` times the minutes of the step inside each threat's window
    (threats at minute offsets, on the place itself), over 60, summed.
    """
    total = 0.0
    for threat in threats:
        if threat.risk_per_hour and place in threat.places:
            begin = float(threat.at)  # type: ignore[arg-type]
            end = math.inf if threat.until is None else float(threat.until)  # type: ignore[arg-type]
            overlap = min((t + 1) * step, end) - max(t * step, begin)
            if overlap > 0:
                total += threat.risk_per_hour * overlap / 60
    return round(total * 100)


def lexicographic(g: nx.DiGraph, need: int, first: str, then: str) -> tuple[int, int]:
    """Least ``first``, then least ``then``, over flows of ``need`` people (networkx)."""
    weight = need * (1 + max((d.get(then, 0) for *_, d in g.edges(data=True)), default=0)) + 1
    for _, _, d in g.edges(data=True):
        d["cost"] = d.get(first, 0) * weight + d.get(then, 0)
    g.nodes["SRC"]["demand"] = -need
    g.nodes["SINK"]["demand"] = need
    flow = nx.min_cost_flow(g, weight="cost")
    return nx.cost_of_flow(g, flow, weight=first), nx.cost_of_flow(g, flow, weight=then)


def reference_most_saved(
    net: Network,
    tiers: list[dict[str, int]],
    safe: set[str],
    step: int,
    horizon: int,
) -> list[int]:
    """The most people of each tier safe by ``horizon``, tier by tier, by networkx max flows.

    ``tiers[k]`` is tier k's people by place (tier 0 first). Tier k's most is
    the max flow with tiers 0..k as sources, the earlier ones held to their
    most through a node per tier, less what they carry.
    """
    base = reference(net, {}, safe, step, horizon)
    found: list[int] = []
    for k in range(len(tiers)):
        g = base.copy()
        for j, people in enumerate(tiers[: k + 1]):
            cap = found[j] if j < k else sum(people.values())
            g.add_edge("SRC", ("TIER", j), capacity=cap)
            for place, q in people.items():
                head = (place, 0) if place not in safe else ("ARRIVE", 0)
                if g.has_edge(("TIER", j), head):
                    g[("TIER", j)][head]["capacity"] += q
                else:
                    g.add_edge(("TIER", j), head, capacity=q)
        value = nx.maximum_flow_value(g, "SRC", "SINK") if g.has_node("SRC") else 0
        found.append(value - sum(found))
    return found


def exact(x: float) -> Fraction:
    """``x`` as the decimal it prints as (0.1 is 1/10, not the nearest binary fraction)."""
    return Fraction(str(x))


def exposure(net: Network, place: str, t: int, step: int, threats: list[ThreatEvent]) -> Fraction:
    """The risk one person takes waiting at ``place`` through step ``t``, exactly.

    As :func:`waiting`, unrounded: ``risk_per_hour`` times the minutes of the
    step inside each threat's window on the place itself, over 60, summed.
    """
    total = Fraction(0)
    for threat in threats:
        if threat.risk_per_hour and place in threat.places:
            begin = exact(net.minute(threat.at))
            end = Fraction((t + 1) * step)
            if threat.until is not None:
                end = min(end, exact(net.minute(threat.until)))
            overlap = end - max(Fraction(t * step), begin)
            if overlap > 0:
                total += exact(threat.risk_per_hour) * overlap / 60
    return total


def harm_reference(
    net: Network,
    people: dict[tuple[str, int], int],
    safe: set[str],
    step: int,
    horizon: int,
    threats: list[ThreatEvent],
    hazard_per_hour: float,
) -> nx.DiGraph:
    """A time-expanded network with everything that costs harm, written apart from the solver.

    Parameters
    ----------
    net
        The network.
    people
        People by (place, the step from which they are there): a release at
        minute r is the step ``ceil(r / step)``.
    safe
        The safe places (they absorb).
    step
        Minutes a step.
    horizon
        The last step anyone may arrive at.
    threats
        Threats, at minute offsets: raising links' risk (through the
        foundation's ``arc_schedules``, as :func:`risky_reference`) and
        ``risk_per_hour`` on places (:func:`exposure`).
    hazard_per_hour
        The harm each hour a person is not safe.

    Returns
    -------
    networkx.DiGraph
        From ``"SRC"`` to ``"SINK"``. Every arc's ``harm`` is a whole number:
        its harm times ``g.graph["scale"]`` (the least common multiple of the
        harms' exact denominators). Link arcs carry the risk at the minute of
        entry, one arc per risk tier of parallel links of equal transit, the
        safest first, as in :func:`risky_reference`, with a scheduled
        service's seats (departures rounded down to the step) added to the
        summed hourly rate of its tier and the riskier ones, as in
        :func:`reference`; a place with ``throughput_per_hour`` has a way out
        per step, as in :func:`reference`; waiting arcs carry
        :func:`exposure`. The arc from ``("ARRIVE", t)`` to the sink carries
        ``arrival=t`` and the hazard from minute 0 to the arrival,
        ``hazard_per_hour * t * step / 60`` (less each person's release, a
        constant, this is the hours not safe).
    """
    from evacplan.network import arc_schedules

    gates = {p.id: p.throughput_per_hour for p in net.places if p.throughput_per_hour}
    groups: dict[tuple[str, str, int], list[Any]] = defaultdict(list)
    for sched in arc_schedules(net, threats):
        a = sched.arc
        groups[(a.source, a.target, max(1, math.ceil(a.minutes / step - 1e-9)))].append(sched)
    g = nx.DiGraph()
    g.add_node("SINK")
    for (u, v, tau), members in groups.items():
        if u in safe:
            continue
        for t in range(horizon - tau + 1):
            states: list[tuple[Fraction, float, int]] = []  # (risk, hourly rate, seats now)
            for m in members:
                is_open, risk = m.at(t * step)
                seats = m.arc.seats * sum(1 for d in m.arc.departures if math.floor(d / step) == t)
                if is_open and (seats or not m.arc.departures):
                    states.append((exact(risk), m.arc.capacity_per_hour, seats))
            # Each risk tier with the safer ones: summed hourly rate and seats; what they admit.
            cums: list[tuple[Fraction, float, int]] = []
            for risk, rate, seats in sorted(states):
                total, sits = (cums[-1][1], cums[-1][2]) if cums else (0.0, 0)
                if cums and cums[-1][0] == risk:
                    cums[-1] = (risk, total + rate, sits + seats)
                else:
                    cums.append((risk, total + rate, sits + seats))
            alone = [admitted(c, (t + 1) * step) - admitted(c, t * step) + n for _, c, n in cums]
            tail = ("OUT", u, t) if u in gates else (u, t)
            head = ("ARRIVE", t + tau) if v in safe else (v, t + tau)
            given = 0
            for k, (risk, _, _) in enumerate(cums):
                now = min(alone[k:])  # the safer tiers never lose a place to a riskier one
                if now > given:
                    tier = ("TIER", u, v, tau, t, risk)
                    g.add_edge(tail, tier, capacity=now - given, harm=risk)
                    g.add_edge(tier, head, harm=Fraction(0))
                given = now
    for u, rate in gates.items():
        for t in range(horizon + 1):
            cap = admitted(rate, (t + 1) * step) - admitted(rate, t * step)
            if cap > 0:
                g.add_edge((u, t), ("OUT", u, t), capacity=cap, harm=Fraction(0))
    for p in net.places:
        if p.id not in safe:
            for t in range(horizon):
                g.add_edge((p.id, t), (p.id, t + 1), harm=exposure(net, p.id, t, step, threats))
    hazard = exact(hazard_per_hour) * step / 60
    for t in range(horizon + 1):
        g.add_edge(("ARRIVE", t), "SINK", harm=hazard * t, arrival=t)
    for (place, k), q in people.items():
        if place not in safe and q:
            if g.has_edge("SRC", (place, k)):
                g["SRC"][(place, k)]["capacity"] += q
            else:
                g.add_edge("SRC", (place, k), capacity=q, harm=Fraction(0))
    scale = math.lcm(*(d["harm"].denominator for *_, d in g.edges(data=True)))
    for *_, d in g.edges(data=True):
        d["harm"] = int(d["harm"] * scale)
    g.graph["scale"] = scale
    return g


class LeastHarm(NamedTuple):
    """The least harm of any schedule, and the figures of the earliest such schedule (exact)."""

    harm: Fraction
    hours_not_safe: Fraction
    risk_exposure: Fraction
    arrival_sum_minutes: int
    horizon: int
    """The steps the time-expanded network was built to (the proven horizon, or more)."""


def reference_least_harm(
    net: Network,
    supply: dict[str, int],
    parties: list[Party],
    safe: set[str],
    step: int,
    threats: list[ThreatEvent],
    hazard_per_hour: float,
    limit: int = 1 << 14,
) -> LeastHarm:
    """The least harm over every schedule, splittable, by networkx min-cost flows.

    Harm is the risk exposure (docs/routing.md) plus ``hazard_per_hour``
    times the hours not safe: for each person moved, their arrival at
    safety less their release (plain supply at minute 0, a party at its
    ``release_minute``, not rounded; people at a safe place count 0). Among
    the schedules of least harm, the least sum of arrival minutes (which
    fixes the hours not safe, and so the risk exposure). Parties are moved
    as plain counts released at their minute: exact for parties of one, a
    lower bound otherwise.

    Horizon: why the network to ``horizon`` steps holds an optimum. With
    H = ``hazard_per_hour * step / 60`` > 0, measure harm in the network's
    units, the hazard counted from minute 0 (a schedule's harm plus the
    constant ``hazard_per_hour * sum of releases / 60``): every schedule is
    a flow, and each person pays the arcs of their own path. Let T0 be a
    horizon the network carries everyone to safety by (doubled from the
    last release until it does), and G0 the least harm there: some
    schedule has harm G0, so every optimal schedule has harm at most G0.
    In any schedule, person q pays at least lb(q) = min(d(q), H * (T0 + 1)):
    d(q), the cheapest path from q's release node to the sink in the T0
    network (capacities ignored), if q arrives by step T0 (their path is in
    that network); otherwise at least the hazard of arriving after step T0.
    So a schedule where person p arrives at step t has harm at least
    H * t + (LB - lb(p)), with LB the sum of lb over everyone (p's own risk
    is at least 0), and this exceeds G0 when t > (G0 - LB + lb(p)) / H.
    Hence no optimal schedule (and no least-harm schedule with the earliest
    arrivals) has an arrival after step T1, the largest of
    floor((G0 - LB + lb(p)) / H) over p, and the network to max(T0, T1)
    holds all of them: its lexicographic min-cost flow is the optimum over
    schedules of any length. (Without the lower bounds of the others,
    lb = 0, the same argument gives the simpler T1 = floor((R + 60 * C0 /
    hazard_per_hour) / step), R the last release, C0 any schedule's harm.)

    Parameters
    ----------
    net, supply, parties, safe, step, threats
        As for ``evacuate`` (threats at minute offsets, waiting risk on their
        places; a released party waits from its release rounded up to the step).
    hazard_per_hour
        Positive (zero would leave no horizon to bound the search).
    limit
        The most steps to search for T0; past it, ValueError (someone is cut off).

    Returns
    -------
    LeastHarm
        Exact fractions, every number in the inputs read as the decimal it prints as.
    """
    h = exact(hazard_per_hour)
    if h <= 0:
        raise ValueError("hazard_per_hour must be positive to bound the horizon")
    people: dict[tuple[str, int], int] = defaultdict(int)
    released = Fraction(0)  # the sum of the release minutes of the people to move
    for s, q in supply.items():
        if s not in safe and q:
            people[(s, 0)] += q
    for p in parties:
        if p.relocate and p.location not in safe:
            r = exact(p.release_minute)
            people[(p.location, math.ceil(r / step))] += p.size
            released += p.size * r
    need = sum(people.values())
    if need == 0:
        return LeastHarm(Fraction(0), Fraction(0), Fraction(0), 0, 0)
    horizon = max(1, *(k for _, k in people))
    g = harm_reference(net, people, safe, step, horizon, threats, hazard_per_hour)
    while nx.maximum_flow_value(g, "SRC", "SINK") < need:
        horizon *= 2
        if horizon > limit:
            raise ValueError(f"someone cannot reach safety within {limit} steps")
        g = harm_reference(net, people, safe, step, horizon, threats, hazard_per_hour)
    best, arrivals = lexicographic(g, need, "harm", "arrival")
    unit = h * step / 60 * g.graph["scale"]  # H, in the network's whole units
    dist = nx.single_source_dijkstra_path_length(
        g.reverse(copy=False), "SINK", weight=lambda _u, _v, d: d.get("harm", 0)
    )
    beyond = unit * (horizon + 1)  # the least hazard of arriving after the horizon
    lb = {node: min(Fraction(dist[node]), beyond) if node in dist else beyond for node in people}
    bound = sum(q * lb[node] for node, q in people.items())
    last = max(math.floor((best - bound + lb[node]) / unit) for node in people)
    if last > horizon:
        horizon = last
        g = harm_reference(net, people, safe, step, horizon, threats, hazard_per_hour)
        best, arrivals = lexicographic(g, need, "harm", "arrival")
    harm = Fraction(best, g.graph["scale"]) - h * released / 60
    hours = (arrivals * step - released) / 60
    return LeastHarm(harm, hours, harm - h * hours, arrivals * step, horizon)
