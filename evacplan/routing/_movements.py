"""Stage 5: flows become movements: people in queues, parties whole, itineraries merged.

:func:`_sweep` walks the flow of :mod:`._solve` (or of the whole-party MIP,
:mod:`._parties`) forward in time and moves *parcels* (people who have
travelled together so far) first come, first served, recording their legs in
shared :class:`_Histories`; parties that do not fit are left for
:mod:`._repair`. :func:`_movements` unrolls the histories into
:class:`~evacplan.routing.records.Movement` records (round trips become
waits) for the plan.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

import numpy as np

from evacplan.routing._arrays import _FOREVER, _excl_cumsum, _ramp
from evacplan.routing._compile import _Net
from evacplan.routing.records import Movement, Stop


class _Histories:
    """Itinerary prefixes shared by parcels: each entry is a leg and the entry before it.

    A leg is (place, departure step, group). Parcels that leave together from
    the same history share the new entry, so equal itineraries are equal ids.
    A party that crossed a leg over several steps has that entry's
    ``(step, people)`` in ``spread`` (see :attr:`~evacplan.routing.records.Movement.spread`).
    """

    __slots__ = ("group", "parent", "place", "spread", "step")

    def __init__(self) -> None:
        self.place: list[int] = []
        self.step: list[int] = []
        self.group: list[int] = []
        self.parent: list[int] = []
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


# A parcel is [count, history, party index (-1: plain supply), step it reached its place,
#              origin place, release step]: people who have travelled together so far.
_Parcel = list

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
    come first; ``pending`` the (place, parcel) reaching a place at each step;
    ``finished`` the (parcel, safe place, step) of those safe; ``crossing``
    the parties part-way across a link group, by (place, group).
    """

    safe: list[bool]
    class_of: list[int]  # a party's queue class (empty: all of class ``plain``)
    plain: int
    n_classes: int
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
                else:
                    queues[
                        (place, class_of[parcel[2]] if class_of and parcel[2] >= 0 else plain)
                    ].append(parcel)

    def left_short(
        self, hist: _Histories, used: dict[tuple[int, int], int]
    ) -> list[tuple[_Parcel, int]]:
        """The (parcel, place) of everyone not safe, once the flow has run out.

        A party never all across gives its room back and stays where it is.
        """
        left = [(p, place) for (place, _), q in self.queues.items() for p in q]
        for (u, g), across in self.crossing.items():
            for k, n in across.entries:
                used[(g, k)] -= n
            p = across.parcel
            p[1] = hist.parent[p[1]]
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
    first; plain supply is of class ``plain``.
    With ``spread`` (True, or per party), a party too big for what is left
    of a departure starts across with that room, and its other members take
    the group's next room from the place, before anyone else
    (:attr:`Movement.spread`); a party never all across by the end is given
    back its room and left where it is.
    Returns the parcels that reached safety (parcel, place, step) and those
    left short of it (parcel, place).
    """
    class_of = tiers or []
    sweep = _Sweep(net.safe.tolist(), class_of, plain, max([*class_of, plain], default=0) + 1)
    for place, parcel in start:
        sweep.pending[parcel[3]].append((place, parcel))
    _walk(sweep, _events(net, groups, steps, amounts), hist, used, spread)
    sweep.arrive_until(_FOREVER)
    return sweep.finished, sweep.left_short(hist, used)


def _events(
    net: _Net, groups: np.ndarray, steps: np.ndarray, amounts: np.ndarray
) -> Iterator[_Event]:
    """The flow's departures (see ``_Event``) by step, then tail, head and group."""
    tails, heads, taus = net.g_tail[groups], net.g_head[groups], net.g_tau[groups]
    order = np.lexsort((groups, heads, tails, steps))
    return zip(
        steps[order].tolist(),
        tails[order].tolist(),
        heads[order].tolist(),
        groups[order].tolist(),
        taus[order].tolist(),
        amounts[order].tolist(),
        strict=True,
    )


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
                hist.spread[p[1]] = across.entries
                p[3] = t + tau
                pending[t + tau].append((v, p))
        moved: list[_Parcel] = []
        for tier in classes:
            q = queues[(u, tier)]
            rest: list[_Parcel] = []
            while amount > 0 and q:
                p = q.popleft()
                if p[2] < 0:  # plain supply splits to fill the departure exactly
                    if p[0] > amount:
                        moved.append([amount, p[1], -1, t, p[4], p[5]])
                        p[0] -= amount
                        rest.append(p)
                        amount = 0
                        break
                    moved.append(p)
                    amount -= p[0]
                elif p[0] <= amount:
                    moved.append(p)
                    amount -= p[0]
                elif (spread is True or spread and spread[p[2]]) and (u, g) not in crossing:
                    # Too big for what is left: its members start across as room allows.
                    crossing[(u, g)] = _Crossing(p, [(t, amount)], p[0] - amount)
                    used[(g, t)] = used.get((g, t), 0) + amount
                    amount = 0
                    h_place.append(u)
                    h_step.append(t)
                    h_group.append(g)
                    h_parent.append(p[1])
                    p[1] = len(h_place) - 1
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
            h = new.get(p[1])
            if h is None:
                h = len(h_place)
                h_place.append(u)
                h_step.append(t)
                h_group.append(g)
                h_parent.append(p[1])
                new[p[1]] = h
            p[1] = h
            p[3] = t + tau
            out += p[0]
            later.append((v, p))
        used[(g, t)] = used.get((g, t), 0) + out


