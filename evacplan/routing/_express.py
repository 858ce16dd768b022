"""Express waits: a TEN's graph with arcs that skip along a place's waits, for max flows.

A push-relabel (OR-Tools' or :mod:`._parametric`'s) labels each copy of a
place with its distance, in arcs, to the sink. Where people queue (a
checkpoint two sources feed, a road narrower than the crowd), the way on
from a copy is a wait of many steps, one arc a step, so labels grow with
the queue's length and every copy is relabelled again each time the queue
grows: the work grows with the square of the horizon. On a network of five
places with two sources and a checkpoint, a max flow at a horizon of 8,722
steps took 2.1 s and one at 17,369 steps 8.0 s.

Waits have room for everyone, so an arc from a copy straight to the copy
``span`` waits later, with that room too, changes no max flow and no min
cut: a cut that does not cut a wait (none of less than everyone's capacity
does) has every later copy of a place on its source side with the first,
so it cuts no express arc either. Express arcs of spans 4, 16, 64, ...
(about a third as many arcs as the waits) make every wait of k steps a path
of O(log k) arcs; the same two max flows took 0.12 s and 0.20 s.

:func:`express_graph` gives the arcs; :meth:`_ExpressGraph.fold` puts the flow
an express arc carries back on the waits it skips.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evacplan.routing._expand import _TEN

BASE = 4
"""The spans of express arcs are the powers of ``BASE`` from ``BASE`` on."""


@dataclass(frozen=True, slots=True)
class _ExpressGraph:
    """The arcs of ``ten.graph()`` (first, in order) and then its express arcs."""

    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    label: np.ndarray
    """Per arc, the step an arc into the sink arrives at (else -1), as :meth:`._expand._TEN.labels`."""
    n_base: int
    """How many arcs ``ten.graph()`` has (the express arcs follow)."""
    first: np.ndarray
    """Per express arc, the first wait it skips (an index among the TEN's arcs)."""
    span: np.ndarray
    """Per express arc, how many consecutive waits it skips."""

    def fold(self, flows: np.ndarray) -> np.ndarray:
        """The flow on each arc of ``ten.graph()``, given one on each of these arcs: what an
        express arc carries goes on each wait it skips.

        Examples
        --------
        One place waits over five steps (four waits, nodes 0 to 4), the sink is node 5 and
        the source node 6; the express arc of span 4 carries 3 people from 0 to 4:

        >>> import numpy as np
        >>> from evacplan.routing._express import _ExpressGraph
        >>> g = _ExpressGraph(
        ...     tail=np.array([0, 1, 2, 3, 4, 6, 0]), head=np.array([1, 2, 3, 4, 5, 0, 4]),
        ...     cap=np.full(7, 9), label=np.array([-1, -1, -1, -1, 4, -1, -1]),
        ...     n_base=6, first=np.array([0]), span=np.array([4]))
        >>> g.fold(np.array([1, 1, 1, 1, 4, 4, 3])).tolist()
        [4, 4, 4, 4, 4, 4]
        """
        base = flows[: self.n_base].astype(np.int64)
        carried = flows[self.n_base :]
        if carried.size and carried.any():
            change = np.zeros(self.n_base + 1, dtype=np.int64)
            np.add.at(change, self.first, carried)
            np.add.at(change, self.first + self.span, -carried)
            base += np.cumsum(change[:-1])
        return base


def long(ten: _TEN, places: int) -> bool:
    """Whether ``ten`` spans more steps than its network has ``places``: few places over many
    steps, where queues are long. Its max flows then take express arcs and OR-Tools (the
    probes of :mod:`._search`), and F(t) is found by raising t
    (:func:`._parametric._rising_flows`). Over many places and fewer steps the push-relabel
    of :mod:`._parametric` is the quicker and express arcs help it not at all (Chicago-Sketch,
    a million people, 702 steps over 933 places: a probe 7.2 s with them, 8.3 s without;
    lowering t after it 4.2 s with them, 2.3 s without)."""
    return ten.horizon > places


def express_graph(ten: _TEN, places: int, *, at_sources: bool = False) -> _ExpressGraph:
    """``ten.graph()``, with express arcs along its waits if the TEN is :func:`long` for a
    network of ``places`` places (see the module's docstring).

    Each run of waits along one place, the head of each the tail of the
    next, gets an arc of span L = ``BASE``, ``BASE``², ... from every L-th
    copy of the run that has L waits after it; with ``at_sources``, only the
    runs of places where people start. That is for a flow to be read as a
    schedule: with express arcs everywhere a max flow had people wait where
    they lead, at the airport for an hour rather than at home. When every
    source's people fit, the flow is quick so too (the port city of
    ``benchmarks/bench_growth.py``, 1,120,000 people over 39,609 steps: the
    whole plan 6.0 s, against 60 s with no express arcs in that flow); a probe
    that falls short keeps them everywhere, its queues being long wherever it
    holds people back.
    """
    tails, heads, caps = ten.graph()
    labels = ten.labels()
    k = ten.n_hold
    w_tail, w_head = ten.tail[:k], ten.head[:k]
    if k < BASE or not long(ten, places):
        return _ExpressGraph(tails, heads, caps, labels, tails.size, *(np.zeros(0, np.int64),) * 2)
    index = np.arange(k, dtype=np.int64)
    begins = np.ones(k, dtype=bool)
    begins[1:] = w_tail[1:] != w_head[:-1]
    run_start = np.flatnonzero(begins)
    run_of = np.cumsum(begins) - 1
    run_len = np.diff(np.append(run_start, k))
    pos = index - run_start[run_of]
    left = run_len[run_of] - pos  # the waits from this one to the run's end
    if at_sources:
        node_run = np.full(ten.n_nodes + 2, -1, dtype=np.int64)
        node_run[w_tail] = run_of
        node_run[w_head] = run_of
        home = np.zeros(run_start.size + 1, dtype=bool)
        home[node_run[ten.src_node[ten.src_node >= 0]]] = True
        home[-1] = False
        left = np.where(home[run_of], left, 0)
    firsts, spans = [], []
    span = BASE
    while span <= int(run_len.max()):
        at = index[(pos % span == 0) & (left >= span)]
        firsts.append(at)
        spans.append(np.full(at.size, span, dtype=np.int64))
        span *= BASE
    first = np.concatenate(firsts) if firsts else np.zeros(0, dtype=np.int64)
    spans_ = np.concatenate(spans) if spans else np.zeros(0, dtype=np.int64)
    return _ExpressGraph(
        tail=np.concatenate([tails, w_tail[first]]),
        head=np.concatenate([heads, w_head[first + spans_ - 1]]),
        cap=np.concatenate([caps, ten.cap[first]]),
        label=np.concatenate([labels, np.full(first.size, -1, dtype=labels.dtype)]),
        n_base=tails.size,
        first=first,
        span=spans_,
    )
