"""The compiled loops of :func:`._objectives._network_simplex`: a primal network simplex.

The algorithm and its data structures are LEMON's ``NetworkSimplex`` (Kovács,
"Minimum-cost flow algorithms: an experimental evaluation", Optimization
Methods and Software 30, 2015), written anew for Numba: a spanning tree of
the network plus an artificial root, kept as parent, predecessor arc and
direction, a preorder thread (and its reverse), subtree sizes and each
subtree's last node; node potentials with every tree arc's reduced cost
zero; the entering arc found by block search (the most negative reduced
cost within blocks of about sqrt(m) arcs, resumed where the last search
stopped); the leaving arc the last blocking one on the cycle (Cunningham's
strongly feasible trees, so degenerate pivots cannot cycle).

The start is LEMON's for supplies that sum to zero: every node hangs from
the root by an artificial arc of unbounded capacity, costing nothing from a
node that supplies or passes flow, and more than any path of real arcs into
a node that demands it; a flow left on an artificial arc at the end means no
feasible flow exists. Imported on first use (Numba caches the compiled
loops on disk).
"""

from __future__ import annotations

import numpy as np
from numba import njit

INF = np.int64(1) << np.int64(62)
"""The capacity of the artificial arcs, and what a cycle of no bound would carry."""


@njit(cache=True)
def solve(n, tails, heads, caps, costs, supply, block):  # type: ignore[no-untyped-def]
    """The least-cost flow meeting ``supply`` (positive: out of the node) within ``caps``.

    Returns the flow on each arc, the node potentials (reduced cost
    ``cost + pi[tail] - pi[head]``: negative only on saturated arcs, positive
    only on empty ones), a status (1 optimal, 0 infeasible, -1 unbounded) and
    the number of pivots.
    """
    m = tails.size
    tree = _start(n, tails, heads, caps, costs, supply)
    src, dst, cap, cost, flow, state = tree[:6]
    parent, pred, thread, rev, succ, last, up, pi = tree[6:]
    dirty = np.empty(n + 2, np.int64)
    nxt, pivots = 0, 0
    while True:
        inarc, nxt = _enter(src, dst, cost, state, pi, m, block, nxt)
        if inarc < 0:
            break
        pivots += 1
        cycle = _leaving(src, dst, cap, flow, state, parent, pred, up, succ, inarc)
        join, delta, uin, vin, uout = cycle
        if delta >= INF:
            return flow[:m], pi, -1, pivots
        _augment(src, dst, flow, state, parent, pred, up, inarc, join, delta)
        if uout < 0:  # the entering arc itself blocks: it goes from one bound to the other
            state[inarc] = -state[inarc]
            continue
        state[inarc] = 0
        state[pred[uout]] = 1 if flow[pred[uout]] == 0 else -1
        _retree(src, parent, pred, thread, rev, succ, last, up, dirty, inarc, uin, vin, uout, join)
        sigma = pi[vin] - pi[uin] - (cost[inarc] if up[uin] == 1 else -cost[inarc])
        end = thread[last[uin]]
        u = uin
        while u != end:
            pi[u] += sigma
            u = thread[u]
    for a in range(m, m + n):
        if flow[a] != 0:
            return flow[:m], pi, 0, pivots
    return flow[:m], pi, 1, pivots


@njit(cache=True)
def _start(n, tails, heads, caps, costs, supply):  # type: ignore[no-untyped-def]
    """Arcs with the artificial ones after them (arc ``m + u`` joins node ``u`` to the root
    ``n``), every real arc empty at its lower bound, and the star tree over them."""
    m = tails.size
    nodes, arcs = n + 1, m + n
    src, dst = np.empty(arcs, np.int64), np.empty(arcs, np.int64)
    cap, cost = np.empty(arcs, np.int64), np.empty(arcs, np.int64)
    src[:m], dst[:m], cap[:m], cost[:m] = tails, heads, caps, costs
    flow = np.zeros(arcs, np.int64)
    state = np.ones(arcs, np.int8)  # 1 at the lower bound, -1 at the upper, 0 in the tree
    top = np.int64(0)
    for a in range(m):
        top = max(top, costs[a])
    art = (top + 1) * nodes
    parent, pred = np.empty(nodes, np.int64), np.empty(nodes, np.int64)
    thread, rev = np.empty(nodes, np.int64), np.empty(nodes, np.int64)
    succ, last = np.empty(nodes, np.int64), np.empty(nodes, np.int64)
    up, pi = np.empty(nodes, np.int8), np.zeros(nodes, np.int64)
    root = n
    parent[root], pred[root], thread[root], rev[0] = -1, -1, 0, root
    succ[root], last[root] = nodes, root - 1
    for u in range(n):
        e = m + u
        parent[u], pred[u], thread[u], rev[u + 1] = root, e, u + 1, u
        succ[u], last[u], cap[e], state[e] = 1, u, INF, 0
        if supply[u] >= 0:
            up[u], src[e], dst[e], flow[e], cost[e] = 1, u, root, supply[u], 0
        else:
            up[u], src[e], dst[e], flow[e], cost[e] = -1, root, u, -supply[u], art
            pi[u] = art
    return src, dst, cap, cost, flow, state, parent, pred, thread, rev, succ, last, up, pi


@njit(cache=True)
def _enter(src, dst, cost, state, pi, m, block, nxt):  # type: ignore[no-untyped-def]
    """Block search from arc ``nxt``: the arc of most negative reduced cost in the first block
    that has one, and where the next search starts; (-1, nxt) when none has (optimal)."""
    best, inarc, count, e = np.int64(0), -1, block, nxt
    for _ in range(m):
        c = state[e] * (cost[e] + pi[src[e]] - pi[dst[e]])
        if c < best:
            best, inarc = c, e
        e = e + 1 if e + 1 < m else 0
        count -= 1
        if count == 0:
            if best < 0:
                return inarc, e
            count = block
    return inarc, e


