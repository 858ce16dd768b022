"""One run of a plan as people would follow it: ``policy="follow"``.

The second stage of :func:`~evacplan.uncertainty.simulate`, run once per
draw. Everyone keeps to the plan's itinerary; what the run changes is when
they are ready and how long each link takes. The rules (``docs/uncertainty.md``):

- A unit at a place by its movement's planned departure leaves then, in the
  slot the plan gave it (early ones wait for it: the plan's timetable holds).
  Units of one movement that leave together go on together: they reach the
  next place when the last of them does, as in the plan.
- A unit that misses its slot (it came late, or a closure took the link)
  joins the link's queue: first come, first served (ties in the plan's queue
  order), in the room its link, and the place's throughput, still have in
  each step after the slots of those on time. A party enters whole or over
  consecutive steps as room allows, and goes on when its last member has
  entered; plain counts split. A scheduled service's room is its seats at
  each departure, so a party that misses its flight takes the next with room.
- A slot nobody comes for is freed for the queue.
- Who is still queued when the simulated time ends, or behind a link that
  never opens again, is not safe in that run.

Deterministic: the draw (:mod:`._draws`) holds every random choice.
"""

from __future__ import annotations

import bisect
import heapq
import math
from dataclasses import dataclass
from typing import cast

import numpy as np

from evacplan.uncertainty._course import _Course, _Slot

__all__ = ["_Draw", "_Outcome", "follow"]


@dataclass(frozen=True, slots=True)
class _Draw:
    """Everything random about one run."""

    transit: np.ndarray
    """Per link group, its travel steps in this run."""
    starts: list[tuple[int, int, int]]
    """``(unit, people, step)``: people of a unit ready at their first place from a step
    (a plain count whose members come late at different steps starts in several pieces)."""
    closed: frozenset[int]
    """The closures that happen in this run (indices into the call's closures)."""
    no_show: int
    """People who never come."""
    no_show_parties: tuple[int, ...]
    """The parties (indices into ``_Course.parties``) who never come."""
    factor: dict[tuple[str, str, int], float]
    """The travel factor of each link group drawn, by its key (from, to, transit steps)."""


@dataclass(frozen=True, slots=True)
class _Outcome:
    """What one run gives back: arrivals and what held people up."""

    egress: float
    """Minutes until everyone who came is safe (``inf``: someone never is)."""
    party_arrival: np.ndarray
    """Per party, the minute it is safe (``nan``: never came; ``inf``: never safe)."""
    arrival_minutes: np.ndarray
    arrival_people: np.ndarray
    """The people safe at each minute (plain counts and parties together)."""
    not_safe: int
    no_show: int
    waited: np.ndarray
    """Per link group, person-minutes spent queueing for room."""
    missed: np.ndarray
    """Per link group, people who missed their planned slot (a departure, for a service)."""
    stuck: np.ndarray
    """Per link group, people still queued when the simulated time ends."""
    closed: frozenset[int]
    """The closures that happened."""
    replans: int = 0
    """How many times the people not yet safe were re-planned (``policy="replan"``)."""
    why: tuple[tuple[str, int], ...] = ()
    """Why people are not safe: ``(reason, people)``, the reason the same words in every run."""


_ARRIVE, _SLOT, _QUEUE = 0, 1, 2


