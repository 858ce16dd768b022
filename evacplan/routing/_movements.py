"""Stage 5: flows become movements: people in queues, parties whole, itineraries merged.

:func:`_sweep` walks the flow of :mod:`._solve` (or of the whole-party MIP,
:mod:`._parties`) forward in time and moves *parcels* (people who have
travelled together so far) first come, first served, recording their legs in
shared :class:`_Histories`; parties that do not fit are left for
:mod:`._repair`. :mod:`._unroll` turns the histories into the plan's
movements (round trips become waits).
"""

from __future__ import annotations

import heapq
from array import array
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from evacplan.routing._arrays import _FOREVER
from evacplan.routing._compile import _Net


class _Histories:
    """Itinerary prefixes shared by parcels: each entry is a leg and the entry before it.

    A leg is (place, departure step, group). Parcels that leave together from
    the same history share the new entry, so equal itineraries are equal ids.
    A party that crossed a leg over several steps has that entry's
    ``(step, people)`` in ``spread`` (see :attr:`~evacplan.routing.records.Movement.spread`).
    """

    __slots__ = ("group", "parent", "place", "spread", "step")

    def __init__(self) -> None:
        # Flat int64 arrays, not lists: millions of entries on a large plan, 8 bytes each.
        self.place = array("q")
        self.step = array("q")
        self.group = array("q")
        self.parent = array("q")
        self.spread: dict[int, list[tuple[int, int]]] = {}

    def add(self, place: int, step: int, group: int, parent: int) -> int:
        self.place.append(place)
        self.step.append(step)
        self.group.append(group)
        self.parent.append(parent)
        return len(self.place) - 1

    def legs(self, h: int) -> list[tuple[int, int, int]]:
        out = []
        while h >= 0:
            out.append((self.place[h], self.step[h], self.group[h]))
            h = self.parent[h]
        out.reverse()
        return out

    def usage(self, h: int, size: int) -> list[tuple[int, int, int]]:
        """(group, step, people) of the capacity ``size`` people took along history ``h``."""
        out = []
        while h >= 0:
            entries = self.spread.get(h, [(self.step[h], size)])
            out += [(self.group[h], k, n) for k, n in entries]
            h = self.parent[h]
        return out


@dataclass(slots=True)
class _Parcel:
    """People who have travelled together so far: a party, or plain supply of one source."""

    count: int
    history: int
    """Their itinerary so far: an entry of the :class:`_Histories` (-1: none yet)."""
    party: int
    """The party's index, or -1 for plain supply (which splits to fill a departure)."""
    reached: int
    """The step they reached the place they are at."""
    origin: int
    """The place they started from."""
    released: int
    """The step they were released (free to leave their origin)."""

    def split(self, count: int, step: int) -> _Parcel:
        """``count`` of these people, leaving at ``step`` (plain supply only); the rest stay."""
        self.count -= count
        return _Parcel(count, self.history, -1, step, self.origin, self.released)


# A departure the flow uses: (step, tail, head, group, transit steps, people it carries).
_Event = tuple[int, int, int, int, int, int]


@dataclass(slots=True)
class _Crossing:
    """A party crossing a link group as room allows (``spread``), keyed by (place, group).

    ``entries`` are the ``(step, people)`` that have entered so far, ``left``
    the members still to enter; once none are left, the party goes on
    together.
    """

    parcel: _Parcel
    entries: list[tuple[int, int]]
    left: int


