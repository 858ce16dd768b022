"""Stage 5 for plain counts: the sweep of :mod:`._movements`, compiled.

When every parcel is plain supply (no parties, one queue class), first come
first served at a place needs no parcel objects: :func:`_plain_sweep` runs
the sweep in :mod:`._sweep_kernels` (Numba) over the flow's departures in
the sweep's order, rows of integers for parcels and a linked list per
queue. It returns exactly what :func:`._movements._sweep` returns (the same
parcels, histories, room used and order: the tests compare the two), or
None where the flow is too small for the compiled loop to pay (loading it
costs a second in a fresh process) or the flow and the queues disagree;
the caller then walks parcel by parcel.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from evacplan.routing._compile import _Net
from evacplan.routing._movements import _event_order, _Histories, _Parcel

MIN_DEPARTURES = 20_000
"""The compiled sweep from this many departures; below, the parcel walk of
:func:`._movements._sweep` is as quick as loading Numba (a million people on Chicago-Sketch
make some 680,000)."""


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

    None when the flow has fewer than :data:`MIN_DEPARTURES` departures, or when a
    place's departures exceed who is there (then nothing has been changed).
    """
    if steps.size < MIN_DEPARTURES or not start:
        return None
    ev = _Events.of(net, groups, steps, amounts)
    first = np.array(
        [(at, p.count, p.history, p.origin, p.released, p.reached) for at, p in start],
        dtype=np.int64,
    ).reshape(len(start), 6)
    # A source per (origin, release): what a piece carries of its first parcel.
    sources, source = np.unique(first[:, 3:5], axis=0, return_inverse=True)
    kernels = _kernels()
    ok, table, done, left, new, out = kernels.sweep(
        ev.step, ev.tail, ev.head, ev.group, ev.tau, ev.amount,
        np.column_stack([first[:, :3], source.reshape(-1), first[:, 5]]),
        net.safe.astype(np.bool_), sources[:, 0].astype(np.int64), len(hist.place),
    )  # fmt: skip
    if not ok:
        return None
    for k, name in enumerate(("place", "step", "group", "parent")):
        getattr(hist, name).frombytes(np.ascontiguousarray(new[:, k]).tobytes())
    taken = np.flatnonzero(out)
    for key, n in zip(
        zip(ev.group[taken].tolist(), ev.step[taken].tolist(), strict=True),
        out[taken].tolist(),
        strict=True,
    ):
        used[key] = used.get(key, 0) + n
    swept = _Swept(table, sources, kernels)
    return swept.finished(done), swept.waiting(left)


@cache
def _kernels() -> Any:
    """The compiled sweep (Numba compiles it on first use and caches it on disk)."""
    from evacplan.routing import _sweep_kernels

    return _sweep_kernels


@dataclass(slots=True)
class _Swept:
    """The compiled sweep's rows (see :func:`._sweep_kernels.sweep`) and its sources'
    (origin, release)s, made into parcels."""

    table: np.ndarray
    sources: np.ndarray
    k: Any
    """:mod:`._sweep_kernels`, for the names of the table's columns."""

    def finished(self, done: np.ndarray) -> list[tuple[_Parcel, int, int]]:
        """(parcel, safe place, step) of the rows ``done``, in the order they arrived; parcels
        alike in all but their people (the same itinerary, origin and release) as one."""
        k, rows = self.k, self.table[done]
        h, src, w, p = rows[:, k.HISTORY], rows[:, k.SOURCE], rows[:, k.WHEN], rows[:, k.PLACE]
        # A new entry of history fixes the step and place a piece arrives at; a start parcel's
        # own, with its source, nearly always: checked, else every column is compared.
        key = (h + 1) * len(self.sources) + src
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        inverse = inverse.reshape(-1)
        if (w != w[first][inverse]).any() or (p != p[first][inverse]).any():
            _, first, inverse = np.unique(
                np.stack([h, src, w, p], axis=1), axis=0, return_index=True, return_inverse=True
            )
            inverse = inverse.reshape(-1)
        people = np.bincount(inverse, weights=rows[:, k.COUNT], minlength=first.size)
        order = np.argsort(first)
        keep = first[order]
        origin, released = self.sources[src[keep]].T
        return [
            (_Parcel(n, hh, -1, ww, oo, rr), pp, ww)
            for n, hh, ww, oo, rr, pp in zip(
                people[order].astype(np.int64).tolist(),
                h[keep].tolist(),
                w[keep].tolist(),
                origin.tolist(),
                released.tolist(),
                p[keep].tolist(),
                strict=True,
            )
        ]

    def waiting(self, left: np.ndarray) -> list[tuple[_Parcel, int]]:
        """(parcel, place) of the rows ``left`` waiting, in their order."""
        k, rows = self.k, self.table[left]
        origin, released = self.sources[rows[:, k.SOURCE]].T
        return [
            (_Parcel(c, h, -1, w, o, r), p)
            for c, h, w, o, r, p in zip(
                rows[:, k.COUNT].tolist(),
                rows[:, k.HISTORY].tolist(),
                rows[:, k.WHEN].tolist(),
                origin.tolist(),
                released.tolist(),
                rows[:, k.PLACE].tolist(),
                strict=True,
            )
        ]
