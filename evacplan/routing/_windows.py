"""Stage 6b by windows: the whole-party MIP over the steps in which parties move, window by window.

A contingency plan releases its parties in waves, one per stage, often days
apart and on parts of the network that share no road (Baghdad's posts and
Tehran's). One MIP over the whole horizon (:func:`._parties._solve_parties`)
holds a variable for every class of party, arc and step from the first
release to the last arrival, most of them for steps in which nobody moves,
and is too large to build in time. :func:`_exact_windows` cuts the parties
into *windows*: those released at one step from one part of the network
(places joined by links between places that are not safe), each with the
steps from its release to its last arrival in the draft schedule
(:mod:`._settle`), and solves each window's MIP alone, with an open end at
its horizon (:mod:`._expand`'s late arcs).

Why this is exact. The objective is ``least_harm``'s: the harm, then the sum
of arrival steps, then the egress. Each person's harm and arrival are their
own, so a schedule's harm and arrivals are the sums of its windows' and its
egress is the largest of theirs. Take any schedule of everyone: what it does
with one window's parties is a schedule of that window alone (dropping the
others only frees room), so it pays at least that window's optimum. Its harm
is then at least the sum of the windows' least harms; if equal, every window
pays its least harm, so its arrivals are at least the sum of the windows'
least arrivals given that; if equal again, its egress is at least the
largest of the windows' least egresses. The windows' own optima, put
together, meet all three bounds, and they are a schedule of everyone when no
two of them take room on the same link group, or through the same place with
a throughput, at the same step: then the capacities hold, and the union is
optimal. Windows whose schedules collide are merged and solved again as one,
until none collide; at worst one window holds everyone: the whole model.

A window whose best schedule uses its open end (someone would rather arrive
after its horizon) is solved again with a longer one.

``quickest`` and ``safest`` are solved window by window too, in two passes,
because their egress (the largest of the windows') comes first or second:
see :func:`_solve_capped`. An early window's model need not reach the last
window's egress: ``quickest``'s first pass looks as far as the window's own
last arrival in the draft, and its second pass is open-ended, as above
(:func:`_solve_rest`).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from evacplan.routing import _mipmemo
from evacplan.routing._clock import _FORKED_ARCS, _Clock, _within
from evacplan.routing._compile import _Net
from evacplan.routing._movements import _Histories, _Parcel
from evacplan.routing._parties import _Exact, _nothing, _solve_parties

_NO_BOUND = (0, 0, 0)
"""The splittable bound is of everyone, not of a window: a window's MIP proves itself."""


@dataclass(slots=True)
class _Window:
    """Parties solved apart: their (place, parcel)s, the first release and the horizon (steps)."""

    parcels: list[tuple[int, _Parcel]]
    first: int
    horizon: int
    solved: _Exact | None = None
    egress: int | None = None
    """For ``quickest`` and ``safest``: the least egress (step) of its first levels alone."""
    last: int | None = None
    """Its parties' last arrival (step) in the draft schedule, which a schedule of them alone
    can always match: ``quickest``'s first pass (:func:`_solve_capped`) looks no further."""
    cap: int | None = None
    """The step by which its second pass (:func:`_solve_rest`) had everyone safe."""


def _source(parcel: _Parcel) -> tuple[int, int]:
    """A parcel's (origin place, release step)."""
    return parcel.origin, parcel.released


def _parts(net: _Net) -> np.ndarray:
    """Per place, its part of the network: places joined by links between places not safe.

    Nobody leaves a safe place, so parts meet only where people are safe:
    parties of two parts never share a link.
    """
    inner = ~net.safe[net.g_tail] & ~net.safe[net.g_head]
    ones = np.ones(int(inner.sum()), dtype=np.int8)
    graph = coo_matrix((ones, (net.g_tail[inner], net.g_head[inner])), shape=(net.n, net.n))
    return connected_components(graph, directed=True, connection="weak")[1]


