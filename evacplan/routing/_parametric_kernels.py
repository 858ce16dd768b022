"""The compiled loops of :mod:`._parametric`: push-relabel over a residual network.

Imported by :func:`._parametric._kernels` on first use (importing Numba takes
a moment, and compiling these loops a few seconds the first time; Numba then
caches them on disk). Every array is one of :class:`._parametric._Residual`'s
or :class:`._parametric._Run`'s; a node's label is its distance to the sink
in the residual network or less, and ``n`` (the number of nodes) when it
cannot reach the sink.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def take_away(res, rev, to, excess, arcs, labels, taken, t):  # type: ignore[no-untyped-def]
    """Take away the arcs into the sink labelled above ``t`` (``arcs[taken:]``, by label, highest
    first); the flow on each stays at its tail as excess. Returns how many are taken away now."""
    k = taken
    while k < arcs.size and labels[k] > t:
        a = arcs[k]
        b = rev[a]
        flow = res[b]
        res[a] = 0
        res[b] = 0
        if flow > 0:
            excess[to[b]] += flow
            excess[to[a]] -= flow
        k += 1
    return k


@njit(cache=True)
def close(start, to, res, rev, forward, excess, arcs, sink):  # type: ignore[no-untyped-def]
    """Close the residual arcs ``arcs`` (forward ones) under a maximum preflow: each loses its
    capacity, the flow it carried stays at its tail as excess, and as much is taken off the
    flow out of its head, arc by arc down to the sink or to nodes holding excess (which
    give it up first). Returns False if the flow seems to go round in circles (a time-expanded
    network's does not), the state then half-changed."""
    stacks = np.empty((3, start[excess.size] + 1), dtype=np.int64)
    no_log = np.empty((0, 3), dtype=np.int64)
    used = np.zeros(2, dtype=np.int64)
    return _withdraw(start, to, res, rev, forward, excess, arcs, sink, stacks, no_log, used)


@njit(cache=True, inline="always")
def _write(res, excess, log, used, kind, i, value):  # type: ignore[no-untyped-def]
    """Set ``res[i]`` (``kind`` 0) or ``excess[i]`` (1) to ``value``, first writing the old
    value in ``log`` (at ``used[0]``) when there is a log. False when the log is full."""
    if log.shape[0] > 0:
        k = used[0]
        if k == log.shape[0]:
            return False
        log[k, 0], log[k, 1] = kind, i
        log[k, 2] = res[i] if kind == 0 else excess[i]
        used[0] = k + 1
    if kind == 0:
        res[i] = value
    else:
        excess[i] = value
    return True


@njit(cache=True)
def _withdraw(start, to, res, rev, forward, excess, arcs, sink, stacks, log, used):  # type: ignore[no-untyped-def]
    """:func:`close`'s work, every change written in ``log`` first when it has room (see
    :func:`_write`). ``stacks``: three rows of one entry per residual arc and one more, the
    first two scratch, the third given the nodes whose flow out was lowered (``used[1]`` of
    them). False if the flow seems to go round in circles, or the log is full."""
    stack_node, stack_amount, walked = stacks[0], stacks[1], stacks[2]
    room = stack_node.size
    budget = 4 * room
    for a in arcs:
        b = rev[a]
        flow = res[b]
        ok = _write(res, excess, log, used, 0, a, 0) and _write(res, excess, log, used, 0, b, 0)
        if not ok:
            return False
        if flow == 0:
            continue
        tail = to[b]
        if not _write(res, excess, log, used, 1, tail, excess[tail] + flow):
            return False
        stack_node[0] = to[a]
        stack_amount[0] = flow
        depth = 1
        while depth > 0:
            depth -= 1
            v, owed = stack_node[depth], stack_amount[depth]
            budget -= 1
            if budget < 0:
                return False
            if v == sink:
                if not _write(res, excess, log, used, 1, sink, excess[sink] - owed):
                    return False
                continue
            given = min(owed, excess[v])
            if given > 0 and not _write(res, excess, log, used, 1, v, excess[v] - given):
                return False
            owed -= given
            if owed > 0 and used[1] < room:
                walked[used[1]] = v
                used[1] += 1
            e = start[v]
            while owed > 0 and e < start[v + 1]:
                carried = res[rev[e]]
                if forward[e] and carried > 0:
                    back = min(owed, carried)
                    ok = _write(res, excess, log, used, 0, rev[e], carried - back)
                    if not (ok and _write(res, excess, log, used, 0, e, res[e] + back)):
                        return False
                    owed -= back
                    if depth == room:
                        return False
                    stack_node[depth] = to[e]
                    stack_amount[depth] = back
                    depth += 1
                e += 1
            if owed > 0:
                return False
    return True


@njit(cache=True)
def reroute(start, to, res, rev, forward, excess, label, arcs, ends, scratch, log):  # type: ignore[no-untyped-def]
    """Whether the flow over the residual arcs ``arcs`` (forward ones), under a maximum
    preflow, can be sent other ways without lowering the flow into the sink: :func:`close`
    them, then send what the sink lost along residual paths from nodes holding excess.
    Every change is written in ``log`` and undone before returning, so the state is left as
    it was. True proves the network without the arcs has as great a max flow.

    Only two kinds of node can have a way to the sink now that had none: the closed arcs'
    tails (they hold what the arcs carried) and nodes with a way to one whose arcs out
    gained room (those :func:`_withdraw` lowered the flow out of, and those on the paths
    sent along). The search is from the tails first; when the sink cannot be reached from
    them, from them and the nodes holding excess found searching back from the others.
    So with no limit on the searches, False proves the max flow lower; each search gives
    up past ``ends[2]`` nodes (False then proves nothing).

    ``ends`` holds the sink, the source, the searches' limit, and a stamp (raised by each
    search); ``label`` the run's labels, which guide the search; ``scratch`` nine rows of
    one entry per residual arc or node (whichever are more) and one more: two for :func:`_withdraw`'s stacks, the nodes
    whose arcs out gained room, each node's stamp, its arc from the search, the queue, the
    nodes a search starts from, and the search's lists by label (the first of each, all -1
    between searches; the next of each node).
    """
    sink = ends[0]
    used = np.zeros(2, dtype=np.int64)
    before = excess[sink]
    ok = _withdraw(start, to, res, rev, forward, excess, arcs, sink, scratch[:3], log, used)
    walked, seen, via, queue, sources = scratch[2], scratch[3], scratch[4], scratch[5], scratch[6]
    while ok and excess[sink] < before:
        count = 0
        for a in arcs:
            u = to[rev[a]]
            if excess[u] > 0:
                sources[count] = u
                count += 1
        found = _search(start, to, res, excess, label, ends, sources, count, scratch)
        if not found:
            count = _upstream(
                start, to, res, rev, excess, ends, walked, used[1], sources, count, seen, queue
            )
            found = _search(start, to, res, excess, label, ends, sources, count, scratch)
        if not found:
            ok = False
            break
        ok = _augment(res, rev, to, excess, log, used, via, sink, before - excess[sink], walked)
    for k in range(used[0] - 1, -1, -1):
        if log[k, 0] == 0:
            res[log[k, 1]] = log[k, 2]
        else:
            excess[log[k, 1]] = log[k, 2]
    return ok


@njit(cache=True)
def _search(start, to, res, excess, label, ends, sources, count, scratch):  # type: ignore[no-untyped-def]
    """A search over residual arcs from ``sources[:count]`` (those holding excess) to the sink,
    never through the source, nearest the sink first by the run's labels (so that along
    labels that are distances it walks straight there), giving up past ``ends[2]`` nodes.
    Each node reached gets the arc it was reached by (-1 where it started) in ``scratch[4]``.
    Whether the sink was reached."""
    n = label.size
    sink, source, limit = ends[0], ends[1], ends[2]
    seen, via, order, first, after = scratch[3], scratch[4], scratch[5], scratch[7], scratch[8]
    ends[3] += 1
    stamp = ends[3]
    size = 0
    low = n
    for i in range(count):
        u = sources[i]
        if excess[u] > 0 and seen[u] != stamp:
            seen[u] = stamp
            via[u] = -1
            order[size] = u
            size += 1
            after[u] = first[label[u]]
            first[label[u]] = u
            low = min(low, label[u])
    while seen[sink] != stamp and size < limit:
        while low < n and first[low] < 0:
            low += 1
        x = first[low]
        if x < 0:
            break
        first[low] = after[x]
        for e in range(start[x], start[x + 1]):
            y = to[e]
            if res[e] > 0 and seen[y] != stamp and y != source:
                seen[y] = stamp
                via[y] = e
                order[size] = y
                size += 1
                after[y] = first[label[y]]
                first[label[y]] = y
                low = min(low, label[y])
    for i in range(size):
        first[label[order[i]]] = -1
    return seen[sink] == stamp


@njit(cache=True)
def _upstream(start, to, res, rev, excess, ends, walked, n_walked, sources, count, seen, queue):  # type: ignore[no-untyped-def]
    """Add to ``sources[:count]`` the nodes holding excess that have a residual path to one of
    ``walked[:n_walked]``, found searching back from them (at most ``ends[2]`` nodes, never
    through the sink or the source). Returns the new count."""
    sink, source, limit = ends[0], ends[1], ends[2]
    ends[3] += 1
    stamp = ends[3]
    size = 0
    for i in range(n_walked):
        v = walked[i]
        if seen[v] != stamp:
            seen[v] = stamp
            queue[size] = v
            size += 1
    head = 0
    while head < size and size < limit:
        y = queue[head]
        head += 1
        if excess[y] > 0 and count < sources.size:
            sources[count] = y
            count += 1
        for e in range(start[y], start[y + 1]):
            x = to[e]
            if res[rev[e]] > 0 and seen[x] != stamp and x != sink and x != source:
                seen[x] = stamp
                queue[size] = x
                size += 1
    return count


@njit(cache=True)
def _augment(res, rev, to, excess, log, used, via, sink, owed, walked):  # type: ignore[no-untyped-def]
    """Send along the path :func:`_search` found (``via``, back from the sink) as much as it
    has room for, its start holds and the sink is ``owed``, writing the changes in ``log``
    and the path's nodes after ``walked[:used[1]]`` (their arcs back gain room). False when
    the log is full."""
    push = owed
    y = sink
    while via[y] >= 0:
        push = min(push, res[via[y]])
        y = to[rev[via[y]]]
    push = min(push, excess[y])
    ok = _write(res, excess, log, used, 1, y, excess[y] - push)
    y = sink
    while ok and via[y] >= 0:
        e = via[y]
        ok = _write(res, excess, log, used, 0, e, res[e] - push)
        ok = ok and _write(res, excess, log, used, 0, rev[e], res[rev[e]] + push)
        y = to[rev[e]]
        if used[1] < walked.size:
            walked[used[1]] = y
            used[1] += 1
    return ok and _write(res, excess, log, used, 1, sink, excess[sink] + push)


@njit(cache=True)
def saturate(start, to, res, rev, excess, source):  # type: ignore[no-untyped-def]
    """Send all the source's arcs can carry to their heads."""
    for a in range(start[source], start[source + 1]):
        if res[a] > 0:
            excess[to[a]] += res[a]
            res[rev[a]] += res[a]
            res[a] = 0


@njit(cache=True)
def distances(start, to, res, rev, label, sink):  # type: ignore[no-untyped-def]
    """Each node's distance to the sink in the residual network (``label.size`` if it has none),
    by a breadth-first search back from the sink."""
    n = label.size
    label[:] = n
    label[sink] = 0
    queue = np.empty(n, dtype=np.int64)
    queue[0] = sink
    head, tail = 0, 1
    while head < tail:
        x = queue[head]
        head += 1
        dx = label[x] + 1
        for a in range(start[x], start[x + 1]):
            y = to[a]
            if label[y] == n and res[rev[a]] > 0:
                label[y] = dx
                queue[tail] = y
                tail += 1


@njit(cache=True)
def source_side(start, to, res, excess, source, sink, side):  # type: ignore[no-untyped-def]
    """Mark in ``side`` the source side of the min cut nearest the sources, under a maximum
    preflow: what the source and the nodes holding excess reach in the residual network.
    (No arc leaves it with room; none enters it with flow; all excess is inside it, so what
    crosses it is the flow into the sink. It is the side OR-Tools' max flow gives.)"""
    n = excess.size
    side[:] = False
    queue = np.empty(n, dtype=np.int64)
    tail = 0
    for v in range(n):
        if (v == source or excess[v] > 0) and v != sink:
            side[v] = True
            queue[tail] = v
            tail += 1
    head = 0
    while head < tail:
        x = queue[head]
        head += 1
        for a in range(start[x], start[x + 1]):
            y = to[a]
            if not side[y] and res[a] > 0:
                side[y] = True
                queue[tail] = y
                tail += 1


@njit(cache=True)
def _buckets(excess, label, sink, skip, nxt, first, filed):  # type: ignore[no-untyped-def]
    """File every active node (excess, a label below n, not the sink nor ``skip``) under its
    label, marking it in ``filed``. Returns the highest label filed (-1 if none)."""
    n = label.size
    first[:] = -1
    filed[:] = False
    top = -1
    for v in range(n):
        if excess[v] > 0 and label[v] < n and v != sink and v != skip:
            filed[v] = True
            nxt[v] = first[label[v]]
            first[label[v]] = v
            if label[v] > top:
                top = label[v]
    return top


@njit(cache=True, inline="always")
def _link(v, d, levels):  # type: ignore[no-untyped-def]
    """Put node ``v`` in the list of label ``d`` (``levels``: heads, then next, then previous)."""
    lhead, lnext, lprev = levels
    h = lhead[d]
    lnext[v] = h
    lprev[v] = -1
    if h >= 0:
        lprev[h] = v
    lhead[d] = v


@njit(cache=True, inline="always")
def _unlink(v, d, levels):  # type: ignore[no-untyped-def]
    """Take node ``v`` out of the list of label ``d``."""
    lhead, lnext, lprev = levels
    p, q = lprev[v], lnext[v]
    if p >= 0:
        lnext[p] = q
    else:
        lhead[d] = q
    if q >= 0:
        lprev[q] = p


@njit(cache=True)
def _list_all(label, levels):  # type: ignore[no-untyped-def]
    """Every node with a label below n in its label's list. Returns the highest label."""
    n = label.size
    levels[0][:] = -1
    top = 0
    for v in range(n):
        if label[v] < n:
            _link(v, label[v], levels)
            top = max(top, label[v])
    return top


@njit(cache=True)
def _relabel(start, to, res, label, levels, u, top):  # type: ignore[no-untyped-def]
    """Lift ``u`` to one above its lowest residual neighbour, n when it has none or when its
    label is left empty (a gap: then every node above it is cut off from the sink, and lifted
    to n too). ``top`` is the highest label in use; returns ``u``'s new label and the new top."""
    n = label.size
    old = label[u]
    best = n
    for b in range(start[u], start[u + 1]):
        if res[b] > 0 and label[to[b]] + 1 < best:
            best = label[to[b]] + 1
    _unlink(u, old, levels)
    if levels[0][old] < 0:
        for d in range(old + 1, top + 1):
            v = levels[0][d]
            while v >= 0:
                label[v] = n
                v = levels[1][v]
            levels[0][d] = -1
        top = old - 1
        best = n
    if best < n:
        _link(u, best, levels)
        top = max(top, best)
    label[u] = best
    return best, top


@njit(cache=True)
def run(
    start, to, res, rev, excess, label, ends, sink_arcs, sink_label, taken, steps, values, side
):  # type: ignore[no-untyped-def]
    """F(t) for t from ``steps[0]`` down to ``steps[1]``, into ``values`` (highest t last).

    At each t the arcs into the sink labelled above it are taken away (their
    flow stays at their tails) and the excess is pushed towards the sink
    (:func:`_discharge`); the flow into the sink is then F(t). ``ends`` holds
    the sink and the source (-1: none; never active). The labels are
    recomputed at the start when ``ends[5]`` is not 0 (any may be stale; else
    they are valid, as a run leaves them) and after relabelling work of
    ``ends[3]`` n + ``ends[4]`` m. With ``ends[2]`` at 0 or more, ``side``
    (one entry per node) is set to the source side of a min cut at the first
    t with F(t) below ``ends[2]`` (:func:`source_side`). Returns how many arcs
    into the sink are taken away.
    """
    sink, source = ends[0], ends[1]
    state = _state(start, to, res, rev, excess, label, ends, ends[5] != 0)
    for t in range(steps[0], steps[1] - 1, -1):
        k = taken
        taken = take_away(res, rev, to, excess, sink_arcs, sink_label, taken, t)
        for i in range(k, taken):
            _file(state, label, to[rev[sink_arcs[i]]], sink, source, excess)
        _discharge(start, to, res, rev, excess, label, ends, state)
        values[steps[0] - t] = excess[sink]
        if excess[sink] < ends[2]:
            source_side(start, to, res, excess, source, sink, side)
            ends[2] = -1  # (once: the greatest such t)
    return taken


@njit(cache=True)
def rise(start, to, res, rev, excess, label, ends, arcs, caps, labels, steps, values):  # type: ignore[no-untyped-def]
    """F(t) for t from ``steps[0]`` up to ``steps[1]``, into ``values`` (lowest t first), over
    the *reversed* network: ``ends`` holds its sink (the people's source) and its source
    (their sink), then :func:`run`'s ``ends[3:]``. ``arcs`` (forward residual arcs out of
    the source, closed: no room) are opened at their ``labels`` (ascending) with their
    ``caps``, each sending all it carries to its head, and the excess is pushed towards
    the sink (:func:`_discharge`); the flow into the sink is then F(t).

    Opening arcs out of the source keeps every label valid (Gallo, Grigoriadis and Tarjan's
    parametric flow, source side), so one run costs about one max flow.
    """
    sink, source = ends[0], ends[1]
    state = _state(start, to, res, rev, excess, label, ends, True)
    k = 0
    for t in range(steps[0], steps[1] + 1):
        while k < arcs.size and labels[k] <= t:
            v = to[arcs[k]]
            res[rev[arcs[k]]] += caps[k]
            excess[v] += caps[k]
            excess[source] -= caps[k]
            _file(state, label, v, sink, source, excess)
            k += 1
        _discharge(start, to, res, rev, excess, label, ends, state)
        values[t - steps[0]] = excess[sink]


@njit(cache=True)
def _state(start, to, res, rev, excess, label, ends, fresh):  # type: ignore[no-untyped-def]
    """A push-relabel's working state: the active nodes by label (``nxt``, ``first``,
    ``filed``), every node by label (``levels``), each node's current arc (``cur``), and
    ``counts``: the highest label in use, the highest filed, the relabelling work since the
    last global relabelling, and its budget. The labels are found afresh when ``fresh``
    (else kept: they are valid); the active nodes are filed."""
    n = label.size
    nxt = np.empty(n, dtype=np.int64)
    first = np.empty(n + 1, dtype=np.int64)
    filed = np.zeros(n, dtype=np.bool_)
    levels = (
        np.empty(n + 1, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n, dtype=np.int64),
    )
    used, top = _relabel_all(
        start, to, res, rev, excess, label, ends, levels, nxt, first, filed, fresh
    )
    counts = np.array([used, top, 0, ends[3] * n + ends[4] * start[n] // 2], dtype=np.int64)
    return nxt, first, filed, levels, start[:-1].copy(), counts


@njit(cache=True, inline="always")
def _file(state, label, v, sink, source, excess):  # type: ignore[no-untyped-def]
    """File ``v`` as active, if it holds excess it may push."""
    nxt, first, filed, _, _, counts = state
    n = label.size
    if excess[v] > 0 and label[v] < n and v != source and v != sink and not filed[v]:
        filed[v] = True
        nxt[v] = first[label[v]]
        first[label[v]] = v
        counts[1] = max(counts[1], label[v])


@njit(cache=True)
def _discharge(start, to, res, rev, excess, label, ends, state):  # type: ignore[no-untyped-def]
    """Push the active nodes' excess towards the sink, highest label first, until no node
    can push more: relabel a node that cannot push, and find every label afresh after
    relabelling work of the budget (see :func:`_state`)."""
    nxt, first, filed, levels, cur, counts = state
    sink, source = ends[0], ends[1]
    n = label.size
    used, top, work, budget = counts[0], counts[1], counts[2], counts[3]
    while top >= 0:
        u = first[top]
        if u < 0:
            top -= 1
            continue
        first[top] = nxt[u]
        filed[u] = False
        if label[u] != top or excess[u] == 0:
            continue  # lifted by a gap since it was filed, or drained
        du = label[u]
        a = cur[u]
        end = start[u + 1]
        hi = -1
        while du < n:
            if a == end:
                work += end - start[u] + 12
                du, used = _relabel(start, to, res, label, levels, u, used)
                a = start[u]
                continue
            y = to[a]
            if res[a] > 0 and label[y] + 1 == du:
                delta = min(excess[u], res[a])
                if not filed[y] and y != sink and y != source:
                    filed[y] = True
                    nxt[y] = first[du - 1]
                    first[du - 1] = y
                    hi = max(hi, du - 1)
                res[a] -= delta
                res[rev[a]] += delta
                excess[u] -= delta
                excess[y] += delta
                if excess[u] == 0:
                    break
            a += 1
        cur[u] = a
        top = max(top, hi)
        if excess[u] > 0 and label[u] < n:
            filed[u] = True
            nxt[u] = first[label[u]]
            first[label[u]] = u
            top = max(top, label[u])
        if work > budget:
            work = 0
            cur[:] = start[:-1]
            used, top = _relabel_all(
                start, to, res, rev, excess, label, ends, levels, nxt, first, filed, True
            )
    counts[0], counts[1], counts[2] = used, top, work


@njit(cache=True)
def _relabel_all(start, to, res, rev, excess, label, ends, levels, nxt, first, filed, fresh):  # type: ignore[no-untyped-def]
    """With ``fresh``, every label its distance to the sink (else the labels are kept: they
    are valid); then the source's n, each node in its label's list, and the active nodes
    filed. Returns the highest label in use and the highest filed."""
    n = label.size
    sink, source = ends[0], ends[1]
    if fresh:
        distances(start, to, res, rev, label, sink)
    if source >= 0:
        label[source] = n
    return _list_all(label, levels), _buckets(excess, label, sink, source, nxt, first, filed)
