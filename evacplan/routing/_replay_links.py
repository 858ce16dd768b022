"""The replay's side of the network: each link's timeline, what its group admits, vectorised.

Part of the independent check behind ``verify()`` (:mod:`._replay`), written
apart from the solver: it reads the network's links and their (open, risk)
timelines through :func:`evacplan.network.arc_schedules`, nothing of the
solver stages. :class:`_Links` holds the directed links by (key, from, to)
and their groups (parallel links of equal transit act as one);
:func:`_capacity_problems` and :func:`_throughput_problems` judge the people
:mod:`._replay_moves` counted entering each group and leaving each place,
all the minutes of a group at once (NumPy), with the rule of
``docs/routing.md`` for what a link admits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from evacplan.models import Network, Place, ThreatEvent
from evacplan.network import ArcSchedule, arc_schedules
from evacplan.routing._arrays import _EPS


@dataclass(slots=True)
class _Links:
    """Each direction of each link by (key, from, to) with its group; each group's links.

    ``leg_of`` gives a direction's group id; ``groups`` are the (from, to,
    transit steps) of each group and ``members`` their links' schedules.
    """

    step: int
    leg_of: dict[tuple[str, str, str], int] = field(default_factory=dict)
    groups: list[tuple[str, str, int]] = field(default_factory=list)
    members: list[list[ArcSchedule]] = field(default_factory=list)

    @classmethod
    def of(cls, net: Network, threats: tuple[ThreatEvent, ...], step: int) -> _Links:
        """The links of ``net`` under ``threats``, in steps of ``step`` minutes."""
        out = cls(step)
        index: dict[tuple[str, str, int], int] = {}
        for sched in arc_schedules(net, threats):
            a = sched.arc
            steps = max(1, math.ceil(a.minutes / step - _EPS))
            key = (a.source, a.target, steps)
            if key not in index:
                index[key] = len(out.groups)
                out.groups.append(key)
                out.members.append([])
            out.leg_of[(a.key, a.source, a.target)] = index[key]
            out.members[index[key]].append(sched)
        return out

    def open_at(self, group: int, minutes: np.ndarray) -> np.ndarray:
        """Whether any link of ``group`` takes people in the step from each of ``minutes``."""
        out = np.zeros(minutes.size, dtype=bool)
        for sched in self.members[group]:
            is_open, _ = _states(sched, minutes)
            if sched.arc.scheduled:
                is_open &= _departing(sched, minutes, self.step) > 0
            out |= is_open
        return out

    def admits(self, group: int, minutes: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """People ``group`` admits in the step from each of ``minutes``, and the risk each
        takes when all its links have one risk (else None: see :func:`_tiers`)."""
        scheds = self.members[group]
        if len(scheds) == 1 and not scheds[0].arc.scheduled:
            is_open, risk = _states(scheds[0], minutes)
            rate = scheds[0].arc.capacity_per_hour
            cap = _admitted(rate, minutes + self.step) - _admitted(rate, minutes)
            return np.where(is_open, cap, 0), risk
        tiers = [_tiers(scheds, m, self.step) for m in minutes.tolist()]
        return np.array([sum(c for _, c in ts) for ts in tiers], dtype=np.int64), None


def _states(sched: ArcSchedule, minutes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sched.at(minute)`` for each of ``minutes``: (open, risk)."""
    i = np.maximum(np.searchsorted(np.asarray(sched.minutes), minutes, side="right") - 1, 0)
    return np.asarray(sched.open, dtype=bool)[i], np.asarray(sched.risk, dtype=np.float64)[i]


def _departing(sched: ArcSchedule, minutes: np.ndarray, step: int) -> np.ndarray:
    """Departures of a scheduled service in the step from each of ``minutes``."""
    at = np.sort(np.floor(np.asarray(sched.arc.departures, dtype=np.float64) / step) * step)
    return np.searchsorted(at, minutes, side="right") - np.searchsorted(at, minutes, side="left")


