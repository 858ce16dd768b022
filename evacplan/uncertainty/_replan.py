"""One run under ``policy="replan"``: at each closure and each dead end, the people not yet
safe are re-planned.

The run follows the plan (:mod:`._follow`) until the first closure that
happens in it, or the first dead end (people queued where no room is left at
any later time: a last departure gone, a road closed for good). There it
stops: who is not yet safe is re-planned from where
they are (the place they wait at, or the one they are on their way to, from
when they get there) by :func:`evacplan.routing.evacuate`, with the same
objective, under the plan's threats and every closure that has happened so
far (not the ones still to come: nobody knows them yet). The run then
follows the new plan, with the same travel factors (a road the first plan
did not take draws its own), until the next closure or dead end, and so on
(at most ``MAX_REPLANS`` times). People on
their way to safety when a closure happens arrive as they were going. A
plain count re-planned travels as one party (it is not split again).

The difference from ``follow`` is the value of re-planning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from evacplan.models import ThreatEvent
from evacplan.results import Party
from evacplan.routing import EvacuationPlan, evacuate
from evacplan.uncertainty._course import _Course, compile_plan
from evacplan.uncertainty._draws import _Spread, more_factors, transit_of
from evacplan.uncertainty._follow import _Draw, _Outcome, _Run

__all__ = ["replan"]


@dataclass
class _Tally:
    """What the phases of a run add up to, against the first plan's parties and links."""

    first: _Course
    arrivals: dict[str, float] = field(default_factory=dict)
    minutes: list[int] = field(default_factory=list)
    people: list[int] = field(default_factory=list)
    waited: np.ndarray = field(init=False)
    missed: np.ndarray = field(init=False)
    stuck: np.ndarray = field(init=False)
    not_safe: int = 0
    replans: int = 0
    why: list[tuple[str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.first.group_keys)
        self.waited = np.zeros(n, dtype=np.int64)
        self.missed = np.zeros(n, dtype=np.int64)
        self.stuck = np.zeros(n, dtype=np.int64)

    def add(self, run: _Run, final: bool) -> None:
        """The arrivals of a phase's run (and, for the last phase, who is never safe)."""
        c = run.c
        step = c.step
        for u, at in enumerate(run.safe_at):
            if at < 0:
                if final:
                    self.not_safe += run.people[u]
                continue
            self.minutes.append(at * step)
            self.people.append(run.people[u])
            if run.party[u] >= 0:
                self.arrivals[c.parties[run.party[u]].id] = at * step
        index = {key: g for g, key in enumerate(self.first.group_keys)}
        queued = run.queued() if final else []
        for g, key in enumerate(c.group_keys):
            k = index.get(key)
            if k is not None:
                self.waited[k] += run.waited[g] * step
                self.missed[k] += run.missed[g]
                if final:
                    self.stuck[k] += queued[g]
        if final:
            self.why += run.why_stuck(queued)


MAX_REPLANS = 10
"""Re-plans a run makes at most; past them, people follow the last plan."""


def replan(
    course: _Course,
    draw: _Draw,
    spread: _Spread,
    closures: tuple[ThreatEvent, ...],
    rng: np.random.Generator,
) -> _Outcome:
    """One run of ``course`` under ``draw``, re-planned at each closure that happens and
    whenever someone comes to a dead end (a last departure missed, a road that will not
    open again)."""
    plan = course.plan
    factor = {**more_factors(course, spread, rng), **draw.factor}
    pending = sorted({_step(course, closures[i]) for i in draw.closed})
    tally = _Tally(course)
    run = _Run(course, draw, course.room(draw.closed, closures), course.room(frozenset(), closures))
    run.halt_on_dead_end = True
    while True:
        run.run(until=pending[0] if pending else None)
        if run.halted is not None:
            t = run.halted
        elif pending:
            t = pending[0]
        else:
            break
        pending = [p for p in pending if p > t]
        if tally.replans == MAX_REPLANS:
            run.halt_on_dead_end, run.halted = False, None
            continue  # people follow the last plan from here
        left = run.where(t)
        run.finish(t)
        tally.add(run, final=False)
        if not left:
            return _outcome(tally, draw)  # everyone is safe or on their way there
        later = frozenset(i for i in draw.closed if _step(course, closures[i]) > t)
        known = tuple(closures[i] for i in sorted(draw.closed) if i not in later)
        new = _new_plan(plan, run, left, known)
        tally.replans += 1
        tally.not_safe += sum(s.count for s in new.stranded)
        tally.why += [
            (f"re-planned at {s.place}: {s.reason.split('; they may leave only from')[0]}", s.count)
            for s in new.stranded
        ]
        course = compile_plan(new, course.horizon_minutes)
        starts = [
            (u, unit.people, math.ceil(unit.release / course.step - 1e-9))
            for u, unit in enumerate(course.units)
        ]
        d = _Draw(transit_of(course, factor), starts, later, 0, (), factor)
        run = _Run(course, d, course.room(later, closures), course.room(frozenset(), closures))
        run.halt_on_dead_end = True
    tally.add(run, final=True)
    return _outcome(tally, draw)


def _step(course: _Course, closure: ThreatEvent) -> int:
    """The step at which a closure takes effect (rounded down: it closes that step)."""
    minute = course.network.minute(closure.at)
    return max(0, int(minute // course.step))


def _new_plan(
    plan: EvacuationPlan,
    run: _Run,
    left: list[tuple[int, str, int]],
    known: tuple[ThreatEvent, ...],
) -> EvacuationPlan:
    """Who is not yet safe, re-planned from where they are under what has closed so far."""
    c = run.c
    parties = []
    for u, place, minute in left:
        if run.party[u] >= 0:
            p = c.parties[run.party[u]]
            parties.append(
                Party(
                    p.id,
                    p.size,
                    place,
                    post=p.post,
                    release_minute=minute,
                    priority=p.priority,
                    urgent=p.urgent,
                )
            )
        else:
            parties.append(
                Party(f"~plain-{run.movement[u]}-{u}", run.people[u], place, release_minute=minute)
            )
    net = plan.network
    assert net is not None
    return evacuate(
        net,
        parties=parties,
        safe=plan.safe,
        threats=(*plan._threats, *known),
        step_minutes=plan.step_minutes,
        objective=plan.objective,
        deadline=plan.deadline_minutes if plan.objective in ("safest", "most_saved") else None,
        hazard_per_hour=plan.hazard_per_hour,
        time_limit=max(5.0, 2 * plan.runtime_seconds),
    )


def _outcome(t: _Tally, draw: _Draw) -> _Outcome:
    parties = t.first.parties
    arrival = np.full(len(parties), np.nan)
    gone = set(draw.no_show_parties)
    for k, p in enumerate(parties):
        if k not in gone:
            arrival[k] = t.arrivals.get(p.id, math.inf)
    minutes = np.array(t.minutes, dtype=np.int64)
    return _Outcome(
        egress=math.inf if t.not_safe else float(minutes.max(initial=0)),
        party_arrival=arrival,
        arrival_minutes=minutes,
        arrival_people=np.array(t.people, dtype=np.int64),
        not_safe=t.not_safe,
        no_show=draw.no_show,
        waited=t.waited,
        missed=t.missed,
        stuck=t.stuck,
        closed=draw.closed,
        replans=t.replans,
        why=tuple(t.why),
    )
