"""CCRP, the Capacity Constrained Route Planner (Lu, George and Shekhar, 2005), as a baseline.

A plain implementation of the heuristic, under evacplan's routing semantics
(steps, transit rounding, capacities per step, parallel links merged,
unlimited waiting, safe places absorb, places' throughput, scheduled
services), for benchmarks: it shows what an
exact plan gains over the heuristic most evacuation tools use.

Each round, a time-dependent Dijkstra from every source that still has
people finds the route with the earliest arrival at any safe place given the
capacity already reserved; as many people as the route's scarcest leg has
room for (and the source has left) are sent along it, and their places are
reserved. It stops when everyone is routed. There is no proof of quality;
the plan it returns has status ``feasible`` and no lower bound.

Examples
--------
>>> from evacplan.io import read_tntp, tntp_path
>>> plan = ccrp(read_tntp(tntp_path("SiouxFalls")), {"3": 800, "20": 400}, {"1", "13"})
>>> plan.egress_minutes >= 17, plan.verify()
(True, [])
"""

from __future__ import annotations

import heapq
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping

import numpy as np

from evacplan.models import Network, ThreatEvent
from evacplan.results import DEFAULT_HAZARD_PER_HOUR, Status
from evacplan.routing._arrays import _FOREVER, _dijkstra, _no_gc
from evacplan.routing._compile import _admits, _capacity_spans, _compile, _risk_of
from evacplan.routing.plan import EvacuationPlan, hours_not_safe
from evacplan.routing.records import Movement, Stop, Stranded

__all__ = ["ccrp"]


class _Reservations:
    """Capacity left per link group and step (and place, for throughput), with a skip list
    over full steps (rooms only shrink, so a full step stays full)."""

    def __init__(
        self,
        spans: list[list[tuple[int, int, float]]],
        step: int,
        tails: list[int] | None = None,
        gates: list[float] | None = None,
    ) -> None:
        self.spans = spans
        self.step = step
        self.used: list[dict[int, int]] = [{} for _ in spans]
        self.skip: list[dict[int, int]] = [{} for _ in spans]
        self.tails = tails or [0] * len(spans)
        self.gates = gates or []
        self.passed: dict[tuple[int, int], int] = {}

    def capacity(self, g: int, t: int) -> int:
        for a, b, rate in self.spans[g]:
            if a <= t <= b:
                return _admits(rate, self.step, t)
        return 0

    def room(self, g: int, t: int) -> int:
        free = self.capacity(g, t) - self.used[g].get(t, 0)
        u = self.tails[g]
        if self.gates and self.gates[u]:
            gate = _admits(self.gates[u], self.step, t) - self.passed.get((u, t), 0)
            return min(free, gate)
        return free

    def first_free(self, g: int, t: int) -> int | None:
        """The first step >= t with room on group g (None if it never has any again)."""
        skip = self.skip[g]
        path = []
        while True:
            if t in skip:
                path.append(t)
                t = skip[t]
                continue
            if self.room(g, t) > 0:
                break
            nxt = self._next_open(g, t + 1)
            if nxt is None:
                return None
            skip[t] = nxt
            path.append(t)
            t = nxt
        for p in path:
            skip[p] = t
        return t

    def _next_open(self, g: int, t: int) -> int | None:
        for a, b, c in self.spans[g]:
            if b >= t and c > 0:
                return max(a, t)
        return None

    def take(self, g: int, t: int, n: int) -> None:
        self.used[g][t] = self.used[g].get(t, 0) + n
        u = self.tails[g]
        self.passed[(u, t)] = self.passed.get((u, t), 0) + n


def ccrp(
    network: Network,
    supply: Mapping[str, int],
    safe: Iterable[str],
    *,
    step_minutes: int = 1,
    threats: Iterable[ThreatEvent] = (),
) -> EvacuationPlan:
    """Route ``supply`` to ``safe`` places with CCRP; a feasible plan with no proof.

    Parameters
    ----------
    network, supply, safe, step_minutes, threats
        As for :func:`evacplan.routing.evacuate` (plain counts only).

    Returns
    -------
    EvacuationPlan
        Status ``feasible`` (whoever has no way out is in ``stranded``),
        checkable with ``verify()``; its harm counts ``hazard_per_hour`` at the
        default.
    """
    with _no_gc():
        return _ccrp(network, dict(supply), set(safe), step_minutes, tuple(threats))


