"""Stages 3 and 4 together: the splittable optimum for an objective, and why it is optimal.

:func:`_solve_flows` takes a :class:`~._search._Splittable` and an
objective and returns a :class:`_FlowResult`: flows per (link group,
departure step), the egress horizon and its proven lower bound, the proof in
words, the bottleneck cut, and why anyone who cannot get out is cut off
(closures named). It finds the horizon with :mod:`._search`, honours a
deadline, then picks among equally quick schedules with :mod:`._objectives`.
The front door (:mod:`._evacuate`) turns the flows into movements
(:mod:`._movements`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evacplan._time import _plural
from evacplan.errors import SolverError
from evacplan.routing._arrays import _FOREVER, _reachable
from evacplan.routing._clock import _Clock, _OutOfTime
from evacplan.routing._expand import _TEN
from evacplan.routing._harm import _Harmless, _least_harm
from evacplan.routing._maxflow import _flows_of, _solve_max_flow
from evacplan.routing._objectives import _earliest_arrival, _min_cost_flow
from evacplan.routing._search import _Splittable


@dataclass(slots=True)
class _FlowResult:
    """A splittable schedule as flows per (group, departure step), with its proof."""

    target: int
    horizon: int | None
    quickest: int | None
    lower: int | None
    move_group: np.ndarray
    move_step: np.ndarray
    move_flow: np.ndarray
    src_out: np.ndarray
    risk_int: int
    arrival_sum: int
    proof: str
    cut: list[tuple[int, int, int]]
    reasons: dict[int, str]
    reach: int | None = None
    """For safest: a horizon (step) past which no schedule has less risk, when one is proven."""
    proven: int = 3
    """How many of the objective's figures, in order, the flow is proven best in (3: all)."""
    unproven: str = ""
    """Why the rest are not proven (the time limit ran out), in words."""
    distance: bool = False
    """Whether the egress is set by travel time alone (the farthest people), not capacity."""
    harm_low: int | None = None
    """For least_harm: a lower bound on every schedule's harm, in risk units counted from
    minute 0 (the flow's own harm when proven)."""


def _closing_links(sp: _Splittable, place: int, step: int) -> tuple[str, bool]:
    """The links that close people at ``place`` in from ``step`` on, in words, and whether they
    cut the place off (else they are the links on its way out that close at all).

    The places reachable from ``place`` by links still open at some step from
    ``step`` on, towards safety; the links out of them that close before
    ``step`` cut it off ("omdurman-bridge closes at minute 120"). Only what
    closes is named, never a link that opens later or stays open; and every
    one of them (a table that has no room shortens the words, not this).
    """
    net = sp.net
    s = net.step
    last = np.full(net.g_tail.size, -1, dtype=np.int64)
    np.maximum.at(last, net.k_group, net.k_to)
    seen, todo = {place}, [place]
    cut: list[int] = []
    closing: list[int] = []
    slow: list[str] = []
    while todo:
        u = todo.pop()
        rate = float(net.p_rate[u]) if net.gated else 0.0
        if rate and rate * s / 60 < 1:  # a slow gate lets nobody out at some steps
            slow.append(f"{net.ids[u]} lets {rate:g} an hour through: nobody at some steps")
        for g in np.flatnonzero(net.g_tail == u).tolist():
            v = int(net.g_head[g])
            if sp.to_safe[v] >= _FOREVER or last[g] < 0:
                continue
            if last[g] < step:
                cut.append(g)
                continue
            if last[g] < _FOREVER:
                closing.append(g)
            if v not in seen:
                seen.add(v)
                todo.append(v)
    chosen = cut or closing
    words: dict[str, str] = {}
    for g in sorted(chosen, key=lambda g: (int(last[g]), net.g_key[g])):
        key = net.g_key[g]
        if key not in words:
            words[key] = (
                f"{key}'s last departure leaves at minute {net.g_departures[g][-1]:g}"
                if net.g_departures[g]
                else f"{key} closes at minute {(int(last[g]) + 1) * s}"
            )
    named = [*words.values(), *slow]  # all of them: tables shorten, the record does not
    return (" and " if cut else "; ").join(named), bool(cut)


def _distance_words(sp: _Splittable, i: int) -> str:
    """Why nobody can finish sooner when the farthest source decides it."""
    s = sp.net.step
    place = sp.net.ids[int(sp.src_place[i])]
    away = int(sp.to_safe[sp.src_place[i]]) * s
    release = int(sp.src_step[i]) * s
    if release:
        return (
            f"people at {place} may leave from minute {release} and are {away} minutes "
            "from the nearest safe place"
        )
    return f"people at {place} are {away} minutes from the nearest safe place"


