"""Max flows over a time-expanded network: one call, and F(t) for every horizon at once.

:func:`_solve_max_flow` wraps OR-Tools' max flow for the arrays of
:mod:`._expand`, and :func:`_source_side` reads the min cut of a max flow
solved by it or by the push-relabel of :mod:`._parametric`.
:func:`_flows_by_step` gives F(t), the most people safe by step t, for a
whole range of t: on a large network by the parametric push-relabel of
:mod:`._parametric` (one run lowering t a step at a time), on a smaller one
by :func:`_prefix_flows`, a divide and conquer over nested min cuts of
OR-Tools max flows. The search for T* (:mod:`._search`), the earliest-arrival
flow (:mod:`._objectives`) and the closure analysis
(:mod:`evacplan.closures._expanded`) build on it, and the min cut at the
greatest t short of everyone becomes the bottlenecks a plan names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from ortools.graph.python import max_flow

from evacplan.errors import SolverError
from evacplan.routing import _parametric as parametric
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


def _source_side(solver: max_flow.SimpleMaxFlow | parametric._Run, size: int) -> np.ndarray:
    """The source side of the min cut nearest the sources of a max flow solved by OR-Tools or
    by the push-relabel (:class:`._parametric._Run`, which names the same cut), as a mask
    over ``size`` nodes."""
    side = np.zeros(size, dtype=bool)
    if isinstance(solver, parametric._Run):
        found = parametric._source_side(solver)
        side[: found.size] = found
    else:
        side[np.asarray(solver.get_source_side_min_cut(), dtype=np.int64)] = True
    return side


WARM = True
"""Start an upper half's max flows from its parent's max flow (False: from nothing; the
tests compare the two)."""

WARM_MIN_ARCS = 200_000
"""Only pieces of this many arcs or more hand their flow on: on smaller ones reading the flow
and building the residual network cost what the warm start saves (N-1 on Chicago-Sketch
with 10,000 people, over 144,000 arcs: 3 to 7% slower warm; 300,000 people, 710,000 arcs:
10 to 20% faster)."""

_ALWAYS = -_FOREVER
"""The label of an arc into the sink that counts at every t."""


class _Piece(NamedTuple):
    """A piece of the network and the range of t it settles: one task of the divide and conquer."""

    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    label: np.ndarray
    """The piece's arcs: tail, head, capacity, and (into the sink) the first t they count at."""
    const_label: np.ndarray
    """Constant arcs from the source to the sink (contracted away): their labels..."""
    const_cap: np.ndarray
    """...and their capacities."""
    a: int
    """The range of t settled: ``a`` to ``b``."""
    b: int
    f_left: int
    """F just below the range (0 below the first)."""
    f_right: int | None
    """F just above the range, if known (equal to ``f_left``: F is constant over it)."""
    fixed: Any
    """The source sides fixed by the levels above, for ``keep_cuts`` (see :func:`_cut_side`)."""
    flow: np.ndarray | None = None
    """A flow on the piece's arcs feasible at every t of its range (an upper half's: its
    parent's max flow there), to start the max flow from; None: start from nothing."""


class _Middle(NamedTuple):
    """A piece's max flow at its middle t, and where each arc stands to its min cut."""

    mid: int
    f_mid: int
    """F(mid)."""
    side: np.ndarray
    """The nodes on the min cut's source side."""
    tail_in: np.ndarray
    """Per arc, whether its tail is on the source side (or not ready by ``mid``)."""
    head_in: np.ndarray
    """Per arc, whether its head is."""
    to_sink: np.ndarray
    """Per arc, whether it leads into the sink."""