def _ccrp(
    network: Network,
    supply: dict[str, int],
    safe: set[str],
    step: int,
    threats: tuple[ThreatEvent, ...],
) -> EvacuationPlan:
    started = time.perf_counter()
    net = _compile(network, threats, step, safe)
    index = {p: i for i, p in enumerate(net.ids)}
    room = _Reservations(_capacity_spans(net), step, net.g_tail.tolist(), net.p_rate.tolist())
    out: list[list[tuple[int, int, int]]] = [[] for _ in range(net.n)]
    for g, (u, v, tau) in enumerate(
        zip(net.g_tail.tolist(), net.g_head.tolist(), net.g_tau.tolist(), strict=True)
    ):
        if room.spans[g]:
            out[u].append((g, v, tau))
    safe_mask = net.safe.tolist()

    left = {index[p]: n for p, n in supply.items() if n > 0 and not net.safe[index[p]]}
    already = {index[p]: n for p, n in supply.items() if n > 0 and net.safe[index[p]]}
    used_tails = np.zeros(net.g_tail.size, dtype=bool)
    used_tails[net.k_group] = True
    to_safe = _dijkstra(
        net.n,
        net.g_head[used_tails],
        net.g_tail[used_tails],
        net.g_tau[used_tails],
        {int(s): 0 for s in np.flatnonzero(net.safe)},
    )
    stranded = {p: n for p, n in left.items() if to_safe[p] >= _FOREVER}
    for p in stranded:
        del left[p]

    routes: dict[tuple[tuple[int, int, int], ...], list[int]] = defaultdict(lambda: [0, 0, 0])
    rounds = 0
    while left:
        rounds += 1
        best: dict[int, int] = {}
        prev: dict[int, tuple[int, int, int]] = {}
        origin: dict[int, int] = {}
        heap = [(0, p, p) for p in left]
        for _, p, _ in heap:
            best[p] = 0
            origin[p] = p
        heapq.heapify(heap)
        found = None
        while heap:
            a, u, src = heapq.heappop(heap)
            if a > best.get(u, _FOREVER):
                continue
            if safe_mask[u]:
                found = (u, a)
                break
            for g, v, tau in out[u]:
                t = room.first_free(g, a)
                if t is None:
                    continue
                arrive = t + tau
                if arrive < best.get(v, _FOREVER):
                    best[v] = arrive
                    prev[v] = (u, t, g)
                    origin[v] = src
                    heapq.heappush(heap, (arrive, v, src))
        if found is None:
            for p, n in left.items():
                stranded[p] = stranded.get(p, 0) + n
            break
        dest, arrive = found
        legs = []
        v = dest
        while v != origin[dest]:
            legs.append(prev[v])
            v = prev[v][0]
        legs.reverse()
        src = origin[dest]
        amount = min([left[src]] + [room.room(g, t) for _, t, g in legs])
        for _, t, g in legs:
            room.take(g, t, amount)
        left[src] -= amount
        if left[src] == 0:
            del left[src]
        entry = routes[(*legs, (dest, arrive, -1))]
        entry[0] += amount

    s = step
    movements = [Movement(n, [Stop(net.ids[p], 0, 0)]) for p, n in already.items()]
    for path, (count, _, _) in routes.items():
        taken, (dest, arrive, _) = path[:-1], path[-1]
        groups = np.array([g for _, _, g in taken], dtype=np.int64)
        steps = np.array([t for _, t, _ in taken], dtype=np.int64)
        links = net.leg_keys(groups, steps).tolist()
        reach = [0] + [(t + int(net.g_tau[g])) * s for _, t, g in taken]
        stops = [Stop(net.ids[u], reach[i], t * s) for i, (u, t, _) in enumerate(taken)]
        stops.append(Stop(net.ids[dest], arrive * s, arrive * s))
        movements.append(Movement(count, stops, [], links))
    movements.sort(key=lambda m: (m.departure_minute, m.source, m.arrival_minute))
    used = {(g, t): n for g, per in enumerate(room.used) for t, n in per.items()}

    lost = [
        Stranded(net.ids[p], n, "no route to any safe place (CCRP)") for p, n in stranded.items()
    ]
    risk = _risk_of(net, used)
    hazard = DEFAULT_HAZARD_PER_HOUR
    hours = hours_not_safe(movements, ())
    return EvacuationPlan(
        status=Status.FEASIBLE,
        objective="quickest",
        step_minutes=s,
        movements=movements,
        egress_minutes=max((m.arrival_minute for m in movements), default=0),
        lower_bound_minutes=None,
        quickest_minutes=None,
        deadline_minutes=None,
        risk_exposure=risk,
        bottlenecks=[],
        stranded=lost,
        standing_down=[],
        supply={p: n for p, n in supply.items() if n},
        parties=(),
        safe=tuple(sorted(safe)),
        proof=f"none: CCRP heuristic (Lu, George and Shekhar 2005), {rounds} routes reserved",
        notes=[],
        runtime_seconds=time.perf_counter() - started,
        network_name=network.name,
        harm=risk + hazard * hours,
        hours_not_safe=hours,
        _network=network,
        _threats=threats,
    )
