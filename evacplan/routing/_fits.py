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
from evacplan.routing._compile import _admitted, _most_admitted, _Net
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


def least_movements(
    net: _Net, supply: dict[int, int], moved: tuple[int, float] | None = None
) -> tuple[int, str]:
    """A lower bound on the movements of plain ``supply`` (people by place index), and what
    sets it, in words: with everyone moved, or ``moved``: with at least so many of them safe
    by a deadline (people, minute).

    Everyone moved: each place's people leave over at least ``ceil(count / most)`` steps,
    ``most`` being the people its links admit in their best step, and the safe places take
    at most so many a step. ``moved`` of them: at least that many arrive, a step's worth at
    a time, and leave, no more a step than from the widest place.

    Examples
    --------
    >>> from evacplan import Network
    >>> from evacplan.routing._compile import _compile
    >>> places = [{"id": "a", "kind": "residence"}, {"id": "h", "kind": "safe_haven"}]
    >>> net = Network(name="road", places=places,
    ...     links=[{"source": "a", "target": "h", "minutes": 20, "capacity_per_hour": 60}])
    >>> least_movements(_compile(net, [], 1, {"h"}), {0: 600})
    (600, "at most 1 person a step leaves 'a', so the last leave no sooner than 9 h 59 in")
    >>> least_movements(_compile(net, [], 1, {"h"}), {0: 600}, moved=(300, 322))
    (300, 'at least 300 people can be safe by minute 322, the deadline, and at most 1 a step reach the safe places')
    """
    out, into = _rates(net)
    starts = [at for at, c in supply.items() if c > 0 and not net.safe[at] and out[at] > 0]
    if moved is not None:
        count, deadline = moved
        widest = max((out[at] for at in starts), default=0.0)
        most = min(into, widest) if into > 0 else widest
        if most <= 0 or count <= 0:
            return 0, ""
        where = "reach the safe places" if most == into else "leave any one place"
        return math.ceil(count / most), (
            f"at least {count:,} people can be safe by minute {deadline:,.10g}, the deadline, and "
            f"at most {int(most):,} a step {where}"
        )
    leaving, why = 0, ""
    worst = 0
    for at in starts:
        steps = math.ceil(supply[at] / out[at])
        leaving += steps
        if steps > worst:
            worst = steps
            most = int(out[at])
            who = "1 person a step leaves" if most == 1 else f"{most:,} people a step leave"
            soonest = duration((steps - 1) * net.step)
            why = f"at most {who} {net.ids[at]!r}, so the last leave no sooner than {soonest} in"
    total = sum(c for at, c in supply.items() if c > 0 and not net.safe[at])
    arriving = math.ceil(total / into) if into > 0 else 0
    if arriving > leaving:
        soonest = duration(arriving * net.step)
        return arriving, (
            f"at most {int(into):,} a step reach the safe places, so the last are safe no sooner "
            f"than {soonest} in"
        )
    return leaving, why


def _rates(net: _Net) -> tuple[np.ndarray, float]:
    """The most people a step may leave each place (its links' best step, its gate's
    throughput), and the most a step may reach the safe places."""
    peak = net.peak_capacity().astype(np.float64)
    out = np.zeros(net.n)
    np.add.at(out, net.g_tail, peak)
    if net.gated:
        gate = _most_admitted(net.p_rate, net.step)
        out = np.where(net.p_rate > 0, np.minimum(out, gate), out)
    return out, float(peak[net.safe[net.g_head]].sum())


