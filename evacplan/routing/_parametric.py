"""F(t) for every horizon in one parametric max flow (push-relabel, compiled with Numba).

The divide and conquer of :func:`._maxflow._prefix_flows` solves about
log2(range) max flows over the whole time-expanded network. Here one
push-relabel run settles every t instead (Gallo, Grigoriadis and Tarjan,
"A fast parametric maximum flow algorithm", SIAM J. Comput. 18, 1989): it
solves the max flow at the range's last t, then lowers t a step at a time.
Lowering t takes away the arcs into the sink labelled t + 1; the flow they
carried stays at their tails as excess, and the push-relabel goes on from
the flow and the distance labels it has, since taking arcs away never makes
a label invalid. After each step the flow into the sink is a maximum
preflow, so it is F(t). Labels only grow, so all the steps together cost
about what one max flow does: on Chicago-Sketch with a million people
(2.56 million arcs, 697 steps) 5.5 to 7 s, where the divide and conquer took
38 s and one OR-Tools max flow at the last step 6.5 to 7 s.

The push-relabel is the textbook one (Goldberg and Tarjan, J. ACM 35, 1988)
with the heuristics that make it fast (Cherkassky and Goldberg, Algorithmica
19, 1997): the highest active label first, a global relabelling by a
breadth-first search from the sink after relabelling work of about the size
of the network, and the gap heuristic (a label no node holds any longer
cuts every node above it off from the sink). Nodes cut off keep their
excess: only the flow into the sink is asked for.

:func:`_parametric_flows` is the entry; with ``cut_below`` it also returns
the source side of a min cut at the greatest t with F(t) below that many
people (what :func:`._objectives._earliest_arrival` names as bottlenecks).
:class:`_Run` is the state itself: stopped at the max flow at the last t
(a probe of the search for T*), it goes on later (the earliest-arrival
flow); copied (:meth:`_Run.copy`) with arcs closed under its flow
(:meth:`_Run.close`), it gives a closure analysis's cases from the
baseline's max flow.

Numba is imported on first use; :data:`AVAILABLE` says whether it can be.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, replace
from functools import cache
from typing import Any

import numpy as np

AVAILABLE = importlib.util.find_spec("numba") is not None
"""Whether Numba is installed (else :func:`._maxflow._prefix_flows` divides and conquers)."""

MIN_ARCS = 100_000
"""Networks of this many arcs or more take the parametric max flow; smaller ones the divide
and conquer of OR-Tools max flows, which is as fast there and compiles nothing (Chicago-Sketch,
155,201 arcs: 41 ms against 54 ms; 301,189 arcs: 0.60 s against 0.75 s)."""

_ALPHA, _BETA = 1, 1
"""A global relabelling after relabelling work of ``_ALPHA`` n + ``_BETA`` m (n nodes, m
arcs). Measured on Chicago-Sketch (F(t) at 10,000 to 1,000,000 people, and N-1's cases at
10,000): from n/4 + m/4 to 8 n + 4 m all lie within the machine's noise, fewer relabellings
(16 m) are slower by a third, none at all (only the first) several times slower."""


@dataclass(slots=True)
class _Residual:
    """A network as residual arcs grouped by tail (compressed rows), each with its twin."""

    start: np.ndarray
    """Per node, where its arcs begin (n + 1 entries)."""
    to: np.ndarray
    res: np.ndarray
    """Per residual arc, its head and the capacity left."""
    rev: np.ndarray
    """Per residual arc, its twin (the other direction)."""
    pos: np.ndarray
    """Per arc of the input, its forward residual arc."""
    forward: np.ndarray
    """Per residual arc, whether it is an input arc's forward one (else a twin)."""


def _residual(tail: np.ndarray, head: np.ndarray, cap: np.ndarray, n: int) -> _Residual:
    """The residual network of arcs (``tail``, ``head``, ``cap``) over nodes 0..n-1, no flow."""
    m = tail.size
    frm = np.concatenate([tail, head]).astype(np.int64)
    order = np.argsort(frm, kind="stable")
    where = np.empty(2 * m, dtype=np.int64)
    where[order] = np.arange(2 * m)
    rev = np.concatenate([where[m:], where[:m]])[order]
    to = np.concatenate([head, tail])[order].astype(np.int32)
    res = np.concatenate([cap.astype(np.int64), np.zeros(m, dtype=np.int64)])[order]
    start = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(frm, minlength=n), out=start[1:])
    forward = np.zeros(2 * m, dtype=bool)
    forward[where[:m]] = True
    return _Residual(start, to, res, rev.astype(np.int64), where[:m], forward)


