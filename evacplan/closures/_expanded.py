"""The baseline's time-expanded network as arrays, its F(t), and each case's F(t) with its
arcs closed: alone, or all cases together in one pass down the baseline's steps.

Made and asked by :class:`._flows._Prefix` (whose docstring says when and why
a case's figures follow from F(t)); F(t) comes from
:func:`evacplan.routing._maxflow._flows_by_step`, or on a large network from
the push-relabel of :mod:`evacplan.routing._parametric`, each case going on
from the baseline's max preflow with what its closed arcs carried taken back.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from evacplan.routing import _parametric as parametric
from evacplan.routing._compile import _Net
from evacplan.routing._express import express_graph, long
from evacplan.routing._maxflow import _flows_by_step
from evacplan.routing._search import _Splittable

REROUTE = True
"""False lowers every case whose closed arcs carry flow by the push-relabel from the greatest
step they do, without looking for other ways first (to compare the two)."""

SEARCH_NODES = 4_096
"""The most nodes a search for another way may reach (or 1/64 of the network's, if more)."""


@dataclass(frozen=True, slots=True)
class _Expanded:
    """The baseline's time-expanded network to a horizon, as arrays, and its F(t)."""

    tail: np.ndarray
    head: np.ndarray
    cap: np.ndarray
    label: np.ndarray
    """Per arc into the sink, its arrival step (else -1)."""
    ends: tuple[int, int]
    """The sink and the source."""
    ready: np.ndarray
    """Per node, the earliest step anyone there could be safe."""
    group_arcs: np.ndarray
    """The move arcs by link group..."""
    group_start: np.ndarray
    """...group g's from ``group_start[g]`` to ``group_start[g + 1]``."""
    arc_step: np.ndarray
    """Per move arc, its departure step (else -1)."""
    t_lo: int
    horizon: int
    values: np.ndarray
    """F(t) for t from ``t_lo`` to ``horizon``."""
    warm: parametric._Run | None = None
    """On a large network, the push-relabel at its max flow at ``horizon``
    (:mod:`evacplan.routing._parametric`): each case goes on from it with its arcs closed."""
    rising: bool = False
    """On a long network (more steps than places: :func:`evacplan.routing._express.long`), the
    arcs include express waits and every F(t) is found by raising t, as the plan's own is."""

    @classmethod
    def of(cls, net: _Net, sources: _Splittable, horizon: int) -> _Expanded | None:
        """The TEN of ``sources`` to ``horizon`` and F(t) over it (None if nobody arrives)."""
        ten = sources.ten(horizon)
        rising = long(ten, net.n)
        if rising:  # (express waits, and no push-relabel lowered step by step over the queues)
            g = express_graph(ten, net.n)
            tail, head, cap, label = g.tail, g.head, g.cap, g.label
        else:
            tail, head, cap = ten.graph()
            label = ten.labels()
        into = head == ten.sink
        if not into.any():
            return None
        t_lo = int(label[into].min())
        warm = None
        if rising:
            values = _f_of_t(tail, head, cap, label, (ten.sink, ten.source), (t_lo, horizon))
        elif parametric.applies(tail.size):
            run = parametric._Run.start(tail, head, cap, label, ten.sink, ten.source)
            run.lower(horizon, horizon)
            warm = run.copy()
            values, _ = run.lower(horizon, t_lo)
        else:
            values, _ = _flows_by_step(
                tail, head, cap, label, (ten.sink, ten.source), (t_lo, horizon), ten.ready
            )
        move_group = net.k_group[ten.m_tpl]
        order = np.argsort(move_group, kind="stable")
        group_start = np.searchsorted(move_group[order], np.arange(net.g_tail.size + 1))
        arc_step = np.full(tail.size, -1, dtype=np.int64)
        arc_step[ten.moves] = ten.m_step
        ends = (ten.sink, ten.source)
        return cls(
            tail,
            head,
            cap,
            label,
            ends,
            ten.ready,
            ten.n_hold + order,
            group_start,
            arc_step,
            t_lo,
            horizon,
            values,
            warm,
            rising,
        )

    def closed(self, groups: set[int], at_step: int) -> np.ndarray:
        """F(t) with the move arcs of ``groups`` closed from step ``at_step`` on."""
        shut = self._shut(groups, at_step)
        if shut is None:
            return self.values
        if self.warm is None:
            return self._divided(*shut)
        return self._from(self.warm, *shut, self.horizon)

    def closed_all(self, cases: list[tuple[set[int], int]]) -> list[tuple[np.ndarray, float]]:
        """F(t) for each case (``groups``, ``at_step``) as :meth:`closed` finds it, and the
        seconds it took (the cases share out what they do together).

        On a large network the cases are taken together, in one pass down the
        baseline's steps from its max preflow at the horizon: at every t at
        which that preflow carries nothing over a case's closed arcs it is a
        preflow of the case too, so the case's F(t) is the baseline's (closing
        never adds a way). Where it does carry some, another way is looked for
        (:meth:`parametric._Run.reroutes`: the flow over the closed arcs sent
        other ways, the flow into the sink kept): when found, the case's F(t)
        is the baseline's again. A case goes on by itself only from the
        greatest t at which no other way is found, from the baseline's max
        preflow there with its arcs closed, down to its first step. On
        Chicago-Sketch's N-1 (10,000 people), going on from the greatest t
        its arcs carry flow made 34 steps a case instead of 48 (1.5 times
        faster); looking for other ways first, 5,874 of 6,145 looks find one
        (0.1 ms each), and the cases go on by themselves for 7,206 steps in
        all instead of 10,941, in about half the time.
        """
        began = time.perf_counter()
        out: list[tuple[np.ndarray, float]] = [(self.values, 0.0)] * len(cases)
        todo = [(i, s) for i, case in enumerate(cases) if (s := self._shut(*case)) is not None]
        if self.warm is None:
            for i, shut in todo:
                one = time.perf_counter()
                out[i] = (self._divided(*shut), time.perf_counter() - one)
        elif todo:
            found = self._together(self.warm, [shut for _, shut in todo])
            for (i, _), result in zip(todo, found, strict=True):
                out[i] = result
        shared = (time.perf_counter() - began - sum(s for _, s in out)) / max(1, len(cases))
        return [(values, seconds + shared) for values, seconds in out]

    def _together(
        self, warm: parametric._Run, cases: list[tuple[np.ndarray, int]]
    ) -> list[tuple[np.ndarray, float]]:
        """:meth:`closed_all`'s pass down the baseline's steps from ``warm`` (its max preflow
        at the horizon): each case (its closed arcs and first step) its F(t) and seconds; the
        baseline's where its arcs carry no flow, or their flow can go other ways, at every
        step."""
        spent = [0.0] * len(cases)
        out = [(self.values, 0.0)] * len(cases)
        owner = np.repeat(np.arange(len(cases)), [arcs.size for arcs, _ in cases])
        first = np.array([lo for _, lo in cases], dtype=np.int64)
        waiting = np.ones(len(cases), dtype=bool)
        base = warm.copy()
        search = parametric._Search.over(base, max(SEARCH_NODES, base.label.size // 64))
        flow_of = base.net.rev[base.net.pos[np.concatenate([arcs for arcs, _ in cases])]]
        t = self.horizon
        while waiting.any() and t >= int(first[waiting].min()):
            if t < self.horizon:
                base.lower(t, t, fresh=False)
            carried = np.bincount(owner[base.net.res[flow_of] > 0], minlength=len(cases)) > 0
            for j in np.flatnonzero(carried & waiting & (first <= t)).tolist():
                began = time.perf_counter()
                if REROUTE and base.reroutes(cases[j][0], search):
                    spent[j] += time.perf_counter() - began
                    continue
                values = self._from(base, *cases[j], t)
                out[j] = (values, spent[j] + time.perf_counter() - began)
                waiting[j] = False
            t -= 1
        return [(values, spent[j]) if waiting[j] else out[j] for j, (values, _) in enumerate(out)]

    def _from(self, run: parametric._Run, arcs: np.ndarray, first: int, t: int) -> np.ndarray:
        """F(t) with ``arcs`` closed, from ``run`` (the baseline's max preflow at step ``t``,
        left as it is) down to ``first``; the baseline's above ``t``."""
        case = run.copy()
        if not case.close(arcs):
            return self._divided(arcs, first)
        later, _ = case.lower(t, first)
        return np.concatenate(
            [self.values[: first - self.t_lo], later, self.values[t + 1 - self.t_lo :]]
        )

    def _shut(self, groups: set[int], at_step: int) -> tuple[np.ndarray, int] | None:
        """The move arcs of ``groups`` from step ``at_step`` on, and the first step closing
        them can matter; None when it cannot matter by the horizon."""
        if not groups:
            return None
        start = self.group_start
        arcs = np.concatenate(
            [self.group_arcs[start[g] : start[g + 1]] for g in sorted(groups)], dtype=np.int64
        )
        arcs = np.sort(arcs[(self.arc_step[arcs] >= at_step) & (self.cap[arcs] > 0)])
        if not arcs.size:
            return None
        # Nobody who crosses a closed arc is safe before its head's earliest step to safety:
        # F(t) is the baseline's below the least of them.
        first = max(self.t_lo, int(self.ready[self.head[arcs]].min()))
        if first > self.horizon:
            return None
        return arcs, first

    def _divided(self, arcs: np.ndarray, first: int) -> np.ndarray:
        """F(t) with ``arcs`` closed, from ``first`` on by the divide and conquer."""
        cap = self.cap.copy()
        cap[arcs] = 0
        steps = (first, self.horizon)
        if self.rising:
            later = _f_of_t(self.tail, self.head, cap, self.label, self.ends, steps)
        else:
            later, _ = _flows_by_step(
                self.tail, self.head, cap, self.label, self.ends, steps, self.ready
            )
        return np.concatenate([self.values[: first - self.t_lo], later])


def _f_of_t(
    tail: np.ndarray,
    head: np.ndarray,
    cap: np.ndarray,
    label: np.ndarray,
    ends: tuple[int, int],
    steps: tuple[int, int],
) -> np.ndarray:
    """F(t) over a long network (with its express waits) from ``steps[0]`` to ``steps[1]``:
    by raising t (:func:`evacplan.routing._parametric._rising_flows`) where Numba is
    installed, at any size.

    A plan finds its F(t) once, and below :data:`~evacplan.routing._parametric.MIN_ARCS`
    arcs by the divide and conquer, which needs a max flow for about every step at which F
    changes: some 2,000 where a queue lasts days. Closures find one a case. On the port
    city of ``bench_growth.py`` (70,000 people, 2,550 steps of a minute) its five closures
    took 32 s of max flows by the divide and conquer over the waits, 8.0 s over express
    waits, and 0.9 s raising t (one Numba kernel; without Numba, the divide and conquer).
    """
    if not parametric.AVAILABLE:
        values, _ = _flows_by_step(tail, head, cap, label, ends, steps)
        return values
    return parametric._rising_flows(tail, head, cap, label, *ends, *steps)
