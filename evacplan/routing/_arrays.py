"""Array primitives the routing stages share: graph searches over flat numpy arcs.

The lowest floor of :mod:`evacplan.routing`: it imports nothing from the
package. Graphs here are parallel arrays (``tails``, ``heads``, weights or
capacities) over nodes ``0..n-1``, as :mod:`._compile` and :mod:`._expand`
build them; nothing here knows about places, links or people.
"""

from __future__ import annotations

import gc
import heapq
import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

_FOREVER = 1 << 40
"""A step later than any horizon (open-ended windows, unreachable places)."""
_EPS = 1e-9
"""Slack for float rounding when minutes are cut into steps."""


def _ceil_div(minutes: float, step: int) -> int:
    return math.ceil(minutes / step - _EPS)


def _excl_cumsum(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(counts.size, dtype=np.int64)
    if counts.size > 1:
        np.cumsum(counts[:-1], out=out[1:])
    return out


def _ramp(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For counts c_i: the owner i of each of sum(c) items and its rank 0..c_i-1."""
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    rank = np.arange(owner.size, dtype=np.int64) - np.repeat(_excl_cumsum(counts), counts)
    return owner, rank


def _dijkstra(
    n: int, tails: np.ndarray, heads: np.ndarray, weights: np.ndarray, starts: Mapping[int, int]
) -> np.ndarray:
    """Least total weight from any start (with its initial label) to each node."""
    order = np.argsort(tails, kind="stable")
    ptr = np.searchsorted(tails[order], np.arange(n + 1)).tolist()
    head_l = heads[order].tolist()
    w_l = weights[order].tolist()
    dist = [_FOREVER] * n
    heap = []
    for s, d0 in starts.items():
        if d0 < dist[s]:
            dist[s] = d0
            heap.append((d0, s))
    heapq.heapify(heap)
    while heap:
        d, u = heapq.heappop(heap)
        if d > dist[u]:
            continue
        for j in range(ptr[u], ptr[u + 1]):
            nd = d + w_l[j]
            v = head_l[j]
            if nd < dist[v]:
                dist[v] = nd
                heapq.heappush(heap, (nd, v))
    return np.array(dist, dtype=np.int64)


def _reachable(
    tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, start: Any, size: int
) -> np.ndarray:
    """Nodes reachable from ``start`` (a node or an array of nodes) by arcs with room.

    The work is in the arcs given, not in ``size`` (the nodes' numbering): a piece of a
    large network is renumbered first, as the max-flow divide and conquer asks for many.
    """
    ok = caps > 0
    t, h = tails[ok], heads[ok]
    frontier = np.unique(np.atleast_1d(np.asarray(start, dtype=np.int64)))
    if 4 * (t.size + frontier.size) < size:  # renumber the piece's own nodes 0, 1, ...
        nodes, local = np.unique(np.concatenate([t, h, frontier]), return_inverse=True)
        k, m = t.size, frontier.size
        found = _reachable(
            local[:k], local[k : 2 * k], caps[ok], local[2 * k : 2 * k + m], nodes.size
        )
        return nodes[found]
    order = np.argsort(t, kind="stable")
    ts, hs = t[order], h[order]
    ptr = np.searchsorted(ts, np.arange(size + 1))
    seen = np.zeros(size, dtype=bool)
    seen[frontier] = True
    while frontier.size:
        begin = ptr[frontier]
        owner, rank = _ramp(ptr[frontier + 1] - begin)
        nxt = hs[begin[owner] + rank]
        nxt = np.unique(nxt[~seen[nxt]])
        seen[nxt] = True
        frontier = nxt
    return np.flatnonzero(seen)


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic objects.

    Its passes over a heap growing by a million stops cost more than the work.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