@njit(cache=True)
def _leaving(src, dst, cap, flow, state, parent, pred, up, succ, inarc):  # type: ignore[no-untyped-def]
    """The cycle ``inarc`` closes: its join node (where the two tree paths meet), how much it
    can carry, the end of ``inarc`` to hang below the other (``uin`` below ``vin``), and the
    node below the last blocking arc (``uout``; -1 when ``inarc`` itself blocks)."""
    u, v = src[inarc], dst[inarc]
    while u != v:
        if succ[u] < succ[v]:
            u = parent[u]
        else:
            v = parent[v]
    join = u
    first, second = (src[inarc], dst[inarc]) if state[inarc] == 1 else (dst[inarc], src[inarc])
    delta, side, uout = cap[inarc], 0, -1
    u = first
    while u != join:
        a = pred[u]
        d = flow[a] if up[u] == 1 else (INF if cap[a] >= INF else cap[a] - flow[a])
        if d < delta:
            delta, uout, side = d, u, 1
        u = parent[u]
    u = second
    while u != join:
        a = pred[u]
        d = flow[a] if up[u] == -1 else (INF if cap[a] >= INF else cap[a] - flow[a])
        if d <= delta:
            delta, uout, side = d, u, 2
        u = parent[u]
    uin, vin = (first, second) if side == 1 else (second, first)
    return join, delta, uin, vin, uout


@njit(cache=True)
def _augment(src, dst, flow, state, parent, pred, up, inarc, join, delta):  # type: ignore[no-untyped-def]
    """Send ``delta`` round the cycle of ``inarc`` (in its direction of improvement)."""
    if delta == 0:
        return
    val = state[inarc] * delta
    flow[inarc] += val
    u = src[inarc]
    while u != join:
        flow[pred[u]] -= up[u] * val
        u = parent[u]
    u = dst[inarc]
    while u != join:
        flow[pred[u]] += up[u] * val
        u = parent[u]


@njit(cache=True)
def _retree(src, parent, pred, thread, rev, succ, last, up, dirty, inarc, uin, vin, uout, join):  # type: ignore[no-untyped-def]
    """Swap the leaving arc (above ``uout``) for ``inarc`` (joining ``uin`` below ``vin``):
    the subtree cut off is re-hung, its stem from ``uin`` up to ``uout`` reversed, and the
    thread, subtree sizes and last successors mended on the way."""
    old_rev, old_succ, old_last = rev[uout], succ[uout], last[uout]
    vout = parent[uout]
    if uin == uout:
        parent[uin], pred[uin] = vin, inarc
        up[uin] = 1 if uin == src[inarc] else -1
        if thread[vin] != uout:
            after = thread[old_last]
            thread[old_rev], rev[after] = after, old_rev
            after = thread[vin]
            thread[vin], rev[uout] = uout, vin
            thread[old_last], rev[after] = after, old_last
    else:
        _restem(src, parent, pred, thread, rev, succ, last, up, dirty, inarc, uin, vin, uout)
    up_limit = join if last[join] == vin else -1
    last_out = last[uout]
    u = vin
    while u != -1 and last[u] == vin:
        last[u] = last_out
        u = parent[u]
    if join != old_rev and vin != old_rev:
        u = vout
        while u != up_limit and last[u] == old_last:
            last[u] = old_rev
            u = parent[u]
    elif last_out != old_last:
        u = vout
        while u != up_limit and last[u] == old_last:
            last[u] = last_out
            u = parent[u]
    u = vin
    while u != join:
        succ[u] += old_succ
        u = parent[u]
    u = vout
    while u != join:
        succ[u] -= old_succ
        u = parent[u]


@njit(cache=True)
def _restem(src, parent, pred, thread, rev, succ, last, up, dirty, inarc, uin, vin, uout):  # type: ignore[no-untyped-def]
    """:func:`_retree` where ``uin`` lies below ``uout``: the stem between them is reversed."""
    old_rev, old_succ = rev[uout], succ[uout]
    cont = thread[last[uout]] if old_rev == vin else thread[vin]
    stem, par_stem = uin, vin
    lst = last[uin]
    after = thread[lst]
    thread[vin] = uin
    dirty[0] = vin
    nd = 1
    while stem != uout:
        next_stem = parent[stem]
        thread[lst] = next_stem
        dirty[nd] = lst
        nd += 1
        before = rev[stem]
        thread[before], rev[after] = after, before
        parent[stem] = par_stem
        par_stem, stem = stem, next_stem
        lst = rev[par_stem] if last[stem] == last[par_stem] else last[stem]
        after = thread[lst]
    parent[uout] = par_stem
    thread[lst], rev[cont] = cont, lst
    last[uout] = lst
    if old_rev != vin:
        thread[old_rev], rev[after] = after, old_rev
    for i in range(nd):
        rev[thread[dirty[i]]] = dirty[i]
    count, tail_last = 0, last[uout]
    u = uout
    p = parent[u]
    while u != uin:
        pred[u], up[u] = pred[p], -up[p]
        count += succ[u] - succ[p]
        succ[u] = count
        last[p] = tail_last
        u = p
        p = parent[u]
    pred[uin] = inarc
    up[uin] = 1 if uin == src[inarc] else -1
    succ[uin] = old_succ
