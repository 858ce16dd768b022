"""The compiled loop of :func:`._sweep_plain._plain_sweep`: plain parcels along a flow, first
come first served, one departure at a time.

Rows are parcels (people who travelled together so far), a row of a table
(48 bytes: a million people on Chicago-Sketch make nine million rows, and
a row reached again is one or two memory reads, not one a column) that
grows by half when full; a row that reaches a place waits at the back of one
of its two queues (linked lists: passing through, or at home, the row's
origin) or, at a safe place, is done; a departure takes its people from the
front of its place's queues, those passing through first, a new row for each
piece it takes of a row, the rest of that row staying at the front. Rows on
the way wait in a list per arrival step (a heap holds the steps): they
reach their places step by step in the order they set out. Imported on
first use (Numba caches the compiled loop on disk).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.typed import Dict

# The columns of a row, and the counters of a sweep.
COUNT, HISTORY, SOURCE, PLACE, WHEN, NEXT = 0, 1, 2, 3, 4, 5
ROWS, DONE, NEW, HEAP, SLOTS, TOUCHED = 0, 1, 2, 3, 4, 5


@njit(cache=True)
def _grown(a: np.ndarray, size: int) -> np.ndarray:
    """``a`` in a buffer half as large again (at least ``size``)."""
    out = np.empty(max(size, a.size + a.size // 2 + 16), dtype=a.dtype)
    out[: a.size] = a
    return out


@njit(cache=True)
def _grown_rows(a: np.ndarray, size: int) -> np.ndarray:
    """The table ``a`` with half as many rows again (at least ``size``)."""
    out = np.empty((max(size, a.shape[0] + a.shape[0] // 2 + 16), a.shape[1]), dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@njit(cache=True)
def _push(heap: np.ndarray, n: int, key: int) -> np.ndarray:
    """``key`` into the min-heap ``heap[:n]`` (grown if full); the heap (n + 1 keys)."""
    if n == heap.size:
        heap = _grown(heap, n + 1)
    i = n
    heap[i] = key
    while i > 0:
        up = (i - 1) // 2
        if heap[up] <= heap[i]:
            break
        heap[up], heap[i] = heap[i], heap[up]
        i = up
    return heap


@njit(cache=True)
def _pop(heap: np.ndarray, n: int) -> np.int64:
    """The least key of ``heap[:n]``, removed (the heap keeps ``n - 1`` keys)."""
    top = heap[0]
    n -= 1
    heap[0] = heap[n]
    i = 0
    while True:
        left = 2 * i + 1
        if left >= n:
            break
        child = left
        if left + 1 < n and heap[left + 1] < heap[left]:
            child = left + 1
        if heap[i] <= heap[child]:
            break
        heap[i], heap[child] = heap[child], heap[i]
        i = child
    return top


@njit(cache=True)
def sweep(
    ev_step: np.ndarray,
    ev_tail: np.ndarray,
    ev_head: np.ndarray,
    ev_group: np.ndarray,
    ev_tau: np.ndarray,
    ev_amount: np.ndarray,
    start: np.ndarray,
    safe: np.ndarray,
    origin: np.ndarray,
    n_hist: int,
) -> tuple:
    """Sweep the departures (sorted by step, then as the sweep takes them) from ``start``.

    ``start`` holds a row per start parcel, in order: (place, people, history,
    source, step it reaches the place), where a source stands for an origin and
    a release (each piece keeps its parent's; ``origin`` gives its place). A
    place has two queues: rows passing through, who leave first, and rows at
    their origin. Returns ``ok`` (False when
    a departure takes more people than its place holds), the rows (columns
    :data:`COUNT` to :data:`WHEN`), the rows done (safe, in the order they
    arrived), the rows left waiting (queue by queue in the order their places
    were first touched, first come first), the new history entries (place,
    step, group, parent; numbered from ``n_hist``) and the people each
    departure took.
    """
    n = np.zeros(8, dtype=np.int64)
    table = np.empty((start.shape[0] + ev_step.size + 16, 6), dtype=np.int64)
    new = np.empty((16, 4), dtype=np.int64)
    # Per parent history + 1: the departure that last took from it, and the entry it made.
    seen = np.full((n_hist + 16, 2), -1, dtype=np.int64)
    # Rows on the way: a list per arrival step (a slot's first and last row, linked by
    # NEXT), the steps in a heap.
    slot_of = Dict.empty(key_type=types.int64, value_type=types.int64)
    ends = np.empty((start.shape[0] + ev_step.size + 1, 2), dtype=np.int64)
    heap = np.empty(16, dtype=np.int64)
    for r in range(start.shape[0]):
        row = table[r]
        row[PLACE], row[COUNT], row[HISTORY] = start[r, 0], start[r, 1], start[r, 2]
        row[SOURCE], row[WHEN] = start[r, 3], start[r, 4]
        heap, slot = _slot(slot_of, ends, heap, n, row[WHEN])
        _link(table, ends, slot, r)
    n[ROWS] = start.shape[0]
    # Per place p, the first and last row waiting: passing through (2 p), at home (2 p + 1).
    queue = np.full((2 * safe.size, 2), -1, dtype=np.int64)
    touched = np.full(safe.size, -1, dtype=np.int64)
    done = np.empty(16, dtype=np.int64)
    out = np.zeros(ev_step.size, dtype=np.int64)
    e = 0
    while True:
        t = int(ev_step[e]) if e < ev_step.size else 1 << 62
        while n[HEAP] > 0 and heap[0] <= t:
            done = _arrive(table, ends, slot_of, heap, n, safe, origin, queue, touched, done)
        if e >= ev_step.size:
            break
        stop = e
        while stop < ev_step.size and ev_step[stop] == t:
            _touch(touched, n, ev_tail[stop])
            stop += 1
        for d in range(e, stop):
            if ev_amount[d] <= 0:
                continue
            heap, slot = _slot(slot_of, ends, heap, n, t + ev_tau[d])
            taken = _depart(table, new, seen, queue, ends, slot, n, d, t, n_hist,
                            ev_tail[d], ev_head[d], ev_group[d], ev_tau[d], ev_amount[d])  # fmt: skip
            if taken[3] < 0:
                return False, table[:0], done[:0], done[:0], new[:0], out
            table, new, seen = taken[0], taken[1], taken[2]
            out[d] = ev_amount[d]
        e = stop
    return (
        True,
        table[: n[ROWS]],
        done[: n[DONE]],
        _left(table, queue, touched, n),
        new[: n[NEW]],
        out,
    )


@njit(cache=True)
def _touch(touched: np.ndarray, n: np.ndarray, p: int) -> None:
    """Place ``p`` touched (its rank, the first time: the order of the rows left)."""
    if touched[p] < 0:
        touched[p] = n[TOUCHED]
        n[TOUCHED] += 1


@njit(cache=True)
def _slot(slot_of: Dict, ends: np.ndarray, heap: np.ndarray, n: np.ndarray, w: int) -> tuple:
    """The slot of the rows arriving at step ``w`` (a new one, its step on the heap, if none)."""
    if w in slot_of:
        return heap, slot_of[w]
    slot = n[SLOTS]
    n[SLOTS] += 1
    slot_of[w] = slot
    ends[slot, 0] = ends[slot, 1] = -1
    heap = _push(heap, n[HEAP], w)
    n[HEAP] += 1
    return heap, slot


@njit(cache=True)
def _link(table: np.ndarray, ends: np.ndarray, at: int, r: int) -> None:
    """Row ``r`` at the end of the list with ends ``ends[at]``."""
    if ends[at, 1] < 0:
        ends[at, 0] = r
    else:
        table[ends[at, 1], NEXT] = r
    ends[at, 1] = r
    table[r, NEXT] = -1


@njit(cache=True)
def _arrive(
    table: np.ndarray,
    ends: np.ndarray,
    slot_of: Dict,
    heap: np.ndarray,
    n: np.ndarray,
    safe: np.ndarray,
    origin: np.ndarray,
    queue: np.ndarray,
    touched: np.ndarray,
    done: np.ndarray,
) -> np.ndarray:
    """The rows of the heap's first step reach their places: safe (``done``, returned, grown if
    full), or at the back of the queue (passing through, or at home), in the order they set
    out."""
    w = _pop(heap, n[HEAP])
    n[HEAP] -= 1
    r = ends[slot_of[w], 0]
    del slot_of[w]
    while r >= 0:
        after = table[r, NEXT]
        p = table[r, PLACE]
        if safe[p]:
            if n[DONE] == done.size:
                done = _grown(done, n[DONE] + 1)
            done[n[DONE]] = r
            n[DONE] += 1
        else:
            _touch(touched, n, p)
            _link(table, queue, 2 * p + (origin[table[r, SOURCE]] == p), r)
        r = after
    return done


@njit(cache=True)
def _depart(
    table: np.ndarray,
    new: np.ndarray,
    seen: np.ndarray,
    queue: np.ndarray,
    ends: np.ndarray,
    slot: int,
    n: np.ndarray,
    d: int,
    t: int,
    n_hist: int,
    tail: int,
    head: int,
    group: int,
    tau: int,
    need: int,
) -> tuple:
    """Departure ``d`` at step ``t`` takes ``need`` people from the front of its place's queues
    (those passing through first): a row per piece of a row, on the way in ``slot``, sharing an
    entry of history per parent history. Returns the tables (grown if full) and 0, or -1 if
    the queues run out first."""
    while need > 0:
        at = 2 * tail if queue[2 * tail, 0] >= 0 else 2 * tail + 1
        r = queue[at, 0]
        if r < 0:
            return table, new, seen, -1
        take = min(need, table[r, COUNT])
        need -= take
        table[r, COUNT] -= take
        if table[r, COUNT] == 0:
            queue[at, 0] = table[r, NEXT]
            if queue[at, 0] < 0:
                queue[at, 1] = -1
        if take == 0:  # a row of nobody (a start parcel of none) leaves no piece
            continue
        parent = table[r, HISTORY]
        if seen[parent + 1, 0] != d:
            if n[NEW] == new.shape[0]:
                new = _grown_rows(new, n[NEW] + 1)
            new[n[NEW], 0], new[n[NEW], 1], new[n[NEW], 2], new[n[NEW], 3] = tail, t, group, parent
            seen[parent + 1, 0], seen[parent + 1, 1] = d, n_hist + n[NEW]
            n[NEW] += 1
            if n_hist + n[NEW] + 1 > seen.shape[0]:
                old = seen.shape[0]
                seen = _grown_rows(seen, n_hist + n[NEW] + 1)
                seen[old:] = -1
        if n[ROWS] == table.shape[0]:
            table = _grown_rows(table, n[ROWS] + 1)
        k = n[ROWS]
        table[k, COUNT], table[k, HISTORY] = take, seen[parent + 1, 1]
        table[k, SOURCE] = table[r, SOURCE]
        table[k, PLACE], table[k, WHEN] = head, t + tau
        _link(table, ends, slot, k)
        n[ROWS] += 1
    return table, new, seen, 0


@njit(cache=True)
def _left(table: np.ndarray, queue: np.ndarray, touched: np.ndarray, n: np.ndarray) -> np.ndarray:
    """The rows still waiting: place by place in the order they were first touched, those
    passing through first."""
    by_rank = np.full(n[TOUCHED], -1, dtype=np.int64)
    for p in range(touched.size):
        if touched[p] >= 0:
            by_rank[touched[p]] = p
    left = np.empty(16, dtype=np.int64)
    size = 0
    for k in range(2 * n[TOUCHED]):
        r = queue[2 * by_rank[k // 2] + k % 2, 0]
        while r >= 0:
            if size == left.size:
                left = _grown(left, size + 1)
            left[size] = r
            size += 1
            r = table[r, NEXT]
    return left[:size]