def _harm_words(sp: _Splittable, found: _Harmless, quickest: int, complete: bool) -> str:
    """Why the least-harm schedule has the least harm, in words."""
    s = sp.net.step
    end = found.horizons[-1] * s
    if found.proven == 0:
        return "the time limit ran out before the harm was made least"
    words = (
        f"no schedule has less harm: a min-cost flow over the network expanded to minute {end}, "
        "open-ended (anyone may still arrive later, at the least risk their place allows), "
        "has nobody arrive late"
    )
    if len(found.horizons) > 1:
        tried = ", ".join(str(h * s) for h in found.horizons[:-1])
        words += f" (to minute {tried} some would rather have arrived later)"
    if found.proven == 3 and complete:
        egress = found.egress_low * s
        words += "; none with that harm and those arrivals ends sooner" + (
            "" if found.egress_low > quickest else f" (minute {egress} is the quickest egress)"
        )
    return words


def _any_flow(sp: _Splittable, horizon: int) -> tuple[_TEN, np.ndarray]:
    """A max flow to ``horizon`` (no objective beyond getting people out): its TEN and arc flows."""
    ten = sp.ten(horizon)
    tails, heads, caps = ten.graph()
    return ten, _flows_of(_solve_max_flow(tails, heads, caps, ten.source, ten.sink), tails.size)