@dataclass(slots=True)
class _Work:
    """What every piece of one :func:`_prefix_flows` call shares: the answer and scratch arrays."""

    source: int
    sink: int
    t_lo: int
    ready: np.ndarray | None
    keep_cuts: bool
    values: np.ndarray
    """F(t) for t from ``t_lo``, -1 until settled."""
    cuts: dict[int, Any]
    size: int
    mark: np.ndarray
    """Scratch, all False between uses: the nodes one max flow's arcs touch."""
    in_a: np.ndarray
    """Scratch, all False between uses: the middle's source side A."""
    local: np.ndarray
    """Scratch: each node's number within one max flow."""


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
    work = _Work(
        source=source,
        sink=sink,
        t_lo=t_lo,
        ready=ready,
        keep_cuts=keep_cuts,
        values=np.full(t_hi - t_lo + 1, -1, dtype=np.int64),
        cuts={},
        size=size,
        mark=np.zeros(size, dtype=bool),
        in_a=np.zeros(size, dtype=bool),
        local=np.full(size, -1, dtype=np.int64),
    )
    empty = np.zeros(0, dtype=np.int64)
    stack = [_Piece(tail, head, cap, label, empty, empty, t_lo, t_hi, 0, None, None)]
    while stack:
        if clock is not None and clock.out():
            raise _OutOfTime
        piece = stack.pop()
        if piece.f_right is not None and piece.f_left == piece.f_right:
            work.values[piece.a - t_lo : piece.b - t_lo + 1] = piece.f_left
        elif _idle(work, piece):
            _settle_idle(work, piece)
        else:
            stack.extend(_split(work, piece))
    return work.values, work.cuts


def _idle(work: _Work, p: _Piece) -> bool:
    """Whether nothing can flow through ``p`` at any t of its range.

    No arc leaves the source, or none reaches the sink by the range's last t.
    """
    return not (p.tail == work.source).any() or not ((p.head == work.sink) & (p.label <= p.b)).any()


def _settle_idle(work: _Work, p: _Piece) -> None:
    """F(t) over the range of a piece nothing flows through: its constant arcs' alone.

    The source with what it reaches short of the sink is a min cut throughout.
    (A steady crowd on one road once took a max flow per step here.)
    """
    steps = np.arange(p.a, p.b + 1)
    order = np.argsort(p.const_label, kind="stable")
    summed = np.concatenate([[0], np.cumsum(p.const_cap[order])])
    work.values[p.a - work.t_lo : p.b - work.t_lo + 1] = summed[
        np.searchsorted(p.const_label[order], steps, side="right")
    ]
    if work.keep_cuts:
        held = _reachable(
            p.tail, p.head, np.where(p.head == work.sink, 0, p.cap), work.source, work.size
        )
        work.cuts.update(dict.fromkeys(range(p.a, p.b + 1), (held, p.fixed)))


def _split(work: _Work, p: _Piece) -> list[_Piece]:
    """F at the middle of ``p``'s range by one max flow; the halves either side, to settle."""
    source, sink, ready = work.source, work.sink, work.ready
    tl, hd, lb = p.tail, p.head, p.label
    mid = (p.a + p.b) // 2
    if ready is not None:
        late_t, late_h = ready[tl] > mid, ready[hd] > mid
        act = ~late_h & ((hd != sink) | (lb <= mid))
    else:
        act = (hd != sink) | (lb <= mid)
    const_mid = int(p.const_cap[p.const_label <= mid].sum())
    start = None if p.flow is None or not WARM else p.flow[act]
    keep = WARM and tl.size >= WARM_MIN_ARCS  # (the upper half starts from this flow)
    value, side, moved = _max_flow_at(work, tl[act], hd[act], p.cap[act], start, keep)
    flow = None
    if moved is not None:
        flow = np.zeros(tl.size, dtype=np.int64)
        flow[act] = moved
    work.values[mid - work.t_lo] = value + const_mid
    if work.keep_cuts:
        work.cuts[mid] = (side, p.fixed)
    if p.a == p.b:
        return []
    in_a = work.in_a
    in_a[side] = True
    in_a[source] = True
    ta, ha = in_a[tl], in_a[hd]
    if ready is not None:
        ta |= late_t
        ha |= late_h
    m = _Middle(mid, int(work.values[mid - work.t_lo]), side, ta, ha, hd == sink)
    halves = []
    if p.a <= mid - 1:
        halves.append(_lower_half(work, p, m))
    if mid + 1 <= p.b:
        halves.append(_upper_half(work, p, m, flow))
    in_a[side] = False
    in_a[source] = False
    return halves


