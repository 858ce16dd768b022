"""Max flows over a time-expanded network: one call, and F(t) for every horizon at once.

:func:`_solve_max_flow` wraps OR-Tools' max flow for the arrays of
:mod:`._expand`. :func:`_prefix_flows` computes F(t), the most people safe by
step t, for a whole range of t by divide and conquer over nested min cuts;
the search for T* (:mod:`._search`) and the earliest-arrival flow
(:mod:`._objectives`) build on it, and its recorded cuts become the
bottlenecks a plan names.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from ortools.graph.python import max_flow

from evacplan.errors import SolverError
from evacplan.routing._arrays import _FOREVER, _reachable
from evacplan.routing._clock import _Clock, _OutOfTime


def _solve_max_flow(
    tails: np.ndarray, heads: np.ndarray, caps: np.ndarray, source: int, sink: int
) -> max_flow.SimpleMaxFlow:
    solver = max_flow.SimpleMaxFlow()
    solver.add_arcs_with_capacity(
        tails.astype(np.int32), heads.astype(np.int32), caps.astype(np.int64)
    )
    status = solver.solve(source, sink)
    if status != solver.OPTIMAL:
        raise SolverError(f"OR-Tools max flow failed with status {status}")
    return solver


def _prefix_flows(
    tail: np.ndarray,
    head: np.ndarray,
    cap: np.ndarray,
    label: np.ndarray,
    sink: int,
    source: int,
    t_lo: int,
    t_hi: int,
    ready: np.ndarray | None = None,
    keep_cuts: bool = False,
    clock: _Clock | None = None,
) -> tuple[np.ndarray, dict[int, Any]]:
    """F(t), the max flow from the source into sink arcs labelled <= t, for t_lo <= t <= t_hi.

    Divide and conquer over nested min cuts: sink sets grow with t, so for
    t below the middle some min cut contains the middle's source side A
    (contract A into the source), and for t above it some min cut lies inside
    A (contract the rest into the sink). Each level of the recursion splits the
    nodes between its two halves, so the work is about log2(t_hi - t_lo) max
    flows over the whole network. A range whose bounds are equal is constant.

    ``ready`` gives each node the earliest step anyone there could be safe:
    nodes not ready by the middle cannot reach its sinks and are left out of
    its max flow; they count on the source side (no arc leads from them to a
    node ready sooner, so the cut is unchanged) and go to the upper half.

    With ``keep_cuts``, also returns for each t the pieces of a min cut's
    source side (see :func:`_cut_side`). Raises :class:`_OutOfTime` if
    ``clock`` runs out between two max flows.
    """
    size = max(sink, source) + 1
    values = np.full(t_hi - t_lo + 1, -1, dtype=np.int64)
    cuts: dict[int, Any] = {}
    mark = np.zeros(size, dtype=bool)
    in_a = np.zeros(size, dtype=bool)
    local = np.full(size, -1, dtype=np.int64)
    empty = np.zeros(0, dtype=np.int64)
    always = -_FOREVER
    # (arcs..., constant arcs from the source to the sink, range, F just outside it, fixed)
    stack: list[tuple[Any, ...]] = [
        (tail, head, cap, label, empty, empty, t_lo, t_hi, 0, None, None)
    ]
    while stack:
        if clock is not None and clock.out():
            raise _OutOfTime
        tl, hd, cp, lb, c_lab, c_cap, a, b, f_left, f_right, fixed = stack.pop()
        if f_right is not None and f_left == f_right:
            values[a - t_lo : b - t_lo + 1] = f_left
            continue
        if not (tl == source).any() or not ((hd == sink) & (lb <= b)).any():
            # Nothing can flow through this piece at any t of the range (no arc leaves the
            # source, or none reaches the sink by b): F(t) is its constant arcs' alone, and
            # the source with what it reaches short of the sink is a min cut throughout.
            # (A steady crowd on one road once took a max flow per step here.)
            steps = np.arange(a, b + 1)
            order = np.argsort(c_lab, kind="stable")
            summed = np.concatenate([[0], np.cumsum(c_cap[order])])
            values[a - t_lo : b - t_lo + 1] = summed[
                np.searchsorted(c_lab[order], steps, side="right")
            ]
            if keep_cuts:
                held = _reachable(tl, hd, np.where(hd == sink, 0, cp), source, size)
                cuts.update(dict.fromkeys(range(a, b + 1), (held, fixed)))
            continue
        mid = (a + b) // 2
        if ready is not None:
            late_t, late_h = ready[tl] > mid, ready[hd] > mid
            act = ~late_h & ((hd != sink) | (lb <= mid))
        else:
            act = (hd != sink) | (lb <= mid)
        at, ah, ac = tl[act], hd[act], cp[act]
        const_mid = int(c_cap[c_lab <= mid].sum())
        if not (at == source).any() or not (ah == sink).any():
            # Nothing can flow: the source side is what the source reaches.
            value, side = 0, None
        else:
            mark[at] = True
            mark[ah] = True
            mark[source] = True
            mark[sink] = True
            nodes = np.flatnonzero(mark)
            mark[nodes] = False
            local[nodes] = np.arange(nodes.size)
            solver = _solve_max_flow(local[at], local[ah], ac, int(local[source]), int(local[sink]))
            value = int(solver.optimal_flow())
            side = nodes[np.asarray(solver.get_source_side_min_cut(), dtype=np.int64)]
        if side is None:
            side = _reachable(at, ah, ac, source, size)
        values[mid - t_lo] = value + const_mid
        if keep_cuts:
            cuts[mid] = (side, fixed)
        if a == b:
            continue
        in_a[side] = True
        in_a[source] = True
        ta, ha = in_a[tl], in_a[hd]
        if ready is not None:
            ta |= late_t
            ha |= late_h
        to_sink = hd == sink
        f_mid = int(values[mid - t_lo])
        if a <= mid - 1:
            keep = ~ta & ~ha & (~to_sink | (lb <= mid - 1))
            into = ta & ~ha & ~to_sink
            const = ta & to_sink & (lb <= mid - 1)
            new_tail = np.where(into, source, tl)
            sel = keep | into
            stack.append(
                (
                    new_tail[sel],
                    hd[sel],
                    cp[sel],
                    lb[sel],
                    np.concatenate([c_lab, lb[const]]),
                    np.concatenate([c_cap, cp[const]]),
                    a,
                    mid - 1,
                    f_left,
                    f_mid,
                    (side, fixed) if keep_cuts else None,
                )
            )
        if mid + 1 <= b:
            inner = ta & (ha | to_sink)
            out = ta & ~ha & ~to_sink
            const = out & (tl == source)
            out &= ~const
            new_head = np.where(out, sink, hd)
            new_lab = np.where(out, always, lb)
            sel = inner | out
            stack.append(
                (
                    tl[sel],
                    new_head[sel],
                    cp[sel],
                    new_lab[sel],
                    np.concatenate([c_lab, np.full(int(const.sum()), always)]),
                    np.concatenate([c_cap, cp[const]]),
                    mid + 1,
                    b,
                    f_mid,
                    f_right,
                    fixed,
                )
            )
        in_a[side] = False
        in_a[source] = False
    return values, cuts


def _cut_side(piece: Any, size: int) -> np.ndarray:
    """The source side of a min cut recorded by :func:`_prefix_flows`, as a mask."""
    side = np.zeros(size, dtype=bool)
    while piece is not None:
        nodes, piece = piece
        side[nodes] = True
    return side


def _flows_of(solver: Any, n_arcs: int) -> np.ndarray:
    return np.asarray(solver.flows(np.arange(n_arcs, dtype=np.int32)), dtype=np.int64)
