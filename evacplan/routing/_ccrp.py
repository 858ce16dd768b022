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
from dataclasses import dataclass

import numpy as np

from evacplan.models import Network, ThreatEvent
from evacplan.results import DEFAULT_HAZARD_PER_HOUR, Status
from evacplan.routing._arrays import _FOREVER, _dijkstra, _no_gc
from evacplan.routing._compile import _admits, _capacity_spans, _compile, _Net, _risk_of
from evacplan.routing.columns import hours_not_safe
from evacplan.routing.plan import EvacuationPlan
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


@dataclass(slots=True)
class _Graph:
    """The network as CCRP searches it.

    ``out`` holds each place's links with any capacity, as (group, head,
    transit steps); ``room`` what is left of their capacity; ``safe`` whether
    each place is safe.
    """

    room: _Reservations
    out: list[list[tuple[int, int, int]]]
    safe: list[bool]


@dataclass(slots=True)
class _People:
    """People by place index: still to route (``left``), already safe, and with no way out."""

    left: dict[int, int]
    already: dict[int, int]
    stranded: dict[int, int]


@dataclass(slots=True)
class _Route:
    """A round's earliest way to safety: from ``source``, its legs (place, step, group)."""

    source: int
    legs: list[tuple[int, int, int]]
    dest: int
    arrive: int


# Routes taken, by (legs, safe place, arrival step): how many people took each.
_Routes = dict[tuple[tuple[tuple[int, int, int], ...], int, int], int]


def _ccrp(
    network: Network,
    supply: dict[str, int],
    safe: set[str],
    step: int,
    threats: tuple[ThreatEvent, ...],
) -> EvacuationPlan:
    """CCRP's plan: the network compiled, routes reserved round by round, their movements."""
    started = time.perf_counter()
    net = _compile(network, threats, step, safe)
    graph = _graph(net, step)
    people = _people(net, supply)
    routes, rounds = _reserve(graph, people)
    movements = _movements_along(net, routes, people.already, step)
    used = {(g, t): n for g, per in enumerate(graph.room.used) for t, n in per.items()}

    lost = [
        Stranded(net.ids[p], n, "no route to any safe place (CCRP)")
        for p, n in people.stranded.items()
    ]
    risk = _risk_of(net, used)
    hazard = DEFAULT_HAZARD_PER_HOUR
    hours = hours_not_safe(movements, ())
    return EvacuationPlan(
        status=Status.FEASIBLE,
        objective="quickest",
        step_minutes=step,
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


def _graph(net: _Net, step: int) -> _Graph:
    """Each place's links out that ever have capacity, and the room on every link group."""
    room = _Reservations(_capacity_spans(net), step, net.g_tail.tolist(), net.p_rate.tolist())
    out: list[list[tuple[int, int, int]]] = [[] for _ in range(net.n)]
    for g, (u, v, tau) in enumerate(
        zip(net.g_tail.tolist(), net.g_head.tolist(), net.g_tau.tolist(), strict=True)
    ):
        if room.spans[g]:
            out[u].append((g, v, tau))
    return _Graph(room, out, net.safe.tolist())


def _people(net: _Net, supply: dict[str, int]) -> _People:
    """Who is to be routed, who is safe already, and who has no way to any safe place."""
    index = {p: i for i, p in enumerate(net.ids)}
    left = {index[p]: n for p, n in supply.items() if n > 0 and not net.safe[index[p]]}
    already = {index[p]: n for p, n in supply.items() if n > 0 and net.safe[index[p]]}
    # Backwards from the safe places, over every link group with a span of capacity.
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
    return _People(left, already, stranded)


def _reserve(graph: _Graph, people: _People) -> tuple[_Routes, int]:
    """Route everyone left, a round per route; returns the routes and the number of rounds.

    Each round sends as many people as the earliest route's scarcest leg
    has room for (and its source has left), and reserves their room. Whoever
    is left when no route remains is stranded.
    """
    routes: _Routes = defaultdict(int)
    rounds = 0
    left, room = people.left, graph.room
    while left:
        rounds += 1
        route = _earliest_route(graph, left)
        if route is None:
            for p, n in left.items():
                people.stranded[p] = people.stranded.get(p, 0) + n
            break
        src = route.source
        amount = min([left[src]] + [room.room(g, t) for _, t, g in route.legs])
        for _, t, g in route.legs:
            room.take(g, t, amount)
        left[src] -= amount
        if left[src] == 0:
            del left[src]
        routes[(tuple(route.legs), route.dest, route.arrive)] += amount
    return routes, rounds


def _earliest_route(graph: _Graph, left: dict[int, int]) -> _Route | None:
    """The earliest arrival at any safe place from any place with people left (None: none).

    A time-dependent Dijkstra over the room left: a link is entered at its
    first step with room once its tail is reached (waiting is unlimited).
    """
    out, safe, room = graph.out, graph.safe, graph.room
    best: dict[int, int] = {}
    prev: dict[int, tuple[int, int, int]] = {}
    origin: dict[int, int] = {}
    heap = [(0, p, p) for p in left]
    for _, p, _ in heap:
        best[p] = 0
        origin[p] = p
    heapq.heapify(heap)
    while heap:
        a, u, src = heapq.heappop(heap)
        if a > best.get(u, _FOREVER):
            continue
        if safe[u]:
            legs = []
            v = u
            while v != origin[u]:
                legs.append(prev[v])
                v = prev[v][0]
            legs.reverse()
            return _Route(origin[u], legs, u, a)
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
    return None


def _movements_along(
    net: _Net, routes: _Routes, already: dict[int, int], step: int
) -> list[Movement]:
    """The movements of the routes reserved, and of those who start safe."""
    movements = [Movement(n, [Stop(net.ids[p], 0, 0)]) for p, n in already.items()]
    for (taken, dest, arrive), count in routes.items():
        groups = np.array([g for _, _, g in taken], dtype=np.int64)
        steps = np.array([t for _, t, _ in taken], dtype=np.int64)
        links = net.leg_keys(groups, steps).tolist()
        reach = [0] + [(t + int(net.g_tau[g])) * step for _, t, g in taken]
        stops = [Stop(net.ids[u], reach[i], t * step) for i, (u, t, _) in enumerate(taken)]
        stops.append(Stop(net.ids[dest], arrive * step, arrive * step))
        movements.append(Movement(count, stops, [], links))
    movements.sort(key=lambda m: (m.departure_minute, m.source, m.arrival_minute))
    return movements