class _Run:
    """The state of one run: where every unit is, the queues, the room used."""

    def __init__(self, course: _Course, draw: _Draw, room: np.ndarray, base: np.ndarray) -> None:
        self.c = course
        self.transit = draw.transit.tolist()
        self.room = room
        self.base = base
        self.halt_on_dead_end = False
        """Stop the run when a queue comes to a dead end (``policy="replan"`` re-plans then)."""
        self.halted: int | None = None
        """The step at which it stopped at a dead end."""
        self.open_as_planned = room is base or bool(np.array_equal(room, base))
        """No closure in this run: every slot's room is as the plan had it."""
        self.used = course.planned_use.copy()
        self.gate_used = course.planned_gate_use.copy()
        self.heap: list[tuple[int, int, int, int, object]] = []
        self.seq = 0
        units = course.units
        self.movement: list[int] = []
        self.people: list[int] = []
        self.party: list[int] = []
        self.order: list[int] = []
        self.leg: list[int] = []
        self.ready: list[int] = []
        self.entered: list[int] = []
        self.safe_at: list[int] = []
        self.waiting: dict[tuple[int, int], list[int]] = {}
        self.done: set[tuple[int, int]] = set()
        self.queues: list[list[tuple[int, int, int]]] = [[] for _ in course.group_names]
        self.scheduled: list[set[int]] = [set() for _ in course.group_names]
        n = len(course.group_names)
        self.waited = np.zeros(n, dtype=np.int64)
        self.missed = np.zeros(n, dtype=np.int64)
        for u, people, step in draw.starts:
            unit = units[u]
            v = self._new(unit.movement, people, unit.party, unit.order, 0)
            self._push(step, _ARRIVE, v)
        for m, legs in enumerate(course.slots):
            for j, slot in enumerate(legs):
                self._push(slot.first, _SLOT, (m, j))

    def _new(self, movement: int, people: int, party: int, order: int, leg: int) -> int:
        self.movement.append(movement)
        self.people.append(people)
        self.party.append(party)
        self.order.append(order)
        self.leg.append(leg)
        self.ready.append(0)
        self.entered.append(0)
        self.safe_at.append(-1)
        return len(self.people) - 1

    def _push(self, step: int, kind: int, what: object) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (step, kind, self.seq, kind, what))

    def run(self, until: int | None = None) -> None:
        """Every event in time order (arrivals, then planned departures, then queues), up to
        the step ``until`` (not included) when it is given."""
        while self.heap:
            if until is not None and self.heap[0][0] >= until:
                return
            step, kind, _, _, what = heapq.heappop(self.heap)
            if kind == _ARRIVE:
                self._arrive(what, step)  # type: ignore[arg-type]
            elif kind == _SLOT:
                self._slot(what, step)  # type: ignore[arg-type]
            else:
                self._queue(what, step)  # type: ignore[arg-type]
            if self.halted is not None:
                return

    def _arrive(self, u: int, step: int) -> None:
        """Unit ``u`` is at the start of its next leg (or safe) from ``step``."""
        m, j = self.movement[u], self.leg[u]
        legs = self.c.slots[m]
        if j == len(legs):
            self.safe_at[u] = step
            return
        slot = legs[j]
        self.ready[u] = step
        if (m, j) not in self.done and step <= slot.first:
            self.waiting.setdefault((m, j), []).append(u)
        else:
            self.missed[slot.group] += self.people[u]
            self._enqueue(slot.group, u, step)

    def _slot(self, key: tuple[int, int], step: int) -> None:
        """A movement's planned departure on a leg: who is there takes it; the rest is freed."""
        m, j = key
        self.done.add(key)
        slot = self.c.slots[m][j]
        g = slot.group
        here = self.waiting.pop(key, None)
        if here is not None and len(here) == 1 and len(slot.entries) == 1 and self.open_as_planned:
            (u,) = here  # the common case: one unit, one step, as planned
            (s, n), people = slot.entries[0], self.people[u]
            self.leg[u] += 1
            self._push(s + self.transit[g], _ARRIVE, u)
            if n > people:
                self._free_slot(slot, s, n - people, step)
            return
        here = sorted(here or [], key=self.order.__getitem__)
        left = [n for _, n in slot.entries]
        if not self.open_as_planned and not self._usable(slot):
            for u in here:
                self.missed[g] += self.people[u]
                self._enqueue(g, u, step)
            here = []
        i, last, gone = 0, step, []
        for u in here:
            need = self.people[u]
            while need and i < len(left):
                take = min(need, left[i])
                left[i] -= take
                need -= take
                last = max(last, slot.entries[i][0])
                if not left[i]:
                    i += 1
            if need:  # cannot happen for a movement's own units; queue rather than lose them
                self._enqueue(g, u, step)
            else:
                gone.append(u)
        for u in gone:
            self.leg[u] += 1
            self._push(last + self.transit[g], _ARRIVE, u)
        for (s, _), n in zip(slot.entries, left, strict=True):
            if n:
                self._free_slot(slot, s, n, step)

    def _free_slot(self, slot: _Slot, s: int, n: int, step: int) -> None:
        """``n`` people of a slot's step ``s`` nobody came for: room for the queue."""
        if s >= self.c.horizon:
            return
        g = slot.group
        self.used[g, s] -= n
        if slot.gate >= 0:
            self.gate_used[slot.gate, s] -= n
        if self.queues[g] and s >= step:
            self._schedule(g, s)

    def _usable(self, slot: _Slot) -> bool:
        """Whether the run's closures leave every step of the slot as the plan had it."""
        return all(
            s < self.c.horizon and self.room[slot.group, s] == self.base[slot.group, s]
            for s, _ in slot.entries
        )

    def _enqueue(self, g: int, u: int, step: int) -> None:
        self.ready[u] = step
        self.entered[u] = 0
        bisect.insort(self.queues[g], (step, self.order[u], u))
        self._schedule(g, step)

    def _schedule(self, g: int, step: int) -> None:
        if step not in self.scheduled[g]:
            self.scheduled[g].add(step)
            self._push(step, _QUEUE, g)

    def _free(self, g: int, first: int, last: int) -> np.ndarray:
        """Room left for the queue of group ``g`` in steps ``first`` to ``last - 1``."""
        free = self.room[g, first:last] - self.used[g, first:last]
        gate = int(self.c.group_gate[g])
        if gate >= 0:
            gates = self.c.gate_room[gate, first:last] - self.gate_used[gate, first:last]
            free = np.minimum(free, gates)
        return free

    def _queue(self, g: int, step: int) -> None:
        """The queue of group ``g`` takes the room left in ``step``, first come first served."""
        self.scheduled[g].discard(step)
        q = self.queues[g]
        if not q or step >= self.c.horizon:
            return
        free = int(self._free(g, step, step + 1)[0])
        gate = int(self.c.group_gate[g])
        while free > 0 and q:
            u = q[0][2]
            need = self.people[u] - self.entered[u]
            n = min(free, need)
            free -= n
            self.used[g, step] += n
            if gate >= 0:
                self.gate_used[gate, step] += n
            self.waited[g] += n * (step - self.ready[u])
            if self.party[u] >= 0 or n == need:
                self.entered[u] += n
                if self.entered[u] == self.people[u]:
                    q.pop(0)
                    self.leg[u] += 1
                    self._push(step + self.transit[g], _ARRIVE, u)
            else:
                self.people[u] -= n
                v = self._new(self.movement[u], n, -1, self.order[u], self.leg[u] + 1)
                self._push(step + self.transit[g], _ARRIVE, v)
        if q:
            later = np.flatnonzero(self._free(g, step + 1, self.c.horizon) > 0)
            if later.size:
                self._schedule(g, step + 1 + int(later[0]))
            elif self.halt_on_dead_end:
                self.halted = step  # nobody queued here gets through: re-plan them

    def queued(self) -> list[int]:
        """Per link group, the people still queued for it."""
        return [sum(self.people[u] - self.entered[u] for *_, u in q) for q in self.queues]

    def why_stuck(self, queued: list[int]) -> list[tuple[str, int]]:
        """Why the people ``queued`` (per link group) never got through, with how many."""
        return [(_stuck_words(self, g), n) for g, n in enumerate(queued) if n]

    def where(self, step: int) -> list[tuple[int, str, int]]:
        """Who is not yet safe at ``step`` (the run stopped there), and where they can be
        re-planned from: ``(unit, place, minute)``, the place they are at or on their way to
        and the minute they are there (``step`` at the earliest). Units on their way to
        safety are left to arrive; a party part-way onto a link counts as at its start."""
        out = []
        c = self.c
        moving = {cast(int, what): s for s, kind, _, _, what in self.heap if kind == _ARRIVE}
        for u in range(len(self.people)):
            if self.safe_at[u] >= 0:
                continue
            legs = c.slots[self.movement[u]]
            j = self.leg[u]
            if u in moving and j == len(legs):
                continue  # arriving at safety: nothing to re-plan
            at = max(moving.get(u, self.ready[u]), step)
            out.append((u, c.group_ends[legs[j].group][0], at * c.step))
        return out

    def finish(self, step: int) -> None:
        """Let the units on their way to safety arrive; stop everything else at ``step``."""
        legs = self.c.slots
        for s, kind, _, _, what in self.heap:
            u = cast(int, what)
            if kind == _ARRIVE and self.leg[u] == len(legs[self.movement[u]]):
                self.safe_at[u] = s
        self.heap = []
        self.queues = [[] for _ in self.queues]
        self.waiting = {}