def _solve_flows(
    sp: _Splittable, objective: str, deadline: int | None, clock: _Clock | None = None
) -> _FlowResult:
    """The splittable optimum for ``objective``, with its proof (see "How it works" in :mod:`evacplan.routing`).

    With a ``clock`` that runs out, the stages still to run are cut short:
    the result is a valid flow with ``proven`` below 3 and the reason in
    ``unproven``, and ``lower`` the bound proven so far.
    """
    clock = clock or _Clock(None)
    sp.clock = clock
    net = sp.net
    s = net.step
    total = sp.total
    reasons: dict[int, str] = {}
    reach = sp.src_step + sp.to_safe[sp.src_place]
    # The farthest source bounds the egress only if its people must all get out: under
    # most_saved a tier's quota may leave some sources behind (then the nearest bounds it).
    must = np.where(sp.required > 0, reach, -1)
    far_src = int(np.argmax(must)) if (must >= 0).any() else int(np.argmin(reach))
    far, near = int(reach[far_src]), int(reach.min())
    exact = net.risky  # a min-cost flow needs the least horizon; the D&C finds it itself
    target = total
    proof_cut: list[tuple[int, int, int]] = []
    complete = True

    # 1. A horizon by which everyone who can get out at all is safe.
    limit = None
    if sp.time_varying:
        limit = (
            max(net.last_change, int(sp.src_step.max()))
            + int(sp.to_safe[sp.to_safe < _FOREVER].max(initial=0))
            + 1
        )
    by_cut, cut_words = sp.cut_bound()
    start = max(far, by_cut)
    hi = sp.least_horizon(total, start, limit, exact=exact)
    if hi is None:
        reachable, ten_inf, solver = sp.infinite()
        if reachable < total:
            complete = False
            target = reachable
            tails, heads, caps = ten_inf.graph()
            live = np.zeros(ten_inf.n_nodes + 2, dtype=bool)
            # Nodes with a path to the sink: reachability along the arcs reversed.
            live[_reachable(heads, tails, caps, ten_inf.sink, ten_inf.n_nodes + 2)] = True
            proof_cut = sp.cut_of(ten_inf, solver)
            for i in range(sp.src_count.size):
                node = int(ten_inf.src_node[i])
                closing, cut = _closing_links(sp, int(sp.src_place[i]), int(sp.src_step[i]))
                if node < 0 or not live[node]:
                    reasons[i] = (
                        f"cut off when {closing}"
                        if cut
                        else "every route to safety is closed before it can be used"
                        + (f": {closing}" if closing else "")
                    )
                else:
                    reasons[i] = "the routes out close before everyone can use them" + (
                        f": {closing}" if closing else ""
                    )
            hi = sp.least_horizon(target, near, None, exact=exact) if target else None
        else:
            assert limit is not None
            hi = sp.least_horizon(total, limit + 1, None, exact=exact)
    quickest = hi if exact else None

    # 2. A deadline may leave room for fewer people.
    if deadline is not None and (hi is None or hi > deadline):
        by_deadline = sp.flow_value(deadline) if deadline >= near else 0
        if by_deadline >= target:
            hi = deadline
            if sp.unsure is not None:
                sp.unsure = (sp.unsure[0], deadline)
        else:
            if hi is not None and not exact:
                quickest = sp.least_horizon(target, deadline + 1, None, exact=True)
            when = (
                "nobody can get out at any time"
                if quickest is None
                else f"everyone who can get out could be safe by minute {quickest * s}"
            )
            for i in range(sp.src_count.size):
                reasons.setdefault(
                    i, f"cannot reach safety by the deadline (minute {deadline * s}); " + when
                )
            complete = False
            target = by_deadline
            hi = sp.least_horizon(target, near, deadline, exact=exact) if target else None

    empty = np.zeros(0, dtype=np.int64)
    if hi is None or target == 0:
        return _FlowResult(
            0,
            None,
            quickest,
            None,
            empty,
            empty,
            empty,
            np.zeros(sp.src_count.size, dtype=np.int64),
            0,
            0,
            "nobody can reach safety",
            proof_cut,
            reasons,
        )

    # 3. The schedule for the objective.
    out_of_time = "the time limit ran out before "

    def cut_short() -> _FlowResult:
        """Any max flow to ``hi``, when time runs out before the horizon or arrivals are settled."""
        lo = (
            sp.unsure[0]
            if sp.unsure is not None
            else max([t for t, v in sp.values.items() if v < target and t < hi], default=start - 1)
        )
        ten, flows = _any_flow(sp, hi)
        groups, steps, amounts, src_out, totals = sp.arc_flows(ten, flows)
        proven = 0 if lo + 1 < hi or (objective == "safest" and net.risky) else 1 + (not net.risky)
        what = (
            "the risk exposure was minimised"
            if objective == "safest" and net.risky
            else f"the egress was proven least; it lies in minutes {(lo + 1) * s}-{hi * s}"
            if lo + 1 < hi
            else "the arrivals were made earliest"
            if not net.risky
            else "the risk exposure was minimised"
        )
        return _FlowResult(
            target,
            hi,
            quickest if lo + 1 == hi else None,
            lo + 1 if complete else None,
            groups,
            steps,
            amounts,
            src_out,
            int(totals[0]),
            int(totals[1]),
            f"a max flow over the network expanded to minute {hi * s} brings everyone out"
            + (f"; a max flow to minute {lo * s} falls short" if lo >= 0 else ""),
            proof_cut,
            reasons,
            proven=proven,
            unproven=out_of_time + what,
        )

    if sp.unsure is not None or (clock.out() and not net.risky):
        return cut_short()
    if not net.risky:
        try:
            horizon, values, ten, flows, ea_cut = _earliest_arrival(
                sp.ten(hi), target, sp.ten, net, clock
            )
        except _OutOfTime:
            return cut_short()
        if complete:
            quickest = horizon
        t_lo = horizon - values.size + 1
        before = int(values[-2]) if values.size > 1 else 0
        if t_lo > horizon - 1:
            before = 0
        sp.values.setdefault(horizon - 1, before)
        tail = "; the schedule is an earliest-arrival flow (the most people safe by every minute)"
    else:
        horizon = hi
        tail = ""
        ea_cut = []
    lower: int | None = horizon

    # 4. Why nobody can be faster.
    by_distance = complete and horizon == far and horizon > 0
    if horizon == 0:
        proof = "everyone starts at a safe place"
    elif horizon == start and complete and horizon - 1 not in sp.values:
        proof = f"no schedule ends sooner: {cut_words}"
        if horizon == far:
            proof = _distance_words(sp, far_src)
    elif horizon == far and complete:
        proof = _distance_words(sp, far_src)
    else:
        short = sp.values.get(horizon - 1)
        if short is None:
            short = sp.flow_value(horizon - 1)
        proof = (
            f"a max flow over the network expanded to minute {(horizon - 1) * s} brings "
            f"only {short} of {_plural(target, 'person', 'people')} to safety"
        )
    if complete and horizon - 1 >= far and horizon > 0:
        if not net.risky and ea_cut:
            proof_cut = ea_cut
        else:
            if sp.short is None or sp.short[0] != horizon - 1:
                sp.values.pop(horizon - 1, None)  # probe it for the bottleneck cut
                sp.flow_value(horizon - 1)
            if sp.short is not None and sp.short[0] == horizon - 1:
                proof_cut = sp.cut_of(sp.short[1], sp.short[2])
    proof += tail

    settled: int | None = None
    proven, unproven = 3, ""
    harm_low: int | None = None
    if net.risky and objective == "safest":
        assert deadline is not None

        # A deadline later than can matter: once a horizon reaches a risk no schedule beats
        # at any horizon, later ones change nothing. Doubling from the quickest egress finds
        # such a horizon in a few min-cost flows; the deadline's own flow is the fallback.
        def least_cost(h: int) -> tuple[_TEN, np.ndarray, int, tuple[np.ndarray, ...]] | None:
            """The min-cost flow to horizon ``h``: its TEN, flows, people carried, per-arc parts.

            None if the time limit runs out first.
            """
            ten_h = sp.ten(h)
            found = _min_cost_flow(ten_h, net, h + 1, clock)
            if found is None:
                return None
            return ten_h, found[0], found[1], sp.arc_flows(ten_h, found[0])

        end, enough = deadline, None
        floor = sp.least_risk_bound() if complete and 2 * horizon < deadline else None
        trial = max(1, 2 * horizon)
        while floor is not None and trial < deadline:
            found = least_cost(trial)
            if found is None:
                break
            if found[2] == target and int(found[3][4][0]) == floor:
                end, enough = trial, found
                break
            trial *= 2
        best = enough if enough is not None else least_cost(end)
        if best is None:
            ten, flows = _any_flow(sp, horizon)
            parts = sp.arc_flows(ten, flows)
            proven, unproven = 0, out_of_time + "the risk exposure was minimised"
            proof = f"no schedule at all finishes sooner: {proof}"
        else:
            ten, flows, carried, parts = best
        if best is not None and complete:
            best_risk = int(parts[4][0])
            lo, top = horizon - 1, end
            chosen = (ten, flows, carried, parts)
            while top - lo > 1:
                mid = (lo + top) // 2
                found = least_cost(mid)
                if found is None:
                    proven = 1
                    unproven = out_of_time + "the least risky schedules' egress was made least"
                    break
                if found[2] == target and int(found[3][4][0]) == best_risk:
                    top, chosen = mid, found
                else:
                    lo = mid
            ten, flows, carried, parts = chosen
            proof = "the least risk exposure by the deadline comes from a min-cost flow; " + (
                f"no schedule at all finishes sooner: {proof}"
                if top == horizon
                else f"none with that exposure finishes sooner (a min-cost flow to minute "
                f"{(top - 1) * s} cannot match it)"
                if proven == 3
                else f"none with that exposure finishes by minute {lo * s}"
            )
            if enough is not None:
                settled = end
                proof += (
                    f"; a later deadline could not lower it: by minute {end * s} it equals "
                    "the sum of each person's least risky way out, capacity aside"
                )
            horizon, lower = top, lo + 1
        elif best is not None:
            lower = None
            target = carried
            arrive = parts[1] + net.g_tau[parts[0]]
            horizon = int(arrive[net.safe[net.g_head[parts[0]]]].max(initial=0))
    elif net.risky and objective == "least_harm":
        harmless = _least_harm(sp, horizon, target, deadline, clock)
        harm_low = harmless.harm_low
        proven, unproven = harmless.proven, harmless.unproven
        if harmless.ten is None or harmless.flows is None:
            ten, flows = _any_flow(sp, horizon)
        else:
            ten, flows = harmless.ten, harmless.flows
            proof = _harm_words(sp, harmless, horizon, complete) + f"; {proof}"
        parts = sp.arc_flows(ten, flows)
        arrive = parts[1] + net.g_tau[parts[0]]
        lower = harmless.egress_low  # (for as many as the routes carry, when some cannot go)
        horizon = int(arrive[net.safe[net.g_head[parts[0]]]].max(initial=0))
    elif net.risky:
        ten = sp.ten(horizon)
        solved = _min_cost_flow(ten, net, horizon + 1, clock, carry=target)
        if solved is None:
            ten, flows = _any_flow(sp, horizon)
            proven, unproven = 1, out_of_time + "the risk exposure was minimised"
        else:
            flows, carried = solved
            if carried != target:
                raise SolverError(f"min-cost flow carries {carried} of {target} people")
            proof += (
                "; among schedules that fast, a min-cost flow gives the least risk "
                "exposure, then the earliest arrivals"
            )
        parts = sp.arc_flows(ten, flows)
    else:
        parts = sp.arc_flows(ten, flows)
    groups, steps, amounts, src_out, totals = parts
    return _FlowResult(
        target,
        horizon,
        quickest,
        lower,
        groups,
        steps,
        amounts,
        src_out,
        int(totals[0]),
        int(totals[1]),
        proof,
        proof_cut,
        reasons,
        settled,
        proven,
        unproven,
        by_distance,
        harm_low,
    )
