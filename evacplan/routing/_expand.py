"""Stage 2: the time-expanded network (TEN) to a horizon, pruned, as flat arrays.

Takes the compiled network (:mod:`._compile`), the static distances from the
sources and to safety (:mod:`._search` computes them) and the sources; gives
:class:`_TEN`, a copy of each place at each step where something can happen
there (see :func:`_copies`): moves along links with their per-step capacity,
waits from one copy to the next, arrivals into one sink.
Copies that no source reaches in time, or from which no safe place can be
reached by the horizon, are never built. The max-flow and min-cost-flow
stages (:mod:`._maxflow`, :mod:`._objectives`) and the whole-party MIP
(:mod:`._parties`) all solve over a TEN.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from evacplan.errors import TooLargeError
from evacplan.routing._arrays import _FOREVER, _dijkstra, _excl_cumsum, _ramp
from evacplan.routing._compile import _Net


@dataclass(slots=True)
class _TEN:
    """A time-expanded network to a horizon, as flat arrays.

    Nodes ``0..n_nodes-1`` are copies of places at steps; ``n_nodes`` is the
    sink (every arrival at a safe place) and ``n_nodes + 1`` the source.
    Arcs: the first ``n_hold`` wait from a copy to the next of its place (one
    step, or a stretch in which nothing can happen there); the next ``m_tpl.size`` are
    moves, each from one template at one departure step; then the *gates*
    (any after them lead into a timeless tail). A place with throughput has
    a second copy at each step, its way out: people arrive at and wait in
    the first (the queue), pass the gate arc (its per-step capacity) into the
    second in the same step, and leave by the moves, which start there. ``label`` is an arc's arrival step
    when it enters the sink, else -1.
    """

    horizon: int
    n_nodes: int
    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    label: np.ndarray
    n_hold: int
    m_tpl: np.ndarray
    m_step: np.ndarray
    src_node: np.ndarray
    src_cap: np.ndarray
    ready: np.ndarray
    """For each node (and the sink and source, last): the earliest step anyone there could be
    safe (its step plus its place's distance to safety)."""
    h_cost: np.ndarray
    """Per wait arc, the risk units one person pays over its steps (``risk_per_hour``)."""
    gate_place: np.ndarray
    """Per gate arc (they follow the moves), the place whose throughput it is."""
    gate_step: np.ndarray
    """Per gate arc, the step at which people pass it."""
    src_tier: np.ndarray | None = None
    """Per source, its priority tier (index into ``tier_quota``), when the sources have tiers."""
    tier_quota: np.ndarray | None = None
    """Per tier, the most people of it the flow may carry (``most_saved``)."""
    tier_base: int = 0
    """The first tier node (the tier nodes are the last of the ``n_nodes`` nodes)."""
    late_place: np.ndarray | None = None
    """With an open end (``least_harm``'s relaxation), per *late* arc, its place: the late
    arcs come last, each from a copy of the place straight into the sink, standing for every
    way of reaching safety after the horizon (see :func:`_expand`)."""
    late_risk: np.ndarray | None = None
    """Per late arc, the least risk (units) of any way to safety from its copy of its place:
    with an arrival at ``horizon + 1``, no such way costs less (its price)."""

    @property
    def late(self) -> slice:
        """The late arcs (none without an open end)."""
        n = 0 if self.late_place is None else self.late_place.size
        return slice(self.tail.size - n, self.tail.size)

    @property
    def moves(self) -> slice:
        """The move arcs, in ``tail``, ``head``, ``cap`` and ``label``."""
        return slice(self.n_hold, self.n_hold + self.m_tpl.size)

    @property
    def gates(self) -> slice:
        """The gate arcs: a place with throughput, from its queue to its way out, at a step."""
        start = self.n_hold + self.m_tpl.size
        return slice(start, start + self.gate_place.size)

    @property
    def sink(self) -> int:
        return self.n_nodes

    @property
    def source(self) -> int:
        return self.n_nodes + 1

    def crossing(
        self, k_group: np.ndarray, side: np.ndarray, before: int | None = None
    ) -> list[tuple[int, int, int]]:
        """The moves and gates leaving the source ``side`` of a cut: (group, step, capacity).

        A gate's entry has group ``-1 - place``. With ``before``, a move into
        the sink counts only if it arrives before that step.
        """
        moves, gates = self.moves, self.gates
        cross = side[self.tail[moves]] & ~side[self.head[moves]]
        if before is not None:
            lab = self.label[moves]
            cross &= lab < before
        g_cross = side[self.tail[gates]] & ~side[self.head[gates]]
        return list(
            zip(
                np.concatenate(
                    [k_group[self.m_tpl[cross]], -1 - self.gate_place[g_cross]]
                ).tolist(),
                np.concatenate([self.m_step[cross], self.gate_step[g_cross]]).tolist(),
                np.concatenate([self.cap[moves][cross], self.cap[gates][g_cross]]).tolist(),
                strict=True,
            )
        )

    def graph(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arcs including the source's, as (tail, head, capacity).

        The last arcs are the sources', one per source that can reach safety
        (in order). With tiers, the source feeds a node per tier (capacity:
        the tier's quota) and each tier node its sources.
        """
        ok = self.src_node >= 0
        if self.tier_quota is None or self.src_tier is None:
            feed = np.full(int(ok.sum()), self.source, dtype=np.int64)
            return (
                np.concatenate([self.tail, feed]),
                np.concatenate([self.head, self.src_node[ok]]),
                np.concatenate([self.cap, self.src_cap[ok]]),
            )
        tiers = self.tier_base + np.arange(self.tier_quota.size, dtype=np.int64)
        return (
            np.concatenate([self.tail, np.full(tiers.size, self.source), tiers[self.src_tier[ok]]]),
            np.concatenate([self.head, tiers, self.src_node[ok]]),
            np.concatenate([self.cap, self.tier_quota, self.src_cap[ok]]),
        )

    def labels(self) -> np.ndarray:
        """Per arc of :meth:`graph`, the step an arc into the sink arrives at (else -1)."""
        extra = int((self.src_node >= 0).sum())
        if self.tier_quota is not None and self.src_tier is not None:
            extra += self.tier_quota.size
        return np.concatenate([self.label, np.full(self.tail.size + extra - self.label.size, -1)])


@dataclass(frozen=True, slots=True)
class _LateRisk:
    """The least link risk of any way to safety after a horizon, from a place and a step on.

    Whoever reaches safety after the horizon H enters every link g of the
    way after ``H - tau(g) - to_safe(head of g)`` (entered sooner, it would
    lead to safety by H, inside the time-expanded network), and from the
    step t they set out on. A link group counts from step t if it is open at
    some step from both on, at the least risk it has at any of them (any
    tier); waiting risk counts nothing. ``table[i]`` holds every place's
    least risk for ways that set out from step ``times[i]`` on (a Dijkstra to
    the safe places); it changes only where a span of some group ends, so
    those steps are the ``times``. Less is open as time goes on: the risk
    never falls.
    """

    times: np.ndarray
    table: np.ndarray

    def at(self, places: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """The least risk from ``places`` for routes entering links from ``steps`` on."""
        row = np.searchsorted(self.times, steps, side="right") - 1
        return self.table[np.maximum(row, 0), places]

    def rises(self) -> tuple[np.ndarray, np.ndarray]:
        """(place, step) of each last step before a place's least risk rises (a route closes)."""
        up = self.table[1:] > self.table[:-1]
        row, place = np.nonzero(up)
        return place, self.times[row + 1] - 1


def _late_risk(net: _Net, horizon: int | None, to_safe: np.ndarray) -> _LateRisk:
    """The :class:`_LateRisk` of a compiled network after ``horizon`` (``to_safe``: each
    place's fewest steps to safety); with None, of any way to safety from a step on."""
    g = net.k_group
    ends = np.unique(net.k_to[net.k_to < _FOREVER] + 1)
    if horizon is None:
        after = np.zeros(g.size, dtype=np.int64)
        times = np.concatenate([[0], ends[ends > 0]]).astype(np.int64)
    else:
        after = horizon - net.g_tau[g] - np.minimum(to_safe[net.g_head[g]], _FOREVER) + 1
        times = np.concatenate([[0], ends[(ends > 0) & (ends <= horizon + 1)]]).astype(np.int64)
    safe = {int(x): 0 for x in np.flatnonzero(net.safe)}
    table = np.empty((times.size, net.n), dtype=np.int64)
    for i, t in enumerate(times.tolist()):
        weight = np.full(net.g_tail.size, _FOREVER, dtype=np.int64)
        live = net.k_to >= np.maximum(after, t)
        np.minimum.at(weight, g[live], net.k_risk_int[live])
        ok = weight < _FOREVER
        table[i] = _dijkstra(net.n, net.g_head[ok], net.g_tail[ok], weight[ok], safe)
    return _LateRisk(times, table)


BYTES_PER_ARC = 500
"""Peak memory per arc of a time-expanded network, measured over the whole solve.

Its arrays (tail, head, capacity, label, the move templates and steps), the
copies the max-flow divide and conquer keeps on its stack, and OR-Tools' own
graph: Chicago-Sketch with 100,000 people at 1-minute steps peaks about
131 MB above the imports for 281,874 arcs (``benchmarks/bench_routing.py``).
"""
BYTES_PER_NODE = 100


def _size(n_bytes: float) -> str:
    """``5.3 GiB``, ``20.0 MiB``: a size in words."""
    for unit, scale in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n_bytes >= scale:
            return f"{n_bytes / scale:.1f} {unit}"
    return f"{n_bytes / 2**10:.1f} KiB"


def _check_size(net: _Net, horizon: int, nodes: int, arcs: int, people: int) -> None:
    """Refuse, before allocating, a network estimated to need more than ``net.max_memory``."""
    need = arcs * BYTES_PER_ARC + nodes * BYTES_PER_NODE
    if need <= net.max_memory:
        return
    s = net.step
    raise TooLargeError(
        f"the time-expanded network to minute {horizon * s:,} ({horizon:,} steps of {s} min) "
        f"would have {nodes:,} nodes and {arcs:,} arcs for {people:,} people, about "
        f"{_size(need)}, over the memory budget of {_size(net.max_memory)} (max_memory); "
        "use a coarser step_minutes, an earlier deadline, or a larger max_memory"
    )


CONDENSE = True
"""Build copies of a place only at the steps where something can happen there (see
:func:`_copies`); False builds one at every step (the tests compare the two)."""


@dataclass(slots=True)
class _Copies:
    """The copies of places a TEN has: nodes ``0..size-1`` in (place, step) order.

    Dense, a place has a copy at every step of its window ``lo..hi``; condensed, only at
    the steps where something can happen there (see :func:`_copies`), and a wait spans
    the steps between two copies (nothing can happen at the place in between).
    """

    place: np.ndarray
    step: np.ndarray
    off: np.ndarray
    """Per place, its first copy's node (its copies follow in step order)."""
    cnt: np.ndarray
    """Per place, how many copies it has."""
    width: int
    first: np.ndarray | None
    """Per place, its first step, when every step has a copy (dense); else None."""
    key: np.ndarray | None = None
    """Condensed, each copy's ``place * width + step`` (sorted), to find copies by."""

    @property
    def size(self) -> int:
        return int(self.place.size)

    def at(self, places: np.ndarray, steps: np.ndarray) -> np.ndarray:
        """The node of each place's copy at each step (a copy there must exist)."""
        if self.first is not None:
            return self.off[places] + (steps - self.first[places])
        if self.key is None:
            self.key = self.place * self.width + self.step
        return np.searchsorted(self.key, places * self.width + steps).astype(np.int64)


def _copies(
    lo: np.ndarray, hi: np.ndarray, valid: np.ndarray, width: int, busy: list[np.ndarray]
) -> _Copies:
    """The copies of each valid place: at every step of ``lo..hi`` (when ``CONDENSE`` is
    off or nearly every step is busy), else at ``lo``, ``hi`` and the ``busy`` steps, given
    as keys ``place * width + step`` (departures, arrivals, releases, late arcs' steps).

    Between two busy steps nobody can leave, arrive at or be released at the place, so
    one wait for the whole stretch is exact: a late opening or a long deadline costs a
    copy, not a copy a step.
    """
    cnt = np.where(valid, hi - lo + 1, 0)
    off, dense = _excl_cumsum(cnt), int(cnt.sum())
    places = np.flatnonzero(valid)
    ends = [places * width + lo[places], places * width + hi[places]]
    n_busy = sum(k.size for k in busy) + 2 * places.size
    if CONDENSE and n_busy < 0.8 * dense:  # few busy steps: sort them
        keys = np.unique(np.concatenate([*ends, *busy]))
        place, step = keys // width, keys % width
    elif CONDENSE:  # as many busy steps as copies, or more: mark them (no sort)
        mark = np.zeros(dense, dtype=bool)
        for key in [*ends, *busy]:
            mark[off[key // width] + key % width - lo[key // width]] = True
        index = np.flatnonzero(mark)
        place = np.searchsorted(off, index, side="right") - 1
        step = lo[place] + index - off[place]
    if CONDENSE and place.size < 0.8 * dense:
        count = np.bincount(place, minlength=lo.size).astype(np.int64)
        return _Copies(place, step, _excl_cumsum(count), count, width, None)
    place, rank = _ramp(cnt)
    return _Copies(place, lo[place] + rank, _excl_cumsum(cnt), cnt, width, lo)


def _expand(
    net: _Net,
    early: np.ndarray,
    to_safe: np.ndarray,
    horizon: int,
    src_place: np.ndarray,
    src_step: np.ndarray,
    src_count: np.ndarray,
    *,
    tail_from: int | None = None,
    src_tier: np.ndarray | None = None,
    tier_quota: np.ndarray | None = None,
    open_end: _LateRisk | None = None,
) -> _TEN:
    """The TEN to ``horizon``, without copies no source reaches or that cannot reach safety.

    With an ``open_end`` (a :class:`_LateRisk`), *late* arcs lead from
    copies of places straight into the sink, standing for every way of
    reaching safety after the horizon, as a relaxation. Whoever arrives after
    the horizon left this network from some copy (u, t) of a place, by a wait
    or a move it does not hold; from there they might as well have waited,
    at no more risk, to the next copy of u with a late arc: u's last copy,
    or the last copy before u's least risky route closes (``rises()``).
    Where waiting at u has risk, a late way leaves from u's last copy or by
    a move the network does not hold (:func:`_leaving_late`), at its own
    step: those copies have late arcs. A late arc's price, its
    ``late_risk`` and an arrival at ``horizon + 1`` (:mod:`._objectives`), is
    below any such way, so a least-cost flow that leaves them empty is a
    least-cost schedule over every horizon.

    With ``tail_from``, every place's copy at that step also leads into a
    timeless copy of the network as it stands from then on, with unbounded
    capacity: the flow into the sink is then what any horizon could carry.
    With ``src_tier`` and ``tier_quota``, the sources feed through a node per
    priority tier that carries at most the tier's quota (see :meth:`_TEN.graph`).
    """
    hi = horizon - to_safe
    valid = (~net.safe) & (early <= hi) & (early < _FOREVER)
    win = _Window(early, hi, to_safe, horizon, int(src_count.sum()), valid)
    moves = _moves(net, win, src_place.size)
    src_ok = (
        win.valid[src_place] & (win.lo[src_place] <= src_step) & (src_step <= win.hi[src_place])
    )
    risky_wait = np.zeros(net.n, dtype=bool)
    risky_wait[net.w_place[net.w_cost > 0]] = True
    r_place = r_step = l_place = l_step = np.zeros(0, dtype=np.int64)
    if open_end is not None:
        r_place, r_step = _rises(open_end, win, risky_wait)
        l_place, l_step = _leaving_late(net, win, risky_wait)
    w = win.width
    busy = [
        moves.u * w + moves.step,
        (moves.v * w + moves.arrive)[~moves.to_sink],
        (src_place * w + src_step)[src_ok],
        r_place * w + r_step,
        l_place * w + l_step,
    ]
    at = _copies(win.lo, win.hi, win.valid, w, busy)
    # A gated place's way out: a copy at each step people may leave it, after every queue.
    gated = win.valid & (net.p_rate > 0)
    out_key = np.unique((moves.u * w + moves.step)[gated[moves.u]])
    tail_base = at.size + out_key.size
    tier_base = tail_base + (net.n if tail_from is not None else 0)
    sink = tier_base + (tier_quota.size if tier_quota is not None else 0)

    arcs = _Arcs()
    same = at.place[1:] == at.place[:-1]  # a wait from each copy to the next of its place
    h_tail = np.flatnonzero(same)
    arcs.add(h_tail, h_tail + 1, win.total, -1)
    h_cost = net.wait_cost(at.place[h_tail], at.step[h_tail], at.step[h_tail + 1] - 1)
    gate_place, gate_step = _move_and_gate_arcs(arcs, net, moves, at, out_key, gated, sink)
    if tail_from is not None:
        _tail_arcs(arcs, net, win, at, tail_from, tail_base, sink)
    late_place = late_risk = None
    if open_end is not None:
        late_place, late_risk = _late_arcs(
            arcs, open_end, win, at, (l_place, l_step), (r_place, r_step), sink
        )
    src_node = np.full(src_place.size, -1, dtype=np.int64)
    src_node[src_ok] = at.at(src_place[src_ok], src_step[src_ok])
    ready = np.full(sink + 2, -_FOREVER, dtype=np.int64)
    ready[: at.size] = at.step + to_safe[at.place]
    ready[at.size : tail_base] = out_key % w + to_safe[out_key // w]
    if tail_from is not None:
        ready[tail_base:tier_base] = tail_from + np.minimum(to_safe, _FOREVER)
    return _TEN(
        horizon=horizon,
        n_nodes=sink,
        tail=np.concatenate(arcs.tails),
        head=np.concatenate(arcs.heads),
        cap=np.concatenate(arcs.caps),
        label=np.concatenate(arcs.labels),
        n_hold=h_tail.size,
        m_tpl=moves.tpl,
        m_step=moves.step,
        src_node=src_node,
        src_cap=src_count.astype(np.int64),
        ready=ready,
        h_cost=h_cost,
        gate_place=gate_place,
        gate_step=gate_step,
        src_tier=src_tier,
        tier_quota=tier_quota,
        tier_base=tier_base,
        late_place=late_place,
        late_risk=late_risk,
    )


@dataclass(slots=True)
class _Window:
    """Where a TEN's copies may lie: each place from the step anyone can reach it (``lo``)
    to the last step from which safety is reachable by the horizon (``hi``)."""

    lo: np.ndarray
    hi: np.ndarray
    to_safe: np.ndarray
    horizon: int
    total: int
    """The people: the capacity of waits and of arcs no one could fill."""
    valid: np.ndarray
    """The places with copies: not safe, and reachable in time to reach safety."""

    @property
    def width(self) -> int:
        """Steps per place in a (place, step) key: ``place * width + step``."""
        return self.horizon + 2


@dataclass(slots=True)
class _Moves:
    """The move arcs: template, departure step, capacity; tail and head places, arrival step."""

    tpl: np.ndarray
    step: np.ndarray
    cap: np.ndarray
    u: np.ndarray
    v: np.ndarray
    arrive: np.ndarray
    to_sink: np.ndarray


def _moves(net: _Net, win: _Window, n_sources: int) -> _Moves:
    """Every move a template admits someone on, within the window; the size refused first."""
    kg = net.k_group
    u, v, tau = net.g_tail[kg], net.g_head[kg], net.g_tau[kg]
    lo, valid = win.lo, win.valid
    a = np.maximum(net.k_from, lo[u])
    b = np.minimum(net.k_to, win.horizon - tau - win.to_safe[v])
    spans = np.where(valid[u] & (a <= b), b - a + 1, 0)
    widths = np.where(valid, win.hi - lo + 1, 0)
    n_moves = int(spans.sum())
    n_nodes = min(int(widths.sum()), 2 * n_moves + 2 * int(valid.sum()) + n_sources)  # at most
    n_gated = min(int(widths[net.p_rate > 0].sum()), n_moves)
    _check_size(net, win.horizon, n_nodes + n_gated, n_nodes + n_moves + n_gated, win.total)
    tpl, rank = _ramp(spans)
    step = a[tpl] + rank
    cap = net.capacity(tpl, step)
    admits = cap > 0  # a slow link admits nobody at some steps (10/h: none in the first 5 min)
    tpl, step, cap = tpl[admits], step[admits], cap[admits]
    head = v[tpl]
    return _Moves(tpl, step, cap, u[tpl], head, step + tau[tpl], net.safe[head])


def _rises(
    open_end: _LateRisk, win: _Window, risky_wait: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(place, step) of each copy before a place's least risky route closes: a late arc's."""
    place, step = open_end.rises()
    inside = win.valid[place] & (win.lo[place] <= step) & (step < win.hi[place])
    inside &= ~risky_wait[place]  # (those have late arcs where moves leave: _leaving_late)
    return place[inside], step[inside]


def _leaving_late(net: _Net, win: _Window, risky_wait: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(place, step) of each copy, at a place where waiting has risk, from which a move leaves
    the network: its link is open then, but it arrives too late to be safe by the horizon.

    Whoever is late from such a place left it by such a move, or waited to its last copy
    (which has a late arc of its own). A late arc at every copy instead priced waiting as
    free where it is not: a way out after a long wait (a road opening at minute 20, the
    place under threat until then) cost more than the late arcs at every horizon, so the
    open end grew until the hazard of being late outweighed the wait's risk.
    """
    kg = net.k_group
    u, v, tau = net.g_tail[kg], net.g_head[kg], net.g_tau[kg]
    way = win.to_safe[v] < _FOREVER
    first = np.maximum(
        np.maximum(net.k_from, win.lo[u]), win.horizon - tau - np.where(way, win.to_safe[v], 0) + 1
    )
    last = np.minimum(net.k_to, win.hi[u] - 1)
    spans = np.where(risky_wait[u] & win.valid[u] & way & (first <= last), last - first + 1, 0)
    tpl, rank = _ramp(spans)
    key = np.unique(u[tpl] * win.width + first[tpl] + rank)
    return key // win.width, key % win.width


def _move_and_gate_arcs(
    arcs: _Arcs,
    net: _Net,
    moves: _Moves,
    at: _Copies,
    out_key: np.ndarray,
    gated: np.ndarray,
    sink: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The moves (from a gated place's way out, else from its copy) and the gates from each
    gated place's queue to its way out where its throughput lets anyone through; returns the
    gates' places and steps."""
    w = at.width
    from_out = at.size + np.searchsorted(out_key, moves.u * w + moves.step)
    m_head = np.full(moves.tpl.size, sink, dtype=np.int64)
    inner = ~moves.to_sink
    m_head[inner] = at.at(moves.v[inner], moves.arrive[inner])
    m_tail = np.where(gated[moves.u], from_out, at.at(moves.u, moves.step))
    arcs.add(m_tail, m_head, moves.cap, np.where(moves.to_sink, moves.arrive, -1))
    out_place, out_step = out_key // w, out_key % w
    gate_cap = net.throughput(out_place, out_step)
    passes = gate_cap > 0
    gate_place, gate_step = out_place[passes], out_step[passes]
    arcs.add(at.at(gate_place, gate_step), at.size + np.flatnonzero(passes), gate_cap[passes], -1)
    return gate_place, gate_step


@dataclass(slots=True)
class _Arcs:
    """A TEN's arcs as they are added: lists of tails, heads, capacities and labels."""

    tails: list[np.ndarray] = field(default_factory=list)
    heads: list[np.ndarray] = field(default_factory=list)
    caps: list[np.ndarray] = field(default_factory=list)
    labels: list[np.ndarray] = field(default_factory=list)

    def add(self, tails: np.ndarray, heads: np.ndarray, caps: Any, labels: Any) -> None:
        """Arcs from ``tails`` to ``heads``; a number for ``caps`` or ``labels`` is for all."""
        self.tails.append(tails)
        self.heads.append(heads)
        self.caps.append(np.broadcast_to(np.asarray(caps, dtype=np.int64), tails.shape))
        self.labels.append(np.broadcast_to(np.asarray(labels, dtype=np.int64), tails.shape))


def _tail_arcs(
    arcs: _Arcs, net: _Net, win: _Window, at: _Copies, tail_from: int, base: int, sink: int
) -> None:
    """Each place's last copy feeds the timeless network (its open links unbounded): people
    there from ``tail_from`` on, or arriving later from a link entered before, wait into it."""
    places = np.flatnonzero(win.valid & (tail_from <= win.hi))
    final = (net.k_to >= _FOREVER) & (net.k_from <= tail_from)
    fg = np.unique(net.k_group[final])
    fu, fv = net.g_tail[fg], net.g_head[fg]
    arcs.add(at.at(places, win.hi[places]), base + places, win.total, -1)
    safe = net.safe[fv]
    arcs.add(base + fu, np.where(safe, sink, base + fv), win.total, np.where(safe, tail_from, -1))


def _late_arcs(
    arcs: _Arcs,
    open_end: _LateRisk,
    win: _Window,
    at: _Copies,
    every: tuple[np.ndarray, np.ndarray],
    rises: tuple[np.ndarray, np.ndarray],
    sink: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The late arcs (see :func:`_expand`): from each place's last copy, from ``every`` copy
    of a place where waiting has risk, and at the ``rises``; their places and prices."""
    last = np.flatnonzero(win.valid)
    place = np.concatenate([last, every[0], rises[0]])
    step = np.concatenate([win.hi[last], every[1], rises[1]])
    risk = open_end.at(place, step)
    way = risk < _FOREVER  # (from a copy with no way out later, nobody is late)
    place, step, risk = place[way], step[way], risk[way]
    arcs.add(
        at.at(place, step), np.full(place.size, sink, dtype=np.int64), win.total, win.horizon + 1
    )
    return place, risk
