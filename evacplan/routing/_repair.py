"""Stage 6a: parties the sweep could not place, routed through the capacity left.

Takes the parcels :func:`~._movements._sweep` left short of safety and the
capacity they have not used; routes each party, biggest first, by a
time-dependent earliest-arrival search over the compiled network
(:mod:`._compile`), or for ``safest`` by least risk within the deadline
(a search over place and step, so a party may wait for a safer window), and
says why any party cannot go. A party larger than a link ever admits in one
step crosses it over several (the entries go to the histories of
:mod:`._movements`, and on to :attr:`~evacplan.routing.records.Movement.spread`).
The front door then scores the result and, if it misses the splittable
bound, asks the MIP (:mod:`._parties`) for better.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable

from evacplan.routing._arrays import _FOREVER
from evacplan.routing._clock import _Clock
from evacplan.routing._compile import _admits, _capacity_spans, _most_admitted, _Net
from evacplan.routing._movements import _Histories, _Parcel

_OUT_OF_TIME = (
    "the time limit ran out before this party was routed (the limit is too short for "
    "this case: give more time, or none)"
)


class _Room:
    """Capacity per group and step, for routing parcels through what is left."""

    def __init__(self, net: _Net, *, spread_any: bool = False) -> None:
        self.net = net
        self.spread_any = spread_any
        """Whether any party may cross as room allows when that is sooner (``most_saved``);
        otherwise only one larger than a step of the link ever admits."""
        self.spans = _capacity_spans(net)
        self.gates: list[float] = net.p_rate.tolist()
        """Per place, its throughput an hour (0: none), read in the searches' inner loops."""
        self.tails: list[int] = net.g_tail.tolist()
        self.out: list[list[int]] = [[] for _ in range(net.n)]
        for g, u in enumerate(net.g_tail.tolist()):
            if self.spans[g]:
                self.out[u].append(g)
        # Per group, (first step, last step, risk units of its safest open link) spans.
        self.risks: list[list[tuple[int, int, int]]] = [[] for _ in range(net.g_tail.size)]
        for k in net.span_firsts().tolist():
            self.risks[int(net.k_group[k])].append(
                (int(net.k_from[k]), int(net.k_to[k]), int(net.k_risk_int[k]))
            )

        # Per place, (first step, last step, risk units a person pays a step of waiting) pieces.
        self.waits: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for p, a, b, c in net.wait_pieces():
            self.waits[p].append((a, b, c))

    def wait_risk(self, place: int, first: int, last: int) -> int:
        """Risk units one person pays waiting at ``place`` through steps ``first..last``."""
        return sum(
            c * max(0, min(b, last) - max(a, first) + 1) for a, b, c in self.waits.get(place, ())
        )

    def risk_at(self, g: int, k: int) -> int:
        """Risk units of entering group ``g`` at step ``k`` by its safest open link."""
        return next((r for a, b, r in self.risks[g] if a <= k <= b), 0)

    def max_cap(self, g: int) -> int:
        """The most people group ``g`` admits in any one step (and its place lets out)."""
        s = self.net.step
        most = max((int(_most_admitted(rate, s)) for _, _, rate in self.spans[g]), default=0)
        gate = self.gates[self.tails[g]]
        return min(most, int(_most_admitted(gate, s))) if gate else most

    def gate_room(self, u: int, k: int, used: dict[tuple[int, int], int]) -> int | None:
        """How many more may leave place ``u`` at step ``k`` (None: it has no throughput)."""
        rate = self.gates[u]
        if not rate:
            return None
        gone = sum(used.get((g, k), 0) for g in self.out[u])
        return _admits(rate, self.net.step, k) - gone

    def slot(
        self, g: int, t: int, size: int, used: dict[tuple[int, int], int], limit: int
    ) -> tuple[int, list[tuple[int, int]] | None] | None:
        """How soon ``size`` people leaving at step t or later can all have entered group g.

        Returns the step the last of them enters (up to ``limit``) and how.
        People cross together, at the first step with room for all of them
        on the link and through their place's throughput (``None``: no entries
        listed). A party larger than the group (or its place) ever admits in
        one step crosses as its members can instead, from the first step with
        any room, one step after another (the ``(step, people)`` entries; see
        :attr:`~evacplan.routing.records.Movement.spread`), so no link or gate
        strands a party for being narrow. With ``spread_any``, any party
        crosses so when that has the last of them across sooner (the room
        others leave may be cut into pieces).
        """
        s = self.net.step
        u = self.tails[g]

        def room(k: int, rate: float) -> int:
            free = _admits(rate, s, k) - used.get((g, k), 0)
            gate = self.gate_room(u, k, used)
            return free if gate is None else min(free, gate)

        entries: list[tuple[int, int]] = []
        left = size
        done = None  # the step the last member enters, crossing as room allows
        wide = self.max_cap(g) < size
        for a, b, rate in self.spans[g] if wide or self.spread_any else ():
            for k in range(max(a, t), min(b, limit) + 1):
                free = room(k, rate)
                if free > 0:
                    entries.append((k, min(free, left)))
                    left -= entries[-1][1]
                    if not left:
                        done = k
                        break
            if done is not None:
                break
        if not wide:
            end = limit if done is None else done
            for a, b, rate in self.spans[g]:
                if b < t or _most_admitted(rate, s) < size:
                    continue
                for k in range(max(a, t), min(b, end) + 1):
                    if room(k, rate) >= size:
                        return k, None  # all together, no later than spreading would finish
        if done is None:
            return None
        return done, entries if len(entries) > 1 else None

    def route(
        self, start: int, at: int, size: int, used: dict[tuple[int, int], int], limit: int
    ) -> tuple[list[_Leg], int, int] | None:
        """Earliest arrival at safety for ``size`` people from ``start`` at step ``at``."""
        net = self.net
        best = {start: at}
        prev: dict[int, _Leg] = {}
        heap = [(at, start)]
        while heap:
            a, u = heapq.heappop(heap)
            if a > best[u]:
                continue
            if net.safe[u]:
                legs = []
                v = u
                while v != start:
                    legs.append(prev[v])
                    v = prev[v][0]
                legs.reverse()
                return legs, u, a
            for g in self.out[u]:
                found = self.slot(g, a, size, used, limit)
                if found is None:
                    continue
                last, entries = found
                v = int(net.g_head[g])
                arrive = last + int(net.g_tau[g])
                if arrive < best.get(v, _FOREVER):
                    best[v] = arrive
                    prev[v] = (u, entries[0][0] if entries else last, g, entries)
                    heapq.heappush(heap, (arrive, v))
        return None

    def safest_route(
        self,
        start: int,
        at: int,
        size: int,
        used: dict[tuple[int, int], int],
        limit: int,
        max_states: int = 200_000,
        hazard: int = 0,
    ) -> tuple[list[_Leg], int, int] | None:
        """Least risk, then earliest arrival, at safety by step ``limit``, from ``start`` at ``at``.

        A search over (place, step): risk is paid on the links entered (the
        risk of the safest open tier when the party starts entering) and for
        waiting at threatened places (``risk_per_hour``), so a party may wait
        for a safer window where waiting is safe. With ``hazard`` (risk units
        a person pays each step not yet safe: ``least_harm``), the least harm.
        """
        net = self.net
        best = {(start, at): 0}
        prev: dict[tuple[int, int], tuple[tuple[int, int], _Leg]] = {}
        heap = [(0, at, start)]
        while heap:
            if len(best) > max_states:
                return None  # too far to search by the step: the caller falls back
            r, t, u = heapq.heappop(heap)
            if r > best.get((u, t), _FOREVER):
                continue
            if net.safe[u]:
                legs = []
                state = (u, t)
                while state != (start, at):
                    state, leg = prev[state]
                    if leg[2] >= 0:
                        legs.append(leg)
                legs.reverse()
                return legs, u, t
            nexts: list[tuple[int, int, int, _Leg]] = []
            if t < limit:
                wait = size * (self.wait_risk(u, t, t) + hazard)
                nexts.append((r + wait, t + 1, u, (u, t, -1, None)))  # wait a step
            for g in self.out[u]:
                found = self.slot(g, t, size, used, limit)
                if found is None:
                    continue
                last, entries = found
                first = entries[0][0] if entries else last
                when = last + int(net.g_tau[g])
                cost = size * (
                    self.risk_at(g, first) + self.wait_risk(u, t, first - 1) + hazard * (when - t)
                )
                nexts.append((r + cost, when, int(net.g_head[g]), (u, first, g, entries)))
            for cost, when, v, leg in nexts:
                if when <= limit and cost < best.get((v, when), _FOREVER):
                    best[(v, when)] = cost
                    prev[(v, when)] = ((u, t), leg)
                    heapq.heappush(heap, (cost, when, v))
        return None