def _sums(keys: list[np.ndarray], values: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of ``keys`` (sorted, the first key first) and ``values`` summed per row."""
    if not values.size:
        return [k[:0] for k in keys], values[:0]
    order = np.lexsort(keys[::-1])
    ks = [k[order] for k in keys]
    new = np.zeros(values.size, dtype=bool)
    new[0] = True
    for k in ks:
        new[1:] |= k[1:] != k[:-1]
    starts = np.flatnonzero(new)
    return [k[starts] for k in ks], np.add.reduceat(values[order], starts)


def _capacity_problems(
    links: _Links, group: np.ndarray, minute: np.ndarray, people: np.ndarray
) -> tuple[list[str], float]:
    """The ``capacity`` rule per link group and minute, for ``people`` entering ``group`` at
    ``minute``; and the risk of the links entered (the safest open links first)."""
    (group, minute), load = _sums([group, minute], people)
    found: list[str] = []
    risk = 0.0
    step = links.step
    cuts = np.flatnonzero(np.diff(group)) + 1
    for gs, ms, ns in zip(
        np.split(group, cuts), np.split(minute, cuts), np.split(load, cuts), strict=True
    ):
        if not gs.size:
            continue
        g = int(gs[0])
        admits, one_risk = links.admits(g, ms)
        if one_risk is not None:
            risk += float((np.minimum(admits, ns) * one_risk).sum())
        else:
            risk += sum(
                _taken(_tiers(links.members[g], m, step), n)
                for m, n in zip(ms.tolist(), ns.tolist(), strict=True)
            )
        u, v, _ = links.groups[g]
        for m, count, can in zip(*(x[ns > admits].tolist() for x in (ms, ns, admits)), strict=True):
            found.append(
                f"{count} people enter {u} -> {v} at minute {m}; its links "
                f"admit {can} in the {step}-minute step from then"
            )
    return found, risk


def _throughput_problems(
    places: list[Place | None], step: int, place: np.ndarray, minute: np.ndarray, people: np.ndarray
) -> list[str]:
    """The ``throughput`` rule per place and minute, for ``people`` leaving ``place`` (an index
    into ``places``) at ``minute``; by place id, then minute."""
    (place, minute), count = _sums([place, minute], people)
    found: list[tuple[str, float, str]] = []
    rates = np.array(
        [
            np.nan if p is None or p.throughput_per_hour is None else p.throughput_per_hour
            for p in places
        ]
        or [np.nan]
    )
    rate = rates[place]
    gated = ~np.isnan(rate)
    lets = _admitted(rate[gated], minute[gated] + step) - _admitted(rate[gated], minute[gated])
    over = count[gated] > lets
    for p, m, n, can, r in zip(
        *(x[over].tolist() for x in (place[gated], minute[gated], count[gated], lets, rate[gated])),
        strict=True,
    ):
        where = places[p]
        assert where is not None
        found.append(
            (
                where.id,
                m,
                f"{n} people leave {where.id} at minute {m}; its throughput "
                f"({r:g} an hour) lets {can} through in the {step}-minute step from then",
            )
        )
    return [words for _, _, words in sorted(found)]


def _admitted(per_hour: float | np.ndarray, minute: np.ndarray) -> np.ndarray:
    """People a link of ``per_hour`` admits by ``minute`` (the rule of docs/routing.md)."""
    return np.floor(per_hour * minute / 60 + _EPS).astype(np.int64)


def _tiers(scheds: list[ArcSchedule], minute: int, step: int) -> list[tuple[float, int]]:
    """(risk, people) each risk tier of a group's links admits in the step from ``minute``."""
    open_links = sorted(
        (risk, s.arc.capacity_per_hour, s.arc.seats * _leaving(s, minute, step))
        for s in scheds
        for is_open, risk in [s.at(minute)]
        if is_open and _open(s, minute, step)
    )
    return _tier_capacities(open_links, minute, step)


def _taken(tiers: list[tuple[float, int]], count: int) -> float:
    """The risk ``count`` people entering together take: the safest open links first."""
    left, risk = count, 0.0
    for r, c in tiers:
        n = min(c, left)
        risk += n * r
        left -= n
    return risk


def _admitted_by(per_hour: float, minute: int) -> int:
    """People a link of ``per_hour`` admits by ``minute`` of the scenario (one minute)."""
    return math.floor(per_hour * minute / 60 + _EPS)


def _leaving(sched: ArcSchedule, minute: int, step: int) -> int:
    """Departures of a scheduled service in the step from ``minute`` (each rounded down to its step)."""
    return sum(1 for d in sched.arc.departures if math.floor(d / step) * step == minute)


def _open(sched: ArcSchedule, minute: int, step: int) -> bool:
    """Whether a directed link takes people in the step from ``minute``."""
    if not sched.at(minute)[0]:
        return False
    return not sched.arc.scheduled or _leaving(sched, minute, step) > 0


def _tier_capacities(
    open_links: list[tuple[float, float, int]], minute: int, step: int
) -> list[tuple[float, int]]:
    """(risk, people) each risk tier of parallel open links admits in the step from ``minute``.

    ``open_links`` are (risk, people per hour, seats leaving in the step),
    sorted by risk. Together the links admit what one link of their summed
    rate would, plus every seat leaving. The safest tiers go first: the
    people the first i tiers admit are the least of what the tiers i, i + 1,
    ... with every safer one would admit on their own.
    """
    rates: list[tuple[float, float, int]] = []  # (risk, rate and seats of this tier and safer)
    total, seats = 0.0, 0
    for r, c, n in open_links:
        total += c
        seats += n
        if rates and rates[-1][0] == r:
            rates[-1] = (r, total, seats)
        else:
            rates.append((r, total, seats))
    alone = [_admitted_by(c, minute + step) - _admitted_by(c, minute) + n for _, c, n in rates]
    out: list[tuple[float, int]] = []
    before = 0
    for i, (r, _, _) in enumerate(rates):
        upto = min(alone[i:])
        out.append((r, upto - before))
        before = upto
    return out
