"""Stage 5, its start: the trips straight back cancelled from a flow before the sweep.

An earliest-arrival flow is one of many; push-relabel finds one that sends
people from a place and straight back, as the sweep of :mod:`._movements`
would then move them. :func:`_straight_back` cancels those trips (the people
wait instead), which changes no arrival. :mod:`._evacuate` cancels them for
plain counts and whole parties alike: a party sent there and back would lose
its place in the queue to people who came after it. (Whole parties swept
along a flow depend on which of the equally good flows they follow:
``bench_plan.py``'s fared worse on the cancelled one, harm 247.0 against
202.1, until they were re-routed in passes until nothing improves; now 202.05
against 202.01, the bound 201.92.)
"""

from __future__ import annotations

from bisect import bisect_left
from functools import cache
from typing import Any

import numpy as np

from evacplan.routing._compile import _Net

MIN_COMPILED = 20_000
"""From this many departures the loop runs compiled (Numba); below, as it is (0.16 s for
20,000 departures, about what loading Numba costs in a fresh process)."""


def _straight_back(
    net: _Net, groups: np.ndarray, steps: np.ndarray, amounts: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The flow's departures (group, step, people) less the trips straight back
    (:func:`_back_and_forth`), over a network where waiting costs no risk; else as they are.

    An earliest-arrival flow found by push-relabel carries many people from a
    place and straight back (a million people on Chicago-Sketch: 14 of its 32
    million moves; 310,170 of 387,304 through a grid of 25 corners); the
    sweep would move them there and back, a parcel for each piece, and the
    unrolling would turn the trip into a wait again, with the queues mixed up
    on the way (the grid's plan: 11,672 movements instead of 4,799).
    """
    if net.w_cost.size or not steps.size:
        return groups, steps, amounts
    g = groups.astype(np.int64)
    tail, head, tau = net.g_tail[g], net.g_head[g], net.g_tau[g]
    step = steps.astype(np.int64)
    columns = (
        tail, head, step, tau, amounts.astype(np.int64),
        np.argsort(step, kind="stable"), np.lexsort((step, head, tail)),
    )  # fmt: skip
    if steps.size >= MIN_COMPILED:
        left = _compiled()(*columns)
    else:  # as lists: a Python loop reads their items several times faster than an array's
        left = np.array(_back_and_forth(*(c.tolist() for c in columns)), dtype=np.int64)
    keep = left > 0
    return groups[keep], steps[keep], left[keep]


def _back_and_forth(
    tail: Any, head: Any, step: Any, tau: Any, amount: Any, by_step: Any, by_key: Any
) -> Any:
    """The people of each departure (``amount``), less those who would come straight back.

    Departure i takes people from place A to B at step t, arriving at t + tau;
    a departure j from B back to A at that step takes people away again. Up to
    the smaller of the two, both are cancelled: those people wait at A instead
    (a wait is always open), and every place's queue holds at least as many
    people at every step as before, so the flow stays one; what reaches
    safety, and when, is unchanged. Departures are taken by step
    (``by_step``), so a trip there and back and there again cancels in turn;
    ``by_key`` orders them by (tail, head, step), for the search of the way back.
    Run as it is on a small flow (lists), compiled on a large one (arrays,
    :func:`_compiled`).
    """
    left = amount.copy()
    n = len(tail)
    for i in by_step:
        if left[i] == 0:
            continue
        back = step[i] + tau[i]
        lo, hi = 0, n  # the first of by_key at or after (head[i], tail[i], back)
        while lo < hi:
            mid = (lo + hi) // 2
            j = by_key[mid]
            if (tail[j], head[j], step[j]) < (head[i], tail[i], back):
                lo = mid + 1
            else:
                hi = mid
        while lo < n and left[i] > 0:
            j = by_key[lo]
            if tail[j] != head[i] or head[j] != tail[i] or step[j] != back:
                break
            m = min(left[i], left[j])
            left[i] -= m
            left[j] -= m
            lo += 1
    return left


@cache
def _compiled() -> Any:
    """:func:`_back_and_forth` compiled (Numba compiles it on first use and caches it on disk)."""
    from numba import njit

    return njit(cache=True)(_back_and_forth)


def _back_later(
    net: _Net,
    groups: np.ndarray,
    steps: np.ndarray,
    amounts: np.ndarray,
    released: list[tuple[int, int, int]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The flow's departures (group, step, people) less the trips back after a wait
    (:func:`_there_waiting`), over a network where waiting costs no risk; else as they are.
    ``released`` is the (place, step, people) of those the flow starts from.

    For whole parties, after :func:`_straight_back`: a party sent from a place,
    held at the next and brought back would lose its place in the first one's
    queue to people who came after it (docs/routing.md, "Queues").
    """
    if net.w_cost.size or not steps.size:
        return groups, steps, amounts
    g = groups.astype(np.int64)
    left = _there_waiting(
        net.g_tail[g].tolist(), net.g_head[g].tolist(), steps.astype(np.int64).tolist(),
        net.g_tau[g].tolist(), amounts.astype(np.int64).tolist(), released,
    )  # fmt: skip
    kept = np.array(left, dtype=np.int64)
    keep = kept > 0
    return groups[keep], steps[keep], kept[keep]


def _there_waiting(
    tail: list[int],
    head: list[int],
    step: list[int],
    tau: list[int],
    amount: list[int],
    released: list[tuple[int, int, int]],
) -> list[int]:
    """The people of each departure, less those who go from A to B, wait there and come back.

    Departure i takes people from A to B at step t, arriving at a = t + tau;
    a departure j from B back to A at step s >= a takes people away again.
    Up to the smaller of the two, and the fewest people B holds at any step
    from a to s - 1 (those ``released`` there, arrivals and departures), both
    are cancelled: those people wait at A instead (a wait is
    always open), B still holds enough for every other departure, and A holds
    at least as many at every step as before; what reaches safety, and when,
    is unchanged. Each departure is matched with the earliest ways back first.
    """
    left = list(amount)
    events: dict[int, dict[int, int]] = {}  # place -> step -> change in what it holds
    back: dict[tuple[int, int], list[int]] = {}  # (tail, head) -> departures by step
    for place, when, people in released:
        there = events.setdefault(place, {})
        there[when] = there.get(when, 0) + people
    for i in sorted(range(len(tail)), key=step.__getitem__):
        into = events.setdefault(head[i], {})
        into[step[i] + tau[i]] = into.get(step[i] + tau[i], 0) + amount[i]
        out = events.setdefault(tail[i], {})
        out[step[i]] = out.get(step[i], 0) - amount[i]
        back.setdefault((tail[i], head[i]), []).append(i)
    when_back = {key: [step[j] for j in js] for key, js in back.items()}
    held: dict[int, tuple[list[int], np.ndarray]] = {}
    for place, change in events.items():
        at = sorted(change)
        held[place] = (at, np.cumsum([change[k] for k in at]))
    for i in sorted(range(len(tail)), key=step.__getitem__):
        at, hold = held[head[i]]
        arrive = step[i] + tau[i]
        lo = bisect_left(at, arrive)
        key = (head[i], tail[i])
        first = bisect_left(when_back.get(key, ()), arrive)  # the ways back from the arrival on
        for j in back.get(key, [])[first:]:
            if left[i] == 0:
                break
            if left[j] == 0:
                continue
            hi = bisect_left(at, step[j])  # B holds them through the steps at[lo:hi]
            m = min(left[i], left[j], int(hold[lo:hi].min()) if hi > lo else left[i])
            if m <= 0:
                break  # later ways back wait through these steps too
            left[i] -= m
            left[j] -= m
            hold[lo:hi] -= m
    return left
