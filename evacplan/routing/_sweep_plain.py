"""Stage 5 for plain counts: the sweep of :mod:`._movements`, a step at a time in arrays.

When every parcel is plain supply (no parties, one queue class), first come
first served at a place is a matter of counting: the k-th person to reach a
place is the k-th to leave it. :func:`_plain_sweep` walks the flow's
departure steps in order and, at each, cuts every queue against its
departures with one merge of cumulative counts, for all places at once,
instead of a parcel at a time. It returns exactly what :func:`._movements._sweep`
returns (the same parcels, histories, room used and order: the tests compare
the two), or None where a step has too few departures for arrays to pay
(one road, a person a step) or the flow and the queues disagree; the caller
then walks parcel by parcel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evacplan.routing._arrays import _FOREVER
from evacplan.routing._compile import _Net
from evacplan.routing._movements import _event_order, _Histories, _Parcel

MIN_DEPARTURES_PER_STEP = 64
"""Arrays pay from about this many departures a step (Chicago-Sketch, a million people:
some 600); below it a step's array operations cost more than its parcels one by one."""


class _Rows:
    """Parcels as columns: a row each, appended as they are made.

    Stored as int32 in buffers that grow by half (a million people on Chicago-Sketch make
    some four million rows): :meth:`get` reads rows as int64, for arithmetic that may not
    overflow.
    """

    NAMES = ("count", "history", "origin", "released", "place", "when")

    def __init__(self) -> None:
        self.size = 0
        self.cols = {name: np.zeros(1024, dtype=np.int32) for name in self.NAMES}

    def add(self, **columns: np.ndarray) -> np.ndarray:
        """Append rows; their ids."""
        n = int(columns["count"].size)
        if self.size + n > self.cols["count"].size:
            grown = max(self.cols["count"].size * 3 // 2, self.size + n)
            for name, old in self.cols.items():
                self.cols[name] = np.empty(grown, dtype=np.int32)
                self.cols[name][: self.size] = old[: self.size]
        for name, values in columns.items():
            self.cols[name][self.size : self.size + n] = values
        self.size += n
        return np.arange(self.size - n, self.size, dtype=np.int64)

    def get(self, name: str, ids: np.ndarray) -> np.ndarray:
        """A column at rows ``ids``, as int64."""
        return self.cols[name][ids].astype(np.int64)

    def column(self, name: str) -> np.ndarray:
        """A column's rows so far (a view, to change in place: read it before adding rows)."""
        return self.cols[name][: self.size]


@dataclass(slots=True)
class _Events:
    """The flow's departures in the sweep's order: by step, then tail, head and group."""

    step: np.ndarray
    tail: np.ndarray
    head: np.ndarray
    group: np.ndarray
    tau: np.ndarray
    amount: np.ndarray

    @classmethod
    def of(cls, net: _Net, groups: np.ndarray, steps: np.ndarray, amounts: np.ndarray) -> _Events:
        order = _event_order(net, groups, steps)
        g = groups[order].astype(np.int64)
        return cls(
            steps[order].astype(np.int64),
            net.g_tail[g].astype(np.int64),
            net.g_head[g].astype(np.int64),
            g,
            net.g_tau[g].astype(np.int64),
            amounts[order].astype(np.int64),
        )


def _plain_sweep(
    net: _Net,
    groups: np.ndarray,
    steps: np.ndarray,
    amounts: np.ndarray,
    start: list[tuple[int, _Parcel]],
    hist: _Histories,
    used: dict[tuple[int, int], int],
) -> tuple[list[tuple[_Parcel, int, int]], list[tuple[_Parcel, int]]] | None:
    """The sweep of plain parcels along the flow (see :func:`._movements._sweep`), or None.

    None when a step has too few departures on average for arrays to pay, or when a
    place's departures exceed who is there (then nothing has been changed).
    """
    ev = _Events.of(net, groups, steps, amounts)
    bounds = np.flatnonzero(np.diff(ev.step)) + 1
    first = np.concatenate([[0], bounds])
    if ev.step.size < MIN_DEPARTURES_PER_STEP * first.size:
        return None
    last = np.append(bounds, ev.step.size)
    run = _Run(net, ev, len(hist.place))
    run.start(start)
    for i0, i1 in zip(first.tolist(), last.tolist(), strict=True):
        if not run.step(int(ev.step[i0]), i0, i1):
            return None
    run.arrive(_FOREVER)
    for name, values in (
        ("place", run.h_place),
        ("step", run.h_step),
        ("group", run.h_group),
        ("parent", run.h_parent),
    ):
        if values:
            getattr(hist, name).frombytes(np.concatenate(values).astype(np.int64).tobytes())
    out = run.out
    for e in np.flatnonzero(out).tolist():
        key = (int(ev.group[e]), int(ev.step[e]))
        used[key] = used.get(key, 0) + int(out[e])
    return run.finished(), run.left()


class _Run:
    """One plain sweep's state: the parcels, who is on the way, who waits where, who is safe."""

    def __init__(self, net: _Net, ev: _Events, n_hist: int) -> None:
        self.safe = net.safe.astype(bool)
        self.ev = ev
        self.rows = _Rows()
        self.big = 1
        """More than the people at any place: a position within a place's queue."""
        self.pending: dict[int, list[np.ndarray]] = {}
        """On the way, by the step they arrive: row ids in the order they set out (the start
        parcels first, then by departure and place in the queue), as the sweep appends them."""
        # Waiting: row ids in first come first served order (by ``fifo``).
        self.queue = np.zeros(0, dtype=np.int64)
        self.fifo = np.zeros(0, dtype=np.int64)
        self.arrived = 0
        self.done: list[np.ndarray] = []
        self.touched = np.full(self.safe.size, -1, dtype=np.int64)
        """Per place, when its queue was first touched, as a rank (-1: not yet): the order
        ``left`` follows."""
        self.n_touched = 0
        self.n_hist = n_hist
        self.h_place: list[np.ndarray] = []
        self.h_step: list[np.ndarray] = []
        self.h_group: list[np.ndarray] = []
        self.h_parent: list[np.ndarray] = []
        self.out = np.zeros(ev.step.size, dtype=np.int64)
        """Per departure, the people it took."""

    def start(self, start: list[tuple[int, _Parcel]]) -> None:
        """The start parcels, each on the way to its place from its ``reached`` step."""
        n = len(start)
        col = np.array(
            [(at, p.count, p.history, p.origin, p.released, p.reached) for at, p in start],
            dtype=np.int64,
        ).reshape(n, 6)
        self.big = int(col[:, 1].sum()) + 1
        ids = self.rows.add(
            count=col[:, 1],
            history=col[:, 2],
            origin=col[:, 3],
            released=col[:, 4],
            place=col[:, 0],
            when=col[:, 5],
        )
        self._on_the_way(ids, col[:, 5])

    def arrive(self, t: int) -> None:
        """Parcels due by step ``t`` reach their place: safe, or at the back of its queue."""
        due = sorted(w for w in self.pending if w <= t)
        if not due:
            return
        ids = np.concatenate([part for w in due for part in self.pending.pop(w)])
        place = self.rows.get("place", ids)
        home = self.safe[place]
        self.done.append(ids[home])
        waiting = ids[~home]
        self._touch(place[~home])
        # The queues stay sorted by place, first come first within (a stable sort of runs).
        queue = np.concatenate([self.queue, waiting])
        fifo = np.concatenate([self.fifo, self.arrived + np.arange(waiting.size, dtype=np.int64)])
        self.arrived += waiting.size
        order = np.argsort(self.rows.get("place", queue), kind="stable")
        self.queue, self.fifo = queue[order], fifo[order]

    def _touch(self, places: np.ndarray) -> None:
        new = places[self.touched[places] < 0]
        if new.size:
            _, at = np.unique(new, return_index=True)
            first = new[np.sort(at)]
            self.touched[first] = self.n_touched + np.arange(first.size)
            self.n_touched += first.size

    def step(self, t: int, i0: int, i1: int) -> bool:
        """The departures ``i0..i1-1`` of step ``t``, from the queues; False if one has
        more people than its place holds."""
        ev, rows = self.ev, self.rows
        self.arrive(t)
        count = rows.column("count")  # a row at the head of a queue shrinks as people leave
        tails = ev.tail[i0:i1]
        self._touch(tails)
        want = ev.amount[i0:i1]
        # Each departure's span of its place's departures ends at d_hi (people from the front).
        d_hi = _cumsum_within(tails, want)
        demand = np.zeros(self.safe.size, dtype=np.int64)
        np.add.at(demand, tails, want)
        if not self.queue.size:
            return not demand.any()
        # Only the queues with departures this step (sorted by place, first come first).
        busy = demand[rows.get("place", self.queue)] > 0
        queue = self.queue[busy]
        q_place = rows.get("place", queue)
        q_count = count[queue].astype(np.int64)
        q_hi = _cumsum_within(q_place, q_count)
        q_lo = q_hi - q_count
        have = np.zeros(self.safe.size, dtype=np.int64)
        np.add.at(have, q_place, q_count)
        if (demand > have).any():
            return False
        # The pieces: a queue row's span cut by departures' spans, place by place.
        big = self.big
        q_key = q_place * big + q_hi
        d_key = tails * big + d_hi
        cuts = np.union1d(q_key[q_lo < demand[q_place]], d_key[want > 0])
        c_place = cuts // big
        c_hi = cuts % big
        c_hi = np.minimum(c_hi, demand[c_place])
        c_lo = np.concatenate([[0], c_hi[:-1]])
        c_lo[np.concatenate([[True], c_place[1:] != c_place[:-1]])] = 0
        keep = c_hi > c_lo
        c_place, c_lo, c_hi = c_place[keep], c_lo[keep], c_hi[keep]
        row = np.searchsorted(q_key, c_place * big + c_lo, side="right")
        dep = np.searchsorted(d_key, c_place * big + c_lo, side="right")
        n = c_hi - c_lo
        # What is left at each queue row: people past the place's demand.
        left = np.clip(q_hi - np.maximum(q_lo, demand[q_place]), 0, q_count)
        count[queue] = left
        gone = np.zeros(busy.size, dtype=bool)
        gone[np.flatnonzero(busy)[left == 0]] = True
        self.queue, self.fifo = self.queue[~gone], self.fifo[~gone]
        self._depart(t, i0 + dep, queue[row], n)
        return True

    def _depart(self, t: int, e: np.ndarray, parent: np.ndarray, n: np.ndarray) -> None:
        """Pieces of ``n`` people of rows ``parent`` leave by departures ``e`` at step ``t``:
        rows of their own, on the way, sharing a history entry per (departure, history)."""
        ev, rows = self.ev, self.rows
        p_hist = rows.get("history", parent)
        pair = e * (self.n_hist + rows.size + 2) + (p_hist + 1)
        _, first, inverse = np.unique(pair, return_index=True, return_inverse=True)
        rank = np.empty(first.size, dtype=np.int64)
        rank[np.argsort(first, kind="stable")] = np.arange(first.size)
        made = first[np.argsort(first, kind="stable")]
        base = self.n_hist
        self.n_hist += made.size
        self.h_place.append(ev.tail[e[made]])
        self.h_step.append(np.full(made.size, t, dtype=np.int64))
        self.h_group.append(ev.group[e[made]])
        self.h_parent.append(p_hist[made])
        arrive = t + ev.tau[e]
        ids = rows.add(
            count=n,
            history=base + rank[inverse.reshape(-1)],
            origin=rows.get("origin", parent),
            released=rows.get("released", parent),
            place=ev.head[e],
            when=arrive,
        )
        self._on_the_way(ids, arrive)
        np.add.at(self.out, e, n)

    def _on_the_way(self, ids: np.ndarray, arrive: np.ndarray) -> None:
        if not ids.size:
            return
        order = np.argsort(arrive, kind="stable")
        ids, arrive = ids[order], arrive[order]
        cuts = np.flatnonzero(np.diff(arrive)) + 1
        for w, part in zip(arrive[np.append(0, cuts)].tolist(), np.split(ids, cuts), strict=True):
            self.pending.setdefault(w, []).append(part)

    def finished(self) -> list[tuple[_Parcel, int, int]]:
        """(parcel, safe place, step) of everyone safe, in the order they arrived; parcels
        alike in all but their people (the same itinerary, origin and release) as one."""
        ids = np.concatenate(self.done) if self.done else np.zeros(0, dtype=np.int64)
        c, h, w, o, r, p = self._columns(ids)
        _, first, inverse = np.unique(
            np.stack([h, w, o, r, p], axis=1), axis=0, return_index=True, return_inverse=True
        )
        people = np.bincount(inverse.reshape(-1), weights=c, minlength=first.size)
        order = np.argsort(first)
        keep = first[order]
        return [
            (_Parcel(n, hh, -1, ww, oo, rr), pp, ww)
            for n, hh, ww, oo, rr, pp in zip(
                people[order].astype(np.int64).tolist(),
                h[keep].tolist(),
                w[keep].tolist(),
                o[keep].tolist(),
                r[keep].tolist(),
                p[keep].tolist(),
                strict=True,
            )
        ]

    def left(self) -> list[tuple[_Parcel, int]]:
        """(parcel, place) of everyone still waiting, queue by queue as first touched."""
        rank = self.touched[self.rows.get("place", self.queue)]
        ids = self.queue[np.lexsort((self.fifo, rank))]
        return [
            (_Parcel(c, h, -1, w, o, r), p)
            for c, h, w, o, r, p in zip(*(col.tolist() for col in self._columns(ids)), strict=True)
        ]

    def _columns(self, ids: np.ndarray) -> list[np.ndarray]:
        """People, history, step reached, origin, release and place of rows ``ids``."""
        names = ("count", "history", "when", "origin", "released", "place")
        return [self.rows.get(name, ids) for name in names]


def _cumsum_within(keys: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Running sums of ``values`` restarting at each new key (keys sorted in runs)."""
    total = np.cumsum(values)
    starts = np.concatenate([[True], keys[1:] != keys[:-1]]) if keys.size else keys.astype(bool)
    offset = np.maximum.accumulate(np.where(starts, total - values, 0))
    return total - offset