def follow(course: _Course, draw: _Draw, room: np.ndarray, base: np.ndarray) -> _Outcome:
    """One run of ``course`` under ``draw``: ``room`` is what each link group admits per step
    with the run's closures, ``base`` without them."""
    r = _Run(course, draw, room, base)
    r.run()
    step = course.step
    safe = np.array(r.safe_at, dtype=np.int64)
    people = np.array(r.people, dtype=np.int64)
    arrived = safe >= 0
    party_arrival = np.full(len(course.parties), np.nan)
    for u, p in enumerate(r.party):
        if p >= 0:
            party_arrival[p] = safe[u] * step if arrived[u] else math.inf
    not_safe = int(people[~arrived].sum())
    queued = r.queued()
    stuck = np.array(queued, dtype=np.int64)
    minutes = safe[arrived] * step
    egress = math.inf if not_safe else float(minutes.max(initial=0))
    why = tuple(r.why_stuck(queued))
    return _Outcome(
        egress=egress,
        party_arrival=party_arrival,
        arrival_minutes=minutes,
        arrival_people=people[arrived],
        not_safe=not_safe,
        no_show=draw.no_show,
        waited=r.waited * step,
        missed=r.missed,
        stuck=stuck,
        closed=draw.closed,
        why=why,
    )


def _stuck_words(r: _Run, g: int) -> str:
    """Why people queued for group ``g`` never got through, the same words in every run."""
    c = r.c
    u, v = c.group_ends[g]
    where = f"waiting at {u} for {c.group_names[g]} (to {v})"
    first = min(ready for ready, _, _ in r.queues[g])
    if not (r.room[g, first:] - r.used[g, first:] > 0).any():
        if c.group_service[g]:
            return f"{where}: no seat on a departure after they came"
        return f"{where}: it does not open again"
    return f"{where}: still queued when the simulated time ends"
