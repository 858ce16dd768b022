"""Refuse, before solving, a plan too large to make in reasonable time and memory.

A movement is one row of the schedule: the people who leave a place at one
step by one itinerary. Its cost runs through every stage after the flows
(the sweep, the columns, the findings, ``verify()``), so a plan of ten million
movements takes minutes and gigabytes however few things change. The number
of movements has a lower bound that needs no solve: plain supply leaving a
place at distinct steps makes distinct movements, and no step lets more
leave a place than its links admit in their best step; the same holds for
arrivals at the safe places. :func:`movements_fit` refuses a plan whose
bound is over the budget, with the step that would fit. The bound counts
everyone who can be moved; under a deadline that holds only when the deadline
is no earlier than :func:`everyone_out_by`, a time by which some schedule has
them all out.
"""

from __future__ import annotations

import heapq
import math

import numpy as np

from evacplan._time import duration
from evacplan.errors import TooLargeError
from evacplan.routing._arrays import _FOREVER
from evacplan.routing._compile import _most_admitted, _Net
from evacplan.routing._expand import _size

BYTES_PER_MOVEMENT = 1_000
"""Peak memory per movement over the whole evacuate(), measured on the one-road crowd of
``benchmarks/bench_scale.py``: 10^6 movements peak about 1 GiB (the flows, the sweep's
columns, the movements and their findings)."""

SECONDS_PER_MOVEMENT = 9e-6
"""Time per movement over the whole evacuate() on the same crowd: 2,000,000 movements in
17.4 s, 10,000,000 in 83 s."""

DEFAULT_PLAN_BYTES = 2 << 30
"""The memory a plan's movements, or its groups' parties (``_arguments.groups_fit``), may
take when the caller sets no ``max_memory``: about two million movements, some 20 s to make,
or some 700,000 parties. Beyond that a coarser step (or larger parties) says the same in
fewer rows; a caller who wants the rows sets ``max_memory``."""


def least_movements(net: _Net, supply: dict[int, int]) -> tuple[int, str]:
    """A lower bound on the movements of plain ``supply`` (people by place index, all to be
    moved), and what sets it, in words.

    Examples
    --------
    >>> from evacplan import Network
    >>> from evacplan.routing._compile import _compile
    >>> places = [{"id": "a", "kind": "residence"}, {"id": "h", "kind": "safe_haven"}]
    >>> net = Network(name="road", places=places,
    ...     links=[{"source": "a", "target": "h", "minutes": 20, "capacity_per_hour": 60}])
    >>> least_movements(_compile(net, [], 1, {"h"}), {0: 600})
    (600, "at most 1 person a step leaves 'a', so the last leave no sooner than 9 h 59 in")
    """
    peak = net.peak_capacity().astype(np.float64)
    out = np.zeros(net.n)
    np.add.at(out, net.g_tail, peak)
    if net.gated:
        gate = _most_admitted(net.p_rate, net.step)
        out = np.where(net.p_rate > 0, np.minimum(out, gate), out)
    leaving, why = 0, ""
    worst = 0
    for at, count in supply.items():
        if count <= 0 or net.safe[at] or out[at] <= 0:
            continue
        steps = math.ceil(count / out[at])
        leaving += steps
        if steps > worst:
            worst = steps
            most = int(out[at])
            who = "1 person a step leaves" if most == 1 else f"{most:,} people a step leave"
            soonest = duration((steps - 1) * net.step)
            why = f"at most {who} {net.ids[at]!r}, so the last leave no sooner than {soonest} in"
    into = float(peak[net.safe[net.g_head]].sum())
    total = sum(c for at, c in supply.items() if c > 0 and not net.safe[at])
    arriving = math.ceil(total / into) if into > 0 else 0
    if arriving > leaving:
        soonest = duration(arriving * net.step)
        return arriving, (
            f"at most {int(into):,} a step reach the safe places, so the last are safe no sooner "
            f"than {soonest} in"
        )
    return leaving, why