def _max_flow_at(
    work: _Work,
    at: np.ndarray,
    ah: np.ndarray,
    ac: np.ndarray,
    start: np.ndarray | None = None,
    keep: bool = False,
) -> tuple[int, np.ndarray, np.ndarray | None]:
    """The max flow over the arcs (``at``, ``ah``, ``ac``): its value, its min cut's source
    side and, with ``keep``, the flow on each arc (else None). From ``start`` (a feasible
    flow on them), only what more can flow is solved for, over the residual network; the
    cut is the same."""
    source, sink = work.source, work.sink
    if not (at == source).any() or not (ah == sink).any():
        # Nothing can flow: the source side is what the source reaches.
        nothing = np.zeros(at.size, dtype=np.int64) if keep else None
        return 0, _reachable(at, ah, ac, source, work.size), nothing
    # Solve over the nodes the arcs touch only, renumbered from 0.
    mark, local = work.mark, work.local
    mark[at] = True
    mark[ah] = True
    mark[source] = True
    mark[sink] = True
    nodes = np.flatnonzero(mark)
    mark[nodes] = False
    local[nodes] = np.arange(nodes.size)
    lt, lh = local[at], local[ah]
    flow: np.ndarray | None = None
    if start is None or not start.any():
        solver = _solve_max_flow(lt, lh, ac, int(local[source]), int(local[sink]))
        flow = _flows_of(solver, at.size) if keep else None
        value = int(solver.optimal_flow())
    else:
        ahead = np.flatnonzero(ac > start)  # residual arcs: room left forward...
        back = np.flatnonzero(start > 0)  # ...and flow that may be sent back
        solver = _solve_max_flow(
            np.concatenate([lt[ahead], lh[back]]),
            np.concatenate([lh[ahead], lt[back]]),
            np.concatenate([ac[ahead] - start[ahead], start[back]]),
            int(local[source]),
            int(local[sink]),
        )
        value = int(start[at == source].sum()) + int(solver.optimal_flow())
        if keep:
            more = _flows_of(solver, ahead.size + back.size)
            flow = start.copy()
            flow[ahead] += more[: ahead.size]
            flow[back] -= more[ahead.size :]
    side = nodes[np.asarray(solver.get_source_side_min_cut(), dtype=np.int64)]
    return value, side, flow


def _lower_half(work: _Work, p: _Piece, m: _Middle) -> _Piece:
    """The piece for t below the middle: the middle's source side A contracted into the source."""
    ta, ha, to_sink, lb = m.tail_in, m.head_in, m.to_sink, p.label
    keep = ~ta & ~ha & (~to_sink | (lb <= m.mid - 1))
    into = ta & ~ha & ~to_sink
    const = ta & to_sink & (lb <= m.mid - 1)
    new_tail = np.where(into, work.source, p.tail)
    sel = keep | into
    return _Piece(
        new_tail[sel],
        p.head[sel],
        p.cap[sel],
        lb[sel],
        np.concatenate([p.const_label, lb[const]]),
        np.concatenate([p.const_cap, p.cap[const]]),
        p.a,
        m.mid - 1,
        p.f_left,
        m.f_mid,
        (m.side, p.fixed) if work.keep_cuts else None,
    )


