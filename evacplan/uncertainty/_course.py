"""A plan compiled for simulation: who follows which legs, and what each link admits when.

The first stage of :func:`~evacplan.uncertainty.simulate`. It reads an
:class:`~evacplan.routing.EvacuationPlan`'s public movements (as columns)
and its network, as the independent replay does, and hands
:mod:`._follow` a :class:`_Course`:

- **units**: the people who move as one: each party of a movement (never
  split), and each movement of plain counts (which may split in a queue);
- **slots**: each movement's planned entries into each leg's link
  (``(step, people)``; several for a leg a party crosses over several
  steps): a unit that is at the place in time uses them as planned;
- **groups**: the links as the replay sees them (parallel links of equal
  transit act as one, :class:`evacplan.routing._replay_links._Links`), what
  each admits in every step under the plan's threats (and under any set of
  extra closures, made on demand), the steps a run's travel factor
  stretches, and the throughput of the place each leg leaves.

Everything is in steps of the plan's ``step_minutes``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from evacplan.models import Network, ThreatEvent
from evacplan.network import Arc
from evacplan.results import Party
from evacplan.routing import EvacuationPlan, Movements
from evacplan.routing._arrays import _EPS
from evacplan.routing._replay_links import _admitted, _Links

__all__ = ["_Course", "_Slot", "_Unit", "compile_plan"]


@dataclass(frozen=True, slots=True)
class _Unit:
    """People who move as one: a party, or a movement's plain count."""

    movement: int
    people: int
    party: int
    """An index into ``_Course.parties``; -1 for plain counts."""
    release: float
    """The minute the unit may leave its first place."""
    order: int
    """The unit's place in the plan's queues: urgent parties first, then by priority and plan
    order (ties in a queue go this way)."""


@dataclass(frozen=True, slots=True)
class _Slot:
    """A movement's planned entries into one leg's link group, and where it leaves from."""

    group: int
    gate: int
    """The throughput place the leg leaves (an index into ``_Course.gate_rates``), or -1."""
    entries: tuple[tuple[int, int], ...]
    """``(step, people)`` in step order: the first is the planned departure."""

    @property
    def first(self) -> int:
        return self.entries[0][0]


@dataclass
class _Course:
    """A plan as simulation reads it: units, each movement's slots by leg, link groups."""

    plan: EvacuationPlan
    step: int
    horizon: int
    """Steps simulated (0 to ``horizon - 1``): who is not safe by then counts as not safe."""
    horizon_minutes: float
    """The minutes it was compiled for (a re-plan or a worker compiles for the same)."""
    units: list[_Unit]
    parties: list[Party]
    """The parties the plan moves, in the order the results list them."""
    slots: list[list[_Slot]]
    """Per movement, a slot per leg."""
    group_names: list[str]
    """Per link group, its links' keys joined by ``, `` (one key mostly), for the results."""
    group_ends: list[tuple[str, str]]
    group_minutes: np.ndarray
    """Per group, its links' longest travel minutes (what a travel factor stretches)."""
    group_members: list[list[Arc]]
    """Per group, its links (one direction each)."""
    group_service: np.ndarray
    """Per group, whether it is a scheduled service (its room is seats at departures)."""
    group_gate: np.ndarray
    """Per group, the throughput place its links leave (an index into ``gate_rates``), or -1."""
    gate_rates: list[float]
    gate_names: list[str]
    planned_use: np.ndarray
    """People the plan sends into each group in each step (groups x horizon)."""
    planned_gate_use: np.ndarray
    """People the plan lets out of each throughput place in each step."""
    network: Network
    threats: tuple[ThreatEvent, ...]
    links: _Links
    group_keys: list[tuple[str, str, int]]
    """Per group, its key among the replay's link groups (from, to, transit steps)."""
    gate_room: np.ndarray = field(init=False)
    """People each throughput place lets out in each step (gates x horizon)."""
    _rooms: dict[frozenset[int], np.ndarray] = field(default_factory=dict)
    """Per set of closures, what each group admits in each step (groups x horizon)."""

    def __post_init__(self) -> None:
        minutes = np.arange(self.horizon + 1, dtype=np.int64) * self.step
        self.gate_room = np.zeros((len(self.gate_rates), self.horizon), dtype=np.int64)
        for k, rate in enumerate(self.gate_rates):
            self.gate_room[k] = np.diff(_admitted(rate, minutes))

    def room(self, closed: frozenset[int], closures: Sequence[ThreatEvent]) -> np.ndarray:
        """What each group admits in each step with the closures ``closed`` (indices into
        ``closures``) on top of the plan's threats; made once per set."""
        if closed not in self._rooms:
            links = self.links
            if closed:
                extra = tuple(closures[i] for i in sorted(closed))
                links = _Links.of(self.network, self.threats + extra, self.step)
            minutes = np.arange(self.horizon, dtype=np.int64) * self.step
            index = {key: g for g, key in enumerate(links.groups)}
            room = np.zeros((len(self.group_keys), self.horizon), dtype=np.int64)
            for g, key in enumerate(self.group_keys):
                room[g] = links.admits(index[key], minutes)[0]
            self._rooms[closed] = room
        return self._rooms[closed]