def _windows(
    net: _Net,
    parcels: list[tuple[int, _Parcel]],
    travelled: list[tuple[_Parcel, int, int]],
    deadline: int | None,
) -> list[_Window]:
    """The parcels by (release step, part of the network), each with a first horizon.

    ``travelled`` is the draft schedule's (parcel, safe place, arrival step)s.
    A window's first horizon is its parties' last arrival there, but no more
    than half as far again past its release as nine in ten of them arrive: a
    few parties the draft could only fit in much later (in a later wave's
    room) would otherwise stretch the model over days in which its other
    parties are long safe. Any horizon is exact (a schedule that would
    rather end later uses the open end, and the horizon grows); it is at
    least one step past the release, and no later than ``deadline``.
    """
    part = _parts(net)
    arrivals: dict[tuple[int, int], list[int]] = defaultdict(list)
    for p, _, step in travelled:
        place, release = _source(p)
        arrivals[(release, int(part[place]))].append(step)
    by_key: dict[tuple[int, int], list[tuple[int, _Parcel]]] = defaultdict(list)
    for place, p in parcels:
        by_key[(_source(p)[1], int(part[place]))].append((place, p))
    out = []
    for key in sorted(by_key):
        first = key[0]
        steps = np.sort(np.array(arrivals.get(key, [first + 1]), dtype=np.int64))
        most = int(steps[(9 * (steps.size - 1)) // 10])
        horizon = max(first + 1, min(int(steps[-1]), first + math.ceil(1.5 * (most - first))))
        capped = horizon if deadline is None else min(horizon, deadline)
        last = int(steps[-1]) if key in arrivals else None
        out.append(_Window(by_key[key], first, capped, last=last))
    return out


def _taken(net: _Net, used: dict[tuple[int, int], int]) -> set[tuple[int, int]]:
    """The room a schedule takes: (group, step) of each link group it enters, and
    (-1 - place, step) of each place with a throughput it leaves."""
    rooms = {(g, k) for (g, k), n in used.items() if n > 0}
    gated = net.p_rate > 0
    tails = net.g_tail
    rooms |= {(-1 - int(tails[g]), k) for g, k in list(rooms) if gated[tails[g]]}
    return rooms


def _collisions(net: _Net, windows: list[_Window]) -> list[list[int]]:
    """The windows whose schedules take room at the same link or gate and step, in sets to merge
    (each set of two or more; none when every schedule keeps to room of its own)."""
    owner: dict[tuple[int, int], int] = {}
    root = list(range(len(windows)))

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    for i, w in enumerate(windows):
        assert w.solved is not None
        for room in _taken(net, w.solved.used):
            j = owner.setdefault(room, i)
            if j != i:
                root[find(i)] = find(j)
    sets: dict[int, list[int]] = defaultdict(list)
    for i in range(len(windows)):
        sets[find(i)].append(i)
    return [s for s in sets.values() if len(s) > 1]


def _merged(windows: list[_Window], together: list[int]) -> _Window:
    """One window of the windows ``together``, to be solved again."""
    chosen = [windows[i] for i in together]
    return _Window(
        [pair for w in chosen for pair in w.parcels],
        min(w.first for w in chosen),
        max(w.horizon for w in chosen),
        last=None if any(w.last is None for w in chosen) else max(w.last or 0 for w in chosen),
    )


def _solve_window(
    net: _Net, w: _Window, deadline: int | None, hist: _Histories, seconds: float
) -> _Exact:
    """Window ``w``'s lexicographic optimum alone, its horizon grown by half while someone
    cannot be safe by it or its best schedule would rather end later, until ``seconds`` run out
    (or the horizon reaches ``deadline``)."""
    started = time.perf_counter()
    while True:
        left = seconds - (time.perf_counter() - started)
        if left <= 0.05:
            return _nothing("the time limit ended the whole-party search")
        open_end = w.horizon != deadline
        exact = _solve_parties(
            net, w.parcels, "least_harm", w.horizon, left, _NO_BOUND, open_end=open_end, hist=hist
        )
        if exact is not None and not exact.late:
            return exact
        if w.horizon == deadline:  # (None: someone cannot be safe by the horizon)
            return _nothing(f"some parties cannot be safe by minute {w.horizon * net.step}")
        longer = w.horizon + max(1, (w.horizon - w.first) // 2)
        w.horizon = longer if deadline is None else min(longer, deadline)


def _solve_windows(
    net: _Net,
    parcels: list[tuple[int, _Parcel]],
    travelled: list[tuple[_Parcel, int, int]],
    seconds: float,
    deadline: int | None,
    order: str = "least_harm",
    horizon: int | None = None,
) -> _Exact:
    """The whole-party optimum window by window, merging windows that collide (see the module).

    ``order`` is ``least_harm`` (each window over its own steps, open-ended),
    or ``quickest`` or ``safest`` over the steps to ``horizon``
    (:func:`_solve_capped`).
    """
    started = time.perf_counter()
    hist = _Histories()
    windows = _windows(net, parcels, travelled, deadline)
    if order != "least_harm":
        assert horizon is not None
        return _solve_capped(net, windows, order, horizon, hist, seconds)
    while True:
        for w in windows:
            if w.solved is None:
                left = seconds - (time.perf_counter() - started)
                w.solved = _solve_window(net, w, deadline, hist, left)
                if w.solved.hist is None:
                    return _nothing(
                        f"{w.solved.note} (parties released at minute {w.first * net.step})"
                    )
        clashes = _collisions(net, windows)
        if not clashes:
            break
        merged = {i for s in clashes for i in s}
        windows = [w for i, w in enumerate(windows) if i not in merged] + [
            _merged(windows, s) for s in clashes
        ]
    return _union([w.solved for w in windows if w.solved is not None], hist)


_PASSES = {
    "quickest": (("egress",), ("risk", "arrival")),
    "safest": (("risk", "egress"), ("risk", "arrival")),
}
"""The levels of each window's two passes: up to its least egress; then the rest, with every
window's horizon at the largest of those egresses."""


def _solve_capped(
    net: _Net, windows: list[_Window], order: str, horizon: int, hist: _Histories, seconds: float
) -> _Exact:
    """``quickest`` or ``safest`` window by window over the steps to ``horizon``, in two passes.

    The egress, the largest of the windows', is not a sum: each window is
    first solved up to its least egress (after its least risk, for
    ``safest``), proven; with E the largest, every schedule of everyone (of
    the least risk, for ``safest``) ends at E or later. Then each window is
    solved again over the steps to E for the risk and arrivals: what any
    schedule ending by E does with a window's parties ends by E too, so the
    windows' least risks, then arrivals, add up to bounds that their union
    meets, when no two take the same room (else they are merged, and both
    passes run again where E changes). A window's least egress is at most
    its last arrival in the draft (a schedule of it alone), so ``quickest``'s
    first pass looks no further; the second pass is :func:`_solve_rest`'s.
    """
    started = time.perf_counter()
    first, rest = _PASSES[order]
    while True:
        for w in windows:
            if w.egress is None:
                found = None
                near = min(w.last or horizon, horizon) if first == ("egress",) else horizon
                for far in dict.fromkeys((near, horizon)):
                    left = seconds - (time.perf_counter() - started)
                    found = _solve_parties(
                        net, w.parcels, order, far, left, (0,) * len(first), hist=hist, only=first
                    )
                    if found is not None:  # (None: someone cannot be safe by ``far``)
                        break
                if found is None or found.hist is None or not found.proven or found.lower is None:
                    why = "no whole-party schedule" if found is None else found.note
                    return _nothing(f"{why or 'its egress is not proven'} (a window, first pass)")
                w.egress = found.lower
        cap = max(w.egress for w in windows if w.egress is not None)
        for w in windows:
            if w.solved is None or w.cap != cap:
                w.cap = cap
                left = seconds - (time.perf_counter() - started)
                found = _solve_rest(net, w, order, cap, hist, left)
                if found is None or found.hist is None:
                    return _nothing(
                        f"{'' if found is None else found.note} (a window, second pass)"
                    )
                w.solved = found
        clashes = _collisions(net, windows)
        if not clashes:
            union = _union([w.solved for w in windows if w.solved is not None], hist)
            union.lower = cap
            return union
        merged = {i for s in clashes for i in s}
        windows = [w for i, w in enumerate(windows) if i not in merged] + [
            _merged(windows, s) for s in clashes
        ]


def _solve_rest(
    net: _Net, w: _Window, order: str, cap: int, hist: _Histories, seconds: float
) -> _Exact | None:
    """Window ``w``'s least risk, then arrivals, among its schedules that end by step ``cap``.

    Over the steps to ``cap`` the model of an early window is mostly steps in
    which its parties are long safe, so it is solved first over its own
    horizon (at least its least egress), open-ended: the late arcs of
    :mod:`._expand` price anyone still out at the horizon at the least risk
    from where they are and an arrival one step later, no more than any
    schedule to ``cap`` pays, so a solution that uses none is the optimum to
    ``cap``. One that uses any is solved again with a horizon half as far
    again, up to ``cap`` (closed there). None when nobody's schedule ends by
    ``cap``.
    """
    started = time.perf_counter()
    horizon = min(cap, max(w.horizon, w.egress or 0))
    while True:
        left = seconds - (time.perf_counter() - started)
        if left <= 0.05:
            return _nothing("the time limit ended the whole-party search")
        rest = _PASSES[order][1]
        found = _solve_parties(
            net, w.parcels, order, horizon, left, (0,) * len(rest),
            hist=hist, only=rest, open_end=horizon < cap,
        )  # fmt: skip
        if horizon == cap or (found is not None and not found.late):
            return found
        horizon = min(cap, horizon + max(1, (horizon - w.first) // 2))


def _union(parts: list[_Exact], hist: _Histories) -> _Exact:
    """The windows' schedules as one: they take no room in common, so their capacity used adds."""
    used: dict[tuple[int, int], int] = {}
    for e in parts:
        used.update(e.used)
    lowers = [e.lower for e in parts]
    return _Exact(
        [f for e in parts for f in e.finished],
        used,
        hist,
        all(e.proven for e in parts),
        None if None in lowers else max(lw for lw in lowers if lw is not None),
        "; ".join(dict.fromkeys(e.note for e in parts if e.note)),
        windows=len(parts),
    )


def _exact_windows(
    net: _Net,
    parcels: list[tuple[int, _Parcel]],
    travelled: list[tuple[_Parcel, int, int]],
    seconds: float,
    deadline: int | None = None,
    order: str = "least_harm",
    horizon: int | None = None,
) -> _Exact:
    """:func:`_solve_windows` in a forked worker, stopped when its ``seconds`` run out.

    ``parcels`` are the (place, parcel)s to move, ``travelled`` the draft
    schedule's (parcel, safe place, arrival step)s that set each window's
    first horizon, ``deadline`` (a step) the latest arrival allowed; for
    ``quickest`` and ``safest`` (``order``), every window looks as far as
    ``horizon``.
    """
    done = _within(
        _Clock(seconds),
        _FORKED_ARCS,
        _boxed,
        net,
        parcels,
        travelled,
        seconds,
        deadline,
        order,
        horizon,
    )
    if done is None:
        return _nothing(f"the whole-party model found nothing in {seconds:.1f} s")
    _mipmemo.keep(done[1])
    return done[0]


def _boxed(
    net: _Net,
    parcels: list[tuple[int, _Parcel]],
    travelled: list[tuple[_Parcel, int, int]],
    seconds: float,
    deadline: int | None,
    order: str,
    horizon: int | None,
) -> tuple[_Exact, dict[bytes, Any]]:
    """:func:`_solve_windows`' answer in a box, with the MIP answers it added to the memo
    (as :func:`._parties._boxed`)."""
    return (
        _solve_windows(net, parcels, travelled, seconds, deadline, order, horizon),
        _mipmemo.taken(),
    )
