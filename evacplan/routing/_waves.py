"""``least_harm`` by waves: people released far apart in time planned apart, proven together.

A contingency plan releases its people in waves: a stage's parties hours or
days after the last stage's are safe. One min-cost flow over the whole
timeline is slow (OR-Tools' cost scaling took 34 s on ``bench_plan.py``'s
877,520 arcs), while the waves' own networks are small. :func:`_by_waves`
cuts the sources where the releases leave a gap (:func:`_waves`), finds each
wave's least-harm flow alone (:func:`._harm._least_harm`), and keeps them
only if together they fit the links' and gates' room at every step.

Why that is the least harm: each wave alone is a relaxation of the whole
(its people face no one else), so the whole's harm is at least the sum of
the waves' least harms, and ties in the arrivals likewise; a sum of
schedules that fits is a schedule, so it has the least harm and arrivals,
and its egress (the latest wave's least) is the least among them. When they
do not fit, the caller solves the whole as one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from evacplan.routing._arrays import _FOREVER
from evacplan.routing._clock import _Clock
from evacplan.routing._harm import _Harmless, _least_harm
from evacplan.routing._on_face import _LeastFlow
from evacplan.routing._search import _Splittable

MIN_WAVE_GAP = 2
"""A wave ends where the next release comes more than this many times the longest way to
safety (in steps, without queues) after the wave's last release."""


@dataclass(frozen=True, slots=True)
class _Waves:
    """The waves' least-harm flows, summed per (group, step), and what is proven of them."""

    parts: tuple[np.ndarray, ...]
    """As :meth:`._search._Splittable.arc_flows`: groups, steps, people, per source, totals."""
    harm_low: int | None
    egress_low: int
    proven: int
    unproven: str
    found: list[_Harmless]
    first: list[int]
    """Each wave's first release step."""
    least: tuple[_LeastFlow, ...]
    """Each wave's flow with its sources, when every wave's is proven (else none)."""


def _waves(sp: _Splittable) -> list[np.ndarray]:
    """The sources (indices) in waves of releases; one wave when no gap cuts them."""
    reach = sp.to_safe[sp.src_place]
    if (reach >= _FOREVER).any() or sp.src_step.size < 2:
        return [np.arange(sp.src_step.size)]
    gap = MIN_WAVE_GAP * max(int(reach.max()), 1)
    order = np.argsort(sp.src_step, kind="stable")
    steps = sp.src_step[order]
    cuts = np.flatnonzero(np.diff(steps) > gap) + 1
    return [np.sort(part) for part in np.split(order, cuts)]


def _by_waves(sp: _Splittable, deadline: int | None, clock: _Clock) -> _Waves | None:
    """The least-harm flow of everyone, wave by wave; None when there is one wave, a wave
    cannot be planned alone (in time), or the waves' flows together overfill some room."""
    waves = _waves(sp)
    if len(waves) < 2 or sp.quota is not None:
        return None
    net = sp.net
    found: list[_Harmless] = []
    subs: list[_Splittable] = []
    for wave in waves:
        sub = _Splittable(net, sp.src_place[wave], sp.src_step[wave], sp.src_count[wave])
        sub.clock = clock
        far = int((sub.src_step + sub.to_safe[sub.src_place]).max())
        quickest = sub.least_horizon(sub.total, far, deadline)
        if quickest is None or sub.unsure is not None:
            return None
        harmless = _least_harm(sub, quickest, sub.total, deadline, clock)
        if harmless.ten is None or harmless.flows is None:
            return None
        found.append(harmless)
        subs.append(sub)
        if not _fits(found):  # (at the first wave that collides: the rest need not be solved)
            return None
    return _Waves(
        _summed(sp, waves, subs, found),
        None if any(f.harm_low is None for f in found) else sum(f.harm_low or 0 for f in found),
        max(f.egress_low for f in found),
        min(f.proven for f in found),
        next((f.unproven for f in found if f.unproven), ""),
        found,
        [int(sp.src_step[w].min()) for w in waves],
        _least_flows(sp, waves, found),
    )


def _least_flows(
    sp: _Splittable, waves: list[np.ndarray], found: list[_Harmless]
) -> tuple[_LeastFlow, ...]:
    """Each wave's least-harm flow with its sources, if every one is proven; else none."""
    least = []
    for wave, f in zip(waves, found, strict=True):
        if f.proven < 3 or f.ten is None or f.flows is None:
            return ()
        least.append(
            _LeastFlow(f.ten, f.flows, sp.src_place[wave], sp.src_step[wave], f.egress_low)
        )
    return tuple(least)


def _fits(found: list[_Harmless]) -> bool:
    """Whether the waves' flows together keep within every move's and gate's room."""
    moves: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    gates: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for found_one in found:
        ten, flows = found_one.ten, found_one.flows
        assert ten is not None and flows is not None
        arcs = ten.moves
        moves.append((ten.m_tpl, ten.m_step, flows[arcs], ten.cap[arcs]))
        if ten.gate_place.size:
            g = ten.gates
            gates.append((ten.gate_place, ten.gate_step, flows[g], ten.cap[g]))
    return _within_room(moves) and _within_room(gates)


def _within_room(arcs: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]) -> bool:
    """Whether flows on arcs keyed (what, step), summed over the networks, stay within the
    arcs' capacity (the same (what, step) has the same capacity in every network)."""
    if len(arcs) < 2:
        return True
    what = np.concatenate([a[0] for a in arcs])
    step = np.concatenate([a[1] for a in arcs])
    flow = np.concatenate([a[2] for a in arcs])
    cap = np.concatenate([a[3] for a in arcs])
    used = flow > 0
    if not used.any():
        return True
    width = int(step.max()) + 2
    keys, inverse = np.unique(what[used] * width + step[used], return_inverse=True)
    total = np.bincount(inverse.reshape(-1), weights=flow[used], minlength=keys.size)
    room = np.zeros(keys.size, dtype=np.int64)
    room[inverse.reshape(-1)] = cap[used]
    return bool((total <= room).all())


def _summed(
    sp: _Splittable, waves: list[np.ndarray], subs: list[_Splittable], found: list[_Harmless]
) -> tuple[np.ndarray, ...]:
    """The waves' flows per (group, step) summed, their sources' flows in ``sp``'s order."""
    parts = []
    for sub, found_one in zip(subs, found, strict=True):
        assert found_one.ten is not None and found_one.flows is not None
        parts.append(sub.arc_flows(found_one.ten, found_one.flows))
    width = max(int(p[1].max(initial=0)) for p in parts) + 2
    key = np.concatenate([p[0] * width + p[1] for p in parts])
    keys, inverse = np.unique(key, return_inverse=True)
    amount = np.bincount(
        inverse.reshape(-1), weights=np.concatenate([p[2] for p in parts]), minlength=keys.size
    ).astype(np.int64)
    src = np.zeros(sp.src_count.size, dtype=np.int64)
    for wave, p in zip(waves, parts, strict=True):
        src[wave] = p[3]
    totals = np.sum([p[4] for p in parts], axis=0).astype(np.int64)
    return keys // width, keys % width, amount, src, totals