def _upper_half(work: _Work, p: _Piece, m: _Middle, flow: np.ndarray | None) -> _Piece:
    """The piece for t above the middle: all but the middle's source side A in the sink.

    An arc out of A then reaches the sink at every t (labelled ``_ALWAYS``);
    one straight from the source becomes a constant arc. The middle's max ``flow`` on the
    arcs kept is feasible at every t above it (no arc into A carries any: they cross the
    min cut backwards), so the piece's max flows start from it.
    """
    ta, ha, to_sink = m.tail_in, m.head_in, m.to_sink
    inner = ta & (ha | to_sink)
    out = ta & ~ha & ~to_sink
    const = out & (p.tail == work.source)
    out &= ~const
    new_head = np.where(out, work.sink, p.head)
    new_lab = np.where(out, _ALWAYS, p.label)
    sel = inner | out
    return _Piece(
        p.tail[sel],
        new_head[sel],
        p.cap[sel],
        new_lab[sel],
        np.concatenate([p.const_label, np.full(int(const.sum()), _ALWAYS)]),
        np.concatenate([p.const_cap, p.cap[const]]),
        m.mid + 1,
        p.b,
        m.f_mid,
        p.f_right,
        p.fixed,
        None if flow is None else flow[sel],
    )


def _flows_by_step(
    tail: np.ndarray,
    head: np.ndarray,
    cap: np.ndarray,
    label: np.ndarray,
    ends: tuple[int, int],
    steps: tuple[int, int],
    ready: np.ndarray | None = None,
    clock: _Clock | None = None,
    cut_below: int | None = None,
    warm: parametric._Run | None = None,
    rising: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """F(t) for t from ``steps[0]`` to ``steps[1]`` (``ends``: the sink and the source), as
    :func:`_prefix_flows` gives it; with ``cut_below``, also the source side (a mask over the
    nodes) of a min cut at the greatest t with F(t) < ``cut_below``, None if no t has.

    A network of :data:`._parametric.MIN_ARCS` arcs or more takes one parametric max flow
    (:mod:`._parametric`; when Numba is installed), a smaller one the divide and conquer.
    ``warm`` is a push-relabel over these arcs already at the max flow at ``steps[1]``;
    with none, ``rising`` raises t (:func:`._parametric._rising_flows`, for few places over
    many steps) where the push-relabel would lower it, and the cut is one OR-Tools max flow's.
    """
    sink, source = ends
    t_lo, t_hi = steps
    if clock is not None and clock.out() and (warm is not None or parametric.applies(tail.size)):
        raise _OutOfTime
    if warm is None and rising and parametric.applies(tail.size):
        values = parametric._rising_flows(tail, head, cap, label, sink, source, t_lo, t_hi)
        short = np.flatnonzero(values < (cut_below if cut_below is not None else 0))
        if not short.size:
            return values, None
        by = (head != sink) | (label <= t_lo + int(short[-1]))
        solver = _solve_max_flow(tail[by], head[by], cap[by], source, sink)
        return values, _source_side(solver, parametric._nodes(tail, head, *ends))
    if warm is not None or parametric.applies(tail.size):
        run = warm or parametric._Run.start(tail, head, cap, label, sink, source)
        found = run.lower(t_hi, t_lo, cut_below)
        run.drop()
        return found
    keep = cut_below is not None
    values, cuts = _prefix_flows(
        tail, head, cap, label, sink, source, t_lo, t_hi, ready, keep, clock
    )
    below = np.flatnonzero(values < cut_below) if keep else np.zeros(0, dtype=np.int64)
    if not below.size or t_lo + int(below[-1]) not in cuts:
        return values, None
    return values, _cut_side(cuts[t_lo + int(below[-1])], parametric._nodes(tail, head, *ends))


def _cut_side(piece: Any, size: int) -> np.ndarray:
    """The source side of a min cut recorded by :func:`_prefix_flows`, as a mask."""
    side = np.zeros(size, dtype=bool)
    while piece is not None:
        nodes, piece = piece
        side[nodes] = True
    return side


def _flows_of(solver: Any, n_arcs: int) -> np.ndarray:
    return np.asarray(solver.flows(np.arange(n_arcs, dtype=np.int32)), dtype=np.int64)