def _parametric_flows(
    tail: np.ndarray,
    head: np.ndarray,
    cap: np.ndarray,
    label: np.ndarray,
    sink: int,
    source: int,
    t_lo: int,
    t_hi: int,
    cut_below: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """F(t), the max flow from ``source`` into sink arcs labelled <= t, for t_lo <= t <= t_hi.

    The arcs are those of :func:`._maxflow._prefix_flows`: ``label`` gives each
    arc into the sink the first t it counts at. With ``cut_below``, also the
    source side (a boolean mask over the nodes) of a min cut at the greatest t
    with F(t) < ``cut_below``, None if there is none in the range.

    Examples
    --------
    Two people at the source (node 0) go to node 1, whose two ways to safety (the
    sink, node 3) take one each and arrive at steps 1 and 2; node 2's way, at
    step 3, nobody reaches:

    >>> import numpy as np
    >>> tail, head = np.array([0, 1, 1, 2]), np.array([1, 3, 3, 3])
    >>> cap, label = np.array([2, 1, 1, 5]), np.array([-1, 1, 2, 3])
    >>> values, _ = _parametric_flows(tail, head, cap, label, 3, 0, 0, 3)
    >>> values.tolist()
    [0, 1, 2, 2]
    """
    run = _Run.start(tail, head, cap, label, sink, source)
    return run.lower(t_hi, t_lo, cut_below)


def _rising_flows(
    tail: np.ndarray,
    head: np.ndarray,
    cap: np.ndarray,
    label: np.ndarray,
    sink: int,
    source: int,
    t_lo: int,
    t_hi: int,
) -> np.ndarray:
    """F(t) as :func:`_parametric_flows` gives it, by a push-relabel over the reversed network
    that raises t instead: the arcs into the sink are opened a step at a time, and what they
    let in is pushed back to the sources.

    Lowering t strands the flow that arrived at t + 1 at its tails, where the labels still
    say the sink is near; over a few places and many steps (a queue thousands of steps
    long) the push-relabel then wanders among such copies until a global relabelling, and
    the work grows with the square of the horizon (on five places with two sources and a
    checkpoint, 2.6 s at 11,562 steps, 11.4 s at 23,042). Raising t, what a step lets in
    goes back along the queue to people not yet served, whose labels stay true: 0.17 s and
    0.43 s. Over many places and fewer steps lowering is the quicker (Chicago-Sketch, a
    million people, 702 steps: raising 6.1 s over express waits and 46 s without them,
    lowering 2.3 s after the probe without them).

    Examples
    --------
    The network of :func:`_parametric_flows`' example:

    >>> import numpy as np
    >>> tail, head = np.array([0, 1, 1, 2]), np.array([1, 3, 3, 3])
    >>> cap, label = np.array([2, 1, 1, 5]), np.array([-1, 1, 2, 3])
    >>> _rising_flows(tail, head, cap, label, 3, 0, 0, 3).tolist()
    [0, 1, 2, 2]
    """
    n = _nodes(tail, head, sink, source)
    into = np.flatnonzero(head == sink)
    into = into[np.argsort(label[into], kind="stable")]
    closed = cap.astype(np.int64)
    closed[into] = 0
    net = _residual(head, tail, closed, n)  # (reversed: the people's sink is its source)
    values = np.zeros(t_hi - t_lo + 1, dtype=np.int64)
    ends = np.array([source, sink, -1, _ALPHA, _BETA, 1], dtype=np.int64)
    _kernels().rise(
        net.start,
        net.to,
        net.res,
        net.rev,
        np.zeros(n, dtype=np.int64),
        np.zeros(n, dtype=np.int64),
        ends,
        net.pos[into],
        cap[into].astype(np.int64),
        label[into].astype(np.int64),
        np.array([t_lo, t_hi], dtype=np.int64),
        values,
    )
    return values


@dataclass(slots=True)
class _Run:
    """A push-relabel's state over a network: its residual arcs, each node's excess and label,
    and the arcs into the sink taken away so far."""

    net: _Residual
    excess: np.ndarray
    label: np.ndarray
    ends: tuple[int, int]
    """The sink and the source."""
    sink_arcs: np.ndarray
    """The residual arcs into the sink, by label, highest first..."""
    sink_label: np.ndarray
    """...and their labels."""
    taken: int = 0
    """How many of them are taken away (the first ``taken``)."""

    @classmethod
    def start(
        cls,
        tail: np.ndarray,
        head: np.ndarray,
        cap: np.ndarray,
        label: np.ndarray,
        sink: int,
        source: int,
    ) -> _Run:
        """No flow yet but the source's arcs saturated."""
        n = _nodes(tail, head, sink, source)
        net = _residual(tail, head, cap, n)
        excess = np.zeros(n, dtype=np.int64)
        _kernels().saturate(net.start, net.to, net.res, net.rev, excess, source)
        into = np.flatnonzero(head == sink)
        order = np.argsort(-label[into], kind="stable")
        return cls(
            net,
            excess,
            np.zeros(n, dtype=np.int64),
            (sink, source),
            net.pos[into[order]],
            label[into[order]].astype(np.int64),
        )

    def lower(
        self, t_hi: int, t_lo: int, cut_below: int | None = None, *, fresh: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """F(t) for t from ``t_hi`` down to ``t_lo`` (the flow is left at ``t_lo``'s), and the
        source side of a min cut at the first t with F(t) < ``cut_below`` (see
        :func:`_parametric_flows`). The labels are found afresh first, unless ``fresh`` is
        False: a run that lowers t again from where its last :meth:`lower` left it has
        valid labels (taking arcs away never makes one invalid), and skips the search."""
        net = self.net
        values = np.zeros(t_hi - t_lo + 1, dtype=np.int64)
        side = np.zeros(self.label.size, dtype=np.bool_)
        ends = np.array(
            [*self.ends, -1 if cut_below is None else cut_below, _ALPHA, _BETA, fresh],
            dtype=np.int64,
        )
        self.taken = _kernels().run(
            net.start,
            net.to,
            net.res,
            net.rev,
            self.excess,
            self.label,
            ends,
            self.sink_arcs,
            self.sink_label,
            self.taken,
            np.array([t_hi, t_lo], dtype=np.int64),
            values,
            side,
        )
        cut = side if cut_below is not None and ends[2] < 0 else None
        return values[::-1].copy(), cut

    def drop(self) -> None:
        """Let go of the residual network (the run is done with)."""
        empty = np.zeros(0, dtype=np.int64)
        self.net = _Residual(empty, empty, empty, empty, empty, empty.astype(bool))

    def copy(self) -> _Run:
        """The same state, to change apart (the network's fixed arrays shared)."""
        net = self.net
        return _Run(
            replace(net, res=net.res.copy()),
            self.excess.copy(),
            self.label.copy(),
            self.ends,
            self.sink_arcs,
            self.sink_label,
            self.taken,
        )

    def close(self, arcs: np.ndarray) -> bool:
        """Close the input's ``arcs`` at the flow held now (a maximum preflow): what they carried
        is taken back, so that :meth:`lower` goes on from a preflow of the network without them.
        False if that could not be done (the state is then to be thrown away)."""
        net = self.net
        return bool(
            _kernels().close(
                net.start,
                net.to,
                net.res,
                net.rev,
                net.forward,
                self.excess,
                net.pos[arcs],
                self.ends[0],
            )
        )

    def reroutes(self, arcs: np.ndarray, search: _Search) -> bool:
        """Whether the flow the input's ``arcs`` carry now (a maximum preflow at some t) can be
        sent other ways, the flow into the sink kept: if so the network without them has as
        great a max flow at that t (closing never adds a way, so the same). The state is left
        as it was; ``search`` is the scratch the search works in (:class:`_Search`).

        The arcs are closed as :meth:`close` does, then what the sink lost is sent along
        residual paths from their tails or from people held upstream, each search led by the
        labels and giving up past the nodes ``search`` allows (False then, as when the sink
        cannot have it all back: a lower max flow, or a way too far to look for; :meth:`lower`
        over a copy settles which). With no limit False proves a lower max flow.
        """
        net = self.net
        ends = search.ends
        ends[:2] = self.ends
        return bool(
            _kernels().reroute(
                net.start,
                net.to,
                net.res,
                net.rev,
                net.forward,
                self.excess,
                self.label,
                net.pos[arcs],
                ends,
                search.scratch,
                search.log,
            )
        )

    def value(self) -> int:
        """The flow into the sink now."""
        return int(self.excess[self.ends[0]])


@dataclass(frozen=True, slots=True)
class _Search:
    """The scratch :meth:`_Run.reroutes` works in, made once for many calls over one network."""

    ends: np.ndarray
    """The sink, the source, the most nodes a search may reach, and the last search's stamp."""
    scratch: np.ndarray
    """Nine rows of one entry per residual arc or node, whichever are more, and one more."""
    log: np.ndarray
    """The changes to undo: (0 a residual arc's room, 1 a node's excess; which; old value)."""

    @classmethod
    def over(cls, run: _Run, limit: int, log: int = 1 << 18) -> _Search:
        """Scratch for searches over ``run``'s network that reach at most ``limit`` nodes, and
        undo at most ``log`` changes (a search that needs more gives up)."""
        ends = np.array([*run.ends, limit, 0], dtype=np.int64)
        scratch = np.zeros((9, max(run.net.to.size, run.label.size) + 1), dtype=np.int64)
        scratch[7] = -1
        return cls(ends, scratch, np.empty((log, 3), dtype=np.int64))


def _nodes(tail: np.ndarray, head: np.ndarray, *ends: int) -> int:
    """How many nodes arcs (``tail``, ``head``) and ``ends`` (the sink, the source) span: the
    highest node named, plus one."""
    return max(int(tail.max(initial=0)), int(head.max(initial=0)), *ends) + 1


def applies(arcs: int) -> bool:
    """Whether a network of ``arcs`` arcs takes the push-relabel here (see :data:`MIN_ARCS`)."""
    return AVAILABLE and arcs >= MIN_ARCS


def _source_side(run: _Run) -> np.ndarray:
    """The source side of the min cut nearest the sources now (the flow into the sink being a
    maximum preflow), as a mask over the nodes."""
    net, (sink, source) = run.net, run.ends
    side = np.zeros(run.label.size, dtype=np.bool_)
    _kernels().source_side(net.start, net.to, net.res, run.excess, source, sink, side)
    return side


@cache
def _kernels() -> Any:
    """The compiled loops (Numba compiles them on first use and caches them on disk)."""
    from evacplan.routing import _parametric_kernels

    return _parametric_kernels
