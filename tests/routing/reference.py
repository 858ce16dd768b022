"""Independent references for the routing tests: plain time-expanded networks solved by networkx.

Written apart from evacplan's solver on purpose (no shared code): the
property tests in ``test_property.py`` compare the solver's egress, arrival
sum and risk exposure with these.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import networkx as nx

from evacplan.models import Network, ThreatEvent


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