def movements_fit(
    net: _Net, supply: dict[int, int], budget: int | None, moved: tuple[int, float] | None = None
) -> None:
    """Refuse plain ``supply`` (people by place index) whose plan would hold more movements
    than ``budget`` bytes allow (:data:`DEFAULT_PLAN_BYTES` when None): everyone moved, or
    ``moved``: at least so many safe by a deadline (:func:`least_movements`).

    Raises
    ------
    TooLargeError
        Naming the bound, what sets it, the step at which it would fit, and the budget.
    """
    least, why = least_movements(net, supply, moved)
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
    safe, or None when none is found this way.

    Each place's people go one after another along a way out over links open at one rate
    for the whole scenario (no window, threat or timetable), all safe (two steps of slack)
    before the next place's leave: :class:`_WaysOut` says how long each place takes. A
    deadline at or past it leaves nobody behind, so the bound of :func:`least_movements`
    holds.

    Examples
    --------
    >>> from evacplan import Network
    >>> from evacplan.routing._compile import _compile
    >>> places = [{"id": "a", "kind": "residence"}, {"id": "h", "kind": "safe_haven"}]
    >>> net = Network(name="road", places=places,
    ...     links=[{"source": "a", "target": "h", "minutes": 20, "capacity_per_hour": 60}])
    >>> everyone_out_by(_compile(net, [], 1, {"h"}), {0: 600})  # one a minute: 600 + 20 + 2
    622
    """
    ways, total = _WaysOut(net), 0
    for at, count in supply.items():
        if count <= 0 or net.safe[at]:
            continue
        if not ways.any(at):
            return None
        total += ways.minutes(at, count)
    return total


def saved_by(net: _Net, supply: dict[int, int], deadline: float) -> int:
    """People of plain ``supply`` (by place index) some schedule has safe by minute
    ``deadline``: whole places, quickest first, and the part of one more that fits, each in
    the time :class:`_WaysOut` gives it.

    Any part of the supply is a supply of its own, out by its own :func:`everyone_out_by`;
    this is the largest part found that way to be out by the deadline.

    Examples
    --------
    >>> from evacplan import Network
    >>> from evacplan.routing._compile import _compile
    >>> places = [{"id": "a", "kind": "residence"}, {"id": "h", "kind": "safe_haven"}]
    >>> net = Network(name="road", places=places,
    ...     links=[{"source": "a", "target": "h", "minutes": 20, "capacity_per_hour": 60}])
    >>> road = _compile(net, [], 1, {"h"})
    >>> saved_by(road, {0: 600}, 622), saved_by(road, {0: 600}, 322)
    (600, 300)
    """
    ways = _WaysOut(net)
    room, saved = math.floor(deadline), 0
    for at in sorted(supply, key=lambda at: -ways.per_hour(at)):
        count = supply[at]
        if count <= 0 or net.safe[at] or not ways.any(at):
            continue
        fits = min(count, ways.within(at, room))
        if fits > 0:
            saved += fits
            room -= ways.minutes(at, fits)
    return saved


class _WaysOut:
    """Per place, two ways to a safe place over links open at one rate for the whole
    scenario, and how long a place's people take by the better one.

    By whole people a step: the way whose narrowest link (or gate) admits the most in its
    worst step, ``b`` a step over ``k`` steps: ``n`` people are safe ``ceil(n / b) + k``
    steps after the first leave, with none held on the way. By the hour, where no step is
    sure to admit anyone (say 20 an hour at 1-minute steps): the way of the widest rate
    ``w`` an hour, ``ceil(60 n / w)`` minutes and the way's steps, doubled for the step a
    person may lose to rounding at each link. Two steps of slack on each.
    """

    def __init__(self, net: _Net) -> None:
        self.step = net.step
        rate = _one_rate_links(net)
        self.b, self.kb = _widest(net, {g: _admitted(r, net.step) for g, r in rate.items()})
        self.w, self.kw = _widest(net, rate)

    def any(self, at: int) -> bool:
        """Whether a way out of ``at`` is found."""
        return bool(self.b[at] >= 1 or self.w[at] > 0)

    def per_hour(self, at: int) -> float:
        """People an hour out of ``at`` by its quicker way (to order places by)."""
        return max(60 * self.b[at] / self.step, self.w[at] / 2)

    def minutes(self, at: int, count: int) -> int:
        """Minutes from the first of ``count`` people leaving ``at`` to all safe."""
        s, best = self.step, _FOREVER
        if self.b[at] >= 1:
            best = (math.ceil(count / self.b[at]) + int(self.kb[at]) + 2) * s
        if self.w[at] > 0:
            best = min(best, 2 * (math.ceil(60 * count / self.w[at]) + (int(self.kw[at]) + 2) * s))
        return int(best)

    def within(self, at: int, room: int) -> int:
        """The most people of ``at`` safe within ``room`` minutes of the first leaving."""
        s, most = self.step, 0
        if self.b[at] >= 1:
            most = max(0, (room // s - int(self.kb[at]) - 2) * int(self.b[at]))
        if self.w[at] > 0:
            spare = room // 2 - (int(self.kw[at]) + 2) * s
            by_rate = math.floor(spare * self.w[at] / 60) if spare > 0 else 0
            while by_rate > 0 and math.ceil(60 * by_rate / self.w[at]) > spare:  # (rounding)
                by_rate -= 1
            most = max(most, by_rate)
        return most


def _one_rate_links(net: _Net) -> dict[int, float]:
    """Per link group open at one rate for the whole scenario, that rate (people an hour),
    its tail's gate included."""
    rates = {}
    for g in range(net.g_tail.size):
        spans = net.group_segments(g)
        if len(spans) == 1 and spans[0][:2] == (0, _FOREVER) and not net.g_departures[g]:
            rate = spans[0][2]
            tail = int(net.g_tail[g])
            if net.p_rate.size and net.p_rate[tail] > 0:
                rate = min(rate, float(net.p_rate[tail]))
            rates[g] = rate
    return rates


def _widest(net: _Net, width: dict[int, float]) -> tuple[np.ndarray, np.ndarray]:
    """Per place, the widest way to a safe place over the link groups of ``width`` (its
    narrowest link's width), and that way's steps; 0 where there is none."""
    best = np.zeros(net.n)
    steps = np.zeros(net.n, dtype=np.int64)
    into: list[list[tuple[int, float, int]]] = [[] for _ in range(net.n)]
    for g, w in width.items():
        if w > 0:
            into[int(net.g_head[g])].append((int(net.g_tail[g]), w, int(net.g_tau[g])))
    heap = [(-math.inf, 0, int(p)) for p in np.flatnonzero(net.safe)]
    done = np.zeros(net.n, dtype=bool)
    while heap:
        w, k, v = heapq.heappop(heap)
        if done[v]:
            continue
        done[v] = True
        best[v], steps[v] = -w, k
        for u, rate, tau in into[v]:
            if not done[u]:
                heapq.heappush(heap, (-min(-w, rate), k + tau, u))
    best[net.safe] = 0
    return best, steps
