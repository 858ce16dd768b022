"""Stage 3: bounds on the egress time and the search for T*, with the evidence of proof.

:class:`_Splittable` holds one compiled network (:mod:`._compile`) and its
sources (people by place and release step), and answers what the proof of
T* needs: static distances from the sources and to safety, cut bounds (each
source's narrowest cut, the links into safe places), F(t) by max flow over
the TEN to t (:mod:`._expand`, :mod:`._maxflow`), the least horizon that
carries a target, what any horizon could carry, and the min cut behind a
shortfall. :mod:`._solve` drives it; :mod:`._parties` reuses its distances.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

import numpy as np

from evacplan._time import _plural
from evacplan.routing import _parametric as parametric
from evacplan.routing._arrays import _FOREVER, _dijkstra
from evacplan.routing._clock import _Clock
from evacplan.routing._compile import _Net
from evacplan.routing._expand import _TEN, _expand, _late_risk
from evacplan.routing._express import express_graph, long
from evacplan.routing._maxflow import _solve_max_flow, _source_side


class _Splittable:
    """Quickest-transshipment machinery for one compiled network and its sources."""

    def __init__(
        self, net: _Net, src_place: np.ndarray, src_step: np.ndarray, src_count: np.ndarray
    ) -> None:
        self.net = net
        self.src_place, self.src_step, self.src_count = src_place, src_step, src_count
        used = np.zeros(net.g_tail.size, dtype=bool)
        used[net.k_group] = True
        gt, gh, gw = net.g_tail[used], net.g_head[used], net.g_tau[used]
        starts: dict[int, int] = {}
        for p, s in zip(src_place.tolist(), src_step.tolist(), strict=True):
            starts[p] = min(starts.get(p, _FOREVER), s)
        self.early = _dijkstra(net.n, gt, gh, gw, starts)
        self.to_safe = _dijkstra(net.n, gh, gt, gw, {int(s): 0 for s in np.flatnonzero(net.safe)})
        self.values: dict[int, int] = {}
        self.short: tuple[int, _TEN, Any] | None = None
        self.warm: tuple[int, _TEN, parametric._Run | None] | None = None
        """The last probe's horizon, network and push-relabel (:mod:`._parametric`; None where
        OR-Tools' max flow probed a long network): the earliest-arrival flow at that horizon
        goes on from them (:meth:`warm_at`)."""
        self.probes = 0
        self.time_varying = bool((net.k_to < _FOREVER).any() or (net.k_from > 0).any())
        self.clock = _Clock(None)
        self.unsure: tuple[int, int] | None = None
        """(lo, hi) when the time limit cut a search short: F(lo) falls short, F(hi) suffices."""
        self.src_tier: np.ndarray | None = None
        """Per source, its priority tier (0 first), for ``most_saved``."""
        self.quota: np.ndarray | None = None
        """Per tier, how many of its people the flows carry (the lexicographic maxima)."""

    @property
    def total(self) -> int:
        """The people the flows must bring to safety: everyone, or the tiers' quotas."""
        return int(self.src_count.sum() if self.quota is None else self.quota.sum())

    @property
    def required(self) -> np.ndarray:
        """Per source, the people of it who must be brought to safety (all but partial tiers)."""
        if self.quota is None or self.src_tier is None:
            return self.src_count
        whole = np.bincount(self.src_tier, weights=self.src_count, minlength=self.quota.size)
        return np.where(whole[self.src_tier] <= self.quota[self.src_tier], self.src_count, 0)

    def set_tiers(self, tier: np.ndarray, horizon: int) -> np.ndarray:
        """Lexicographic maxima by tier to ``horizon``: the most of tier 0, then of tier 1, ...

        One max flow per tier, each tier's source arcs opened in turn with the
        earlier tiers held to their maxima. A later tier cannot take anything
        from an earlier one (an augmenting path never runs back into the
        source), so each flow value less the ones before is that tier's most.
        Sets the quotas the flows then keep to; returns them.
        """
        counts = np.bincount(tier, weights=self.src_count, minlength=int(tier.max()) + 1)
        # Everyone safe well before a far deadline: every tier's most is all of it, found by
        # the search for the quickest egress rather than max flows over the whole horizon.
        self.src_tier, self.quota = None, None
        reach = self.src_step + self.to_safe[self.src_place]
        if reach.size and int(reach.max()) <= horizon:
            found = self.least_horizon(self.total, int(reach.max()), horizon, exact=False)
            if found is not None and self.unsure is None:
                self.src_tier, self.quota = tier, counts.astype(np.int64)
                self.values.clear()
                self.short = self.warm = None
                return self.quota
        self.src_tier = tier
        self.quota = np.zeros(counts.size, dtype=np.int64)
        carried = 0
        for k in range(counts.size):
            if not counts[k]:
                continue
            self.quota[k] = int(counts[k])
            ten = self.ten(horizon)
            g = express_graph(ten, self.net.n)
            value = int(_solve_max_flow(g.tail, g.head, g.cap, ten.source, ten.sink).optimal_flow())
            self.quota[k] = value - carried
            carried = value
        self.values.clear()
        self.short = self.warm = None
        return self.quota

    def ten(self, horizon: int, *, open_end: bool = False) -> _TEN:
        """The TEN to ``horizon`` of these sources; with ``open_end``, its late arcs too."""
        return _expand(
            self.net,
            self.early,
            self.to_safe,
            horizon,
            self.src_place,
            self.src_step,
            self.src_count,
            src_tier=self.src_tier,
            tier_quota=self.quota,
            open_end=_late_risk(self.net, horizon, self.to_safe) if open_end else None,
        )

    def flow_value(self, horizon: int) -> int:
        """F(horizon): the most people safe by ``horizon``; the proof of a shortfall is kept."""
        if horizon in self.values:
            return self.values[horizon]
        ten = self.ten(horizon)
        g = express_graph(ten, self.net.n)
        solver: Any
        if parametric.applies(g.tail.size) and not long(ten, self.net.n):
            solver = parametric._Run.start(g.tail, g.head, g.cap, g.label, ten.sink, ten.source)
            solver.lower(horizon, horizon)
            value = solver.value()
        else:  # (few places over many steps: see warm_at)
            solver = _solve_max_flow(g.tail, g.head, g.cap, ten.source, ten.sink)
            value = int(solver.optimal_flow())
        self.warm = (horizon, ten, solver if isinstance(solver, parametric._Run) else None)
        self.values[horizon] = value
        self.probes += 1
        if value < self.total and (self.short is None or self.short[0] < horizon):
            self.short = (horizon, ten, solver)
        return value

    def warm_at(self, horizon: int) -> tuple[_TEN, parametric._Run | None]:
        """The network to ``horizon``, with the push-relabel (:mod:`._parametric`) of the last
        probe at its max flow when that probe was there (:attr:`warm`, given up: it is used
        once). A probe of a :func:`~._express.long` network took OR-Tools' max flow: only its
        network is reused (F(t) is then found by raising t, from no flow)."""
        warm, self.warm = self.warm, None
        if warm is None or warm[0] != horizon:
            return self.ten(horizon), None
        return warm[1], warm[2]

    def slope(self) -> int:
        """People per step the network carries at most (a static max flow, windows ignored)."""
        net = self.net
        group_cap = net.peak_capacity()
        n = net.n
        src, snk = n, n + 1
        places = np.unique(self.src_place)
        safe = np.flatnonzero(net.safe)
        big = int(self.src_count.sum()) + 1
        tails = np.concatenate([net.g_tail, np.full(places.size, src), safe])
        heads = np.concatenate([net.g_head, places, np.full(safe.size, snk)])
        caps = np.concatenate([group_cap, np.full(places.size + safe.size, big)])
        return max(1, int(_solve_max_flow(tails, heads, caps, src, snk).optimal_flow()))

    def cut_bound(self) -> tuple[int, str]:
        """A lower bound on T* from cuts, and why: each source's narrowest cut, the safe places.

        If c people a step can cross a cut around a place, the q people there
        released at step r or later cross it by step r + ceil(q / c) - 1 at
        the earliest, then still need the way from the cut to safety; and
        people reach safety at most C a step, from the earliest arrival on.
        """
        net = self.net
        s = net.step
        group_cap = net.peak_capacity()
        total = self.total
        earliest = int((self.src_step + self.to_safe[self.src_place]).min())
        into_safe = int(group_cap[net.safe[net.g_head]].sum())
        bound, words = 0, ""
        if into_safe:
            bound = earliest + -(-total // into_safe) - 1
            words = (
                f"the links into safe places admit {_plural(into_safe, 'person', 'people')} "
                "a step, and the "
                f"first can arrive at minute {earliest * s}"
            )
        n = net.n
        snk = n
        safe = np.flatnonzero(net.safe)
        tails = np.concatenate([net.g_tail, safe])
        heads = np.concatenate([net.g_head, np.full(safe.size, snk)])
        caps = np.concatenate([group_cap, np.full(safe.size, int(group_cap.sum()) + 1)])
        after = net.g_tau + self.to_safe[net.g_head]
        released: dict[int, dict[int, int]] = defaultdict(dict)
        for p, r, q in zip(
            self.src_place.tolist(), self.src_step.tolist(), self.required.tolist(), strict=True
        ):
            if q:
                released[p][r] = released[p].get(r, 0) + q
        for place, by_step in released.items():
            solver = _solve_max_flow(tails, heads, caps, place, snk)
            c = int(solver.optimal_flow())
            if c <= 0:
                continue
            side = _source_side(solver, n + 1)
            crossing = side[net.g_tail] & ~side[net.g_head] & (group_cap > 0)
            rest = int(after[crossing].min()) if crossing.any() else 0
            if rest >= _FOREVER:
                continue
            later = 0
            for r in sorted(by_step, reverse=True):
                later += by_step[r]
                value = r + -(-later // c) - 1 + rest
                if value > bound:
                    bound = value
                    names = sorted({net.g_key[g] for g in np.flatnonzero(crossing).tolist()})
                    shown = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
                    words = (
                        f"the {_plural(later, 'person', 'people')} at {net.ids[place]}"
                        + (f" released from minute {r * s}" if r else "")
                        + f" cross links admitting {c} a step ({shown}), then need "
                        f"{rest * s} more minutes"
                    )
        return bound, words

    def infinite(self) -> tuple[int, _TEN, Any]:
        """The most people any horizon could bring to safety, with its max flow.

        From ``start`` (the last change) on, the network stands still, so a
        timeless copy of it with unbounded links carries whoever can still
        get out. The horizon leaves room for people on a link entered before
        ``start`` to arrive (its transit) and then reach safety.
        """
        start = int(max(self.net.last_change, int(self.src_step.max(initial=0))))
        reach = self.to_safe[self.to_safe < _FOREVER]
        longest = int(self.net.g_tau.max(initial=0))
        ten = _expand(
            self.net,
            self.early,
            self.to_safe,
            start + longest + int(reach.max(initial=0)) + 1,
            self.src_place,
            self.src_step,
            self.src_count,
            tail_from=start,
            src_tier=self.src_tier,
            tier_quota=self.quota,
        )
        tails, heads, caps = ten.graph()
        solver = _solve_max_flow(tails, heads, caps, ten.source, ten.sink)
        return int(solver.optimal_flow()), ten, solver

    def least_risk_bound(self, max_states: int = 2_000_000) -> int | None:
        """A risk exposure no schedule beats at any horizon (risk units), or None if too big to find.

        Each person's least risky way to safety, waiting allowed, capacity
        aside, taking the safest open link of each group at each step: from
        the last change of the network on (threats, windows, releases) nothing
        changes, so a static least-risk distance finishes every way out. A
        schedule that reaches this sum cannot be bettered by waiting longer.
        """
        net = self.net
        n = net.n
        end = int(max(net.last_change, int(self.src_step.max(initial=0)))) + 1
        if (end + 1) * n > max_states:
            return None
        first = net.span_firsts()
        final = first[(net.k_to[first] >= _FOREVER) & (net.k_from[first] <= end)]
        fg = net.k_group[final]
        safe = np.flatnonzero(net.safe)
        static = _dijkstra(
            n, net.g_head[fg], net.g_tail[fg], net.k_risk_int[final], {int(x): 0 for x in safe}
        )
        risk = np.empty((end + 1, n), dtype=np.int64)  # least risk to safety from (place, step)
        places = np.arange(n)
        risk[end] = static
        for step in range(end - 1, -1, -1):
            rows = first[(net.k_from[first] <= step) & (net.k_to[first] >= step)]
            g = net.k_group[rows]
            arrive = np.minimum(step + net.g_tau[g], end)
            here = risk[step + 1] + net.wait_cost(places, np.full(n, step))  # waiting a step
            np.minimum.at(here, net.g_tail[g], net.k_risk_int[rows] + risk[arrive, net.g_head[g]])
            here[safe] = 0
            risk[step] = here
        each = risk[self.src_step, self.src_place]
        if (each >= _FOREVER).any():
            return None
        return int((each * self.src_count).sum())

    def least_horizon(
        self, target: int, start: int, limit: int | None = None, *, exact: bool = True
    ) -> int | None:
        """The least horizon t >= start with F(t) >= target (None if above ``limit``).

        Probes upward from ``start`` (F(start - 1) < target must be known),
        each step sized by the people still short over the observed rate
        (a tenth more, and at least half as much again as the last step), then
        bisects. With ``exact=False``, returns the first horizon found that
        suffices (the divide and conquer of :func:`_prefix_flows` then finds
        the least). If the clock runs out while bisecting, returns the least
        horizon known to suffice and records the gap in :attr:`unsure`.
        """
        self.unsure = None
        lo, t = start - 1, start
        rate: float | None = None
        prev: tuple[int, int] | None = None
        grow = 0
        while True:
            if limit is not None and t > limit:
                t = limit
            value = self.flow_value(t)
            if value >= target:
                hi = t
                break
            lo = t
            if limit is not None and t >= limit:
                return None
            if prev is not None and value > prev[1]:
                rate = (value - prev[1]) / (t - prev[0])
            elif rate is None:
                rate = float(self.slope())
            prev = (t, value)
            # Aim a tenth past the estimate; grow at least half as much again as last
            # time, so that a flat tail is crossed in few probes. A horizon too far
            # only enlarges the network the divide and conquer works on.
            grow = max(
                math.ceil((target - value) / max(rate, 1e-9) * 1.1), math.ceil(grow * 1.5), 1
            )
            t += grow
        if not exact:
            return hi
        while hi - lo > 1:
            if self.clock.out():
                self.unsure = (lo, hi)
                break
            mid = (lo + hi) // 2
            if self.flow_value(mid) >= target:
                hi = mid
            else:
                lo = mid
        return hi

    def arc_flows(self, ten: _TEN, flows: np.ndarray) -> tuple[np.ndarray, ...]:
        """Aggregate move flows per (group, step); the source arcs' flows."""
        moves = flows[ten.n_hold : ten.n_hold + ten.m_tpl.size]
        pos = moves > 0
        g = self.net.k_group[ten.m_tpl[pos]]
        st = ten.m_step[pos]
        key = g * (ten.horizon + 2) + st
        keys, inv = np.unique(key, return_inverse=True)
        amount = np.bincount(inv, weights=moves[pos]).astype(np.int64)
        src_flows = np.zeros(self.src_count.size, dtype=np.int64)
        ok = np.flatnonzero(ten.src_node >= 0)
        src_flows[ok] = flows[flows.size - ok.size :]
        risk = int((moves[pos] * self.net.k_risk_int[ten.m_tpl[pos]]).sum())
        risk += int((flows[: ten.n_hold] * ten.h_cost).sum())
        lab = ten.label[ten.n_hold : ten.n_hold + ten.m_tpl.size][pos]
        arrivals = int((moves[pos] * np.where(lab >= 0, lab, 0)).sum())
        return (
            keys // (ten.horizon + 2),
            keys % (ten.horizon + 2),
            amount,
            src_flows,
            np.array([risk, arrivals]),
        )

    def last_arrival(self, parts: tuple[np.ndarray, ...]) -> int:
        """The step the last person of these flows (per group and step) reaches safety."""
        net = self.net
        arrive = parts[1] + net.g_tau[parts[0]]
        return int(arrive[net.safe[net.g_head[parts[0]]]].max(initial=0))

    def cut_of(self, ten: _TEN, solver: Any) -> list[tuple[int, int, int]]:
        """Moves and gates crossing the source side of the min cut nearest the sources of a
        max flow over ``ten`` (by OR-Tools or the push-relabel): (group, step, capacity).

        A gate's group is ``-1 - place`` (see :meth:`._expand._TEN.crossing`).
        """
        return ten.crossing(self.net.k_group, _source_side(solver, ten.n_nodes + 2))
