"""The front door, :func:`simulate`: a plan run many times under drawn uncertainty.

Checks the arguments (:mod:`._arguments`), compiles the plan once
(:mod:`._course`), then runs it in batches, here or on an executor: each
run draws its uncertainty from its own seed (:mod:`._draws`) and follows the
plan (:mod:`._follow`), re-planned at each closure under ``policy="replan"``
(:mod:`._replan`); the outcomes, in run order, make a
:class:`~evacplan.uncertainty.result.Simulation`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from evacplan.models import ThreatEvent
from evacplan.routing import EvacuationPlan
from evacplan.uncertainty._arguments import check
from evacplan.uncertainty._course import _Course, compile_plan
from evacplan.uncertainty._draws import _Spread, draw
from evacplan.uncertainty._follow import _Outcome, follow
from evacplan.uncertainty._replan import replan
from evacplan.uncertainty.result import Simulation

__all__ = ["simulate"]


def simulate(
    plan: Any,
    runs: int = 1000,
    seed: int = 0,
    travel_factor: tuple[float, float, float] | None = None,
    late: tuple[float | str, float | str] | None = None,
    no_show: float | str | None = None,
    closures: Sequence[Any] | None = None,
    policy: str = "follow",
    executor: Any = None,
    progress: bool = False,
) -> Simulation:
    """Run a plan many times as people would follow it under delays, late arrivals and closures.

    Each run draws its own uncertainty and plays the plan out: everyone keeps
    to their itinerary and the plan's timetable; who is late for their slot
    queues for the room left, first come first served; a party that misses a
    departure takes the next with room; capacities and throughputs still hold
    (the rules are in ``docs/uncertainty.md``). With nothing uncertain every
    run is the plan itself.

    Parameters
    ----------
    plan
        An :class:`~evacplan.routing.EvacuationPlan` or a
        :class:`~evacplan.contingency.ContingencyPlan` (its joint evacuation).
    runs
        How many runs.
    seed
        Run ``i`` draws from ``numpy.random.SeedSequence(seed).spawn(runs)[i]``:
        the same seed gives the same result here and on any executor.
    travel_factor
        ``(low, mode, high)``: each run multiplies each link's travel time by a
        factor from a triangular distribution (one per road: parallel links of
        equal transit share it); ``(1, 1, 1)`` is none. By default the
        scenario's ``uncertainty`` section (by link, region and mode), else none.
    late
        ``(share, up_to)``: that share of parties reaches its first place late,
        by a uniform time up to ``up_to`` (minutes or ``"2h"``); a share may be
        written ``"5%"``. Of plain counts, each person on their own. By default
        the scenario's section, else nobody.
    no_show
        The share of parties that never come (counted apart, not as late); by
        default the scenario's section, else none.
    closures
        Closures that may happen: each a mapping with the keys of a scenario's
        threat (``links``, ``places``, ``streets``, ``regions``, ``at``,
        ``until``) and its ``probability``, or a ThreatEvent (certain). Each
        closes what it names from ``at`` in that share of runs; people whose
        itinerary it cuts wait, and are not safe if it never reopens. By
        default the scenario's threats that close with a ``probability`` under
        1 (plans are made without them); ``[]`` for none.
    policy
        ``"follow"``: everyone follows the plan. ``"replan"``: at each closure
        that happens, and whenever people come to a dead end (a last departure
        missed, a road closed for good), who is not yet safe is re-planned from
        where they are (:func:`~evacplan.routing.evacuate`, the plan's
        objective, what has closed so far) and follows the new plan; the
        difference is the value of re-planning.
    executor
        A ``concurrent.futures`` executor (or a Dask client's
        ``get_executor()``) to run batches of runs on.
    progress
        Show a progress bar (tqdm).

    Returns
    -------
    Simulation
        Clearance times per run (``egress_quantiles``, ``p_safe_by``), each
        party's odds, the links and departures that bind.

    Raises
    ------
    ScenarioError
        Every problem with the arguments at once, each at its name.

    Examples
    --------
    One person on a 60-minute road whose travel time may stretch to double:

    >>> from evacplan.models import Network
    >>> from evacplan.routing import evacuate
    >>> net = Network.model_validate({
    ...     "places": [{"id": "home", "kind": "residence"}, {"id": "out", "kind": "border",
    ...                "safe": True}],
    ...     "links": [{"source": "home", "target": "out", "minutes": 60,
    ...                "capacity_per_hour": 60}]})
    >>> plan = evacuate(net, supply={"home": 1}, step_minutes=1)
    >>> sim = simulate(plan, runs=2000, seed=0, travel_factor=(1, 1, 2))
    >>> sim.egress_quantiles[50]  # 60 x (2 - sqrt(1/2)) = 77.6, on the minute grid
    78.0
    """
    inp = check(
        plan, runs, seed, travel_factor, late, no_show, closures, policy, executor, progress
    )
    started = time.perf_counter()
    course = compile_plan(inp.plan, _horizon(inp.plan, inp.spread))
    bar = None
    if inp.progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=inp.runs, desc="runs", unit="run")
    try:
        outcomes = _run_all(inp, course, bar)
    finally:
        if bar is not None:
            bar.close()
    return _result(inp, course, outcomes, time.perf_counter() - started)


def _run_all(inp: Any, course: _Course, bar: Any) -> list[_Outcome]:
    """Every run, in run order: here on the course compiled once, or in batches on the
    executor (each batch compiles its own)."""
    outcomes: list[_Outcome] = []
    batches = _batches(inp.runs, inp.executor)
    if inp.executor is None:
        for first, last in batches:
            outcomes += _runs(course, inp.spread, inp.closures, inp.seed, first, last, inp.policy)
            if bar is not None:
                bar.update(last - first)
        return outcomes
    horizon = course.horizon_minutes
    futures = [
        inp.executor.submit(
            _batch, inp.plan, horizon, inp.spread, inp.closures, inp.seed, first, last, inp.policy
        )
        for first, last in batches
    ]
    for future in futures:
        done = future.result()
        outcomes += done
        if bar is not None:
            bar.update(len(done))
    return outcomes


def _horizon(plan: EvacuationPlan, spread: _Spread) -> float:
    """How far to simulate: twice the latest the plan could stretch to (by the highest travel
    factor of any link), and a day."""
    latest = max(
        [float(plan.egress_minutes or 0)] + [float(p.release_minute) for p in plan.parties]
    )
    triples = [spread.travel_factor, *spread.modes.values(), *spread.regions.values()]
    high = max(t[2] for t in [*triples, *spread.links.values()])
    return 2 * (latest * high + spread.late_up_to) + 1440


def _batches(runs: int, executor: Any) -> list[tuple[int, int]]:
    """Runs in batches: one here; on an executor, enough that the last ones end close together."""
    size = runs if executor is None else max(1, math.ceil(runs / 32))
    return [(i, min(runs, i + size)) for i in range(0, runs, size)]


def _batch(
    plan: EvacuationPlan,
    horizon: float,
    spread: _Spread,
    closures: tuple[ThreatEvent, ...],
    seed: int,
    first: int,
    last: int,
    policy: str = "follow",
) -> list[_Outcome]:
    """Runs ``first`` to ``last - 1`` of ``plan`` (module-level, so a process pool or Dask can
    run it: it compiles the plan where it runs)."""
    return _runs(compile_plan(plan, horizon), spread, closures, seed, first, last, policy)


def _runs(
    course: _Course,
    spread: _Spread,
    closures: tuple[ThreatEvent, ...],
    seed: int,
    first: int,
    last: int,
    policy: str,
) -> list[_Outcome]:
    """Runs ``first`` to ``last - 1`` of a compiled plan."""
    base = course.room(frozenset(), closures)
    out = []
    for i in range(first, last):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)))
        d = draw(course, spread, rng)
        if policy == "replan":
            out.append(replan(course, d, spread, closures, rng))
        else:
            out.append(follow(course, d, course.room(d.closed, closures), base))
    return out


def _result(inp: Any, course: _Course, outcomes: list[_Outcome], seconds: float) -> Simulation:
    ev = inp.plan
    horizon = course.horizon_minutes
    runs = len(outcomes)
    n_groups = len(course.group_names)
    planned = {pid: float(m.arrival_minute) for m in ev.movements for pid in m.parties}
    closed = np.zeros((runs, len(inp.closures)), dtype=bool)
    for r, o in enumerate(outcomes):
        closed[r, sorted(o.closed)] = True
    return Simulation(
        runs=runs,
        seed=inp.seed,
        policy=inp.policy,
        planned_egress=float(ev.egress_minutes or 0),
        step_minutes=ev.step_minutes,
        horizon_minutes=horizon,
        settings={
            "travel_factor": inp.spread.travel_factor,
            "late": (inp.spread.late_share, inp.spread.late_up_to),
            "no_show": inp.spread.no_show,
            "closure_p": inp.spread.closure_p,
            "modes": dict(inp.spread.modes),
            "regions": dict(inp.spread.regions),
            "links": dict(inp.spread.links),
        },
        egress=np.array([o.egress for o in outcomes], dtype=np.float64),
        no_show=np.array([o.no_show for o in outcomes], dtype=np.int64),
        not_safe=np.array([o.not_safe for o in outcomes], dtype=np.int64),
        replans=np.array([o.replans for o in outcomes], dtype=np.int64),
        party_ids=tuple(p.id for p in course.parties),
        party_people=np.array([p.size for p in course.parties], dtype=np.int64),
        planned_arrival=np.array([planned[p.id] for p in course.parties], dtype=np.float64),
        party_arrival=np.array([o.party_arrival for o in outcomes]).reshape(
            runs, len(course.parties)
        ),
        closures=tuple(_closure_name(t, t.id not in inp.unnamed) for t in inp.closures),
        closed=closed,
        links=tuple(
            (name, u, v, bool(course.group_service[g]))
            for g, (name, (u, v)) in enumerate(
                zip(course.group_names, course.group_ends, strict=True)
            )
        ),
        waited=_stack([o.waited for o in outcomes], runs, n_groups),
        missed=_stack([o.missed for o in outcomes], runs, n_groups),
        stuck=_stack([o.stuck for o in outcomes], runs, n_groups),
        start=ev.network.start if ev.network is not None else None,
        plan_stranded=sum(s.count for s in ev.stranded),
        seconds=seconds,
        _arrivals=[(o.arrival_minutes, o.arrival_people) for o in outcomes],
        _why=[o.why for o in outcomes],
    )


def _stack(rows: list[np.ndarray], runs: int, n: int) -> np.ndarray:
    return np.array(rows, dtype=np.int64).reshape(runs, n)


def _closure_name(t: ThreatEvent, given: bool = True) -> str:
    """A closure as the summary names it: its id and what it closes; a closure given without
    an id by what it closes alone (``bgd-north-highway closing``)."""
    what = ", ".join([*t.links, *t.places, *t.streets, *t.regions])
    if not given:
        return f"{what} closing" if what else t.id
    return f"{t.id} ({what})" if what else t.id
