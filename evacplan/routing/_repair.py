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
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable
from math import floor

import numpy as np

from evacplan.routing._arrays import _FOREVER, _dijkstra
from evacplan.routing._clock import _Clock
from evacplan.routing._compile import _EPS, _admits, _capacity_spans, _most_admitted, _Net
from evacplan.routing._expand import _late_risk, _LateRisk
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
        # Per group, its spans with the most people each admits in one step.
        self.widths = [[(*x, int(_most_admitted(x[2], net.step))) for x in y] for y in self.spans]
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

        self._floors: tuple[list[int], list[int]] | None = None
        self._max_cap: dict[int, int] = {}
        self._late: _LateRisk | None = None
        # Per place, (first step, last step, risk units a person pays a step of waiting) pieces.
        self.waits: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
        for p, a, b, c in net.wait_pieces():
            self.waits[p].append((a, b, c))
        # Per place, the steps at which the risk of a link out of it changes (where waiting
        # costs no risk anywhere, the only steps worth waiting for: see safest_route).
        self.changes: list[list[int]] | None = None
        if not self.waits:
            points: list[set[int]] = [set() for _ in range(net.n)]
            for g, spans in enumerate(self.risks):
                for a, b, _ in spans:
                    points[self.tails[g]].update((a, b + 1))
            self.changes = [sorted(x) for x in points]

    def wait_risk(self, place: int, first: int, last: int) -> int:
        """Risk units one person pays waiting at ``place`` through steps ``first..last``."""
        total = 0
        for a, b, c in self.waits.get(place, ()):  # (loops, not sum(): the searches' inner loop)
            if a <= last and b >= first:
                total += c * (min(b, last) - max(a, first) + 1)
        return total

    def risk_at(self, g: int, k: int) -> int:
        """Risk units of entering group ``g`` at step ``k`` by its safest open link."""
        for a, b, r in self.risks[g]:
            if a <= k <= b:
                return r
        return 0

    def max_cap(self, g: int) -> int:
        """The most people group ``g`` admits in any one step (and its place lets out)."""
        known = self._max_cap.get(g)
        if known is not None:
            return known
        s = self.net.step
        most = max((int(_most_admitted(rate, s)) for _, _, rate in self.spans[g]), default=0)
        gate = self.gates[self.tails[g]]
        self._max_cap[g] = min(most, int(_most_admitted(gate, s))) if gate else most
        return self._max_cap[g]

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
            gated = bool(self.gates[u])
            for a, b, rate, most in self.widths[g]:
                if b < t or most < size:
                    continue
                for k in range(max(a, t), min(b, end) + 1):
                    t0 = k * s  # room(), inlined without a throughput: the searches ask this most
                    free = floor(rate * (t0 + s) / 60 + _EPS) - floor(rate * t0 / 60 + _EPS)
                    if (room(k, rate) if gated else free - used.get((g, k), 0)) >= size:
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
        below: int | None = None,
    ) -> tuple[list[_Leg], int, int] | None:
        """Least risk, then earliest arrival, at safety by step ``limit``, from ``start`` at ``at``.

        A search over (place, step): risk is paid on the links entered (the
        risk of the safest open tier when the party starts entering) and for
        waiting at threatened places (``risk_per_hour``), so a party may wait
        for a safer window where waiting is safe. With ``hazard`` (risk units
        a person pays each step not yet safe: ``least_harm``), the least harm.
        With ``below``, only a route that costs less (None if there is none).
        """
        net = self.net
        # A*: no way to safety from a place at a step costs less than the hazard of its
        # quickest way out and the risk of its least risky one still open from then on, so
        # searching by cost plus that finds the same least cost sooner (the bound is
        # consistent: it never falls by more than a step or a move costs).
        steps = self.floors[0]
        late = self.late
        times, table = late.times.tolist(), late.table

        def ahead(v: int, t: int) -> int:
            return size * (hazard * steps[v] + int(table[bisect_right(times, t) - 1, v]))

        best = {(start, at): 0}
        prev: dict[tuple[int, int], tuple[tuple[int, int], _Leg]] = {}
        heap = [(ahead(start, at), 0, at, start)]
        while heap:
            if len(best) > max_states:
                return None  # too far to search by the step: the caller falls back
            _, r, t, u = heapq.heappop(heap)
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
            later = self._later(u, t)
            if later <= limit:
                wait = size * (self.wait_risk(u, t, later - 1) + hazard * (later - t))
                nexts.append((r + wait, later, u, (u, t, -1, None)))  # wait
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
                if when > limit or cost >= best.get((v, when), _FOREVER):
                    continue
                f = cost + ahead(v, when)
                if f >= _FOREVER or (below is not None and f >= below):
                    continue  # no way out from there, or none that beats the route to replace
                best[(v, when)] = cost
                prev[(v, when)] = ((u, t), leg)
                heapq.heappush(heap, (f, cost, when, v))
        return None

    def _later(self, u: int, t: int) -> int:
        """The step after ``t`` that :meth:`safest_route` may wait at ``u`` for: the next.

        Where waiting costs no risk anywhere, only the next at which the risk of a link out
        of ``u`` changes (_FOREVER: none). A move already leaves at the first step with room
        (:meth:`slot`), and people who arrive somewhere sooner can wait there as well as
        here (the same hazard a step, no risk either way), so a wait for anything else
        gains nothing: on a timeline of 1,300 steps a search is spared a state per place
        and step."""
        if self.changes is None:
            return t + 1
        points = self.changes[u]
        i = bisect_right(points, t)
        return points[i] if i < len(points) else _FOREVER

    @property
    def late(self) -> _LateRisk:
        """Per place and step, the least risk of any way to safety from then on."""
        if self._late is None:
            self._late = _late_risk(self.net, None, np.zeros(self.net.n, dtype=np.int64))
        return self._late

    @property
    def floors(self) -> tuple[list[int], list[int]]:
        """Per place, the fewest steps and the least risk (units) of any way to safety, whenever
        taken and capacity aside (each its own least: together a bound, not a route)."""
        if self._floors is None:
            net = self.net
            risk = np.full(net.g_tail.size, _FOREVER, dtype=np.int64)
            np.minimum.at(risk, net.k_group, net.k_risk_int)
            ok = risk < _FOREVER
            heads, tails = net.g_head[ok], net.g_tail[ok]
            safe = {int(x): 0 for x in np.flatnonzero(net.safe)}
            self._floors = (
                _dijkstra(net.n, heads, tails, net.g_tau[ok], safe).tolist(),
                _dijkstra(net.n, heads, tails, risk[ok], safe).tolist(),
            )
        return self._floors


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
        max(horizon, net.last_change, max((p.released for p, _ in left), default=0))
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
    for p, place in sorted(left, key=lambda x: (rank(x[0]), -x[0].count, x[0].party, x[1])):
        if clock is not None and clock.out():
            _home(p, hist, used)
            failed.append((p, _OUT_OF_TIME))
            continue
        found = search(place, p.reached, p.count)
        if not in_time(found):  # try again from where it started
            _home(p, hist, used)
            found = search(p.origin, p.released, p.count)
        if found is None or not in_time(found):
            failed.append((p, _why_not(net, room, p.count, found, deadline)))
            continue
        legs, dest, arrive = found
        for u, t, g, entries in legs:
            for k, n in entries or [(t, p.count)]:
                used[(g, k)] = used.get((g, k), 0) + n
            p.history = hist.add(u, t, g, p.history)
            if entries:
                hist.spread[p.history] = entries
        p.reached = arrive
        done.append((p, dest, arrive))
    return done, failed