def compile_plan(plan: EvacuationPlan, horizon_minutes: float) -> _Course:
    """``plan`` as units, slots and link groups, simulated up to ``horizon_minutes``."""
    net = plan._network
    assert net is not None
    step = plan.step_minutes
    horizon = max(1, math.ceil(horizon_minutes / step - _EPS)) + 1
    links = _Links.of(net, plan._threats, step)
    ms = Movements.of(plan.movements)
    parties = {p.id: p for p in plan.parties}
    course_parties: list[Party] = []
    groups: dict[int, int] = {}
    gates: dict[str, int] = {}
    gate_rates: list[float] = []
    slots: list[list[_Slot]] = []
    spread = _spread_entries(ms)
    for i in range(len(ms)):
        a, b = int(ms.stop_start[i]), int(ms.stop_start[i + 1])
        la = int(ms.leg_start[i])
        mine = []
        for j in range(b - a - 1):
            u, v = ms.place_names[ms.stop_place[a + j]], ms.place_names[ms.stop_place[a + j + 1]]
            key = ms.link_names[ms.leg_link[la + j]]
            g = groups.setdefault(links.leg_of[(key, u, v)], len(groups))
            entries = spread.get(la + j) or ((int(ms.stop_leave[a + j]), int(ms.people[i])),)
            place = net.place_by_id.get(u)
            gate = -1
            if place is not None and place.throughput_per_hour is not None and not place.safe:
                gate = gates.setdefault(u, len(gates))
                if gate == len(gate_rates):
                    gate_rates.append(place.throughput_per_hour)
            mine.append(_Slot(g, gate, tuple((int(t) // step, n) for t, n in entries)))
        slots.append(mine)
    units = _units(ms, parties, course_parties)
    keys = [links.groups[k] for k in sorted(groups, key=groups.__getitem__)]
    members = [links.members[k] for k in sorted(groups, key=groups.__getitem__)]
    course = _Course(
        plan=plan,
        step=step,
        horizon=horizon,
        horizon_minutes=horizon_minutes,
        units=units,
        parties=course_parties,
        slots=slots,
        group_names=[", ".join(dict.fromkeys(s.arc.key for s in m)) for m in members],
        group_ends=[(u, v) for u, v, _ in keys],
        group_minutes=np.array([max(s.arc.minutes for s in m) for m in members] or [0.0]),
        group_members=[[s.arc for s in m] for m in members],
        group_service=np.array([any(s.arc.scheduled for s in m) for m in members] or [False]),
        group_gate=np.full(len(keys), -1, dtype=np.int64),
        gate_rates=gate_rates,
        gate_names=list(gates),
        planned_use=np.zeros((len(keys), horizon), dtype=np.int64),
        planned_gate_use=np.zeros((len(gate_rates), horizon), dtype=np.int64),
        network=net,
        threats=tuple(plan._threats),
        links=links,
        group_keys=keys,
    )
    for mine in slots:
        for slot in mine:
            course.group_gate[slot.group] = slot.gate
            for s, n in slot.entries:
                if s < horizon:
                    course.planned_use[slot.group, s] += n
                    if slot.gate >= 0:
                        course.planned_gate_use[slot.gate, s] += n
    return course


def _spread_entries(ms: Movements) -> dict[int, tuple[tuple[int, int], ...]]:
    """Per global leg crossed over several steps, its ``(minute, people)`` entries."""
    out = {}
    for k, leg in enumerate(ms.spread_leg.tolist()):
        a, b = int(ms.spread_start[k]), int(ms.spread_start[k + 1])
        out[leg] = tuple(
            zip(ms.spread_minute[a:b].tolist(), ms.spread_people[a:b].tolist(), strict=True)
        )
    return out


def _units(ms: Movements, parties: dict[str, Party], listed: list[Party]) -> list[_Unit]:
    """A unit per party of each movement and per plain movement, in queue order."""
    raw: list[tuple[tuple[int, int, int], int, int, int, float]] = []
    first_stop = ms.stop_start[:-1]
    for i in range(len(ms)):
        pa, pb = int(ms.party_start[i]), int(ms.party_start[i + 1])
        if pa == pb:
            release = float(ms.stop_arrive[first_stop[i]])
            raw.append(((2, 1 << 30, i), i, int(ms.people[i]), -1, release))
            continue
        for k in ms.party[pa:pb].tolist():
            p = parties[ms.party_names[k]]
            listed.append(p)
            key = (0 if p.urgent else 1, p.priority, i)
            raw.append((key, i, p.size, len(listed) - 1, float(p.release_minute)))
    ordered = sorted(range(len(raw)), key=lambda n: (raw[n][0], n))
    rank = {n: r for r, n in enumerate(ordered)}
    return [
        _Unit(movement=i, people=people, party=party, release=release, order=rank[n])
        for n, (_, i, people, party, release) in enumerate(raw)
    ]
