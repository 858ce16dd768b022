"""Stage 6a: parties the sweep could not place, routed through the capacity left.

Takes the parcels :func:`~._movements._sweep` left short of safety and the
capacity they have not used; routes each party, biggest first, by a
time-dependent earliest-arrival search over the compiled network
(:mod:`._compile`), and says why any party cannot go. The front door then
scores the result and, if it misses the splittable bound, asks the MIP
(:mod:`._parties`) for better.
"""

from __future__ import annotations

import heapq
import math

from evacplan.routing._arrays import _EPS, _FOREVER
from evacplan.routing._compile import _admits, _capacity_spans, _Net
from evacplan.routing._movements import _Histories, _Parcel


class _Room:
    """Capacity per group and step, for routing parcels through what is left."""

    def __init__(self, net: _Net) -> None:
        self.net = net
        self.spans = _capacity_spans(net)
        self.out: list[list[int]] = [[] for _ in range(net.n)]
        for g, u in enumerate(net.g_tail.tolist()):
            if self.spans[g]:
                self.out[u].append(g)

    def max_cap(self, g: int) -> int:
        """The most people group ``g`` admits in any one step."""
        s = self.net.step
        return max((math.ceil(rate * s / 60 - _EPS) for _, _, rate in self.spans[g]), default=0)

    def slot(
        self, g: int, t: int, size: int, used: dict[tuple[int, int], int], limit: int
    ) -> int | None:
        """The first step >= t, up to ``limit``, at which ``size`` people fit on group g."""
        s = self.net.step
        for a, b, rate in self.spans[g]:
            if b < t or math.ceil(rate * s / 60 - _EPS) < size:
                continue
            k = max(a, t)
            while k <= min(b, limit):
                if used.get((g, k), 0) + size <= _admits(rate, s, k):
                    return k
                k += 1
        return None

    def route(
        self, start: int, at: int, size: int, used: dict[tuple[int, int], int], limit: int
    ) -> tuple[list[tuple[int, int, int]], int, int] | None:
        """Earliest arrival at safety for ``size`` people from ``start`` at step ``at``."""
        net = self.net
        best = {start: at}
        prev: dict[int, tuple[int, int, int]] = {}
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
                t = self.slot(g, a, size, used, limit)
                if t is None:
                    continue
                v = int(net.g_head[g])
                arrive = t + int(net.g_tau[g])
                if arrive < best.get(v, _FOREVER):
                    best[v] = arrive
                    prev[v] = (u, t, g)
                    heapq.heappush(heap, (arrive, v))
        return None


def _repair(
    net: _Net,
    left: list[tuple[_Parcel, int]],
    hist: _Histories,
    used: dict[tuple[int, int], int],
    horizon: int,
    deadline: int | None = None,
) -> tuple[list[tuple[_Parcel, int, int]], list[tuple[_Parcel, str]]]:
    """Route parcels the sweep could not place through the capacity left, biggest first.

    With a ``deadline`` (a step), a party that cannot be safe by then fails
    with that reason rather than arriving late.
    """
    room = _Room(net)
    limit = (
        max(horizon, net.last_change, max((p[5] for p, _ in left), default=0))
        + (net.n + 1) * int(net.g_tau.max(initial=1))
        + 1
    )
    if deadline is not None:
        limit = min(limit, deadline)

    def in_time(found: tuple[list[tuple[int, int, int]], int, int] | None) -> bool:
        return found is not None and (deadline is None or found[2] <= deadline)

    done: list[tuple[_Parcel, int, int]] = []
    failed: list[tuple[_Parcel, str]] = []
    for p, place in sorted(left, key=lambda x: (-x[0][0], x[0][2], x[1])):
        found = room.route(place, p[3], p[0], used, limit)
        if not in_time(found):
            # Give back what it used and try again from where it started.
            for _, t, g in hist.legs(p[1]):
                used[(g, t)] -= p[0]
            p[1], p[3] = -1, p[5]
            found = room.route(p[4], p[5], p[0], used, limit)
        if found is None or not in_time(found):
            failed.append((p, _why_not(net, room, p[0], found, deadline)))
            continue
        legs, dest, arrive = found
        for u, t, g in legs:
            used[(g, t)] = used.get((g, t), 0) + p[0]
            p[1] = hist.add(u, t, g, p[1])
        p[3] = arrive
        done.append((p, dest, arrive))
    return done, failed


def _why_not(
    net: _Net,
    room: _Room,
    size: int,
    found: tuple[list[tuple[int, int, int]], int, int] | None,
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