def _home(p: _Parcel, hist: _Histories, used: dict[tuple[int, int], int]) -> None:
    """Give back the room party ``p`` took on its way so far and put it back where it started
    (a party left behind part-way would take risk no movement of the plan shows)."""
    for g, t, n in hist.usage(p.history, p.count):
        used[(g, t)] -= n
    p.history, p.reached = -1, p.released


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
    if size > widest and not room.spread_any:
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


_IMPROVE_MOST = 2_000
"""The most parties a pass of :func:`_improve` tries to re-route (the worst first): a bound on
its time that does not depend on the clock, so that plans without a time limit are
reproducible."""
_IMPROVE_MISSES = 100
""":func:`_improve` ends a pass after this many parties in a row that it could not route
better (the worst come first, so the rest are unlikely to gain)."""
_IMPROVE_PASSES = 4
"""The most passes :func:`_improve` makes: a party re-routed frees room another can take,
so a pass that changed something is followed by another. On ``bench_plan.py``'s timeline
cut to 30 posts (4,000 people), one pass that gave up after 25 misses left the harm at
155.7 against a bound of 127.6; passes of up to 100 misses, 127.7 (0.9 s, three passes)."""
_IMPROVE_STEPS = 3
"""A party is tried only if a person of it pays more than this many steps of hazard above the
bound of what one would pay alone (less is within the bound's own slack, and not worth the
search: on the founding seed, 47 searches and 2.9 s for a gain of 0.000167)."""