@dataclass(slots=True)
class _Sweep:
    """Who waits where during a sweep, who is on the way, and who is safe.

    ``queues`` holds the parcels waiting at each (place, queue class), first
    come first, each class in two: ``2 * class`` for those passing through,
    one more for those at home (the place they started from); ``pending`` the
    (place, parcel) reaching a place at each step; ``finished`` the (parcel,
    safe place, step) of those safe; ``crossing`` the parties part-way across
    a link group, by (place, group).
    """

    safe: list[bool]
    class_of: list[int]  # a party's queue class (empty: all of class ``plain``)
    plain: int
    n_classes: int
    hist: _Histories
    tau: list[int]  # a link group's transit steps
    queues: defaultdict[tuple[int, int], deque[_Parcel]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    pending: defaultdict[int, list[tuple[int, _Parcel]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    finished: list[tuple[_Parcel, int, int]] = field(default_factory=list)
    crossing: dict[tuple[int, int], _Crossing] = field(default_factory=dict)

    def arrive_until(self, t: int) -> None:
        """Parcels due by step ``t`` reach their place: safe, or in its queue."""
        pending, queues, safe, finished = self.pending, self.queues, self.safe, self.finished
        class_of, plain = self.class_of, self.plain
        for when in sorted(k for k in pending if k <= t):
            for place, parcel in pending.pop(when):
                if safe[place]:
                    finished.append((parcel, place, when))
                    continue
                cls = class_of[parcel.party] if class_of and parcel.party >= 0 else plain
                q = queues[(place, 2 * cls + (place == parcel.origin))]
                came = self.came(parcel, place) if parcel.party >= 0 else when
                if came == when:
                    q.append(parcel)
                else:  # back where it was: its place in the queue is where it first came
                    q.insert(
                        next((i for i, o in enumerate(q) if self.came(o, place) > came), len(q)),
                        parcel,
                    )

    def came(self, parcel: _Parcel, place: int) -> int:
        """The step ``parcel`` first came to ``place`` on its way so far (``parcel.reached`` if
        it had not been there before): a party sent from a place and back keeps its place in
        the queue (docs/routing.md, "Queues")."""
        hist, first, h = self.hist, parcel.reached, parcel.history
        while h >= 0:
            parent = hist.parent[h]
            if hist.place[h] == place:
                if parent < 0:
                    first = parcel.released
                else:
                    steps = [k for k, _ in hist.spread.get(parent, [(hist.step[parent], 0)])]
                    first = max(steps) + self.tau[hist.group[parent]]
            h = parent
        return first

    def left_short(
        self, hist: _Histories, used: dict[tuple[int, int], int]
    ) -> list[tuple[_Parcel, int]]:
        """The (parcel, place) of everyone not safe, once the flow has run out.

        A party never all across gives its room back and stays where it is.
        """
        rank: dict[int, int] = {}
        for place, _ in self.queues:
            rank.setdefault(place, len(rank))
        keys = sorted(self.queues, key=lambda key: (rank[key[0]], key[1]))
        left = [(p, place) for place, cls in keys for p in self.queues[(place, cls)]]
        for (u, g), across in self.crossing.items():
            for k, n in across.entries:
                used[(g, k)] -= n
            p = across.parcel
            p.history = hist.parent[p.history]
            left.append((p, u))
        return left


def _sweep(
    net: _Net,
    groups: np.ndarray,
    steps: np.ndarray,
    amounts: np.ndarray,
    start: list[tuple[int, _Parcel]],
    hist: _Histories,
    used: dict[tuple[int, int], int],
    tiers: list[int] | None = None,
    spread: bool | list[bool] = False,
    plain: int = 0,
) -> tuple[list[tuple[_Parcel, int, int]], list[tuple[_Parcel, int]]]:
    """Walk the flow forward in time, moving parcels first come, first served.

    Plain supply splits to fill a departure exactly; a party goes whole or
    waits. With ``tiers`` (per party, its queue class, 0 first: a priority
    tier, or urgent parties before the rest), a party of a lower class
    waiting at a place goes before one of a higher class, whoever came
    first; plain supply is of class ``plain``. Within a class, people passing
    through a place go before people at home there (it is their origin), first
    come first: the flow fixes how many leave a place when, and the queue who,
    so who waits for a checkpoint is whoever can wait at home.
    With ``spread`` (True, or per party), a party too big for what is left
    of a departure starts across with that room, and its other members take
    the group's next room from the place, before anyone else
    (:attr:`Movement.spread`); a party never all across by the end is given
    back its room and left where it is.
    Returns the parcels that reached safety (parcel, place, step) and those
    left short of it (parcel, place).
    """
    class_of = tiers or []
    classes = 2 * (max([*class_of, plain], default=0) + 1)  # (each: passing through, at home)
    sweep = _Sweep(net.safe.tolist(), class_of, plain, classes, hist, net.g_tau.tolist())
    for place, parcel in start:
        sweep.pending[parcel.reached].append((place, parcel))
    _walk(sweep, _events(net, groups, steps, amounts), hist, used, spread)
    sweep.arrive_until(_FOREVER)
    return sweep.finished, sweep.left_short(hist, used)


def _events(
    net: _Net, groups: np.ndarray, steps: np.ndarray, amounts: np.ndarray
) -> Iterator[_Event]:
    """The flow's departures (see ``_Event``) by step, then tail, head and group."""
    tails, heads, taus = net.g_tail[groups], net.g_head[groups], net.g_tau[groups]
    order = _event_order(net, groups, steps)
    return zip(
        steps[order].tolist(),
        tails[order].tolist(),
        heads[order].tolist(),
        groups[order].tolist(),
        taus[order].tolist(),
        amounts[order].tolist(),
        strict=True,
    )


def _event_order(net: _Net, groups: np.ndarray, steps: np.ndarray) -> np.ndarray:
    """The order a sweep takes the flow's departures in: by step, then tail, head and group."""
    return np.lexsort((groups, net.g_head[groups], net.g_tail[groups], steps))


def _walk(
    sweep: _Sweep,
    events: Iterator[_Event],
    hist: _Histories,
    used: dict[tuple[int, int], int],
    spread: bool | list[bool],
) -> None:
    """Fill each departure from its place's queues, class by class, first come first.

    The sweep's hot loop (hundreds of thousands of parcels), kept in one
    piece on purpose: it reads everything through locals and calls no
    function per departure or parcel (a call per departure costs some 7% on
    a large sweep).
    """
    queues, pending, crossing = sweep.queues, sweep.pending, sweep.crossing
    classes = range(sweep.n_classes)
    h_place, h_step, h_group, h_parent = hist.place, hist.step, hist.group, hist.parent
    now = -1
    for t, u, v, g, tau, amount in events:
        if t != now:
            sweep.arrive_until(t)
            now = t
        across = crossing.get((u, g))
        if across is not None:  # members of a party part-way across go first
            take = min(across.left, amount)
            across.entries.append((t, take))
            used[(g, t)] = used.get((g, t), 0) + take
            amount -= take
            across.left -= take
            if not across.left:  # all across: the party goes on together
                del crossing[(u, g)]
                p = across.parcel
                hist.spread[p.history] = across.entries
                p.reached = t + tau
                pending[t + tau].append((v, p))
        moved: list[_Parcel] = []
        for tier in classes:
            q = queues[(u, tier)]
            rest: list[_Parcel] = []
            while amount > 0 and q:
                p = q.popleft()
                if p.party < 0:  # plain supply splits to fill the departure exactly
                    if p.count > amount:
                        moved.append(p.split(amount, t))
                        rest.append(p)
                        amount = 0
                        break
                    moved.append(p)
                    amount -= p.count
                elif p.count <= amount:
                    moved.append(p)
                    amount -= p.count
                elif (spread is True or spread and spread[p.party]) and (u, g) not in crossing:
                    # Too big for what is left: its members start across as room allows.
                    crossing[(u, g)] = _Crossing(p, [(t, amount)], p.count - amount)
                    used[(g, t)] = used.get((g, t), 0) + amount
                    amount = 0
                    h_place.append(u)
                    h_step.append(t)
                    h_group.append(g)
                    h_parent.append(p.history)
                    p.history = len(h_place) - 1
                else:
                    rest.append(p)  # a party too big for what is left: it waits
            if rest:
                q.extendleft(reversed(rest))
        if not moved:
            continue
        # Parcels that leave together from the same history share its new entry.
        out = 0
        new: dict[int, int] = {}
        later = pending[t + tau]
        for p in moved:
            h = new.get(p.history)
            if h is None:
                h = len(h_place)
                h_place.append(u)
                h_step.append(t)
                h_group.append(g)
                h_parent.append(p.history)
                new[p.history] = h
            p.history = h
            p.reached = t + tau
            out += p.count
            later.append((v, p))
        used[(g, t)] = used.get((g, t), 0) + out


def _in_queue_order(
    travelled: list[tuple[_Parcel, int, int]],
    stranded: list[tuple[_Parcel, str]],
    hist: _Histories,
    tiers: list[int] | None,
    why: Callable[[_Parcel], str | None],
    net: _Net,
) -> None:
    """Give parties of one size from one place their ways out in the order they queue there.

    The sweep fills each departure first come, first served, but the repair
    and the re-routing of :mod:`._repair` move parties one at a time, and a
    party taken round a side road and back keeps its place only where the
    trip is cancelled; so a party may leave after one that came later, or be
    left behind for it (docs/routing.md, "Queues"). Taken by when they leave
    (being left behind last), each way out goes to the first in the queue (by
    ``tiers``, then by release) of the parties released by then. Parties of a
    size from a place swap only among themselves, so every leg carries as many
    as before, and the risk and the arrivals stay the same (a wait at a place
    is the sum of its steps); so does the harm, unless who is left behind
    changes. A party newly left behind is so for ``why`` of it, or for the
    reason of the one it swapped with. A party leaves its place when its
    itinerary will say (:func:`_leaves`). Changes ``travelled`` and
    ``stranded`` in place.
    """
    same: defaultdict[tuple[int, int], list[tuple[bool, int]]] = defaultdict(list)
    for i, (p, _, _) in enumerate(travelled):
        if p.party >= 0 and p.history >= 0:
            same[(p.origin, p.count)].append((True, i))
    for i, (p, _) in enumerate(stranded):
        if p.party >= 0 and p.history < 0:  # (not those left part-way)
            same[(p.origin, p.count)].append((False, i))
    for rows in same.values():
        if len(rows) < 2:
            continue
        parcels = [travelled[i][0] if moved else stranded[i][0] for moved, i in rows]
        ways = sorted(
            (_leaves(net, hist, travelled[i][0]) if moved else _FOREVER, moved, i)
            for moved, i in rows
        )
        waiting = sorted(parcels, key=lambda p: -p.released)
        ready: list[tuple[int, int, int, _Parcel]] = []
        given: list[tuple[_Parcel, bool, int]] = []
        for leave, moved, i in ways:
            while waiting and waiting[-1].released <= leave:
                p = waiting.pop()
                heapq.heappush(ready, (tiers[p.party] if tiers else 0, p.released, p.party, p))
            given.append((heapq.heappop(ready)[3], moved, i))
        way = {i: (travelled[i][0].history, travelled[i][0].reached, *travelled[i][1:])
               for moved, i in rows if moved}  # fmt: skip
        reason = {stranded[i][0].party: stranded[i][1] for moved, i in rows if not moved}
        for p, moved, i in given:
            if moved:
                p.history, p.reached, dest, arrive = way[i]
                travelled[i] = (p, dest, arrive)
            else:
                p.history, p.reached = -1, p.released
                stranded[i] = (p, reason.get(p.party) or why(p) or stranded[i][1])


def _leaves(net: _Net, hist: _Histories, parcel: _Parcel) -> int:
    """The step ``parcel`` leaves its origin, as its itinerary will say: the last time it
    does, unless staying there from the first instead would cost risk (as
    :func:`._unroll._without_round_trips` turns a trip back into a wait)."""
    h, first, last = parcel.history, _FOREVER, _FOREVER
    while h >= 0:
        if hist.place[h] == parcel.origin:  # (walking back: the last departure comes first)
            first = hist.step[h]
            last = first if last == _FOREVER else last
        h = hist.parent[h]
    if first == last or not net.w_cost.size:
        return last
    costly = net.wait_cost(np.array([parcel.origin]), np.array([first]), np.array([last - 1]))
    return first if costly[0] else last