_Leg = tuple[int, int, int, list[tuple[int, int]] | None]
"""A leg of a repaired route: place, first step, group, and the entries of a party crossing
over several steps (None: all at once)."""


def _repair(
    net: _Net,
    left: list[tuple[_Parcel, int]],
    hist: _Histories,
    used: dict[tuple[int, int], int],
    horizon: int,
    deadline: int | None = None,
    objective: str = "quickest",
    settled: int | None = None,
    first: Callable[[_Parcel], int] | None = None,
    spread_any: bool = False,
    clock: _Clock | None = None,
) -> tuple[list[tuple[_Parcel, int, int]], list[tuple[_Parcel, str]]]:
    """Route parcels the sweep could not place through the capacity left, biggest first.

    By earliest arrival; for ``least_harm``, by least harm (risk, and the
    hazard of each step not yet safe), and a party that no single departure
    has room for crosses as room allows (its members on consecutive
    departures) rather than be stranded; for ``safest`` (which has a deadline), by least risk
    within the deadline first (or within ``settled``, a horizon past which no
    schedule has less risk, when one is known). With a ``deadline`` (a step), a party that
    cannot be safe by then fails with that reason rather than arriving late. With ``first``,
    parties are taken by its value (a priority tier, 0 first), then biggest first;
    ``spread_any`` as for :class:`_Room`. Once ``clock`` runs out, the parties not yet
    routed fail with :data:`_OUT_OF_TIME` (the call's time limit was too short for them):
    ``most_saved`` passes it, where whoever is not routed is left behind with that reason.
    """
    room = _Room(net, spread_any=spread_any)
    limit = (
        max(horizon, net.last_change, max((p[5] for p, _ in left), default=0))
        + (net.n + 1) * int(net.g_tau.max(initial=1))
        + 1
    )
    if deadline is not None:
        limit = min(limit, deadline)

    def in_time(found: tuple[list[_Leg], int, int] | None) -> bool:
        return found is not None and (deadline is None or found[2] <= deadline)

    done: list[tuple[_Parcel, int, int]] = []
    failed: list[tuple[_Parcel, str]] = []

    def search(start: int, at: int, size: int) -> tuple[list[_Leg], int, int] | None:
        if objective == "safest" and deadline is not None:
            found = room.safest_route(start, at, size, used, min(deadline, settled or deadline))
            if found is not None:
                return found
        quickest = room.route(start, at, size, used, limit)
        if objective == "least_harm" and quickest is not None:
            # (Only once a route is known: a search that finds none costs the most.)
            return (
                room.safest_route(start, at, size, used, limit, hazard=net.hazard_int) or quickest
            )
        if quickest is None and objective == "least_harm" and not room.spread_any:
            # Rather than strand a party because no one departure has room for all of it,
            # its members take the room of consecutive departures (Movement.spread).
            room.spread_any = True
            try:
                return search(start, at, size)
            finally:
                room.spread_any = False
        return quickest

    rank = first or (lambda p: 0)
    for p, place in sorted(left, key=lambda x: (rank(x[0]), -x[0][0], x[0][2], x[1])):
        if clock is not None and clock.out():
            failed.append((p, _OUT_OF_TIME))
            continue
        found = search(place, p[3], p[0])
        if not in_time(found):
            # Give back what it used and try again from where it started.
            for g, t, n in hist.usage(p[1], p[0]):
                used[(g, t)] -= n
            p[1], p[3] = -1, p[5]
            found = search(p[4], p[5], p[0])
        if found is None or not in_time(found):
            failed.append((p, _why_not(net, room, p[0], found, deadline)))
            continue
        legs, dest, arrive = found
        for u, t, g, entries in legs:
            for k, n in entries or [(t, p[0])]:
                used[(g, k)] = used.get((g, k), 0) + n
            p[1] = hist.add(u, t, g, p[1])
            if entries:
                hist.spread[p[1]] = entries
        p[3] = arrive
        done.append((p, dest, arrive))
    return done, failed


def _why_not(
    net: _Net,
    room: _Room,
    size: int,
    found: tuple[list[_Leg], int, int] | None,
    deadline: int | None,
) -> str:
    """Why a party of ``size`` could not be routed, in words."""
    if found is not None and deadline is not None:
        s = net.step
        return (
            f"cannot reach safety by the deadline (minute {deadline * s}) with the party of "
            f"{size} together; the earliest it could is minute {found[2] * s}"
        )
    widest = max((room.max_cap(g) for g in range(net.g_tail.size)), default=0)
    if size > widest:
        return (
            f"a party of {size} is larger than any link admits in one step "
            f"({widest}); parties are never split"
        )
    if deadline is not None:
        return (
            f"no route with room for a party of {size} by the deadline "
            f"(minute {deadline * net.step})"
        )
    return f"no route with room for a party of {size} at any time"