def movements_fit(net: _Net, supply: dict[int, int], budget: int | None) -> None:
    """Refuse plain ``supply`` (people by place index) whose plan would hold more movements
    than ``budget`` bytes allow (:data:`DEFAULT_PLAN_BYTES` when None).

    Raises
    ------
    TooLargeError
        Naming the bound, what sets it, the step at which it would fit, and the budget.
    """
    least, why = least_movements(net, supply)
    allowed = (DEFAULT_PLAN_BYTES if budget is None else budget) // BYTES_PER_MOVEMENT
    if least <= allowed:
        return
    s = net.step
    coarser = s * math.ceil(least / allowed)
    fits = f"step_minutes={coarser} (about {least * s // coarser:,} movements), or "
    if coarser > 1440:
        fits = ""
    default = f"{_size(DEFAULT_PLAN_BYTES)} a plan may take by default"
    raise TooLargeError(
        f"the plan would hold at least {least:,} movements at {s}-minute steps ({why}): about "
        f"{_size(least * BYTES_PER_MOVEMENT)} and {_seconds(least)} to make, over the "
        + (default if budget is None else f"memory budget of {_size(budget)} (max_memory)")
        + f"; use {fits}a larger max_memory to plan it anyway"
    )


def _seconds(movements: int) -> str:
    """``90 s``: the time to make a plan of ``movements``, in words."""
    seconds = movements * SECONDS_PER_MOVEMENT
    return "under a second" if seconds < 1 else f"{seconds:,.0f} s"


def everyone_out_by(net: _Net, supply: dict[int, int]) -> int | None:
    """A minute by which some schedule has all of plain ``supply`` (people by place index)
    safe, or None when none is found this way; at least twice the time it finds.

    Each place's people go one after another along its widest way out over links that are
    open at a constant rate for the whole scenario (no window, threat or timetable), at that
    way's narrowest rate (a gated place's throughput included), each place's people all safe
    (two steps of slack) before the next place's leave; doubled for the step a person may lose
    to rounding at each link on the way. A deadline at or past it leaves nobody behind, so the
    bound of :func:`least_movements` holds.

    Examples
    --------
    >>> from evacplan import Network
    >>> from evacplan.routing._compile import _compile
    >>> places = [{"id": "a", "kind": "residence"}, {"id": "h", "kind": "safe_haven"}]
    >>> net = Network(name="road", places=places,
    ...     links=[{"source": "a", "target": "h", "minutes": 20, "capacity_per_hour": 60}])
    >>> everyone_out_by(_compile(net, [], 1, {"h"}), {0: 600})  # 600 + 20 + 2 minutes, doubled
    1244
    """
    width, steps = _widest_ways_out(net)
    s, total = net.step, 0
    for at, count in supply.items():
        if count <= 0 or net.safe[at]:
            continue
        if width[at] <= 0:
            return None
        total += math.ceil(60 * count / width[at]) + (steps[at] + 2) * s
    return int(2 * total)


def _widest_ways_out(net: _Net) -> tuple[np.ndarray, np.ndarray]:
    """Per place, the widest rate (people an hour) of a way to a safe place over links open
    at one rate throughout, and that way's steps; 0 where there is none."""
    width = np.zeros(net.n)
    steps = np.zeros(net.n, dtype=np.int64)
    into: list[list[tuple[int, float, int]]] = [[] for _ in range(net.n)]
    for g in range(net.g_tail.size):
        spans = net.group_segments(g)
        if len(spans) == 1 and spans[0][:2] == (0, _FOREVER) and not net.g_departures[g]:
            rate = spans[0][2]
            tail = int(net.g_tail[g])
            if net.p_rate.size and net.p_rate[tail] > 0:
                rate = min(rate, float(net.p_rate[tail]))
            into[int(net.g_head[g])].append((tail, rate, int(net.g_tau[g])))
    heap = [(-math.inf, 0, int(p)) for p in np.flatnonzero(net.safe)]
    done = np.zeros(net.n, dtype=bool)
    while heap:
        w, k, v = heapq.heappop(heap)
        if done[v]:
            continue
        done[v] = True
        width[v], steps[v] = -w, k
        for u, rate, tau in into[v]:
            if not done[u]:
                heapq.heappush(heap, (-min(-w, rate), k + tau, u))
    width[net.safe] = 0
    return width, steps