def _improve(
    net: _Net,
    travelled: list[tuple[_Parcel, int, int]],
    hist: _Histories,
    used: dict[tuple[int, int], int],
    horizon: int,
    deadline: int | None = None,
    clock: _Clock | None = None,
    *,
    hazard: int | None = None,
) -> int:
    """Re-route parties, one at a time, by their least-harm route through the capacity left,
    in passes (at most :data:`_IMPROVE_PASSES`) until one changes nothing.

    The flow's schedule is least in harm for people who may split; whole
    parties swept through it may queue days for a departure the flow meant
    for others (a family of two at a crossing where it left room for one).
    Each party whose harm a person is furthest above what one would pay alone is taken
    off its route and routed again by least harm (:meth:`_Room.safest_route`,
    by ``deadline`` when there is one) through what the others leave; the
    new route is kept if its harm is less. ``hazard``: risk units a person
    pays a step not yet safe, by default the network's (0: by risk exposure
    alone, for ``safest`` and ``quickest``). Changes ``travelled``, ``hist``
    and ``used`` in place; returns how many parties it re-routed.
    """
    room = _Room(net)
    hazard = net.hazard_int if hazard is None else hazard
    limit = (
        max(horizon, net.last_change, max((p.released for p, _, _ in travelled), default=0))
        + (net.n + 1) * int(net.g_tau.max(initial=1))
        + 1
    )
    if deadline is not None:
        limit = min(limit, deadline)
    changed = 0
    for _ in range(_IMPROVE_PASSES):
        now = _improve_pass(room, travelled, hist, used, limit, clock, hazard)
        changed += now
        if not now or (clock is not None and clock.out()):
            break
    return changed


def _improve_pass(
    room: _Room,
    travelled: list[tuple[_Parcel, int, int]],
    hist: _Histories,
    used: dict[tuple[int, int], int],
    limit: int,
    clock: _Clock | None,
    hazard: int,
) -> int:
    """One pass of :func:`_improve`, the worst parties first, routes ending by ``limit``;
    returns how many parties it re-routed."""
    steps, least = room.floors
    rows = []
    for i, (p, _, arrive) in enumerate(travelled):
        if p.party < 0:
            continue  # plain counts follow the flow, which is least for them already
        cost = _route_units(room, hist, p.history, p.released, arrive, p.count, hazard)
        excess = cost / p.count - (hazard * steps[p.origin] + least[p.origin])  # a person's
        if excess > max(1, _IMPROVE_STEPS * hazard):
            rows.append((-excess, i))
    changed = misses = 0
    for _, i in sorted(rows)[:_IMPROVE_MOST]:
        if (clock is not None and clock.out()) or misses >= _IMPROVE_MISSES:
            break
        p, dest, arrive = travelled[i]
        cost = _route_units(room, hist, p.history, p.released, arrive, p.count, hazard)
        before = hist.usage(p.history, p.count)
        for g, t, n in before:
            used[(g, t)] -= n
        found = room.safest_route(
            p.origin, p.released, p.count, used, limit, hazard=hazard, below=cost
        )
        if (
            found is not None
            and _legs_units(room, found[0], p.released, found[2], p.count, hazard) < cost
        ):
            legs, dest, arrive = found
            h = -1
            for u, t, g, entries in legs:
                for k, n in entries or [(t, p.count)]:
                    used[(g, k)] = used.get((g, k), 0) + n
                h = hist.add(u, t, g, h)
                if entries:
                    hist.spread[h] = entries
            p.history, p.reached = h, arrive
            travelled[i] = (p, dest, arrive)
            changed, misses = changed + 1, 0
        else:
            misses += 1
            for g, t, n in before:
                used[(g, t)] = used.get((g, t), 0) + n
    return changed


def _route_units(
    room: _Room, hist: _Histories, h: int, start: int, arrive: int, size: int, hazard: int
) -> int:
    """The harm (risk units) ``size`` people pay along history ``h`` from step ``start``."""
    chain = []
    while h >= 0:
        chain.append(h)
        h = hist.parent[h]
    legs = [
        (hist.place[x], hist.step[x], hist.group[x], hist.spread.get(x)) for x in reversed(chain)
    ]
    return _legs_units(room, legs, start, arrive, size, hazard)


def _legs_units(
    room: _Room,
    legs: list[_Leg],
    start: int,
    arrive: int,
    size: int,
    hazard: int,
) -> int:
    """The harm (risk units) ``size`` people pay along ``legs`` from step ``start`` to ``arrive``:
    each link's risk as they start entering it, waiting risk before, the hazard throughout (as
    :meth:`_Room.safest_route` counts it)."""
    net = room.net
    t, cost = start, 0
    for u, step, g, entries in legs:
        first = entries[0][0] if entries else step
        last = entries[-1][0] if entries else step
        cost += room.risk_at(g, first) + room.wait_risk(u, t, first - 1)
        t = last + int(net.g_tau[g])
    return size * (cost + hazard * (arrive - start))