def _waiting_units(net: _Net, movements: list[Movement]) -> int:
    """Risk units of the time people spend at threatened places (``risk_per_hour``).

    From each stop's arrival (the release, on the first) to its departure; the
    last stop is safety, where nobody waits.
    """
    if not net.w_cost.size or not movements:
        return 0
    index = {p: i for i, p in enumerate(net.ids)}
    rows = [
        (index[st.place], st.arrive // net.step, st.leave // net.step - 1, m.count)
        for m in movements
        for st in m.itinerary[:-1]
        if st.leave > st.arrive
    ]
    if not rows:
        return 0
    place, first, last, count = np.array(rows, dtype=np.int64).T
    return int((net.wait_cost(place, first, last) * count).sum())


@dataclass(slots=True)
class _Rows:
    """Parcels that reached safety, merged: one row per (history, safe place, step, kind, release).

    Arrays of one entry per row: ``head`` the history's last entry, ``place``
    and ``step`` the arrival at safety, ``party`` 1 for parties and 0 for
    plain supply, ``release`` the release step, ``count`` the people;
    ``members`` the rows' party ids.
    """

    head: np.ndarray
    place: np.ndarray
    step: np.ndarray
    party: np.ndarray
    release: np.ndarray
    count: np.ndarray
    members: list[list[str]]


@dataclass(slots=True)
class _Legs:
    """Every row's legs in one flat array, oldest first.

    Row ``r``'s legs are ``entry[start[r] : start[r] + depth[r]]`` (history
    entries), ``owner`` is each leg's row, and ``place``, ``step`` and
    ``group`` are each leg's departure.
    """

    entry: np.ndarray
    owner: np.ndarray
    start: np.ndarray
    depth: np.ndarray
    place: np.ndarray
    step: np.ndarray
    group: np.ndarray


def _movements(
    net: _Net,
    hist: _Histories,
    finished: list[tuple[_Parcel, int, int]],
    party_ids: list[str],
    used: dict[tuple[int, int], int],
) -> list[Movement]:
    """Group parcels with the same itinerary into movements (round trips become waits).

    A round trip becomes a wait only where waiting carries no risk then: a trip
    that avoids a threatened place (``risk_per_hour``) is kept as it is.

    Itineraries are unrolled for all parcels at once with numpy (pointer
    jumping up the shared histories); only the rare itinerary that returns
    to a place is handled one by one.
    """
    if not finished:
        return []
    rows = _merged(finished, party_ids)
    legs = _unrolled(hist, rows.head)
    kept = _without_round_trips(net, legs)
    looped = _give_back(hist, used, legs, kept, rows.count)
    out = _build(net, hist, rows, legs, kept, looped)
    out.sort(key=lambda m: (m.departure_minute, m.source, m.arrival_minute, m.parties))
    for k in [k for k, v in used.items() if v == 0]:
        del used[k]
    return out


def _merged(finished: list[tuple[_Parcel, int, int]], party_ids: list[str]) -> _Rows:
    """Merge parcels with the same history, final place, arrival, kind and release."""
    fin_h = np.array([p[1] for p, _, _ in finished], dtype=np.int64)
    fin_place = np.array([pl for _, pl, _ in finished], dtype=np.int64)
    fin_t = np.array([t for _, _, t in finished], dtype=np.int64)
    fin_party = np.array([p[2] for p, _, _ in finished], dtype=np.int64)
    fin_count = np.array([p[0] for p, _, _ in finished], dtype=np.int64)
    fin_release = np.array([p[5] for p, _, _ in finished], dtype=np.int64)
    key = np.stack([fin_h, fin_place, fin_t, fin_party >= 0, fin_release], axis=1)
    uniq, inv = np.unique(key, axis=0, return_inverse=True)
    inv = inv.ravel()
    counts = np.bincount(inv, weights=fin_count, minlength=uniq.shape[0]).astype(np.int64)
    members: list[list[str]] = [[] for _ in range(uniq.shape[0])]
    for i in np.flatnonzero(fin_party >= 0).tolist():
        members[inv[i]].append(party_ids[fin_party[i]])
    head, place, step, party, release = uniq.T
    return _Rows(head, place, step, party, release, counts, members)


def _unrolled(hist: _Histories, heads: np.ndarray) -> _Legs:
    """Unroll each history, by pointer jumping from its last entry back to its first."""
    parent = np.asarray(hist.parent, dtype=np.int64)
    cols = []  # the entries of every row at one depth, newest first
    cur = heads.copy()
    while (cur >= 0).any():
        cols.append(cur)
        cur = np.where(cur >= 0, parent[np.maximum(cur, 0)], -1)
    depth = np.zeros(heads.size, dtype=np.int64)
    for c in cols:
        depth += c >= 0
    owner, rank = _ramp(depth)
    if cols:
        mat = np.stack(cols, axis=1)  # row r: its legs, newest first
        flat = mat[owner, depth[owner] - 1 - rank]  # oldest first
    else:
        flat = np.zeros(0, dtype=np.int64)
    h_place = np.asarray(hist.place, dtype=np.int64)
    h_step = np.asarray(hist.step, dtype=np.int64)
    h_group = np.asarray(hist.group, dtype=np.int64)
    return _Legs(
        flat, owner, _excl_cumsum(depth), depth, h_place[flat], h_step[flat], h_group[flat]
    )


def _without_round_trips(net: _Net, legs: _Legs) -> np.ndarray:
    """Which legs stay: a round trip back to a place becomes a wait there.

    From each place kept, jump to the last departure from it (the arrival
    there is unchanged, the trip is dropped), unless waiting there instead
    would cost risk.
    """
    size = legs.entry.size
    idx = np.arange(size, dtype=np.int64)
    order = np.lexsort((idx, legs.place, legs.owner))
    last_of = np.empty(size, dtype=np.int64)
    if size:
        so, sp_ = legs.owner[order], legs.place[order]
        end = np.ones(size, dtype=bool)
        end[:-1] = (so[1:] != so[:-1]) | (sp_[1:] != sp_[:-1])
        group_end = np.flatnonzero(end)
        group_of = np.cumsum(np.concatenate([[0], end[:-1]]))
        last_of[order] = order[group_end[group_of]]
    kept = np.zeros(size, dtype=bool)
    cur = legs.start[legs.depth > 0]
    stop_at = (legs.start + legs.depth)[legs.depth > 0]
    while cur.size:
        nxt = last_of[cur]
        if net.w_cost.size:
            # Staying instead of the round trip must not cost waiting risk the trip avoided.
            costly = net.wait_cost(legs.place[cur], legs.step[cur], legs.step[nxt] - 1) > 0
            nxt = np.where(costly, cur, nxt)
        kept[nxt] = True
        cur = nxt + 1
        alive = cur < stop_at
        cur, stop_at = cur[alive], stop_at[alive]
    return kept


def _give_back(
    hist: _Histories,
    used: dict[tuple[int, int], int],
    legs: _Legs,
    kept: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """Give back the room of the legs dropped; returns which rows lost a round trip."""
    looped = np.zeros(legs.depth.size, dtype=bool)
    if legs.entry.size and not kept.all():
        gone = ~kept
        looped[legs.owner[gone]] = True
        for h, g, t, n in zip(
            legs.entry[gone].tolist(),
            legs.group[gone].tolist(),
            legs.step[gone].tolist(),
            counts[legs.owner[gone]].tolist(),
            strict=True,
        ):
            for k, m in hist.spread.get(h, [(t, n)]):
                used[(g, k)] -= m
    return looped


def _build(
    net: _Net, hist: _Histories, rows: _Rows, legs: _Legs, kept: np.ndarray, looped: np.ndarray
) -> list[Movement]:
    """One movement per row of the legs kept; rows whose round trips made them alike merge."""
    s = net.step
    n_rows = rows.head.size
    k_depth = np.bincount(legs.owner[kept], minlength=n_rows).astype(np.int64)
    k_start = _excl_cumsum(k_depth)
    k_place, k_step, k_group = legs.place[kept], legs.step[kept], legs.group[kept]
    k_hist = legs.entry[kept].tolist() if hist.spread else []
    content = np.stack([k_place, k_step, k_group], axis=1) if kept.any() else None
    names = np.asarray(net.ids, dtype=object)
    place_l = names[k_place].tolist()
    minute_l = (k_step * s).tolist()
    # Each leg's arrival at its far end: its (last) entry plus the transit.
    reach_l = ((k_step + net.g_tau[k_group]) * s).tolist()
    for h_at, j in ((h, j) for j, h in enumerate(k_hist) if h in hist.spread):
        reach_l[j] = (hist.spread[h_at][-1][0] + int(net.g_tau[k_group[j]])) * s
    link_l = net.leg_keys(k_group, k_step).tolist()
    final_place = names[rows.place].tolist()
    final_minute = (rows.step * s).tolist()
    is_party = rows.party.tolist()
    release_l = (rows.release * s).tolist()
    count_l = rows.count.tolist()
    members = rows.members
    new_stop = tuple.__new__
    out: list[Movement] = []
    merged: dict[tuple[Any, ...], int] = {}
    for r in range(n_rows):
        a, b = int(k_start[r]), int(k_start[r] + k_depth[r])
        final = new_stop(Stop, (final_place[r], final_minute[r], final_minute[r]))
        spread = {
            i - a: [(k * s, n) for k, n in hist.spread[h]]
            for i, h in enumerate(k_hist[a:b], start=a)
            if h in hist.spread
        }
        if looped[r] and not spread:
            assert content is not None
            # Same legs, end and release (the first stop's arrival is the release).
            sig = (content[a:b].tobytes(), final, is_party[r], release_l[r])
            if sig in merged:
                m = out[merged[sig]]
                out[merged[sig]] = Movement(
                    m.count + count_l[r], m.itinerary, sorted(m.parties + members[r]), m.links
                )
                continue
            merged[sig] = len(out)
        arrive = [release_l[r], *reach_l[a : b - 1]] if b > a else []
        stops = list(
            map(new_stop, repeat(Stop), zip(place_l[a:b], arrive, minute_l[a:b], strict=True))
        )
        stops.append(final)
        out.append(
            Movement(
                count_l[r], stops, sorted(members[r]) if members[r] else [], link_l[a:b], spread
            )
        )
    return out
